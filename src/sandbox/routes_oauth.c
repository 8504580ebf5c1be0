/* SPDX-License-Identifier: MIT */
/*
 * routes_oauth.c: how a user connects an account, as Meta's login flows
 * do it, and the tokens they hand out.
 *
 * Instagram Login: GET /oauth/authorize (www.instagram.com) consents at
 * once and redirects to redirect_uri?code=...&state=...#_; POST
 * /oauth/access_token (api.instagram.com, a form) trades the code for a
 * short-lived token (1 hour), answering errors in that endpoint's flat
 * shape {"error_type","code","error_message"}; GET /access_token
 * ?grant_type=ig_exchange_token trades it for a long-lived one (60 days);
 * GET /refresh_access_token extends a long-lived one.
 *
 * Facebook Login: GET /{version}/dialog/oauth (www.facebook.com) consents
 * and redirects with #_=_; GET /oauth/access_token?code=... gives a
 * short-lived user token, ?grant_type=fb_exchange_token a long-lived one;
 * GET /me/accounts with an issued user token lists the Pages, each with a
 * Page token (from a long-lived user token, one that does not expire).
 *
 * Codes are single-use and live 1 hour; tokens live their documented
 * lifetime; both on the sandbox clock.  Issued tokens are random and kept
 * here, apart from the fixed tokens; they stand for the sandbox's one
 * Instagram account (SBX_TOK_IG, SBX_TOK_FB) everywhere else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/crypto.h"
#include "../base/log.h"
#include "../base/url.h"
#include "../base/xalloc.h"
#include "sbx_profile.h"

#define OAUTH_MAX 4096          /* tokens or codes kept; oldest dropped */
#define CODE_TTL 3600
#define SHORT_TTL 3600
#define IG_PERMISSIONS "instagram_business_basic," \
  "instagram_business_manage_messages,instagram_business_manage_comments," \
  "instagram_business_content_publish,instagram_business_manage_insights"

enum dyn_kind {
  DYN_IG_SHORT, DYN_IG_LONG, DYN_FB_USER_SHORT, DYN_FB_USER_LONG, DYN_FB_PAGE
};

struct dyn_token {
  char value[80];
  enum dyn_kind kind;
  int64_t issued, expires;    /* expires 0: never */
  char page[2][80];           /* FB user: its Page tokens, "" until asked */
};

struct oauth_code {
  char code[80];
  int fb;
  char *redirect_uri;
  int64_t expires;
  int used;
};

struct sbx_oauth {
  struct dyn_token *tok;
  size_t ntok;
  struct oauth_code *codes;
  size_t ncodes;
};

static struct sbx_oauth *
oauth(struct sandbox *sb)
{
  if (sb->oauth == NULL) {
    sb->oauth = xcalloc(1, sizeof(*sb->oauth));
    sb->oauth->tok = xcalloc(OAUTH_MAX, sizeof(struct dyn_token));
    sb->oauth->codes = xcalloc(OAUTH_MAX, sizeof(struct oauth_code));
  }
  return sb->oauth;
}

void
sbx_oauth_free(struct sbx_oauth *o)
{
  if (o == NULL)
    return;
  for (size_t i = 0; i < o->ncodes; i++)
    free(o->codes[i].redirect_uri);
  free(o->codes);
  free(o->tok);
  free(o);
}

static struct dyn_token *
find_token(struct sandbox *sb, const char *value)
{
  struct sbx_oauth *o = sb->oauth;

  if (o == NULL || value == NULL)
    return NULL;
  for (size_t i = 0; i < o->ntok; i++)
    if (strcmp(o->tok[i].value, value) == 0)
      return &o->tok[i];
  return NULL;
}

static int
is_ig(enum dyn_kind k)
{
  return k == DYN_IG_SHORT || k == DYN_IG_LONG;
}

static int
expired(struct sandbox *sb, const struct dyn_token *t)
{
  return t->expires != 0 && world_now(&sb->world) >= t->expires;
}

