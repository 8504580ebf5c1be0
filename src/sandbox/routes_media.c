/* SPDX-License-Identifier: MIT */
/*
 * routes_media.c: the sandbox's media routes.
 *
 * Media nodes (GET with fields and children{...}/comments{...} expansion,
 * POST comment_enabled, DELETE), /children, and the account's media edges:
 * /media (GET only; POST belongs to publishing), /stories (the last 24
 * hours), /live_media (always empty), /tags and /collaboration_invites.
 * Comment nodes, mentions and private replies are in routes_comments.c,
 * which this router hands everything else to.  The world part is in
 * world_media.c.  Handlers run with the sandbox mutex held.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/xalloc.h"
#include "routes_media.h"

const char *const sbx_media_fields[] = {
  "id", "ig_id", "caption", "comments_count", "like_count", "media_type",
  "media_product_type", "media_url", "permalink", "shortcode",
  "thumbnail_url", "timestamp", "username", "owner", "is_comment_enabled",
  "is_shared_to_feed", "children", "comments", NULL
};

static const char *const invite_fields[] = {
  "media_id", "media_owner_username", "caption", "media_url", NULL
};

json_t *
sbx_media_iso(int64_t t)
{
  char buf[32];

  clock_iso8601(t, buf);
  return json_string(buf);
}

int
sbx_media_visible(const struct world_media_item *it)
{
  return it != NULL && !it->deleted &&
         (it->owner == WMO_US || it->owner == WMO_CHILD);
}

/* Children of an album as a nested {"data":[...]}. */
static json_t *
children_json(struct sbx_req *r, struct world_media_item *it,
              const struct sbx_fields *sub)
{
  json_t *data = json_array();

  for (size_t i = 0; i < it->nchildren; i++) {
    struct world_media_item *c = world_media_find(&r->sb->world,
                                                  it->children[i]);
    if (c != NULL)
      json_array_append_new(data, sbx_media_json(r, c, sub));
  }
  return json_pack("{s:o}", "data", data);
}

json_t *
sbx_media_json(struct sbx_req *r, struct world_media_item *it,
               const struct sbx_fields *f)
{
  static struct sbx_fields id_only;
  static struct sbx_field id_field = { .name = "id", .limit = -1 };
  json_t *o = json_object();

  id_only.v = &id_field;
  id_only.n = 1;
  for (size_t i = 0; i < f->n; i++) {
    const struct sbx_field *fd = &f->v[i];
    const char *n = fd->name;
    json_t *v = NULL;
    int child = it->owner == WMO_CHILD;
    if (strcmp(n, "id") == 0)
      v = json_string(it->id);
    else if (strcmp(n, "ig_id") == 0)
      v = json_integer((json_int_t)strtoll(it->id + 5, NULL, 10));
    else if (strcmp(n, "caption") == 0)
      v = it->caption != NULL && !child ? sbx_jstr(it->caption) : NULL;
    else if (strcmp(n, "comments_count") == 0)
      v = json_integer(it->comments_count);
    else if (strcmp(n, "like_count") == 0)
      v = json_integer(it->like_count);
    else if (strcmp(n, "media_type") == 0)
      v = json_string(it->media_type);
    else if (strcmp(n, "media_product_type") == 0)
      v = json_string(it->media_product_type);
    else if (strcmp(n, "media_url") == 0)
      v = sbx_jstr(it->media_url);
    else if (strcmp(n, "permalink") == 0)
      v = sbx_jstr(it->permalink);
    else if (strcmp(n, "shortcode") == 0)
      v = json_string(it->shortcode);
    else if (strcmp(n, "thumbnail_url") == 0)
      v = it->thumbnail_url != NULL ? sbx_jstr(it->thumbnail_url) : NULL;
    else if (strcmp(n, "timestamp") == 0)
      v = sbx_media_iso(it->timestamp);
    else if (strcmp(n, "username") == 0)
      v = json_string(it->username);
    else if (strcmp(n, "owner") == 0)
      v = json_pack("{s:s}", "id", it->owner_id);
    else if (strcmp(n, "is_comment_enabled") == 0)
      v = json_boolean(it->is_comment_enabled);
    else if (strcmp(n, "is_shared_to_feed") == 0)
      v = strcmp(it->media_product_type, "REELS") == 0 ? json_true() : NULL;
    else if (strcmp(n, "children") == 0)
      v = it->nchildren > 0
          ? children_json(r, it, fd->sub != NULL ? fd->sub : &id_only)
          : NULL;
    else if (strcmp(n, "comments") == 0) {
      v = sbx_comments_page(r, it, fd, fd->limit > 0 ? fd->limit : 25, 0);
      if (v == NULL) {
        json_decref(o);
        return NULL;
      }
    }
    if (v != NULL)
      json_object_set_new(o, n, v);
  }
  if (json_object_get(o, "id") == NULL)
    json_object_set_new(o, "id", json_string(it->id));
  return o;
}

