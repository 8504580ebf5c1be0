/* SPDX-License-Identifier: MIT */
/*
 * routes_auth.c: tokens, the app, the Facebook user's Pages and business
 * discovery, as the sandbox emulates them.
 *
 * Token endpoints: graph.instagram.com/access_token (ig_exchange_token)
 * and /refresh_access_token (ig_refresh_token), graph.facebook.com/oauth/
 * access_token (fb_exchange_token), and /debug_token (graph.facebook.com
 * only).  The sandbox accepts exactly two tokens (sandbox.h), so a token
 * it "issues" is the same string as the one presented, with a new 60-day
 * expiry recorded in the world; debug_token reports that expiry.  /app
 * is the app node (graph.facebook.com only).  /me/accounts lists the
 * Facebook user's Pages: the sandbox's Page token stands in for the user
 * token here.  Business discovery is the business_discovery.username(X)
 * {fields} expansion on our IG account node (graph.facebook.com only),
 * answered from a small table of public business accounts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "sbx_profile.h"

/* Public professional accounts business discovery can find. */
static const struct bd_account {
  const char *id, *username, *name, *biography, *website;
  int followers, follows, media;
} bd_accounts[] = {
  { "17841400000000101", "bluebottle", "Blue Bottle Coffee",
    "Coffee roasters since 2002.", "https://bluebottlecoffee.com", 412000,
    180, 1450 },
  { "17841400000000102", "clay.collective", "Clay Collective",
    "A ceramics studio network ✨ 12 cities", "https://example.org/clay",
    23800, 410, 620 },
  { SBX_IG_USER_ID_1, SBX_IG_USERNAME_1, "Sandbox Studio",
    "Handmade ceramics & weekend workshops ✨",
    "https://example.com/sandbox-studio", 1287, 312, 94 },
};

static const char *const bd_fields[] = {
  "id", "ig_id", "username", "name", "biography", "website",
  "profile_picture_url", "followers_count", "follows_count", "media_count",
  "media", NULL
};

static int
get_method(const struct sbx_req *r)
{
  return strcmp(r->method, "GET") == 0;
}

/* {"access_token","token_type","expires_in"}: the same token, valid for
 * 60 more days from now. */
static void
issue(struct sbx_req *r)
{
  struct world_profile *p = r->sb->world.profile;
  int64_t now = world_now(&r->sb->world);

  p->issued[r->tok] = now;
  p->expires[r->tok] = now + SBX_TOKEN_LONG_LIVED;
  r->resp = json_pack("{s:s,s:s,s:I}", "access_token",
                      r->sb->tokens[r->tok].value, "token_type", "bearer",
                      "expires_in", (json_int_t)SBX_TOKEN_LONG_LIVED);
}

/* The client_secret check of the exchange endpoints. */
static int
check_secret(struct sbx_req *r)
{
  const char *s = sbx_param(r, "client_secret");

  if (s == NULL) {
    sbx_err_param(r, "The parameter client_secret is required");
    return -1;
  }
  if (strcmp(s, r->sb->app_secret) != 0) {
    sbx_error(r, 400, SBX_ET_OAUTH, 1, 0, "Error validating client "
              "secret.");
    return -1;
  }
  return 0;
}

/* graph.instagram.com/access_token and /refresh_access_token. */
static void
ig_token(struct sbx_req *r, int refresh)
{
  const char *gt = sbx_param(r, "grant_type");
  const char *want = refresh ? "ig_refresh_token" : "ig_exchange_token";
  struct world_profile *p = r->sb->world.profile;
  int64_t now = world_now(&r->sb->world);

  if (gt == NULL || strcmp(gt, want) != 0) {
    sbx_err_param(r, "Param grant_type must be %s", want);
    return;
  }
  if (!refresh && check_secret(r) != 0)
    return;
  if (refresh && now - p->issued[r->tok] < 24 * 3600) {
    sbx_err_param(r, "The access token is too new to be refreshed: it must "
                  "be at least 24 hours old");
    return;
  }
  issue(r);
}

