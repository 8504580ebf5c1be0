/* SPDX-License-Identifier: MIT */
/*
 * http.c: Streamable HTTP (legacy era, 2025-11-25 and older) on one
 * libmicrohttpd daemon in epoll mode with suspend/resume.
 *
 * Objects and owners:
 *   struct http_server  owns the daemon, the session table, the list of
 *                       ended sessions and the keeper thread.
 *   struct session      one Mcp-Session-Id: its own mcp_server and the
 *                       streams waiting for its messages.  Live sessions
 *                       sit in h->sessions; an ended one moves to h->dead
 *                       and the keeper thread shuts its server down and
 *                       frees it (never the daemon's thread: joining
 *                       workers there would stall every connection).
 *   struct stream       where outgoing messages of a session go: a POST
 *                       waiting for its JSON answer (owned by the
 *                       connection's struct conn), a POST answered as an
 *                       SSE stream, or the GET stream (both owned by their
 *                       MHD response, freed in its free callback).
 *
 * Threads: the daemon's single polling thread runs every MHD callback and
 * every mcp_server_handle; the sessions' workers call session_write; the
 * keeper reaps ended sessions and sends keep-alive comments.  One mutex,
 * h->mu, guards the session table and every stream.  It is never held
 * while calling into an mcp_server or logging (session_write runs with the
 * server's output mutex and maybe the log mutex held, and takes h->mu), so
 * the lock order is: log, server out_mu, h->mu, MHD's internal locks.
 *
 * The two libmicrohttpd traps (../shared DEPS.md §4): a connection is
 * suspended only by the access handler or the content reader, and always
 * resumed by whoever clears st->suspended; the reader never returns 0
 * without suspending; and MHD_stop_daemon only runs once no connection is
 * suspended (http_stop ends and resumes every stream first).
 */
#include "transport/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "mcp/jsonrpc.h"

#define ENDPOINT "/mcp"
#define PRM_PATH "/.well-known/oauth-protected-resource"
/* An SSE stream whose client stops reading is ended past this backlog. */
#define STREAM_BACKLOG_MAX (16u * 1024 * 1024)
#define PING_MS_DEFAULT 15000L
#define STOP_WAIT_MS 5000L

enum stream_kind {
  ST_JSON,     /* a POST answered with one application/json body */
  ST_POST_SSE, /* a POST answered as text/event-stream */
  ST_GET,      /* the session's server-to-client stream */
};

struct session;

struct stream {
  struct stream *snext;        /* in its session's list */
  struct session *sess;        /* NULL once detached from the session */
  struct http_server *h;
  struct MHD_Connection *conn;
  enum stream_kind kind;
  char key[128];               /* the request id's key (POST kinds) */
  char tok[128];               /* the progress token's key, or "" */
  struct buf out;              /* SSE bytes not yet read, or the JSON body */
  size_t off;                  /* bytes of out already handed to MHD */
  unsigned status;             /* HTTP status of a JSON answer */
  int done;                    /* answered (POST) or ended (GET) */
  int failed;                  /* the answer is a JSON-RPC error */
  int suspended;               /* we suspended conn and must resume it */
};

struct session {
  struct session *next;        /* in h->sessions or h->dead */
  struct http_server *h;
  char id[65];                 /* 32 random bytes in hex */
  struct mcp_server *srv;
  struct stream *streams;
  unsigned long long event_seq;/* last event id on the GET stream */
  int busy;                    /* threads using srv outside h->mu */
  int ended;
};

/* Per-request state, from the first access-handler call to completion. */
struct conn {
  struct buf body;
  int too_big;
  struct stream *st;           /* an ST_JSON answer awaited (owned) */
};

struct http_server {
  struct http_config cfg;
  struct MHD_Daemon *d;
  pthread_mutex_t mu;
  pthread_cond_t cv;           /* keeper wake-up; a stream was freed */
  pthread_t keeper;
  int keeper_started;
  struct session *sessions;
  struct session *dead;
  int nsessions;
  long nstreams;               /* streams not yet freed */
  int closing;                 /* http_stop began: refuse requests */
  int stopping;                /* the keeper may exit once dead is empty */
  int loopback;                /* bound to a loopback address */
  char *token;                 /* the bearer token, or NULL */
  size_t tokenlen;
  long ping_ms;
  uint16_t port;
  char hostport[80];           /* addr:port as a URL authority */
  char url[112];
};

/* ---- small helpers ------------------------------------------------------ */

static int64_t
now_ms(void)
{
  return clock_mono_ms();
}

/* An absolute CLOCK_REALTIME time ms from now, for timed waits. */
static struct timespec
deadline_in(long ms)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

/* 1 when s is "localhost", "127.0.0.1" or "[::1]", optionally followed by
 * ":" and a port, and nothing else. */
static int
loopback_authority(const char *s, size_t n)
{
  static const char *names[] = { "localhost", "127.0.0.1", "[::1]" };

  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    size_t l = strlen(names[i]);
    size_t j;
    if (n < l || strncasecmp(s, names[i], l) != 0)
      continue;
    if (n == l)
      return 1;
    if (s[l] != ':' || n == l + 1 || n - l - 1 > 5)
      continue;
    for (j = l + 1; j < n && isdigit((unsigned char)s[j]); j++)
      ;
    if (j == n)
      return 1;
  }
  return 0;
}

