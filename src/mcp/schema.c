/* SPDX-License-Identifier: MIT */
/*
 * schema.c: schema_validate() and schema_apply_defaults(), the part of the
 * validator for the subset of JSON Schema 2020-12 that igmcp's tool
 * schemas use.  schema_check() (schema_check.c) runs once per schema at
 * start-up and rejects anything outside the subset; schema_validate() then
 * checks tool arguments (and results) and explains the first failure as
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
  return schema__fail(&c->path, c->e, ERR_INTERNAL,
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
    return schema__fail(&c->path, c->e, ERR_INVALID, "nesting deeper than %d",
                SCHEMA_MAX_DEPTH);
  if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++) {
      schema__path_idx(&c->path, i);
      rc = check_instance_depth(c, json_array_get(v, i), depth + 1);
      schema__path_pop(&c->path);
      if (rc != 0)
        return rc;
    }
    return 0;
  }
  OBJ_FOREACH(v, key, m) {
    schema__path_key(&c->path, key);
    rc = check_instance_depth(c, m, depth + 1);
    schema__path_pop(&c->path);
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
           (json_is_real(v) && schema__is_integral(json_real_value(v)));
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
    schema__fmt_num(v, num, sizeof(num));
    snprintf(got, sizeof(got), "%s %s", schema__type_name(v), num);
  } else {
    snprintf(got, sizeof(got), "%s", schema__type_name(v));
  }
  rc = schema__fail(&c->path, c->e, ERR_INVALID, "expected %s, got %s",
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

  if (k != NULL && !schema__values_equal(k, v, 0)) {
    buf_init(&list, MSG_BUF_MAX);
    schema__put_value(&list, k, 400);
    rc = schema__fail(&c->path, c->e, ERR_INVALID,
        "must be %s", buf_cstr(&list));
    buf_free(&list);
    return rc;
  }
  if (en == NULL)
    return 0;
  if (!json_is_array(en))
    return bad_schema(c, "enum");
  for (size_t i = 0; i < json_array_size(en); i++)
    if (schema__values_equal(json_array_get(en, i), v, 0))
      return 0;
  buf_init(&list, MSG_BUF_MAX);
  for (size_t i = 0; i < json_array_size(en); i++) {
    if (i > 0)
      buf_puts(&list, ", ");
    schema__put_value(&list, json_array_get(en, i), 200);
  }
  rc = schema__fail(&c->path, c->e, ERR_INVALID, "must be one of %s",
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
    int bad_if; /* schema__num_cmp(v, bound) results that fail: bit 0 for -1,
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
    if (!(rules[i].bad_if & (1 << (schema__num_cmp(v, b) + 1))))
      continue;
    schema__fmt_num(b, want, sizeof(want));
    schema__fmt_num(v, got, sizeof(got));
    return schema__fail(&c->path, c->e, ERR_INVALID, "must be %s %s (got %s)",
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
  return schema__count_value(v, out) ? 1 : -1;
}

static int
validate_string(struct vctx *c, const json_t *s, const json_t *v)
{
  const char *str = json_string_value(v);
  size_t bytes = json_string_length(v);
  size_t cps = schema__count_code_points(str, bytes), lim;
  const json_t *pat, *fmt;
  const struct schema_format *f;
  char why[256];
  struct buf q;
  int r, matched, rc;

  if ((r = get_count(s, "minLength", &lim)) < 0)
    return bad_schema(c, "minLength");
  if (r > 0 && cps < lim)
    return schema__fail(&c->path, c->e, ERR_INVALID,
                "must be at least %zu character%s (got %zu)", lim,
                lim == 1 ? "" : "s", cps);
  if ((r = get_count(s, "maxLength", &lim)) < 0)
    return bad_schema(c, "maxLength");
  if (r > 0 && cps > lim)
    return schema__fail(&c->path, c->e, ERR_INVALID,
                "must be at most %zu character%s (got %zu)", lim,
                lim == 1 ? "" : "s", cps);
  if ((r = get_count(s, "x-maxBytes", &lim)) < 0)
    return bad_schema(c, "x-maxBytes");
  if (r > 0 && bytes > lim)
    return schema__fail(&c->path, c->e, ERR_INVALID,
                "must be at most %zu bytes in UTF-8 (got %zu bytes in %zu "
                "characters; characters outside ASCII take 2 to 4 bytes)",
                lim, bytes, cps);
  pat = json_object_get(s, "pattern");
  if (pat != NULL) {
    if (!json_is_string(pat))
      return bad_schema(c, "pattern");
    if (schema__rx_match(json_string_value(pat), str, bytes, &matched, why,
                 sizeof(why)) != 0)
      return schema__fail(&c->path, c->e, ERR_INTERNAL,
                  "the schema's pattern cannot be used: %s", why);
    if (!matched) {
      buf_init(&q, MSG_BUF_MAX);
      schema__put_value(&q, pat, 300);
      rc = schema__fail(&c->path, c->e, ERR_INVALID,
          "must match the pattern %s",
                buf_cstr(&q));
      buf_free(&q);
      return rc;
    }
  }
  fmt = json_object_get(s, "format");
  if (fmt != NULL) {
    f = json_is_string(fmt) ? schema__find_format(json_string_value(fmt))
                            : NULL;
    if (f == NULL)
      return bad_schema(c, "format");
    if (!f->ok(str, bytes))
      return schema__fail(&c->path, c->e, ERR_INVALID, "%s", f->rule);
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
    return schema__fail(&c->path, c->e, ERR_INVALID,
                "must have at least %zu item%s (got %zu)", lim,
                lim == 1 ? "" : "s", n);
  if ((r = get_count(s, "maxItems", &lim)) < 0)
    return bad_schema(c, "maxItems");
  if (r > 0 && n > lim)
    return schema__fail(&c->path, c->e, ERR_INVALID,
                "must have at most %zu item%s (got %zu)", lim,
                lim == 1 ? "" : "s", n);
  u = json_object_get(s, "uniqueItems");
  if (u != NULL && !json_is_boolean(u))
    return bad_schema(c, "uniqueItems");
  if (json_is_true(u) && schema__find_duplicate(v, &a, &b))
    return schema__fail(&c->path, c->e, ERR_INVALID,
                "items must be unique, but items %zu and %zu are equal", a,
                b);
  items = json_object_get(s, "items");
  if (items == NULL)
    return 0;
  if (!json_is_object(items) && !json_is_boolean(items))
    return bad_schema(c, "items");
  for (size_t i = 0; i < n; i++) {
    schema__path_idx(&c->path, i);
    rc = validate_node(c, items, json_array_get(v, i), level + 1);
    schema__path_pop(&c->path);
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
    schema__path_key(&c->path, name);
    rc = schema__fail(&c->path, c->e, ERR_INVALID,
        "required property is missing");
    schema__path_pop(&c->path);
    return rc;
  }
  OBJ_FOREACH(props, key, m) {
    const json_t *child = json_object_get(v, key);
    if (child == NULL)
      continue;
    schema__path_key(&c->path, key);
    rc = validate_node(c, m, child, level + 1);
    schema__path_pop(&c->path);
    if (rc != 0)
      return rc;
  }
  if (ap == NULL || json_is_true(ap))
    return 0;
  OBJ_FOREACH(v, key, m) {
    if (props != NULL && json_object_get(props, key) != NULL)
      continue;
    schema__path_key(&c->path, key);
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
        rc = schema__fail(&c->path, c->e, ERR_INVALID,
                  "unknown property (allowed: %s)", buf_cstr(&names));
      else
        rc = schema__fail(&c->path, c->e, ERR_INVALID,
                  "unknown property (this object takes no properties)");
      buf_free(&names);
    } else {
      rc = validate_node(c, ap, m, level + 1);
    }
    schema__path_pop(&c->path);
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
      schema__set_msg(c->e, rc, sub.msg);
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
    rc = schema__fail(&c->path, c->e, ERR_INVALID,
              "must match %s of the %zu alternatives in %s; %s",
              one ? "exactly one" : "at least one", n, kw, buf_cstr(&why));
  else if (one && matches > 1)
    rc = schema__fail(&c->path, c->e, ERR_INVALID,
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
    return schema__fail(&c->path, c->e, ERR_INTERNAL,
                "the schema nests subschemas deeper than %d",
                SCHEMA_MAX_DEPTH);
  if (json_is_true(s))
    return 0;
  if (json_is_false(s))
    return schema__fail(&c->path, c->e, ERR_INVALID,
        "no value is allowed here");
  if (!json_is_object(s))
    return schema__fail(&c->path, c->e, ERR_INTERNAL,
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
