/* SPDX-License-Identifier: MIT */
/*
 * routes_profile.c: the sandbox's messenger profile, app and token endpoints.  Not emulated yet: the router
 * owns nothing and the world part is empty.
 */
#include "sbx.h"

void
world_profile_build(struct world *w, int64_t now)
{
  (void)w;
  (void)now;
}

void
world_profile_free(struct world *w)
{
  (void)w;
}

int
sbx_route_profile(struct sbx_req *r, const char *obj, const char *edge,
                  const char *rest)
{
  (void)r;
  (void)obj;
  (void)edge;
  (void)rest;
  return 0;
}
