/* SPDX-License-Identifier: MIT */
/*
 * test_send_guard.c: the messaging-window guard of the DM send tools
 * (src/tools/send_guard.c), end to end through the registry against the
 * sandbox on a loopback port.  The store's window is set by ingesting the
 * person's message (webhook_parse + store_ingest) at a chosen age before
 * the tests' clock; the sandbox's own window is kept open by a fresh
 * inbound message, so whatever the guard lets through Meta's emulator
 * accepts, and whatever it refuses shows in the sandbox's request log
 * (and the call's Graph counter) as no request at all.
 */
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
#include "sandbox/sandbox.h"
#include "store/store.h"
#include "store/watch.h"
#include "tools/inbox_util.h"
#include "tools/registry.h"
#include "webhook/webhook.h"

#define ACC SANDBOX_IG_USER_ID
#define MS_DAY ((int64_t)24 * 3600 * 1000)
/* 2026-11-20T12:00:00Z, the guard's "now". */
#define NOW ((int64_t)1795176000000)

static struct sandbox *sb;
static struct graph *g;
static struct store *st;
static char base[64];
static char user[32]; /* a sandbox person with a conversation */
static int64_t now_ms = NOW;
static const struct account acct = { GRAPH_LOGIN_INSTAGRAM, ACC, NULL };

static int64_t
clock_fn(void *arg)
{
  (void)arg;
  return now_ms;
}

/* ---- the sandbox's admin API -------------------------------------------- */

static size_t
on_data(char *p, size_t sz, size_t n, void *ud)
{
  buf_append(ud, p, sz * n);
  return sz * n;
}

