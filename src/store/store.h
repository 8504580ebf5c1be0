/* SPDX-License-Identifier: MIT */
/*
 * store.h: the local inbox mirror.  Webhook events and backfilled Graph
 * pages go in; conversations, history, search results and window states
 * come out as jansson objects.  Callers see only struct store and the
 * store_* functions; a backend fills a struct store_ops (SQLite today,
 * store_sqlite*.c).  Every call is serialized inside the backend, so one
 * store may be shared by every worker thread.
 *
 * Ownership: strings and json_t arguments are borrowed for the call.  A
 * json_t result is new; the caller decrefs it.  Times are unix milliseconds.
 * See docs/internals/store.md.
 */
#ifndef IGMCP_STORE_H
#define IGMCP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"

#define STORE_DAY_MS ((int64_t)24 * 60 * 60 * 1000)
/* How long after the user's last message the standard window stays open,
 * and the HUMAN_AGENT tag's window. */
#define STORE_WINDOW_MS STORE_DAY_MS
#define STORE_HUMAN_AGENT_MS (7 * STORE_DAY_MS)

enum store_window_state {
  STORE_WINDOW_UNKNOWN = 0, /* no inbound activity recorded */
  STORE_WINDOW_OPEN,        /* any message, until until_ms */
  STORE_WINDOW_HUMAN_AGENT, /* only with the HUMAN_AGENT tag */
  STORE_WINDOW_CLOSED,      /* nothing until the user writes; since until_ms */
};

/* What one ingest did.  received counts the events given, applied the new
 * ones, duplicates those whose key was already stored (not applied again).
 * body_duplicate is 1 when the same raw body had been kept before. */
struct store_result {
  int received;
  int applied;
  int duplicates;
  int body_duplicate;
};

/* One delivery of a store_ingest_many batch: the arguments of
 * store_ingest in, its outcome out (rc 0 or -1, res, err). */
struct store_batch_item {
  const void *raw;
  size_t len;
  json_t *events;
  int rc;
  struct store_result res;
  struct err err;
};

/* Filters for store_search.  kind: "dm", "comment" or "all" (NULL = all);
 * user_id: the other party of a DM or a comment's author (NULL = any);
 * since_ms/until_ms: inclusive bounds on the item's time (0 = open). */
struct store_search_filter {
  const char *kind;
  const char *user_id;
  int64_t since_ms;
  int64_t until_ms;
};

/* One write call, for the audit log (store_audit_add).  No token, no
 * message text: target is the object acted on (recipient, media,
 * comment...), detail an error kind or the id Meta returned. */
struct store_audit {
  const char *account_id;
  int64_t time_ms;
  const char *tool;
  const char *target;  /* may be NULL */
  const char *outcome; /* "ok", "error", "refused", "dry_run", "replayed" */
  const char *detail;  /* may be NULL */
};

struct store;

/* A backend.  Each function has the semantics of the store_* wrapper of the
 * same name below; the wrappers check arguments and forward. */
struct store_ops {
  const char *name;
  void (*close)(struct store *s);
  int (*ingest)(struct store *s, const void *raw, size_t len,
                json_t *events, struct store_result *res, struct err *e);
  /* Every item in one transaction, all or nothing: -1 (e says why) leaves
   * nothing stored.  May be NULL: store_ingest_many then uses ingest. */
  int (*ingest_many)(struct store *s, struct store_batch_item *items,
                     size_t n, struct err *e);
  int (*put_messages)(struct store *s, const char *account_id,
                      const char *graph_id, const char *user_id,
                      int64_t updated_ms, json_t *messages,
                      struct store_result *res, struct err *e);
  json_t *(*list_inbox)(struct store *s, const char *account_id,
                        int64_t now_ms, int limit, const char *cursor,
                        struct err *e);
  json_t *(*get_history)(struct store *s, const char *account_id,
                         const char *who, int64_t before_ms, int limit,
                         struct err *e);
  json_t *(*search)(struct store *s, const char *account_id,
                    const char *query, const struct store_search_filter *f,
                    int limit, struct err *e);
  json_t *(*list_unanswered)(struct store *s, const char *account_id,
                             int64_t now_ms, int limit, struct err *e);
  json_t *(*list_events)(struct store *s, const char *account_id,
                         const char *kind, int64_t since_ms, int limit,
                         struct err *e);
  int (*window)(struct store *s, const char *account_id,
                const char *user_id, int64_t *last_inbound_ms,
                struct err *e);
  int (*window_touch)(struct store *s, const char *account_id,
                      const char *user_id, int64_t inbound_ms,
                      struct err *e);
  int (*mark_read)(struct store *s, const char *account_id,
                   const char *user_id, int64_t read_ms, struct err *e);
  int (*sync_get)(struct store *s, const char *account_id, const char *key,
                  char **value, int64_t *ms, struct err *e);
  int (*sync_put)(struct store *s, const char *account_id, const char *key,
                  const char *value, int64_t ms, struct err *e);
  int (*idem_get)(struct store *s, const char *account_id, const char *tool,
                  const char *key, int64_t now_ms, json_t **outcome,
                  struct err *e);
  int (*idem_put)(struct store *s, const char *account_id, const char *tool,
                  const char *key, int64_t now_ms, int64_t ttl_ms,
                  const json_t *outcome, struct err *e);
  int (*audit_add)(struct store *s, const struct store_audit *a,
                   struct err *e);
  json_t *(*audit_list)(struct store *s, const char *account_id,
                        const char *tool, int64_t since_ms, int limit,
                        struct err *e);
};

