/* SPDX-License-Identifier: MIT */
/*
 * media.c: the media toolset: reading and managing the account's media.
 *
 * Lists (/media, /stories, /tags) and single items (/{media},
 * /{media}/children) come back normalized by media_norm.c: {media:[...],
 * count, next_cursor?} with a "kind" (image, video, reel, carousel, story)
 * on every item.  Ids must be numeric media ids: a shortcode taken from a
 * post's link is refused locally with a pointer to ig_list_media.  Both
 * logins use the IG user node ({ig-user-id} or me).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "tools/media_norm.h"

#define MEDIA_ID_PROP                                                        \
  "\"media_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"      \
  "\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"Numeric media ID "     \
  "from ig_list_media (not the shortcode of a post link).\"}"

/* The media fields a caller may choose (Meta's field selection). */
#define MEDIA_FIELDS_PROP                                                    \
  "\"fields\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{"        \
  "\"type\":\"string\",\"enum\":[\"caption\",\"media_url\","                  \
  "\"thumbnail_url\",\"permalink\",\"shortcode\",\"timestamp\","              \
  "\"username\",\"like_count\",\"comments_count\","                          \
  "\"is_comment_enabled\",\"owner\",\"children\"]},\"description\":"         \
  "\"Fields to return besides id, media_type and kind; default: "           \
  "all.\"}"

#define MEDIA_LIST_OUT                                                       \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"media\":{\"type\":\"array\",\"items\":" MEDIA_ITEM_SCHEMA "},"          \
  "\"count\":{\"type\":\"integer\"},"                                        \
  "\"next_cursor\":{\"type\":\"string\"},"                                   \
  "\"prev_cursor\":{\"type\":\"string\"}},"                                  \
  "\"required\":[\"media\",\"count\"]}"
#define SUCCESS_OUT(extra)                                                   \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"success\":{\"type\":\"boolean\"}," extra "},"                           \
  "\"required\":[\"success\"]}"

/* Refuses anything but a numeric media id, shortcodes in particular. */
static int
check_media_id(struct result *r, const char *field, const char *id)
{
  if (strspn(id, "0123456789") == strlen(id))
    return 0;
  return result_errorf(r, "invalid_argument",
                       "%s \"%s\" is not a numeric media ID: it looks like "
                       "a shortcode from a post link. Use the numeric id "
                       "returned by ig_list_media (or ig_list_stories / "
                       "ig_list_tagged_media).", field, id);
}

/* GETs path with params and returns {media:[...], count, cursors}. */
static int
media_list(struct call *c, struct result *r, const char *path,
           struct graph_param *p)
{
  json_t *body = NULL, *list = json_array(), *item, *out;
  size_t i;

  if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0) {
    json_decref(list);
    return -1;
  }
  json_array_foreach(json_object_get(body, "data"), i, item) {
    json_t *m = mnorm_media(item);
    if (m != NULL)
      json_array_append_new(list, m);
  }
  out = json_pack("{s:o, s:I}", "media", list, "count",
                  (json_int_t)json_array_size(list));
  mnorm_cursors(out, json_object_get(body, "paging"));
  json_decref(body);
  return result_ok(r, out);
}

/* Adds limit, after and before from args to p at *n. */
static void
paging_params(const json_t *args, struct graph_param *p, size_t *n,
              char limit[24])
{
  const json_t *l = json_object_get(args, "limit");

  if (l != NULL) {
    snprintf(limit, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(l));
    p[(*n)++] = (struct graph_param){ "limit", limit };
  }
  if (mnorm_str(args, "after") != NULL)
    p[(*n)++] = (struct graph_param){ "after", mnorm_str(args, "after") };
  if (mnorm_str(args, "before") != NULL)
    p[(*n)++] = (struct graph_param){ "before", mnorm_str(args, "before") };
}

/* The Graph fields for a media read: those the caller named in fields
 * (with what kind needs), else dflt.  Owned. */
