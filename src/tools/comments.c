/* SPDX-License-Identifier: MIT */
/*
 * comments.c: the comments toolset: comments, replies, moderation,
 * private replies and mentions.
 *
 * Comments come back normalized by media_norm.c as {id, text, timestamp,
 * username, from_id, like_count, hidden, media_id, parent_id?,
 * replies_count?, replies?}.  Meta's comment rules (300 characters, 4
 * hashtags, 1 link, not all capitals) are checked before a comment, a
 * reply or a mention reply is sent.  A private reply goes through the
 * Send API of the node that sends messages (the IG account with Instagram
 * Login, the Page with Facebook Login).  Mention lookups are field
 * expansions on the account node, which Meta offers with Facebook Login
 * only.
 *
 * ig_list_comments and ig_post_comment act on a media item (media_id) or
 * on a comment (comment_id: its replies, or a reply to it), exactly one of
 * the two.  They replace ig_list_comment_replies and ig_reply_to_comment,
 * which stay callable as unlisted aliases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "tools/media_norm.h"
#include "tools/send_guard.h"

#define COMMENT_ID_PROP                                                      \
  "\"comment_id\":{\"type\":\"string\",\"pattern\":\"" MEDIA_ID_PATTERN     \
  "\",\"description\":\"Comment ID from ig_list_comments.\"}"
#define MEDIA_ID_PROP                                                        \
  "\"media_id\":{\"type\":\"string\",\"pattern\":\"" MEDIA_ID_PATTERN "\","  \
  "\"description\":\"Numeric media ID from ig_list_media.\"}"
#define MESSAGE_PROP                                                         \
  "\"message\":{\"type\":\"string\",\"minLength\":1,\"x-maxBytes\":8000,"    \
  "\"description\":\"Comment text: at most 300 characters, 4 hashtags and "  \
  "1 link, not all in capitals.\"}"
#define REPLY_FIELDS "replies{" COMMENT_FIELDS "}"

#define COMMENT_LIST_OUT                                                     \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"comments\":{\"type\":\"array\",\"items\":" COMMENT_ITEM_SCHEMA "},"     \
  "\"count\":{\"type\":\"integer\"},"                                        \
  "\"next_cursor\":{\"type\":\"string\"},"                                   \
  "\"prev_cursor\":{\"type\":\"string\"}},"                                  \
  "\"required\":[\"comments\",\"count\"]}"
#define ID_OUT                                                               \
  "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"       \
  "\"media_id\":{\"type\":\"string\"},\"parent_id\":{\"type\":\"string\"}}," \
  "\"required\":[\"id\"]}"
#define SUCCESS_OUT                                                          \
  "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},"\
  "\"comment_id\":{\"type\":\"string\"},\"hidden\":{\"type\":\"boolean\"}},"\
  "\"required\":[\"success\"]}"

/* The node that sends messages: the Page with Facebook Login. */
static const char *
sender_node(const struct call *c)
{
  if (c->acct->login == GRAPH_LOGIN_FACEBOOK)
    return c->acct->page_id ? c->acct->page_id : "me";
  return c->acct->user_id ? c->acct->user_id : "me";
}

/* GETs a comment list and returns {comments, count, cursors}. */
static int
comment_list(struct call *c, struct result *r, const char *path,
             const json_t *args, const char *fields)
{
  struct graph_param p[6];
  char limit[24];
  size_t n = 0, i;
  json_t *body = NULL, *list, *item, *out;

  p[n++] = (struct graph_param){ "fields", fields };
  snprintf(limit, sizeof(limit), "%" JSON_INTEGER_FORMAT,
           json_integer_value(json_object_get(args, "limit")));
  p[n++] = (struct graph_param){ "limit", limit };
  if (mnorm_str(args, "after") != NULL)
    p[n++] = (struct graph_param){ "after", mnorm_str(args, "after") };
  if (mnorm_str(args, "before") != NULL)
    p[n++] = (struct graph_param){ "before", mnorm_str(args, "before") };
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0)
    return -1;
  list = json_array();
  json_array_foreach(json_object_get(body, "data"), i, item) {
    json_t *o = mnorm_comment(item);
    if (o != NULL)
      json_array_append_new(list, o);
  }
  out = json_pack("{s:o, s:I}", "comments", list, "count",
                  (json_int_t)json_array_size(list));
  mnorm_cursors(out, json_object_get(body, "paging"));
  json_decref(body);
  return result_ok(r, out);
}

