/* SPDX-License-Identifier: MIT */
/*
 * routes_pub.c: the sandbox's content publishing: POST /{ig-user}/media
 * (containers), GET /{container} (status), POST /{ig-user}/media_publish
 * and GET /{ig-user}/content_publishing_limit.
 *
 * Parameters come as a query, a form or a JSON body; they are checked in
 * Meta's order as far as it is known and refused with Meta's codes
 * (graph-api.md §1.3).  The state lives in world_pub.c; publishing turns a
 * container into media of the media part (world_media_add), so the new
 * post shows up in /media.  Special inputs drive the cases tests need:
 * a video_url containing "slow" processes for 10 minutes instead of 20
 * seconds, one containing "sandbox-error" ends in ERROR, and a caption
 * containing "sandbox-lost-answer" makes the first media_publish publish
 * and then answer HTTP 500, as if the answer were lost on the way.
 * Everything runs with the sandbox mutex held.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/utf8.h"
#include "../base/xalloc.h"
#include "sbx.h"
#include "world_media.h"
#include "world_pub.h"

#define CAPTION_MAX 2200
#define HASHTAGS_MAX 30
#define MENTIONS_MAX 20
#define CAROUSEL_MIN 2
#define CAROUSEL_MAX 10
#define COLLABORATORS_MAX 3
#define ALT_TEXT_MAX 1000
#define VIDEO_MS 30000 /* every sandbox video lasts 30 s */

static const char *const container_fields[] = { "id", "status_code",
                                                 "status", NULL };
static const char *const limit_fields[] = { "quota_usage", "config", NULL };

/* A parameter as a string: strings as they are, JSON scalars rendered
 * into buf.  NULL when absent. */
static const char *
pstr(const struct sbx_req *r, const char *name, char *buf, size_t len)
{
  json_t *v = json_object_get(r->query, name);

  if (v == NULL && r->body != NULL)
    v = json_object_get(r->body, name);
  if (v == NULL || json_is_null(v))
    return NULL;
  if (json_is_string(v))
    return json_string_value(v);
  if (json_is_boolean(v))
    return json_is_true(v) ? "true" : "false";
  if (json_is_integer(v)) {
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return buf;
  }
  snprintf(buf, len, "?");
  return buf;
}

