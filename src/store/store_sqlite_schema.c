/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_schema.c: the schema as numbered migrations.  migrations[i]
 * takes a database from version i to i + 1; PRAGMA user_version records the
 * version reached, in the same transaction as the migration, so a crash
 * leaves either the old schema or the new one.  Never edit a migration
 * that has shipped: append a new one.
 *
 * Ids: tables that FTS indexes (messages, comments) have an INTEGER PRIMARY
 * KEY, because VACUUM may renumber an implicit rowid and the FTS rows point
 * at these ids.  One FTS row space holds both: a message is its id, a
 * comment is minus its id.  The FTS tables are contentless (they keep only
 * the index; the text lives once, in messages and comments), so the
 * triggers delete an old row by giving its old text back.  Because the
 * triggers call igmcp_fold, a connection that writes these tables must
 * have it registered: igmcp's own do; a bare sqlite3 shell can read but
 * not insert messages or comments.
 */
#include "store/store_sqlite_int.h"

#include <stdio.h>

#define KINDS                                                               \
  "'message','echo','reaction','unreaction','seen','postback','referral'," \
  "'edit','delete','comment','live_comment','mention','story_insights',"   \
  "'unknown'"

/* Keeps one FTS table in step with one text column.  T: table, S: sign of
 * the FTS rowid, F: FTS table, X: the SQL function applied to the text
 * (igmcp_fold for the word index, nothing for trigrams). */
#define FTS_SYNC(T, S, F, X)                                                \
  "CREATE TRIGGER " T "_" F "_ai AFTER INSERT ON " T                       \
  " WHEN new.text IS NOT NULL BEGIN"                                        \
  "  INSERT INTO " F "(rowid, body) VALUES (" S "new.id, " X "(new.text));"\
  " END;"                                                                   \
  "CREATE TRIGGER " T "_" F "_au AFTER UPDATE OF text ON " T               \
  " WHEN old.text IS NOT new.text BEGIN"                                    \
  "  INSERT INTO " F "(" F ", rowid, body)"                                 \
  "   SELECT 'delete', " S "old.id, " X "(old.text)"                       \
  "   WHERE old.text IS NOT NULL;"                                          \
  "  INSERT INTO " F "(rowid, body)"                                        \
  "   SELECT " S "new.id, " X "(new.text) WHERE new.text IS NOT NULL;"     \
  " END;"                                                                   \
  "CREATE TRIGGER " T "_" F "_ad AFTER DELETE ON " T                       \
  " WHEN old.text IS NOT NULL BEGIN"                                        \
  "  INSERT INTO " F "(" F ", rowid, body)"                                 \
  "   VALUES ('delete', " S "old.id, " X "(old.text));"                    \
  " END;"

