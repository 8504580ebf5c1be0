/* SPDX-License-Identifier: MIT */
/*
 * test_graph_usage.c: rate-limit headers (src/graph/usage.c).  Real header
 * values from graph-api.md section 2.1, the graph.instagram.com key names,
 * several business use case entries, and garbage that must yield -1.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"

struct app_case {
  const char *header;
  int rc;
  int call_count, total_time, total_cputime;
};

static const struct app_case app_cases[] = {
  { "{\"call_count\":28,\"total_time\":25,\"total_cputime\":25}", 0, 28, 25,
    25 },
  { "{\"call_count\":2,\"total_cputime\":2,\"total_time\":2}", 0, 2, 2, 2 },
  { "{\"call_volume\":7,\"cpu_time\":3}", 0, 7, 0, 3 },          /* IG host */
  { "{\"call_volume\":0,\"cpu_time\":0}", 0, 0, 0, 0 },
  { "{\"call_count\":12.7}", 0, 12, 0, 0 },
  { "{\"call_count\":\"40\"}", 0, 40, 0, 0 },
  { "{\"call_count\":-5,\"total_time\":1}", 0, 0, 1, 0 },
  { "{\"call_count\":9999999999}", 0, INT_MAX, 0, 0 },
  { "{\"call_count\":1e300}", 0, INT_MAX, 0, 0 },
  { "{\"call_count\":99999999999999999999999}", -1, 0, 0, 0 },
  { "{\"call_count\":\"many\"}", -1, 0, 0, 0 },
  { "{}", -1, 0, 0, 0 },
  { "{\"x\":1}", -1, 0, 0, 0 },
  { "[]", -1, 0, 0, 0 },
  { "null", -1, 0, 0, 0 },
  { "", -1, 0, 0, 0 },
  { "call_count=28", -1, 0, 0, 0 },
  { "{\"call_count\":28", -1, 0, 0, 0 },
  { "{\"call_count\":28} trailing", -1, 0, 0, 0 },
  { "{\"call_count\":[28]}", -1, 0, 0, 0 },
  { "\xff\xfe", -1, 0, 0, 0 },
};

static void
test_app(void **state)
{
  for (size_t i = 0; i < sizeof(app_cases) / sizeof(app_cases[0]); i++) {
    const struct app_case *c = &app_cases[i];
    struct graph_usage u;
    int rc;

    memset(&u, 0, sizeof(u));
    u.has_app = 1; /* a failed parse must clear it */
    u.app_call_count = 77;
    rc = graph_usage_parse_app(c->header, &u);
    if (rc != c->rc)
      fail_msg("case %zu (%s): rc %d", i, c->header, rc);
    if (u.has_app != (rc == 0))
      fail_msg("case %zu: has_app %d", i, u.has_app);
    if (u.app_call_count != c->call_count ||
        u.app_total_time != c->total_time ||
        u.app_total_cputime != c->total_cputime)
      fail_msg("case %zu (%s): got %d/%d/%d", i, c->header, u.app_call_count,
               u.app_total_time, u.app_total_cputime);
    assert_int_equal(u.has_buc, 0);
  }
  assert_int_equal(graph_usage_parse_app(NULL, &(struct graph_usage){0}),
                   -1);
}

struct buc_case {
  const char *header;
  int rc;
  const char *id, *type;
  int call_count, total_time, total_cputime, regain;
};

