/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http.c: libFuzzer target for the HTTP request path.  One Streamable
 * HTTP server (with the in-process sandbox behind it, every toolset on)
 * runs for the whole fuzzing session; each input is written as raw bytes to
 * a new loopback connection, the write side is shut, and the answer read
 * to the end.  That drives libmicrohttpd's parser and all of igmcp's
 * handling: Host and Origin checks, sessions, protocol headers, JSON-RPC
 * bodies, SSE, the metadata document, the webhook receiver.  Properties: the server never hangs
 * (it answers the input, or a fresh request after it, within 10 s),
 * whatever it answers is
 * an HTTP/1.x status line, credentials never appear in it, and the server
 * keeps serving.  Build: tests/fuzz/fuzz.cmake.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/log.h"
#include "graph/graph.h"
#include "sandbox/sandbox.h"
#include "store/store.h"
#include "tools/account.h"
#include "tools/registry.h"
#include "transport/http.h"

#define CHECK(x)                                                            \
  do {                                                                      \
    if (!(x)) {                                                             \
      fprintf(stderr, "property failed: %s (line %d)\n", #x, __LINE__);     \
      __builtin_trap();                                                     \
    }                                                                       \
  } while (0)

static struct http_server *hs;
static struct account the_acct;
static uint16_t port;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  struct sandbox_opts so = { 0 };
  struct graph_config gc = { 0 };
  struct registry_filter f = { 0 };
  struct http_config hc = { 0 };
  struct err e = { 0 };
  struct sandbox *sbx;
  struct graph *g;
  struct store *st;
  char url[64];

  (void)argc;
  (void)argv;
  log_set_stderr_level(LOG_CRITICAL);
  graph_global_init();
  f.toolsets = "all";
  if (registry_init(&e) != 0 || registry_select(&f, &e) != 0)
    goto fail;
  if ((sbx = sandbox_start(&so, &e)) == NULL)
    goto fail;
  snprintf(url, sizeof(url), "http://127.0.0.1:%u",
           (unsigned)sandbox_port(sbx));
  gc.login = GRAPH_LOGIN_INSTAGRAM;
  gc.token = SANDBOX_IG_TOKEN;
  gc.app_secret = SANDBOX_APP_SECRET;
  gc.base_url = url;
  gc.timeout_ms = 5000;
  gc.max_attempts = 1;
  if ((g = graph_new(&gc, &e)) == NULL ||
      (st = store_open(":memory:", &e)) == NULL)
    goto fail;
  the_acct.login = GRAPH_LOGIN_INSTAGRAM;
  hc.server.graph = g;
  hc.server.acct = &the_acct;
  hc.server.store = st;
  hc.server.now_ms = sandbox_now_ms;
  hc.server.now_arg = sbx;
  hc.app_secret = SANDBOX_APP_SECRET; /* /webhook takes deliveries */
  hc.verify_token = "fuzz-verify-token";
  hc.store = st;
  hc.idle_timeout = 2; /* sessions the fuzzer opens end soon */
  if ((hs = http_start(&hc, &e)) == NULL)
    goto fail;
  port = http_port(hs);
  return 0; /* everything lives until the process exits */
fail:
  fprintf(stderr, "fuzz_http: %s\n", e.msg);
  exit(1);
}

static int64_t
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 once buf holds a whole answer: headers and Content-Length bytes of
 * body, a chunked body's last chunk, or an event stream's headers (it
 * stays open by design).  libmicrohttpd keeps a connection whose client
 * shut its write side open until its timeout, so the harness cannot wait
 * for the close. */
static int
answer_complete(const char *buf, size_t got)
{
  const char *end = strstr(buf, "\r\n\r\n"), *cl;

  if (end == NULL)
    return 0;
  if (strcasestr(buf, "text/event-stream") != NULL)
    return 1;
  if ((cl = strcasestr(buf, "\r\nContent-Length:")) != NULL && cl < end)
    return got >= (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
  if (strcasestr(buf, "\r\nTransfer-Encoding: chunked") != NULL)
    return strstr(end, "\r\n0\r\n\r\n") != NULL;
  return 0;
}

/* A new loopback connection to the server, or -1. */
static int
dial(void)
{
  struct sockaddr_in sa = { 0 };
  struct timeval tv = { 10, 0 };
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  if (fd < 0)
    return -1;
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* 1 when the server answers a metadata request within 10 s. */
static int
probe_ok(void)
{
  static const char req[] = "GET /.well-known/oauth-protected-resource "
                            "HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  char buf[64];
  int fd = dial();
  ssize_t n;

  if (fd < 0)
    return 0;
  n = send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
  n = n == (ssize_t)(sizeof(req) - 1) ? recv(fd, buf, sizeof(buf), 0) : -1;
  close(fd);
  return n >= 12 && memcmp(buf, "HTTP/1.1 ", 9) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int64_t deadline = now_ms() + 500;
  char buf[65536];
  size_t got = 0, off = 0;
  int fd = dial();

  CHECK(fd >= 0);
  while (off < size) {
    ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL);
    if (w <= 0)
      break; /* the server may close early on a bad request */
    off += (size_t)w;
  }
  shutdown(fd, SHUT_WR);
  for (;;) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    int pr = poll(&pfd, 1, 100);
    ssize_t n;

    if (pr == 0) {
      if (now_ms() < deadline)
        continue;
      /* No whole answer yet: libmicrohttpd waits out its connection
       * timeout for a body shorter than its Content-Length, even after
       * the client's FIN.  That is not a hang as long as the server keeps
       * serving others, which a fresh request proves. */
      close(fd);
      CHECK(probe_ok());
      return 0;
    }
    if (pr < 0)
      continue; /* EINTR */
    n = recv(fd, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0)
      break; /* closed, or reset after an early refusal */
    got += (size_t)n;
    buf[got] = '\0';
    if (answer_complete(buf, got))
      break;
    if (got == sizeof(buf) - 1)
      got = 16; /* keep the status line, drop the rest */
  }
  close(fd);
  buf[got] = '\0';
  if (got > 0) {
    CHECK(got >= 9 && (memcmp(buf, "HTTP/1.1 ", 9) == 0 ||
                       memcmp(buf, "HTTP/1.0 ", 9) == 0));
    CHECK(strstr(buf, SANDBOX_IG_TOKEN) == NULL ||
          memmem(data, size, "sandbox", 7) != NULL);
  }
  return 0;
}
