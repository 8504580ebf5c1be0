/* SPDX-License-Identifier: MIT */
/*
 * hashtags.c: the hashtags toolset (Meta's Hashtag Search API).
 *
 * Hashtag search exists only with Facebook Login (graph.facebook.com);
 * every tool here refuses locally with Instagram Login.  Calls need the
 * IG professional account's id as user_id: when the configured user id is
 * "me" (the Page, with Facebook Login) it is resolved once through the
 * Page's instagram_business_account and cached.
 *
 * The budget: an account may query at most 30 unique hashtags in a
 * rolling 7-day window; a hashtag already queried in the window is free
 * and keeps its first query's timer.  This module records, in memory and
 * under a mutex, every hashtag this process searched and when it first
 * did.  ig_search_hashtag refuses locally the 31st unique hashtag of the
 * window, with the time the oldest one frees up; after each search it
 * reads GET /{ig-user}/recently_searched_hashtags, which also counts
 * searches made by other programs, to report the remaining budget.
 * Searches made elsewhere are not in memory, so Meta may still refuse a
 * search this process allowed; its error is passed on.
 *
 * ig_get_hashtag_media reads either media edge (order "top" or "recent");
 * the two tools it replaced, ig_get_hashtag_top_media and
 * ig_get_hashtag_recent_media, stay callable as aliases that preset order.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/xalloc.h"
#include "tools/account.h"
#include "tools/schema_props.h"
#include "tools/tool.h"

#define HASHTAG_BUDGET 30
#define HASHTAG_WINDOW (7 * 24 * 3600)
#define HASHTAG_NAME_MAX 100
#define HASHTAG_ID_PATTERN "^[0-9]{1,25}$"

#define FB_ONLY_MSG                                                          \
  "Hashtag search needs Facebook Login: Meta offers it only on "             \
  "graph.facebook.com (Instagram API with Facebook Login). Configure a "     \
  "Facebook Login token (EAA...) with the Page linked to the account."

#define MEDIA_FIELDS                                                         \
  "id,media_type,caption,permalink,media_url,like_count,comments_count,"     \
  "timestamp,children"

#define TAG_MEDIA_SCHEMA                                                     \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"id\":{\"type\":\"string\"},\"media_type\":{\"type\":\"string\"},"       \
  "\"caption\":{\"type\":\"string\"},\"permalink\":{\"type\":\"string\"},"   \
  "\"media_url\":{\"type\":\"string\"},"                                     \
  "\"like_count\":{\"type\":\"integer\"},"                                   \
  "\"comments_count\":{\"type\":\"integer\"},"                               \
  "\"timestamp\":{\"type\":\"string\"},"                                     \
  "\"children\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"      \
  "\"required\":[\"id\"]}"

#define HASHTAG_ID_PROP                                                      \
  "\"hashtag_id\":{\"type\":\"string\",\"pattern\":\"" HASHTAG_ID_PATTERN    \
  "\",\"description\":\"Hashtag ID from ig_search_hashtag.\"}"

/* One hashtag this process searched. */
struct searched {
  char name[4 * HASHTAG_NAME_MAX + 1];
  char id[32];
  int64_t first_at;    /* wall clock, unix seconds */
};

static pthread_mutex_t tags_mu = PTHREAD_MUTEX_INITIALIZER;
static struct searched *tags_v;
static size_t tags_n, tags_cap;

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* Drops records older than the window.  tags_mu held. */
static void
prune(int64_t now)
{
  size_t o = 0;

  for (size_t i = 0; i < tags_n; i++)
    if (now - tags_v[i].first_at < HASHTAG_WINDOW)
      tags_v[o++] = tags_v[i];
  tags_n = o;
}

/* The record for name, or NULL.  tags_mu held. */
static struct searched *
find_name(const char *name)
{
  for (size_t i = 0; i < tags_n; i++)
    if (strcmp(tags_v[i].name, name) == 0)
      return &tags_v[i];
  return NULL;
}

/* Checks the login and resolves the account: the start of every tool. */
static int
prologue(struct call *c, struct result *r, char ig[32])
{
  if (c->acct->login != GRAPH_LOGIN_FACEBOOK)
    return result_errorf(r, "invalid_argument", FB_ONLY_MSG);
  return account_resolve_own(c, r, ig, 32);
}

/* Hashtag name rule: letters, digits and underscores, no '#' inside, no
 * emoji; at most HASHTAG_NAME_MAX characters.  Writes the lowercased name
 * (one leading '#' dropped) to out or an explanation to why. */
