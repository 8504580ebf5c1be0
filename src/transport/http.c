/* SPDX-License-Identifier: MIT */
/*
 * http.c: the Streamable HTTP transport's requests: the access handler,
 * POST, GET and DELETE on /mcp, routing, start and stop.  /webhook is
 * http_webhook.c's.  The design and
 * its locking rules are at the top of http_int.h.
 */
#include "transport/http_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/pool.h"
#include "base/xalloc.h"
#include "mcp/jsonrpc.h"
#include "webhook/webhook.h"

/* 1 when the Accept header lists type (a plain substring test: media
 * ranges with parameters still contain the type). */
int
http_accepts(struct MHD_Connection *c, const char *type)
{
  const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

  return a != NULL && strcasestr(a, type) != NULL;
}

/* ---- responses ---------------------------------------------------------- */

struct MHD_Response *
http_resp_text(const char *body, const char *ctype)
{
  struct MHD_Response *r = MHD_create_response_from_buffer(
      strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);

  if (r != NULL && ctype != NULL)
    MHD_add_response_header(r, "Content-Type", ctype);
  return r;
}

enum MHD_Result
http_send_resp(struct MHD_Connection *c, unsigned status,
               struct MHD_Response *r)
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
enum MHD_Result
http_send_error(struct MHD_Connection *c, unsigned status, int code,
                const char *msg)
{
  json_t *e = jsonrpc_error(NULL, code, msg, NULL);
  char *text = jsonrpc_dump(e);
  enum MHD_Result ret;

  json_decref(e);
  ret = http_send_resp(c, status, http_resp_text(text, "application/json"));
  free(text);
  return ret;
}

enum MHD_Result
http_send_empty(struct MHD_Connection *c, unsigned status)
{
  return http_send_resp(c, status, MHD_create_response_from_buffer(
                                       0, NULL, MHD_RESPMEM_PERSISTENT));
}

/* ---- requests ----------------------------------------------------------- */

/* A JSON answer is ready (or the connection was resumed early): queue it,
 * or suspend again. */
enum MHD_Result
http_finish_json(struct http_server *h, struct MHD_Connection *c,
                 struct conn *cx, const char *sid)
{
  struct stream *st = cx->st;
  struct session *ss;
  struct MHD_Response *r;
  unsigned status;

  pthread_mutex_lock(&h->mu);
  if (!st->done) {
    st->suspended = 1;
    MHD_suspend_connection(c);
    pthread_mutex_unlock(&h->mu);
    return MHD_YES;
  }
  ss = st->sess;
  http_stream_unlink(st); /* the id may be reused from now on */
  if (ss != NULL && ss->ephemeral)
    http_session_end(h, ss, 503, "answered");
  status = st->status;
  pthread_mutex_unlock(&h->mu);
  r = http_resp_text(buf_cstr(&st->out), "application/json");
  if (r != NULL && sid != NULL)
    MHD_add_response_header(r, "Mcp-Session-Id", sid);
  return http_send_resp(c, status, r);
}

