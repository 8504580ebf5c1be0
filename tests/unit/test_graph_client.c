/* SPDX-License-Identifier: MIT */
/*
 * test_graph_client.c: graph_call against a scripted HTTP server.
 *
 * The server is libmicrohttpd on 127.0.0.1 with an ephemeral port, one
 * thread per connection.  Each test gives it a script of canned answers
 * (served in order, the last one repeating) and afterwards reads what it
 * saw: the raw request URI, method, headers and body of every request.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "graph/graph.h"

#define TOKEN "IGAAtestTokenThatMustNeverLeak0123456789abcdef"
#define SECRET "test-app-secret-0123456789abcdef"

#define MAX_SEEN 256

struct canned {
  int status;
  const char *body;       /* NULL: empty body */
  const char *hname[3];   /* extra headers */
  const char *hval[3];
  int delay_ms;           /* wait before answering */
  size_t big;             /* > 0: answer this many bytes instead of body */
  int chunked;            /* with big: no Content-Length */
};

struct seen {
  char method[16];
  char uri[2048];         /* raw, as sent */
  char auth[256];
  char ctype[128];
  char ua[64];
  char body[2048];
};

struct srv {
  struct MHD_Daemon *d;
  uint16_t port;
  pthread_mutex_t mu;
  struct canned script[8];
  int nscript;
  int served;
  struct seen seen[MAX_SEEN];
  int nseen;
  int nconn;
  volatile int stopping;
};

/* Per-request state, created by the URI logger. */
struct rq {
  char uri[2048];
  struct buf body;
  int started;
};

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
  struct rq *r = calloc(1, sizeof(*r));

  snprintf(r->uri, sizeof(r->uri), "%s", uri);
  buf_init(&r->body, 1 << 20);
  return r;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
             enum MHD_RequestTerminationCode toe)
{
  struct rq *r = *req_cls;

  if (r != NULL) {
    buf_free(&r->body);
    free(r);
    *req_cls = NULL;
  }
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
  struct srv *s = cls;

  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    pthread_mutex_lock(&s->mu);
    s->nconn++;
    pthread_mutex_unlock(&s->mu);
  }
}

