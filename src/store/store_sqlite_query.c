/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_query.c: the reads that answer an agent's questions (the
 * inbox, one conversation's history, who waits for a reply, the event log),
 * each built as a new json_t the caller owns.  Statements here are prepared
 * per call and finalized before it returns; a read runs in SQLite's
 * implicit read transaction, so it sees one consistent snapshot.
 */
#include "store/store_sqlite_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/*
 * A conversation with its other party, its newest message, its unread
 * count and its window start, for the column layout conv_json reads.
 * Unread: inbound messages (not deleted) after both our newest outbound
 * message and our read mark.
 */
#define CONV_COLS                                                           \
  "c.id, c.graph_id, c.user_id, p.username, p.name, c.updated_ms,"          \
  " c.last_ms, m.mid, m.text, m.created_ms, m.direction, m.deleted_ms,"     \
  " (SELECT count(*) FROM messages u WHERE u.conversation_id = c.id"        \
  "   AND u.direction = 'in' AND u.deleted_ms IS NULL"                      \
  "   AND u.created_ms > max(c.read_ms, coalesce((SELECT max(o.created_ms)" \
  "     FROM messages o WHERE o.conversation_id = c.id"                     \
  "     AND o.direction = 'out'), 0))),"                                    \
  " w.last_inbound_ms, c.seen_ms"
#define CONV_NCOLS 15
#define CONV_FROM                                                           \
  " FROM conversations c"                                                   \
  " LEFT JOIN participants p ON p.id = c.user_id"                           \
  " LEFT JOIN messages m ON m.id = (SELECT x.id FROM messages x"            \
  "   WHERE x.conversation_id = c.id"                                       \
  "   ORDER BY x.created_ms DESC, x.id DESC LIMIT 1)"                       \
  " LEFT JOIN windows w ON w.account_id = c.account_id"                     \
  "   AND w.user_id = c.user_id"

/* Every query here is a string literal: prepared once, then reused. */
static sqlite3_stmt *
prepare(struct sq *q, const char *sql, struct err *e)
{
  return sq__query(q, sql, e);
}

/* Sets key to column i's text, leaving it out when NULL. */
static void
put_str(json_t *o, const char *key, sqlite3_stmt *st, int i)
{
  const char *s = (const char *)sqlite3_column_text(st, i);

  if (s != NULL)
    json_object_set_new(o, key, json_string(s));
}

static void
put_int(json_t *o, const char *key, sqlite3_stmt *st, int i)
{
  if (sqlite3_column_type(st, i) != SQLITE_NULL)
    json_object_set_new(o, key, json_integer(sqlite3_column_int64(st, i)));
}

static json_t *
window_json(int64_t last_ms, int64_t now_ms)
{
  int64_t until = 0;
  enum store_window_state w = store_window_at(last_ms, now_ms, &until);
  json_t *o = json_pack("{s:s}", "state", store_window_name(w));

  if (w != STORE_WINDOW_UNKNOWN)
    json_object_set_new(o, "until_ms", json_integer(until));
  return o;
}

/* The object for a row laid out as CONV_COLS. */
static json_t *
conv_json(sqlite3_stmt *st, int64_t now_ms)
{
  json_t *c = json_object(), *m;

  json_object_set_new(c, "id", json_integer(sqlite3_column_int64(st, 0)));
  put_str(c, "graph_id", st, 1);
  put_str(c, "user_id", st, 2);
  put_str(c, "username", st, 3);
  put_str(c, "name", st, 4);
  if (sqlite3_column_int64(st, 5) > 0)
    put_int(c, "updated_ms", st, 5);
  if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
    m = json_object();
    put_str(m, "mid", st, 7);
    put_str(m, "text", st, 8);
    put_int(m, "created_ms", st, 9);
    put_str(m, "direction", st, 10);
    if (sqlite3_column_type(st, 11) != SQLITE_NULL)
      json_object_set_new(m, "deleted", json_true());
    json_object_set_new(c, "last_message", m);
  }
  json_object_set_new(c, "unread", json_integer(sqlite3_column_int64(st, 12)));
  json_object_set_new(c, "window",
                      window_json(sqlite3_column_int64(st, 13), now_ms));
  if (sqlite3_column_int64(st, 14) > 0)
    put_int(c, "seen_ms", st, 14);
  return c;
}