static char *
media_fields(const json_t *args, const char *dflt)
{
  const json_t *fl = json_object_get(args, "fields"), *v;
  char *fields;
  size_t i;

  if (fl == NULL)
    return xstrdup(dflt);
  fields = xstrdup("id,media_type,media_product_type");
  json_array_foreach(fl, i, v) {
    char *f2 = xasprintf("%s,%s", fields, json_string_value(v));
    free(fields);
    fields = f2;
  }
  return fields;
}

static int
list_media(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[10];
  char path[300], limit[24], since[24], until[24], user[64];
  const json_t *s = json_object_get(args, "since");
  const json_t *u = json_object_get(args, "until");
  char *fields;
  size_t n = 0;
  int rc;

  if (s != NULL && u != NULL &&
      json_integer_value(s) >= json_integer_value(u))
    return result_errorf(r, "invalid_argument",
                         "since (%" JSON_INTEGER_FORMAT ") must be earlier "
                         "than until (%" JSON_INTEGER_FORMAT ").",
                         json_integer_value(s), json_integer_value(u));
  if (mnorm_user(c, r, args, user, sizeof(user)) != 0)
    return -1;
  fields = media_fields(args, MEDIA_FIELDS_CHILDREN);
  snprintf(path, sizeof(path), "%s/media", user);
  p[n++] = (struct graph_param){ "fields", fields };
  paging_params(args, p, &n, limit);
  if (s != NULL) {
    snprintf(since, sizeof(since), "%" JSON_INTEGER_FORMAT,
             json_integer_value(s));
    p[n++] = (struct graph_param){ "since", since };
  }
  if (u != NULL) {
    snprintf(until, sizeof(until), "%" JSON_INTEGER_FORMAT,
             json_integer_value(u));
    p[n++] = (struct graph_param){ "until", until };
  }
  p[n] = (struct graph_param){ NULL, NULL };
  rc = media_list(c, r, path, p);
  free(fields);
  return rc;
}

/* GET /{user}/<edge> for stories and tags. */
static int
list_edge(struct call *c, const json_t *args, struct result *r,
          const char *edge)
{
  struct graph_param p[6];
  char path[300], limit[24], user[64], *fields;
  size_t n = 0;
  int rc;

  if (mnorm_user(c, r, args, user, sizeof(user)) != 0)
    return -1;
  snprintf(path, sizeof(path), "%s/%s", user, edge);
  fields = media_fields(args, MEDIA_FIELDS);
  p[n++] = (struct graph_param){ "fields", fields };
  paging_params(args, p, &n, limit);
  p[n] = (struct graph_param){ NULL, NULL };
  rc = media_list(c, r, path, p);
  free(fields);
  return rc;
}

static int
list_stories(struct call *c, const json_t *args, struct result *r)
{
  return list_edge(c, args, r, "stories");
}

static int
list_tagged(struct call *c, const json_t *args, struct result *r)
{
  return list_edge(c, args, r, "tags");
}

static int
get_live_media(struct call *c, const json_t *args, struct result *r)
{
  return list_edge(c, args, r, "live_media");
}

static int
get_media(struct call *c, const json_t *args, struct result *r)
{
  const char *id = mnorm_str(args, "media_id");
  struct graph_param p[2] = { { "fields", NULL }, { NULL, NULL } };
  json_t *body = NULL, *m;
  char *fields;
  int rc;

  if (check_media_id(r, "media_id", id) != 0)
    return -1;
  fields = media_fields(args, MEDIA_FIELDS_CHILDREN);
  p[0].value = fields;
  rc = tool_graph(c, r, "GET", id, p, NULL, 1, &body);
  free(fields);
  if (rc != 0)
    return -1;
  m = mnorm_media(body);
  json_decref(body);
  if (m == NULL)
    return result_errorf(r, "graph_error", "Meta returned no media item.");
  return result_ok(r, m);
}

