/* SPDX-License-Identifier: MIT */
/*
 * routes_messaging.c: the Conversations API and the Send API.
 *
 * GET /{owner}/conversations lists threads newest first with cursor
 * paging; GET /{conversation} and GET /{conversation}/messages expose the
 * messages (ids and times for all, details only for the newest
 * WORLD_DETAIL_WINDOW); GET /{message} answers details or, for an older
 * message, the "message has been deleted" error the docs describe.
 * The Send API is in routes_send.c.  Every handler runs with the sandbox
 * mutex held and leaves its answer in r->resp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/clock.h"
#include "../base/xalloc.h"
#include "sbx.h"

static const char *const conv_fields_ig[] = {
  "id", "updated_time", "participants", "messages", NULL
};
static const char *const conv_fields_fb[] = {
  "id", "updated_time", "participants", "messages", "message_count",
  "unread_count", "can_reply", "snippet", "is_owner", "senders", "link",
  "subject", "name", "former_participants", "is_subscribed",
  "scoped_thread_key", "wallpaper", NULL
};
static const char *const msg_fields[] = {
  "id", "created_time", "from", "to", "message", "attachments", "reply_to",
  "story", "reactions", "shares", "is_unsupported", "sticker", "tags", NULL
};

static json_t *
party(const char *username, const char *id)
{
  return json_pack("{s:o,s:s}", "username", sbx_jstr(username), "id", id);
}

static json_t *
us(void)
{
  return party(SANDBOX_IG_USERNAME, SANDBOX_IG_USER_ID);
}

static json_t *
them(const struct sbx_req *r, const struct world_conv *c)
{
  const struct world_user *u = r->sb->world.users[c->user];
  return party(u->username, u->id);
}

static json_t *
iso(int64_t t)
{
  char buf[32];
  clock_iso8601(t, buf);
  return json_string(buf);
}

/* The attachments field: media only, shares and stories have their own
 * fields. */
static json_t *
attachments_json(const struct world_msg *m)
{
  json_t *data = json_array();

  for (size_t i = 0; i < m->natt; i++) {
    const struct world_att *a = &m->att[i];
    json_t *item = NULL;
    switch (a->type) {
    case WATT_IMAGE:
    case WATT_LIKE_HEART:
      item = json_pack("{s:{s:i,s:i,s:i,s:i,s:s,s:s,s:b}}", "image_data",
                       "width", a->type == WATT_IMAGE ? a->width : 128,
                       "height", a->type == WATT_IMAGE ? a->height : 128,
                       "max_width", a->type == WATT_IMAGE ? a->width : 128,
                       "max_height", a->type == WATT_IMAGE ? a->height : 128,
                       "url", a->url, "preview_url", a->url,
                       "render_as_sticker", a->type == WATT_LIKE_HEART);
      break;
    case WATT_VIDEO:
      item = json_pack("{s:{s:i,s:i,s:s,s:s}}", "video_data", "width",
                       a->width, "height", a->height, "url", a->url,
                       "preview_url", a->url);
      break;
    case WATT_AUDIO:
      item = json_pack("{s:s,s:s}", "mime_type", "audio/mpeg", "file_url",
                       a->url);
      break;
    case WATT_FILE:
      item = json_pack("{s:s,s:s}", "mime_type", "application/pdf",
                       "file_url", a->url);
      break;
    default:
      break;
    }
    if (item != NULL)
      json_array_append_new(data, item);
  }
  if (json_array_size(data) == 0) {
    json_decref(data);
    return NULL;
  }
  return json_pack("{s:o}", "data", data);
}

static json_t *
shares_json(const struct world_msg *m)
{
  json_t *data = json_array();

  for (size_t i = 0; i < m->natt; i++)
    if (m->att[i].type == WATT_SHARE)
      json_array_append_new(data, json_pack("{s:s}", "link", m->att[i].url));
  if (json_array_size(data) == 0) {
    json_decref(data);
    return NULL;
  }
  return json_pack("{s:o}", "data", data);
}

