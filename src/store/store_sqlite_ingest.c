/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_ingest.c: store_ingest, a webhook delivery's normalized
 * events (the contract in docs/internals/webhook.md) recorded and applied
 * in one transaction.
 *
 * Deliveries come out of order and again: every write merges (the message
 * rules are in store_sqlite_message.c), times only move forward (max), and
 * a key already stored is counted as a duplicate and not applied again.
 */
#include "store/store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"

/* One event's fields, borrowed from its json object. */
struct ev {
  const char *kind;
  const char *key;
  const char *account;
  const char *user;   /* the other party, may be NULL */
  const char *mid;
  const char *text;
  int64_t time_ms;
  json_t *obj;
  int ours;           /* the account itself acted */
};

static const char *const kinds[] = {
  "message", "echo", "reaction", "unreaction", "seen", "postback",
  "referral", "edit", "delete", "comment", "live_comment", "mention",
  "story_insights", "unknown",
};

static int
known_kind(const char *k)
{
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if (strcmp(k, kinds[i]) == 0)
      return 1;
  return 0;
}

static int
is_messaging(const char *k)
{
  return strcmp(k, "comment") != 0 && strcmp(k, "live_comment") != 0 &&
         strcmp(k, "mention") != 0 && strcmp(k, "story_insights") != 0 &&
         strcmp(k, "unknown") != 0;
}

/*
 * Reads and checks event i.  Whether the account acted: an echo always; a
 * comment when its author is the account; another messaging event when its
 * sender is not the other party (webhook_parse names the recipient as
 * user_id when the sender is us, and our sender id may differ from the
 * entry id under Facebook Login).
 */
static int
ev_read(json_t *o, size_t i, struct ev *v, struct err *e)
{
  const json_t *t;
  char buf[32];
  const char *sender;

  memset(v, 0, sizeof(*v));
  v->obj = o;
  if (!json_is_object(o))
    return err_set(e, ERR_INVALID, "store: event %zu: not an object", i);
  if ((v->kind = json_string_value(json_object_get(o, "kind"))) == NULL)
    return err_set(e, ERR_INVALID, "store: event %zu: kind is not a string",
                   i);
  if (!known_kind(v->kind))
    return err_set(e, ERR_INVALID, "store: event %zu: unknown kind \"%.40s\"",
                   i, v->kind);
  if ((v->key = sq__jstr(o, "key")) == NULL)
    return err_set(e, ERR_INVALID, "store: event %zu: key is missing", i);
  if ((v->account = sq__jstr(o, "account_id")) == NULL)
    return err_set(e, ERR_INVALID, "store: event %zu: account_id is missing",
                   i);
  t = json_object_get(o, "time_ms");
  if (t != NULL && !json_is_integer(t))
    return err_set(e, ERR_INVALID, "store: event %zu: time_ms is not an "
                   "integer", i);
  v->time_ms = json_integer_value(t);
  v->user = sq__jstr(o, "user_id");
  v->mid = sq__jstr(o, "mid");
  v->text = json_string_value(json_object_get(o, "text"));
  if (strcmp(v->kind, "echo") == 0) {
    v->ours = 1;
  } else if (!is_messaging(v->kind)) {
    v->ours = v->user != NULL && strcmp(v->user, v->account) == 0;
  } else {
    sender = sq__jid(json_object_get(json_object_get(o, "item"), "sender"),
                     "id", buf, sizeof(buf));
    if (sender != NULL)
      v->ours = v->user != NULL ? strcmp(sender, v->user) != 0
                                : strcmp(sender, v->account) == 0;
  }
  return 0;
}

/* A row for a message known only from an edit or a deletion. */
static int
msg_partial(struct sq *q, const struct ev *v, int64_t conv, struct err *e)
{
  int edit = strcmp(v->kind, "edit") == 0;
  sqlite3_stmt *st = sq__stmt(q, SQ_MSG_PARTIAL,
      "INSERT INTO messages(mid, conversation_id, direction, text,"
      " created_ms, partial, num_edit, edited_ms, deleted_ms)"
      " VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8)", e);

  if (st == NULL)
    return -1;
  sq__text(st, 1, v->mid);
  if (conv > 0)
    sqlite3_bind_int64(st, 2, conv);
  sq__text(st, 3, v->user == NULL ? NULL : v->ours ? "out" : "in");
  sq__text(st, 4, edit ? v->text : NULL);
  sqlite3_bind_int64(st, 5, v->time_ms);
  sqlite3_bind_int64(st, 6, edit ? json_integer_value(
      json_object_get(v->obj, "num_edit")) : 0);
  if (edit)
    sqlite3_bind_int64(st, 7, v->time_ms);
  else
    sqlite3_bind_int64(st, 8, v->time_ms);
  return sq__step(q, st, e, "message") < 0 ? -1 : 0;
}