/* Inbox cursors are "<last_ms>.<id>" of the last row of a page: the next
 * page starts strictly after it in (last_ms, id) descending order. */
static int
parse_cursor(const char *cur, int64_t *ms, int64_t *id, struct err *e)
{
  char *end;

  *ms = strtoll(cur, &end, 10);
  if (end == cur || *end != '.')
    goto bad;
  cur = end + 1;
  *id = strtoll(cur, &end, 10);
  if (end == cur || *end != '\0' || *ms < 0 || *id <= 0)
    goto bad;
  return 0;
bad:
  return err_set(e, ERR_INVALID, "store: not an inbox cursor");
}

json_t *
sq__list_inbox(struct store *s, const char *account_id, int64_t now_ms,
               int limit, const char *cursor, struct err *e)
{
  struct sq *q = SQ(s);
  sqlite3_stmt *st = NULL;
  json_t *out = NULL, *list;
  int64_t cms = 0, cid = 0, last_ms = 0, last_id = 0;
  int n = 0, rc;
  char next[48];

  if (cursor != NULL && parse_cursor(cursor, &cms, &cid, e) < 0)
    return NULL;
  sq__lock(q);
  st = prepare(q, "SELECT " CONV_COLS CONV_FROM
      " WHERE c.account_id = ?1 AND (?2 = 0 OR (c.last_ms, c.id) < (?3, ?2))"
      " ORDER BY c.last_ms DESC, c.id DESC LIMIT ?4", e);
  if (st == NULL)
    goto out;
  sq__text(st, 1, account_id);
  sqlite3_bind_int64(st, 2, cid);
  sqlite3_bind_int64(st, 3, cms);
  sqlite3_bind_int(st, 4, limit + 1);
  list = json_array();
  out = json_pack("{s:o}", "conversations", list);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n++ == limit) {
      snprintf(next, sizeof(next), "%" PRId64 ".%" PRId64, last_ms, last_id);
      json_object_set_new(out, "next_cursor", json_string(next));
      rc = SQLITE_DONE;
      break;
    }
    last_id = sqlite3_column_int64(st, 0);
    last_ms = sqlite3_column_int64(st, 6);
    json_array_append_new(list, conv_json(st, now_ms));
  }
  if (rc != SQLITE_DONE) {
    sq__fail(q, e, "inbox");
    json_decref(out);
    out = NULL;
  }
out:
  sq__unlock(q);
  return out;
}

/* The edits and reactions of one message, added to its object. */
static int
message_extras(struct sq *q, sqlite3_stmt *ed, sqlite3_stmt *re, json_t *m,
               const char *mid, struct err *e)
{
  json_t *list = NULL, *x;
  int rc;

  sqlite3_reset(ed);
  sq__text(ed, 1, mid);
  while ((rc = sqlite3_step(ed)) == SQLITE_ROW) {
    if (list == NULL) {
      list = json_array();
      json_object_set_new(m, "edits", list);
    }
    x = json_object();
    put_int(x, "num_edit", ed, 0);
    put_str(x, "old_text", ed, 1);
    put_str(x, "new_text", ed, 2);
    put_int(x, "edited_ms", ed, 3);
    json_array_append_new(list, x);
  }
  if (rc != SQLITE_DONE)
    return sq__fail(q, e, "edits");
  list = NULL;
  sqlite3_reset(re);
  sq__text(re, 1, mid);
  while ((rc = sqlite3_step(re)) == SQLITE_ROW) {
    if (list == NULL) {
      list = json_array();
      json_object_set_new(m, "reactions", list);
    }
    x = json_object();
    put_str(x, "user_id", re, 0);
    put_str(x, "reaction", re, 1);
    put_int(x, "time_ms", re, 2);
    json_array_append_new(list, x);
  }
  if (rc != SQLITE_DONE)
    return sq__fail(q, e, "reactions");
  return 0;
}

