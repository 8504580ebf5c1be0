/* SPDX-License-Identifier: MIT */
/*
 * accounts.c: the table of accounts one server acts for, and the choice of
 * one for a call (accounts.h).
 */
#include "tools/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"

struct accounts *
accounts_new(void)
{
  struct accounts *a = xcalloc(1, sizeof(*a));

  pthread_mutex_init(&a->mu, NULL);
  return a;
}

void
accounts_free(struct accounts *a)
{
  if (a == NULL)
    return;
  for (size_t i = 0; i < a->n; i++) {
    struct accounts_entry *e = a->v[i];
    graph_free(e->graph);
    free(e->name);
    free(e->username);
    free(e->user_id);
    free(e->page_id);
    free(e);
  }
  free(a->v);
  free(a->creds_path);
  pthread_mutex_destroy(&a->mu);
  free(a);
}

struct accounts_entry *
accounts_add(struct accounts *a, const char *name, const char *username,
             enum graph_login login, const char *user_id,
             const char *page_id, struct graph *g)
{
  struct accounts_entry *e = xcalloc(1, sizeof(*e));

  e->username = username != NULL && username[0] != '\0'
                    ? xstrdup(username[0] == '@' ? username + 1 : username)
                    : NULL;
  e->user_id = xstrdup(user_id != NULL && user_id[0] != '\0' ? user_id
                                                             : "me");
  e->page_id = xstrdup(page_id != NULL && page_id[0] != '\0' ? page_id
                                                             : "me");
  if (name != NULL && name[0] != '\0')
    e->name = xstrdup(name);
  else if (e->username != NULL)
    e->name = xstrdup(e->username);
  else if (strcmp(e->user_id, "me") != 0)
    e->name = xstrdup(e->user_id);
  else
    e->name = xasprintf("account%zu", a->n + 1);
  e->acct.login = login;
  e->acct.user_id = e->user_id;
  e->acct.page_id = e->page_id;
  e->graph = g;
  a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
  a->v[a->n++] = e;
  return e;
}

struct accounts_entry *
accounts_find(struct accounts *a, const char *who)
{
  const char *bare;

  if (a == NULL || a->n == 0)
    return NULL;
  if (who == NULL || who[0] == '\0')
    return a->v[0];
  bare = who[0] == '@' ? who + 1 : who;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->v[i]->name, who) == 0)
      return a->v[i];
  for (size_t i = 0; i < a->n; i++) {
    const struct accounts_entry *e = a->v[i];
    if ((e->username != NULL && strcmp(e->username, bare) == 0) ||
        (who[0] != '@' && strcmp(e->user_id, who) == 0 &&
         strcmp(who, "me") != 0) ||
        (who[0] != '@' && strcmp(e->page_id, who) == 0 &&
         strcmp(who, "me") != 0))
      return a->v[i];
  }
  return NULL;
}

