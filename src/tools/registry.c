/* SPDX-License-Identifier: MIT */
/*
 * registry.c: the table of toolsets, the parsed schemas and the call path
 * shared by tools/call and `igmcp call`.  Every schema is parsed and
 * checked against the supported subset at start-up, so a tool can never
 * ship a schema we would silently ignore.
 */
#include "tools/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "mcp/schema.h"

extern const struct toolset account_toolset;
extern const struct toolset media_toolset;
extern const struct toolset publishing_toolset;
extern const struct toolset comments_toolset;
extern const struct toolset hashtags_toolset;
extern const struct toolset insights_toolset;
extern const struct toolset messaging_toolset;
extern const struct toolset profile_toolset;

/* In the order tools/list and docs/tools.md show them. */
static const struct toolset *toolsets[] = {
  &messaging_toolset, &account_toolset,  &media_toolset,
  &publishing_toolset, &comments_toolset, &hashtags_toolset,
  &insights_toolset,  &profile_toolset,
};

#define NTOOLSETS (sizeof(toolsets) / sizeof(toolsets[0]))

struct entry {
  const struct tool *tool;
  const char *toolset;
  json_t *input;  /* parsed inputSchema */
  json_t *output; /* parsed outputSchema, with rate_limit added */
  json_t *json;   /* the tools/list object */
};

static struct entry *entries;
static size_t nentries;

static json_t *
parse_schema(const struct tool *t, const char *which, const char *text,
             struct err *e)
{
  json_error_t jerr;
  json_t *s = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  struct err se;

  if (s == NULL) {
    err_set(e, ERR_INTERNAL, "tool %s: %s is not JSON: %s", t->name, which,
            jerr.text);
    return NULL;
  }
  if (schema_check(s, &se) != 0) {
    err_set(e, ERR_INTERNAL, "tool %s: %s: %s", t->name, which, se.msg);
    json_decref(s);
    return NULL;
  }
  return s;
}

/* The tools/list object: name, title, description, schemas, annotations. */
static json_t *
tool_json(const struct entry *en)
{
  const struct tool *t = en->tool;
  json_t *ann = json_object();
  json_t *o;

  json_object_set_new(ann, "title", json_string(t->title));
  json_object_set_new(ann, "readOnlyHint",
                      json_boolean(t->hints & HINT_READ_ONLY));
  json_object_set_new(ann, "destructiveHint",
                      json_boolean(t->hints & HINT_DESTRUCTIVE));
  json_object_set_new(ann, "idempotentHint",
                      json_boolean(t->hints & HINT_IDEMPOTENT));
  json_object_set_new(ann, "openWorldHint",
                      json_boolean(t->hints & HINT_OPEN_WORLD));
  o = json_pack("{s:s, s:s, s:s, s:O, s:O, s:o}", "name", t->name, "title",
                t->title, "description", t->description, "inputSchema",
                en->input, "outputSchema", en->output, "annotations", ann);
  return o;
}

/* A failed call keeps its details in structuredContent.error, and some
 * clients validate structuredContent against the outputSchema even when
 * isError is true.  So every outputSchema also admits {"error":{...}}: the
 * root's required list becomes anyOf [{required: list}, {required:
 * [error]}]. */
static void
errors_in_output(json_t *out)
{
  json_t *props = json_object_get(out, "properties");
  json_t *req = json_object_get(out, "required");

  if (!json_is_object(props))
    return;
  json_object_set_new(
      props, "error",
      json_pack("{s:s, s:s}", "type", "object", "description",
                "Only when isError is true: what failed, Meta's code and "
                "what to do next."));
  if (json_is_array(req) && json_array_size(req) > 0) {
    json_object_set_new(out, "anyOf",
                        json_pack("[{s:O}, {s:[s]}]", "required", req,
                                  "required", "error"));
    json_object_del(out, "required");
  }
}

