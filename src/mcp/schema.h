/* SPDX-License-Identifier: MIT */
/*
 * schema.h: a JSON Schema (2020-12) subset validator for MCP tool inputs
 * and outputs.  Schemas and instances are jansson values owned by the
 * caller; nothing here keeps a reference to them after a call returns.
 * The only state the module owns is a cache of compiled `pattern` regexes,
 * which schema_cleanup() frees.  The supported subset, the message formats
 * and the pattern dialect are described in docs/internals/schema.md.
 */
#ifndef IGMCP_SCHEMA_H
#define IGMCP_SCHEMA_H

#include <jansson.h>

#include "base/err.h"

/* Instances nested deeper than this many arrays/objects are rejected, and
 * schemas may nest subschemas at most this deep. */
#define SCHEMA_MAX_DEPTH 64

/* Checks that a schema uses only the supported subset (rejects unknown keywords, wrong keyword types,
 * bad regex patterns, `required` names absent from `properties` when additionalProperties is false, enum empty...).
 * Returns 0 or ERR_INVALID with e->msg naming the JSON Pointer of the bad keyword. */
int schema_check(const json_t *schema, struct err *e);
/* Validates instance against schema. Returns 0, or ERR_INVALID with e->msg like
 * "/limit: must be <= 100 (got 500)" or "/recipient_id: required property is missing" or
 * "/text: must be at most 1000 characters (got 1203)" or "/folder: must be one of \"inbox\", \"other\", \"spam\"" or
 * "/foo: unknown property (allowed: a, b, c)" or "/: expected object, got array" (root pointer is "/").
 * The message names the field (JSON Pointer, RFC 6901 escaping of ~ and /) and the rule, and says what is allowed,
 * so a language model can correct itself. Stops at the first error (deterministic order: required first,
 * then properties in schema order, then additionalProperties).
 * The schema should have passed schema_check; a malformed keyword met here
 * gives ERR_INTERNAL instead of a crash or a silent pass. */
int schema_validate(const json_t *schema, const json_t *instance, struct err *e);
/* Fills in `default` values from schema.properties for missing properties of an object instance (top level and
 * nested objects), in place.  Defaults are deep-copied, so the instance
 * never shares values with the schema.  Also descends into array elements
 * through `items`. */
void schema_apply_defaults(const json_t *schema, json_t *instance);
/* Frees the cache of compiled patterns.  Call it at shutdown, when no
 * other thread is inside schema_check or schema_validate; the cache fills
 * again if the module is used afterwards. */
void schema_cleanup(void);

#endif