struct store {
  const struct store_ops *ops;
  void *impl; /* the backend's state */
};

/*
 * Opens (creating when missing) the store at path: the file 0600, missing
 * parent directories 0700, the schema migrated to the current version.
 * ":memory:" gives a private in-memory store.  Returns NULL and fills e on
 * failure.  store_close(NULL) is a no-op.
 */
struct store *store_open(const char *path, struct err *e);
void store_close(struct store *s);

/* The default database path: $IGMCP_DB, else $XDG_STATE_HOME/igmcp/igmcp.db,
 * else $HOME/.local/state/igmcp/igmcp.db.  A new string the caller frees,
 * or NULL when none of those variables is set. */
char *store_default_path(void);

/*
 * Stores one webhook delivery in ONE transaction and returns after COMMIT
 * (durable, see docs/internals/store.md): raw[0..len) is kept once by its
 * SHA-256 (raw may be NULL), each event of the array (normalized as
 * webhook_parse makes them) is recorded once by its key and applied to
 * conversations, messages, edits, deletions, reactions, comments and
 * windows.  Any invalid event or database error rolls everything back:
 * then -1, e names the event index, and nothing of the batch is stored.
 * res may be NULL.
 */
int store_ingest(struct store *s, const void *raw, size_t len, json_t *events,
                 struct store_result *res, struct err *e);

/*
 * Group commit: stores n deliveries as store_ingest would, one after the
 * other, but in ONE transaction and one fsync, and returns after its
 * COMMIT.  Each item gets its own outcome (rc, res, err), the same as
 * store_ingest would have given it in that order (a key repeated across
 * items counts as a duplicate in the later one).  When the combined
 * transaction fails (an invalid item, a database error), nothing of it is
 * kept and the items are stored one by one, each in its own transaction,
 * so one bad delivery does not fail the others.  Returns 0 when every item
 * was stored, -1 when at least one was not (see its rc and err; e then
 * copies the first such error).
 */
int store_ingest_many(struct store *s, struct store_batch_item *items,
                      size_t n, struct err *e);

/*
 * Backfill: upserts a page of Graph messages (the data array of
 * GET /{conversation}?fields=messages{id,created_time,from,to,message,
 * attachments,reply_to,...}) into the conversation with account_id,
 * keyed by user_id (NULL: worked out from from/to), and records its Graph
 * id graph_id (may be NULL) and updated_ms (0 = leave).  One transaction.
 * In res (may be NULL): received, applied = new messages, duplicates =
 * messages already stored (refreshed).
 */
int store_put_messages(struct store *s, const char *account_id,
                       const char *graph_id, const char *user_id,
                       int64_t updated_ms, json_t *messages,
                       struct store_result *res, struct err *e);

/*
 * {"conversations":[{id, graph_id, user_id, username, name, updated_ms,
 * last_message:{mid,text,created_ms,direction,deleted}, unread,
 * window:{state,until_ms}}], "next_cursor"?}, most recent activity first.
 * unread counts inbound messages after our last outbound one and after
 * store_mark_read.  cursor is a previous next_cursor or NULL.
 */
json_t *store_list_inbox(struct store *s, const char *account_id,
                         int64_t now_ms, int limit, const char *cursor,
                         struct err *e);