/* A Host header we may copy into URLs: letters, digits and . - : [ ]. */
static int
host_chars_ok(const char *s)
{
  if (*s == '\0' || strlen(s) > 255)
    return 0;
  for (; *s != '\0'; s++)
    if (!isalnum((unsigned char)*s) && strchr(".-:[]", *s) == NULL)
      return 0;
  return 1;
}

/* Origin validation: the loopback origins over http or https, any port,
 * are always allowed; others only when listed (case-insensitive, a
 * trailing slash ignored). */
static int
origin_ok(const struct http_server *h, const char *o)
{
  size_t olen = strlen(o);
  const char *rest = NULL;

  while (olen > 0 && o[olen - 1] == '/')
    olen--;
  if (strncasecmp(o, "http://", 7) == 0)
    rest = o + 7;
  else if (strncasecmp(o, "https://", 8) == 0)
    rest = o + 8;
  if (rest != NULL && rest <= o + olen &&
      loopback_authority(rest, (size_t)(o + olen - rest)))
    return 1;
  for (int i = 0; i < h->cfg.norigins; i++) {
    const char *p = h->cfg.origins[i];
    while (*p != '\0') {
      const char *end = strchr(p, ',');
      size_t n = end ? (size_t)(end - p) : strlen(p);
      const char *q = p;
      size_t m = n;
      while (m > 0 && isspace((unsigned char)*q)) {
        q++;
        m--;
      }
      while (m > 0 && (isspace((unsigned char)q[m - 1]) || q[m - 1] == '/'))
        m--;
      if (m > 0 && m == olen && strncasecmp(q, o, m) == 0)
        return 1;
      p += n;
      if (*p == ',')
        p++;
    }
  }
  return 0;
}

/* 1 when the Accept header lists type (a plain substring test: media
 * ranges with parameters still contain the type). */
static int
accepts(struct MHD_Connection *c, const char *type)
{
  const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

  return a != NULL && strcasestr(a, type) != NULL;
}

/* ---- responses ---------------------------------------------------------- */

static struct MHD_Response *
resp_text(const char *body, const char *ctype)
{
  struct MHD_Response *r = MHD_create_response_from_buffer(
      strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);

  if (r != NULL && ctype != NULL)
    MHD_add_response_header(r, "Content-Type", ctype);
  return r;
}

static enum MHD_Result
send_resp(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
  enum MHD_Result ret;

  if (r == NULL)
    return MHD_NO;
  ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

/* An HTTP error whose body is a JSON-RPC error without an id, as the
 * specification suggests for refused messages. */
static enum MHD_Result
send_error(struct MHD_Connection *c, unsigned status, int code,
           const char *msg)
{
  json_t *e = jsonrpc_error(NULL, code, msg, NULL);
  char *text = jsonrpc_dump(e);
  enum MHD_Result ret;

  json_decref(e);
  ret = send_resp(c, status, resp_text(text, "application/json"));
  free(text);
  return ret;
}

static enum MHD_Result
send_empty(struct MHD_Connection *c, unsigned status)
{
  return send_resp(c, status, MHD_create_response_from_buffer(
                                  0, NULL, MHD_RESPMEM_PERSISTENT));
}

/* The authority to put in URLs we send: the validated Host header, or the
 * bound address. */
static const char *
authority(const struct http_server *h, struct MHD_Connection *c)
{
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

  return host != NULL && host_chars_ok(host) ? host : h->hostport;
}

/* ---- streams ------------------------------------------------------------ */

/* Creates a stream linked to ss (both under h->mu). */
static struct stream *
stream_new(struct http_server *h, struct session *ss,
           struct MHD_Connection *c, enum stream_kind kind)
{
  struct stream *st = xcalloc(1, sizeof(*st));

  st->h = h;
  st->sess = ss;
  st->conn = c;
  st->kind = kind;
  st->status = 200;
  buf_init(&st->out, kind == ST_JSON ? JSONRPC_MAX_MESSAGE
                                     : STREAM_BACKLOG_MAX);
  st->snext = ss->streams;
  ss->streams = st;
  h->nstreams++;
  return st;
}

/* Removes st from its session's list (under h->mu); idempotent. */
static void
stream_unlink(struct stream *st)
{
  struct stream **pp;

  if (st->sess == NULL)
    return;
  for (pp = &st->sess->streams; *pp != NULL; pp = &(*pp)->snext) {
    if (*pp == st) {
      *pp = st->snext;
      break;
    }
  }
  st->sess = NULL;
  st->snext = NULL;
}

/* Resumes st's connection if we suspended it (under h->mu). */
static void
stream_wake(struct stream *st)
{
  if (st->suspended) {
    st->suspended = 0;
    MHD_resume_connection(st->conn);
  }
}

/* Unlinks and frees st; takes h->mu. */
static void
stream_destroy(struct stream *st)
{
  struct http_server *h = st->h;

  pthread_mutex_lock(&h->mu);
  stream_unlink(st);
  h->nstreams--;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  buf_free(&st->out);
  free(st);
}

/* Appends one SSE event carrying data (under h->mu).  A stream whose
 * client lets the backlog pass STREAM_BACKLOG_MAX is ended. */
static void
stream_event(struct stream *st, const char *data, size_t len)
{
  struct buf *b = &st->out;
  int rc = 0;

  if (st->kind == ST_GET && st->sess != NULL)
    rc |= buf_printf(b, "id: %llu\n", ++st->sess->event_seq);
  rc |= buf_puts(b, "event: message\ndata: ");
  rc |= buf_append(b, data, len);
  rc |= buf_puts(b, "\n\n");
  if (rc != 0)
    st->done = 1;
  stream_wake(st);
}

/* Ends every stream of ss (under h->mu): a waiting JSON answer becomes an
 * HTTP error with a JSON-RPC error body, SSE streams end after what they
 * already hold. */
static void
streams_end(struct session *ss, unsigned status, const char *why)
{
  while (ss->streams != NULL) {
    struct stream *st = ss->streams;
    stream_unlink(st);
    if (!st->done && st->kind == ST_JSON) {
      json_t *e = jsonrpc_error(NULL, JSONRPC_INTERNAL_ERROR, why, NULL);
      char *text = jsonrpc_dump(e);
      json_decref(e);
      buf_reset(&st->out);
      buf_puts(&st->out, text);
      free(text);
      st->status = status;
      st->failed = 1;
    }
    st->done = 1;
    stream_wake(st);
  }
}

/* The content reader of both SSE kinds: hands out what is queued, ends
 * the stream once it is done and drained, and otherwise suspends the
 * connection until a producer resumes it (never returns 0 without
 * suspending: that would busy-loop the daemon). */
static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
  struct stream *st = cls;
  struct http_server *h = st->h;
  ssize_t n;

  (void)pos;
  pthread_mutex_lock(&h->mu);
  if (st->off < st->out.len) {
    size_t avail = st->out.len - st->off;
    if (avail > max)
      avail = max;
    memcpy(out, st->out.data + st->off, avail);
    st->off += avail;
    if (st->off == st->out.len) {
      buf_reset(&st->out);
      st->off = 0;
    }
    n = (ssize_t)avail;
  } else if (st->done) {
    n = MHD_CONTENT_READER_END_OF_STREAM;
  } else {
    st->suspended = 1;
    MHD_suspend_connection(st->conn);
    n = 0;
  }
  pthread_mutex_unlock(&h->mu);
  return n;
}