static ssize_t
big_reader(void *cls, uint64_t pos, char *out, size_t max)
{
  size_t total = (size_t)(uintptr_t)cls;

  if (pos >= total)
    return MHD_CONTENT_READER_END_OF_STREAM;
  if (max > total - pos)
    max = total - pos;
  memset(out, ' ', max);
  return (ssize_t)max;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **req_cls)
{
  struct srv *s = cls;
  struct rq *r = *req_cls;
  struct canned cn;
  struct MHD_Response *resp;
  const char *v;
  enum MHD_Result ret;

  if (!r->started) {
    r->started = 1;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    buf_append(&r->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }

  pthread_mutex_lock(&s->mu);
  if (s->nseen < MAX_SEEN) {
    struct seen *sn = &s->seen[s->nseen];
    snprintf(sn->method, sizeof(sn->method), "%s", method);
    snprintf(sn->uri, sizeof(sn->uri), "%s", r->uri);
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    snprintf(sn->auth, sizeof(sn->auth), "%s", v ? v : "");
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    snprintf(sn->ctype, sizeof(sn->ctype), "%s", v ? v : "");
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    snprintf(sn->ua, sizeof(sn->ua), "%s", v ? v : "");
    snprintf(sn->body, sizeof(sn->body), "%s", buf_cstr(&r->body));
  }
  s->nseen++;
  cn = s->script[s->served < s->nscript ? s->served : s->nscript - 1];
  s->served++;
  pthread_mutex_unlock(&s->mu);

  for (int waited = 0; waited < cn.delay_ms && !s->stopping; waited += 10)
    clock_sleep_ms(10);

  if (cn.big > 0 && cn.chunked)
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 65536,
                                             big_reader,
                                             (void *)(uintptr_t)cn.big, NULL);
  else if (cn.big > 0)
    resp = MHD_create_response_from_callback(cn.big, 65536, big_reader,
                                             (void *)(uintptr_t)cn.big, NULL);
  else
    resp = MHD_create_response_from_buffer(cn.body ? strlen(cn.body) : 0,
                                           (void *)(cn.body ? cn.body : ""),
                                           MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(resp, "Content-Type", "application/json");
  for (int i = 0; i < 3; i++) {
    if (cn.hname[i] != NULL)
      MHD_add_response_header(resp, cn.hname[i], cn.hval[i]);
  }
  ret = MHD_queue_response(c, (unsigned)cn.status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static void
srv_start(struct srv *s, const struct canned *script, int n)
{
  struct sockaddr_in sa;
  const union MHD_DaemonInfo *info;

  memset(s, 0, sizeof(*s));
  pthread_mutex_init(&s->mu, NULL);
  assert_true(n > 0 && n <= 8);
  memcpy(s->script, script, sizeof(*script) * (size_t)n);
  s->nscript = n;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s->d = MHD_start_daemon(
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
      NULL, NULL, on_request, s,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
      MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
      MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
      MHD_OPTION_END);
  assert_non_null(s->d);
  info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
  assert_non_null(info);
  s->port = info->port;
  assert_true(s->port > 0);
}

static void
srv_stop(struct srv *s)
{
  s->stopping = 1;
  if (s->d != NULL)
    MHD_stop_daemon(s->d);
  s->d = NULL;
  pthread_mutex_destroy(&s->mu);
}

static int
srv_count(struct srv *s)
{
  int n;

  pthread_mutex_lock(&s->mu);
  n = s->nseen;
  pthread_mutex_unlock(&s->mu);
  return n;
}

struct opts {
  const char *secret;
  int attempts;
  long base_ms, max_ms, timeout_ms;
};

static struct graph *
mkgraph(const struct srv *s, const struct opts *o)
{
  char base[64];
  struct graph_config cfg;
  struct err e;
  struct graph *g;

  snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned)s->port);
  memset(&cfg, 0, sizeof(cfg));
  cfg.login = GRAPH_LOGIN_INSTAGRAM;
  cfg.token = TOKEN;
  cfg.base_url = base;
  if (o != NULL) {
    cfg.app_secret = o->secret;
    cfg.max_attempts = o->attempts;
    cfg.backoff_base_ms = o->base_ms;
    cfg.backoff_max_ms = o->max_ms;
    cfg.timeout_ms = o->timeout_ms;
  }
  if (cfg.backoff_base_ms == 0)
    cfg.backoff_base_ms = 5;
  if (cfg.backoff_max_ms == 0)
    cfg.backoff_max_ms = 20;
  err_clear(&e);
  g = graph_new(&cfg, &e);
  if (g == NULL)
    fail_msg("graph_new: %s", e.msg);
  return g;
}

static void
assert_no_token(const struct err *e, const struct graph_response *r)
{
  if (strstr(e->msg, TOKEN) != NULL || strstr(e->msg, SECRET) != NULL ||
      strstr(e->msg, "IGAAtestToken") != NULL)
    fail_msg("the error text holds the token: %s", e->msg);
  if (r != NULL && (strstr(r->error.message, TOKEN) != NULL ||
                    strstr(r->error.user_msg, TOKEN) != NULL ||
                    strstr(r->error.message, "IGAAtestToken") != NULL))
    fail_msg("the Graph error holds the token");
}

static int
call(struct graph *g, const char *method, const char *path,
     const struct graph_param *params, size_t nparams, const json_t *jbody,
     int retry_safe, const volatile int *cancel, struct graph_response *r,
     struct err *e)
{
  struct graph_request req = {
    .method = method, .path = path, .params = params, .nparams = nparams,
    .json_body = jbody, .retry_safe = retry_safe, .cancel = cancel,
  };
  int rc;

  err_clear(e);
  rc = graph_call(g, &req, r, e);
  assert_no_token(e, r);
  return rc;
}

static const char *ERR_190 =
    "{\"error\":{\"message\":\"Error validating access token: Session has "
    "expired.\",\"type\":\"OAuthException\",\"code\":190,\"error_subcode\":"
    "463,\"fbtrace_id\":\"AQt\"}}";
static const char *ERR_2 =
    "{\"error\":{\"message\":\"An unexpected error has occurred. Please "
    "retry your request later.\",\"type\":\"OAuthException\","
    "\"is_transient\":true,\"code\":2,\"fbtrace_id\":\"B6\"}}";

static void
test_get_success_usage(void **state)
{
  static const struct canned script[] = {
    { .status = 200,
      .body = "{\"id\":\"17841400000000001\",\"username\":\"studio\"}",
      .hname = { "x-app-usage", "X-Business-Use-Case-Usage" },
      .hval = { "{\"call_volume\":12,\"cpu_time\":3}",
                "{\"17841400000000001\":[{\"type\":\"instagram\","
                "\"call_count\":40,\"total_cputime\":2,\"total_time\":5,"
                "\"estimated_time_to_regain_access\":0}]}" } },
  };
  struct graph_param p[] = { { "fields", "id,username" } };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 1);
  g = mkgraph(&s, NULL);
  assert_int_equal(graph_login(g), GRAPH_LOGIN_INSTAGRAM);
  assert_int_equal(call(g, "GET", "me", p, 1, NULL, 1, NULL, &r, &e), 0);
  assert_int_equal(r.http_status, 200);
  assert_int_equal(r.attempts, 1);
  assert_string_equal(json_string_value(json_object_get(r.body, "id")),
                      "17841400000000001");
  assert_int_equal(r.usage.has_app, 1);
  assert_int_equal(r.usage.app_call_count, 12);
  assert_int_equal(r.usage.app_total_cputime, 3);
  assert_int_equal(r.usage.has_buc, 1);
  assert_string_equal(r.usage.buc_id, "17841400000000001");
  assert_int_equal(r.usage.buc_call_count, 40);
  assert_int_equal(r.wait_hint_s, 0);

  assert_int_equal(srv_count(&s), 1);
  assert_string_equal(s.seen[0].method, "GET");
  assert_string_equal(s.seen[0].uri, "/v25.0/me?fields=id%2Cusername"
                      "&access_token=" TOKEN);
  assert_string_equal(s.seen[0].auth, "");
  assert_true(strncmp(s.seen[0].ua, "igmcp/", 6) == 0);
  graph_response_free(&r);
  assert_null(r.body);
  graph_free(g);
  srv_stop(&s);
}

