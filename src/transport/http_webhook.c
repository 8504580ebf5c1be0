/* SPDX-License-Identifier: MIT */
/*
 * http_webhook.c: Meta's webhook endpoint, /webhook, on the HTTP server.
 * GET answers the subscription handshake; POST checks the signature,
 * parses the delivery and stores it, and answers 200 only once the store
 * has committed it (docs/internals/webhook-receiver.md).
 *
 * A POST is worked on off the daemon thread: the access handler hands the
 * body to a struct wh_job, suspends the connection and queues the job on
 * the receiver's own small pool (h->wh_pool), so an fsync of a large
 * delivery never stalls MCP traffic, and MCP calls never delay a delivery.
 * The worker checks the signature and parses, then queues the delivery
 * for a group commit: the worker that finds no commit running becomes the
 * committer and stores everything queued at that moment (up to
 * WH_BATCH_MAX deliveries) in one transaction with store_ingest_many,
 * again until the queue is empty; the other worker meanwhile checks the
 * next deliveries and queues them.  Every delivery of a batch is answered
 * only after the shared COMMIT.  The committer fills in each answer and
 * resumes each connection; the access handler, called again, sends it.
 * Job state (done, suspended, orphan) and the queue are guarded by h->mu,
 * as streams are (http_int.h).
 *
 * Ownership: the job belongs to the connection's struct conn until it is
 * done.  If the connection completes first (the client went away), the
 * job is marked orphan and the worker frees it when it finishes.
 */
#include "transport/http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/pool.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/watch.h"
#include "webhook/webhook.h"

/* Unknown events logged one by one per delivery; the rest are counted. */
#define WH_LOG_UNKNOWN 5

/* Deliveries stored by one group commit at most. */
#define WH_BATCH_MAX 64

struct wh_job {
  struct http_server *h;
  struct MHD_Connection *conn;
  struct buf body;   /* the raw delivery, moved from struct conn */
  char *sig;         /* a copy of X-Hub-Signature-256, or NULL */
  unsigned status;   /* the answer, once done */
  char *answer;      /* its JSON body */
  int done;          /* answered; the worker no longer touches the job */
  int suspended;     /* we suspended conn and must resume it */
  int orphan;        /* the connection completed first: the worker frees */
  json_t *events;    /* parsed, waiting for the commit */
  int unparsed;      /* signed but unreadable: kept raw, no events */
  int64_t t0;        /* when the worker took it */
  struct wh_job *next; /* the next in h->wh_queue */
};

/* ---- answers -------------------------------------------------------- */

/* A small JSON body {"error": msg}; msg is ours, never client text. */
static char *
error_body(const char *msg)
{
  json_t *o = json_pack("{s:s}", "error", msg);
  char *s = json_dumps(o, JSON_COMPACT);

  json_decref(o);
  return s;
}

static enum MHD_Result
send_json(struct MHD_Connection *c, unsigned status, const char *body)
{
  return http_send_resp(c, status, http_resp_text(body, "application/json"));
}

static enum MHD_Result
send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
  char *body = error_body(msg);
  enum MHD_Result ret = send_json(c, status, body);

  free(body);
  return ret;
}

/* ---- GET: the handshake --------------------------------------------- */

static enum MHD_Result
handle_verify(struct http_server *h, struct MHD_Connection *c)
{
  const char *mode = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                 "hub.mode");
  const char *tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                "hub.verify_token");
  const char *chal = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                 "hub.challenge");
  const char *out = NULL;
  int status = webhook_verify(mode, tok, chal, h->cfg.verify_token, &out);

  if (status == 200) {
    log_info("webhook: subscription verified");
    return http_send_resp(c, 200, http_resp_text(out, "text/plain"));
  }
  if (status == 403) {
    /* Never the tokens themselves: only whether one is configured. */
    if (h->cfg.verify_token == NULL || h->cfg.verify_token[0] == '\0')
      log_warnx("webhook: verification refused: IG_WEBHOOK_VERIFY_TOKEN "
                "is not set");
    else
      log_warnx("webhook: verification refused: wrong hub.verify_token");
    return http_send_resp(c, 403, http_resp_text("Forbidden\n",
                                                  "text/plain"));
  }
  return http_send_resp(c, 400, http_resp_text(
      "Bad Request: hub.mode=subscribe, hub.verify_token and "
      "hub.challenge are required\n", "text/plain"));
}

