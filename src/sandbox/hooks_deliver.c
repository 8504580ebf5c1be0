/* SPDX-License-Identifier: MIT */
/*
 * hooks_deliver.c: the queue of webhook events and the thread that POSTs
 * them.
 *
 * hooks_emit appends an event; the thread wakes, waits batch_ms for more,
 * takes up to HOOKS_BATCH_MAX events and sends them as one body (one
 * entry per event, Meta's shape), signed with HMAC-SHA256 of the exact
 * bytes.  A failed attempt (transport error, timeout or a status outside
 * 2xx) is retried at once, then after retry_base_ms doubling up to
 * retry_cap_ms, until max_attempts; then the batch is marked failed and
 * dropped, as Meta drops after its retry period.  Each batch has a row in
 * the delivery log, updated in place.
 *
 * Locking: h->mu guards everything here; the thread drops it for the
 * HTTP exchange and waits on h->cv, which hooks_free signals, so stopping
 * interrupts a backoff at once and an exchange within about a second (the
 * transfer callback, which libcurl calls at least once a second, checks
 * h->stop).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/log.h"
#include "../base/xalloc.h"
#include "sbx.h"

void
hooks_init(struct sbx_hooks *h)
{
  memset(h, 0, sizeof(*h));
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  h->max_attempts = 8;
  h->retry_base_ms = 1000;
  h->retry_cap_ms = 60000;
  h->timeout_ms = 5000;
  h->batch_ms = 20;
}

int
hooks_url_ok(const char *url)
{
  static const char *const ok[] = { "http://127.0.0.1", "http://localhost",
                                    "http://[::1]", NULL };

  if (url == NULL || strlen(url) > 2000)
    return 0;
  for (size_t i = 0; ok[i] != NULL; i++) {
    size_t n = strlen(ok[i]);
    if (strncasecmp(url, ok[i], n) == 0 &&
        (url[n] == ':' || url[n] == '/' || url[n] == '\0'))
      return 1;
  }
  return 0;
}

static void
free_events(struct hook_event *e)
{
  while (e != NULL) {
    struct hook_event *next = e->next;
    json_decref(e->item);
    free(e);
    e = next;
  }
}

/* A new row of the delivery log (h->mu held); returns a borrowed ref. */
static json_t *
log_row(struct sbx_hooks *h, size_t nevents, json_t *fields, size_t bytes)
{
  json_t *row = json_pack("{s:I,s:I,s:I,s:o,s:I,s:i,s:i,s:s,s:n}",
                          "id", (json_int_t)++h->seq,
                          "created_ms", (json_int_t)clock_wall_ms(),
                          "events", (json_int_t)nevents,
                          "fields", fields, "bytes", (json_int_t)bytes,
                          "attempts", 0, "status", 0, "state", "pending",
                          "error");

  json_decref(h->log[h->log_next]);
  h->log[h->log_next] = row;
  h->log_next = (h->log_next + 1) % HOOKS_LOG_MAX;
  if (h->log_count < HOOKS_LOG_MAX)
    h->log_count++;
  return row;
}

/* One entry of the body: {id, time, messaging:[item]} or
 * {id, time, changes:[{field, value}]}.  Change deliveries carry seconds
 * in entry.time, messaging ones milliseconds, as Meta's samples do. */
static json_t *
entry_of(const struct hook_event *e)
{
  if (e->is_change)
    return json_pack("{s:s,s:I,s:[{s:s,s:O}]}", "id", SANDBOX_IG_USER_ID,
                     "time", (json_int_t)(e->time_ms / 1000), "changes",
                     "field", hooks_field_name(e->field), "value", e->item);
  return json_pack("{s:s,s:I,s:[O]}", "id", SANDBOX_IG_USER_ID, "time",
                   (json_int_t)e->time_ms, "messaging", e->item);
}

static int
xfer_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
        curl_off_t un)
{
  struct sbx_hooks *h = arg;

  (void)dt, (void)dn, (void)ut, (void)un;
  return __atomic_load_n(&h->stop, __ATOMIC_ACQUIRE) ? 1 : 0;
}

static size_t
discard(char *p, size_t sz, size_t n, void *ud)
{
  (void)p, (void)ud;
  return sz * n;
}

/* One POST.  Returns the HTTP status, or 0 with err filled. */
static long
post_once(struct sbx_hooks *h, const char *url, const char *secret,
          const char *body, size_t len, long timeout_ms, char *err,
          size_t errlen)
{
  CURL *c = curl_easy_init();
  struct curl_slist *hl = NULL;
  char sig[65], line[96], ebuf[CURL_ERROR_SIZE] = "";
  long status = 0;
  CURLcode rc;

  if (c == NULL) {
    snprintf(err, errlen, "curl_easy_init failed");
    return 0;
  }
  crypto_hmac_sha256_hex(secret, strlen(secret), body, len, sig);
  snprintf(line, sizeof(line), "X-Hub-Signature-256: sha256=%s", sig);
  hl = curl_slist_append(hl, "Content-Type: application/json");
  hl = curl_slist_append(hl, line);
  hl = curl_slist_append(hl, "User-Agent: facebookexternalua");
  hl = curl_slist_append(hl, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer_cb);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP);
