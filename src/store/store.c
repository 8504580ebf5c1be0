/* SPDX-License-Identifier: MIT */
/*
 * store.c: the store_* wrappers over a backend's struct store_ops, the
 * default path and the window math every backend shares.  The wrappers
 * check what every backend would otherwise check, so a backend may assume
 * non-NULL ids and a positive limit.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "store/store_int.h"

/* Results are meant for an agent's context: a page never exceeds this. */
#define STORE_MAX_LIMIT 500

static int
need(const char *v, const char *what, struct err *e)
{
  if (v == NULL || *v == '\0')
    return err_set(e, ERR_INVALID, "store: %s is required", what);
  return 0;
}

static int
clamp_limit(int limit)
{
  if (limit <= 0)
    return 50;
  return limit > STORE_MAX_LIMIT ? STORE_MAX_LIMIT : limit;
}

struct store *
store_open(const char *path, struct err *e)
{
  if (need(path, "path", e) < 0)
    return NULL;
  return store_sqlite_open(path, e);
}

void
store_close(struct store *s)
{
  if (s != NULL)
    s->ops->close(s);
}

char *
store_default_path(void)
{
  const char *v;

  if ((v = getenv("IGMCP_DB")) != NULL && *v != '\0')
    return xstrdup(v);
  if ((v = getenv("XDG_STATE_HOME")) != NULL && *v == '/')
    return xasprintf("%s/igmcp/igmcp.db", v);
  if ((v = getenv("HOME")) != NULL && *v != '\0')
    return xasprintf("%s/.local/state/igmcp/igmcp.db", v);
  return NULL;
}

int
store_ingest(struct store *s, const void *raw, size_t len, json_t *events,
             struct store_result *res, struct err *e)
{
  struct store_result dummy;

  if (res == NULL)
    res = &dummy;
  memset(res, 0, sizeof(*res));
  if (!json_is_array(events))
    return err_set(e, ERR_INVALID, "store: events must be an array");
  return s->ops->ingest(s, raw, raw == NULL ? 0 : len, events, res, e);
}

int
store_ingest_many(struct store *s, struct store_batch_item *items, size_t n,
                  struct err *e)
{
  struct err ge = { 0 };
  size_t i, ok = 0;
  int rc = 0;

  for (i = 0; i < n; i++) {
    memset(&items[i].res, 0, sizeof(items[i].res));
    err_clear(&items[i].err);
    items[i].rc = 0;
    if (!json_is_array(items[i].events)) {
      err_set(&items[i].err, ERR_INVALID, "store: events must be an array");
      items[i].rc = -1;
    } else {
      ok++;
    }
  }
  /* One transaction for all of them when every item is well formed. */
  if (ok == n && n > 1 && s->ops->ingest_many != NULL &&
      s->ops->ingest_many(s, items, n, &ge) == 0)
    return 0;
  for (i = 0; i < n; i++) {
    struct store_batch_item *it = &items[i];
    if (it->rc == 0 && store_ingest(s, it->raw, it->len, it->events,
                                    &it->res, &it->err) != 0)
      it->rc = -1;
    if (it->rc != 0 && rc == 0) {
      rc = -1;
      if (e != NULL)
        *e = it->err;
    }
  }
  return rc;
}

int
store_put_messages(struct store *s, const char *account_id,
                   const char *graph_id, const char *user_id,
                   int64_t updated_ms, json_t *messages,
                   struct store_result *res, struct err *e)
{
  struct store_result dummy;

  if (res == NULL)
    res = &dummy;
  memset(res, 0, sizeof(*res));
  if (need(account_id, "account_id", e) < 0)
    return -1;
  if (!json_is_array(messages))
    return err_set(e, ERR_INVALID, "store: messages must be an array");
  if (user_id != NULL && *user_id == '\0')
    user_id = NULL;
  if (graph_id != NULL && *graph_id == '\0')
    graph_id = NULL;
  return s->ops->put_messages(s, account_id, graph_id, user_id, updated_ms,
                              messages, res, e);
}