/* A new random token of kind k, valid ttl seconds (0: never). */
static struct dyn_token *
new_token(struct sandbox *sb, enum dyn_kind k, int64_t ttl)
{
  struct sbx_oauth *o = oauth(sb);
  struct dyn_token *t;
  char hex[57];

  if (o->ntok == OAUTH_MAX) {
    memmove(o->tok, o->tok + 1, (OAUTH_MAX - 1) * sizeof(*o->tok));
    o->ntok--;
  }
  t = &o->tok[o->ntok++];
  memset(t, 0, sizeof(*t));
  if (crypto_random_hex(hex, 28) != 0)
    fatalx("sandbox: no random bytes");
  snprintf(t->value, sizeof(t->value), "%s%s", is_ig(k) ? "IGAA" : "EAA",
           hex);
  t->kind = k;
  t->issued = world_now(&sb->world);
  t->expires = ttl != 0 ? t->issued + ttl : 0;
  return t;
}

void
sbx_oauth_resolve(struct sbx_req *r, const char *token)
{
  const struct dyn_token *t = find_token(r->sb, token);

  if (t == NULL)
    return;
  r->tok = is_ig(t->kind) ? SBX_TOK_IG : SBX_TOK_FB;
  r->dyn = 1;
  r->dyn_expires_at = t->expires;
}

/* The flat error of api.instagram.com/oauth/access_token. */
static void
flat_error(struct sbx_req *r, const char *type, const char *msg)
{
  r->status = 400;
  r->is_error = 1;
  r->resp = json_pack("{s:s,s:i,s:s}", "error_type", type, "code", 400,
                      "error_message", msg);
}

static void
expired_error(struct sbx_req *r, const struct dyn_token *t)
{
  char then[64], now[64];

  sbx_meta_date(t->expires, then);
  sbx_meta_date(world_now(&r->sb->world), now);
  sbx_error(r, 400, SBX_ET_OAUTH, 190, 463, "Error validating access "
            "token: Session has expired on %s. The current time is %s.",
            then, now);
}

static int
is_get(const struct sbx_req *r)
{
  return strcmp(r->method, "GET") == 0;
}

/* The authorization dialog of either login: consent is automatic. */
static void
dialog(struct sbx_req *r, int fb)
{
  const char *cid = sbx_param(r, "client_id");
  const char *uri = sbx_param(r, "redirect_uri");
  const char *state = sbx_param(r, "state");
  const char *rt = sbx_param(r, "response_type");
  const char *scope = sbx_param(r, "scope");
  struct sbx_oauth *o = oauth(r->sb);
  struct oauth_code *c;
  struct buf b;
  char hex[41];

  if (cid == NULL || strcmp(cid, SBX_APP_ID) != 0) {
    if (fb)
      sbx_error(r, 400, SBX_ET_OAUTH, 101, 0, "Error validating "
                "application. Invalid application ID.");
    else
      flat_error(r, "OAuthException", "Invalid platform app");
    return;
  }
  if (uri == NULL || (strncmp(uri, "http://", 7) != 0 &&
                      strncmp(uri, "https://", 8) != 0) ||
      strpbrk(uri, "#\r\n") != NULL) {
    if (fb)
      sbx_err_param(r, "Invalid redirect_uri: the URL is not allowed by "
                    "the application configuration.");
    else
      flat_error(r, "OAuthException", "Invalid redirect_uri");
    return;
  }
  if (!fb && (rt == NULL || strcmp(rt, "code") != 0)) {
    flat_error(r, "OAuthException", "Invalid response_type: use code");
    return;
  }
  if (!fb && (scope == NULL || strstr(scope, "instagram_business_basic")
                                   == NULL)) {
    flat_error(r, "OAuthException", "Invalid scope: "
               "instagram_business_basic is required");
    return;
  }
  if (o->ncodes == OAUTH_MAX) {
    free(o->codes[0].redirect_uri);
    memmove(o->codes, o->codes + 1, (OAUTH_MAX - 1) * sizeof(*o->codes));
    o->ncodes--;
  }
  c = &o->codes[o->ncodes++];
  memset(c, 0, sizeof(*c));
  if (crypto_random_hex(hex, 20) != 0)
    fatalx("sandbox: no random bytes");
  snprintf(c->code, sizeof(c->code), "AQ%s", hex);
  c->fb = fb;
  c->redirect_uri = xstrdup(uri);
  c->expires = world_now(&r->sb->world) + CODE_TTL;
  buf_init(&b, 16384);
  buf_printf(&b, "%s%scode=%s", uri, strchr(uri, '?') != NULL ? "&" : "?",
             c->code);
  if (state != NULL) {
    buf_puts(&b, "&state=");
    url_encode(&b, state);
  }
  buf_puts(&b, fb ? "#_=_" : "#_");
  r->location = buf_steal(&b);
  r->status = 302;
  r->resp = json_pack("{s:s}", "redirect", r->location);
}

