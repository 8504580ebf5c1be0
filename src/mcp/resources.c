/* SPDX-License-Identifier: MIT */
/*
 * resources.c: the inbox store's conversations as MCP resources, and the
 * per-session subscriptions that turn store changes into
 * notifications/resources/updated (resources.h).
 *
 * A conversation's URI is instagram://conversations/{id}, where id is the
 * other party's user id (an IGSID; what resources/list uses) or the
 * conversation's Graph id.  A subscription records the user id its
 * conversation is keyed by (a Graph id is resolved through the store when
 * the conversation is stored; an id the store does not know yet is taken
 * as a user id, so a subscription may precede the first message), and
 * the account id, because the store's change notices name both.
 *
 * Locks: r->mu guards the subscriptions, the queue and the watch handle.
 * The watch callback runs with the registry's read lock held and takes
 * r->mu; store_watch_add and store_watch_remove are therefore never called
 * with r->mu held, and wake is called after r->mu is released.
 */
#include "mcp/resources.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "mcp/jsonrpc.h"
#include "store/store.h"
#include "store/watch.h"
#include "tools/account.h"
#include "tools/registry.h"

#define ID_MAX 128          /* longest id accepted in a URI */
#define PAGE_SIZE 50        /* conversations per resources/list page */
#define READ_MESSAGES 200   /* newest messages in a resources/read */
#define SNIPPET_BYTES 80    /* last message text in a description */
#define SUBS_MAX 256        /* subscriptions per session */
#define TEMPLATE_TTL_MS 300000

struct sub {
  struct sub *next;
  char *uri;                /* as the client wrote it */
  char account[32];         /* our account id, as the store names it */
  char user[ID_MAX + 1];    /* the other party's id */
  char key[128];            /* the listen request's key, "" (legacy) */
  json_t *sid;              /* the listen request's id, or NULL */
};

struct mcp_res {
  pthread_mutex_t mu;
  struct store *store;
  mcp_res_wake_fn wake;
  void *wake_arg;
  struct sub *subs;
  int nsubs;
  json_t *queue;            /* [{uri, key?, sid?}] not yet taken */
  int scheduled;            /* wake called, queue not yet taken */
  int watch;                /* store_watch handle, 0 when none */
  int stopped;
};

struct mcp_res *
mcp_res_new(struct store *store, mcp_res_wake_fn wake, void *wake_arg)
{
  struct mcp_res *r = xcalloc(1, sizeof(*r));

  pthread_mutex_init(&r->mu, NULL);
  r->store = store;
  r->wake = wake;
  r->wake_arg = wake_arg;
  r->queue = json_array();
  return r;
}

static void
sub_free(struct sub *s)
{
  free(s->uri);
  json_decref(s->sid);
  free(s);
}

void
mcp_res_stop(struct mcp_res *r)
{
  int h;

  pthread_mutex_lock(&r->mu);
  r->stopped = 1;
  h = r->watch;
  r->watch = 0;
  pthread_mutex_unlock(&r->mu);
  store_watch_remove(h);
}

void
mcp_res_free(struct mcp_res *r)
{
  if (r == NULL)
    return;
  mcp_res_stop(r);
  while (r->subs != NULL) {
    struct sub *s = r->subs;
    r->subs = s->next;
    sub_free(s);
  }
  json_decref(r->queue);
  pthread_mutex_destroy(&r->mu);
  free(r);
}

/* ---- errors and small helpers -------------------------------------------- */

static json_t *
rpc_error(int code, const char *message, json_t *data)
{
  json_t *e = json_pack("{s:i, s:s}", "code", code, "message", message);

  if (data != NULL)
    json_object_set_new(e, "data", data);
  return e;
}

/* Resource not found: -32002 with data.uri until 2025-11-25, -32602 in
 * 2026-07-28 (SEP-2164). */
static json_t *
not_found(const char *uri, int modern)
{
  char msg[300];

  snprintf(msg, sizeof(msg), "Resource not found: %.200s (this server's "
           "resources are " MCP_RES_SCHEME "{id})", uri);
  return rpc_error(modern ? JSONRPC_INVALID_PARAMS
                          : MCP_ERR_RESOURCE_NOT_FOUND,
                   msg, json_pack("{s:s}", "uri", uri));
}