void
accounts_names(const struct accounts *a, char *out, size_t len)
{
  size_t used = 0;

  if (len == 0)
    return;
  out[0] = '\0';
  for (size_t i = 0; a != NULL && i < a->n && used < len; i++) {
    int n = snprintf(out + used, len - used, "%s%s", i ? ", " : "",
                     a->v[i]->name);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

int
accounts_select(struct accounts *a, struct call *c, const char *who,
                struct result *r)
{
  struct accounts_entry *e = accounts_find(a, who);
  char names[600];

  if (e == NULL && (who == NULL || who[0] == '\0'))
    return 0; /* no accounts: the call's own graph and acct */
  if (e == NULL) {
    accounts_names(a, names, sizeof(names));
    result_errorf(r, "unknown_account",
                  "No configured account is called \"%.100s\". The "
                  "accounts are: %s. Pass one of them (or its @username "
                  "or id) as account, or leave account out for the "
                  "first; ig_list_accounts lists them.", who,
                  names[0] ? names : "(none)");
    json_object_set_new(json_object_get(r->structured, "error"),
                        "accounts", json_string(names));
    return -1;
  }
  c->graph = e->graph;
  c->acct = &e->acct;
  c->account = e;
  return 0;
}

enum accounts_refresh
accounts_refresh_state(struct accounts *a, const struct accounts_entry *e,
                       int64_t now)
{
  enum accounts_refresh s = ACCOUNTS_REFRESH_OK;

  pthread_mutex_lock(&a->mu);
  if (e->refresh_failed)
    s = ACCOUNTS_REFRESH_FAILED;
  else if (e->refreshable && e->expires_at > 0 &&
           e->expires_at - now <= ACCOUNTS_REFRESH_WINDOW_S &&
           (e->issued_at <= 0 ||
            now - e->issued_at >= ACCOUNTS_REFRESH_MIN_AGE_S))
    s = ACCOUNTS_REFRESH_DUE;
  pthread_mutex_unlock(&a->mu);
  return s;
}

const char *
accounts_refresh_name(enum accounts_refresh s)
{
  return s == ACCOUNTS_REFRESH_DUE      ? "due"
         : s == ACCOUNTS_REFRESH_FAILED ? "failed"
                                        : "ok";
}

static json_t *
iso(int64_t t)
{
  time_t tt = (time_t)t;
  struct tm tm;
  char s[32];

  gmtime_r(&tt, &tm);
  strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(s);
}

json_t *
accounts_token_json(struct accounts *a, const struct accounts_entry *e,
                    int64_t now)
{
  enum accounts_refresh s = accounts_refresh_state(a, e, now);
  json_t *o = json_object();

  pthread_mutex_lock(&a->mu);
  if (e->expires_at > 0)
    json_object_set_new(o, "expires_at", iso(e->expires_at));
  json_object_set_new(o, "refresh_state",
                      json_string(accounts_refresh_name(s)));
  if (e->last_error[0] != '\0')
    json_object_set_new(o, "last_refresh_error", json_string(e->last_error));
  json_object_set_new(o, "auto_refresh", json_boolean(e->refreshable));
  pthread_mutex_unlock(&a->mu);
  return o;
}

/* ig_list_accounts: the configured accounts, never their tokens. */
static int
list_accounts(struct call *c, const json_t *args, struct result *r)
{
  json_t *arr = json_array();
  int64_t now = call_now_ms(c) / 1000;

  (void)args;
  if (c->accounts == NULL || c->accounts->n == 0) {
    json_decref(arr);
    return result_errorf(r, "not_configured",
                         "No account is configured: set IG_ACCESS_TOKEN, "
                         "or add accounts with igmcp login.");
  }
  for (size_t i = 0; i < c->accounts->n; i++) {
    const struct accounts_entry *e = c->accounts->v[i];
    int fb = e->acct.login == GRAPH_LOGIN_FACEBOOK;
    json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "name", e->name, "login",
                          fb ? "facebook" : "instagram", "host",
                          fb ? "graph.facebook.com" : "graph.instagram.com",
                          "default", i == 0);
    json_t *tok = accounts_token_json(c->accounts, e, now);
    if (e->username != NULL)
      json_object_set_new(o, "username", json_string(e->username));
    if (strcmp(e->user_id, "me") != 0)
      json_object_set_new(o, "id", json_string(e->user_id));
    if (fb && strcmp(e->page_id, "me") != 0)
      json_object_set_new(o, "page_id", json_string(e->page_id));
    if (json_object_get(tok, "expires_at") != NULL)
      json_object_set(o, "token_expires_at",
                      json_object_get(tok, "expires_at"));
    json_object_set(o, "refresh_state", json_object_get(tok, "refresh_state"));
    json_decref(tok);
    json_array_append_new(arr, o);
  }
  return result_ok(r, json_pack("{s:o}", "accounts", arr));
}

static const struct tool accounts_tools[] = {
  {
    .name = "ig_list_accounts",
    .flags = TOOL_DEFAULT,
    .title = "List the accounts",
    .description =
        "List the accounts this server acts for (name, username, id, "
        "login, token expiry); the first is the default. Tools take one "
        "as account.",
    .input_schema = "{\"type\":\"object\",\"properties\":{},"
                    "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{\"accounts\":{\"type\":"
        "\"array\",\"items\":{\"type\":\"object\"}}},"
        "\"required\":[\"accounts\"]}",
    .hints = HINTS_READ,
    .run = list_accounts,
  },
};

const struct toolset accounts_toolset = {
  .name = "account",
  .description = "Account: profile, linked Pages, business discovery, "
                 "tokens, app.",
  .tools = accounts_tools,
  .ntools = sizeof(accounts_tools) / sizeof(accounts_tools[0]),
};
