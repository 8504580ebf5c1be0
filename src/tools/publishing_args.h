/* SPDX-License-Identifier: MIT */
/*
 * publishing_args.h: from the arguments of ig_publish and
 * ig_create_container to container parameters: the kinds, which fields
 * each kind takes, the per-container rules (publishing_rules.h has Meta's
 * limits) and the Graph parameters they become.  Every check fills the
 * tool's struct result and returns -1, naming the field and the kind.
 */
#ifndef IGMCP_TOOLS_PUBLISHING_ARGS_H
#define IGMCP_TOOLS_PUBLISHING_ARGS_H

#include <jansson.h>
#include <stddef.h>

#include "tools/publishing_flow.h"
#include "tools/tool.h"

#define PUB_MAX_PARAMS 24

/* A container as Meta sees it. */
enum kind { K_IMAGE, K_REELS, K_STORIES, K_ITEM_IMAGE, K_ITEM_VIDEO };

/* The kinds a caller names in the kind argument, as bits, so that a field
 * can say which kinds take it. */
enum {
  PK_IMAGE = 1 << 0,
  PK_REEL = 1 << 1,
  PK_STORY = 1 << 2,
  PK_CAROUSEL = 1 << 3,
  PK_ITEM = 1 << 4, /* carousel_item: ig_create_container only */
  PK_AUTO = 1 << 5, /* auto: the old ig_create_media_container */
};
#define PK_PUBLISH (PK_IMAGE | PK_REEL | PK_STORY | PK_CAROUSEL)
#define PK_CONTAINER (PK_PUBLISH | PK_ITEM | PK_AUTO)

/* Graph parameters being built, with the strings they own. */
struct params {
  struct graph_param p[PUB_MAX_PARAMS + 1];
  size_t n;
  char *owned[PUB_MAX_PARAMS];
  size_t nowned;
};

/* Appends k=v (v borrowed; ignored when NULL or full). */
void pub_push(struct params *ps, const char *k, const char *v);
/* Appends k=v and takes v. */
void pub_push_owned(struct params *ps, const char *k, char *v);
void pub_params_free(struct params *ps);

/* The kind argument as a PK_ bit (the schema's enum has vetted it). */
unsigned pub_kind_arg(const json_t *a);
/* The container an explicit kind makes (not carousel, not auto). */
enum kind pub_kind_of(unsigned pk, const json_t *a);
/* kind auto: the container the old ig_create_media_container made. */
int pub_auto_kind(const json_t *a, struct result *r, enum kind *k);
/* Meta's media_type name of a container kind. */
const char *pub_kind_name(enum kind k);
/* Every field given is one the kind takes, and its media URL is there;
 * tool_kinds say where a misplaced field belongs. */
int pub_check_kind(const json_t *a, unsigned pk, unsigned tool_kinds,
                   struct result *r);
/* Local rules for one container's arguments. */
int pub_check_args(const json_t *a, enum kind k, struct result *r);
/* The checks of one new carousel item, items[i]. */
int pub_check_item(const json_t *v, size_t i, struct result *r);
/* The Graph parameters of one container from checked arguments. */
void pub_build_params(const json_t *a, enum kind k, struct params *ps);
/* max_wait_seconds (def_wait_s when absent) and poll_interval_seconds. */
void pub_wait_args(const json_t *a, struct pub_wait *w, int def_wait_s);

#endif
