/* SPDX-License-Identifier: MIT */
/*
 * schema_util.c: what schema_check and schema_validate share: JSON
 * Pointers and the "<pointer>: <rule>" messages, number comparison, value
 * equality (1 equals 1.0), duplicate detection by hashing, and the depth
 * and length counts.  Nothing here keeps state.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "mcp/schema.h"
#include "mcp/schema_int.h"

/* ------------------------------------------------------------------ */
/* JSON Pointers and messages                                          */
/* ------------------------------------------------------------------ */

void
schema__path_key(struct path *p, const char *key)
{
  if (p->n < PATH_MAX_SEGS) {
    p->segs[p->n].key = key;
    p->segs[p->n].idx = 0;
    p->n++;
  } else {
    p->overflow++;
  }
}

void
schema__path_idx(struct path *p, size_t idx)
{
  if (p->n < PATH_MAX_SEGS) {
    p->segs[p->n].key = NULL;
    p->segs[p->n].idx = idx;
    p->n++;
  } else {
    p->overflow++;
  }
}

void
schema__path_pop(struct path *p)
{
  if (p->overflow > 0)
    p->overflow--;
  else if (p->n > 0)
    p->n--;
}

/* Appends the pointer with RFC 6901 escaping (~ as ~0, / as ~1).  The root
 * is written "/" rather than the empty string, so that a message never
 * starts with ": ". */
static void
path_render(const struct path *p, struct buf *b)
{
  if (p->n == 0 && p->overflow == 0) {
    buf_putc(b, '/');
    return;
  }
  for (int i = 0; i < p->n; i++) {
    buf_putc(b, '/');
    if (p->segs[i].key == NULL) {
      buf_printf(b, "%zu", p->segs[i].idx);
      continue;
    }
    for (const char *k = p->segs[i].key; *k != '\0'; k++) {
      if (*k == '~')
        buf_puts(b, "~0");
      else if (*k == '/')
        buf_puts(b, "~1");
      else
        buf_putc(b, *k);
    }
  }
  if (p->overflow > 0)
    buf_puts(b, "/...");
}

/* Stores s in e->msg.  Text that does not fit is cut at a UTF-8 character
 * boundary and ends in "...", so the message stays valid UTF-8. */
int
schema__set_msg(struct err *e, int code, const char *s)
{
  char out[sizeof(((struct err *)0)->msg)];
  size_t n = strlen(s);

  if (n >= sizeof(out)) {
    n = sizeof(out) - 4;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
      n--;
    memcpy(out, s, n);
    memcpy(out + n, "...", 4);
  } else {
    memcpy(out, s, n + 1);
  }
  return err_set(e, code, "%s", out);
}

/* Fails with "<pointer>: <rule>" and returns code. */

int
schema__fail(const struct path *p, struct err *e, int code,
             const char *fmt, ...)
{
  char rule[2048];
  struct buf b;
  va_list ap;
  int rc;

  va_start(ap, fmt);
  vsnprintf(rule, sizeof(rule), fmt, ap);
  va_end(ap);
  buf_init(&b, MSG_BUF_MAX);
  path_render(p, &b);
  buf_puts(&b, ": ");
  buf_puts(&b, rule);
  rc = schema__set_msg(e, code, buf_cstr(&b));
  buf_free(&b);
  return rc;
}

/* The JSON Schema type name of a value ("number" for a non-integer). */
const char *
schema__type_name(const json_t *v)
{
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "object";
  case JSON_ARRAY:
    return "array";
  case JSON_STRING:
    return "string";
  case JSON_INTEGER:
    return "integer";
  case JSON_REAL:
    return "number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "boolean";
  case JSON_NULL:
    return "null";
  }
  return "unknown";
}

int
schema__is_integral(double d)
{
  return isfinite(d) && floor(d) == d;
}

/* Writes a number the short way: integers as is, reals with the fewest
 * digits that read back as the same double (5.0 as "5"). */
void
schema__fmt_num(const json_t *v, char *out, size_t len)
{
  double d;

  if (json_is_integer(v)) {
    snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return;
  }
  d = json_real_value(v);
  if (schema__is_integral(d) && fabs(d) < 1e15) {
    snprintf(out, len, "%.0f", d);
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(out, len, "%.*g", prec, d);
    if (strtod(out, NULL) == d)
      return;
  }
}

