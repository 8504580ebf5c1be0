/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mcp.c: libFuzzer target for the JSON-RPC line reader and everything
 * behind it: stdio_serve splits the input into lines, the server parses and
 * dispatches them, tools/call validates arguments against the tools' input
 * schemas, runs the tool against the in-process sandbox and normalizes the
 * Graph answer.  Every tool of every toolset is enabled.  Each input runs
 * in a fresh server whose session the harness has already initialized, so
 * the fuzzer's lines reach tools/call at once.  Beyond "no crash, no leak,
 * no UB, no hang" it checks that every message the server writes is one
 * line of JSON with "jsonrpc":"2.0", and that the sandbox's credentials
 * never appear in the output (unless the input carried them itself).  Build: tests/fuzz/fuzz.cmake.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/log.h"
#include "graph/graph.h"
#include "mcp/server.h"
#include "sandbox/sandbox.h"
#include "store/store.h"
#include "tools/account.h"
#include "tools/registry.h"
#include "transport/stdio.h"

#define CHECK(x)                                                            \
  do {                                                                      \
    if (!(x)) {                                                             \
      fprintf(stderr, "property failed: %s (line %d)\n", #x, __LINE__);     \
      __builtin_trap();                                                     \
    }                                                                       \
  } while (0)

static const char PRELUDE[] =
  "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
  "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
  "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}\n"
  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";

static struct sandbox *sbx;
static struct graph *g;
static struct store *st;
static struct account the_acct;
/* 0 when the input itself holds a credential (an error may quote it). */
static int check_secrets;

/* Called with the server's output mutex held: checks one message. */
static void
sink(void *arg, const char *data, size_t len, const struct mcp_out *o)
{
  json_error_t je;
  json_t *m;

  (void)arg;
  (void)o;
  CHECK(memchr(data, '\n', len) == NULL);
  if (check_secrets) {
    CHECK(memmem(data, len, SANDBOX_IG_TOKEN, strlen(SANDBOX_IG_TOKEN)) ==
          NULL);
    CHECK(memmem(data, len, SANDBOX_APP_SECRET,
                 strlen(SANDBOX_APP_SECRET)) == NULL);
  }
  m = json_loadb(data, len, 0, &je);
  CHECK(m != NULL);
  CHECK(json_is_object(m) || json_is_array(m));
  if (json_is_object(m)) {
    const char *v = json_string_value(json_object_get(m, "jsonrpc"));
    CHECK(v != NULL && strcmp(v, "2.0") == 0);
  }
  json_decref(m);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  struct sandbox_opts so = { 0 };
  struct graph_config gc = { 0 };
  struct registry_filter f = { 0 };
  struct err e = { 0 };
  char url[64];

  (void)argc;
  (void)argv;
  log_set_stderr_level(LOG_ERROR);
  graph_global_init();
  f.toolsets = "all";
  if (registry_init(&e) != 0 || registry_select(&f, &e) != 0) {
    fprintf(stderr, "fuzz_mcp: %s\n", e.msg);
    exit(1);
  }
  sbx = sandbox_start(&so, &e);
  if (sbx == NULL) {
    fprintf(stderr, "fuzz_mcp: sandbox: %s\n", e.msg);
    exit(1);
  }
  snprintf(url, sizeof(url), "http://127.0.0.1:%u",
           (unsigned)sandbox_port(sbx));
  gc.login = GRAPH_LOGIN_INSTAGRAM;
  gc.token = SANDBOX_IG_TOKEN;
  gc.app_secret = SANDBOX_APP_SECRET;
  gc.app_id = SANDBOX_APP_ID;
  gc.base_url = url;
  /* One quick attempt: the fuzzer wants executions, not back-offs. */
  gc.timeout_ms = 5000;
  gc.max_attempts = 1;
  g = graph_new(&gc, &e);
  st = store_open(":memory:", &e);
  if (g == NULL || st == NULL) {
    fprintf(stderr, "fuzz_mcp: %s\n", e.msg);
    exit(1);
  }
  the_acct.login = GRAPH_LOGIN_INSTAGRAM;
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct mcp_server_config cfg = { 0 };
  struct mcp_server *s;
  int fd = memfd_create("fuzz_mcp", 0);

  CHECK(fd >= 0);
  /* Both credentials contain "sandbox". */
  check_secrets = memmem(data, size, "sandbox", 7) == NULL;
  CHECK(write(fd, PRELUDE, sizeof(PRELUDE) - 1) ==
        (ssize_t)(sizeof(PRELUDE) - 1));
  if (size > 0)
    CHECK(write(fd, data, size) == (ssize_t)size);
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  cfg.workers = 2;
  cfg.graph = g;
  cfg.acct = &the_acct;
  cfg.store = st;
  cfg.now_ms = sandbox_now_ms;
  cfg.now_arg = sbx;
  cfg.write = sink;
  cfg.shared_log = 1; /* the harness keeps logging to itself */
  s = mcp_server_new(&cfg);
  CHECK(s != NULL);
  (void)stdio_serve(s, fd);
  mcp_server_shutdown(s, 10000);
  mcp_server_free(s);
  close(fd);
  return 0;
}
