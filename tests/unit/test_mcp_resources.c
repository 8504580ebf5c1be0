/* SPDX-License-Identifier: MIT */
/*
 * test_mcp_resources.c: inbox conversations as MCP resources, in-process.
 * A server over an in-memory store filled by store_put_messages answers
 * resources/list (paging), resources/templates/list, resources/read (and
 * not found in both eras); subscriptions turn store_watch_publish into
 * exactly one notifications/resources/updated for the subscribed URI, to
 * the subscribed session only, and none after unsubscribe or after the
 * 2026-07-28 listen request ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "mcp/jsonrpc.h"
#include "mcp/server.h"
#include "store/store.h"
#include "store/watch.h"
#include "tools/registry.h"

#define ACC "17841400000000001"
#define MAXOUT 256
/* 2026-04-01T00:00:00Z: a day after the messages below. */
#define NOW_MS INT64_C(1775001600000)
/* {"uri": "instagram://conversations/<id>"} */
#define URI(id) "{\"uri\":\"instagram://conversations/" id "\"}"
#define META "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":" \
             "\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\"" \
             ":{}}"

struct msg {
  int tag;    /* which server wrote it */
  json_t *j;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct msg out[MAXOUT];
static int nout;
static struct store *st;

static void
capture(void *arg, const char *data, size_t len, const struct mcp_out *o)
{
  json_error_t e;
  json_t *j = json_loadb(data, len, 0, &e);

  (void)o;
  assert_non_null(j);
  pthread_mutex_lock(&mu);
  if (nout < MAXOUT) {
    out[nout].tag = (int)(intptr_t)arg;
    out[nout++].j = j;
  } else {
    json_decref(j);
  }
  pthread_mutex_unlock(&mu);
}

static void
clear_out(void)
{
  pthread_mutex_lock(&mu);
  for (int i = 0; i < nout; i++)
    json_decref(out[i].j);
  nout = 0;
  pthread_mutex_unlock(&mu);
}

/* Waits up to 5 s for the answer with this integer id. */
static json_t *
answer(int id)
{
  int64_t end = clock_mono_ms() + 5000;

  while (clock_mono_ms() < end) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nout; i++) {
      if (json_integer_value(json_object_get(out[i].j, "id")) == id &&
          json_object_get(out[i].j, "method") == NULL) {
        json_t *j = out[i].j;
        pthread_mutex_unlock(&mu);
        return j;
      }
    }
    pthread_mutex_unlock(&mu);
    clock_sleep_ms(5);
  }
  fail_msg("no answer for id %d", id);
  return NULL;
}

/* How many notifications/resources/updated server tag has written for
 * uri (any uri when NULL). */
static int
updates(int tag, const char *uri)
{
  int n = 0;

  pthread_mutex_lock(&mu);
  for (int i = 0; i < nout; i++) {
    const json_t *p = json_object_get(out[i].j, "params");
    if (out[i].tag == tag &&
        strcmp(json_string_value(json_object_get(out[i].j, "method"))
                   ? json_string_value(json_object_get(out[i].j, "method"))
                   : "", "notifications/resources/updated") == 0 &&
        (uri == NULL ||
         strcmp(json_string_value(json_object_get(p, "uri")), uri) == 0))
      n++;
  }
  pthread_mutex_unlock(&mu);
  return n;
}

/* Waits up to 5 s until tag has n updates for uri; then 200 ms more, so
 * that a duplicate would have arrived. */
static void
expect_updates(int tag, const char *uri, int n)
{
  int64_t end = clock_mono_ms() + 5000;

  while (updates(tag, uri) < n && clock_mono_ms() < end)
    clock_sleep_ms(5);
  clock_sleep_ms(200);
  assert_int_equal(updates(tag, uri), n);
}

static void
send_str(struct mcp_server *s, const char *msg)
{
  mcp_server_handle(s, msg, strlen(msg));
}

static int64_t
fixed_now(void *arg)
{
  (void)arg;
  return NOW_MS;
}

