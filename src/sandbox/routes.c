/* SPDX-License-Identifier: MIT */
/*
 * routes.c: dispatch of Graph API paths, and the account nodes.
 *
 * A Graph path is /<object>[/<edge>].  The object is resolved against the
 * world ("me", our Instagram account, the Page, a conversation, a message
 * or an Instagram user) in the flavour of the emulated host, then the
 * edge and the method pick a handler.  What cannot be resolved gets Meta's
 * unsupported-request error (100/33); an unknown edge gets "Unknown path
 * components" (2500).  The account, Page and user-profile nodes are small
 * and live here; everything about messaging is in routes_messaging.c.
 * Handlers run with the sandbox mutex held and only fill r->resp.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "sbx.h"

enum obj_kind {
  OBJ_NONE,
  OBJ_ACCOUNT,  /* our Instagram professional account */
  OBJ_PAGE,     /* the Facebook Page linked to it */
  OBJ_CONV,
  OBJ_MSG,
  OBJ_USER,     /* an Instagram user we talk to (IGSID) */
};

static const char *const account_fields_ig[] = {
  "id", "user_id", "username", "name", "account_type",
  "profile_picture_url", "followers_count", "follows_count", "media_count",
  "biography", "website", NULL
};
static const char *const account_fields_fb[] = {
  "id", "ig_id", "username", "name", "profile_picture_url",
  "followers_count", "follows_count", "media_count", "biography", "website",
  NULL
};
static const char *const user_fields[] = {
  "id", "name", "username", "profile_pic", "follower_count",
  "is_user_follow_business", "is_business_follow_user", "is_verified_user",
  NULL
};

/* GET of our Instagram account.  On graph.instagram.com, /me answers with
 * the app-scoped id and puts the professional account id in user_id, as
 * Meta does. */
static void
get_account(struct sbx_req *r, int via_me)
{
  struct sbx_fields *f = NULL;
  int ig = r->host == SBX_HOST_IG;
  json_t *o;

  if (sbx_req_fields(r, "id", &f) != 0)
    return;
  if (sbx_fields_check(r, f, ig ? account_fields_ig : account_fields_fb,
                       "ShadowIGUser") != 0)
    goto out;
  o = json_object();
  for (size_t i = 0; i < f->n; i++) {
    const char *n = f->v[i].name;
    json_t *v;
    if (strcmp(n, "id") == 0)
      v = json_string(ig && via_me ? SANDBOX_IG_SCOPED_ID
                                   : SANDBOX_IG_USER_ID);
    else if (strcmp(n, "user_id") == 0 || strcmp(n, "ig_id") == 0)
      v = json_string(SANDBOX_IG_USER_ID);
    else if (strcmp(n, "username") == 0)
      v = json_string(SANDBOX_IG_USERNAME);
    else if (strcmp(n, "name") == 0)
      v = json_string(SBX_PAGE_NAME);
    else if (strcmp(n, "account_type") == 0)
      v = json_string(r->sb->account_type != NULL ? r->sb->account_type
                                                  : "BUSINESS");
    else if (strcmp(n, "profile_picture_url") == 0)
      v = json_string("https://scontent.cdninstagram.com/v/t51.2885-19/"
                      "sandbox_studio_profile.jpg");
    else if (strcmp(n, "followers_count") == 0)
      v = json_integer(1287);
    else if (strcmp(n, "follows_count") == 0)
      v = json_integer(312);
    else if (strcmp(n, "media_count") == 0)
      v = json_integer(94);
    else if (strcmp(n, "biography") == 0)
      v = json_string("Handmade ceramics & weekend workshops ✨");
    else
      v = json_string("https://example.com/sandbox-studio");
    json_object_set_new(o, n, v);
  }
  /* Graph always answers a node's id. */
  if (json_object_get(o, "id") == NULL)
    json_object_set_new(o, "id", json_string(ig && via_me
                                             ? SANDBOX_IG_SCOPED_ID
                                             : SANDBOX_IG_USER_ID));
  r->resp = o;
out:
  sbx_fields_free(f);
}

/* GET of the Facebook Page linked to our account (FB host). */
static void
get_page(struct sbx_req *r)
{
  char link[80];
  const struct sbx_const_field page[] = {
    { "id", SANDBOX_PAGE_ID, 0 },
    { "name", SBX_PAGE_NAME, 0 },
    { "instagram_business_account", SANDBOX_IG_USER_ID, 1 },
    { "category", "Arts & crafts store", 0 },
    { "link", link, 0 },
    { "username", "sandboxstudio", 0 },
    { NULL, NULL, 0 }
  };

  snprintf(link, sizeof(link), "https://www.facebook.com/%s",
           SANDBOX_PAGE_ID);
  sbx_const_node(r, "name,id", "Page", page, SANDBOX_PAGE_ID);
}

/* The Instagram User Profile API: what a business may see of a user it
 * has a conversation with. */