/* The node a comments tool acts on: exactly one of media_id (a post or
 * reel) and comment_id (a comment), as the merged tools take either.  The
 * rule is checked here, not with a top-level oneOf, because some LLM
 * providers reject combinators at the top of an inputSchema.  on_media and
 * on_comment say what each field does, for the error.  Returns 0, or -1
 * with r set. */
static int
pick_node(struct result *r, const json_t *args, const char *on_media,
          const char *on_comment, const char **media_id,
          const char **comment_id)
{
  *media_id = mnorm_str(args, "media_id");
  *comment_id = mnorm_str(args, "comment_id");
  if ((*media_id == NULL) != (*comment_id == NULL))
    return 0;
  return result_errorf(r, "invalid_argument",
                       "%s; give exactly one: media_id %s, or comment_id "
                       "%s.",
                       *media_id != NULL
                           ? "Both media_id and comment_id were given"
                           : "Neither media_id nor comment_id was given",
                       on_media, on_comment);
}

/* The comments on a media item (with their replies), or the replies to a
 * comment. */
static int
list_comments(struct call *c, const json_t *args, struct result *r)
{
  const char *media_id, *comment_id;
  char path[300];

  if (pick_node(r, args, "to list a post's comments",
                "to list the replies to a comment", &media_id,
                &comment_id) != 0)
    return -1;
  if (media_id != NULL) {
    snprintf(path, sizeof(path), "%s/comments", media_id);
    return comment_list(c, r, path, args, COMMENT_FIELDS "," REPLY_FIELDS);
  }
  snprintf(path, sizeof(path), "%s/replies", comment_id);
  return comment_list(c, r, path, args, COMMENT_FIELDS);
}

static int
get_comment(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[2] = { { "fields", COMMENT_FIELDS "," REPLY_FIELDS },
                              { NULL, NULL } };
  json_t *body = NULL, *o;

  if (tool_graph(c, r, "GET", mnorm_str(args, "comment_id"), p, NULL, 1,
                 &body) != 0)
    return -1;
  o = mnorm_comment(body);
  json_decref(body);
  if (o == NULL)
    return result_errorf(r, "graph_error", "Meta returned no comment.");
  return result_ok(r, o);
}

/* POSTs message to path and returns {id, ...}. */
static int
post_text(struct call *c, struct result *r, const char *path,
          struct graph_param *p, const char *media_id, const char *parent)
{
  json_t *body = NULL, *out;

  if (tool_graph(c, r, "POST", path, p, NULL, 0, &body) != 0)
    return -1;
  if (mnorm_str(body, "id") == NULL) {
    json_decref(body);
    return result_errorf(r, "graph_error",
                         "Meta accepted the comment but returned no id; "
                         "list the comments before posting again.");
  }
  out = json_pack("{s:s}", "id", mnorm_str(body, "id"));
  if (media_id != NULL)
    json_object_set_new(out, "media_id", json_string(media_id));
  if (parent != NULL)
    json_object_set_new(out, "parent_id", json_string(parent));
  json_decref(body);
  return result_ok(r, out);
}

/* A new comment on a media item, or a reply to a comment. */
static int
post_comment(struct call *c, const json_t *args, struct result *r)
{
  const char *msg = mnorm_str(args, "message");
  const char *media_id, *comment_id;
  struct graph_param p[2] = { { "message", msg }, { NULL, NULL } };
  char path[300];

  if (pick_node(r, args, "to comment on a post",
                "to reply to a comment", &media_id, &comment_id) != 0 ||
      mnorm_check_comment(r, "message", msg) != 0)
    return -1;
  if (media_id != NULL) {
    snprintf(path, sizeof(path), "%s/comments", media_id);
    return post_text(c, r, path, p, media_id, NULL);
  }
  snprintf(path, sizeof(path), "%s/replies", comment_id);
  return post_text(c, r, path, p, NULL, comment_id);
}

