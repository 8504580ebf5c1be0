/* SPDX-License-Identifier: MIT */
/*
 * registry_call.c: the path of one tools/call, shared by the MCP server and
 * `igmcp call`.  Arguments are validated before the handler runs; the
 * result is then shaped for an agent's context window:
 *   - concise by default: a tool's detail keys and the rate-limit usage
 *     appear only with response_format "detailed" (the usage also when it
 *     nears the limit, when an agent needs to know);
 *   - text written by other people is cleaned of invisible, bidi and tag
 *     characters, and withheld in lockdown mode unless its author is
 *     trusted;
 *   - a list over REGISTRY_RESULT_MAX_BYTES is cut between items, with a
 *     cursor of our own ("~SKIP~GRAPHCURSOR") that re-reads the same Graph
 *     page and skips what was already shown, so nothing is lost;
 *   - lists say whether more items follow (has_more).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/log.h"
#include "base/untrusted.h"
#include "base/xalloc.h"
#include "mcp/schema.h"
#include "tools/account.h"
#include "tools/accounts.h"
#include "tools/registry.h"
#include "tools/registry_int.h"

static size_t result_max = REGISTRY_RESULT_MAX_BYTES;

void
registry_set_result_max(size_t bytes)
{
  result_max = bytes ? bytes : REGISTRY_RESULT_MAX_BYTES;
}

/* Usage at or above this percent is shown even in concise results. */
#define USAGE_HIGH_PERCENT 75

#define LOCK_OWN_MAX 64

/* An account's own id and username, for lockdown. */
struct lock_own {
  const struct account *acct; /* the account (per configured account) */
  char id[64];
  char username[64];
};

static struct {
  int on;
  char **trusted;     /* NULL-terminated */
  pthread_mutex_t mu; /* guards own */
  struct lock_own own[LOCK_OWN_MAX];
  size_t nown;
} lock = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Adds one --trusted-users entry, without a leading '@'. */
static int
add_trusted(const char *item, size_t len, void *arg)
{
  size_t *n = arg;

  while (len > 0 && *item == '@') {
    item++;
    len--;
  }
  if (len > 64)
    return -1;
  if (len > 0)
    lock.trusted[(*n)++] = xstrndup(item, len);
  return 0;
}

int
registry_set_lockdown(int on, const char *trusted, struct err *e)
{
  size_t n = 0;

  if (lock.trusted != NULL) {
    for (size_t i = 0; lock.trusted[i] != NULL; i++)
      free(lock.trusted[i]);
    free(lock.trusted);
    lock.trusted = NULL;
  }
  lock.on = on;
  lock.nown = 0;
  if (!on)
    return 0;
  for (const char *p = trusted; p != NULL && *p != '\0'; p++)
    n += *p == ',';
  lock.trusted = xcalloc(n + 2, sizeof(char *));
  n = 0;
  if (csv_each(trusted, add_trusted, &n) != 0) {
    registry_set_lockdown(0, NULL, NULL);
    return err_set(e, ERR_CONFIG, "--trusted-users: an entry is longer than "
                                  "a username or an ID");
  }
  return 0;
}

/* The call's account's id and username, read once per account: its own
 * text is never withheld.  0 on success. */
