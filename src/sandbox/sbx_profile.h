/* SPDX-License-Identifier: MIT */
/*
 * sbx_profile.h: the profile domain's world part, shared by
 * routes_profile.c (messenger profile, world part, router) and
 * routes_auth.c (tokens, debug_token, app, Pages, business discovery).
 */
#ifndef IGMCP_SANDBOX_SBX_PROFILE_H
#define IGMCP_SANDBOX_SBX_PROFILE_H

#include <jansson.h>
#include <stdint.h>

#include "sbx.h"

/* The sandbox's app (GET /app, debug_token, client_id). */
#define SBX_APP_ID SANDBOX_APP_ID
#define SBX_APP_NAME "igmcp sandbox app"
/* A second Page of the Facebook user, without an Instagram account. */
#define SBX_PAGE2_ID "100000000000002"
#define SBX_PAGE2_NAME "Sandbox Studio Outlet"
/* Token lifetimes, seconds. */
#define SBX_TOKEN_LONG_LIVED (60L * 24 * 3600)
#define SBX_DATA_ACCESS (90L * 24 * 3600)

struct world_profile {
  json_t *ig;               /* Instagram messenger profile: set properties */
  json_t *msgr;             /* the Page's Messenger profile (no platform) */
  int64_t issued[2];        /* per sbx_token_kind: when the token was issued */
  int64_t expires[2];       /* when it expires, 0 for never */
};

/* Token endpoints, debug_token, /app, /me/accounts, the second Page and
 * business discovery.  Same contract as sbx_route_profile. */
int sbx_route_auth(struct sbx_req *r, const char *obj, const char *edge,
                   const char *rest);

#endif
