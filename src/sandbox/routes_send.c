/* SPDX-License-Identifier: MIT */
/*
 * routes_send.c: the Send API, POST /{owner}/messages.
 *
 * The body is JSON or form fields whose values are JSON strings
 * (recipient={"id":...}&message={...}).  Checks run in Meta's order as
 * far as it is known: parameters first (recipient, message or
 * sender_action, text length in bytes, attachments, messaging_type and
 * tag), then the recipient, reply_to, and last the messaging window,
 * measured from the user's last message: 24 hours, or 7 days with
 * MESSAGE_TAG + HUMAN_AGENT.  A send that passes is appended to the world
 * as our message; the conversation's updated_time moves and a request
 * thread moves to the inbox.  Runs with the sandbox mutex held; parsed
 * parameters are owned here and released before returning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/xalloc.h"
#include "sbx.h"

#define TEXT_MAX_BYTES 1000
#define ATTACH_MAX 10

struct send {
  json_t *recipient;
  json_t *message;
  json_t *reply_to;
  json_t *atts;          /* array of attachment objects, borrowed refs */
  const char *rid;       /* recipient id as a string */
  char rid_buf[32];
  const char *text;
  const char *action;
  int human_agent;
};

static const char *
att_type(json_t *a)
{
  return json_string_value(json_object_get(a, "type"));
}

static int
is_url(const char *s)
{
  return s != NULL && (strncmp(s, "https://", 8) == 0 ||
                       strncmp(s, "http://", 7) == 0) && strlen(s) > 8;
}

/* Validates one attachment object of the message. */
static int
check_attachment(struct sbx_req *r, json_t *a)
{
  const char *t = att_type(a);
  json_t *payload = json_object_get(a, "payload");

  if (!json_is_object(a) || t == NULL) {
    sbx_err_param(r, "param message[attachment][type] is required");
    return -1;
  }
  if (strcasecmp(t, "like_heart") == 0)
    return 0;
  if (strcasecmp(t, "MEDIA_SHARE") == 0) {
    if (json_string_value(json_object_get(payload, "id")) == NULL) {
      sbx_err_param(r, "param message[attachment][payload][id] is "
                    "required");
      return -1;
    }
    return 0;
  }
  if (strcasecmp(t, "image") != 0 && strcasecmp(t, "video") != 0 &&
      strcasecmp(t, "audio") != 0 && strcasecmp(t, "file") != 0) {
    sbx_err_param(r, "param message[attachment][type] must be one of "
                  "{image, video, audio, file, like_heart, MEDIA_SHARE} - "
                  "got \"%.32s\"", t);
    return -1;
  }
  if (json_string_value(json_object_get(payload, "attachment_id")) != NULL)
    return 0;
  if (!is_url(json_string_value(json_object_get(payload, "url")))) {
    sbx_err_param(r, "param message[attachment][payload][url] must be a "
                  "valid URL");
    return -1;
  }
  return 0;
}

