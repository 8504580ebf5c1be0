/* SPDX-License-Identifier: MIT */
/*
 * test_store.c: the inbox store (src/store) on real SQLite files under a
 * temporary directory.  Events are built here by hand in the normalized
 * shape of docs/internals/webhook.md, so these tests do not depend on the
 * webhook parser.  A few checks open the file with sqlite3 directly to see
 * what is on disk (modes, WAL, schema version, row counts).
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "base/xalloc.h"
#include "store/store.h"

#define ACC "17841400000000001"
#define ACC2 "17841400000000002"
#define HOUR ((int64_t)3600 * 1000)
#define T0 ((int64_t)1775000000000) /* 2026-03-31, a fixed "now" base */

static char tmpdir[64];

/* ---- helpers ------------------------------------------------------------ */

static char *
db_path(const char *name)
{
  return xasprintf("%s/%s", tmpdir, name);
}

static struct store *
open_db(const char *name)
{
  struct err e = { 0 };
  char *p = db_path(name);
  struct store *s = store_open(p, &e);

  if (s == NULL)
    fail_msg("store_open %s: %s", p, e.msg);
  free(p);
  return s;
}

/* One integer from a direct read of the file (the store may be open). */
static long long
sql_int(const char *name, const char *sql)
{
  char *p = db_path(name);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;

  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(p);
  return v;
}

static json_t *
item(const char *sender, const char *recipient, int64_t t)
{
  return json_pack("{s:{s:s},s:{s:s},s:I}", "sender", "id", sender,
                   "recipient", "id", recipient, "timestamp", (json_int_t)t);
}

/* A messaging event; user is the other party, ours says who acted. */
static json_t *
ev(const char *kind, const char *key, const char *user, int ours, int64_t t)
{
  json_t *o = json_pack("{s:s,s:s,s:s,s:I}", "kind", kind, "key", key,
                        "account_id", ACC, "time_ms", (json_int_t)t);

  if (user != NULL) {
    json_object_set_new(o, "user_id", json_string(user));
    json_object_set_new(o, "item", ours ? item(ACC, user, t)
                                        : item(user, ACC, t));
  }
  return o;
}

static json_t *
ev_msg(const char *mid, const char *user, int64_t t, const char *text)
{
  char *key = xasprintf("message:%s", mid);
  json_t *o = ev("message", key, user, 0, t);

  json_object_set_new(o, "mid", json_string(mid));
  if (text != NULL)
    json_object_set_new(o, "text", json_string(text));
  free(key);
  return o;
}

static json_t *
ev_echo(const char *mid, const char *user, int64_t t, const char *text)
{
  json_t *o = ev_msg(mid, user, t, text);

  json_object_set_new(o, "kind", json_string("echo"));
  json_object_set_new(o, "item", item(ACC, user, t));
  return o;
}

static json_t *
ev_edit(const char *mid, const char *user, int64_t t, int n, const char *text)
{
  char *key = xasprintf("edit:%s:%d", mid, n);
  json_t *o = ev("edit", key, user, 0, t);

  json_object_set_new(o, "mid", json_string(mid));
  json_object_set_new(o, "text", json_string(text));
  json_object_set_new(o, "num_edit", json_integer(n));
  free(key);
  return o;
}

static json_t *
ev_delete(const char *mid, const char *user, int64_t t)
{
  char *key = xasprintf("delete:%s", mid);
  json_t *o = ev("delete", key, user, 0, t);

  json_object_set_new(o, "mid", json_string(mid));
  free(key);
  return o;
}

static json_t *
ev_react(const char *mid, const char *user, int64_t t, const char *r)
{
  char *key = xasprintf("reaction:%s:%s:%s:%lld", mid, user,
                        r != NULL ? "react" : "unreact", (long long)t);
  json_t *o = ev(r != NULL ? "reaction" : "unreaction", key, user, 0, t);

  json_object_set_new(o, "mid", json_string(mid));
  if (r != NULL)
    json_object_set_new(o, "reaction", json_string(r));
  free(key);
  return o;
}

static json_t *
ev_comment(const char *id, const char *parent, const char *from,
           const char *username, int64_t t, const char *text)
{
  char *key = xasprintf("comment:%s", id);
  json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:{s:s}}",
                        "kind", "comment", "key", key, "account_id", ACC,
                        "time_ms", (json_int_t)t, "user_id", from,
                        "comment_id", id, "username", username, "text", text,
                        "media_id", "M1", "item", "field", "comments");

  if (parent != NULL)
    json_object_set_new(o, "parent_id", json_string(parent));
  free(key);
  return o;
}

/* Ingests events (stolen) with raw as the body; the call must succeed. */
static struct store_result
ingest(struct store *s, json_t *events, const char *raw)
{
  struct store_result r;
  struct err e = { 0 };

  if (store_ingest(s, raw, raw != NULL ? strlen(raw) : 0, events, &r, &e) < 0)
    fail_msg("ingest: %s", e.msg);
  json_decref(events);
  return r;
}

static json_t *
history(struct store *s, const char *who, int64_t before, int limit)
{
  struct err e = { 0 };
  json_t *h = store_get_history(s, ACC, who, before, limit, &e);

  if (h == NULL)
    fail_msg("history: %s", e.msg);
  return h;
}

static const char *
msg_text(json_t *h, size_t i)
{
  return json_string_value(json_object_get(
      json_array_get(json_object_get(h, "messages"), i), "text"));
}

static json_t *
search(struct store *s, const char *q, const char *kind, const char *user)
{
  struct store_search_filter f = { .kind = kind, .user_id = user };
  struct err e = { 0 };
  json_t *r = store_search(s, ACC, q, &f, 50, &e);

  if (r == NULL)
    fail_msg("search %s: %s", q, e.msg);
  return r;
}

static size_t
nresults(struct store *s, const char *q, const char *kind)
{
  json_t *r = search(s, q, kind, NULL);
  size_t n = json_array_size(json_object_get(r, "results"));

  json_decref(r);
  return n;
}

/* The inbox entry of user, from a fresh list (caller decrefs *all). */
static json_t *
inbox_entry(struct store *s, int64_t now, const char *user, json_t **all)
{
  struct err e = { 0 };
  json_t *c;
  size_t i;

  *all = store_list_inbox(s, ACC, now, 100, NULL, &e);
  if (*all == NULL)
    fail_msg("inbox: %s", e.msg);
  json_array_foreach(json_object_get(*all, "conversations"), i, c)
    if (strcmp(json_string_value(json_object_get(c, "user_id")), user) == 0)
      return c;
  fail_msg("no inbox entry for %s", user);
  return NULL;
}

/* ---- tests -------------------------------------------------------------- */

/* The file is 0600 and missing directories 0700 whatever the umask; the
 * WAL file gets the file's mode; WAL is on and the schema version is
 * recorded. */
