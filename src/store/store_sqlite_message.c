/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_message.c: the merge rules for message rows, shared by
 * webhook ingest (store_sqlite_ingest.c) and backfill
 * (store_sqlite_backfill.c), and small helpers both use.
 *
 * Meta does not promise order: an edit, a deletion or a reaction may come
 * before its message, and a backfill may have stored a message before its
 * webhook arrives.  So a write merges instead of overwriting: a message
 * known only from an edit or deletion is a "partial" row that the message
 * completes later; text once stored changes only through an edit, whose
 * old text is kept in message_edits.
 */
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

const char *
sq__jstr(const json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));

  return s != NULL && *s != '\0' ? s : NULL;
}

/* An id that Meta may send as a string or a number; buf holds the text of
 * a number.  NULL when absent. */
const char *
sq__jid(const json_t *o, const char *k, char *buf, size_t n)
{
  const json_t *v = json_object_get(o, k);

  if (json_is_integer(v)) {
    snprintf(buf, n, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  return sq__jstr(o, k);
}

int
sq__stored_get(struct sq *q, const char *mid, struct stored *m,
               struct err *e)
{
  sqlite3_stmt *st = sq__stmt(q, SQ_MSG_GET,
      "SELECT partial, num_edit, text FROM messages WHERE mid = ?1", e);
  const char *t;
  int rc;

  memset(m, 0, sizeof(*m));
  if (st == NULL)
    return -1;
  sq__text(st, 1, mid);
  if ((rc = sq__step(q, st, e, "message")) <= 0)
    return rc;
  m->found = 1;
  m->partial = sqlite3_column_int(st, 0);
  m->num_edit = sqlite3_column_int64(st, 1);
  t = (const char *)sqlite3_column_text(st, 2);
  m->text = t != NULL ? xstrdup(t) : NULL;
  sqlite3_reset(st);
  return 0;
}

static void
bind_msg(sqlite3_stmt *st, const struct msg *m)
{
  sq__text(st, 1, m->mid);
  if (m->conv > 0)
    sqlite3_bind_int64(st, 2, m->conv);
  else
    sqlite3_bind_null(st, 2);
  sq__text(st, 3, m->direction);
  sq__text(st, 4, m->from_id);
  sq__text(st, 5, m->text);
  sq__json(st, 6, m->attachments);
  sq__json(st, 7, m->reply_to);
  sqlite3_bind_int(st, 8, m->is_unsupported);
  sqlite3_bind_int64(st, 9, m->created_ms);
  sq__text(st, 10, m->source);
}

/*
 * Inserts m, or merges it into the stored row: a partial row takes the
 * message's fields (but an edited text stays); a complete row only gains
 * what it lacked.  old is what stored_get found.
 */
int
sq__msg_put(struct sq *q, const struct msg *m, const struct stored *old,
            struct err *e)
{
  sqlite3_stmt *st;

  if (!old->found) {
    st = sq__stmt(q, SQ_MSG_INSERT,
        "INSERT INTO messages(mid, conversation_id, direction, from_id, text,"
        " attachments, reply_to, is_unsupported, created_ms, source)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", e);
  } else {
    st = sq__stmt(q, SQ_MSG_MERGE,
        "UPDATE messages SET"
        " conversation_id = coalesce(conversation_id, ?2),"
        " direction = CASE WHEN partial THEN coalesce(?3, direction)"
        "   ELSE coalesce(direction, ?3) END,"
        " from_id = coalesce(from_id, ?4),"
        " text = CASE WHEN num_edit > 0 THEN text ELSE coalesce(text, ?5) END,"
        " attachments = coalesce(attachments, ?6),"
        " reply_to = coalesce(reply_to, ?7),"
        " is_unsupported = max(is_unsupported, ?8),"
        " created_ms = CASE WHEN ?9 > 0 AND (partial OR created_ms = 0)"
        "   THEN ?9 ELSE created_ms END,"
        " partial = 0, source = CASE WHEN partial THEN ?10 ELSE source END"
        " WHERE mid = ?1", e);
  }
  if (st == NULL)
    return -1;
  bind_msg(st, m);
  if (sq__step(q, st, e, "message") < 0)
    return -1;
  if (m->conv > 0 && m->created_ms > 0 &&
      sq__conversation_touch(q, m->conv, m->created_ms, e) < 0)
    return -1;
  return 0;
}

int
sq__edit_add(struct sq *q, const char *mid, int64_t n, const char *old_text,
             const char *new_text, int64_t ms, struct err *e)
{
  sqlite3_stmt *st = sq__stmt(q, SQ_EDIT_ADD,
      "INSERT INTO message_edits(mid, num_edit, old_text, new_text,"
      " edited_ms) VALUES (?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT(mid, num_edit) DO NOTHING", e);

  if (st == NULL)
    return -1;
  sq__text(st, 1, mid);
  sqlite3_bind_int64(st, 2, n);
  sq__text(st, 3, old_text);
  sq__text(st, 4, new_text);
  sqlite3_bind_int64(st, 5, ms);
  return sq__step(q, st, e, "edit") < 0 ? -1 : 0;
}

/* The text replaced by edit n of mid, applied to the message when n is
 * newer than what is stored.  An edit older than the stored one (out of
 * order) is recorded with an unknown old text and changes nothing. */
int
sq__apply_edit(struct sq *q, const char *mid, const struct stored *old,
               int64_t n, const char *text, int64_t ms, struct err *e)
{
  sqlite3_stmt *st;

  if (n <= old->num_edit)
    return sq__edit_add(q, mid, n, NULL, text, ms, e);
  if (sq__edit_add(q, mid, n, old->text, text, ms, e) < 0)
    return -1;
  st = sq__stmt(q, SQ_MSG_EDIT,
      "UPDATE messages SET text = ?2, num_edit = ?3, edited_ms = ?4"
      " WHERE mid = ?1", e);
  if (st == NULL)
    return -1;
  sq__text(st, 1, mid);
  sq__text(st, 2, text);
  sqlite3_bind_int64(st, 3, n);
  sqlite3_bind_int64(st, 4, ms);
  return sq__step(q, st, e, "edit") < 0 ? -1 : 0;
}

/* The message completing a partial row that was edited first: its text is
 * the one the first recorded edit replaced. */
int
sq__edit_fill(struct sq *q, const char *mid, const char *text, struct err *e)
{
  sqlite3_stmt *st = sq__stmt(q, SQ_EDIT_FILL,
      "UPDATE message_edits SET old_text = ?2 WHERE mid = ?1"
      " AND old_text IS NULL AND num_edit ="
      " (SELECT min(num_edit) FROM message_edits WHERE mid = ?1)", e);

  if (st == NULL)
    return -1;
  sq__text(st, 1, mid);
  sq__text(st, 2, text);
  return sq__step(q, st, e, "edit") < 0 ? -1 : 0;
}

int
sq__participant(struct sq *q, const char *id, const char *username,
                int64_t now, struct err *e)
{
  sqlite3_stmt *st;

  if (id == NULL || username == NULL)
    return 0;
  st = sq__stmt(q, SQ_PARTICIPANT_SET,
      "INSERT INTO participants(id, username, updated_ms) VALUES (?1, ?2, ?3)"
      " ON CONFLICT(id) DO UPDATE SET username = excluded.username,"
      " updated_ms = excluded.updated_ms", e);
  if (st == NULL)
    return -1;
  sq__text(st, 1, id);
  sq__text(st, 2, username);
  sqlite3_bind_int64(st, 3, now);
  return sq__step(q, st, e, "participant") < 0 ? -1 : 0;
}

/* Prefixes e's message with the item it is about ("event 3 (key)"). */
int
sq__at_item(struct err *e, const char *what, size_t i, const char *key)
{
  char why[sizeof(e->msg)];

  if (e == NULL)
    return -1;
  snprintf(why, sizeof(why), "%s",
           strncmp(e->msg, "store: ", 7) == 0 ? e->msg + 7 : e->msg);
  return err_set(e, e->code, "store: %s %zu (%.80s): %s", what, i, key, why);
}

