/* SPDX-License-Identifier: MIT */
/*
 * messaging.c: the direct-message tools (Conversations API and Send API).
 *
 * Both logins are served: with Instagram Login the owner node is the IG
 * professional account (graph.instagram.com/{ig-id}/conversations); with
 * Facebook Login it is the linked Page (graph.facebook.com/{page-id}/
 * conversations?platform=instagram).  Results are normalized: a
 * conversation is {id, updated_time, participants:[{id, username}], ...},
 * a message {id, created_time, from, to, text, attachments?, reply_to?},
 * never Meta's raw envelope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "tools/schema_props.h"
#include "tools/send_guard.h"
#include "tools/tool.h"

#define IGSID_PATTERN "^[0-9]{1,25}$"
#define NODE_ID_PATTERN "^[A-Za-z0-9_:.-]{1,256}$"

#define USER_SCHEMA                                                          \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"id\":{\"type\":\"string\"},\"username\":{\"type\":\"string\"}},"         \
  "\"required\":[\"id\"]}"

#define MESSAGE_SCHEMA                                                       \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"id\":{\"type\":\"string\"},"                                            \
  "\"created_time\":{\"type\":\"string\"},"                                  \
  "\"from\":" USER_SCHEMA ","                                                \
  "\"to\":{\"type\":\"array\",\"items\":" USER_SCHEMA "},"                  \
  "\"text\":{\"type\":\"string\"},"                                          \
  "\"attachments\":{\"type\":\"array\",\"items\":{\"type\":\"object\","      \
  "\"properties\":{\"type\":{\"type\":\"string\"},"                          \
  "\"url\":{\"type\":\"string\"}}}},"                                         \
  "\"reply_to\":{\"type\":\"object\",\"properties\":{"                       \
  "\"mid\":{\"type\":\"string\"},\"is_self_reply\":{\"type\":\"boolean\"}}},"\
  "\"details_available\":{\"type\":\"boolean\"}},"                           \
  "\"required\":[\"id\"]}"

#define CONVERSATION_SCHEMA                                                  \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"id\":{\"type\":\"string\"},"                                            \
  "\"updated_time\":{\"type\":\"string\"},"                                  \
  "\"participants\":{\"type\":\"array\",\"items\":" USER_SCHEMA "},"        \
  "\"last_message\":" MESSAGE_SCHEMA ","                                     \
  "\"is_owner\":{\"type\":\"boolean\"}},"                                    \
  "\"required\":[\"id\"]}"

/* Input properties shared by several tools. */
#define CONV_ID_PROP                                                         \
  "\"conversation_id\":{\"type\":\"string\",\"pattern\":\""                  \
  NODE_ID_PATTERN "\",\"description\":\"Conversation ID from "              \
  "ig_list_conversations.\"}"

#define MESSAGE_FIELDS "id,created_time,from,to,message,attachments,reply_to"

#define DETAILS_NOTE                                                         \
  "Meta returns details only for the 20 most recent messages of a "          \
  "conversation; older messages are listed with id and created_time only."

/* The node that owns conversations and sends: the IG account with
 * Instagram Login, the Page with Facebook Login. */
static const char *
owner_node(const struct call *c)
{
  if (c->acct->login == GRAPH_LOGIN_FACEBOOK)
    return c->acct->page_id ? c->acct->page_id : "me";
  return c->acct->user_id ? c->acct->user_id : "me";
}

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* {id, username} from Meta's {username, id}. */
static json_t *
norm_user(const json_t *u)
{
  json_t *o;

  if (!json_is_object(u) || str(u, "id") == NULL)
    return NULL;
  o = json_pack("{s:s}", "id", str(u, "id"));
  if (str(u, "username") != NULL)
    json_object_set_new(o, "username", json_string(str(u, "username")));
  return o;
}