static void
test_appsecret_proof(void **state)
{
  static const struct canned script[] = {
    { .status = 200, .body = "{\"id\":\"1\"}" },
  };
  struct opts o = { .secret = SECRET };
  char expect[65], needle[100];
  json_t *jb = json_pack("{s:{s:s}}", "recipient", "id", "1");
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  assert_int_equal(crypto_hmac_sha256_hex(SECRET, strlen(SECRET), TOKEN,
                                          strlen(TOKEN), expect), 0);
  snprintf(needle, sizeof(needle), "appsecret_proof=%s", expect);
  srv_start(&s, script, 1);
  g = mkgraph(&s, &o);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e), 0);
  graph_response_free(&r);
  assert_int_equal(call(g, "POST", "me/messages", NULL, 0, jb, 0, NULL, &r,
                        &e), 0);
  graph_response_free(&r);
  assert_int_equal(call(g, "POST", "123", NULL, 0, NULL, 0, NULL, &r, &e),
                   0);
  graph_response_free(&r);
  assert_int_equal(srv_count(&s), 3);
  for (int i = 0; i < 3; i++) {
    if (strstr(s.seen[i].uri, needle) == NULL)
      fail_msg("request %d lacks the proof: %s", i, s.seen[i].uri);
    assert_null(strstr(s.seen[i].uri, SECRET));
    assert_null(strstr(s.seen[i].body, SECRET));
  }
  graph_free(g);
  srv_stop(&s);

  /* No app secret, no proof. */
  srv_start(&s, script, 1);
  g = mkgraph(&s, NULL);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e), 0);
  graph_response_free(&r);
  assert_null(strstr(s.seen[0].uri, "appsecret_proof"));
  graph_free(g);
  srv_stop(&s);
  json_decref(jb);
}

static void
test_token_placement(void **state)
{
  static const struct canned script[] = {
    { .status = 200,
      .body = "{\"recipient_id\":\"9\",\"message_id\":\"aWdfZ\"}" },
  };
  struct graph_param qp[] = { { "platform", "instagram" } };
  struct graph_param fp[] = { { "message", "hello world & more" },
                              { "hide", "true" } };
  json_t *jb = json_pack("{s:{s:s},s:{s:s}}", "recipient", "id", "9",
                         "message", "text", "hi");
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 1);
  g = mkgraph(&s, NULL);

  /* JSON POST: bearer header, params in the query, no token in the URL. */
  assert_int_equal(call(g, "POST", "me/messages", qp, 1, jb, 0, NULL, &r,
                        &e), 0);
  assert_string_equal(json_string_value(json_object_get(r.body,
                                                        "message_id")),
                      "aWdfZ");
  graph_response_free(&r);
  assert_string_equal(s.seen[0].method, "POST");
  assert_string_equal(s.seen[0].uri, "/v25.0/me/messages?platform=instagram");
  assert_string_equal(s.seen[0].auth, "Bearer " TOKEN);
  assert_string_equal(s.seen[0].ctype, "application/json");
  assert_string_equal(s.seen[0].body,
                      "{\"recipient\":{\"id\":\"9\"},\"message\":{\"text\":"
                      "\"hi\"}}");

  /* Form POST: params and token in the body. */
  assert_int_equal(call(g, "POST", "17890", fp, 2, NULL, 0, NULL, &r, &e), 0);
  graph_response_free(&r);
  assert_string_equal(s.seen[1].uri, "/v25.0/17890");
  assert_string_equal(s.seen[1].auth, "");
  assert_string_equal(s.seen[1].ctype, "application/x-www-form-urlencoded");
  assert_string_equal(s.seen[1].body, "message=hello%20world%20%26%20more"
                      "&hide=true&access_token=" TOKEN);

  /* DELETE: token in the query. */
  assert_int_equal(call(g, "DELETE", "17890", NULL, 0, NULL, 0, NULL, &r,
                        &e), 0);
  graph_response_free(&r);
  assert_string_equal(s.seen[2].method, "DELETE");
  assert_string_equal(s.seen[2].uri, "/v25.0/17890?access_token=" TOKEN);
  assert_string_equal(s.seen[2].body, "");

  /* Requests we refuse before sending anything. */
  {
    struct graph_param bad[] = { { "access_token", "other" } };
    struct graph_param nul[] = { { "fields", NULL } };
    assert_int_equal(call(g, "GET", "me", bad, 1, NULL, 1, NULL, &r, &e),
                     ERR_INVALID);
    assert_int_equal(call(g, "GET", "me", nul, 1, NULL, 1, NULL, &r, &e),
                     ERR_INVALID);
    assert_int_equal(call(g, "PUT", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                     ERR_INVALID);
    assert_int_equal(call(g, "GET", "me", NULL, 0, jb, 1, NULL, &r, &e),
                     ERR_INVALID);
    assert_int_equal(call(g, "GET", NULL, NULL, 0, NULL, 1, NULL, &r, &e),
                     ERR_INVALID);
  }
  assert_int_equal(srv_count(&s), 3);
  graph_free(g);
  srv_stop(&s);
  json_decref(jb);
}