static struct mcp_server *
new_server(int tag, struct store *store)
{
  static struct account acct = { GRAPH_LOGIN_INSTAGRAM, ACC, "me" };
  struct mcp_server_config cfg = { 0 };
  struct mcp_server *s;

  cfg.workers = 2;
  cfg.acct = &acct;
  cfg.store = store;
  cfg.now_ms = fixed_now;
  cfg.write = capture;
  cfg.write_arg = (void *)(intptr_t)tag;
  cfg.shared_log = 1;
  s = mcp_server_new(&cfg);
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
              "\"params\":{\"protocolVersion\":\"2025-11-25\","
              "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
              "\"version\":\"1\"}}}");
  return s;
}

static void
request(struct mcp_server *s, int id, const char *method, const char *params)
{
  char msg[1024];

  snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
           "\"%s\",\"params\":%s}", id, method, params);
  send_str(s, msg);
}

static int
err_code(const json_t *msg)
{
  return (int)json_integer_value(
      json_object_get(json_object_get(msg, "error"), "code"));
}

static const json_t *
result(const json_t *msg)
{
  const json_t *r = json_object_get(msg, "result");

  assert_non_null(r);
  return r;
}

/* One message from user to us at minute min of 2026-03-31, in
 * conversation graph_id (may be NULL), as a Graph backfill page. */
static void
put_message(const char *user, const char *username, const char *graph_id,
            int min, const char *text)
{
  struct store_result r;
  struct err e;
  char mid[64], when[40];
  json_t *page;

  snprintf(mid, sizeof(mid), "m-%s-%d", user, min);
  snprintf(when, sizeof(when), "2026-03-31T%02d:%02d:00+0000", min / 60,
           min % 60);
  page = json_pack("[{s:s, s:s, s:{s:s, s:s}, s:{s:[{s:s}]}, s:s}]", "id",
                   mid, "created_time", when, "from", "id", user, "username",
                   username, "to", "data", "id", ACC, "message", text);
  assert_int_equal(store_put_messages(st, ACC, graph_id, user, 0, page, &r,
                                      &e), 0);
  json_decref(page);
  /* Backfill leaves windows alone; a webhook would have opened it. */
  assert_int_equal(store_window_touch(st, ACC, user, NOW_MS - STORE_DAY_MS +
                                      (int64_t)min * 60000, &e), 0);
}

static int
setup(void **state)
{
  struct err e;

  (void)state;
  assert_int_equal(registry_init(&e), 0);
  st = store_open(":memory:", &e);
  assert_non_null(st);
  put_message("901", "ada", "aWdfZAG06ADA", 10, "hello \xe2\x80\xae there");
  put_message("902", "bob", NULL, 20, "second");
  put_message("903", "cy", NULL, 30, "third");
  return 0;
}

/* After each test, even a failed one: no answer leaks into the next. */
static int
clear_each(void **state)
{
  (void)state;
  clear_out();
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  clear_out();
  store_close(st);
  registry_cleanup();
  return 0;
}

/* The capability is there with a store, and only then; without one the
 * methods are unknown. */
static void
test_capability(void **state)
{
  struct mcp_server *s = new_server(1, st);
  const json_t *caps;

  (void)state;
  caps = json_object_get(result(answer(1)), "capabilities");
  assert_true(json_is_true(json_object_get(json_object_get(caps,
                                                           "resources"),
                                           "subscribe")));
  assert_true(json_is_false(json_object_get(json_object_get(caps,
                                                            "resources"),
                                            "listChanged")));
  mcp_server_free(s);
  clear_out();
  s = new_server(1, NULL);
  caps = json_object_get(result(answer(1)), "capabilities");
  assert_null(json_object_get(caps, "resources"));
  request(s, 2, "resources/list", "{}");
  assert_int_equal(err_code(answer(2)), JSONRPC_METHOD_NOT_FOUND);
  request(s, 3, "resources/subscribe",
          URI("901"));
  assert_int_equal(err_code(answer(3)), JSONRPC_METHOD_NOT_FOUND);
  mcp_server_free(s);
  clear_out();
}

