/* SPDX-License-Identifier: MIT */
/*
 * routes_tags.c: the sandbox's Hashtag Search API, and the entry point of
 * the insights routes.
 *
 * Hashtag search is a Facebook Login feature: on graph.instagram.com this
 * router owns nothing, so routes.c answers as Meta does there (an unknown
 * object, or unknown path components).  On graph.facebook.com it serves
 * GET /ig_hashtag_search?user_id=&q=, GET /{hashtag}, GET /{hashtag}/
 * top_media and /recent_media, and GET /{ig-user}/recently_searched_hashtags.
 *
 * Hashtag ids are static and global as on Meta: a hash of the lowercased
 * name.  The world remembers every hashtag it has handed out (so its id
 * resolves later) and when each was first queried within the rolling
 * 7-day window: an account may query at most 30 unique hashtags in it;
 * querying one already in the window is free and does not restart its
 * timer.  Hashtag media are made up on each request from the world's seed
 * and the name, so they are deterministic and need no storage; recent
 * media are spread over the last 24 hours of the sandbox clock.
 *
 * sbx_route_tags also calls sbx_route_insights (routes_insights.c) first:
 * insights have no hook of their own in routes.c.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/xalloc.h"
#include "insights.h"
#include "sbx.h"

#define TAGS_WINDOW (7 * 24 * 3600)
#define TAGS_BUDGET 30
#define TAGS_TOP_COUNT 45
#define TAGS_NAME_MAX 100

struct tag {
  char *name;          /* lowercase, without '#' */
  char id[24];
  int64_t searched_at; /* first query in the current window, 0 if none */
};

struct world_tags {
  struct tag *v;
  size_t n, cap;
};

static const char *const hashtag_fields[] = { "id", "name", NULL };
static const char *const tag_media_fields[] = {
  "id", "caption", "children", "comments_count", "like_count",
  "media_type", "media_url", "permalink", "timestamp", NULL
};

static struct tag *tag_get(struct world_tags *t, const char *name);

/* Hashtags that exist from the start, so their ids resolve in any world
 * (Meta's ids are global); none of them counts as searched. */
static const char *const known_tags[] = {
  "ceramics", "pottery", "handmade", "stoneware", "wheelthrown",
  "studiolife", "makersgonnamake", "instagood", "photooftheday", "art",
  NULL
};

void
world_tags_build(struct world *w, int64_t now)
{
  (void)now;
  world_tags_free(w);
  w->tags = xcalloc(1, sizeof(*w->tags));
  for (size_t i = 0; known_tags[i] != NULL; i++)
    tag_get(w->tags, known_tags[i]);
}

void
world_tags_free(struct world *w)
{
  if (w->tags == NULL)
    return;
  for (size_t i = 0; i < w->tags->n; i++)
    free(w->tags->v[i].name);
  free(w->tags->v);
  free(w->tags);
  w->tags = NULL;
}

/* FNV-1a, 64 bits. */
static uint64_t
hash64(const char *s, uint64_t h)
{
  for (; *s != '\0'; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* splitmix64 step. */
static uint64_t
mix_next(uint64_t *st)
{
  uint64_t z = (*st += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A hashtag name is letters (any script), digits and underscores; emoji
 * and punctuation are refused.  ASCII is checked exactly; other code
 * points are accepted unless they are symbols or joiners. */
static int
name_ok(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t n = 0;

  if (*p == '\0')
    return 0;
  while (*p != '\0') {
    uint32_t cp;
    if (*p < 0x80) {
      if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || *p == '_'))
        return 0;
      p++;
    } else {
      int len = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
              : (*p & 0xf8) == 0xf0 ? 4 : 0;
      if (len == 0)
        return 0;
      cp = *p & (0x7f >> len);
      for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
          return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
      }
      if (cp < 0xc0 || (cp >= 0x2000 && cp <= 0x2bff) ||
          (cp >= 0xfe00 && cp <= 0xfe0f) || cp >= 0x1f000)
        return 0;
      p += len;
    }
    if (++n > TAGS_NAME_MAX)
      return 0;
  }
  return 1;
}

/* The hashtag's id: "1784" and 13 digits of the name's hash. */
static void
tag_id(const char *name, char out[24])
{
  uint64_t h = hash64(name, 0xcbf29ce484222325ULL) % 10000000000000ULL;
  char digits[16];

  for (int i = 12; i >= 0; i--) {
    digits[i] = (char)('0' + h % 10);
    h /= 10;
  }
  digits[13] = '\0';
  snprintf(out, 24, "1784%s", digits);
}

static struct tag *
tag_by_id(const struct world_tags *t, const char *id)
{
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->v[i].id, id) == 0)
      return &t->v[i];
  return NULL;
}