static void
test_path_encoding(void **state)
{
  static const struct canned script[] = {
    { .status = 200, .body = "{}" },
  };
  static const struct {
    const char *path;
    const char *uri; /* expected raw URI without the query */
  } ok[] = {
    { "me/conversations", "/v25.0/me/conversations" },
    { "me/conv?x=1&y #z", "/v25.0/me/conv%3Fx%3D1%26y%20%23z" },
    { "a%2Fb", "/v25.0/a%252Fb" },
    { "caf\xc3\xa9", "/v25.0/caf%C3%A9" },
    { "mid.1456970487936:c3", "/v25.0/mid.1456970487936%3Ac3" },
    { "..a", "/v25.0/..a" },
    { "", "/v25.0" },
  };
  static const char *bad[] = {
    "/me", "me/", "me//x", "../x", "me/..", "me/./x", ".", "..",
  };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;
  size_t i;

  srv_start(&s, script, 1);
  g = mkgraph(&s, NULL);
  for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    char want[512];
    assert_int_equal(call(g, "GET", ok[i].path, NULL, 0, NULL, 1, NULL, &r,
                          &e), 0);
    graph_response_free(&r);
    snprintf(want, sizeof(want), "%s?access_token=%s", ok[i].uri, TOKEN);
    if (strcmp(s.seen[i].uri, want) != 0)
      fail_msg("path \"%s\": sent %s", ok[i].path, s.seen[i].uri);
  }
  for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
    if (call(g, "GET", bad[k], NULL, 0, NULL, 1, NULL, &r, &e) !=
        ERR_INVALID)
      fail_msg("path \"%s\" was accepted", bad[k]);
    assert_non_null(strstr(e.msg, "segment"));
    graph_response_free(&r);
  }
  assert_int_equal(srv_count(&s), (int)i);
  graph_free(g);
  srv_stop(&s);
}

static void
test_get_retried_on_500(void **state)
{
  static const struct canned script[] = {
    { .status = 500, .body = NULL },
    { .status = 200, .body = "{\"id\":\"1\"}" },
  };
  static const struct canned script2[] = {
    { .status = 502, .body = "<html>Bad gateway</html>" },
    { .status = 500, .body = NULL },
    { .status = 200, .body = "{\"data\":[]}" },
  };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  /* ERR_2 envelope with HTTP 500, then success. */
  srv_start(&s, script, 2);
  s.script[0].body = ERR_2;
  g = mkgraph(&s, NULL);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e), 0);
  assert_int_equal(r.attempts, 2);
  assert_int_equal(r.http_status, 200);
  assert_int_equal(srv_count(&s), 2);
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);

  /* Non-JSON 502 and empty 500 are retried too. */
  srv_start(&s, script2, 3);
  g = mkgraph(&s, NULL);
  assert_int_equal(call(g, "GET", "me/media", NULL, 0, NULL, 1, NULL, &r,
                        &e), 0);
  assert_int_equal(r.attempts, 3);
  assert_int_equal(srv_count(&s), 3);
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
}

static void
test_retry_gives_up(void **state)
{
  static const struct canned script[] = {
    { .status = 500, .body = NULL },
  };
  struct opts o = { .attempts = 3 };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 1);
  s.script[0].body = ERR_2;
  g = mkgraph(&s, &o);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_GRAPH);
  assert_int_equal(r.attempts, 3);
  assert_int_equal(srv_count(&s), 3);
  assert_int_equal(r.error.code, 2);
  assert_non_null(strstr(e.msg, "Meta error 2:"));
  assert_non_null(r.body); /* the error envelope is kept */
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
}

static void
test_post_not_retried(void **state)
{
  static const struct canned script[] = {
    { .status = 500, .body = NULL },
    { .status = 200, .body = "{\"id\":\"1\"}" },
  };
  json_t *jb = json_pack("{s:s}", "a", "b");
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 2);
  s.script[0].body = ERR_2;
  g = mkgraph(&s, NULL);
  assert_int_equal(call(g, "POST", "me/messages", NULL, 0, jb, 0, NULL, &r,
                        &e), ERR_GRAPH);
  assert_int_equal(r.attempts, 1);
  assert_int_equal(r.http_status, 500);
  assert_int_equal(srv_count(&s), 1);
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
  json_decref(jb);
}

static void
test_not_retryable_error(void **state)
{
  static const struct canned script[] = {
    { .status = 400, .body = NULL },
  };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 1);
  s.script[0].body = ERR_190;
  g = mkgraph(&s, NULL);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_GRAPH);
  assert_int_equal(e.code, ERR_GRAPH);
  assert_int_equal(r.attempts, 1);
  assert_int_equal(srv_count(&s), 1);
  assert_int_equal(r.error.code, 190);
  assert_int_equal(r.error.subcode, 463);
  assert_non_null(strstr(e.msg, "190/463"));
  assert_non_null(strstr(e.msg, "IG_ACCESS_TOKEN"));
  assert_null(strchr(e.msg, '\n'));
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
}

