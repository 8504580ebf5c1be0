/* SPDX-License-Identifier: MIT */
/*
 * test_jsonrpc.c: JSON-RPC framing.  A table of raw inputs, each with the
 * kind it must parse to or the error code (and words) it must produce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mcp/jsonrpc.h"

struct tcase {
  const char *name;
  const char *input;
  size_t len;          /* 0: strlen(input) */
  int kind;            /* expected kind, or 0 for an error */
  int code;            /* expected error code; 0 with kind 0: dropped */
  const char *words;   /* substring of the error message */
  int id_echo;         /* the error response echoes the id */
};

static const struct tcase cases[] = {
  { "request", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 0,
    JSONRPC_REQUEST, 0, NULL, 0 },
  { "string id", "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"x\","
    "\"params\":{}}", 0, JSONRPC_REQUEST, 0, NULL, 0 },
  { "notification", "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}",
    0, JSONRPC_NOTIFICATION, 0, NULL, 0 },
  { "response", "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}", 0,
    JSONRPC_RESPONSE, 0, NULL, 0 },
  { "not json", "{\"jsonrpc\":", 0, 0, JSONRPC_PARSE_ERROR, "Parse error",
    0 },
  { "trailing garbage", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\"} x",
    0, 0, JSONRPC_PARSE_ERROR, "Parse error", 0 },
  { "invalid utf-8", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}", 0,
    0, JSONRPC_PARSE_ERROR, "invalid UTF-8 at byte 34", 0 },
  { "overlong utf-8", "{\"a\":\"\xc0\xaf\"}", 0, 0, JSONRPC_PARSE_ERROR,
    "invalid UTF-8", 0 },
  { "batch", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", 0, 0,
    JSONRPC_INVALID_REQUEST, "batches", 0 },
  { "scalar", "42", 0, 0, JSONRPC_INVALID_REQUEST, "must be a JSON object",
    0 },
  { "null id", "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", 0, 0,
    JSONRPC_INVALID_REQUEST, "\"id\" must be a string or an integer", 0 },
  { "real id", "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", 0, 0,
    JSONRPC_INVALID_REQUEST, "\"id\"", 0 },
  { "wrong version", "{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}", 0,
    0, JSONRPC_INVALID_REQUEST, "\"jsonrpc\" must be the string \"2.0\"",
    1 },
  { "missing method", "{\"jsonrpc\":\"2.0\",\"id\":7}", 0, 0,
    JSONRPC_INVALID_REQUEST, "\"method\" is missing", 1 },
  { "method not string", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":3}", 0,
    0, JSONRPC_INVALID_REQUEST, "non-empty string", 1 },
  { "params array", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\","
    "\"params\":[1]}", 0, 0, JSONRPC_INVALID_PARAMS, "must be an object", 1 },
  { "bad notification dropped", "{\"jsonrpc\":\"2.0\",\"method\":\"x\","
    "\"params\":[1]}", 0, 0, 0, NULL, 0 },
  { "duplicate keys", "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,"
    "\"method\":\"x\"}", 0, 0, JSONRPC_PARSE_ERROR, "duplicate", 0 },
  { "id above int64", "{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999,"
    "\"method\":\"x\"}", 0, 0, JSONRPC_PARSE_ERROR, "too big", 0 },
  { "embedded NUL", "{\"a\":\"x\\u0000y\"}", 0, 0, JSONRPC_PARSE_ERROR,
    "NUL", 0 },
};

static void
test_table(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct tcase *c = &cases[i];
    struct jsonrpc_msg m;
    json_t *err = NULL;
    size_t len = c->len ? c->len : strlen(c->input);
    int rc = jsonrpc_parse(c->input, len, &m, &err);

    if (c->kind != 0) {
      if (rc != 0)
        fail_msg("%s: expected success", c->name);
      assert_int_equal(m.kind, c->kind);
      assert_null(err);
      jsonrpc_msg_free(&m);
      continue;
    }
    if (rc == 0)
      fail_msg("%s: expected an error", c->name);
    if (c->code == 0) {
      assert_null(err);
      continue;
    }
    assert_non_null(err);
    {
      json_t *e = json_object_get(err, "error");
      const char *msg = json_string_value(json_object_get(e, "message"));
      json_t *id = json_object_get(err, "id");
      assert_int_equal(json_integer_value(json_object_get(e, "code")),
                       c->code);
      if (strstr(msg, c->words) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", c->name, msg, c->words);
      assert_string_equal(
          json_string_value(json_object_get(err, "jsonrpc")), "2.0");
      if (c->id_echo)
        assert_int_equal(json_integer_value(id), 7);
      else
        assert_true(json_is_null(id));
    }
    json_decref(err);
  }
}

static void
test_oversize(void **state)
{
  size_t n = JSONRPC_MAX_MESSAGE + 10;
  char *big = malloc(n);
  struct jsonrpc_msg m;
  json_t *err = NULL;

  (void)state;
  memset(big, ' ', n);
  assert_int_equal(jsonrpc_parse(big, n, &m, &err), -1);
  assert_int_equal(json_integer_value(json_object_get(
                       json_object_get(err, "error"), "code")),
                   JSONRPC_INVALID_REQUEST);
  json_decref(err);
  free(big);
}

static void
test_builders(void **state)
{
  json_t *id = json_string("abc"), *r, *n;
  char key[64], *s;

  (void)state;
  r = jsonrpc_result(id, json_pack("{s:i}", "x", 1));
  s = jsonrpc_dump(r);
  assert_string_equal(s, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\","
                         "\"result\":{\"x\":1}}");
  free(s);
  json_decref(r);
  n = jsonrpc_notification("notifications/progress", NULL);
  s = jsonrpc_dump(n);
  assert_string_equal(s, "{\"jsonrpc\":\"2.0\","
                         "\"method\":\"notifications/progress\"}");
  free(s);
  json_decref(n);
  jsonrpc_id_key(id, key, sizeof(key));
  assert_string_equal(key, "s:abc");
  json_decref(id);
  id = json_integer(42);
  jsonrpc_id_key(id, key, sizeof(key));
  assert_string_equal(key, "i:42");
  json_decref(id);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_table),
    cmocka_unit_test(test_oversize),
    cmocka_unit_test(test_builders),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
