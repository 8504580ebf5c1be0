/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_hooks.c: the sandbox's outgoing webhooks, end to end on
 * loopback.
 *
 * Each test starts a fresh sandbox and a small libmicrohttpd receiver on
 * 127.0.0.1 that records what it is sent, answers the GET handshake when
 * the verify token matches, and can fail its first N POSTs or answer
 * slowly.  Deliveries are checked with the receiving side's own code:
 * webhook_signature_ok over the exact bytes and webhook_parse for the
 * kinds.  Covered: subscribed_apps on both hosts, the app subscription
 * and its handshake, signatures, shapes, field filtering, batching,
 * retries with backoff, give-up, timeouts, and stopping mid-retry.
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
#include <curl/curl.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/xalloc.h"
#include "sandbox/sandbox.h"
#include "webhook/webhook.h"

#define IG "access_token=" SANDBOX_IG_TOKEN
#define FB "access_token=" SANDBOX_FB_TOKEN
#define APP_TOKEN SANDBOX_APP_ID "|" SANDBOX_APP_SECRET
#define MAX_POSTS 64

/* ---- the receiver ------------------------------------------------------ */

struct post {
  char *body;
  size_t len;
  char *sig;
};

static struct receiver {
  struct MHD_Daemon *d;
  uint16_t port;
  pthread_mutex_t mu;
  struct post posts[MAX_POSTS];
  int nposts;
  int fail_first;       /* answer 500 to this many POSTs */
  long delay_ms;        /* before answering a POST */
  int gets;             /* handshakes seen */
  char last_mode[32];
} rx;

struct rconn {
  struct buf body;
};

static enum MHD_Result
rx_handler(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *data,
           size_t *size, void **con_cls)
{
  struct rconn *rc = *con_cls;
  struct MHD_Response *resp;
  const char *text = "";
  unsigned status = 200;
  enum MHD_Result ret;

  (void)cls, (void)url, (void)version;
  if (rc == NULL) {
    rc = xcalloc(1, sizeof(*rc));
    buf_init(&rc->body, 16 << 20);
    *con_cls = rc;
    return MHD_YES;
  }
  if (*size != 0) {
    buf_append(&rc->body, data, *size);
    *size = 0;
    return MHD_YES;
  }
  if (strcmp(method, "GET") == 0) {
    const char *mode = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                   "hub.mode");
    const char *tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                  "hub.verify_token");
    const char *ch = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                 "hub.challenge");
    pthread_mutex_lock(&rx.mu);
    rx.gets++;
    snprintf(rx.last_mode, sizeof(rx.last_mode), "%s", mode ? mode : "");
    pthread_mutex_unlock(&rx.mu);
    status = webhook_verify(mode, tok, ch, "vtok-123", &text);
    if (status != 200)
      text = "no";
  } else {
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  "X-Hub-Signature-256");
    int n;
    if (rx.delay_ms > 0)
      clock_sleep_ms(rx.delay_ms);
    pthread_mutex_lock(&rx.mu);
    n = rx.nposts;
    if (n < MAX_POSTS) {
      rx.posts[n].len = rc->body.len;
      rx.posts[n].body = xstrndup(buf_cstr(&rc->body), rc->body.len);
      rx.posts[n].sig = xstrdup(sig != NULL ? sig : "");
      rx.nposts++;
    }
    if (n < rx.fail_first)
      status = 500;
    pthread_mutex_unlock(&rx.mu);
  }
  resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
                                         MHD_RESPMEM_MUST_COPY);
  ret = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static void
rx_done(void *cls, struct MHD_Connection *c, void **con_cls,
        enum MHD_RequestTerminationCode toe)
{
  struct rconn *rc = *con_cls;

  (void)cls, (void)c, (void)toe;
  if (rc != NULL) {
    buf_free(&rc->body);
    free(rc);
    *con_cls = NULL;
  }
}

