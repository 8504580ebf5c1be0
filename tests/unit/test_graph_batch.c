/* SPDX-License-Identifier: MIT */
/*
 * test_graph_batch.c: graph_batch and graph_relative_url against the
 * in-process sandbox: the batch request's shape, more than 50 items split
 * over round trips, per-item errors, usage counted per item, the raw
 * answer's shape and limit, and the one-by-one fallback with Instagram
 * Login.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "sandbox/sandbox.h"

static struct sandbox *sb;
static char base[64];

static struct graph *
client(enum graph_login login)
{
  struct graph_config gc = { 0 };
  struct err e = { 0 };
  struct graph *g;

  gc.login = login;
  gc.token = login == GRAPH_LOGIN_FACEBOOK ? SANDBOX_FB_TOKEN
                                           : SANDBOX_IG_TOKEN;
  gc.base_url = base;
  gc.app_secret = SANDBOX_APP_SECRET;
  gc.max_attempts = 1;
  g = graph_new(&gc, &e);
  assert_non_null(g);
  return g;
}

/* An admin call (unversioned JSON POST or GET); returns the body. */
static json_t *
admin(struct graph *g, const char *method, const char *path, json_t *body)
{
  struct graph_request req = { 0 };
  struct graph_response resp = { 0 };
  struct err e = { 0 };
  json_t *out;

  req.method = method;
  req.path = path;
  req.json_body = body;
  req.unversioned = 1;
  assert_int_equal(graph_call(g, &req, &resp, &e), 0);
  out = resp.body;
  resp.body = NULL;
  graph_response_free(&resp);
  json_decref(body);
  return out;
}

static int
setup(void **state)
{
  struct sandbox_opts so = { 0 };
  struct err e = { 0 };

  (void)state;
  graph_global_init();
  sb = sandbox_start(&so, &e);
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
  graph_global_cleanup();
  return 0;
}

static void
test_relative_url(void **state)
{
  struct graph *g = client(GRAPH_LOGIN_FACEBOOK);
  struct graph_param p[] = {
    { "fields", "id,messages.limit(2){id}" }, { "after", "a b&c" },
    { NULL, NULL }
  };
  struct graph_param bad[] = { { "access_token", "x" }, { NULL, NULL } };
  char *u;

  (void)state;
  u = graph_relative_url(g, "me/conversations", p, 1);
  assert_non_null(u);
  assert_string_equal(u, "v25.0/me/conversations?fields=id%2Cmessages."
                      "limit%282%29%7Bid%7D&after=a%20b%26c");
  free(u);
  u = graph_relative_url(g, "me/conversations", p, 0);
  assert_string_equal(u, "v25.0/me/conversations");
  free(u);
  assert_null(graph_relative_url(g, "me/../x", NULL, 1));
  assert_null(graph_relative_url(g, "me//x", NULL, 1));
  assert_null(graph_relative_url(g, "me", bad, 1));
  graph_free(g);
}

/* 60 conversations seeded; 59 of them and one unknown id, batched: two
 * round trips (50 + 10), the unknown one failing alone. */
static void
test_batch_split_and_errors(void **state)
{
  struct graph *g = client(GRAPH_LOGIN_FACEBOOK);
  struct graph_batch_item items[60];
  struct graph_batch_stats st;
  struct graph_param p[] = { { "fields", "id,updated_time" },
                             { NULL, NULL } };
  struct err e = { 0 };
  json_t *seed, *ids, *log;
  size_t nlog;

  (void)state;
  assert_int_equal(graph_batch_supported(g), 1);
  seed = admin(g, "POST", "__sandbox/seed",
               json_pack("{s:i,s:i,s:s}", "count", 60, "messages", 2,
                         "prefix", "batch"));
  ids = json_object_get(seed, "conversation_ids");
  assert_int_equal(json_array_size(ids), 60);
  json_decref(admin(g, "DELETE", "__sandbox/requests", NULL));
  memset(items, 0, sizeof(items));
  for (size_t i = 0; i < 60; i++) {
    items[i].path = i == 37 ? "nonexistent_thread"
                            : json_string_value(json_array_get(ids, i));
    items[i].params = p;
  }
  assert_int_equal(graph_batch(g, items, 60, NULL, &st, &e), 0);
  assert_int_equal(st.requests, 2);
  assert_int_equal(st.batches, 2);
  /* Each item counts as a call: 60 calls show in the usage header (the
   * sandbox's hourly budget is 4,800 calls, so 48 calls are 1 %; the
   * two batch POSTs alone would be 0 %). */
  assert_true(st.usage.has_app);
  assert_true(st.usage.app_call_count >= 60 * 100 / 4800);
  for (size_t i = 0; i < 60; i++) {
    if (i == 37) {
      assert_int_equal(items[i].failed, 1);
      assert_int_equal(items[i].code, 400);
      assert_int_equal(items[i].error.code, 100);
      assert_int_equal(items[i].error.subcode, 33);
      continue;
    }
    assert_int_equal(items[i].failed, 0);
    assert_int_equal(items[i].code, 200);
    assert_null(items[i].headers); /* include_headers=false */
    assert_string_equal(json_string_value(json_object_get(items[i].body,
                                                          "id")),
                        json_string_value(json_array_get(ids, i)));
    assert_non_null(json_object_get(items[i].body, "updated_time"));
  }
  graph_batch_items_clear(items, 60);

  /* The wire shape: two form POSTs to the version root, batch holding
   * {method, relative_url} with the version in the URL. */
  log = admin(g, "GET", "__sandbox/requests", NULL);
  nlog = json_array_size(log);
  assert_int_equal(nlog, 2);
  for (size_t i = 0; i < 2; i++) {
    json_t *ent = json_array_get(log, i);
    const char *b = json_string_value(json_object_get(
        json_object_get(ent, "body"), "batch"));
    json_t *arr = json_loads(b, 0, NULL), *first;
    assert_string_equal(json_string_value(json_object_get(ent, "method")),
                        "POST");
    assert_string_equal(json_string_value(json_object_get(ent, "host")),
                        "graph.facebook.com");
    assert_int_equal(json_array_size(arr), i == 0 ? 50 : 10);
    first = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(first, "method")),
                        "GET");
    assert_non_null(strstr(json_string_value(json_object_get(
                               first, "relative_url")),
                           "v25.0/"));
    assert_non_null(strstr(json_string_value(json_object_get(
                               first, "relative_url")),
                           "?fields=id%2Cupdated_time"));
    json_decref(arr);
  }
  json_decref(log);
  json_decref(seed);
  graph_free(g);
}