int
registry_init(struct err *e)
{
  size_t n = 0, k = 0;

  if (entries != NULL)
    return 0;
  for (size_t i = 0; i < NTOOLSETS; i++)
    n += toolsets[i]->ntools;
  entries = xcalloc(n, sizeof(*entries));
  for (size_t i = 0; i < NTOOLSETS; i++) {
    for (size_t j = 0; j < toolsets[i]->ntools; j++, k++) {
      struct entry *en = &entries[k];
      const struct tool *t = &toolsets[i]->tools[j];
      json_t *props;

      nentries = k + 1;
      en->tool = t;
      en->toolset = toolsets[i]->name;
      for (size_t m = 0; m < k; m++) {
        if (strcmp(entries[m].tool->name, t->name) == 0) {
          err_set(e, ERR_INTERNAL, "tool %s is defined twice", t->name);
          goto fail;
        }
      }
      en->input = parse_schema(t, "inputSchema", t->input_schema, e);
      if (en->input == NULL)
        goto fail;
      en->output = parse_schema(t, "outputSchema", t->output_schema, e);
      if (en->output == NULL)
        goto fail;
      /* Every result may carry Meta's rate-limit usage. */
      props = json_object_get(en->output, "properties");
      if (json_is_object(props) && json_object_get(props, "rate_limit") == NULL)
        json_object_set_new(props, "rate_limit",
                            json_pack("{s:s, s:s}", "type", "object",
                                      "description",
                                      "Meta's rate-limit usage, in percent "
                                      "of the limit"));
      errors_in_output(en->output);
      en->json = tool_json(en);
    }
  }
  return 0;
fail:
  registry_cleanup();
  return ERR_INTERNAL;
}

void
registry_cleanup(void)
{
  for (size_t i = 0; i < nentries; i++) {
    json_decref(entries[i].input);
    json_decref(entries[i].output);
    json_decref(entries[i].json);
  }
  free(entries);
  entries = NULL;
  nentries = 0;
  schema_cleanup();
}

size_t
registry_count(void)
{
  return nentries;
}

const struct tool *
registry_at(size_t i)
{
  return i < nentries ? entries[i].tool : NULL;
}

static const struct entry *
find_entry(const struct tool *t)
{
  for (size_t i = 0; i < nentries; i++)
    if (entries[i].tool == t)
      return &entries[i];
  return NULL;
}

const struct tool *
registry_find(const char *name)
{
  for (size_t i = 0; i < nentries; i++)
    if (strcmp(entries[i].tool->name, name) == 0)
      return entries[i].tool;
  return NULL;
}

const char *
registry_toolset_of(const struct tool *t)
{
  const struct entry *en = find_entry(t);
  return en ? en->toolset : NULL;
}

const json_t *
registry_tool_json_at(size_t i)
{
  return i < nentries ? entries[i].json : NULL;
}

const json_t *
registry_input_schema(const struct tool *t)
{
  const struct entry *en = find_entry(t);
  return en ? en->input : NULL;
}

const json_t *
registry_output_schema(const struct tool *t)
{
  const struct entry *en = find_entry(t);
  return en ? en->output : NULL;
}

/* An isError result whose text is the explanation and whose structured
 * content keeps the details. */
static json_t *
error_result(const char *text, json_t *detail)
{
  json_t *res = json_object();
  json_t *content = json_array();

  json_array_append_new(content,
                        json_pack("{s:s, s:s}", "type", "text", "text", text));
  json_object_set_new(res, "content", content);
  if (detail != NULL)
    json_object_set_new(res, "structuredContent", detail);
  json_object_set_new(res, "isError", json_true());
  return res;
}

/* The description of the top-level field an error message starts with
 * ("/name: ..."), to remind the caller what the field wants. */
static const char *
field_description(const json_t *schema, const char *msg)
{
  const json_t *props = json_object_get(schema, "properties");
  const char *end;
  char name[128];

  if (msg[0] != '/' || (end = strpbrk(msg + 1, "/:")) == NULL ||
      (size_t)(end - msg) >= sizeof(name) || end == msg + 1)
    return NULL;
  memcpy(name, msg + 1, (size_t)(end - msg - 1));
  name[end - msg - 1] = '\0';
  return json_string_value(
      json_object_get(json_object_get(props, name), "description"));
}

/* JSON Schema counts 5.0 as an integer; handlers read integers with
 * json_integer_value, so whole-number reals become integers here. */
static void
integers_exact(const json_t *schema, json_t *args)
{
  const json_t *props = json_object_get(schema, "properties");
  const char *k;
  json_t *v;

  json_object_foreach((json_t *)props, k, v) {
    const char *type = json_string_value(json_object_get(v, "type"));
    json_t *a = json_object_get(args, k);
    if (type != NULL && strcmp(type, "integer") == 0 && json_is_real(a))
      json_object_set_new(args, k,
                          json_integer((json_int_t)json_real_value(a)));
  }
}

