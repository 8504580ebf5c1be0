/* SPDX-License-Identifier: MIT */
/*
 * routes_comments.c: the sandbox's comments, mentions and private replies.
 *
 * Comment nodes (GET with replies{...}, POST hide, DELETE), /replies (GET,
 * POST), a media's /comments (GET, POST), the account's mention lookups
 * (mentioned_media.media_id(X){...} and mentioned_comment.comment_id(X)
 * {...} in `fields`, Facebook Login only), POST /{ig-user}/mentions, and
 * private replies: POST /{account or page}/messages whose recipient is a
 * comment_id.  Everything else is left to the other routers.  The rules
 * and the error codes chosen where Meta documents none are in
 * docs/internals/sandbox-media.md.  Handlers run with the mutex held.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "routes_media.h"

const char *const sbx_comment_fields[] = {
  "id", "text", "timestamp", "username", "like_count", "hidden", "from",
  "media", "parent_id", "replies", "user", "legacy_instagram_comment_id",
  NULL
};

#define COMMENT_DEFAULT "timestamp,text,id"

/* A comment we may see directly: on our media, or written by us. */
static int
comment_visible(struct world *w, const struct world_comment *c)
{
  struct world_media_item *it;

  if (c == NULL || c->deleted)
    return 0;
  it = world_media_find(w, c->media_id);
  return c->from_us || (it != NULL && sbx_media_visible(it));
}

/* Live replies to c, oldest first; returns how many (v may be NULL). */
static size_t
replies_of(struct world *w, const struct world_comment *c,
           struct world_comment **v)
{
  size_t n = world_comment_count(w), k = 0;

  for (size_t i = 0; i < n; i++) {
    struct world_comment *x = world_comment_at(w, i);
    if (!x->deleted && x->parent_id != NULL &&
        strcmp(x->parent_id, c->id) == 0) {
      if (v != NULL)
        v[k] = x;
      k++;
    }
  }
  return k;
}

/* A paged list of comments (pointers) with the edge's fields. */
static json_t *
comment_page(struct sbx_req *r, struct world_comment **v, size_t n,
             const struct sbx_fields *f, long limit, const char *after,
             const char *before, const char *path, json_t *extra)
{
  const char **keys = xcalloc(n + 1, sizeof(*keys));
  struct sbx_window win;
  json_t *data, *out = NULL;

  for (size_t i = 0; i < n; i++)
    keys[i] = v[i]->id;
  if (sbx_page(r, "cm", keys, n, limit, after, before, &win) != 0)
    goto out;
  data = json_array();
  for (size_t i = win.start; i < win.end; i++) {
    json_t *o = sbx_comment_json(r, v[i], f);
    if (o == NULL) {
      json_decref(data);
      goto out;
    }
    json_array_append_new(data, o);
  }
  out = sbx_paged(r, data, "cm", keys, n, &win, limit, path, extra);
out:
  free(keys);
  return out;
}

/* Nested replies{...} of one comment. */
static json_t *
replies_nested(struct sbx_req *r, struct world_comment *c,
               const struct sbx_field *fd)
{
  struct world *w = &r->sb->world;
  size_t n = replies_of(w, c, NULL);
  struct world_comment **v = xcalloc(n + 1, sizeof(*v));
  struct sbx_fields *def = NULL;
  json_t *extra = json_object(), *out;
  char *path = xasprintf("%s/replies", c->id);
  char err[256];

  replies_of(w, c, v);
  if (fd->sub == NULL)
    sbx_fields_parse(COMMENT_DEFAULT, &def, err, sizeof(err));
  else
    json_object_set_new(extra, "fields", sbx_jstr(fd->sub_raw));
  out = comment_page(r, v, n, fd->sub != NULL ? fd->sub : def,
                     fd->limit > 0 ? fd->limit : 25, fd->after, fd->before,
                     path, extra);
  sbx_fields_free(def);
  json_decref(extra);
  free(path);
  free(v);
  return out;
}

