/* SPDX-License-Identifier: MIT */
/*
 * schema_int.h: what the validator's files share (schema.c validates,
 * schema_check.c checks schemas, schema_util.c holds pointers, messages and
 * value helpers, schema_pattern.c patterns and formats).  Not for other
 * modules.
 */
#ifndef IGMCP_SCHEMA_INT_H
#define IGMCP_SCHEMA_INT_H

#include <jansson.h>
#include <regex.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "mcp/schema.h"

#define DIALECT_URI "https://json-schema.org/draft/2020-12/schema"

#define PATH_MAX_SEGS (SCHEMA_MAX_DEPTH + 8)
#define EQ_MAX_DEPTH (2 * SCHEMA_MAX_DEPTH + 8)
#define MSG_BUF_MAX 8192


#define TWO63 9223372036854775808.0
#define TWO64 18446744073709551616.0

/* jansson's iteration macro takes a non-const object; we only read. */
#define OBJ_FOREACH(obj, key, val) \
  json_object_foreach((json_t *)(obj), key, val)

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

/* A `format` value we assert, with the wording used when a value fails. */
struct schema_format {
  const char *name;
  int (*ok)(const char *s, size_t n);
  const char *rule;
};

const struct schema_format *schema__find_format(const char *name);

/* The compiled form of pattern, cached; when the cache is full it is
 * compiled for this call only and *owned is set (regfree and free it).
 * NULL with a reason in why for a pattern outside the subset. */
regex_t *schema__rx_get(const char *pattern, int *owned, char *why,
                        size_t len);
/* Matches s[0..n) against pattern; 0 with *matched set, or -1 and why. */
int schema__rx_match(const char *pattern, const char *s, size_t n,
                     int *matched, char *why, size_t len);

/* schema_util.c: JSON Pointers, messages, numbers, equality, counts. */
void schema__path_key(struct path *p, const char *key);
void schema__path_idx(struct path *p, size_t idx);
void schema__path_pop(struct path *p);
int schema__set_msg(struct err *e, int code, const char *s);
int schema__fail(const struct path *p, struct err *e, int code,
                 const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *schema__type_name(const json_t *v);
int schema__is_integral(double d);
void schema__fmt_num(const json_t *v, char *out, size_t len);
void schema__put_value(struct buf *b, const json_t *v, size_t max);
int schema__num_cmp(const json_t *a, const json_t *b);
int schema__values_equal(const json_t *a, const json_t *b, int depth);
int schema__find_duplicate(const json_t *arr, size_t *first, size_t *second);
int schema__depth_ok(const json_t *v, int max);
size_t schema__count_code_points(const char *s, size_t n);
int schema__count_value(const json_t *v, size_t *out);

#endif