static int
clean_name(const char *in, char *out, size_t outlen, const char **why)
{
  const unsigned char *p = (const unsigned char *)in;
  size_t o = 0, n = 0;

  if (*p == '#')
    p++;
  if (*p == '\0') {
    *why = "it is empty";
    return -1;
  }
  while (*p != '\0') {
    int len = 1;
    uint32_t cp = *p;
    if (*p < 0x80) {
      if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || *p == '_')) {
        *why = *p == '#' ? "give one hashtag, without '#'"
                         : "only letters, digits and underscores are "
                           "allowed (no spaces or punctuation)";
        return -1;
      }
    } else {
      len = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
          : (*p & 0xf8) == 0xf0 ? 4 : 0;
      if (len == 0) {
        *why = "it is not valid UTF-8";
        return -1;
      }
      cp = *p & (0x7f >> len);
      for (int i = 1; i < len; i++)
        cp = (cp << 6) | (p[i] & 0x3f);
      if (cp < 0xc0 || (cp >= 0x2000 && cp <= 0x2bff) ||
          (cp >= 0xfe00 && cp <= 0xfe0f) || cp >= 0x1f000) {
        *why = "emoji and symbols are not supported by Meta's hashtag "
               "search; only letters, digits and underscores";
        return -1;
      }
    }
    if (++n > HASHTAG_NAME_MAX) {
      *why = "it is longer than 100 characters";
      return -1;
    }
    if (o + (size_t)len >= outlen) {
      *why = "it is too long";
      return -1;
    }
    for (int i = 0; i < len; i++)
      out[o++] = (char)(len == 1 && p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32
                                                               : p[i]);
    p += len;
  }
  out[o] = '\0';
  return 0;
}

/* How many unique hashtags Meta counts in the window (all programs), or
 * -1 when the call fails (the result is then left untouched). */
static long
remote_used(struct call *c, const char *ig, json_t **ids)
{
  struct graph_param p[3] = { { "limit", "30" }, { NULL, NULL } };
  struct result tmp = { 0 };
  char path[96];
  json_t *body = NULL, *item;
  size_t i;
  long n;

  snprintf(path, sizeof(path), "%s/recently_searched_hashtags", ig);
  if (tool_graph(c, &tmp, "GET", path, p, NULL, 1, &body) != 0) {
    result_free(&tmp);
    return -1;
  }
  n = (long)json_array_size(json_object_get(body, "data"));
  if (ids != NULL) {
    *ids = json_array();
    json_array_foreach(json_object_get(body, "data"), i, item)
      if (str(item, "id") != NULL)
        json_array_append_new(*ids, json_string(str(item, "id")));
  }
  json_decref(body);
  return n;
}

