/* SPDX-License-Identifier: MIT */
/*
 * test_mcp_server.c: the MCP core in-process.  Messages go in through
 * mcp_server_handle; answers are captured from the write callback and
 * checked: lifecycle, version negotiation, every malformed-input rule,
 * tools/list pagination, argument validation and the tool error path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "mcp/jsonrpc.h"
#include "mcp/server.h"
#include "tools/registry.h"

#define MAXOUT 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *out[MAXOUT];
static int nout;

static void
capture(void *arg, const char *data, size_t len, const struct mcp_out *o)
{
  json_error_t e;
  json_t *j;

  (void)arg;
  /* The routing facts match the message. */
  if (o->final)
    assert_non_null(o->related);
  assert_null(memchr(data, '\n', len)); /* one message per line */
  j = json_loadb(data, len, 0, &e);
  assert_non_null(j);
  pthread_mutex_lock(&mu);
  if (nout < MAXOUT)
    out[nout++] = j;
  else
    json_decref(j);
  pthread_mutex_unlock(&mu);
}

static void
clear_out(void)
{
  pthread_mutex_lock(&mu);
  for (int i = 0; i < nout; i++)
    json_decref(out[i]);
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
      if (json_integer_value(json_object_get(out[i], "id")) == id &&
          json_object_get(out[i], "method") == NULL) {
        json_t *j = out[i];
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

static void
send_str(struct mcp_server *s, const char *msg)
{
  mcp_server_handle(s, msg, strlen(msg));
}

static struct mcp_server *
new_server(void)
{
  static struct account acct = { GRAPH_LOGIN_INSTAGRAM, "me", "me" };
  struct mcp_server_config cfg = { 0 };

  cfg.workers = 2;
  cfg.acct = &acct;
  cfg.write = capture;
  return mcp_server_new(&cfg);
}

static int
setup(void **state)
{
  struct err e;
  (void)state;
  assert_int_equal(registry_init(&e), 0);
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  clear_out();
  registry_cleanup();
  return 0;
}

static int
err_code(const json_t *msg)
{
  return (int)json_integer_value(
      json_object_get(json_object_get(msg, "error"), "code"));
}

static void
initialize(struct mcp_server *s, const char *version)
{
  char msg[300];
  snprintf(msg, sizeof(msg),
           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
           "\"params\":{\"protocolVersion\":\"%s\",\"capabilities\":{},"
           "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}", version);
  send_str(s, msg);
}

static void
test_lifecycle(void **state)
{
  struct mcp_server *s = new_server();
  json_t *r;

  (void)state;
  /* Before initialize, a request without _meta is a 2026-07-28 request
   * missing its envelope; the message names both ways out. */
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\"}");
  r = answer(9);
  assert_int_equal(err_code(r), JSONRPC_INVALID_PARAMS);
  assert_non_null(strstr(json_string_value(json_object_get(
                             json_object_get(r, "error"), "message")),
                         "initialize"));
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}");
  assert_true(json_is_object(json_object_get(answer(8), "result")));
  initialize(s, "2099-01-01");
  r = json_object_get(answer(1), "result");
  assert_string_equal(
      json_string_value(json_object_get(r, "protocolVersion")),
      "2025-11-25");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(r, "serverInfo"), "name")),
                      "igmcp");
  assert_non_null(json_object_get(json_object_get(r, "capabilities"),
                                  "tools"));
  assert_non_null(json_object_get(json_object_get(r, "capabilities"),
                                  "logging"));
  clear_out();
  initialize(s, "2025-06-18");
  assert_int_equal(err_code(answer(1)), JSONRPC_INVALID_REQUEST);
  send_str(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nope/nope\"}");
  assert_int_equal(err_code(answer(2)), JSONRPC_METHOD_NOT_FOUND);
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"logging/setLevel\","
              "\"params\":{\"level\":\"loud\"}}");
  assert_int_equal(err_code(answer(3)), JSONRPC_INVALID_PARAMS);
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"logging/setLevel\","
              "\"params\":{\"level\":\"debug\"}}");
  assert_true(json_is_object(json_object_get(answer(4), "result")));
  mcp_server_shutdown(s, 1000);
  mcp_server_free(s);
  clear_out();
}

static void
test_versions_echoed(void **state)
{
  const char *v[] = { "2025-11-25", "2025-06-18", "2025-03-26",
                      "2024-11-05" };
  (void)state;
  for (size_t i = 0; i < 4; i++) {
    struct mcp_server *s = new_server();
    initialize(s, v[i]);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(answer(1), "result"),
                            "protocolVersion")),
                        v[i]);
    mcp_server_free(s);
    clear_out();
  }
}

