/* SPDX-License-Identifier: MIT */
/*
 * test_http_webhook.c: the webhook receiver on the HTTP server, driven over
 * loopback with libcurl.  Each test starts its own server on 127.0.0.1
 * port 0 with a fresh in-memory store (or without a secret, a token or a
 * store) and checks the answers against what the store then holds: the
 * handshake, signatures (good, bad, missing, wrong secret, one byte
 * changed: 401 and nothing stored), duplicates stored once, a 1,000-entry
 * batch in one POST, 413, 503, a signed body that does not parse, the
 * /mcp checks that do not apply, and one watch notice per conversation.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/watch.h"
#include "transport/http.h"
#include "webhook/webhook.h"

#define SECRET "test-app-secret-0123456789"
#define VTOKEN "test-verify-token-42"
#define ACCT "17841400000000001"

struct fx {
  struct store *store;
  struct http_server *h;
  char base[64];
};

struct resp {
  long status;
  struct buf body;
  struct buf hdrs;
  json_t *json;
};

static size_t
on_data(char *p, size_t sz, size_t n, void *ud)
{
  buf_append(ud, p, sz * n);
  return sz * n;
}

/* Starts a server; secret, token or with_store may be NULL / 0. */
static void
fx_start(struct fx *f, const char *secret, const char *token, int with_store)
{
  struct http_config hc;
  struct err e = { 0 };

  memset(f, 0, sizeof(*f));
  memset(&hc, 0, sizeof(hc));
  if (with_store) {
    f->store = store_open(":memory:", &e);
    assert_non_null(f->store);
  }
  hc.addr = "127.0.0.1";
  hc.port = 0;
  hc.server.workers = 2;
  hc.app_secret = secret;
  hc.verify_token = token;
  hc.store = f->store;
  f->h = http_start(&hc, &e);
  assert_non_null(f->h);
  snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%u",
           (unsigned)http_port(f->h));
}

static void
fx_stop(struct fx *f)
{
  http_stop(f->h, 1000);
  store_close(f->store);
}

/* One exchange; hdrs is a NULL-terminated list of extra header lines. */
static long
req(struct fx *f, const char *method, const char *pathq, const void *body,
    size_t blen, const char *const *hdrs, struct resp *out)
{
  CURL *c = curl_easy_init();
  struct curl_slist *hl = NULL;
  char *url = xasprintf("%s%s", f->base, pathq);

  memset(out, 0, sizeof(*out));
  buf_init(&out->body, 1 << 20);
  buf_init(&out->hdrs, 1 << 20);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  if (body != NULL) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
  }
  hl = curl_slist_append(hl, "Content-Type: application/json");
  hl = curl_slist_append(hl, "Expect:");
  for (; hdrs != NULL && *hdrs != NULL; hdrs++)
    hl = curl_slist_append(hl, *hdrs);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
  out->json = json_loadb(buf_cstr(&out->body), out->body.len, 0, NULL);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  free(url);
  return out->status;
}

static void
resp_free(struct resp *r)
{
  json_decref(r->json);
  buf_free(&r->body);
  buf_free(&r->hdrs);
}

/* POST /webhook signed with secret (NULL: no signature header). */
static long
post_signed(struct fx *f, const char *body, size_t len, const char *secret,
            struct resp *out)
{
  char hex[65], line[100];
  const char *hdrs[2] = { NULL, NULL };

  if (secret != NULL) {
    assert_int_equal(crypto_hmac_sha256_hex(secret, strlen(secret), body,
                                            len, hex), 0);
    snprintf(line, sizeof(line), "X-Hub-Signature-256: sha256=%s", hex);
    hdrs[0] = line;
  }
  return req(f, "POST", "/webhook", body, len, hdrs, out);
}

static int
answer(const struct resp *r, const char *field)
{
  json_t *v = json_object_get(r->json, field);

  assert_true(json_is_integer(v));
  return (int)json_integer_value(v);
}