/* The raw answer: an array of {code, headers, body-string}; more than 50
 * is refused whole. */
static void
test_raw_shape(void **state)
{
  struct graph *g = client(GRAPH_LOGIN_FACEBOOK);
  struct graph_request req = { 0 };
  struct graph_response resp = { 0 };
  struct graph_param p[2] = { { "batch", NULL }, { NULL, NULL } };
  struct err e = { 0 };
  json_t *big = json_array(), *a;
  char *text;

  (void)state;
  p[0].value = "[{\"method\":\"GET\",\"relative_url\":\"me?fields=name\"},"
               "{\"method\":\"GET\",\"relative_url\":\"v25.0/nope_x\"},"
               "{\"method\":\"POST\",\"relative_url\":\"v25.0/\","
               "\"body\":\"batch=%5B%5D\"},{\"relative_url\":3}]";
  req.method = "POST";
  req.path = "";
  req.params = p;
  req.nparams = 1;
  assert_int_equal(graph_call(g, &req, &resp, &e), 0);
  assert_true(json_is_array(resp.body));
  a = json_array_get(resp.body, 0);
  assert_int_equal(json_integer_value(json_object_get(a, "code")), 200);
  assert_true(json_is_string(json_object_get(a, "body")));
  assert_non_null(strstr(json_string_value(json_object_get(a, "body")),
                         "\"name\":\"Sandbox Studio\""));
  assert_true(json_is_array(json_object_get(a, "headers")));
  a = json_array_get(resp.body, 1);
  assert_int_equal(json_integer_value(json_object_get(a, "code")), 400);
  assert_non_null(strstr(json_string_value(json_object_get(a, "body")),
                         "\"error\""));
  /* No batch inside a batch; an item without a relative_url fails alone. */
  a = json_array_get(resp.body, 2);
  assert_int_equal(json_integer_value(json_object_get(a, "code")), 400);
  a = json_array_get(resp.body, 3);
  assert_int_equal(json_integer_value(json_object_get(a, "code")), 400);
  assert_non_null(strstr(json_string_value(json_object_get(a, "body")),
                         "relative_url"));
  graph_response_free(&resp);

  for (int i = 0; i < 51; i++)
    json_array_append_new(big, json_pack("{s:s,s:s}", "method", "GET",
                                         "relative_url", "me"));
  text = json_dumps(big, JSON_COMPACT);
  p[0].value = text;
  assert_int_equal(graph_call(g, &req, &resp, &e), ERR_GRAPH);
  assert_int_equal(resp.error.code, 1);
  assert_non_null(strstr(resp.error.message, "50"));
  graph_response_free(&resp);
  free(text);
  json_decref(big);
  graph_free(g);
}

/* Instagram Login: no batch endpoint, so the items go one by one; an
 * error stays in its item. */
static void
test_ig_fallback(void **state)
{
  struct graph *g = client(GRAPH_LOGIN_INSTAGRAM);
  struct graph_batch_item items[3];
  struct graph_batch_stats st;
  struct graph_param p[] = { { "fields", "id,username" }, { NULL, NULL } };
  struct err e = { 0 };
  json_t *log;

  (void)state;
  assert_int_equal(graph_batch_supported(g), 0);
  json_decref(admin(g, "DELETE", "__sandbox/requests", NULL));
  memset(items, 0, sizeof(items));
  items[0].path = "me";
  items[0].params = p;
  items[1].path = "nonexistent_node";
  items[2].path = SANDBOX_IG_USER_ID;
  items[2].params = p;
  assert_int_equal(graph_batch(g, items, 3, NULL, &st, &e), 0);
  assert_int_equal(st.requests, 3);
  assert_int_equal(st.batches, 0);
  assert_int_equal(items[0].failed, 0);
  assert_string_equal(json_string_value(json_object_get(items[0].body,
                                                        "username")),
                      SANDBOX_IG_USERNAME);
  assert_int_equal(items[1].failed, 1);
  assert_int_equal(items[1].code, 400);
  assert_int_equal(items[1].error.code, 100);
  assert_int_equal(items[2].failed, 0);
  graph_batch_items_clear(items, 3);
  log = admin(g, "GET", "__sandbox/requests", NULL);
  assert_int_equal(json_array_size(log), 3);
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(log, 0), "method")), "GET");
  json_decref(log);
  graph_free(g);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_relative_url),
    cmocka_unit_test(test_batch_split_and_errors),
    cmocka_unit_test(test_raw_shape),
    cmocka_unit_test(test_ig_fallback),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