/* graph.facebook.com/oauth/access_token?grant_type=fb_exchange_token. */
static void
fb_token(struct sbx_req *r)
{
  const char *gt = sbx_param(r, "grant_type");
  const char *cid = sbx_param(r, "client_id");
  const char *t = sbx_param(r, "fb_exchange_token");

  if (gt == NULL || strcmp(gt, "fb_exchange_token") != 0) {
    sbx_err_param(r, "Param grant_type must be fb_exchange_token");
    return;
  }
  if (cid == NULL) {
    sbx_err_param(r, "The parameter client_id is required");
    return;
  }
  if (strcmp(cid, SBX_APP_ID) != 0) {
    sbx_error(r, 400, SBX_ET_OAUTH, 101, 0, "Error validating application. "
              "Invalid application ID.");
    return;
  }
  if (check_secret(r) != 0)
    return;
  if (t == NULL) {
    sbx_err_param(r, "The parameter fb_exchange_token is required");
    return;
  }
  if (strcmp(t, r->sb->tokens[SBX_TOK_FB].value) != 0) {
    sbx_error(r, 400, SBX_ET_OAUTH, 190, 0,
              "Invalid OAuth access token - Cannot parse access token");
    return;
  }
  issue(r);
}

/* GET /debug_token?input_token=...: {"data":{...}}. */
static void
debug_token(struct sbx_req *r)
{
  const char *in = sbx_param(r, "input_token");
  struct world_profile *p = r->sb->world.profile;
  const struct sbx_token *t = &r->sb->tokens[SBX_TOK_FB];
  json_t *d;

  if (in == NULL) {
    sbx_err_param(r, "The parameter input_token is required");
    return;
  }
  if (strcmp(in, t->value) != 0) {
    r->resp = json_pack("{s:{s:{s:i,s:s},s:b,s:[]}}", "data", "error",
                        "code", 190, "message",
                        "Invalid OAuth access token.", "is_valid", 0,
                        "scopes");
    return;
  }
  d = json_pack(
      "{s:s,s:s,s:s,s:I,s:I,s:b,s:I,s:s,s:s,"
      "s:o,s:[{s:s,s:[s]},{s:s,s:[s]}]}",
      "app_id", SBX_APP_ID, "type", "PAGE", "application", SBX_APP_NAME,
      "data_access_expires_at",
      (json_int_t)(p->issued[SBX_TOK_FB] + SBX_DATA_ACCESS), "expires_at",
      (json_int_t)p->expires[SBX_TOK_FB], "is_valid", t->expired_at == 0,
      "issued_at", (json_int_t)p->issued[SBX_TOK_FB], "profile_id",
      SANDBOX_PAGE_ID, "user_id", "10000000000042", "scopes",
      sbx_scopes_granted(r->sb), "granular_scopes", "scope",
      "instagram_basic", "target_ids", SANDBOX_IG_USER_ID, "scope",
      "pages_show_list", "target_ids", SANDBOX_PAGE_ID);
  r->resp = json_pack("{s:o}", "data", d);
}

void
sbx_debug_token(struct sbx_req *r)
{
  debug_token(r);
}

/* GET /app (graph.facebook.com). */
static void
get_app(struct sbx_req *r)
{
  static const struct sbx_const_field app[] = {
    { "id", SBX_APP_ID, 0 },
    { "name", SBX_APP_NAME, 0 },
    { "link", "https://www.facebook.com/games/?app_id=" SBX_APP_ID, 0 },
    { "category", "Business", 0 },
    { "namespace", "igmcp_sandbox", 0 },
    { "description", "The app behind the igmcp sandbox.", 0 },
    { "privacy_policy_url", "https://example.com/privacy", 0 },
    { NULL, NULL, 0 }
  };

  sbx_const_node(r, "link,name,id", "Application", app, SBX_APP_ID);
}

/* One Page of /me/accounts with the requested fields. */
static json_t *
page_entry(struct sbx_req *r, const struct sbx_fields *f, int first)
{
  json_t *o = json_object();

  for (size_t i = 0; i < f->n; i++) {
    const char *n = f->v[i].name;
    if (strcmp(n, "id") == 0)
      json_object_set_new(o, n, json_string(first ? SANDBOX_PAGE_ID
                                                  : SBX_PAGE2_ID));
    else if (strcmp(n, "name") == 0)
      json_object_set_new(o, n, json_string(first ? SBX_PAGE_NAME
                                                  : SBX_PAGE2_NAME));
    else if (strcmp(n, "access_token") == 0)
      json_object_set_new(o, n, json_string(r->sb->tokens[SBX_TOK_FB]
                                            .value));
    else if (strcmp(n, "category") == 0)
      json_object_set_new(o, n, json_string("Arts & crafts store"));
    else if (strcmp(n, "tasks") == 0)
      json_object_set_new(o, n, json_pack("[s,s,s,s,s,s]", "ANALYZE",
                                          "ADVERTISE", "MESSAGING",
                                          "MODERATE", "CREATE_CONTENT",
                                          "MANAGE"));
    else if (strcmp(n, "instagram_business_account") == 0 && first)
      json_object_set_new(o, n, json_pack("{s:s}", "id",
                                          SANDBOX_IG_USER_ID));
  }
  return o;
}