/* A delivery of n text messages from user "user" (mids "<mid>-<i>"). */
static char *
dm_body(const char *acct, const char *user, const char *mid, int n,
        long long entry_time)
{
  struct buf b;

  buf_init(&b, 1 << 24);
  buf_printf(&b, "{\"object\":\"instagram\",\"entry\":[");
  for (int i = 0; i < n; i++)
    buf_printf(&b, "%s{\"id\":\"%s\",\"time\":%lld,\"messaging\":[{"
               "\"sender\":{\"id\":\"%s\"},\"recipient\":{\"id\":\"%s\"},"
               "\"timestamp\":%lld,\"message\":{\"mid\":\"%s-%d\","
               "\"text\":\"hello %d\"}}]}", i ? "," : "", acct,
               entry_time, user, acct, 1714000000000LL + i, mid, i, i);
  buf_puts(&b, "]}");
  return buf_steal(&b);
}

/* How many events the store holds for acct (up to 500). */
static size_t
stored(struct fx *f, const char *acct)
{
  struct err e = { 0 };
  json_t *r = store_list_events(f->store, acct, NULL, 0, 500, &e);
  size_t n;

  assert_non_null(r);
  n = json_array_size(json_object_get(r, "events"));
  json_decref(r);
  return n;
}

/* ---- GET /webhook ----------------------------------------------------- */

static void
test_handshake(void **state)
{
  struct fx f;
  struct resp r;

  (void)state;
  fx_start(&f, SECRET, VTOKEN, 1);
  assert_int_equal(req(&f, "GET", "/webhook?hub.mode=subscribe&"
                       "hub.verify_token=" VTOKEN "&hub.challenge=1158201444",
                       NULL, 0, NULL, &r), 200);
  assert_string_equal(buf_cstr(&r.body), "1158201444");
  assert_non_null(strstr(buf_cstr(&r.hdrs), "Content-Type: text/plain"));
  resp_free(&r);
  assert_int_equal(req(&f, "GET", "/webhook?hub.mode=subscribe&"
                       "hub.verify_token=wrong&hub.challenge=1158201444",
                       NULL, 0, NULL, &r), 403);
  assert_null(strstr(buf_cstr(&r.body), "1158201444"));
  resp_free(&r);
  assert_int_equal(req(&f, "GET", "/webhook?hub.mode=subscribe&"
                       "hub.verify_token=" VTOKEN, NULL, 0, NULL, &r), 400);
  resp_free(&r);
  assert_int_equal(req(&f, "GET", "/webhook?hub.verify_token=" VTOKEN
                       "&hub.challenge=1", NULL, 0, NULL, &r), 400);
  resp_free(&r);
  assert_int_equal(req(&f, "GET", "/webhook", NULL, 0, NULL, &r), 400);
  resp_free(&r);
  assert_int_equal(req(&f, "PUT", "/webhook", "{}", 2, NULL, &r), 405);
  assert_non_null(strstr(buf_cstr(&r.hdrs), "Allow: GET, POST"));
  resp_free(&r);
  fx_stop(&f);

  /* No verify token configured: every handshake is refused. */
  fx_start(&f, SECRET, NULL, 1);
  assert_int_equal(req(&f, "GET", "/webhook?hub.mode=subscribe&"
                       "hub.verify_token=&hub.challenge=1", NULL, 0, NULL,
                       &r), 403);
  resp_free(&r);
  assert_int_equal(req(&f, "GET", "/webhook?hub.mode=subscribe&"
                       "hub.verify_token=x&hub.challenge=1", NULL, 0, NULL,
                       &r), 403);
  resp_free(&r);
  fx_stop(&f);
}

/* ---- POST /webhook ---------------------------------------------------- */