/* One admin request; returns the JSON answer (new) or fails the test. */
static json_t *
admin(const char *method, const char *path, const char *body)
{
  CURL *c = curl_easy_init();
  struct curl_slist *hl = curl_slist_append(NULL,
                                            "Content-Type: application/json");
  struct buf b;
  char url[256];
  long status = 0;
  json_t *out;

  buf_init(&b, 8 << 20);
  snprintf(url, sizeof(url), "%s/__sandbox/%s", base, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  if (body != NULL)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    fail_msg("%s %s: %ld %s", method, path, status, buf_cstr(&b));
  out = json_loads(buf_cstr(&b), 0, NULL);
  assert_non_null(out);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  buf_free(&b);
  return out;
}

/* How many Send API requests (POST .../messages) the sandbox received. */
static int
sends_logged(void)
{
  json_t *log = admin("GET", "requests", NULL), *x;
  size_t i;
  int n = 0;

  json_array_foreach(log, i, x) {
    const char *m = json_string_value(json_object_get(x, "method"));
    const char *p = json_string_value(json_object_get(x, "path"));
    size_t pl = p != NULL ? strlen(p) : 0;
    if (m != NULL && strcmp(m, "POST") == 0 && pl >= 9 &&
        strcmp(p + pl - 9, "/messages") == 0)
      n++;
  }
  json_decref(log);
  return n;
}

/* ---- the store ----------------------------------------------------------- */

/* The person's message at t, delivered as Meta's webhook would. */
static void
inbound_at(int64_t t)
{
  static int seq;
  char raw[512], mid[32];
  struct err e = { 0 };
  json_t *events;

  snprintf(mid, sizeof(mid), "in-%d", ++seq);
  snprintf(raw, sizeof(raw),
           "{\"object\":\"instagram\",\"entry\":[{\"id\":\"%s\",\"time\":"
           "%lld,\"messaging\":[{\"sender\":{\"id\":\"%s\"},\"recipient\":"
           "{\"id\":\"%s\"},\"timestamp\":%lld,\"message\":{\"mid\":\"%s\","
           "\"text\":\"hello\"}}]}]}",
           ACC, (long long)t, user, ACC, (long long)t, mid);
  events = webhook_parse(raw, strlen(raw), &e);
  assert_non_null(events);
  if (store_ingest(st, raw, strlen(raw), events, NULL, &e) != 0)
    fail_msg("store_ingest: %s", e.msg);
  json_decref(events);
}

/* ---- calling the tools --------------------------------------------------- */

struct outcome {
  json_t *sc;      /* structuredContent (owned) */
  int is_error;
  int graph_calls; /* Graph requests the call made */
  int sent;        /* Send API requests the sandbox saw */
};

static struct outcome
call_tool(struct store *s, const char *name, const char *args)
{
  struct call c = { 0 };
  struct outcome o = { 0 };
  const json_t *preset;
  const struct tool *t = registry_find(name, &preset);
  json_t *a = json_loads(args, 0, NULL), *res;
  int before = sends_logged();

  assert_non_null(t);
  assert_non_null(a);
  c.graph = g;
  c.acct = &acct;
  c.store = s;
  c.now_ms = clock_fn;
  res = registry_call(t, a, preset, &c);
  assert_non_null(res);
  o.is_error = json_is_true(json_object_get(res, "isError"));
  o.sc = json_incref(json_object_get(res, "structuredContent"));
  o.graph_calls = c.graph_calls;
  o.sent = sends_logged() - before;
  json_decref(res);
  json_decref(a);
  json_decref(c.usage);
  return o;
}

static const char *
err_str(const struct outcome *o, const char *k)
{
  const char *v = json_string_value(
      json_object_get(json_object_get(o->sc, "error"), k));
  return v != NULL ? v : "";
}

/* ---- fixtures ------------------------------------------------------------ */

static int
group_setup(void **state)
{
  struct sandbox_opts so = { 0 };
  struct graph_config cfg = { 0 };
  struct registry_filter all = { .toolsets = "all" };
  struct err e = { 0 };

  (void)state;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  sb = sandbox_start(&so, &e);
  assert_non_null(sb);
  snprintf(base, sizeof(base), "http://127.0.0.1:%u",
           (unsigned)sandbox_port(sb));
  cfg.login = GRAPH_LOGIN_INSTAGRAM;
  cfg.token = SANDBOX_IG_TOKEN;
  cfg.base_url = base;
  cfg.max_attempts = 1;
  g = graph_new(&cfg, &e);
  assert_non_null(g);
  assert_int_equal(registry_init(&e), 0);
  assert_int_equal(registry_select(&all, &e), 0);
  return 0;
}

static int
group_teardown(void **state)
{
  (void)state;
  registry_cleanup();
  graph_free(g);
  sandbox_stop(sb);
  curl_global_cleanup();
  return 0;
}

/* A fresh sandbox, request log and store; the first conversation's person
 * writes now in the sandbox, so Meta's side of the window is open. */
static int
setup(void **state)
{
  struct err e = { 0 };
  json_t *convs, *r;
  char body[128];

  (void)state;
  now_ms = NOW;
  json_decref(admin("POST", "reset", NULL));
  json_decref(admin("DELETE", "requests", NULL));
  convs = admin("GET", "conversations", NULL);
  snprintf(user, sizeof(user), "%s", json_string_value(json_object_get(
      json_array_get(json_object_get(convs, "data"), 0), "user_id")));
  json_decref(convs);
  snprintf(body, sizeof(body), "{\"user_id\":\"%s\",\"text\":\"hi\"}", user);
  r = admin("POST", "inbound", body);
  json_decref(r);
  st = store_open(":memory:", &e);
  assert_non_null(st);
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  store_close(st);
  st = NULL;
  return 0;
}

/* ---- tests ------------------------------------------------------------ */

/* The window at its boundaries, for each guarded tool.  age is how long
 * before now the person wrote. */
static void
test_boundaries(void **state)
{
  static const struct {
    int64_t age;
    const char *tool, *extra;
    int passes;
    const char *closed_at; /* of a refusal */
  } cases[] = {
    { MS_DAY, "ig_send_message", "", 1, NULL },
    { MS_DAY + 1, "ig_send_message", "", 0, "2026-11-20T11:59:59.999Z" },
    { MS_DAY + 1, "ig_send_message", ",\"tag\":\"HUMAN_AGENT\"", 1, NULL },
    { 7 * MS_DAY, "ig_send_message", ",\"tag\":\"HUMAN_AGENT\"", 1, NULL },
    { 7 * MS_DAY + 1, "ig_send_message", ",\"tag\":\"HUMAN_AGENT\"", 0,
      "2026-11-20T11:59:59.999Z" },
    { 7 * MS_DAY + 1, "ig_send_message", "", 0, "2026-11-20T11:59:59.999Z" },
    { 30 * MS_DAY, "ig_send_message", ",\"tag\":\"HUMAN_AGENT\"", 0,
      "2026-10-28T12:00:00Z" },
    { 1, "ig_send_media", "", 1, NULL },
    { 3 * MS_DAY, "ig_send_media", "", 0, "2026-11-18T12:00:00Z" },
    { 3 * MS_DAY, "ig_send_media", ",\"tag\":\"HUMAN_AGENT\"", 1, NULL },
    { MS_DAY, "ig_mark_seen", "", 1, NULL },
    { MS_DAY + 1, "ig_mark_seen", "", 0, "2026-11-20T11:59:59.999Z" },
    { MS_DAY + 1, "ig_set_typing", "", 0, "2026-11-20T11:59:59.999Z" },
  };
  struct err e = { 0 };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char args[300];
    struct outcome o;

    store_close(st);
    st = store_open(":memory:", &e);
    assert_non_null(st);
    inbound_at(NOW - cases[i].age);
    if (strcmp(cases[i].tool, "ig_send_media") == 0)
      snprintf(args, sizeof(args),
               "{\"recipient_id\":\"%s\",\"type\":\"image\",\"url\":"
               "\"https://example.com/p.jpg\"%s}", user, cases[i].extra);
    else if (strcmp(cases[i].tool, "ig_send_message") == 0)
      snprintf(args, sizeof(args),
               "{\"recipient_id\":\"%s\",\"text\":\"Your order shipped\"%s}",
               user, cases[i].extra);
    else
      snprintf(args, sizeof(args), "{\"recipient_id\":\"%s\"}", user);
    o = call_tool(st, cases[i].tool, args);
    if (cases[i].passes) {
      if (o.is_error || o.sent != 1 || o.graph_calls != 1)
        fail_msg("case %zu (%s): want sent, got %s (sent %d)", i,
                 cases[i].tool, json_dumps(o.sc, JSON_COMPACT), o.sent);
    } else {
      json_t *w = json_object_get(json_object_get(o.sc, "error"), "window");
      if (!o.is_error || o.sent != 0 || o.graph_calls != 0)
        fail_msg("case %zu (%s): want refused without a request, got %s "
                 "(sent %d, graph calls %d)", i, cases[i].tool,
                 json_dumps(o.sc, JSON_COMPACT), o.sent, o.graph_calls);
      assert_string_equal(err_str(&o, "kind"), "window_closed");
      assert_string_equal(
          json_string_value(json_object_get(w, "closed_at")),
          cases[i].closed_at);
      assert_non_null(strstr(err_str(&o, "message"), cases[i].closed_at));
      assert_non_null(strstr(err_str(&o, "message"), user));
      if (cases[i].age > 7 * MS_DAY)
        assert_non_null(strstr(err_str(&o, "message"),
                               "ig_send_private_reply"));
      else
        assert_non_null(strstr(err_str(&o, "message"), "HUMAN_AGENT"));
    }
    json_decref(o.sc);
  }
}

