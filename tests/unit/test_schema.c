/* SPDX-License-Identifier: MIT */
/*
 * test_schema.c: unit tests for the JSON Schema subset validator
 * (src/mcp/schema.c).  Most cases are rows of tables; in the JSON text of
 * a row a single quote stands for a double quote, so rows stay readable
 * (no row needs a literal apostrophe).  The last test runs the official
 * JSON-Schema-Test-Suite files for the keywords we support, from the
 * Debian package json-schema-test-suite; it fails when that package is
 * missing.  Every test owns the values it parses and frees them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "mcp/schema.h"

/* Parses JSON text in which ' stands for ". */
static json_t *
load(const char *text)
{
  char *s = xstrdup(text);
  json_error_t jerr;
  json_t *v;

  for (char *p = s; *p != '\0'; p++)
    if (*p == '\'')
      *p = '"';
  v = json_loads(s, JSON_DECODE_ANY, &jerr);
  if (v == NULL)
    fail_msg("bad test JSON %s: %s", text, jerr.text);
  free(s);
  return v;
}

/* Validates instance text against schema text; returns the status and
 * leaves the message in e.  The schema must pass schema_check. */
static int
run(const char *schema, const char *instance, struct err *e)
{
  json_t *s = load(schema), *v = load(instance);
  int rc;

  err_clear(e);
  if (schema_check(s, e) != 0)
    fail_msg("schema %s fails schema_check: %s", schema, e->msg);
  rc = schema_validate(s, v, e);
  json_decref(s);
  json_decref(v);
  return rc;
}

struct vcase {
  const char *schema;
  const char *instance;
  int ok;
  const char *msg; /* substring of the message when !ok */
};

static void
run_vcases(const struct vcase *cases, size_t n)
{
  size_t bad = 0;

  for (size_t i = 0; i < n; i++) {
    const struct vcase *c = &cases[i];
    struct err e;
    int rc = run(c->schema, c->instance, &e);

    if (c->ok && rc != 0) {
      print_error("case %zu: %s with %s: want ok, got %d \"%s\"\n", i,
                  c->schema, c->instance, rc, e.msg);
      bad++;
    } else if (!c->ok && rc != ERR_INVALID) {
      print_error("case %zu: %s with %s: want ERR_INVALID, got %d\n", i,
                  c->schema, c->instance, rc);
      bad++;
    } else if (!c->ok && strstr(e.msg, c->msg) == NULL) {
      print_error("case %zu: %s with %s: message \"%s\" lacks \"%s\"\n", i,
                  c->schema, c->instance, e.msg, c->msg);
      bad++;
    } else if (!c->ok && !utf8_valid(e.msg, strlen(e.msg), NULL)) {
      print_error("case %zu: message is not UTF-8\n", i);
      bad++;
    }
  }
  assert_int_equal(bad, 0);
}

#define RUN(table) run_vcases(table, sizeof(table) / sizeof(table[0]))

/* --- type ------------------------------------------------------------ */

static const struct vcase type_cases[] = {
  { "{'type':'object'}", "[]", 0, "/: expected object, got array" },
  { "{'type':'object'}", "{}", 1, NULL },
  { "{'type':'array'}", "{}", 0, "/: expected array, got object" },
  { "{'type':'string'}", "'x'", 1, NULL },
  { "{'type':'string'}", "null", 0, "/: expected string, got null" },
  { "{'type':'integer'}", "5", 1, NULL },
  { "{'type':'integer'}", "5.0", 1, NULL },
  { "{'type':'integer'}", "-0.0", 1, NULL },
  { "{'type':'integer'}", "1e300", 1, NULL },
  { "{'type':'integer'}", "5.5", 0, "/: expected integer, got number 5.5" },
  { "{'type':'integer'}", "'5'", 0, "/: expected integer, got string" },
  { "{'type':'number'}", "5.5", 1, NULL },
  { "{'type':'number'}", "5", 1, NULL },
  { "{'type':'number'}", "true", 0, "/: expected number, got boolean" },
  { "{'type':'boolean'}", "false", 1, NULL },
  { "{'type':'boolean'}", "1", 0, "/: expected boolean, got integer 1" },
  { "{'type':'null'}", "null", 1, NULL },
  { "{'type':'null'}", "0", 0, "expected null, got integer 0" },
  { "{'type':['string','null']}", "null", 1, NULL },
  { "{'type':['string','null']}", "'a'", 1, NULL },
  { "{'type':['string','null']}", "3", 0,
    "/: expected string or null, got integer 3" },
  { "{'type':['string','integer','null']}", "[]", 0,
    "/: expected string, integer or null, got array" },
  { "{'type':['integer']}", "2.0", 1, NULL },
  { "true", "[1]", 1, NULL },
  { "false", "1", 0, "/: no value is allowed here" },
  { "{}", "{'a':[1,{'b':null}]}", 1, NULL },
};

static void
test_type(void **state)
{
  RUN(type_cases);
}

/* --- objects --------------------------------------------------------- */

#define DM "{'type':'object','properties':{'recipient_id':{'type':'string'}," \
           "'text':{'type':'string'}},'required':['recipient_id','text']," \
           "'additionalProperties':false}"
#define ABC "{'properties':{'a':{},'b':{},'c':{}},'additionalProperties':false}"
#define NEST "{'type':'object','properties':{'recipients':{'type':'array'," \
             "'items':{'type':'object','properties':{'id':{'type':'string'," \
             "'pattern':'^[0-9]+$'}},'required':['id']}}}}"