static const char *const migrations[] = {
  /* 1: the inbox mirror. */
  "CREATE TABLE accounts ("
  "  id TEXT PRIMARY KEY,"
  "  username TEXT,"
  "  first_seen_ms INTEGER NOT NULL DEFAULT 0);"

  /* People we talk with, by IGSID (DMs) or IG user id (comments). */
  "CREATE TABLE participants ("
  "  id TEXT PRIMARY KEY,"
  "  username TEXT,"
  "  name TEXT,"
  "  updated_ms INTEGER NOT NULL DEFAULT 0);"

  /* One per (account, other party).  graph_id is Meta's conversation id
   * once backfill saw it; updated_ms is Meta's updated_time; last_ms the
   * newest activity we stored; read_ms our own read mark (store_mark_read);
   * seen_ms how far the user has seen our messages (messaging_seen). */
  "CREATE TABLE conversations ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id TEXT NOT NULL REFERENCES accounts(id),"
  "  user_id TEXT NOT NULL,"
  "  graph_id TEXT UNIQUE,"
  "  updated_ms INTEGER NOT NULL DEFAULT 0,"
  "  last_ms INTEGER NOT NULL DEFAULT 0,"
  "  read_ms INTEGER NOT NULL DEFAULT 0,"
  "  seen_ms INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (account_id, user_id));"
  "CREATE INDEX conversations_recent"
  "  ON conversations(account_id, last_ms, id);"

  /* Kept forever once seen.  partial: known so far only from an edit or a
   * deletion that arrived before the message itself.  source: 'webhook'
   * or 'graph' (backfill). */
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  mid TEXT NOT NULL UNIQUE,"
  "  conversation_id INTEGER REFERENCES conversations(id),"
  "  direction TEXT CHECK (direction IN ('in', 'out')),"
  "  from_id TEXT,"
  "  text TEXT,"
  "  attachments TEXT,"
  "  reply_to TEXT,"
  "  is_unsupported INTEGER NOT NULL DEFAULT 0,"
  "  created_ms INTEGER NOT NULL DEFAULT 0,"
  "  partial INTEGER NOT NULL DEFAULT 0,"
  "  num_edit INTEGER NOT NULL DEFAULT 0,"
  "  edited_ms INTEGER,"
  "  deleted_ms INTEGER,"
  "  read_ms INTEGER,"
  "  source TEXT NOT NULL DEFAULT 'webhook');"
  "CREATE INDEX messages_by_conversation"
  "  ON messages(conversation_id, created_ms, id);"

  /* One row per edit; old_text is NULL when the edit arrived before the
   * message and the message never did. */
  "CREATE TABLE message_edits ("
  "  mid TEXT NOT NULL,"
  "  num_edit INTEGER NOT NULL,"
  "  old_text TEXT,"
  "  new_text TEXT,"
  "  edited_ms INTEGER NOT NULL,"
  "  PRIMARY KEY (mid, num_edit));"

  /* The current reaction of each person to each message; an unreaction
   * sets removed.  time_ms orders out-of-order deliveries. */
  "CREATE TABLE reactions ("
  "  mid TEXT NOT NULL,"
  "  user_id TEXT NOT NULL,"
  "  reaction TEXT,"
  "  removed INTEGER NOT NULL DEFAULT 0,"
  "  time_ms INTEGER NOT NULL,"
  "  PRIMARY KEY (mid, user_id));"

  "CREATE TABLE webhook_bodies ("
  "  id INTEGER PRIMARY KEY,"
  "  sha256 TEXT NOT NULL UNIQUE,"
  "  body BLOB NOT NULL,"
  "  received_ms INTEGER NOT NULL);"

  /* Every normalized event once, by its key, with the item as delivered
   * and the body it came in (the first one, for a re-delivery). */
  "CREATE TABLE events ("
  "  id INTEGER PRIMARY KEY,"
  "  key TEXT NOT NULL UNIQUE,"
  "  kind TEXT NOT NULL CHECK (kind IN (" KINDS ")),"
  "  account_id TEXT NOT NULL REFERENCES accounts(id),"
  "  user_id TEXT,"
  "  time_ms INTEGER NOT NULL,"
  "  item TEXT,"
  "  body_id INTEGER REFERENCES webhook_bodies(id),"
  "  received_ms INTEGER NOT NULL);"
  "CREATE INDEX events_by_account ON events(account_id, time_ms);"

  /* ours: written by the account itself (our replies). */
  "CREATE TABLE comments ("
  "  id INTEGER PRIMARY KEY,"
  "  comment_id TEXT NOT NULL UNIQUE,"
  "  account_id TEXT NOT NULL REFERENCES accounts(id),"
  "  media_id TEXT,"
  "  media_product_type TEXT,"
  "  parent_id TEXT,"
  "  from_id TEXT,"
  "  username TEXT,"
  "  text TEXT,"
  "  created_ms INTEGER NOT NULL DEFAULT 0,"
  "  ours INTEGER NOT NULL DEFAULT 0,"
  "  live INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX comments_by_account ON comments(account_id, created_ms);"
  "CREATE INDEX comments_by_parent ON comments(parent_id);"

  /* The user's last inbound activity: the messaging window's start. */
  "CREATE TABLE windows ("
  "  account_id TEXT NOT NULL,"
  "  user_id TEXT NOT NULL,"
  "  last_inbound_ms INTEGER NOT NULL,"
  "  PRIMARY KEY (account_id, user_id));"

  /* Words: Latin, accented, Cyrillic, Greek... with case and diacritics
   * folded (unicode61 folds Latin diacritics; igmcp_fold, registered on
   * the connection by store_sqlite.c, folds Greek tonos and dialytika and
   * Cyrillic yo first).  Grams: substrings of three characters or more,
   * for scripts written without spaces (CJK), where a word index finds
   * whole runs only. */
  "CREATE VIRTUAL TABLE fts_words USING fts5(body, content='',"
  "  tokenize='unicode61 remove_diacritics 2');"
  "CREATE VIRTUAL TABLE fts_grams USING fts5(body, content='',"
  "  tokenize='trigram');"
  FTS_SYNC("messages", "", "fts_words", "igmcp_fold")
  FTS_SYNC("messages", "", "fts_grams", "")
  FTS_SYNC("comments", "-", "fts_words", "igmcp_fold")
  FTS_SYNC("comments", "-", "fts_grams", ""),

  /* 2: backfill bookkeeping (igmcp sync): per account, the resume cursor
   * of an interrupted run and each conversation's updated_time when it
   * was last pulled.  Keys are the sync code's ("cursor:<folder>",
   * "conv:<graph id>"); value is text, ms a time. */
  "CREATE TABLE sync_state ("
  "  account_id TEXT NOT NULL,"
  "  key TEXT NOT NULL,"
  "  value TEXT,"
  "  ms INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (account_id, key));",

  /* 3: safety (README "Safety").  idempotency: the outcome of a write
   * tool call under its key (the caller's idempotency_key, or "auto:" and
   * a hash of the content per target), kept until expires_ms; outcome is
   * the tools/call result JSON.  audit: one row per write call, never a
   * token or a message text: target is the object acted on. */
  "CREATE TABLE idempotency ("
  "  account_id TEXT NOT NULL,"
  "  tool TEXT NOT NULL,"
  "  key TEXT NOT NULL,"
  "  created_ms INTEGER NOT NULL,"
  "  expires_ms INTEGER NOT NULL,"
  "  outcome TEXT NOT NULL,"
  "  PRIMARY KEY (account_id, tool, key));"
  "CREATE INDEX idempotency_expiry ON idempotency(expires_ms);"
  "CREATE TABLE audit ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id TEXT NOT NULL,"
  "  time_ms INTEGER NOT NULL,"
  "  tool TEXT NOT NULL,"
  "  target TEXT,"
  "  outcome TEXT NOT NULL,"
  "  detail TEXT);"
  "CREATE INDEX audit_time ON audit(account_id, time_ms);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int
sq__schema_version(void)
{
  return NMIGRATIONS;
}

static int
user_version(struct sq *q, int *v, struct err *e)
{
  sqlite3_stmt *st = NULL;
  int rc;

  if (sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL) !=
      SQLITE_OK)
    return sq__fail(q, e, "schema version");
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW)
    return sq__fail(q, e, "schema version");
  return 0;
}

/*
 * Applies the migrations past the database's version, each in its own
 * IMMEDIATE transaction (which also makes two processes opening a fresh
 * file at once take turns: the second sees the first one's version).
 */
int
sq__migrate(struct sq *q, struct err *e)
{
  int v = 0;
  char sql[64];

  for (;;) {
    if (sq__begin(q, e) < 0)
      return -1;
    if (user_version(q, &v, e) < 0)
      goto fail;
    if (v > NMIGRATIONS) {
      err_set(e, ERR_CONFIG,
              "store: the database has schema version %d, newer than this "
              "igmcp knows (%d)", v, NMIGRATIONS);
      goto fail;
    }
    if (v == NMIGRATIONS) {
      sq__rollback(q);
      return 0;
    }
    if (sq__exec(q, migrations[v], e) < 0)
      goto fail;
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
    if (sq__exec(q, sql, e) < 0 || sq__commit(q, e) < 0)
      goto fail;
  }

fail:
  sq__rollback(q);
  if (e != NULL && e->code != ERR_CONFIG) {
    char why[sizeof(e->msg)];
    snprintf(why, sizeof(why), "%s", e->msg);
    err_set(e, e->code, "store: migration %d: %s", v + 1, why);
  }
  return -1;
}