static void
test_signature(void **state)
{
  struct fx f;
  struct resp r;
  char *body = dm_body(ACCT, "900", "sig", 1, 1714000000);
  size_t len = strlen(body);
  char hex[65], line[100], *altered;
  const char *hdrs[2] = { line, NULL };

  (void)state;
  fx_start(&f, SECRET, VTOKEN, 1);
  /* Missing, wrong secret, garbage, wrong prefix, one byte changed. */
  assert_int_equal(post_signed(&f, body, len, NULL, &r), 401);
  resp_free(&r);
  assert_int_equal(post_signed(&f, body, len, "another-secret-9876", &r),
                   401);
  resp_free(&r);
  snprintf(line, sizeof(line), "X-Hub-Signature-256: sha256=%064d", 0);
  assert_int_equal(req(&f, "POST", "/webhook", body, len, hdrs, &r), 401);
  resp_free(&r);
  crypto_hmac_sha256_hex(SECRET, strlen(SECRET), body, len, hex);
  snprintf(line, sizeof(line), "X-Hub-Signature-256: sha1=%s", hex);
  assert_int_equal(req(&f, "POST", "/webhook", body, len, hdrs, &r), 401);
  resp_free(&r);
  altered = xstrdup(body);
  *strstr(altered, "hello 0") = 'j'; /* "jello 0": one byte */
  snprintf(line, sizeof(line), "X-Hub-Signature-256: sha256=%s", hex);
  assert_int_equal(req(&f, "POST", "/webhook", altered, len, hdrs, &r), 401);
  assert_null(r.json == NULL ? NULL : json_object_get(r.json, "received"));
  resp_free(&r);
  assert_int_equal(stored(&f, ACCT), 0);
  /* The right signature, in uppercase hex too. */
  for (char *p = line + 28; *p; p++)
    if (*p >= 'a' && *p <= 'f')
      *p = (char)(*p - 'a' + 'A');
  assert_int_equal(req(&f, "POST", "/webhook", body, len, hdrs, &r), 200);
  assert_int_equal(answer(&r, "received"), 1);
  assert_int_equal(answer(&r, "applied"), 1);
  assert_int_equal(answer(&r, "duplicates"), 0);
  resp_free(&r);
  assert_int_equal(stored(&f, ACCT), 1);
  free(altered);
  free(body);
  fx_stop(&f);
}

static void
test_duplicates(void **state)
{
  struct fx f;
  struct resp r;
  char *a = dm_body(ACCT, "901", "dup", 3, 1714000000);
  char *b = dm_body(ACCT, "901", "dup", 4, 1714000999); /* 3 seen + 1 */

  (void)state;
  fx_start(&f, SECRET, VTOKEN, 1);
  assert_int_equal(post_signed(&f, a, strlen(a), SECRET, &r), 200);
  assert_int_equal(answer(&r, "applied"), 3);
  resp_free(&r);
  /* Meta re-sends the same body: nothing new. */
  assert_int_equal(post_signed(&f, a, strlen(a), SECRET, &r), 200);
  assert_int_equal(answer(&r, "received"), 3);
  assert_int_equal(answer(&r, "applied"), 0);
  assert_int_equal(answer(&r, "duplicates"), 3);
  resp_free(&r);
  /* The same events in another body, with one more. */
  assert_int_equal(post_signed(&f, b, strlen(b), SECRET, &r), 200);
  assert_int_equal(answer(&r, "received"), 4);
  assert_int_equal(answer(&r, "applied"), 1);
  assert_int_equal(answer(&r, "duplicates"), 3);
  resp_free(&r);
  assert_int_equal(stored(&f, ACCT), 4);
  free(a);
  free(b);
  fx_stop(&f);
}