static int
lockdown_own(struct call *c, struct lockdown *l)
{
  struct result r = { 0 };
  /* With Instagram Login "id" is app-scoped; user_id is the id that
   * messages and media name the account by. */
  int ig = c->acct != NULL && c->acct->login == GRAPH_LOGIN_INSTAGRAM;
  struct graph_param p[2] = { { "fields", ig ? "user_id,username"
                                             : "id,username" },
                              { NULL, NULL } };
  char id[64];
  json_t *body = NULL;
  struct lock_own *own = NULL;
  int rc = 0;

  pthread_mutex_lock(&lock.mu);
  for (size_t i = 0; i < lock.nown && own == NULL; i++)
    if (lock.own[i].acct == c->acct)
      own = &lock.own[i];
  if (own == NULL) {
    if (account_resolve_own(c, &r, id, sizeof(id)) != 0 ||
        tool_graph(c, &r, "GET", id, p, NULL, 1, &body) != 0 ||
        lock.nown == LOCK_OWN_MAX) {
      rc = -1;
    } else {
      const char *v = json_string_value(
          json_object_get(body, ig ? "user_id" : "id"));
      own = &lock.own[lock.nown++];
      own->acct = c->acct;
      snprintf(own->id, sizeof(own->id), "%s", v ? v : "");
      v = json_string_value(json_object_get(body, "username"));
      snprintf(own->username, sizeof(own->username), "%s", v ? v : "");
    }
  }
  /* The rows never move and are only cleared at start-up. */
  pthread_mutex_unlock(&lock.mu);
  json_decref(body);
  result_free(&r);
  l->trusted = (const char *const *)lock.trusted;
  l->own_id = own != NULL && own->id[0] ? own->id : NULL;
  l->own_username = own != NULL && own->username[0] ? own->username : NULL;
  return rc;
}

/* An isError result whose text is the explanation and whose structured
 * content keeps the details. */
static json_t *
error_result(const char *text, json_t *detail)
{
  json_t *res = json_object();
  const json_t *g = json_object_get(json_object_get(detail, "error"),
                                    "graph");
  char full[1400];

  /* The model reads the text: give it Meta's code too. */
  if (json_is_integer(json_object_get(g, "code"))) {
    const json_t *sub = json_object_get(g, "subcode");
    char subs[32] = "";
    if (json_is_integer(sub))
      snprintf(subs, sizeof(subs), ", subcode %lld",
               (long long)json_integer_value(sub));
    snprintf(full, sizeof(full), "%s (Meta error code %lld%s)", text,
             (long long)json_integer_value(json_object_get(g, "code")),
             subs);
    text = full;
  }
  json_object_set_new(res, "content", json_pack("[{s:s, s:s}]", "type",
                                                "text", "text", text));
  if (detail != NULL)
    json_object_set_new(res, "structuredContent", detail);
  json_object_set_new(res, "isError", json_true());
  return res;
}

json_t *
reg_error_result(const char *text, json_t *detail)
{
  return error_result(text, detail);
}