static void
test_list_and_templates(void **state)
{
  struct mcp_server *s = new_server(1, st);
  const json_t *list, *r0, *t;
  const char *desc;

  (void)state;
  request(s, 2, "resources/list", "{}");
  list = json_object_get(result(answer(2)), "resources");
  assert_int_equal(json_array_size(list), 3);
  assert_null(json_object_get(result(answer(2)), "nextCursor"));
  /* Newest first. */
  r0 = json_array_get(list, 0);
  assert_string_equal(json_string_value(json_object_get(r0, "uri")),
                      "instagram://conversations/903");
  assert_string_equal(json_string_value(json_object_get(r0, "name")), "@cy");
  assert_string_equal(json_string_value(json_object_get(r0, "mimeType")),
                      "application/json");
  assert_string_equal(json_string_value(json_object_get(json_object_get(
                          r0, "annotations"), "lastModified")),
                      "2026-03-31T00:30:00.000Z");
  desc = json_string_value(json_object_get(r0, "description"));
  assert_non_null(strstr(desc, "third"));
  assert_non_null(strstr(desc, "from them"));
  /* 23.5 h after the message the window is still open. */
  assert_non_null(strstr(desc, "window open (until 2026-04-01T00:30:00.000Z)"));
  /* The bidi override in ada's text is gone from the snippet. */
  desc = json_string_value(json_object_get(json_array_get(list, 2),
                                           "description"));
  assert_non_null(strstr(desc, "hello  there"));
  assert_null(strstr(desc, "\xe2\x80\xae"));

  request(s, 3, "resources/templates/list", "{}");
  t = json_array_get(json_object_get(result(answer(3)), "resourceTemplates"),
                     0);
  assert_string_equal(json_string_value(json_object_get(t, "uriTemplate")),
                      "instagram://conversations/{id}");
  assert_non_null(json_object_get(t, "name"));
  assert_non_null(json_object_get(t, "description"));
  assert_string_equal(json_string_value(json_object_get(t, "mimeType")),
                      "application/json");
  mcp_server_free(s);
  clear_out();
}

/* 60 more conversations: pages of 50 chained by nextCursor, every one
 * listed once; a cursor we never gave is -32602. */
static void
test_paging(void **state)
{
  struct mcp_server *s;
  const json_t *r;
  char user[16], params[200], seen[64] = { 0 };
  int total = 0, id = 10;
  const char *cursor = NULL;

  (void)state;
  for (int i = 0; i < 60; i++) {
    snprintf(user, sizeof(user), "%d", 1000 + i);
    put_message(user, "u", NULL, 100 + i, "x");
  }
  s = new_server(1, st);
  do {
    if (cursor != NULL)
      snprintf(params, sizeof(params), "{\"cursor\":\"%s\"}", cursor);
    else
      snprintf(params, sizeof(params), "{}");
    request(s, ++id, "resources/list", params);
    r = result(answer(id));
    for (size_t i = 0; i < json_array_size(json_object_get(r, "resources"));
         i++) {
      const char *uri = json_string_value(json_object_get(json_array_get(
          json_object_get(r, "resources"), i), "uri"));
      long u = strtol(uri + strlen("instagram://conversations/"), NULL, 10);
      if (u >= 1000) {
        assert_int_equal(seen[u - 1000], 0);
        seen[u - 1000] = 1;
      }
      total++;
    }
    if (id == 11)
      assert_int_equal(json_array_size(json_object_get(r, "resources")), 50);
    cursor = json_string_value(json_object_get(r, "nextCursor"));
  } while (cursor != NULL && id < 20);
  assert_int_equal(total, 63);
  assert_int_equal(id, 12);
  request(s, 30, "resources/list", "{\"cursor\":\"not-ours\"}");
  assert_int_equal(err_code(answer(30)), JSONRPC_INVALID_PARAMS);
  request(s, 31, "resources/list", "{\"cursor\":7}");
  assert_int_equal(err_code(answer(31)), JSONRPC_INVALID_PARAMS);
  mcp_server_free(s);
  clear_out();
}

