/* SPDX-License-Identifier: MIT */
/*
 * insights.c: the insights toolset: media and account insights.
 *
 * Both logins are served (graph.instagram.com and graph.facebook.com take
 * the same /insights edges).  Meta's rules are checked before any request:
 * metrics Meta deprecated (impressions, plays, video_views, taps_*,
 * exits, ...) or never had (clicks, engagement) are refused with the
 * metric to use instead; breakdowns, periods, metric_type, timeframe and
 * the since/until range are checked against each metric.  The answer is
 * normalized: {metrics:[{name, period, title?, value | values:[{value,
 * end_time}] | total_value:{value, breakdowns:[...]}}]}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/csv.h"
#include "tools/account.h"
#include "tools/tool.h"

#define MEDIA_ID_PATTERN "^[0-9]{1,25}$"
#define DAY (24 * 3600)

/* Metrics Meta removed or never had, and what to ask for instead. */
static const struct {
  const char *name, *instead;
} replaced[] = {
  { "impressions", "views" },
  { "plays", "views" },
  { "video_views", "views" },
  { "clips_replays_count", "views" },
  { "ig_reels_aggregated_all_plays_count", "views" },
  { "taps_forward", "navigation with breakdown story_navigation_action_type "
                    "(TAP_FORWARD)" },
  { "taps_back", "navigation with breakdown story_navigation_action_type "
                 "(TAP_BACK)" },
  { "exits", "navigation with breakdown story_navigation_action_type "
             "(TAP_EXIT)" },
  { "swipe_forward", "navigation with breakdown "
                     "story_navigation_action_type (SWIPE_FORWARD)" },
  { "engagement", "total_interactions" },
  { "clicks", "profile_links_taps (account) or profile_activity (media)" },
  { "profile_views", "profile_visits (media) or profile_links_taps "
                     "(account)" },
  { "website_clicks", "profile_links_taps with breakdown "
                      "contact_button_type" },
  { "email_contacts", "profile_links_taps with breakdown "
                      "contact_button_type" },
  { "phone_call_clicks", "profile_links_taps with breakdown "
                         "contact_button_type" },
  { "text_message_clicks", "profile_links_taps with breakdown "
                           "contact_button_type" },
  { "get_directions_clicks", "profile_links_taps with breakdown "
                             "contact_button_type" },
  { "saves_count", "saved" },
};

static const char *const media_metrics[] = {
  "views", "reach", "likes", "comments", "saved", "shares",
  "total_interactions", "follows", "profile_visits", "profile_activity",
  "reposts", "replies", "navigation", "link_clicks",
  "ig_reels_avg_watch_time", "ig_reels_video_view_total_time",
  "reels_skip_rate", "facebook_views", "crossposted_views", NULL
};

/* Account metrics: TS time_series, TV total_value, DEMO demographics. */
enum { AM_TS = 1, AM_TV = 2, AM_DEMO = 4 };
static const struct {
  const char *name, *breakdowns;
  unsigned flags;
} acct_metrics[] = {
  { "reach", "media_product_type,follow_type", AM_TS | AM_TV },
  { "follower_count", "", AM_TS },
  { "online_followers", "", AM_TS },
  { "views", "follower_type,media_product_type", AM_TV },
  { "accounts_engaged", "", AM_TV },
  { "total_interactions", "media_product_type", AM_TV },
  { "likes", "media_product_type", AM_TV },
  { "comments", "media_product_type", AM_TV },
  { "saves", "media_product_type", AM_TV },
  { "shares", "media_product_type", AM_TV },
  { "replies", "", AM_TV },
  { "reposts", "media_product_type", AM_TV },
  { "follows_and_unfollows", "follow_type", AM_TV },
  { "profile_links_taps", "contact_button_type", AM_TV },
  { "follower_demographics", "age,city,country,gender", AM_TV | AM_DEMO },
  { "engaged_audience_demographics", "age,city,country,gender",
    AM_TV | AM_DEMO },
  { "reached_audience_demographics", "age,city,country,gender",
    AM_TV | AM_DEMO },
};
#define NACCT (sizeof(acct_metrics) / sizeof(acct_metrics[0]))

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* Refuses a metric Meta removed, naming the replacement. */
static int
check_replaced(struct result *r, const char *m)
{
  for (size_t i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++)
    if (strcmp(replaced[i].name, m) == 0)
      return result_errorf(r, "invalid_argument",
                           "metrics: %s is deprecated or not a valid "
                           "Instagram insights metric (Meta rejects it); "
                           "use %s instead.", m, replaced[i].instead);
  return 0;
}