/* 503 for an initialize that finds every session in use. */
static enum MHD_Result
send_full(struct MHD_Connection *c)
{
  json_t *e = jsonrpc_error(NULL, JSONRPC_INTERNAL_ERROR, "Too many "
                            "sessions in use (see --max-sessions); retry "
                            "later", NULL);
  char *text = jsonrpc_dump(e);
  struct MHD_Response *r = http_resp_text(text, "application/json");

  json_decref(e);
  free(text);
  if (r != NULL)
    MHD_add_response_header(r, "Retry-After", FULL_RETRY_AFTER);
  return http_send_resp(c, 503, r);
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

  if (http_session_admit(h) != 0)
    return send_full(c);
  ss = http_session_new(h);
  pthread_mutex_lock(&h->mu);
  st = http_stream_new(h, ss, c, ST_JSON);
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
    http_stream_unlink(st);
    ss->ended = 1;
    ss->next = h->dead;
    h->dead = ss;
    pthread_cond_broadcast(&h->cv);
  }
  pthread_mutex_unlock(&h->mu);
  ret = http_finish_json(h, c, cx, ok ? ss->id : NULL);
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
    http_stream_wake(st);
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
    return http_send_error(c, 413, JSONRPC_INVALID_REQUEST, msg);
  }
  if (ctype != NULL && strncasecmp(ctype, "application/json", 16) != 0)
    return http_send_error(c, 415, JSONRPC_INVALID_REQUEST,
                      "Unsupported Media Type: send application/json");
  if (jsonrpc_parse(cx->body.data ? cx->body.data : "", cx->body.len, &m,
                    &err) != 0) {
    char *text;
    if (err == NULL)
      return http_send_error(c, 400, JSONRPC_INVALID_REQUEST,
                        "Invalid Request: not a JSON-RPC message");
    text = jsonrpc_dump(err);
    json_decref(err);
    ret = http_send_resp(c, 400, http_resp_text(text, "application/json"));
    free(text);
    return ret;
  }
  if (sid == NULL) {
    if (http_is_modern(c, &m))
      ret = http_post_modern(h, c, cx, &m);
    else if (m.kind == JSONRPC_REQUEST && strcmp(m.method, "initialize") == 0)
      ret = post_initialize(h, c, cx, &m);
    else
      ret = http_send_error(c, 400, JSONRPC_INVALID_REQUEST,
                            "Bad Request: Mcp-Session-Id header is "
                            "required (initialize first); a "
                            MCP_MODERN_VERSION " request needs "
                            "MCP-Protocol-Version and Mcp-Method headers "
                            "instead");
    jsonrpc_msg_free(&m);
    return ret;
  }
  pthread_mutex_lock(&h->mu);
  ss = http_session_find(h, sid);
  if (ss == NULL) {
    pthread_mutex_unlock(&h->mu);
    jsonrpc_msg_free(&m);
    return http_send_error(c, 404, JSONRPC_INVALID_REQUEST,
                      "Session not found: initialize a new session");
  }
  if (m.kind != JSONRPC_REQUEST) {
    /* Notifications and responses: accepted, nothing to answer. */
    if (m.kind == JSONRPC_NOTIFICATION &&
        strcmp(m.method, "notifications/cancelled") == 0)
      cancel_stream(ss, json_object_get(m.params, "requestId"));
    ss->busy++;
    pthread_mutex_unlock(&h->mu);
    http_session_handle(h, ss, cx->body.data, cx->body.len);
    jsonrpc_msg_free(&m);
    return http_send_empty(c, 202);
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
        ret = http_send_resp(c, 200, http_resp_text(text, "application/json"));
        free(text);
        jsonrpc_msg_free(&m);
        return ret;
      }
    }
  }
  tok = json_object_get(json_object_get(m.params, "_meta"), "progressToken");
  sse = http_accepts(c, "text/event-stream") &&
        (json_is_string(tok) || json_is_integer(tok));
  st = http_stream_new(h, ss, c, sse ? ST_POST_SSE : ST_JSON);
  jsonrpc_id_key(m.id, st->key, sizeof(st->key));
  if (!sse)
    cx->st = st;
  ss->busy++;
  pthread_mutex_unlock(&h->mu);
  jsonrpc_msg_free(&m);
  http_session_handle(h, ss, cx->body.data, cx->body.len);
  if (sse)
    return http_send_stream(c, st, NULL);
  return http_finish_json(h, c, cx, NULL);
}

/* GET or DELETE without a session: 2026-07-28 has neither (405); a
 * legacy client forgot its session id (400). */
static enum MHD_Result
no_session(struct MHD_Connection *c)
{
  const char *pv = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                               "MCP-Protocol-Version");
  struct MHD_Response *r;

  if (pv == NULL || mcp_version_legacy(pv))
    return http_send_error(c, 400, JSONRPC_INVALID_REQUEST,
                           "Bad Request: Mcp-Session-Id header is required");
  r = http_resp_text("", NULL);
  if (r != NULL)
    MHD_add_response_header(r, "Allow", "POST");
  return http_send_resp(c, 405, r);
}