/* The id of an instagram://conversations/{id} URI, or NULL. */
static const char *
uri_id(const char *uri)
{
  size_t n = strlen(MCP_RES_SCHEME), len;
  const char *id;

  if (strncmp(uri, MCP_RES_SCHEME, n) != 0)
    return NULL;
  id = uri + n;
  len = strlen(id);
  if (len == 0 || len > ID_MAX)
    return NULL;
  for (const char *p = id; *p != '\0'; p++) {
    char ch = *p;
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
          (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '-' || ch == '.' ||
          ch == ':' || ch == '='))
      return NULL;
  }
  return id;
}

/* params.uri, or NULL with *err set. */
static const char *
param_uri(const json_t *params, json_t **err)
{
  const char *uri = json_string_value(json_object_get(params, "uri"));

  if (uri == NULL)
    *err = rpc_error(JSONRPC_INVALID_PARAMS,
                     "Invalid params: \"uri\" is required (a string such as "
                     "\"" MCP_RES_SCHEME "{user_id}\")", NULL);
  return uri;
}

/* The account id the store keys this account's data by. */
static int
account_id(struct call *c, char *out, size_t outlen, json_t **err)
{
  struct result r = { 0 };
  char msg[1100];

  if (account_store_id(c, &r, out, outlen) == 0)
    return 0;
  snprintf(msg, sizeof(msg), "The account's id is unknown, so its "
           "conversations cannot be read: %s",
           r.text != NULL ? r.text : "no detail");
  result_free(&r);
  *err = rpc_error(JSONRPC_INTERNAL_ERROR, msg, NULL);
  return -1;
}

/* Unix milliseconds as ISO 8601 UTC ("2026-12-06T03:04:05.678Z"). */
static void
iso_time(int64_t ms, char *out, size_t outlen)
{
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  char day[32];

  gmtime_r(&t, &tm);
  strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, outlen, "%s.%03dZ", day, (int)(ms % 1000));
}

static const char *
str(const json_t *o, const char *key)
{
  return json_string_value(json_object_get(o, key));
}

/* ---- resources/list, templates, read ------------------------------------- */

/* One conversation of store_list_inbox as a Resource. */
static json_t *
conv_resource(const json_t *conv)
{
  const char *user = str(conv, "user_id"), *username = str(conv, "username");
  const char *name = str(conv, "name");
  const json_t *last = json_object_get(conv, "last_message");
  const json_t *win = json_object_get(conv, "window");
  char uri[200], title[300], nm[200], desc[600], when[40], snip[100];
  int64_t mod = json_integer_value(json_object_get(last, "created_ms"));
  size_t n = 0;
  json_t *res;

  snprintf(uri, sizeof(uri), MCP_RES_SCHEME "%s", user ? user : "");
  if (username != NULL) {
    snprintf(nm, sizeof(nm), "@%s", username);
    if (name != NULL)
      snprintf(title, sizeof(title), "@%s (%s)", username, name);
    else
      snprintf(title, sizeof(title), "@%s", username);
  } else {
    snprintf(nm, sizeof(nm), "%s", user ? user : "");
    snprintf(title, sizeof(title), "Conversation with %s",
             name != NULL ? name : user ? user : "an unknown user");
  }
  desc[0] = '\0';
  if (last != NULL) {
    const char *text = str(last, "text"), *dir = str(last, "direction");

    iso_time(mod, when, sizeof(when));
    if (json_is_true(json_object_get(last, "deleted")))
      text = "(deleted)";
    utf8_clip(text != NULL ? text : "(no text)", SNIPPET_BYTES, snip,
         sizeof(snip));
    n += (size_t)snprintf(desc + n, sizeof(desc) - n,
                          "Last message %s at %s: %s. ",
                          dir != NULL && strcmp(dir, "out") == 0
                              ? "from us" : "from them",
                          when, snip);
  }
  if (n < sizeof(desc)) {
    const char *st = str(win, "state");
    int64_t until = json_integer_value(json_object_get(win, "until_ms"));
    if (st != NULL && until > 0) {
      iso_time(until, when, sizeof(when));
      n += (size_t)snprintf(desc + n, sizeof(desc) - n,
                            "Messaging window %s (%s %s). ", st,
                            strcmp(st, "closed") == 0 ? "since" : "until",
                            when);
    } else if (st != NULL) {
      n += (size_t)snprintf(desc + n, sizeof(desc) - n,
                            "Messaging window %s. ", st);
    }
  }
  if (n < sizeof(desc))
    snprintf(desc + n, sizeof(desc) - n, "%" JSON_INTEGER_FORMAT " unread.",
             json_integer_value(json_object_get(conv, "unread")));
  res = json_pack("{s:s, s:s, s:s, s:s, s:s}", "uri", uri, "name", nm,
                  "title", title, "description", desc, "mimeType",
                  "application/json");
  if (mod <= 0)
    mod = json_integer_value(json_object_get(conv, "updated_ms"));
  if (mod > 0) {
    iso_time(mod, when, sizeof(when));
    json_object_set_new(res, "annotations",
                        json_pack("{s:s}", "lastModified", when));
  }
  return res;
}

