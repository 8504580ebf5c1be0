/* SPDX-License-Identifier: MIT */
/*
 * publishing.c: the publishing toolset: the two-step publishing API
 * (containers, their status, publishing one) and the one-call publishers
 * of photos, reels, stories and carousels, plus the publishing quota.
 *
 * Every rule Meta enforces that can be checked here is checked before a
 * request is spent (publishing_rules.c); the waiting and the
 * never-publish-twice logic are in publishing_flow.c.  Results are
 * normalized: a container is {container_id, media_type, status_code,
 * status}, a publish {container_id, media_id, status_code, quota}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "tools/publishing_flow.h"
#include "tools/publishing_rules.h"
#include "tools/tool.h"

#define MEDIA_ID_PATTERN "^[0-9]{1,25}$"
#define MAX_PARAMS 24

/* Input properties shared by several tools. */
#define URL_PROP(name, what)                                                 \
  "\"" name "\":{\"type\":\"string\",\"minLength\":9,\"maxLength\":2048,"    \
  "\"description\":\"" what " Public https URL that Instagram fetches "      \
  "directly (no redirects, login pages or private hosts).\"}"
#define CAPTION_PROP                                                         \
  "\"caption\":{\"type\":\"string\",\"description\":\"Caption: at most "     \
  "2,200 characters, 30 hashtags and 20 @mentions.\"}"
#define USER_TAGS_PROP                                                       \
  "\"user_tags\":{\"type\":\"array\",\"maxItems\":20,\"items\":{"            \
  "\"type\":\"object\",\"properties\":{"                                     \
  "\"username\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9._]{1,30}$\"},"\
  "\"x\":{\"type\":\"number\"},\"y\":{\"type\":\"number\"}},"                \
  "\"required\":[\"username\"],\"additionalProperties\":false},"             \
  "\"description\":\"People to tag: username plus x and y from 0.0 to 1.0 "  \
  "(from the top-left; required on images).\"}"
#define LOCATION_PROP                                                        \
  "\"location_id\":{\"type\":\"string\",\"pattern\":\"^[0-9]{1,25}$\","      \
  "\"description\":\"ID of a Facebook Page that has a location.\"}"
#define COLLAB_PROP                                                          \
  "\"collaborators\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{"   \
  "\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9._]{1,30}$\"},"              \
  "\"description\":\"Up to 3 usernames invited as collaborators (feed "      \
  "images, reels and carousels; not stories).\"}"
#define ALT_TEXT_PROP                                                        \
  "\"alt_text\":{\"type\":\"string\",\"description\":\"Alternative text for "\
  "an image, at most 1,000 characters.\"}"
#define REEL_PROPS                                                           \
  URL_PROP("cover_url", "Reel cover image (wins over thumb_offset).") ","   \
  "\"thumb_offset\":{\"type\":\"integer\",\"minimum\":0,\"description\":"    \
  "\"Reel thumbnail frame, in milliseconds from the start.\"},"             \
  "\"share_to_feed\":{\"type\":\"boolean\",\"description\":\"Reels: also "   \
  "show the reel in the feed.\"},"                                           \
  "\"audio_name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100,"   \
  "\"description\":\"Reels: name of the original audio.\"}"
#define WAIT_PROPS(def)                                                      \
  "\"max_wait_seconds\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":300,"\
  "\"default\":" def ",\"description\":\"How long to wait for the container "\
  "to finish processing before giving up (0: publish at once).\"},"         \
  "\"poll_interval_seconds\":{\"type\":\"number\",\"minimum\":1,"            \
  "\"maximum\":60,\"default\":3,\"description\":\"Seconds between status "   \
  "checks.\"}"

#define CONTAINER_OUT                                                        \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"container_id\":{\"type\":\"string\"},"                                  \
  "\"media_type\":{\"type\":\"string\"},"                                    \
  "\"is_carousel_item\":{\"type\":\"boolean\"},"                             \
  "\"children\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"       \
  "\"status_code\":{\"type\":\"string\"},\"status\":{\"type\":\"string\"}," \
  "\"next_step\":{\"type\":\"string\"}},"                                    \
  "\"required\":[\"container_id\"]}"
