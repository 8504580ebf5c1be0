/* SPDX-License-Identifier: MIT */
/*
 * inbox_sync_ops.c: the backfill.  Lists the account's conversations
 * newest first, page by page, with their newest messages inlined by field
 * expansion (messages.limit(20){...}); each conversation whose
 * updated_time is newer than the one stored at its last pull has those
 * messages stored, and when it holds older messages not seen yet, their
 * pages are pulled with the batch API (50 conversations per round trip on
 * graph.facebook.com, one by one on graph.instagram.com) until a page
 * reaches what the last pull already had.
 *
 * State (store_sync_*, per account): "cursor:<folder>" the listing cursor
 * where an interrupted run continues, "conv:<id>" each conversation's
 * updated_time when it was last pulled.  Every run lists every page (only
 * `since` ends the listing early): a conversation may enter a folder with
 * an old updated_time (an accepted request), so no time mark can say where
 * the changes end.  The listing is light next to the messages, which are
 * pulled for changed conversations only.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/watch.h"
#include "tools/account.h"
#include "tools/inbox_sync_int.h"

#define MSG_FIELDS                                                          \
  "id,created_time,from,to,message,attachments,reply_to,is_unsupported"
#define MAX_ERRORS 10

/* A conversation whose older messages are still to pull. */
struct pend {
  char *id;
  char *user;
  char *after;       /* the messages cursor */
  int64_t upd_ms;    /* its updated_time now */
  int64_t stored_ms; /* its updated_time at the last pull, 0: never */
};

struct run {
  struct call *c;
  struct result *r;
  const struct sync_opts *o;
  char acct[32];
  const char *folder;
  char k_cursor[48];
  long seen, pulled, updated, unchanged, msgs_new, msgs_refreshed, failed;
  int requests, batches, pages;
  json_t *errors;
  struct pend *pend;
  size_t npend, cappend;
};

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

static int64_t
time_ms(const char *s)
{
  int64_t t = 0;
  return s != NULL && clock_parse_time(s, &t) == 0 ? t * 1000 : 0;
}

static int
store_failed(struct run *x, const struct err *e)
{
  return result_errorf(x->r, "store_error", "The inbox store failed: %s",
                       e->msg);
}

static void
note_error(struct run *x, const char *conv, long code, const char *msg)
{
  x->failed++;
  if (json_array_size(x->errors) < MAX_ERRORS)
    json_array_append_new(x->errors,
                          json_pack("{s:s,s:I,s:s}", "conversation_id", conv,
                                    "code", (json_int_t)code, "message",
                                    msg != NULL ? msg : "no answer"));
}

static void
progress(struct run *x)
{
  char msg[200];

  snprintf(msg, sizeof(msg), "sync: %ld conversations seen, %ld pulled, "
           "%ld new messages, %d Graph requests", x->seen, x->pulled,
           x->msgs_new, x->requests);
  call_progress(x->c, x->c->graph_calls + 0.5, 0, msg);
}

/* Stores a page of messages of one conversation. */
static int
put_page(struct run *x, const char *id, const char *user, int64_t upd,
         json_t *msgs)
{
  struct store_result res;
  struct err e = { 0 };

  if (json_array_size(msgs) == 0)
    return 0;
  if (store_put_messages(x->c->store, x->acct, id, user, upd, msgs, &res,
                         &e) != 0)
    return store_failed(x, &e);
  x->msgs_new += res.applied;
  x->msgs_refreshed += res.duplicates;
  return 0;
}

/* Records the conversation as pulled up to upd and tells the watchers. */
static int
finish(struct run *x, const char *id, const char *user, int64_t upd)
{
  struct err e = { 0 };
  char key[300];

  snprintf(key, sizeof(key), "conv:%s", id);
  if (store_sync_put(x->c->store, x->acct, key, NULL, upd, &e) != 0)
    return store_failed(x, &e);
  store_watch_publish(x->acct, user, "sync");
  x->updated++;
  return 0;
}

/* The cursor of the page after this one, or NULL when it is the last. */
static const char *
next_cursor(const json_t *page)
{
  const json_t *paging = json_object_get(page, "paging");

  if (str(paging, "next") == NULL)
    return NULL;
  return str(json_object_get(paging, "cursors"), "after");
}

/* 1 when older messages than this page's must still be pulled: there are
 * more, and this page does not reach back to the last pull. */
static int
need_more(const struct run *x, const json_t *page, int64_t stored_ms)
{
  const json_t *data = json_object_get(page, "data");
  int64_t oldest;

  if (next_cursor(page) == NULL || json_array_size(data) == 0)
    return 0;
  if (x->o->full || stored_ms == 0)
    return 1;
  oldest = time_ms(str(json_array_get(data, json_array_size(data) - 1),
                       "created_time"));
  return oldest >= stored_ms;
}

