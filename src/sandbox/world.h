/* SPDX-License-Identifier: MIT */
/*
 * world.h: the sandbox's world model, an Instagram professional account
 * with its Direct inbox, built deterministically from a seed.
 *
 * A struct world owns everything it points to: users, conversations and
 * their messages are allocated by world_build and the mutators below, and
 * released by world_free.  Users and conversations are held through arrays
 * of pointers, so a struct world_user * or struct world_conv * stays valid
 * until world_free; a struct world_msg * is only valid until the next
 * message is appended to its conversation.  Nothing here locks: the
 * sandbox holds its mutex around every use of the world.
 *
 * Times are unix seconds on the sandbox clock, which is the wall clock plus
 * an offset the admin API can move.
 */
#ifndef IGMCP_SANDBOX_WORLD_H
#define IGMCP_SANDBOX_WORLD_H

#include <stddef.h>
#include <stdint.h>

/* How many of a conversation's newest messages expose their details. */
#define WORLD_DETAIL_WINDOW 20
#define WORLD_WINDOW_STANDARD (24 * 3600)
#define WORLD_WINDOW_HUMAN_AGENT (7 * 24 * 3600)

enum world_att_type {
  WATT_IMAGE = 1,
  WATT_VIDEO,
  WATT_AUDIO,
  WATT_FILE,
  WATT_SHARE,          /* a shared post or reel: only its media URL */
  WATT_STORY_MENTION,  /* the user mentioned us in their story */
  WATT_STORY_REPLY,    /* the user replied to our story */
  WATT_LIKE_HEART,     /* the heart sticker */
};

struct world_att {
  enum world_att_type type;
  char *url;
  char *story_id;      /* story attachments only */
  int width, height;   /* images and videos */
};

struct world_msg {
  char *mid;
  int64_t created;
  int from_us;         /* 1: sent by our account, 0: by the user */
  char *text;          /* NULL for attachment-only messages */
  struct world_att *att;
  size_t natt;
  char *reply_mid;     /* the message this one replies to, or NULL */
  int reply_self;      /* the reply targets a message of the same sender */
  char *reaction;      /* an emoji reaction on this message, or NULL */
  int reaction_by_us;  /* who reacted: 1 us, 0 the user */
  int unsupported;     /* a message type the API does not expose */
};

struct world_user {
  char *id;            /* IGSID: 16-17 digits */
  char *username;
  char *name;          /* profile name, may be non-Latin */
  int follower_count;
  int follows_us;
  int we_follow;
};

struct world_conv {
  char *id;            /* base64 thread id, ^[A-Za-z0-9_-]+$ */
  char *thread_key;    /* the decimal thread key inside id */
  size_t user;         /* index into world.users */
  char folder[16];     /* inbox, other (requests) or spam */
  struct world_msg *msgs; /* oldest first */
  size_t nmsgs;
  size_t capmsgs;
  int unread;
};

struct world {
  uint64_t seed;
  uint64_t rng;
  int64_t offset;      /* sandbox clock minus wall clock, seconds */
  struct world_user **users;
  size_t nusers;
  struct world_conv **convs;
  size_t nconvs;
  uint64_t seq;        /* feeds ids of messages and users made later */
  /* Per-domain state, each owned by its own file (world_<domain>.c). */
  struct world_media *media;     /* media, comments, mentions, insights */
  struct world_pub *pub;         /* containers, publishing quota */
  struct world_tags *tags;       /* hashtags, search budget */
  struct world_profile *profile; /* messenger profile, app, tokens */
};

/* Domain hooks, called by world_build (after the conversations exist) and
 * world_free.  Each builds its part deterministically from w->rng. */
void world_media_build(struct world *w, int64_t now);
void world_media_free(struct world *w);
void world_pub_build(struct world *w, int64_t now);
void world_pub_free(struct world *w);
void world_tags_build(struct world *w, int64_t now);
void world_tags_free(struct world *w);
void world_profile_build(struct world *w, int64_t now);
void world_profile_free(struct world *w);

/* Builds the seeded world around the instant now (sandbox clock), after
 * releasing whatever w held.  seed 0 means the default seed.  w must be
 * zeroed or previously built. */
void world_build(struct world *w, uint64_t seed, int64_t now);
void world_free(struct world *w);

/* The sandbox clock. */
int64_t world_now(const struct world *w);

/* The world's deterministic generator (splitmix64 on w->rng): the next
 * number, and one in [lo, hi]. */
uint64_t world_rng_next(struct world *w);
long world_rng_range(struct world *w, long lo, long hi);

/* Lookups; they return borrowed pointers or NULL. */
struct world_conv *world_conv_by_id(const struct world *w, const char *id);
struct world_conv *world_conv_by_user(const struct world *w,
                                      const char *igsid);
struct world_user *world_user_by_id(const struct world *w, const char *igsid);
struct world_user *world_user_by_name(const struct world *w,
                                      const char *username);
/* Finds a message anywhere; sets *conv and *idx (oldest-first index). */
int world_find_msg(const struct world *w, const char *mid,
                   struct world_conv **conv, size_t *idx);
/* Index of a message within one conversation, or -1. */
long world_msg_index(const struct world_conv *c, const char *mid);

/* Time of the user's last message in c, 0 when the user never wrote. */
int64_t world_last_inbound(const struct world_conv *c);
/* Time of the newest message in c. */
int64_t world_updated(const struct world_conv *c);
/* 1 when the message at oldest-first index idx is among the newest
 * WORLD_DETAIL_WINDOW of its conversation. */
int world_detail_ok(const struct world_conv *c, size_t idx);

/* Fills out (w->nconvs entries) with the indices of the conversations in
 * folder (all folders when NULL), newest updated first; returns how many. */
size_t world_sorted(const struct world *w, const char *folder, size_t *out);

/* Appends an empty message to c with a fresh mid, created at t, and
 * returns it (valid until the next append to c). */
struct world_msg *world_append(struct world *w, struct world_conv *c,
                               int from_us, int64_t t);
/* Adds an attachment to m; url is copied. */
void world_msg_attach(struct world_msg *m, enum world_att_type type,
                      const char *url);
/* Creates a user and their conversation in folder; returns the
 * conversation. username is copied. */
struct world_conv *world_add_user(struct world *w, const char *username,
                                  const char *folder);
/* A CDN URL in lookaside.fbsbx.com's shape; the caller frees it. */
char *world_cdn_url(struct world *w);

/* Counts for the admin state: all messages, and conversations in the
 * "other" (requests) folder. */
size_t world_count_msgs(const struct world *w);
size_t world_count_folder(const struct world *w, const char *folder);

/* Name of an attachment type as the admin API and webhooks spell it, and
 * the reverse (0 for an unknown name). */
const char *world_att_name(enum world_att_type t);
enum world_att_type world_att_parse(const char *name);

#endif
