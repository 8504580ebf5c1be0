/* SPDX-License-Identifier: MIT */
/*
 * refresh.c: the token refresh thread (refresh.h).
 */
#include "cli/refresh.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "cli/credentials.h"

/* Records a failed attempt: the reason, logged with the account's name. */
static int
failed(struct accounts *a, struct accounts_entry *en, int64_t now,
       const char *prefix, const char *why)
{
  pthread_mutex_lock(&a->mu);
  en->refresh_failed = 1;
  en->last_attempt = now;
  snprintf(en->last_error, sizeof(en->last_error), "%s%.300s", prefix, why);
  log_warnx("refresh: account \"%s\": the token could not be refreshed: %s",
            en->name, en->last_error);
  pthread_mutex_unlock(&a->mu);
  return -1;
}

/* Writes the new token of en to the credentials file: the file is read
 * again (login may have changed it meanwhile) and replaced atomically. */
static int
save_token(struct accounts *a, const struct accounts_entry *en,
           const char *token, int64_t issued, int64_t expires,
           struct err *e)
{
  struct creds c;
  struct cred_account *ca;
  int rc;

  if (a->creds_path == NULL)
    return 0;
  if (creds_load(a->creds_path, &c, e) != 0)
    return -1;
  ca = creds_find(&c, en->name);
  if (ca == NULL && strcmp(en->user_id, "me") != 0)
    ca = creds_find(&c, en->user_id);
  if (ca == NULL) {
    creds_free(&c);
    return err_set(e, ERR_CONFIG, "the account is no longer in %s",
                   a->creds_path);
  }
  free(ca->token);
  ca->token = xstrdup(token);
  ca->token_issued_at = issued;
  ca->token_expires_at = expires;
  rc = creds_save(&c, e);
  creds_free(&c);
  return rc;
}

int
refresh_account(struct accounts *a, struct accounts_entry *en, int64_t now)
{
  struct graph_param p[1] = { { "grant_type", "ig_refresh_token" } };
  struct graph_request req = { 0 };
  struct graph_response resp = { 0 };
  struct err e = { 0 };
  const char *tok;
  json_int_t in;
  char why[600];
  int rc;

  if (en->graph == NULL)
    return failed(a, en, now, "", "no Graph client");
  req.method = "GET";
  req.path = "refresh_access_token";
  req.params = p;
  req.nparams = 1;
  req.retry_safe = 1;
  req.unversioned = 1;
  rc = graph_call(en->graph, &req, &resp, &e);
  if (rc == ERR_GRAPH) {
    snprintf(why, sizeof(why), "Meta answered: %s (code %d%s)",
             resp.error.message, resp.error.code,
             resp.error.code == 190 ? ": the token is invalid or expired; "
                                      "run igmcp login again" : "");
    graph_response_free(&resp);
    return failed(a, en, now, "", why);
  }
  if (rc != 0) {
    graph_response_free(&resp);
    return failed(a, en, now, "Meta could not be reached: ", e.msg);
  }
  tok = json_string_value(json_object_get(resp.body, "access_token"));
  in = json_integer_value(json_object_get(resp.body, "expires_in"));
  if (tok == NULL || tok[0] == '\0') {
    graph_response_free(&resp);
    return failed(a, en, now, "", "Meta's answer had no access_token");
  }
  log_add_secret(tok);
  if (graph_set_token(en->graph, tok, &e) != 0) {
    graph_response_free(&resp);
    return failed(a, en, now, "", e.msg);
  }
  if (save_token(a, en, tok, now, in > 0 ? now + in : 0, &e) != 0) {
    graph_response_free(&resp);
    /* In use already; only the file is behind. */
    return failed(a, en, now, "the new token is in use but could not be "
                  "written to the credentials file: ", e.msg);
  }
  graph_response_free(&resp);
  pthread_mutex_lock(&a->mu);
  en->issued_at = now;
  en->expires_at = in > 0 ? now + in : 0;
  en->refresh_failed = 0;
  en->last_error[0] = '\0';
  en->last_attempt = now;
  pthread_mutex_unlock(&a->mu);
  log_info("refresh: account \"%s\": token refreshed, valid for %lld more "
           "days", en->name, (long long)(in / 86400));
  return 0;
}

int
refresh_check(struct accounts *a, int64_t now)
{
  int n = 0;

  for (size_t i = 0; i < a->n; i++) {
    struct accounts_entry *en = a->v[i];
    int due;
    pthread_mutex_lock(&a->mu);
    /* A failed token is tried again (it may be a passing outage) as long
     * as it is in its window. */
    due = en->refreshable && en->expires_at > 0 &&
          en->expires_at - now <= ACCOUNTS_REFRESH_WINDOW_S &&
          (en->issued_at <= 0 ||
           now - en->issued_at >= ACCOUNTS_REFRESH_MIN_AGE_S);
    pthread_mutex_unlock(&a->mu);
    if (due && refresh_account(a, en, now) == 0)
      n++;
  }
  return n;
}

struct refresher {
  struct accounts *a;
  long check_ms;
  int64_t (*now_ms)(void *);
  void *now_arg;
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop;
};

static int64_t
now_s(const struct refresher *r)
{
  return (r->now_ms != NULL ? r->now_ms(r->now_arg) : clock_wall_ms()) /
         1000;
}

static void *
refresh_main(void *arg)
{
  struct refresher *r = arg;

  pthread_mutex_lock(&r->mu);
  while (!r->stop) {
    struct timespec ts;
    pthread_mutex_unlock(&r->mu);
    refresh_check(r->a, now_s(r));
    pthread_mutex_lock(&r->mu);
    ts = clock_deadline(r->check_ms);
    while (!r->stop &&
           pthread_cond_timedwait(&r->cv, &r->mu, &ts) == 0)
      ;
  }
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

struct refresher *
refresh_start(struct accounts *a, long check_ms, int64_t (*now_ms)(void *),
              void *now_arg)
{
  struct refresher *r;
  int any = 0;

  for (size_t i = 0; a != NULL && i < a->n; i++)
    any |= a->v[i]->refreshable;
  if (!any)
    return NULL;
  r = xcalloc(1, sizeof(*r));
  r->a = a;
  r->check_ms = check_ms > 0 ? check_ms : 3600L * 1000;
  r->now_ms = now_ms;
  r->now_arg = now_arg;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  if (pthread_create(&r->th, NULL, refresh_main, r) != 0) {
    log_warnx("refresh: cannot start the thread; tokens are not refreshed");
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
    return NULL;
  }
  log_info("refresh: checking tokens every %ld s", r->check_ms / 1000);
  return r;
}

void
refresh_stop(struct refresher *r)
{
  if (r == NULL)
    return;
  pthread_mutex_lock(&r->mu);
  r->stop = 1;
  pthread_cond_signal(&r->cv);
  pthread_mutex_unlock(&r->mu);
  pthread_join(r->th, NULL);
  pthread_cond_destroy(&r->cv);
  pthread_mutex_destroy(&r->mu);
  free(r);
}
