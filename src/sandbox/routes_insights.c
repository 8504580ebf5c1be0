/* SPDX-License-Identifier: MIT */
/*
 * routes_insights.c: the sandbox's media and account insights, on both
 * hosts.
 *
 * GET /{media}/insights?metric=&period=&breakdown= answers the metrics
 * valid for the media's kind (feed post or carousel, reel, story) with
 * Meta's lifetime shape, and Meta's errors for deprecated or unknown
 * metrics.  GET /{ig-user}/insights?metric=&period=&metric_type=&
 * breakdown=&timeframe=&since=&until= answers the account metrics in the
 * time-series or total-value shape.  Values are made up from the world's
 * seed, the object and the metric (and the day), so they are the same for
 * the same request.  The rules and texts are in docs/internals/
 * sandbox-insights.md; those marked inferred there are not Meta's
 * recorded words.
 */
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "../base/clock.h"
#include "../base/xalloc.h"
#include "insights.h"
#include "world_media.h"

#define DAY (24 * 3600)
#define MAX_METRICS 32

enum media_kind { MK_FEED, MK_REEL, MK_STORY };

static const char *const feed_metrics[] = {
  "views", "reach", "likes", "comments", "saved", "shares",
  "total_interactions", "follows", "profile_visits", "profile_activity",
  "reposts", NULL
};
static const char *const reel_metrics[] = {
  "views", "reach", "likes", "comments", "saved", "shares",
  "total_interactions", "ig_reels_avg_watch_time",
  "ig_reels_video_view_total_time", "reels_skip_rate", "facebook_views",
  "crossposted_views", "reposts", NULL
};
static const char *const story_metrics[] = {
  "views", "reach", "replies", "navigation", "follows", "profile_visits",
  "profile_activity", "shares", "total_interactions", "link_clicks", NULL
};

/* Account metrics.  Flags: TS time_series, TV total_value, DEMO
 * demographics (lifetime + timeframe). */
enum { AM_TS = 1, AM_TV = 2, AM_DEMO = 4 };
struct acct_metric {
  const char *name, *title, *breakdowns; /* breakdowns: comma list */
  unsigned flags;
};
static const struct acct_metric acct_metrics[] = {
  { "reach", "Accounts reached", "media_product_type,follow_type",
    AM_TS | AM_TV },
  { "follower_count", "Follower count", "", AM_TS },
  { "online_followers", "Online followers", "", AM_TS },
  { "views", "Views", "follower_type,media_product_type", AM_TV },
  { "accounts_engaged", "Accounts engaged", "", AM_TV },
  { "total_interactions", "Content interactions", "media_product_type",
    AM_TV },
  { "likes", "Likes", "media_product_type", AM_TV },
  { "comments", "Comments", "media_product_type", AM_TV },
  { "saves", "Saves", "media_product_type", AM_TV },
  { "shares", "Shares", "media_product_type", AM_TV },
  { "replies", "Replies", "", AM_TV },
  { "reposts", "Reposts", "media_product_type", AM_TV },
  { "follows_and_unfollows", "Follows and unfollows", "follow_type", AM_TV },
  { "profile_links_taps", "Profile links taps", "contact_button_type",
    AM_TV },
  { "follower_demographics", "Follower demographics",
    "age,city,country,gender", AM_TV | AM_DEMO },
  { "engaged_audience_demographics", "Engaged audience demographics",
    "age,city,country,gender", AM_TV | AM_DEMO },
  { "reached_audience_demographics", "Reached audience demographics",
    "age,city,country,gender", AM_TV | AM_DEMO },
};
#define NACCT (sizeof(acct_metrics) / sizeof(acct_metrics[0]))

/* Dimension values for each breakdown. */
static const struct {
  const char *key;
  const char *const vals[8];
} dims[] = {
  { "media_product_type", { "POST", "REEL", "STORY", "CAROUSEL_CONTAINER" } },
  { "follow_type", { "FOLLOWER", "NON_FOLLOWER" } },
  { "follower_type", { "FOLLOWER", "NON_FOLLOWER" } },
  { "contact_button_type", { "BOOK_NOW", "CALL", "DIRECTION", "EMAIL",
                             "TEXT" } },
  { "age", { "18-24", "25-34", "35-44", "45-54", "55-64", "65+" } },
  { "city", { "London, England", "Paris, Île-de-France",
              "New York, New York", "Berlin, Berlin" } },
  { "country", { "US", "GB", "FR", "DE", "IT" } },
  { "gender", { "F", "M", "U" } },
  { "action_type", { "BIO_LINK_CLICKED", "CALL", "DIRECTION", "EMAIL",
                     "OTHER", "TEXT" } },
  { "story_navigation_action_type", { "SWIPE_FORWARD", "TAP_BACK",
                                      "TAP_EXIT", "TAP_FORWARD" } },
};