/* ---- POST: the delivery (worker thread) ----------------------------- */

/* Copies text that came with a delivery (a change field, a parse error
 * quoting the body) into out for a log line, control bytes as '?', so a
 * delivery cannot forge log lines. */
static const char *
loggable(const char *s, char *out, size_t n)
{
  size_t i = 0;

  for (; s != NULL && s[i] != '\0' && i + 1 < n; i++)
    out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  out[i] = '\0';
  return out;
}

/* Logs the unknown events of a delivery: the first few with the parser's
 * reason (ours) and the change field (an identifier Meta sent). */
static void
log_unknown(json_t *events)
{
  size_t i, n = 0;
  json_t *ev;

  json_array_foreach(events, i, ev) {
    const char *kind = json_string_value(json_object_get(ev, "kind"));
    const char *reason, *field;
    char rbuf[121], fbuf[65];
    if (kind == NULL || strcmp(kind, "unknown") != 0)
      continue;
    if (n++ >= WH_LOG_UNKNOWN)
      continue;
    reason = json_string_value(json_object_get(ev, "reason"));
    field = json_string_value(json_object_get(ev, "field"));
    log_warnx("webhook: kept an event of unknown kind (%s%s%s)",
              reason != NULL ? loggable(reason, rbuf, sizeof(rbuf))
                             : "no reason",
              field != NULL ? ", field " : "",
              loggable(field, fbuf, sizeof(fbuf)));
  }
  if (n > WH_LOG_UNKNOWN)
    log_warnx("webhook: %zu more events of unknown kind kept",
              n - WH_LOG_UNKNOWN);
}

/* One notice per conversation (account, user) the delivery touched, after
 * the COMMIT.  Unknown events name no conversation. */
static void
publish(json_t *events)
{
  json_t *seen = json_object();
  size_t i;
  json_t *ev;

  json_array_foreach(events, i, ev) {
    const char *acct = json_string_value(json_object_get(ev, "account_id"));
    const char *user = json_string_value(json_object_get(ev, "user_id"));
    const char *kind = json_string_value(json_object_get(ev, "kind"));
    char *key;
    if (acct == NULL || user == NULL || kind == NULL ||
        strcmp(kind, "unknown") == 0)
      continue;
    key = xasprintf("%s\n%s", acct, user);
    if (json_object_get(seen, key) == NULL) {
      json_object_set_new(seen, key, json_true());
      store_watch_publish(acct, user, kind);
    }
    free(key);
  }
  json_decref(seen);
}

/* Checks the signature and parses; 0 when the delivery is to be stored
 * (j->events set), -1 when it is answered already (401). */
static int
check(struct wh_job *j)
{
  const char *secret = j->h->cfg.app_secret;
  struct err e = { 0 };

  j->t0 = clock_mono_ms();
  if (!webhook_signature_ok(j->sig, j->body.data, j->body.len, secret,
                            strlen(secret))) {
    log_warnx("webhook: refused a delivery of %zu bytes: wrong "
              "X-Hub-Signature-256", j->body.len);
    j->status = 401;
    j->answer = error_body("missing or invalid X-Hub-Signature-256");
    return -1;
  }
  j->events = webhook_parse(j->body.data != NULL ? j->body.data : "",
                            j->body.len, &e);
  if (j->events == NULL) {
    char why[sizeof(e.msg)];
    /* Signed by Meta but unreadable: keep the raw body and acknowledge,
     * or Meta would re-send it for days. */
    log_warnx("webhook: kept a signed delivery of %zu bytes that does not "
              "parse: %s", j->body.len, loggable(e.msg, why, sizeof(why)));
    j->events = json_array();
    j->unparsed = 1;
  }
  return 0;
}