static json_t *
message_json(sqlite3_stmt *st)
{
  json_t *m = json_object(), *v;

  put_str(m, "mid", st, 0);
  put_str(m, "direction", st, 1);
  put_str(m, "from_id", st, 2);
  put_str(m, "text", st, 3);
  /* json_is_null is a macro that evaluates its argument twice. */
  v = sq__col_json(st, 4);
  if (!json_is_null(v))
    json_object_set_new(m, "attachments", v);
  v = sq__col_json(st, 5);
  if (!json_is_null(v))
    json_object_set_new(m, "reply_to", v);
  put_int(m, "created_ms", st, 6);
  if (sqlite3_column_int(st, 7))
    json_object_set_new(m, "is_unsupported", json_true());
  put_int(m, "edited_ms", st, 8);
  put_int(m, "deleted_ms", st, 9);
  put_int(m, "read_ms", st, 10);
  if (sqlite3_column_int(st, 11))
    json_object_set_new(m, "partial", json_true());
  return m;
}

/* The conversation of account_id that who names (user id or Graph id). */
static json_t *
find_conversation(struct sq *q, const char *account_id, const char *who,
                  int64_t now_ms, int64_t *id, struct err *e)
{
  sqlite3_stmt *st = prepare(q, "SELECT " CONV_COLS CONV_FROM
      " WHERE c.account_id = ?1 AND (c.user_id = ?2 OR c.graph_id = ?2)"
      " ORDER BY c.user_id = ?2 DESC LIMIT 1", e);
  json_t *c = NULL;
  int rc;

  if (st == NULL)
    return NULL;
  sq__text(st, 1, account_id);
  sq__text(st, 2, who);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(st, 0);
    c = conv_json(st, now_ms);
  } else if (rc == SQLITE_DONE) {
    err_set(e, ERR_NOTFOUND, "store: no stored conversation with %.100s",
            who);
  } else {
    sq__fail(q, e, "conversation");
  }
  return c;
}

static int64_t
created(json_t *list, size_t i)
{
  return json_integer_value(json_object_get(json_array_get(list, i),
                                            "created_ms"));
}

/*
 * Fills list with up to limit messages of conv older than before_ms, newest
 * first, and says whether older ones remain.  A page never splits the
 * messages of one millisecond (the cursor is a time): when the row past
 * the page shares the oldest row's time, that time's rows wait for the
 * next page, unless they are the whole page.
 */
static int
history_page(struct sq *q, int64_t conv, int64_t before_ms, int limit,
             json_t *list, int *more, struct err *e)
{
  sqlite3_stmt *st, *ed, *re;
  int64_t extra = -1;
  size_t n;
  int rc, ret = -1;

  st = prepare(q, "SELECT mid, direction, from_id, text, attachments,"
      " reply_to, created_ms, is_unsupported, edited_ms, deleted_ms, read_ms,"
      " partial FROM messages WHERE conversation_id = ?1"
      " AND (?2 = 0 OR created_ms < ?2)"
      " ORDER BY created_ms DESC, id DESC LIMIT ?3", e);
  ed = prepare(q, "SELECT num_edit, old_text, new_text, edited_ms"
      " FROM message_edits WHERE mid = ?1 ORDER BY num_edit", e);
  re = prepare(q, "SELECT user_id, reaction, time_ms FROM reactions"
      " WHERE mid = ?1 AND removed = 0 ORDER BY time_ms", e);
  if (st == NULL || ed == NULL || re == NULL)
    goto out;
  sqlite3_bind_int64(st, 1, conv);
  sqlite3_bind_int64(st, 2, before_ms);
  sqlite3_bind_int(st, 3, limit + 1);
  *more = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    json_t *m;

    if ((int)json_array_size(list) == limit) {
      *more = 1;
      extra = sqlite3_column_int64(st, 6);
      break;
    }
    m = message_json(st);
    json_array_append_new(list, m);
    if (message_extras(q, ed, re, m,
                       (const char *)sqlite3_column_text(st, 0), e) < 0)
      goto out;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    sq__fail(q, e, "history");
    goto out;
  }
  n = json_array_size(list);
  while (extra >= 0 && n > 1 && created(list, n - 1) == extra &&
         created(list, 0) != extra)
    json_array_remove(list, --n);
  ret = 0;