static const struct vcase object_cases[] = {
  { DM, "{'recipient_id':'1','text':'hi'}", 1, NULL },
  { DM, "{'text':'hi'}", 0, "/recipient_id: required property is missing" },
  { DM, "{}", 0, "/recipient_id: required property is missing" },
  { DM, "{'recipient_id':'1'}", 0, "/text: required property is missing" },
  { DM, "{'recipient_id':5,'text':'hi'}", 0,
    "/recipient_id: expected string, got integer 5" },
  /* required comes before properties and additionalProperties. */
  { DM, "{'recipientId':'1','text':5}", 0,
    "/recipient_id: required property is missing" },
  /* properties come before additionalProperties. */
  { DM, "{'zzz':1,'recipient_id':'1','text':5}", 0,
    "/text: expected string, got integer 5" },
  { DM, "{'recipient_id':'1','text':'hi','foo':1}", 0,
    "/foo: unknown property (allowed: recipient_id, text)" },
  { ABC, "{'a':1,'foo':2}", 0, "/foo: unknown property (allowed: a, b, c)" },
  { ABC, "{'a':1,'b':2,'c':3}", 1, NULL },
  /* properties are checked in schema order, not instance order. */
  { "{'properties':{'a':{'type':'string'},'b':{'type':'string'}}}",
    "{'b':1,'a':2}", 0, "/a: expected string" },
  { "{'additionalProperties':false}", "{'x':1}", 0,
    "/x: unknown property (this object takes no properties)" },
  { "{'additionalProperties':false}", "{}", 1, NULL },
  { "{'additionalProperties':false}", "[1]", 1, NULL },
  { "{'properties':{'a':{}},'additionalProperties':{'type':'integer'}}",
    "{'a':'s','x':1,'y':'no'}", 0, "/y: expected integer, got string" },
  { "{'properties':{'a':{}},'additionalProperties':true}", "{'zz':[]}", 1,
    NULL },
  { "{'properties':{'a':false}}", "{'a':1}", 0,
    "/a: no value is allowed here" },
  { "{'properties':{'a':false}}", "{'b':1}", 1, NULL },
  { "{'required':['a']}", "[]", 1, NULL },
  /* RFC 6901 escaping in pointers. */
  { "{'properties':{'a/b':{'type':'string'}}}", "{'a/b':1}", 0,
    "/a~1b: expected string" },
  { "{'properties':{'m~n':{'type':'string'}}}", "{'m~n':1}", 0,
    "/m~0n: expected string" },
  { "{'properties':{'~/':{'type':'string'}}}", "{'~/':1}", 0,
    "/~0~1: expected string" },
  { "{'required':['a/b']}", "{}", 0, "/a~1b: required property is missing" },
  { "{'additionalProperties':false}", "{'x/~y':1}", 0,
    "/x~1~0y: unknown property" },
  { "{'properties':{'名前':{'type':'string'}}}", "{'名前':1}", 0,
    "/名前: expected string" },
  /* nested objects and array items */
  { NEST, "{'recipients':[{'id':'1'},{'id':'2'},{'id':'x'}]}", 0,
    "/recipients/2/id: must match the pattern \"^[0-9]+$\"" },
  { NEST, "{'recipients':[{'id':'1'},{},{}]}", 0,
    "/recipients/1/id: required property is missing" },
  { NEST, "{'recipients':[{'id':'1'},{'id':'22'}]}", 1, NULL },
  { NEST, "{'recipients':{'id':'1'}}", 0,
    "/recipients: expected array, got object" },
  { "{'properties':{'a':{'properties':{'b':{'properties':{'c':"
    "{'type':'integer'}}}}}}}", "{'a':{'b':{'c':'x'}}}", 0,
    "/a/b/c: expected integer, got string" },
};

static void
test_objects(void **state)
{
  RUN(object_cases);
}

/* --- enum and const -------------------------------------------------- */

static const struct vcase enum_cases[] = {
  { "{'enum':['inbox','other','spam']}", "'inbox'", 1, NULL },
  { "{'enum':['inbox','other','spam']}", "'trash'", 0,
    "/: must be one of \"inbox\", \"other\", \"spam\"" },
  { "{'properties':{'folder':{'enum':['inbox','other','spam']}}}",
    "{'folder':'Inbox'}", 0,
    "/folder: must be one of \"inbox\", \"other\", \"spam\"" },
  { "{'enum':[1,2]}", "1.0", 1, NULL },
  { "{'enum':[1,2]}", "true", 0, "/: must be one of 1, 2" },
  { "{'enum':[1,'a',null,2.5,{'k':[1]}]}", "{'k':[1.0]}", 1, NULL },
  { "{'enum':[1,'a',null,2.5,{'k':[1]}]}", "false", 0,
    "must be one of 1, \"a\", null, 2.5, {\"k\":[1]}" },
  { "{'enum':[false]}", "0", 0, "must be one of false" },
  { "{'enum':[0]}", "false", 0, "must be one of 0" },
  { "{'const':'image'}", "'image'", 1, NULL },
  { "{'const':'image'}", "'video'", 0, "/: must be \"image\"" },
  { "{'const':{'a':[1,2],'b':null}}", "{'b':null,'a':[1,2.0]}", 1, NULL },
  { "{'const':{'a':[1,2],'b':null}}", "{'a':[1,2]}", 0,
    "must be {\"a\":[1,2],\"b\":null}" },
  { "{'const':false}", "0", 0, "/: must be false" },
  { "{'const':1}", "true", 0, "/: must be 1" },
  { "{'const':9007199254740993}", "9007199254740992.0", 0, "must be" },
  { "{'const':9007199254740992}", "9007199254740992.0", 1, NULL },
};

static void
test_enum_const(void **state)
{
  RUN(enum_cases);
}

/* --- numbers --------------------------------------------------------- */

#define LIMIT "{'properties':{'limit':{'type':'integer','minimum':1," \
              "'maximum':100}}}"

static const struct vcase number_cases[] = {
  { LIMIT, "{'limit':500}", 0, "/limit: must be <= 100 (got 500)" },
  { LIMIT, "{'limit':0}", 0, "/limit: must be >= 1 (got 0)" },
  { LIMIT, "{'limit':100}", 1, NULL },
  { LIMIT, "{'limit':1}", 1, NULL },
  { LIMIT, "{'limit':50.0}", 1, NULL },
  { LIMIT, "{'limit':50.5}", 0, "/limit: expected integer, got number 50.5" },
  { "{'exclusiveMinimum':0}", "0", 0, "/: must be > 0 (got 0)" },
  { "{'exclusiveMinimum':0}", "0.001", 1, NULL },
  { "{'exclusiveMinimum':0}", "-0.0", 0, "must be > 0" },
  { "{'exclusiveMaximum':10}", "10", 0, "/: must be < 10 (got 10)" },
  { "{'exclusiveMaximum':10}", "10.0", 0, "/: must be < 10 (got 10)" },
  { "{'exclusiveMaximum':10}", "9.99", 1, NULL },
  { "{'maximum':3}", "1e20", 0, "/: must be <= 3 (got 1e+20)" },
  { "{'maximum':3}", "12.0", 0, "/: must be <= 3 (got 12)" },
  { "{'maximum':0.1}", "0.30000000000000004", 0,
    "(got 0.30000000000000004)" },
  { "{'maximum':1.5}", "1.6", 0, "/: must be <= 1.5 (got 1.6)" },
  { "{'maximum':1.5}", "1.5", 1, NULL },
  { "{'minimum':0.1}", "0", 0, "/: must be >= 0.1 (got 0)" },
  /* Integers are compared exactly, not through a double. */
  { "{'maximum':9007199254740992}", "9007199254740993", 0,
    "must be <= 9007199254740992 (got 9007199254740993)" },
  { "{'maximum':9007199254740992.0}", "9007199254740993", 0,
    "(got 9007199254740993)" },
  { "{'minimum':9007199254740993}", "9007199254740992.0", 0, "must be >=" },
  { "{'maximum':1e300}", "9223372036854775807", 1, NULL },
  { "{'minimum':-1e300}", "-9223372036854775807", 1, NULL },
  { "{'maximum':-1e300}", "-9223372036854775807", 0, "must be <=" },
  { "{'minimum':5}", "'abc'", 1, NULL },
};

static void
test_numbers(void **state)
{
  RUN(number_cases);
}

/* --- strings --------------------------------------------------------- */

