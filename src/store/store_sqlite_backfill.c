/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_backfill.c: store_put_messages, a page of Graph messages
 * (igmcp sync, ig_sync_inbox) merged into a conversation in one
 * transaction, by the rules of store_sqlite_message.c.
 */
#include "store/store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"

/* The other party of a Graph message page when the caller did not say:
 * the first sender, or recipient, that is not the account. */
static const char *
page_user(json_t *messages, const char *account, char *buf, size_t n)
{
  json_t *m, *to;
  size_t i, j;
  const char *id;

  json_array_foreach(messages, i, m) {
    id = sq__jid(json_object_get(m, "from"), "id", buf, n);
    if (id != NULL && strcmp(id, account) != 0)
      return id;
    json_array_foreach(json_object_get(json_object_get(m, "to"), "data"), j,
                       to) {
      id = sq__jid(to, "id", buf, n);
      if (id != NULL && strcmp(id, account) != 0)
        return id;
    }
  }
  return NULL;
}

static int
conversation_graph(struct sq *q, int64_t conv, const char *graph_id,
                   int64_t updated_ms, struct err *e)
{
  sqlite3_stmt *st = sq__stmt(q, SQ_CONV_GRAPH,
      "UPDATE conversations SET graph_id = coalesce(?2, graph_id),"
      " updated_ms = max(updated_ms, ?3) WHERE id = ?1", e);

  if (st == NULL)
    return -1;
  sqlite3_bind_int64(st, 1, conv);
  sq__text(st, 2, graph_id);
  sqlite3_bind_int64(st, 3, updated_ms);
  return sq__step(q, st, e, "conversation") < 0 ? -1 : 0;
}

/*
 * One Graph message.  A message stored before with another text was
 * edited meanwhile: the new text goes through an edit, so the old one is
 * kept.  A message without details (Meta gives them only for the 20 most
 * recent) is stored with what there is: id and time.
 */
static int
put_one(struct sq *q, const char *user, int64_t conv, json_t *g, int64_t now,
        int *is_new, struct err *e)
{
  struct stored old;
  struct msg m = { .conv = conv, .source = "graph" };
  json_t *from = json_object_get(g, "from"), *att;
  char buf[32];
  int64_t t = 0;
  int rc = -1;

  *is_new = 0;
  if ((m.mid = sq__jstr(g, "id")) == NULL)
    return err_set(e, ERR_INVALID, "message without an id");
  if (clock_parse_time(sq__jstr(g, "created_time"), &t) == 0)
    m.created_ms = t * 1000;
  m.from_id = sq__jid(from, "id", buf, sizeof(buf));
  if (m.from_id != NULL)
    m.direction = strcmp(m.from_id, user) == 0 ? "in" : "out";
  m.text = json_string_value(json_object_get(g, "message"));
  att = json_object_get(g, "attachments");
  m.attachments = json_is_object(att) ? json_object_get(att, "data") : att;
  m.reply_to = json_object_get(g, "reply_to");
  m.is_unsupported = json_is_true(json_object_get(g, "is_unsupported"));
  if (sq__stored_get(q, m.mid, &old, e) < 0)
    return -1;
  *is_new = !old.found;
  if (sq__msg_put(q, &m, &old, e) < 0)
    goto out;
  if (old.found && old.text != NULL && m.text != NULL &&
      strcmp(old.text, m.text) != 0 &&
      sq__apply_edit(q, m.mid, &old, old.num_edit + 1, m.text, now, e) < 0)
    goto out;
  if (m.direction != NULL && strcmp(m.direction, "in") == 0 &&
      sq__participant(q, m.from_id, sq__jstr(from, "username"), now, e) < 0)
    goto out;
  rc = 0;
out:
  free(old.text);
  return rc;
}

int
sq__put_messages(struct store *s, const char *account_id,
                 const char *graph_id, const char *user_id,
                 int64_t updated_ms, json_t *messages,
                 struct store_result *res, struct err *e)
{
  struct sq *q = SQ(s);
  int64_t now = clock_wall_ms(), conv;
  char buf[32];
  json_t *g;
  size_t i;
  int is_new;

  if (user_id == NULL &&
      (user_id = page_user(messages, account_id, buf, sizeof(buf))) == NULL)
    return err_set(e, ERR_INVALID, "store: no user_id given and none of the "
                   "messages names a party other than the account");
  res->received = (int)json_array_size(messages);
  sq__lock(q);
  if (sq__begin(q, e) < 0 || sq__account(q, account_id, now, e) < 0 ||
      sq__conversation(q, account_id, user_id, &conv, e) < 0 ||
      conversation_graph(q, conv, graph_id, updated_ms, e) < 0)
    goto fail;
  json_array_foreach(messages, i, g) {
    if (put_one(q, user_id, conv, g, now, &is_new, e) < 0) {
      const char *mid = sq__jstr(g, "id");

      sq__at_item(e, "message", i, mid != NULL ? mid : "-");
      goto fail;
    }
    if (is_new)
      res->applied++;
    else
      res->duplicates++;
    /* The person's messages open the messaging window, whichever way
     * they reached us (the max is kept). */
    {
      char idbuf[32];
      const char *from = sq__jid(json_object_get(g, "from"), "id", idbuf,
                                 sizeof(idbuf));
      int64_t t = 0;
      if (from != NULL && strcmp(from, user_id) == 0 &&
          clock_parse_time(sq__jstr(g, "created_time"), &t) == 0 &&
          sq__window_set(q, account_id, user_id, t * 1000, e) < 0)
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
  res->applied = res->duplicates = 0;
  return -1;
}