static json_t *
story_json(const struct world_msg *m)
{
  for (size_t i = 0; i < m->natt; i++) {
    const struct world_att *a = &m->att[i];
    if (a->type == WATT_STORY_MENTION || a->type == WATT_STORY_REPLY)
      return json_pack("{s:{s:s,s:s}}",
                       a->type == WATT_STORY_MENTION ? "mention" : "reply_to",
                       "link", a->url, "id",
                       a->story_id != NULL ? a->story_id : "0");
  }
  return NULL;
}

/* One message with the requested fields; details only when detail is set
 * (the message is among the newest of its conversation). */
static json_t *
msg_json(const struct sbx_req *r, const struct world_conv *c, size_t idx,
         const struct sbx_fields *f, int detail)
{
  const struct world_msg *m = &c->msgs[idx];
  json_t *o = json_object();

  for (size_t i = 0; i < f->n; i++) {
    const char *n = f->v[i].name;
    json_t *v = NULL;
    if (strcmp(n, "id") == 0)
      v = json_string(m->mid);
    else if (strcmp(n, "created_time") == 0)
      v = iso(m->created);
    else if (!detail)
      v = NULL;
    else if (strcmp(n, "from") == 0)
      v = m->from_us ? us() : them(r, c);
    else if (strcmp(n, "to") == 0)
      v = json_pack("{s:[o]}", "data", m->from_us ? them(r, c) : us());
    else if (strcmp(n, "message") == 0)
      v = sbx_jstr(m->text != NULL ? m->text : "");
    else if (strcmp(n, "attachments") == 0)
      v = attachments_json(m);
    else if (strcmp(n, "shares") == 0)
      v = shares_json(m);
    else if (strcmp(n, "story") == 0)
      v = story_json(m);
    else if (strcmp(n, "reply_to") == 0 && m->reply_mid != NULL)
      v = json_pack("{s:s,s:b}", "mid", m->reply_mid, "is_self_reply",
                    m->reply_self);
    else if (strcmp(n, "reactions") == 0 && m->reaction != NULL)
      v = json_pack("{s:[{s:o,s:[o]}]}", "data", "reaction",
                    sbx_jstr(m->reaction), "users",
                    m->reaction_by_us ? us() : them(r, c));
    else if (strcmp(n, "is_unsupported") == 0)
      v = json_boolean(m->unsupported);
    else if (strcmp(n, "sticker") == 0 && m->natt > 0 &&
             m->att[0].type == WATT_LIKE_HEART)
      v = json_string(m->att[0].url);
    if (v != NULL)
      json_object_set_new(o, n, v);
  }
  /* Graph always answers the id; for a message past the detail window
   * the id and the time are all there is. */
  if (json_object_get(o, "id") == NULL)
    json_object_set_new(o, "id", json_string(m->mid));
  if (!detail && json_object_get(o, "created_time") == NULL)
    json_object_set_new(o, "created_time", iso(m->created));
  return o;
}

/* A page of a conversation's messages, newest first.  top: the request is
 * the /messages edge itself (paging URLs repeat its query); otherwise the
 * page is nested in a conversation and its URLs point at the edge. */
static json_t *
msgs_page(struct sbx_req *r, const struct world_conv *c,
          const struct sbx_fields *sub, const char *sub_raw, long limit,
          const char *after, const char *before, int top)
{
  const char **keys = xcalloc(c->nmsgs + 1, sizeof(*keys));
  struct sbx_window win;
  json_t *data, *out = NULL, *extra = NULL;
  char *path = NULL;

  for (size_t i = 0; i < c->nmsgs; i++)
    keys[i] = c->msgs[c->nmsgs - 1 - i].mid;
  if (sbx_page(r, "m", keys, c->nmsgs, limit, after, before, &win) != 0)
    goto out;
  data = json_array();
  for (size_t i = win.start; i < win.end; i++) {
    size_t idx = c->nmsgs - 1 - i;
    json_array_append_new(data, msg_json(r, c, idx, sub,
                                         world_detail_ok(c, idx)));
  }
  if (!top) {
    path = xasprintf("%s/messages", c->id);
    extra = json_object();
    if (sub_raw != NULL)
      json_object_set_new(extra, "fields", sbx_jstr(sub_raw));
  }
  out = sbx_paged(r, data, "m", keys, c->nmsgs, &win, limit,
                  top ? r->path : path, extra);
out:
  json_decref(extra);
  free(path);
  free(keys);
  return out;
}