/* The hashtag named name (lowercase), created on first use. */
static struct tag *
tag_get(struct world_tags *t, const char *name)
{
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->v[i].name, name) == 0)
      return &t->v[i];
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 16;
    t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
  }
  t->v[t->n].name = xstrdup(name);
  tag_id(name, t->v[t->n].id);
  t->v[t->n].searched_at = 0;
  return &t->v[t->n++];
}

static int
in_window(const struct tag *g, int64_t now)
{
  return g->searched_at > 0 && now - g->searched_at < TAGS_WINDOW;
}

/* Counts a query of g against the 7-day budget.  Returns -1 with Meta's
 * error set when g is new to the window and the budget is spent. */
static int
tag_touch(struct sbx_req *r, struct tag *g)
{
  struct world_tags *t = r->sb->world.tags;
  int64_t now = world_now(&r->sb->world);
  size_t used = 0;

  if (in_window(g, now))
    return 0;
  for (size_t i = 0; i < t->n; i++)
    used += in_window(&t->v[i], now);
  if (used >= TAGS_BUDGET) {
    /* Inferred: see docs/internals/sandbox-insights.md. */
    sbx_error(r, 400, SBX_ET_OAUTH, 24, 0,
              "(#24) The hashtag query limit has been reached: an "
              "Instagram account can query at most %d unique hashtags "
              "within a rolling 7 day period", TAGS_BUDGET);
    return -1;
  }
  g->searched_at = now;
  return 0;
}

/* Checks the user_id parameter every hashtag call needs. */
static int
check_user(struct sbx_req *r)
{
  const char *u = sbx_param(r, "user_id");

  if (u == NULL || *u == '\0') {
    sbx_err_param(r, "The parameter user_id is required");
    return -1;
  }
  if (!sbx_is_account(r, u)) {
    sbx_err_param(r, "Param user_id must be the ID of the Instagram "
                  "professional account the token acts for");
    return -1;
  }
  return 0;
}

/* GET /ig_hashtag_search?user_id=&q= */
static void
hashtag_search(struct sbx_req *r)
{
  const char *q = sbx_param(r, "q");
  char *name;
  struct tag *g;

  if (check_user(r) != 0)
    return;
  if (q == NULL || *q == '\0') {
    sbx_err_param(r, "The parameter q is required");
    return;
  }
  if (*q == '#')
    q++;
  if (!name_ok(q)) {
    r->resp = json_pack("{s:[]}", "data");
    return;
  }
  name = xstrdup(q);
  for (char *p = name; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p + 32);
  g = tag_get(r->sb->world.tags, name);
  free(name);
  if (tag_touch(r, g) != 0)
    return;
  r->resp = json_pack("{s:[{s:s}]}", "data", "id", g->id);
}

/* GET /{hashtag}?fields=id,name */
static void
get_hashtag(struct sbx_req *r, struct tag *g)
{
  struct sbx_fields *f = NULL;
  json_t *o;

  if (sbx_req_fields(r, "id", &f) != 0)
    return;
  if (sbx_fields_check(r, f, hashtag_fields, "IGHashtag") != 0 ||
      tag_touch(r, g) != 0)
    goto out;
  o = json_pack("{s:s}", "id", g->id);
  if (sbx_fields_get(f, "name") != NULL)
    json_object_set_new(o, "name", sbx_jstr(g->name));
  r->resp = o;
out:
  sbx_fields_free(f);
}

/* One made-up public media item of hashtag g: the i-th of its top or
 * recent list, posted at ts. */
