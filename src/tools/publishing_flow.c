/* SPDX-License-Identifier: MIT */
/*
 * publishing_flow.c: the two-step publishing flow (see publishing_flow.h).
 *
 * media_publish is a write that Meta gives no idempotency key for, so it
 * is sent with retry_safe 0 and never blindly repeated: after any failure
 * that may have gone through (a timeout, a network error, HTTP 5xx, a
 * transient code) the container is read first, and PUBLISHED means the
 * post exists and the call succeeds.  9007 (media not ready) is not a
 * failure of the post: the flow backs off and polls the container again
 * while max_wait_seconds lasts.
 */
#include "tools/publishing_flow.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"

#define PUBLISH_ATTEMPTS 4
#define SLICE_MS 50

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

int
pub_sleep(struct call *c, struct result *r, long ms)
{
  int64_t end = clock_mono_ms() + ms;

  for (;;) {
    int64_t left = end - clock_mono_ms();
    if (call_cancelled(c))
      return result_errorf(r, "cancelled", "The call was cancelled while "
                           "waiting; nothing more was sent to Instagram.");
    if (left <= 0)
      return 0;
    clock_sleep_ms(left < SLICE_MS ? left : SLICE_MS);
  }
}

int
pub_owner(struct call *c, struct result *r, char *out, size_t len)
{
  struct graph_param p[2] = { { "fields", "instagram_business_account" },
                              { NULL, NULL } };
  const char *uid = c->acct != NULL ? c->acct->user_id : NULL;
  json_t *body = NULL;
  const char *id;

  if (uid != NULL && strcmp(uid, "me") != 0) {
    snprintf(out, len, "%s", uid);
    return 0;
  }
  if (c->acct == NULL || c->acct->login != GRAPH_LOGIN_FACEBOOK) {
    snprintf(out, len, "me");
    return 0;
  }
  if (tool_graph(c, r, "GET", c->acct->page_id ? c->acct->page_id : "me", p,
                 NULL, 1, &body) != 0)
    return -1;
  id = str(json_object_get(body, "instagram_business_account"), "id");
  if (id == NULL) {
    json_decref(body);
    return result_errorf(r, "not_configured",
                         "The Facebook Page has no Instagram professional "
                         "account linked; link one, or set IG_USER_ID.");
  }
  snprintf(out, len, "%s", id);
  json_decref(body);
  return 0;
}

int
pub_create(struct call *c, struct result *r, const char *owner,
           const struct graph_param *params, char *id, size_t len)
{
  char path[128];
  json_t *body = NULL;

  snprintf(path, sizeof(path), "%s/media", owner);
  if (tool_graph(c, r, "POST", path, params, NULL, 0, &body) != 0)
    return -1;
  if (str(body, "id") == NULL) {
    json_decref(body);
    return result_errorf(r, "graph_error",
                         "Meta accepted the container but returned no id.");
  }
  snprintf(id, len, "%s", str(body, "id"));
  json_decref(body);
  return 0;
}

int
pub_status(struct call *c, struct result *r, const char *id, json_t **out)
{
  struct graph_param p[2] = { { "fields", "id,status_code,status" },
                              { NULL, NULL } };

  if (tool_graph(c, r, "GET", id, p, NULL, 1, out) != 0)
    return -1;
  if (str(*out, "status_code") == NULL) {
    json_decref(*out);
    *out = NULL;
    return result_errorf(r, "graph_error",
                         "Meta's answer for container %s had no "
                         "status_code.", id);
  }
  return 0;
}

int
pub_wait_ready(struct call *c, struct result *r, const char *id,
               const struct pub_wait *w)
{
  int64_t t0 = clock_mono_ms();
  long interval = (long)(w->interval_s * 1000);
  char msg[200];

  for (int polls = 1;; polls++) {
    json_t *st = NULL;
    const char *code;
    double waited;
    long left_ms;
    int rc = -1;

    if (pub_status(c, r, id, &st) != 0)
      return -1;
    code = str(st, "status_code");
    waited = (double)(clock_mono_ms() - t0) / 1000.0;
    snprintf(msg, sizeof(msg), "container %s: %s after %.0f s (poll %d)",
             id, code, waited, polls);
    call_progress(c, c->graph_calls + 0.5, 0, msg);
    if (strcmp(code, "FINISHED") == 0)
      rc = 0;
    else if (strcmp(code, "PUBLISHED") == 0)
      rc = 1;
    else if (strcmp(code, "ERROR") == 0)
      result_errorf(r, "container_error",
                    "Container %s failed processing (%s). Nothing was "
                    "published. Check the media against Instagram's specs "
                    "and create a new container; this one cannot be "
                    "published.", id,
                    str(st, "status") ? str(st, "status") : "ERROR");
    else if (strcmp(code, "EXPIRED") == 0)
      result_errorf(r, "container_expired",
                    "Container %s expired: containers must be published "
                    "within 24 hours. Nothing was published; create a new "
                    "container.", id);
    else if (waited >= w->max_wait_s)
      result_errorf(r, "timeout",
                    "Container %s is still %s after %.0f s "
                    "(max_wait_seconds %.0f). Nothing was published; call "
                    "ig_publish_container again later with the same "
                    "creation_id, or with a longer max_wait_seconds.",
                    id, code, waited, w->max_wait_s);
    else
      rc = 2;
    json_decref(st);
    if (rc != 2)
      return rc;
    /* Sleep one interval, or what is left of the wait if that is less. */
    left_ms = (long)((w->max_wait_s - waited) * 1000) + 1;
    if (pub_sleep(c, r, left_ms < interval ? left_ms : interval) != 0)
      return -1;
  }
}

