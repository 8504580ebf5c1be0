/* SPDX-License-Identifier: MIT */
/*
 * insights.h: the sandbox's insights routes (routes_insights.c).
 *
 * There is no router hook of its own for insights: sbx_route_tags
 * (routes_tags.c) calls sbx_route_insights first, so routes.c needs no
 * change.  Same contract as the other domain routers in sbx.h: called with
 * the mutex held, returns 1 when it owns the request (response filled),
 * 0 otherwise (nothing touched).
 */
#ifndef IGMCP_SANDBOX_INSIGHTS_H
#define IGMCP_SANDBOX_INSIGHTS_H

#include "sbx.h"

int sbx_route_insights(struct sbx_req *r, const char *obj, const char *edge,
                       const char *rest);

#endif
