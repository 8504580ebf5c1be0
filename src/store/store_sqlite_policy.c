/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_policy.c: the safety tables of migration 3: idempotency
 * (the stored outcome of a write call, by key, with an expiry) and the
 * audit log of write calls.
 */
#include "store/store_sqlite_int.h"

#include <stdlib.h>

int
sq__idem_get(struct store *s, const char *account_id, const char *tool,
             const char *key, int64_t now_ms, json_t **outcome,
             struct err *e)
{
  struct sq *q = SQ(s);
  sqlite3_stmt *st;
  int rc;

  *outcome = NULL;
  sq__lock(q);
  st = sq__stmt(q, SQ_IDEM_GET, "SELECT outcome FROM idempotency"
                " WHERE account_id = ?1 AND tool = ?2 AND key = ?3"
                " AND expires_ms > ?4", e);
  if (st == NULL) {
    sq__unlock(q);
    return -1;
  }
  sq__text(st, 1, account_id);
  sq__text(st, 2, tool);
  sq__text(st, 3, key);
  sqlite3_bind_int64(st, 4, now_ms);
  rc = sq__step(q, st, e, "idempotency");
  if (rc == 1) {
    *outcome = sq__col_json(st, 0);
    if (!json_is_object(*outcome)) {
      json_decref(*outcome);
      *outcome = NULL;
      rc = 0;
    }
  }
  sq__unlock(q);
  return rc;
}

int
sq__idem_put(struct store *s, const char *account_id, const char *tool,
             const char *key, int64_t now_ms, int64_t ttl_ms,
             const json_t *outcome, struct err *e)
{
  struct sq *q = SQ(s);
  sqlite3_stmt *st;
  int rc;

  sq__lock(q);
  st = sq__stmt(q, SQ_IDEM_EXPIRE, "DELETE FROM idempotency"
                " WHERE expires_ms <= ?1", e);
  if (st == NULL)
    goto fail;
  sqlite3_bind_int64(st, 1, now_ms);
  if (sq__step(q, st, e, "idempotency expiry") < 0)
    goto fail;
  st = sq__stmt(q, SQ_IDEM_PUT, "INSERT INTO idempotency"
                " (account_id, tool, key, created_ms, expires_ms, outcome)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                " ON CONFLICT (account_id, tool, key) DO UPDATE SET"
                " created_ms = excluded.created_ms,"
                " expires_ms = excluded.expires_ms,"
                " outcome = excluded.outcome", e);
  if (st == NULL)
    goto fail;
  sq__text(st, 1, account_id);
  sq__text(st, 2, tool);
  sq__text(st, 3, key);
  sqlite3_bind_int64(st, 4, now_ms);
  sqlite3_bind_int64(st, 5, now_ms + ttl_ms);
  sq__json(st, 6, outcome);
  rc = sq__step(q, st, e, "idempotency");
  sq__unlock(q);
  return rc < 0 ? -1 : 0;
fail:
  sq__unlock(q);
  return -1;
}

int
sq__audit_add(struct store *s, const struct store_audit *a, struct err *e)
{
  struct sq *q = SQ(s);
  sqlite3_stmt *st;
  int rc;

  sq__lock(q);
  st = sq__stmt(q, SQ_AUDIT_ADD, "INSERT INTO audit"
                " (account_id, time_ms, tool, target, outcome, detail)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", e);
  if (st == NULL) {
    sq__unlock(q);
    return -1;
  }
  sq__text(st, 1, a->account_id);
  sqlite3_bind_int64(st, 2, a->time_ms);
  sq__text(st, 3, a->tool);
  sq__text(st, 4, a->target);
  sq__text(st, 5, a->outcome);
  sq__text(st, 6, a->detail);
  rc = sq__step(q, st, e, "audit");
  sq__unlock(q);
  return rc < 0 ? -1 : 0;
}

json_t *
sq__audit_list(struct store *s, const char *account_id, const char *tool,
               int64_t since_ms, int limit, struct err *e)
{
  struct sq *q = SQ(s);
  json_t *out = NULL, *list, *row;
  sqlite3_stmt *st = NULL;
  int rc;

  sq__lock(q);
  if (sqlite3_prepare_v2(q->db, "SELECT time_ms, tool, target, outcome,"
      " detail FROM audit WHERE account_id = ?1 AND (?2 IS NULL OR"
      " tool = ?2) AND time_ms >= ?3 ORDER BY time_ms DESC, id DESC"
      " LIMIT ?4", -1, &st, NULL) != SQLITE_OK) {
    sq__fail(q, e, "audit");
    goto out;
  }
  sq__text(st, 1, account_id);
  sq__text(st, 2, tool);
  sqlite3_bind_int64(st, 3, since_ms);
  sqlite3_bind_int(st, 4, limit);
  list = json_array();
  out = json_pack("{s:o}", "entries", list);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    row = json_pack("{s:I}", "time_ms",
                    (json_int_t)sqlite3_column_int64(st, 0));
    json_object_set_new(row, "tool", sq__col_str(st, 1));
    if (sqlite3_column_type(st, 2) != SQLITE_NULL)
      json_object_set_new(row, "target", sq__col_str(st, 2));
    json_object_set_new(row, "outcome", sq__col_str(st, 3));
    if (sqlite3_column_type(st, 4) != SQLITE_NULL)
      json_object_set_new(row, "detail", sq__col_str(st, 4));
    json_array_append_new(list, row);
  }
  if (rc != SQLITE_DONE) {
    sq__fail(q, e, "audit");
    json_decref(out);
    out = NULL;
  }
out:
  sqlite3_finalize(st);
  sq__unlock(q);
  return out;
}