static void
pend_add(struct run *x, const char *id, const char *user, const char *after,
         int64_t upd, int64_t stored)
{
  struct pend *p;

  if (x->npend == x->cappend) {
    x->cappend = x->cappend ? x->cappend * 2 : 32;
    x->pend = xrealloc(x->pend, x->cappend * sizeof(*x->pend));
  }
  p = &x->pend[x->npend++];
  p->id = xstrdup(id);
  p->user = xstrdup(user);
  p->after = xstrdup(after);
  p->upd_ms = upd;
  p->stored_ms = stored;
}

static void
pend_free(struct pend *p)
{
  free(p->id);
  free(p->user);
  free(p->after);
}

/* One item's answer: store it, then keep the conversation pending or
 * finish it.  Returns -1 on a store error; *keep says whether to keep. */
static int
pend_answer(struct run *x, struct pend *p, struct graph_batch_item *it,
            int *keep)
{
  const char *after;

  *keep = 0;
  if (it->failed) {
    note_error(x, p->id, it->code, it->error.message[0] != '\0'
                                   ? it->error.message : NULL);
    return 0;
  }
  if (put_page(x, p->id, p->user, 0, json_object_get(it->body, "data")) < 0)
    return -1;
  if (need_more(x, it->body, p->stored_ms) &&
      (after = next_cursor(it->body)) != NULL) {
    free(p->after);
    p->after = xstrdup(after);
    *keep = 1;
    return 0;
  }
  return finish(x, p->id, p->user, p->upd_ms);
}

/* Pulls the older messages of pending conversations, GRAPH_BATCH_MAX per
 * round trip: while a full batch is waiting, or, when final, until none
 * is left.  Pending conversations of several listing pages share batches.
 * Returns 0, 1 when cancelled, -1 with x->r set on an error. */
static int
pull_pending(struct run *x, int final)
{
  char limit[16];

  snprintf(limit, sizeof(limit), "%d", SYNC_MESSAGES_PAGE);
  while (x->npend >= GRAPH_BATCH_MAX || (final && x->npend > 0)) {
    size_t n = x->npend < GRAPH_BATCH_MAX ? x->npend : GRAPH_BATCH_MAX;
    struct graph_batch_item items[GRAPH_BATCH_MAX];
    struct graph_param params[GRAPH_BATCH_MAX][4];
    char paths[GRAPH_BATCH_MAX][300];
    struct graph_batch_stats st;
    struct err e = { 0 };
    size_t kept = 0, i;
    int rc = 0;
    json_t *usage;

    if (call_cancelled(x->c))
      return 1;
    memset(items, 0, sizeof(items));
    for (i = 0; i < n; i++) {
      snprintf(paths[i], sizeof(paths[i]), "%s/messages", x->pend[i].id);
      params[i][0] = (struct graph_param){ "fields", MSG_FIELDS };
      params[i][1] = (struct graph_param){ "limit", limit };
      params[i][2] = (struct graph_param){ "after", x->pend[i].after };
      params[i][3] = (struct graph_param){ NULL, NULL };
      items[i].path = paths[i];
      items[i].params = params[i];
    }
    rc = graph_batch(x->c->graph, items, n, x->c->cancel, &st, &e);
    x->requests += st.requests;
    x->batches += st.batches;
    x->c->graph_calls += st.requests;
    if ((usage = graph_usage_json(&st.usage)) != NULL) {
      json_decref(x->c->usage);
      x->c->usage = usage;
    }
    if (rc != 0) {
      graph_batch_items_clear(items, n);
      if (rc == ERR_CANCELLED)
        return 1;
      return result_errorf(x->r, rc == ERR_GRAPH ? "graph_error"
                                                 : "network_error",
                           "Pulling older messages failed after %ld "
                           "conversations: %s Run the sync again to resume.",
                           x->updated, e.msg);
    }
    for (i = 0; i < n; i++) {
      int keep = 0;
      if (rc == 0)
        rc = pend_answer(x, &x->pend[i], &items[i], &keep);
      if (rc == 0 && keep)
        x->pend[kept++] = x->pend[i];
      else
        pend_free(&x->pend[i]);
    }
    graph_batch_items_clear(items, n);
    memmove(x->pend + kept, x->pend + n, (x->npend - n) * sizeof(*x->pend));
    x->npend = kept + (x->npend - n);
    if (rc != 0)
      return -1;
    progress(x);
  }
  return 0;
}

/* The other party of a conversation: the participant that is not us. */
static const char *
other_party(const struct run *x, const json_t *conv)
{
  const json_t *u;
  size_t i;

  json_array_foreach(json_object_get(json_object_get(conv, "participants"),
                                     "data"), i, u) {
    const char *id = str(u, "id");
    if (id == NULL || strcmp(id, x->acct) == 0 ||
        (x->c->acct->user_id != NULL &&
         strcmp(id, x->c->acct->user_id) == 0) ||
        (x->c->acct->page_id != NULL && strcmp(id, x->c->acct->page_id) == 0))
      continue;
    return id;
  }
  return NULL;
}

