/* SPDX-License-Identifier: MIT */
/*
 * routes_perms.c: the permissions the sandbox's Page token was granted,
 * as /debug_token's scopes and GET /me/permissions (graph.facebook.com)
 * report them.
 *
 * Every scope of sbx_fb_scopes is granted until the admin API revokes one
 * ({"kind":"revoke_scope","scope":"instagram_manage_messages"} on
 * /__sandbox/faults; DELETE /__sandbox/faults and reset grant them all
 * again).  A revoked scope then shows as "declined" in /me/permissions
 * and is missing from debug_token's scopes; the routes themselves do not
 * enforce it (Meta answers (#10) or (#200) there).  Meta's shape:
 * {"data":[{"permission":"instagram_basic","status":"granted"}, ...]}.
 */
#include <string.h>

#include "sbx.h"

static const char *const sbx_fb_scopes[] = {
  "instagram_basic", "instagram_manage_messages",
  "instagram_manage_comments", "instagram_content_publish",
  "instagram_manage_insights", "pages_show_list", "pages_read_engagement",
  "pages_manage_metadata", NULL
};

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

  for (int i = 0; sbx_fb_scopes[i] != NULL; i++)
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
  for (int i = 0; sbx_fb_scopes[i] != NULL; i++)
    json_array_append_new(
        data, json_pack("{s:s,s:s}", "permission", sbx_fb_scopes[i],
                        "status", (r->sb->revoked_scopes & (1u << i)) != 0
                                      ? "declined" : "granted"));
  r->resp = json_pack("{s:o}", "data", data);
  return 1;
}