/* [{id, username}] from {"data":[...]} or a plain array. */
static json_t *
norm_users(const json_t *v)
{
  json_t *out = json_array(), *item;
  const json_t *arr = json_is_object(v) ? json_object_get(v, "data") : v;
  size_t i;

  json_array_foreach(arr, i, item) {
    json_t *u = norm_user(item);
    if (u != NULL)
      json_array_append_new(out, u);
  }
  return out;
}

/* One attachment of Meta's message attachment list, as {type, url}. */
static json_t *
norm_attachment(const json_t *a)
{
  static const struct {
    const char *key, *type;
  } kinds[] = {
    { "image_data", "image" }, { "video_data", "video" },
    { "audio_data", "audio" }, { "file_data", "file" },
  };
  const char *url = NULL, *type = NULL;

  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    const json_t *d = json_object_get(a, kinds[i].key);
    if (json_is_object(d)) {
      type = kinds[i].type;
      url = str(d, "url");
      break;
    }
  }
  if (type == NULL && str(a, "file_url") != NULL) {
    type = "file";
    url = str(a, "file_url");
  }
  if (type == NULL) {
    const json_t *p = json_object_get(a, "payload");
    type = str(a, "type") ? str(a, "type") : "unknown";
    url = json_is_object(p) ? str(p, "url") : str(a, "url");
  }
  if (url != NULL)
    return json_pack("{s:s, s:s}", "type", type, "url", url);
  return json_pack("{s:s}", "type", type);
}

/* A normalized message from Meta's message node. */
static json_t *
norm_message(const json_t *m)
{
  json_t *o, *v, *from;
  const json_t *att, *rt;
  int details = 0;

  if (!json_is_object(m) || str(m, "id") == NULL)
    return NULL;
  o = json_pack("{s:s}", "id", str(m, "id"));
  if (str(m, "created_time") != NULL)
    json_object_set_new(o, "created_time",
                        json_string(str(m, "created_time")));
  from = norm_user(json_object_get(m, "from"));
  if (from != NULL) {
    json_object_set_new(o, "from", from);
    details = 1;
  }
  if (json_object_get(m, "to") != NULL) {
    json_object_set_new(o, "to", norm_users(json_object_get(m, "to")));
    details = 1;
  }
  if (str(m, "message") != NULL) {
    json_object_set_new(o, "text", json_string(str(m, "message")));
    details = 1;
  }
  att = json_object_get(m, "attachments");
  if (json_is_object(att))
    att = json_object_get(att, "data");
  if (json_is_array(att) && json_array_size(att) > 0) {
    size_t i;
    json_t *a, *list = json_array();
    json_array_foreach(att, i, a)
      json_array_append_new(list, norm_attachment(a));
    json_object_set_new(o, "attachments", list);
    details = 1;
  }
  rt = json_object_get(m, "reply_to");
  if (json_is_object(rt) && str(rt, "mid") != NULL) {
    v = json_pack("{s:s}", "mid", str(rt, "mid"));
    if (json_is_boolean(json_object_get(rt, "is_self_reply")))
      json_object_set(v, "is_self_reply",
                      json_object_get(rt, "is_self_reply"));
    json_object_set_new(o, "reply_to", v);
  }
  json_object_set_new(o, "details_available", json_boolean(details));
  return o;
}

/* [{normalized message}] from {"data":[...]}; sets *missing when a message
 * came without details (older than the 20 most recent). */
static json_t *
norm_messages(const json_t *edge, int *missing)
{
  json_t *out = json_array(), *item;
  size_t i;

  json_array_foreach(json_object_get(edge, "data"), i, item) {
    json_t *m = norm_message(item);
    if (m == NULL)
      continue;
    if (!json_is_true(json_object_get(m, "details_available")))
      *missing = 1;
    json_array_append_new(out, m);
  }
  return out;
}