/* One conversation of a listing page.  *stop is set when the listing can
 * end here (older than since). */
static int
one_conversation(struct run *x, const json_t *conv, int *stop)
{
  const char *id = str(conv, "id"), *user, *after;
  const json_t *msgs = json_object_get(conv, "messages");
  int64_t upd = time_ms(str(conv, "updated_time")), stored = 0;
  struct err e = { 0 };
  char key[300];

  if (id == NULL)
    return 0;
  if (x->o->since_ms > 0 && upd < x->o->since_ms) {
    *stop = 1;
    return 0;
  }
  x->seen++;
  snprintf(key, sizeof(key), "conv:%s", id);
  if (store_sync_get(x->c->store, x->acct, key, NULL, &stored, &e) < 0)
    return store_failed(x, &e);
  if (!x->o->full && stored > 0 && stored >= upd) {
    x->unchanged++;
    return 0;
  }
  if ((user = other_party(x, conv)) == NULL) {
    note_error(x, id, 0, "no participant other than the account");
    return 0;
  }
  x->pulled++;
  if (put_page(x, id, user, upd, json_object_get(msgs, "data")) < 0)
    return -1;
  if (need_more(x, msgs, stored) && (after = next_cursor(msgs)) != NULL) {
    pend_add(x, id, user, after, upd, stored);
    return 0;
  }
  return finish(x, id, user, upd);
}

/* Lists one page from cursor (NULL: the first).  Sets *next (new string or
 * NULL at the end), *stop, *consumed (every conversation handled). */
static int
list_page(struct run *x, const char *cursor, char **next, int *stop,
          int *consumed)
{
  struct graph_param p[6];
  char fields[200], limit[16], path[300];
  const struct account *a = x->c->acct;
  json_t *body = NULL, *conv;
  size_t n = 0, i;
  int rc = 0;

  *next = NULL;
  *consumed = 0;
  if (a->login == GRAPH_LOGIN_FACEBOOK)
    snprintf(path, sizeof(path), "%s/conversations",
             a->page_id != NULL ? a->page_id : "me");
  else
    snprintf(path, sizeof(path), "%s/conversations",
             a->user_id != NULL ? a->user_id : "me");
  snprintf(fields, sizeof(fields), "id,updated_time,participants,"
           "messages.limit(%d){" MSG_FIELDS "}", SYNC_INLINE_MESSAGES);
  snprintf(limit, sizeof(limit), "%d", SYNC_PAGE_SIZE);
  p[n++] = (struct graph_param){ "platform", "instagram" };
  p[n++] = (struct graph_param){ "fields", fields };
  p[n++] = (struct graph_param){ "limit", limit };
  if (x->o->folder != NULL)
    p[n++] = (struct graph_param){ "folder", x->o->folder };
  if (cursor != NULL)
    p[n++] = (struct graph_param){ "after", cursor };
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(x->c, x->r, "GET", path, p, NULL, 1, &body) != 0)
    return -1;
  x->requests++;
  x->pages++;
  json_array_foreach(json_object_get(body, "data"), i, conv) {
    if (x->o->max > 0 && x->pulled >= x->o->max)
      break;
    rc = one_conversation(x, conv, stop);
    if (rc != 0 || *stop)
      break;
  }
  *consumed = rc == 0 && i == json_array_size(json_object_get(body, "data"));
  if (rc == 0 && !*stop && next_cursor(body) != NULL)
    *next = xstrdup(next_cursor(body));
  json_decref(body);
  if (rc == 0)
    progress(x);
  return rc;
}

static json_t *
summary(const struct run *x, int done, int cancelled, const char *cursor)
{
  json_t *o = json_pack(
      "{s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}",
      "account_id", x->acct, "folder", x->folder, "full", x->o->full,
      "conversations_seen", (json_int_t)x->seen,
      "conversations_updated", (json_int_t)x->updated,
      "conversations_unchanged", (json_int_t)x->unchanged,
      "messages_new", (json_int_t)x->msgs_new,
      "messages_refreshed", (json_int_t)x->msgs_refreshed,
      "graph_requests", (json_int_t)x->requests,
      "batches", (json_int_t)x->batches,
      "pages", (json_int_t)x->pages,
      "failed", (json_int_t)x->failed, "done", done);

  if (cursor != NULL)
    json_object_set_new(o, "cursor", json_string(cursor));
  if (cancelled)
    json_object_set_new(o, "cancelled", json_true());
  if (json_array_size(x->errors) > 0)
    json_object_set(o, "errors", x->errors);
  return o;
}