json_t *
store_list_inbox(struct store *s, const char *account_id, int64_t now_ms,
                 int limit, const char *cursor, struct err *e)
{
  if (need(account_id, "account_id", e) < 0)
    return NULL;
  if (cursor != NULL && *cursor == '\0')
    cursor = NULL;
  return s->ops->list_inbox(s, account_id, now_ms, clamp_limit(limit),
                            cursor, e);
}

json_t *
store_get_history(struct store *s, const char *account_id, const char *who,
                  int64_t before_ms, int limit, struct err *e)
{
  if (need(account_id, "account_id", e) < 0 ||
      need(who, "user_id or conversation id", e) < 0)
    return NULL;
  return s->ops->get_history(s, account_id, who, before_ms,
                             clamp_limit(limit), e);
}

json_t *
store_search(struct store *s, const char *account_id, const char *query,
             const struct store_search_filter *f, int limit, struct err *e)
{
  static const struct store_search_filter none;

  if (need(account_id, "account_id", e) < 0 || need(query, "query", e) < 0)
    return NULL;
  if (f == NULL)
    f = &none;
  if (f->kind != NULL && strcmp(f->kind, "dm") != 0 &&
      strcmp(f->kind, "comment") != 0 && strcmp(f->kind, "all") != 0) {
    err_set(e, ERR_INVALID, "store: kind must be dm, comment or all");
    return NULL;
  }
  return s->ops->search(s, account_id, query, f, clamp_limit(limit), e);
}

json_t *
store_list_unanswered(struct store *s, const char *account_id, int64_t now_ms,
                      int limit, struct err *e)
{
  if (need(account_id, "account_id", e) < 0)
    return NULL;
  return s->ops->list_unanswered(s, account_id, now_ms, clamp_limit(limit),
                                 e);
}

json_t *
store_list_events(struct store *s, const char *account_id, const char *kind,
                  int64_t since_ms, int limit, struct err *e)
{
  if (need(account_id, "account_id", e) < 0)
    return NULL;
  if (kind != NULL && (*kind == '\0' || strcmp(kind, "all") == 0))
    kind = NULL;
  return s->ops->list_events(s, account_id, kind, since_ms,
                             clamp_limit(limit), e);
}

/*
 * The window is inclusive at both ends: Meta allows a reply "within 24
 * hours" and a HUMAN_AGENT reply "up to 7 days" after the user's last
 * message, so at exactly 24 h the standard window is still open and one
 * millisecond later it is not.  until_ms is that last allowed instant, or
 * for a closed window the instant it closed.
 */
enum store_window_state
store_window_at(int64_t last_ms, int64_t now_ms, int64_t *until_ms)
{
  if (last_ms <= 0) {
    *until_ms = 0;
    return STORE_WINDOW_UNKNOWN;
  }
  if (now_ms - last_ms <= STORE_WINDOW_MS) {
    *until_ms = last_ms + STORE_WINDOW_MS;
    return STORE_WINDOW_OPEN;
  }
  *until_ms = last_ms + STORE_HUMAN_AGENT_MS;
  if (now_ms - last_ms <= STORE_HUMAN_AGENT_MS)
    return STORE_WINDOW_HUMAN_AGENT;
  return STORE_WINDOW_CLOSED;
}

const char *
store_window_name(enum store_window_state st)
{
  switch (st) {
  case STORE_WINDOW_OPEN:
    return "open";
  case STORE_WINDOW_HUMAN_AGENT:
    return "human_agent";
  case STORE_WINDOW_CLOSED:
    return "closed";
  default:
    return "unknown";
  }
}