#define PUBLISH_OUT                                                          \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"container_id\":{\"type\":\"string\"},"                                  \
  "\"media_id\":{\"type\":\"string\"},"                                      \
  "\"status_code\":{\"type\":\"string\"},"                                   \
  "\"already_published\":{\"type\":\"boolean\"},"                            \
  "\"children\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"       \
  "\"quota\":{\"type\":\"object\",\"properties\":{"                          \
  "\"quota_usage\":{\"type\":\"integer\"},"                                  \
  "\"quota_total\":{\"type\":\"integer\"},"                                  \
  "\"quota_duration\":{\"type\":\"integer\"},"                               \
  "\"remaining\":{\"type\":\"integer\"}}},"                                  \
  "\"note\":{\"type\":\"string\"}},"                                         \
  "\"required\":[\"container_id\",\"status_code\"]}"

enum kind { K_IMAGE, K_REELS, K_STORIES, K_ITEM_IMAGE, K_ITEM_VIDEO };

/* Graph parameters being built, with the strings they own. */
struct params {
  struct graph_param p[MAX_PARAMS + 1];
  size_t n;
  char *owned[MAX_PARAMS];
  size_t nowned;
};

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

static void
push(struct params *ps, const char *k, const char *v)
{
  if (v == NULL || ps->n == MAX_PARAMS)
    return;
  ps->p[ps->n++] = (struct graph_param){ k, v };
  ps->p[ps->n] = (struct graph_param){ NULL, NULL };
}

static void
push_owned(struct params *ps, const char *k, char *v)
{
  ps->owned[ps->nowned++] = v;
  push(ps, k, v);
}

static void
params_free(struct params *ps)
{
  for (size_t i = 0; i < ps->nowned; i++)
    free(ps->owned[i]);
  memset(ps, 0, sizeof(*ps));
}

static int
is_image(enum kind k)
{
  return k == K_IMAGE || k == K_ITEM_IMAGE;
}

/* Local rules for one container's arguments; fills r and returns -1 on
 * the first broken one. */
static int
check_args(const json_t *a, enum kind k, struct result *r)
{
  static const char *const urls[] = { "image_url", "video_url", "cover_url",
                                      NULL };
  static const char *const reel_only[] = { "cover_url", "thumb_offset",
                                           "share_to_feed", "audio_name",
                                           NULL };
  const json_t *col = json_object_get(a, "collaborators");
  int item = k == K_ITEM_IMAGE || k == K_ITEM_VIDEO;
  char err[400];

  for (size_t i = 0; urls[i] != NULL; i++)
    if (pub_check_url(urls[i], str(a, urls[i]), err, sizeof(err)) != 0)
      goto bad;
  if (str(a, "caption") != NULL && item) {
    snprintf(err, sizeof(err), "caption: carousel items take no caption; "
             "put it on the carousel.");
    goto bad;
  }
  if (pub_check_caption(str(a, "caption"), err, sizeof(err)) != 0 ||
      pub_check_user_tags(json_object_get(a, "user_tags"),
                          k == K_IMAGE || k == K_ITEM_IMAGE, err,
                          sizeof(err)) != 0 ||
      pub_check_alt_text(str(a, "alt_text"), err, sizeof(err)) != 0 ||
      pub_check_collaborators(json_array_size(col), err, sizeof(err)) != 0)
    goto bad;
  if (col != NULL && (k == K_STORIES || item)) {
    snprintf(err, sizeof(err), "collaborators: not allowed on stories or "
             "carousel items (only feed images, reels and carousels).");
    goto bad;
  }
  if (str(a, "alt_text") != NULL && !is_image(k)) {
    snprintf(err, sizeof(err), "alt_text: only images take alt text.");
    goto bad;
  }
  if (k != K_REELS)
    for (size_t i = 0; reel_only[i] != NULL; i++)
      if (json_object_get(a, reel_only[i]) != NULL) {
        snprintf(err, sizeof(err), "%s: only reels take it.", reel_only[i]);
        goto bad;
      }
  return 0;
bad:
  return result_errorf(r, "invalid_argument", "%s", err);
}

