/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite.c: the SQLite backend's life cycle (file, pragmas,
 * migrations, close), the helpers its other files share, and the window
 * calls.  One connection per store, serialized by a mutex.
 *
 * Durability: WAL with synchronous=FULL.  Meta is told 200 only after
 * store_ingest returns, and an acknowledged event is never re-sent, so a
 * COMMIT must survive a power cut, not just a killed process: with FULL the
 * WAL is fsynced at every commit; NORMAL would fsync only at checkpoints
 * and could lose the last acknowledged batches.  A delivery is one
 * transaction (up to 1,000 events), so this costs one fsync per POST.
 */
#include "store/store_sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"

/* How long a writer waits for another process's lock (igmcp sync running
 * beside igmcp serve) before failing with SQLITE_BUSY. */
#define BUSY_TIMEOUT_MS 5000

/* No cached statement may be mid-way when a transaction ends (a pending
 * write would make COMMIT fail, a pending read would be aborted). */
static void
reset_all(struct sq *q)
{
  for (int i = 0; i < SQ_NSLOTS; i++)
    if (q->st[i] != NULL)
      sqlite3_reset(q->st[i]);
  for (int i = 0; i < SQ_QCACHE && q->qc[i].sql != NULL; i++)
    sqlite3_reset(q->qc[i].st);
  while (q->nowned > 0)
    sqlite3_finalize(q->owned[--q->nowned]);
}

sqlite3_stmt *
sq__query(struct sq *q, const char *sql, struct err *e)
{
  sqlite3_stmt *st = NULL;
  int i;

  for (i = 0; i < SQ_QCACHE && q->qc[i].sql != NULL; i++) {
    if (q->qc[i].sql == sql) {
      sqlite3_reset(q->qc[i].st);
      sqlite3_clear_bindings(q->qc[i].st);
      return q->qc[i].st;
    }
  }
  if (i == SQ_QCACHE && q->nowned == SQ_QOWNED) {
    err_set(e, ERR_INTERNAL, "store: too many distinct queries at once");
    return NULL;
  }
  if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                         NULL) != SQLITE_OK) {
    sq__fail(q, e, "query");
    return NULL;
  }
  if (i < SQ_QCACHE) {
    q->qc[i].sql = sql;
    q->qc[i].st = st;
  } else {
    q->owned[q->nowned++] = st;
  }
  return st;
}

void
sq__lock(struct sq *q)
{
  pthread_mutex_lock(&q->mu);
}

void
sq__unlock(struct sq *q)
{
  reset_all(q);
  pthread_mutex_unlock(&q->mu);
}

int
sq__fail(struct sq *q, struct err *e, const char *what)
{
  int code = (sqlite3_errcode(q->db) & 0xff) == SQLITE_CONSTRAINT
                 ? ERR_INVALID
                 : ERR_IO;

  return err_set(e, code, "store: %s: %s", what, sqlite3_errmsg(q->db));
}