/* Parameter checks; fills s.  Returns -1 with the error set. */
static int
parse_send(struct sbx_req *r, struct send *s)
{
  const char *mtype = sbx_param(r, "messaging_type");
  const char *tag = sbx_param(r, "tag");
  json_t *id, *a;
  int bad;

  s->recipient = sbx_param_json(r, "recipient", &bad);
  if (s->recipient == NULL && !bad) {
    sbx_err_param(r, "The parameter recipient is required");
    return -1;
  }
  id = json_object_get(s->recipient, "id");
  if (json_is_integer(id)) {
    snprintf(s->rid_buf, sizeof(s->rid_buf), "%lld",
             (long long)json_integer_value(id));
    s->rid = s->rid_buf;
  } else {
    s->rid = json_string_value(id);
  }
  if (bad || !json_is_object(s->recipient) || s->rid == NULL) {
    sbx_err_param(r, "param recipient must be a JSON object with an id");
    return -1;
  }
  s->action = sbx_param(r, "sender_action");
  s->message = sbx_param_json(r, "message", &bad);
  if (s->action != NULL) {
    static const char *const ok[] = { "typing_on", "typing_off",
                                      "mark_seen", "react", "unreact", NULL };
    size_t k;
    if (s->message != NULL || bad) {
      sbx_err_param(r, "sender_action cannot be sent with message");
      return -1;
    }
    for (k = 0; ok[k] != NULL && strcmp(ok[k], s->action) != 0; k++)
      ;
    if (ok[k] == NULL) {
      sbx_err_param(r, "Param sender_action must be one of {typing_on, "
                    "typing_off, mark_seen, react, unreact} - got "
                    "\"%.32s\"", s->action);
      return -1;
    }
  } else {
    if (s->message == NULL && !bad) {
      sbx_err_param(r, "The parameter message is required");
      return -1;
    }
    if (bad || !json_is_object(s->message)) {
      sbx_err_param(r, "param message must be a JSON object");
      return -1;
    }
    a = json_object_get(s->message, "text");
    if (a != NULL && !json_is_string(a)) {
      sbx_err_param(r, "param message[text] must be a string");
      return -1;
    }
    s->text = json_string_value(a);
    s->atts = json_array();
    if ((a = json_object_get(s->message, "attachment")) != NULL)
      json_array_append(s->atts, a);
    if ((a = json_object_get(s->message, "attachments")) != NULL) {
      if (json_is_array(a))
        json_array_extend(s->atts, a);
      else
        json_array_append(s->atts, a);
    }
    if ((s->text == NULL || *s->text == '\0') &&
        json_array_size(s->atts) == 0) {
      sbx_err_param(r, "Message cannot be empty, must provide valid "
                    "attachment or text");
      return -1;
    }
    if (s->text != NULL && strlen(s->text) > TEXT_MAX_BYTES) {
      sbx_err_param(r, "Length of param message[text] must be less than or "
                    "equal to %d", TEXT_MAX_BYTES);
      return -1;
    }
    if (json_array_size(s->atts) > ATTACH_MAX) {
      sbx_err_param(r, "param message[attachments] must have at most %d "
                    "elements", ATTACH_MAX);
      return -1;
    }
    for (size_t i = 0; i < json_array_size(s->atts); i++)
      if (check_attachment(r, json_array_get(s->atts, i)) != 0)
        return -1;
  }
  if (mtype != NULL && strcmp(mtype, "RESPONSE") != 0 &&
      strcmp(mtype, "UPDATE") != 0 && strcmp(mtype, "MESSAGE_TAG") != 0) {
    sbx_err_param(r, "Param messaging_type must be one of {RESPONSE, UPDATE, "
                  "MESSAGE_TAG} - got \"%.32s\"", mtype);
    return -1;
  }
  if (tag != NULL) {
    if (strcmp(tag, "HUMAN_AGENT") != 0) {
      sbx_err_param(r, "Param tag must be one of {HUMAN_AGENT} - got "
                    "\"%.32s\"", tag);
      return -1;
    }
    if (mtype != NULL && strcmp(mtype, "MESSAGE_TAG") != 0) {
      sbx_err_param(r, "Param tag can only be used with messaging_type "
                    "MESSAGE_TAG");
      return -1;
    }
    s->human_agent = 1;
  } else if (mtype != NULL && strcmp(mtype, "MESSAGE_TAG") == 0) {
    sbx_err_param(r, "The parameter tag is required with messaging_type "
                  "MESSAGE_TAG");
    return -1;
  }
  s->reply_to = sbx_param_json(r, "reply_to", &bad);
  if (bad || (s->reply_to != NULL &&
              json_string_value(json_object_get(s->reply_to, "mid")) ==
                NULL)) {
    sbx_err_param(r, "param reply_to must be a JSON object with a mid");
    return -1;
  }
  return 0;
}

static void
window_error(struct sbx_req *r)
{
  if (r->host == SBX_HOST_IG)
    sbx_error(r, 403, SBX_ET_HOST, 10, 2534022,
              "This message is sent outside of allowed window.");
  else
    sbx_error(r, 400, SBX_ET_HOST, 10, 2018278,
              "(#10) This message is sent outside of allowed window. Learn "
              "more about the new policy here: https://developers.facebook"
              ".com/docs/messenger-platform/policy-overview");
}

/* Turns a checked Send API attachment into the world's form. */
static void
stored_attachment(struct sandbox *sb, struct world_msg *m, json_t *a)
{
  const char *t = att_type(a);
  json_t *payload = json_object_get(a, "payload");
  const char *url = json_string_value(json_object_get(payload, "url"));
  char *own = NULL;

  if (strcasecmp(t, "like_heart") == 0) {
    world_msg_attach(m, WATT_LIKE_HEART, "https://lookaside.fbsbx.com/"
                     "ig_messaging_cdn/like_heart.png");
    return;
  }
  if (strcasecmp(t, "MEDIA_SHARE") == 0) {
    own = xasprintf("https://www.instagram.com/p/%s/",
                    json_string_value(json_object_get(payload, "id")));
    world_msg_attach(m, WATT_SHARE, own);
    free(own);
    return;
  }
  if (url == NULL)
    url = own = world_cdn_url(&sb->world);
  world_msg_attach(m, world_att_parse(strcasecmp(t, "image") == 0 ? "image"
                                      : strcasecmp(t, "video") == 0 ? "video"
                                      : strcasecmp(t, "audio") == 0 ? "audio"
                                      : "file"), url);
  free(own);
}