static void
rx_start(void)
{
  const union MHD_DaemonInfo *info;
  struct sockaddr_in sa;

  memset(&rx, 0, sizeof(rx));
  pthread_mutex_init(&rx.mu, NULL);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(0x7f000001);
  rx.d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
                            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
                          0, NULL, NULL, rx_handler, NULL,
                          MHD_OPTION_SOCK_ADDR, &sa,
                          MHD_OPTION_NOTIFY_COMPLETED, rx_done, NULL,
                          MHD_OPTION_END);
  assert_non_null(rx.d);
  info = MHD_get_daemon_info(rx.d, MHD_DAEMON_INFO_BIND_PORT);
  rx.port = info->port;
}

static void
rx_stop(void)
{
  MHD_stop_daemon(rx.d);
  for (int i = 0; i < rx.nposts && i < MAX_POSTS; i++) {
    free(rx.posts[i].body);
    free(rx.posts[i].sig);
  }
  pthread_mutex_destroy(&rx.mu);
}

static int
rx_count(void)
{
  int n;

  pthread_mutex_lock(&rx.mu);
  n = rx.nposts;
  pthread_mutex_unlock(&rx.mu);
  return n;
}

/* ---- the sandbox ------------------------------------------------------- */

static struct sandbox *sb;
static char base[64];

static size_t
on_data(char *p, size_t sz, size_t n, void *ud)
{
  buf_append(ud, p, sz * n);
  return sz * n;
}