static json_t *
tag_media(struct sbx_req *r, const struct tag *g, int recent, size_t i,
          int64_t ts, int likes, const struct sbx_fields *f, char id[24])
{
  uint64_t st = hash64(g->name, r->sb->world.seed * 31 + (uint64_t)recent)
                + i * 7919;
  static const char *const types[] = { "IMAGE", "IMAGE", "IMAGE", "VIDEO",
                                       "CAROUSEL_ALBUM" };
  const char *type = types[mix_next(&st) % 5];
  char when[32], code[12];
  json_t *o;

  snprintf(id, 24, "1790%013llu",
           (unsigned long long)(mix_next(&st) % 10000000000000ULL));
  for (int k = 0; k < 11; k++)
    code[k] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
        [mix_next(&st) % 63];
  code[11] = '\0';
  clock_iso8601(ts, when);
  o = json_pack("{s:s}", "id", id);
  for (size_t k = 0; k < f->n; k++) {
    const char *n = f->v[k].name;
    json_t *v;
    if (strcmp(n, "id") == 0)
      continue;
    if (strcmp(n, "caption") == 0)
      v = json_sprintf("Weekend light ✨ #%s #instagood", g->name);
    else if (strcmp(n, "comments_count") == 0)
      v = json_integer((json_int_t)(likes / 40 + (int)(st % 7)));
    else if (strcmp(n, "like_count") == 0)
      v = json_integer(likes);
    else if (strcmp(n, "media_type") == 0)
      v = json_string(type);
    else if (strcmp(n, "media_url") == 0)
      v = json_sprintf("https://scontent.cdninstagram.com/v/t51.29350-15/"
                       "%s_n.%s", id, strcmp(type, "VIDEO") == 0 ? "mp4"
                                                                 : "jpg");
    else if (strcmp(n, "permalink") == 0)
      v = json_sprintf("https://www.instagram.com/p/%s/", code);
    else if (strcmp(n, "timestamp") == 0)
      v = json_string(when);
    else {
      /* children */
      if (strcmp(type, "CAROUSEL_ALBUM") != 0)
        continue;
      v = json_pack("{s:[{s:o},{s:o}]}", "data",
                    "id", json_sprintf("%s1", id),
                    "id", json_sprintf("%s2", id));
    }
    json_object_set_new(o, n, v);
  }
  return o;
}

/* GET /{hashtag}/top_media and /recent_media. */
static void
get_tag_media(struct sbx_req *r, struct tag *g, int recent)
{
  struct sbx_fields *f = NULL;
  int64_t now = world_now(&r->sb->world) / 600 * 600;
  uint64_t h = hash64(g->name, r->sb->world.seed);
  size_t n = recent ? 10 + (size_t)(h % 31) : TAGS_TOP_COUNT;
  char (*ids)[24] = NULL;
  const char **keys = NULL;
  json_t **items = NULL, *data, *extra, *paging;
  struct sbx_window win;
  long limit;

  if (check_user(r) != 0 || sbx_req_fields(r, "id", &f) != 0)
    return;
  if (sbx_fields_check(r, f, tag_media_fields, "IGMedia") != 0 ||
      sbx_param_limit(r, sbx_param(r, "limit"), 25, 50, &limit) != 0 ||
      tag_touch(r, g) != 0)
    goto out;
  ids = xcalloc(n, sizeof(*ids));
  keys = xcalloc(n + 1, sizeof(*keys));
  items = xcalloc(n, sizeof(*items));
  for (size_t i = 0; i < n; i++) {
    int64_t ts = recent
      ? now - (int64_t)(i + 1) * (86000 / (int64_t)(n + 1))
      : now - 3600 * (int64_t)(6 + (h >> (i % 32)) % (29 * 24));
    int likes = recent ? (int)((h >> (i % 40)) % 300)
                       : (int)(90000 / (i + 1) + (h >> (i % 40)) % 500);
    items[i] = tag_media(r, g, recent, i, ts, likes, f, ids[i]);
    keys[i] = ids[i];
  }
  if (sbx_page(r, recent ? "r" : "t", keys, n, limit, sbx_param(r, "after"),
               NULL, &win) != 0)
    goto out;
  data = json_array();
  for (size_t i = win.start; i < win.end; i++)
    json_array_append(data, items[i]);
  extra = json_pack("{s:s}", "user_id", sbx_param(r, "user_id"));
  if (sbx_param(r, "fields") != NULL)
    json_object_set_new(extra, "fields", json_string(sbx_param(r, "fields")));
  r->resp = sbx_paged(r, data, recent ? "r" : "t", keys, n, &win, limit,
                      r->path, extra);
  json_decref(extra);
  /* Meta gives these edges an after cursor only. */
  paging = json_object_get(r->resp, "paging");
  if (paging != NULL) {
    json_object_del(paging, "previous");
    json_object_del(json_object_get(paging, "cursors"), "before");
  }
out:
  for (size_t i = 0; items != NULL && i < n; i++)
    json_decref(items[i]);
  free(items);
  free(keys);
  free(ids);
  sbx_fields_free(f);
}