static int
hide_comment(struct call *c, const json_t *args, struct result *r)
{
  const json_t *h = json_object_get(args, "hidden");
  int hide = h == NULL || json_is_true(h);
  struct graph_param p[2] = { { "hide", hide ? "true" : "false" },
                              { NULL, NULL } };
  json_t *body = NULL;

  if (tool_graph(c, r, "POST", mnorm_str(args, "comment_id"), p, NULL, 0,
                 &body) != 0)
    return -1;
  json_decref(body);
  return result_ok(r, json_pack("{s:b, s:s, s:b}", "success", 1,
                                "comment_id", mnorm_str(args, "comment_id"),
                                "hidden", hide));
}

static int
delete_comment(struct call *c, const json_t *args, struct result *r)
{
  json_t *body = NULL;

  if (tool_graph(c, r, "DELETE", mnorm_str(args, "comment_id"), NULL, NULL,
                 0, &body) != 0)
    return -1;
  json_decref(body);
  return result_ok(r, json_pack("{s:b, s:s}", "success", 1, "comment_id",
                                mnorm_str(args, "comment_id")));
}

static int
private_reply(struct call *c, const json_t *args, struct result *r)
{
  char path[300];
  json_t *req, *body = NULL, *out;
  int rc;

  snprintf(path, sizeof(path), "%s/messages", sender_node(c));
  req = json_pack("{s:{s:s}, s:{s:s}}", "recipient", "comment_id",
                  mnorm_str(args, "comment_id"), "message", "text",
                  mnorm_str(args, "text"));
  rc = tool_graph(c, r, "POST", path, NULL, req, 0, &body);
  if (rc == 0) /* now a DM to the commenter: the inbox store records it */
    send_guard_record(c, mnorm_str(body, "recipient_id"),
                      mnorm_str(body, "message_id"),
                      json_object_get(req, "message"));
  json_decref(req);
  if (rc != 0)
    return -1;
  out = json_pack("{s:s}", "comment_id", mnorm_str(args, "comment_id"));
  if (mnorm_str(body, "message_id") != NULL)
    json_object_set_new(out, "message_id",
                        json_string(mnorm_str(body, "message_id")));
  if (mnorm_str(body, "recipient_id") != NULL)
    json_object_set_new(out, "recipient_id",
                        json_string(mnorm_str(body, "recipient_id")));
  json_decref(body);
  return result_ok(r, out);
}

/* GET {user}?fields=<field>.<key>(<id>){<sub>}. */
static int
get_mentioned(struct call *c, const json_t *args, struct result *r,
              const char *field, const char *key, const char *id,
              const char *sub)
{
  char *fields, user[64];
  struct graph_param p[2] = { { "fields", NULL }, { NULL, NULL } };
  json_t *body = NULL, *o;
  int rc;

  if (mnorm_user(c, r, args, user, sizeof(user)) != 0)
    return -1;
  fields = xasprintf("%s.%s(%s){%s}", field, key, id, sub);
  p[0].value = fields;
  rc = tool_graph(c, r, "GET", user, p, NULL, 1, &body);
  free(fields);
  if (rc != 0)
    return -1;
  o = strcmp(field, "mentioned_media") == 0
      ? mnorm_media(json_object_get(body, field))
      : mnorm_comment(json_object_get(body, field));
  json_decref(body);
  if (o == NULL)
    return result_errorf(r, "graph_error", "Meta returned no %s.", field);
  return result_ok(r, o);
}

static int
get_mentioned_media(struct call *c, const json_t *args, struct result *r)
{
  return get_mentioned(c, args, r, "mentioned_media", "media_id",
                       mnorm_str(args, "media_id"),
                       "id,caption,media_type,media_product_type,media_url,"
                       "permalink,timestamp,username,like_count,"
                       "comments_count");
}

static int
get_mentioned_comment(struct call *c, const json_t *args, struct result *r)
{
  return get_mentioned(c, args, r, "mentioned_comment", "comment_id",
                       mnorm_str(args, "comment_id"),
                       "id,text,timestamp,like_count,username,media");
}

