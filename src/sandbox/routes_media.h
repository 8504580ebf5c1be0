/* SPDX-License-Identifier: MIT */
/*
 * routes_media.h: what the media and comments routes share (sandbox
 * internal): JSON renderers for media and comments, and the comment
 * router.
 */
#ifndef IGMCP_SANDBOX_ROUTES_MEDIA_H
#define IGMCP_SANDBOX_ROUTES_MEDIA_H

#include "sbx.h"
#include "world_media.h"

/* Meta's node type names, used in unknown-field errors. */
#define SBX_NT_MEDIA "IGMedia"
#define SBX_NT_COMMENT "IGComment"

extern const char *const sbx_media_fields[];
extern const char *const sbx_comment_fields[];

/* ISO-8601 time as Meta writes it. */
json_t *sbx_media_iso(int64_t t);
/* One media item with fields f (already checked); NULL with the error set
 * when a nested list fails. */
json_t *sbx_media_json(struct sbx_req *r, struct world_media_item *it,
                       const struct sbx_fields *f);
/* One comment with fields f (already checked); NULL with the error set. */
json_t *sbx_comment_json(struct sbx_req *r, struct world_comment *c,
                         const struct sbx_fields *f);
/* A page of media's top-level comments (top: the /comments edge itself,
 * else nested in the media). */
json_t *sbx_comments_page(struct sbx_req *r, struct world_media_item *it,
                          const struct sbx_field *fd, long limit, int top);
/* 1 when media or comment is gone or not ours to see directly. */
int sbx_media_visible(const struct world_media_item *it);

/* routes_comments.c: comment nodes, /comments and /replies, mentions and
 * private replies.  Same contract as the domain routers. */
int sbx_route_comments(struct sbx_req *r, const char *obj, const char *edge,
                       const char *rest);

/* routes_mentions.c: the account's mention fields (0 when fields names
 * none), private replies (0 when the recipient is not a comment) and
 * POST /{ig-user}/mentions. */
int sbx_media_mentions(struct sbx_req *r);
int sbx_media_private_reply(struct sbx_req *r);
void sbx_media_post_mentions(struct sbx_req *r);

#endif