static void
test_malformed(void **state)
{
  struct mcp_server *s = new_server();
  int before;

  (void)state;
  initialize(s, "2025-11-25");
  answer(1);
  clear_out();
  send_str(s, "{not json");
  send_str(s, "[1,2]");
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}");
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"p\xfe\"}");
  mcp_server_reject_oversize(s, 10u << 20);
  pthread_mutex_lock(&mu);
  before = nout;
  assert_int_equal(before, 5);
  assert_int_equal(err_code(out[0]), JSONRPC_PARSE_ERROR);
  assert_int_equal(err_code(out[1]), JSONRPC_INVALID_REQUEST);
  assert_int_equal(err_code(out[2]), JSONRPC_INVALID_REQUEST);
  assert_int_equal(err_code(out[3]), JSONRPC_PARSE_ERROR);
  assert_int_equal(err_code(out[4]), JSONRPC_INVALID_REQUEST);
  for (int i = 0; i < 5; i++)
    assert_true(json_is_null(json_object_get(out[i], "id")));
  pthread_mutex_unlock(&mu);
  /* Notifications, even unknown ones, are never answered. */
  send_str(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}");
  send_str(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
              "\"params\":{\"requestId\":12345}}");
  /* And the session still works. */
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}");
  answer(6);
  pthread_mutex_lock(&mu);
  assert_int_equal(nout, before + 1);
  pthread_mutex_unlock(&mu);
  mcp_server_free(s);
  clear_out();
}

/* tools/list for the current selection: every tool in one page, never a
 * nextCursor; returns the tools (owned) after checking each. */
static json_t *
list_tools(struct mcp_server *s, int id, const char *cursor)
{
  char msg[300];
  json_t *r, *tools, *t, *names = json_object();
  size_t i;

  if (cursor != NULL)
    snprintf(msg, sizeof(msg),
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\","
             "\"params\":{\"cursor\":\"%s\"}}", id, cursor);
  else
    snprintf(msg, sizeof(msg),
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\"}",
             id);
  send_str(s, msg);
  r = json_object_get(answer(id), "result");
  assert_null(json_object_get(r, "nextCursor"));
  tools = json_incref(json_object_get(r, "tools"));
  json_array_foreach(tools, i, t) {
    const char *name = json_string_value(json_object_get(t, "name"));
    assert_null(json_object_get(names, name));
    json_object_set_new(names, name, json_true());
    assert_non_null(json_object_get(t, "inputSchema"));
    assert_non_null(json_object_get(t, "outputSchema"));
    assert_true(json_is_boolean(json_object_get(
        json_object_get(t, "annotations"), "readOnlyHint")));
    assert_true(strlen(json_string_value(
                    json_object_get(t, "description"))) > 20);
  }
  json_decref(names);
  return tools;
}

static void
test_tools_list_one_page(void **state)
{
  struct mcp_server *s = new_server();
  struct registry_filter all = { .toolsets = "all" };
  struct registry_filter ro = { .toolsets = "all", .read_only = 1 };
  struct registry_filter def = { 0 };
  struct err e;
  json_t *tools, *t;
  size_t i, ndef = 0, nread = 0;

  (void)state;
  initialize(s, "2025-11-25");
  answer(1);
  for (i = 0; i < registry_count(); i++) {
    ndef += (registry_at(i)->flags & TOOL_DEFAULT) != 0;
    nread += (registry_at(i)->hints & HINT_READ_ONLY) != 0;
  }
  /* The default set: the tools flagged default, at most 25. */
  tools = list_tools(s, 10, NULL);
  assert_int_equal(json_array_size(tools), ndef);
  assert_true(ndef > 0 && ndef <= 25);
  json_decref(tools);
  /* all: every tool; a cursor is accepted ("t2", hex) and skips two. */
  assert_int_equal(registry_select(&all, &e), 0);
  tools = list_tools(s, 11, NULL);
  assert_int_equal(json_array_size(tools), registry_count());
  json_decref(tools);
  tools = list_tools(s, 12, "7432");
  assert_int_equal(json_array_size(tools), registry_count() - 2);
  json_decref(tools);
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"tools/list\","
              "\"params\":{\"cursor\":\"bogus\"}}");
  assert_int_equal(err_code(answer(99)), JSONRPC_INVALID_PARAMS);
  /* read-only wins over all: only read-only tools are listed. */
  assert_int_equal(registry_select(&ro, &e), 0);
  tools = list_tools(s, 13, NULL);
  assert_int_equal(json_array_size(tools), nread);
  json_array_foreach(tools, i, t)
    assert_true(json_is_true(json_object_get(
        json_object_get(t, "annotations"), "readOnlyHint")));
  json_decref(tools);
  assert_int_equal(registry_select(&def, &e), 0);
  mcp_server_free(s);
  clear_out();
}