static void
test_batch_1000(void **state)
{
  struct fx f;
  struct resp r;
  char *body = dm_body(ACCT, "902", "batch", 1000, 1714000000);
  struct err e = { 0 };
  json_t *h;

  (void)state;
  fx_start(&f, SECRET, VTOKEN, 1);
  assert_int_equal(post_signed(&f, body, strlen(body), SECRET, &r), 200);
  assert_int_equal(answer(&r, "received"), 1000);
  assert_int_equal(answer(&r, "applied"), 1000);
  assert_int_equal(answer(&r, "duplicates"), 0);
  resp_free(&r);
  /* All of it is there: the newest 500 events, and the history's oldest
   * and newest message. */
  assert_int_equal(stored(&f, ACCT), 500);
  h = store_get_history(f.store, ACCT, "902", 0, 500, &e);
  assert_non_null(h);
  assert_int_equal(json_array_size(json_object_get(h, "messages")), 500);
  assert_string_equal(json_string_value(json_object_get(json_array_get(
      json_object_get(h, "messages"), 499), "mid")), "batch-999");
  json_decref(h);
  h = store_get_history(f.store, ACCT, "902", 1714000000500LL, 500, &e);
  assert_non_null(h);
  assert_int_equal(json_array_size(json_object_get(h, "messages")), 500);
  assert_string_equal(json_string_value(json_object_get(json_array_get(
      json_object_get(h, "messages"), 0), "mid")), "batch-0");
  json_decref(h);
  /* Again: all 1,000 are duplicates. */
  assert_int_equal(post_signed(&f, body, strlen(body), SECRET, &r), 200);
  assert_int_equal(answer(&r, "applied"), 0);
  assert_int_equal(answer(&r, "duplicates"), 1000);
  resp_free(&r);
  free(body);
  fx_stop(&f);
}

static void
test_too_big(void **state)
{
  struct fx f;
  struct resp r;
  size_t len = WEBHOOK_MAX_BODY + 1;
  char *body = xmalloc(len);

  (void)state;
  memset(body, ' ', len);
  body[0] = '{';
  body[len - 1] = '}';
  fx_start(&f, SECRET, VTOKEN, 1);
  assert_int_equal(post_signed(&f, body, len, SECRET, &r), 413);
  resp_free(&r);
  /* Unsigned, it is refused for that first (and its body never kept). */
  assert_int_equal(post_signed(&f, body, len, NULL, &r), 401);
  resp_free(&r);
  /* Exactly the limit passes the size check (and is kept unparsed: a
   * JSON object without "object" is not a delivery). */
  body[len - 2] = '}';
  assert_int_equal(post_signed(&f, body, len - 1, SECRET, &r), 200);
  assert_int_equal(answer(&r, "received"), 0);
  resp_free(&r);
  free(body);
  fx_stop(&f);
}

static void
test_unavailable(void **state)
{
  struct fx f;
  struct resp r;
  char *body = dm_body(ACCT, "903", "off", 1, 1714000000);

  (void)state;
  /* No app secret: signatures cannot be checked. */
  fx_start(&f, NULL, VTOKEN, 1);
  assert_int_equal(post_signed(&f, body, strlen(body), SECRET, &r), 503);
  resp_free(&r);
  assert_int_equal(stored(&f, ACCT), 0);
  fx_stop(&f);
  fx_start(&f, "", VTOKEN, 1);
  assert_int_equal(post_signed(&f, body, strlen(body), "", &r), 503);
  resp_free(&r);
  fx_stop(&f);
  /* No store (--db off). */
  fx_start(&f, SECRET, VTOKEN, 0);
  assert_int_equal(post_signed(&f, body, strlen(body), SECRET, &r), 503);
  resp_free(&r);
  fx_stop(&f);
  free(body);
}

/* A backend whose every ingest fails, as a full disk would. */
static int
failing_ingest(struct store *st, const void *raw, size_t len, json_t *events,
               struct store_result *res, struct err *e)
{
  (void)st;
  (void)raw;
  (void)len;
  (void)events;
  (void)res;
  return err_set(e, ERR_IO, "store: database or disk is full");
}

/* A store error is a 500 (Meta re-sends), never a 200. */
static void
test_store_error(void **state)
{
  static const struct store_ops failing = { .name = "failing",
                                            .ingest = failing_ingest };
  struct store broken = { &failing, NULL };
  struct http_config hc;
  struct err e = { 0 };
  struct fx f;
  struct resp r;
  char *body = dm_body(ACCT, "908", "full", 1, 1714000000);

  (void)state;
  memset(&f, 0, sizeof(f));
  memset(&hc, 0, sizeof(hc));
  hc.app_secret = SECRET;
  hc.store = &broken;
  f.h = http_start(&hc, &e);
  assert_non_null(f.h);
  snprintf(f.base, sizeof(f.base), "http://127.0.0.1:%u",
           (unsigned)http_port(f.h));
  assert_int_equal(post_signed(&f, body, strlen(body), SECRET, &r), 500);
  assert_null(json_object_get(r.json, "received"));
  assert_non_null(json_object_get(r.json, "error"));
  resp_free(&r);
  http_stop(f.h, 1000);
  free(body);
}