#endif
  rc = curl_easy_perform(c);
  if (rc == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  else
    snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return status;
}

/* Waits ms on h->cv unless stopping (h->mu held).  Returns h->stop. */
static int
wait_ms(struct sbx_hooks *h, long ms)
{
  struct timespec dl = clock_deadline(ms);

  while (!h->stop && pthread_cond_timedwait(&h->cv, &h->mu, &dl) == 0)
    ;
  return h->stop;
}

/* Takes up to HOOKS_BATCH_MAX queued events (h->mu held). */
static struct hook_event *
take_batch(struct sbx_hooks *h, size_t *n)
{
  struct hook_event *first = h->head, *last = NULL, *e = h->head;

  *n = 0;
  while (e != NULL && *n < HOOKS_BATCH_MAX) {
    last = e;
    e = e->next;
    (*n)++;
  }
  if (last != NULL)
    last->next = NULL;
  h->head = e;
  if (e == NULL)
    h->tail = NULL;
  h->queued -= *n;
  return first;
}

/* Sends one batch with retries (h->mu held on entry and exit). */
static void
deliver(struct sbx_hooks *h, struct hook_event *batch, size_t n)
{
  json_t *entries = json_array(), *fields = json_array(), *row;
  char *body, *url = xstrdup(h->callback_url), *secret = xstrdup(h->secret);
  long attempt = 0, wait = h->retry_base_ms;
  size_t len;

  for (struct hook_event *e = batch; e != NULL; e = e->next) {
    json_t *name = json_string(hooks_field_name(e->field));
    size_t i;
    json_t *v;
    int seen = 0;
    json_array_foreach(fields, i, v)
      seen |= json_equal(v, name);
    if (!seen)
      json_array_append(fields, name);
    json_decref(name);
    json_array_append_new(entries, entry_of(e));
  }
  {
    json_t *doc = json_pack("{s:s,s:o}", "object", "instagram", "entry",
                            entries);
    /* Meta escapes non-ASCII and slashes; the signature covers these
     * exact bytes. */
    body = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII |
                               JSON_ESCAPE_SLASH);
    json_decref(doc);
  }
  len = strlen(body);
  row = json_incref(log_row(h, n, fields, len));
  while (!h->stop) {
    long timeout = h->timeout_ms, status;
    char err[CURL_ERROR_SIZE + 32] = "";
    attempt++;
    json_object_set_new(row, "state", json_string("sending"));
    pthread_mutex_unlock(&h->mu);
    status = post_once(h, url, secret, body, len, timeout, err, sizeof(err));
    pthread_mutex_lock(&h->mu);
    json_object_set_new(row, "attempts", json_integer(attempt));
    json_object_set_new(row, "status", json_integer(status));
    json_object_set_new(row, "error", err[0] ? json_string(err)
                        : status >= 200 && status < 300 ? json_null()
                        : json_sprintf("HTTP %ld", status));
    json_object_set_new(row, "last_attempt_ms",
                        json_integer(clock_wall_ms()));
    if (status >= 200 && status < 300) {
      json_object_set_new(row, "state", json_string("delivered"));
      break;
    }
    if (attempt >= h->max_attempts || h->stop) {
      json_object_set_new(row, "state", json_string("failed"));
      log_warnx("sandbox: webhook delivery %" JSON_INTEGER_FORMAT
                " failed after %ld attempts",
                json_integer_value(json_object_get(row, "id")), attempt);
      break;
    }
    json_object_set_new(row, "state", json_string("retrying"));
    if (attempt == 1)
      continue; /* Meta retries once at once, then backs off */
    json_object_set_new(row, "next_attempt_ms",
                        json_integer(clock_wall_ms() + wait));
    if (wait_ms(h, wait)) {
      json_object_set_new(row, "state", json_string("failed"));
      break;
    }
    wait = wait * 2 > h->retry_cap_ms ? h->retry_cap_ms : wait * 2;
  }
  json_object_del(row, "next_attempt_ms");
  json_decref(row);
  free(body);
  free(url);
  free(secret);
  free_events(batch);
}