/* The metrics argument as a comma list in out; checks each against
 * replaced[].  Returns -1 with r set. */
static int
metric_list(struct result *r, const json_t *arr, char *out, size_t len)
{
  size_t i, o = 0;
  json_t *v;

  out[0] = '\0';
  json_array_foreach(arr, i, v) {
    const char *m = json_string_value(v);
    if (check_replaced(r, m) != 0)
      return -1;
    if (o + strlen(m) + 2 >= len)
      return result_errorf(r, "invalid_argument", "metrics: too many.");
    o += (size_t)snprintf(out + o, len - o, "%s%s", o > 0 ? "," : "", m);
  }
  return 0;
}

/* One of Meta's insight objects, normalized. */
static json_t *
norm_metric(const json_t *m)
{
  json_t *o, *vals, *v, *tv;
  size_t i;

  if (str(m, "name") == NULL)
    return NULL;
  o = json_pack("{s:s}", "name", str(m, "name"));
  if (str(m, "period") != NULL)
    json_object_set_new(o, "period", json_string(str(m, "period")));
  if (str(m, "title") != NULL)
    json_object_set_new(o, "title", json_string(str(m, "title")));
  tv = json_object_get(m, "total_value");
  vals = json_object_get(m, "values");
  if (json_is_object(tv)) {
    json_t *t = json_object();
    if (json_object_get(tv, "value") != NULL)
      json_object_set(t, "value", json_object_get(tv, "value"));
    if (json_is_array(json_object_get(tv, "breakdowns")))
      json_object_set(t, "breakdowns", json_object_get(tv, "breakdowns"));
    json_object_set_new(o, "total_value", t);
  } else if (json_is_array(vals) && json_array_size(vals) == 1 &&
             json_object_get(json_array_get(vals, 0), "end_time") == NULL) {
    json_object_set(o, "value",
                    json_object_get(json_array_get(vals, 0), "value"));
  } else if (json_is_array(vals)) {
    json_t *list = json_array();
    json_array_foreach(vals, i, v) {
      json_t *e = json_object();
      json_object_set(e, "value", json_object_get(v, "value"));
      if (str(v, "end_time") != NULL)
        json_object_set_new(e, "end_time", json_string(str(v, "end_time")));
      json_array_append_new(list, e);
    }
    json_object_set_new(o, "values", list);
  }
  return o;
}

/* {metrics:[...]} from Meta's {"data":[...]}. */
static json_t *
norm_insights(const json_t *body)
{
  json_t *list = json_array(), *item;
  size_t i;

  json_array_foreach(json_object_get(body, "data"), i, item) {
    json_t *m = norm_metric(item);
    if (m != NULL)
      json_array_append_new(list, m);
  }
  return json_pack("{s:o}", "metrics", list);
}