static enum MHD_Result
handle_get(struct http_server *h, struct MHD_Connection *c)
{
  const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Mcp-Session-Id");
  const char *lei = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Last-Event-ID");
  unsigned long long after = 0, lost;
  struct session *ss;
  struct stream *st;
  char shown[9];

  if (!http_accepts(c, "text/event-stream"))
    return http_send_error(c, 406, JSONRPC_INVALID_REQUEST,
                      "Not Acceptable: GET needs Accept: text/event-stream");
  if (sid == NULL)
    return no_session(c);
  pthread_mutex_lock(&h->mu);
  ss = http_session_find(h, sid);
  if (ss == NULL) {
    pthread_mutex_unlock(&h->mu);
    return http_send_error(c, 404, JSONRPC_INVALID_REQUEST,
                      "Session not found: initialize a new session");
  }
  /* Last-Event-ID resumes the GET stream: only ids it issued are valid
   * (POST streams carry none). */
  if (lei != NULL && lei[0] == '\0')
    lei = NULL; /* an empty id is no id (as EventSource would send) */
  if (lei != NULL && http_replay_parse(ss, lei, &after) != 0) {
    pthread_mutex_unlock(&h->mu);
    return http_send_error(c, 400, JSONRPC_INVALID_REQUEST,
                      "Bad Request: Last-Event-ID is not an event id of "
                      "this session's GET stream; reconnect without it");
  }
  /* One GET stream per session: a new one replaces the old, which may be
   * a dead connection the client has given up on. */
  for (st = ss->streams; st != NULL;) {
    struct stream *next = st->snext;
    if (st->kind == ST_GET) {
      http_stream_unlink(st);
      st->done = 1;
      http_stream_wake(st);
    }
    st = next;
  }
  st = http_stream_new(h, ss, c, ST_GET);
  /* A first comment, so headers and a first chunk leave at once; then
   * what the client missed, before anything new (both under h->mu). */
  buf_puts(&st->out, ": stream open\n\n");
  lost = http_replay_open(ss, st, lei != NULL, after);
  snprintf(shown, sizeof(shown), "%.8s", ss->id);
  pthread_mutex_unlock(&h->mu);
  if (lost > 0)
    log_info("http: session %s... resumed its GET stream after event %llu; "
             "%llu events were no longer kept", shown, after, lost);
  return http_send_stream(c, st, NULL);
}

static enum MHD_Result
handle_delete(struct http_server *h, struct MHD_Connection *c)
{
  const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Mcp-Session-Id");
  struct session *ss;
  char shown[9];

  if (sid == NULL)
    return no_session(c);
  pthread_mutex_lock(&h->mu);
  ss = http_session_find(h, sid);
  if (ss == NULL) {
    pthread_mutex_unlock(&h->mu);
    return http_send_error(c, 404, JSONRPC_INVALID_REQUEST,
                      "Session not found");
  }
  memcpy(shown, ss->id, sizeof(shown) - 1);
  shown[sizeof(shown) - 1] = '\0';
  http_session_end(h, ss, 404, "Session ended by the client");
  pthread_mutex_unlock(&h->mu);
  log_info("http: session %s... ended by the client", shown);
  return http_send_empty(c, 204);
}

