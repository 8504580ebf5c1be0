/* SPDX-License-Identifier: MIT */
/*
 * registry.c: the table of toolsets, the parsed schemas, the aliases of
 * merged tools and the operator's selection.  Every schema is parsed and
 * checked against the supported subset at start-up, so a tool can never
 * ship a schema we would silently ignore.  The tools/list objects are
 * built once, as compact as the protocol allows: annotations say only
 * what differs from the defaults of the specification except readOnlyHint,
 * which is always explicit (hosts ask before a tool whose hint is unset).
 */
#include "tools/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "mcp/schema.h"
#include "tools/registry_int.h"

extern const struct toolset account_toolset;
extern const struct toolset accounts_toolset;
extern const struct toolset audit_toolset;
extern const struct toolset media_toolset;
extern const struct toolset publishing_toolset;
extern const struct toolset comments_toolset;
extern const struct toolset hashtags_toolset;
extern const struct toolset insights_toolset;
extern const struct toolset messaging_toolset;
extern const struct toolset inbox_toolset;
extern const struct toolset inbox_webhooks_toolset;
extern const struct toolset inbox_sync_toolset;
extern const struct toolset profile_toolset;

/* In the order tools/list and docs/tools.md show them.  A toolset split
 * over files is several structs with one name, kept adjacent here. */
static const struct toolset *toolsets[] = {
  &messaging_toolset, &inbox_toolset,     &inbox_sync_toolset,
  &inbox_webhooks_toolset, &account_toolset, &accounts_toolset, &audit_toolset, &media_toolset,
  &publishing_toolset, &comments_toolset, &hashtags_toolset,
  &insights_toolset,  &profile_toolset,
};

#define NTOOLSETS (sizeof(toolsets) / sizeof(toolsets[0]))

struct alias_entry {
  const struct tool_alias *alias;
  size_t target;  /* index in reg_entries */
  json_t *preset; /* parsed preset, or NULL */
};

struct entry *reg_entries;
size_t reg_nentries;
static struct alias_entry *aliases;
static size_t naliases;
static json_t *list; /* the enabled tools' objects */
static int read_only_mode;
static int dry_run_mode;
static unsigned long generation; /* registry_select calls, for caches */
static int confirm_mode;

/* Added to the inputSchema of read-only tools and of tools with detail
 * keys. */
/* (No description: it would repeat on forty tools; "detailed" adds every
 * field and the rate-limit usage, as README "Results" says.) */
static const char response_format_prop[] =
    "{\"type\":\"string\",\"enum\":[\"concise\",\"detailed\"],"
    "\"default\":\"concise\"}";

/* Added to the inputSchema of writes that are not idempotent
 * (registry_safety.c). */
static const char idempotency_prop[] =
    "{\"type\":\"string\",\"minLength\":1,\"maxLength\":200}";