static void
test_error_in_2xx_and_flat(void **state)
{
  static const struct canned script[] = {
    { .status = 200,
      .body = "{\"error\":{\"message\":\"(#100) Invalid parameter\",\"type\":"
              "\"OAuthException\",\"code\":100}}" },
    { .status = 400, .body = "{\"error_type\":\"OAuthException\",\"code\":400,"
              "\"error_message\":\"Invalid platform app\"}" },
  };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 2);
  g = mkgraph(&s, NULL);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_GRAPH);
  assert_int_equal(r.error.code, 100);
  assert_non_null(strstr(e.msg, "Invalid parameter"));
  graph_response_free(&r);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_GRAPH);
  assert_int_equal(r.error.code, 400);
  assert_string_equal(r.error.type, "OAuthException");
  assert_non_null(strstr(e.msg, "Invalid platform app"));
  graph_response_free(&r);
  assert_int_equal(srv_count(&s), 2);
  graph_free(g);
  srv_stop(&s);
}

static void
test_throttle_wait_hint(void **state)
{
  static const struct canned script[] = {
    { .status = 400,
      .body = "{\"error\":{\"message\":\"(#80002) There have been too many "
              "calls to this Instagram account. Wait a bit and try again.\","
              "\"type\":\"OAuthException\",\"code\":80002,\"fbtrace_id\":"
              "\"X\"}}",
      .hname = { "X-Business-Use-Case-Usage" },
      .hval = { "{\"17841400000000001\":[{\"type\":\"instagram\","
                "\"call_count\":100,\"total_cputime\":20,\"total_time\":30,"
                "\"estimated_time_to_regain_access\":5}]}" } },
    { .status = 200, .body = "{\"id\":\"1\"}" },
  };
  struct opts o = { .base_ms = 2000, .max_ms = 4000 };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;
  int64_t t0;

  srv_start(&s, script, 2);
  g = mkgraph(&s, &o);
  t0 = clock_mono_ms();
  assert_int_equal(call(g, "GET", "me/media", NULL, 0, NULL, 1, NULL, &r,
                        &e), ERR_GRAPH);
  assert_true(clock_mono_ms() - t0 < 1000);
  assert_int_equal(r.attempts, 1);
  assert_int_equal(srv_count(&s), 1);
  assert_int_equal(r.wait_hint_s, 300);
  assert_int_equal(r.usage.buc_regain_minutes, 5);
  assert_int_equal(graph_error_is_throttle(&r.error), 1);
  assert_non_null(strstr(e.msg, "about 5 minutes"));
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
}

static void
test_throttle_without_hint(void **state)
{
  static const struct canned script[] = {
    { .status = 403,
      .body = "{\"error\":{\"message\":\"(#4) Application request limit "
              "reached\",\"type\":\"OAuthException\",\"is_transient\":true,"
              "\"code\":4,\"fbtrace_id\":\"X\"}}",
      .hname = { "X-App-Usage" },
      .hval = { "{\"call_count\":100,\"total_time\":20,"
                "\"total_cputime\":20}" } },
  };
  struct opts o = { .attempts = 3 };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 1);
  g = mkgraph(&s, &o);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_GRAPH);
  assert_int_equal(r.attempts, 3);
  assert_int_equal(srv_count(&s), 3);
  assert_int_equal(r.wait_hint_s, 0);
  assert_int_equal(graph_usage_max_pct(&r.usage), 100);
  assert_non_null(strstr(e.msg, "did not say"));
  graph_response_free(&r);
  /* The governor now holds calls for its default minute: the next one is
   * answered at once with the same error, and Meta is not called. */
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_GRAPH);
  assert_int_equal(r.held, 1);
  assert_int_equal(r.attempts, 0);
  assert_int_equal(r.error.code, 4);
  assert_true(r.wait_hint_s >= 59 && r.wait_hint_s <= 60);
  assert_non_null(strstr(e.msg, "Not sent"));
  assert_int_equal(srv_count(&s), 3);
  graph_response_free(&r);
  {
    json_t *st = graph_rate_status(g);
    assert_string_equal(json_string_value(json_object_get(st, "state")),
                        "held");
    assert_int_equal(json_integer_value(json_object_get(st, "held_calls")),
                     1);
    assert_false(json_is_true(json_object_get(
        json_object_get(st, "hold"), "announced_by_meta")));
    json_decref(st);
  }
  graph_free(g);
  srv_stop(&s);
}

static void
test_retry_after(void **state)
{
  static const struct canned script[] = {
    { .status = 503, .body = NULL, .hname = { "Retry-After" },
      .hval = { "120" } },
    { .status = 200, .body = "{}" },
  };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 2);
  g = mkgraph(&s, NULL);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_IO);
  assert_int_equal(r.attempts, 1);
  assert_int_equal(r.wait_hint_s, 120);
  assert_int_equal(srv_count(&s), 1);
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
}

struct canceller {
  volatile int *flag;
  int after_ms;
};