static void *
thread_main(void *arg)
{
  struct sbx_hooks *h = arg;

  pthread_mutex_lock(&h->mu);
  while (!h->stop) {
    struct hook_event *batch;
    size_t n;
    if (h->head == NULL) {
      pthread_cond_wait(&h->cv, &h->mu);
      continue;
    }
    h->busy = 1;
    if (wait_ms(h, h->batch_ms))
      break;
    batch = take_batch(h, &n);
    if (h->callback_url == NULL || h->secret == NULL)
      free_events(batch);
    else
      deliver(h, batch, n);
    h->busy = 0;
    pthread_cond_broadcast(&h->cv);
  }
  h->busy = 0;
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

int
hooks_configure(struct sbx_hooks *h, const char *url, const char *secret)
{
  int rc = 0;

  if (url != NULL && !hooks_url_ok(url))
    return -1;
  pthread_mutex_lock(&h->mu);
  free(h->callback_url);
  h->callback_url = url != NULL ? xstrdup(url) : NULL;
  if (secret != NULL) {
    free(h->secret);
    h->secret = xstrdup(secret);
  }
  if (url != NULL && !h->started && !h->stop) {
    if (pthread_create(&h->thread, NULL, thread_main, h) == 0)
      h->started = 1;
    else
      rc = -1;
  }
  pthread_mutex_unlock(&h->mu);
  return rc;
}

void
hooks_emit(struct sbx_hooks *h, enum hook_field f, int is_change,
           int64_t time_ms, json_t *item)
{
  struct hook_event *e;

  pthread_mutex_lock(&h->mu);
  if (h->callback_url == NULL || h->secret == NULL || !h->started ||
      !hooks_wanted(h, f) || h->queued >= HOOKS_QUEUE_MAX) {
    if (h->callback_url != NULL && h->queued >= HOOKS_QUEUE_MAX)
      h->dropped++;
    pthread_mutex_unlock(&h->mu);
    json_decref(item);
    return;
  }
  e = xcalloc(1, sizeof(*e));
  e->field = f;
  e->is_change = is_change;
  e->time_ms = time_ms;
  e->item = item;
  if (h->tail != NULL)
    h->tail->next = e;
  else
    h->head = e;
  h->tail = e;
  h->queued++;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

int
hooks_flush(struct sbx_hooks *h, long timeout_ms)
{
  int64_t end = clock_mono_ms() + timeout_ms;
  int idle;

  pthread_mutex_lock(&h->mu);
  while (!(idle = h->head == NULL && !h->busy) && !h->stop &&
         clock_mono_ms() < end) {
    struct timespec dl = clock_deadline(10);
    pthread_cond_timedwait(&h->cv, &h->mu, &dl);
  }
  pthread_mutex_unlock(&h->mu);
  return idle ? 0 : -1;
}

json_t *
hooks_state(struct sbx_hooks *h)
{
  json_t *log = json_array(), *o, *app = json_null();

  pthread_mutex_lock(&h->mu);
  for (size_t i = h->log_count; i > 0; i--) {
    size_t slot = (h->log_next + HOOKS_LOG_MAX - i) % HOOKS_LOG_MAX;
    json_array_append_new(log, json_deep_copy(h->log[slot]));
  }
  if (h->app_fields_set) {
    app = json_array();
    for (int f = 0; f < HF_COUNT; f++)
      if (h->app_fields & HF_BIT(f))
        json_array_append_new(app, json_string(hooks_field_name(f)));
  }
  o = json_pack("{s:o,s:b,s:b,s:o,s:O?,s:O?,s:I,s:I,s:I,s:I,s:I,s:I,"
                "s:I,s:o}",
                "callback_url", h->callback_url != NULL
                                  ? json_string(h->callback_url)
                                  : json_null(),
                "app_secret_set", h->secret != NULL,
                "verify_token_set", h->verify_token != NULL,
                "app_fields", app,
                "ig_subscribed_fields", h->ig_names,
                "page_subscribed_fields", h->page_names,
                "max_attempts", (json_int_t)h->max_attempts,
                "retry_base_ms", (json_int_t)h->retry_base_ms,
                "retry_cap_ms", (json_int_t)h->retry_cap_ms,
                "timeout_ms", (json_int_t)h->timeout_ms,
                "batch_ms", (json_int_t)h->batch_ms,
                "queued", (json_int_t)h->queued,
                "dropped", (json_int_t)h->dropped,
                "deliveries", log);
  pthread_mutex_unlock(&h->mu);
  return o;
}

void
hooks_free(struct sbx_hooks *h)
{
  pthread_mutex_lock(&h->mu);
  __atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  if (h->started)
    pthread_join(h->thread, NULL);
  free_events(h->head);
  h->head = h->tail = NULL;
  for (size_t i = 0; i < HOOKS_LOG_MAX; i++)
    json_decref(h->log[i]);
  json_decref(h->ig_names);
  json_decref(h->page_names);
  free(h->callback_url);
  free(h->secret);
  free(h->verify_token);
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
}

/* The public setter (sandbox.h). */
int
sandbox_webhooks_set(struct sandbox *s, const char *url, const char *secret)
{
  return hooks_configure(&s->hooks, url, secret);
}
