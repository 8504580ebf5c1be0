/* SPDX-License-Identifier: MIT */
/*
 * hooks_events.c: sandbox world events in the shapes Meta delivers them.
 *
 * Messaging events are entry[].messaging[] elements: {sender, recipient,
 * timestamp (ms), <payload>}, the user as sender for what a user did and
 * our account as sender of an echo.  Comment, live comment and mention
 * events are entry[].changes[] values.  Shapes: graph-api.md section 6 and
 * Meta's "Webhook Notification Examples".  Called with sb->mu held; each
 * builds the element and hands it to hooks_emit, which drops it unless
 * delivery is on and the field is subscribed.
 */
#include <string.h>

#include "../base/clock.h"
#include "sbx.h"
#include "world_media.h"

int64_t
hooks_now_ms(struct sandbox *sb)
{
  return clock_wall_ms() + sb->world.offset * 1000;
}

static json_t *
party(const char *id)
{
  return json_pack("{s:s}", "id", id);
}

/* {sender, recipient, timestamp}: from_us reverses the parties. */
static json_t *
messaging_base(const char *user_id, int from_us, int64_t ms)
{
  return json_pack("{s:o,s:o,s:I}", "sender",
                   party(from_us ? SANDBOX_IG_USER_ID : user_id),
                   "recipient", party(from_us ? user_id : SANDBOX_IG_USER_ID),
                   "timestamp", (json_int_t)ms);
}

/* A message as the messages field carries it.  A story reply is a
 * reply_to {story}, not an attachment; the rest are {type, payload{url}}. */
void
hooks_message(struct sandbox *sb, const struct world_conv *c,
              const struct world_msg *m)
{
  const struct world_user *u = sb->world.users[c->user];
  int64_t ms = m->created * 1000;
  json_t *item = messaging_base(u->id, m->from_us, ms);
  json_t *msg = json_pack("{s:s}", "mid", m->mid), *atts = json_array();

  if (m->text != NULL)
    json_object_set_new(msg, "text", sbx_jstr(m->text));
  for (size_t i = 0; i < m->natt; i++) {
    const struct world_att *a = &m->att[i];
    if (a->type == WATT_STORY_REPLY) {
      json_object_set_new(msg, "reply_to", json_pack(
        "{s:{s:s,s:s}}", "story", "url", a->url, "id",
        a->story_id != NULL ? a->story_id : ""));
      continue;
    }
    json_array_append_new(atts, json_pack(
      "{s:s,s:{s:s}}", "type", world_att_name(a->type), "payload", "url",
      a->url));
  }
  if (json_array_size(atts) > 0)
    json_object_set(msg, "attachments", atts);
  json_decref(atts);
  if (m->reply_mid != NULL && json_object_get(msg, "reply_to") == NULL)
    json_object_set_new(msg, "reply_to", json_pack("{s:s}", "mid",
                                                   m->reply_mid));
  if (m->unsupported)
    json_object_set_new(msg, "is_unsupported", json_true());
  if (m->from_us)
    json_object_set_new(msg, "is_echo", json_true());
  json_object_set_new(item, "message", msg);
  /* The sandbox clock may run ahead of the message (a seeded world); the
   * event time is the message's. */
  hooks_emit(&sb->hooks, HF_MESSAGES, 0, ms, item);
}

/* Emoji to Meta's reaction names; anything else is "other". */
static const char *
reaction_name(const char *emoji)
{
  static const struct {
    const char *emoji, *name;
  } names[] = {
    { "\xe2\x9d\xa4\xef\xb8\x8f", "love" }, { "\xe2\x9d\xa4", "love" },
    { "\xf0\x9f\x98\x86", "laugh" }, { "\xf0\x9f\x98\xae", "wow" },
    { "\xf0\x9f\x98\xa2", "sad" }, { "\xf0\x9f\x98\xa0", "angry" },
    { "\xf0\x9f\x91\x8d", "like" },
  };

  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(names[i].emoji, emoji) == 0)
      return names[i].name;
  return "other";
}

void
hooks_reaction(struct sandbox *sb, const char *user_id, const char *mid,
               const char *emoji, int unreact)
{
  int64_t ms = hooks_now_ms(sb);
  json_t *item = messaging_base(user_id, 0, ms);
  json_t *r = json_pack("{s:s,s:s}", "mid", mid, "action",
                        unreact ? "unreact" : "react");

  if (!unreact) {
    json_object_set_new(r, "reaction", json_string(reaction_name(emoji)));
    json_object_set_new(r, "emoji", sbx_jstr(emoji));
  }
  json_object_set_new(item, "reaction", r);
  hooks_emit(&sb->hooks, HF_MESSAGE_REACTIONS, 0, ms, item);
}

void
hooks_seen(struct sandbox *sb, const char *user_id, const char *mid)
{
  int64_t ms = hooks_now_ms(sb);
  json_t *item = messaging_base(user_id, 0, ms);

  json_object_set_new(item, "read", json_pack("{s:s}", "mid", mid));
  hooks_emit(&sb->hooks, HF_MESSAGING_SEEN, 0, ms, item);
}

/* {from{id,username}, media{id,media_product_type}, id, parent_id?, text}
 * (Instagram Login's comments value). */
void
hooks_comment(struct sandbox *sb, const char *comment_id, int live)
{
  struct world *w = &sb->world;
  const struct world_comment *c = world_comment_find(w, comment_id);
  const struct world_media_item *it;
  json_t *v;

  if (c == NULL)
    return;
  it = world_media_find(w, c->media_id);
  v = json_pack("{s:{s:s,s:o},s:{s:s,s:s},s:s,s:o}",
                "from", "id", c->user_id, "username", sbx_jstr(c->username),
                "media", "id", c->media_id, "media_product_type",
                it != NULL && it->media_product_type != NULL
                  ? it->media_product_type : "FEED",
                "id", c->id, "text", sbx_jstr(c->text));
  if (c->parent_id != NULL)
    json_object_set_new(v, "parent_id", json_string(c->parent_id));
  hooks_emit(&sb->hooks, live ? HF_LIVE_COMMENTS : HF_COMMENTS, 1,
             hooks_now_ms(sb), v);
}

/* {media_id, comment_id?}: the mentions field (Facebook Login).  With
 * Instagram Login a comment that mentions us arrives as a comment. */
void
hooks_mention(struct sandbox *sb, const char *media_id,
              const char *comment_id)
{
  struct sbx_hooks *h = &sb->hooks;
  json_t *v = json_pack("{s:s}", "media_id", media_id);
  int as_mention;

  if (comment_id != NULL)
    json_object_set_new(v, "comment_id", json_string(comment_id));
  pthread_mutex_lock(&h->mu);
  as_mention = hooks_wanted(h, HF_MENTIONS);
  pthread_mutex_unlock(&h->mu);
  if (as_mention || comment_id == NULL) {
    hooks_emit(h, HF_MENTIONS, 1, hooks_now_ms(sb), v);
    return;
  }
  json_decref(v);
  hooks_comment(sb, comment_id, 0);
}