static const struct buc_case buc_cases[] = {
  /* Recorded shape: the same usage reported under two ids. */
  { "{\"645699291956344\":[{\"type\":\"instagram\",\"call_count\":1,"
    "\"total_cputime\":1,\"total_time\":1,\"estimated_time_to_regain_access"
    "\":0}],\"17841472020051826\":[{\"type\":\"instagram\",\"call_count\":1,"
    "\"total_cputime\":1,\"total_time\":1,\"estimated_time_to_regain_access"
    "\":0}]}",
    0, "645699291956344", "instagram", 1, 1, 1, 0 },
  /* The busiest entry wins, whichever percentage is high. */
  { "{\"1\":[{\"type\":\"pages\",\"call_count\":10,\"total_cputime\":5,"
    "\"total_time\":5,\"estimated_time_to_regain_access\":0},{\"type\":"
    "\"messenger\",\"call_count\":3,\"total_cputime\":64,\"total_time\":2,"
    "\"estimated_time_to_regain_access\":0}],\"2\":[{\"type\":\"instagram\","
    "\"call_count\":50,\"total_cputime\":1,\"total_time\":1}]}",
    0, "1", "messenger", 3, 2, 64, 0 },
  /* Ties go to the longest wait. */
  { "{\"111\":[{\"type\":\"instagram\",\"call_count\":100,\"total_cputime\":"
    "20,\"total_time\":30,\"estimated_time_to_regain_access\":2}],\"222\":["
    "{\"type\":\"instagram\",\"call_count\":100,\"total_cputime\":20,"
    "\"total_time\":30,\"estimated_time_to_regain_access\":5}],\"333\":["
    "{\"type\":\"instagram\",\"call_count\":100,\"estimated_time_to_regain"
    "_access\":1}]}",
    0, "222", "instagram", 100, 30, 20, 5 },
  /* Junk entries beside a good one are skipped. */
  { "{\"x\":7,\"y\":[1,\"a\",null,{}],\"17841400000000001\":[{\"type\":"
    "\"instagram\",\"call_count\":9}]}",
    0, "17841400000000001", "instagram", 9, 0, 0, 0 },
  /* Long ids and types are cut; control bytes are replaced. */
  { "{\"1234567890123456789012345678901234567890\":[{\"type\":\"a\\tvery-"
    "long-type-name-indeed-yes\",\"call_count\":1}]}",
    0, "1234567890123456789012345678901", "a?very-long-type-name-i", 1, 0,
    0, 0 },
  /* Huge numbers clamp rather than wrap. */
  { "{\"1\":[{\"type\":\"instagram\",\"call_count\":4294967396,"
    "\"estimated_time_to_regain_access\":9223372036854775807}]}",
    0, "1", "instagram", INT_MAX, 0, 0, INT_MAX },
  { "{\"1\":[{\"type\":\"instagram\",\"call_count\":"
    "123456789012345678901234567890}]}", -1, "", "", 0, 0, 0, 0 },
  { "{\"1\":[]}", -1, "", "", 0, 0, 0, 0 },
  { "{\"1\":[{\"type\":\"instagram\"}]}", -1, "", "", 0, 0, 0, 0 },
  { "{\"1\":{\"call_count\":5}}", -1, "", "", 0, 0, 0, 0 },
  { "{}", -1, "", "", 0, 0, 0, 0 },
  { "[{\"call_count\":5}]", -1, "", "", 0, 0, 0, 0 },
  { "not json at all", -1, "", "", 0, 0, 0, 0 },
  { "", -1, "", "", 0, 0, 0, 0 },
};

static void
test_buc(void **state)
{
  for (size_t i = 0; i < sizeof(buc_cases) / sizeof(buc_cases[0]); i++) {
    const struct buc_case *c = &buc_cases[i];
    struct graph_usage u;
    int rc;

    memset(&u, 0, sizeof(u));
    u.has_buc = 1;
    u.buc_regain_minutes = 99;
    rc = graph_usage_parse_buc(c->header, &u);
    if (rc != c->rc)
      fail_msg("case %zu: rc %d", i, rc);
    if (u.has_buc != (rc == 0))
      fail_msg("case %zu: has_buc %d", i, u.has_buc);
    if (strcmp(u.buc_id, c->id) != 0 || strcmp(u.buc_type, c->type) != 0)
      fail_msg("case %zu: id \"%s\" type \"%s\"", i, u.buc_id, u.buc_type);
    if (u.buc_call_count != c->call_count ||
        u.buc_total_time != c->total_time ||
        u.buc_total_cputime != c->total_cputime ||
        u.buc_regain_minutes != c->regain)
      fail_msg("case %zu: got %d/%d/%d regain %d", i, u.buc_call_count,
               u.buc_total_time, u.buc_total_cputime, u.buc_regain_minutes);
  }
}