static void *
cancel_later(void *arg)
{
  struct canceller *c = arg;

  clock_sleep_ms(c->after_ms);
  *c->flag = 1;
  return NULL;
}

static void
test_cancel_slow_response(void **state)
{
  static const struct canned script[] = {
    { .status = 200, .body = "{}", .delay_ms = 3000 },
  };
  volatile int flag = 0;
  struct canceller c = { &flag, 200 };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;
  pthread_t t;
  int64_t t0, took;

  srv_start(&s, script, 1);
  g = mkgraph(&s, NULL);
  pthread_create(&t, NULL, cancel_later, &c);
  t0 = clock_mono_ms();
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, &flag, &r, &e),
                   ERR_CANCELLED);
  took = clock_mono_ms() - t0;
  pthread_join(t, NULL);
  if (took >= 1000)
    fail_msg("cancel took %lld ms", (long long)took);
  assert_true(took >= 150);
  assert_int_equal(r.attempts, 1);
  assert_null(r.body);
  graph_response_free(&r);

  /* Already cancelled: nothing is sent. */
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, &flag, &r, &e),
                   ERR_CANCELLED);
  assert_int_equal(srv_count(&s), 1);
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
}

static void
test_cancel_during_backoff(void **state)
{
  static const struct canned script[] = {
    { .status = 500, .body = NULL },
  };
  struct opts o = { .base_ms = 5000, .max_ms = 5000, .attempts = 4 };
  volatile int flag = 0;
  struct canceller c = { &flag, 300 };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;
  pthread_t t;
  int64_t t0, took;
  int n;

  srv_start(&s, script, 1);
  s.script[0].body = ERR_2;
  g = mkgraph(&s, &o);
  pthread_create(&t, NULL, cancel_later, &c);
  t0 = clock_mono_ms();
  /* Full jitter may pick a short sleep; either way, at most a few tries
   * happen before the flag is seen, and the call ends quickly. */
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, &flag, &r, &e),
                   ERR_CANCELLED);
  took = clock_mono_ms() - t0;
  pthread_join(t, NULL);
  if (took >= 1000)
    fail_msg("cancel took %lld ms", (long long)took);
  n = srv_count(&s);
  assert_true(n >= 1 && n <= 4);
  assert_int_equal(r.attempts, n);
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
}

static void
test_timeout(void **state)
{
  static const struct canned script[] = {
    { .status = 200, .body = "{}", .delay_ms = 1500 },
  };
  struct opts o = { .timeout_ms = 200, .attempts = 2 };
  json_t *jb = json_pack("{}");
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;
  int64_t t0;

  srv_start(&s, script, 1);
  g = mkgraph(&s, &o);
  t0 = clock_mono_ms();
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_TIMEOUT);
  assert_true(clock_mono_ms() - t0 < 1400);
  assert_int_equal(r.attempts, 2);
  graph_response_free(&r);
  assert_int_equal(call(g, "POST", "me/messages", NULL, 0, jb, 0, NULL, &r,
                        &e), ERR_TIMEOUT);
  assert_int_equal(r.attempts, 1);
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
  json_decref(jb);
}

static void
test_non_json_and_too_large(void **state)
{
  static const struct canned script[] = {
    { .status = 200, .body = "<html>hello</html>" },
    { .status = 200, .body = NULL, .big = 9u << 20 },
    { .status = 200, .body = NULL, .big = 9u << 20, .chunked = 1 },
    { .status = 200, .body = NULL },
  };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 4);
  g = mkgraph(&s, NULL);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_IO);
  assert_non_null(strstr(e.msg, "HTTP 200 with a non-JSON body"));
  assert_null(r.body);
  assert_int_equal(r.attempts, 1);
  graph_response_free(&r);

  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_IO);
  assert_non_null(strstr(e.msg, "response too large"));
  assert_int_equal(r.attempts, 1);
  graph_response_free(&r);

  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_IO);
  assert_non_null(strstr(e.msg, "response too large"));
  graph_response_free(&r);

  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_IO); /* empty body */
  graph_response_free(&r);
  assert_int_equal(srv_count(&s), 4);
  graph_free(g);
  srv_stop(&s);
}

static void
test_token_never_in_errors(void **state)
{
  static const struct canned script[] = {
    { .status = 400,
      .body = "{\"error\":{\"message\":\"Malformed access token "
           TOKEN "\",\"type\":\"OAuthException\",\"code\":190,"
              "\"error_user_msg\":\"token " TOKEN " app " SECRET "\"}}" },
    { .status = 400,
      .body = "{\"error\":{\"message\":\"(#100) bad value IGAAtestTokenThat"
              "MustNeverLeak0123456789abcdef\",\"code\":100}}" },
  };
  struct opts o = { .secret = SECRET };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 2);
  g = mkgraph(&s, &o);
  /* call() checks e.msg and r.error for the token and the secret. */
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_GRAPH);
  assert_null(strstr(r.error.user_msg, SECRET));
  assert_non_null(strstr(r.error.message, "[redacted]"));
  graph_response_free(&r);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_GRAPH);
  assert_non_null(strstr(e.msg, "[redacted]"));
  graph_response_free(&r);
  graph_free(g);
  srv_stop(&s);
}

