/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_int.h: what the SQLite backend's files share (store_sqlite.c:
 * open, helpers, windows; store_sqlite_schema.c: migrations;
 * store_sqlite_message.c: message merge rules; store_sqlite_ingest.c and
 * store_sqlite_backfill.c: writes; store_sqlite_query.c and
 * store_sqlite_search.c: json reads).  The
 * sq__ prefix marks these cross-file internals; nothing outside src/store
 * includes this header, and only these files include sqlite3.h.
 *
 * Locking: every store_ops entry point takes q->mu for its whole duration
 * (sq__lock/sq__unlock), so a transaction never interleaves with another
 * thread's statements on the shared connection.
 */
#ifndef IGMCP_STORE_SQLITE_INT_H
#define IGMCP_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"

/* Cached prepared statements, one slot each (see sq__stmt). */
enum sq_slot {
  SQ_ACCOUNT_ADD,
  SQ_BODY_FIND,
  SQ_BODY_ADD,
  SQ_EVENT_ADD,
  SQ_CONV_UPSERT,
  SQ_CONV_TOUCH,
  SQ_CONV_SEEN,
  SQ_CONV_OURS_READ,
  SQ_CONV_GRAPH,
  SQ_CONV_READ,
  SQ_MSG_GET,
  SQ_MSG_INSERT,
  SQ_MSG_MERGE,
  SQ_MSG_EDIT,
  SQ_MSG_PARTIAL,
  SQ_MSG_DELETE,
  SQ_MSG_SEEN,
  SQ_EDIT_ADD,
  SQ_EDIT_FILL,
  SQ_REACTION_SET,
  SQ_COMMENT_UPSERT,
  SQ_PARTICIPANT_SET,
  SQ_WINDOW_GET,
  SQ_WINDOW_SET,
  SQ_SYNC_GET,
  SQ_SYNC_PUT,
  SQ_SYNC_DEL,
  SQ_IDEM_GET,
  SQ_IDEM_PUT,
  SQ_IDEM_EXPIRE,
  SQ_AUDIT_ADD,
  SQ_NSLOTS
};

#define SQ_QCACHE 32
#define SQ_QOWNED 8

struct sq {
  struct store base; /* first, so a struct store * is a struct sq * */
  sqlite3 *db;
  pthread_mutex_t mu;
  sqlite3_stmt *st[SQ_NSLOTS];
  /* Read queries prepared once, keyed by their SQL text's address (a
   * string literal): sq__query. */
  struct {
    const char *sql;
    sqlite3_stmt *st;
  } qc[SQ_QCACHE];
  sqlite3_stmt *owned[SQ_QOWNED]; /* past the cache: finalized on unlock */
  int nowned;
};

#define SQ(s) ((struct sq *)(void *)(s))

void sq__lock(struct sq *q);
/* Resets every cached statement (so none keeps a read snapshot open), then
 * releases the lock. */
void sq__unlock(struct sq *q);

/* Fills e from the connection's last error ("store: what: message");
 * constraint failures are ERR_INVALID, the rest ERR_IO.  Returns -1. */
int sq__fail(struct sq *q, struct err *e, const char *what);
int sq__exec(struct sq *q, const char *sql, struct err *e);
int sq__begin(struct sq *q, struct err *e);
int sq__commit(struct sq *q, struct err *e);
void sq__rollback(struct sq *q);

/* The statement in slot, prepared from sql on first use, reset and with
 * cleared bindings.  NULL (e filled) when sql does not prepare. */
sqlite3_stmt *sq__stmt(struct sq *q, enum sq_slot slot, const char *sql,
                       struct err *e);
/* Steps st once, expecting SQLITE_DONE or SQLITE_ROW; -1 and e otherwise.
 * Returns 0 for DONE, 1 for ROW. */
int sq__step(struct sq *q, sqlite3_stmt *st, struct err *e, const char *what);
/* A statement for sql, a string literal, prepared on first use and kept
 * (reset, bindings cleared) for the next call; the caller holds the lock
 * and never finalizes it: sq__unlock resets it (or, past SQ_QCACHE
 * distinct texts, finalizes the one-off statement). */
sqlite3_stmt *sq__query(struct sq *q, const char *sql, struct err *e);

/* Binds s, or NULL when s is NULL. */
void sq__text(sqlite3_stmt *st, int i, const char *s);
/* Binds the compact JSON of v, or NULL when v is NULL or JSON null. */
void sq__json(sqlite3_stmt *st, int i, const json_t *v);
/* Column i as a new json_t parsed from text, json_null() when NULL. */
json_t *sq__col_json(sqlite3_stmt *st, int i);
/* Column i as a json string, json_null() when NULL. */
json_t *sq__col_str(sqlite3_stmt *st, int i);

/* Upserts the account row (first seen at now_ms). */
int sq__account(struct sq *q, const char *account_id, int64_t now_ms,
                struct err *e);