/* Meta's code and subcode from a failed tool_graph result, -1 for errors
 * that are not Meta's (timeouts, network). */
static int
failure_code(const struct result *r, int *subcode, long *http)
{
  const json_t *g = json_object_get(json_object_get(r->structured, "error"),
                                    "graph");

  *subcode = (int)json_integer_value(json_object_get(g, "subcode"));
  *http = (long)json_integer_value(json_object_get(g, "http_status"));
  if (g == NULL)
    return -1;
  return (int)json_integer_value(json_object_get(g, "code"));
}

/* 1 when a media_publish that failed this way may have published. */
static int
maybe_went_through(const struct result *r)
{
  const json_t *e = json_object_get(r->structured, "error");
  const json_t *g = json_object_get(e, "graph");
  const char *kind = str(e, "kind");
  int sub;
  long http;
  int code = failure_code(r, &sub, &http);

  if (kind != NULL && strcmp(kind, "cancelled") == 0)
    return 0;
  if (code < 0)
    return 1;
  return http >= 500 || code == 1 || code == 2 || code == -1 ||
         code == -2 || json_is_true(json_object_get(g, "is_transient"));
}

/* Adds the quota to out; a failure to read it is not the publish's. */
static void
add_quota(struct call *c, const char *owner, json_t *out)
{
  struct graph_param p[2] = { { "fields", "quota_usage,config" },
                              { NULL, NULL } };
  struct result q = { 0 };
  char path[128];
  json_t *body = NULL, *d, *cfg;

  snprintf(path, sizeof(path), "%s/content_publishing_limit", owner);
  if (tool_graph(c, &q, "GET", path, p, NULL, 1, &body) != 0) {
    result_free(&q);
    return;
  }
  d = json_array_get(json_object_get(body, "data"), 0);
  cfg = json_object_get(d, "config");
  if (json_is_integer(json_object_get(d, "quota_usage"))) {
    json_t *o = json_pack("{s:O}", "quota_usage",
                          json_object_get(d, "quota_usage"));
    if (json_is_integer(json_object_get(cfg, "quota_total"))) {
      json_object_set(o, "quota_total", json_object_get(cfg, "quota_total"));
      json_object_set_new(
          o, "remaining",
          json_integer(json_integer_value(json_object_get(cfg, "quota_total"))
                       - json_integer_value(json_object_get(d, "quota_usage"))));
    }
    if (json_is_integer(json_object_get(cfg, "quota_duration")))
      json_object_set(o, "quota_duration",
                      json_object_get(cfg, "quota_duration"));
    json_object_set_new(out, "quota", o);
  }
  json_decref(body);
  result_free(&q);
}

int
pub_publish(struct call *c, struct result *r, const char *owner,
            const char *id, const struct pub_wait *w)
{
  struct graph_param p[2] = { { "creation_id", id }, { NULL, NULL } };
  struct pub_wait left = *w;
  int64_t t0 = clock_mono_ms();
  long backoff = (long)(w->interval_s * 1000);
  char path[128];
  json_t *body = NULL, *out;
  int published = 0, retried = 0;

  snprintf(path, sizeof(path), "%s/media_publish", owner);
  for (int attempt = 0;; attempt++) {
    int rc, code, sub;
    long http;

    if (attempt > 0 || w->max_wait_s > 0) {
      /* Before any retry: a PUBLISHED container means it went through. */
      left.max_wait_s = w->max_wait_s - (double)(clock_mono_ms() - t0)
                                        / 1000.0;
      if (left.max_wait_s < 0)
        left.max_wait_s = 0;
      rc = pub_wait_ready(c, r, id, &left);
      if (rc < 0)
        return -1;
      if (rc == 1) {
        published = 1;
        break;
      }
    }
    if (attempt >= PUBLISH_ATTEMPTS)
      return result_errorf(r, "graph_error",
                           "media_publish failed %d times for container "
                           "%s, which is still not published. Try again "
                           "later with ig_publish_container.",
                           PUBLISH_ATTEMPTS, id);
    call_progress(c, c->graph_calls + 0.6, 0, "publishing the container");
    if (tool_graph(c, r, "POST", path, p, NULL, 0, &body) == 0)
      break;
    code = failure_code(r, &sub, &http);
    if (code == 9007) {
      /* Not ready yet: wait, then the status check above decides. */
      if ((double)(clock_mono_ms() - t0 + backoff) / 1000.0 > w->max_wait_s)
        return -1;
      if (pub_sleep(c, r, backoff) != 0)
        return -1;
      backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
    } else if (!maybe_went_through(r)) {
      return -1;
    }
    retried = 1;
    result_free(r);
  }
  out = json_pack("{s:s, s:s, s:b}", "container_id", id, "status_code",
                  "PUBLISHED", "already_published", published);
  if (body != NULL && str(body, "id") != NULL)
    json_object_set_new(out, "media_id", json_string(str(body, "id")));
  if (published)
    json_object_set_new(out, "note", json_string(
        retried ? "media_publish did not answer, but the container is "
                  "PUBLISHED: the post went through once and was not sent "
                  "again. Meta does not tell a container's media id; find "
                  "the post with ig_list_media."
                : "The container was already published; nothing was sent "
                  "again. Find the post with ig_list_media."));
  json_decref(body);
  add_quota(c, owner, out);
  return result_ok(r, out);
}