/* /healthz: no checks, and the counts an operator or a test watches. */
static enum MHD_Result
handle_healthz(struct http_server *h, struct MHD_Connection *c)
{
  char body[96];
  int nsessions;
  long nstreams;

  pthread_mutex_lock(&h->mu);
  nsessions = h->nsessions;
  nstreams = h->nstreams;
  pthread_mutex_unlock(&h->mu);
  snprintf(body, sizeof(body),
           "{\"status\":\"ok\",\"sessions\":%d,\"streams\":%ld}",
           nsessions, nstreams);
  return http_send_resp(c, 200, http_resp_text(body, "application/json"));
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
  const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Mcp-Session-Id");
  int closing, sent;

  if (strcmp(url, "/healthz") == 0) {
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
      return http_send_empty(c, 405);
    return handle_healthz(h, c);
  }
  /* Meta, from the internet, through whatever proxy terminates TLS: the
   * signature is the check, not Host, Origin or a bearer token. */
  if (strcmp(url, WEBHOOK_PATH) == 0)
    return http_webhook(h, c, cx, method);
  /* DNS rebinding: a page on a foreign name that resolves to 127.0.0.1
   * still sends its own name as Host. */
  if (host != NULL && !http_host_chars_ok(host))
    return http_send_error(c, 400, JSONRPC_INVALID_REQUEST,
                      "Bad Request: malformed Host header");
  if (h->loopback &&
      (host == NULL || !http_loopback_authority(host, strlen(host))))
    return http_send_error(c, 403, JSONRPC_INVALID_REQUEST,
                      "Forbidden: Host must be localhost, 127.0.0.1 or "
                      "[::1] on a loopback listener");
  if (origin != NULL && !http_origin_ok(h, origin))
    return http_send_error(c, 403, JSONRPC_INVALID_REQUEST,
                      "Forbidden: Origin not allowed (see --allow-origin)");
  if (strcmp(url, PRM_PATH) == 0 || strcmp(url, PRM_PATH ENDPOINT) == 0) {
    if (h->token == NULL)
      return http_send_error(c, 404, JSONRPC_INVALID_REQUEST, "Not Found");
    return http_handle_prm(h, c);
  }
  if (strcmp(url, ENDPOINT) != 0)
    return http_send_error(c, 404, JSONRPC_INVALID_REQUEST,
                      "Not Found: the MCP endpoint is " ENDPOINT);
  /* Tokens in URLs end up in logs and browser histories (RFC 6750 §2.3,
   * MCP authorization): refuse the request outright. */
  if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "access_token")
      != NULL)
    return http_send_error(c, 400, JSONRPC_INVALID_REQUEST,
                      "Bad Request: access tokens are not accepted in the "
                      "query string; use the Authorization header");
  if (h->token != NULL && !http_bearer_ok(h, c, &sent))
    return http_send_unauthorized(h, c, sent);
  pthread_mutex_lock(&h->mu);
  closing = h->closing;
  pthread_mutex_unlock(&h->mu);
  if (closing)
    return http_send_error(c, 503, JSONRPC_INTERNAL_ERROR,
                      "the server is shutting down");
  /* A POST without a session may be a 2026-07-28 request, which answers
   * an unknown version itself (-32022, with the versions it speaks). */
  if (pv != NULL && !mcp_version_supported(pv) &&
      (strcmp(method, "POST") != 0 || sid != NULL)) {
    char msg[200];
    snprintf(msg, sizeof(msg), "Bad Request: unsupported "
             "MCP-Protocol-Version (supported: " MCP_MODERN_VERSION ", "
             MCP_LATEST_VERSION ", 2025-06-18, 2025-03-26, 2024-11-05)");
    return http_send_error(c, 400, JSONRPC_INVALID_REQUEST, msg);
  }
  if (strcmp(method, "POST") == 0)
    return handle_post(h, c, cx);
  if (strcmp(method, "GET") == 0)
    return handle_get(h, c);
  if (strcmp(method, "DELETE") == 0)
    return handle_delete(h, c);
  {
    struct MHD_Response *r = http_resp_text("", NULL);
    if (r != NULL)
      MHD_add_response_header(r, "Allow", "GET, POST, DELETE");
    return http_send_resp(c, 405, r);
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
    size_t cap = strcmp(url, WEBHOOK_PATH) == 0 ? WEBHOOK_MAX_BODY
                                                : JSONRPC_MAX_MESSAGE;
    cx = xcalloc(1, sizeof(*cx));
    buf_init(&cx->body, cap);
    if (cl != NULL && strtoull(cl, NULL, 10) > cap)
      cx->too_big = 1;
    /* An unsigned delivery gets 401 whatever it says: not worth keeping
     * up to 16 MiB of it (too_big also means "drop the body"). */
    if (cap == WEBHOOK_MAX_BODY &&
        MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                    "X-Hub-Signature-256") == NULL)
      cx->too_big = 1;
    *con_cls = cx;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    if (!cx->too_big &&
        buf_append(&cx->body, upload_data, *upload_data_size) != 0) {
      size_t cap = cx->body.max;
      cx->too_big = 1;
      buf_free(&cx->body);
      buf_init(&cx->body, cap);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (cx->st != NULL)
    return http_finish_json(h, c, cx, NULL);
  if (cx->wh != NULL)
    return http_webhook_finish(h, c, cx);
  return route(h, c, cx, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
  struct conn *cx = *con_cls;

  (void)c;
  (void)toe;
  if (cx == NULL)
    return;
  if (cx->st != NULL)
    http_stream_destroy(cx->st);
  http_webhook_release(cls, cx);
  buf_free(&cx->body);
  free(cx);
  *con_cls = NULL;
}

/* ---- start and stop ----------------------------------------------------- */

/* Every SSE stream holds a socket, and the default soft RLIMIT_NOFILE
 * (often 1024) would cap the streams near that: raise the soft limit to
 * the hard one and return how many connections the daemon may hold, the
 * limit less FD_RESERVE for the rest of the process.  MHD's own default
 * is FD_SETSIZE - 4 whatever the limit, so it must be set explicitly. */
static unsigned
raise_fd_limit(void)
{
  struct rlimit rl;
  rlim_t cur;

  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 1024 - FD_RESERVE;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
    struct rlimit want = rl;
    /* An unlimited hard limit is still bounded by fs.nr_open. */
    want.rlim_cur = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0)
      rl = want;
  }
  cur = rl.rlim_cur == RLIM_INFINITY ? 1048576 : rl.rlim_cur;
  if (cur > 1048576)
    cur = 1048576;
  return cur > 2 * FD_RESERVE ? (unsigned)(cur - FD_RESERVE)
                              : (unsigned)(cur / 2);
}