static const struct vcase string_cases[] = {
  { "{'maxLength':3}", "'日本語'", 1, NULL },
  { "{'maxLength':3}", "'日本語です'", 0,
    "/: must be at most 3 characters (got 5)" },
  { "{'maxLength':1}", "'😀'", 1, NULL },
  { "{'maxLength':1}", "'😀😀'", 0, "must be at most 1 character (got 2)" },
  { "{'minLength':2}", "'😀'", 0, "/: must be at least 2 characters (got 1)" },
  { "{'minLength':1}", "''", 0, "/: must be at least 1 character (got 0)" },
  { "{'minLength':2,'maxLength':2}", "'é😀'", 1, NULL },
  { "{'maxLength':2.0}", "'abc'", 0, "must be at most 2 characters (got 3)" },
  { "{'maxLength':0}", "''", 1, NULL },
  { "{'x-maxBytes':8}", "'日本語'", 0,
    "/: must be at most 8 bytes in UTF-8 (got 9 bytes in 3 characters" },
  { "{'x-maxBytes':9}", "'日本語'", 1, NULL },
  { "{'x-maxBytes':4,'maxLength':1}", "'😀'", 1, NULL },
  { "{'x-maxBytes':3}", "'😀'", 0, "at most 3 bytes in UTF-8 (got 4 bytes" },
  { "{'x-maxBytes':3}", "12345", 1, NULL },
  { "{'maxLength':3}", "[1,2,3,4]", 1, NULL },
};

static void
test_strings(void **state)
{
  RUN(string_cases);
}

/* The cases from the API comment, on text too long for a table row. */
static void
test_long_text(void **state)
{
  json_t *s = load("{'type':'object','properties':{'text':{'type':'string',"
                   "'maxLength':1000,'x-maxBytes':1000}}}");
  struct buf b;
  struct err e;
  json_t *v;

  assert_int_equal(schema_check(s, &e), 0);
  buf_init(&b, 1 << 20);
  for (int i = 0; i < 1203; i++)
    buf_putc(&b, 'a');
  v = json_pack("{s:s}", "text", buf_cstr(&b));
  assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
  assert_string_equal(e.msg, "/text: must be at most 1000 characters "
                             "(got 1203)");
  json_decref(v);

  /* 400 Japanese characters: 400 code points but 1200 bytes. */
  buf_reset(&b);
  for (int i = 0; i < 400; i++)
    buf_puts(&b, "日");
  v = json_pack("{s:s}", "text", buf_cstr(&b));
  assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
  assert_non_null(strstr(e.msg, "/text: must be at most 1000 bytes in "
                                "UTF-8 (got 1200 bytes in 400 characters"));
  json_decref(v);

  /* 333 of them (999 bytes) fit both limits. */
  buf_reset(&b);
  for (int i = 0; i < 333; i++)
    buf_puts(&b, "日");
  v = json_pack("{s:s}", "text", buf_cstr(&b));
  assert_int_equal(schema_validate(s, v, &e), 0);
  json_decref(v);
  buf_free(&b);
  json_decref(s);
}

/* --- arrays ---------------------------------------------------------- */

static const struct vcase array_cases[] = {
  { "{'minItems':1}", "[]", 0, "/: must have at least 1 item (got 0)" },
  { "{'minItems':2}", "[1]", 0, "/: must have at least 2 items (got 1)" },
  { "{'maxItems':2}", "[1,2,3]", 0, "/: must have at most 2 items (got 3)" },
  { "{'maxItems':2}", "[1,2]", 1, NULL },
  { "{'items':{'type':'string'}}", "['a',1]", 0,
    "/1: expected string, got integer 1" },
  { "{'items':{'type':'string'}}", "[]", 1, NULL },
  { "{'items':false}", "[1]", 0, "/0: no value is allowed here" },
  { "{'items':false}", "[]", 1, NULL },
  { "{'items':{'items':{'type':'integer'}}}", "[[1],[2,'x']]", 0,
    "/1/1: expected integer" },
  { "{'uniqueItems':true}", "[1,2,3]", 1, NULL },
  { "{'uniqueItems':true}", "[1,2,1.0]", 0,
    "/: items must be unique, but items 0 and 2 are equal" },
  { "{'uniqueItems':true}", "['a','b','a','b']", 0,
    "items 0 and 2 are equal" },
  { "{'uniqueItems':true}", "['x','b','a','b','a']", 0,
    "items 1 and 3 are equal" },
  { "{'uniqueItems':true}", "[{'a':1,'b':2},{'b':2,'a':1}]", 0,
    "items 0 and 1 are equal" },
  { "{'uniqueItems':true}", "[[1],[1]]", 0, "items 0 and 1" },
  { "{'uniqueItems':true}", "[1,true,0,false,null,'1',[1],{'1':1}]", 1,
    NULL },
  { "{'uniqueItems':true}", "[{'a':[1]},{'a':[2]}]", 1, NULL },
  { "{'uniqueItems':false}", "[1,1]", 1, NULL },
  { "{'properties':{'tags':{'uniqueItems':true}}}", "{'tags':['a','a']}", 0,
    "/tags: items must be unique" },
};

static void
test_arrays(void **state)
{
  RUN(array_cases);
}

/* uniqueItems over a big array: hashing keeps it fast, and the reported
 * pair is the earliest repeat. */
static void
test_unique_big(void **state)
{
  json_t *s = load("{'uniqueItems':true,'items':{'type':'integer'}}");
  json_t *v = json_array();
  struct err e;

  for (int i = 0; i < 200000; i++)
    json_array_append_new(v, json_integer(i));
  assert_int_equal(schema_validate(s, v, &e), 0);
  json_array_append_new(v, json_real(77.0));
  assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
  assert_string_equal(e.msg, "/: items must be unique, but items 77 and "
                             "200000 are equal");
  json_decref(v);
  json_decref(s);
}

/* --- formats --------------------------------------------------------- */

#define DT "{'format':'date-time'}"
#define URI "{'format':'uri'}"

static const struct vcase format_cases[] = {
  { DT, "'2025-01-31T09:30:00Z'", 1, NULL },
  { DT, "'2025-01-31t09:30:00.123z'", 1, NULL },
  { DT, "'2024-02-29T00:00:00+01:00'", 1, NULL },
  { DT, "'1990-12-31T23:59:60Z'", 1, NULL },
  { DT, "'1990-12-31T15:59:60-08:00'", 1, NULL },
  { DT, "'2023-02-29T00:00:00Z'", 0, "/: must be an RFC 3339 date-time" },
  { DT, "'2025-01-31T09:30:00'", 0, "offset is required" },
  { DT, "'2025-01-31 09:30:00Z'", 0, "RFC 3339" },
  { DT, "'2025-13-01T00:00:00Z'", 0, "RFC 3339" },
  { DT, "'2025-01-32T00:00:00Z'", 0, "RFC 3339" },
  { DT, "'2025-01-31T24:00:00Z'", 0, "RFC 3339" },
  { DT, "'2025-01-31T12:00:60Z'", 0, "RFC 3339" },
  { DT, "'2025-01-31T12:00:00.Z'", 0, "RFC 3339" },
  { DT, "'2025-01-31T12:00:00+0100'", 0, "RFC 3339" },
  { DT, "'2025-01-31T12:00:00Zjunk'", 0, "RFC 3339" },
  { DT, "'2025-01-31'", 0, "RFC 3339" },
  { DT, "5", 1, NULL },
  { URI, "'https://example.com/a?b=c#d'", 1, NULL },
  { URI, "'mailto:a@b.example'", 1, NULL },
  { URI, "'urn:isbn:0451450523'", 1, NULL },
  { URI, "'http://x.example/%41%7e'", 1, NULL },
  { URI, "'/relative/path'", 0,
    "/: must be an absolute URI with a scheme, such as" },
  { URI, "'example.com'", 0, "absolute URI" },
  { URI, "'http://exa mple.com'", 0, "absolute URI" },
  { URI, "'http://x/%zz'", 0, "absolute URI" },
  { URI, "'http://x/%4'", 0, "absolute URI" },
  { URI, "'https://例え.jp/'", 0, "absolute URI" },
  { URI, "''", 0, "absolute URI" },
  { URI, "'1http://x'", 0, "absolute URI" },
};