/* A signed body that does not parse is acknowledged (and kept raw), or
 * Meta would re-send it for days; an unknown change field is stored. */
static void
test_unparsable_and_unknown(void **state)
{
  struct fx f;
  struct resp r;
  const char *junk = "{\"object\":\"instagram\",\"entry\":\"nope\"}";
  const char *odd = "{\"object\":\"instagram\",\"entry\":[{\"id\":\"" ACCT
                    "\",\"time\":1714000000,\"changes\":[{\"field\":"
                    "\"brand_new_field\",\"value\":{\"x\":1}}]}]}";
  struct err e = { 0 };
  json_t *ev;

  (void)state;
  fx_start(&f, SECRET, VTOKEN, 1);
  assert_int_equal(post_signed(&f, junk, strlen(junk), SECRET, &r), 200);
  assert_int_equal(answer(&r, "received"), 0);
  resp_free(&r);
  assert_int_equal(post_signed(&f, "", 0, SECRET, &r), 200);
  resp_free(&r);
  assert_int_equal(post_signed(&f, odd, strlen(odd), SECRET, &r), 200);
  assert_int_equal(answer(&r, "received"), 1);
  assert_int_equal(answer(&r, "applied"), 1);
  resp_free(&r);
  ev = store_list_events(f.store, ACCT, "unknown", 0, 10, &e);
  assert_non_null(ev);
  assert_int_equal(json_array_size(json_object_get(ev, "events")), 1);
  json_decref(ev);
  fx_stop(&f);
}

/* Meta calls from outside: no Host, Origin, bearer or protocol version
 * check applies to /webhook. */
static void
test_not_mcp_checks(void **state)
{
  struct fx f;
  struct resp r;
  char *body = dm_body(ACCT, "904", "host", 1, 1714000000);
  char hex[65], line[100];
  const char *hdrs[5] = { "Host: hooks.example.com",
                          "Origin: https://evil.example",
                          "MCP-Protocol-Version: 1999-01-01", line, NULL };

  (void)state;
  fx_start(&f, SECRET, VTOKEN, 1);
  crypto_hmac_sha256_hex(SECRET, strlen(SECRET), body, strlen(body), hex);
  snprintf(line, sizeof(line), "X-Hub-Signature-256: sha256=%s", hex);
  assert_int_equal(req(&f, "POST", "/webhook", body, strlen(body), hdrs,
                       &r), 200);
  resp_free(&r);
  assert_int_equal(req(&f, "GET", "/webhook?hub.mode=subscribe&"
                       "hub.verify_token=" VTOKEN "&hub.challenge=77",
                       NULL, 0, hdrs, &r), 200);
  resp_free(&r);
  /* ... while /mcp still refuses the foreign Host. */
  assert_int_equal(req(&f, "POST", "/mcp", "{}", 2, hdrs, &r), 403);
  resp_free(&r);
  free(body);
  fx_stop(&f);
}

struct seen {
  pthread_mutex_t mu;
  int n;
  int wrong;         /* a notice with another account or kind */
  char users[8][32];
};

static void
on_watch(void *arg, const char *account_id, const char *user_id,
         const char *kind)
{
  struct seen *s = arg;

  /* A worker thread: record, the test asserts. */
  pthread_mutex_lock(&s->mu);
  if (strcmp(account_id, ACCT) != 0 || strcmp(kind, "message") != 0)
    s->wrong++;
  if (s->n < 8)
    snprintf(s->users[s->n], sizeof(s->users[0]), "%s", user_id);
  s->n++;
  pthread_mutex_unlock(&s->mu);
}