static int
media_insights(struct call *c, const json_t *args, struct result *r)
{
  const json_t *arr = json_object_get(args, "metrics");
  const char *bd = str(args, "breakdown");
  struct graph_param p[4];
  char metrics[1024], path[64];
  json_t *body = NULL, *out, *v;
  size_t i, n = 0;

  if (metric_list(r, arr, metrics, sizeof(metrics)) != 0)
    return -1;
  json_array_foreach(arr, i, v) {
    const char *m = json_string_value(v);
    size_t k;
    for (k = 0; media_metrics[k] != NULL; k++)
      if (strcmp(media_metrics[k], m) == 0)
        break;
    if (media_metrics[k] == NULL)
      return result_errorf(
          r, "invalid_argument",
          "metrics: %s is not a media insights metric. Valid: views, reach, "
          "likes, comments, saved, shares, total_interactions, follows, "
          "profile_visits, profile_activity, reposts; stories: replies, "
          "navigation, link_clicks; reels: ig_reels_avg_watch_time, "
          "ig_reels_video_view_total_time, reels_skip_rate, facebook_views, "
          "crossposted_views.", m);
  }
  if (bd != NULL) {
    const char *need = strcmp(bd, "action_type") == 0 ? "profile_activity"
                                                      : "navigation";
    json_array_foreach(arr, i, v)
      if (strcmp(json_string_value(v), need) != 0)
        return result_errorf(
            r, "invalid_argument",
            "breakdown %s works only with the metric %s alone; ask for %s "
            "in a separate call.", bd, need, json_string_value(v));
  }
  snprintf(path, sizeof(path), "%s/insights", str(args, "media_id"));
  p[n++] = (struct graph_param){ "metric", metrics };
  p[n++] = (struct graph_param){ "period", str(args, "period") };
  if (bd != NULL)
    p[n++] = (struct graph_param){ "breakdown", bd };
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0)
    return -1;
  out = norm_insights(body);
  json_object_set_new(out, "media_id", json_string(str(args, "media_id")));
  if (json_array_size(json_object_get(out, "metrics")) == 0)
    json_object_set_new(out, "note",
                        json_string("Meta returned no data: carousel "
                                    "children, media older than 2 years, "
                                    "or data not ready yet (up to 48 h)."));
  json_decref(body);
  return result_ok(r, out);
}

/* since/until: unix seconds, ISO 8601 or YYYY-MM-DD, to unix seconds. */
static int
parse_when(struct result *r, const char *field, const char *s, int64_t *out)
{
  char buf[40];

  if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
    snprintf(buf, sizeof(buf), "%sT00:00:00+0000", s);
    s = buf;
  }
  if (clock_parse_time(s, out) != 0)
    return result_errorf(r, "invalid_argument",
                         "%s: \"%s\" is not a unix time, an ISO 8601 time "
                         "or a YYYY-MM-DD date.", field, s);
  return 0;
}

/* Meta's account-insights rules, checked locally. */
static int
check_account(struct result *r, const json_t *args, int64_t *since,
              int64_t *until)
{
  const json_t *arr = json_object_get(args, "metrics");
  const char *period = str(args, "period"), *mt = str(args, "metric_type");
  const char *bd = str(args, "breakdown"), *tf = str(args, "timeframe");
  int total = mt != NULL && strcmp(mt, "total_value") == 0, demo = 0;
  int64_t now = clock_wall_s();
  json_t *v;
  size_t i, k;

  json_array_foreach(arr, i, v) {
    const char *m = json_string_value(v);
    for (k = 0; k < NACCT && strcmp(acct_metrics[k].name, m) != 0; k++)
      ;
    if (k == NACCT)
      return result_errorf(
          r, "invalid_argument",
          "metrics: %s is not an account insights metric. Valid: reach, "
          "follower_count, online_followers, views, accounts_engaged, "
          "total_interactions, likes, comments, saves, shares, replies, "
          "reposts, follows_and_unfollows, profile_links_taps, "
          "follower_demographics, engaged_audience_demographics, "
          "reached_audience_demographics.", m);
    if (!(acct_metrics[k].flags & AM_TS) && !total)
      return result_errorf(r, "invalid_argument",
                           "metric_type: %s is reported only as a total; "
                           "set metric_type to total_value.", m);
    if (total && !(acct_metrics[k].flags & AM_TV))
      return result_errorf(r, "invalid_argument",
                           "metric_type: %s is reported only as a time "
                           "series; leave metric_type out or set "
                           "time_series.", m);
    if (acct_metrics[k].flags & AM_DEMO) {
      demo = 1;
      if (strcmp(period, "lifetime") != 0)
        return result_errorf(r, "invalid_argument",
                             "period: %s needs period lifetime (got %s).",
                             m, period);
      if (tf == NULL)
        return result_errorf(r, "invalid_argument",
                             "timeframe: %s needs timeframe this_week or "
                             "this_month.", m);
      if (bd == NULL)
        return result_errorf(r, "invalid_argument",
                             "breakdown: %s needs a breakdown: age, city, "
                             "country or gender.", m);
    } else if (strcmp(m, "online_followers") == 0) {
      if (strcmp(period, "lifetime") != 0)
        return result_errorf(r, "invalid_argument",
                             "period: online_followers needs period "
                             "lifetime (got %s).", period);
    } else if (strcmp(period, "day") != 0 &&
               !(strcmp(m, "reach") == 0 && !total &&
                 (strcmp(period, "week") == 0 ||
                  strcmp(period, "days_28") == 0))) {
      return result_errorf(r, "invalid_argument",
                           "period: %s supports period day%s (got %s).", m,
                           strcmp(m, "reach") == 0 && !total
                           ? ", week or days_28" : "", period);
    }
    if (bd != NULL && !csv_has(acct_metrics[k].breakdowns, bd, strlen(bd)))
      return result_errorf(r, "invalid_argument",
                           "breakdown: %s does not support breakdown %s%s%s.",
                           m, bd, *acct_metrics[k].breakdowns ? "; it has "
                                                              : "",
                           acct_metrics[k].breakdowns);
  }
  if (bd != NULL && !total)
    return result_errorf(r, "invalid_argument",
                         "breakdown: needs metric_type total_value.");
  if (tf != NULL && !demo)
    return result_errorf(r, "invalid_argument",
                         "timeframe: only for the demographics metrics "
                         "(follower_demographics, ...); use since/until.");
  if (str(args, "since") != NULL &&
      parse_when(r, "since", str(args, "since"), since) != 0)
    return -1;
  if (str(args, "until") != NULL &&
      parse_when(r, "until", str(args, "until"), until) != 0)
    return -1;
  if (*since != 0 || *until != 0) {
    int64_t u = *until != 0 ? *until : now, s = *since != 0 ? *since
                                                            : u - DAY;
    if (u <= s)
      return result_errorf(r, "invalid_argument",
                           "since/until: since must be before until.");
    if (u - s > 30 * DAY)
      return result_errorf(r, "invalid_argument",
                           "since/until: at most 30 days apart (Meta's "
                           "limit); split the range.");
    if (s < now - 2 * 365 * DAY)
      return result_errorf(r, "invalid_argument",
                           "since: Meta keeps account insights for at most "
                           "2 years (most metrics 90 days).");
  }
  return 0;
}