static void
test_open_modes_wal(void **state)
{
  struct err e = { 0 };
  struct stat sb;
  struct store *s;
  char *dir = db_path("a/b"), *p = db_path("a/b/igmcp.db");
  char *wal = xasprintf("%s-wal", p), *top = db_path("a");
  mode_t old = umask(0);

  (void)state;
  s = store_open(p, &e);
  umask(old);
  assert_non_null(s);
  assert_int_equal(stat(p, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(stat(dir, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  assert_int_equal(stat(top, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  ingest(s, json_pack("[o]", ev_msg("m1", "U1", T0, "hi")), "{}");
  assert_int_equal(stat(wal, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(sql_int("a/b/igmcp.db", "SELECT journal_mode = 'wal' "
                           "FROM pragma_journal_mode"), 1);
  assert_int_equal(sql_int("a/b/igmcp.db", "PRAGMA user_version"), 3);
  store_close(s);
  free(dir);
  free(p);
  free(wal);
  free(top);
}

/* Opening twice migrates once; data survives; a newer schema is refused. */
static void
test_migrations(void **state)
{
  struct err e = { 0 };
  struct store *s = open_db("mig.db");
  char *p = db_path("mig.db");
  sqlite3 *db;

  (void)state;
  ingest(s, json_pack("[o]", ev_msg("m1", "U1", T0, "kept")), NULL);
  store_close(s);
  s = open_db("mig.db");
  store_close(s);
  s = open_db("mig.db");
  assert_int_equal(sql_int("mig.db", "PRAGMA user_version"), 3);
  assert_int_equal(sql_int("mig.db", "SELECT count(*) FROM messages"), 1);
  assert_int_equal(sql_int("mig.db", "SELECT count(*) FROM sqlite_master "
                           "WHERE name = 'messages'"), 1);
  store_close(s);

  /* A version-1 file (no sync_state, no safety tables) is taken to the
   * current version, data kept. */
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "DROP TABLE sync_state;"
                                "DROP TABLE idempotency; DROP TABLE audit;"
                                "PRAGMA user_version = 1", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  s = open_db("mig.db");
  assert_int_equal(sql_int("mig.db", "PRAGMA user_version"), 3);
  assert_int_equal(sql_int("mig.db", "SELECT count(*) FROM sqlite_master "
                           "WHERE name = 'sync_state'"), 1);
  assert_int_equal(sql_int("mig.db", "SELECT count(*) FROM sqlite_master "
                           "WHERE name IN ('idempotency', 'audit')"), 2);
  assert_int_equal(sql_int("mig.db", "SELECT count(*) FROM messages"), 1);
  store_close(s);

  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL,
                                NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_null(store_open(p, &e));
  assert_int_equal(e.code, ERR_CONFIG);
  assert_non_null(strstr(e.msg, "99"));
  free(p);

  s = store_open(":memory:", &e);
  assert_non_null(s);
  ingest(s, json_pack("[o]", ev_msg("m1", "U1", T0, "in memory")), NULL);
  store_close(s);
}

static void
test_default_path(void **state)
{
  char *p;

  (void)state;
  setenv("IGMCP_DB", "/srv/x.db", 1);
  p = store_default_path();
  assert_string_equal(p, "/srv/x.db");
  free(p);
  unsetenv("IGMCP_DB");
  setenv("XDG_STATE_HOME", "/home/u/.st", 1);
  p = store_default_path();
  assert_string_equal(p, "/home/u/.st/igmcp/igmcp.db");
  free(p);
  unsetenv("XDG_STATE_HOME");
  setenv("HOME", "/home/u", 1);
  p = store_default_path();
  assert_string_equal(p, "/home/u/.local/state/igmcp/igmcp.db");
  free(p);
}

/* Every kind of the contract goes in; messages, reactions, seen, comments
 * land in their tables and every event in the log. */
static void
test_ingest_kinds(void **state)
{
  struct store *s = open_db("kinds.db");
  struct err e = { 0 };
  json_t *evs = json_array(), *h, *m, *o;
  struct store_result r;

  (void)state;
  json_array_append_new(evs, ev_msg("m1", "U1", T0, "hello"));
  json_array_append_new(evs, ev_echo("m2", "U1", T0 + 1000, "hi back"));
  json_array_append_new(evs, ev_react("m2", "U1", T0 + 2000, "love"));
  o = ev("seen", "seen:m2:U1", "U1", 0, T0 + 3000);
  json_object_set_new(o, "mid", json_string("m2"));
  json_array_append_new(evs, o);
  json_array_append_new(evs, ev("postback", "postback:pb1", "U2", 0,
                                T0 + 4000));
  json_array_append_new(evs, ev("referral", "referral:U3:1", "U3", 0,
                                T0 + 5000));
  json_array_append_new(evs, ev_comment("C1", NULL, "IGU9", "zed", T0,
                                        "nice"));
  json_array_append_new(evs, ev("mention", "mention:M1:-", NULL, 0, T0));
  json_array_append_new(evs, ev("story_insights", "story_insights:M1:1",
                                NULL, 0, T0));
  json_array_append_new(evs, ev("unknown", "unknown:abc", NULL, 0, T0));
  r = ingest(s, evs, "{\"object\":\"instagram\"}");
  assert_int_equal(r.received, 10);
  assert_int_equal(r.applied, 10);
  assert_int_equal(r.duplicates, 0);
  assert_int_equal(r.body_duplicate, 0);
  assert_int_equal(sql_int("kinds.db", "SELECT count(*) FROM events"), 10);
  assert_int_equal(sql_int("kinds.db", "SELECT count(*) FROM events WHERE "
                           "body_id = (SELECT id FROM webhook_bodies)"), 10);
  assert_int_equal(sql_int("kinds.db", "SELECT count(*) FROM comments"), 1);
  assert_int_equal(sql_int("kinds.db", "SELECT count(*) FROM conversations"),
                   3);

  h = history(s, "U1", 0, 50);
  assert_int_equal(json_array_size(json_object_get(h, "messages")), 2);
  m = json_array_get(json_object_get(h, "messages"), 0);
  assert_string_equal(json_string_value(json_object_get(m, "direction")),
                      "in");
  m = json_array_get(json_object_get(h, "messages"), 1);
  assert_string_equal(json_string_value(json_object_get(m, "direction")),
                      "out");
  assert_int_equal(json_integer_value(json_object_get(m, "read_ms")),
                   T0 + 3000);
  o = json_array_get(json_object_get(m, "reactions"), 0);
  assert_string_equal(json_string_value(json_object_get(o, "reaction")),
                      "love");
  assert_string_equal(json_string_value(json_object_get(o, "user_id")), "U1");
  json_decref(h);

  o = store_list_events(s, ACC, "comment", 0, 10, &e);
  assert_non_null(o);
  assert_int_equal(json_array_size(json_object_get(o, "events")), 1);
  m = json_array_get(json_object_get(o, "events"), 0);
  assert_string_equal(json_string_value(json_object_get(m, "key")),
                      "comment:C1");
  assert_string_equal(json_string_value(json_object_get(
      json_object_get(m, "item"), "field")), "comments");
  json_decref(o);
  o = store_list_events(s, ACC, NULL, T0 + 3000, 10, &e);
  assert_int_equal(json_array_size(json_object_get(o, "events")), 3);
  assert_string_equal(json_string_value(json_object_get(
      json_array_get(json_object_get(o, "events"), 0), "kind")), "referral");
  json_decref(o);
  store_close(s);
}

/* The same body twice is kept once and applies nothing; a new body that
 * repeats a key stores the new event only; a repeated key inside one batch
 * counts once; a duplicate never changes what is stored. */
static void
test_duplicates(void **state)
{
  struct store *s = open_db("dup.db");
  const char *body = "{\"entry\":[1]}";
  struct store_result r;
  json_t *h;

  (void)state;
  r = ingest(s, json_pack("[o,o]", ev_msg("m1", "U1", T0, "first"),
                          ev_msg("m2", "U1", T0 + 1, "second")), body);
  assert_int_equal(r.applied, 2);
  r = ingest(s, json_pack("[o,o]", ev_msg("m1", "U1", T0, "first"),
                          ev_msg("m2", "U1", T0 + 1, "second")), body);
  assert_int_equal(r.received, 2);
  assert_int_equal(r.applied, 0);
  assert_int_equal(r.duplicates, 2);
  assert_int_equal(r.body_duplicate, 1);
  assert_int_equal(sql_int("dup.db", "SELECT count(*) FROM webhook_bodies"),
                   1);

  /* Another body: m1 again (with other text: a re-delivery cannot change
   * it), m3 new, and m3 twice within the batch. */
  r = ingest(s, json_pack("[o,o,o]", ev_msg("m1", "U1", T0, "CHANGED"),
                          ev_msg("m3", "U1", T0 + 2, "third"),
                          ev_msg("m3", "U1", T0 + 2, "third")),
             "{\"entry\":[2]}");
  assert_int_equal(r.received, 3);
  assert_int_equal(r.applied, 1);
  assert_int_equal(r.duplicates, 2);
  assert_int_equal(r.body_duplicate, 0);
  assert_int_equal(sql_int("dup.db", "SELECT count(*) FROM webhook_bodies"),
                   2);
  assert_int_equal(sql_int("dup.db", "SELECT count(*) FROM events"), 3);
  assert_int_equal(sql_int("dup.db", "SELECT count(*) FROM messages"), 3);
  h = history(s, "U1", 0, 10);
  assert_string_equal(msg_text(h, 0), "first");
  json_decref(h);
  store_close(s);
}

static json_t *
batch(int from, int n)
{
  json_t *a = json_array();
  char mid[32], user[16];

  for (int i = from; i < from + n; i++) {
    snprintf(mid, sizeof(mid), "mid.%d", i);
    snprintf(user, sizeof(user), "U%d", i % 50);
    json_array_append_new(a, ev_msg(mid, user, T0 + i, "batch message"));
  }
  return a;
}

/* 1,000 events in one call; a failure anywhere in the next batch (a bad
 * type at event 500, an unknown kind at the last one) stores nothing of
 * that batch: not its body, events, messages or windows. */
static void
test_batch_1000_atomic(void **state)
{
  struct store *s = open_db("batch.db");
  struct store_result r;
  struct err e = { 0 };
  json_t *bad;

  (void)state;
  r = ingest(s, batch(0, 1000), "body-1");
  assert_int_equal(r.received, 1000);
  assert_int_equal(r.applied, 1000);
  assert_int_equal(sql_int("batch.db", "SELECT count(*) FROM events"), 1000);
  assert_int_equal(sql_int("batch.db", "SELECT count(*) FROM messages"),
                   1000);
  assert_int_equal(sql_int("batch.db", "SELECT count(*) FROM conversations"),
                   50);

  bad = batch(1000, 1000);
  json_object_set_new(json_array_get(bad, 500), "kind", json_integer(42));
  assert_int_equal(store_ingest(s, "body-2", 6, bad, &r, &e), -1);
  assert_int_equal(e.code, ERR_INVALID);
  assert_non_null(strstr(e.msg, "event 500"));
  assert_int_equal(r.applied, 0);
  json_decref(bad);

  bad = batch(1000, 1000);
  json_array_append_new(bad, ev_msg("mid.x", "U999", T0 + 5000, "x"));
  json_object_set_new(json_array_get(bad, 1000), "kind",
                      json_string("bogus"));
  assert_int_equal(store_ingest(s, "body-3", 6, bad, &r, &e), -1);
  assert_non_null(strstr(e.msg, "bogus"));
  json_decref(bad);

  assert_int_equal(sql_int("batch.db", "SELECT count(*) FROM events"), 1000);
  assert_int_equal(sql_int("batch.db", "SELECT count(*) FROM messages"),
                   1000);
  assert_int_equal(sql_int("batch.db", "SELECT count(*) FROM webhook_bodies"),
                   1);
  assert_int_equal(sql_int("batch.db", "SELECT max(last_inbound_ms) FROM "
                           "windows"), T0 + 999);
  /* The store still works after the rollbacks. */
  r = ingest(s, batch(1000, 1000), "body-2");
  assert_int_equal(r.applied, 1000);
  assert_int_equal(sql_int("batch.db", "SELECT count(*) FROM messages"),
                   2000);
  store_close(s);
}

/* store_ingest_many: several deliveries in one call, each with its own
 * counts (a key or a body repeated across items counts in the later one);
 * a bad item makes the batch fall back to one delivery per transaction,
 * so the good ones are stored and only the bad one fails. */
static void
test_ingest_many(void **state)
{
  struct store *s = open_db("many.db");
  struct store_batch_item it[4];
  struct store_result r;
  struct err e = { 0 };
  size_t i;

  (void)state;
  r = ingest(s, json_pack("[o]", ev_msg("m0", "U1", T0, "zero")), "b0");
  assert_int_equal(r.applied, 1);

  memset(it, 0, sizeof(it));
  it[0].raw = "b1";
  it[0].len = 2;
  it[0].events = json_pack("[o,o]", ev_msg("m0", "U1", T0, "zero"),
                           ev_msg("m1", "U1", T0 + 1, "one"));
  it[1].raw = "b2";
  it[1].len = 2;
  it[1].events = json_pack("[o,o]", ev_msg("m2", "U2", T0 + 2, "two"),
                           ev_msg("m1", "U1", T0 + 1, "one"));
  it[2].raw = "b1";
  it[2].len = 2;
  it[2].events = json_pack("[o]", ev_msg("m3", "U3", T0 + 3, "three"));
  assert_int_equal(store_ingest_many(s, it, 3, &e), 0);
  for (i = 0; i < 3; i++)
    assert_int_equal(it[i].rc, 0);
  assert_int_equal(it[0].res.received, 2);
  assert_int_equal(it[0].res.applied, 1);
  assert_int_equal(it[0].res.duplicates, 1);
  assert_int_equal(it[0].res.body_duplicate, 0);
  assert_int_equal(it[1].res.received, 2);
  assert_int_equal(it[1].res.applied, 1);
  assert_int_equal(it[1].res.duplicates, 1);
  assert_int_equal(it[2].res.received, 1);
  assert_int_equal(it[2].res.applied, 1);
  assert_int_equal(it[2].res.duplicates, 0);
  assert_int_equal(it[2].res.body_duplicate, 1);
  for (i = 0; i < 3; i++)
    json_decref(it[i].events);
  assert_int_equal(sql_int("many.db", "SELECT count(*) FROM events"), 4);
  assert_int_equal(sql_int("many.db", "SELECT count(*) FROM messages"), 4);
  assert_int_equal(sql_int("many.db", "SELECT count(*) FROM webhook_bodies"),
                   3);

  /* A bad event in item 1 and no array in item 3: items 0 and 2 are
   * stored all the same, each in its own transaction. */
  memset(it, 0, sizeof(it));
  it[0].raw = "b4";
  it[0].len = 2;
  it[0].events = json_pack("[o,o]", ev_msg("m4", "U4", T0 + 4, "four"),
                           ev_msg("m3", "U3", T0 + 3, "three"));
  it[1].raw = "b5";
  it[1].len = 2;
  it[1].events = json_pack("[o,o]", ev_msg("m5", "U5", T0 + 5, "five"),
                           ev_msg("m6", "U5", T0 + 6, "six"));
  json_object_set_new(json_array_get(it[1].events, 1), "kind",
                      json_integer(42));
  it[2].raw = "b6";
  it[2].len = 2;
  it[2].events = json_pack("[o]", ev_msg("m7", "U7", T0 + 7, "seven"));
  it[3].raw = "b7";
  it[3].len = 2;
  it[3].events = json_string("not an array");
  assert_int_equal(store_ingest_many(s, it, 4, &e), -1);
  assert_non_null(strstr(e.msg, "event 1"));
  assert_int_equal(it[0].rc, 0);
  assert_int_equal(it[0].res.applied, 1);
  assert_int_equal(it[0].res.duplicates, 1);
  assert_int_equal(it[1].rc, -1);
  assert_int_equal(it[1].err.code, ERR_INVALID);
  assert_non_null(strstr(it[1].err.msg, "event 1"));
  assert_int_equal(it[1].res.applied, 0);
  assert_int_equal(it[2].rc, 0);
  assert_int_equal(it[2].res.applied, 1);
  assert_int_equal(it[3].rc, -1);
  assert_non_null(strstr(it[3].err.msg, "array"));
  for (i = 0; i < 4; i++)
    json_decref(it[i].events);
  assert_int_equal(sql_int("many.db", "SELECT count(*) FROM events"), 6);
  assert_int_equal(sql_int("many.db", "SELECT count(*) FROM messages"), 6);
  assert_int_equal(sql_int("many.db", "SELECT count(*) FROM messages"
                           " WHERE mid IN ('m5', 'm6')"), 0);
  assert_int_equal(sql_int("many.db", "SELECT count(*) FROM webhook_bodies"),
                   5);
  store_close(s);
}

/* Edits keep every old text; an edit before its message and an edit out
 * of order are recorded too; the FTS index follows the current text. */
static void
test_edits(void **state)
{
  struct store *s = open_db("edit.db");
  json_t *h, *edits, *x;

  (void)state;
  ingest(s, json_pack("[o]", ev_msg("m1", "U1", T0, "hello there")), NULL);
  ingest(s, json_pack("[o]", ev_edit("m1", "U1", T0 + 10, 1,
                                     "hello world")), NULL);
  ingest(s, json_pack("[o]", ev_edit("m1", "U1", T0 + 20, 2, "goodbye")),
         NULL);
  h = history(s, "U1", 0, 10);
  assert_string_equal(msg_text(h, 0), "goodbye");
  edits = json_object_get(json_array_get(json_object_get(h, "messages"), 0),
                          "edits");
  assert_int_equal(json_array_size(edits), 2);
  x = json_array_get(edits, 0);
  assert_string_equal(json_string_value(json_object_get(x, "old_text")),
                      "hello there");
  assert_string_equal(json_string_value(json_object_get(x, "new_text")),
                      "hello world");
  x = json_array_get(edits, 1);
  assert_string_equal(json_string_value(json_object_get(x, "old_text")),
                      "hello world");
  assert_int_equal(json_integer_value(json_object_get(x, "edited_ms")),
                   T0 + 20);
  json_decref(h);
  assert_int_equal(nresults(s, "goodbye", NULL), 1);
  assert_int_equal(nresults(s, "there", NULL), 0);

  /* Edit 1 arrives before the message: the message keeps the edited text
   * and the edit learns the original. */
  ingest(s, json_pack("[o]", ev_edit("m2", "U1", T0 + 40, 1, "fixed typo")),
         NULL);
  ingest(s, json_pack("[o]", ev_msg("m2", "U1", T0 + 30, "fixd typo")),
         NULL);
  h = history(s, "U1", 0, 10);
  assert_string_equal(msg_text(h, 1), "fixed typo");
  x = json_array_get(json_object_get(json_array_get(
      json_object_get(h, "messages"), 1), "edits"), 0);
  assert_string_equal(json_string_value(json_object_get(x, "old_text")),
                      "fixd typo");
  assert_null(json_object_get(json_array_get(json_object_get(h, "messages"),
                                             1), "partial"));
  json_decref(h);

  /* Out of order: edit 2 then edit 1; the text is edit 2's. */
  ingest(s, json_pack("[o]", ev_msg("m3", "U1", T0 + 50, "v0")), NULL);
  ingest(s, json_pack("[o]", ev_edit("m3", "U1", T0 + 70, 2, "v2")), NULL);
  ingest(s, json_pack("[o]", ev_edit("m3", "U1", T0 + 60, 1, "v1")), NULL);
  h = history(s, "U1", 0, 10);
  assert_string_equal(msg_text(h, 2), "v2");
  assert_int_equal(json_array_size(json_object_get(json_array_get(
      json_object_get(h, "messages"), 2), "edits")), 2);
  json_decref(h);
  store_close(s);
}

/* A deletion marks the message and keeps its text, even when it comes
 * first; deleted inbound messages are not unread. */
static void
test_deletions(void **state)
{
  struct store *s = open_db("del.db");
  json_t *h, *m, *all, *c;

  (void)state;
  ingest(s, json_pack("[o,o]", ev_msg("m1", "U1", T0, "oops"),
                      ev_msg("m2", "U1", T0 + 1, "still here")), NULL);
  ingest(s, json_pack("[o]", ev_delete("m1", "U1", T0 + 100)), NULL);
  ingest(s, json_pack("[o]", ev_delete("m9", "U1", T0 + 300)), NULL);
  ingest(s, json_pack("[o]", ev_msg("m9", "U1", T0 + 200, "late")), NULL);
  h = history(s, "U1", 0, 10);
  m = json_array_get(json_object_get(h, "messages"), 0);
  assert_string_equal(json_string_value(json_object_get(m, "text")), "oops");
  assert_int_equal(json_integer_value(json_object_get(m, "deleted_ms")),
                   T0 + 100);
  m = json_array_get(json_object_get(h, "messages"), 2);
  assert_string_equal(json_string_value(json_object_get(m, "text")), "late");
  assert_int_equal(json_integer_value(json_object_get(m, "created_ms")),
                   T0 + 200);
  assert_int_equal(json_integer_value(json_object_get(m, "deleted_ms")),
                   T0 + 300);
  json_decref(h);
  c = inbox_entry(s, T0 + 1000, "U1", &all);
  assert_int_equal(json_integer_value(json_object_get(c, "unread")), 1);
  json_decref(all);
  store_close(s);
}

/* 45 messages, pages of 20 back in time, oldest first within a page; a
 * page never splits one millisecond. */
static void
test_history_paging(void **state)
{
  struct store *s = open_db("hist.db");
  json_t *evs = json_array(), *h, *msgs;
  int64_t before = 0, prev = INT64_MAX;
  char mid[16], text[16];
  int total = 0;

  (void)state;
  for (int i = 0; i < 45; i++) {
    snprintf(mid, sizeof(mid), "h%02d", i);
    snprintf(text, sizeof(text), "n%02d", i);
    json_array_append_new(evs, i % 3 == 2 ? ev_echo(mid, "U1", T0 + i * 1000,
                                                    text)
                                          : ev_msg(mid, "U1", T0 + i * 1000,
                                                   text));
  }
  ingest(s, evs, NULL);
  for (int page = 0; page < 3; page++) {
    h = history(s, "U1", before, 20);
    msgs = json_object_get(h, "messages");
    assert_int_equal(json_array_size(msgs), page < 2 ? 20 : 5);
    for (size_t i = json_array_size(msgs); i-- > 0;) {
      int64_t t = json_integer_value(json_object_get(json_array_get(msgs, i),
                                                     "created_ms"));
      assert_true(t < prev);
      prev = t;
      total++;
    }
    snprintf(text, sizeof(text), "n%02d", 44 - page * 20);
    assert_string_equal(msg_text(h, json_array_size(msgs) - 1), text);
    before = json_integer_value(json_object_get(h, "next_before_ms"));
    assert_int_equal(before != 0, page < 2);
    json_decref(h);
  }
  assert_int_equal(total, 45);

  /* Two messages in one millisecond at a page boundary: the first page
   * stops before them, the next one takes both. */
  ingest(s, json_pack("[o,o,o,o]", ev_msg("t1", "U2", T0, "a"),
                      ev_msg("t2", "U2", T0 + 5, "b"),
                      ev_msg("t3", "U2", T0 + 5, "c"),
                      ev_msg("t4", "U2", T0 + 9, "d")), NULL);
  h = history(s, "U2", 0, 2);
  assert_int_equal(json_array_size(json_object_get(h, "messages")), 1);
  assert_string_equal(msg_text(h, 0), "d");
  before = json_integer_value(json_object_get(h, "next_before_ms"));
  assert_int_equal(before, T0 + 9);
  json_decref(h);
  h = history(s, "U2", before, 2);
  assert_int_equal(json_array_size(json_object_get(h, "messages")), 2);
  assert_string_equal(msg_text(h, 0), "b");
  assert_string_equal(msg_text(h, 1), "c");
  before = json_integer_value(json_object_get(h, "next_before_ms"));
  assert_int_equal(before, T0 + 5);
  json_decref(h);
  h = history(s, "U2", before, 2);
  assert_int_equal(json_array_size(json_object_get(h, "messages")), 1);
  assert_string_equal(msg_text(h, 0), "a");
  assert_null(json_object_get(h, "next_before_ms"));
  json_decref(h);
  store_close(s);
}

static void
test_window_math(void **state)
{
  static const struct {
    int64_t age;
    enum store_window_state st;
    int64_t until_from_last;
  } cases[] = {
    { 0, STORE_WINDOW_OPEN, STORE_WINDOW_MS },
    { STORE_WINDOW_MS - 1, STORE_WINDOW_OPEN, STORE_WINDOW_MS },
    { STORE_WINDOW_MS, STORE_WINDOW_OPEN, STORE_WINDOW_MS },
    { STORE_WINDOW_MS + 1, STORE_WINDOW_HUMAN_AGENT, STORE_HUMAN_AGENT_MS },
    { STORE_HUMAN_AGENT_MS, STORE_WINDOW_HUMAN_AGENT, STORE_HUMAN_AGENT_MS },
    { STORE_HUMAN_AGENT_MS + 1, STORE_WINDOW_CLOSED, STORE_HUMAN_AGENT_MS },
  };
  int64_t until;

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    assert_int_equal(store_window_at(T0, T0 + cases[i].age, &until),
                     cases[i].st);
    assert_int_equal(until, T0 + cases[i].until_from_last);
  }
  assert_int_equal(store_window_at(0, T0, &until), STORE_WINDOW_UNKNOWN);
  assert_int_equal(until, 0);
  assert_string_equal(store_window_name(STORE_WINDOW_HUMAN_AGENT),
                      "human_agent");
}

static const char *
window_state(json_t *c)
{
  return json_string_value(json_object_get(json_object_get(c, "window"),
                                           "state"));
}

static int64_t
window_until(json_t *c)
{
  return json_integer_value(json_object_get(json_object_get(c, "window"),
                                            "until_ms"));
}

/* The inbox at the window's boundaries, unread counts, order and paging;
 * store_window and store_window_touch agree with it. */
static void
test_inbox_windows(void **state)
{
  struct store *s = open_db("inbox.db");
  int64_t now = T0 + 30 * STORE_DAY_MS, until;
  enum store_window_state st;
  struct err e = { 0 };
  json_t *all, *c, *page, *seen = json_object();
  const char *cur = NULL;
  char *cursor = NULL;
  size_t i;
  int n = 0;

  (void)state;
  ingest(s, json_pack("[o,o,o,o,o]",
      ev_msg("a1", "UA", now - STORE_WINDOW_MS, "exactly 24 h"),
      ev_msg("b1", "UB", now - STORE_WINDOW_MS - 1, "24 h + 1 ms"),
      ev_msg("c1", "UC", now - STORE_HUMAN_AGENT_MS, "exactly 7 days"),
      ev_msg("d1", "UD", now - STORE_HUMAN_AGENT_MS - 1, "7 days + 1 ms"),
      ev_echo("e1", "UE", now - HOUR, "we wrote first")), NULL);
  c = inbox_entry(s, now, "UA", &all);
  assert_string_equal(window_state(c), "open");
  assert_int_equal(window_until(c), now);
  json_decref(all);
  c = inbox_entry(s, now, "UB", &all);
  assert_string_equal(window_state(c), "human_agent");
  assert_int_equal(window_until(c), now - 1 - STORE_WINDOW_MS +
                   STORE_HUMAN_AGENT_MS);
  json_decref(all);
  c = inbox_entry(s, now, "UC", &all);
  assert_string_equal(window_state(c), "human_agent");
  assert_int_equal(window_until(c), now);
  json_decref(all);
  c = inbox_entry(s, now, "UD", &all);
  assert_string_equal(window_state(c), "closed");
  assert_int_equal(window_until(c), now - 1);
  json_decref(all);
  c = inbox_entry(s, now, "UE", &all);
  assert_string_equal(window_state(c), "unknown");
  assert_null(json_object_get(json_object_get(c, "window"), "until_ms"));
  assert_int_equal(json_integer_value(json_object_get(c, "unread")), 0);
  json_decref(all);

  assert_int_equal(store_window(s, ACC, "UB", now, &st, &until, &e), 0);
  assert_int_equal(st, STORE_WINDOW_HUMAN_AGENT);
  assert_int_equal(store_window(s, ACC, "nobody", now, &st, &until, &e), 0);
  assert_int_equal(st, STORE_WINDOW_UNKNOWN);
  /* A touch moves the window forward, never back. */
  assert_int_equal(store_window_touch(s, ACC, "UD", now - HOUR, &e), 0);
  assert_int_equal(store_window_touch(s, ACC, "UD", now - 2 * HOUR, &e), 0);
  assert_int_equal(store_window(s, ACC, "UD", now, &st, &until, &e), 0);
  assert_int_equal(st, STORE_WINDOW_OPEN);
  assert_int_equal(until, now - HOUR + STORE_WINDOW_MS);

  /* Unread: inbound after our last reply, then after our read mark. */
  ingest(s, json_pack("[o,o,o,o,o]", ev_msg("a2", "UA", now - 50, "x"),
                      ev_echo("a3", "UA", now - 40, "reply"),
                      ev_msg("a4", "UA", now - 30, "y"),
                      ev_msg("a5", "UA", now - 20, "z"),
                      ev_react("a3", "UA", now - 10, "like")), NULL);
  c = inbox_entry(s, now, "UA", &all);
  assert_int_equal(json_integer_value(json_object_get(c, "unread")), 2);
  assert_string_equal(json_string_value(json_object_get(json_object_get(c,
                      "last_message"), "text")), "z");
  json_decref(all);
  assert_int_equal(store_mark_read(s, ACC, "UA", now - 30, &e), 0);
  c = inbox_entry(s, now, "UA", &all);
  assert_int_equal(json_integer_value(json_object_get(c, "unread")), 1);
  json_decref(all);
  assert_int_equal(store_mark_read(s, ACC, "nobody", now, &e), -1);
  assert_int_equal(e.code, ERR_NOTFOUND);

  /* Newest activity first, two per page, every conversation once. */
  do {
    page = store_list_inbox(s, ACC, now, 2, cur, &e);
    assert_non_null(page);
    json_array_foreach(json_object_get(page, "conversations"), i, c) {
      const char *u = json_string_value(json_object_get(c, "user_id"));
      assert_null(json_object_get(seen, u));
      json_object_set_new(seen, u, json_true());
      if (n++ == 0)
        assert_string_equal(u, "UA");
    }
    free(cursor);
    cursor = json_string_value(json_object_get(page, "next_cursor"))
                 ? xstrdup(json_string_value(json_object_get(page,
                                                             "next_cursor")))
                 : NULL;
    cur = cursor;
    json_decref(page);
  } while (cur != NULL);
  assert_int_equal(n, 5);
  assert_null(store_list_inbox(s, ACC, now, 2, "garbage", &e));
  assert_int_equal(e.code, ERR_INVALID);
  json_decref(seen);
  store_close(s);
}

/* Who waits, since when, longest first; comments without our reply. */
static void
test_unanswered(void **state)
{
  struct store *s = open_db("wait.db");
  int64_t now = T0 + STORE_DAY_MS;
  struct err e = { 0 };
  json_t *u, *c, *list;

  (void)state;
  ingest(s, json_pack("[o,o,o,o,o,o]",
      ev_echo("x1", "UX", now - 6 * HOUR, "our answer"),
      ev_msg("x2", "UX", now - 5 * HOUR, "but why"),
      ev_msg("x3", "UX", now - 3 * HOUR, "hello?"),
      ev_msg("y1", "UY", now - 4 * HOUR, "q"),
      ev_echo("y2", "UY", now - 2 * HOUR, "a"),
      ev_msg("z1", "UZ", now - HOUR, "new here")), NULL);
  ingest(s, json_pack("[o,o,o,o,o]",
      ev_comment("C1", NULL, "IG1", "ann", now - 9 * HOUR, "answered"),
      ev_comment("C2", "C1", ACC, "biz", now - 8 * HOUR, "thanks!"),
      ev_comment("C3", NULL, "IG2", "bob", now - 7 * HOUR, "price?"),
      ev_comment("C4", "C3", "IG3", "cat", now - 6 * HOUR, "+1"),
      ev_comment("C5", NULL, ACC, "biz", now - 5 * HOUR, "our own")), NULL);
  u = store_list_unanswered(s, ACC, now, 10, &e);
  assert_non_null(u);
  list = json_object_get(u, "conversations");
  assert_int_equal(json_array_size(list), 2);
  c = json_array_get(list, 0);
  assert_string_equal(json_string_value(json_object_get(c, "user_id")), "UX");
  assert_int_equal(json_integer_value(json_object_get(c, "waiting_ms")),
                   5 * HOUR);
  assert_int_equal(json_integer_value(json_object_get(c, "unread")), 2);
  c = json_array_get(list, 1);
  assert_string_equal(json_string_value(json_object_get(c, "user_id")), "UZ");
  assert_int_equal(json_integer_value(json_object_get(c, "waiting_ms")),
                   HOUR);
  list = json_object_get(u, "comments");
  assert_int_equal(json_array_size(list), 1);
  c = json_array_get(list, 0);
  assert_string_equal(json_string_value(json_object_get(c, "comment_id")),
                      "C3");
  assert_string_equal(json_string_value(json_object_get(c, "username")),
                      "bob");
  assert_int_equal(json_integer_value(json_object_get(c, "waiting_ms")),
                   7 * HOUR);
  json_decref(u);
  store_close(s);
}

/* Word search across scripts, diacritics and case; CJK through trigrams
 * or, for short terms, substrings; filters; syntax errors. */
static void
test_search(void **state)
{
  struct store *s = open_db("fts.db");
  struct err e = { 0 };
  struct store_search_filter f = { 0 };
  json_t *r, *other;

  (void)state;
  ingest(s, json_pack("[o,o,o,o,o,o,o]",
      ev_msg("f1", "U1", T0, "Bonjour, le café est prêt à Genève"),
      ev_msg("f2", "U2", T0 + 1, "Привет, как ДЕЛА? Ещё раз"),
      ev_msg("f3", "U3", T0 + 2, "Καλημέρα σας, φίλε"),
      ev_msg("f4", "U4", T0 + 3, "東京タワーに行きました"),
      ev_echo("f5", "U1", T0 + 4, "We love Berlin in spring"),
      ev_msg("f6", "U5", T0 + 5, "서울에서 만나요"),
      ev_comment("C1", NULL, "IG1", "ann", T0 + 6,
                 "Great photo from Zürich")), NULL);
  other = json_pack("[{s:s,s:s,s:s,s:I,s:s,s:s,s:s}]", "kind", "message",
                    "key", "message:o1", "account_id", ACC2, "time_ms",
                    (json_int_t)T0, "user_id", "U1", "mid", "o1", "text",
                    "cafe in another account");
  ingest(s, other, NULL);

  assert_int_equal(nresults(s, "cafe", NULL), 1);
  assert_int_equal(nresults(s, "CAFÉ", NULL), 1);
  assert_int_equal(nresults(s, "geneve pret", NULL), 1);
  assert_int_equal(nresults(s, "привет", NULL), 1);
  assert_int_equal(nresults(s, "дела", NULL), 1);
  assert_int_equal(nresults(s, "еще", NULL), 1);
  assert_int_equal(nresults(s, "ЕЩЁ", NULL), 1);
  /* Greek: accents and final sigma fold both ways. */
  assert_int_equal(nresults(s, "καλημερα", NULL), 1);
  assert_int_equal(nresults(s, "σασ", NULL), 1);
  assert_int_equal(nresults(s, "ΦΊΛΕ", NULL), 1);
  assert_int_equal(nresults(s, "berl*", NULL), 1);
  assert_int_equal(nresults(s, "zurich", NULL), 1);
  assert_int_equal(nresults(s, "zurich", "dm"), 0);
  assert_int_equal(nresults(s, "zurich", "comment"), 1);
  assert_int_equal(nresults(s, "cafe OR zurich", "all"), 2);
  assert_int_equal(nresults(s, "München", NULL), 0);
  /* Hangul words are space-separated: the word index finds whole words;
   * the query holds CJK-range characters, so it goes through trigrams. */
  assert_int_equal(nresults(s, "만나요", NULL), 1);

  r = search(s, "東京タワー", NULL, NULL);
  assert_string_equal(json_string_value(json_object_get(r, "mode")),
                      "trigram");
  assert_int_equal(json_array_size(json_object_get(r, "results")), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(
      json_object_get(r, "results"), 0), "mid")), "f4");
  json_decref(r);
  assert_int_equal(nresults(s, "タワー", NULL), 1);
  assert_int_equal(nresults(s, "行きました 東京", NULL), 1);
  r = search(s, "東京", NULL, NULL);
  assert_string_equal(json_string_value(json_object_get(r, "mode")),
                      "substring");
  assert_int_equal(json_array_size(json_object_get(r, "results")), 1);
  json_decref(r);
  assert_int_equal(nresults(s, "京都", NULL), 0);
  assert_int_equal(nresults(s, "서울", NULL), 1);

  /* Filters: the other party, time bounds. */
  r = search(s, "cafe OR berlin", NULL, "U1");
  assert_int_equal(json_array_size(json_object_get(r, "results")), 2);
  json_decref(r);
  f.since_ms = T0 + 1;
  r = store_search(s, ACC, "cafe OR berlin", &f, 10, &e);
  assert_int_equal(json_array_size(json_object_get(r, "results")), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(
      json_object_get(r, "results"), 0), "direction")), "out");
  json_decref(r);

  assert_null(store_search(s, ACC, "\"unbalanced", NULL, 10, &e));
  assert_int_equal(e.code, ERR_INVALID);
  assert_null(store_search(s, ACC, "cafe", &(struct store_search_filter){
                           .kind = "sms" }, 10, &e));
  assert_int_equal(e.code, ERR_INVALID);
  store_close(s);
}

/* A Graph page upserts by mid, names the conversation, takes usernames;
 * a second pass refreshes without duplicating and keeps a changed text as
 * an edit; a page failing halfway stores nothing. */
static void
test_put_messages(void **state)
{
  struct store *s = open_db("put.db");
  struct store_result r;
  struct err e = { 0 };
  json_t *page, *h, *m, *all, *c;

  (void)state;
  ingest(s, json_pack("[o]", ev_msg("g3", "UG", T0 + 3000, "via webhook")),
         NULL);
  page = json_pack("[{s:s,s:s,s:{s:s,s:s},s:{s:[{s:s,s:s}]},s:s},"
                   " {s:s,s:s,s:{s:s,s:s},s:{s:[{s:s,s:s}]},s:s,"
                   "  s:{s:[{s:s}]}},"
                   " {s:s,s:s,s:{s:s,s:s},s:s},"
                   " {s:s,s:s}]",
      "id", "g1", "created_time", "2026-03-31T00:00:01+0000",
      "from", "username", "gina", "id", "UG",
      "to", "data", "username", "biz", "id", ACC, "message", "hi there",
      "id", "g2", "created_time", "2026-03-31T00:00:02+0000",
      "from", "username", "biz", "id", ACC,
      "to", "data", "username", "gina", "id", "UG", "message", "welcome",
      "attachments", "data", "image_data", "x",
      "id", "g3", "created_time", "2026-03-31T00:00:03+0000",
      "from", "username", "gina", "id", "UG", "message", "via webhook",
      "id", "g0", "created_time", "2026-03-30T00:00:00+0000");
  assert_int_equal(store_put_messages(s, ACC, "aWdfZAG06", NULL, T0 + 5000,
                                      page, &r, &e), 0);
  assert_int_equal(r.received, 4);
  assert_int_equal(r.applied, 3);
  assert_int_equal(r.duplicates, 1);

  h = history(s, "aWdfZAG06", 0, 10);
  assert_string_equal(json_string_value(json_object_get(json_object_get(h,
                      "conversation"), "user_id")), "UG");
  assert_string_equal(json_string_value(json_object_get(json_object_get(h,
                      "conversation"), "username")), "gina");
  assert_int_equal(json_array_size(json_object_get(h, "messages")), 4);
  m = json_array_get(json_object_get(h, "messages"), 0);
  assert_string_equal(json_string_value(json_object_get(m, "mid")), "g0");
  assert_null(json_object_get(m, "text"));
  m = json_array_get(json_object_get(h, "messages"), 2);
  assert_string_equal(json_string_value(json_object_get(m, "direction")),
                      "out");
  assert_true(json_is_array(json_object_get(m, "attachments")));
  assert_int_equal(json_integer_value(json_object_get(m, "created_ms")),
                   1774915202000LL);
  json_decref(h);
  c = inbox_entry(s, T0, "UG", &all);
  assert_string_equal(json_string_value(json_object_get(c, "graph_id")),
                      "aWdfZAG06");
  assert_int_equal(json_integer_value(json_object_get(c, "updated_ms")),
                   T0 + 5000);
  json_decref(all);

  /* Second pass: g1's text changed on Meta's side. */
  json_object_set_new(json_array_get(page, 0), "message",
                      json_string("hi there!"));
  assert_int_equal(store_put_messages(s, ACC, "aWdfZAG06", "UG", 0, page, &r,
                                      &e), 0);
  assert_int_equal(r.applied, 0);
  assert_int_equal(r.duplicates, 4);
  h = history(s, "UG", 0, 10);
  m = json_array_get(json_object_get(h, "messages"), 1);
  assert_string_equal(json_string_value(json_object_get(m, "text")),
                      "hi there!");
  assert_string_equal(json_string_value(json_object_get(json_array_get(
      json_object_get(m, "edits"), 0), "old_text")), "hi there");
  json_decref(h);
  assert_int_equal(sql_int("put.db", "SELECT count(*) FROM messages"), 4);

  /* The same Graph id for another user violates UNIQUE: nothing of that
   * page is kept. */
  json_decref(page);
  page = json_pack("[{s:s,s:s,s:{s:s}}]", "id", "k1", "created_time",
                   "2026-03-31T00:00:09+0000", "from", "id", "UK");
  assert_int_equal(store_put_messages(s, ACC, "aWdfZAG06", "UK", 0, page, &r,
                                      &e), -1);
  assert_int_equal(e.code, ERR_INVALID);
  assert_int_equal(sql_int("put.db", "SELECT count(*) FROM messages"), 4);
  assert_int_equal(sql_int("put.db", "SELECT count(*) FROM conversations"),
                   1);
  json_decref(page);
  store_close(s);
}

/* The latest reaction per person wins by time, whatever the order. */
static void
test_reactions(void **state)
{
  struct store *s = open_db("react.db");
  json_t *h;

  (void)state;
  ingest(s, json_pack("[o,o]", ev_echo("r1", "U1", T0, "our message"),
                      ev_echo("r2", "U1", T0 + 1, "another")), NULL);
  ingest(s, json_pack("[o,o]", ev_react("r1", "U1", T0 + 10, "love"),
                      ev_react("r1", "U1", T0 + 20, NULL)), NULL);
  ingest(s, json_pack("[o,o]", ev_react("r2", "U1", T0 + 40, NULL),
                      ev_react("r2", "U1", T0 + 30, "wow")), NULL);
  h = history(s, "U1", 0, 10);
  assert_null(json_object_get(json_array_get(json_object_get(h, "messages"),
                                             0), "reactions"));
  assert_null(json_object_get(json_array_get(json_object_get(h, "messages"),
                                             1), "reactions"));
  json_decref(h);
  ingest(s, json_pack("[o]", ev_react("r2", "U1", T0 + 50, "haha")), NULL);
  h = history(s, "U1", 0, 10);
  assert_int_equal(json_array_size(json_object_get(json_array_get(
      json_object_get(h, "messages"), 1), "reactions")), 1);
  json_decref(h);
  store_close(s);
}

struct worker {
  struct store *s;
  int from;
  int failed;
};

static void *
work(void *arg)
{
  struct worker *w = arg;
  struct store_result r;
  struct err e = { 0 };
  char raw[32];

  for (int i = 0; i < 10; i++) {
    json_t *b = batch(w->from + i * 25, 25);
    snprintf(raw, sizeof(raw), "body-%d", w->from + i * 25);
    if (store_ingest(w->s, raw, strlen(raw), b, &r, &e) < 0 ||
        r.applied != 25)
      w->failed = 1;
    json_decref(b);
  }
  return NULL;
}

/* Four threads share one store: nothing lost, nothing interleaved. */
static void
test_threads(void **state)
{
  struct store *s = open_db("threads.db");
  struct worker w[4];
  pthread_t t[4];

  (void)state;
  for (int i = 0; i < 4; i++) {
    w[i] = (struct worker){ s, i * 250, 0 };
    assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(w[i].failed, 0);
  }
  assert_int_equal(sql_int("threads.db", "SELECT count(*) FROM events"),
                   1000);
  assert_int_equal(sql_int("threads.db", "SELECT count(*) FROM "
                           "webhook_bodies"), 40);
  store_close(s);
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
  (void)sb;
  (void)flag;
  (void)f;
  return remove(p);
}

static int
setup(void **state)
{
  (void)state;
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/igmcp-store-XXXXXX");
  return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
  (void)state;
  return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* sync_state: get of a missing key, upsert, per-account keys, delete,
 * and the state surviving a reopen. */
static void
test_sync_state(void **state)
{
  struct err e = { 0 };
  struct store *s = open_db("sync.db");
  char *v = NULL;
  int64_t ms = -1;

  (void)state;
  assert_int_equal(store_sync_get(s, "A1", "cursor:inbox", &v, &ms, &e), 0);
  assert_null(v);
  assert_int_equal(ms, 0);
  assert_int_equal(store_sync_put(s, "A1", "cursor:inbox", "QVFI", 5, &e), 0);
  assert_int_equal(store_sync_put(s, "A1", "conv:t_1", NULL, T0, &e), 0);
  assert_int_equal(store_sync_put(s, "A2", "cursor:inbox", "OTHER", 9, &e),
                   0);
  assert_int_equal(store_sync_put(s, "A1", "cursor:inbox", "QVFJ", 6, &e), 0);
  assert_int_equal(store_sync_get(s, "A1", "cursor:inbox", &v, &ms, &e), 1);
  assert_string_equal(v, "QVFJ");
  assert_int_equal(ms, 6);
  free(v);
  assert_int_equal(store_sync_get(s, "A1", "conv:t_1", &v, &ms, &e), 1);
  assert_null(v);
  assert_int_equal(ms, T0);
  assert_int_equal(store_sync_put(s, "A1", "cursor:inbox", NULL, 0, &e), 0);
  assert_int_equal(store_sync_get(s, "A1", "cursor:inbox", NULL, &ms, &e), 0);
  assert_int_equal(store_sync_get(s, "A2", "cursor:inbox", &v, NULL, &e), 1);
  assert_string_equal(v, "OTHER");
  free(v);
  assert_int_equal(store_sync_get(s, "", "k", &v, &ms, &e), -1);
  assert_int_equal(e.code, ERR_INVALID);
  store_close(s);
  s = open_db("sync.db");
  assert_int_equal(store_sync_get(s, "A1", "conv:t_1", NULL, &ms, &e), 1);
  assert_int_equal(ms, T0);
  assert_int_equal(sql_int("sync.db", "SELECT count(*) FROM sync_state"), 2);
  store_close(s);
}

/* Migration 3: idempotent outcomes expire, are kept per account and tool,
 * and replace an older one; the audit log lists newest first, filters by
 * tool and time, and a reopened file still has both. */
static void
test_idempotency_and_audit(void **state)
{
  struct err e = { 0 };
  struct store *s = open_db("idem.db");
  json_t *o = NULL, *out = json_pack("{s:s}", "id", "m_1"), *l;
  struct store_audit a = { "A1", T0, "ig_send_message", "901", "ok", "m_1" };

  (void)state;
  assert_int_equal(store_idem_get(s, "A1", "ig_send_message", "k", T0, &o,
                                  &e), 0);
  assert_null(o);
  assert_int_equal(store_idem_put(s, "A1", "ig_send_message", "k", T0, 1000,
                                  out, &e), 0);
  assert_int_equal(store_idem_get(s, "A1", "ig_send_message", "k", T0 + 999,
                                  &o, &e), 1);
  assert_true(json_equal(o, out));
  json_decref(o);
  /* Other account, other tool: not the same call. */
  assert_int_equal(store_idem_get(s, "A2", "ig_send_message", "k", T0, &o,
                                  &e), 0);
  assert_int_equal(store_idem_get(s, "A1", "ig_post_comment", "k", T0, &o,
                                  &e), 0);
  /* Expired at exactly created + ttl. */
  assert_int_equal(store_idem_get(s, "A1", "ig_send_message", "k", T0 + 1000,
                                  &o, &e), 0);
  assert_int_equal(store_idem_put(s, "A1", "ig_send_message", "k", T0, 0,
                                  out, &e), -1);
  json_decref(out);

  assert_int_equal(store_audit_add(s, &a, &e), 0);
  a.time_ms = T0 + 10;
  a.tool = "ig_post_comment";
  a.target = NULL;
  a.outcome = "error";
  a.detail = "graph_error";
  assert_int_equal(store_audit_add(s, &a, &e), 0);
  a.outcome = NULL;
  assert_int_equal(store_audit_add(s, &a, &e), -1);
  store_close(s);
  s = open_db("idem.db");
  l = store_audit_list(s, "A1", NULL, 0, 10, &e);
  assert_int_equal(json_array_size(json_object_get(l, "entries")), 2);
  assert_string_equal(json_string_value(json_object_get(json_array_get(
      json_object_get(l, "entries"), 0), "tool")), "ig_post_comment");
  assert_null(json_object_get(json_array_get(json_object_get(l, "entries"),
                                             0), "target"));
  json_decref(l);
  l = store_audit_list(s, "A1", "ig_send_message", 0, 10, &e);
  assert_int_equal(json_array_size(json_object_get(l, "entries")), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(
      json_object_get(l, "entries"), 0), "target")), "901");
  json_decref(l);
  l = store_audit_list(s, "A1", NULL, T0 + 5, 10, &e);
  assert_int_equal(json_array_size(json_object_get(l, "entries")), 1);
  json_decref(l);
  l = store_audit_list(s, "A2", NULL, 0, 10, &e);
  assert_int_equal(json_array_size(json_object_get(l, "entries")), 0);
  json_decref(l);
  store_close(s);
}

/* A backfilled message from the person opens the window as a webhook
 * would: the guard then knows it after a sync alone. */
static void
test_backfill_window(void **state)
{
  struct store *s = open_db("bwin.db");
  struct store_result r;
  struct err e = { 0 };
  enum store_window_state st;
  int64_t until = 0, t = 1774915201000LL; /* 2026-03-31T00:00:01Z */
  json_t *page = json_pack("[{s:s,s:s,s:{s:s,s:s},s:s},"
                           " {s:s,s:s,s:{s:s,s:s},s:s}]",
      "id", "w1", "created_time", "2026-03-31T00:00:01+0000",
      "from", "username", "wendy", "id", "UW", "message", "hello?",
      "id", "w2", "created_time", "2026-03-31T02:00:00+0000",
      "from", "username", "biz", "id", ACC, "message", "hi");

  (void)state;
  assert_int_equal(store_window(s, ACC, "UW", t, &st, &until, &e), 0);
  assert_int_equal(st, STORE_WINDOW_UNKNOWN);
  assert_int_equal(store_put_messages(s, ACC, "t_w", "UW", 0, page, &r, &e),
                   0);
  json_decref(page);
  assert_int_equal(store_window(s, ACC, "UW", t + 3600000, &st, &until, &e),
                   0);
  assert_int_equal(st, STORE_WINDOW_OPEN);
  assert_int_equal(until, t + STORE_WINDOW_MS);
  store_close(s);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_open_modes_wal),
    cmocka_unit_test(test_migrations),
    cmocka_unit_test(test_default_path),
    cmocka_unit_test(test_ingest_kinds),
    cmocka_unit_test(test_duplicates),
    cmocka_unit_test(test_batch_1000_atomic),
    cmocka_unit_test(test_ingest_many),
    cmocka_unit_test(test_edits),
    cmocka_unit_test(test_deletions),
    cmocka_unit_test(test_history_paging),
    cmocka_unit_test(test_window_math),
    cmocka_unit_test(test_inbox_windows),
    cmocka_unit_test(test_unanswered),
    cmocka_unit_test(test_search),
    cmocka_unit_test(test_put_messages),
    cmocka_unit_test(test_reactions),
    cmocka_unit_test(test_threads),
    cmocka_unit_test(test_sync_state),
    cmocka_unit_test(test_idempotency_and_audit),
    cmocka_unit_test(test_backfill_window),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