json_t *
registry_call(const struct tool *t, const json_t *args, struct call *c)
{
  const struct entry *en = find_entry(t);
  struct result r = { 0 };
  struct err e;
  json_t *a, *res = NULL;
  char *text;

  if (en == NULL)
    return error_result("internal error: unknown tool", NULL);
  a = args != NULL ? json_deep_copy(args) : json_object();
  if (schema_validate(en->input, a, &e) != 0) {
    char msg[1200];
    const char *hint = field_description(en->input, e.msg);
    snprintf(msg, sizeof(msg),
             "Invalid arguments for %s: %s.%s%s%s Fix the argument and call "
             "again; the inputSchema in tools/list lists every field.",
             t->name, e.msg, hint ? " (The field is: " : "",
             hint ? hint : "", hint ? ")" : "");
    res = error_result(
        msg, json_pack("{s:{s:s, s:s}}", "error", "kind", "invalid_argument",
                       "message", e.msg));
    goto out;
  }
  schema_apply_defaults(en->input, a);
  integers_exact(en->input, a);
  t->run(c, a, &r);
  if (call_cancelled(c))
    goto out; /* no response for a cancelled call */
  if (r.is_error) {
    res = error_result(r.text ? r.text : "the tool failed", r.structured);
    r.structured = NULL;
    goto out;
  }
  if (r.structured == NULL)
    r.structured = json_object();
  if (c->usage != NULL && json_object_get(r.structured, "rate_limit") == NULL)
    json_object_set(r.structured, "rate_limit", c->usage);
  if (schema_validate(en->output, r.structured, &e) != 0) {
    log_errorx("tool %s returned a result that does not match its "
               "outputSchema: %s", t->name, e.msg);
    res = error_result("internal error: the result did not match the "
                       "tool's outputSchema; please report this",
                       NULL);
    goto out;
  }
  text = json_dumps(r.structured, JSON_COMPACT);
  res = json_object();
  json_object_set_new(
      res, "content",
      json_pack("[{s:s, s:s}]", "type", "text", "text", text ? text : "{}"));
  free(text);
  json_object_set(res, "structuredContent", r.structured);
out:
  json_decref(a);
  result_free(&r);
  return res;
}

/* Markdown for one schema's properties: name, type, required, rules. */
static void
md_props(struct buf *out, const json_t *schema)
{
  const json_t *props = json_object_get(schema, "properties");
  const json_t *req = json_object_get(schema, "required");
  const char *k;
  json_t *v;

  if (!json_is_object(props) || json_object_size(props) == 0) {
    buf_puts(out, "No arguments.\n\n");
    return;
  }
  buf_puts(out, "| argument | type | required | description |\n"
                "|---|---|---|---|\n");
  json_object_foreach((json_t *)props, k, v) {
    int required = 0;
    size_t i;
    json_t *r;
    const char *type = json_string_value(json_object_get(v, "type"));
    const char *desc = json_string_value(json_object_get(v, "description"));
    json_array_foreach(req, i, r) {
      if (json_is_string(r) && strcmp(json_string_value(r), k) == 0)
        required = 1;
    }
    buf_printf(out, "| `%s` | %s | %s | %s |\n", k, type ? type : "any",
               required ? "yes" : "no", desc ? desc : "");
  }
  buf_puts(out, "\n");
}

int
registry_markdown(struct buf *out)
{
  const char *cur = NULL;

  buf_puts(out, "# igmcp tools\n\n"
                "Generated by `igmcp tools --markdown` from the tool "
                "registry; do not edit by hand (a test fails when this "
                "file is stale).\n\n");
  buf_printf(out, "%zu tools.\n\n", nentries);
  for (size_t i = 0; i < nentries; i++) {
    const struct tool *t = entries[i].tool;
    char hints[128];

    if (cur == NULL || strcmp(cur, entries[i].toolset) != 0) {
      cur = entries[i].toolset;
      buf_printf(out, "## Toolset `%s`\n\n", cur);
    }
    snprintf(hints, sizeof(hints), "%s%s%s%s",
             t->hints & HINT_READ_ONLY ? "read-only" : "write",
             t->hints & HINT_DESTRUCTIVE ? ", destructive" : "",
             (t->hints & HINT_IDEMPOTENT) && !(t->hints & HINT_READ_ONLY)
                 ? ", idempotent" : "",
             t->hints & HINT_OPEN_WORLD ? ", open world" : "");
    buf_printf(out, "### `%s`: %s\n\n%s\n\n*%s*\n\n", t->name, t->title,
               t->description, hints);
    md_props(out, entries[i].input);
  }
  return 0;
}