/* One conversation with the requested fields; NULL with the error set. */
static json_t *
conv_json(struct sbx_req *r, struct world_conv *c, const struct sbx_fields *f)
{
  json_t *o = json_object();
  int64_t li = world_last_inbound(c), now = world_now(&r->sb->world);

  for (size_t i = 0; i < f->n; i++) {
    const struct sbx_field *fd = &f->v[i];
    const char *n = fd->name;
    json_t *v = NULL;
    if (strcmp(n, "id") == 0)
      v = json_string(c->id);
    else if (strcmp(n, "updated_time") == 0)
      v = iso(world_updated(c));
    else if (strcmp(n, "participants") == 0 || strcmp(n, "senders") == 0)
      v = json_pack("{s:[o,o]}", "data", us(), them(r, c));
    else if (strcmp(n, "message_count") == 0)
      v = json_integer((json_int_t)c->nmsgs);
    else if (strcmp(n, "unread_count") == 0)
      v = json_integer(c->unread);
    else if (strcmp(n, "can_reply") == 0)
      v = json_boolean(li != 0 && now - li <= WORLD_WINDOW_HUMAN_AGENT);
    else if (strcmp(n, "is_owner") == 0)
      v = json_true();
    else if (strcmp(n, "snippet") == 0 && c->nmsgs > 0)
      v = sbx_jstr(c->msgs[c->nmsgs - 1].text != NULL
                   ? c->msgs[c->nmsgs - 1].text : "");
    else if (strcmp(n, "messages") == 0) {
      struct sbx_fields *def = NULL;
      const struct sbx_fields *sub = fd->sub;
      char err[256];
      if (sub == NULL) {
        sbx_fields_parse("id,created_time", &def, err, sizeof(err));
        sub = def;
      }
      if (sbx_fields_check(r, sub, msg_fields, "Message") == 0)
        v = msgs_page(r, c, sub, fd->sub_raw,
                      fd->limit < 0 ? 25 : (fd->limit > 100 ? 100
                                                           : fd->limit),
                      fd->after, fd->before, 0);
      sbx_fields_free(def);
      if (v == NULL) {
        json_decref(o);
        return NULL;
      }
    }
    if (v != NULL)
      json_object_set_new(o, n, v);
  }
  if (json_object_get(o, "id") == NULL)
    json_object_set_new(o, "id", json_string(c->id));
  return o;
}

static int
check_conv_fields(struct sbx_req *r, const struct sbx_fields *f)
{
  return sbx_fields_check(r, f, r->host == SBX_HOST_IG ? conv_fields_ig
                                                       : conv_fields_fb,
                          "UnifiedThread");
}

/* GET /{owner}/conversations: parameters first, then the folder's
 * threads newest first, or the one thread of user_id. */