/* The Graph parameters of one container from validated arguments. */
static void
build_params(const json_t *a, enum kind k, struct params *ps)
{
  static const char *const plain[] = { "image_url", "video_url", "caption",
                                       "location_id", "cover_url",
                                       "audio_name", "alt_text", NULL };
  const json_t *v;

  for (size_t i = 0; plain[i] != NULL; i++)
    push(ps, plain[i], str(a, plain[i]));
  switch (k) {
  case K_REELS: push(ps, "media_type", "REELS"); break;
  case K_STORIES: push(ps, "media_type", "STORIES"); break;
  case K_ITEM_VIDEO: push(ps, "media_type", "VIDEO"); /* fallthrough */
  case K_ITEM_IMAGE: push(ps, "is_carousel_item", "true"); break;
  default: break;
  }
  if ((v = json_object_get(a, "user_tags")) != NULL)
    push_owned(ps, "user_tags", json_dumps(v, JSON_COMPACT));
  if ((v = json_object_get(a, "collaborators")) != NULL)
    push_owned(ps, "collaborators", json_dumps(v, JSON_COMPACT));
  if ((v = json_object_get(a, "thumb_offset")) != NULL)
    push_owned(ps, "thumb_offset",
               xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v)));
  if ((v = json_object_get(a, "share_to_feed")) != NULL)
    push(ps, "share_to_feed", json_is_true(v) ? "true" : "false");
}

/* Checks and creates one container; id gets its id. */
static int
create_one(struct call *c, struct result *r, const char *owner,
           const json_t *a, enum kind k, char *id, size_t len)
{
  struct params ps = { 0 };
  int rc;

  if (check_args(a, k, r) != 0)
    return -1;
  build_params(a, k, &ps);
  rc = pub_create(c, r, owner, ps.p, id, len);
  params_free(&ps);
  return rc;
}

/* Exactly one of image_url and video_url. */
static int
one_url(const json_t *a, struct result *r)
{
  int img = str(a, "image_url") != NULL, vid = str(a, "video_url") != NULL;

  if (img == vid)
    return result_errorf(r, "invalid_argument",
                         "Give exactly one of image_url and video_url.");
  return 0;
}

static const char *
kind_name(enum kind k)
{
  static const char *const n[] = { "IMAGE", "REELS", "STORIES", "IMAGE",
                                   "VIDEO" };
  return n[k];
}

static void
wait_args(const json_t *a, struct pub_wait *w)
{
  w->max_wait_s = (double)json_integer_value(
      json_object_get(a, "max_wait_seconds"));
  w->interval_s = json_number_value(json_object_get(a, "poll_interval_seconds"));
  if (w->interval_s < 1)
    w->interval_s = 1;
}

static int
create_media_container(struct call *c, const json_t *a, struct result *r)
{
  const char *mt = str(a, "media_type");
  int item = json_is_true(json_object_get(a, "is_carousel_item"));
  int vid = str(a, "video_url") != NULL;
  char owner[64], id[64];
  json_t *st = NULL, *out;
  enum kind k;

  if (one_url(a, r) != 0)
    return -1;
  if (item && mt != NULL && strcmp(mt, "IMAGE") != 0)
    return result_errorf(r, "invalid_argument",
                         "media_type %s cannot be a carousel item; carousel "
                         "items are images or videos (leave media_type "
                         "out).", mt);
  if (item)
    k = vid ? K_ITEM_VIDEO : K_ITEM_IMAGE;
  else if (mt != NULL && strcmp(mt, "STORIES") == 0)
    k = K_STORIES;
  else if (mt != NULL && strcmp(mt, "IMAGE") == 0 && vid)
    return result_errorf(r, "invalid_argument",
                         "media_type IMAGE needs image_url, not video_url.");
  else if (mt != NULL && strcmp(mt, "REELS") == 0 && !vid)
    return result_errorf(r, "invalid_argument",
                         "media_type REELS needs video_url, not image_url.");
  else
    k = vid ? K_REELS : K_IMAGE;
  if (check_args(a, k, r) != 0 || pub_owner(c, r, owner, sizeof(owner)) != 0)
    return -1;
  if (create_one(c, r, owner, a, k, id, sizeof(id)) != 0)
    return -1;
  out = json_pack("{s:s, s:s, s:b}", "container_id", id, "media_type",
                  k == K_STORIES ? "STORIES" : kind_name(k),
                  "is_carousel_item", item);
  if (pub_status(c, r, id, &st) == 0) {
    json_object_set_new(out, "status_code",
                        json_string(str(st, "status_code")));
    if (str(st, "status") != NULL)
      json_object_set_new(out, "status", json_string(str(st, "status")));
    json_decref(st);
  }
  json_object_set_new(out, "next_step", json_string(
      item ? "Pass container_id in children of ig_create_carousel_container."
           : "Publish with ig_publish_container (creation_id = "
             "container_id) within 24 hours."));
  return result_ok(r, out);
}