static void
test_formats(void **state)
{
  RUN(format_cases);
}

/* --- patterns -------------------------------------------------------- */

struct pcase {
  const char *pattern; /* JSON string body, ' for " not needed */
  const char *text;
  int match;
};

static const struct pcase pattern_cases[] = {
  { "^[0-9]{1,25}$", "17841400000000000", 1 },
  { "^[0-9]{1,25}$", "", 0 },
  { "^[0-9]{1,25}$", "12a", 0 },
  { "^[0-9]{1,25}$", "1234567890123456789012345", 1 },
  { "^[0-9]{1,25}$", "12345678901234567890123456", 0 },
  { "^[A-Za-z0-9_-]+$", "ab_C-9", 1 },
  { "^[A-Za-z0-9_-]+$", "a b", 0 },
  { "^https://", "https://x.example", 1 },
  { "^https://", "http://x.example", 0 },
  { "a+", "xxaayy", 1 },
  { "a+", "xyz", 0 },
  { "^\\d{3}-\\w+\\s?$", "123-ab_ ", 1 },
  { "^\\d{3}-\\w+\\s?$", "12-ab", 0 },
  { "^\\S+$", "ab", 1 },
  { "^\\S+$", "a b", 0 },
  { "^\\D$", "a", 1 },
  { "^\\D$", "1", 0 },
  { "^\\W$", "!", 1 },
  { "^\\W$", "_", 0 },
  { "^[\\s]+$", " \t\n", 1 },
  { "^[\\d.]+$", "1.5", 1 },
  { "^[\\d.]+$", "1,5", 0 },
  /* '.' is one byte and stops at line ends. */
  { "^.$", "é", 0 },
  { "^..$", "é", 1 },
  { "^a.b$", "a\nb", 0 },
  { "^a.b$", "a-b", 1 },
  { "^(jpg|png)$", "png", 1 },
  { "^(jpg|png)$", "gif", 0 },
  { "^(?:ab)+$", "abab", 1 },
  { "^(?:ab)+$", "aba", 0 },
  { "^a{2}$", "aa", 1 },
  { "^a{2}$", "aaa", 0 },
  { "^a{2,}$", "aaaa", 1 },
  { "^a{2,}$", "a", 0 },
  { "^a{0,1}b$", "b", 1 },
  { "^a\\.b$", "a.b", 1 },
  { "^a\\.b$", "axb", 0 },
  { "^a\\/b$", "a/b", 1 },
  { "^a\\-b$", "a-b", 1 },
  { "^\\(\\)\\[\\]\\{\\}\\*\\+\\?\\|\\^\\$\\\\$", "()[]{}*+?|^$\\", 1 },
  /* Classes with characters special to POSIX brackets. */
  { "^[\\]a]+$", "a]", 1 },
  { "^[\\^]$", "^", 1 },
  { "^[\\^]$", "a", 0 },
  { "^[a^]+$", "a^", 1 },
  { "^[\\^-]+$", "-^", 1 },
  { "^[\\^\\[]+$", "[^", 1 },
  { "^[\\[\\]]+$", "[]", 1 },
  { "^[-a]+$", "-a", 1 },
  { "^[a-]+$", "-a", 1 },
  { "^[a-c-e]+$", "b-e", 1 },
  { "^[a-c-e]+$", "d", 0 },
  { "^[^-]+$", "ab", 1 },
  { "^[^-]+$", "-", 0 },
  { "^[^^]$", "^", 0 },
  { "^[^^]$", "a", 1 },
  { "^[\\\\]$", "\\", 1 },
  { "^[.]$", ".", 1 },
  { "^[.]$", "a", 0 },
  { "^[[:]+$", "[:", 1 },
  { "^[[:]+$", "a", 0 },
  { "^[[=a]+$", "=a[", 1 },
  { "^[^a-z]+$", "ABC", 1 },
  { "^[^a-z]+$", "AbC", 0 },
  { "^[^a]$", "\n", 1 },
  { "^\\n$", "\n", 1 },
  { "^a|b$", "xb", 1 },
  { "^$", "", 1 },
  { "^$", "x", 0 },
};

/* Each pattern must pass schema_check and give the expected match.  The
 * byte-semantics rows use UTF-8 text; the C locale treats it as bytes. */
static void
test_patterns(void **state)
{
  size_t bad = 0;

  for (size_t i = 0; i < sizeof(pattern_cases) / sizeof(pattern_cases[0]);
       i++) {
    const struct pcase *c = &pattern_cases[i];
    json_t *s = json_pack("{s:s}", "pattern", c->pattern);
    json_t *v = json_string(c->text);
    struct err e;
    int rc;

    if (schema_check(s, &e) != 0) {
      print_error("pattern %zu %s: schema_check: %s\n", i, c->pattern,
                  e.msg);
      bad++;
    } else {
      rc = schema_validate(s, v, &e);
      if ((rc == 0) != c->match) {
        print_error("pattern %zu %s on \"%s\": want %s, got %d %s\n", i,
                    c->pattern, c->text, c->match ? "match" : "no match",
                    rc, rc ? e.msg : "");
        bad++;
      } else if (rc != 0 && strstr(e.msg, "must match the pattern") == NULL) {
        print_error("pattern %zu: message %s\n", i, e.msg);
        bad++;
      }
    }
    json_decref(s);
    json_decref(v);
  }
  assert_int_equal(bad, 0);
}

/* A NUL inside the string is data, not the end of it. */
static void
test_pattern_nul(void **state)
{
  json_t *s = load("{'pattern':'^[a-z]+$'}");
  json_t *v = json_stringn("abc\0<x>", 7);
  struct err e;

  assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
  assert_non_null(strstr(e.msg, "must match the pattern"));
  json_decref(v);
  json_decref(s);
}

struct bad_pattern {
  const char *pattern;
  const char *why;
};