static int
on_message(struct sq *q, const struct ev *v, int64_t conv, struct err *e)
{
  struct stored old;
  struct msg m = {
    .mid = v->mid,
    .conv = conv,
    .direction = v->ours ? "out" : "in",
    .text = v->text,
    .attachments = json_object_get(v->obj, "attachments"),
    .reply_to = json_object_get(v->obj, "reply_to"),
    .is_unsupported = json_is_true(json_object_get(v->obj, "is_unsupported")),
    .created_ms = v->time_ms,
    .source = "webhook",
  };
  char buf[32];
  int rc = -1;

  m.from_id = sq__jid(json_object_get(json_object_get(v->obj, "item"),
                                      "sender"), "id", buf, sizeof(buf));
  if (sq__stored_get(q, v->mid, &old, e) < 0)
    return -1;
  if (sq__msg_put(q, &m, &old, e) < 0)
    goto out;
  if (old.partial && old.num_edit > 0 && v->text != NULL &&
      sq__edit_fill(q, v->mid, v->text, e) < 0)
    goto out;
  rc = 0;
out:
  free(old.text);
  return rc;
}

static int
on_edit_or_delete(struct sq *q, const struct ev *v, int64_t conv,
                  struct err *e)
{
  struct stored old;
  sqlite3_stmt *st;
  int64_t n = json_integer_value(json_object_get(v->obj, "num_edit"));
  int rc = -1;

  if (sq__stored_get(q, v->mid, &old, e) < 0)
    return -1;
  if (!old.found) {
    rc = msg_partial(q, v, conv, e);
    if (rc == 0 && strcmp(v->kind, "edit") == 0)
      rc = sq__edit_add(q, v->mid, n, NULL, v->text, v->time_ms, e);
    goto out;
  }
  if (strcmp(v->kind, "edit") == 0) {
    rc = sq__apply_edit(q, v->mid, &old, n, v->text, v->time_ms, e);
    goto out;
  }
  st = sq__stmt(q, SQ_MSG_DELETE,
      "UPDATE messages SET deleted_ms = coalesce(deleted_ms, ?2)"
      " WHERE mid = ?1", e);
  if (st != NULL) {
    sq__text(st, 1, v->mid);
    sqlite3_bind_int64(st, 2, v->time_ms);
    rc = sq__step(q, st, e, "delete") < 0 ? -1 : 0;
  }
out:
  free(old.text);
  return rc;
}

/* The reactor's current reaction; a delivery older than the stored one
 * (by time_ms) changes nothing. */
static int
on_reaction(struct sq *q, const struct ev *v, struct err *e)
{
  const char *who = v->ours ? v->account : v->user;
  sqlite3_stmt *st;

  if (who == NULL)
    return 0;
  st = sq__stmt(q, SQ_REACTION_SET,
      "INSERT INTO reactions(mid, user_id, reaction, removed, time_ms)"
      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(mid, user_id) DO UPDATE SET"
      " reaction = coalesce(excluded.reaction, reaction),"
      " removed = excluded.removed, time_ms = excluded.time_ms"
      " WHERE excluded.time_ms >= reactions.time_ms", e);
  if (st == NULL)
    return -1;
  sq__text(st, 1, v->mid);
  sq__text(st, 2, who);
  sq__text(st, 3, sq__jstr(v->obj, "reaction"));
  sqlite3_bind_int(st, 4, strcmp(v->kind, "unreaction") == 0);
  sqlite3_bind_int64(st, 5, v->time_ms);
  return sq__step(q, st, e, "reaction") < 0 ? -1 : 0;
}

/* The user saw our messages up to mid; or, when we are the reader, our
 * read mark moves. */
static int
on_seen(struct sq *q, const struct ev *v, int64_t conv, struct err *e)
{
  sqlite3_stmt *st;

  if (conv > 0) {
    if (v->ours)
      st = sq__stmt(q, SQ_CONV_OURS_READ,
          "UPDATE conversations SET read_ms = max(read_ms, ?2)"
          " WHERE id = ?1", e);
    else
      st = sq__stmt(q, SQ_CONV_SEEN,
          "UPDATE conversations SET seen_ms = max(seen_ms, ?2)"
          " WHERE id = ?1", e);
    if (st == NULL)
      return -1;
    sqlite3_bind_int64(st, 1, conv);
    sqlite3_bind_int64(st, 2, v->time_ms);
    if (sq__step(q, st, e, "seen") < 0)
      return -1;
  }
  if (v->mid == NULL || v->ours)
    return 0;
  st = sq__stmt(q, SQ_MSG_SEEN,
      "UPDATE messages SET read_ms = coalesce(read_ms, ?2)"
      " WHERE mid = ?1 AND direction = 'out'", e);
  if (st == NULL)
    return -1;
  sq__text(st, 1, v->mid);
  sqlite3_bind_int64(st, 2, v->time_ms);
  return sq__step(q, st, e, "seen") < 0 ? -1 : 0;
}