/* react / unreact on one of the conversation's messages. */
static int
reaction(struct sbx_req *r, struct world_conv *c, const char *action)
{
  int bad;
  json_t *payload = sbx_param_json(r, "payload", &bad);
  const char *mid = json_string_value(json_object_get(payload, "message_id"));
  const char *emoji = json_string_value(json_object_get(payload,
                                                        "reaction"));
  long i = mid != NULL ? world_msg_index(c, mid) : -1;

  if (i < 0) {
    sbx_err_param(r, "param payload[message_id] must be a message of this "
                  "conversation");
    json_decref(payload);
    return -1;
  }
  free(c->msgs[i].reaction);
  c->msgs[i].reaction = NULL;
  if (strcmp(action, "react") == 0) {
    c->msgs[i].reaction = xstrdup(emoji == NULL ||
                                  strcmp(emoji, "love") == 0
                                  ? "❤️" : emoji);
    c->msgs[i].reaction_by_us = 1;
  }
  json_decref(payload);
  return 0;
}

/* POST /{owner}/messages: checks, window, then the message is ours. */
void
sbx_post_messages(struct sbx_req *r)
{
  struct sandbox *sb = r->sb;
  struct send s;
  struct world_conv *c;
  struct world_msg *m;
  int64_t now = world_now(&sb->world), li;
  long reply_idx = -1;

  memset(&s, 0, sizeof(s));
  if (r->host == SBX_HOST_FB)
    r->buc_type = "messenger";
  if (parse_send(r, &s) != 0)
    goto out;
  c = world_conv_by_user(&sb->world, s.rid);
  if (c == NULL) {
    if (r->host == SBX_HOST_IG)
      sbx_error(r, 400, SBX_ET_HOST, 100, 2534014,
                "The requested user cannot be found.");
    else
      sbx_error(r, 400, SBX_ET_HOST, 100, 2018001,
                "(#100) No matching user found");
    goto out;
  }
  if (s.reply_to != NULL) {
    reply_idx = world_msg_index(c, json_string_value(
                                     json_object_get(s.reply_to, "mid")));
    if (reply_idx < 0) {
      sbx_err_param(r, "param reply_to[mid] must be a message of this "
                    "conversation");
      goto out;
    }
  }
  li = world_last_inbound(c);
  if (li == 0 || (now - li > WORLD_WINDOW_STANDARD &&
                  !(s.human_agent && now - li <= WORLD_WINDOW_HUMAN_AGENT))) {
    window_error(r);
    goto out;
  }
  if (s.action != NULL) {
    if (strcmp(s.action, "mark_seen") == 0)
      c->unread = 0;
    else if ((strcmp(s.action, "react") == 0 ||
              strcmp(s.action, "unreact") == 0) &&
             reaction(r, c, s.action) != 0)
      goto out;
    r->resp = json_pack("{s:s}", "recipient_id", s.rid);
    goto out;
  }
  {
    int reply_self = reply_idx >= 0 && c->msgs[reply_idx].from_us;
    char *reply_mid = reply_idx >= 0 ? xstrdup(c->msgs[reply_idx].mid)
                                     : NULL;
    m = world_append(&sb->world, c, 1, now);
    m->reply_mid = reply_mid;
    m->reply_self = reply_self;
  }
  if (s.text != NULL && *s.text != '\0')
    m->text = xstrdup(s.text);
  for (size_t i = 0; i < json_array_size(s.atts); i++)
    stored_attachment(sb, m, json_array_get(s.atts, i));
  c->unread = 0;
  if (strcmp(c->folder, "other") == 0)
    snprintf(c->folder, sizeof(c->folder), "inbox");
  hooks_message(sb, c, m); /* the echo, for webhook subscribers */
  r->resp = json_pack("{s:s,s:s}", "recipient_id", s.rid, "message_id",
                      m->mid);
out:
  json_decref(s.recipient);
  json_decref(s.message);
  json_decref(s.reply_to);
  json_decref(s.atts);
}