static int
get_children(struct call *c, const json_t *args, struct result *r)
{
  const char *id = mnorm_str(args, "media_id");
  struct graph_param p[2] = { { "fields", MEDIA_FIELDS }, { NULL, NULL } };
  char path[300];

  if (check_media_id(r, "media_id", id) != 0)
    return -1;
  snprintf(path, sizeof(path), "%s/children", id);
  return media_list(c, r, path, p);
}

static int
set_comments_enabled(struct call *c, const json_t *args, struct result *r)
{
  const char *id = mnorm_str(args, "media_id");
  int on = json_is_true(json_object_get(args, "enabled"));
  struct graph_param p[2] = { { "comment_enabled", on ? "true" : "false" },
                              { NULL, NULL } };
  json_t *body = NULL;

  if (check_media_id(r, "media_id", id) != 0)
    return -1;
  if (tool_graph(c, r, "POST", id, p, NULL, 0, &body) != 0)
    return -1;
  json_decref(body);
  return result_ok(r, json_pack("{s:b, s:s, s:b}", "success", 1, "media_id",
                                id, "comments_enabled", on));
}

static int
delete_media(struct call *c, const json_t *args, struct result *r)
{
  const char *id = mnorm_str(args, "media_id");
  json_t *body = NULL;

  if (check_media_id(r, "media_id", id) != 0)
    return -1;
  if (tool_graph(c, r, "DELETE", id, NULL, NULL, 0, &body) != 0)
    return -1;
  json_decref(body);
  return result_ok(r, json_pack("{s:b, s:s}", "success", 1, "media_id", id));
}

static int
list_invites(struct call *c, const json_t *args, struct result *r)
{
  char path[300], user[64];
  json_t *body = NULL, *list, *item, *out;
  size_t i;

  if (mnorm_user(c, r, args, user, sizeof(user)) != 0)
    return -1;
  snprintf(path, sizeof(path), "%s/collaboration_invites", user);
  list = json_array();
  if (tool_graph(c, r, "GET", path, NULL, NULL, 1, &body) != 0) {
    json_decref(list);
    return -1;
  }
  json_array_foreach(json_object_get(body, "data"), i, item) {
    json_t *o;
    if (mnorm_str(item, "media_id") == NULL)
      continue;
    o = json_pack("{s:s}", "media_id", mnorm_str(item, "media_id"));
    if (mnorm_str(item, "media_owner_username") != NULL)
      json_object_set_new(o, "owner_username", json_string(
                          mnorm_str(item, "media_owner_username")));
    if (mnorm_str(item, "caption") != NULL)
      json_object_set_new(o, "caption",
                          json_string(mnorm_str(item, "caption")));
    if (mnorm_str(item, "media_url") != NULL)
      json_object_set_new(o, "media_url",
                          json_string(mnorm_str(item, "media_url")));
    json_array_append_new(list, o);
  }
  out = json_pack("{s:o, s:I}", "invites", list, "count",
                  (json_int_t)json_array_size(list));
  mnorm_cursors(out, json_object_get(body, "paging"));
  json_decref(body);
  return result_ok(r, out);
}

static int
respond_invite(struct call *c, const json_t *args, struct result *r)
{
  const char *id = mnorm_str(args, "media_id");
  int accept = json_is_true(json_object_get(args, "accept"));
  struct graph_param p[3] = { { "media_id", id },
                              { "accept", accept ? "true" : "false" },
                              { NULL, NULL } };
  char path[300], user[64];
  json_t *body = NULL;

  if (check_media_id(r, "media_id", id) != 0 ||
      mnorm_user(c, r, args, user, sizeof(user)) != 0)
    return -1;
  snprintf(path, sizeof(path), "%s/collaboration_invites", user);
  if (tool_graph(c, r, "POST", path, p, NULL, 0, &body) != 0)
    return -1;
  json_decref(body);
  return result_ok(r, json_pack("{s:b, s:s, s:s}", "success", 1, "media_id",
                                id, "status",
                                accept ? "accepted" : "declined"));
}