static int
search_hashtag(struct call *c, const json_t *args, struct result *r)
{
  char ig[32], name[4 * HASHTAG_NAME_MAX + 1], when[32];
  const char *why = NULL, *id;
  struct graph_param p[3];
  struct searched *s;
  int64_t now = clock_wall_s();
  int fresh = 0, repeat;
  json_t *body = NULL, *out;
  long used;

  if (clean_name(str(args, "hashtag"), name, sizeof(name), &why) != 0)
    return result_errorf(r, "invalid_argument",
                         "hashtag: %s. Example: \"ceramics\" (no '#').", why);
  if (prologue(c, r, ig) != 0)
    return -1;
  /* Reserve the slot under the lock, so two searches cannot both take
   * the 30th. */
  pthread_mutex_lock(&tags_mu);
  prune(now);
  s = find_name(name);
  repeat = s != NULL;
  if (s == NULL && tags_n >= HASHTAG_BUDGET) {
    int64_t oldest = tags_v[0].first_at;
    char oldest_name[4 * HASHTAG_NAME_MAX + 1];
    snprintf(oldest_name, sizeof(oldest_name), "%s", tags_v[0].name);
    for (size_t i = 1; i < tags_n; i++)
      if (tags_v[i].first_at < oldest) {
        oldest = tags_v[i].first_at;
        snprintf(oldest_name, sizeof(oldest_name), "%s", tags_v[i].name);
      }
    pthread_mutex_unlock(&tags_mu);
    clock_iso8601(oldest + HASHTAG_WINDOW, when);
    return result_errorf(
        r, "limit_reached",
        "Hashtag budget spent: this account already searched %d unique "
        "hashtags in the last 7 days, Meta's limit. The next slot frees up "
        "at %s (7 days after #%s was first searched). Hashtags already "
        "searched in the window can still be searched again: see "
        "ig_list_recent_hashtag_searches.", HASHTAG_BUDGET, when,
        oldest_name);
  }
  if (s == NULL) {
    if (tags_n == tags_cap) {
      tags_cap = tags_cap ? tags_cap * 2 : 32;
      tags_v = xrealloc(tags_v, tags_cap * sizeof(*tags_v));
    }
    s = &tags_v[tags_n++];
    memset(s, 0, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->first_at = now;
    fresh = 1;
  }
  pthread_mutex_unlock(&tags_mu);

  p[0] = (struct graph_param){ "user_id", ig };
  p[1] = (struct graph_param){ "q", name };
  p[2] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", "ig_hashtag_search", p, NULL, 1, &body) != 0)
    goto undo;
  id = str(json_array_get(json_object_get(body, "data"), 0), "id");
  if (id == NULL) {
    json_decref(body);
    result_errorf(r, "not_found",
                  "Meta found no hashtag named #%s (it may be unused, or "
                  "one Meta deems sensitive).", name);
    goto undo;
  }
  pthread_mutex_lock(&tags_mu);
  s = find_name(name);
  if (s != NULL)
    snprintf(s->id, sizeof(s->id), "%s", id);
  pthread_mutex_unlock(&tags_mu);
  out = json_pack("{s:s, s:s, s:b}", "id", id, "name", name,
                  "already_counted", repeat);
  json_decref(body);
  used = remote_used(c, ig, NULL);
  if (used < 0) {
    pthread_mutex_lock(&tags_mu);
    used = (long)tags_n;
    pthread_mutex_unlock(&tags_mu);
  }
  json_object_set_new(out, "budget",
                      json_pack("{s:I, s:I, s:I, s:i}", "limit",
                                (json_int_t)HASHTAG_BUDGET, "used",
                                (json_int_t)used, "remaining",
                                (json_int_t)(used >= HASHTAG_BUDGET
                                             ? 0 : HASHTAG_BUDGET - used),
                                "window_days", 7));
  return result_ok(r, out);
undo:
  if (fresh) {
    pthread_mutex_lock(&tags_mu);
    for (size_t i = 0; i < tags_n; i++)
      if (strcmp(tags_v[i].name, name) == 0) {
        tags_v[i] = tags_v[--tags_n];
        break;
      }
    pthread_mutex_unlock(&tags_mu);
  }
  return -1;
}

static int
get_hashtag(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[2] = { { "fields", "id,name" }, { NULL, NULL } };
  char ig[32];
  json_t *body = NULL, *out;

  if (prologue(c, r, ig) != 0)
    return -1;
  if (tool_graph(c, r, "GET", str(args, "hashtag_id"), p, NULL, 1, &body) !=
      0)
    return -1;
  out = json_pack("{s:s}", "id",
                  str(body, "id") ? str(body, "id") : str(args, "hashtag_id"));
  if (str(body, "name") != NULL)
    json_object_set_new(out, "name", json_string(str(body, "name")));
  json_decref(body);
  return result_ok(r, out);
}

/* A normalized hashtag media item. */
static json_t *
norm_media(const json_t *m)
{
  static const char *const s_keys[] = { "media_type", "caption", "permalink",
                                        "media_url", "timestamp" };
  static const char *const i_keys[] = { "like_count", "comments_count" };
  json_t *o, *kids, *k;
  size_t i;

  if (str(m, "id") == NULL)
    return NULL;
  o = json_pack("{s:s}", "id", str(m, "id"));
  for (i = 0; i < sizeof(s_keys) / sizeof(s_keys[0]); i++)
    if (str(m, s_keys[i]) != NULL)
      json_object_set_new(o, s_keys[i], json_string(str(m, s_keys[i])));
  for (i = 0; i < sizeof(i_keys) / sizeof(i_keys[0]); i++)
    if (json_is_integer(json_object_get(m, i_keys[i])))
      json_object_set(o, i_keys[i], json_object_get(m, i_keys[i]));
  kids = json_object_get(json_object_get(m, "children"), "data");
  if (json_is_array(kids)) {
    json_t *list = json_array();
    json_array_foreach(kids, i, k)
      if (str(k, "id") != NULL)
        json_array_append_new(list, json_string(str(k, "id")));
    json_object_set_new(o, "children", list);
  }
  return o;
}

/* A hashtag's top_media or recent_media edge, by order ("top", the
 * default, or "recent"). */
static int
tag_media(struct call *c, const json_t *args, struct result *r)
{
  const char *order = str(args, "order");
  struct graph_param p[5];
  char ig[32], path[96], limit[16];
  json_t *body = NULL, *list, *item, *out, *paging;
  size_t i, n = 0;

  if (prologue(c, r, ig) != 0)
    return -1;
  snprintf(path, sizeof(path), "%s/%s", str(args, "hashtag_id"),
           order != NULL && strcmp(order, "recent") == 0 ? "recent_media"
                                                         : "top_media");
  snprintf(limit, sizeof(limit), "%" JSON_INTEGER_FORMAT,
           json_integer_value(json_object_get(args, "limit")));
  p[n++] = (struct graph_param){ "user_id", ig };
  p[n++] = (struct graph_param){ "fields", MEDIA_FIELDS };
  p[n++] = (struct graph_param){ "limit", limit };
  if (str(args, "after") != NULL)
    p[n++] = (struct graph_param){ "after", str(args, "after") };
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0)
    return -1;
  list = json_array();
  json_array_foreach(json_object_get(body, "data"), i, item) {
    json_t *m = norm_media(item);
    if (m != NULL)
      json_array_append_new(list, m);
  }
  out = json_pack("{s:s, s:o, s:I}", "hashtag_id", str(args, "hashtag_id"),
                  "media", list, "count", (json_int_t)json_array_size(list));
  paging = json_object_get(body, "paging");
  if (json_object_get(paging, "next") != NULL &&
      str(json_object_get(paging, "cursors"), "after") != NULL)
    json_object_set_new(out, "next_cursor",
                        json_string(str(json_object_get(paging, "cursors"),
                                        "after")));
  json_decref(body);
  return result_ok(r, out);
}

