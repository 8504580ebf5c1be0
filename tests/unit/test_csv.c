/* SPDX-License-Identifier: MIT */
/*
 * test_csv.c: comma-separated lists (src/base/csv.c): trimming, empty
 * items, early stop, and exact membership (a prefix or a longer name is
 * not an item).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/csv.h"

/* Collects items as "[item]" into a buffer; stops at "stop". */
static int
collect(const char *item, size_t len, void *arg)
{
  char *out = arg;
  size_t n = strlen(out);

  if (len == 4 && memcmp(item, "stop", 4) == 0)
    return 7;
  snprintf(out + n, 256 - n, "[%.*s]", (int)len, item);
  return 0;
}

static void
test_each(void **state)
{
  char out[256] = "";

  (void)state;
  assert_int_equal(csv_each(" a, b ,,\tc\t,  ,d", collect, out), 0);
  assert_string_equal(out, "[a][b][c][d]");
  out[0] = '\0';
  assert_int_equal(csv_each("x,stop,y", collect, out), 7);
  assert_string_equal(out, "[x]");
  out[0] = '\0';
  assert_int_equal(csv_each(NULL, collect, out), 0);
  assert_int_equal(csv_each("", collect, out), 0);
  assert_int_equal(csv_each(" , ,", collect, out), 0);
  assert_string_equal(out, "");
}

static void
test_has(void **state)
{
  (void)state;
  assert_true(csv_has("age,gender,country", "gender", 6));
  assert_true(csv_has("age, gender ,country", "gender", 6));
  assert_true(csv_has("age,gender,country", "country", 7));
  assert_false(csv_has("age,gender,country", "gend", 4));
  assert_false(csv_has("age,gender,country", "genders", 7));
  assert_false(csv_has("age,gender,country", "city", 4));
  assert_false(csv_has(NULL, "age", 3));
  /* len bounds the name: "ageX" with len 3 is "age". */
  assert_true(csv_has("age", "ageX", 3));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_each),
    cmocka_unit_test(test_has),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