int
store_window(struct store *s, const char *account_id, const char *user_id,
             int64_t now_ms, enum store_window_state *state,
             int64_t *until_ms, struct err *e)
{
  int64_t last = 0;

  *state = STORE_WINDOW_UNKNOWN;
  *until_ms = 0;
  if (need(account_id, "account_id", e) < 0 ||
      need(user_id, "user_id", e) < 0)
    return -1;
  if (s->ops->window(s, account_id, user_id, &last, e) < 0)
    return -1;
  *state = store_window_at(last, now_ms, until_ms);
  return 0;
}

int
store_window_touch(struct store *s, const char *account_id,
                   const char *user_id, int64_t inbound_ms, struct err *e)
{
  if (need(account_id, "account_id", e) < 0 ||
      need(user_id, "user_id", e) < 0)
    return -1;
  if (inbound_ms <= 0)
    return err_set(e, ERR_INVALID, "store: inbound time must be positive");
  return s->ops->window_touch(s, account_id, user_id, inbound_ms, e);
}

int
store_mark_read(struct store *s, const char *account_id, const char *user_id,
                int64_t read_ms, struct err *e)
{
  if (need(account_id, "account_id", e) < 0 ||
      need(user_id, "user_id", e) < 0)
    return -1;
  return s->ops->mark_read(s, account_id, user_id, read_ms, e);
}

int
store_sync_get(struct store *s, const char *account_id, const char *key,
               char **value, int64_t *ms, struct err *e)
{
  char *v = NULL;
  int64_t t = 0;
  int rc;

  if (value != NULL)
    *value = NULL;
  if (ms != NULL)
    *ms = 0;
  if (need(account_id, "account_id", e) < 0 || need(key, "key", e) < 0)
    return -1;
  rc = s->ops->sync_get(s, account_id, key, &v, &t, e);
  if (rc == 1) {
    if (value != NULL)
      *value = v;
    else
      free(v);
    if (ms != NULL)
      *ms = t;
  }
  return rc;
}

int
store_sync_put(struct store *s, const char *account_id, const char *key,
               const char *value, int64_t ms, struct err *e)
{
  if (need(account_id, "account_id", e) < 0 || need(key, "key", e) < 0)
    return -1;
  return s->ops->sync_put(s, account_id, key, value, ms, e);
}

int
store_idem_get(struct store *s, const char *account_id, const char *tool,
               const char *key, int64_t now_ms, json_t **outcome,
               struct err *e)
{
  *outcome = NULL;
  if (need(account_id, "account_id", e) < 0 || need(tool, "tool", e) < 0 ||
      need(key, "key", e) < 0)
    return -1;
  return s->ops->idem_get(s, account_id, tool, key, now_ms, outcome, e);
}

int
store_idem_put(struct store *s, const char *account_id, const char *tool,
               const char *key, int64_t now_ms, int64_t ttl_ms,
               const json_t *outcome, struct err *e)
{
  if (need(account_id, "account_id", e) < 0 || need(tool, "tool", e) < 0 ||
      need(key, "key", e) < 0)
    return -1;
  if (outcome == NULL || ttl_ms <= 0)
    return err_set(e, ERR_INVALID, "store: an idempotent outcome needs a "
                   "result and a positive ttl");
  return s->ops->idem_put(s, account_id, tool, key, now_ms, ttl_ms, outcome,
                          e);
}

int
store_audit_add(struct store *s, const struct store_audit *a, struct err *e)
{
  if (a == NULL || need(a->account_id, "account_id", e) < 0 ||
      need(a->tool, "tool", e) < 0 || need(a->outcome, "outcome", e) < 0)
    return -1;
  return s->ops->audit_add(s, a, e);
}

json_t *
store_audit_list(struct store *s, const char *account_id, const char *tool,
                 int64_t since_ms, int limit, struct err *e)
{
  if (need(account_id, "account_id", e) < 0)
    return NULL;
  return s->ops->audit_list(s, account_id, tool, since_ms,
                            limit > 0 ? limit : 50, e);
}