static const struct tool media_tools[] = {
  {
    .name = "ig_list_media",
    .flags = TOOL_DEFAULT,
    .detail_keys = MEDIA_DETAIL_KEYS,
    .title = "List the account's media",
    .description =
        "List the account's published posts, reels and carousels, newest "
        "first (stories are in ig_list_stories). Each item has a kind: "
        "image, video, reel, carousel. since and until (unix seconds) "
        "narrow the time range and since must be earlier than until. Pass "
        "next_cursor back as after for older items.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" USER_ID_PROP ","
        MEDIA_LIMIT_PROP "," AFTER_PROP "," MEDIA_BEFORE_PROP ","
        "\"since\":{\"type\":\"integer\",\"minimum\":0,\"description\":"
        "\"Only media posted at or after this unix time.\"},"
        "\"until\":{\"type\":\"integer\",\"minimum\":0,\"description\":"
        "\"Only media posted at or before this unix time.\"},"
        MEDIA_FIELDS_PROP "},\"additionalProperties\":false}",
    .output_schema = MEDIA_LIST_OUT,
    .hints = HINTS_READ,
    .run = list_media,
  },
  {
    .name = "ig_get_media",
    .flags = TOOL_DEFAULT,
    .detail_keys = MEDIA_DETAIL_KEYS,
    .title = "Get one media item",
    .description =
        "Get one published post, reel, story or carousel by its numeric "
        "media ID, with counts, links and carousel children. A shortcode "
        "from a post link (like CxYz12AbC) is not an ID: take the id from "
        "ig_list_media.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" MEDIA_ID_PROP
                    "," MEDIA_FIELDS_PROP "},\"required\":[\"media_id\"],"
                    "\"additionalProperties\":false}",
    .output_schema = MEDIA_ITEM_SCHEMA,
    .hints = HINTS_READ,
    .run = get_media,
  },
  {
    .name = "ig_get_media_children",
    .detail_keys = MEDIA_DETAIL_KEYS,
    .title = "List a carousel's items",
    .description =
        "List the images and videos inside a carousel album, in slide "
        "order. The media_id must be a CAROUSEL_ALBUM's numeric ID; "
        "children have no insights of their own.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" MEDIA_ID_PROP
                    "},\"required\":[\"media_id\"],"
                    "\"additionalProperties\":false}",
    .output_schema = MEDIA_LIST_OUT,
    .hints = HINTS_READ,
    .run = get_children,
  },
  {
    .name = "ig_list_stories",
    .flags = TOOL_DEFAULT,
    .detail_keys = MEDIA_DETAIL_KEYS,
    .title = "List active stories",
    .description =
        "List the account's stories that are still live. Stories expire "
        "24 hours after posting and are no longer listed after that.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" USER_ID_PROP ","
                    MEDIA_LIMIT_PROP "," AFTER_PROP "," MEDIA_FIELDS_PROP "},"
                    "\"additionalProperties\":false}",
    .output_schema = MEDIA_LIST_OUT,
    .hints = HINTS_READ,
    .run = list_stories,
  },
  {
    .name = "ig_get_live_media",
    .detail_keys = MEDIA_DETAIL_KEYS,
    .title = "Get live broadcasts",
    .description =
        "List the account's live video broadcast, if one is running. Meta "
        "returns media only during an active broadcast; an empty list "
        "means nothing is live.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" USER_ID_PROP
                    "},\"additionalProperties\":false}",
    .output_schema = MEDIA_LIST_OUT,
    .hints = HINTS_READ,
    .run = get_live_media,
  },
  {
    .name = "ig_list_tagged_media",
    .detail_keys = MEDIA_DETAIL_KEYS,
    .title = "List media the account is tagged in",
    .description =
        "List other accounts' media in which this account was tagged, "
        "newest first. Tagged photos cannot be answered through "
        "ig_reply_to_mention; that needs a caption or comment @mention.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" USER_ID_PROP ","
                    MEDIA_LIMIT_PROP "," AFTER_PROP "," MEDIA_BEFORE_PROP ","
                    MEDIA_FIELDS_PROP "},\"additionalProperties\":false}",
    .output_schema = MEDIA_LIST_OUT,
    .hints = HINTS_READ,
    .run = list_tagged,
  },
  {
    .name = "ig_set_comments_enabled",
    .title = "Turn comments on or off",
    .description =
        "Turn comments on or off for one of the account's posts or reels. "
        "Existing comments stay; turning comments off only stops new ones.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" MEDIA_ID_PROP ","
        "\"enabled\":{\"type\":\"boolean\",\"description\":\"true to allow "
        "comments, false to turn them off.\"}},"
        "\"required\":[\"media_id\",\"enabled\"],"
        "\"additionalProperties\":false}",
    .output_schema = SUCCESS_OUT("\"media_id\":{\"type\":\"string\"},"
                                 "\"comments_enabled\":{\"type\":"
                                 "\"boolean\"}"),
    .hints = HINTS_WRITE_IDEMPOTENT,
    .run = set_comments_enabled,
  },
  {
    .name = "ig_delete_media",
    .title = "Delete a post",
    .description =
        "Delete one of the account's posts, reels or carousels (a carousel "
        "goes as a whole, never a single slide). This cannot be undone. "
        "Meta documents deletion for Facebook Login; other setups may "
        "answer that the operation is unsupported.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" MEDIA_ID_PROP
                    "},\"required\":[\"media_id\"],"
                    "\"additionalProperties\":false}",
    .output_schema = SUCCESS_OUT("\"media_id\":{\"type\":\"string\"}"),
    .hints = HINTS_DESTRUCTIVE,
    .run = delete_media,
  },
  {
    .name = "ig_list_collaboration_invites",
    .title = "List collaboration invites",
    .description =
        "List pending invitations from other accounts to be a collaborator "
        "on their post or reel. Answer one with "
        "ig_respond_collaboration_invite.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" USER_ID_PROP
                    "},\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"invites\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
        "\"properties\":{\"media_id\":{\"type\":\"string\"},"
        "\"owner_username\":{\"type\":\"string\"},"
        "\"caption\":{\"type\":\"string\"},"
        "\"media_url\":{\"type\":\"string\"}},\"required\":[\"media_id\"]}},"
        "\"count\":{\"type\":\"integer\"},"
        "\"next_cursor\":{\"type\":\"string\"},"
        "\"prev_cursor\":{\"type\":\"string\"}},"
        "\"required\":[\"invites\",\"count\"]}",
    .hints = HINTS_READ,
    .run = list_invites,
  },
  {
    .name = "ig_respond_collaboration_invite",
    .title = "Accept or decline a collaboration",
    .description =
        "Accept or decline a pending collaboration invite from "
        "ig_list_collaboration_invites. Accepting shows the post on this "
        "account's profile too; an invite can be answered only once.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" USER_ID_PROP ","
        MEDIA_ID_PROP ",\"accept\":{\"type\":\"boolean\",\"description\":"
        "\"true to accept, false to decline.\"}},"
        "\"required\":[\"media_id\",\"accept\"],"
        "\"additionalProperties\":false}",
    .output_schema = SUCCESS_OUT("\"media_id\":{\"type\":\"string\"},"
                                 "\"status\":{\"type\":\"string\"}"),
    .hints = HINTS_WRITE,
    .run = respond_invite,
  },
};

const struct toolset media_toolset = {
  .name = "media",
  .description = "Media: list and read posts, reels, stories; comments "
                 "on/off; delete; collaboration invites.",
  .tools = media_tools,
  .ntools = sizeof(media_tools) / sizeof(media_tools[0]),
};