static void
stream_free_cb(void *cls)
{
  stream_destroy(cls);
}

/* Queues the text/event-stream response reading st. */
static enum MHD_Result
send_stream(struct MHD_Connection *c, struct stream *st, const char *sid)
{
  struct MHD_Response *r = MHD_create_response_from_callback(
      MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, st, stream_free_cb);

  if (r == NULL) {
    stream_destroy(st);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "text/event-stream");
  MHD_add_response_header(r, "Cache-Control", "no-cache");
  MHD_add_response_header(r, "X-Accel-Buffering", "no");
  if (sid != NULL)
    MHD_add_response_header(r, "Mcp-Session-Id", sid);
  return send_resp(c, 200, r);
}

/* ---- sessions ----------------------------------------------------------- */

/* The write callback of every session's server: routes one outgoing
 * message.  A response goes to the POST that carries its id; a progress
 * notification to the SSE stream of the request that asked for it;
 * everything else to the session's GET stream, or nowhere when none is
 * open.  Called with the server's output mutex (and maybe the log mutex)
 * held: it must not log. */
static void
session_write(void *arg, const char *data, size_t len)
{
  struct session *ss = arg;
  struct http_server *h = ss->h;
  json_t *m = json_loadb(data, len, 0, NULL);
  const char *method;
  char key[128] = "", tok[128] = "";
  int response = 0, failed = 0;
  struct stream *st, *to = NULL;

  if (m == NULL)
    return;
  method = json_string_value(json_object_get(m, "method"));
  if (method == NULL) {
    response = 1;
    failed = json_object_get(m, "error") != NULL;
    jsonrpc_id_key(json_object_get(m, "id"), key, sizeof(key));
  } else if (strcmp(method, "notifications/progress") == 0) {
    const json_t *t = json_object_get(json_object_get(m, "params"),
                                      "progressToken");
    if (t != NULL)
      jsonrpc_id_key(t, tok, sizeof(tok));
  }
  json_decref(m);

  pthread_mutex_lock(&h->mu);
  if (ss->ended)
    goto out;
  for (st = ss->streams; st != NULL && to == NULL; st = st->snext) {
    if (st->done)
      continue;
    if (response && st->kind != ST_GET && strcmp(st->key, key) == 0)
      to = st;
    else if (!response && tok[0] != '\0' && st->kind == ST_POST_SSE &&
             strcmp(st->tok, tok) == 0)
      to = st;
  }
  if (to == NULL && !response) {
    for (st = ss->streams; st != NULL && to == NULL; st = st->snext)
      if (st->kind == ST_GET && !st->done)
        to = st;
  }
  if (to == NULL)
    goto out; /* nobody to tell: dropped, as the specification allows */
  if (to->kind == ST_JSON) {
    buf_reset(&to->out);
    if (buf_append(&to->out, data, len) != 0) {
      to->status = 500;
      buf_puts(&to->out, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
                         "{\"code\":-32603,\"message\":\"answer too large\"}}");
    }
    to->failed = failed;
    to->done = 1;
    stream_wake(to);
  } else {
    stream_event(to, data, len);
    if (response)
      to->done = 1;
  }
out:
  pthread_mutex_unlock(&h->mu);
}

static struct session *
session_new(struct http_server *h)
{
  struct session *ss = xcalloc(1, sizeof(*ss));
  struct mcp_server_config sc = h->cfg.server;

  ss->h = h;
  if (crypto_random_hex(ss->id, 32) != 0)
    fatalx("http: the CSPRNG failed");
  sc.write = session_write;
  sc.write_arg = ss;
  sc.shared_log = 1;
  ss->srv = mcp_server_new(&sc);
  return ss;
}