/* The conversation id of (account_id, user_id), created when missing. */
int sq__conversation(struct sq *q, const char *account_id,
                     const char *user_id, int64_t *id, struct err *e);
/* Moves the conversation's last activity forward to ms (never back). */
int sq__conversation_touch(struct sq *q, int64_t conv, int64_t ms,
                           struct err *e);
/* window_touch without the lock, for ingest. */
int sq__window_set(struct sq *q, const char *account_id, const char *user_id,
                   int64_t inbound_ms, struct err *e);

/* A message to merge into the messages table. */
struct msg {
  const char *mid;
  int64_t conv;          /* 0: no conversation known */
  const char *direction; /* "in", "out" or NULL when unknown */
  const char *from_id;
  const char *text;
  json_t *attachments;
  json_t *reply_to;
  int is_unsupported;
  int64_t created_ms;
  const char *source;
};

/* What is stored of a message already (text is a copy, or NULL). */
struct stored {
  int found;
  int partial;
  int64_t num_edit;
  char *text;
};

/* store_sqlite_message.c.  sq__jstr: a non-empty string member or NULL.
 * sq__jid: an id Meta may send as a string or a number (buf holds a
 * number's text), or NULL. */
const char *sq__jstr(const json_t *o, const char *k);
const char *sq__jid(const json_t *o, const char *k, char *buf, size_t n);
/* What is stored of mid (m->text is a copy the caller frees). */
int sq__stored_get(struct sq *q, const char *mid, struct stored *m,
                   struct err *e);
/* Inserts m, or merges it into the row old describes. */
int sq__msg_put(struct sq *q, const struct msg *m, const struct stored *old,
                struct err *e);
int sq__edit_add(struct sq *q, const char *mid, int64_t n,
                 const char *old_text, const char *new_text, int64_t ms,
                 struct err *e);
int sq__apply_edit(struct sq *q, const char *mid, const struct stored *old,
                   int64_t n, const char *text, int64_t ms, struct err *e);
int sq__edit_fill(struct sq *q, const char *mid, const char *text,
                  struct err *e);
/* Records a participant's username (nothing when either is NULL). */
int sq__participant(struct sq *q, const char *id, const char *username,
                    int64_t now, struct err *e);
/* Prefixes e's message with the item it is about ("event 3 (key)"). */
int sq__at_item(struct err *e, const char *what, size_t i, const char *key);

/* Migrations (store_sqlite_schema.c). */
int sq__migrate(struct sq *q, struct err *e);
/* The schema version this binary writes. */
int sq__schema_version(void);

/* store_sqlite_ingest.c, store_sqlite_backfill.c */
int sq__ingest(struct store *s, const void *raw, size_t len, json_t *events,
               struct store_result *res, struct err *e);
int sq__ingest_many(struct store *s, struct store_batch_item *items,
                    size_t n, struct err *e);
int sq__put_messages(struct store *s, const char *account_id,
                     const char *graph_id, const char *user_id,
                     int64_t updated_ms, json_t *messages,
                     struct store_result *res, struct err *e);

/* store_sqlite_sync.c: the sync_state key/value table. */
/* store_sqlite_policy.c (migration 3). */
int sq__idem_get(struct store *s, const char *account_id, const char *tool,
                 const char *key, int64_t now_ms, json_t **outcome,
                 struct err *e);
int sq__idem_put(struct store *s, const char *account_id, const char *tool,
                 const char *key, int64_t now_ms, int64_t ttl_ms,
                 const json_t *outcome, struct err *e);
int sq__audit_add(struct store *s, const struct store_audit *a,
                  struct err *e);
json_t *sq__audit_list(struct store *s, const char *account_id,
                       const char *tool, int64_t since_ms, int limit,
                       struct err *e);
int sq__sync_get(struct store *s, const char *account_id, const char *key,
                 char **value, int64_t *ms, struct err *e);
int sq__sync_put(struct store *s, const char *account_id, const char *key,
                 const char *value, int64_t ms, struct err *e);

/* store_sqlite_query.c */
json_t *sq__list_inbox(struct store *s, const char *account_id,
                       int64_t now_ms, int limit, const char *cursor,
                       struct err *e);
json_t *sq__get_history(struct store *s, const char *account_id,
                        const char *who, int64_t before_ms, int limit,
                        struct err *e);
json_t *sq__list_unanswered(struct store *s, const char *account_id,
                            int64_t now_ms, int limit, struct err *e);
json_t *sq__list_events(struct store *s, const char *account_id,
                        const char *kind, int64_t since_ms, int limit,
                        struct err *e);

/* store_sqlite_search.c.  sq__fold folds Greek accents and Cyrillic yo in
 * place (the word index's folding on top of unicode61's); sq__fold_register
 * makes it the SQL function igmcp_fold the FTS triggers call. */
void sq__fold(char *s);
int sq__fold_register(sqlite3 *db);
json_t *sq__search(struct store *s, const char *account_id, const char *query,
                   const struct store_search_filter *f, int limit,
                   struct err *e);

#endif
