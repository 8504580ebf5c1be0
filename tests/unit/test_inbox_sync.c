/* SPDX-License-Identifier: MIT */
/*
 * test_inbox_sync.c: inbox_sync_run against the in-process sandbox with an
 * in-memory store, below the MCP layer: 1,000 conversations of 21
 * messages with Facebook Login (batches), every one stored and announced
 * once to store watchers, history past 20 read back with
 * store_get_history, a re-run pulling nothing, and a cancelled call.
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
#include "store/store.h"
#include "store/watch.h"
#include "tools/inbox_sync_int.h"

#define NCONV 1000
#define NMSG 21

static struct sandbox *sb;
static struct graph *g;
static struct store *st;
static struct account acct = { GRAPH_LOGIN_FACEBOOK, NULL, NULL };
static int notices;

static void
on_notice(void *arg, const char *account_id, const char *user_id,
          const char *kind)
{
  (void)arg;
  (void)user_id;
  if (strcmp(kind, "sync") == 0 &&
      strcmp(account_id, SANDBOX_IG_USER_ID) == 0)
    __atomic_add_fetch(&notices, 1, __ATOMIC_RELAXED);
}

static json_t *
admin_post(const char *path, json_t *body)
{
  struct graph_request req = { 0 };
  struct graph_response resp = { 0 };
  struct err e = { 0 };
  json_t *out;

  req.method = "POST";
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
  struct graph_config gc = { 0 };
  struct err e = { 0 };
  char base[64];

  (void)state;
  graph_global_init();
  sb = sandbox_start(&so, &e);
  assert_non_null(sb);
  snprintf(base, sizeof(base), "http://127.0.0.1:%u",
           (unsigned)sandbox_port(sb));
  gc.login = GRAPH_LOGIN_FACEBOOK;
  gc.token = SANDBOX_FB_TOKEN;
  gc.app_secret = SANDBOX_APP_SECRET;
  gc.base_url = base;
  g = graph_new(&gc, &e);
  assert_non_null(g);
  st = store_open(":memory:", &e);
  assert_non_null(st);
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  store_close(st);
  graph_free(g);
  sandbox_stop(sb);
  graph_global_cleanup();
  return 0;
}

static json_t *
run(const struct sync_opts *o, const volatile int *cancel)
{
  struct call c = { 0 };
  struct result r = { 0 };
  json_t *out;

  c.graph = g;
  c.acct = &acct;
  c.store = st;
  c.cancel = cancel;
  if (inbox_sync_run(&c, &r, o) != 0)
    fail_msg("sync failed: %s", r.text != NULL ? r.text : "?");
  assert_int_equal(r.is_error, 0);
  out = json_incref(r.structured);
  result_free(&r);
  json_decref(c.usage);
  return out;
}

static long
num(const json_t *o, const char *k)
{
  return (long)json_integer_value(json_object_get(o, k));
}

static void
test_thousand(void **state)
{
  struct sync_opts o = { 0 };
  struct err e = { 0 };
  json_t *seed, *r, *h;
  const char *id;
  int handle, before;

  (void)state;
  seed = admin_post("__sandbox/seed",
                    json_pack("{s:i,s:i,s:s}", "count", NCONV, "messages",
                              NMSG, "prefix", "k"));
  handle = store_watch_add(on_notice, NULL);
  assert_true(handle > 0);

  r = run(&o, NULL);
  assert_true(json_is_true(json_object_get(r, "done")));
  assert_int_equal(num(r, "failed"), 0);
  assert_true(num(r, "conversations_updated") >= NCONV);
  assert_int_equal(notices, num(r, "conversations_updated"));
  assert_true(num(r, "messages_new") >= NCONV * NMSG);
  /* Each seeded conversation needs one more page: 1,000 items in
   * batches of 50 shared across listing pages of 25 (the seeded world's
   * own conversations may add one). */
  assert_true(num(r, "pages") >= NCONV / SYNC_PAGE_SIZE);
  assert_true(num(r, "batches") >= NCONV / GRAPH_BATCH_MAX);
  assert_true(num(r, "batches") <= NCONV / GRAPH_BATCH_MAX + 2);
  assert_int_equal(num(r, "graph_requests"),
                   num(r, "pages") + num(r, "batches"));

  /* History past 20: all 21 stored, oldest first, the oldest without
   * text (Meta details the newest 20 only). */
  id = json_string_value(json_array_get(json_object_get(seed,
                                                        "conversation_ids"),
                                        500));
  h = store_get_history(st, SANDBOX_IG_USER_ID, id, 0, 100, &e);
  assert_non_null(h);
  assert_int_equal(json_array_size(json_object_get(h, "messages")), NMSG);
  json_decref(h);
  json_decref(r);

  /* Nothing changed: the listing only. */
  before = notices;
  r = run(&o, NULL);
  assert_int_equal(num(r, "conversations_updated"), 0);
  assert_int_equal(num(r, "batches"), 0);
  assert_int_equal(num(r, "graph_requests"), num(r, "pages"));
  assert_int_equal(notices, before);
  json_decref(r);

  /* Cancelled before it starts: no request, not done. */
  {
    volatile int cancel = 1;
    r = run(&o, &cancel);
    assert_false(json_is_true(json_object_get(r, "done")));
    assert_true(json_is_true(json_object_get(r, "cancelled")));
    assert_int_equal(num(r, "graph_requests"), 0);
    json_decref(r);
  }
  store_watch_remove(handle);
  json_decref(seed);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_thousand),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