static json_t *
invalid_args(const struct tool *t, const char *why, const char *hint)
{
  char msg[1200];

  snprintf(msg, sizeof(msg),
           "Invalid arguments for %s: %s.%s%s%s Fix the argument and call "
           "again; the inputSchema in tools/list lists every field.",
           t->name, why, hint ? " (The field is: " : "", hint ? hint : "",
           hint ? ")" : "");
  return error_result(msg, json_pack("{s:{s:s, s:s}}", "error", "kind",
                                     "invalid_argument", "message", why));
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

/* Our cursor "~SKIP~GRAPHCURSOR": puts the Graph cursor (or none) back in
 * args and returns SKIP; 0 when after is not ours; -1 when malformed. */
static long
own_cursor(json_t *args)
{
  const char *after = json_string_value(json_object_get(args, "after"));
  char *end;
  long skip;

  if (after == NULL || after[0] != '~')
    return 0;
  skip = strtol(after + 1, &end, 10);
  if (end == after + 1 || *end != '~' || skip < 1 || skip > 100000)
    return -1;
  if (end[1] == '\0')
    json_object_del(args, "after");
  else
    json_object_set_new(args, "after", json_string(end + 1));
  return skip;
}

/* Removes from every object in v the keys of the comma list keys, except
 * those named in fields (asking for a field is asking to see it). */
static void
drop_keys(json_t *v, const char *keys, const json_t *fields)
{
  size_t i;
  json_t *x, *f;
  const char *k;
  void *tmp;

  if (json_is_array(v)) {
    json_array_foreach(v, i, x) drop_keys(x, keys, fields);
    return;
  }
  if (!json_is_object(v))
    return;
  json_object_foreach_safe(v, tmp, k, x) {
    int asked = 0;
    if (!csv_has(keys, k, strlen(k))) {
      if (strcmp(k, "error") != 0)
        drop_keys(x, keys, fields);
      continue;
    }
    json_array_foreach(fields, i, f)
      asked |= json_is_string(f) && strcmp(json_string_value(f), k) == 0;
    if (!asked)
      json_object_del(v, k);
  }
}

/* 1 when any usage figure is at or above USAGE_HIGH_PERCENT, or Meta
 * says to wait. */
static int
usage_high(const json_t *u)
{
  const char *k;
  json_t *v;

  json_object_foreach((json_t *)u, k, v) {
    if (json_is_object(v) && usage_high(v))
      return 1;
    if (!json_is_number(v))
      continue;
    if (strncmp(k, "estimated_time_to_regain_access", 31) == 0 &&
        json_number_value(v) > 0)
      return 1;
    if (strcmp(k, "id") != 0 && json_number_value(v) >= USAGE_HIGH_PERCENT)
      return 1;
  }
  return 0;
}

static size_t
json_size(const json_t *v)
{
  return json_dumpb(v, NULL, 0, JSON_COMPACT);
}

/* Cuts the list of a result over the budget between items.  after_in is
 * the cursor the call was made with (a Graph cursor or NULL), skip the
 * items of that page already shown. */
static void
cut_list(const struct entry *en, json_t *res, const char *after_in,
         long skip)
{
  json_t *arr = json_object_get(res, en->list_key);
  size_t n = json_array_size(arr), total = json_size(res), keep, used;
  char note[300];

  if (total <= result_max || n < 2)
    return;
  /* What the result costs without the list, plus room for the cursor and
   * the note added below. */
  used = total - json_size(arr) + 2 + 600 + (after_in ? strlen(after_in) : 0);
  for (keep = 0; keep < n; keep++) {
    size_t item = json_size(json_array_get(arr, keep)) + 1;
    if (keep > 0 && used + item > result_max)
      break;
    used += item;
  }
  if (keep >= n)
    return;
  while (json_array_size(arr) > keep)
    json_array_remove(arr, keep);
  json_object_set_new(res, "omitted", json_integer((json_int_t)(n - keep)));
  if (en->takes_after) {
    struct buf b;
    buf_init(&b, 8192);
    buf_printf(&b, "~%ld~%s", skip + (long)keep, after_in ? after_in : "");
    json_object_set_new(res, "next_cursor", json_string(buf_cstr(&b)));
    buf_free(&b);
    snprintf(note, sizeof(note),
             "%zu more items of this page were left out to keep the result "
             "small; pass next_cursor as after to read them.", n - keep);
  } else {
    snprintf(note, sizeof(note),
             "%zu more items were left out to keep the result small; ask "
             "again with a smaller limit.", n - keep);
  }
  if (json_string_value(json_object_get(res, "note")) != NULL) {
    struct buf b;
    buf_init(&b, 8192);
    buf_printf(&b, "%s %s", json_string_value(json_object_get(res, "note")),
               note);
    json_object_set_new(res, "note", json_string(buf_cstr(&b)));
    buf_free(&b);
  } else {
    json_object_set_new(res, "note", json_string(note));
  }
}

/* Shapes a successful result; see the top of the file.  args are the
 * call's arguments (for fields). */
static void
shape(const struct entry *en, json_t *res, const json_t *args, int detailed,
      long skip, const char *after_in, struct call *c)
{
  json_t *arr = en->list_key ? json_object_get(res, en->list_key) : NULL;

  if (skip > 0 && json_is_array(arr)) {
    for (long i = 0; i < skip && json_array_size(arr) > 0; i++)
      json_array_remove(arr, 0);
  }
  untrusted_clean_json(res);
  if (lock.on) {
    struct lockdown l = { 0 };
    if (lockdown_own(c, &l) != 0)
      log_warnx("lockdown: cannot read the account's own id; its own "
                "text is withheld too");
    lockdown_filter(res, &l);
  }
  /* After lockdown, which reads the author keys a concise result drops. */
  if (!detailed && en->tool->detail_keys != NULL)
    drop_keys(res, en->tool->detail_keys, json_object_get(args, "fields"));
  if (c->usage != NULL && json_object_get(res, "rate_limit") == NULL &&
      (detailed || usage_high(c->usage)))
    json_object_set(res, "rate_limit", c->usage);
  if (json_is_array(arr)) {
    cut_list(en, res, after_in, skip);
    if (json_object_get(res, "count") != NULL)
      json_object_set_new(res, "count",
                          json_integer((json_int_t)json_array_size(arr)));
    json_object_set_new(res, "has_more",
                        json_boolean(json_object_get(res, "next_cursor")));
  }
}

/* Writes whose effect stays inside the account or the app (nothing
 * another person sees): --confirm-writes does not ask for these. */
static const char *const private_writes[] = {
  "ig_create_container", "ig_renew_token", "ig_subscribe_webhooks",
  "ig_unsubscribe_webhooks", "ig_set_typing", "ig_mark_seen", NULL
};

static int
public_write(const struct tool *t)
{
  if (t->hints & HINT_READ_ONLY)
    return 0;
  for (size_t i = 0; private_writes[i] != NULL; i++)
    if (strcmp(t->name, private_writes[i]) == 0)
      return 0;
  return 1;
}

/* --confirm-writes: asks the user whether the call may go ahead.  Returns
 * 0 when accepted, else -1 with *res set to the refusal. */
static int
confirm(const struct tool *t, const json_t *args, struct call *c,
        json_t **res)
{
  static const char schema_text[] =
    "{\"type\":\"object\",\"properties\":{\"confirm\":{\"type\":"
    "\"boolean\",\"title\":\"Allow this action\",\"description\":"
    "\"Yes carries it out on Instagram; no refuses it.\",\"default\":"
    "false}},\"required\":[\"confirm\"]}";
  json_t *schema, *content = NULL;
  char *shown, msg[2048];
  int rc;

  if (c->elicit == NULL) {
    *res = error_result(
        "Refused: this server runs with --confirm-writes, so a public "
        "action needs the user's confirmation, and this client cannot ask "
        "for it (no MCP elicitation support). Ask the user to run it "
        "from a client that supports elicitation, or the operator to "
        "drop --confirm-writes.",
        json_pack("{s:{s:s,s:s}}", "error", "kind",
                  "confirmation_unavailable", "tool", t->name));
    return -1;
  }
  shown = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
  snprintf(msg, sizeof(msg), "The assistant wants to run %s (%s) on your "
           "Instagram account with: %.1500s. Allow it?", t->name,
           t->title != NULL ? t->title : t->name, shown ? shown : "{}");
  free(shown);
  schema = json_loads(schema_text, 0, NULL);
  rc = c->elicit(c->elicit_arg, msg, schema, &content);
  json_decref(schema);
  if (rc == 1 && json_is_true(json_object_get(content, "confirm"))) {
    json_decref(content);
    log_info("confirm-writes: the user allowed %s", t->name);
    return 0;
  }
  json_decref(content);
  log_info("confirm-writes: %s refused (%s)", t->name,
           rc < 0 ? "no answer" : "declined");
  *res = error_result(
      rc < 0 ? "Refused: the user did not answer the confirmation request "
               "in time, so nothing was done. Ask again later."
             : "Refused: the user declined this action, so nothing was "
               "done. Do not retry it unless the user asks.",
      json_pack("{s:{s:s,s:s}}", "error", "kind",
                rc < 0 ? "confirmation_timeout" : "declined_by_user",
                "tool", t->name));
  return -1;
}

json_t *
registry_call(const struct tool *t, const json_t *args, const json_t *preset,
              struct call *c)
{
  const struct entry *en = reg_entry_of(t);
  struct result r = { 0 };
  struct err e;
  json_t *a, *res = NULL;
  char *text, *after_in = NULL, *who = NULL;
  long skip = 0;
  int detailed, safety = 0;
  struct reg_safety sf = { 0 };
  struct graph *saved_graph = c->graph;
  const struct account *saved_acct = c->acct;
  struct accounts_entry *saved_entry = c->account;

  if (en == NULL)
    return error_result("internal error: unknown tool", NULL);
  a = args != NULL ? json_deep_copy(args) : json_object();
  if (preset != NULL)
    json_object_update(a, (json_t *)preset);
  /* Every tool takes "account"; it picks the Graph client and account of
   * this call and is not the tool's own argument. */
  if (json_object_get(a, "account") != NULL) {
    if (!json_is_string(json_object_get(a, "account"))) {
      res = invalid_args(t, "/account: must be a string (an account's "
                            "name, @username or id)", NULL);
      goto out;
    }
    who = xstrdup(json_string_value(json_object_get(a, "account")));
    json_object_del(a, "account");
  }
  if (c->accounts != NULL || (who != NULL && who[0] != '\0')) {
    if (accounts_select(c->accounts, c, who, &r) != 0) {
      res = error_result(r.text, r.structured);
      r.structured = NULL;
      goto out;
    }
  }
  if (en->takes_after && en->list_key != NULL &&
      (skip = own_cursor(a)) < 0) {
    res = invalid_args(t, "/after: not a cursor this server returned", NULL);
    goto out;
  }
  if (schema_validate(en->input, a, &e) != 0) {
    res = invalid_args(t, e.msg, field_description(en->input, e.msg));
    goto out;
  }
  schema_apply_defaults(en->input, a);
  integers_exact(en->input, a);
  detailed = json_string_value(json_object_get(a, "response_format")) &&
             strcmp(json_string_value(json_object_get(a, "response_format")),
                    "detailed") == 0;
  json_object_del(a, "response_format");
  if (json_string_value(json_object_get(a, "after")) != NULL)
    after_in = xstrdup(json_string_value(json_object_get(a, "after")));
  c->dry_run = reg_dry_run() && !(t->hints & HINT_READ_ONLY);
  safety = 1;
  if (reg_safety_before(t, a, c, c->dry_run, &sf, &res))
    goto out;
  if (!c->dry_run && reg_confirm_writes() && public_write(t) &&
      confirm(t, a, c, &res) != 0) {
    sf.outcome = "refused";
    goto out;
  }
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
  if (schema_validate(en->output, r.structured, &e) != 0) {
    log_errorx("tool %s returned a result that does not match its "
               "outputSchema: %s", t->name, e.msg);
    res = error_result("internal error: the result did not match the "
                       "tool's outputSchema; please report this",
                       NULL);
    goto out;
  }
  shape(en, r.structured, a, detailed, skip, after_in, c);
  text = json_dumps(r.structured, JSON_COMPACT);
  res = json_object();
  json_object_set_new(
      res, "content",
      json_pack("[{s:s, s:s}]", "type", "text", "text", text ? text : "{}"));
  free(text);
  json_object_set(res, "structuredContent", r.structured);
out:
  if (safety) {
    if (c->dry_run)
      sf.outcome = "dry_run"; /* audited as what it was */
    reg_safety_after(t, a, c, &sf, call_cancelled(c) ? NULL : res);
    reg_safety_free(&sf);
  }
  c->graph = saved_graph;
  c->acct = saved_acct;
  c->account = saved_entry;
  free(who);
  free(after_in);
  json_decref(a);
  result_free(&r);
  return res;
}

int
registry_untrusted(json_t *v, struct call *c)
{
  struct lockdown l = { 0 };

  untrusted_clean_json(v);
  if (!lock.on)
    return 0;
  if (lockdown_own(c, &l) != 0)
    log_warnx("lockdown: cannot read the account's own id; its own text "
              "is withheld too");
  lockdown_filter(v, &l);
  return 1;
}