json_t *
sbx_comment_json(struct sbx_req *r, struct world_comment *c,
                 const struct sbx_fields *f)
{
  struct world *w = &r->sb->world;
  json_t *o = json_object();

  for (size_t i = 0; i < f->n; i++) {
    const char *n = f->v[i].name;
    json_t *v = NULL;
    if (strcmp(n, "id") == 0)
      v = json_string(c->id);
    else if (strcmp(n, "text") == 0)
      v = sbx_jstr(c->text);
    else if (strcmp(n, "timestamp") == 0)
      v = sbx_media_iso(c->timestamp);
    else if (strcmp(n, "username") == 0)
      v = sbx_jstr(c->username);
    else if (strcmp(n, "like_count") == 0)
      v = json_integer(c->like_count);
    else if (strcmp(n, "hidden") == 0)
      v = json_boolean(c->hidden);
    else if (strcmp(n, "from") == 0)
      v = json_pack("{s:s,s:o}", "id", c->user_id, "username",
                    sbx_jstr(c->username));
    else if (strcmp(n, "media") == 0) {
      struct world_media_item *it = world_media_find(w, c->media_id);
      v = json_pack("{s:s,s:s}", "id", c->media_id, "media_product_type",
                    it != NULL ? it->media_product_type : "FEED");
    } else if (strcmp(n, "parent_id") == 0)
      v = c->parent_id != NULL ? json_string(c->parent_id) : NULL;
    else if (strcmp(n, "user") == 0)
      v = c->from_us ? json_pack("{s:s}", "id", c->user_id) : NULL;
    else if (strcmp(n, "legacy_instagram_comment_id") == 0)
      v = json_string(c->id);
    else if (strcmp(n, "replies") == 0 && c->parent_id == NULL) {
      v = replies_nested(r, c, &f->v[i]);
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

/* Newest first; ties keep the order they were added in, newest first. */
static int
cmp_newest(const void *a, const void *b)
{
  const struct world_comment *x = *(struct world_comment *const *)a;
  const struct world_comment *y = *(struct world_comment *const *)b;

  if (x->timestamp != y->timestamp)
    return x->timestamp > y->timestamp ? -1 : 1;
  return strcmp(y->id, x->id) < 0 ? -1 : strcmp(y->id, x->id) > 0;
}

json_t *
sbx_comments_page(struct sbx_req *r, struct world_media_item *it,
                  const struct sbx_field *fd, long limit, int top)
{
  struct world *w = &r->sb->world;
  size_t n = world_comment_count(w), k = 0;
  struct world_comment **v = xcalloc(n + 1, sizeof(*v));
  struct sbx_fields *def = NULL;
  const struct sbx_fields *f;
  json_t *extra = NULL, *out = NULL;
  char *path = NULL;
  char err[256];

  /* Newest first. */
  for (size_t i = n; i-- > 0;) {
    struct world_comment *c = world_comment_at(w, i);
    if (!c->deleted && c->parent_id == NULL &&
        strcmp(c->media_id, it->id) == 0)
      v[k++] = c;
  }
  qsort(v, k, sizeof(*v), cmp_newest);
  if (top) {
    if (sbx_req_fields(r, COMMENT_DEFAULT, &def) != 0)
      goto out;
    if (sbx_fields_check(r, def, sbx_comment_fields, SBX_NT_COMMENT) != 0)
      goto out;
    out = comment_page(r, v, k, def, limit, sbx_param(r, "after"),
                       sbx_param(r, "before"), r->path, NULL);
    goto out;
  }
  if (fd->sub != NULL &&
      sbx_fields_check(r, fd->sub, sbx_comment_fields, SBX_NT_COMMENT) != 0)
    goto out;
  if (fd->sub == NULL)
    sbx_fields_parse(COMMENT_DEFAULT, &def, err, sizeof(err));
  f = fd->sub != NULL ? fd->sub : def;
  extra = json_object();
  if (fd->sub_raw != NULL)
    json_object_set_new(extra, "fields", sbx_jstr(fd->sub_raw));
  path = xasprintf("%s/comments", it->id);
  out = comment_page(r, v, k, f, limit, fd->after, fd->before, path, extra);
out:
  sbx_fields_free(def);
  json_decref(extra);
  free(path);
  free(v);
  return out;
}

/* The message parameter of a new comment; NULL with the error set. */
static const char *
message_param(struct sbx_req *r)
{
  const char *m = sbx_param(r, "message");

  if (m == NULL || *m == '\0') {
    sbx_err_param(r, "The parameter message is required");
    return NULL;
  }
  return m;
}

/* Creates a comment by us and answers {"id"}. */
static void
create_comment(struct sbx_req *r, struct world_media_item *it,
               const char *parent, const char *msg)
{
  struct world *w = &r->sb->world;
  struct world_comment *c;

  if (!it->is_comment_enabled) {
    sbx_error(r, 400, SBX_ET_HOST, 100, 0, "%sComments are disabled for "
              "this media", r->host == SBX_HOST_FB ? "(#100) " : "");
    return;
  }
  c = world_comment_add(w, it->id, parent, NULL, msg, world_now(w));
  r->resp = json_pack("{s:s}", "id", c->id);
}

/* GET/POST /{media}/comments. */
static void
media_comments(struct sbx_req *r, struct world_media_item *it)
{
  long limit;
  const char *msg;

  if (strcmp(r->method, "GET") == 0) {
    if (sbx_param_limit(r, sbx_param(r, "limit"), 25, 100, &limit) == 0)
      r->resp = sbx_comments_page(r, it, NULL, limit, 1);
  } else if (strcmp(r->method, "POST") == 0) {
    if ((msg = message_param(r)) != NULL)
      create_comment(r, it, NULL, msg);
  } else {
    sbx_err_unsupported(r, it->id);
  }
}

/* GET /{comment}. */
static void
get_comment(struct sbx_req *r, struct world_comment *c)
{
  struct sbx_fields *f = NULL;
  json_t *o;

  if (sbx_req_fields(r, COMMENT_DEFAULT, &f) != 0)
    return;
  if (sbx_fields_check(r, f, sbx_comment_fields, SBX_NT_COMMENT) == 0 &&
      (o = sbx_comment_json(r, c, f)) != NULL)
    r->resp = o;
  sbx_fields_free(f);
}

/* DELETE /{comment}: its replies go with it. */
static void
delete_comment(struct sbx_req *r, struct world_comment *c)
{
  struct world *w = &r->sb->world;
  struct world_media_item *it = world_media_find(w, c->media_id);
  size_t n = world_comment_count(w);

  c->deleted = 1;
  if (it != NULL)
    it->comments_count--;
  for (size_t i = 0; i < n; i++) {
    struct world_comment *x = world_comment_at(w, i);
    if (!x->deleted && x->parent_id != NULL &&
        strcmp(x->parent_id, c->id) == 0) {
      x->deleted = 1;
      if (it != NULL)
        it->comments_count--;
    }
  }
  r->resp = json_pack("{s:b}", "success", 1);
}

/* GET, POST, DELETE on a comment node and its /replies edge. */
static void
comment_node(struct sbx_req *r, struct world_comment *c, const char *edge)
{
  struct world *w = &r->sb->world;
  int get = strcmp(r->method, "GET") == 0;
  int post = strcmp(r->method, "POST") == 0;

  if (edge == NULL) {
    if (get) {
      get_comment(r, c);
    } else if (post) {
      const char *h = sbx_param(r, "hide");
      if (h == NULL || (strcmp(h, "true") != 0 && strcmp(h, "false") != 0))
        sbx_err_param(r, "The parameter hide is required and must be a "
                      "boolean");
      else {
        c->hidden = strcmp(h, "true") == 0;
        r->resp = json_pack("{s:b}", "success", 1);
      }
    } else if (strcmp(r->method, "DELETE") == 0) {
      delete_comment(r, c);
    } else {
      sbx_err_unsupported(r, c->id);
    }
    return;
  }
  if (strcmp(edge, "replies") != 0) {
    sbx_err_unknown_path(r, edge);
    return;
  }
  if (get) {
    size_t n = replies_of(w, c, NULL);
    struct world_comment **v = xcalloc(n + 1, sizeof(*v));
    struct sbx_fields *f = NULL;
    long limit;
    replies_of(w, c, v);
    if (sbx_req_fields(r, COMMENT_DEFAULT, &f) == 0 &&
        sbx_fields_check(r, f, sbx_comment_fields, SBX_NT_COMMENT) == 0 &&
        sbx_param_limit(r, sbx_param(r, "limit"), 25, 100, &limit) == 0)
      r->resp = comment_page(r, v, n, f, limit, sbx_param(r, "after"),
                             sbx_param(r, "before"), r->path, NULL);
    sbx_fields_free(f);
    free(v);
  } else if (post) {
    const char *msg = message_param(r);
    struct world_media_item *it = world_media_find(w, c->media_id);
    /* One level deep: a reply to a reply joins the top-level thread. */
    if (msg != NULL && it != NULL)
      create_comment(r, it, c->parent_id != NULL ? c->parent_id : c->id,
                     msg);
  } else {
    sbx_err_unsupported(r, c->id);
  }
}

int
sbx_route_comments(struct sbx_req *r, const char *obj, const char *edge,
                   const char *rest)
{
  struct world *w = &r->sb->world;
  struct world_comment *c;
  struct world_media_item *it;
  int page = r->host == SBX_HOST_FB &&
             (strcmp(obj, SANDBOX_PAGE_ID) == 0 || strcmp(obj, "me") == 0);

  if (sbx_is_account(r, obj) || page) {
    if (rest != NULL)
      return 0;
    if (edge == NULL && strcmp(r->method, "GET") == 0 && !page)
      return sbx_media_mentions(r);
    if (edge != NULL && strcmp(edge, "messages") == 0 &&
        strcmp(r->method, "POST") == 0)
      return sbx_media_private_reply(r);
    if (edge != NULL && strcmp(edge, "mentions") == 0 && !page) {
      if (strcmp(r->method, "POST") == 0)
        sbx_media_post_mentions(r);
      else
        sbx_err_unsupported(r, obj);
      return 1;
    }
    return 0;
  }
  if ((c = world_comment_find(w, obj)) != NULL) {
    if (!comment_visible(w, c))
      sbx_err_unsupported(r, obj);
    else if (rest != NULL)
      sbx_err_unknown_path(r, edge);
    else
      comment_node(r, c, edge);
    return 1;
  }
  it = world_media_find(w, obj);
  if (it != NULL && sbx_media_visible(it) && edge != NULL &&
      strcmp(edge, "comments") == 0 && rest == NULL) {
    media_comments(r, it);
    return 1;
  }
  return 0;
}