/* A paged list of media items (pointers), newest first. */
static void
media_list(struct sbx_req *r, struct world_media_item **v, size_t n,
           const char *def_fields)
{
  struct sbx_fields *f = NULL;
  const char **keys = xcalloc(n + 1, sizeof(*keys));
  struct sbx_window win;
  long limit;
  json_t *data;

  for (size_t i = 0; i < n; i++)
    keys[i] = v[i]->id;
  if (sbx_req_fields(r, def_fields, &f) != 0)
    goto out;
  if (sbx_fields_check(r, f, sbx_media_fields, SBX_NT_MEDIA) != 0 ||
      sbx_param_limit(r, sbx_param(r, "limit"), 25, 100, &limit) != 0 ||
      sbx_page(r, "md", keys, n, limit, sbx_param(r, "after"),
               sbx_param(r, "before"), &win) != 0)
    goto out;
  data = json_array();
  for (size_t i = win.start; i < win.end; i++) {
    json_t *o = sbx_media_json(r, v[i], f);
    if (o == NULL) {
      json_decref(data);
      goto out;
    }
    json_array_append_new(data, o);
  }
  r->resp = sbx_paged(r, data, "md", keys, n, &win, limit, r->path, NULL);
out:
  sbx_fields_free(f);
  free(keys);
}

/* since/until: unix seconds or ISO-8601; *bad on a value Meta rejects. */
static int
time_param(struct sbx_req *r, const char *name, int64_t *out)
{
  const char *s = sbx_param(r, name);

  if (s == NULL || *s == '\0')
    return 0;
  if (clock_parse_time(s, out) != 0) {
    sbx_err_param(r, "The parameter %s must be a unix timestamp or a "
                  "strtotime string", name);
    return -1;
  }
  return 1;
}

/* GET /{ig-user}/media, /stories, /tags. */
static void
get_account_media(struct sbx_req *r, const char *edge)
{
  struct world *w = &r->sb->world;
  size_t n = world_media_count(w), k = 0;
  struct world_media_item **v = xcalloc(n + 1, sizeof(*v));
  int64_t now = world_now(w), since = 0, until = 0;
  int has_since, has_until;
  int media = strcmp(edge, "media") == 0;
  int stories = strcmp(edge, "stories") == 0;

  has_since = media ? time_param(r, "since", &since) : 0;
  if (has_since < 0)
    goto out;
  has_until = media ? time_param(r, "until", &until) : 0;
  if (has_until < 0)
    goto out;
  for (size_t i = 0; i < n; i++) {
    struct world_media_item *it = world_media_at(w, i);
    int story = strcmp(it->media_product_type, "STORY") == 0;
    if (it->deleted)
      continue;
    if (media && (it->owner != WMO_US || story ||
                  (has_since && it->timestamp < since) ||
                  (has_until && it->timestamp > until)))
      continue;
    if (stories && (it->owner != WMO_US || !story ||
                    now - it->timestamp >= WORLD_STORY_TTL))
      continue;
    /* /tags: photo tags and caption @mentions (see sandbox-media.md). */
    if (!media && !stories && it->owner != WMO_TAGGED &&
        it->owner != WMO_MENTION)
      continue;
    v[k++] = it;
  }
  media_list(r, v, k, "id");
out:
  free(v);
}

/* GET and POST /{ig-user}/collaboration_invites. */
static void
collab_invites(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  size_t n = world_collab_count(w);

  if (strcmp(r->method, "GET") == 0) {
    struct sbx_fields *f = NULL;
    json_t *data = json_array();
    if (sbx_req_fields(r, "media_id,media_owner_username,caption,media_url",
                       &f) != 0 ||
        sbx_fields_check(r, f, invite_fields, "IGCollabInvite") != 0) {
      json_decref(data);
      sbx_fields_free(f);
      return;
    }
    for (size_t i = 0; i < n; i++) {
      struct world_collab_invite *inv = world_collab_at(w, i);
      json_t *o;
      if (strcmp(inv->status, "pending") != 0)
        continue;
      o = json_object();
      for (size_t j = 0; j < f->n; j++) {
        const char *fn = f->v[j].name;
        if (strcmp(fn, "media_id") == 0)
          json_object_set_new(o, fn, json_string(inv->media_id));
        else if (strcmp(fn, "media_owner_username") == 0)
          json_object_set_new(o, fn, json_string(inv->media_owner_username));
        else if (strcmp(fn, "caption") == 0 && inv->caption != NULL)
          json_object_set_new(o, fn, sbx_jstr(inv->caption));
        else if (strcmp(fn, "media_url") == 0)
          json_object_set_new(o, fn, sbx_jstr(inv->media_url));
      }
      json_array_append_new(data, o);
    }
    sbx_fields_free(f);
    r->resp = json_pack("{s:o}", "data", data);
    return;
  }
  {
    const char *mid = sbx_param(r, "media_id");
    const char *acc = sbx_param(r, "accept");
    if (mid == NULL || *mid == '\0') {
      sbx_err_param(r, "The parameter media_id is required");
      return;
    }
    if (acc == NULL || (strcmp(acc, "true") != 0 &&
                        strcmp(acc, "false") != 0)) {
      sbx_err_param(r, "The parameter accept is required and must be "
                    "true or false");
      return;
    }
    for (size_t i = 0; i < n; i++) {
      struct world_collab_invite *inv = world_collab_at(w, i);
      if (strcmp(inv->media_id, mid) != 0 ||
          strcmp(inv->status, "pending") != 0)
        continue;
      free(inv->status);
      inv->status = xstrdup(strcmp(acc, "true") == 0 ? "accepted"
                                                     : "declined");
      r->resp = json_pack("{s:b}", "success", 1);
      return;
    }
    sbx_err_param(r, "No pending collaboration invite for media_id %.40s",
                  mid);
  }
}