/* Sets the answer of a delivery the store has committed (rc 0) or
 * refused, logs and publishes; after the COMMIT. */
static void
stored(struct wh_job *j, int rc, const struct store_result *res,
       const struct err *e)
{
  if (rc != 0) {
    char why[sizeof(e->msg)];
    /* Nothing stored: Meta will re-send. */
    log_errorx("webhook: cannot store a delivery of %zu bytes: %s",
               j->body.len, loggable(e->msg, why, sizeof(why)));
    j->status = 500;
    j->answer = error_body("the delivery could not be stored; retry");
  } else {
    j->status = 200;
    j->answer = xasprintf("{\"received\":%d,\"applied\":%d,"
                          "\"duplicates\":%d}", res->received, res->applied,
                          res->duplicates);
    if (!j->unparsed)
      log_unknown(j->events);
    log_debug("webhook: %d events (%d new, %d duplicates%s) stored in "
              "%lld ms", res->received, res->applied, res->duplicates,
              res->body_duplicate ? ", body seen before" : "",
              (long long)(clock_mono_ms() - j->t0));
    if (res->applied > 0)
      publish(j->events);
  }
  json_decref(j->events);
  j->events = NULL;
}

static void
job_free(struct wh_job *j)
{
  buf_free(&j->body);
  free(j->sig);
  free(j->answer);
  json_decref(j->events);
  free(j);
}

/* Hands the answer back to the connection (or frees an orphan). */
static void
job_done(struct wh_job *j)
{
  struct http_server *h = j->h;
  int orphan;

  pthread_mutex_lock(&h->mu);
  j->done = 1;
  if (j->suspended) {
    j->suspended = 0;
    MHD_resume_connection(j->conn);
  }
  orphan = j->orphan;
  h->wh_running--;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  if (orphan)
    job_free(j);
}

/* The committer: stores what is queued, WH_BATCH_MAX at a time, in one
 * transaction per batch (store_ingest_many falls back to one delivery per
 * transaction when the batch fails), until the queue is empty. */
static void
commit_queued(struct http_server *h)
{
  struct wh_job **batch = xcalloc(WH_BATCH_MAX, sizeof(*batch));
  struct store_batch_item *items = xcalloc(WH_BATCH_MAX, sizeof(*items));
  size_t i, n;

  for (;;) {
    pthread_mutex_lock(&h->mu);
    for (n = 0; n < WH_BATCH_MAX && h->wh_queue != NULL; n++) {
      batch[n] = h->wh_queue;
      h->wh_queue = batch[n]->next;
      batch[n]->next = NULL;
    }
    if (h->wh_queue == NULL)
      h->wh_qlast = NULL;
    if (n == 0)
      h->wh_committing = 0;
    pthread_mutex_unlock(&h->mu);
    if (n == 0)
      break;
    memset(items, 0, WH_BATCH_MAX * sizeof(*items));
    for (i = 0; i < n; i++) {
      items[i].raw = batch[i]->body.data;
      items[i].len = batch[i]->body.len;
      items[i].events = batch[i]->events;
    }
    store_ingest_many(h->cfg.store, items, n, NULL);
    for (i = 0; i < n; i++) {
      stored(batch[i], items[i].rc, &items[i].res, &items[i].err);
      job_done(batch[i]);
    }
  }
  free(items);
  free(batch);
}

/* The pool task: check, then queue for the group commit, and commit the
 * queue when no other worker is doing so. */
static void
job_run(void *arg)
{
  struct wh_job *j = arg;
  struct http_server *h = j->h;
  int lead = 0;

  if (check(j) != 0) {
    job_done(j);
    return;
  }
  pthread_mutex_lock(&h->mu);
  if (h->wh_qlast != NULL)
    h->wh_qlast->next = j;
  else
    h->wh_queue = j;
  h->wh_qlast = j;
  if (!h->wh_committing)
    lead = h->wh_committing = 1;
  pthread_mutex_unlock(&h->mu);
  if (lead)
    commit_queued(h);
}

/* Sends the job's answer once it is done, or suspends the connection
 * until the worker resumes it. */