static int
account_insights(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[8];
  char metrics[1024], node[32], path[64], s1[24], s2[24];
  int64_t since = 0, until = 0;
  json_t *body = NULL, *out;
  size_t n = 0;

  if (metric_list(r, json_object_get(args, "metrics"), metrics,
                  sizeof(metrics)) != 0 ||
      check_account(r, args, &since, &until) != 0 ||
      account_resolve_own(c, r, node, sizeof(node)) != 0)
    return -1;
  snprintf(path, sizeof(path), "%s/insights", node);
  p[n++] = (struct graph_param){ "metric", metrics };
  p[n++] = (struct graph_param){ "period", str(args, "period") };
  if (str(args, "metric_type") != NULL)
    p[n++] = (struct graph_param){ "metric_type", str(args, "metric_type") };
  if (str(args, "breakdown") != NULL)
    p[n++] = (struct graph_param){ "breakdown", str(args, "breakdown") };
  if (str(args, "timeframe") != NULL)
    p[n++] = (struct graph_param){ "timeframe", str(args, "timeframe") };
  if (since != 0) {
    snprintf(s1, sizeof(s1), "%lld", (long long)since);
    p[n++] = (struct graph_param){ "since", s1 };
  }
  if (until != 0) {
    snprintf(s2, sizeof(s2), "%lld", (long long)until);
    p[n++] = (struct graph_param){ "until", s2 };
  }
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0)
    return -1;
  out = norm_insights(body);
  json_decref(body);
  return result_ok(r, out);
}

#define METRIC_OUT_SCHEMA                                                    \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"name\":{\"type\":\"string\"},\"period\":{\"type\":\"string\"},"         \
  "\"title\":{\"type\":\"string\"},"                                         \
  "\"value\":{\"description\":\"A number, or an object for "                 \
  "online_followers.\"},"                                                    \
  "\"values\":{\"type\":\"array\",\"items\":{\"type\":\"object\","           \
  "\"properties\":{\"end_time\":{\"type\":\"string\"}}}},"                   \
  "\"total_value\":{\"type\":\"object\",\"properties\":{"                    \
  "\"breakdowns\":{\"type\":\"array\"}}}},"                                  \
  "\"required\":[\"name\"]}"