/*
 * {"conversation":{...}, "messages":[...], "next_before_ms"?}: the newest
 * `limit` stored messages older than before_ms (0 = now), oldest first.
 * who is the other party's user id or the conversation's Graph id.
 * ERR_NOTFOUND when no such conversation is stored.
 */
json_t *store_get_history(struct store *s, const char *account_id,
                          const char *who, int64_t before_ms, int limit,
                          struct err *e);

/*
 * {"results":[{kind:"dm"|"comment", ...}]}, best match first.  query is
 * FTS5 syntax over message and comment text (diacritics ignored).  A query
 * holding CJK characters is taken as one literal substring instead.
 * ERR_INVALID for a query FTS5 rejects.
 */
json_t *store_search(struct store *s, const char *account_id,
                     const char *query, const struct store_search_filter *f,
                     int limit, struct err *e);

/*
 * {"conversations":[... waiting_since_ms, waiting_ms ...], "comments":[...]}:
 * conversations whose last message is inbound and top-level comments by
 * others that have no reply of ours, the longest waiting first.
 */
json_t *store_list_unanswered(struct store *s, const char *account_id,
                              int64_t now_ms, int limit, struct err *e);

/* {"events":[{key,kind,user_id,time_ms,received_ms,item}]}, newest first,
 * time_ms >= since_ms; kind NULL or "all" for every kind. */
json_t *store_list_events(struct store *s, const char *account_id,
                          const char *kind, int64_t since_ms, int limit,
                          struct err *e);

/*
 * The messaging window with user_id at now_ms.  *until_ms is when the open
 * or human-agent window ends (the last instant it is still allowed) and,
 * when closed, when it closed; 0 when unknown.  Returns 0 or -1.
 */
int store_window(struct store *s, const char *account_id, const char *user_id,
                 int64_t now_ms, enum store_window_state *state,
                 int64_t *until_ms, struct err *e);
/* Records inbound activity at inbound_ms (kept if older than the stored). */
int store_window_touch(struct store *s, const char *account_id,
                       const char *user_id, int64_t inbound_ms,
                       struct err *e);
/* Marks the conversation with user_id read up to read_ms (for unread). */
int store_mark_read(struct store *s, const char *account_id,
                    const char *user_id, int64_t read_ms, struct err *e);

/*
 * Backfill bookkeeping (igmcp sync, ig_sync_inbox): a small key/value
 * table per account.  Keys are the caller's (sync uses "cursor:<folder>"
 * and "conv:<graph id>").  store_sync_get returns 1 and sets
 * *value (a new string the caller frees, or NULL) and *ms when the key is
 * stored, 0 when it is not (then *value = NULL, *ms = 0), -1 on error;
 * value and ms may be NULL.  store_sync_put upserts; value NULL with ms 0
 * deletes the key.
 */
int store_sync_get(struct store *s, const char *account_id, const char *key,
                   char **value, int64_t *ms, struct err *e);
int store_sync_put(struct store *s, const char *account_id, const char *key,
                   const char *value, int64_t ms, struct err *e);

/* Window math shared by the backends: the state at now_ms for a user whose
 * last inbound activity was at last_ms (0 = never), and its until_ms. */
enum store_window_state store_window_at(int64_t last_ms, int64_t now_ms,
                                        int64_t *until_ms);
/* "unknown", "open", "human_agent", "closed". */
const char *store_window_name(enum store_window_state st);

/*
 * Idempotent writes (migration 3).  store_idem_get returns 1 and sets
 * *outcome (new) when tool's call under key for account_id is stored and
 * not expired at now_ms, 0 when not, -1 on error.  store_idem_put keeps
 * outcome until now_ms + ttl_ms (replacing an expired or older one), and
 * drops expired rows of every key as it goes.
 */
int store_idem_get(struct store *s, const char *account_id, const char *tool,
                   const char *key, int64_t now_ms, json_t **outcome,
                   struct err *e);
int store_idem_put(struct store *s, const char *account_id, const char *tool,
                   const char *key, int64_t now_ms, int64_t ttl_ms,
                   const json_t *outcome, struct err *e);

/* The audit log of write calls (migration 3).  store_audit_list gives
 * {"entries":[{time_ms, tool, target?, outcome, detail?}]}, newest first,
 * time_ms >= since_ms, tool NULL for all. */
int store_audit_add(struct store *s, const struct store_audit *a,
                    struct err *e);
json_t *store_audit_list(struct store *s, const char *account_id,
                         const char *tool, int64_t since_ms, int limit,
                         struct err *e);

#endif