/* Nothing stored about the person, or no store: Meta decides. */
static void
test_unknown_goes_through(void **state)
{
  char args[200];
  struct outcome o;

  (void)state;
  snprintf(args, sizeof(args),
           "{\"recipient_id\":\"%s\",\"text\":\"Hello there\"}", user);
  o = call_tool(st, "ig_send_message", args);
  assert_false(o.is_error);
  assert_int_equal(o.sent, 1);
  json_decref(o.sc);
  o = call_tool(NULL, "ig_send_message", args);
  assert_false(o.is_error);
  assert_int_equal(o.sent, 1);
  json_decref(o.sc);
}

struct seen {
  int n;
  char account[32], user[32], kind[16];
};

static void
on_change(void *arg, const char *account_id, const char *user_id,
          const char *kind)
{
  struct seen *s = arg;

  s->n++;
  snprintf(s->account, sizeof(s->account), "%s", account_id);
  snprintf(s->user, sizeof(s->user), "%s", user_id);
  snprintf(s->kind, sizeof(s->kind), "%s", kind);
}

/* A sent message is in the store at once, as ours, watchers hear of it,
 * and Meta's echo webhook later is a duplicate. */
static void
test_recorded(void **state)
{
  struct seen seen = { 0 };
  int h = store_watch_add(on_change, &seen);
  char args[300], raw[700];
  struct store_result res = { 0 };
  struct err e = { 0 };
  struct outcome o;
  json_t *hist, *msgs, *m, *events, *un;
  const char *mid;

  (void)state;
  assert_true(h > 0);
  inbound_at(NOW - 3600 * 1000);
  snprintf(args, sizeof(args),
           "{\"recipient_id\":\"%s\",\"text\":\"Доставка завтра 🚚\"}", user);
  o = call_tool(st, "ig_send_message", args);
  assert_false(o.is_error);
  mid = json_string_value(json_object_get(o.sc, "message_id"));
  assert_non_null(mid);
  assert_int_equal(seen.n, 1);
  assert_string_equal(seen.account, ACC);
  assert_string_equal(seen.user, user);
  assert_string_equal(seen.kind, "echo");
  hist = store_get_history(st, ACC, user, 0, 10, &e);
  assert_non_null(hist);
  msgs = json_object_get(hist, "messages");
  assert_int_equal(json_array_size(msgs), 2);
  m = json_array_get(msgs, 1);
  assert_string_equal(json_string_value(json_object_get(m, "mid")), mid);
  assert_string_equal(json_string_value(json_object_get(m, "direction")),
                      "out");
  assert_string_equal(json_string_value(json_object_get(m, "text")),
                      "Доставка завтра 🚚");
  assert_int_equal(json_integer_value(json_object_get(m, "created_ms")), NOW);
  json_decref(hist);
  /* Answered: nobody waits now. */
  un = store_list_unanswered(st, ACC, NOW, 10, &e);
  assert_int_equal(json_array_size(json_object_get(un, "conversations")), 0);
  json_decref(un);
  /* Meta's echo of the same message, later: already stored. */
  snprintf(raw, sizeof(raw),
           "{\"object\":\"instagram\",\"entry\":[{\"id\":\"%s\",\"time\":"
           "%lld,\"messaging\":[{\"sender\":{\"id\":\"%s\"},\"recipient\":"
           "{\"id\":\"%s\"},\"timestamp\":%lld,\"message\":{\"mid\":\"%s\","
           "\"is_echo\":true,\"text\":\"x\"}}]}]}",
           ACC, (long long)NOW + 900, ACC, user, (long long)NOW + 900, mid);
  events = webhook_parse(raw, strlen(raw), &e);
  assert_non_null(events);
  assert_int_equal(store_ingest(st, raw, strlen(raw), events, &res, &e), 0);
  assert_int_equal(res.duplicates, 1);
  json_decref(events);
  json_decref(o.sc);
  /* Media: recorded with its attachment. */
  snprintf(args, sizeof(args),
           "{\"recipient_id\":\"%s\",\"type\":\"image\",\"url\":"
           "\"https://example.com/catalog.jpg\"}", user);
  now_ms = NOW + 5000;
  o = call_tool(st, "ig_send_media", args);
  assert_false(o.is_error);
  assert_int_equal(seen.n, 2);
  hist = store_get_history(st, ACC, user, 0, 10, &e);
  msgs = json_object_get(hist, "messages");
  assert_int_equal(json_array_size(msgs), 3);
  m = json_array_get(msgs, 2);
  assert_string_equal(json_string_value(json_object_get(m, "mid")),
                      json_string_value(json_object_get(o.sc, "message_id")));
  assert_int_equal(json_array_size(json_object_get(m, "attachments")), 1);
  json_decref(hist);
  json_decref(o.sc);
  /* A refused send records nothing and tells nobody. */
  now_ms = NOW + 9 * MS_DAY;
  o = call_tool(st, "ig_send_message", args);
  assert_true(o.is_error);
  assert_int_equal(seen.n, 2);
  json_decref(o.sc);
  store_watch_remove(h);
}

