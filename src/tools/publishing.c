/* SPDX-License-Identifier: MIT */
/*
 * publishing.c: the publishing toolset: the two-step publishing API
 * (ig_create_container, the status, ig_publish_container), the one-call
 * publisher ig_publish, and the publishing quota.  One tool serves every
 * kind of post (image, reel, story, carousel), with the rules of each kind
 * checked here; the one-kind tools it replaced stay callable as aliases.
 *
 * Every rule Meta enforces that can be checked here is checked before a
 * request is spent: the kinds and their fields in publishing_args.c,
 * Meta's limits in publishing_rules.c; the waiting and the
 * never-publish-twice logic are in publishing_flow.c.  Results are
 * normalized: a container is {container_id, media_type, status_code,
 * status}, a publish {container_id, media_id, status_code, quota}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "tools/publishing_args.h"
#include "tools/publishing_flow.h"
#include "tools/publishing_rules.h"
#include "tools/tool.h"

#define MEDIA_ID_PATTERN "^[0-9]{1,25}$"

/*
 * The input properties of ig_publish and ig_create_container.  One schema
 * serves every kind, so it stays small: each property once, short
 * descriptions, and the rules that depend on the kind (which fields it
 * takes, which it needs) or on the shape of nested values (user tags,
 * collaborators) checked by the handler, whose messages name the field
 * and the kind.  Every array keeps an "items" schema: some clients refuse
 * an array without one.
 */
#define MEDIA_PROPS                                                          \
  "\"image_url\":{\"type\":\"string\",\"description\":\"JPEG.\"},"           \
  "\"video_url\":{\"type\":\"string\",\"description\":\"MP4 or MOV: "        \
  "reel 3 s-15 min, story or item 3-60 s.\"},"                               \
  "\"caption\":{\"type\":\"string\",\"description\":\"At most 2,200 "        \
  "characters, 30 hashtags and 20 @mentions.\"},"                            \
  "\"user_tags\":{\"type\":\"array\",\"items\":{\"type\":\"object\"},"       \
  "\"description\":\"Up to 20 {username, x, y}; x and y from 0 to 1 from "   \
  "the top-left, required on images.\"},"                                    \
  "\"location_id\":{\"type\":\"string\",\"pattern\":\"" MEDIA_ID_PATTERN     \
  "\",\"description\":\"Facebook Page with a location.\"},"                  \
  "\"collaborators\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"   \
  "\"description\":\"Up to 3 usernames.\"},"                                 \
  "\"alt_text\":{\"type\":\"string\",\"description\":\"Image alt text, at "  \
  "most 1,000 characters.\"},"                                               \
  "\"cover_url\":{\"type\":\"string\",\"description\":\"Reel cover image "   \
  "(wins over thumb_offset).\"},"                                            \
  "\"thumb_offset\":{\"type\":\"integer\",\"minimum\":0,\"description\":"    \
  "\"Reel thumbnail frame, in ms.\"},"                                       \
  "\"share_to_feed\":{\"type\":\"boolean\",\"description\":\"Reel also in "  \
  "the feed.\"},"                                                            \
  "\"audio_name\":{\"type\":\"string\",\"description\":\"Reel audio "        \
  "name.\"},"                                                                \
  "\"children\":{\"type\":\"array\",\"items\":{\"type\":\"string\","         \
  "\"pattern\":\"" MEDIA_ID_PATTERN "\"},\"description\":\"Carousel: "       \
  "carousel_item container IDs, first.\"},"                                  \
  "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\","            \
  "\"properties\":{\"image_url\":{\"type\":\"string\"},"                     \
  "\"video_url\":{\"type\":\"string\"},\"user_tags\":{\"type\":\"array\","   \
  "\"items\":{\"type\":\"object\"}},\"alt_text\":{\"type\":\"string\"}},"    \
  "\"additionalProperties\":false},\"description\":\"Carousel: new items "   \
  "after children, each with image_url or video_url.\"}"
#define WAIT_PROPS(def)                                                      \
  "\"max_wait_seconds\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":300,"\
  "\"default\":" def ",\"description\":\"How long to wait for the container "\
  "to finish processing before giving up (0: publish at once).\"},"          \
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

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* Creates one container from checked arguments; id gets its id. */
static int
create_one(struct call *c, struct result *r, const char *owner,
           const json_t *a, enum kind k, char *id, size_t len)
{
  struct params ps = { 0 };
  int rc;

  pub_build_params(a, k, &ps);
  rc = pub_create(c, r, owner, ps.p, id, len);
  pub_params_free(&ps);
  return rc;
}

/* A container of one media: an image, a reel, a story or a carousel
 * item. */
