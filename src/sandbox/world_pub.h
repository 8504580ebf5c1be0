/* SPDX-License-Identifier: MIT */
/*
 * world_pub.h: the sandbox world's publishing part: media containers and
 * the publishing quota.
 *
 * The part lives in struct world's `pub` pointer; world_pub_build creates
 * it empty (default quota 100 posts per 24 hours) and world_pub_free
 * releases it.  Containers are held through an array of pointers, so a
 * struct world_container * stays valid until world_free.  A container's
 * status is not stored: world_pub_status works it out from the sandbox
 * clock (videos finish some time after creation, everything unpublished
 * expires after 24 hours).  Nothing here locks: the sandbox holds its
 * mutex around every use of the world.
 */
#ifndef IGMCP_SANDBOX_WORLD_PUB_H
#define IGMCP_SANDBOX_WORLD_PUB_H

#include <stddef.h>
#include <stdint.h>

#include "world.h"

#define WORLD_PUB_QUOTA_DEFAULT 100
#define WORLD_PUB_QUOTA_WINDOW (24 * 3600)
#define WORLD_PUB_EXPIRY (24 * 3600)
/* Sandbox seconds a video container stays IN_PROGRESS, and for a
 * video_url containing "slow". */
#define WORLD_PUB_VIDEO_SECONDS 20
#define WORLD_PUB_SLOW_SECONDS 600

enum world_pub_kind {
  WPK_IMAGE = 1,   /* feed image, or image carousel item */
  WPK_VIDEO,       /* video carousel item */
  WPK_REELS,
  WPK_STORIES,     /* image or video story (see is_video) */
  WPK_CAROUSEL,
};

enum world_pub_status {
  WPS_IN_PROGRESS = 0,
  WPS_FINISHED,
  WPS_ERROR,
  WPS_EXPIRED,
  WPS_PUBLISHED,
};

struct world_container {
  char *id;                 /* 17-18 digits */
  enum world_pub_kind kind;
  int is_carousel_item;
  int is_video;             /* fed by a video_url */
  char *media_url;          /* image_url or video_url */
  char *caption;            /* NULL when none */
  char **children;          /* carousel: child container ids, in order */
  size_t nchildren;
  int64_t created;
  int64_t ready_at;         /* FINISHED (or ERROR) from this instant */
  int fails;                /* processing ends in ERROR */
  int lose_answer;          /* publish answers 500 once, after publishing */
  int in_carousel;          /* a child already used by a carousel */
  char *media_id;           /* set once published */
  int64_t published_at;
};

struct world_pub {
  struct world_container **v;
  size_t n, cap;
  int64_t *pubs;            /* publish times, oldest first (quota) */
  size_t npubs, cappubs;
  long quota_total;         /* posts per quota_duration */
  long quota_duration;      /* seconds */
};

/* The container with this id, or NULL. */
struct world_container *world_pub_find(struct world *w, const char *id);
/* Adds a container created at now with a fresh id; media_url and caption
 * are copied (either may be NULL).  The caller sets children and the
 * flags; ready_at is now for images and now + the video delay for
 * videos (longer when media_url contains "slow"). */
struct world_container *world_pub_add(struct world *w,
                                      enum world_pub_kind kind,
                                      int is_video, const char *media_url,
                                      const char *caption, int64_t now);
/* Sets a carousel's children (ids copied). */
void world_pub_set_children(struct world_container *c,
                            const char *const *ids, size_t n);
/* The status of c at the sandbox instant now. */
enum world_pub_status world_pub_status(struct world *w,
                                       const struct world_container *c,
                                       int64_t now);
/* Meta's status_code and status strings for a status. */
const char *world_pub_status_code(enum world_pub_status s);
const char *world_pub_status_text(enum world_pub_status s);
/* Publishes made in (now - quota_duration, now] and at or after since
 * (0 for no lower bound). */
long world_pub_usage(struct world *w, int64_t now, int64_t since);
/* Records a publish at t. */
void world_pub_record(struct world *w, int64_t t);
/* Sets the quota (posts per 24 hours); for an admin control. */
void world_pub_set_quota(struct world *w, long total);

#endif