static void
test_read(void **state)
{
  struct mcp_server *s = new_server(1, st);
  const json_t *c, *e;
  json_t *doc;
  json_error_t je;

  (void)state;
  request(s, 2, "resources/read", URI("901"));
  c = json_array_get(json_object_get(result(answer(2)), "contents"), 0);
  assert_string_equal(json_string_value(json_object_get(c, "uri")),
                      "instagram://conversations/901");
  assert_string_equal(json_string_value(json_object_get(c, "mimeType")),
                      "application/json");
  doc = json_loads(json_string_value(json_object_get(c, "text")), 0, &je);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(json_object_get(
                          doc, "conversation"), "username")), "ada");
  assert_int_equal(json_array_size(json_object_get(doc, "messages")), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(
                          json_object_get(doc, "messages"), 0), "text")),
                      "hello  there");
  json_decref(doc);
  /* By the Graph conversation id too. */
  request(s, 3, "resources/read",
          URI("aWdfZAG06ADA"));
  c = json_array_get(json_object_get(result(answer(3)), "contents"), 0);
  assert_non_null(strstr(json_string_value(json_object_get(c, "text")),
                         "\"user_id\":\"901\""));
  /* Not found, legacy: -32002 with data.uri. */
  request(s, 4, "resources/read", URI("77"));
  e = json_object_get(answer(4), "error");
  assert_int_equal(json_integer_value(json_object_get(e, "code")), -32002);
  assert_string_equal(json_string_value(json_object_get(json_object_get(
                          e, "data"), "uri")),
                      "instagram://conversations/77");
  request(s, 5, "resources/read", "{\"uri\":\"test://nothing\"}");
  assert_int_equal(err_code(answer(5)), -32002);
  request(s, 6, "resources/read", "{}");
  assert_int_equal(err_code(answer(6)), JSONRPC_INVALID_PARAMS);
  /* 2026-07-28: -32602 with data.uri, and caching hints on a read. */
  request(s, 7, "resources/read", "{\"uri\":\"test://nothing\"," META "}");
  e = json_object_get(answer(7), "error");
  assert_int_equal(json_integer_value(json_object_get(e, "code")),
                   JSONRPC_INVALID_PARAMS);
  assert_string_equal(json_string_value(json_object_get(json_object_get(
                          e, "data"), "uri")), "test://nothing");
  request(s, 8, "resources/read",
          "{\"uri\":\"instagram://conversations/902\"," META "}");
  assert_int_equal(json_integer_value(json_object_get(result(answer(8)),
                                                      "ttlMs")), 0);
  assert_string_equal(json_string_value(json_object_get(result(answer(8)),
                                                        "cacheScope")),
                      "private");
  request(s, 9, "resources/list", "{" META "}");
  assert_string_equal(json_string_value(json_object_get(result(answer(9)),
                                                        "resultType")),
                      "complete");
  mcp_server_free(s);
  clear_out();
}

/* One publish for a subscribed conversation: exactly one update, to the
 * session that subscribed; none for other conversations, other accounts,
 * or after unsubscribe. */
static void
test_subscribe(void **state)
{
  struct mcp_server *a = new_server(1, st), *b = new_server(2, st);
  const char *u901 = "instagram://conversations/901";
  const char *g901 = "instagram://conversations/aWdfZAG06ADA";
  int before = store_watch_count();

  (void)state;
  request(a, 2, "resources/subscribe", URI("901"));
  assert_true(json_is_object(result(answer(2))));
  /* A Graph id URI is watched through its conversation's user id. */
  request(a, 3, "resources/subscribe",
          URI("aWdfZAG06ADA"));
  assert_true(json_is_object(result(answer(3))));
  /* Not ours: refused. */
  request(a, 4, "resources/subscribe", "{\"uri\":\"test://watched\"}");
  assert_int_equal(err_code(answer(4)), -32002);
  assert_int_equal(store_watch_count(), before + 1);

  store_watch_publish(ACC, "902", "message");
  store_watch_publish("17841400000000002", "901", "message");
  expect_updates(1, NULL, 0);
  store_watch_publish(ACC, "901", "message");
  expect_updates(1, u901, 1);
  expect_updates(1, g901, 1);
  assert_int_equal(updates(1, NULL), 2);
  assert_int_equal(updates(2, NULL), 0);

  request(a, 5, "resources/unsubscribe", URI("901"));
  assert_true(json_is_object(result(answer(5))));
  store_watch_publish(ACC, "901", "edit");
  expect_updates(1, g901, 2);
  assert_int_equal(updates(1, u901), 1);
  request(a, 6, "resources/unsubscribe",
          URI("aWdfZAG06ADA"));
  assert_true(json_is_object(result(answer(6))));
  store_watch_publish(ACC, "901", "message");
  expect_updates(1, NULL, 3);

  /* A conversation not stored yet may be watched by user id. */
  request(b, 7, "resources/subscribe",
          URI("555"));
  assert_true(json_is_object(result(answer(7))));
  store_watch_publish(ACC, "555", "message");
  expect_updates(2, "instagram://conversations/555", 1);
  assert_int_equal(updates(1, NULL), 3);

  mcp_server_free(a);
  mcp_server_free(b);
  /* Every watcher is gone with its session. */
  assert_int_equal(store_watch_count(), before);
  clear_out();
}