static void
get_user(struct sbx_req *r, const struct world_user *u)
{
  struct sbx_fields *f = NULL;
  json_t *o;

  if (sbx_req_fields(r, "id", &f) != 0)
    return;
  if (sbx_fields_check(r, f, user_fields, "User") != 0)
    goto out;
  o = json_object();
  for (size_t i = 0; i < f->n; i++) {
    const char *n = f->v[i].name;
    json_t *v;
    if (strcmp(n, "id") == 0)
      v = json_string(u->id);
    else if (strcmp(n, "name") == 0)
      v = sbx_jstr(u->name);
    else if (strcmp(n, "username") == 0)
      v = sbx_jstr(u->username);
    else if (strcmp(n, "profile_pic") == 0)
      v = json_sprintf("https://scontent.cdninstagram.com/v/t51.2885-19/"
                       "%s.jpg", u->id);
    else if (strcmp(n, "follower_count") == 0)
      v = json_integer(u->follower_count);
    else if (strcmp(n, "is_user_follow_business") == 0)
      v = json_boolean(u->follows_us);
    else if (strcmp(n, "is_business_follow_user") == 0)
      v = json_boolean(u->we_follow);
    else
      v = json_false();
    json_object_set_new(o, n, v);
  }
  if (json_object_get(o, "id") == NULL)
    json_object_set_new(o, "id", json_string(u->id));
  r->resp = o;
out:
  sbx_fields_free(f);
}

int
sbx_is_account(const struct sbx_req *r, const char *obj)
{
  if (strcmp(obj, SANDBOX_IG_USER_ID) == 0)
    return 1;
  if (r->host == SBX_HOST_IG)
    return strcmp(obj, "me") == 0 || strcmp(obj, SANDBOX_IG_SCOPED_ID) == 0;
  return 0;
}

/* Resolves the first path segment. */
static enum obj_kind
resolve(struct sbx_req *r, const char *id, int *via_me,
        struct world_conv **conv, size_t *idx, struct world_user **user)
{
  int ig = r->host == SBX_HOST_IG;

  *via_me = strcmp(id, "me") == 0;
  if (*via_me)
    return ig ? OBJ_ACCOUNT : OBJ_PAGE;
  if (strcmp(id, SANDBOX_IG_USER_ID) == 0 ||
      (ig && strcmp(id, SANDBOX_IG_SCOPED_ID) == 0))
    return OBJ_ACCOUNT;
  if (!ig && strcmp(id, SANDBOX_PAGE_ID) == 0)
    return OBJ_PAGE;
  if ((*conv = world_conv_by_id(&r->sb->world, id)) != NULL)
    return OBJ_CONV;
  if (world_find_msg(&r->sb->world, id, conv, idx) == 0)
    return OBJ_MSG;
  if ((*user = world_user_by_id(&r->sb->world, id)) != NULL)
    return OBJ_USER;
  return OBJ_NONE;
}

/* Splits /<object>[/<edge>] and calls the handler for object, edge and
 * method. */
void
sbx_route(struct sbx_req *r)
{
  char *path = xstrdup(r->path), *slash, *edge = NULL, *rest = NULL;
  struct world_conv *conv = NULL;
  struct world_user *user = NULL;
  size_t idx = 0;
  int via_me, get = strcmp(r->method, "GET") == 0;
  int post = strcmp(r->method, "POST") == 0;
  enum obj_kind k;

  slash = strchr(path, '/');
  if (slash != NULL) {
    *slash = '\0';
    edge = slash + 1;
    rest = strchr(edge, '/');
  }
  if (*path == '\0') {
    if (post && r->host == SBX_HOST_FB && sbx_param(r, "batch") != NULL)
      sbx_batch(r);
    else
      sbx_err_unsupported(r, "");
    goto out;
  }
  /* Domain routers first: each answers only objects and edges it owns. */
  if (sbx_scope_denied(r, edge) ||
      sbx_route_profile(r, path, edge, rest) ||
      sbx_route_media(r, path, edge, rest) ||
      sbx_route_pub(r, path, edge, rest) ||
      sbx_route_tags(r, path, edge, rest) ||
      sbx_route_subscribed_apps(r, path, edge, rest) ||
      sbx_route_permissions(r, path, edge, rest))
    goto out;
  k = resolve(r, path, &via_me, &conv, &idx, &user);
  if (k == OBJ_NONE) {
    sbx_err_unsupported(r, path);
    goto out;
  }
  if (rest != NULL) {
    sbx_err_unknown_path(r, edge);
    goto out;
  }
  if (edge == NULL) {
    if (!get) {
      sbx_err_unsupported(r, path);
      goto out;
    }
    switch (k) {
    case OBJ_ACCOUNT: get_account(r, via_me); break;
    case OBJ_PAGE: get_page(r); break;
    case OBJ_CONV: sbx_get_conversation(r, conv); break;
    case OBJ_MSG: sbx_get_message(r, conv, idx); break;
    case OBJ_USER: get_user(r, user); break;
    default: break;
    }
    goto out;
  }
  /* Edges. */
  if (strcmp(edge, "conversations") == 0 &&
      (k == OBJ_PAGE || (k == OBJ_ACCOUNT && r->host == SBX_HOST_IG))) {
    if (get)
      sbx_get_conversations(r);
    else
      sbx_err_unsupported(r, path);
  } else if (strcmp(edge, "messages") == 0 &&
             (k == OBJ_PAGE || (k == OBJ_ACCOUNT && r->host == SBX_HOST_IG))) {
    if (post)
      sbx_post_messages(r);
    else
      sbx_err_unsupported(r, path);
  } else if (strcmp(edge, "messages") == 0 && k == OBJ_CONV) {
    if (get)
      sbx_get_conv_messages(r, conv);
    else
      sbx_err_unsupported(r, path);
  } else if (k == OBJ_ACCOUNT && r->host == SBX_HOST_FB && post &&
             strcmp(edge, "messages") == 0) {
    sbx_err_unsupported(r, path);
  } else {
    sbx_err_unknown_path(r, edge);
  }
out:
  free(path);
}