/* Deep nesting, a long header and random bytes must not crash. */
static void
test_garbage(void **state)
{
  size_t n = 200000;
  char *deep = malloc(n + 1);
  struct graph_usage u;
  unsigned seed = 12345;

  memset(deep, '[', n);
  deep[n] = '\0';
  memset(&u, 0, sizeof(u));
  assert_int_equal(graph_usage_parse_app(deep, &u), -1);
  assert_int_equal(graph_usage_parse_buc(deep, &u), -1);
  memset(deep, '{', n);
  assert_int_equal(graph_usage_parse_buc(deep, &u), -1);
  for (int round = 0; round < 2000; round++) {
    size_t len = (size_t)(rand_r(&seed) % 64);
    for (size_t i = 0; i < len; i++)
      deep[i] = "{}[]\":,0123456789abcdefcall_count\\ "[rand_r(&seed) % 36];
    deep[len] = '\0';
    graph_usage_parse_app(deep, &u);
    graph_usage_parse_buc(deep, &u);
    assert_true(u.has_app == 0 || u.has_app == 1);
    assert_true(u.app_call_count >= 0 && u.buc_call_count >= 0);
  }
  free(deep);
}

static void
test_max_and_json(void **state)
{
  struct graph_usage u;
  json_t *j, *app, *buc;

  memset(&u, 0, sizeof(u));
  assert_int_equal(graph_usage_max_pct(&u), 0);
  assert_null(graph_usage_json(&u));

  assert_int_equal(graph_usage_parse_app(
      "{\"call_count\":28,\"total_time\":25,\"total_cputime\":31}", &u), 0);
  assert_int_equal(graph_usage_max_pct(&u), 31);
  j = graph_usage_json(&u);
  assert_non_null(j);
  assert_null(json_object_get(j, "business_use_case"));
  app = json_object_get(j, "app");
  assert_int_equal(json_integer_value(json_object_get(app, "call_count")),
                   28);
  assert_int_equal(json_integer_value(json_object_get(app, "total_time")),
                   25);
  assert_int_equal(json_integer_value(json_object_get(app,
                                                      "total_cputime")), 31);
  assert_int_equal(json_object_size(app), 3);
  json_decref(j);

  assert_int_equal(graph_usage_parse_buc(
      "{\"17841400000000001\":[{\"type\":\"instagram\",\"call_count\":100,"
      "\"total_cputime\":20,\"total_time\":30,"
      "\"estimated_time_to_regain_access\":5}]}", &u), 0);
  assert_int_equal(u.has_app, 1); /* parsing BUC keeps the app part */
  assert_int_equal(graph_usage_max_pct(&u), 100);
  j = graph_usage_json(&u);
  buc = json_object_get(j, "business_use_case");
  assert_non_null(json_object_get(j, "app"));
  assert_string_equal(json_string_value(json_object_get(buc, "id")),
                      "17841400000000001");
  assert_string_equal(json_string_value(json_object_get(buc, "type")),
                      "instagram");
  assert_int_equal(json_integer_value(json_object_get(buc, "call_count")),
                   100);
  assert_int_equal(json_integer_value(json_object_get(buc, "total_time")),
                   30);
  assert_int_equal(json_integer_value(json_object_get(buc,
                                                      "total_cputime")), 20);
  assert_int_equal(json_integer_value(json_object_get(
      buc, "estimated_time_to_regain_access_minutes")), 5);
  json_decref(j);

  /* BUC only. */
  assert_int_equal(graph_usage_parse_app("garbage", &u), -1);
  j = graph_usage_json(&u);
  assert_null(json_object_get(j, "app"));
  assert_non_null(json_object_get(j, "business_use_case"));
  json_decref(j);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_app),
    cmocka_unit_test(test_buc),
    cmocka_unit_test(test_garbage),
    cmocka_unit_test(test_max_and_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
