/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_sync.c: the sync_state table (migration 2), the small
 * key/value memory of the backfill: where an interrupted run stopped and
 * which updated_time each conversation had when it was last pulled.
 */
#include "store/store_sqlite_int.h"

#include <stdlib.h>

#include "base/xalloc.h"

int
sq__sync_get(struct store *s, const char *account_id, const char *key,
             char **value, int64_t *ms, struct err *e)
{
  struct sq *q = SQ(s);
  sqlite3_stmt *st;
  int rc;

  *value = NULL;
  *ms = 0;
  sq__lock(q);
  st = sq__stmt(q, SQ_SYNC_GET, "SELECT value, ms FROM sync_state"
                " WHERE account_id = ?1 AND key = ?2", e);
  if (st == NULL) {
    sq__unlock(q);
    return -1;
  }
  sq__text(st, 1, account_id);
  sq__text(st, 2, key);
  rc = sq__step(q, st, e, "sync state");
  if (rc == 1) {
    const char *v = (const char *)sqlite3_column_text(st, 0);
    *value = v != NULL ? xstrdup(v) : NULL;
    *ms = sqlite3_column_int64(st, 1);
  }
  sq__unlock(q);
  return rc;
}

int
sq__sync_put(struct store *s, const char *account_id, const char *key,
             const char *value, int64_t ms, struct err *e)
{
  struct sq *q = SQ(s);
  int del = value == NULL && ms == 0;
  sqlite3_stmt *st;
  int rc;

  sq__lock(q);
  st = del ? sq__stmt(q, SQ_SYNC_DEL, "DELETE FROM sync_state"
                      " WHERE account_id = ?1 AND key = ?2", e)
           : sq__stmt(q, SQ_SYNC_PUT, "INSERT INTO sync_state"
                      " (account_id, key, value, ms) VALUES (?1, ?2, ?3, ?4)"
                      " ON CONFLICT (account_id, key) DO UPDATE SET"
                      " value = excluded.value, ms = excluded.ms", e);
  if (st == NULL) {
    sq__unlock(q);
    return -1;
  }
  sq__text(st, 1, account_id);
  sq__text(st, 2, key);
  if (!del) {
    sq__text(st, 3, value);
    sqlite3_bind_int64(st, 4, ms);
  }
  rc = sq__step(q, st, e, "sync state");
  sq__unlock(q);
  return rc < 0 ? -1 : 0;
}