/* ig_mark_seen reads the conversation in the store too. */
static void
test_mark_seen_reads(void **state)
{
  struct seen seen = { 0 };
  int h = store_watch_add(on_change, &seen);
  char args[100];
  struct err e = { 0 };
  struct outcome o;
  json_t *inbox;

  (void)state;
  inbound_at(NOW - 2000);
  inbound_at(NOW - 1000);
  inbox = store_list_inbox(st, ACC, NOW, 10, NULL, &e);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(
      json_object_get(inbox, "conversations"), 0), "unread")), 2);
  json_decref(inbox);
  snprintf(args, sizeof(args), "{\"recipient_id\":\"%s\"}", user);
  o = call_tool(st, "ig_mark_seen", args);
  assert_false(o.is_error);
  json_decref(o.sc);
  inbox = store_list_inbox(st, ACC, NOW, 10, NULL, &e);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(
      json_object_get(inbox, "conversations"), 0), "unread")), 0);
  json_decref(inbox);
  assert_int_equal(seen.n, 1);
  assert_string_equal(seen.kind, "seen");
  store_watch_remove(h);
}

/* The store knows nothing, Meta's window is closed: Meta's refusal comes
 * back as a plain tool error, nothing is recorded. */
static void
test_meta_refuses(void **state)
{
  char args[200];
  struct outcome o;
  struct err e = { 0 };
  json_t *gr;

  (void)state;
  json_decref(admin("POST", "clock", "{\"advance_seconds\":864000}"));
  snprintf(args, sizeof(args),
           "{\"recipient_id\":\"%s\",\"text\":\"Still there?\"}", user);
  o = call_tool(st, "ig_send_message", args);
  assert_true(o.is_error);
  assert_int_equal(o.sent, 1);
  assert_string_equal(err_str(&o, "kind"), "graph_error");
  gr = json_object_get(json_object_get(o.sc, "error"), "graph");
  assert_int_equal(json_integer_value(json_object_get(gr, "code")), 10);
  assert_int_equal(json_integer_value(json_object_get(gr, "subcode")),
                   2534022);
  assert_null(store_get_history(st, ACC, user, 0, 10, &e));
  assert_int_equal(e.code, ERR_NOTFOUND);
  json_decref(o.sc);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_boundaries, setup, teardown),
    cmocka_unit_test_setup_teardown(test_unknown_goes_through, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_recorded, setup, teardown),
    cmocka_unit_test_setup_teardown(test_mark_seen_reads, setup, teardown),
    cmocka_unit_test_setup_teardown(test_meta_refuses, setup, teardown),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
