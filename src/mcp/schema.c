/* SPDX-License-Identifier: MIT */
/*
 * schema.c: a validator for the subset of JSON Schema 2020-12 that igmcp's
 * tool schemas use.  schema_check() runs once per schema at start-up and
 * rejects anything outside the subset; schema_validate() then checks tool
 * arguments (and results) and explains the first failure as
 * "<JSON Pointer>: <rule>", in words a language model can act on.
 *
 * Ownership: schemas and instances are borrowed for the length of a call
 * and never retained.  The module owns one thing, a mutex-protected cache
 * of compiled `pattern` regexes keyed by the pattern text, which
 * schema_cleanup() frees.  Every recursion is bounded: schemas may nest
 * subschemas SCHEMA_MAX_DEPTH deep, and instances with more than
 * SCHEMA_MAX_DEPTH nested arrays/objects are refused before any keyword is
 * looked at.  Messages are cut to fit struct err at a UTF-8 boundary, so
 * they can always be put into a JSON string.
 */
#include "mcp/schema.h"
#include "mcp/schema_int.h"

#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

#define DIALECT_URI "https://json-schema.org/draft/2020-12/schema"

#define PATH_MAX_SEGS (SCHEMA_MAX_DEPTH + 8)
#define EQ_MAX_DEPTH (2 * SCHEMA_MAX_DEPTH + 8)
#define MSG_BUF_MAX 8192


#define TWO63 9223372036854775808.0
#define TWO64 18446744073709551616.0

/* jansson's iteration macro takes a non-const object; we only read. */
#define OBJ_FOREACH(obj, key, val) \
  json_object_foreach((json_t *)(obj), key, val)

/* ------------------------------------------------------------------ */
/* JSON Pointers and messages                                          */
/* ------------------------------------------------------------------ */

/* One step of a JSON Pointer: an object key (borrowed) or an index. */
struct seg {
  const char *key; /* NULL for an array index */
  size_t idx;
};

/* The pointer of the value being looked at, as a stack of steps. */
struct path {
  struct seg segs[PATH_MAX_SEGS];
  int n;
  int overflow; /* pushes past PATH_MAX_SEGS, not recorded */
};

static void
path_key(struct path *p, const char *key)
{
  if (p->n < PATH_MAX_SEGS) {
    p->segs[p->n].key = key;
    p->segs[p->n].idx = 0;
    p->n++;
  } else {
    p->overflow++;
  }
}

static void
path_idx(struct path *p, size_t idx)
{
  if (p->n < PATH_MAX_SEGS) {
    p->segs[p->n].key = NULL;
    p->segs[p->n].idx = idx;
    p->n++;
  } else {
    p->overflow++;
  }
}

static void
path_pop(struct path *p)
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
static int
set_msg(struct err *e, int code, const char *s)
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
static int fail(const struct path *p, struct err *e, int code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
fail(const struct path *p, struct err *e, int code, const char *fmt, ...)
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
  rc = set_msg(e, code, buf_cstr(&b));
  buf_free(&b);
  return rc;
}

/* The JSON Schema type name of a value ("number" for a non-integer). */
static const char *
type_name(const json_t *v)
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

static int
is_integral(double d)
{
  return isfinite(d) && floor(d) == d;
}

/* Writes a number the short way: integers as is, reals with the fewest
 * digits that read back as the same double (5.0 as "5"). */