/* ttlMs and cacheScope on a 2026-07-28 list or read result. */
static void
cache_hints(json_t *res, int modern, int ttl_ms, const char *scope)
{
  if (!modern)
    return;
  json_object_set_new(res, "ttlMs", json_integer(ttl_ms));
  json_object_set_new(res, "cacheScope", json_string(scope));
}

json_t *
mcp_res_list(struct mcp_res *r, struct call *c, const json_t *params,
             int modern, json_t **err)
{
  const json_t *cur = json_object_get(params, "cursor"), *conv;
  char acct[32];
  struct err e = { 0 };
  json_t *inbox, *list, *res;
  size_t i;

  *err = NULL;
  if (cur != NULL && !json_is_null(cur) && !json_is_string(cur)) {
    *err = rpc_error(JSONRPC_INVALID_PARAMS, "Invalid params: \"cursor\" "
                     "must be a string (a nextCursor)", NULL);
    return NULL;
  }
  if (account_id(c, acct, sizeof(acct), err) != 0)
    return NULL;
  inbox = store_list_inbox(r->store, acct, call_now_ms(c), PAGE_SIZE,
                           json_string_value(cur), &e);
  if (inbox == NULL) {
    if (e.code == ERR_INVALID)
      *err = rpc_error(JSONRPC_INVALID_PARAMS, "Invalid params: unknown "
                       "cursor; call resources/list without one to start "
                       "over", NULL);
    else
      *err = rpc_error(JSONRPC_INTERNAL_ERROR, e.msg, NULL);
    return NULL;
  }
  /* Names and last messages are other people's text.  Lockdown judges a
   * text by its author: tell it who wrote each last message. */
  json_array_foreach(json_object_get(inbox, "conversations"), i, conv) {
    json_t *last = json_object_get(conv, "last_message");
    const char *dir = str(last, "direction");
    const char *who = str(conv, "user_id");

    if (dir != NULL && strcmp(dir, "out") == 0)
      who = acct;
    if (last != NULL && who != NULL)
      json_object_set_new(last, "from_id", json_string(who));
  }
  registry_untrusted(inbox, c);
  list = json_array();
  json_array_foreach(json_object_get(inbox, "conversations"), i, conv)
    if (str(conv, "user_id") != NULL)
      json_array_append_new(list, conv_resource(conv));
  res = json_pack("{s:o}", "resources", list);
  if (str(inbox, "next_cursor") != NULL)
    json_object_set_new(res, "nextCursor",
                        json_string(str(inbox, "next_cursor")));
  json_decref(inbox);
  /* Conversations change with every message: never fresh, never shared. */
  cache_hints(res, modern, 0, "private");
  return res;
}

json_t *
mcp_res_templates(int modern)
{
  json_t *res = json_pack(
      "{s:[{s:s, s:s, s:s, s:s, s:s}]}", "resourceTemplates", "uriTemplate",
      MCP_RES_SCHEME "{id}", "name", "conversation", "title",
      "Instagram conversation", "description",
      "One direct-message conversation from the local inbox store: the "
      "other party, the messaging window and the newest stored messages, "
      "oldest first. The id is the other party's user id (IGSID) or the "
      "Graph conversation id. Subscribe to hear when it changes.",
      "mimeType", "application/json");

  cache_hints(res, modern, TEMPLATE_TTL_MS, "public");
  return res;
}