/* A comment by id; a re-delivery or a later edit fills what was missing
 * and takes the newer text. */
static int
on_comment(struct sq *q, const struct ev *v, int64_t now, struct err *e)
{
  const char *id = sq__jstr(v->obj, "comment_id");
  sqlite3_stmt *st;

  if (id == NULL)
    return 0;
  st = sq__stmt(q, SQ_COMMENT_UPSERT,
      "INSERT INTO comments(comment_id, account_id, media_id,"
      " media_product_type, parent_id, from_id, username, text, created_ms,"
      " ours, live) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
      " ON CONFLICT(comment_id) DO UPDATE SET"
      " media_id = coalesce(media_id, excluded.media_id),"
      " media_product_type = coalesce(media_product_type,"
      "   excluded.media_product_type),"
      " parent_id = coalesce(parent_id, excluded.parent_id),"
      " from_id = coalesce(from_id, excluded.from_id),"
      " username = coalesce(excluded.username, username),"
      " text = coalesce(excluded.text, text)", e);
  if (st == NULL)
    return -1;
  sq__text(st, 1, id);
  sq__text(st, 2, v->account);
  sq__text(st, 3, sq__jstr(v->obj, "media_id"));
  sq__text(st, 4, sq__jstr(v->obj, "media_product_type"));
  sq__text(st, 5, sq__jstr(v->obj, "parent_id"));
  sq__text(st, 6, v->user);
  sq__text(st, 7, sq__jstr(v->obj, "username"));
  sq__text(st, 8, v->text);
  sqlite3_bind_int64(st, 9, v->time_ms);
  sqlite3_bind_int(st, 10, v->ours);
  sqlite3_bind_int(st, 11, strcmp(v->kind, "live_comment") == 0);
  if (sq__step(q, st, e, "comment") < 0)
    return -1;
  if (v->ours)
    return 0;
  return sq__participant(q, v->user, sq__jstr(v->obj, "username"), now, e);
}

/* Applies a new (not duplicate) event to the mirror tables. */
static int
apply(struct sq *q, const struct ev *v, int64_t now, struct err *e)
{
  const char *k = v->kind;
  int64_t conv = 0;
  int rc = 0;

  if (is_messaging(k) && v->user != NULL &&
      sq__conversation(q, v->account, v->user, &conv, e) < 0)
    return -1;
  if (strcmp(k, "message") == 0 || strcmp(k, "echo") == 0) {
    if (v->mid != NULL)
      rc = on_message(q, v, conv, e);
  } else if (strcmp(k, "edit") == 0 || strcmp(k, "delete") == 0) {
    if (v->mid != NULL)
      rc = on_edit_or_delete(q, v, conv, e);
  } else if (strcmp(k, "reaction") == 0 || strcmp(k, "unreaction") == 0) {
    if (v->mid != NULL)
      rc = on_reaction(q, v, e);
  } else if (strcmp(k, "seen") == 0) {
    rc = on_seen(q, v, conv, e);
  } else if (strcmp(k, "comment") == 0 || strcmp(k, "live_comment") == 0) {
    rc = on_comment(q, v, now, e);
  }
  if (rc < 0)
    return -1;
  /* What the user does that opens (or reopens) the messaging window. */
  if (!v->ours && v->user != NULL && v->time_ms > 0 &&
      (strcmp(k, "message") == 0 || strcmp(k, "postback") == 0 ||
       strcmp(k, "reaction") == 0 || strcmp(k, "referral") == 0))
    return sq__window_set(q, v->account, v->user, v->time_ms, e);
  return 0;
}