static json_t *
norm_conversation(const json_t *c)
{
  json_t *o;
  const json_t *msgs;

  if (!json_is_object(c) || str(c, "id") == NULL)
    return NULL;
  o = json_pack("{s:s}", "id", str(c, "id"));
  if (str(c, "updated_time") != NULL)
    json_object_set_new(o, "updated_time",
                        json_string(str(c, "updated_time")));
  if (json_object_get(c, "participants") != NULL)
    json_object_set_new(o, "participants",
                        norm_users(json_object_get(c, "participants")));
  msgs = json_object_get(json_object_get(c, "messages"), "data");
  if (json_is_array(msgs) && json_array_size(msgs) > 0) {
    json_t *m = norm_message(json_array_get(msgs, 0));
    if (m != NULL)
      json_object_set_new(o, "last_message", m);
  }
  if (json_is_boolean(json_object_get(c, "is_owner")))
    json_object_set(o, "is_owner", json_object_get(c, "is_owner"));
  return o;
}

/* The cursor for the next page, only when Meta says there is one. */
static void
set_next_cursor(json_t *out, const json_t *paging)
{
  const char *after;

  if (!json_is_object(paging) || json_object_get(paging, "next") == NULL)
    return;
  after = str(json_object_get(paging, "cursors"), "after");
  if (after != NULL)
    json_object_set_new(out, "next_cursor", json_string(after));
}

static int
list_conversations(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[8];
  char limit[16], fields[160], path[300];
  const json_t *owner = json_object_get(args, "is_owner");
  json_t *body = NULL, *list, *item, *out;
  size_t n = 0, i;

  if (owner != NULL && c->acct->login != GRAPH_LOGIN_FACEBOOK)
    return result_errorf(
        r, "invalid_argument",
        "is_owner needs Facebook Login: thread ownership (Conversation "
        "Routing) is a Page feature on graph.facebook.com. With Instagram "
        "Login leave is_owner out; every conversation is the account's.");
  snprintf(path, sizeof(path), "%s/conversations", owner_node(c));
  snprintf(fields, sizeof(fields),
           "id,updated_time,participants,"
           "messages.limit(1){id,created_time,from,message}%s",
           owner != NULL ? ",is_owner" : "");
  snprintf(limit, sizeof(limit), "%" JSON_INTEGER_FORMAT,
           json_integer_value(json_object_get(args, "limit")));
  p[n++] = (struct graph_param){ "platform", "instagram" };
  p[n++] = (struct graph_param){ "fields", fields };
  p[n++] = (struct graph_param){ "limit", limit };
  if (str(args, "folder") != NULL)
    p[n++] = (struct graph_param){ "folder", str(args, "folder") };
  if (str(args, "user_id") != NULL)
    p[n++] = (struct graph_param){ "user_id", str(args, "user_id") };
  if (str(args, "after") != NULL)
    p[n++] = (struct graph_param){ "after", str(args, "after") };
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0)
    return -1;
  list = json_array();
  json_array_foreach(json_object_get(body, "data"), i, item) {
    json_t *conv = norm_conversation(item);
    if (conv == NULL)
      continue;
    if (owner != NULL &&
        !json_equal(json_object_get(conv, "is_owner"), (json_t *)owner)) {
      json_decref(conv);
      continue;
    }
    json_array_append_new(list, conv);
  }
  out = json_pack("{s:o, s:I}", "conversations", list, "count",
                  (json_int_t)json_array_size(list));
  set_next_cursor(out, json_object_get(body, "paging"));
  json_decref(body);
  return result_ok(r, out);
}

