/* SPDX-License-Identifier: MIT */
/*
 * fuzz_schema.c: libFuzzer target for the JSON Schema validator.  The input
 * is a JSON value, validated against the input schema of every registered
 * tool (the schemas agents' arguments really meet), with defaults applied
 * to a copy; and, when the input's first line is itself a JSON object, that
 * line is tried as a schema (schema_check) and, when accepted, the rest as
 * its instance.  Properties checked for any input: validation is
 * deterministic, a failure always names a JSON Pointer ("/..."), and
 * applying a tool schema's defaults never makes a valid instance invalid
 * (a fuzzed schema's default may break its own rules, so not there).
 * Build: tests/fuzz/fuzz.cmake.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "mcp/schema.h"
#include "tools/registry.h"

#define CHECK(x)                                                            \
  do {                                                                      \
    if (!(x)) {                                                             \
      fprintf(stderr, "property failed: %s (line %d)\n", #x, __LINE__);     \
      __builtin_trap();                                                     \
    }                                                                       \
  } while (0)

/* Validates inst against schema twice and checks the properties above. */
static void
validate(const json_t *schema, json_t *inst, int defaults_valid)
{
  struct err e1 = { 0 }, e2 = { 0 };
  int a = schema_validate(schema, inst, &e1);
  int b = schema_validate(schema, inst, &e2);

  CHECK(a == b && strcmp(e1.msg, e2.msg) == 0);
  if (a != 0) {
    CHECK(e1.code == ERR_INVALID || e1.code == ERR_INTERNAL);
    CHECK(e1.msg[0] == '/');
    return;
  }
  if (defaults_valid && json_is_object(inst)) {
    json_t *copy = json_deep_copy(inst);
    struct err e3 = { 0 };

    schema_apply_defaults(schema, copy);
    CHECK(schema_validate(schema, copy, &e3) == 0);
    json_decref(copy);
  }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  struct err e = { 0 };

  (void)argc;
  (void)argv;
  if (registry_init(&e) != 0) {
    fprintf(stderr, "fuzz_schema: %s\n", e.msg);
    exit(1);
  }
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  json_error_t je;
  json_t *inst = json_loadb((const char *)data, size,
                            JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
  const uint8_t *nl = memchr(data, '\n', size);

  if (inst != NULL) {
    for (size_t i = 0; i < registry_count(); i++)
      validate(registry_input_schema(registry_at(i)), inst, 1);
    json_decref(inst);
  }
  if (nl != NULL) {
    json_t *schema = json_loadb((const char *)data, (size_t)(nl - data), 0,
                                &je);
    struct err e = { 0 };

    if (json_is_object(schema) && schema_check(schema, &e) == 0) {
      inst = json_loadb((const char *)nl + 1, size - (size_t)(nl - data) - 1,
                        JSON_DECODE_ANY, &je);
      if (inst != NULL)
        validate(schema, inst, 0);
      json_decref(inst);
    } else if (schema != NULL) {
      CHECK(e.msg[0] != '\0');
    }
    json_decref(schema);
  }
  return 0;
}