/* GET /{media}. */
static void
get_media(struct sbx_req *r, struct world_media_item *it)
{
  struct sbx_fields *f = NULL;
  json_t *o;

  if (sbx_req_fields(r, "id", &f) != 0)
    return;
  if (sbx_fields_check(r, f, sbx_media_fields, SBX_NT_MEDIA) == 0 &&
      (o = sbx_media_json(r, it, f)) != NULL)
    r->resp = o;
  sbx_fields_free(f);
}

/* POST /{media}?comment_enabled=bool. */
static void
post_media(struct sbx_req *r, struct world_media_item *it)
{
  const char *v = sbx_param(r, "comment_enabled");

  if (v == NULL) {
    sbx_err_param(r, "The parameter comment_enabled is required");
    return;
  }
  if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
    sbx_err_param(r, "Param comment_enabled must be a boolean");
    return;
  }
  if (it->owner == WMO_CHILD) {
    sbx_err_unsupported(r, it->id);
    return;
  }
  it->is_comment_enabled = strcmp(v, "true") == 0;
  r->resp = json_pack("{s:b}", "success", 1);
}

/* DELETE /{media}: the album and its children go together. */
static void
delete_media(struct sbx_req *r, struct world_media_item *it)
{
  if (it->owner == WMO_CHILD) {
    sbx_err_unsupported(r, it->id);
    return;
  }
  it->deleted = 1;
  for (size_t i = 0; i < it->nchildren; i++) {
    struct world_media_item *c = world_media_find(&r->sb->world,
                                                  it->children[i]);
    if (c != NULL)
      c->deleted = 1;
  }
  r->resp = json_pack("{s:b}", "success", 1);
}

/* GET /{media}/children. */
static void
get_children(struct sbx_req *r, struct world_media_item *it)
{
  struct world_media_item **v = xcalloc(it->nchildren + 1, sizeof(*v));
  size_t k = 0;

  for (size_t i = 0; i < it->nchildren; i++)
    if ((v[k] = world_media_find(&r->sb->world, it->children[i])) != NULL)
      k++;
  media_list(r, v, k, "id");
  free(v);
}

/* Our account's edges. */
static int
route_account(struct sbx_req *r, const char *obj, const char *edge)
{
  int get = strcmp(r->method, "GET") == 0;
  int post = strcmp(r->method, "POST") == 0;

  if (strcmp(edge, "media") == 0 || strcmp(edge, "stories") == 0 ||
      strcmp(edge, "tags") == 0) {
    if (!get)
      return 0; /* POST /media is publishing's */
    get_account_media(r, edge);
    return 1;
  }
  if (strcmp(edge, "live_media") == 0) {
    if (!get)
      sbx_err_unsupported(r, obj);
    else
      r->resp = json_pack("{s:[]}", "data");
    return 1;
  }
  if (strcmp(edge, "collaboration_invites") == 0) {
    if (get || post)
      collab_invites(r);
    else
      sbx_err_unsupported(r, obj);
    return 1;
  }
  return 0;
}

int
sbx_route_media(struct sbx_req *r, const char *obj, const char *edge,
                const char *rest)
{
  struct world_media_item *it;

  if (sbx_route_comments(r, obj, edge, rest))
    return 1;
  if (sbx_is_account(r, obj))
    return edge != NULL && rest == NULL ? route_account(r, obj, edge) : 0;
  it = world_media_find(&r->sb->world, obj);
  if (it == NULL)
    return 0;
  /* Another account's media, or deleted: Meta says it does not exist. */
  if (!sbx_media_visible(it)) {
    sbx_err_unsupported(r, obj);
    return 1;
  }
  if (edge != NULL && strcmp(edge, "insights") == 0)
    return 0; /* the insights domain's */
  if (rest != NULL) {
    sbx_err_unknown_path(r, edge);
    return 1;
  }
  if (edge == NULL) {
    if (strcmp(r->method, "GET") == 0)
      get_media(r, it);
    else if (strcmp(r->method, "POST") == 0)
      post_media(r, it);
    else if (strcmp(r->method, "DELETE") == 0)
      delete_media(r, it);
    else
      sbx_err_unsupported(r, obj);
    return 1;
  }
  if (strcmp(edge, "children") == 0) {
    if (strcmp(r->method, "GET") == 0)
      get_children(r, it);
    else
      sbx_err_unsupported(r, obj);
    return 1;
  }
  sbx_err_unknown_path(r, edge);
  return 1;
}