static int
list_searches(struct call *c, const json_t *args, struct result *r)
{
  char ig[32], when[32];
  json_t *ids = NULL, *list, *id;
  long used;
  size_t i;

  if (prologue(c, r, ig) != 0)
    return -1;
  used = remote_used(c, ig, &ids);
  if (used < 0) {
    /* Retry once through the reporting path to get Meta's explanation. */
    struct graph_param p[2] = { { "limit", "30" }, { NULL, NULL } };
    char path[96];
    json_t *body = NULL;
    snprintf(path, sizeof(path), "%s/recently_searched_hashtags", ig);
    if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0)
      return -1;
    json_decref(body);
    return result_errorf(r, "graph_error",
                         "Meta's recently_searched_hashtags failed.");
  }
  list = json_array();
  pthread_mutex_lock(&tags_mu);
  prune(clock_wall_s());
  json_array_foreach(ids, i, id) {
    json_t *o = json_pack("{s:s}", "id", json_string_value(id));
    for (size_t k = 0; k < tags_n; k++)
      if (strcmp(tags_v[k].id, json_string_value(id)) == 0) {
        json_object_set_new(o, "name", json_string(tags_v[k].name));
        clock_iso8601(tags_v[k].first_at, when);
        json_object_set_new(o, "first_searched", json_string(when));
        clock_iso8601(tags_v[k].first_at + HASHTAG_WINDOW, when);
        json_object_set_new(o, "frees_up", json_string(when));
      }
    json_array_append_new(list, o);
  }
  pthread_mutex_unlock(&tags_mu);
  json_decref(ids);
  return result_ok(
      r, json_pack("{s:o, s:I, s:I, s:I}", "hashtags", list, "used",
                   (json_int_t)used, "limit", (json_int_t)HASHTAG_BUDGET,
                   "remaining",
                   (json_int_t)(used >= HASHTAG_BUDGET ? 0
                                                       : HASHTAG_BUDGET - used)));
}

#define BUDGET_SCHEMA                                                        \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"limit\":{\"type\":\"integer\"},\"used\":{\"type\":\"integer\"},"        \
  "\"remaining\":{\"type\":\"integer\"},"                                    \
  "\"window_days\":{\"type\":\"integer\"}},"                                 \
  "\"required\":[\"limit\",\"used\",\"remaining\"]}"

#define MEDIA_INPUT_SCHEMA                                                   \
  "{\"type\":\"object\",\"properties\":{" HASHTAG_ID_PROP ","                \
  "\"order\":{\"type\":\"string\",\"enum\":[\"top\",\"recent\"],"            \
  "\"default\":\"top\",\"description\":\"top: most popular first; "          \
  "recent: the last 24 hours only, newest first.\"},"                        \
  "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":50,"            \
  "\"default\":25,\"description\":\"Media per page (1-50).\"},"              \
  AFTER_PROP "},"                                                            \
  "\"required\":[\"hashtag_id\"],\"additionalProperties\":false}"