static int
reply_to_mention(struct call *c, const json_t *args, struct result *r)
{
  const char *msg = mnorm_str(args, "message");
  const char *cid = mnorm_str(args, "comment_id");
  struct graph_param p[4];
  size_t n = 0;
  char path[300], user[64];

  if (mnorm_check_comment(r, "message", msg) != 0 ||
      mnorm_user(c, r, args, user, sizeof(user)) != 0)
    return -1;
  p[n++] = (struct graph_param){ "media_id", mnorm_str(args, "media_id") };
  if (cid != NULL)
    p[n++] = (struct graph_param){ "comment_id", cid };
  p[n++] = (struct graph_param){ "message", msg };
  p[n] = (struct graph_param){ NULL, NULL };
  snprintf(path, sizeof(path), "%s/mentions", user);
  return post_text(c, r, path, p, mnorm_str(args, "media_id"), cid);
}

#define PAGING_PROPS                                                         \
  MEDIA_LIMIT_PROP "," AFTER_PROP "," MEDIA_BEFORE_PROP

/* The merged tools take either node; each field says what it selects. */
#define EITHER_MEDIA_PROP(what)                                              \
  "\"media_id\":{\"type\":\"string\",\"pattern\":\"" MEDIA_ID_PATTERN "\","  \
  "\"description\":\"Post or reel ID from ig_list_media: " what ". Not "     \
  "with comment_id.\"}"
#define EITHER_COMMENT_PROP(what)                                            \
  "\"comment_id\":{\"type\":\"string\",\"pattern\":\"" MEDIA_ID_PATTERN      \
  "\",\"description\":\"Comment ID from ig_list_comments: " what ". Not "    \
  "with media_id.\"}"