static void
test_connection_refused(void **state)
{
  static const struct canned script[] = {
    { .status = 200, .body = "{}" },
  };
  struct opts o = { .attempts = 3 };
  json_t *jb = json_pack("{}");
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 1);
  srv_stop(&s); /* the port is now closed */
  g = mkgraph(&s, &o);
  assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                   ERR_IO);
  assert_int_equal(r.attempts, 3);
  assert_non_null(strstr(e.msg, "could not reach Meta"));
  graph_response_free(&r);
  assert_int_equal(call(g, "POST", "me/messages", NULL, 0, jb, 0, NULL, &r,
                        &e), ERR_IO);
  assert_int_equal(r.attempts, 1);
  graph_response_free(&r);
  graph_free(g);
  json_decref(jb);
}

static void
test_connection_reuse(void **state)
{
  static const struct canned script[] = {
    { .status = 200, .body = "{\"id\":\"1\"}" },
  };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 1);
  g = mkgraph(&s, NULL);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(call(g, "GET", "me", NULL, 0, NULL, 1, NULL, &r, &e),
                     0);
    graph_response_free(&r);
  }
  assert_int_equal(srv_count(&s), 5);
  pthread_mutex_lock(&s.mu);
  assert_int_equal(s.nconn, 1);
  pthread_mutex_unlock(&s.mu);
  graph_free(g);
  srv_stop(&s);
}

struct worker {
  struct graph *g;
  int ok;
};

static void *
work(void *arg)
{
  struct worker *w = arg;

  for (int i = 0; i < 20; i++) {
    struct graph_request req = { .method = "GET", .path = "me",
                                 .retry_safe = 1 };
    struct graph_response r;
    struct err e;
    if (graph_call(w->g, &req, &r, &e) == 0 &&
        json_is_string(json_object_get(r.body, "id")))
      w->ok++;
    graph_response_free(&r);
  }
  return NULL;
}

static void
test_threads(void **state)
{
  static const struct canned script[] = {
    { .status = 200, .body = "{\"id\":\"1\"}" },
  };
  struct worker w[8];
  pthread_t t[8];
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 1);
  g = mkgraph(&s, NULL);
  for (int i = 0; i < 8; i++) {
    w[i].g = g;
    w[i].ok = 0;
    pthread_create(&t[i], NULL, work, &w[i]);
  }
  for (int i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(w[i].ok, 20);
  }
  assert_int_equal(srv_count(&s), 160);
  graph_free(g);
  srv_stop(&s);
}

static void
test_config(void **state)
{
  static const struct {
    const char *url;
    int ok;
    const char *want; /* graph_base_url when ok, else part of the error */
  } urls[] = {
    { "http://127.0.0.1:8080", 1, "http://127.0.0.1:8080" },
    { "http://127.0.0.1:8080/", 1, "http://127.0.0.1:8080" },
    { "http://localhost:5", 1, "http://localhost:5" },
    { "http://[::1]:8", 1, "http://[::1]:8" },
    { "https://graph.example.com", 1, "https://graph.example.com" },
    { "HTTP://127.0.0.1:9", 1, "http://127.0.0.1:9" },
    { "http://example.com", 0, "refusing plain http" },
    { "http://graph.instagram.com", 0, "refusing plain http" },
    { "http://127.0.0.1.nip.io:80", 0, "refusing plain http" },
    { "http://10.0.0.1", 0, "refusing plain http" },
    { "http://user@127.0.0.1:80", 0, "no user" },
    { "http://127.0.0.1:80/prefix", 0, "path" },
    { "http://127.0.0.1:80?x=1", 0, "query" },
    { "ftp://127.0.0.1", 0, "must use https" },
    { "file:///etc/passwd", 0, "https" },
    { "not a url", 0, "not a URL" },
  };
  struct graph_config cfg;
  struct graph *g;
  struct err e;

  for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
    memset(&cfg, 0, sizeof(cfg));
    cfg.login = GRAPH_LOGIN_FACEBOOK;
    cfg.token = TOKEN;
    cfg.base_url = urls[i].url;
    err_clear(&e);
    g = graph_new(&cfg, &e);
    if ((g != NULL) != urls[i].ok)
      fail_msg("%s: %s", urls[i].url, g ? "accepted" : e.msg);
    if (g != NULL) {
      assert_string_equal(graph_base_url(g), urls[i].want);
      graph_free(g);
    } else {
      assert_int_equal(e.code, ERR_CONFIG);
      if (strstr(e.msg, urls[i].want) == NULL)
        fail_msg("%s: \"%s\" lacks \"%s\"", urls[i].url, e.msg,
                 urls[i].want);
    }
  }

  /* Default hosts per login. */
  memset(&cfg, 0, sizeof(cfg));
  cfg.token = TOKEN;
  cfg.login = GRAPH_LOGIN_INSTAGRAM;
  g = graph_new(&cfg, &e);
  assert_non_null(g);
  assert_string_equal(graph_base_url(g), "https://graph.instagram.com");
  graph_free(g);
  cfg.login = GRAPH_LOGIN_FACEBOOK;
  g = graph_new(&cfg, &e);
  assert_non_null(g);
  assert_string_equal(graph_base_url(g), "https://graph.facebook.com");
  assert_int_equal(graph_login(g), GRAPH_LOGIN_FACEBOOK);
  graph_free(g);

  /* Bad settings. */
  cfg.token = NULL;
  assert_null(graph_new(&cfg, &e));
  assert_int_equal(e.code, ERR_CONFIG);
  cfg.token = "IGAA with space";
  assert_null(graph_new(&cfg, &e));
  cfg.token = "IGAAtoken\r\nX-Evil: 1";
  assert_null(graph_new(&cfg, &e));
  assert_null(strstr(e.msg, "IGAAtoken"));
  cfg.token = TOKEN;
  cfg.api_version = "25.0";
  assert_null(graph_new(&cfg, &e));
  cfg.api_version = "v25.0/../x";
  assert_null(graph_new(&cfg, &e));
  cfg.api_version = "v26.0";
  cfg.login = 0;
  assert_null(graph_new(&cfg, &e));
  cfg.login = GRAPH_LOGIN_INSTAGRAM;
  cfg.timeout_ms = -1;
  assert_null(graph_new(&cfg, &e));
  cfg.timeout_ms = 0;
  g = graph_new(&cfg, &e);
  assert_non_null(g);
  graph_free(g);
}

