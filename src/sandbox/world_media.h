/* SPDX-License-Identifier: MIT */
/*
 * world_media.h: the sandbox world's media part: the account's posts,
 * reels, carousels and stories, their comments and replies, media by other
 * accounts that tag or mention us, live media and collaboration invites.
 *
 * The part lives in struct world's `media` pointer; world_media_build
 * creates it deterministically from w->rng and world_media_free releases
 * it.  Items are held through arrays of pointers, so a struct
 * world_media_item * or struct world_comment * stays valid until
 * world_free (deleting an item only marks it deleted).  Nothing here
 * locks: the sandbox holds its mutex around every use of the world.
 * Times are unix seconds on the sandbox clock.
 */
#ifndef IGMCP_SANDBOX_WORLD_MEDIA_H
#define IGMCP_SANDBOX_WORLD_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "world.h"

/* Stories are listed by /stories for this long after they were posted. */
#define WORLD_STORY_TTL (24 * 3600)
/* A comment accepts one private reply within this long. */
#define WORLD_PRIVATE_REPLY_WINDOW (7 * 24 * 3600)

/* Who owns a media item. */
enum world_media_owner {
  WMO_US = 0,          /* our account: listed by /media or /stories */
  WMO_TAGGED,          /* another account's media that tags us (/tags) */
  WMO_MENTION,         /* another account's media whose caption @mentions us */
  WMO_CHILD,           /* a carousel child (owned by us, not listed) */
  WMO_COLLAB,          /* another account's media behind an invite */
};

struct world_media_item {
  char *id;                 /* 17-18 digits */
  char *media_type;         /* IMAGE | VIDEO | CAROUSEL_ALBUM */
  char *media_product_type; /* FEED | REELS | STORY | AD */
  char *caption;            /* may be NULL */
  char *media_url;
  char *thumbnail_url;      /* videos only, else NULL */
  char *permalink;
  char *shortcode;
  int64_t timestamp;
  int like_count;
  int comments_count;       /* live comments, kept in step by the mutators */
  int is_comment_enabled;
  char **children;          /* child media ids (carousels) */
  size_t nchildren;
  /* Extras. */
  enum world_media_owner owner;
  char *owner_id;           /* the owning account's IG id */
  char *username;           /* the owning account's username */
  char *parent_id;          /* carousel children: the album's id */
  int deleted;
  int view_count;           /* reels: plays, used by insights */
};

struct world_comment {
  char *id;                 /* 17-18 digits */
  char *media_id;
  char *parent_id;          /* replies: the top-level comment, else NULL */
  char *text;
  char *username;           /* the author */
  char *user_id;            /* the author's IG id */
  int64_t timestamp;
  int like_count;
  int hidden;
  int deleted;
  int from_us;              /* written by our account */
  int private_replied;      /* a private reply was sent to it */
  int mentions_us;          /* the text @mentions our account */
};

struct world_collab_invite {
  char *media_id;           /* the inviting account's media */
  char *media_owner_username;
  char *caption;
  char *media_url;
  char *status;             /* pending | accepted | declined */
};

/* Media: all items (ours, children, others'), including deleted ones. */
struct world_media_item *world_media_find(struct world *w, const char *id);
/* Adds one of our media items (copies the strings), newest first; returns
 * it.  The id is generated (17-18 digits); children are existing media
 * ids, which become the album's children (their parent_id is set). */
struct world_media_item *world_media_add(struct world *w,
                                         const char *media_type,
                                         const char *product_type,
                                         const char *caption,
                                         const char *media_url,
                                         int64_t timestamp,
                                         const char *const *children,
                                         size_t nchildren);
/* Adds a carousel child (not listed by /media) and returns it; the caller
 * then passes its id to world_media_add. */
struct world_media_item *world_media_add_child(struct world *w,
                                               const char *media_type,
                                               const char *media_url,
                                               int64_t timestamp);
/* Every item in storage order (newest first for ours), deleted included;
 * check ->owner and ->deleted. */
size_t world_media_count(struct world *w);
struct world_media_item *world_media_at(struct world *w, size_t i);

/* Our account's IG user id and username (the world's account). */
const char *world_media_account_id(struct world *w);
const char *world_media_account_username(struct world *w);

/* Comments, in storage order (oldest first); deleted included. */
struct world_comment *world_comment_find(struct world *w, const char *id);
size_t world_comment_count(struct world *w);
struct world_comment *world_comment_at(struct world *w, size_t i);
/* Adds a comment (parent_id NULL) or reply to media_id at time t, by us
 * when username is NULL; bumps the media's comments_count. */
struct world_comment *world_comment_add(struct world *w, const char *media_id,
                                        const char *parent_id,
                                        const char *username,
                                        const char *text, int64_t t);

/* Collaboration invites sent to us, in seed order. */
size_t world_collab_count(struct world *w);
struct world_collab_invite *world_collab_at(struct world *w, size_t i);

#endif