json_t *
mcp_res_read(struct mcp_res *r, struct call *c, const json_t *params,
             int modern, json_t **err)
{
  const char *uri = param_uri(params, err), *id;
  char acct[32];
  struct err e = { 0 };
  json_t *h, *res;
  char *text;

  if (uri == NULL)
    return NULL;
  if ((id = uri_id(uri)) == NULL) {
    *err = not_found(uri, modern);
    return NULL;
  }
  if (account_id(c, acct, sizeof(acct), err) != 0)
    return NULL;
  h = store_get_history(r->store, acct, id, 0, READ_MESSAGES, &e);
  if (h == NULL) {
    *err = e.code == ERR_NOTFOUND ? not_found(uri, modern)
                                  : rpc_error(JSONRPC_INTERNAL_ERROR, e.msg,
                                              NULL);
    return NULL;
  }
  if (json_object_get(h, "next_before_ms") != NULL)
    json_object_set_new(h, "note", json_string(
        "Only the newest messages are here; for older ones call "
        "ig_get_history with before_ms = next_before_ms."));
  registry_untrusted(h, c);
  text = json_dumps(h, JSON_COMPACT);
  json_decref(h);
  res = json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri,
                  "mimeType", "application/json", "text", text ? text : "{}");
  free(text);
  cache_hints(res, modern, 0, "private");
  return res;
}

/* ---- subscriptions ------------------------------------------------------- */

/* The store's change notice: queues the URIs this session watches for
 * that conversation (each once until taken). */
static void
on_change(void *arg, const char *account, const char *user, const char *kind)
{
  struct mcp_res *r = arg;
  int wake = 0;

  (void)kind;
  if (account == NULL || user == NULL)
    return;
  pthread_mutex_lock(&r->mu);
  for (struct sub *s = r->subs; s != NULL && !r->stopped; s = s->next) {
    size_t i;
    json_t *q;
    int dup = 0;

    if (strcmp(s->account, account) != 0 || strcmp(s->user, user) != 0)
      continue;
    json_array_foreach(r->queue, i, q) {
      if (strcmp(str(q, "uri"), s->uri) == 0 &&
          strcmp(str(q, "key") ? str(q, "key") : "", s->key) == 0)
        dup = 1;
    }
    if (dup)
      continue;
    q = json_pack("{s:s}", "uri", s->uri);
    if (s->key[0] != '\0') {
      json_object_set_new(q, "key", json_string(s->key));
      json_object_set(q, "sid", s->sid);
    }
    json_array_append_new(r->queue, q);
    if (!r->scheduled) {
      r->scheduled = 1;
      wake = 1;
    }
  }
  pthread_mutex_unlock(&r->mu);
  if (wake)
    r->wake(r->wake_arg);
}

json_t *
mcp_res_take(struct mcp_res *r)
{
  json_t *q;

  pthread_mutex_lock(&r->mu);
  q = r->queue;
  r->queue = json_array();
  r->scheduled = 0;
  pthread_mutex_unlock(&r->mu);
  return q;
}

/* Registers the store watch on first use.  0, or -1 when stopped or the
 * registry is full. */
static int
ensure_watch(struct mcp_res *r)
{
  int h, stopped;

  pthread_mutex_lock(&r->mu);
  h = r->watch;
  stopped = r->stopped;
  pthread_mutex_unlock(&r->mu);
  if (stopped)
    return -1;
  if (h != 0)
    return 0;
  if ((h = store_watch_add(on_change, r)) < 0)
    return -1;
  pthread_mutex_lock(&r->mu);
  if (r->watch == 0 && !r->stopped) {
    r->watch = h;
    h = 0;
  }
  stopped = r->stopped;
  pthread_mutex_unlock(&r->mu);
  if (h != 0)
    store_watch_remove(h); /* another thread was first, or we stopped */
  return stopped ? -1 : 0;
}

/* Resolves uri to (account, user) in an object {uri, account, user}, or
 * NULL with *err set. */
static json_t *
resolve(struct mcp_res *r, struct call *c, const char *uri, json_t **err)
{
  const char *id = uri_id(uri);
  char acct[32];
  struct err e = { 0 };
  json_t *h, *out;

  if (id == NULL) {
    *err = not_found(uri, 0);
    return NULL;
  }
  if (account_id(c, acct, sizeof(acct), err) != 0)
    return NULL;
  out = json_pack("{s:s, s:s, s:s}", "uri", uri, "account", acct, "user",
                  id);
  h = store_get_history(r->store, acct, id, 0, 1, &e);
  if (h != NULL) {
    const char *user = str(json_object_get(h, "conversation"), "user_id");
    if (user != NULL && strlen(user) <= ID_MAX)
      json_object_set_new(out, "user", json_string(user));
    json_decref(h);
  }
  return out;
}