int
sq__exec(struct sq *q, const char *sql, struct err *e)
{
  char *msg = NULL;

  if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    err_set(e, ERR_IO, "store: %s", msg != NULL ? msg : "exec failed");
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

/* IMMEDIATE takes the write lock at BEGIN, so a transaction that reads and
 * then writes cannot fail halfway with SQLITE_BUSY. */
int
sq__begin(struct sq *q, struct err *e)
{
  return sq__exec(q, "BEGIN IMMEDIATE", e);
}

int
sq__commit(struct sq *q, struct err *e)
{
  reset_all(q);
  return sq__exec(q, "COMMIT", e);
}

void
sq__rollback(struct sq *q)
{
  reset_all(q);
  if (!sqlite3_get_autocommit(q->db))
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *
sq__stmt(struct sq *q, enum sq_slot slot, const char *sql, struct err *e)
{
  sqlite3_stmt *st = q->st[slot];

  if (st == NULL) {
    if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK) {
      sq__fail(q, e, "prepare");
      return NULL;
    }
    q->st[slot] = st;
    return st;
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return st;
}

int
sq__step(struct sq *q, sqlite3_stmt *st, struct err *e, const char *what)
{
  int rc = sqlite3_step(st);

  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(st);
    return 0;
  }
  sq__fail(q, e, what);
  sqlite3_reset(st);
  return -1;
}

void
sq__text(sqlite3_stmt *st, int i, const char *s)
{
  if (s == NULL)
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void
sq__json(sqlite3_stmt *st, int i, const json_t *v)
{
  char *s;

  if (v == NULL || json_is_null(v)) {
    sqlite3_bind_null(st, i);
    return;
  }
  s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (s == NULL) {
    sqlite3_bind_null(st, i);
    return;
  }
  sqlite3_bind_text(st, i, s, -1, free);
}

json_t *
sq__col_json(sqlite3_stmt *st, int i)
{
  const char *s = (const char *)sqlite3_column_text(st, i);
  json_t *v;

  if (s == NULL)
    return json_null();
  v = json_loads(s, JSON_DECODE_ANY, NULL);
  return v != NULL ? v : json_null();
}

json_t *
sq__col_str(sqlite3_stmt *st, int i)
{
  const char *s = (const char *)sqlite3_column_text(st, i);

  return s != NULL ? json_string(s) : json_null();
}

int
sq__account(struct sq *q, const char *account_id, int64_t now_ms,
            struct err *e)
{
  sqlite3_stmt *st = sq__stmt(q, SQ_ACCOUNT_ADD,
      "INSERT INTO accounts(id, first_seen_ms) VALUES (?1, ?2)"
      " ON CONFLICT(id) DO NOTHING", e);

  if (st == NULL)
    return -1;
  sq__text(st, 1, account_id);
  sqlite3_bind_int64(st, 2, now_ms);
  return sq__step(q, st, e, "account") < 0 ? -1 : 0;
}

int
sq__conversation(struct sq *q, const char *account_id, const char *user_id,
                 int64_t *id, struct err *e)
{
  sqlite3_stmt *st = sq__stmt(q, SQ_CONV_UPSERT,
      "INSERT INTO conversations(account_id, user_id) VALUES (?1, ?2)"
      " ON CONFLICT(account_id, user_id) DO UPDATE SET user_id = user_id"
      " RETURNING id", e);
  int rc;

  if (st == NULL)
    return -1;
  sq__text(st, 1, account_id);
  sq__text(st, 2, user_id);
  if ((rc = sq__step(q, st, e, "conversation")) < 0)
    return -1;
  if (rc == 0)
    return err_set(e, ERR_INTERNAL, "store: conversation: no id returned");
  *id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return 0;
}

int
sq__conversation_touch(struct sq *q, int64_t conv, int64_t ms, struct err *e)
{
  sqlite3_stmt *st = sq__stmt(q, SQ_CONV_TOUCH,
      "UPDATE conversations SET last_ms = max(last_ms, ?2) WHERE id = ?1", e);

  if (st == NULL)
    return -1;
  sqlite3_bind_int64(st, 1, conv);
  sqlite3_bind_int64(st, 2, ms);
  return sq__step(q, st, e, "conversation time") < 0 ? -1 : 0;
}

int
sq__window_set(struct sq *q, const char *account_id, const char *user_id,
               int64_t inbound_ms, struct err *e)
{
  sqlite3_stmt *st = sq__stmt(q, SQ_WINDOW_SET,
      "INSERT INTO windows(account_id, user_id, last_inbound_ms)"
      " VALUES (?1, ?2, ?3) ON CONFLICT(account_id, user_id) DO UPDATE"
      " SET last_inbound_ms = max(last_inbound_ms, excluded.last_inbound_ms)",
      e);

  if (st == NULL)
    return -1;
  sq__text(st, 1, account_id);
  sq__text(st, 2, user_id);
  sqlite3_bind_int64(st, 3, inbound_ms);
  return sq__step(q, st, e, "window") < 0 ? -1 : 0;
}

static int
sq_window(struct store *s, const char *account_id, const char *user_id,
          int64_t *last_ms, struct err *e)
{
  struct sq *q = SQ(s);
  sqlite3_stmt *st;
  int rc = -1;

  sq__lock(q);
  st = sq__stmt(q, SQ_WINDOW_GET,
      "SELECT last_inbound_ms FROM windows"
      " WHERE account_id = ?1 AND user_id = ?2", e);
  if (st != NULL) {
    sq__text(st, 1, account_id);
    sq__text(st, 2, user_id);
    rc = sq__step(q, st, e, "window");
    *last_ms = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
  }
  sq__unlock(q);
  return rc < 0 ? -1 : 0;
}

static int
sq_window_touch(struct store *s, const char *account_id, const char *user_id,
                int64_t inbound_ms, struct err *e)
{
  struct sq *q = SQ(s);
  int rc;

  sq__lock(q);
  rc = sq__window_set(q, account_id, user_id, inbound_ms, e);
  sq__unlock(q);
  return rc;
}

static int
sq_mark_read(struct store *s, const char *account_id, const char *user_id,
             int64_t read_ms, struct err *e)
{
  struct sq *q = SQ(s);
  sqlite3_stmt *st;
  int rc = -1;

  sq__lock(q);
  st = sq__stmt(q, SQ_CONV_READ,
      "UPDATE conversations SET read_ms = max(read_ms, ?3)"
      " WHERE account_id = ?1 AND user_id = ?2", e);
  if (st != NULL) {
    sq__text(st, 1, account_id);
    sq__text(st, 2, user_id);
    sqlite3_bind_int64(st, 3, read_ms);
    rc = sq__step(q, st, e, "mark read");
    if (rc == 0 && sqlite3_changes(q->db) == 0)
      rc = err_set(e, ERR_NOTFOUND, "store: no conversation with user %s",
                   user_id);
  }
  sq__unlock(q);
  return rc < 0 ? -1 : 0;
}

static void
sq_close(struct store *s)
{
  struct sq *q = SQ(s);

  for (int i = 0; i < SQ_NSLOTS; i++)
    sqlite3_finalize(q->st[i]);
  for (int i = 0; i < SQ_QCACHE && q->qc[i].sql != NULL; i++)
    sqlite3_finalize(q->qc[i].st);
  sqlite3_close_v2(q->db);
  pthread_mutex_destroy(&q->mu);
  free(q);
}

/*
 * Creates the missing directories of path's parent, each 0700 (exactly:
 * chmod after mkdir, whatever the umask), like mkdir -p.
 */
static int
make_parents(const char *path, struct err *e)
{
  char *dir = xstrdup(path);
  char *slash = strrchr(dir, '/');
  int rc = 0;

  if (slash == NULL || slash == dir)
    goto out;
  *slash = '\0';
  for (char *p = dir + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char c = *p;
    *p = '\0';
    if (mkdir(dir, 0700) == 0) {
      chmod(dir, 0700);
    } else if (errno != EEXIST) {
      rc = err_set(e, ERR_IO, "store: cannot create %s: %s", dir,
                   strerror(errno));
      goto out;
    }
    *p = c;
    if (c == '\0')
      break;
  }
out:
  free(dir);
  return rc;
}

/*
 * Creates the database file 0600 before SQLite opens it: SQLite would
 * create it with 0644 minus the umask, and gives its -wal and -shm files
 * the mode of the database file, so this one mode covers all three.  An
 * existing file keeps its mode.
 */
static int
make_file(const char *path, struct err *e)
{
  int fd;

  if (make_parents(path, e) < 0)
    return -1;
  fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return 0;
    return err_set(e, ERR_IO, "store: cannot create %s: %s", path,
                   strerror(errno));
  }
  if (fchmod(fd, 0600) < 0) {
    err_set(e, ERR_IO, "store: chmod %s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  close(fd);
  return 0;
}

static int
set_pragmas(struct sq *q, int memory, struct err *e)
{
  sqlite3_stmt *st = NULL;
  const char *mode;
  int ok;

  sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
  if (sq__exec(q, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
               e) < 0)
    return -1;
  if (memory)
    return 0;
  if (sqlite3_prepare_v2(q->db, "PRAGMA journal_mode = WAL", -1, &st,
                         NULL) != SQLITE_OK)
    return sq__fail(q, e, "journal mode");
  ok = sqlite3_step(st) == SQLITE_ROW;
  mode = ok ? (const char *)sqlite3_column_text(st, 0) : NULL;
  ok = mode != NULL && strcmp(mode, "wal") == 0;
  sqlite3_finalize(st);
  if (!ok)
    return err_set(e, ERR_IO, "store: the database refused WAL mode");
  return 0;
}

static const struct store_ops sqlite_ops = {
  .name = "sqlite",
  .close = sq_close,
  .ingest = sq__ingest,
  .ingest_many = sq__ingest_many,
  .put_messages = sq__put_messages,
  .list_inbox = sq__list_inbox,
  .get_history = sq__get_history,
  .search = sq__search,
  .list_unanswered = sq__list_unanswered,
  .list_events = sq__list_events,
  .window = sq_window,
  .window_touch = sq_window_touch,
  .mark_read = sq_mark_read,
  .sync_get = sq__sync_get,
  .sync_put = sq__sync_put,
  .idem_get = sq__idem_get,
  .idem_put = sq__idem_put,
  .audit_add = sq__audit_add,
  .audit_list = sq__audit_list,
};

struct store *
store_sqlite_open(const char *path, struct err *e)
{
  int memory = strcmp(path, ":memory:") == 0;
  struct sq *q;

  if (!memory && make_file(path, e) < 0)
    return NULL;
  q = xcalloc(1, sizeof(*q));
  q->base.ops = &sqlite_ops;
  q->base.impl = q;
  pthread_mutex_init(&q->mu, NULL);
  if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE |
                      SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    err_set(e, ERR_IO, "store: cannot open %s: %s", path,
            q->db != NULL ? sqlite3_errmsg(q->db) : "out of memory");
    goto fail;
  }
  if (sq__fold_register(q->db) < 0) {
    err_set(e, ERR_INTERNAL, "store: cannot register igmcp_fold");
    goto fail;
  }
  if (set_pragmas(q, memory, e) < 0 || sq__migrate(q, e) < 0)
    goto fail;
  return &q->base;

fail:
  sq_close(&q->base);
  return NULL;
}