/* Finds the code; on a problem sets the error in the login's shape and
 * returns NULL. */
static struct oauth_code *
take_code(struct sbx_req *r, int fb)
{
  const char *code = sbx_param(r, "code");
  const char *uri = sbx_param(r, "redirect_uri");
  struct sbx_oauth *o = oauth(r->sb);
  struct oauth_code *c = NULL;
  const char *msg = "Error validating verification code. Please make sure "
                    "your redirect_uri is identical to the one you used in "
                    "the OAuth dialog request";

  for (size_t i = 0; code != NULL && i < o->ncodes; i++)
    if (strcmp(o->codes[i].code, code) == 0 && o->codes[i].fb == fb)
      c = &o->codes[i];
  if (c == NULL) {
    if (fb)
      sbx_err_param(r, "Invalid verification code format.");
    else
      flat_error(r, "OAuthException", msg);
    return NULL;
  }
  if (c->used) {
    if (fb)
      sbx_error(r, 400, SBX_ET_OAUTH, 100, 36009, "This authorization code "
                "has been used.");
    else
      flat_error(r, "OAuthException", "This authorization code has been "
                 "used");
    return NULL;
  }
  if (world_now(&r->sb->world) >= c->expires) {
    if (fb)
      sbx_error(r, 400, SBX_ET_OAUTH, 100, 36007, "This authorization code "
                "has expired.");
    else
      flat_error(r, "OAuthException", "This authorization code has expired");
    return NULL;
  }
  if (uri == NULL || strcmp(uri, c->redirect_uri) != 0) {
    if (fb)
      sbx_error(r, 400, SBX_ET_OAUTH, 100, 36008, "%s", msg);
    else
      flat_error(r, "OAuthException", msg);
    return NULL;
  }
  c->used = 1;
  return c;
}

/* POST api.instagram.com/oauth/access_token (form). */
static void
ig_code_exchange(struct sbx_req *r)
{
  const char *cid = sbx_param(r, "client_id");
  const char *secret = sbx_param(r, "client_secret");
  const char *gt = sbx_param(r, "grant_type");
  struct dyn_token *t;

  if (cid == NULL || strcmp(cid, SBX_APP_ID) != 0) {
    flat_error(r, "OAuthException", "Invalid platform app");
    return;
  }
  if (secret == NULL || strcmp(secret, r->sb->app_secret) != 0) {
    flat_error(r, "OAuthException", "Error validating client secret.");
    return;
  }
  if (gt == NULL || strcmp(gt, "authorization_code") != 0) {
    flat_error(r, "OAuthException", "Invalid grant_type: use "
               "authorization_code");
    return;
  }
  if (sbx_param(r, "code") == NULL) {
    flat_error(r, "OAuthException", "Missing required field code");
    return;
  }
  if (sbx_param(r, "redirect_uri") == NULL) {
    flat_error(r, "OAuthException", "Missing required field redirect_uri");
    return;
  }
  if (take_code(r, 0) == NULL)
    return;
  t = new_token(r->sb, DYN_IG_SHORT, SHORT_TTL);
  /* The live endpoint answers flat, with user_id a number. */
  r->resp = json_pack("{s:s,s:I,s:[s,s,s,s,s]}", "access_token", t->value,
                      "user_id", (json_int_t)strtoll(SANDBOX_IG_USER_ID,
                                                     NULL, 10),
                      "permissions", "instagram_business_basic",
                      "instagram_business_manage_messages",
                      "instagram_business_manage_comments",
                      "instagram_business_content_publish",
                      "instagram_business_manage_insights");
}