/* Creates the carousel's children from ids and items, in order, then the
 * carousel container; kids gets every child id. */
static int
create_carousel(struct call *c, struct result *r, const char *owner,
                const json_t *a, char *id, size_t len, json_t *kids)
{
  const json_t *ids = json_object_get(a, "children");
  const json_t *items = json_object_get(a, "items");
  json_t *v;
  struct params ps = { 0 };
  char err[300], cid[64];
  size_t i;
  char *joined = NULL;
  int rc;

  if (pub_check_carousel_count(json_array_size(ids) + json_array_size(items),
                               err, sizeof(err)) != 0)
    return result_errorf(r, "invalid_argument", "%s", err);
  if (check_args(a, K_IMAGE, r) != 0)
    return -1;
  json_array_foreach(items, i, v) {
    int vid = str(v, "video_url") != NULL;
    if (one_url(v, r) != 0)
      return result_errorf(r, "invalid_argument",
                           "items[%zu]: give exactly one of image_url and "
                           "video_url.", i);
    if (check_args(v, vid ? K_ITEM_VIDEO : K_ITEM_IMAGE, r) != 0)
      return -1;
  }
  json_array_foreach(ids, i, v)
    json_array_append(kids, v);
  json_array_foreach(items, i, v) {
    char msg[80];
    snprintf(msg, sizeof(msg), "creating carousel item %zu of %zu", i + 1,
             json_array_size(items));
    call_progress(c, c->graph_calls + 0.5, 0, msg);
    if (create_one(c, r, owner, v,
                   str(v, "video_url") ? K_ITEM_VIDEO : K_ITEM_IMAGE, cid,
                   sizeof(cid)) != 0)
      return -1;
    json_array_append_new(kids, json_string(cid));
  }
  json_array_foreach(kids, i, v) {
    char *n = xasprintf("%s%s%s", joined ? joined : "", joined ? "," : "",
                        json_string_value(v));
    free(joined);
    joined = n;
  }
  build_params(a, K_IMAGE, &ps);
  push(&ps, "media_type", "CAROUSEL");
  push_owned(&ps, "children", joined);
  rc = pub_create(c, r, owner, ps.p, id, len);
  params_free(&ps);
  return rc;
}

static int
create_carousel_container(struct call *c, const json_t *a, struct result *r)
{
  char owner[64], id[64];
  json_t *kids = json_array(), *st = NULL, *out;

  if (pub_owner(c, r, owner, sizeof(owner)) != 0 ||
      create_carousel(c, r, owner, a, id, sizeof(id), kids) != 0) {
    json_decref(kids);
    return -1;
  }
  out = json_pack("{s:s, s:s, s:o}", "container_id", id, "media_type",
                  "CAROUSEL", "children", kids);
  if (pub_status(c, r, id, &st) == 0) {
    json_object_set_new(out, "status_code",
                        json_string(str(st, "status_code")));
    json_decref(st);
  }
  json_object_set_new(out, "next_step", json_string(
      "Publish with ig_publish_container (creation_id = container_id); it "
      "waits until every item has finished processing."));
  return result_ok(r, out);
}

static int
get_container_status(struct call *c, const json_t *a, struct result *r)
{
  const char *id = str(a, "container_id"), *code;
  json_t *st = NULL, *out;
  const char *next;

  if (pub_status(c, r, id, &st) != 0)
    return -1;
  code = str(st, "status_code");
  next = strcmp(code, "FINISHED") == 0
           ? "Ready: publish it with ig_publish_container."
         : strcmp(code, "IN_PROGRESS") == 0
           ? "Still processing: check again in a few seconds, or let "
             "ig_publish_container wait for it."
         : strcmp(code, "PUBLISHED") == 0
           ? "Already published; do not publish it again."
           : "This container cannot be published; create a new one.";
  out = json_pack("{s:s, s:s, s:s}", "container_id", id, "status_code", code,
                  "next_step", next);
  if (str(st, "status") != NULL)
    json_object_set_new(out, "status", json_string(str(st, "status")));
  json_decref(st);
  return result_ok(r, out);
}