#define METRICS_PROP(desc)                                                   \
  "\"metrics\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":20,"          \
  "\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"pattern\":"         \
  "\"^[a-z0-9_]{1,64}$\"},\"description\":\"" desc "\"}"

static const struct tool insights_tools[] = {
  {
    .name = "ig_get_media_insights",
    .title = "Media insights",
    .description =
        "Get lifetime metrics of one of the account's posts, reels or "
        "stories: views, reach, likes, comments, saved, shares, "
        "total_interactions; stories add replies and navigation, reels "
        "watch time. Deprecated metrics are refused with their "
        "replacement: impressions/plays/video_views -> views, "
        "taps_forward/taps_back/exits -> navigation with breakdown "
        "story_navigation_action_type. Carousel children have no insights.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"media_id\":{\"type\":\"string\",\"pattern\":\"" MEDIA_ID_PATTERN
        "\",\"description\":\"Media ID (numeric, not a shortcode).\"},"
        METRICS_PROP("Metric names, e.g. [\\\"views\\\",\\\"reach\\\"].") ","
        "\"period\":{\"type\":\"string\",\"enum\":[\"lifetime\"],"
        "\"default\":\"lifetime\",\"description\":\"Media insights are "
        "lifetime totals.\"},"
        "\"breakdown\":{\"type\":\"string\",\"enum\":[\"action_type\","
        "\"story_navigation_action_type\"],\"description\":\"action_type "
        "with profile_activity; story_navigation_action_type with "
        "navigation (stories).\"}},"
        "\"required\":[\"media_id\",\"metrics\"],"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"media_id\":{\"type\":\"string\"},"
        "\"metrics\":{\"type\":\"array\",\"items\":" METRIC_OUT_SCHEMA "},"
        "\"note\":{\"type\":\"string\"}},"
        "\"required\":[\"metrics\"]}",
    .hints = HINTS_READ,
    .run = media_insights,
  },
  {
    .name = "ig_get_account_insights",
    .title = "Account insights",
    .description =
        "Get the account's metrics over time: reach, views, follower_count, "
        "online_followers, interactions, profile_links_taps and audience "
        "demographics. Most metrics need metric_type total_value; "
        "demographics need period lifetime, a timeframe and a breakdown. "
        "since/until at most 30 days apart (default: the last 24 h). "
        "Deprecated metrics (impressions, profile_views, website_clicks, "
        "...) are refused with their replacement.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        METRICS_PROP("Metric names; one period for all of them.") ","
        "\"period\":{\"type\":\"string\",\"enum\":[\"day\",\"week\","
        "\"days_28\",\"month\",\"lifetime\"],\"default\":\"day\","
        "\"description\":\"Aggregation period.\"},"
        "\"metric_type\":{\"type\":\"string\",\"enum\":[\"time_series\","
        "\"total_value\"],\"description\":\"time_series (per day) or "
        "total_value (one total, with breakdowns).\"},"
        "\"breakdown\":{\"type\":\"string\",\"enum\":[\"media_product_type\","
        "\"follow_type\",\"follower_type\",\"contact_button_type\",\"age\","
        "\"city\",\"country\",\"gender\"],\"description\":\"Split a "
        "total_value metric.\"},"
        "\"timeframe\":{\"type\":\"string\",\"enum\":[\"this_week\","
        "\"this_month\"],\"description\":\"Demographics only.\"},"
        "\"since\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":40,"
        "\"description\":\"Start: unix time, ISO 8601 or YYYY-MM-DD.\"},"
        "\"until\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":40,"
        "\"description\":\"End: unix time, ISO 8601 or YYYY-MM-DD.\"}},"
        "\"required\":[\"metrics\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"metrics\":{\"type\":\"array\",\"items\":" METRIC_OUT_SCHEMA "}},"
        "\"required\":[\"metrics\"]}",
    .hints = HINTS_READ,
    .run = account_insights,
  },
};

const struct toolset insights_toolset = {
  .name = "insights",
  .description = "Insights: media and account metrics.",
  .tools = insights_tools,
  .ntools = sizeof(insights_tools) / sizeof(insights_tools[0]),
};