/* GET /me/accounts: the Pages, Meta's default fields including each
 * Page's access_token. */
static void
get_accounts(struct sbx_req *r)
{
  static const char *const allowed[] = {
    "id", "name", "access_token", "category", "tasks",
    "instagram_business_account", NULL
  };
  const char *const keys[] = { SANDBOX_PAGE_ID, SBX_PAGE2_ID };
  struct sbx_fields *f = NULL;
  struct sbx_window win;
  json_t *data, *extra;
  long limit;

  if (sbx_req_fields(r, "name,access_token,category,id,tasks", &f) != 0)
    return;
  if (sbx_fields_check(r, f, allowed, "Page") != 0 ||
      sbx_param_limit(r, sbx_param(r, "limit"), 25, 100, &limit) != 0 ||
      sbx_page(r, "accounts", keys, 2, limit, sbx_param(r, "after"),
               sbx_param(r, "before"), &win) != 0)
    goto out;
  data = json_array();
  for (size_t i = win.start; i < win.end; i++)
    json_array_append_new(data, page_entry(r, f, i == 0));
  extra = json_object();
  if (sbx_param(r, "fields") != NULL)
    json_object_set_new(extra, "fields", json_string(sbx_param(r,
                                                               "fields")));
  r->resp = sbx_paged(r, data, "accounts", keys, 2, &win, limit,
                      "me/accounts", extra);
  json_decref(extra);
out:
  sbx_fields_free(f);
}

/* GET of the second Page (no Instagram account linked). */
static void
get_page2(struct sbx_req *r)
{
  static const char *const allowed[] = {
    "id", "name", "instagram_business_account", "category", NULL
  };
  struct sbx_fields *f = NULL;
  json_t *o;

  if (sbx_req_fields(r, "name,id", &f) != 0)
    return;
  if (sbx_fields_check(r, f, allowed, "Page") != 0)
    goto out;
  o = json_pack("{s:s}", "id", SBX_PAGE2_ID);
  if (sbx_fields_get(f, "name") != NULL)
    json_object_set_new(o, "name", json_string(SBX_PAGE2_NAME));
  if (sbx_fields_get(f, "category") != NULL)
    json_object_set_new(o, "category", json_string("Shopping & retail"));
  r->resp = o;
out:
  sbx_fields_free(f);
}

/* A few media of a discovered account: {"data":[...]}, at most limit
 * (media.limit(N); -1 when absent) of them, as Meta honours the modifier. */
static json_t *
bd_media(const struct bd_account *a, long limit)
{
  json_t *data = json_array();

  for (int i = 0; i < 3 && (limit < 0 || i < limit); i++)
    json_array_append_new(
        data, json_pack("{s:s,s:s,s:s,s:i,s:i,s:s}", "id",
                        i == 0 ? "17900000000000101"
                        : i == 1 ? "17900000000000102" : "17900000000000103",
                        "caption", i == 0 ? "New season, new colours" :
                        "Behind the scenes", "media_type",
                        i == 2 ? "VIDEO" : "IMAGE", "like_count",
                        a->followers / (50 + i * 10), "comments_count",
                        a->followers / (900 + i * 100), "timestamp",
                        "2026-03-01T10:00:00+0000"));
  return json_pack("{s:o}", "data", data);
}

/* GET /{ig-id}?fields=business_discovery.username(X){...}.  The fields
 * parser does not know the .username() modifier, so this is parsed here:
 * the expansion must be the only field besides id. */
