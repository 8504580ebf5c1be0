/* SPDX-License-Identifier: MIT */
/*
 * routes_tags.c: the sandbox's hashtag search.  Not emulated yet: the router
 * owns nothing and the world part is empty.
 */
#include "sbx.h"

void
world_tags_build(struct world *w, int64_t now)
{
  (void)w;
  (void)now;
}

void
world_tags_free(struct world *w)
{
  (void)w;
}

int
sbx_route_tags(struct sbx_req *r, const char *obj, const char *edge,
               const char *rest)
{
  (void)r;
  (void)obj;
  (void)edge;
  (void)rest;
  return 0;
}