static int
get_conversation(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[2];
  char fields[200];
  json_int_t lim = json_integer_value(json_object_get(args, "message_limit"));
  json_t *body = NULL, *out, *edge;
  int missing = 0;

  if (lim > 0)
    snprintf(fields, sizeof(fields),
             "id,updated_time,participants,messages.limit(%" JSON_INTEGER_FORMAT
             "){" MESSAGE_FIELDS "}", lim);
  else
    snprintf(fields, sizeof(fields), "id,updated_time,participants");
  p[0] = (struct graph_param){ "fields", fields };
  p[1] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", str(args, "conversation_id"), p, NULL, 1,
                 &body) != 0)
    return -1;
  out = norm_conversation(body);
  if (out == NULL) {
    json_decref(body);
    return result_errorf(r, "graph_error",
                         "Meta's answer had no conversation id.");
  }
  json_object_del(out, "last_message");
  edge = json_object_get(body, "messages");
  if (lim > 0) {
    json_object_set_new(out, "messages", norm_messages(edge, &missing));
    if (json_object_get(json_object_get(edge, "paging"), "next") != NULL)
      json_object_set_new(out, "has_more_messages", json_true());
  }
  json_decref(body);
  return result_ok(r, out);
}

static int
list_messages(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[4];
  char limit[16], path[300];
  json_t *body = NULL, *out, *msgs;
  size_t n = 0;
  int missing = 0;

  snprintf(path, sizeof(path), "%s/messages", str(args, "conversation_id"));
  snprintf(limit, sizeof(limit), "%" JSON_INTEGER_FORMAT,
           json_integer_value(json_object_get(args, "limit")));
  p[n++] = (struct graph_param){ "fields", MESSAGE_FIELDS };
  p[n++] = (struct graph_param){ "limit", limit };
  if (str(args, "after") != NULL)
    p[n++] = (struct graph_param){ "after", str(args, "after") };
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0)
    return -1;
  msgs = norm_messages(body, &missing);
  out = json_pack("{s:s, s:o, s:I}", "conversation_id",
                  str(args, "conversation_id"), "messages", msgs, "count",
                  (json_int_t)json_array_size(msgs));
  set_next_cursor(out, json_object_get(body, "paging"));
  if (missing || str(args, "after") != NULL)
    json_object_set_new(out, "note", json_string(DETAILS_NOTE));
  json_decref(body);
  return result_ok(r, out);
}

static int
get_message(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[2] = { { "fields", MESSAGE_FIELDS }, { NULL, NULL } };
  json_t *body = NULL, *out;

  if (tool_graph(c, r, "GET", str(args, "message_id"), p, NULL, 1, &body) !=
      0)
    return -1;
  out = norm_message(body);
  json_decref(body);
  if (out == NULL)
    return result_errorf(r, "graph_error",
                         "Meta's answer had no message id.");
  return result_ok(r, out);
}

/* POSTs req (consumed) to the account's messages edge.  Returns 0 with
 * Meta's answer, which has a message_id, in *body; or -1 with r filled. */
static int
post_message(struct call *c, struct result *r, json_t *req, json_t **body)
{
  char path[300];
  int rc;

  snprintf(path, sizeof(path), "%s/messages", owner_node(c));
  rc = tool_graph(c, r, "POST", path, NULL, req, 0, body);
  json_decref(req);
  if (rc != 0)
    return -1;
  if (str(*body, "message_id") == NULL) {
    json_decref(*body);
    return result_errorf(r, "graph_error",
                         "Meta accepted the request but returned no "
                         "message_id; check the conversation before "
                         "sending again.");
  }
  return 0;
}