static int
publish_container(struct call *c, const json_t *a, struct result *r)
{
  struct pub_wait w;
  char owner[64];

  wait_args(a, &w);
  if (pub_owner(c, r, owner, sizeof(owner)) != 0)
    return -1;
  return pub_publish(c, r, owner, str(a, "creation_id"), &w);
}

/* The one-call publishers: create, wait, publish, report. */
static int
publish_single(struct call *c, const json_t *a, struct result *r,
               enum kind k)
{
  struct pub_wait w;
  char owner[64], id[64];

  wait_args(a, &w);
  if (check_args(a, k, r) != 0 || pub_owner(c, r, owner, sizeof(owner)) != 0)
    return -1;
  call_progress(c, c->graph_calls + 0.5, 0, "creating the container");
  if (create_one(c, r, owner, a, k, id, sizeof(id)) != 0)
    return -1;
  return pub_publish(c, r, owner, id, &w);
}

static int
publish_photo(struct call *c, const json_t *a, struct result *r)
{
  return publish_single(c, a, r, K_IMAGE);
}

static int
publish_reel(struct call *c, const json_t *a, struct result *r)
{
  return publish_single(c, a, r, K_REELS);
}

static int
publish_story(struct call *c, const json_t *a, struct result *r)
{
  if (one_url(a, r) != 0)
    return -1;
  return publish_single(c, a, r, K_STORIES);
}

static int
publish_carousel(struct call *c, const json_t *a, struct result *r)
{
  struct pub_wait w;
  char owner[64], id[64];
  json_t *kids = json_array();

  wait_args(a, &w);
  if (pub_owner(c, r, owner, sizeof(owner)) != 0 ||
      create_carousel(c, r, owner, a, id, sizeof(id), kids) != 0 ||
      pub_publish(c, r, owner, id, &w) != 0) {
    json_decref(kids);
    return -1;
  }
  json_object_set_new(r->structured, "children", kids);
  return 0;
}

static int
get_publishing_limit(struct call *c, const json_t *a, struct result *r)
{
  struct graph_param p[3] = { { "fields", "quota_usage,config" } };
  char owner[64], path[128], since[32];
  json_t *body = NULL, *d, *cfg, *out;
  const json_t *s = json_object_get(a, "since");

  if (s != NULL) {
    snprintf(since, sizeof(since), "%" JSON_INTEGER_FORMAT,
             json_integer_value(s));
    p[1] = (struct graph_param){ "since", since };
  }
  if (pub_owner(c, r, owner, sizeof(owner)) != 0)
    return -1;
  snprintf(path, sizeof(path), "%s/content_publishing_limit", owner);
  if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0)
    return -1;
  d = json_array_get(json_object_get(body, "data"), 0);
  cfg = json_object_get(d, "config");
  out = json_pack("{s:I}", "quota_usage",
                  json_integer_value(json_object_get(d, "quota_usage")));
  if (json_is_integer(json_object_get(cfg, "quota_total"))) {
    json_int_t total = json_integer_value(json_object_get(cfg, "quota_total"));
    json_object_set_new(out, "quota_total", json_integer(total));
    json_object_set_new(out, "remaining", json_integer(
        total - json_integer_value(json_object_get(d, "quota_usage"))));
  }
  if (json_is_integer(json_object_get(cfg, "quota_duration")))
    json_object_set(out, "quota_duration",
                    json_object_get(cfg, "quota_duration"));
  if (s != NULL)
    json_object_set_new(out, "since", json_integer(json_integer_value(s)));
  json_decref(body);
  return result_ok(r, out);
}

#define ITEMS_PROP                                                           \
  "\"items\":{\"type\":\"array\",\"maxItems\":10,\"items\":{"                \
  "\"type\":\"object\",\"properties\":{"                                     \
  URL_PROP("image_url", "Image (JPEG).") ","                                 \
  URL_PROP("video_url", "Video (MP4/MOV, 3-60 s).") ","                      \
  USER_TAGS_PROP "," ALT_TEXT_PROP "},\"additionalProperties\":false},"      \
  "\"description\":\"New items, each an image_url or a video_url; they "     \
  "are created as carousel items after the children, in this order.\"}"