static const struct bad_pattern bad_patterns[] = {
  { "(?=a)", "no lookaround" },
  { "(?!a)", "no lookaround" },
  { "(?<=a)b", "no lookaround" },
  { "(?<n>a)", "no named groups" },
  { "(a)\\1", "backreferences are not supported" },
  { "\\bword", "word boundaries" },
  { "a\\B", "word boundaries" },
  { "a*?", "lazy quantifiers" },
  { "a+?", "lazy quantifiers" },
  { "a{2}?", "lazy quantifiers" },
  { "*a", "quantifier '*' has nothing to repeat" },
  { "a**", "nothing to repeat" },
  { "^*", "nothing to repeat" },
  { "(+a)", "nothing to repeat" },
  { "(a", "unbalanced '('" },
  { "a)", "unbalanced ')'" },
  { "[a", "unterminated" },
  { "[]", "empty classes" },
  { "[^]", "empty classes" },
  { "[z-a]", "out of order" },
  { "[a-\\d]", "class escape cannot end a range" },
  { "[\\D]", "not supported inside [...]" },
  { "a{2,1}", "n < m" },
  { "a{1001}", "'{' must start" },
  { "a{", "'{' must start" },
  { "a{x}", "'{' must start" },
  { "a{,3}", "'{' must start" },
  { "a}", "unescaped '}'" },
  { "a]", "unescaped ']'" },
  { "", "empty pattern" },
  { "a||b", "empty alternative" },
  { "|a", "empty alternative" },
  { "()", "empty group" },
  { "(a|)", "empty group or alternative" },
  { "\\u0041", "the escape \\u is not supported" },
  { "\\x41", "the escape \\x is not supported" },
  { "\\p{L}", "the escape \\p is not supported" },
  { "é", "only printable ASCII" },
  { "a\tb", "only printable ASCII" },
  { "a\\", "trailing backslash" },
  { "((a{1000}){1000})", "too complex" },
  { "(((((((((((((((((a)))))))))))))))))", "nested deeper than 16" },
};

static void
test_bad_patterns(void **state)
{
  size_t bad = 0;
  char big[600];

  for (size_t i = 0; i < sizeof(bad_patterns) / sizeof(bad_patterns[0]);
       i++) {
    json_t *s = json_pack("{s:s}", "pattern", bad_patterns[i].pattern);
    struct err e;
    int rc = schema_check(s, &e);

    if (rc != ERR_INVALID || strncmp(e.msg, "/pattern: outside", 17) != 0 ||
        strstr(e.msg, bad_patterns[i].why) == NULL ||
        !utf8_valid(e.msg, strlen(e.msg), NULL)) {
      print_error("bad pattern %zu %s: rc %d \"%s\", want \"%s\"\n", i,
                  bad_patterns[i].pattern, rc, rc ? e.msg : "",
                  bad_patterns[i].why);
      bad++;
    }
    json_decref(s);
  }
  assert_int_equal(bad, 0);

  /* Longer than 512 bytes. */
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  {
    json_t *s = json_pack("{s:s}", "pattern", big);
    struct err e;
    assert_int_equal(schema_check(s, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "limited to 512 bytes"));
    json_decref(s);
  }
}

/* More distinct patterns than the cache holds, then a cleanup and reuse:
 * the uncached path and the cache itself must not leak. */
static void
test_pattern_cache(void **state)
{
  char pat[64], text[512];
  struct err e;

  for (int i = 1; i <= 300; i++) {
    json_t *s, *v;
    snprintf(pat, sizeof(pat), "^a{%d}$", i);
    s = json_pack("{s:s}", "pattern", pat);
    assert_int_equal(schema_check(s, &e), 0);
    memset(text, 'a', (size_t)i);
    text[i] = '\0';
    v = json_string(text);
    assert_int_equal(schema_validate(s, v, &e), 0);
    json_decref(v);
    text[i - 1] = '\0';
    v = json_string(text);
    assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
    json_decref(v);
    json_decref(s);
  }
  schema_cleanup();
  {
    json_t *s = load("{'pattern':'^x$'}"), *v = load("'x'");
    assert_int_equal(schema_validate(s, v, &e), 0);
    json_decref(v);
    json_decref(s);
  }
  schema_cleanup();
  schema_cleanup();
}

struct thread_arg {
  const json_t *schema;
  int failures;
};

static void *
pattern_thread(void *p)
{
  struct thread_arg *a = p;
  char text[32];
  struct err e;

  for (int i = 0; i < 2000; i++) {
    json_t *v;
    snprintf(text, sizeof(text), "%d", i);
    v = json_pack("{s:s}", "id", (i % 7) ? text : "x1");
    if ((schema_validate(a->schema, v, &e) == 0) != ((i % 7) != 0))
      a->failures++;
    json_decref(v);
  }
  return NULL;
}