/* Saves where the next run continues (NULL: at the top). */
static int
save_cursor(struct run *x, const char *cursor)
{
  struct err e = { 0 };

  if (store_sync_put(x->c->store, x->acct, x->k_cursor, cursor,
                     cursor != NULL ? 1 : 0, &e) != 0)
    return store_failed(x, &e);
  return 0;
}

/* The cursor an interrupted run left (after restart: none). */
static int
load_cursor(struct run *x, char **cursor)
{
  struct err e = { 0 };

  *cursor = NULL;
  if (x->o->restart)
    return save_cursor(x, NULL);
  if (store_sync_get(x->c->store, x->acct, x->k_cursor, cursor, NULL,
                     &e) < 0)
    return store_failed(x, &e);
  return 0;
}

/* One sync at a time per process: two would race on sync_state and pull
 * the same conversations twice. */
static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;

static int run_locked(struct call *c, struct result *r,
                      const struct sync_opts *o);

int
inbox_sync_run(struct call *c, struct result *r, const struct sync_opts *o)
{
  int rc;

  if (pthread_mutex_trylock(&sync_mu) != 0)
    return result_errorf(r, "busy", "Another inbox sync is running in this "
                         "server. Wait for it to finish, then call again; "
                         "it continues where the other stopped.");
  rc = run_locked(c, r, o);
  pthread_mutex_unlock(&sync_mu);
  return rc;
}

static int
run_locked(struct call *c, struct result *r, const struct sync_opts *o)
{
  struct run x;
  char *cursor = NULL, *next = NULL, *safe = NULL;
  int rc = -1, stop = 0, done = 0, cancelled = 0, consumed;

  memset(&x, 0, sizeof(x));
  x.c = c;
  x.r = r;
  x.o = o;
  x.folder = o->folder != NULL ? o->folder : "inbox";
  if (c->store == NULL)
    return result_errorf(r, "not_configured",
                         "igmcp runs without the inbox store (--db off), so "
                         "there is nowhere to sync to. Start it with --db "
                         "PATH or IGMCP_DB.");
  if (c->graph == NULL)
    return result_errorf(r, "not_configured",
                         "No Instagram account is configured. Set "
                         "IG_ACCESS_TOKEN, or start igmcp with --sandbox.");
  if (account_store_id(c, r, x.acct, sizeof(x.acct)) != 0)
    return -1;
  snprintf(x.k_cursor, sizeof(x.k_cursor), "cursor:%s", x.folder);
  x.errors = json_array();
  if (load_cursor(&x, &cursor) != 0)
    goto out;
  /* safe: where the next run may start, a point with nothing pending. */
  safe = cursor != NULL ? xstrdup(cursor) : NULL;
  for (;;) {
    int final;
    if (call_cancelled(c)) {
      cancelled = 1;
      break;
    }
    if (o->max > 0 && x.pulled >= o->max) {
      /* The page at cursor is where the next run starts. */
      if ((rc = pull_pending(&x, 1)) < 0)
        goto out;
      cancelled = rc > 0;
      if (!cancelled) {
        free(safe);
        safe = cursor != NULL ? xstrdup(cursor) : NULL;
      }
      break;
    }
    if (list_page(&x, cursor, &next, &stop, &consumed) != 0) {
      rc = -1;
      goto out;
    }
    final = stop || next == NULL || !consumed;
    if ((rc = pull_pending(&x, final)) < 0)
      goto out;
    if (rc > 0) {
      cancelled = 1;
      break;
    }
    if (!consumed && !stop) {
      /* Stopped by max within this page: it is listed again next time. */
      free(safe);
      safe = cursor != NULL ? xstrdup(cursor) : NULL;
      break;
    }
    free(cursor);
    cursor = next;
    next = NULL;
    if (stop || cursor == NULL) {
      done = 1;
      break;
    }
    /* A crash from here on resumes at the last page with nothing
     * pending. */
    if (x.npend == 0) {
      free(safe);
      safe = xstrdup(cursor);
      if (save_cursor(&x, safe) != 0) {
        rc = -1;
        goto out;
      }
    }
  }
  /* Conversations whose older pages were cut short stay unfinished; the
   * next run, starting at safe, pulls them again. */
  for (size_t i = 0; i < x.npend; i++)
    pend_free(&x.pend[i]);
  x.npend = 0;
  if (save_cursor(&x, done ? NULL : safe) != 0) {
    rc = -1;
    goto out;
  }
  rc = result_ok(r, summary(&x, done, cancelled, done ? NULL : safe));
out:
  free(safe);
  for (size_t i = 0; i < x.npend; i++)
    pend_free(&x.pend[i]);
  free(x.pend);
  free(cursor);
  free(next);
  json_decref(x.errors);
  return rc;
}