static int
send_message(struct call *c, const json_t *args, struct result *r)
{
  const char *tag = str(args, "tag"), *reply = str(args, "reply_to");
  json_t *req, *body = NULL, *out, *sent;

  if (send_guard_check(c, r, str(args, "recipient_id"), SEND_GUARD_MESSAGE,
                       tag != NULL) != 0)
    return -1;
  req = json_pack("{s:{s:s}, s:{s:s}, s:s}", "recipient", "id",
                  str(args, "recipient_id"), "message", "text",
                  str(args, "text"), "messaging_type",
                  tag != NULL ? "MESSAGE_TAG" : "RESPONSE");
  if (tag != NULL)
    json_object_set_new(req, "tag", json_string(tag));
  sent = json_deep_copy(json_object_get(req, "message"));
  if (reply != NULL) {
    json_object_set_new(req, "reply_to", json_pack("{s:s}", "mid", reply));
    json_object_set_new(sent, "reply_to", json_pack("{s:s}", "mid", reply));
  }
  if (post_message(c, r, req, &body) != 0) {
    json_decref(sent);
    send_guard_learn(c, r, str(args, "recipient_id"), tag != NULL);
    return -1;
  }
  send_guard_record(c, str(args, "recipient_id"), str(body, "message_id"),
                    sent);
  json_decref(sent);
  out = json_pack("{s:s, s:s}", "recipient_id",
                  str(body, "recipient_id") ? str(body, "recipient_id")
                                            : str(args, "recipient_id"),
                  "message_id", str(body, "message_id"));
  json_decref(body);
  return result_ok(r, out);
}

static int
send_media(struct call *c, const json_t *args, struct result *r)
{
  const char *tag = str(args, "tag");
  json_t *req, *body = NULL, *out, *sent;

  if (send_guard_check(c, r, str(args, "recipient_id"), SEND_GUARD_MESSAGE,
                       tag != NULL) != 0)
    return -1;
  req = json_pack("{s:{s:s}, s:{s:{s:s, s:{s:s}}}, s:s}", "recipient", "id",
                  str(args, "recipient_id"), "message", "attachment",
                  "type", str(args, "type"), "payload", "url",
                  str(args, "url"), "messaging_type",
                  tag != NULL ? "MESSAGE_TAG" : "RESPONSE");
  if (tag != NULL)
    json_object_set_new(req, "tag", json_string(tag));
  sent = json_incref(json_object_get(req, "message"));
  if (post_message(c, r, req, &body) != 0) {
    json_decref(sent);
    send_guard_learn(c, r, str(args, "recipient_id"), tag != NULL);
    return -1;
  }
  send_guard_record(c, str(args, "recipient_id"), str(body, "message_id"),
                    sent);
  json_decref(sent);
  out = json_pack("{s:s, s:s, s:s}", "recipient_id",
                  str(body, "recipient_id") ? str(body, "recipient_id")
                                            : str(args, "recipient_id"),
                  "message_id", str(body, "message_id"), "type",
                  str(args, "type"));
  json_decref(body);
  return result_ok(r, out);
}

/* POST {recipient, sender_action[, payload]}: Meta answers
 * {recipient_id}. */
static int
sender_action(struct call *c, const json_t *args, struct result *r,
              const char *action, json_t *payload)
{
  char path[300];
  json_t *req, *body = NULL, *out;

  if (send_guard_check(c, r, str(args, "recipient_id"), SEND_GUARD_ACTION,
                       0) != 0) {
    json_decref(payload);
    return -1;
  }
  snprintf(path, sizeof(path), "%s/messages", owner_node(c));
  req = json_pack("{s:{s:s}, s:s}", "recipient", "id",
                  str(args, "recipient_id"), "sender_action", action);
  if (payload != NULL)
    json_object_set_new(req, "payload", payload);
  if (tool_graph(c, r, "POST", path, NULL, req, 1, &body) != 0) {
    json_decref(req);
    return -1;
  }
  json_decref(req);
  out = json_pack("{s:s, s:s}", "recipient_id",
                  str(body, "recipient_id") ? str(body, "recipient_id")
                                            : str(args, "recipient_id"),
                  "action", action);
  json_decref(body);
  return result_ok(r, out);
}

static int
send_reaction(struct call *c, const json_t *args, struct result *r)
{
  const char *reaction = str(args, "reaction");
  int remove = json_is_true(json_object_get(args, "remove"));
  json_t *payload;

  if (remove && reaction != NULL)
    return result_errorf(r, "invalid_argument",
                         "reaction and remove=true exclude each other: "
                         "leave reaction out to remove your reaction.");
  payload = json_pack("{s:s}", "message_id", str(args, "message_id"));
  if (!remove)
    json_object_set_new(payload, "reaction",
                        json_string(reaction != NULL ? reaction : "love"));
  return sender_action(c, args, r, remove ? "unreact" : "react", payload);
}