/* One request to the sandbox; returns the status and sets *out (owned). */
static long
req(const char *method, const char *pathq, const char *json_body,
    json_t **out)
{
  CURL *c = curl_easy_init();
  struct curl_slist *hl = NULL;
  struct buf b;
  char *url = xasprintf("%s%s", base, pathq);
  long status = 0;

  buf_init(&b, 1 << 20);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  if (json_body != NULL) {
    hl = curl_slist_append(hl, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  *out = json_loadb(buf_cstr(&b), b.len, 0, NULL);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  buf_free(&b);
  free(url);
  return status;
}

/* A request whose answer is not needed beyond its status. */
static long
call(const char *method, const char *pathq, const char *json_body)
{
  json_t *j = NULL;
  long st = req(method, pathq, json_body, &j);

  json_decref(j);
  return st;
}

/* Points the sandbox at the receiver with admin settings (JSON object
 * members, without braces) and waits for nothing. */
static void
configure(const char *extra)
{
  char *body = xasprintf("{\"callback_url\":\"http://127.0.0.1:%u/hook\"%s%s}",
                         (unsigned)rx.port, extra ? "," : "",
                         extra ? extra : "");
  assert_int_equal(call("POST", "/__sandbox/webhooks", body), 200);
  free(body);
}

static void
flush(void)
{
  json_t *j = NULL;

  assert_int_equal(req("POST", "/__sandbox/webhooks/flush",
                       "{\"timeout_ms\":20000}", &j), 200);
  assert_true(json_is_true(json_object_get(j, "idle")));
  json_decref(j);
}

/* The newest delivery log row (a new reference). */
static json_t *
last_delivery(void)
{
  json_t *j = NULL, *d, *row;

  assert_int_equal(req("GET", "/__sandbox/webhooks", NULL, &j), 200);
  d = json_object_get(j, "deliveries");
  assert_true(json_array_size(d) > 0);
  row = json_incref(json_array_get(d, json_array_size(d) - 1));
  json_decref(j);
  return row;
}

/* The kinds webhook_parse finds in POST i, comma-joined. */
static void
kinds_of(int i, char *out, size_t n)
{
  struct err e = { 0 };
  json_t *ev;
  size_t k;
  json_t *v;

  out[0] = '\0';
  ev = webhook_parse(rx.posts[i].body, rx.posts[i].len, &e);
  assert_non_null(ev);
  json_array_foreach(ev, k, v) {
    size_t used = strlen(out);
    snprintf(out + used, n - used, "%s%s", k ? "," : "",
             json_string_value(json_object_get(v, "kind")));
  }
  json_decref(ev);
}

static int
setup(void **state)
{
  struct sandbox_opts o = { 0 };
  struct err e;

  (void)state;
  rx_start();
  sb = sandbox_start(&o, &e);
  assert_non_null(sb);
  snprintf(base, sizeof(base), "http://127.0.0.1:%u",
           (unsigned)sandbox_port(sb));
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  sandbox_stop(sb);
  rx_stop();
  return 0;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_subscribed_apps_both_hosts(void **state)
{
  json_t *j = NULL;

  (void)state;
  assert_int_equal(req("GET", "/v25.0/me/subscribed_apps?" IG, NULL, &j),
                   200);
  assert_int_equal(json_array_size(json_object_get(j, "data")), 0);
  json_decref(j);
  assert_int_equal(req("POST", "/v25.0/me/subscribed_apps?subscribed_fields="
                       "messages,comments&" IG, NULL, &j), 200);
  assert_true(json_is_true(json_object_get(j, "success")));
  json_decref(j);
  assert_int_equal(req("GET", "/v25.0/" SANDBOX_IG_USER_ID
                       "/subscribed_apps?" IG, NULL, &j), 200);
  {
    json_t *app = json_array_get(json_object_get(j, "data"), 0);
    json_t *f = json_object_get(app, "subscribed_fields");
    assert_string_equal(json_string_value(json_object_get(app, "id")),
                        SANDBOX_APP_ID);
    assert_int_equal(json_array_size(f), 2);
    assert_string_equal(json_string_value(json_array_get(f, 0)),
                        "messages");
  }
  json_decref(j);
  /* The Instagram host has no mentions field; the Page host takes Page
   * fields only. */
  assert_int_equal(req("POST", "/me/subscribed_apps?subscribed_fields="
                       "mentions&" IG, NULL, &j), 400);
  assert_int_equal(json_integer_value(json_object_get(
                     json_object_get(j, "error"), "code")), 100);
  json_decref(j);
  assert_int_equal(call("POST", "/me/subscribed_apps?subscribed_fields="
                        "comments&" FB, NULL), 400);
  assert_int_equal(call("POST", "/me/subscribed_apps?" IG, NULL), 400);
  assert_int_equal(call("POST", "/" SANDBOX_PAGE_ID "/subscribed_apps?"
                        "subscribed_fields=messages,feed&" FB, NULL), 200);
  assert_int_equal(req("GET", "/me/subscribed_apps?" FB, NULL, &j), 200);
  assert_string_equal(json_string_value(json_object_get(json_array_get(
                        json_object_get(j, "data"), 0), "category")),
                      "Business");
  json_decref(j);
  assert_int_equal(call("DELETE", "/me/subscribed_apps?" IG, NULL), 200);
  assert_int_equal(req("GET", "/me/subscribed_apps?" IG, NULL, &j), 200);
  assert_int_equal(json_array_size(json_object_get(j, "data")), 0);
  json_decref(j);
}

/* POST /{app-id}/subscriptions with a verify token and access token. */
static char *
sub_path(const char *verify, const char *token)
{
  return xasprintf("/v25.0/" SANDBOX_APP_ID "/subscriptions?object="
                   "instagram&callback_url=http://127.0.0.1:%u/hook&fields="
                   "messages,mentions&verify_token=%s&access_token=%s",
                   (unsigned)rx.port, verify, token);
}

static void
test_app_subscription_handshake(void **state)
{
  json_t *j = NULL;
  char *p;

  (void)state;
  p = sub_path("vtok-123", SANDBOX_IG_TOKEN);
  assert_int_equal(req("POST", p, NULL, &j), 400); /* not an app token */
  assert_int_equal(json_integer_value(json_object_get(
                     json_object_get(j, "error"), "code")), 15);
  json_decref(j);
  free(p);
  p = sub_path("wrong", APP_TOKEN);
  assert_int_equal(req("POST", p, NULL, &j), 400); /* handshake fails */
  assert_int_equal(json_integer_value(json_object_get(
                     json_object_get(j, "error"), "code")), 2200);
  json_decref(j);
  free(p);
  p = sub_path("vtok-123", APP_TOKEN);
  assert_int_equal(req("POST", p, NULL, &j), 200);
  assert_string_equal(json_string_value(json_object_get(j, "success")),
                      "true");
  json_decref(j);
  free(p);
  assert_int_equal(rx.gets, 2);
  assert_string_equal(rx.last_mode, "subscribe");
  assert_int_equal(req("GET", "/" SANDBOX_APP_ID "/subscriptions?"
                       "access_token=" APP_TOKEN, NULL, &j), 200);
  {
    json_t *s = json_array_get(json_object_get(j, "data"), 0);
    assert_string_equal(json_string_value(json_object_get(s, "object")),
                        "instagram");
    assert_int_equal(json_array_size(json_object_get(s, "fields")), 2);
  }
  json_decref(j);
  /* Only loopback callbacks. */
  assert_int_equal(call("POST", "/" SANDBOX_APP_ID "/subscriptions?object="
                        "instagram&callback_url=http://example.com/h&"
                        "verify_token=vtok-123&access_token=" APP_TOKEN,
                        NULL), 400);
  assert_int_equal(call("POST", "/__sandbox/webhooks",
                        "{\"callback_url\":\"http://10.0.0.1/h\"}"), 400);
  /* The app's fields filter: comments are not among them. */
  assert_int_equal(call("POST", "/me/subscribed_apps?subscribed_fields="
                        "messages,comments&" IG, NULL), 200);
  assert_int_equal(call("POST", "/__sandbox/comment",
                        "{\"username\":\"zed.q\",\"text\":\"hi\"}"), 200);
  assert_int_equal(call("POST", "/__sandbox/inbound", "{\"username\":"
                        "\"maya.ceramics\",\"text\":\"hello\"}"), 200);
  flush();
  assert_int_equal(rx_count(), 1);
  {
    char kinds[128];
    kinds_of(0, kinds, sizeof(kinds));
    assert_string_equal(kinds, "message");
  }
}

static void
test_signed_shapes_batched(void **state)
{
  char kinds[256], *seen_body, *mid, *uid;
  json_t *j = NULL, *row, *ev;
  struct err e = { 0 };

  (void)state;
  configure("\"batch_ms\":1000,\"subscribed_fields\":[\"messages\","
            "\"comments\",\"message_reactions\",\"messaging_seen\"]");
  assert_int_equal(req("POST", "/__sandbox/inbound", "{\"username\":"
                       "\"kenji.tanaka\",\"text\":\"こんにちは / ok\"}", &j),
                   200);
  mid = xstrdup(json_string_value(json_object_get(j, "message_id")));
  uid = xstrdup(json_string_value(json_object_get(j, "user_id")));
  seen_body = xasprintf("{\"username\":\"kenji.tanaka\",\"mid\":\"%s\"}",
                        mid);
  json_decref(j);
  assert_int_equal(call("POST", "/__sandbox/comment",
                        "{\"username\":\"ann.b\",\"text\":\"Love it\"}"),
                   200);
  assert_int_equal(call("POST", "/__sandbox/reaction", seen_body), 200);
  assert_int_equal(call("POST", "/__sandbox/seen",
                        "{\"username\":\"kenji.tanaka\"}"), 200);
  free(seen_body);
  flush();
  assert_int_equal(rx_count(), 1); /* one POST, four entries */
  kinds_of(0, kinds, sizeof(kinds));
  assert_string_equal(kinds, "message,comment,reaction,seen");
  /* The fields the store keys on come out as the receiver expects. */
  ev = webhook_parse(rx.posts[0].body, rx.posts[0].len, &e);
  assert_non_null(ev);
  for (size_t i = 0; i < 4; i++)
    assert_string_equal(json_string_value(json_object_get(
                          json_array_get(ev, i), "account_id")),
                        SANDBOX_IG_USER_ID);
  assert_string_equal(json_string_value(json_object_get(
                        json_array_get(ev, 0), "mid")), mid);
  assert_string_equal(json_string_value(json_object_get(
                        json_array_get(ev, 0), "user_id")), uid);
  assert_string_equal(json_string_value(json_object_get(
                        json_array_get(ev, 0), "text")), "こんにちは / ok");
  assert_string_equal(json_string_value(json_object_get(
                        json_array_get(ev, 1), "username")), "ann.b");
  assert_string_equal(json_string_value(json_object_get(
                        json_array_get(ev, 2), "mid")), mid);
  assert_string_equal(json_string_value(json_object_get(
                        json_array_get(ev, 3), "user_id")), uid);
  json_decref(ev);
  free(mid);
  free(uid);
  /* The signature covers the exact bytes with the app secret. */
  assert_true(webhook_signature_ok(rx.posts[0].sig, rx.posts[0].body,
                                   rx.posts[0].len, SANDBOX_APP_SECRET,
                                   strlen(SANDBOX_APP_SECRET)));
  assert_false(webhook_signature_ok(rx.posts[0].sig, rx.posts[0].body,
                                    rx.posts[0].len, "other-secret", 12));
  assert_false(webhook_signature_ok(rx.posts[0].sig, rx.posts[0].body,
                                    rx.posts[0].len - 1, SANDBOX_APP_SECRET,
                                    strlen(SANDBOX_APP_SECRET)));
  /* Meta's escaping: no raw non-ASCII, slashes escaped. */
  for (size_t i = 0; i < rx.posts[0].len; i++)
    assert_true((unsigned char)rx.posts[0].body[i] < 0x80);
  assert_non_null(strstr(rx.posts[0].body, "\\/ ok"));
  assert_non_null(strstr(rx.posts[0].body, "\"object\":\"instagram\""));
  row = last_delivery();
  assert_string_equal(json_string_value(json_object_get(row, "state")),
                      "delivered");
  assert_int_equal(json_integer_value(json_object_get(row, "events")), 4);
  assert_int_equal(json_integer_value(json_object_get(row, "attempts")), 1);
  assert_int_equal(json_integer_value(json_object_get(row, "status")), 200);
  json_decref(row);
}

static void
test_only_subscribed_fields(void **state)
{
  char kinds[128];

  (void)state;
  configure(NULL);
  /* Nothing subscribed: nothing goes out. */
  assert_int_equal(call("POST", "/__sandbox/inbound", "{\"username\":"
                        "\"maya.ceramics\",\"text\":\"one\"}"), 200);
  flush();
  assert_int_equal(rx_count(), 0);
  assert_int_equal(call("POST", "/me/subscribed_apps?subscribed_fields="
                        "comments&" IG, NULL), 200);
  assert_int_equal(call("POST", "/__sandbox/inbound", "{\"username\":"
                        "\"maya.ceramics\",\"text\":\"two\"}"), 200);
  assert_int_equal(call("POST", "/__sandbox/seen",
                        "{\"username\":\"maya.ceramics\"}"), 200);
  assert_int_equal(call("POST", "/__sandbox/comment", "{\"username\":"
                        "\"zed.q\",\"text\":\"c1\",\"live\":true}"), 200);
  assert_int_equal(call("POST", "/__sandbox/comment",
                        "{\"username\":\"zed.q\",\"text\":\"c2\"}"), 200);
  flush();
  assert_int_equal(rx_count(), 1);
  kinds_of(0, kinds, sizeof(kinds));
  assert_string_equal(kinds, "comment"); /* not live_comments */
  /* A Page subscription (Facebook Login) turns on mentions; a send's
   * echo comes with messages. */
  assert_int_equal(call("DELETE", "/me/subscribed_apps?" IG, NULL), 200);
  assert_int_equal(call("POST", "/me/subscribed_apps?subscribed_fields="
                        "feed,messages&" FB, NULL), 200);
  assert_int_equal(call("POST", "/__sandbox/mention", "{\"username\":"
                        "\"zed.q\",\"text\":\"@sandbox.studio look\"}"),
                   200);
  flush();
  {
    json_t *j = NULL, *conv;
    char *send;
    assert_int_equal(req("GET", "/__sandbox/conversations", NULL, &j), 200);
    conv = json_array_get(json_object_get(j, "data"), 0);
    send = xasprintf("/me/messages?" FB "&platform=instagram&recipient="
                     "%%7B%%22id%%22%%3A%%22%s%%22%%7D&message=%%7B%%22text"
                     "%%22%%3A%%22hi%%22%%7D",
                     json_string_value(json_object_get(conv, "user_id")));
    json_decref(j);
    assert_int_equal(call("POST", send, NULL), 200);
    free(send);
  }
  flush();
  assert_int_equal(rx_count(), 3);
  kinds_of(1, kinds, sizeof(kinds));
  assert_string_equal(kinds, "mention");
  kinds_of(2, kinds, sizeof(kinds));
  assert_string_equal(kinds, "echo");
}

static void
test_retries_then_success(void **state)
{
  json_t *row;
  int64_t t0;

  (void)state;
  rx.fail_first = 3;
  configure("\"retry_base_ms\":100,\"subscribed_fields\":[\"messages\"]");
  t0 = clock_mono_ms();
  assert_int_equal(call("POST", "/__sandbox/inbound", "{\"username\":"
                        "\"maya.ceramics\",\"text\":\"retry me\"}"), 200);
  flush();
  /* Immediate retry, then 100 ms, then 200 ms. */
  assert_true(clock_mono_ms() - t0 >= 300);
  assert_int_equal(rx_count(), 4);
  for (int i = 1; i < 4; i++)
    assert_string_equal(rx.posts[i].body, rx.posts[0].body);
  row = last_delivery();
  assert_string_equal(json_string_value(json_object_get(row, "state")),
                      "delivered");
  assert_int_equal(json_integer_value(json_object_get(row, "attempts")), 4);
  json_decref(row);
}

static void
test_gives_up_and_times_out(void **state)
{
  json_t *row;

  (void)state;
  rx.fail_first = 100;
  configure("\"retry_base_ms\":10,\"max_attempts\":3,"
            "\"subscribed_fields\":[\"messages\"]");
  assert_int_equal(call("POST", "/__sandbox/inbound", "{\"username\":"
                        "\"maya.ceramics\",\"text\":\"lost\"}"), 200);
  flush();
  assert_int_equal(rx_count(), 3);
  row = last_delivery();
  assert_string_equal(json_string_value(json_object_get(row, "state")),
                      "failed");
  assert_int_equal(json_integer_value(json_object_get(row, "status")), 500);
  json_decref(row);
  /* A receiver slower than the timeout counts as a failure. */
  rx.fail_first = 0;
  rx.delay_ms = 400;
  configure("\"timeout_ms\":100,\"max_attempts\":2");
  assert_int_equal(call("POST", "/__sandbox/inbound", "{\"username\":"
                        "\"maya.ceramics\",\"text\":\"slow\"}"), 200);
  flush();
  row = last_delivery();
  assert_string_equal(json_string_value(json_object_get(row, "state")),
                      "failed");
  assert_int_equal(json_integer_value(json_object_get(row, "attempts")), 2);
  assert_int_equal(json_integer_value(json_object_get(row, "status")), 0);
  assert_non_null(json_string_value(json_object_get(row, "error")));
  json_decref(row);
  rx.delay_ms = 0;
}

static void
test_stop_while_retrying(void **state)
{
  (void)state;
  rx.fail_first = 100;
  configure("\"retry_base_ms\":60000,\"subscribed_fields\":[\"messages\"]");
  assert_int_equal(call("POST", "/__sandbox/inbound", "{\"username\":"
                        "\"maya.ceramics\",\"text\":\"pending\"}"), 200);
  while (rx_count() < 2)
    clock_sleep_ms(5);
  /* More queued behind the batch in backoff; teardown must not wait for
   * the minute or leak them. */
  assert_int_equal(call("POST", "/__sandbox/inbound", "{\"username\":"
                        "\"maya.ceramics\",\"text\":\"queued\"}"), 200);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_subscribed_apps_both_hosts, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_app_subscription_handshake, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_signed_shapes_batched, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_only_subscribed_fields, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_retries_then_success, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_gives_up_and_times_out, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_stop_while_retrying, setup,
                                    teardown),
  };
  int rc;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