static void
business_discovery(struct sbx_req *r, const char *fields)
{
  const char *p = strstr(fields, "business_discovery");
  const char *u, *close;
  char *sub = NULL;
  struct sbx_fields *f = NULL;
  char name[64], err[256], umsg[160];
  const struct bd_account *a = NULL;
  json_t *o;

  u = p + strlen("business_discovery");
  if (strncmp(u, ".username(", 10) != 0 ||
      (close = strchr(u + 10, ')')) == NULL ||
      (size_t)(close - (u + 10)) >= sizeof(name) || close == u + 10) {
    sbx_err_param(r, "The parameter username is required for "
                  "business_discovery: business_discovery.username(name)"
                  "{fields}");
    return;
  }
  snprintf(name, sizeof(name), "%.*s", (int)(close - (u + 10)), u + 10);
  if (close[1] == '{') {
    const char *end = strrchr(close, '}');
    if (end == NULL) {
      sbx_err_param(r, "Syntax error \"Expected \"}\".\" at character %ld",
                    (long)(close - fields));
      return;
    }
    sub = xstrndup(close + 2, (size_t)(end - close - 2));
  }
  if (sbx_fields_parse(sub != NULL ? sub : "id,username", &f, err,
                       sizeof(err)) != 0) {
    sbx_err_param(r, "%s", err);
    goto out;
  }
  if (sbx_fields_check(r, f, bd_fields, "IGUser") != 0)
    goto out;
  for (size_t i = 0; i < sizeof(bd_accounts) / sizeof(bd_accounts[0]); i++)
    if (strcmp(bd_accounts[i].username, name) == 0)
      a = &bd_accounts[i];
  if (a == NULL) {
    snprintf(umsg, sizeof(umsg), "The user with username: %s cannot be "
             "found.", name);
    sbx_error_full(r, 400, "OAuthException", 110, 2207013, 0,
                   "Cannot find User", umsg, "Invalid user id");
    goto out;
  }
  o = json_object();
  for (size_t i = 0; i < f->n; i++) {
    const char *n = f->v[i].name;
    json_t *v;
    if (strcmp(n, "id") == 0 || strcmp(n, "ig_id") == 0)
      v = json_string(a->id);
    else if (strcmp(n, "username") == 0)
      v = json_string(a->username);
    else if (strcmp(n, "name") == 0)
      v = json_string(a->name);
    else if (strcmp(n, "biography") == 0)
      v = json_string(a->biography);
    else if (strcmp(n, "website") == 0)
      v = json_string(a->website);
    else if (strcmp(n, "profile_picture_url") == 0)
      v = json_sprintf("https://scontent.cdninstagram.com/v/t51.2885-19/"
                       "%s.jpg", a->id);
    else if (strcmp(n, "followers_count") == 0)
      v = json_integer(a->followers);
    else if (strcmp(n, "follows_count") == 0)
      v = json_integer(a->follows);
    else if (strcmp(n, "media_count") == 0)
      v = json_integer(a->media);
    else
      v = bd_media(a, f->v[i].limit);
    json_object_set_new(o, n, v);
  }
  if (json_object_get(o, "id") == NULL)
    json_object_set_new(o, "id", json_string(a->id));
  r->resp = json_pack("{s:o,s:s}", "business_discovery", o, "id",
                      SANDBOX_IG_USER_ID);
out:
  free(sub);
  sbx_fields_free(f);
}

int
sbx_route_auth(struct sbx_req *r, const char *obj, const char *edge,
               const char *rest)
{
  int ig = r->host == SBX_HOST_IG;
  const char *fields = sbx_param(r, "fields");

  if (rest != NULL)
    return 0;
  if (edge == NULL && ig && (strcmp(obj, "access_token") == 0 ||
                             strcmp(obj, "refresh_access_token") == 0)) {
    if (get_method(r))
      ig_token(r, obj[0] == 'r');
    else
      sbx_err_unsupported(r, obj);
    return 1;
  }
  if (ig)
    return 0;
  if (strcmp(obj, "oauth") == 0 && edge != NULL &&
      strcmp(edge, "access_token") == 0) {
    if (get_method(r))
      fb_token(r);
    else
      sbx_err_unsupported(r, obj);
    return 1;
  }
  if (edge == NULL && get_method(r)) {
    if (strcmp(obj, "debug_token") == 0)
      debug_token(r);
    else if (strcmp(obj, "app") == 0)
      get_app(r);
    else if (strcmp(obj, SBX_PAGE2_ID) == 0)
      get_page2(r);
    else if (strcmp(obj, SANDBOX_IG_USER_ID) == 0 && fields != NULL &&
             strstr(fields, "business_discovery") != NULL)
      business_discovery(r, fields);
    else
      return 0;
    return 1;
  }
  if (strcmp(obj, "me") == 0 && edge != NULL &&
      strcmp(edge, "accounts") == 0) {
    if (get_method(r))
      get_accounts(r);
    else
      sbx_err_unsupported(r, obj);
    return 1;
  }
  return 0;
}