/* Appends v as compact JSON, at most max bytes of it. */
void
schema__put_value(struct buf *b, const json_t *v, size_t max)
{
  char num[64];
  char *s;
  size_t n;

  if (json_is_number(v)) {
    schema__fmt_num(v, num, sizeof(num));
    buf_puts(b, num);
    return;
  }
  s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  if (s == NULL)
    return;
  n = strlen(s);
  if (n > max) {
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
      n--;
    buf_append(b, s, n);
    buf_puts(b, "...");
  } else {
    buf_append(b, s, n);
  }
  free(s);
}

/* ------------------------------------------------------------------ */
/* Numbers, equality, hashing                                          */
/* ------------------------------------------------------------------ */

/* Compares an integer with a double exactly, without rounding the integer
 * through a double. */
static int
cmp_int_real(json_int_t i, double d)
{
  json_int_t t;
  double frac;

  if (d >= TWO63)
    return -1;
  if (d < -TWO63)
    return 1;
  t = (json_int_t)d; /* truncates toward zero; in range */
  if (i != t)
    return i < t ? -1 : 1;
  frac = d - (double)t;
  if (frac > 0)
    return -1;
  if (frac < 0)
    return 1;
  return 0;
}

/* Orders two JSON numbers by value: -1, 0 or 1. */
int
schema__num_cmp(const json_t *a, const json_t *b)
{
  if (json_is_integer(a) && json_is_integer(b)) {
    json_int_t x = json_integer_value(a), y = json_integer_value(b);
    return x < y ? -1 : x > y;
  }
  if (json_is_real(a) && json_is_real(b)) {
    double x = json_real_value(a), y = json_real_value(b);
    return x < y ? -1 : x > y;
  }
  if (json_is_integer(a))
    return cmp_int_real(json_integer_value(a), json_real_value(b));
  return -cmp_int_real(json_integer_value(b), json_real_value(a));
}

/* Deep equality as JSON Schema defines it for enum, const and uniqueItems:
 * numbers compare by value (1 equals 1.0), object key order does not
 * matter, and true is not 1.  depth bounds the recursion. */
int
schema__values_equal(const json_t *a, const json_t *b, int depth)
{
  const char *key;
  json_t *av;
  size_t i;

  if (depth > EQ_MAX_DEPTH)
    return 0;
  if (json_is_number(a) && json_is_number(b))
    return schema__num_cmp(a, b) == 0;
  if (json_typeof(a) != json_typeof(b))
    return 0;
  switch (json_typeof(a)) {
  case JSON_OBJECT:
    if (json_object_size(a) != json_object_size(b))
      return 0;
    OBJ_FOREACH(a, key, av) {
      const json_t *bv = json_object_get(b, key);
      if (bv == NULL || !schema__values_equal(av, bv, depth + 1))
        return 0;
    }
    return 1;
  case JSON_ARRAY:
    if (json_array_size(a) != json_array_size(b))
      return 0;
    for (i = 0; i < json_array_size(a); i++)
      if (!schema__values_equal(json_array_get(a, i), json_array_get(b, i),
                        depth + 1))
        return 0;
    return 1;
  case JSON_STRING:
    return json_string_length(a) == json_string_length(b) &&
           memcmp(json_string_value(a), json_string_value(b),
                  json_string_length(a)) == 0;
  default:
    return 1; /* true, false, null: the type says it all */
  }
}

static uint64_t
mix64(uint64_t x)
{
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static uint64_t
hash_bytes(const char *s, size_t n)
{
  uint64_t h = 0xcbf29ce484222325ULL;

  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ULL;
  }
  return mix64(h ^ n);
}

/* A hash that agrees with values_equal: equal values hash alike (1 and
 * 1.0 included; object members are summed so key order does not count). */
