/* SPDX-License-Identifier: MIT */
/*
 * routes_mentions.c: mentions and private replies in the sandbox.
 *
 * GET /{ig-user}?fields=mentioned_media.media_id(X){...} and
 * mentioned_comment.comment_id(X){...} (Facebook Login only: on the
 * Instagram host the field does not exist), POST /{ig-user}/mentions
 * (a comment by us on the media or the comment that mentions us), and
 * private replies: POST /{account or page}/messages with
 * recipient={"comment_id":...}, one per comment, within 7 days of it.
 * The reply lands in the commenter's Direct thread.  Called from
 * routes_comments.c with the mutex held.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/xalloc.h"
#include "routes_media.h"

static const char *const mention_top_fields[] = {
  "id", "username", "mentioned_media", "mentioned_comment", NULL
};
static const char *const mentioned_media_fields[] = {
  "id", "caption", "comments", "comments_count", "like_count", "media_type",
  "media_product_type", "media_url", "owner", "permalink", "shortcode",
  "thumbnail_url", "timestamp", "username", "children", NULL
};
static const char *const mentioned_comment_fields[] = {
  "id", "text", "timestamp", "like_count", "media", "username", NULL
};

/* Removes ".<mod>(<id>)" after name in s, storing <id> in *id (first
 * occurrence).  Returns the rewritten string (caller frees). */
static char *
strip_mod(const char *s, const char *name, const char *mod, char **id)
{
  struct buf b;
  const char *p = strstr(s, name), *q, *e;
  size_t nl = strlen(name), ml = strlen(mod);

  buf_init(&b, 64 * 1024);
  if (p == NULL || p[nl] != '.' || strncmp(p + nl + 1, mod, ml) != 0 ||
      p[nl + 1 + ml] != '(' ||
      (e = strchr(p + nl + 2 + ml, ')')) == NULL) {
    buf_puts(&b, s);
    return buf_steal(&b);
  }
  q = p + nl + 2 + ml;
  *id = xstrndup(q, (size_t)(e - q));
  buf_append(&b, s, (size_t)(p - s) + nl);
  buf_puts(&b, e + 1);
  return buf_steal(&b);
}

/* GET /{ig-user}?fields=...mentioned_media/mentioned_comment...; returns
 * 0 (not ours) when fields names neither. */
int
sbx_media_mentions(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  const char *fs = sbx_param(r, "fields");
  char *mid = NULL, *cid = NULL, *s1 = NULL, *s2 = NULL;
  struct sbx_fields *f = NULL;
  json_t *o = NULL;
  char err[512];

  if (fs == NULL || (strstr(fs, "mentioned_media") == NULL &&
                     strstr(fs, "mentioned_comment") == NULL))
    return 0;
  if (r->host == SBX_HOST_IG) {
    sbx_err_field(r, strstr(fs, "mentioned_media") != NULL
                     ? "mentioned_media" : "mentioned_comment",
                  "ShadowIGUser");
    return 1;
  }
  s1 = strip_mod(fs, "mentioned_media", "media_id", &mid);
  s2 = strip_mod(s1, "mentioned_comment", "comment_id", &cid);
  if (sbx_fields_parse(s2, &f, err, sizeof(err)) != 0) {
    sbx_err_param(r, "%s", err);
    goto out;
  }
  if (sbx_fields_check(r, f, mention_top_fields, "ShadowIGUser") != 0)
    goto out;
  o = json_object();
  for (size_t i = 0; i < f->n; i++) {
    const struct sbx_field *fd = &f->v[i];
    struct sbx_fields *def = NULL;
    const struct sbx_fields *sub;
    json_t *v = NULL;
    if (strcmp(fd->name, "id") == 0) {
      v = json_string(SANDBOX_IG_USER_ID);
    } else if (strcmp(fd->name, "username") == 0) {
      v = json_string(SANDBOX_IG_USERNAME);
    } else if (strcmp(fd->name, "mentioned_media") == 0) {
      struct world_media_item *it = world_media_find(w, mid);
      if (mid == NULL) {
        sbx_err_param(r, "The mentioned_media field requires "
                      "media_id(<IG media id>)");
        goto fail;
      }
      if (it == NULL || it->deleted || it->owner != WMO_MENTION) {
        sbx_err_param(r, "Media %.40s does not mention this account or "
                      "does not exist", mid);
        goto fail;
      }
      sbx_fields_parse("id", &def, err, sizeof(err));
      sub = fd->sub != NULL ? fd->sub : def;
      if (sbx_fields_check(r, sub, mentioned_media_fields,
                           SBX_NT_MEDIA) == 0)
        v = sbx_media_json(r, it, sub);
      sbx_fields_free(def);
      if (v == NULL)
        goto fail;
    } else {
      struct world_comment *c = world_comment_find(w, cid);
      if (cid == NULL) {
        sbx_err_param(r, "The mentioned_comment field requires "
                      "comment_id(<IG comment id>)");
        goto fail;
      }
      if (c == NULL || c->deleted || !c->mentions_us) {
        sbx_err_param(r, "Comment %.40s does not mention this account or "
                      "does not exist", cid);
        goto fail;
      }
      sbx_fields_parse("id", &def, err, sizeof(err));
      sub = fd->sub != NULL ? fd->sub : def;
      if (sbx_fields_check(r, sub, mentioned_comment_fields,
                           SBX_NT_COMMENT) == 0)
        v = sbx_comment_json(r, c, sub);
      sbx_fields_free(def);
      if (v == NULL)
        goto fail;
    }
    json_object_set_new(o, fd->name, v);
  }
  if (json_object_get(o, "id") == NULL)
    json_object_set_new(o, "id", json_string(SANDBOX_IG_USER_ID));
  r->resp = o;
  o = NULL;
  goto out;
fail:
  json_decref(o);
  o = NULL;
out:
  sbx_fields_free(f);
  free(mid);
  free(cid);
  free(s1);
  free(s2);
  return 1;
}