static void
fmt_num(const json_t *v, char *out, size_t len)
{
  double d;

  if (json_is_integer(v)) {
    snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return;
  }
  d = json_real_value(v);
  if (is_integral(d) && fabs(d) < 1e15) {
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
static void
put_value(struct buf *b, const json_t *v, size_t max)
{
  char num[64];
  char *s;
  size_t n;

  if (json_is_number(v)) {
    fmt_num(v, num, sizeof(num));
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
static int
num_cmp(const json_t *a, const json_t *b)
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
static int
values_equal(const json_t *a, const json_t *b, int depth)
{
  const char *key;
  json_t *av;
  size_t i;

  if (depth > EQ_MAX_DEPTH)
    return 0;
  if (json_is_number(a) && json_is_number(b))
    return num_cmp(a, b) == 0;
  if (json_typeof(a) != json_typeof(b))
    return 0;
  switch (json_typeof(a)) {
  case JSON_OBJECT:
    if (json_object_size(a) != json_object_size(b))
      return 0;
    OBJ_FOREACH(a, key, av) {
      const json_t *bv = json_object_get(b, key);
      if (bv == NULL || !values_equal(av, bv, depth + 1))
        return 0;
    }
    return 1;
  case JSON_ARRAY:
    if (json_array_size(a) != json_array_size(b))
      return 0;
    for (i = 0; i < json_array_size(a); i++)
      if (!values_equal(json_array_get(a, i), json_array_get(b, i),
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
    if (is_integral(d) && d >= -TWO63 && d < TWO63)
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
static int
find_duplicate(const json_t *arr, size_t *first, size_t *second)
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
        if (values_equal(json_array_get(arr, hs[a].i),
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
static int
depth_ok(const json_t *v, int max)
{
  const char *key;
  json_t *m;

  if (!json_is_object(v) && !json_is_array(v))
    return 1;
  if (max <= 0)
    return 0;
  if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++)
      if (!depth_ok(json_array_get(v, i), max - 1))
        return 0;
    return 1;
  }
  OBJ_FOREACH(v, key, m)
    if (!depth_ok(m, max - 1))
      return 0;
  return 1;
}

/* Number of code points in s[0..n); each byte that does not continue a
 * UTF-8 sequence starts one. */
static size_t
count_code_points(const char *s, size_t n)
{
  size_t cps = 0;

  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xc0) != 0x80)
      cps++;
  return cps;
}

/* Reads a non-negative integer keyword value (5 or 5.0). */
static int
count_value(const json_t *v, size_t *out)
{
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (size_t)json_integer_value(v);
    return 1;
  }
  if (json_is_real(v) && is_integral(json_real_value(v)) &&
      json_real_value(v) >= 0) {
    double d = json_real_value(v);
    *out = d >= TWO64 ? SIZE_MAX : (size_t)d;
    return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* schema_check                                                        */
/* ------------------------------------------------------------------ */

enum kw_kind {
  KW_TYPE,        /* a type name or an array of them */
  KW_PROPERTIES,  /* object of subschemas */
  KW_REQUIRED,    /* array of unique strings */
  KW_SUBSCHEMA,   /* one subschema (object or boolean) */
  KW_SCHEMA_LIST, /* non-empty array of subschemas */
  KW_ENUM,        /* non-empty array of distinct values */
  KW_ANY,         /* any value */
  KW_NUMBER,      /* a number */
  KW_COUNT,       /* a non-negative integer */
  KW_PATTERN,     /* a pattern in our subset */
  KW_FORMAT,      /* a format we implement */
  KW_BOOL,        /* true or false */
  KW_STRING,      /* a string */
  KW_ARRAY,       /* an array of values */
  KW_DIALECT,     /* $schema */
};

static const struct keyword {
  const char *name;
  enum kw_kind kind;
} keywords[] = {
  { "type", KW_TYPE },
  { "properties", KW_PROPERTIES },
  { "required", KW_REQUIRED },
  { "additionalProperties", KW_SUBSCHEMA },
  { "enum", KW_ENUM },
  { "const", KW_ANY },
  { "minimum", KW_NUMBER },
  { "maximum", KW_NUMBER },
  { "exclusiveMinimum", KW_NUMBER },
  { "exclusiveMaximum", KW_NUMBER },
  { "minLength", KW_COUNT },
  { "maxLength", KW_COUNT },
  { "x-maxBytes", KW_COUNT },
  { "pattern", KW_PATTERN },
  { "format", KW_FORMAT },
  { "items", KW_SUBSCHEMA },
  { "minItems", KW_COUNT },
  { "maxItems", KW_COUNT },
  { "uniqueItems", KW_BOOL },
  { "anyOf", KW_SCHEMA_LIST },
  { "oneOf", KW_SCHEMA_LIST },
  { "default", KW_ANY },
  { "examples", KW_ARRAY },
  { "description", KW_STRING },
  { "title", KW_STRING },
  { "$comment", KW_STRING },
  { "$schema", KW_DIALECT },
};

static const char *const type_names[] = {
  "string", "integer", "number", "boolean", "object", "array", "null",
};

static const struct keyword *
find_keyword(const char *name)
{
  for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
    if (strcmp(keywords[i].name, name) == 0)
      return &keywords[i];
  return NULL;
}

/* State of one schema_check call. */
struct cctx {
  struct path path;
  struct err *e;
};

static int check_node(struct cctx *c, const json_t *s, int depth);

static int
known_type(const json_t *t)
{
  if (!json_is_string(t))
    return 0;
  for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
    if (strcmp(json_string_value(t), type_names[i]) == 0)
      return 1;
  return 0;
}

static int
check_type(struct cctx *c, const json_t *v)
{
  static const char *const want =
      "must be one of \"string\", \"integer\", \"number\", \"boolean\", "
      "\"object\", \"array\", \"null\", or an array of them";
  size_t i, j;

  if (json_is_string(v))
    return known_type(v) ? 0 : fail(&c->path, c->e, ERR_INVALID, "%s",
                                    want);
  if (!json_is_array(v) || json_array_size(v) == 0)
    return fail(&c->path, c->e, ERR_INVALID, "%s", want);
  for (i = 0; i < json_array_size(v); i++) {
    const json_t *t = json_array_get(v, i);
    int rc = 0;
    path_idx(&c->path, i);
    if (!known_type(t))
      rc = fail(&c->path, c->e, ERR_INVALID, "%s", want);
    for (j = 0; rc == 0 && j < i; j++)
      if (json_equal(t, json_array_get(v, j)))
        rc = fail(&c->path, c->e, ERR_INVALID, "duplicate type name");
    path_pop(&c->path);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* Checks one keyword's value; the path already ends with the keyword. */
static int
check_keyword(struct cctx *c, const struct keyword *kw, const json_t *v,
              int depth)
{
  const char *key;
  json_t *m;
  size_t i, j, count;
  char why[256];
  int rc = 0, owned;
  regex_t *re;

  switch (kw->kind) {
  case KW_TYPE:
    return check_type(c, v);
  case KW_PROPERTIES:
    if (!json_is_object(v))
      return fail(&c->path, c->e, ERR_INVALID,
                  "must be an object mapping property names to schemas");
    OBJ_FOREACH(v, key, m) {
      path_key(&c->path, key);
      rc = check_node(c, m, depth + 1);
      path_pop(&c->path);
      if (rc != 0)
        return rc;
    }
    return 0;
  case KW_REQUIRED:
    if (!json_is_array(v))
      return fail(&c->path, c->e, ERR_INVALID,
                  "must be an array of property names");
    for (i = 0; rc == 0 && i < json_array_size(v); i++) {
      path_idx(&c->path, i);
      if (!json_is_string(json_array_get(v, i)))
        rc = fail(&c->path, c->e, ERR_INVALID, "must be a string");
      for (j = 0; rc == 0 && j < i; j++)
        if (json_equal(json_array_get(v, i), json_array_get(v, j)))
          rc = fail(&c->path, c->e, ERR_INVALID, "duplicate name");
      path_pop(&c->path);
    }
    return rc;
  case KW_SUBSCHEMA:
    if (json_is_array(v))
      return fail(&c->path, c->e, ERR_INVALID,
                  "the array (tuple) form is not supported; give one "
                  "schema");
    return check_node(c, v, depth + 1);
  case KW_SCHEMA_LIST:
    if (!json_is_array(v) || json_array_size(v) == 0)
      return fail(&c->path, c->e, ERR_INVALID,
                  "must be a non-empty array of schemas");
    for (i = 0; rc == 0 && i < json_array_size(v); i++) {
      path_idx(&c->path, i);
      rc = check_node(c, json_array_get(v, i), depth + 1);
      path_pop(&c->path);
    }
    return rc;
  case KW_ENUM:
    if (!json_is_array(v) || json_array_size(v) == 0)
      return fail(&c->path, c->e, ERR_INVALID,
                  "must be a non-empty array of values");
    for (i = 0; rc == 0 && i < json_array_size(v); i++) {
      const json_t *x = json_array_get(v, i);
      path_idx(&c->path, i);
      if (!depth_ok(x, SCHEMA_MAX_DEPTH))
        rc = fail(&c->path, c->e, ERR_INVALID, "value nested deeper than "
                  "%d", SCHEMA_MAX_DEPTH);
      for (j = 0; rc == 0 && j < i; j++)
        if (values_equal(x, json_array_get(v, j), 0))
          rc = fail(&c->path, c->e, ERR_INVALID,
                    "duplicate of value %zu", j);
      path_pop(&c->path);
    }
    return rc;
  case KW_ANY:
    if (!depth_ok(v, SCHEMA_MAX_DEPTH))
      return fail(&c->path, c->e, ERR_INVALID, "value nested deeper than %d",
                  SCHEMA_MAX_DEPTH);
    return 0;
  case KW_ARRAY:
    if (!json_is_array(v))
      return fail(&c->path, c->e, ERR_INVALID, "must be an array");
    if (!depth_ok(v, SCHEMA_MAX_DEPTH))
      return fail(&c->path, c->e, ERR_INVALID, "value nested deeper than %d",
                  SCHEMA_MAX_DEPTH);
    return 0;
  case KW_NUMBER:
    if (!json_is_number(v))
      return fail(&c->path, c->e, ERR_INVALID, "must be a number");
    return 0;
  case KW_COUNT:
    if (!count_value(v, &count))
      return fail(&c->path, c->e, ERR_INVALID,
                  "must be a non-negative integer");
    return 0;
  case KW_BOOL:
    if (!json_is_boolean(v))
      return fail(&c->path, c->e, ERR_INVALID, "must be true or false");
    return 0;
  case KW_STRING:
    if (!json_is_string(v))
      return fail(&c->path, c->e, ERR_INVALID, "must be a string");
    return 0;
  case KW_DIALECT:
    if (depth != 0)
      return fail(&c->path, c->e, ERR_INVALID,
                  "only allowed in the root schema");
    if (!json_is_string(v) || strcmp(json_string_value(v), DIALECT_URI) != 0)
      return fail(&c->path, c->e, ERR_INVALID,
                  "only \"" DIALECT_URI "\" is supported");
    return 0;
  case KW_FORMAT:
    if (!json_is_string(v) || schema__find_format(json_string_value(v)) == NULL)
      return fail(&c->path, c->e, ERR_INVALID,
                  "unsupported format; supported: \"date-time\", \"uri\"");
    return 0;
  case KW_PATTERN:
    if (!json_is_string(v))
      return fail(&c->path, c->e, ERR_INVALID, "must be a string");
    re = schema__rx_get(json_string_value(v), &owned, why, sizeof(why));
    if (re == NULL)
      return fail(&c->path, c->e, ERR_INVALID,
                  "outside the supported regex subset: %s", why);
    if (owned) {
      regfree(re);
      free(re);
    }
    return 0;
  }
  return 0;
}

/* Fails at /kw when both bounds are present and lo > hi. */
static int
check_bounds(struct cctx *c, const json_t *s, const char *lo_kw,
             const char *hi_kw, int numeric)
{
  const json_t *lo = json_object_get(s, lo_kw);
  const json_t *hi = json_object_get(s, hi_kw);
  size_t a, b;
  int bad, rc;

  if (lo == NULL || hi == NULL)
    return 0;
  if (numeric)
    bad = num_cmp(lo, hi) > 0;
  else
    bad = count_value(lo, &a) && count_value(hi, &b) && a > b;
  if (!bad)
    return 0;
  path_key(&c->path, lo_kw);
  rc = fail(&c->path, c->e, ERR_INVALID,
            "is greater than %s, so no value could pass", hi_kw);
  path_pop(&c->path);
  return rc;
}

/* Checks rules that involve more than one keyword. */
static int
check_combinations(struct cctx *c, const json_t *s)
{
  const json_t *req = json_object_get(s, "required");
  const json_t *props = json_object_get(s, "properties");
  int rc;

  if (json_is_false(json_object_get(s, "additionalProperties"))) {
    for (size_t i = 0; i < json_array_size(req); i++) {
      const char *name = json_string_value(json_array_get(req, i));
      if (props != NULL && json_object_get(props, name) != NULL)
        continue;
      path_key(&c->path, "required");
      path_idx(&c->path, i);
      rc = fail(&c->path, c->e, ERR_INVALID,
                "\"%s\" is required but not listed in properties, and "
                "additionalProperties is false, so no object could pass",
                name);
      path_pop(&c->path);
      path_pop(&c->path);
      return rc;
    }
  }
  if ((rc = check_bounds(c, s, "minimum", "maximum", 1)) != 0 ||
      (rc = check_bounds(c, s, "minLength", "maxLength", 0)) != 0 ||
      (rc = check_bounds(c, s, "minItems", "maxItems", 0)) != 0)
    return rc;
  return 0;
}

/* Checks one (sub)schema: a boolean, or an object of known keywords. */
static int
check_node(struct cctx *c, const json_t *s, int depth)
{
  const char *key;
  json_t *v;
  int rc;

  if (json_is_boolean(s))
    return 0;
  if (!json_is_object(s))
    return fail(&c->path, c->e, ERR_INVALID,
                "a schema must be an object or a boolean, got %s",
                type_name(s));
  if (depth > SCHEMA_MAX_DEPTH)
    return fail(&c->path, c->e, ERR_INVALID,
                "subschemas nested deeper than %d", SCHEMA_MAX_DEPTH);
  OBJ_FOREACH(s, key, v) {
    const struct keyword *kw = find_keyword(key);
    path_key(&c->path, key);
    if (kw == NULL)
      rc = fail(&c->path, c->e, ERR_INVALID,
                "unknown keyword; igmcp supports only type, properties, "
                "required, additionalProperties, enum, const, minimum, "
                "maximum, exclusiveMinimum, exclusiveMaximum, minLength, "
                "maxLength, x-maxBytes, pattern, format, items, minItems, "
                "maxItems, uniqueItems, anyOf, oneOf, default, examples, "
                "description, title, $comment, $schema");
    else
      rc = check_keyword(c, kw, v, depth);
    path_pop(&c->path);
    if (rc != 0)
      return rc;
  }
  return check_combinations(c, s);
}

int
schema_check(const json_t *schema, struct err *e)
{
  struct cctx c;

  memset(&c, 0, sizeof(c));
  c.e = e;
  if (schema == NULL)
    return err_set(e, ERR_INVALID, "/: no schema");
  return check_node(&c, schema, 0);
}

/* ------------------------------------------------------------------ */
/* schema_validate                                                     */
/* ------------------------------------------------------------------ */

/* State of one schema_validate call. */
struct vctx {
  struct path path;
  struct err *e; /* where failures go; swapped while trying anyOf/oneOf */
};

static int validate_node(struct vctx *c, const json_t *s, const json_t *v,
                         int level);

/* Reports a keyword that schema_check would have refused. */
static int
bad_schema(struct vctx *c, const char *kw)
{
  return fail(&c->path, c->e, ERR_INTERNAL,
              "the schema's \"%s\" keyword is malformed (the schema did not "
              "pass schema_check)", kw);
}

/* Refuses an instance with more than SCHEMA_MAX_DEPTH nested containers,
 * naming the first too-deep one.  Recursion stops one level past the
 * limit; depth is the nesting of v (1 for a root container). */
static int
check_instance_depth(struct vctx *c, const json_t *v, int depth)
{
  const char *key;
  json_t *m;
  int rc;

  if (!json_is_object(v) && !json_is_array(v))
    return 0;
  if (depth > SCHEMA_MAX_DEPTH)
    return fail(&c->path, c->e, ERR_INVALID, "nesting deeper than %d",
                SCHEMA_MAX_DEPTH);
  if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++) {
      path_idx(&c->path, i);
      rc = check_instance_depth(c, json_array_get(v, i), depth + 1);
      path_pop(&c->path);
      if (rc != 0)
        return rc;
    }
    return 0;
  }
  OBJ_FOREACH(v, key, m) {
    path_key(&c->path, key);
    rc = check_instance_depth(c, m, depth + 1);
    path_pop(&c->path);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* 1 when v has the named type, 0 when not, -1 for an unknown name.
 * "integer" includes reals with no fractional part (5.0), as in draft 6
 * and later. */
static int
type_matches(const char *name, const json_t *v)
{
  if (strcmp(name, "string") == 0)
    return json_is_string(v);
  if (strcmp(name, "integer") == 0)
    return json_is_integer(v) ||
           (json_is_real(v) && is_integral(json_real_value(v)));
  if (strcmp(name, "number") == 0)
    return json_is_number(v);
  if (strcmp(name, "boolean") == 0)
    return json_is_boolean(v);
  if (strcmp(name, "object") == 0)
    return json_is_object(v);
  if (strcmp(name, "array") == 0)
    return json_is_array(v);
  if (strcmp(name, "null") == 0)
    return json_is_null(v);
  return -1;
}

static int
validate_type(struct vctx *c, const json_t *s, const json_t *v)
{
  const json_t *t = json_object_get(s, "type");
  char got[96], num[64];
  struct buf want;
  size_t i, n;
  int rc, r;

  if (t == NULL)
    return 0;
  if (json_is_string(t)) {
    r = type_matches(json_string_value(t), v);
    if (r < 0)
      return bad_schema(c, "type");
    if (r == 1)
      return 0;
    n = 1;
  } else if (json_is_array(t) && json_array_size(t) > 0) {
    n = json_array_size(t);
    for (i = 0; i < n; i++) {
      const json_t *x = json_array_get(t, i);
      r = json_is_string(x) ? type_matches(json_string_value(x), v) : -1;
      if (r < 0)
        return bad_schema(c, "type");
      if (r == 1)
        return 0;
    }
  } else {
    return bad_schema(c, "type");
  }
  /* "expected string", "expected string or null",
   * "expected string, integer or null". */
  buf_init(&want, MSG_BUF_MAX);
  for (i = 0; i < n; i++) {
    const json_t *x = json_is_string(t) ? t : json_array_get(t, i);
    if (i > 0)
      buf_puts(&want, i + 1 == n ? " or " : ", ");
    buf_puts(&want, json_string_value(x));
  }
  if (json_is_number(v)) {
    fmt_num(v, num, sizeof(num));
    snprintf(got, sizeof(got), "%s %s", type_name(v), num);
  } else {
    snprintf(got, sizeof(got), "%s", type_name(v));
  }
  rc = fail(&c->path, c->e, ERR_INVALID, "expected %s, got %s",
            buf_cstr(&want), got);
  buf_free(&want);
  return rc;
}

static int
validate_const_enum(struct vctx *c, const json_t *s, const json_t *v)
{
  const json_t *k = json_object_get(s, "const");
  const json_t *en = json_object_get(s, "enum");
  struct buf list;
  int rc;

  if (k != NULL && !values_equal(k, v, 0)) {
    buf_init(&list, MSG_BUF_MAX);
    put_value(&list, k, 400);
    rc = fail(&c->path, c->e, ERR_INVALID, "must be %s", buf_cstr(&list));
    buf_free(&list);
    return rc;
  }
  if (en == NULL)
    return 0;
  if (!json_is_array(en))
    return bad_schema(c, "enum");
  for (size_t i = 0; i < json_array_size(en); i++)
    if (values_equal(json_array_get(en, i), v, 0))
      return 0;
  buf_init(&list, MSG_BUF_MAX);
  for (size_t i = 0; i < json_array_size(en); i++) {
    if (i > 0)
      buf_puts(&list, ", ");
    put_value(&list, json_array_get(en, i), 200);
  }
  rc = fail(&c->path, c->e, ERR_INVALID, "must be one of %s",
            buf_cstr(&list));
  buf_free(&list);
  return rc;
}

static int
validate_number(struct vctx *c, const json_t *s, const json_t *v)
{
  static const struct {
    const char *kw;
    const char *op;
    int bad_if; /* num_cmp(v, bound) results that fail: bit 0 for -1,
                 * bit 1 for 0, bit 2 for 1 */
  } rules[] = {
    { "minimum", ">=", 1 },
    { "maximum", "<=", 4 },
    { "exclusiveMinimum", ">", 1 | 2 },
    { "exclusiveMaximum", "<", 2 | 4 },
  };
  char want[64], got[64];

  for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
    const json_t *b = json_object_get(s, rules[i].kw);
    if (b == NULL)
      continue;
    if (!json_is_number(b))
      return bad_schema(c, rules[i].kw);
    if (!(rules[i].bad_if & (1 << (num_cmp(v, b) + 1))))
      continue;
    fmt_num(b, want, sizeof(want));
    fmt_num(v, got, sizeof(got));
    return fail(&c->path, c->e, ERR_INVALID, "must be %s %s (got %s)",
                rules[i].op, want, got);
  }
  return 0;
}

/* Reads a count keyword: 1 with *out when present, 0 when absent, -1
 * when malformed. */
static int
get_count(const json_t *s, const char *kw, size_t *out)
{
  const json_t *v = json_object_get(s, kw);

  if (v == NULL)
    return 0;
  return count_value(v, out) ? 1 : -1;
}

static int
validate_string(struct vctx *c, const json_t *s, const json_t *v)
{
  const char *str = json_string_value(v);
  size_t bytes = json_string_length(v);
  size_t cps = count_code_points(str, bytes), lim;
  const json_t *pat, *fmt;
  const struct schema_format *f;
  char why[256];
  struct buf q;
  int r, matched, rc;

  if ((r = get_count(s, "minLength", &lim)) < 0)
    return bad_schema(c, "minLength");
  if (r > 0 && cps < lim)
    return fail(&c->path, c->e, ERR_INVALID,
                "must be at least %zu character%s (got %zu)", lim,
                lim == 1 ? "" : "s", cps);
  if ((r = get_count(s, "maxLength", &lim)) < 0)
    return bad_schema(c, "maxLength");
  if (r > 0 && cps > lim)
    return fail(&c->path, c->e, ERR_INVALID,
                "must be at most %zu character%s (got %zu)", lim,
                lim == 1 ? "" : "s", cps);
  if ((r = get_count(s, "x-maxBytes", &lim)) < 0)
    return bad_schema(c, "x-maxBytes");
  if (r > 0 && bytes > lim)
    return fail(&c->path, c->e, ERR_INVALID,
                "must be at most %zu bytes in UTF-8 (got %zu bytes in %zu "
                "characters; characters outside ASCII take 2 to 4 bytes)",
                lim, bytes, cps);
  pat = json_object_get(s, "pattern");
  if (pat != NULL) {
    if (!json_is_string(pat))
      return bad_schema(c, "pattern");
    if (schema__rx_match(json_string_value(pat), str, bytes, &matched, why,
                 sizeof(why)) != 0)
      return fail(&c->path, c->e, ERR_INTERNAL,
                  "the schema's pattern cannot be used: %s", why);
    if (!matched) {
      buf_init(&q, MSG_BUF_MAX);
      put_value(&q, pat, 300);
      rc = fail(&c->path, c->e, ERR_INVALID, "must match the pattern %s",
                buf_cstr(&q));
      buf_free(&q);
      return rc;
    }
  }
  fmt = json_object_get(s, "format");
  if (fmt != NULL) {
    f = json_is_string(fmt) ? schema__find_format(json_string_value(fmt)) : NULL;
    if (f == NULL)
      return bad_schema(c, "format");
    if (!f->ok(str, bytes))
      return fail(&c->path, c->e, ERR_INVALID, "%s", f->rule);
  }
  return 0;
}

static int
validate_array(struct vctx *c, const json_t *s, const json_t *v, int level)
{
  size_t n = json_array_size(v), lim, a, b;
  const json_t *u, *items;
  int r, rc;

  if ((r = get_count(s, "minItems", &lim)) < 0)
    return bad_schema(c, "minItems");
  if (r > 0 && n < lim)
    return fail(&c->path, c->e, ERR_INVALID,
                "must have at least %zu item%s (got %zu)", lim,
                lim == 1 ? "" : "s", n);
  if ((r = get_count(s, "maxItems", &lim)) < 0)
    return bad_schema(c, "maxItems");
  if (r > 0 && n > lim)
    return fail(&c->path, c->e, ERR_INVALID,
                "must have at most %zu item%s (got %zu)", lim,
                lim == 1 ? "" : "s", n);
  u = json_object_get(s, "uniqueItems");
  if (u != NULL && !json_is_boolean(u))
    return bad_schema(c, "uniqueItems");
  if (json_is_true(u) && find_duplicate(v, &a, &b))
    return fail(&c->path, c->e, ERR_INVALID,
                "items must be unique, but items %zu and %zu are equal", a,
                b);
  items = json_object_get(s, "items");
  if (items == NULL)
    return 0;
  if (!json_is_object(items) && !json_is_boolean(items))
    return bad_schema(c, "items");
  for (size_t i = 0; i < n; i++) {
    path_idx(&c->path, i);
    rc = validate_node(c, items, json_array_get(v, i), level + 1);
    path_pop(&c->path);
    if (rc != 0)
      return rc;
  }
  return 0;
}

static int
validate_object(struct vctx *c, const json_t *s, const json_t *v, int level)
{
  const json_t *props = json_object_get(s, "properties");
  const json_t *req = json_object_get(s, "required");
  const json_t *ap = json_object_get(s, "additionalProperties");
  const char *key;
  json_t *m;
  struct buf names;
  int rc;

  if (props != NULL && !json_is_object(props))
    return bad_schema(c, "properties");
  if (req != NULL && !json_is_array(req))
    return bad_schema(c, "required");
  if (ap != NULL && !json_is_object(ap) && !json_is_boolean(ap))
    return bad_schema(c, "additionalProperties");
  for (size_t i = 0; i < json_array_size(req); i++) {
    const char *name = json_string_value(json_array_get(req, i));
    if (name == NULL)
      return bad_schema(c, "required");
    if (json_object_get(v, name) != NULL)
      continue;
    path_key(&c->path, name);
    rc = fail(&c->path, c->e, ERR_INVALID, "required property is missing");
    path_pop(&c->path);
    return rc;
  }
  OBJ_FOREACH(props, key, m) {
    const json_t *child = json_object_get(v, key);
    if (child == NULL)
      continue;
    path_key(&c->path, key);
    rc = validate_node(c, m, child, level + 1);
    path_pop(&c->path);
    if (rc != 0)
      return rc;
  }
  if (ap == NULL || json_is_true(ap))
    return 0;
  OBJ_FOREACH(v, key, m) {
    if (props != NULL && json_object_get(props, key) != NULL)
      continue;
    path_key(&c->path, key);
    if (json_is_false(ap)) {
      const char *name;
      json_t *unused;
      buf_init(&names, MSG_BUF_MAX);
      OBJ_FOREACH(props, name, unused) {
        if (names.len > 0)
          buf_puts(&names, ", ");
        buf_puts(&names, name);
      }
      if (names.len > 0)
        rc = fail(&c->path, c->e, ERR_INVALID,
                  "unknown property (allowed: %s)", buf_cstr(&names));
      else
        rc = fail(&c->path, c->e, ERR_INVALID,
                  "unknown property (this object takes no properties)");
      buf_free(&names);
    } else {
      rc = validate_node(c, ap, m, level + 1);
    }
    path_pop(&c->path);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* anyOf and oneOf.  Each alternative is tried with its own struct err;
 * when none fits, the message quotes why each one failed. */
static int
validate_alternatives(struct vctx *c, const json_t *s, const json_t *v,
                      int level, const char *kw)
{
  const json_t *alts = json_object_get(s, kw);
  int one = strcmp(kw, "oneOf") == 0;
  size_t n, matches = 0, first = 0, second = 0;
  struct err *saved = c->e;
  struct buf why;
  struct err sub;
  int rc = 0;

  if (alts == NULL)
    return 0;
  if (!json_is_array(alts) || json_array_size(alts) == 0)
    return bad_schema(c, kw);
  n = json_array_size(alts);
  buf_init(&why, MSG_BUF_MAX);
  for (size_t i = 0; i < n; i++) {
    err_clear(&sub);
    c->e = &sub;
    rc = validate_node(c, json_array_get(alts, i), v, level + 1);
    c->e = saved;
    if (rc == ERR_INTERNAL) {
      set_msg(c->e, rc, sub.msg);
      goto out;
    }
    if (rc == 0) {
      if (matches == 0)
        first = i;
      else if (matches == 1)
        second = i;
      matches++;
      if (!one)
        break;
      continue;
    }
    buf_printf(&why, "%s#%zu: %s", why.len > 0 ? "; " : "", i + 1,
               sub.msg);
  }
  rc = 0;
  if (matches == 0)
    rc = fail(&c->path, c->e, ERR_INVALID,
              "must match %s of the %zu alternatives in %s; %s",
              one ? "exactly one" : "at least one", n, kw, buf_cstr(&why));
  else if (one && matches > 1)
    rc = fail(&c->path, c->e, ERR_INVALID,
              "must match exactly one of the %zu alternatives in oneOf, "
              "but matches #%zu and #%zu", n, first + 1, second + 1);
out:
  buf_free(&why);
  return rc;
}

/* Validates v against one (sub)schema.  Order: type, const, enum, the
 * keywords for v's type, then anyOf and oneOf. */
static int
validate_node(struct vctx *c, const json_t *s, const json_t *v, int level)
{
  int rc;

  if (level > SCHEMA_MAX_DEPTH)
    return fail(&c->path, c->e, ERR_INTERNAL,
                "the schema nests subschemas deeper than %d",
                SCHEMA_MAX_DEPTH);
  if (json_is_true(s))
    return 0;
  if (json_is_false(s))
    return fail(&c->path, c->e, ERR_INVALID, "no value is allowed here");
  if (!json_is_object(s))
    return fail(&c->path, c->e, ERR_INTERNAL,
                "the schema is not an object or a boolean");
  if ((rc = validate_type(c, s, v)) != 0 ||
      (rc = validate_const_enum(c, s, v)) != 0)
    return rc;
  if (json_is_number(v))
    rc = validate_number(c, s, v);
  else if (json_is_string(v))
    rc = validate_string(c, s, v);
  else if (json_is_array(v))
    rc = validate_array(c, s, v, level);
  else if (json_is_object(v))
    rc = validate_object(c, s, v, level);
  if (rc != 0)
    return rc;
  if ((rc = validate_alternatives(c, s, v, level, "anyOf")) != 0 ||
      (rc = validate_alternatives(c, s, v, level, "oneOf")) != 0)
    return rc;
  return 0;
}

int
schema_validate(const json_t *schema, const json_t *instance, struct err *e)
{
  struct vctx c;
  int rc;

  memset(&c, 0, sizeof(c));
  c.e = e;
  if (schema == NULL)
    return err_set(e, ERR_INTERNAL, "/: no schema");
  if (instance == NULL)
    return err_set(e, ERR_INVALID, "/: no value");
  rc = check_instance_depth(&c, instance, 1);
  if (rc == 0)
    rc = validate_node(&c, schema, instance, 0);
  return rc;
}

/* ------------------------------------------------------------------ */
/* schema_apply_defaults                                               */
/* ------------------------------------------------------------------ */

/* Adds missing defaulted properties to inst, then descends into its
 * properties (including ones just added) and array items. */
static void
apply_defaults(const json_t *s, json_t *inst, int depth)
{
  const json_t *props, *items;
  const char *key;
  json_t *sub;

  if (depth > SCHEMA_MAX_DEPTH || !json_is_object(s))
    return;
  props = json_object_get(s, "properties");
  if (json_is_object(inst) && json_is_object(props)) {
    OBJ_FOREACH(props, key, sub) {
      json_t *v = json_object_get(inst, key);
      const json_t *def = json_object_get(sub, "default");
      if (v == NULL && json_is_object(sub) && def != NULL) {
        v = json_deep_copy(def);
        if (v == NULL || json_object_set_new(inst, key, v) != 0)
          continue;
      }
      if (v != NULL)
        apply_defaults(sub, v, depth + 1);
    }
  }
  items = json_object_get(s, "items");
  if (json_is_array(inst) && json_is_object(items))
    for (size_t i = 0; i < json_array_size(inst); i++)
      apply_defaults(items, json_array_get(inst, i), depth + 1);
}

void
schema_apply_defaults(const json_t *schema, json_t *instance)
{
  if (schema != NULL && instance != NULL)
    apply_defaults(schema, instance, 0);
}