static uint64_t
hash64(const char *s, uint64_t h)
{
  for (; *s != '\0'; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* A deterministic value in [lo, hi] for (seed, a, b, salt). */
static long
value_of(const struct sbx_req *r, const char *a, const char *b, int64_t salt,
         long lo, long hi)
{
  uint64_t h = hash64(a, 0xcbf29ce484222325ULL ^ r->sb->world.seed);
  h = hash64(b, h) ^ (uint64_t)salt * 0x9e3779b97f4a7c15ULL;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  return lo + (long)(h % (uint64_t)(hi - lo + 1));
}

static int
in_list(const char *const *list, const char *s)
{
  for (; *list != NULL; list++)
    if (strcmp(*list, s) == 0)
      return 1;
  return 0;
}

/* Splits the metric parameter into at most MAX_METRICS names (in buf). */
static size_t
split_metrics(char *buf, char **out)
{
  size_t n = 0;
  char *p = buf;

  while (p != NULL && *p != '\0' && n < MAX_METRICS) {
    char *e = strchr(p, ',');
    if (e != NULL)
      *e = '\0';
    if (*p != '\0')
      out[n++] = p;
    p = e != NULL ? e + 1 : NULL;
  }
  return n;
}

/* "(#100) metric[i] must be one of the following values: a, b, ..." */
static void
err_metric(struct sbx_req *r, size_t i, const char *const *valid)
{
  char list[1024];
  size_t o = 0;

  list[0] = '\0';
  for (; *valid != NULL && o + 64 < sizeof(list); valid++)
    o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
                          o > 0 ? ", " : "", *valid);
  sbx_err_param(r, "metric[%zu] must be one of the following values: %s", i,
                list);
}

/* {"dimension_keys":[key],"results":[...]} spreading total over the
 * breakdown's values. */
static json_t *
breakdown_json(const struct sbx_req *r, const char *obj, const char *metric,
               const char *key, long total, const char *prefix)
{
  json_t *results = json_array();
  size_t d, nv = 0;
  long left = total;

  for (d = 0; d < sizeof(dims) / sizeof(dims[0]); d++)
    if (strcmp(dims[d].key, key) == 0)
      break;
  if (d < sizeof(dims) / sizeof(dims[0]))
    while (nv < 8 && dims[d].vals[nv] != NULL)
      nv++;
  for (size_t i = 0; i < nv; i++) {
    long v = i + 1 == nv ? left
           : value_of(r, obj, metric, (int64_t)i + 7, 0, left / 2 + 1);
    json_t *dv;
    if (v > left)
      v = left;
    left -= v;
    dv = prefix != NULL
      ? json_pack("[s,s]", prefix, dims[d].vals[i])
      : json_pack("[s]", dims[d].vals[i]);
    json_array_append_new(results, json_pack("{s:o, s:I}", "dimension_values",
                                             dv, "value", (json_int_t)v));
  }
  return json_pack("{s:o, s:o}", "dimension_keys",
                   prefix != NULL ? json_pack("[s,s]", "timeframe", key)
                                  : json_pack("[s]", key),
                   "results", results);
}

static enum media_kind
media_kind(const struct world_media_item *it)
{
  if (it->media_product_type != NULL &&
      strcmp(it->media_product_type, "STORY") == 0)
    return MK_STORY;
  if ((it->media_product_type != NULL &&
       strcmp(it->media_product_type, "REELS") == 0) ||
      strcmp(it->media_type, "VIDEO") == 0)
    return MK_REEL;
  return MK_FEED;
}

/* A media metric's value, scaled on the media's likes. */
static long
media_value(const struct sbx_req *r, const struct world_media_item *it,
            const char *m)
{
  long base = it->like_count > 0 ? it->like_count : 10;

  if (strcmp(m, "likes") == 0)
    return it->like_count;
  if (strcmp(m, "comments") == 0)
    return it->comments_count;
  if (strcmp(m, "views") == 0)
    return it->view_count > 0 ? it->view_count
                              : base * value_of(r, it->id, m, 0, 12, 40);
  if (strcmp(m, "reach") == 0 || strcmp(m, "facebook_views") == 0 ||
      strcmp(m, "crossposted_views") == 0)
    return base * value_of(r, it->id, m, 0, 5, 11);
  if (strcmp(m, "total_interactions") == 0)
    return it->like_count + it->comments_count +
           value_of(r, it->id, m, 0, 0, base / 4 + 1);
  if (strcmp(m, "ig_reels_avg_watch_time") == 0)
    return value_of(r, it->id, m, 0, 2500, 14000);
  if (strcmp(m, "ig_reels_video_view_total_time") == 0)
    return base * value_of(r, it->id, m, 0, 40000, 90000);
  if (strcmp(m, "reels_skip_rate") == 0)
    return value_of(r, it->id, m, 0, 10, 60);
  return value_of(r, it->id, m, 0, 0, base / 5 + 3);
}

/* GET /{media}/insights. */
static void
media_insights(struct sbx_req *r, struct world_media_item *it)
{
  const char *mp = sbx_param(r, "metric"), *period = sbx_param(r, "period");
  const char *bd = sbx_param(r, "breakdown");
  enum media_kind k = media_kind(it);
  const char *const *valid = k == MK_STORY ? story_metrics
                           : k == MK_REEL ? reel_metrics : feed_metrics;
  char *buf, *names[MAX_METRICS];
  size_t n, i;
  json_t *data;

  if (mp == NULL || *mp == '\0') {
    sbx_err_param(r, "The parameter metric is required");
    return;
  }
  if (period != NULL && strcmp(period, "lifetime") != 0) {
    sbx_err_param(r, "Param period must be one of {lifetime} - got "
                  "\"%.32s\"", period);
    return;
  }
  buf = xstrdup(mp);
  n = split_metrics(buf, names);
  for (i = 0; i < n; i++) {
    if (strcmp(names[i], "impressions") == 0) {
      if (k == MK_FEED)
        sbx_err_param(r, "Starting from version v22.0 and above, the "
                      "impressions metric is no longer supported for the "
                      "queried media");
      else
        sbx_err_param(r, "The Media Insights API does not support the "
                      "impressions metric for this media product type");
      goto out;
    }
    if (!in_list(valid, names[i])) {
      err_metric(r, i, valid);
      goto out;
    }
  }
  if (bd != NULL && *bd != '\0') {
    const char *need = strcmp(bd, "action_type") == 0 ? "profile_activity"
      : strcmp(bd, "story_navigation_action_type") == 0 ? "navigation" : NULL;
    for (i = 0; i < n && need != NULL; i++)
      if (strcmp(names[i], need) != 0)
        need = NULL;
    if (need == NULL) {
      /* What Meta answers for a breakdown a metric does not have. */
      sbx_error(r, 500, SBX_ET_OAUTH, 1, 0, "An unknown error has occurred.");
      goto out;
    }
  }
  data = json_array();
  /* Carousel children have no insights: empty data. */
  for (i = 0; i < n && it->parent_id == NULL; i++) {
    long v = media_value(r, it, names[i]);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", names[i],
                          "period", "lifetime", "title", names[i],
                          "description", "Sandbox metric", "id",
                          json_sprintf("%s/insights/%s/lifetime", it->id,
                                       names[i]));
    json_object_set_new(o, "values", json_pack("[{s:I}]", "value",
                                               (json_int_t)v));
    if (bd != NULL && *bd != '\0')
      json_object_set_new(o, "total_value",
                          json_pack("{s:I, s:[o]}", "value", (json_int_t)v,
                                    "breakdowns",
                                    breakdown_json(r, it->id, names[i], bd,
                                                   v, NULL)));
    json_array_append_new(data, o);
  }
  r->resp = json_pack("{s:o}", "data", data);
out:
  free(buf);
}