/* A number in [lo, hi] from the environment (test knobs), or dflt. */
static long
env_ms(const char *name, long lo, long hi, long dflt)
{
  const char *s = getenv(name);
  char *end;
  long v;

  if (s == NULL)
    return dflt;
  v = strtol(s, &end, 10);
  return end != s && *end == '\0' && v >= lo && v <= hi ? v : dflt;
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
  long idle_s;
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
  h->ping_ms = env_ms("IGMCP_HTTP_PING_MS", 50, 3600000L, PING_MS_DEFAULT);
  idle_s = cfg->idle_timeout != 0 ? cfg->idle_timeout
                                  : HTTP_IDLE_TIMEOUT_DEFAULT;
  h->idle_ms = idle_s > 0 ? (int64_t)idle_s * 1000 : 0;
  h->max_sessions = cfg->max_sessions > 0 ? cfg->max_sessions
                                          : HTTP_MAX_SESSIONS_DEFAULT;
  h->conn_limit = raise_fd_limit();
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  if (cfg->public_url != NULL && http_public_url(h, cfg->public_url, e) != 0)
    goto fail;
  if (cfg->auth_token_file != NULL) {
    if (http_read_token_file(cfg->auth_token_file, &h->token, e) != 0)
      goto fail;
    h->tokenlen = strlen(h->token);
    log_add_secret(h->token);
  }
  log_add_secret(cfg->app_secret);
  log_add_secret(cfg->verify_token);
  log_set_sink(mcp_server_log_sink, NULL);
  h->pool = pool_new(cfg->server.workers);
  h->wh_pool = pool_new(WEBHOOK_WORKERS);
  h->d = MHD_start_daemon(
      flags, cfg->port, NULL, NULL, on_request, h,
      MHD_OPTION_SOCK_ADDR, sa,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
      /* Headers and upload chunks; a held SSE stream costs most of it in
       * RSS (measured: about 51 KiB per stream at 64 KiB, 34 at 32). */
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
      MHD_OPTION_CONNECTION_LIMIT, h->conn_limit,
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
  if (pthread_create(&h->keeper, NULL, http_keeper_main, h) != 0) {
    err_set(e, ERR_INTERNAL, "cannot start the HTTP keeper thread");
    goto fail;
  }
  h->keeper_started = 1;
  log_debug("http: up to %u connections, %d sessions, idle timeout %lld ms",
            h->conn_limit, h->max_sessions, (long long)h->idle_ms);
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
  int64_t deadline = clock_mono_ms() + drain_ms;

  if (h == NULL)
    return;
  if (h->d != NULL) {
    MHD_socket fd = MHD_quiesce_daemon(h->d);
    if (fd != MHD_INVALID_SOCKET)
      close(fd);
  }
  pthread_mutex_lock(&h->mu);
  h->closing = 1;
  /* Ephemeral (2026-07-28) sessions are in the list but not counted in
   * nsessions. */
  for (ss = h->sessions; ss != NULL; ss = ss->next)
    n++;
  snap = xcalloc((size_t)n + 1, sizeof(*snap));
  n = 0;
  for (ss = h->sessions; ss != NULL; ss = ss->next) {
    ss->busy++;
    snap[n++] = ss;
  }
  pthread_mutex_unlock(&h->mu);
  /* Deliveries accepted before closing are committed and answered. */
  http_webhook_drain(h);
  for (int i = 0; i < n; i++) {
    int64_t left = deadline - clock_mono_ms();
    mcp_server_shutdown(snap[i]->srv, left > 0 ? (long)left : 0);
  }
  pthread_mutex_lock(&h->mu);
  for (int i = 0; i < n; i++)
    snap[i]->busy--;
  while (h->sessions != NULL)
    http_session_end(h, h->sessions, 503, "the server is shutting down");
  {
    int64_t until = clock_mono_ms() + STOP_WAIT_MS;
    while (h->nstreams > 0 && clock_mono_ms() < until) {
      struct timespec ts = clock_deadline(50);
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
    http_session_free(ss);
  }
  pool_free(h->wh_pool);
  pool_free(h->pool);
  if (h->token != NULL) {
    memset(h->token, 0, h->tokenlen);
    free(h->token);
  }
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
}
