/* SPDX-License-Identifier: MIT */
/*
 * governor.c: the rate-limit governor, one per client (one account on one
 * host).  It remembers the last usage Meta reported (X-App-Usage and
 * X-Business-Use-Case-Usage) and any throttling answer, and before each
 * call decides: go now, go after a pause that grows as usage nears 100 %,
 * or do not call Meta at all because Meta said to wait (codes 4, 17, 32,
 * 613, 80000-80014) and that time has not passed.  Held calls get Meta's
 * error again at once with the time access returns, so an agent that
 * retries does not hammer the API or lengthen the block.
 *
 * Times are wall-clock milliseconds (the hold is reported as an instant).
 * Every function takes the governor's own lock; none holds it while
 * sleeping or calling out.
 */
#include "graph_int.h"

#include <stdio.h>
#include <string.h>

#include "../base/clock.h"

void
graph__gov_init(struct gov *v)
{
  memset(v, 0, sizeof(*v));
  pthread_mutex_init(&v->mu, NULL);
}

void
graph__gov_destroy(struct gov *v)
{
  pthread_mutex_destroy(&v->mu);
}

/* The pause before a call when the last usage seen was pct %. */
static long
pause_for(int pct)
{
  if (pct < GOV_SLOW_FROM_PCT)
    return 0;
  if (pct >= 100)
    return GOV_SLOW_MAX_MS;
  return (long)(pct - GOV_SLOW_FROM_PCT + 1) * GOV_SLOW_MAX_MS /
         (100 - GOV_SLOW_FROM_PCT + 1);
}

long
graph__gov_admit(struct graph *g, struct graph_response *resp)
{
  struct gov *v = &g->gov;
  int64_t now = clock_wall_ms();
  long pause = 0;

  pthread_mutex_lock(&v->mu);
  v->calls++;
  if (v->hold_until_ms > now) {
    int64_t left = v->hold_until_ms - now;

    v->held++;
    resp->held = 1;
    resp->http_status = 0;
    resp->attempts = 0;
    resp->wait_hint_s = (long)((left + 999) / 1000);
    resp->usage = v->usage;
    resp->error = v->hold_error;
    pthread_mutex_unlock(&v->mu);
    return -1;
  }
  if (v->usage_ms > 0 && now - v->usage_ms < GOV_USAGE_TTL_MS)
    pause = pause_for(graph_usage_max_pct(&v->usage));
  if (pause > 0) {
    v->slowed++;
    v->slowed_ms += pause;
  }
  pthread_mutex_unlock(&v->mu);
  return pause;
}

void
graph__gov_note(struct graph *g, const struct graph_response *resp, int rc)
{
  struct gov *v = &g->gov;
  int64_t now = clock_wall_ms();

  pthread_mutex_lock(&v->mu);
  if (resp->usage.has_app || resp->usage.has_buc) {
    v->usage = resp->usage;
    v->usage_ms = now;
  }
  if (rc == ERR_GRAPH && graph_error_is_throttle(&resp->error)) {
    int64_t wait = resp->wait_hint_s > 0 ? (int64_t)resp->wait_hint_s * 1000
                                         : GOV_HOLD_DEFAULT_MS;
    v->throttled++;
    v->hold_until_ms = now + wait;
    v->hold_announced = resp->wait_hint_s > 0;
    v->hold_error = resp->error;
    v->hold_since_ms = now;
  } else if (rc == 0) {
    /* Meta answered: whatever hold there was is over. */
    v->hold_until_ms = 0;
  }
  pthread_mutex_unlock(&v->mu);
}

/* {"percent":N,...} of one usage family, or NULL. */
static json_t *
family(int has, int a, int b, int c, const char *ka, const char *kb,
       const char *kc)
{
  if (!has)
    return NULL;
  return json_pack("{s:i,s:i,s:i}", ka, a, kb, b, kc, c);
}

json_t *
graph_rate_status(struct graph *g)
{
  struct gov *v = &g->gov;
  int64_t now = clock_wall_ms();
  char iso[32];
  json_t *o, *u;
  int pct;

  pthread_mutex_lock(&v->mu);
  pct = v->usage_ms > 0 ? graph_usage_max_pct(&v->usage) : 0;
  o = json_pack("{s:s,s:i,s:I,s:I,s:I,s:I,s:I}",
                "host", g->login == GRAPH_LOGIN_FACEBOOK
                          ? "graph.facebook.com" : "graph.instagram.com",
                "usage_percent", pct,
                "calls", (json_int_t)v->calls,
                "held_calls", (json_int_t)v->held,
                "slowed_calls", (json_int_t)v->slowed,
                "slowed_ms", (json_int_t)v->slowed_ms,
                "throttled_answers", (json_int_t)v->throttled);
  if (v->usage_ms > 0) {
    clock_iso8601(v->usage_ms / 1000, iso);
    json_object_set_new(o, "usage_seen_at", json_string(iso));
    u = family(v->usage.has_app, v->usage.app_call_count,
               v->usage.app_total_time, v->usage.app_total_cputime,
               "call_count", "total_time", "total_cputime");
    if (u != NULL)
      json_object_set_new(o, "app", u);
    u = family(v->usage.has_buc, v->usage.buc_call_count,
               v->usage.buc_total_time, v->usage.buc_total_cputime,
               "call_count", "total_time", "total_cputime");
    if (u != NULL) {
      json_object_set_new(u, "type", json_string(v->usage.buc_type));
      json_object_set_new(u, "estimated_time_to_regain_access_minutes",
                          json_integer(v->usage.buc_regain_minutes));
      json_object_set_new(o, "business_use_case", u);
    }
  }
  json_object_set_new(o, "pause_ms_per_call",
                      json_integer(v->usage_ms > 0 &&
                                   now - v->usage_ms < GOV_USAGE_TTL_MS
                                     ? pause_for(pct) : 0));
  if (v->hold_until_ms > now) {
    json_t *h;

    clock_iso8601((v->hold_until_ms + 999) / 1000, iso);
    h = json_pack("{s:s,s:I,s:i,s:b}", "until", iso,
                  "seconds_left",
                  (json_int_t)((v->hold_until_ms - now + 999) / 1000),
                  "code", v->hold_error.code,
                  "announced_by_meta", v->hold_announced);
    json_object_set_new(o, "hold", h);
    json_object_set_new(o, "state", json_string("held"));
  } else {
    json_object_set_new(o, "state",
                        json_string(pause_for(pct) > 0 &&
                                    now - v->usage_ms < GOV_USAGE_TTL_MS
                                      ? "slowing" : "ok"));
  }
  pthread_mutex_unlock(&v->mu);
  return o;
}