#define CHILDREN_PROP                                                        \
  "\"children\":{\"type\":\"array\",\"maxItems\":10,\"items\":{"             \
  "\"type\":\"string\",\"pattern\":\"" MEDIA_ID_PATTERN "\"},"               \
  "\"description\":\"Existing carousel item container IDs "                  \
  "(is_carousel_item), first in the carousel, in this order.\"}"

static const struct tool publishing_tools[] = {
  {
    .name = "ig_create_media_container",
    .title = "Create a media container",
    .description =
        "Create an Instagram media container (step 1 of 2) for an image, a "
        "reel, a story or a carousel item; publish it later with "
        "ig_publish_container. Give exactly one of image_url or video_url "
        "(public https). Caption at most 2,200 characters, 30 hashtags and "
        "20 @mentions; user_tags on images need x and y in 0-1; up to 3 "
        "collaborators; cover_url, thumb_offset, share_to_feed and "
        "audio_name are for reels; alt_text for images. Containers expire "
        "after 24 hours.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        URL_PROP("image_url", "Image (JPEG).") ","
        URL_PROP("video_url", "Video (MP4/MOV).") ","
        "\"media_type\":{\"type\":\"string\",\"enum\":[\"IMAGE\",\"REELS\","
        "\"STORIES\"],\"description\":\"IMAGE (default for image_url), "
        "REELS (default for video_url) or STORIES.\"},"
        "\"is_carousel_item\":{\"type\":\"boolean\",\"description\":\"Create "
        "an item for ig_create_carousel_container.\"},"
        CAPTION_PROP "," USER_TAGS_PROP "," LOCATION_PROP "," COLLAB_PROP ","
        REEL_PROPS "," ALT_TEXT_PROP "},"
        "\"additionalProperties\":false}",
    .output_schema = CONTAINER_OUT,
    .hints = HINTS_WRITE,
    .run = create_media_container,
  },
  {
    .name = "ig_create_carousel_container",
    .title = "Create a carousel container",
    .description =
        "Create an Instagram carousel container (step 1 of 2) from 2 to 10 "
        "items: existing carousel item containers (children) and/or new "
        "image or video URLs (items), created first, order kept; publish "
        "it with ig_publish_container. Caption at most 2,200 characters, "
        "30 hashtags and 20 @mentions; up to 3 collaborators.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        CHILDREN_PROP "," ITEMS_PROP "," CAPTION_PROP "," LOCATION_PROP ","
        COLLAB_PROP "},\"additionalProperties\":false}",
    .output_schema = CONTAINER_OUT,
    .hints = HINTS_WRITE,
    .run = create_carousel_container,
  },
  {
    .name = "ig_get_container_status",
    .title = "Get a container's status",
    .description =
        "Get the processing status of a media container: IN_PROGRESS, "
        "FINISHED (ready to publish), ERROR, EXPIRED (not published within "
        "24 hours) or PUBLISHED. Use it before publishing a video; never "
        "publish a PUBLISHED container again.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"container_id\":{\"type\":\"string\",\"pattern\":\""
        MEDIA_ID_PATTERN "\",\"description\":\"Container ID from a create "
        "tool.\"}},"
        "\"required\":[\"container_id\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"container_id\":{\"type\":\"string\"},"
        "\"status_code\":{\"type\":\"string\"},"
        "\"status\":{\"type\":\"string\"},"
        "\"next_step\":{\"type\":\"string\"}},"
        "\"required\":[\"container_id\",\"status_code\"]}",
    .hints = HINTS_READ,
    .run = get_container_status,
  },
  {
    .name = "ig_publish_container",
    .title = "Publish a container",
    .description =
        "Publish a media container (step 2 of 2): waits until it is "
        "FINISHED (max_wait_seconds, poll_interval_seconds), then publishes "
        "and reports the daily quota. Stops on ERROR or EXPIRED. Safe to "
        "call again: a container already PUBLISHED is reported, never "
        "posted twice. The post is public at once.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"creation_id\":{\"type\":\"string\",\"pattern\":\""
        MEDIA_ID_PATTERN "\",\"description\":\"Container ID to publish.\"},"
        WAIT_PROPS("60") "},"
        "\"required\":[\"creation_id\"],\"additionalProperties\":false}",
    .output_schema = PUBLISH_OUT,
    .hints = HINTS_WRITE,
    .run = publish_container,
  },
  {
    .name = "ig_publish_photo",
    .title = "Publish a photo",
    .description =
        "Publish a photo to the Instagram feed in one call (container, "
        "wait, publish, quota), with progress notifications. image_url "
        "must be a public https JPEG. Caption at most 2,200 characters, 30 "
        "hashtags and 20 @mentions; user_tags need x and y in 0-1. The "
        "post is public at once.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        URL_PROP("image_url", "Image (JPEG).") ","
        CAPTION_PROP "," USER_TAGS_PROP "," LOCATION_PROP "," COLLAB_PROP ","
        ALT_TEXT_PROP "," WAIT_PROPS("60") "},"
        "\"required\":[\"image_url\"],\"additionalProperties\":false}",
    .output_schema = PUBLISH_OUT,
    .hints = HINTS_WRITE,
    .run = publish_photo,
  },
  {
    .name = "ig_publish_reel",
    .title = "Publish a reel",
    .description =
        "Publish a reel (video) in one call: creates the REELS container, "
        "waits while the video processes (progress notifications), "
        "publishes and reports the quota. video_url must be public https "
        "MP4/MOV. Caption at most 2,200 characters, 30 hashtags and 20 "
        "@mentions. Videos take minutes: raise max_wait_seconds, or call "
        "ig_publish_container later.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        URL_PROP("video_url", "Video (MP4/MOV, 3 s-15 min).") ","
        CAPTION_PROP "," USER_TAGS_PROP "," LOCATION_PROP "," COLLAB_PROP ","
        REEL_PROPS "," WAIT_PROPS("120") "},"
        "\"required\":[\"video_url\"],\"additionalProperties\":false}",
    .output_schema = PUBLISH_OUT,
    .hints = HINTS_WRITE,
    .run = publish_reel,
  },
  {
    .name = "ig_publish_story",
    .title = "Publish a story",
    .description =
        "Publish a story in one call from exactly one of image_url or "
        "video_url (public https; video 3-60 s), waiting while a video "
        "processes, and report the quota. Stories disappear after 24 "
        "hours; stickers are not supported; no collaborators.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        URL_PROP("image_url", "Image (JPEG).") ","
        URL_PROP("video_url", "Video (MP4/MOV).") ","
        USER_TAGS_PROP "," WAIT_PROPS("120") "},"
        "\"additionalProperties\":false}",
    .output_schema = PUBLISH_OUT,
    .hints = HINTS_WRITE,
    .run = publish_story,
  },
  {
    .name = "ig_publish_carousel",
    .title = "Publish a carousel",
    .description =
        "Publish a carousel of 2 to 10 images and videos in one call: "
        "creates each item, then the carousel, waits for processing "
        "(progress notifications), publishes and reports the quota. Items "
        "keep their order. Caption at most 2,200 characters, 30 hashtags "
        "and 20 @mentions. A carousel counts as one post.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        CHILDREN_PROP "," ITEMS_PROP "," CAPTION_PROP "," LOCATION_PROP ","
        COLLAB_PROP "," WAIT_PROPS("120") "},"
        "\"additionalProperties\":false}",
    .output_schema = PUBLISH_OUT,
    .hints = HINTS_WRITE,
    .run = publish_carousel,
  },
  {
    .name = "ig_get_publishing_limit",
    .title = "Get the publishing quota",
    .description =
        "Get how many posts the account published through the API in the "
        "last 24 hours (quota_usage) and the limit (quota_total, usually "
        "100; a carousel counts once). Check it before publishing in bulk; "
        "past the limit Meta refuses every publish until posts age out.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"since\":{\"type\":\"integer\",\"minimum\":0,\"description\":"
        "\"Unix time no older than 24 hours: count only posts since then.\"}},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"quota_usage\":{\"type\":\"integer\"},"
        "\"quota_total\":{\"type\":\"integer\"},"
        "\"quota_duration\":{\"type\":\"integer\"},"
        "\"remaining\":{\"type\":\"integer\"},"
        "\"since\":{\"type\":\"integer\"}},"
        "\"required\":[\"quota_usage\"]}",
    .hints = HINTS_READ,
    .run = get_publishing_limit,
  },
};

const struct toolset publishing_toolset = {
  .name = "publishing",
  .description = "Publishing: containers, status, publish photo, reel, "
                 "story, carousel, quota.",
  .tools = publishing_tools,
  .ntools = sizeof(publishing_tools) / sizeof(publishing_tools[0]),
};