static const struct tool comment_tools[] = {
  {
    .name = "ig_list_comments",
    .flags = TOOL_DEFAULT,
    .detail_keys = "media_id",
    .title = "List comments or replies",
    .description =
        "List the comments on one of the account's posts or reels "
        "(media_id; top-level, newest first, each with its replies) or the "
        "replies to one comment (comment_id; oldest first). Give exactly "
        "one of media_id or comment_id. Hidden comments are included with "
        "hidden true. Pass next_cursor back as after for more.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        EITHER_MEDIA_PROP("list its comments") ","
        EITHER_COMMENT_PROP("list its replies") "," PAGING_PROPS "},"
        "\"additionalProperties\":false}",
    .output_schema = COMMENT_LIST_OUT,
    .hints = HINTS_READ,
    .run = list_comments,
  },
  {
    .name = "ig_get_comment",
    .detail_keys = "media_id",
    .title = "Get one comment",
    .description =
        "Get one comment with its author, like count, hidden state and "
        "replies. Only comments on the account's media (or written by it) "
        "can be read.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" COMMENT_ID_PROP
                    "},\"required\":[\"comment_id\"],"
                    "\"additionalProperties\":false}",
    .output_schema = COMMENT_ITEM_SCHEMA,
    .hints = HINTS_READ,
    .run = get_comment,
  },
  {
    .name = "ig_post_comment",
    .flags = TOOL_DEFAULT,
    .title = "Comment or reply on a media item",
    .description =
        "Post a public comment as the account on one of its posts or reels "
        "(media_id), or a public reply to a comment there (comment_id; a "
        "reply to a reply joins the top-level thread). Give exactly one of "
        "media_id or comment_id. Text: at most 300 characters, 4 hashtags "
        "and 1 link, not all capitals; comments must be enabled.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        EITHER_MEDIA_PROP("comment on it") ","
        EITHER_COMMENT_PROP("reply to it") "," MESSAGE_PROP "},"
        "\"required\":[\"message\"],\"additionalProperties\":false}",
    .output_schema = ID_OUT,
    .hints = HINTS_WRITE,
    .run = post_comment,
  },
  {
    .name = "ig_hide_comment",
    .flags = TOOL_DEFAULT,
    .title = "Hide or unhide a comment",
    .description =
        "Hide a comment on the account's media from the public (hidden: "
        "true, the default) or show it again (hidden: false). The author "
        "still sees it; hiding is reversible, unlike deleting.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" COMMENT_ID_PROP ","
        "\"hidden\":{\"type\":\"boolean\",\"default\":true,\"description\":"
        "\"true hides, false unhides.\"}},\"required\":[\"comment_id\"],"
        "\"additionalProperties\":false}",
    .output_schema = SUCCESS_OUT,
    .hints = HINTS_WRITE_IDEMPOTENT,
    .run = hide_comment,
  },
  {
    .name = "ig_delete_comment",
    .flags = TOOL_DEFAULT,
    .title = "Delete a comment",
    .description =
        "Delete a comment (and its replies) from the account's media, or "
        "one of the account's own comments. This cannot be undone; "
        "consider ig_hide_comment instead.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" COMMENT_ID_PROP
                    "},\"required\":[\"comment_id\"],"
                    "\"additionalProperties\":false}",
    .output_schema = SUCCESS_OUT,
    .hints = HINTS_DESTRUCTIVE,
    .run = delete_comment,
  },
  {
    .name = "ig_send_private_reply",
    .flags = TOOL_DEFAULT,
    .title = "Reply privately to a commenter",
    .description =
        "Send a Direct message to the person who wrote a comment on the "
        "account's media. Meta allows ONE private reply per comment, "
        "within 7 days of the comment; further messages need the person "
        "to answer first.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" COMMENT_ID_PROP ","
        "\"text\":{\"type\":\"string\",\"minLength\":1,\"x-maxBytes\":1000,"
        "\"description\":\"Message text (at most 1000 bytes).\"}},"
        "\"required\":[\"comment_id\",\"text\"],"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"comment_id\":{\"type\":\"string\"},"
        "\"recipient_id\":{\"type\":\"string\"},"
        "\"message_id\":{\"type\":\"string\"}},"
        "\"required\":[\"comment_id\"]}",
    .hints = HINTS_WRITE,
    .run = private_reply,
  },
  {
    .name = "ig_get_mentioned_media",
    .detail_keys = MEDIA_DETAIL_KEYS,
    .title = "Get a media that @mentions the account",
    .description =
        "Get another account's post whose caption @mentions this account, "
        "by the media ID from a mention notification. Meta offers this "
        "with Facebook Login only.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" USER_ID_PROP ","
                    MEDIA_ID_PROP "},\"required\":[\"media_id\"],"
                    "\"additionalProperties\":false}",
    .output_schema = MEDIA_ITEM_SCHEMA,
    .hints = HINTS_READ,
    .run = get_mentioned_media,
  },
  {
    .name = "ig_get_mentioned_comment",
    .title = "Get a comment that @mentions the account",
    .description =
        "Get a comment that @mentions this account, by the comment ID from "
        "a mention notification. Meta offers this with Facebook Login "
        "only.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" USER_ID_PROP ","
                    COMMENT_ID_PROP "},\"required\":[\"comment_id\"],"
                    "\"additionalProperties\":false}",
    .output_schema = COMMENT_ITEM_SCHEMA,
    .hints = HINTS_READ,
    .run = get_mentioned_comment,
  },
  {
    .name = "ig_reply_to_mention",
    .title = "Reply to an @mention",
    .description =
        "Answer an @mention of the account with a public comment: on the "
        "media whose caption mentions it, or (with comment_id) under the "
        "comment that mentions it. Not for stories or tagged photos; same "
        "text rules as a comment.",
    .input_schema = "{\"type\":\"object\",\"properties\":{" USER_ID_PROP ","
                    MEDIA_ID_PROP "," COMMENT_ID_PROP "," MESSAGE_PROP "},"
                    "\"required\":[\"media_id\",\"message\"],"
                    "\"additionalProperties\":false}",
    .output_schema = ID_OUT,
    .hints = HINTS_WRITE,
    .run = reply_to_mention,
  },
};

/* The tools merged into ig_list_comments and ig_post_comment (issue 5):
 * their arguments ({comment_id, ...}) are valid for the merged tool as
 * they are. */
static const struct tool_alias comment_aliases[] = {
  { "ig_list_comment_replies", "ig_list_comments", NULL },
  { "ig_reply_to_comment", "ig_post_comment", NULL },
};

const struct toolset comments_toolset = {
  .name = "comments",
  .description = "Comments and mentions: read, reply, hide, delete, private "
                 "replies.",
  .tools = comment_tools,
  .ntools = sizeof(comment_tools) / sizeof(comment_tools[0]),
  .aliases = comment_aliases,
  .naliases = sizeof(comment_aliases) / sizeof(comment_aliases[0]),
};