/* 2026-07-28: resourceSubscriptions on subscriptions/listen; updates carry
 * the subscription id and stop when the listen request is cancelled. */
static void
test_listen(void **state)
{
  struct mcp_server *s = new_server(1, st);
  const json_t *ack = NULL, *agreed;
  const char *u = "instagram://conversations/903";

  (void)state;
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":40,\"method\":"
              "\"subscriptions/listen\",\"params\":{" META ",\"notifications\""
              ":{\"resourceSubscriptions\":[\"instagram://conversations/903\","
              "\"test://x\"],\"toolsListChanged\":true}}}");
  pthread_mutex_lock(&mu);
  for (int i = 0; i < nout; i++)
    if (strcmp(json_string_value(json_object_get(out[i].j, "method"))
                   ? json_string_value(json_object_get(out[i].j, "method"))
                   : "", "notifications/subscriptions/acknowledged") == 0)
      ack = json_object_get(out[i].j, "params");
  pthread_mutex_unlock(&mu);
  assert_non_null(ack);
  agreed = json_object_get(json_object_get(ack, "notifications"),
                           "resourceSubscriptions");
  assert_int_equal(json_array_size(agreed), 1);
  assert_string_equal(json_string_value(json_array_get(agreed, 0)), u);
  assert_null(json_object_get(json_object_get(ack, "notifications"),
                              "toolsListChanged"));

  store_watch_publish(ACC, "903", "message");
  expect_updates(1, u, 1);
  pthread_mutex_lock(&mu);
  for (int i = 0; i < nout; i++) {
    const json_t *p = json_object_get(out[i].j, "params");
    if (json_object_get(p, "uri") != NULL)
      assert_int_equal(json_integer_value(json_object_get(
          json_object_get(p, "_meta"),
          "io.modelcontextprotocol/subscriptionId")), 40);
  }
  pthread_mutex_unlock(&mu);

  send_str(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
              "\"params\":{\"requestId\":40}}");
  store_watch_publish(ACC, "903", "message");
  expect_updates(1, u, 1);
  mcp_server_free(s);
  clear_out();
}

/* Lockdown: untrusted text is withheld from resources as from tool
 * results; a trusted author's stays. */
static void
test_lockdown(void **state)
{
  struct mcp_server *s;
  const json_t *list;
  struct err e;

  (void)state;
  assert_int_equal(registry_set_lockdown(1, "902", &e), 0);
  s = new_server(1, st);
  request(s, 2, "resources/list", "{}");
  list = json_object_get(result(answer(2)), "resources");
  assert_int_equal(json_array_size(list), 3);
  /* cy is not trusted: no snippet.  bob (902, trusted by id) is. */
  assert_null(strstr(json_string_value(json_object_get(
                  json_array_get(list, 0), "description")), "third"));
  assert_non_null(strstr(json_string_value(json_object_get(
                      json_array_get(list, 0), "description")), "(no text)"));
  assert_non_null(strstr(json_string_value(json_object_get(
                      json_array_get(list, 1), "description")), "second"));
  request(s, 3, "resources/read", URI("903"));
  assert_null(strstr(json_string_value(json_object_get(json_array_get(
                  json_object_get(result(answer(3)), "contents"), 0),
                  "text")), "third"));
  request(s, 4, "resources/read", URI("902"));
  assert_non_null(strstr(json_string_value(json_object_get(json_array_get(
                      json_object_get(result(answer(4)), "contents"), 0),
                      "text")), "second"));
  mcp_server_free(s);
  assert_int_equal(registry_set_lockdown(0, NULL, &e), 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(test_capability, clear_each),
    cmocka_unit_test_teardown(test_list_and_templates, clear_each),
    cmocka_unit_test_teardown(test_read, clear_each),
    cmocka_unit_test_teardown(test_subscribe, clear_each),
    cmocka_unit_test_teardown(test_listen, clear_each),
    cmocka_unit_test_teardown(test_lockdown, clear_each),
    cmocka_unit_test_teardown(test_paging, clear_each),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