/* One notice per touched conversation, none for a pure re-delivery. */
static void
test_watch(void **state)
{
  struct fx f;
  struct resp r;
  struct seen s = { .mu = PTHREAD_MUTEX_INITIALIZER };
  char *a = dm_body(ACCT, "905", "wa", 3, 1714000000);
  char *b = dm_body(ACCT, "906", "wb", 1, 1714000000);
  /* The entries of a and b in one delivery. */
  const char *ea = strchr(a, '[') + 1, *eb = strchr(b, '[') + 1;
  char *both = xasprintf("{\"object\":\"instagram\",\"entry\":[%.*s,%.*s]}",
                         (int)(strrchr(a, ']') - ea), ea,
                         (int)(strrchr(b, ']') - eb), eb);
  int handle;

  (void)state;
  fx_start(&f, SECRET, VTOKEN, 1);
  handle = store_watch_add(on_watch, &s);
  assert_true(handle > 0);
  assert_int_equal(post_signed(&f, both, strlen(both), SECRET, &r), 200);
  assert_int_equal(answer(&r, "applied"), 4);
  resp_free(&r);
  assert_int_equal(s.n, 2);
  assert_int_equal(s.wrong, 0);
  assert_string_equal(s.users[0], "905");
  assert_string_equal(s.users[1], "906");
  assert_int_equal(post_signed(&f, both, strlen(both), SECRET, &r), 200);
  resp_free(&r);
  assert_int_equal(s.n, 2);
  store_watch_remove(handle);
  free(both);
  free(a);
  free(b);
  fx_stop(&f);
}

/* A watcher that holds the worker for a while after the COMMIT, so that
 * http_stop starts while a delivery is in flight. */
struct slow {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int called;
};

static void
on_watch_slow(void *arg, const char *account_id, const char *user_id,
              const char *kind)
{
  struct slow *s = arg;
  struct timespec ts = { 0, 300 * 1000 * 1000 };

  (void)account_id;
  (void)user_id;
  (void)kind;
  pthread_mutex_lock(&s->mu);
  s->called++;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  nanosleep(&ts, NULL);
}

struct poster {
  struct fx *f;
  const char *body;
  long status;
  int applied;
};

static void *
poster_main(void *arg)
{
  struct poster *p = arg;
  struct resp r;

  p->status = post_signed(p->f, p->body, strlen(p->body), SECRET, &r);
  if (p->status == 200)
    p->applied = answer(&r, "applied");
  resp_free(&r);
  return NULL;
}

/* http_stop waits for a delivery in flight to be stored and answered. */
static void
test_stop_drains(void **state)
{
  struct fx f;
  struct slow s = { .mu = PTHREAD_MUTEX_INITIALIZER,
                    .cv = PTHREAD_COND_INITIALIZER };
  char *body = dm_body(ACCT, "907", "stop", 2, 1714000000);
  struct poster p = { &f, body, 0, 0 };
  struct store *store;
  pthread_t t;
  int handle;

  (void)state;
  fx_start(&f, SECRET, VTOKEN, 1);
  handle = store_watch_add(on_watch_slow, &s);
  assert_int_equal(pthread_create(&t, NULL, poster_main, &p), 0);
  pthread_mutex_lock(&s.mu);
  while (s.called == 0)
    pthread_cond_wait(&s.cv, &s.mu);
  pthread_mutex_unlock(&s.mu);
  store = f.store;
  http_stop(f.h, 1000); /* while the worker is still in the watcher */
  pthread_join(t, NULL);
  assert_int_equal(p.status, 200);
  assert_int_equal(p.applied, 2);
  store_watch_remove(handle);
  f.h = NULL;
  f.store = store;
  assert_int_equal(stored(&f, ACCT), 2);
  store_close(store);
  free(body);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_handshake),
    cmocka_unit_test(test_signature),
    cmocka_unit_test(test_duplicates),
    cmocka_unit_test(test_batch_1000),
    cmocka_unit_test(test_too_big),
    cmocka_unit_test(test_unavailable),
    cmocka_unit_test(test_store_error),
    cmocka_unit_test(test_unparsable_and_unknown),
    cmocka_unit_test(test_not_mcp_checks),
    cmocka_unit_test(test_watch),
    cmocka_unit_test(test_stop_drains),
  };
  int rc;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