out:
  return ret;
}

json_t *
sq__get_history(struct store *s, const char *account_id, const char *who,
                int64_t before_ms, int limit, struct err *e)
{
  struct sq *q = SQ(s);
  json_t *c, *list, *out = NULL, *oldest;
  int64_t conv = 0;
  int more = 0;
  size_t n;

  sq__lock(q);
  if ((c = find_conversation(q, account_id, who, 0, &conv, e)) == NULL)
    goto out;
  /* The window in a history is not "now"-relative: leave it out. */
  json_object_del(c, "window");
  list = json_array();
  out = json_pack("{s:o,s:o}", "conversation", c, "messages", list);
  if (history_page(q, conv, before_ms, limit, list, &more, e) < 0) {
    json_decref(out);
    out = NULL;
    goto out;
  }
  /* Oldest first reads like a conversation. */
  n = json_array_size(list);
  for (size_t i = 0; i < n / 2; i++) {
    json_t *a = json_incref(json_array_get(list, i));
    json_array_set(list, i, json_array_get(list, n - 1 - i));
    json_array_set_new(list, n - 1 - i, a);
  }
  if (more && n > 0) {
    oldest = json_array_get(list, 0);
    json_object_set(out, "next_before_ms",
                    json_object_get(oldest, "created_ms"));
  }
out:
  sq__unlock(q);
  return out;
}

static json_t *
comment_json(sqlite3_stmt *st, int64_t now_ms)
{
  json_t *c = json_object();

  put_str(c, "comment_id", st, 0);
  put_str(c, "media_id", st, 1);
  put_str(c, "from_id", st, 2);
  put_str(c, "username", st, 3);
  put_str(c, "text", st, 4);
  put_int(c, "created_ms", st, 5);
  if (sqlite3_column_int(st, 6))
    json_object_set_new(c, "live", json_true());
  json_object_set_new(c, "waiting_ms",
                      json_integer(now_ms - sqlite3_column_int64(st, 5)));
  return c;
}

/*
 * Waiting since: the first inbound message after our last outbound one
 * (deleted ones do not wait).  A conversation where we spoke last, or that
 * holds no inbound message, is not waiting.
 */
