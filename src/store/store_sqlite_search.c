/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_search.c: full-text search over DM and comment text.
 *
 * Two contentless FTS5 indexes cover the same rows (store_sqlite_schema.c):
 * fts_words (unicode61, diacritics removed: "cafe" finds "café", case is
 * folded in every cased script, so Cyrillic and Greek work like Latin) and
 * fts_grams (trigrams).  unicode61 splits words at spaces and punctuation,
 * so in text written without spaces (Chinese, Japanese) a whole run is one
 * "word" and a word inside it cannot be found.  A query holding such
 * characters therefore searches the trigram index, each space-separated
 * term as a literal substring; a term shorter than three characters cannot
 * use trigrams, and then the terms are matched with LIKE over the stored
 * text (a scan, fine for one account's inbox).
 */
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"

#define MAX_TERMS 8
#define QUERY_MAX 4096

/* Hiragana, katakana, CJK ideographs (and extensions), Hangul, halfwidth
 * katakana and CJK punctuation: scripts whose words are not delimited. */
static int
is_cjk(unsigned cp)
{
  return (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x2e80 && cp <= 0x9fff) ||
         (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xac00 && cp <= 0xd7af) ||
         (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff66 && cp <= 0xff9f) ||
         (cp >= 0x20000 && cp <= 0x3ffff);
}

/* Decodes one UTF-8 sequence at *p (moved past it); a bad byte decodes as
 * itself so the walk always advances. */
static unsigned
next_cp(const char **p)
{
  const unsigned char *s = (const unsigned char *)*p;
  unsigned cp = s[0];
  int n = 0;

  if (cp >= 0xf0 && cp < 0xf8) {
    cp &= 0x07;
    n = 3;
  } else if (cp >= 0xe0) {
    cp &= 0x0f;
    n = 2;
  } else if (cp >= 0xc0) {
    cp &= 0x1f;
    n = 1;
  }
  for (int i = 1; i <= n; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      *p += 1;
      return s[0];
    }
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  *p += 1 + n;
  return cp;
}

/* Greek letters with tonos or dialytika, and Cyrillic yo, with the letter
 * each folds to.  unicode61's remove_diacritics covers Latin only, and
 * Greek and Russian writers often leave these marks out. */
static const struct {
  unsigned from, to;
} folds[] = {
  { 0x0386, 0x0391 }, { 0x0388, 0x0395 }, { 0x0389, 0x0397 },
  { 0x038a, 0x0399 }, { 0x038c, 0x039f }, { 0x038e, 0x03a5 },
  { 0x038f, 0x03a9 }, { 0x0390, 0x03b9 }, { 0x03aa, 0x0399 },
  { 0x03ab, 0x03a5 }, { 0x03ac, 0x03b1 }, { 0x03ad, 0x03b5 },
  { 0x03ae, 0x03b7 }, { 0x03af, 0x03b9 }, { 0x03b0, 0x03c5 },
  { 0x03c2, 0x03c3 }, { 0x03ca, 0x03b9 }, { 0x03cb, 0x03c5 },
  { 0x03cc, 0x03bf }, { 0x03cd, 0x03c5 }, { 0x03ce, 0x03c9 },
  { 0x0401, 0x0415 }, { 0x0451, 0x0435 },
};

/*
 * Folds s in place.  Every letter in the table and its replacement are
 * two-byte UTF-8 sequences, so the string keeps its length.
 */
void
sq__fold(char *s)
{
  unsigned char *p = (unsigned char *)s;

  for (; *p != '\0'; p++) {
    unsigned cp;

    if ((p[0] & 0xe0) != 0xc0 || (p[1] & 0xc0) != 0x80)
      continue;
    cp = ((unsigned)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
    for (size_t i = 0; i < sizeof(folds) / sizeof(folds[0]); i++) {
      if (folds[i].from == cp) {
        p[0] = (unsigned char)(0xc0 | (folds[i].to >> 6));
        p[1] = (unsigned char)(0x80 | (folds[i].to & 0x3f));
        break;
      }
    }
    p++;
  }
}

/* igmcp_fold(text): sq__fold as SQL, for the FTS triggers. */
static void
fold_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  const unsigned char *in = sqlite3_value_text(argv[0]);
  char *out;

  (void)argc;
  if (in == NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  out = sqlite3_mprintf("%s", in);
  if (out == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sq__fold(out);
  sqlite3_result_text(ctx, out, -1, sqlite3_free);
}

int
sq__fold_register(sqlite3 *db)
{
  return sqlite3_create_function_v2(db, "igmcp_fold", 1,
      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, fold_sql,
      NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int
has_cjk(const char *s)
{
  while (*s != '\0')
    if (is_cjk(next_cp(&s)))
      return 1;
  return 0;
}

static size_t
count_cps(const char *s, size_t len)
{
  const char *p = s;
  size_t n = 0;

  while (p < s + len) {
    next_cp(&p);
    n++;
  }
  return n;
}

/* A space-separated term of a CJK query; U+3000 (ideographic space)
 * separates too. */
struct term {
  const char *p;
  size_t len;
};

static int
split_terms(const char *q, struct term *t, int *n, struct err *e)
{
  *n = 0;
  while (*q != '\0') {
    size_t len;

    while (*q == ' ' || *q == '\t' || strncmp(q, "\xe3\x80\x80", 3) == 0)
      q += *q == '\xe3' ? 3 : 1;
    if (*q == '\0')
      break;
    for (len = 0; q[len] != '\0' && q[len] != ' ' && q[len] != '\t' &&
                  strncmp(q + len, "\xe3\x80\x80", 3) != 0;
         len++)
      ;
    if (*n == MAX_TERMS)
      return err_set(e, ERR_INVALID, "store: a CJK search takes at most %d "
                     "terms", MAX_TERMS);
    t[*n].p = q;
    t[(*n)++].len = len;
    q += len;
  }
  if (*n == 0)
    return err_set(e, ERR_INVALID, "store: empty search query");
  return 0;
}

/*
 * The hits CTE for the query: rows (r, score), r a message id or minus a
 * comment id, score lower = better.  *fts_query is what to bind at ?1 (the
 * query as given, or the quoted trigram phrases); *like says the terms go
 * to ?10.. as LIKE patterns instead.
 */
static int
plan(const char *query, struct buf *hits, struct buf *fts_query,
     struct term *t, int *nterms, const char **mode, struct err *e)
{
  int i, shorts = 0;

  *nterms = 0;
  if (!has_cjk(query)) {
    *mode = "words";
    if (buf_puts(fts_query, query) < 0)
      return err_set(e, ERR_INVALID, "store: search query too long");
    sq__fold(fts_query->data);
    return buf_puts(hits, "SELECT rowid, rank FROM fts_words"
                    " WHERE fts_words MATCH ?1");
  }
  if (split_terms(query, t, nterms, e) < 0)
    return -1;
  for (i = 0; i < *nterms; i++)
    shorts += count_cps(t[i].p, t[i].len) < 3;
  if (shorts == 0) {
    *mode = "trigram";
    for (i = 0; i < *nterms; i++) {
      buf_puts(fts_query, i > 0 ? " \"" : "\"");
      for (size_t j = 0; j < t[i].len; j++)
        if (buf_append(fts_query, &t[i].p[j], 1) < 0 ||
            (t[i].p[j] == '"' && buf_putc(fts_query, '"') < 0))
          return err_set(e, ERR_INVALID, "store: search query too long");
      buf_putc(fts_query, '"');
    }
    *nterms = 0;
    return buf_puts(hits, "SELECT rowid, rank FROM fts_grams"
                    " WHERE fts_grams MATCH ?1");
  }
  *mode = "substring";
  buf_puts(hits, "SELECT id, 0 FROM messages WHERE text IS NOT NULL");
  for (i = 0; i < *nterms; i++)
    buf_printf(hits, " AND text LIKE ?%d ESCAPE '\\'", 10 + i);
  buf_puts(hits, " UNION ALL SELECT -id, 0 FROM comments"
           " WHERE text IS NOT NULL");
  for (i = 0; i < *nterms; i++)
    buf_printf(hits, " AND text LIKE ?%d ESCAPE '\\'", 10 + i);
  return 0;
}

/* "%term%" with LIKE's own characters escaped. */
static void
bind_like(sqlite3_stmt *st, int i, const struct term *t)
{
  struct buf b;

  buf_init(&b, QUERY_MAX * 2 + 3);
  buf_putc(&b, '%');
  for (size_t j = 0; j < t->len; j++) {
    if (t->p[j] == '%' || t->p[j] == '_' || t->p[j] == '\\')
      buf_putc(&b, '\\');
    buf_putc(&b, t->p[j]);
  }
  buf_putc(&b, '%');
  sqlite3_bind_text(st, i, buf_cstr(&b), -1, SQLITE_TRANSIENT);
  buf_free(&b);
}

static const char search_sql[] =
  " SELECT 'dm', m.mid, c.user_id, p.username, c.graph_id, m.direction,"
  "  m.text, m.created_ms, m.deleted_ms, hits.score"
  " FROM hits JOIN messages m ON m.id = hits.r"
  " JOIN conversations c ON c.id = m.conversation_id"
  " LEFT JOIN participants p ON p.id = c.user_id"
  " WHERE hits.r > 0 AND ?2 <> 'comment' AND c.account_id = ?3"
  "  AND (?4 IS NULL OR c.user_id = ?4)"
  "  AND (?5 = 0 OR m.created_ms >= ?5) AND (?6 = 0 OR m.created_ms <= ?6)"
  " UNION ALL"
  " SELECT 'comment', k.comment_id, k.from_id, k.username, k.media_id, NULL,"
  "  k.text, k.created_ms, NULL, hits.score"
  " FROM hits JOIN comments k ON k.id = -hits.r"
  " WHERE hits.r < 0 AND ?2 <> 'dm' AND k.account_id = ?3"
  "  AND (?4 IS NULL OR k.from_id = ?4)"
  "  AND (?5 = 0 OR k.created_ms >= ?5) AND (?6 = 0 OR k.created_ms <= ?6)"
  " ORDER BY 10, 8 DESC LIMIT ?7";

static json_t *
hit_json(sqlite3_stmt *st)
{
  const char *kind = (const char *)sqlite3_column_text(st, 0);
  int dm = strcmp(kind, "dm") == 0;
  json_t *h = json_pack("{s:s}", "kind", kind);
  const char *s;

  if ((s = (const char *)sqlite3_column_text(st, 1)) != NULL)
    json_object_set_new(h, dm ? "mid" : "comment_id", json_string(s));
  if ((s = (const char *)sqlite3_column_text(st, 2)) != NULL)
    json_object_set_new(h, dm ? "user_id" : "from_id", json_string(s));
  if ((s = (const char *)sqlite3_column_text(st, 3)) != NULL)
    json_object_set_new(h, "username", json_string(s));
  if ((s = (const char *)sqlite3_column_text(st, 4)) != NULL)
    json_object_set_new(h, dm ? "conversation_graph_id" : "media_id",
                        json_string(s));
  if ((s = (const char *)sqlite3_column_text(st, 5)) != NULL)
    json_object_set_new(h, "direction", json_string(s));
  if ((s = (const char *)sqlite3_column_text(st, 6)) != NULL)
    json_object_set_new(h, "text", json_string(s));
  json_object_set_new(h, "created_ms",
                      json_integer(sqlite3_column_int64(st, 7)));
  if (sqlite3_column_type(st, 8) != SQLITE_NULL)
    json_object_set_new(h, "deleted", json_true());
  return h;
}

/* A query FTS5 rejects is the caller's mistake (ERR_INVALID); anything
 * else from SQLite is ours. */
static void
search_fail(struct sq *q, struct err *e)
{
  if (sqlite3_errcode(q->db) == SQLITE_ERROR)
    err_set(e, ERR_INVALID, "store: search query: %s",
            sqlite3_errmsg(q->db));
  else
    sq__fail(q, e, "search");
}

json_t *
sq__search(struct store *s, const char *account_id, const char *query,
           const struct store_search_filter *f, int limit, struct err *e)
{
  struct sq *q = SQ(s);
  struct buf sql, fq;
  struct term t[MAX_TERMS];
  const char *mode = NULL;
  sqlite3_stmt *st = NULL;
  json_t *out = NULL, *list;
  int nterms, rc;

  if (strlen(query) > QUERY_MAX) {
    err_set(e, ERR_INVALID, "store: search query longer than %d bytes",
            QUERY_MAX);
    return NULL;
  }
  buf_init(&sql, 64 << 10);
  buf_init(&fq, QUERY_MAX * 2 + 64);
  buf_puts(&sql, "WITH hits(r, score) AS (");
  if (plan(query, &sql, &fq, t, &nterms, &mode, e) < 0)
    goto out;
  buf_puts(&sql, ")");
  buf_puts(&sql, search_sql);
  sq__lock(q);
  if (sqlite3_prepare_v2(q->db, buf_cstr(&sql), -1, &st, NULL) != SQLITE_OK) {
    search_fail(q, e);
    goto unlock;
  }
  if (nterms == 0)
    sqlite3_bind_text(st, 1, buf_cstr(&fq), -1, SQLITE_TRANSIENT);
  for (int i = 0; i < nterms; i++)
    bind_like(st, 10 + i, &t[i]);
  sq__text(st, 2, f->kind != NULL ? f->kind : "all");
  sq__text(st, 3, account_id);
  sq__text(st, 4, f->user_id);
  sqlite3_bind_int64(st, 5, f->since_ms);
  sqlite3_bind_int64(st, 6, f->until_ms);
  sqlite3_bind_int(st, 7, limit);
  list = json_array();
  out = json_pack("{s:s,s:o}", "mode", mode, "results", list);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    json_array_append_new(list, hit_json(st));
  if (rc != SQLITE_DONE) {
    search_fail(q, e);
    json_decref(out);
    out = NULL;
  }
unlock:
  sqlite3_finalize(st);
  sq__unlock(q);
out:
  buf_free(&sql);
  buf_free(&fq);
  return out;
}