static json_t *
parse_json(const char *name, const char *which, const char *text,
           int check, struct err *e)
{
  json_error_t jerr;
  json_t *s = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  struct err se;

  if (s == NULL) {
    err_set(e, ERR_INTERNAL, "tool %s: %s is not JSON: %s", name, which,
            jerr.text);
    return NULL;
  }
  if (check && schema_check(s, &se) != 0) {
    err_set(e, ERR_INTERNAL, "tool %s: %s: %s", name, which, se.msg);
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

  json_object_set_new(ann, "readOnlyHint",
                      json_boolean(t->hints & HINT_READ_ONLY));
  if (!(t->hints & HINT_READ_ONLY)) {
    /* The specification's defaults: destructive, not idempotent. */
    json_object_set_new(ann, "destructiveHint",
                        json_boolean(t->hints & HINT_DESTRUCTIVE));
    json_object_set_new(ann, "idempotentHint",
                        json_boolean(t->hints & HINT_IDEMPOTENT));
  }
  if (!(t->hints & HINT_OPEN_WORLD))
    json_object_set_new(ann, "openWorldHint", json_false());
  return json_pack("{s:s, s:s, s:s, s:O, s:O, s:o}", "name", t->name,
                   "title", t->title, "description", t->description,
                   "inputSchema", en->input, "outputSchema", en->output,
                   "annotations", ann);
}

/* An outputSchema as listed: the result's own keys and, for its lists
 * and objects, their items' keys and types; what those items nest (a
 * message's sender, a comment's replies) is listed as just an object or
 * an array.  The structure an agent relies on stays declared and checked
 * while a tools/list costs a third less. */
static void
trim_schema(json_t *s, int depth)
{
  json_t *props = json_object_get(s, "properties");
  json_t *items = json_object_get(s, "items");
  const char *k;
  json_t *v;

  /* Output descriptions stay in the source and docs/tools.md's text;
   * the keys' names and types are what an agent reads back. */
  json_object_del(s, "description");
  if (depth >= 3 && (props != NULL || items != NULL)) {
    const char *type = json_string_value(json_object_get(s, "type"));
    char keep[16];
    snprintf(keep, sizeof(keep), "%s", type ? type : "object");
    json_object_clear(s);
    json_object_set_new(s, "type", json_string(keep));
    return;
  }
  json_object_foreach(props, k, v) trim_schema(v, depth + 1);
  if (json_is_object(items))
    trim_schema(items, depth + 1);
}

/* The keys the registry may add to a result, declared in its schema.  A
 * failed call keeps its details in structuredContent.error, and some
 * clients validate structuredContent against the outputSchema even when
 * isError is true, so the root's required list becomes anyOf [{required:
 * list}, {required: [error]}]. */
static void
registry_keys(struct entry *en)
{
  json_t *out = en->output;
  json_t *props = json_object_get(out, "properties");
  json_t *req = json_object_get(out, "required");
  const char *k;
  json_t *v;

  if (!json_is_object(props))
    return;
  if (json_object_get(props, "next_cursor") != NULL) {
    json_object_foreach(props, k, v) {
      const char *type = json_string_value(json_object_get(v, "type"));
      if (type != NULL && strcmp(type, "array") == 0) {
        en->list_key = k; /* keys live as long as the schema */
        break;
      }
    }
  }
  if (en->list_key != NULL) {
    json_object_set_new(props, "has_more", json_pack("{s:s}", "type",
                                                     "boolean"));
    json_object_set_new(props, "omitted", json_pack("{s:s}", "type",
                                                    "integer"));
    if (json_object_get(props, "note") == NULL)
      json_object_set_new(props, "note", json_pack("{s:s}", "type",
                                                   "string"));
  }
  /* rate_limit (detailed results) and error (failed calls) are not
   * declared: output roots allow other keys, and the two declarations
   * cost every tool of tools/list about 14 tokens. */
  if (json_is_array(req) && json_array_size(req) > 0) {
    json_object_set_new(out, "anyOf",
                        json_pack("[{s:O}, {s:[s]}]", "required", req,
                                  "required", "error"));
    json_object_del(out, "required");
  }
}

static int
init_entry(struct entry *en, const struct tool *t, const char *toolset,
           struct err *e)
{
  en->tool = t;
  en->toolset = toolset;
  for (size_t m = 0; m < reg_nentries; m++) {
    if (&reg_entries[m] != en && strcmp(reg_entries[m].tool->name,
                                        t->name) == 0)
      return err_set(e, ERR_INTERNAL, "tool %s is defined twice", t->name);
  }
  if (strlen(t->name) > 40)
    return err_set(e, ERR_INTERNAL, "tool %s: name over 40 characters",
                   t->name);
  if (strlen(t->description) > 1000)
    return err_set(e, ERR_INTERNAL,
                   "tool %s: description over 1,000 characters", t->name);
  en->input = parse_json(t->name, "inputSchema", t->input_schema, 1, e);
  if (en->input == NULL)
    return ERR_INTERNAL;
  en->output = parse_json(t->name, "outputSchema", t->output_schema, 1, e);
  if (en->output == NULL)
    return ERR_INTERNAL;
  en->takes_after = json_object_get(json_object_get(en->input, "properties"),
                                    "after") != NULL;
  if (reg_repeatable_write(t))
    json_object_set_new(json_object_get(en->input, "properties"),
                        "idempotency_key",
                        json_loads(idempotency_prop, 0, NULL));
  if (t->detail_keys != NULL || (t->hints & HINT_READ_ONLY))
    json_object_set_new(json_object_get(en->input, "properties"),
                        "response_format",
                        json_loads(response_format_prop, 0, NULL));
  trim_schema(en->output, 0);
  registry_keys(en);
  en->json = tool_json(en);
  return 0;
}

static int
init_alias(struct alias_entry *ae, const struct tool_alias *a, struct err *e)
{
  size_t i;

  ae->alias = a;
  for (i = 0; i < reg_nentries; i++)
    if (strcmp(reg_entries[i].tool->name, a->target) == 0)
      break;
  if (i == reg_nentries)
    return err_set(e, ERR_INTERNAL, "alias %s: no tool %s", a->name,
                   a->target);
  for (size_t m = 0; m < reg_nentries; m++)
    if (strcmp(reg_entries[m].tool->name, a->name) == 0)
      return err_set(e, ERR_INTERNAL, "alias %s is also a tool", a->name);
  ae->target = i;
  if (a->preset != NULL) {
    ae->preset = parse_json(a->name, "preset", a->preset, 0, e);
    if (ae->preset == NULL)
      return ERR_INTERNAL;
  }
  return 0;
}

int
registry_init(struct err *e)
{
  size_t n = 0, na = 0, k = 0, ka = 0;
  struct registry_filter def = { 0 };

  if (reg_entries != NULL)
    return 0;
  for (size_t i = 0; i < NTOOLSETS; i++) {
    n += toolsets[i]->ntools;
    na += toolsets[i]->naliases;
  }
  reg_entries = xcalloc(n, sizeof(*reg_entries));
  aliases = xcalloc(na ? na : 1, sizeof(*aliases));
  for (size_t i = 0; i < NTOOLSETS; i++) {
    for (size_t j = 0; j < toolsets[i]->ntools; j++, k++) {
      reg_nentries = k + 1;
      if (init_entry(&reg_entries[k], &toolsets[i]->tools[j],
                     toolsets[i]->name, e) != 0)
        goto fail;
    }
  }
  for (size_t i = 0; i < NTOOLSETS; i++) {
    for (size_t j = 0; j < toolsets[i]->naliases; j++, ka++) {
      naliases = ka + 1;
      if (init_alias(&aliases[ka], &toolsets[i]->aliases[j], e) != 0)
        goto fail;
    }
  }
  if (registry_select(&def, e) != 0)
    goto fail;
  return 0;
fail:
  registry_cleanup();
  return ERR_INTERNAL;
}

void
registry_cleanup(void)
{
  for (size_t i = 0; i < reg_nentries; i++) {
    json_decref(reg_entries[i].input);
    json_decref(reg_entries[i].output);
    json_decref(reg_entries[i].json);
  }
  for (size_t i = 0; i < naliases; i++)
    json_decref(aliases[i].preset);
  free(reg_entries);
  free(aliases);
  json_decref(list);
  reg_entries = NULL;
  aliases = NULL;
  list = NULL;
  reg_nentries = naliases = 0;
  read_only_mode = 0;
  registry_set_lockdown(0, NULL, NULL);
  schema_cleanup();
}

/* Index of the tool or alias called name: tools first; *is_alias says
 * which table.  -1 when neither has it. */
static long
lookup(const char *name, int *is_alias)
{
  for (size_t i = 0; i < reg_nentries; i++) {
    if (strcmp(reg_entries[i].tool->name, name) == 0) {
      *is_alias = 0;
      return (long)i;
    }
  }
  for (size_t i = 0; i < naliases; i++) {
    if (strcmp(aliases[i].alias->name, name) == 0) {
      *is_alias = 1;
      return (long)i;
    }
  }
  return -1;
}

/* One flag's comma-separated list applied by fn to each name. */
struct each {
  const char *flag;
  int (*fn)(const char *name, const char *flag, int on, struct err *e);
  int on;
  struct err *e;
};

static int
each_item(const char *item, size_t len, void *arg)
{
  struct each *ea = arg;
  char name[96];

  if (len >= sizeof(name))
    return err_set(ea->e, ERR_CONFIG, "%s: name too long: \"%.40s...\"",
                   ea->flag, item);
  memcpy(name, item, len);
  name[len] = '\0';
  return ea->fn(name, ea->flag, ea->on, ea->e) != 0 ? ERR_CONFIG : 0;
}

/* Calls fn for each name of a comma-separated list. */
static int
each_name(const char *csv, const char *flag,
          int (*fn)(const char *name, const char *flag, int on,
                    struct err *e),
          int on, struct err *e)
{
  struct each ea = { flag, fn, on, e };
  return csv_each(csv, each_item, &ea);
}

static int
set_toolset(const char *name, const char *flag, int on, struct err *e)
{
  int found = 0;
  char known[400];
  size_t off;

  for (size_t i = 0; i < reg_nentries; i++) {
    struct entry *en = &reg_entries[i];
    if (strcmp(name, "all") == 0 || strcmp(name, en->toolset) == 0 ||
        (strcmp(name, "default") == 0 && (en->tool->flags & TOOL_DEFAULT))) {
      en->enabled = on;
      found = 1;
    }
  }
  if (found || strcmp(name, "default") == 0)
    return 0;
  off = (size_t)snprintf(known, sizeof(known), "default, all");
  /* Several structs may share a name (one toolset split over files);
   * they are adjacent in toolsets[], so each name is listed once. */
  for (size_t i = 0; i < NTOOLSETS && off < sizeof(known); i++)
    if (i == 0 || strcmp(toolsets[i]->name, toolsets[i - 1]->name) != 0)
      off += (size_t)snprintf(known + off, sizeof(known) - off, ", %s",
                              toolsets[i]->name);
  return err_set(e, ERR_CONFIG, "%s: unknown toolset \"%s\"; known: %s",
                 flag, name, known);
}

static int
set_tool(const char *name, const char *flag, int on, struct err *e)
{
  int is_alias;
  long i = lookup(name, &is_alias);

  if (i < 0)
    return err_set(e, ERR_CONFIG,
                   "%s: unknown tool \"%s\"; 'igmcp tools --toolsets all' "
                   "lists them", flag, name);
  reg_entries[is_alias ? aliases[i].target : (size_t)i].enabled = on;
  return 0;
}

int
registry_select(const struct registry_filter *f, struct err *e)
{
  const char *sets = f->toolsets;

  for (size_t i = 0; i < reg_nentries; i++)
    reg_entries[i].enabled = 0;
  if (sets == NULL || sets[strspn(sets, " \t,")] == '\0')
    sets = "default";
  if (each_name(sets, "--toolsets", set_toolset, 1, e) != 0 ||
      each_name(f->tools, "--tools", set_tool, 1, e) != 0 ||
      each_name(f->exclude, "--exclude-tools", set_tool, 0, e) != 0)
    return ERR_CONFIG;
  read_only_mode = f->read_only;
  dry_run_mode = f->dry_run;
  __atomic_add_fetch(&generation, 1, __ATOMIC_RELEASE);
  confirm_mode = f->confirm_writes;
  json_decref(list);
  list = json_array();
  for (size_t i = 0; i < reg_nentries; i++) {
    struct entry *en = &reg_entries[i];
    if (read_only_mode && !(en->tool->hints & HINT_READ_ONLY))
      en->enabled = 0;
    if (en->enabled)
      json_array_append(list, en->json);
  }
  return 0;
}

size_t
registry_count(void)
{
  return reg_nentries;
}

const struct tool *
registry_at(size_t i)
{
  return i < reg_nentries ? reg_entries[i].tool : NULL;
}

const struct entry *
reg_entry_of(const struct tool *t)
{
  for (size_t i = 0; i < reg_nentries; i++)
    if (reg_entries[i].tool == t)
      return &reg_entries[i];
  return NULL;
}

const char *
registry_toolset_of(const struct tool *t)
{
  const struct entry *en = reg_entry_of(t);
  return en ? en->toolset : NULL;
}

int
registry_enabled(const struct tool *t)
{
  const struct entry *en = reg_entry_of(t);
  return en != NULL && en->enabled;
}

const json_t *
registry_tool_json_at(size_t i)
{
  return i < reg_nentries ? reg_entries[i].json : NULL;
}

void
registry_set_accounts(size_t n, const char *default_name)
{
  for (size_t i = 0; i < reg_nentries; i++) {
    json_t *props = json_object_get(reg_entries[i].input, "properties");
    if (n > 1) {
      json_t *p = json_pack("{s:s, s:s++}", "type", "string", "description",
                            "Account: name, @username or id (default ",
                            default_name ? default_name : "the first", ")");
      json_object_set_new(props, "account", p);
    } else {
      json_object_del(props, "account");
    }
  }
}

const json_t *
registry_list(void)
{
  return list;
}

const json_t *
registry_input_schema(const struct tool *t)
{
  const struct entry *en = reg_entry_of(t);
  return en ? en->input : NULL;
}

const json_t *
registry_output_schema(const struct tool *t)
{
  const struct entry *en = reg_entry_of(t);
  return en ? en->output : NULL;
}

const struct tool *
registry_find(const char *name, const json_t **preset)
{
  int is_alias;
  long i = lookup(name, &is_alias);
  const struct entry *en;

  *preset = NULL;
  if (i < 0)
    return NULL;
  en = &reg_entries[is_alias ? aliases[i].target : (size_t)i];
  if (!en->enabled)
    return NULL;
  if (is_alias)
    *preset = aliases[i].preset;
  return en->tool;
}

void
registry_unavailable(const char *name, char *why, size_t len)
{
  int is_alias;
  long i = lookup(name, &is_alias);
  const struct entry *en;

  if (i < 0) {
    snprintf(why, len, "Unknown tool: %.100s. Call tools/list for the "
                       "available tools", name);
    return;
  }
  en = &reg_entries[is_alias ? aliases[i].target : (size_t)i];
  if (read_only_mode && !(en->tool->hints & HINT_READ_ONLY))
    snprintf(why, len, "Tool %s is refused: the server runs read-only "
                       "(--read-only), so no tool may change the account",
             name);
  else
    snprintf(why, len, "Tool %s is not enabled on this server: it is in "
                       "the %s toolset; the operator can add it with "
                       "--toolsets %s or --tools %s",
             name, en->toolset, en->toolset, en->tool->name);
}

size_t
registry_alias_count(void)
{
  return naliases;
}

const struct tool_alias *
registry_alias_at(size_t i)
{
  return i < naliases ? aliases[i].alias : NULL;
}

int
reg_dry_run(void)
{
  return dry_run_mode;
}

int
reg_confirm_writes(void)
{
  return confirm_mode;
}

unsigned long
registry_generation(void)
{
  return __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
}