static int
unanswered_dms(struct sq *q, const char *account_id, int64_t now_ms,
               int limit, json_t *list, struct err *e)
{
  sqlite3_stmt *st = prepare(q, "SELECT " CONV_COLS ", waiting.since FROM"
      " (SELECT c2.id AS cid, (SELECT min(i.created_ms) FROM messages i"
      "   WHERE i.conversation_id = c2.id AND i.direction = 'in'"
      "   AND i.deleted_ms IS NULL AND i.created_ms > coalesce((SELECT"
      "   max(o.created_ms) FROM messages o WHERE o.conversation_id = c2.id"
      "   AND o.direction = 'out'), 0)) AS since"
      "  FROM conversations c2 WHERE c2.account_id = ?1) waiting"
      " JOIN conversations c ON c.id = waiting.cid"
      " LEFT JOIN participants p ON p.id = c.user_id"
      " LEFT JOIN messages m ON m.id = (SELECT x.id FROM messages x"
      "   WHERE x.conversation_id = c.id"
      "   ORDER BY x.created_ms DESC, x.id DESC LIMIT 1)"
      " LEFT JOIN windows w ON w.account_id = c.account_id"
      "   AND w.user_id = c.user_id"
      " WHERE waiting.since IS NOT NULL"
      " ORDER BY waiting.since, c.id LIMIT ?2", e);
  int rc;

  if (st == NULL)
    return -1;
  sq__text(st, 1, account_id);
  sqlite3_bind_int(st, 2, limit);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    json_t *c = conv_json(st, now_ms);
    int64_t since = sqlite3_column_int64(st, CONV_NCOLS);

    json_object_set_new(c, "waiting_since_ms", json_integer(since));
    json_object_set_new(c, "waiting_ms", json_integer(now_ms - since));
    json_array_append_new(list, c);
  }
  if (rc != SQLITE_DONE)
    sq__fail(q, e, "unanswered");
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Top-level comments by others with no reply of ours under them. */
static int
unanswered_comments(struct sq *q, const char *account_id, int64_t now_ms,
                    int limit, json_t *list, struct err *e)
{
  sqlite3_stmt *st = prepare(q, "SELECT k.comment_id, k.media_id, k.from_id,"
      " k.username, k.text, k.created_ms, k.live FROM comments k"
      " WHERE k.account_id = ?1 AND k.ours = 0 AND k.parent_id IS NULL"
      " AND NOT EXISTS (SELECT 1 FROM comments r"
      "   WHERE r.parent_id = k.comment_id AND r.ours = 1)"
      " ORDER BY k.created_ms, k.id LIMIT ?2", e);
  int rc;

  if (st == NULL)
    return -1;
  sq__text(st, 1, account_id);
  sqlite3_bind_int(st, 2, limit);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    json_array_append_new(list, comment_json(st, now_ms));
  if (rc != SQLITE_DONE)
    sq__fail(q, e, "unanswered comments");
  return rc == SQLITE_DONE ? 0 : -1;
}

json_t *
sq__list_unanswered(struct store *s, const char *account_id, int64_t now_ms,
                    int limit, struct err *e)
{
  struct sq *q = SQ(s);
  json_t *dms = json_array(), *comments = json_array();
  json_t *out = json_pack("{s:o,s:o}", "conversations", dms, "comments",
                          comments);

  sq__lock(q);
  if (unanswered_dms(q, account_id, now_ms, limit, dms, e) < 0 ||
      unanswered_comments(q, account_id, now_ms, limit, comments, e) < 0) {
    json_decref(out);
    out = NULL;
  }
  sq__unlock(q);
  return out;
}

json_t *
sq__list_events(struct store *s, const char *account_id, const char *kind,
                int64_t since_ms, int limit, struct err *e)
{
  struct sq *q = SQ(s);
  json_t *out = NULL, *list, *ev, *item;
  sqlite3_stmt *st;
  int rc;

  sq__lock(q);
  st = prepare(q, "SELECT key, kind, user_id, time_ms, received_ms, item"
      " FROM events WHERE account_id = ?1 AND (?2 IS NULL OR kind = ?2)"
      " AND time_ms >= ?3 ORDER BY time_ms DESC, id DESC LIMIT ?4", e);
  if (st == NULL)
    goto out;
  sq__text(st, 1, account_id);
  sq__text(st, 2, kind);
  sqlite3_bind_int64(st, 3, since_ms);
  sqlite3_bind_int(st, 4, limit);
  list = json_array();
  out = json_pack("{s:o}", "events", list);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ev = json_object();
    put_str(ev, "key", st, 0);
    put_str(ev, "kind", st, 1);
    put_str(ev, "user_id", st, 2);
    put_int(ev, "time_ms", st, 3);
    put_int(ev, "received_ms", st, 4);
    item = sq__col_json(st, 5);
    json_object_set_new(ev, "item", item);
    json_array_append_new(list, ev);
  }
  if (rc != SQLITE_DONE) {
    sq__fail(q, e, "events");
    json_decref(out);
    out = NULL;
  }
out:
  sq__unlock(q);
  return out;
}