static int
create_media_container(struct call *c, const json_t *a, struct result *r,
                       unsigned pk)
{
  char owner[64], id[64];
  json_t *st = NULL, *out;
  enum kind k = K_IMAGE;
  int item;

  if (pk == PK_AUTO) {
    if (pub_auto_kind(a, r, &k) != 0)
      return -1;
  } else {
    k = pub_kind_of(pk, a);
  }
  item = k == K_ITEM_IMAGE || k == K_ITEM_VIDEO;
  if (pub_check_args(a, k, r) != 0 || pub_owner(c, r, owner, sizeof(owner)) != 0)
    return -1;
  if (create_one(c, r, owner, a, k, id, sizeof(id)) != 0)
    return -1;
  out = json_pack("{s:s, s:s, s:b}", "container_id", id, "media_type",
                  pub_kind_name(k), "is_carousel_item", item);
  if (pub_status(c, r, id, &st) == 0) {
    json_object_set_new(out, "status_code",
                        json_string(str(st, "status_code")));
    if (str(st, "status") != NULL)
      json_object_set_new(out, "status", json_string(str(st, "status")));
    json_decref(st);
  }
  json_object_set_new(out, "next_step", json_string(
      item ? "Pass container_id in children of ig_create_container or "
             "ig_publish (kind carousel)."
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
  if (pub_check_args(a, K_IMAGE, r) != 0)
    return -1;
  json_array_foreach(items, i, v)
    if (pub_check_item(v, i, r) != 0)
      return -1;
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
  pub_build_params(a, K_IMAGE, &ps);
  pub_push(&ps, "media_type", "CAROUSEL");
  pub_push_owned(&ps, "children", joined);
  rc = pub_create(c, r, owner, ps.p, id, len);
  pub_params_free(&ps);
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

/* ig_create_container: step 1 of 2, any kind. */
static int
create_container(struct call *c, const json_t *a, struct result *r)
{
  unsigned pk = pub_kind_arg(a);

  if (pub_check_kind(a, pk, PK_CONTAINER, r) != 0)
    return -1;
  if (pk == PK_CAROUSEL)
    return create_carousel_container(c, a, r);
  return create_media_container(c, a, r, pk);
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

  pub_wait_args(a, &w, 60);
  if (pub_owner(c, r, owner, sizeof(owner)) != 0)
    return -1;
  return pub_publish(c, r, owner, str(a, "creation_id"), &w);
}

/* The container an earlier call with the same idempotency key created
 * (ig_publish resumes it rather than making a new one): within the 24
 * hours a container lives for a caller's key, within 30 minutes for a key
 * made from the content (an identical post later is a new post).
 * Returns 1 and fills id, or 0. */
static int
pub_memo_get(struct call *c, char *id, size_t len)
{
  char key[300], *v = NULL;
  int64_t ms = 0;
  struct err e = { 0 };
  int found = 0;

  if (c->store == NULL || c->idem_key == NULL || c->idem_account == NULL)
    return 0;
  snprintf(key, sizeof(key), "publish:%s", c->idem_key);
  if (store_sync_get(c->store, c->idem_account, key, &v, &ms, &e) == 1 &&
      v != NULL &&
      call_now_ms(c) - ms < (strncmp(c->idem_key, "auto:", 5) == 0
                               ? 30 * 60 * 1000 : 23 * STORE_DAY_MS / 24) &&
      strlen(v) < len) {
    snprintf(id, len, "%s", v);
    found = 1;
  }
  free(v);
  return found;
}

static void
pub_memo_put(struct call *c, const char *id)
{
  char key[300];
  struct err e = { 0 };

  if (c->store == NULL || c->idem_key == NULL || c->idem_account == NULL)
    return;
  snprintf(key, sizeof(key), "publish:%s", c->idem_key);
  if (store_sync_put(c->store, c->idem_account, key, id, call_now_ms(c),
                     &e) != 0)
    log_warnx("ig_publish: remembering container %s failed: %s", id, e.msg);
}

/* ig_publish: create, wait, publish, report.  Images wait 60 seconds by
 * default, videos and carousels (which may hold videos) 120, as the old
 * one-kind publishers did. */
static int
publish(struct call *c, const json_t *a, struct result *r)
{
  unsigned pk = pub_kind_arg(a);
  struct pub_wait w;
  char owner[64], id[64];
  json_t *kids;
  enum kind k;

  pub_wait_args(a, &w, pk == PK_IMAGE ? 60 : 120);
  if (pub_check_kind(a, pk, PK_PUBLISH, r) != 0)
    return -1;
  if (pub_memo_get(c, id, sizeof(id))) {
    /* The same call ran before and created this container: carry on
     * from it (pub_publish reads it back, so a PUBLISHED one is not
     * published again). */
    log_info("ig_publish: resuming with container %s", id);
    call_progress(c, c->graph_calls + 0.5, 0, "resuming the container "
                  "an earlier identical call created");
    if (pub_owner(c, r, owner, sizeof(owner)) != 0)
      return -1;
    return pub_publish(c, r, owner, id, &w);
  }
  if (pk == PK_CAROUSEL) {
    kids = json_array();
    if (pub_owner(c, r, owner, sizeof(owner)) != 0 ||
        create_carousel(c, r, owner, a, id, sizeof(id), kids) != 0 ||
        (pub_memo_put(c, id), pub_publish(c, r, owner, id, &w)) != 0) {
      json_decref(kids);
      return -1;
    }
    json_object_set_new(r->structured, "children", kids);
    return 0;
  }
  k = pub_kind_of(pk, a);
  if (pub_check_args(a, k, r) != 0 || pub_owner(c, r, owner, sizeof(owner)) != 0)
    return -1;
  call_progress(c, c->graph_calls + 0.5, 0, "creating the container");
  if (create_one(c, r, owner, a, k, id, sizeof(id)) != 0)
    return -1;
  pub_memo_put(c, id);
  return pub_publish(c, r, owner, id, &w);
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

static const struct tool publishing_tools[] = {
  {
    .name = "ig_create_container",
    .title = "Create a media container",
    .description =
        "Create a media container (step 1 of 2) to publish later with "
        "ig_publish_container, or a carousel item; for a post in one call "
        "use ig_publish. Containers expire after 24 hours. Per kind: image "
        "needs image_url; reel video_url; story and carousel_item one of "
        "image_url or video_url; carousel 2-10 children and/or items; auto "
        "is the old form (type from the URL, media_type and "
        "is_carousel_item). Media URLs: public https that Instagram "
        "fetches itself.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"kind\":{\"type\":\"string\",\"enum\":[\"image\",\"reel\","
        "\"story\",\"carousel\",\"carousel_item\",\"auto\"],"
        "\"description\":\"What the container holds.\"},"
        MEDIA_PROPS ","
        "\"media_type\":{\"type\":\"string\",\"enum\":[\"IMAGE\",\"REELS\","
        "\"STORIES\"]},\"is_carousel_item\":{\"type\":\"boolean\"}},"
        "\"required\":[\"kind\"],\"additionalProperties\":false}",
    .output_schema = CONTAINER_OUT,
    .hints = HINTS_WRITE,
    .run = create_container,
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
    .hints = HINTS_WRITE_IDEMPOTENT, /* a container publishes once */
    .run = publish_container,
  },
  {
    .name = "ig_publish",
    .flags = TOOL_DEFAULT,
    .title = "Publish a post",
    .description =
        "Publish an image, reel, story or carousel in one call: creates the "
        "container, waits for processing, publishes, reports the daily "
        "quota. The post is public at once; each call posts again. Per "
        "kind: image needs image_url; reel video_url; story one of "
        "image_url or video_url; carousel 2-10 children and/or items. Media "
        "URLs: public https that Instagram fetches itself. Videos take "
        "minutes: raise max_wait_seconds or finish with "
        "ig_publish_container.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"kind\":{\"type\":\"string\",\"enum\":[\"image\",\"reel\","
        "\"story\",\"carousel\"],\"description\":\"What to post.\"},"
        MEDIA_PROPS ","
        "\"max_wait_seconds\":{\"type\":\"integer\",\"minimum\":0,"
        "\"maximum\":300,\"description\":\"Wait for processing: default 60 "
        "for image, else 120; 0 publishes at once.\"},"
        "\"poll_interval_seconds\":{\"type\":\"number\",\"minimum\":1,"
        "\"maximum\":60,\"default\":3,\"description\":\"Seconds between "
        "checks.\"}},"
        "\"required\":[\"kind\"],\"additionalProperties\":false}",
    .output_schema = PUBLISH_OUT,
    .hints = HINTS_WRITE,
    .run = publish,
  },
  {
    .name = "ig_get_publishing_limit",
    .flags = TOOL_DEFAULT,
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

/* The names of the tools ig_publish and ig_create_container replaced: each
 * presets kind, and takes the arguments it always took.  Feed videos are
 * published as reels (catalog.md's ig_publish_video).  The old media
 * container chose its type from media_type, is_carousel_item and the URL:
 * kind auto does the same. */
static const struct tool_alias publishing_aliases[] = {
  { "ig_publish_photo", "ig_publish", "{\"kind\":\"image\"}" },
  { "ig_publish_reel", "ig_publish", "{\"kind\":\"reel\"}" },
  { "ig_publish_video", "ig_publish", "{\"kind\":\"reel\"}" },
  { "ig_publish_story", "ig_publish", "{\"kind\":\"story\"}" },
  { "ig_publish_carousel", "ig_publish", "{\"kind\":\"carousel\"}" },
  { "ig_create_media_container", "ig_create_container",
    "{\"kind\":\"auto\"}" },
  { "ig_create_carousel_container", "ig_create_container",
    "{\"kind\":\"carousel\"}" },
};

const struct toolset publishing_toolset = {
  .name = "publishing",
  .description = "Publishing: one-call posts of every kind, containers and "
                 "their status, the quota.",
  .tools = publishing_tools,
  .ntools = sizeof(publishing_tools) / sizeof(publishing_tools[0]),
  .aliases = publishing_aliases,
  .naliases = sizeof(publishing_aliases) / sizeof(publishing_aliases[0]),
};