static int
ptrue(const struct sbx_req *r, const char *name)
{
  char b[32];
  const char *v = pstr(r, name, b, sizeof(b));

  return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* Meta's publishing errors: HTTP 400, the host's exception type, a user
 * title and message. */
static void
pub_error(struct sbx_req *r, int code, int subcode, const char *title,
          const char *user_msg, const char *msg)
{
  sbx_error_full(r, 400, r->host == SBX_HOST_IG ? "IGApiException"
                                                : "OAuthException",
                 code, subcode, 0, title, user_msg, msg);
}

/* Hashtags and @mentions in a caption: '#' or '@' followed by a word
 * character; an '@' right after a word character (an e-mail) is not a
 * mention. */
static void
count_tags(const char *s, size_t *tags, size_t *mentions)
{
  const unsigned char *p = (const unsigned char *)s;

  *tags = *mentions = 0;
  for (size_t i = 0; p[i] != '\0'; i++) {
    unsigned char nx = p[i + 1];
    int word = nx == '_' || nx >= 0x80 || (nx >= '0' && nx <= '9') ||
               ((nx | 0x20) >= 'a' && (nx | 0x20) <= 'z');
    if (!word)
      continue;
    if (p[i] == '#') {
      (*tags)++;
    } else if (p[i] == '@') {
      unsigned char pv = i > 0 ? p[i - 1] : ' ';
      int pword = pv >= 0x80 || (pv >= '0' && pv <= '9') ||
                  ((pv | 0x20) >= 'a' && (pv | 0x20) <= 'z');
      if (!pword)
        (*mentions)++;
    }
  }
}

static int
check_caption(struct sbx_req *r, const char *caption)
{
  size_t tags, mentions;

  if (caption == NULL)
    return 0;
  count_tags(caption, &tags, &mentions);
  if (utf8_count(caption) > CAPTION_MAX || tags > HASHTAGS_MAX) {
    pub_error(r, 36004, 2207010, "Caption too long",
              "The caption is too long. It can have at most 2,200 "
              "characters and 30 hashtags.",
              "The caption you provided is too long.");
    return -1;
  }
  if (mentions > MENTIONS_MAX) {
    pub_error(r, 100, 2207040, "Too many tags",
              "You can't tag more than 20 people in a caption.",
              "Invalid parameter");
    return -1;
  }
  return 0;
}

/* Meta fetches the media itself; what it cannot fetch is 9004. */
static int
check_url(struct sbx_req *r, const char *url)
{
  if (url != NULL && (strncmp(url, "https://", 8) == 0 ||
                      strncmp(url, "http://", 7) == 0) &&
      strlen(url) > 8)
    return 0;
  pub_error(r, 9004, 2207052, "Media download has failed.",
            "The media could not be fetched from this uri: "
            "Please check the URL and try again.",
            "The media could not be fetched from this uri");
  return -1;
}

/* user_tags: a JSON array of {username, x, y}; images need x and y in
 * [0, 1]. */
static int
check_user_tags(struct sbx_req *r, int need_xy)
{
  int bad;
  json_t *t = sbx_param_json(r, "user_tags", &bad), *e;
  size_t i;
  int rc = 0;

  if (t == NULL && !bad)
    return 0;
  if (bad || !json_is_array(t)) {
    sbx_err_param(r, "Param user_tags must be a JSON array of objects with "
                  "username, x and y");
    json_decref(t);
    return -1;
  }
  json_array_foreach(t, i, e) {
    json_t *x = json_object_get(e, "x"), *y = json_object_get(e, "y");
    if (json_string_value(json_object_get(e, "username")) == NULL) {
      sbx_err_param(r, "Param user_tags[%zu][username] is required", i);
      rc = -1;
      break;
    }
    if ((x == NULL || y == NULL) && need_xy) {
      pub_error(r, 100, 2207035, "Invalid tag position",
                "Tags on images need x and y between 0.0 and 1.0.",
                "Invalid parameter");
      rc = -1;
      break;
    }
    if ((x != NULL && (!json_is_number(x) || json_number_value(x) < 0 ||
                       json_number_value(x) > 1)) ||
        (y != NULL && (!json_is_number(y) || json_number_value(y) < 0 ||
                       json_number_value(y) > 1))) {
      pub_error(r, 100, 2207035, "Invalid tag position",
                "Tag positions x and y must be between 0.0 and 1.0.",
                "Invalid parameter");
      rc = -1;
      break;
    }
  }
  json_decref(t);
  return rc;
}

/* collaborators: a JSON array or a comma-separated list, at most 3. */
static int
check_collaborators(struct sbx_req *r, enum world_pub_kind k, int item)
{
  char b[32];
  const char *s = pstr(r, "collaborators", b, sizeof(b));
  int bad;
  json_t *j;
  size_t n = 0;

  if (s == NULL) {
    j = sbx_param_json(r, "collaborators", &bad);
    if (j == NULL)
      return 0;
    n = json_array_size(j);
    json_decref(j);
  } else {
    n = *s != '\0';
    for (const char *p = s; *p != '\0'; p++)
      n += *p == ',';
    if (*s == '[') {
      j = json_loads(s, 0, NULL);
      n = json_array_size(j);
      json_decref(j);
    }
  }
  if (k == WPK_STORIES || item) {
    sbx_err_param(r, "Param collaborators is not supported for stories "
                  "or carousel items");
    return -1;
  }
  if (n > COLLABORATORS_MAX) {
    sbx_err_param(r, "Param collaborators can have at most 3 usernames");
    return -1;
  }
  return 0;
}

/* The children of a carousel: comma-separated ids or a JSON array,
 * each an unused, unexpired carousel item of ours.  Fills ids (borrowed
 * from the world) and returns how many, or -1 with the error set. */
static long
carousel_children(struct sbx_req *r, const char **ids, size_t max)
{
  struct world *w = &r->sb->world;
  json_t *list = json_array(), *v;
  const char *s = sbx_param(r, "children");
  long n = -1;
  size_t i;
  int bad;

  if (s != NULL && *s != '[') {
    const char *p = s;
    while (*p != '\0') {
      const char *e = strchr(p, ',');
      size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
      json_array_append_new(list, json_stringn(p, len));
      p += len + (e != NULL);
    }
  } else {
    json_t *j = sbx_param_json(r, "children", &bad);
    json_array_foreach(j, i, v)
      json_array_append_new(list, json_is_string(v) ? json_incref(v)
                                                    : json_string("?"));
    json_decref(j);
  }
  if (json_array_size(list) < CAROUSEL_MIN ||
      json_array_size(list) > CAROUSEL_MAX || json_array_size(list) > max) {
    pub_error(r, 100, 2207028, "Invalid number of carousel items",
              "A carousel must have between 2 and 10 photos or videos.",
              "Invalid parameter");
    goto out;
  }
  json_array_foreach(list, i, v) {
    struct world_container *c = world_pub_find(w, json_string_value(v));
    if (c == NULL || !c->is_carousel_item || c->in_carousel ||
        world_pub_status(w, c, world_now(w)) == WPS_EXPIRED) {
      sbx_err_param(r, "Param children[%zu] must be the id of an unused, "
                    "unexpired carousel item container (is_carousel_item"
                    "=true)", i);
      goto out;
    }
    ids[i] = c->id;
  }
  n = (long)json_array_size(list);
out:
  json_decref(list);
  return n;
}

/* POST /{ig-user}/media: a new container. */
static void
post_media(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  char b1[32], b2[32];
  const char *mt = sbx_param(r, "media_type");
  const char *image = sbx_param(r, "image_url");
  const char *video = sbx_param(r, "video_url");
  const char *caption = sbx_param(r, "caption");
  const char *thumb = pstr(r, "thumb_offset", b1, sizeof(b1));
  const char *loc = pstr(r, "location_id", b2, sizeof(b2));
  const char *alt = sbx_param(r, "alt_text");
  int item = ptrue(r, "is_carousel_item");
  const char *kids[CAROUSEL_MAX];
  enum world_pub_kind k;
  struct world_container *c;
  long nkids = 0;
  int is_video = 0;

  if (mt == NULL || *mt == '\0')
    k = video != NULL && item ? WPK_VIDEO : WPK_IMAGE;
  else if (strcmp(mt, "IMAGE") == 0)
    k = WPK_IMAGE;
  else if (strcmp(mt, "REELS") == 0 && !item)
    k = WPK_REELS;
  else if (strcmp(mt, "STORIES") == 0 && !item)
    k = WPK_STORIES;
  else if (strcmp(mt, "CAROUSEL") == 0 && !item)
    k = WPK_CAROUSEL;
  else if (strcmp(mt, "VIDEO") == 0 && item)
    k = WPK_VIDEO;
  else {
    pub_error(r, 100, 2207023, "Unknown media type",
              strcmp(mt, "VIDEO") == 0
                ? "The VIDEO media type is no longer supported for feed "
                  "posts; use REELS."
                : "The media type is not supported for this container.",
              "The media type is unknown.");
    return;
  }
  if (k == WPK_IMAGE && video != NULL && (mt == NULL || *mt == '\0')) {
    pub_error(r, 100, 2207023, "Unknown media type",
              "video_url needs media_type REELS (or VIDEO for a carousel "
              "item).", "The media type is unknown.");
    return;
  }
  if (k == WPK_CAROUSEL) {
    nkids = carousel_children(r, kids, CAROUSEL_MAX);
    if (nkids < 0)
      return;
  } else if (k == WPK_IMAGE || (k == WPK_STORIES && video == NULL)) {
    if (image == NULL) {
      sbx_err_param(r, "The parameter image_url is required.");
      return;
    }
    if (check_url(r, image) != 0)
      return;
  } else {
    if (video == NULL) {
      sbx_err_param(r, "The parameter video_url is required.");
      return;
    }
    if (check_url(r, video) != 0)
      return;
    is_video = 1;
  }
  if (!item && check_caption(r, caption) != 0)
    return;
  if (check_user_tags(r, k == WPK_IMAGE) != 0 ||
      check_collaborators(r, k, item) != 0)
    return;
  if (loc != NULL && (*loc == '\0' ||
                      strspn(loc, "0123456789") != strlen(loc))) {
    sbx_err_param(r, "INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID");
    return;
  }
  if (alt != NULL && (k != WPK_IMAGE || utf8_count(alt) > ALT_TEXT_MAX)) {
    sbx_err_param(r, "Param alt_text is only for images and must be at "
                  "most 1000 characters");
    return;
  }
  if (thumb != NULL) {
    char *end;
    long v;
    errno = 0;
    v = strtol(thumb, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v >= VIDEO_MS) {
      pub_error(r, 1, 2207057, "Invalid thumbnail offset",
                "Thumbnail offset must be greater than or equal to 0 and "
                "less than video duration, i.e. 30000",
                "An unknown error occurred");
      return;
    }
  }
  c = world_pub_add(w, k, is_video, is_video ? video : image,
                    item ? NULL : caption, world_now(w));
  c->is_carousel_item = item;
  c->fails = is_video && strstr(video, "sandbox-error") != NULL;
  c->lose_answer = caption != NULL &&
                   strstr(caption, "sandbox-lost-answer") != NULL;
  if (k == WPK_CAROUSEL) {
    world_pub_set_children(c, kids, (size_t)nkids);
    for (long i = 0; i < nkids; i++)
      world_pub_find(w, kids[i])->in_carousel = 1;
  }
  r->resp = json_pack("{s:s}", "id", c->id);
}

/* GET /{container}: id, status_code, status. */
static void
get_container(struct sbx_req *r, struct world_container *c)
{
  struct sbx_fields *f = NULL;
  enum world_pub_status s;
  json_t *o;

  if (sbx_req_fields(r, "id", &f) != 0)
    return;
  if (sbx_fields_check(r, f, container_fields, "ShadowIGMediaBuilder") != 0)
    goto out;
  s = world_pub_status(&r->sb->world, c, world_now(&r->sb->world));
  o = json_object();
  for (size_t i = 0; i < f->n; i++) {
    const char *n = f->v[i].name;
    if (strcmp(n, "status_code") == 0)
      json_object_set_new(o, n, json_string(world_pub_status_code(s)));
    else if (strcmp(n, "status") == 0)
      json_object_set_new(o, n, json_string(world_pub_status_text(s)));
  }
  json_object_set_new(o, "id", json_string(c->id));
  r->resp = o;
out:
  sbx_fields_free(f);
}

/* The media a published container becomes (media part of the world). */
static const char *
make_media(struct world *w, struct world_container *c, int64_t now)
{
  static const char *const types[] = { "", "IMAGE", "VIDEO", "VIDEO",
                                       "IMAGE", "CAROUSEL_ALBUM" };
  const char *product = c->kind == WPK_REELS     ? "REELS"
                        : c->kind == WPK_STORIES ? "STORY"
                                                 : "FEED";
  const char *type = c->kind == WPK_STORIES && c->is_video
                     ? "VIDEO" : types[c->kind];
  const char *kids[CAROUSEL_MAX];
  size_t n = 0;
  struct world_media_item *m;

  for (size_t i = 0; i < c->nchildren && n < CAROUSEL_MAX; i++) {
    struct world_container *k = world_pub_find(w, c->children[i]);
    struct world_media_item *cm;
    if (k == NULL)
      continue;
    cm = world_media_add_child(w, k->is_video ? "VIDEO" : "IMAGE",
                               k->media_url, now);
    kids[n++] = cm->id;
  }
  m = world_media_add(w, type, product, c->caption,
                      c->kind == WPK_CAROUSEL ? NULL : c->media_url, now,
                      kids, n);
  return m->id;
}

/* POST /{ig-user}/media_publish creation_id=X. */
static void
post_publish(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  char b[32];
  const char *id = pstr(r, "creation_id", b, sizeof(b));
  int64_t now = world_now(w);
  struct world_container *c;

  if (id == NULL || *id == '\0') {
    sbx_err_param(r, "The parameter creation_id is required.");
    return;
  }
  c = world_pub_find(w, id);
  if (c == NULL) {
    pub_error(r, 24, 2207006, "Media not found",
              "The media with this id cannot be found.",
              "The media with id cannot be found");
    return;
  }
  if (c->is_carousel_item) {
    sbx_err_param(r, "A carousel item cannot be published on its own; "
                  "publish the CAROUSEL container that holds it");
    return;
  }
  switch (world_pub_status(w, c, now)) {
  case WPS_PUBLISHED:
    sbx_err_param(r, "This container has already been published");
    return;
  case WPS_EXPIRED:
    pub_error(r, -2, 2207020, "Media expired",
              "The media you are trying to access has expired. Please try "
              "to upload again.",
              "The media you are trying to access has expired.");
    return;
  case WPS_ERROR:
    pub_error(r, 352, 2207026, "Unsupported video format",
              "The video format is not supported. Please check spec for "
              "supported format.",
              "The video format is not supported.");
    return;
  case WPS_IN_PROGRESS:
    sbx_error_full(r, 400, r->host == SBX_HOST_IG ? "IGApiException"
                                                  : "OAuthException",
                   9007, 2207027, 0, "Cannot Publish",
                   "The media is not ready for publishing, please wait for "
                   "a moment", "Media ID is not available");
    return;
  default:
    break;
  }
  if (world_pub_usage(w, now, 0) >= w->pub->quota_total) {
    pub_error(r, 9, 2207042, "Max. posts reached",
              "You reached maximum number of posts that is allowed to be "
              "published by Content Publishing API.",
              "Application request limit reached");
    return;
  }
  c->media_id = xstrdup(make_media(w, c, now));
  c->published_at = now;
  world_pub_record(w, now);
  if (c->lose_answer) {
    c->lose_answer = 0;
    sbx_error_full(r, 500, r->host == SBX_HOST_IG ? "IGApiException"
                                                  : "OAuthException",
                   1, 0, 1, NULL, NULL, "An unknown error occurred");
    return;
  }
  r->resp = json_pack("{s:s}", "id", c->media_id);
}

/* GET /{ig-user}/content_publishing_limit[?fields=...&since=...]. */
static void
get_limit(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  struct sbx_fields *f = NULL;
  const char *since = sbx_param(r, "since");
  int64_t now = world_now(w), from = 0;
  json_t *o;

  if (since != NULL && *since != '\0') {
    char *end;
    long long v;
    errno = 0;
    v = strtoll(since, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0) {
      sbx_err_param(r, "Param since must be a valid unix timestamp");
      return;
    }
    from = (int64_t)v;
  }
  if (sbx_req_fields(r, "quota_usage", &f) != 0)
    return;
  if (sbx_fields_check(r, f, limit_fields, "ShadowIGUser") != 0)
    goto out;
  o = json_object();
  for (size_t i = 0; i < f->n; i++) {
    if (strcmp(f->v[i].name, "quota_usage") == 0)
      json_object_set_new(o, "quota_usage",
                          json_integer(world_pub_usage(w, now, from)));
    else
      json_object_set_new(o, "config",
                          json_pack("{s:I, s:I}", "quota_total",
                                    (json_int_t)w->pub->quota_total,
                                    "quota_duration",
                                    (json_int_t)w->pub->quota_duration));
  }
  r->resp = json_pack("{s:[o]}", "data", o);
out:
  sbx_fields_free(f);
}

int
sbx_route_pub(struct sbx_req *r, const char *obj, const char *edge,
              const char *rest)
{
  struct world_container *c;
  int get = strcmp(r->method, "GET") == 0;
  int post = strcmp(r->method, "POST") == 0;

  if (r->sb->world.pub == NULL || rest != NULL)
    return 0;
  if (edge == NULL) {
    c = world_pub_find(&r->sb->world, obj);
    if (c == NULL)
      return 0;
    if (get)
      get_container(r, c);
    else
      sbx_err_unsupported(r, obj);
    return 1;
  }
  if (!sbx_is_account(r, obj))
    return 0;
  if (strcmp(edge, "media") == 0 && post) {
    post_media(r);
  } else if (strcmp(edge, "media_publish") == 0) {
    if (post)
      post_publish(r);
    else
      sbx_err_unsupported(r, obj);
  } else if (strcmp(edge, "content_publishing_limit") == 0) {
    if (get)
      get_limit(r);
    else
      sbx_err_unsupported(r, obj);
  } else {
    return 0;
  }
  return 1;
}