static const struct acct_metric *
acct_metric(const char *name)
{
  for (size_t i = 0; i < NACCT; i++)
    if (strcmp(acct_metrics[i].name, name) == 0)
      return &acct_metrics[i];
  return NULL;
}

/* Parses since/until (unix or ISO); -1 with the error set. */
static int
time_param(struct sbx_req *r, const char *name, int64_t *out)
{
  const char *v = sbx_param(r, name);

  if (v == NULL || *v == '\0')
    return 0;
  if (clock_parse_time(v, out) != 0) {
    sbx_err_param(r, "Param %s must be a unix timestamp or a date", name);
    return -1;
  }
  return 1;
}

/* GET /{ig-user}/insights. */
static void
account_insights(struct sbx_req *r, const char *obj)
{
  const char *mp = sbx_param(r, "metric"), *period = sbx_param(r, "period");
  const char *mt = sbx_param(r, "metric_type"), *bd = sbx_param(r, "breakdown");
  const char *tf = sbx_param(r, "timeframe");
  const struct acct_metric *am[MAX_METRICS];
  char *buf = NULL, *names[MAX_METRICS], tv_only[512], t[32];
  int64_t now = world_now(&r->sb->world), since = 0, until = 0;
  int has_since, has_until, total;
  size_t n, i, o = 0;
  json_t *data;
  const char *valid[NACCT + 1];

  for (i = 0; i < NACCT; i++)
    valid[i] = acct_metrics[i].name;
  valid[NACCT] = NULL;
  if (mp == NULL || *mp == '\0') {
    sbx_err_param(r, "The parameter metric is required");
    return;
  }
  if (period == NULL || *period == '\0') {
    sbx_err_param(r, "The parameter period is required");
    return;
  }
  if (strcmp(period, "day") != 0 && strcmp(period, "week") != 0 &&
      strcmp(period, "days_28") != 0 && strcmp(period, "month") != 0 &&
      strcmp(period, "lifetime") != 0) {
    sbx_err_param(r, "Param period must be one of {day, week, days_28, "
                  "month, lifetime} - got \"%.32s\"", period);
    return;
  }
  if (mt != NULL && strcmp(mt, "time_series") != 0 &&
      strcmp(mt, "total_value") != 0) {
    sbx_err_param(r, "Param metric_type must be one of {time_series, "
                  "total_value} - got \"%.32s\"", mt);
    return;
  }
  total = mt != NULL && strcmp(mt, "total_value") == 0;
  buf = xstrdup(mp);
  n = split_metrics(buf, names);
  tv_only[0] = '\0';
  for (i = 0; i < n; i++) {
    am[i] = acct_metric(names[i]);
    if (am[i] == NULL) {
      err_metric(r, i, valid);
      goto out;
    }
    if (!(am[i]->flags & AM_TS) && !total && o + 64 < sizeof(tv_only))
      o += (size_t)snprintf(tv_only + o, sizeof(tv_only) - o, "%s%s",
                            o > 0 ? "," : "", names[i]);
  }
  if (o > 0) {
    sbx_err_param(r, "The following metrics (%s) should be specified with "
                  "parameter metric_type=total_value", tv_only);
    goto out;
  }
  for (i = 0; i < n; i++) {
    if (total && !(am[i]->flags & AM_TV)) {
      sbx_err_param(r, "metric_type=total_value is not supported for the "
                    "metric %s", names[i]);
      goto out;
    }
    if ((am[i]->flags & AM_DEMO) != 0) {
      if (strcmp(period, "lifetime") != 0) {
        sbx_err_param(r, "The metric %s only supports period lifetime",
                      names[i]);
        goto out;
      }
      if (tf == NULL || (strcmp(tf, "this_week") != 0 &&
                         strcmp(tf, "this_month") != 0)) {
        sbx_err_param(r, "Demographic metrics need the parameter timeframe: "
                      "one of this_week, this_month");
        goto out;
      }
    } else if (strcmp(names[i], "online_followers") == 0) {
      if (strcmp(period, "lifetime") != 0) {
        sbx_err_param(r, "The metric online_followers only supports period "
                      "lifetime");
        goto out;
      }
    } else if (strcmp(period, "day") != 0 &&
               !(strcmp(names[i], "reach") == 0 && !total &&
                 (strcmp(period, "week") == 0 ||
                  strcmp(period, "days_28") == 0))) {
      sbx_err_param(r, "The metric %s does not support the period %s",
                    names[i], period);
      goto out;
    }
    if (bd != NULL && *bd != '\0') {
      if (!total) {
        sbx_err_param(r, "The parameter breakdown is only supported with "
                      "metric_type=total_value");
        goto out;
      }
      if (!csv_has(am[i]->breakdowns, bd, strlen(bd))) {
        sbx_err_param(r, "The breakdown %s is not supported for the metric "
                      "%s", bd, names[i]);
        goto out;
      }
    }
  }
  if ((has_since = time_param(r, "since", &since)) < 0 ||
      (has_until = time_param(r, "until", &until)) < 0)
    goto out;
  if (!has_until)
    until = now;
  if (!has_since)
    since = until - DAY;
  if (until <= since) {
    sbx_err_param(r, "The since parameter must be before until");
    goto out;
  }
  if (until - since > 30 * DAY) {
    sbx_err_param(r, "There cannot be more than 30 days (2592000 s) between "
                  "since and until");
    goto out;
  }
  if (since < now - 2 * 365 * DAY) {
    sbx_err_param(r, "The since parameter cannot be earlier than two years "
                  "ago");
    goto out;
  }
  data = json_array();
  for (i = 0; i < n; i++) {
    json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", names[i],
                          "period", period, "title", am[i]->title,
                          "description", "Sandbox metric", "id",
                          json_sprintf("%s/insights/%s/%s", obj, names[i],
                                       period));
    if (total) {
      long v = value_of(r, obj, names[i], since / DAY + until / DAY, 50,
                        5000);
      json_t *tvo = json_pack("{s:I}", "value", (json_int_t)v);
      if (bd != NULL && *bd != '\0')
        json_object_set_new(tvo, "breakdowns",
                            json_pack("[o]", breakdown_json(
                                r, obj, names[i], bd, v,
                                (am[i]->flags & AM_DEMO) != 0
                                ? (strcmp(tf, "this_week") == 0
                                   ? "THIS_WEEK" : "THIS_MONTH")
                                : NULL)));
      json_object_set_new(m, "total_value", tvo);
    } else {
      json_t *values = json_array();
      /* One value per day ending at 07:00 UTC (Meta's Pacific days). */
      int64_t end = (since - 7 * 3600) / DAY * DAY + DAY + 7 * 3600;
      for (; end <= until + DAY - 1 && json_array_size(values) < 31;
           end += DAY) {
        json_t *v;
        clock_iso8601(end, t);
        if (strcmp(names[i], "online_followers") == 0) {
          v = json_object();
          for (int h = 0; h < 24; h++) {
            char hk[4];
            snprintf(hk, sizeof(hk), "%d", h);
            json_object_set_new(v, hk, json_integer(
                value_of(r, obj, hk, end / DAY, 5, 120)));
          }
        } else if (strcmp(names[i], "follower_count") == 0) {
          v = json_integer(value_of(r, obj, names[i], end / DAY, 0, 25));
        } else {
          v = json_integer(value_of(r, obj, names[i], end / DAY, 40, 900));
        }
        json_array_append_new(values, json_pack("{s:o, s:s}", "value", v,
                                                "end_time", t));
      }
      json_object_set_new(m, "values", values);
    }
    json_array_append_new(data, m);
  }
  r->resp = json_pack("{s:o}", "data", data);
out:
  free(buf);
}

int
sbx_route_insights(struct sbx_req *r, const char *obj, const char *edge,
                   const char *rest)
{
  struct world_media_item *it;

  if (edge == NULL || strncmp(edge, "insights", 8) != 0 ||
      (edge[8] != '\0' && edge[8] != '/'))
    return 0;
  if (sbx_is_account(r, obj)) {
    if (rest != NULL)
      sbx_err_unknown_path(r, edge);
    else if (strcmp(r->method, "GET") != 0)
      sbx_err_unsupported(r, obj);
    else
      account_insights(r, obj);
    return 1;
  }
  if (r->sb->world.media == NULL ||
      (it = world_media_find(&r->sb->world, obj)) == NULL ||
      it->deleted || (it->owner != WMO_US && it->owner != WMO_CHILD))
    return 0;
  if (rest != NULL)
    sbx_err_unknown_path(r, edge);
  else if (strcmp(r->method, "GET") != 0)
    sbx_err_unsupported(r, obj);
  else
    media_insights(r, it);
  return 1;
}