/* Looks up a live session (under h->mu). */
static struct session *
session_find(struct http_server *h, const char *id)
{
  size_t n = strlen(id);

  if (n != 64)
    return NULL;
  for (struct session *ss = h->sessions; ss != NULL; ss = ss->next)
    if (crypto_memeq(ss->id, id, 64))
      return ss;
  return NULL;
}

/* Ends ss (under h->mu): out of the table, streams ended, handed to the
 * keeper, which shuts its server down and frees it. */
static void
session_end(struct http_server *h, struct session *ss, unsigned status,
            const char *why)
{
  struct session **pp;

  for (pp = &h->sessions; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == ss) {
      *pp = ss->next;
      h->nsessions--;
      break;
    }
  }
  ss->ended = 1;
  streams_end(ss, status, why);
  ss->next = h->dead;
  h->dead = ss;
  pthread_cond_broadcast(&h->cv);
}

/* Hands one message to the session's server; h->mu is not held, and
 * ss->busy keeps the keeper from freeing the server meanwhile. */
static void
session_handle(struct http_server *h, struct session *ss, const char *data,
               size_t len)
{
  mcp_server_handle(ss->srv, data, len);
  pthread_mutex_lock(&h->mu);
  ss->busy--;
  if (ss->ended)
    pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

/* The keeper thread: frees ended sessions and sends a keep-alive comment
 * on every SSE stream each ping_ms, so proxies keep them open and a dead
 * client is noticed on the write. */
static void *
keeper_main(void *arg)
{
  struct http_server *h = arg;
  int64_t next_ping = now_ms() + h->ping_ms;

  pthread_mutex_lock(&h->mu);
  for (;;) {
    struct session **pp, *ss = NULL;
    int64_t now;
    struct timespec ts;

    for (pp = &h->dead; *pp != NULL; pp = &(*pp)->next) {
      if ((*pp)->busy == 0) {
        ss = *pp;
        *pp = ss->next;
        break;
      }
    }
    if (ss != NULL) {
      pthread_mutex_unlock(&h->mu);
      mcp_server_shutdown(ss->srv, 0);
      mcp_server_free(ss->srv);
      free(ss);
      pthread_mutex_lock(&h->mu);
      continue;
    }
    if (h->stopping && h->dead == NULL)
      break;
    now = now_ms();
    if (now >= next_ping) {
      for (ss = h->sessions; ss != NULL; ss = ss->next) {
        for (struct stream *st = ss->streams; st != NULL; st = st->snext) {
          if (st->kind == ST_JSON || st->done)
            continue;
          if (buf_puts(&st->out, ": ping\n\n") != 0)
            st->done = 1;
          stream_wake(st);
        }
      }
      next_ping = now + h->ping_ms;
    }
    ts = deadline_in(next_ping - now < 1000 ? (long)(next_ping - now) : 1000);
    pthread_cond_timedwait(&h->cv, &h->mu, &ts);
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

/* ---- requests ----------------------------------------------------------- */

/* A JSON answer is ready (or the connection was resumed early): queue it,
 * or suspend again. */
static enum MHD_Result
finish_json(struct http_server *h, struct MHD_Connection *c, struct conn *cx,
            const char *sid)
{
  struct stream *st = cx->st;
  struct MHD_Response *r;
  unsigned status;

  pthread_mutex_lock(&h->mu);
  if (!st->done) {
    st->suspended = 1;
    MHD_suspend_connection(c);
    pthread_mutex_unlock(&h->mu);
    return MHD_YES;
  }
  stream_unlink(st); /* the id may be reused from now on */
  status = st->status;
  pthread_mutex_unlock(&h->mu);
  r = resp_text(buf_cstr(&st->out), "application/json");
  if (r != NULL && sid != NULL)
    MHD_add_response_header(r, "Mcp-Session-Id", sid);
  return send_resp(c, status, r);
}

/* initialize without a session: a new session, kept only when the
 * initialize succeeded. */
static enum MHD_Result
post_initialize(struct http_server *h, struct MHD_Connection *c,
                struct conn *cx, const struct jsonrpc_msg *m)
{
  struct session *ss;
  struct stream *st;
  enum MHD_Result ret;
  int ok;

  ss = session_new(h); /* starts threads: not under h->mu */
  pthread_mutex_lock(&h->mu);
  st = stream_new(h, ss, c, ST_JSON);
  jsonrpc_id_key(m->id, st->key, sizeof(st->key));
  ss->busy++;
  pthread_mutex_unlock(&h->mu);
  cx->st = st;
  /* initialize is answered on this thread, so the answer is in st now. */
  mcp_server_handle(ss->srv, cx->body.data, cx->body.len);
  pthread_mutex_lock(&h->mu);
  ss->busy--;
  ok = st->done && !st->failed && !h->closing;
  if (ok) {
    ss->next = h->sessions;
    h->sessions = ss;
    h->nsessions++;
  } else {
    if (!st->done) {
      st->done = 1;
      st->status = 503;
      buf_puts(&st->out, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
                         "{\"code\":-32603,\"message\":\"the server is "
                         "shutting down\"}}");
    }
    stream_unlink(st);
    ss->ended = 1;
    ss->next = h->dead;
    h->dead = ss;
    pthread_cond_broadcast(&h->cv);
  }
  pthread_mutex_unlock(&h->mu);
  ret = finish_json(h, c, cx, ok ? ss->id : NULL);
  if (ok)
    log_info("http: session %.8s... opened", ss->id);
  return ret;
}

/* notifications/cancelled (under h->mu): the server will never answer the
 * request, so its stream is ended here instead of waiting, suspended,
 * until the session ends.  A JSON request gets a -32800 error (its client
 * has usually gone already). */
static void
cancel_stream(struct session *ss, const json_t *rid)
{
  char key[128];

  if (rid == NULL)
    return;
  jsonrpc_id_key(rid, key, sizeof(key));
  for (struct stream *st = ss->streams; st != NULL; st = st->snext) {
    if (st->kind == ST_GET || st->done || strcmp(st->key, key) != 0)
      continue;
    if (st->kind == ST_JSON) {
      json_t *e = jsonrpc_error(rid, -32800, "Request cancelled", NULL);
      char *text = jsonrpc_dump(e);
      json_decref(e);
      buf_reset(&st->out);
      buf_puts(&st->out, text);
      free(text);
      st->failed = 1;
    }
    st->done = 1;
    stream_wake(st);
    break;
  }
}

static enum MHD_Result
handle_post(struct http_server *h, struct MHD_Connection *c, struct conn *cx)
{
  const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  "Content-Type");
  const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Mcp-Session-Id");
  struct jsonrpc_msg m;
  json_t *err = NULL;
  struct session *ss;
  struct stream *st;
  const json_t *tok;
  enum MHD_Result ret;
  int sse;

  if (cx->too_big) {
    char msg[160];
    snprintf(msg, sizeof(msg), "Request body larger than %u bytes",
             JSONRPC_MAX_MESSAGE);
    return send_error(c, 413, JSONRPC_INVALID_REQUEST, msg);
  }
  if (ctype != NULL && strncasecmp(ctype, "application/json", 16) != 0)
    return send_error(c, 415, JSONRPC_INVALID_REQUEST,
                      "Unsupported Media Type: send application/json");
  if (jsonrpc_parse(cx->body.data ? cx->body.data : "", cx->body.len, &m,
                    &err) != 0) {
    char *text;
    if (err == NULL)
      return send_error(c, 400, JSONRPC_INVALID_REQUEST,
                        "Invalid Request: not a JSON-RPC message");
    text = jsonrpc_dump(err);
    json_decref(err);
    ret = send_resp(c, 400, resp_text(text, "application/json"));
    free(text);
    return ret;
  }
  if (sid == NULL) {
    if (m.kind == JSONRPC_REQUEST && strcmp(m.method, "initialize") == 0)
      ret = post_initialize(h, c, cx, &m);
    else
      ret = send_error(c, 400, JSONRPC_INVALID_REQUEST,
                       "Bad Request: Mcp-Session-Id header is required "
                       "(initialize first)");
    jsonrpc_msg_free(&m);
    return ret;
  }
  pthread_mutex_lock(&h->mu);
  ss = session_find(h, sid);
  if (ss == NULL) {
    pthread_mutex_unlock(&h->mu);
    jsonrpc_msg_free(&m);
    return send_error(c, 404, JSONRPC_INVALID_REQUEST,
                      "Session not found: initialize a new session");
  }
  if (m.kind != JSONRPC_REQUEST) {
    /* Notifications and responses: accepted, nothing to answer. */
    if (m.kind == JSONRPC_NOTIFICATION &&
        strcmp(m.method, "notifications/cancelled") == 0)
      cancel_stream(ss, json_object_get(m.params, "requestId"));
    ss->busy++;
    pthread_mutex_unlock(&h->mu);
    session_handle(h, ss, cx->body.data, cx->body.len);
    jsonrpc_msg_free(&m);
    return send_empty(c, 202);
  }
  {
    char key[128];
    jsonrpc_id_key(m.id, key, sizeof(key));
    for (st = ss->streams; st != NULL; st = st->snext) {
      if (st->kind != ST_GET && !st->done && strcmp(st->key, key) == 0) {
        json_t *e = jsonrpc_error(m.id, JSONRPC_INVALID_REQUEST,
                                  "Invalid Request: this id is already in "
                                  "use by a request in progress; use a new "
                                  "id", NULL);
        char *text = jsonrpc_dump(e);
        pthread_mutex_unlock(&h->mu);
        json_decref(e);
        ret = send_resp(c, 200, resp_text(text, "application/json"));
        free(text);
        jsonrpc_msg_free(&m);
        return ret;
      }
    }
  }
  tok = json_object_get(json_object_get(m.params, "_meta"), "progressToken");
  sse = accepts(c, "text/event-stream") &&
        (json_is_string(tok) || json_is_integer(tok));
  st = stream_new(h, ss, c, sse ? ST_POST_SSE : ST_JSON);
  jsonrpc_id_key(m.id, st->key, sizeof(st->key));
  if (sse)
    jsonrpc_id_key(tok, st->tok, sizeof(st->tok));
  else
    cx->st = st;
  ss->busy++;
  pthread_mutex_unlock(&h->mu);
  jsonrpc_msg_free(&m);
  session_handle(h, ss, cx->body.data, cx->body.len);
  if (sse)
    return send_stream(c, st, NULL);
  return finish_json(h, c, cx, NULL);
}

static enum MHD_Result
handle_get(struct http_server *h, struct MHD_Connection *c)
{
  const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Mcp-Session-Id");
  struct session *ss;
  struct stream *st;

  if (!accepts(c, "text/event-stream"))
    return send_error(c, 406, JSONRPC_INVALID_REQUEST,
                      "Not Acceptable: GET needs Accept: text/event-stream");
  if (sid == NULL)
    return send_error(c, 400, JSONRPC_INVALID_REQUEST,
                      "Bad Request: Mcp-Session-Id header is required");
  pthread_mutex_lock(&h->mu);
  ss = session_find(h, sid);
  if (ss == NULL) {
    pthread_mutex_unlock(&h->mu);
    return send_error(c, 404, JSONRPC_INVALID_REQUEST,
                      "Session not found: initialize a new session");
  }
  /* One GET stream per session: a new one replaces the old, which may be
   * a dead connection the client has given up on. */
  for (st = ss->streams; st != NULL;) {
    struct stream *next = st->snext;
    if (st->kind == ST_GET) {
      stream_unlink(st);
      st->done = 1;
      stream_wake(st);
    }
    st = next;
  }
  st = stream_new(h, ss, c, ST_GET);
  /* A first comment, so headers and a first chunk leave at once. */
  buf_puts(&st->out, ": stream open\n\n");
  pthread_mutex_unlock(&h->mu);
  return send_stream(c, st, NULL);
}

static enum MHD_Result
handle_delete(struct http_server *h, struct MHD_Connection *c)
{
  const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Mcp-Session-Id");
  struct session *ss;
  char shown[9];

  if (sid == NULL)
    return send_error(c, 400, JSONRPC_INVALID_REQUEST,
                      "Bad Request: Mcp-Session-Id header is required");
  pthread_mutex_lock(&h->mu);
  ss = session_find(h, sid);
  if (ss == NULL) {
    pthread_mutex_unlock(&h->mu);
    return send_error(c, 404, JSONRPC_INVALID_REQUEST,
                      "Session not found");
  }
  memcpy(shown, ss->id, sizeof(shown) - 1);
  shown[sizeof(shown) - 1] = '\0';
  session_end(h, ss, 404, "Session ended by the client");
  pthread_mutex_unlock(&h->mu);
  log_info("http: session %s... ended by the client", shown);
  return send_empty(c, 204);
}

/* RFC 9728 protected resource metadata for the /mcp resource. */
static enum MHD_Result
handle_prm(struct http_server *h, struct MHD_Connection *c)
{
  char resource[320];
  json_t *doc;
  char *text;
  enum MHD_Result ret;

  snprintf(resource, sizeof(resource), "http://%s" ENDPOINT,
           authority(h, c));
  doc = json_pack("{s:s, s:[s], s:s}", "resource", resource,
                  "bearer_methods_supported", "header", "resource_name",
                  "igmcp");
  if (h->cfg.auth_server != NULL)
    json_object_set_new(doc, "authorization_servers",
                        json_pack("[s]", h->cfg.auth_server));
  text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  ret = send_resp(c, 200, resp_text(text, "application/json"));
  free(text);
  return ret;
}

/* Bearer authentication: 1 when the Authorization header carries the
 * configured token (compared in constant time). */
static int
bearer_ok(const struct http_server *h, struct MHD_Connection *c, int *sent)
{
  const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                              "Authorization");
  size_t n;

  *sent = a != NULL;
  if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
    return 0;
  a += 7;
  while (*a == ' ')
    a++;
  n = strlen(a);
  while (n > 0 && a[n - 1] == ' ')
    n--;
  if (n != h->tokenlen) {
    (void)crypto_memeq(h->token, h->token, h->tokenlen);
    return 0;
  }
  return crypto_memeq(a, h->token, n);
}

static enum MHD_Result
send_unauthorized(struct http_server *h, struct MHD_Connection *c, int sent)
{
  char hdr[400];
  struct MHD_Response *r = resp_text(
      "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32001,"
      "\"message\":\"Unauthorized: send Authorization: Bearer <token>\"}}",
      "application/json");

  snprintf(hdr, sizeof(hdr),
           "Bearer %sresource_metadata=\"http://%s" PRM_PATH "\"",
           sent ? "error=\"invalid_token\", " : "", authority(h, c));
  if (r != NULL)
    MHD_add_response_header(r, "WWW-Authenticate", hdr);
  return send_resp(c, 401, r);
}

/* Every request's final call: the checks every endpoint shares, then the
 * endpoint. */
static enum MHD_Result
route(struct http_server *h, struct MHD_Connection *c, struct conn *cx,
      const char *url, const char *method)
{
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
  const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                   "Origin");
  const char *pv = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                               "MCP-Protocol-Version");
  int closing, sent;

  if (strcmp(url, "/healthz") == 0) {
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
      return send_empty(c, 405);
    return send_resp(c, 200, resp_text("{\"status\":\"ok\"}",
                                       "application/json"));
  }
  /* DNS rebinding: a page on a foreign name that resolves to 127.0.0.1
   * still sends its own name as Host. */
  if (host != NULL && !host_chars_ok(host))
    return send_error(c, 400, JSONRPC_INVALID_REQUEST,
                      "Bad Request: malformed Host header");
  if (h->loopback &&
      (host == NULL || !loopback_authority(host, strlen(host))))
    return send_error(c, 403, JSONRPC_INVALID_REQUEST,
                      "Forbidden: Host must be localhost, 127.0.0.1 or "
                      "[::1] on a loopback listener");
  if (origin != NULL && !origin_ok(h, origin))
    return send_error(c, 403, JSONRPC_INVALID_REQUEST,
                      "Forbidden: Origin not allowed (see --allow-origin)");
  if (strcmp(url, PRM_PATH) == 0 || strcmp(url, PRM_PATH ENDPOINT) == 0) {
    if (h->token == NULL)
      return send_error(c, 404, JSONRPC_INVALID_REQUEST, "Not Found");
    return handle_prm(h, c);
  }
  if (strcmp(url, ENDPOINT) != 0)
    return send_error(c, 404, JSONRPC_INVALID_REQUEST,
                      "Not Found: the MCP endpoint is " ENDPOINT);
  /* Tokens in URLs end up in logs and browser histories (RFC 6750 §2.3,
   * MCP authorization): refuse the request outright. */
  if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "access_token")
      != NULL)
    return send_error(c, 400, JSONRPC_INVALID_REQUEST,
                      "Bad Request: access tokens are not accepted in the "
                      "query string; use the Authorization header");
  if (h->token != NULL && !bearer_ok(h, c, &sent))
    return send_unauthorized(h, c, sent);
  pthread_mutex_lock(&h->mu);
  closing = h->closing;
  pthread_mutex_unlock(&h->mu);
  if (closing)
    return send_error(c, 503, JSONRPC_INTERNAL_ERROR,
                      "the server is shutting down");
  if (pv != NULL && !mcp_version_supported(pv)) {
    char msg[200];
    snprintf(msg, sizeof(msg), "Bad Request: unsupported "
             "MCP-Protocol-Version (supported: " MCP_LATEST_VERSION
             ", 2025-06-18, 2025-03-26, 2024-11-05)");
    return send_error(c, 400, JSONRPC_INVALID_REQUEST, msg);
  }
  if (strcmp(method, "POST") == 0)
    return handle_post(h, c, cx);
  if (strcmp(method, "GET") == 0)
    return handle_get(h, c);
  if (strcmp(method, "DELETE") == 0)
    return handle_delete(h, c);
  {
    struct MHD_Response *r = resp_text("", NULL);
    if (r != NULL)
      MHD_add_response_header(r, "Allow", "GET, POST, DELETE");
    return send_resp(c, 405, r);
  }
}