/* Several threads share the cache while it fills. */
static void
test_pattern_threads(void **state)
{
  json_t *s = load("{'properties':{'id':{'pattern':'^[0-9]{1,25}$'}}}");
  struct thread_arg args[4];
  pthread_t th[4];

  schema_cleanup();
  for (int i = 0; i < 4; i++) {
    args[i].schema = s;
    args[i].failures = 0;
    assert_int_equal(pthread_create(&th[i], NULL, pattern_thread, &args[i]),
                     0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(args[i].failures, 0);
  }
  json_decref(s);
  schema_cleanup();
}

/* --- anyOf, oneOf ---------------------------------------------------- */

static const struct vcase alt_cases[] = {
  { "{'anyOf':[{'type':'string'},{'type':'integer'}]}", "3", 1, NULL },
  { "{'anyOf':[{'type':'string'},{'type':'integer'}]}", "true", 0,
    "/: must match at least one of the 2 alternatives in anyOf; "
    "#1: /: expected string, got boolean; "
    "#2: /: expected integer, got boolean" },
  { "{'properties':{'x':{'anyOf':[{'type':'string'},{'type':'null'}]}}}",
    "{'x':1}", 0, "/x: must match at least one of the 2 alternatives" },
  { "{'oneOf':[{'type':'integer'},{'minimum':2}]}", "1", 1, NULL },
  { "{'oneOf':[{'type':'integer'},{'minimum':2}]}", "2.5", 1, NULL },
  { "{'oneOf':[{'type':'integer'},{'minimum':2}]}", "3", 0,
    "/: must match exactly one of the 2 alternatives in oneOf, but "
    "matches #1 and #2" },
  { "{'oneOf':[{'type':'integer'},{'minimum':2}]}", "1.5", 0,
    "/: must match exactly one of the 2 alternatives in oneOf; "
    "#1: /: expected integer, got number 1.5; #2: /: must be >= 2 (got 1.5)" },
  { "{'oneOf':[{'required':['a']},{'required':['b']}]}", "{'b':1}", 1, NULL },
  { "{'oneOf':[{'required':['a']},{'required':['b']}]}", "{}", 0,
    "#1: /a: required property is missing; #2: /b: required property" },
  { "{'anyOf':[false,true]}", "1", 1, NULL },
  { "{'oneOf':[true,true]}", "1", 0, "matches #1 and #2" },
  { "{'type':'string','anyOf':[{'maxLength':2},{'minLength':4}]}", "3", 0,
    "/: expected string, got integer 3" },
};

static void
test_alternatives(void **state)
{
  RUN(alt_cases);
}

/* --- schema_check ---------------------------------------------------- */

struct ccase {
  const char *schema;
  const char *msg; /* NULL: must pass */
};

static const struct ccase check_cases[] = {
  { "{}", NULL },
  { "true", NULL },
  { "false", NULL },
  { "{'$schema':'https://json-schema.org/draft/2020-12/schema',"
    "'type':'object','title':'Send','description':'Sends a DM.',"
    "'$comment':'x','properties':{'recipient_id':{'type':'string',"
    "'description':'IGSID','pattern':'^[0-9]{1,25}$','examples':['123']},"
    "'text':{'type':'string','minLength':1,'maxLength':1000,"
    "'x-maxBytes':1000},'when':{'type':['string','null'],"
    "'format':'date-time'},'link':{'format':'uri'},'n':{'type':'integer',"
    "'minimum':1,'maximum':100,'default':25},'kind':{'enum':['a','b'],"
    "'default':'a'},'c':{'const':1},'x':{'exclusiveMinimum':0,"
    "'exclusiveMaximum':1},'tags':{'type':'array','items':{'type':'string'},"
    "'minItems':0,'maxItems':5,'uniqueItems':true},'o':{'anyOf':[{},"
    "{'oneOf':[true,false]}]}},'required':['recipient_id','text'],"
    "'additionalProperties':false}", NULL },
  { "{'properties':{'a':{}},'required':['a'],'additionalProperties':false}",
    NULL },
  { "{'required':['a']}", NULL },
  { "{'minimum':2,'maximum':2,'minLength':3,'maxLength':3}", NULL },
  { "5", "/: a schema must be an object or a boolean, got integer" },
  { "[]", "/: a schema must be an object or a boolean, got array" },
  { "{'type':'strin'}", "/type: must be one of \"string\"" },
  { "{'type':[]}", "/type: must be one of" },
  { "{'type':5}", "/type: must be one of" },
  { "{'type':['string','bogus']}", "/type/1: must be one of" },
  { "{'type':['string','string']}", "/type/1: duplicate type name" },
  { "{'foo':1}", "/foo: unknown keyword; igmcp supports only type," },
  { "{'not':{}}", "/not: unknown keyword" },
  { "{'$ref':'#/x'}", "/$ref: unknown keyword" },
  { "{'patternProperties':{}}", "/patternProperties: unknown keyword" },
  { "{'x-other':1}", "/x-other: unknown keyword" },
  { "{'properties':{'a':{'type':'string','maxLenght':3}}}",
    "/properties/a/maxLenght: unknown keyword" },
  { "{'properties':{'a/b':{'typo':1}}}", "/properties/a~1b/typo: unknown" },
  { "{'properties':{'m~':{'typo':1}}}", "/properties/m~0/typo: unknown" },
  { "{'items':{'anyOf':[{},{'typo':1}]}}", "/items/anyOf/1/typo: unknown" },
  { "{'properties':[]}", "/properties: must be an object" },
  { "{'properties':{'a':1}}", "/properties/a: a schema must be an object" },
  { "{'required':'a'}", "/required: must be an array of property names" },
  { "{'required':['a','a']}", "/required/1: duplicate name" },
  { "{'required':[1]}", "/required/0: must be a string" },
  { "{'properties':{'a':{}},'required':['a','b'],"
    "'additionalProperties':false}",
    "/required/1: \"b\" is required but not listed in properties" },
  { "{'required':['a'],'additionalProperties':false}",
    "/required/0: \"a\" is required" },
  { "{'additionalProperties':'no'}",
    "/additionalProperties: a schema must be an object or a boolean" },
  { "{'additionalProperties':{'type':'x'}}",
    "/additionalProperties/type: must be one of" },
  { "{'enum':[]}", "/enum: must be a non-empty array" },
  { "{'enum':'a'}", "/enum: must be a non-empty array" },
  { "{'enum':[1,'a',1.0]}", "/enum/2: duplicate of value 0" },
  { "{'minimum':'1'}", "/minimum: must be a number" },
  { "{'exclusiveMaximum':true}", "/exclusiveMaximum: must be a number" },
  { "{'maxLength':-1}", "/maxLength: must be a non-negative integer" },
  { "{'maxLength':1.5}", "/maxLength: must be a non-negative integer" },
  { "{'minItems':'2'}", "/minItems: must be a non-negative integer" },
  { "{'x-maxBytes':'a'}", "/x-maxBytes: must be a non-negative integer" },
  { "{'minLength':5,'maxLength':2}", "/minLength: is greater than maxLength" },
  { "{'minimum':5,'maximum':2.5}", "/minimum: is greater than maximum" },
  { "{'minItems':3,'maxItems':1}", "/minItems: is greater than maxItems" },
  { "{'pattern':5}", "/pattern: must be a string" },
  { "{'pattern':'(?=x)'}", "/pattern: outside the supported regex subset" },
  { "{'format':'email'}",
    "/format: unsupported format; supported: \"date-time\", \"uri\"" },
  { "{'format':1}", "/format: unsupported format" },
  { "{'items':[{}]}", "/items: the array (tuple) form is not supported" },
  { "{'items':5}", "/items: a schema must be an object or a boolean, got "
                   "integer" },
  { "{'uniqueItems':1}", "/uniqueItems: must be true or false" },
  { "{'anyOf':[]}", "/anyOf: must be a non-empty array of schemas" },
  { "{'oneOf':{}}", "/oneOf: must be a non-empty array of schemas" },
  { "{'oneOf':[{'type':'nope'}]}", "/oneOf/0/type: must be one of" },
  { "{'$schema':'http://json-schema.org/draft-07/schema#'}",
    "/$schema: only \"https://json-schema.org/draft/2020-12/schema\"" },
  { "{'properties':{'a':{'$schema':"
    "'https://json-schema.org/draft/2020-12/schema'}}}",
    "/properties/a/$schema: only allowed in the root schema" },
  { "{'description':5}", "/description: must be a string" },
  { "{'title':null}", "/title: must be a string" },
  { "{'$comment':[]}", "/$comment: must be a string" },
  { "{'examples':{}}", "/examples: must be an array" },
};

static void
test_check(void **state)
{
  size_t bad = 0;

  for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
    const struct ccase *c = &check_cases[i];
    json_t *s = load(c->schema);
    struct err e;
    int rc;

    err_clear(&e);
    rc = schema_check(s, &e);
    if (c->msg == NULL && rc != 0) {
      print_error("check %zu %s: want ok, got \"%s\"\n", i, c->schema,
                  e.msg);
      bad++;
    } else if (c->msg != NULL &&
               (rc != ERR_INVALID || strstr(e.msg, c->msg) == NULL)) {
      print_error("check %zu %s: got %d \"%s\", want \"%s\"\n", i, c->schema,
                  rc, e.msg, c->msg);
      bad++;
    }
    json_decref(s);
  }
  assert_int_equal(bad, 0);
}

/* A NULL schema or instance is an error, not a crash. */
static void
test_nulls(void **state)
{
  json_t *s = load("{}");
  struct err e;

  assert_int_equal(schema_check(NULL, &e), ERR_INVALID);
  assert_int_equal(schema_validate(NULL, s, &e), ERR_INTERNAL);
  assert_int_equal(schema_validate(s, NULL, &e), ERR_INVALID);
  assert_int_equal(schema_validate(s, s, NULL), 0);
  schema_apply_defaults(NULL, s);
  schema_apply_defaults(s, NULL);
  json_decref(s);
  s = load("{'type':'string'}");
  assert_int_equal(schema_validate(s, s, NULL), ERR_INVALID);
  json_decref(s);
}