void
sbx_get_conversations(struct sbx_req *r)
{
  const char *platform = sbx_param(r, "platform");
  const char *folder = sbx_param(r, "folder");
  const char *user_id = sbx_param(r, "user_id");
  static const char *const folders[] = { "inbox", "other", "spam",
                                         "page_done", "pending", NULL };
  struct world *w = &r->sb->world;
  struct sbx_fields *f = NULL;
  size_t *idx = NULL, n, k;
  const char **keys = NULL;
  struct sbx_window win;
  json_t *data;
  long limit;

  if (platform == NULL && r->host == SBX_HOST_FB) {
    sbx_err_param(r, "The parameter platform is required");
    return;
  }
  if (platform != NULL && strcasecmp(platform, "instagram") != 0 &&
      strcasecmp(platform, "messenger") != 0) {
    sbx_err_param(r, "Param platform must be one of {INSTAGRAM, MESSENGER} "
                  "- got \"%.64s\"", platform);
    return;
  }
  if (folder == NULL || *folder == '\0')
    folder = "inbox";
  for (k = 0; folders[k] != NULL && strcmp(folders[k], folder) != 0; k++)
    ;
  if (folders[k] == NULL) {
    sbx_err_param(r, "Param folder must be one of {inbox, other, page_done, "
                  "pending, spam} - got \"%.64s\"", folder);
    return;
  }
  if (sbx_req_fields(r, user_id != NULL ? "id" : "id,updated_time", &f) != 0)
    return;
  if (check_conv_fields(r, f) != 0 ||
      sbx_param_limit(r, sbx_param(r, "limit"), 25, 100, &limit) != 0)
    goto out;
  if (platform != NULL && strcasecmp(platform, "messenger") == 0) {
    r->resp = json_pack("{s:[]}", "data");
    goto out;
  }
  if (user_id != NULL) {
    struct world_conv *c = world_conv_by_user(w, user_id);
    json_t *one = c != NULL ? conv_json(r, c, f) : NULL;
    if (c != NULL && one == NULL)
      goto out;
    r->resp = json_pack("{s:[]}", "data");
    if (one != NULL)
      json_array_append_new(json_object_get(r->resp, "data"), one);
    goto out;
  }
  idx = xcalloc(w->nconvs + 1, sizeof(*idx));
  n = strcmp(folder, "page_done") == 0 || strcmp(folder, "pending") == 0
    ? 0 : world_sorted(w, folder, idx);
  keys = xcalloc(n + 1, sizeof(*keys));
  for (k = 0; k < n; k++)
    keys[k] = w->convs[idx[k]]->id;
  if (sbx_page(r, "c", keys, n, limit, sbx_param(r, "after"),
               sbx_param(r, "before"), &win) != 0)
    goto out;
  data = json_array();
  for (k = win.start; k < win.end; k++) {
    json_t *one = conv_json(r, w->convs[idx[k]], f);
    if (one == NULL) {
      json_decref(data);
      goto out;
    }
    json_array_append_new(data, one);
  }
  r->resp = sbx_paged(r, data, "c", keys, n, &win, limit, r->path, NULL);
out:
  free(keys);
  free(idx);
  sbx_fields_free(f);
}

void
sbx_get_conversation(struct sbx_req *r, struct world_conv *c)
{
  struct sbx_fields *f = NULL;

  if (sbx_req_fields(r, "id,updated_time", &f) != 0)
    return;
  if (check_conv_fields(r, f) == 0) {
    json_t *o = conv_json(r, c, f);
    if (o != NULL)
      r->resp = o;
  }
  sbx_fields_free(f);
}

/* GET /{conversation}/messages. */
void
sbx_get_conv_messages(struct sbx_req *r, struct world_conv *c)
{
  struct sbx_fields *f = NULL;
  long limit;

  if (sbx_req_fields(r, "id,created_time", &f) != 0)
    return;
  if (sbx_fields_check(r, f, msg_fields, "Message") == 0 &&
      sbx_param_limit(r, sbx_param(r, "limit"), 25, 100, &limit) == 0) {
    json_t *o = msgs_page(r, c, f, NULL, limit, sbx_param(r, "after"),
                          sbx_param(r, "before"), 1);
    if (o != NULL)
      r->resp = o;
  }
  sbx_fields_free(f);
}

/* GET /{message}: details, or the "deleted" error past the newest
 * WORLD_DETAIL_WINDOW messages. */
void
sbx_get_message(struct sbx_req *r, struct world_conv *c, size_t idx)
{
  struct sbx_fields *f = NULL;

  if (!world_detail_ok(c, idx)) {
    if (r->host == SBX_HOST_IG)
      sbx_error(r, 400, SBX_ET_HOST, 100, 0,
                "This message has been deleted");
    else
      sbx_error(r, 400, SBX_ET_HOST, 100, 0,
                "(#100) This message has been deleted");
    return;
  }
  if (sbx_req_fields(r, "id,created_time", &f) != 0)
    return;
  if (sbx_fields_check(r, f, msg_fields, "Message") == 0)
    r->resp = msg_json(r, c, idx, f, 1);
  sbx_fields_free(f);
}