static uint64_t
value_hash(const json_t *v, int depth)
{
  const char *key;
  json_t *m;
  uint64_t h, bits;
  double d;

  if (depth > EQ_MAX_DEPTH)
    return 0;
  switch (json_typeof(v)) {
  case JSON_INTEGER:
    return mix64((uint64_t)json_integer_value(v));
  case JSON_REAL:
    d = json_real_value(v);
    if (schema__is_integral(d) && d >= -TWO63 && d < TWO63)
      return mix64((uint64_t)(json_int_t)d);
    memcpy(&bits, &d, sizeof(bits));
    return mix64(bits ^ 0x2545f4914f6cdd1dULL);
  case JSON_STRING:
    return hash_bytes(json_string_value(v), json_string_length(v));
  case JSON_ARRAY:
    h = 0x41;
    for (size_t i = 0; i < json_array_size(v); i++)
      h = mix64(h * 31 + value_hash(json_array_get(v, i), depth + 1));
    return h;
  case JSON_OBJECT:
    h = 0x4f + json_object_size(v);
    OBJ_FOREACH(v, key, m)
      h += mix64(hash_bytes(key, strlen(key)) ^
                 (value_hash(m, depth + 1) * 0x9e3779b97f4a7c15ULL));
    return mix64(h);
  case JSON_TRUE:
    return mix64(0x54);
  case JSON_FALSE:
    return mix64(0x46);
  case JSON_NULL:
    return mix64(0x4e);
  }
  return 0;
}

struct hashed {
  uint64_t h;
  size_t i;
};

static int
hashed_cmp(const void *pa, const void *pb)
{
  const struct hashed *a = pa, *b = pb;

  if (a->h != b->h)
    return a->h < b->h ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

/* Looks for two equal items in arr in O(n log n): items are sorted by
 * hash and only equal hashes are compared.  Returns 1 with the pair whose
 * later index is smallest (so the answer is the same on every run). */
int
schema__find_duplicate(const json_t *arr, size_t *first, size_t *second)
{
  size_t n = json_array_size(arr), best_i = 0, best_j = SIZE_MAX;
  struct hashed *hs;

  if (n < 2)
    return 0;
  hs = xmalloc(n * sizeof(*hs));
  for (size_t i = 0; i < n; i++) {
    hs[i].h = value_hash(json_array_get(arr, i), 0);
    hs[i].i = i;
  }
  qsort(hs, n, sizeof(*hs), hashed_cmp);
  for (size_t lo = 0; lo < n;) {
    size_t hi = lo + 1;
    while (hi < n && hs[hi].h == hs[lo].h)
      hi++;
    /* Within a run indexes ascend, so the first match found for a given
     * later item pairs it with its earliest equal. */
    for (size_t b = lo + 1; b < hi && hs[b].i < best_j; b++)
      for (size_t a = lo; a < b; a++)
        if (schema__values_equal(json_array_get(arr, hs[a].i),
                         json_array_get(arr, hs[b].i), 0)) {
          best_i = hs[a].i;
          best_j = hs[b].i;
          break;
        }
    lo = hi;
  }
  free(hs);
  if (best_j == SIZE_MAX)
    return 0;
  *first = best_i;
  *second = best_j;
  return 1;
}

/* Returns 1 when v has at most max nested arrays/objects. */
int
schema__depth_ok(const json_t *v, int max)
{
  const char *key;
  json_t *m;

  if (!json_is_object(v) && !json_is_array(v))
    return 1;
  if (max <= 0)
    return 0;
  if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++)
      if (!schema__depth_ok(json_array_get(v, i), max - 1))
        return 0;
    return 1;
  }
  OBJ_FOREACH(v, key, m)
    if (!schema__depth_ok(m, max - 1))
      return 0;
  return 1;
}

/* Number of code points in s[0..n); each byte that does not continue a
 * UTF-8 sequence starts one. */
size_t
schema__count_code_points(const char *s, size_t n)
{
  size_t cps = 0;

  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xc0) != 0x80)
      cps++;
  return cps;
}

/* Reads a non-negative integer keyword value (5 or 5.0). */
int
schema__count_value(const json_t *v, size_t *out)
{
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (size_t)json_integer_value(v);
    return 1;
  }
  if (json_is_real(v) && schema__is_integral(json_real_value(v)) &&
      json_real_value(v) >= 0) {
    double d = json_real_value(v);
    *out = d >= TWO64 ? SIZE_MAX : (size_t)d;
    return 1;
  }
  return 0;
}
