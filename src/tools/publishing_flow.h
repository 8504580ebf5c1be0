/* SPDX-License-Identifier: MIT */
/*
 * publishing_flow.h: the steps of Instagram's two-step publishing, shared
 * by the publishing tools: finding the IG user that owns media, creating
 * a container, reading its status, waiting for it and publishing it
 * without ever publishing twice.
 *
 * Every function takes the tool's struct call and struct result; on
 * failure it has filled r with the explanation and returns -1.  Waits
 * sleep in small slices and stop as soon as the client cancels.
 */
#ifndef IGMCP_TOOLS_PUBLISHING_FLOW_H
#define IGMCP_TOOLS_PUBLISHING_FLOW_H

#include <jansson.h>

#include "tools/tool.h"

/* How long to wait for a container, from max_wait_seconds and
 * poll_interval_seconds. */
struct pub_wait {
  double max_wait_s;     /* 0: no status check before publishing */
  double interval_s;     /* between status checks */
};

/* The IG user id media is created on: the configured user id, or with
 * Facebook Login and user id "me", the Page's instagram_business_account.
 * out holds at least 64 bytes. */
int pub_owner(struct call *c, struct result *r, char *out, size_t len);

/* POST /{owner}/media with params (NULL-terminated); the container id
 * goes to id (64 bytes). */
int pub_create(struct call *c, struct result *r, const char *owner,
               const struct graph_param *params, char *id, size_t len);

/* GET /{container}?fields=id,status_code,status.  On success *out holds
 * Meta's answer (owned by the caller). */
int pub_status(struct call *c, struct result *r, const char *id,
               json_t **out);

/* Polls a container until FINISHED (0), with a progress notification per
 * poll.  Returns 1 when it is already PUBLISHED, -1 with r filled when it
 * is ERROR or EXPIRED, the wait ran out or the client cancelled. */
int pub_wait_ready(struct call *c, struct result *r, const char *id,
                   const struct pub_wait *w);

/* Waits for the container, publishes it and reports the quota: fills r
 * with {container_id, media_id?, status_code, already_published, quota?,
 * note?}.  A media_publish that failed in a way that may have gone
 * through is followed by a status check, and a PUBLISHED container ends
 * the call as a success: a post is never published twice.  9007 (not
 * ready) backs off and polls again within max_wait. */
int pub_publish(struct call *c, struct result *r, const char *owner,
                const char *id, const struct pub_wait *w);

/* Sleeps ms in slices; returns -1 (r filled) when the client cancelled. */
int pub_sleep(struct call *c, struct result *r, long ms);

#endif