/* POST /{ig-user}/mentions: media_id, message, optional comment_id. */
void
sbx_media_post_mentions(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  const char *mid = sbx_param(r, "media_id");
  const char *cid = sbx_param(r, "comment_id");
  const char *msg = sbx_param(r, "message");
  struct world_media_item *it;
  struct world_comment *c = NULL, *nc;

  if (mid == NULL || *mid == '\0') {
    sbx_err_param(r, "The parameter media_id is required");
    return;
  }
  if (msg == NULL || *msg == '\0') {
    sbx_err_param(r, "The parameter message is required");
    return;
  }
  it = world_media_find(w, mid);
  if (cid != NULL && *cid != '\0') {
    c = world_comment_find(w, cid);
    if (c == NULL || c->deleted || !c->mentions_us ||
        strcmp(c->media_id, mid) != 0) {
      sbx_err_param(r, "Comment %.40s on media %.40s does not mention this "
                    "account", cid, mid);
      return;
    }
  } else if (it == NULL || it->owner != WMO_MENTION) {
    sbx_err_param(r, "Media %.40s does not mention this account in its "
                  "caption", mid);
    return;
  }
  if (it == NULL || it->deleted) {
    sbx_err_unsupported(r, mid);
    return;
  }
  nc = world_comment_add(w, it->id, c != NULL ? (c->parent_id != NULL
                                                 ? c->parent_id : c->id)
                                              : NULL,
                         NULL, msg, world_now(w));
  r->resp = json_pack("{s:s}", "id", nc->id);
}

/* POST .../messages with recipient.comment_id; 0 when the recipient is
 * not a comment (the Send API's then). */
int
sbx_media_private_reply(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  int bad = 0;
  json_t *rcp = sbx_param_json(r, "recipient", &bad), *msg = NULL;
  const char *cid, *text;
  struct world_comment *c;
  struct world_media_item *it;
  struct world_conv *conv;
  struct world_msg *m;
  int64_t now = world_now(w);

  cid = json_string_value(json_object_get(rcp, "comment_id"));
  if (bad || !json_is_object(rcp) || cid == NULL) {
    json_decref(rcp);
    return 0;
  }
  msg = sbx_param_json(r, "message", &bad);
  text = json_string_value(json_object_get(msg, "text"));
  if (bad || text == NULL || *text == '\0') {
    sbx_err_param(r, "The parameter message is required and must hold "
                  "text");
    goto out;
  }
  c = world_comment_find(w, cid);
  it = c != NULL ? world_media_find(w, c->media_id) : NULL;
  if (c == NULL || c->deleted || it == NULL || !sbx_media_visible(it)) {
    sbx_err_param(r, "Param recipient[comment_id] must be a comment on "
                  "your media");
    goto out;
  }
  if (c->from_us) {
    sbx_error(r, 400, SBX_ET_HOST, 10903, 0, "%sThis activity can't be "
              "replied to", r->host == SBX_HOST_FB ? "(#10903) " : "");
    goto out;
  }
  if (c->private_replied) {
    sbx_error(r, 400, SBX_ET_HOST, 10900, 0, "%sActivity already replied "
              "to", r->host == SBX_HOST_FB ? "(#10900) " : "");
    goto out;
  }
  if (now - c->timestamp > WORLD_PRIVATE_REPLY_WINDOW) {
    if (r->host == SBX_HOST_IG)
      sbx_error(r, 403, SBX_ET_HOST, 10, 2534022,
                "This message is sent outside of allowed window.");
    else
      sbx_error(r, 400, SBX_ET_HOST, 10, 2018278,
                "(#10) This message is sent outside of allowed window. "
                "Learn more about the new policy here: https://developers."
                "facebook.com/docs/messenger-platform/policy-overview");
    goto out;
  }
  conv = world_conv_by_user(w, c->user_id);
  if (conv == NULL) {
    conv = world_add_user(w, c->username, "other");
    free(c->user_id);
    c->user_id = xstrdup(w->users[conv->user]->id);
  }
  m = world_append(w, conv, 1, now);
  m->text = xstrdup(text);
  c->private_replied = 1;
  r->resp = json_pack("{s:s,s:s}", "recipient_id", c->user_id, "message_id",
                      m->mid);
out:
  json_decref(rcp);
  json_decref(msg);
  return 1;
}