enum MHD_Result
http_webhook_finish(struct http_server *h, struct MHD_Connection *c,
                    struct conn *cx)
{
  struct wh_job *j = cx->wh;

  pthread_mutex_lock(&h->mu);
  if (!j->done) {
    j->suspended = 1;
    MHD_suspend_connection(c);
    pthread_mutex_unlock(&h->mu);
    return MHD_YES;
  }
  pthread_mutex_unlock(&h->mu);
  return send_json(c, j->status, j->answer);
}

static enum MHD_Result
handle_delivery(struct http_server *h, struct MHD_Connection *c,
                struct conn *cx)
{
  const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "X-Hub-Signature-256");
  struct wh_job *j;

  if (h->cfg.app_secret == NULL || h->cfg.app_secret[0] == '\0') {
    log_warnx("webhook: refused a delivery: IG_APP_SECRET is not set, so "
              "signatures cannot be checked");
    return send_error(c, 503, "the receiver has no app secret configured");
  }
  /* Unsigned: its body was not even kept (on_request). */
  if (sig == NULL) {
    log_warnx("webhook: refused a delivery without X-Hub-Signature-256");
    return send_error(c, 401, "missing or invalid X-Hub-Signature-256");
  }
  if (cx->too_big) {
    char msg[96];
    snprintf(msg, sizeof(msg), "body larger than %u bytes",
             WEBHOOK_MAX_BODY);
    return send_error(c, 413, msg);
  }
  if (h->cfg.store == NULL)
    return send_error(c, 503, "the inbox store is off (--db off)");
  j = xcalloc(1, sizeof(*j));
  j->h = h;
  j->conn = c;
  j->body = cx->body; /* moved */
  buf_init(&cx->body, 0);
  j->sig = xstrdup(sig);
  pthread_mutex_lock(&h->mu);
  if (h->closing) {
    pthread_mutex_unlock(&h->mu);
    job_free(j);
    return send_error(c, 503, "the server is shutting down");
  }
  h->wh_running++;
  h->wh_conns++;
  pthread_mutex_unlock(&h->mu);
  cx->wh = j;
  pool_submit(h->wh_pool, job_run, j);
  return http_webhook_finish(h, c, cx);
}

/* ---- entry points ----------------------------------------------------- */

enum MHD_Result
http_webhook(struct http_server *h, struct MHD_Connection *c,
             struct conn *cx, const char *method)
{
  if (strcmp(method, "GET") == 0)
    return handle_verify(h, c);
  if (strcmp(method, "POST") == 0)
    return handle_delivery(h, c, cx);
  {
    struct MHD_Response *r = http_resp_text("", NULL);
    if (r != NULL)
      MHD_add_response_header(r, "Allow", "GET, POST");
    return http_send_resp(c, 405, r);
  }
}

void
http_webhook_release(struct http_server *h, struct conn *cx)
{
  struct wh_job *j = cx->wh;
  int done;

  if (j == NULL)
    return;
  cx->wh = NULL;
  pthread_mutex_lock(&h->mu);
  done = j->done;
  if (!done)
    j->orphan = 1;
  h->wh_conns--;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  if (done)
    job_free(j);
}

void
http_webhook_drain(struct http_server *h)
{
  int64_t t0 = clock_mono_ms();
  int waited = 0;

  pthread_mutex_lock(&h->mu);
  while (h->wh_running > 0) {
    struct timespec ts = clock_deadline(50);
    if (!waited && clock_mono_ms() - t0 > 1000) {
      waited = 1;
      log_info("http: waiting for %d webhook deliveries to be stored",
               h->wh_running);
    }
    pthread_cond_timedwait(&h->cv, &h->mu, &ts);
  }
  /* Every delivery is stored; give the answers a moment to leave. */
  t0 = clock_mono_ms();
  while (h->wh_conns > 0 && clock_mono_ms() - t0 < STOP_WAIT_MS) {
    struct timespec ts = clock_deadline(50);
    pthread_cond_timedwait(&h->cv, &h->mu, &ts);
  }
  pthread_mutex_unlock(&h->mu);
}