/* schema_validate on a schema that never passed schema_check reports
 * ERR_INTERNAL rather than crashing or passing. */
static void
test_unchecked_schema(void **state)
{
  static const char *const cases[][2] = {
    { "{'maxLength':'x'}", "\"maxLength\" keyword is malformed" },
    { "{'type':'strin'}", "\"type\" keyword is malformed" },
    { "{'type':[1]}", "\"type\" keyword is malformed" },
    { "{'minimum':'1'}", "\"minimum\" keyword is malformed" },
    { "{'enum':5}", "\"enum\" keyword is malformed" },
    { "{'items':5}", "\"items\" keyword is malformed" },
    { "{'anyOf':[]}", "\"anyOf\" keyword is malformed" },
    { "{'pattern':'(?=x)'}", "the schema's pattern cannot be used" },
    { "{'format':'email'}", "\"format\" keyword is malformed" },
    { "{'properties':{'a':5}}", "/a: the schema is not an object" },
    { "{'required':[5]}", "\"required\" keyword is malformed" },
    { "{'anyOf':[{'anyOf':[{'maxLength':'x'}]}]}",
      "\"maxLength\" keyword is malformed" },
  };
  json_t *v = load("'abc'"), *o = load("{'a':[1]}"), *a = load("[1]");

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    json_t *s = load(cases[i][0]);
    struct err e;
    const json_t *inst =
        strstr(cases[i][0], "required") || strstr(cases[i][0], "properties")
            ? o : strstr(cases[i][0], "items") ? a : v;
    if (strstr(cases[i][0], "minimum"))
      inst = json_integer(3);
    err_clear(&e);
    if (schema_validate(s, inst, &e) != ERR_INTERNAL ||
        strstr(e.msg, cases[i][1]) == NULL)
      fail_msg("unchecked %zu %s: \"%s\"", i, cases[i][0], e.msg);
    if (strstr(cases[i][0], "minimum"))
      json_decref((json_t *)inst);
    json_decref(s);
  }
  json_decref(v);
  json_decref(o);
  json_decref(a);
}

/* --- depth ----------------------------------------------------------- */

/* Builds `levels` nested arrays (or objects under key "k"). */
static json_t *
nested(int levels, int objects)
{
  json_t *v = json_integer(1);

  for (int i = 0; i < levels; i++) {
    json_t *c = objects ? json_object() : json_array();
    if (objects)
      json_object_set_new(c, "k", v);
    else
      json_array_append_new(c, v);
    v = c;
  }
  return v;
}

static void
test_depth(void **state)
{
  json_t *s = load("{}"), *v;
  struct buf want;
  struct err e;

  v = nested(SCHEMA_MAX_DEPTH, 0);
  assert_int_equal(schema_validate(s, v, &e), 0);
  json_decref(v);

  v = nested(SCHEMA_MAX_DEPTH + 1, 0);
  assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
  buf_init(&want, 4096);
  for (int i = 0; i < SCHEMA_MAX_DEPTH; i++)
    buf_puts(&want, "/0");
  buf_puts(&want, ": nesting deeper than 64");
  assert_string_equal(e.msg, buf_cstr(&want));
  json_decref(v);

  v = nested(SCHEMA_MAX_DEPTH + 1, 1);
  assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
  buf_reset(&want);
  for (int i = 0; i < SCHEMA_MAX_DEPTH; i++)
    buf_puts(&want, "/k");
  buf_puts(&want, ": nesting deeper than 64");
  assert_string_equal(e.msg, buf_cstr(&want));
  json_decref(v);

  /* Far deeper than jansson's parser allows; the check stops early. */
  v = nested(20000, 0);
  assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
  assert_non_null(strstr(e.msg, "nesting deeper than 64"));
  json_decref(v);
  buf_free(&want);
  json_decref(s);
}

/* Wraps `inner` in `levels` layers of {"kw": ...} (or {"kw": [...]}). */
static json_t *
nested_schema(int levels, const char *kw, int list)
{
  json_t *s = json_object();

  for (int i = 0; i < levels; i++) {
    json_t *o = json_object();
    json_object_set_new(o, kw, list ? json_pack("[o]", s) : s);
    s = o;
  }
  return s;
}

static void
test_schema_depth(void **state)
{
  json_t *s, *v = load("[1]");
  struct err e;

  s = nested_schema(SCHEMA_MAX_DEPTH, "items", 0);
  assert_int_equal(schema_check(s, &e), 0);
  json_decref(s);
  s = nested_schema(SCHEMA_MAX_DEPTH + 1, "items", 0);
  assert_int_equal(schema_check(s, &e), ERR_INVALID);
  assert_non_null(strstr(e.msg, "subschemas nested deeper than 64"));
  assert_non_null(strstr(e.msg, "/items/items/items"));
  json_decref(s);

  /* Unchecked and too deep: validation refuses rather than recursing. */
  s = nested_schema(200, "anyOf", 1);
  assert_int_equal(schema_validate(s, v, &e), ERR_INTERNAL);
  assert_non_null(strstr(e.msg, "deeper than 64"));
  json_decref(s);
  s = nested_schema(SCHEMA_MAX_DEPTH, "anyOf", 1);
  assert_int_equal(schema_check(s, &e), 0);
  assert_int_equal(schema_validate(s, v, &e), 0);
  json_decref(s);

  /* A deep value under const is refused by schema_check. */
  s = json_object();
  json_object_set_new(s, "const", nested(SCHEMA_MAX_DEPTH + 1, 0));
  assert_int_equal(schema_check(s, &e), ERR_INVALID);
  assert_non_null(strstr(e.msg, "/const: value nested deeper than 64"));
  json_decref(s);
  json_decref(v);
}

/* --- messages -------------------------------------------------------- */

/* Long messages are cut at a UTF-8 boundary and stay valid. */
static void
test_message_truncation(void **state)
{
  json_t *en = json_array(), *s, *v;
  struct buf key;
  struct err e;

  for (int i = 0; i < 100; i++)
    json_array_append_new(en, json_sprintf("あいうえお%d", i));
  s = json_pack("{s:o}", "enum", en);
  assert_int_equal(schema_check(s, &e), 0);
  v = json_string("x");
  assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
  assert_true(strlen(e.msg) <= 511);
  assert_true(utf8_valid(e.msg, strlen(e.msg), NULL));
  assert_int_equal(strncmp(e.msg, "/: must be one of \"あいうえお0\"", 30),
                   0);
  assert_string_equal(e.msg + strlen(e.msg) - 3, "...");
  json_decref(v);
  json_decref(s);

  /* A 1000-byte Japanese key in the pointer. */
  buf_init(&key, 8192);
  for (int i = 0; i < 333; i++)
    buf_puts(&key, "鍵");
  s = load("{'additionalProperties':false}");
  v = json_object();
  json_object_set_new(v, buf_cstr(&key), json_true());
  assert_int_equal(schema_validate(s, v, &e), ERR_INVALID);
  assert_true(utf8_valid(e.msg, strlen(e.msg), NULL));
  assert_int_equal(strncmp(e.msg, "/鍵鍵", 7), 0);
  json_decref(v);
  json_decref(s);
  buf_free(&key);
}