/* GET /{ig-user}/recently_searched_hashtags: the window, newest first. */
static void
recently_searched(struct sbx_req *r)
{
  struct world_tags *t = r->sb->world.tags;
  int64_t now = world_now(&r->sb->world);
  const char **keys = xcalloc(t->n + 1, sizeof(*keys));
  size_t *idx = xcalloc(t->n + 1, sizeof(*idx)), n = 0;
  struct sbx_window win;
  json_t *data;
  long limit;

  if (sbx_param_limit(r, sbx_param(r, "limit"), 25, 30, &limit) != 0)
    goto out;
  for (size_t i = 0; i < t->n; i++) {
    size_t j;
    if (!in_window(&t->v[i], now))
      continue;
    for (j = n; j > 0 && t->v[idx[j - 1]].searched_at <
                             t->v[i].searched_at; j--)
      idx[j] = idx[j - 1];
    idx[j] = i;
    n++;
  }
  for (size_t i = 0; i < n; i++)
    keys[i] = t->v[idx[i]].id;
  if (sbx_page(r, "h", keys, n, limit, sbx_param(r, "after"),
               sbx_param(r, "before"), &win) != 0)
    goto out;
  data = json_array();
  for (size_t i = win.start; i < win.end; i++)
    json_array_append_new(data, json_pack("{s:s}", "id", keys[i]));
  r->resp = sbx_paged(r, data, "h", keys, n, &win, limit, r->path, NULL);
out:
  free(keys);
  free(idx);
}

int
sbx_route_tags(struct sbx_req *r, const char *obj, const char *edge,
               const char *rest)
{
  struct tag *g;
  char *e = NULL;
  int get = strcmp(r->method, "GET") == 0;

  if (sbx_route_insights(r, obj, edge, rest))
    return 1;
  /* Hashtag search is a Facebook Login feature. */
  if (r->host != SBX_HOST_FB || r->sb->world.tags == NULL)
    return 0;
  if (edge != NULL)
    e = rest != NULL ? xstrndup(edge, (size_t)(rest - edge)) : xstrdup(edge);
  if (strcmp(obj, "ig_hashtag_search") == 0) {
    if (e != NULL)
      sbx_err_unknown_path(r, edge);
    else if (!get)
      sbx_err_unsupported(r, obj);
    else
      hashtag_search(r);
    goto owned;
  }
  if (e != NULL && strcmp(e, "recently_searched_hashtags") == 0 &&
      sbx_is_account(r, obj)) {
    if (rest != NULL)
      sbx_err_unknown_path(r, edge);
    else if (!get)
      sbx_err_unsupported(r, obj);
    else
      recently_searched(r);
    goto owned;
  }
  g = tag_by_id(r->sb->world.tags, obj);
  if (g == NULL) {
    free(e);
    return 0;
  }
  if (!get)
    sbx_err_unsupported(r, obj);
  else if (rest != NULL)
    sbx_err_unknown_path(r, edge);
  else if (e == NULL)
    get_hashtag(r, g);
  else if (strcmp(e, "top_media") == 0)
    get_tag_media(r, g, 0);
  else if (strcmp(e, "recent_media") == 0)
    get_tag_media(r, g, 1);
  else
    sbx_err_unknown_path(r, edge);
owned:
  free(e);
  return 1;
}