#define MEDIA_OUTPUT_SCHEMA                                                  \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"hashtag_id\":{\"type\":\"string\"},"                                    \
  "\"media\":{\"type\":\"array\",\"items\":" TAG_MEDIA_SCHEMA "},"          \
  "\"count\":{\"type\":\"integer\"},"                                        \
  "\"next_cursor\":{\"type\":\"string\"}},"                                  \
  "\"required\":[\"hashtag_id\",\"media\",\"count\"]}"

static const struct tool hashtag_tools[] = {
  {
    .name = "ig_search_hashtag",
    .title = "Search a hashtag",
    .description =
        "Find a hashtag's ID by name, to read its top or recent media. "
        "Meta allows 30 unique hashtags per account per rolling 7 days "
        "(repeats are free); past that the search is refused locally "
        "with when a slot frees up. Name: letters, digits, underscores, "
        "no '#' or emoji. Facebook Login only.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"hashtag\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":101,"
        "\"description\":\"Hashtag name without '#', e.g. ceramics.\"}},"
        "\"required\":[\"hashtag\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
        "\"already_counted\":{\"type\":\"boolean\"},"
        "\"budget\":" BUDGET_SCHEMA "},"
        "\"required\":[\"id\",\"name\",\"budget\"]}",
    .hints = HINTS_READ,
    .run = search_hashtag,
  },
  {
    .name = "ig_get_hashtag",
    .title = "Get a hashtag",
    .description =
        "Get a hashtag's ID and name from its ID (from ig_search_hashtag). "
        "Reading a hashtag not searched in the last 7 days counts against "
        "the 30-hashtag weekly budget. Facebook Login only.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" HASHTAG_ID_PROP "},"
        "\"required\":[\"hashtag_id\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"}},"
        "\"required\":[\"id\"]}",
    .hints = HINTS_READ,
    .run = get_hashtag,
  },
  {
    .name = "ig_get_hashtag_media",
    .detail_keys = MEDIA_DETAIL_KEYS,
    .title = "Media of a hashtag",
    .description =
        "List public photos and videos tagged with a hashtag (ID from "
        "ig_search_hashtag): order \"top\" (default) for the most popular, "
        "\"recent\" for the last 24 hours only, newest first. Meta hides "
        "authors' usernames and excludes ads and stories. Pass next_cursor "
        "back as after. Facebook Login only.",
    .input_schema = MEDIA_INPUT_SCHEMA,
    .output_schema = MEDIA_OUTPUT_SCHEMA,
    .hints = HINTS_READ,
    .run = tag_media,
  },
  {
    .name = "ig_list_recent_hashtag_searches",
    .title = "Hashtags searched this week",
    .description =
        "List the unique hashtags the account searched in the last 7 days, "
        "as Meta counts them against its 30-hashtag budget, with the "
        "remaining budget. Names and free-up times are shown for searches "
        "made by this server. Facebook Login only.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"hashtags\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
        "\"properties\":{\"id\":{\"type\":\"string\"},"
        "\"name\":{\"type\":\"string\"},"
        "\"first_searched\":{\"type\":\"string\"},"
        "\"frees_up\":{\"type\":\"string\"}},\"required\":[\"id\"]}},"
        "\"used\":{\"type\":\"integer\"},\"limit\":{\"type\":\"integer\"},"
        "\"remaining\":{\"type\":\"integer\"}},"
        "\"required\":[\"hashtags\",\"used\",\"limit\",\"remaining\"]}",
    .hints = HINTS_READ,
    .run = list_searches,
  },
};

/* The two tools merged into ig_get_hashtag_media (issue 5). */
static const struct tool_alias hashtag_aliases[] = {
  { "ig_get_hashtag_top_media", "ig_get_hashtag_media",
    "{\"order\":\"top\"}" },
  { "ig_get_hashtag_recent_media", "ig_get_hashtag_media",
    "{\"order\":\"recent\"}" },
};

const struct toolset hashtags_toolset = {
  .name = "hashtags",
  .description = "Hashtags: search, top and recent media, the 7-day budget.",
  .tools = hashtag_tools,
  .ntools = sizeof(hashtag_tools) / sizeof(hashtag_tools[0]),
  .aliases = hashtag_aliases,
  .naliases = sizeof(hashtag_aliases) / sizeof(hashtag_aliases[0]),
};
