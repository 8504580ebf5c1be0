/* SPDX-License-Identifier: MIT */
/*
 * routes_perms.c: the permissions the sandbox's tokens were granted, as
 * /debug_token's scopes and GET /me/permissions (graph.facebook.com)
 * report them, and as the routes enforce them.
 *
 * Every scope is granted until the admin API revokes one
 * ({"kind":"revoke_scope","scope":"instagram_manage_messages"} on
 * /__sandbox/faults; DELETE /__sandbox/faults and reset grant them all
 * again).  A revoked Page-token scope shows as "declined" in
 * /me/permissions and is missing from debug_token's scopes.  A revoked
 * scope of either login also makes the edges of its tool group answer
 * Meta's (#10) "Application does not have permission for this action":
 * conversations and messages (manage_messages), content_publishing_limit
 * and media_publish (content_publish), comments and replies
 * (manage_comments), insights (manage_insights).  GET /debug_token also
 * takes the app access token "<app-id>|<app-secret>", as Meta documents
 * it (sbx_route_app_token).  Meta's shape of the
 * permissions edge: {"data":[{"permission":"instagram_basic",
 * "status":"granted"}, ...]}.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/crypto.h"
#include "../base/xalloc.h"
#include "sbx.h"

/* The Page token's scopes first (SBX_FB_SCOPES of them), then the
 * Instagram Login token's. */
static const char *const sbx_fb_scopes[] = {
  "instagram_basic", "instagram_manage_messages",
  "instagram_manage_comments", "instagram_content_publish",
  "instagram_manage_insights", "pages_show_list", "pages_read_engagement",
  "pages_manage_metadata",
  "instagram_business_basic", "instagram_business_manage_messages",
  "instagram_business_manage_comments",
  "instagram_business_content_publish",
  "instagram_business_manage_insights", NULL
};
#define SBX_FB_SCOPES 8

int
sbx_scope_index(const char *name)
{
  for (int i = 0; name != NULL && sbx_fb_scopes[i] != NULL; i++)
    if (strcmp(sbx_fb_scopes[i], name) == 0)
      return i;
  return -1;
}

json_t *
sbx_scopes_granted(const struct sandbox *sb)
{
  json_t *a = json_array();

  for (int i = 0; i < SBX_FB_SCOPES; i++)
    if ((sb->revoked_scopes & (1u << i)) == 0)
      json_array_append_new(a, json_string(sbx_fb_scopes[i]));
  return a;
}

/* GET /me/permissions (or /{page-id}/permissions) with the Page token. */
int
sbx_route_permissions(struct sbx_req *r, const char *obj, const char *edge,
                      const char *rest)
{
  json_t *data;

  if (r->host != SBX_HOST_FB || edge == NULL ||
      strcmp(edge, "permissions") != 0 || rest != NULL ||
      (strcmp(obj, "me") != 0 && strcmp(obj, SANDBOX_PAGE_ID) != 0))
    return 0;
  if (strcmp(r->method, "GET") != 0) {
    sbx_err_unsupported(r, obj);
    return 1;
  }
  data = json_array();
  for (int i = 0; i < SBX_FB_SCOPES; i++)
    json_array_append_new(
        data, json_pack("{s:s,s:s}", "permission", sbx_fb_scopes[i],
                        "status", (r->sb->revoked_scopes & (1u << i)) != 0
                                      ? "declined" : "granted"));
  r->resp = json_pack("{s:o}", "data", data);
  return 1;
}

/* The edges of each tool group and the index of the group's scope in
 * sbx_fb_scopes for the Page token (fb) and the Instagram Login one (ig). */
static const struct {
  const char *edge;
  int fb, ig;
} guarded[] = {
  { "conversations", 1, 9 }, { "messages", 1, 9 },
  { "comments", 2, 10 }, { "replies", 2, 10 },
  { "content_publishing_limit", 3, 11 }, { "media_publish", 3, 11 },
  { "insights", 4, 12 },
};

int
sbx_scope_denied(struct sbx_req *r, const char *edge)
{
  if (edge == NULL || r->sb->revoked_scopes == 0)
    return 0;
  for (size_t i = 0; i < sizeof(guarded) / sizeof(guarded[0]); i++) {
    size_t n = strlen(guarded[i].edge);
    int bit = r->tok == SBX_TOK_IG ? guarded[i].ig : guarded[i].fb;
    if (strncmp(edge, guarded[i].edge, n) != 0 ||
        (edge[n] != '\0' && edge[n] != '/'))
      continue;
    if ((r->sb->revoked_scopes & (1u << bit)) == 0)
      return 0;
    sbx_error(r, 400, SBX_ET_HOST, 10, 0, "(#10) Application does not have "
              "permission for this action");
    return 1;
  }
  return 0;
}

int
sbx_route_app_token(struct sbx_req *r, const char *token)
{
  char *app_token;
  int is_app;

  if (r->path == NULL || strcmp(r->path, "debug_token") != 0 ||
      token == NULL || strcmp(r->method, "GET") != 0)
    return 0;
  app_token = xasprintf("%s|%s", SANDBOX_APP_ID, r->sb->app_secret);
  is_app = strlen(token) == strlen(app_token) &&
           crypto_memeq(token, app_token, strlen(app_token));
  free(app_token);
  if (!is_app)
    return 0;
  sbx_debug_token(r);
  return 1;
}
