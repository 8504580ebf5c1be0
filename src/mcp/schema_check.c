/* SPDX-License-Identifier: MIT */
/*
 * schema_check.c: schema_check(), run once per schema at start-up.  It
 * refuses every keyword outside the supported subset, wrong keyword types,
 * contradictory bounds and patterns outside the ECMA subset, so a tool can
 * never ship a schema we would silently ignore.
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
    return known_type(v) ? 0 : schema__fail(&c->path, c->e, ERR_INVALID, "%s",
                                    want);
  if (!json_is_array(v) || json_array_size(v) == 0)
    return schema__fail(&c->path, c->e, ERR_INVALID, "%s", want);
  for (i = 0; i < json_array_size(v); i++) {
    const json_t *t = json_array_get(v, i);
    int rc = 0;
    schema__path_idx(&c->path, i);
    if (!known_type(t))
      rc = schema__fail(&c->path, c->e, ERR_INVALID, "%s", want);
    for (j = 0; rc == 0 && j < i; j++)
      if (json_equal(t, json_array_get(v, j)))
        rc = schema__fail(&c->path, c->e, ERR_INVALID, "duplicate type name");
    schema__path_pop(&c->path);
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
      return schema__fail(&c->path, c->e, ERR_INVALID,
                  "must be an object mapping property names to schemas");
    OBJ_FOREACH(v, key, m) {
      schema__path_key(&c->path, key);
      rc = check_node(c, m, depth + 1);
      schema__path_pop(&c->path);
      if (rc != 0)
        return rc;
    }
    return 0;
  case KW_REQUIRED:
    if (!json_is_array(v))
      return schema__fail(&c->path, c->e, ERR_INVALID,
                  "must be an array of property names");
    for (i = 0; rc == 0 && i < json_array_size(v); i++) {
      schema__path_idx(&c->path, i);
      if (!json_is_string(json_array_get(v, i)))
        rc = schema__fail(&c->path, c->e, ERR_INVALID, "must be a string");
      for (j = 0; rc == 0 && j < i; j++)
        if (json_equal(json_array_get(v, i), json_array_get(v, j)))
          rc = schema__fail(&c->path, c->e, ERR_INVALID, "duplicate name");
      schema__path_pop(&c->path);
    }
    return rc;
  case KW_SUBSCHEMA:
    if (json_is_array(v))
      return schema__fail(&c->path, c->e, ERR_INVALID,
                  "the array (tuple) form is not supported; give one "
                  "schema");
    return check_node(c, v, depth + 1);
  case KW_SCHEMA_LIST:
    if (!json_is_array(v) || json_array_size(v) == 0)
      return schema__fail(&c->path, c->e, ERR_INVALID,
                  "must be a non-empty array of schemas");
    for (i = 0; rc == 0 && i < json_array_size(v); i++) {
      schema__path_idx(&c->path, i);
      rc = check_node(c, json_array_get(v, i), depth + 1);
      schema__path_pop(&c->path);
    }
    return rc;
  case KW_ENUM:
    if (!json_is_array(v) || json_array_size(v) == 0)
      return schema__fail(&c->path, c->e, ERR_INVALID,
                  "must be a non-empty array of values");
    for (i = 0; rc == 0 && i < json_array_size(v); i++) {
      const json_t *x = json_array_get(v, i);
      schema__path_idx(&c->path, i);
      if (!schema__depth_ok(x, SCHEMA_MAX_DEPTH))
        rc = schema__fail(&c->path, c->e, ERR_INVALID,
            "value nested deeper than "
                  "%d", SCHEMA_MAX_DEPTH);
      for (j = 0; rc == 0 && j < i; j++)
        if (schema__values_equal(x, json_array_get(v, j), 0))
          rc = schema__fail(&c->path, c->e, ERR_INVALID,
                    "duplicate of value %zu", j);
      schema__path_pop(&c->path);
    }
    return rc;
  case KW_ANY:
    if (!schema__depth_ok(v, SCHEMA_MAX_DEPTH))
      return schema__fail(&c->path, c->e, ERR_INVALID,
          "value nested deeper than %d",
                  SCHEMA_MAX_DEPTH);
    return 0;
  case KW_ARRAY:
    if (!json_is_array(v))
      return schema__fail(&c->path, c->e, ERR_INVALID, "must be an array");
    if (!schema__depth_ok(v, SCHEMA_MAX_DEPTH))
      return schema__fail(&c->path, c->e, ERR_INVALID,
          "value nested deeper than %d",
                  SCHEMA_MAX_DEPTH);
    return 0;
  case KW_NUMBER:
    if (!json_is_number(v))
      return schema__fail(&c->path, c->e, ERR_INVALID, "must be a number");
    return 0;
  case KW_COUNT:
    if (!schema__count_value(v, &count))
      return schema__fail(&c->path, c->e, ERR_INVALID,
                  "must be a non-negative integer");
    return 0;
  case KW_BOOL:
    if (!json_is_boolean(v))
      return schema__fail(&c->path, c->e, ERR_INVALID, "must be true or false");
    return 0;
  case KW_STRING:
    if (!json_is_string(v))
      return schema__fail(&c->path, c->e, ERR_INVALID, "must be a string");
    return 0;
  case KW_DIALECT:
    if (depth != 0)
      return schema__fail(&c->path, c->e, ERR_INVALID,
                  "only allowed in the root schema");
    if (!json_is_string(v) || strcmp(json_string_value(v), DIALECT_URI) != 0)
      return schema__fail(&c->path, c->e, ERR_INVALID,
                  "only \"" DIALECT_URI "\" is supported");
    return 0;
  case KW_FORMAT:
    if (!json_is_string(v) || schema__find_format(json_string_value(v)) == NULL)
      return schema__fail(&c->path, c->e, ERR_INVALID,
                  "unsupported format; supported: \"date-time\", \"uri\"");
    return 0;
  case KW_PATTERN:
    if (!json_is_string(v))
      return schema__fail(&c->path, c->e, ERR_INVALID, "must be a string");
    re = schema__rx_get(json_string_value(v), &owned, why, sizeof(why));
    if (re == NULL)
      return schema__fail(&c->path, c->e, ERR_INVALID,
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
    bad = schema__num_cmp(lo, hi) > 0;
  else
    bad = schema__count_value(lo, &a) && schema__count_value(hi, &b) && a > b;
  if (!bad)
    return 0;
  schema__path_key(&c->path, lo_kw);
  rc = schema__fail(&c->path, c->e, ERR_INVALID,
            "is greater than %s, so no value could pass", hi_kw);
  schema__path_pop(&c->path);
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
      schema__path_key(&c->path, "required");
      schema__path_idx(&c->path, i);
      rc = schema__fail(&c->path, c->e, ERR_INVALID,
                "\"%s\" is required but not listed in properties, and "
                "additionalProperties is false, so no object could pass",
                name);
      schema__path_pop(&c->path);
      schema__path_pop(&c->path);
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
    return schema__fail(&c->path, c->e, ERR_INVALID,
                "a schema must be an object or a boolean, got %s",
                schema__type_name(s));
  if (depth > SCHEMA_MAX_DEPTH)
    return schema__fail(&c->path, c->e, ERR_INVALID,
                "subschemas nested deeper than %d", SCHEMA_MAX_DEPTH);
  OBJ_FOREACH(s, key, v) {
    const struct keyword *kw = find_keyword(key);
    schema__path_key(&c->path, key);
    if (kw == NULL)
      rc = schema__fail(&c->path, c->e, ERR_INVALID,
                "unknown keyword; igmcp supports only type, properties, "
                "required, additionalProperties, enum, const, minimum, "
                "maximum, exclusiveMinimum, exclusiveMaximum, minLength, "
                "maxLength, x-maxBytes, pattern, format, items, minItems, "
                "maxItems, uniqueItems, anyOf, oneOf, default, examples, "
                "description, title, $comment, $schema");
    else
      rc = check_keyword(c, kw, v, depth);
    schema__path_pop(&c->path);
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