/* libmicrohttpd's access handler: the first call sets up struct conn, the
 * middle calls collect the body (past the cap it is read and dropped, and
 * the answer is 413), the last call routes; a resumed JSON request comes
 * back here with its answer ready. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload_data,
           size_t *upload_data_size, void **con_cls)
{
  struct http_server *h = cls;
  struct conn *cx = *con_cls;

  (void)version;
  if (cx == NULL) {
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "Content-Length");
    cx = xcalloc(1, sizeof(*cx));
    buf_init(&cx->body, JSONRPC_MAX_MESSAGE);
    if (cl != NULL && strtoull(cl, NULL, 10) > JSONRPC_MAX_MESSAGE)
      cx->too_big = 1;
    *con_cls = cx;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    if (!cx->too_big &&
        buf_append(&cx->body, upload_data, *upload_data_size) != 0) {
      cx->too_big = 1;
      buf_free(&cx->body);
      buf_init(&cx->body, JSONRPC_MAX_MESSAGE);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (cx->st != NULL)
    return finish_json(h, c, cx, NULL);
  return route(h, c, cx, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
  struct conn *cx = *con_cls;

  (void)cls;
  (void)c;
  (void)toe;
  if (cx == NULL)
    return;
  if (cx->st != NULL)
    stream_destroy(cx->st);
  buf_free(&cx->body);
  free(cx);
  *con_cls = NULL;
}

/* ---- start and stop ----------------------------------------------------- */