/* The text of a result's first content block. */
static const char *
first_text(const json_t *result)
{
  return json_string_value(json_object_get(
      json_array_get(json_object_get(result, "content"), 0), "text"));
}

static void
test_tools_call_errors(void **state)
{
  struct mcp_server *s = new_server();
  json_t *r;
  const char *text;

  (void)state;
  initialize(s, "2025-11-25");
  answer(1);
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"tools/call\","
              "\"params\":{\"name\":\"ig_nope\"}}");
  assert_int_equal(err_code(answer(20)), JSONRPC_INVALID_PARAMS);
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"tools/call\","
              "\"params\":{}}");
  assert_int_equal(err_code(answer(21)), JSONRPC_INVALID_PARAMS);
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"tools/call\","
              "\"params\":{\"name\":\"ig_send_message\",\"arguments\":"
              "{\"text\":\"hi\"}}}");
  r = json_object_get(answer(22), "result");
  assert_true(json_is_true(json_object_get(r, "isError")));
  text = first_text(r);
  assert_non_null(strstr(text, "recipient_id"));
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":23,\"method\":\"tools/call\","
              "\"params\":{\"name\":\"ig_list_conversations\",\"arguments\":"
              "{\"limit\":\"5\"}}}");
  r = json_object_get(answer(23), "result");
  assert_true(json_is_true(json_object_get(r, "isError")));
  text = first_text(r);
  assert_non_null(strstr(text, "/limit"));
  /* Valid arguments but no account configured: a clear tool error. */
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":24,\"method\":\"tools/call\","
              "\"params\":{\"name\":\"ig_list_conversations\"}}");
  r = json_object_get(answer(24), "result");
  assert_true(json_is_true(json_object_get(r, "isError")));
  text = first_text(r);
  assert_non_null(strstr(text, "IG_ACCESS_TOKEN"));
  mcp_server_free(s);
  clear_out();
}

/* 2026-07-28 on one server: discover, envelope errors, an open listener
 * freed at shutdown (ASan checks nothing leaks), routing facts. */
static void
test_modern(void **state)
{
  struct mcp_server *s = new_server();
  json_t *r;
  const char *meta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
                     "\"2026-07-28\",\"io.modelcontextprotocol/"
                     "clientCapabilities\":{}}";
  char msg[512];

  (void)state;
  snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
           "\"server/discover\",\"params\":{%s}}", meta);
  send_str(s, msg);
  r = json_object_get(answer(1), "result");
  assert_string_equal(json_string_value(json_object_get(r, "resultType")),
                      "complete");
  assert_int_equal(json_array_size(json_object_get(r, "supportedVersions")),
                   5);
  send_str(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\","
              "\"params\":{\"_meta\":{\"io.modelcontextprotocol/"
              "protocolVersion\":\"2026-07-28\"}}}");
  assert_int_equal(err_code(answer(2)), JSONRPC_INVALID_PARAMS);
  snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
           "\"ping\",\"params\":{%s}}", meta);
  send_str(s, msg);
  assert_int_equal(err_code(answer(3)), JSONRPC_METHOD_NOT_FOUND);
  snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":"
           "\"subscriptions/listen\",\"params\":{%s,\"notifications\":"
           "{\"toolsListChanged\":true}}}", meta);
  send_str(s, msg);
  /* The same id again while the listener is open is refused. */
  send_str(s, msg);
  assert_int_equal(err_code(answer(4)), JSONRPC_INVALID_REQUEST);
  mcp_server_shutdown(s, 100);
  mcp_server_free(s);
  clear_out();
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_lifecycle),
    cmocka_unit_test(test_versions_echoed),
    cmocka_unit_test(test_malformed),
    cmocka_unit_test(test_tools_list_one_page),
    cmocka_unit_test(test_tools_call_errors),
    cmocka_unit_test(test_modern),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