static int
check_app(struct sbx_req *r, int need_client_id)
{
  const char *cid = sbx_param(r, "client_id");
  const char *s = sbx_param(r, "client_secret");

  if (need_client_id && cid == NULL) {
    sbx_err_param(r, "The parameter client_id is required");
    return -1;
  }
  if (cid != NULL && strcmp(cid, SBX_APP_ID) != 0) {
    sbx_error(r, 400, SBX_ET_OAUTH, 101, 0, "Error validating application. "
              "Invalid application ID.");
    return -1;
  }
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

static void
token_answer(struct sbx_req *r, const struct dyn_token *t)
{
  int64_t now = world_now(&r->sb->world);

  r->resp = json_pack("{s:s,s:s,s:I}", "access_token", t->value,
                      "token_type", "bearer", "expires_in",
                      (json_int_t)(t->expires - now));
}

/* graph.instagram.com/access_token and /refresh_access_token with an
 * issued token. */
static void
ig_token(struct sbx_req *r, struct dyn_token *t, int refresh)
{
  const char *gt = sbx_param(r, "grant_type");
  const char *want = refresh ? "ig_refresh_token" : "ig_exchange_token";
  int64_t now = world_now(&r->sb->world);

  if (!is_get(r)) {
    sbx_err_unsupported(r, refresh ? "refresh_access_token"
                                   : "access_token");
    return;
  }
  if (!is_ig(t->kind)) {
    sbx_error(r, 400, SBX_ET_OAUTH, 190, 0,
              "Invalid OAuth access token - Cannot parse access token");
    return;
  }
  if (expired(r->sb, t)) {
    expired_error(r, t);
    return;
  }
  if (gt == NULL || strcmp(gt, want) != 0) {
    sbx_err_param(r, "Param grant_type must be %s", want);
    return;
  }
  if (!refresh) {
    if (check_app(r, 0) != 0)
      return;
    if (t->kind != DYN_IG_SHORT) {
      sbx_err_param(r, "The access token is not a short-lived token");
      return;
    }
    token_answer(r, new_token(r->sb, DYN_IG_LONG, SBX_TOKEN_LONG_LIVED));
    return;
  }
  if (t->kind != DYN_IG_LONG) {
    sbx_err_param(r, "Only a long-lived token can be refreshed");
    return;
  }
  if (now - t->issued < 24 * 3600) {
    sbx_err_param(r, "The access token is too new to be refreshed: it must "
                  "be at least 24 hours old");
    return;
  }
  t->issued = now;
  t->expires = now + SBX_TOKEN_LONG_LIVED;
  token_answer(r, t);
}

/* graph.facebook.com/oauth/access_token: a code or an issued user token
 * (fb_exchange_token). */
static void
fb_token(struct sbx_req *r, struct dyn_token *user)
{
  const char *gt = sbx_param(r, "grant_type");

  if (check_app(r, 1) != 0)
    return;
  if (user == NULL) {
    if (sbx_param(r, "redirect_uri") == NULL) {
      sbx_err_param(r, "Missing redirect_uri parameter.");
      return;
    }
    if (take_code(r, 1) == NULL)
      return;
    token_answer(r, new_token(r->sb, DYN_FB_USER_SHORT, SHORT_TTL));
    return;
  }
  if (gt == NULL || strcmp(gt, "fb_exchange_token") != 0) {
    sbx_err_param(r, "Param grant_type must be fb_exchange_token");
    return;
  }
  if (user->kind != DYN_FB_USER_SHORT && user->kind != DYN_FB_USER_LONG) {
    sbx_error(r, 400, SBX_ET_OAUTH, 190, 0,
              "Invalid OAuth access token - Cannot parse access token");
    return;
  }
  if (expired(r->sb, user)) {
    expired_error(r, user);
    return;
  }
  token_answer(r, new_token(r->sb, DYN_FB_USER_LONG, SBX_TOKEN_LONG_LIVED));
}

/* GET /me/accounts with an issued user token: both Pages, each with a
 * Page token of its own (kept, so asking again gives the same one). */
static void
fb_accounts(struct sbx_req *r, struct dyn_token *user)
{
  static const char *const allowed[] = {
    "id", "name", "access_token", "category", "tasks",
    "instagram_business_account", NULL
  };
  static const char *const ids[] = { SBX_PAGE_ID_1, SBX_PAGE2_ID };
  static const char *const names[] = { SBX_PAGE_NAME, SBX_PAGE2_NAME };
  struct sbx_fields *f = NULL;
  json_t *data;
  char uv[80];

  if (!is_get(r)) {
    sbx_err_unsupported(r, "me");
    return;
  }
  if (expired(r->sb, user)) {
    expired_error(r, user);
    return;
  }
  snprintf(uv, sizeof(uv), "%s", user->value);
  if (sbx_req_fields(r, "name,access_token,category,id,tasks", &f) != 0)
    return;
  if (sbx_fields_check(r, f, allowed, "Page") != 0)
    goto out;
  data = json_array();
  for (int p = 0; p < 2; p++) {
    json_t *o = json_object();
    for (size_t i = 0; i < f->n; i++) {
      const char *n = f->v[i].name;
      if (strcmp(n, "id") == 0) {
        json_object_set_new(o, n, json_string(ids[p]));
      } else if (strcmp(n, "name") == 0) {
        json_object_set_new(o, n, json_string(names[p]));
      } else if (strcmp(n, "access_token") == 0) {
        /* new_token may drop the oldest entry: find the user again. */
        struct dyn_token *u = find_token(r->sb, uv);
        if (u != NULL && u->page[p][0] == '\0') {
          int64_t ttl = u->kind == DYN_FB_USER_LONG ? 0
                        : u->expires - world_now(&r->sb->world);
          char pv[80];
          snprintf(pv, sizeof(pv), "%s",
                   new_token(r->sb, DYN_FB_PAGE, ttl)->value);
          if ((u = find_token(r->sb, uv)) != NULL)
            snprintf(u->page[p], sizeof(u->page[p]), "%s", pv);
        }
        if (u == NULL)
          continue;
        json_object_set_new(o, n, json_string(u->page[p]));
      } else if (strcmp(n, "category") == 0) {
        json_object_set_new(o, n, json_string(p == 0 ? "Arts & crafts store"
                                                     : "Shopping & retail"));
      } else if (strcmp(n, "tasks") == 0) {
        json_object_set_new(o, n, json_pack("[s,s,s,s,s,s]", "ANALYZE",
                                            "ADVERTISE", "MESSAGING",
                                            "MODERATE", "CREATE_CONTENT",
                                            "MANAGE"));
      } else if (p == 0) { /* instagram_business_account */
        const struct sbx_fields *sub = f->v[i].sub;
        json_t *ig = json_pack("{s:s}", "id", SANDBOX_IG_USER_ID);
        if (sub != NULL && sbx_fields_get(sub, "username") != NULL)
          json_object_set_new(ig, "username",
                              json_string(SANDBOX_IG_USERNAME));
        json_object_set_new(o, n, ig);
      }
    }
    json_array_append_new(data, o);
  }
  r->resp = json_pack("{s:o,s:{s:{s:s,s:s}}}", "data", data, "paging",
                      "cursors", "before", "MTAwMDAwMDAwMDAwMDAx",
                      "after", "MTAwMDAwMDAwMDAwMDAy");
out:
  sbx_fields_free(f);
}

int
sbx_route_oauth(struct sbx_req *r, const char *token)
{
  const char *p = r->path;
  struct dyn_token *t = find_token(r->sb, token);

  if (p == NULL)
    return 0;
  if (strcmp(p, "oauth/authorize") == 0 && is_get(r)) {
    dialog(r, 0);
    return 1;
  }
  if (strcmp(p, "dialog/oauth") == 0 && is_get(r)) {
    dialog(r, 1);
    return 1;
  }
  if (strcmp(p, "oauth/access_token") == 0) {
    if (strcmp(r->method, "POST") == 0 && token == NULL) {
      ig_code_exchange(r);
      return 1;
    }
    if (is_get(r) && sbx_param(r, "code") != NULL) {
      fb_token(r, NULL);
      return 1;
    }
    t = find_token(r->sb, sbx_param(r, "fb_exchange_token"));
    if (is_get(r) && t != NULL) {
      fb_token(r, t);
      return 1;
    }
    return 0;
  }
  if (t == NULL)
    return 0;
  if (strcmp(p, "access_token") == 0 ||
      strcmp(p, "refresh_access_token") == 0) {
    ig_token(r, t, p[0] == 'r');
    return 1;
  }
  if (strcmp(p, "me/accounts") == 0 && (t->kind == DYN_FB_USER_SHORT ||
                                        t->kind == DYN_FB_USER_LONG)) {
    fb_accounts(r, t);
    return 1;
  }
  return 0;
}