static int
mark_seen(struct call *c, const json_t *args, struct result *r)
{
  if (sender_action(c, args, r, "mark_seen", NULL) != 0)
    return -1;
  send_guard_mark_read(c, str(args, "recipient_id"));
  return 0;
}

static int
set_typing(struct call *c, const json_t *args, struct result *r)
{
  return sender_action(c, args, r,
                       json_is_false(json_object_get(args, "on"))
                           ? "typing_off" : "typing_on", NULL);
}

#define RECIPIENT_PROP                                                       \
  "\"recipient_id\":{\"type\":\"string\",\"pattern\":\"" IGSID_PATTERN       \
  "\",\"description\":\"Instagram-scoped ID (IGSID) of the person, "        \
  "from a conversation's participants; not a username.\"}"
#define ACTION_OUTPUT                                                        \
  "{\"type\":\"object\",\"properties\":{"                                  \
  "\"recipient_id\":{\"type\":\"string\"},"                                \
  "\"action\":{\"type\":\"string\"}},"                                     \
  "\"required\":[\"recipient_id\",\"action\"]}"

static const struct tool messaging_tools[] = {
  {
    .name = "ig_list_conversations",
    .flags = TOOL_DEFAULT,
    .detail_keys = "to",
    .title = "List DM conversations",
    .description =
        "List the account's Instagram direct-message conversations, newest "
        "first, with participants and the last message. Use user_id to find "
        "the conversation with one person. Requests inactive for 30 days "
        "are not returned by Meta. Pass next_cursor back as after for the "
        "next page.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"folder\":{\"type\":\"string\",\"enum\":[\"inbox\",\"other\","
        "\"spam\"],\"description\":\"Folder: inbox (default), other "
        "(message requests) or spam.\"},"
        "\"user_id\":{\"type\":\"string\",\"pattern\":\"" IGSID_PATTERN "\","
        "\"description\":\"Instagram-scoped ID (IGSID) of a person: returns "
        "only the conversation with them.\"},"
        "\"is_owner\":{\"type\":\"boolean\",\"description\":\"Facebook Login only: "
        "keep conversations whose is_owner equals this (Conversation "
        "Routing: true = your app owns the thread).\"},"
        "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,"
        "\"default\":25,\"description\":\"Conversations per page (1-100).\"},"
        AFTER_PROP "},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"conversations\":{\"type\":\"array\",\"items\":" CONVERSATION_SCHEMA
        "},\"count\":{\"type\":\"integer\"},"
        "\"next_cursor\":{\"type\":\"string\"}},"
        "\"required\":[\"conversations\",\"count\"]}",
    .hints = HINTS_READ,
    .run = list_conversations,
  },
  {
    .name = "ig_get_conversation",
    .detail_keys = "to",
    .title = "Get a DM conversation",
    .description =
        "Get one direct-message conversation by its ID: participants, last "
        "update and its most recent messages (message_limit, default 5, "
        "at most 20 because Meta gives details only for the 20 most recent "
        "messages). Use ig_list_messages to page through all of them.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        CONV_ID_PROP ","
        "\"message_limit\":{\"type\":\"integer\",\"minimum\":0,"
        "\"maximum\":20,\"default\":5,\"description\":\"How many recent "
        "messages to include (0-20).\"}},"
        "\"required\":[\"conversation_id\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"string\"},"
        "\"updated_time\":{\"type\":\"string\"},"
        "\"participants\":{\"type\":\"array\",\"items\":" USER_SCHEMA "},"
        "\"messages\":{\"type\":\"array\",\"items\":" MESSAGE_SCHEMA "},"
        "\"has_more_messages\":{\"type\":\"boolean\"}},"
        "\"required\":[\"id\"]}",
    .hints = HINTS_READ,
    .run = get_conversation,
  },
  {
    .name = "ig_list_messages",
    .flags = TOOL_DEFAULT,
    .detail_keys = "to",
    .title = "List messages of a conversation",
    .description =
        "List the messages of a direct-message conversation, newest first, "
        "with sender, recipients, text, attachments and reply_to. Meta "
        "lists every message ID but gives details only for the 20 most "
        "recent; older ones come with id and created_time only "
        "(details_available false). Pass next_cursor back as after.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        CONV_ID_PROP ","
        "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,"
        "\"default\":20,\"description\":\"Messages per page (1-100).\"},"
        AFTER_PROP "},"
        "\"required\":[\"conversation_id\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"conversation_id\":{\"type\":\"string\"},"
        "\"messages\":{\"type\":\"array\",\"items\":" MESSAGE_SCHEMA "},"
        "\"count\":{\"type\":\"integer\"},"
        "\"next_cursor\":{\"type\":\"string\"},"
        "\"note\":{\"type\":\"string\"}},"
        "\"required\":[\"conversation_id\",\"messages\",\"count\"]}",
    .hints = HINTS_READ,
    .run = list_messages,
  },
  {
    .name = "ig_get_message",
    .title = "Get one direct message",
    .description =
        "Get one direct message by its ID: sender, recipients, text, "
        "attachments and reply_to. Only the 20 most recent messages of a "
        "conversation can be read; Meta reports older ones as deleted.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"message_id\":{\"type\":\"string\",\"pattern\":\"" NODE_ID_PATTERN
        "\",\"description\":\"Message ID (mid) from ig_list_messages.\"}},"
        "\"required\":[\"message_id\"],\"additionalProperties\":false}",
    .output_schema = MESSAGE_SCHEMA,
    .hints = HINTS_READ,
    .run = get_message,
  },
  {
    .name = "ig_send_message",
    .flags = TOOL_DEFAULT,
    .title = "Send a direct message",
    .description =
        "Send a text DM to a person who wrote to the account. Allowed only "
        "within 24 hours of their last message; from 24 hours to 7 days "
        "only a human agent may reply, with tag HUMAN_AGENT; after that "
        "nobody can until they write again. Text: at most 1000 bytes of "
        "UTF-8. reply_to quotes an earlier message (its mid).",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"recipient_id\":{\"type\":\"string\",\"pattern\":\"" IGSID_PATTERN
        "\",\"description\":\"Instagram-scoped ID (IGSID) of the person, "
        "from a conversation's participants; not a username.\"},"
        "\"text\":{\"type\":\"string\",\"minLength\":1,\"x-maxBytes\":1000,"
        "\"description\":\"Message text, at most 1000 bytes of UTF-8.\"},"
        "\"tag\":{\"type\":\"string\",\"enum\":[\"HUMAN_AGENT\"],"
        "\"description\":\"HUMAN_AGENT: a person replies 24 h to 7 days "
        "after the user's last message (needs Meta's Human Agent "
        "permission).\"},"
        "\"reply_to\":{\"type\":\"string\",\"pattern\":\"" NODE_ID_PATTERN
        "\",\"description\":\"mid of the message this one answers.\"}},"
        "\"required\":[\"recipient_id\",\"text\"],"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"recipient_id\":{\"type\":\"string\"},"
        "\"message_id\":{\"type\":\"string\"}},"
        "\"required\":[\"recipient_id\",\"message_id\"]}",
    .hints = HINTS_WRITE,
    .run = send_message,
  },
  {
    .name = "ig_send_media",
    .flags = TOOL_DEFAULT,
    .title = "Send an image, video, audio or file",
    .description =
        "Send an image, video, audio clip or file (PDF) as a DM, by a "
        "public https URL Meta can download. Same window as "
        "ig_send_message: within 24 hours of the person's last message, "
        "24 hours to 7 days only with tag HUMAN_AGENT. Sizes: images 8 MB, "
        "video, audio and files 25 MB.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        RECIPIENT_PROP ","
        "\"type\":{\"type\":\"string\",\"enum\":[\"image\",\"video\","
        "\"audio\",\"file\"],\"description\":\"What the URL points to.\"},"
        "\"url\":{\"type\":\"string\",\"pattern\":\"^https://[^\\\\s]+$\","
        "\"maxLength\":2048,\"description\":\"Public https URL of the "
        "file (no login, no redirect to an HTML page).\"},"
        "\"tag\":{\"type\":\"string\",\"enum\":[\"HUMAN_AGENT\"],"
        "\"description\":\"HUMAN_AGENT: a person replies 24 h to 7 days "
        "after the user's last message.\"}},"
        "\"required\":[\"recipient_id\",\"type\",\"url\"],"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"recipient_id\":{\"type\":\"string\"},"
        "\"message_id\":{\"type\":\"string\"},"
        "\"type\":{\"type\":\"string\"}},"
        "\"required\":[\"recipient_id\",\"message_id\"]}",
    .hints = HINTS_WRITE,
    .run = send_media,
  },
  {
    .name = "ig_send_reaction",
    .flags = TOOL_DEFAULT,
    .title = "React to a direct message",
    .description =
        "React to a message of a DM conversation with \"love\" (the heart) "
        "or an emoji, or remove your reaction with remove=true. Allowed "
        "only within the messaging window, like sending.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        RECIPIENT_PROP ","
        "\"message_id\":{\"type\":\"string\",\"pattern\":\"" NODE_ID_PATTERN
        "\",\"description\":\"mid of the message to react to.\"},"
        "\"reaction\":{\"type\":\"string\",\"minLength\":1,"
        "\"maxLength\":16,\"description\":\"love (default) or one emoji.\"},"
        "\"remove\":{\"type\":\"boolean\",\"default\":false,"
        "\"description\":\"true removes your reaction (unreact).\"}},"
        "\"required\":[\"recipient_id\",\"message_id\"],"
        "\"additionalProperties\":false}",
    .output_schema = ACTION_OUTPUT,
    .hints = HINTS_WRITE,
    .run = send_reaction,
  },
  {
    .name = "ig_mark_seen",
    .flags = TOOL_DEFAULT,
    .title = "Mark a conversation as seen",
    .description =
        "Mark the person's messages as seen (they see a read receipt). "
        "Allowed only within the messaging window.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" RECIPIENT_PROP "},"
        "\"required\":[\"recipient_id\"],\"additionalProperties\":false}",
    .output_schema = ACTION_OUTPUT,
    .hints = HINTS_WRITE_IDEMPOTENT,
    .run = mark_seen,
  },
  {
    .name = "ig_set_typing",
    .title = "Show or hide the typing indicator",
    .description =
        "Show (on=true) or hide (on=false) the typing indicator in a DM "
        "conversation while a reply is being prepared. Allowed only within "
        "the messaging window; Meta hides it after about 20 seconds.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" RECIPIENT_PROP ","
        "\"on\":{\"type\":\"boolean\",\"default\":true,"
        "\"description\":\"true: typing_on, false: typing_off.\"}},"
        "\"required\":[\"recipient_id\"],\"additionalProperties\":false}",
    .output_schema = ACTION_OUTPUT,
    .hints = HINTS_WRITE_IDEMPOTENT,
    .run = set_typing,
  },
};

const struct toolset messaging_toolset = {
  .name = "messaging",
  .description = "Direct messages: conversations, messages, sending.",
  .tools = messaging_tools,
  .ntools = sizeof(messaging_tools) / sizeof(messaging_tools[0]),
};