/* Reads the bearer token: the file must be a regular file that neither
 * group nor others can read or write; the token is its content, trimmed,
 * and must be visible ASCII. */
static int
read_token_file(const char *path, char **out, struct err *e)
{
  char data[4097];
  struct stat st;
  ssize_t n;
  size_t len = 0, start = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return err_set(e, ERR_CONFIG, "cannot open --auth-token-file %s: %s",
                   path, strerror(errno));
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return err_set(e, ERR_CONFIG, "--auth-token-file %s is not a regular "
                   "file", path);
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    close(fd);
    return err_set(e, ERR_CONFIG, "--auth-token-file %s is accessible by "
                   "group or others; chmod 600 it", path);
  }
  while (len < sizeof(data) - 1) {
    n = read(fd, data + len, sizeof(data) - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  while (len > 0 && isspace((unsigned char)data[len - 1]))
    len--;
  while (start < len && isspace((unsigned char)data[start]))
    start++;
  if (len - start < 16) {
    memset(data, 0, sizeof(data));
    return err_set(e, ERR_CONFIG, "--auth-token-file %s: the token must be "
                   "at least 16 characters", path);
  }
  for (size_t i = start; i < len; i++) {
    if (data[i] < 0x21 || data[i] > 0x7e) {
      memset(data, 0, sizeof(data));
      return err_set(e, ERR_CONFIG, "--auth-token-file %s: the token must "
                     "be one line of visible ASCII", path);
    }
  }
  *out = xstrndup(data + start, len - start);
  memset(data, 0, sizeof(data));
  return 0;
}

struct http_server *
http_start(const struct http_config *cfg, struct err *e)
{
  struct http_server *h;
  const char *addr = cfg->addr != NULL ? cfg->addr : "127.0.0.1";
  struct sockaddr_in sa4;
  struct sockaddr_in6 sa6;
  struct sockaddr *sa;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                   MHD_ALLOW_SUSPEND_RESUME;
  const union MHD_DaemonInfo *info;
  const char *ping = getenv("IGMCP_HTTP_PING_MS");
  int v6 = 0;

  memset(&sa4, 0, sizeof(sa4));
  memset(&sa6, 0, sizeof(sa6));
  if (inet_pton(AF_INET, addr, &sa4.sin_addr) == 1) {
    sa4.sin_family = AF_INET;
    sa4.sin_port = htons(cfg->port);
    sa = (struct sockaddr *)&sa4;
  } else if (inet_pton(AF_INET6, addr, &sa6.sin6_addr) == 1) {
    sa6.sin6_family = AF_INET6;
    sa6.sin6_port = htons(cfg->port);
    sa = (struct sockaddr *)&sa6;
    flags |= MHD_USE_IPv6;
    v6 = 1;
  } else {
    err_set(e, ERR_CONFIG, "--http: bad address '%s' (an IPv4 or IPv6 "
            "literal)", addr);
    return NULL;
  }
  h = xcalloc(1, sizeof(*h));
  h->cfg = *cfg;
  h->cfg.addr = addr;
  h->loopback = v6 ? IN6_IS_ADDR_LOOPBACK(&sa6.sin6_addr)
                   : (ntohl(sa4.sin_addr.s_addr) >> 24) == 127;
  /* IGMCP_HTTP_PING_MS: the keep-alive interval, for tests. */
  h->ping_ms = PING_MS_DEFAULT;
  if (ping != NULL) {
    char *end;
    long v = strtol(ping, &end, 10);
    if (*end == '\0' && v >= 50 && v <= 3600000L)
      h->ping_ms = v;
  }
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  if (cfg->auth_token_file != NULL) {
    if (read_token_file(cfg->auth_token_file, &h->token, e) != 0)
      goto fail;
    h->tokenlen = strlen(h->token);
    log_add_secret(h->token);
  }
  log_set_sink(mcp_server_log_sink, NULL);
  h->d = MHD_start_daemon(
      flags, cfg->port, NULL, NULL, on_request, h,
      MHD_OPTION_SOCK_ADDR, sa,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
      MHD_OPTION_END);
  if (h->d == NULL) {
    err_set(e, ERR_IO, "--http: cannot listen on %s port %u", addr,
            (unsigned)cfg->port);
    goto fail;
  }
  info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
  h->port = info != NULL ? info->port : cfg->port;
  snprintf(h->hostport, sizeof(h->hostport), v6 ? "[%s]:%u" : "%s:%u", addr,
           (unsigned)h->port);
  snprintf(h->url, sizeof(h->url), "http://%s" ENDPOINT, h->hostport);
  if (pthread_create(&h->keeper, NULL, keeper_main, h) != 0) {
    err_set(e, ERR_INTERNAL, "cannot start the HTTP keeper thread");
    goto fail;
  }
  h->keeper_started = 1;
  if (!h->loopback && h->token == NULL)
    log_warnx("http: listening on %s without --auth-token-file: anyone "
              "who can reach it can act on the account", h->hostport);
  return h;
fail:
  http_stop(h, 0);
  return NULL;
}

uint16_t
http_port(const struct http_server *h)
{
  return h->port;
}

const char *
http_url(const struct http_server *h)
{
  return h->url;
}

/* The shutdown sequence (DEPS.md §4): stop accepting, refuse new requests,
 * let running calls finish and reach their clients, end every stream and
 * resume its connection, wait for the streams to be freed, and only then
 * stop the daemon, which would abort with a suspended connection. */
void
http_stop(struct http_server *h, long drain_ms)
{
  struct session **snap = NULL, *ss;
  int n = 0;
  int64_t deadline = now_ms() + drain_ms;

  if (h == NULL)
    return;
  if (h->d != NULL) {
    MHD_socket fd = MHD_quiesce_daemon(h->d);
    if (fd != MHD_INVALID_SOCKET)
      close(fd);
  }
  pthread_mutex_lock(&h->mu);
  h->closing = 1;
  snap = xcalloc((size_t)h->nsessions + 1, sizeof(*snap));
  for (ss = h->sessions; ss != NULL; ss = ss->next) {
    ss->busy++;
    snap[n++] = ss;
  }
  pthread_mutex_unlock(&h->mu);
  for (int i = 0; i < n; i++) {
    int64_t left = deadline - now_ms();
    mcp_server_shutdown(snap[i]->srv, left > 0 ? (long)left : 0);
  }
  pthread_mutex_lock(&h->mu);
  for (int i = 0; i < n; i++)
    snap[i]->busy--;
  while (h->sessions != NULL)
    session_end(h, h->sessions, 503, "the server is shutting down");
  {
    int64_t until = now_ms() + STOP_WAIT_MS;
    while (h->nstreams > 0 && now_ms() < until) {
      struct timespec ts = deadline_in(50);
      pthread_cond_timedwait(&h->cv, &h->mu, &ts);
    }
  }
  h->stopping = 1;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  free(snap);
  if (h->keeper_started)
    pthread_join(h->keeper, NULL);
  if (h->d != NULL)
    MHD_stop_daemon(h->d);
  log_set_sink(NULL, NULL);
  /* Whatever the keeper could not free (it exits only with h->dead
   * empty, so nothing) and sessions of a failed start. */
  while (h->dead != NULL) {
    ss = h->dead;
    h->dead = ss->next;
    mcp_server_free(ss->srv);
    free(ss);
  }
  if (h->token != NULL) {
    memset(h->token, 0, h->tokenlen);
    free(h->token);
  }
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
}