/* Keeps the raw body once by its SHA-256; *id is its row. */
static int
body_keep(struct sq *q, const void *raw, size_t len, int64_t now,
          int64_t *id, int *dup, struct err *e)
{
  char hex[65];
  sqlite3_stmt *st;
  int rc;

  if (crypto_sha256_hex(raw, len, hex) < 0)
    return err_set(e, ERR_INTERNAL, "store: sha256 failed");
  if ((st = sq__stmt(q, SQ_BODY_FIND,
      "SELECT id FROM webhook_bodies WHERE sha256 = ?1", e)) == NULL)
    return -1;
  sq__text(st, 1, hex);
  if ((rc = sq__step(q, st, e, "body")) < 0)
    return -1;
  if (rc == 1) {
    *id = sqlite3_column_int64(st, 0);
    *dup = 1;
    sqlite3_reset(st);
    return 0;
  }
  if ((st = sq__stmt(q, SQ_BODY_ADD,
      "INSERT INTO webhook_bodies(sha256, body, received_ms)"
      " VALUES (?1, ?2, ?3)", e)) == NULL)
    return -1;
  sq__text(st, 1, hex);
  sqlite3_bind_blob64(st, 2, len > 0 ? raw : "", len, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, now);
  if (sq__step(q, st, e, "body") < 0)
    return -1;
  *id = sqlite3_last_insert_rowid(q->db);
  return 0;
}

/* Records the event by key; *dup when the key was already stored. */
static int
event_add(struct sq *q, const struct ev *v, int64_t body, int64_t now,
          int *dup, struct err *e)
{
  sqlite3_stmt *st = sq__stmt(q, SQ_EVENT_ADD,
      "INSERT INTO events(key, kind, account_id, user_id, time_ms, item,"
      " body_id, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
      " ON CONFLICT(key) DO NOTHING", e);

  if (st == NULL)
    return -1;
  sq__text(st, 1, v->key);
  sq__text(st, 2, v->kind);
  sq__text(st, 3, v->account);
  sq__text(st, 4, v->user);
  sqlite3_bind_int64(st, 5, v->time_ms);
  sq__json(st, 6, json_object_get(v->obj, "item"));
  if (body > 0)
    sqlite3_bind_int64(st, 7, body);
  sqlite3_bind_int64(st, 8, now);
  if (sq__step(q, st, e, "event") < 0)
    return -1;
  *dup = sqlite3_changes(q->db) == 0;
  return 0;
}

/* One delivery, inside the transaction the caller opened and will end;
 * res is filled as it goes (the caller zeroes it on failure). */
static int
ingest_one(struct sq *q, const void *raw, size_t len, json_t *events,
           int64_t now, struct store_result *res, struct err *e)
{
  int64_t body = 0;
  json_t *o;
  size_t i;
  struct ev v;
  int dup;

  res->received = (int)json_array_size(events);
  if (raw != NULL &&
      body_keep(q, raw, len, now, &body, &res->body_duplicate, e) < 0)
    return -1;
  json_array_foreach(events, i, o) {
    if (ev_read(o, i, &v, e) < 0)
      return -1;
    if (sq__account(q, v.account, now, e) < 0 ||
        event_add(q, &v, body, now, &dup, e) < 0) {
      sq__at_item(e, "event", i, v.key);
      return -1;
    }
    if (dup) {
      res->duplicates++;
      continue;
    }
    if (apply(q, &v, now, e) < 0) {
      sq__at_item(e, "event", i, v.key);
      return -1;
    }
    res->applied++;
  }
  return 0;
}

int
sq__ingest(struct store *s, const void *raw, size_t len, json_t *events,
           struct store_result *res, struct err *e)
{
  struct sq *q = SQ(s);
  int64_t now = clock_wall_ms();

  sq__lock(q);
  if (sq__begin(q, e) < 0 ||
      ingest_one(q, raw, len, events, now, res, e) < 0 ||
      sq__commit(q, e) < 0) {
    sq__rollback(q);
    sq__unlock(q);
    res->applied = res->duplicates = res->body_duplicate = 0;
    res->received = (int)json_array_size(events);
    return -1;
  }
  sq__unlock(q);
  return 0;
}

/* Group commit: every item in one transaction, all or nothing; on -1 the
 * items' results are zeroed and store_ingest_many stores them one by one. */
int
sq__ingest_many(struct store *s, struct store_batch_item *items, size_t n,
                struct err *e)
{
  struct sq *q = SQ(s);
  int64_t now = clock_wall_ms();
  size_t i;

  sq__lock(q);
  if (sq__begin(q, e) < 0)
    goto fail;
  for (i = 0; i < n; i++) {
    struct store_batch_item *it = &items[i];
    if (ingest_one(q, it->raw, it->raw == NULL ? 0 : it->len, it->events,
                   now, &it->res, e) < 0) {
      sq__at_item(e, "delivery", i, "-");
      goto fail;
    }
  }
  if (sq__commit(q, e) < 0)
    goto fail;
  sq__unlock(q);
  return 0;

fail:
  sq__rollback(q);
  sq__unlock(q);
  for (i = 0; i < n; i++)
    memset(&items[i].res, 0, sizeof(items[i].res));
  return -1;
}