/* Adds a subscription unless the same (uri, key) exists.  0, or -1 when
 * the session holds SUBS_MAX or was stopped. */
static int
sub_add(struct mcp_res *r, const json_t *what, const json_t *sid,
        const char *key)
{
  struct sub *s;
  int rc = 0;

  pthread_mutex_lock(&r->mu);
  for (s = r->subs; s != NULL; s = s->next)
    if (strcmp(s->uri, str(what, "uri")) == 0 && strcmp(s->key, key) == 0)
      break;
  if (s == NULL && (r->stopped || r->nsubs >= SUBS_MAX)) {
    rc = -1;
  } else if (s == NULL) {
    s = xcalloc(1, sizeof(*s));
    s->uri = xstrdup(str(what, "uri"));
    snprintf(s->account, sizeof(s->account), "%s", str(what, "account"));
    snprintf(s->user, sizeof(s->user), "%s", str(what, "user"));
    snprintf(s->key, sizeof(s->key), "%s", key);
    s->sid = sid != NULL ? json_deep_copy(sid) : NULL;
    s->next = r->subs;
    r->subs = s;
    r->nsubs++;
  }
  pthread_mutex_unlock(&r->mu);
  return rc;
}

/* Removes the subscriptions with key whose uri is uri (any uri when
 * NULL). */
static void
sub_remove(struct mcp_res *r, const char *uri, const char *key)
{
  struct sub **pp, *s;

  pthread_mutex_lock(&r->mu);
  for (pp = &r->subs; *pp != NULL;) {
    s = *pp;
    if (strcmp(s->key, key) == 0 && (uri == NULL || strcmp(s->uri, uri) == 0)) {
      *pp = s->next;
      r->nsubs--;
      sub_free(s);
    } else {
      pp = &s->next;
    }
  }
  pthread_mutex_unlock(&r->mu);
}

json_t *
mcp_res_subscribe(struct mcp_res *r, struct call *c, const json_t *params,
                  json_t **err)
{
  const char *uri = param_uri(params, err);
  json_t *what;

  if (uri == NULL || (what = resolve(r, c, uri, err)) == NULL)
    return NULL;
  if (ensure_watch(r) != 0 || sub_add(r, what, NULL, "") != 0) {
    int stopped;
    json_decref(what);
    pthread_mutex_lock(&r->mu);
    stopped = r->stopped;
    pthread_mutex_unlock(&r->mu);
    *err = rpc_error(JSONRPC_INTERNAL_ERROR, stopped
                     ? "the server is shutting down"
                     : "Cannot watch more resources in this session: "
                       "unsubscribe from some first", NULL);
    return NULL;
  }
  json_decref(what);
  return json_object();
}

json_t *
mcp_res_unsubscribe(struct mcp_res *r, const json_t *params, json_t **err)
{
  const char *uri = param_uri(params, err);

  if (uri == NULL)
    return NULL;
  sub_remove(r, uri, "");
  return json_object();
}

json_t *
mcp_res_listen_check(struct mcp_res *r, struct call *c, const json_t *uris)
{
  json_t *agreed = json_array(), *v, *what, *err = NULL;
  size_t i;

  json_array_foreach(uris, i, v) {
    if (!json_is_string(v) || json_array_size(agreed) >= SUBS_MAX)
      continue;
    what = resolve(r, c, json_string_value(v), &err);
    if (what != NULL)
      json_array_append_new(agreed, what);
    json_decref(err);
    err = NULL;
  }
  return agreed;
}

void
mcp_res_listen_start(struct mcp_res *r, const json_t *agreed,
                     const json_t *sid, const char *key)
{
  const json_t *v;
  size_t i;

  if (json_array_size(agreed) == 0 || ensure_watch(r) != 0)
    return;
  json_array_foreach(agreed, i, v)
    sub_add(r, v, sid, key);
}

void
mcp_res_drop(struct mcp_res *r, const char *key)
{
  if (key[0] != '\0')
    sub_remove(r, NULL, key);
}

int
mcp_res_count(struct mcp_res *r)
{
  int n;

  pthread_mutex_lock(&r->mu);
  n = r->nsubs;
  pthread_mutex_unlock(&r->mu);
  return n;
}