/* --- defaults -------------------------------------------------------- */

static void
test_defaults(void **state)
{
  json_t *s = load(
      "{'type':'object','properties':{'limit':{'type':'integer',"
      "'default':25},'folder':{'enum':['inbox','other'],'default':'inbox'},"
      "'opts':{'type':'object','default':{},'properties':{'verbose':"
      "{'type':'boolean','default':false}}},'filter':{'type':'object',"
      "'properties':{'since':{'type':'string','default':'x'}}},"
      "'none':{'type':'string'},'list':{'type':'array','items':"
      "{'properties':{'a':{'default':1}}}}}}");
  json_t *v = load("{'limit':5,'filter':{},'list':[{},{'a':2},3]}");
  json_t *want = load("{'limit':5,'folder':'inbox','opts':{'verbose':false},"
                      "'filter':{'since':'x'},'list':[{'a':1},{'a':2},3]}");
  json_t *opts_default, *copy;
  struct err e;

  assert_int_equal(schema_check(s, &e), 0);
  schema_apply_defaults(s, v);
  if (!json_equal(v, want)) {
    char *got = json_dumps(v, JSON_SORT_KEYS);
    fail_msg("defaults gave %s", got);
    free(got);
  }
  assert_int_equal(schema_validate(s, v, &e), 0);

  /* The defaults are copies: changing the instance leaves the schema. */
  json_object_set_new(json_object_get(v, "opts"), "extra", json_true());
  opts_default = json_object_get(
      json_object_get(json_object_get(s, "properties"), "opts"), "default");
  assert_int_equal(json_object_size(opts_default), 0);

  /* Applying twice changes nothing more. */
  copy = json_deep_copy(v);
  schema_apply_defaults(s, v);
  assert_true(json_equal(v, copy));
  json_decref(copy);

  /* Not an object: untouched. */
  json_decref(v);
  v = load("[1]");
  schema_apply_defaults(s, v);
  assert_int_equal(json_array_size(v), 1);
  json_decref(v);

  /* Present values, even null, are kept. */
  v = load("{'limit':null}");
  schema_apply_defaults(s, v);
  assert_true(json_is_null(json_object_get(v, "limit")));
  json_decref(v);
  json_decref(want);
  json_decref(s);
}

/* --- JSON-Schema-Test-Suite ------------------------------------------ */

#define SUITE_DIR "/usr/share/json-schema-test-suite/tests/draft7"

/* Files for the keywords we support, with how many of their test cases
 * must run: a group is skipped only when schema_check refuses its schema
 * (it uses a keyword outside the subset), so a drop in these numbers means
 * schema_check started refusing something it used to accept. */
static const struct {
  const char *file;
  int cases;
} suite_files[] = {
  { "type.json", 59 },
  { "enum.json", 9 },
  { "const.json", 12 },
  { "minimum.json", 4 },
  { "maximum.json", 4 },
  { "exclusiveMinimum.json", 4 },
  { "exclusiveMaximum.json", 4 },
  { "minLength.json", 5 },
  { "maxLength.json", 5 },
  { "required.json", 7 },
  { "properties.json", 10 },
  { "additionalProperties.json", 6 },
  { "items.json", 8 },
  { "minItems.json", 4 },
  { "maxItems.json", 4 },
  { "uniqueItems.json", 13 },
  { "anyOf.json", 14 },
  { "oneOf.json", 15 },
  { "pattern.json", 4 },
  { "boolean_schema.json", 18 },
  { "default.json", 4 },
  { "optional/zeroTerminatedFloats.json", 1 },
  { "optional/format/date-time.json", 9 },
  { "optional/format/uri.json", 19 },
};

static void
test_suite(void **state)
{
  int total = 0, bad = 0;

  /* Fails, not skips, when the package is missing: scripts/deps.sh
   * installs it. */
  DIR *d = opendir(SUITE_DIR);
  if (d == NULL)
    fail_msg("%s is missing: install the Debian package "
             "json-schema-test-suite (scripts/deps.sh does)", SUITE_DIR);
  closedir(d);

  for (size_t f = 0; f < sizeof(suite_files) / sizeof(suite_files[0]); f++) {
    char path[512];
    json_error_t jerr;
    json_t *groups;
    int ran = 0, skipped = 0;

    snprintf(path, sizeof(path), "%s/%s", SUITE_DIR, suite_files[f].file);
    groups = json_load_file(path, 0, &jerr);
    if (groups == NULL)
      fail_msg("%s: %s", path, jerr.text);
    for (size_t g = 0; g < json_array_size(groups); g++) {
      json_t *grp = json_array_get(groups, g);
      json_t *schema = json_object_get(grp, "schema");
      json_t *tests = json_object_get(grp, "tests");
      struct err e;

      if (schema_check(schema, &e) != 0) {
        skipped++;
        continue;
      }
      for (size_t t = 0; t < json_array_size(tests); t++) {
        json_t *tc = json_array_get(tests, t);
        int want = json_is_true(json_object_get(tc, "valid"));
        int rc = schema_validate(schema, json_object_get(tc, "data"), &e);
        ran++;
        if (rc == ERR_INTERNAL || (rc == 0) != want) {
          print_error("%s: %s / %s: want %s, got %d %s\n",
                      suite_files[f].file,
                      json_string_value(json_object_get(grp, "description")),
                      json_string_value(json_object_get(tc, "description")),
                      want ? "valid" : "invalid", rc, rc ? e.msg : "");
          bad++;
        }
      }
    }
    print_message("suite %-36s ran %3d cases, skipped %d groups\n",
                  suite_files[f].file, ran, skipped);
    if (ran != suite_files[f].cases) {
      print_error("%s: ran %d cases, expected %d\n", suite_files[f].file,
                  ran, suite_files[f].cases);
      bad++;
    }
    total += ran;
    json_decref(groups);
  }
  print_message("suite: %d cases\n", total);
  assert_int_equal(bad, 0);
}

static int
teardown_all(void **state)
{
  schema_cleanup();
  return 0;
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_type),
    cmocka_unit_test(test_objects),
    cmocka_unit_test(test_enum_const),
    cmocka_unit_test(test_numbers),
    cmocka_unit_test(test_strings),
    cmocka_unit_test(test_long_text),
    cmocka_unit_test(test_arrays),
    cmocka_unit_test(test_unique_big),
    cmocka_unit_test(test_formats),
    cmocka_unit_test(test_patterns),
    cmocka_unit_test(test_pattern_nul),
    cmocka_unit_test(test_bad_patterns),
    cmocka_unit_test(test_pattern_cache),
    cmocka_unit_test(test_pattern_threads),
    cmocka_unit_test(test_alternatives),
    cmocka_unit_test(test_check),
    cmocka_unit_test(test_nulls),
    cmocka_unit_test(test_unchecked_schema),
    cmocka_unit_test(test_depth),
    cmocka_unit_test(test_schema_depth),
    cmocka_unit_test(test_message_truncation),
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_suite),
  };

  return cmocka_run_group_tests(tests, NULL, teardown_all);
}