static void
test_api_version_in_url(void **state)
{
  static const struct canned script[] = {
    { .status = 200, .body = "{}" },
  };
  char base[64];
  struct graph_config cfg;
  struct graph_request req = { .method = "GET", .path = "me" };
  struct graph_response r;
  struct err e;
  struct srv s;
  struct graph *g;

  srv_start(&s, script, 1);
  snprintf(base, sizeof(base), "http://localhost:%u", (unsigned)s.port);
  memset(&cfg, 0, sizeof(cfg));
  cfg.login = GRAPH_LOGIN_FACEBOOK;
  cfg.token = TOKEN;
  cfg.base_url = base;
  cfg.api_version = "v26.0";
  g = graph_new(&cfg, &e);
  assert_non_null(g);
  assert_int_equal(graph_call(g, &req, &r, &e), 0);
  graph_response_free(&r);
  assert_string_equal(s.seen[0].uri, "/v26.0/me?access_token=" TOKEN);
  graph_free(g);
  srv_stop(&s);
}

static void
test_id_valid(void **state)
{
  static const struct {
    const char *id;
    int ok;
  } ids[] = {
    { "17841400000000001", 1 },
    { "aWdfZAG06MzQwMjgyMzY2ODQxNzEw", 1 },
    { "ig_t:abc-DEF_1", 1 },
    { "mid.1456970487936:c34767dfe57ee6e339", 1 },
    { "a", 1 },
    { "", 0 },
    { ".", 0 },
    { "..", 0 },
    { "a..b", 0 },
    { "1/2", 0 },
    { "1?x", 0 },
    { "1&x", 0 },
    { "1%2F", 0 },
    { "1 2", 0 },
    { "1\n", 0 },
    { "caf\xc3\xa9", 0 },
    { "1=2", 0 },
    { "1+2", 0 },
  };
  char long_id[300];

  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
    if (graph_id_valid(ids[i].id) != ids[i].ok)
      fail_msg("id \"%s\": %d", ids[i].id, !ids[i].ok);
  }
  assert_int_equal(graph_id_valid(NULL), 0);
  memset(long_id, '7', sizeof(long_id));
  long_id[256] = '\0';
  assert_int_equal(graph_id_valid(long_id), 1);
  long_id[256] = '7';
  long_id[257] = '\0';
  assert_int_equal(graph_id_valid(long_id), 0);
}

static int
setup(void **state)
{
  graph_global_init();
  return 0;
}

static int
teardown(void **state)
{
  graph_global_cleanup();
  log_clear_secrets();
  return 0;
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_get_success_usage),
    cmocka_unit_test(test_appsecret_proof),
    cmocka_unit_test(test_token_placement),
    cmocka_unit_test(test_path_encoding),
    cmocka_unit_test(test_get_retried_on_500),
    cmocka_unit_test(test_retry_gives_up),
    cmocka_unit_test(test_post_not_retried),
    cmocka_unit_test(test_not_retryable_error),
    cmocka_unit_test(test_error_in_2xx_and_flat),
    cmocka_unit_test(test_throttle_wait_hint),
    cmocka_unit_test(test_throttle_without_hint),
    cmocka_unit_test(test_retry_after),
    cmocka_unit_test(test_cancel_slow_response),
    cmocka_unit_test(test_cancel_during_backoff),
    cmocka_unit_test(test_timeout),
    cmocka_unit_test(test_non_json_and_too_large),
    cmocka_unit_test(test_token_never_in_errors),
    cmocka_unit_test(test_connection_refused),
    cmocka_unit_test(test_connection_reuse),
    cmocka_unit_test(test_threads),
    cmocka_unit_test(test_config),
    cmocka_unit_test(test_api_version_in_url),
    cmocka_unit_test(test_id_valid),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
