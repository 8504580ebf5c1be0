/* SPDX-License-Identifier: MIT */
/*
 * publishing_args.c: the arguments of ig_publish and ig_create_container
 * checked and turned into container parameters (publishing_args.h).
 */
#include "tools/publishing_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "tools/publishing_rules.h"

static const struct {
  const char *name;
  unsigned bit;
} kind_names[] = {
  { "image", PK_IMAGE },        { "reel", PK_REEL },
  { "story", PK_STORY },        { "carousel", PK_CAROUSEL },
  { "carousel_item", PK_ITEM }, { "auto", PK_AUTO },
};

/* The kinds that take each field; these are the fields the old
 * one-purpose tools took.  auto takes what ig_create_media_container
 * took, and leaves the finer rules to check_args as that tool did. */
static const struct {
  const char *name;
  unsigned kinds;
} kind_fields[] = {
  { "image_url", PK_IMAGE | PK_STORY | PK_ITEM | PK_AUTO },
  { "video_url", PK_REEL | PK_STORY | PK_ITEM | PK_AUTO },
  { "caption", PK_IMAGE | PK_REEL | PK_CAROUSEL | PK_AUTO },
  { "user_tags", PK_IMAGE | PK_REEL | PK_STORY | PK_ITEM | PK_AUTO },
  { "location_id", PK_IMAGE | PK_REEL | PK_CAROUSEL | PK_AUTO },
  { "collaborators", PK_IMAGE | PK_REEL | PK_CAROUSEL | PK_AUTO },
  { "alt_text", PK_IMAGE | PK_ITEM | PK_AUTO },
  { "cover_url", PK_REEL | PK_AUTO },
  { "thumb_offset", PK_REEL | PK_AUTO },
  { "share_to_feed", PK_REEL | PK_AUTO },
  { "audio_name", PK_REEL | PK_AUTO },
  { "children", PK_CAROUSEL },
  { "items", PK_CAROUSEL },
  { "media_type", PK_AUTO },
  { "is_carousel_item", PK_AUTO },
};

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

void
pub_push(struct params *ps, const char *k, const char *v)
{
  if (v == NULL || ps->n == PUB_MAX_PARAMS)
    return;
  ps->p[ps->n++] = (struct graph_param){ k, v };
  ps->p[ps->n] = (struct graph_param){ NULL, NULL };
}

void
pub_push_owned(struct params *ps, const char *k, char *v)
{
  ps->owned[ps->nowned++] = v;
  pub_push(ps, k, v);
}

void
pub_params_free(struct params *ps)
{
  for (size_t i = 0; i < ps->nowned; i++)
    free(ps->owned[i]);
  memset(ps, 0, sizeof(*ps));
}

static int
is_image(enum kind k)
{
  return k == K_IMAGE || k == K_ITEM_IMAGE;
}

/* Local rules for one container's arguments; fills r and returns -1 on
 * the first broken one. */
int
pub_check_args(const json_t *a, enum kind k, struct result *r)
{
  static const char *const urls[] = { "image_url", "video_url", "cover_url",
                                      NULL };
  static const char *const reel_only[] = { "cover_url", "thumb_offset",
                                           "share_to_feed", "audio_name",
                                           NULL };
  const json_t *col = json_object_get(a, "collaborators");
  int item = k == K_ITEM_IMAGE || k == K_ITEM_VIDEO;
  char err[400];

  for (size_t i = 0; urls[i] != NULL; i++)
    if (pub_check_url(urls[i], str(a, urls[i]), err, sizeof(err)) != 0)
      goto bad;
  if (str(a, "caption") != NULL && item) {
    snprintf(err, sizeof(err), "caption: carousel items take no caption; "
             "put it on the carousel.");
    goto bad;
  }
  if (pub_check_caption(str(a, "caption"), err, sizeof(err)) != 0 ||
      pub_check_user_tags(json_object_get(a, "user_tags"),
                          k == K_IMAGE || k == K_ITEM_IMAGE, err,
                          sizeof(err)) != 0 ||
      pub_check_alt_text(str(a, "alt_text"), err, sizeof(err)) != 0 ||
      pub_check_collaborator_list(col, err, sizeof(err)) != 0 ||
      pub_check_audio_name(str(a, "audio_name"), err, sizeof(err)) != 0)
    goto bad;
  if (col != NULL && (k == K_STORIES || item)) {
    snprintf(err, sizeof(err), "collaborators: not allowed on stories or "
             "carousel items (only feed images, reels and carousels).");
    goto bad;
  }
  if (str(a, "alt_text") != NULL && !is_image(k)) {
    snprintf(err, sizeof(err), "alt_text: only images take alt text.");
    goto bad;
  }
  if (k != K_REELS)
    for (size_t i = 0; reel_only[i] != NULL; i++)
      if (json_object_get(a, reel_only[i]) != NULL) {
        snprintf(err, sizeof(err), "%s: only reels take it.", reel_only[i]);
        goto bad;
      }
  return 0;
bad:
  return result_errorf(r, "invalid_argument", "%s", err);
}

/* The Graph parameters of one container from validated arguments. */
void
pub_build_params(const json_t *a, enum kind k, struct params *ps)
{
  static const char *const plain[] = { "image_url", "video_url", "caption",
                                       "location_id", "cover_url",
                                       "audio_name", "alt_text", NULL };
  const json_t *v;

  for (size_t i = 0; plain[i] != NULL; i++)
    pub_push(ps, plain[i], str(a, plain[i]));
  switch (k) {
  case K_REELS: pub_push(ps, "media_type", "REELS"); break;
  case K_STORIES: pub_push(ps, "media_type", "STORIES"); break;
  case K_ITEM_VIDEO: pub_push(ps, "media_type", "VIDEO"); /* fallthrough */
  case K_ITEM_IMAGE: pub_push(ps, "is_carousel_item", "true"); break;
  default: break;
  }
  if ((v = json_object_get(a, "user_tags")) != NULL)
    pub_push_owned(ps, "user_tags", json_dumps(v, JSON_COMPACT));
  if ((v = json_object_get(a, "collaborators")) != NULL)
    pub_push_owned(ps, "collaborators", json_dumps(v, JSON_COMPACT));
  if ((v = json_object_get(a, "thumb_offset")) != NULL)
    pub_push_owned(ps, "thumb_offset",
               xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v)));
  if ((v = json_object_get(a, "share_to_feed")) != NULL)
    pub_push(ps, "share_to_feed", json_is_true(v) ? "true" : "false");
}

/* Exactly one of image_url and video_url. */
static int
pub_one_url(const json_t *a, struct result *r)
{
  int img = str(a, "image_url") != NULL, vid = str(a, "video_url") != NULL;

  if (img == vid)
    return result_errorf(r, "invalid_argument",
                         "Give exactly one of image_url and video_url.");
  return 0;
}

const char *
pub_kind_name(enum kind k)
{
  static const char *const n[] = { "IMAGE", "REELS", "STORIES", "IMAGE",
                                   "VIDEO" };
  return n[k];
}

/* The kind argument as a PK_ bit (the schema's enum has vetted it). */
unsigned
pub_kind_arg(const json_t *a)
{
  const char *k = str(a, "kind");

  for (size_t i = 0; k != NULL && i < sizeof(kind_names) /
                                          sizeof(kind_names[0]); i++)
    if (strcmp(k, kind_names[i].name) == 0)
      return kind_names[i].bit;
  return 0;
}

static const char *
kind_str(unsigned bit)
{
  for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
    if (kind_names[i].bit == bit)
      return kind_names[i].name;
  return "?";
}

/* The container an explicit kind makes (not carousel, not auto). */
enum kind
pub_kind_of(unsigned pk, const json_t *a)
{
  int vid = str(a, "video_url") != NULL;

  switch (pk) {
  case PK_REEL: return K_REELS;
  case PK_STORY: return K_STORIES;
  case PK_ITEM: return vid ? K_ITEM_VIDEO : K_ITEM_IMAGE;
  default: return K_IMAGE;
  }
}

/* The rules of the kind argument: every field given is one this kind
 * takes, and the media URL it needs is there.  tool_kinds are the kinds
 * of the tool, to say where a misplaced field belongs.  Fills r and
 * returns -1 naming the field and the kind. */
int
pub_check_kind(const json_t *a, unsigned pk, unsigned tool_kinds,
               struct result *r)
{
  int img = str(a, "image_url") != NULL, vid = str(a, "video_url") != NULL;
  const char *kind = kind_str(pk);

  for (size_t i = 0; i < sizeof(kind_fields) / sizeof(kind_fields[0]); i++) {
    unsigned ks = kind_fields[i].kinds & tool_kinds;
    const char *names[8];
    char where[160] = "";
    size_t n = 0, off = 0;

    if (json_object_get(a, kind_fields[i].name) == NULL ||
        (kind_fields[i].kinds & pk))
      continue;
    if (ks & ~PK_AUTO)
      ks &= ~PK_AUTO; /* name auto only for its own fields */
    for (size_t j = 0; j < sizeof(kind_names) / sizeof(kind_names[0]); j++)
      if (ks & kind_names[j].bit)
        names[n++] = kind_names[j].name;
    for (size_t j = 0; j < n && off < sizeof(where); j++)
      off += (size_t)snprintf(where + off, sizeof(where) - off, "%s%s",
                              j == 0 ? "" : j + 1 == n ? " and " : ", ",
                              names[j]);
    return result_errorf(r, "invalid_argument",
                         "%s is only for kind%s %s, not for kind %s.",
                         kind_fields[i].name, n > 1 ? "s" : "", where, kind);
  }
  if (pk == PK_IMAGE && !img)
    return result_errorf(r, "invalid_argument",
                         "image_url is required for kind image.");
  if (pk == PK_REEL && !vid)
    return result_errorf(r, "invalid_argument",
                         "video_url is required for kind reel.");
  if ((pk == PK_STORY || pk == PK_ITEM || pk == PK_AUTO) && img == vid)
    return result_errorf(r, "invalid_argument",
                         "kind %s takes exactly one of image_url and "
                         "video_url%s.", kind,
                         img ? ", not both" : "; give one");
  return 0;
}

/* max_wait_seconds (def_wait_s when absent) and poll_interval_seconds. */
void
pub_wait_args(const json_t *a, struct pub_wait *w, int def_wait_s)
{
  const json_t *mw = json_object_get(a, "max_wait_seconds");
  const json_t *iv = json_object_get(a, "poll_interval_seconds");

  w->max_wait_s = mw != NULL ? (double)json_integer_value(mw) : def_wait_s;
  w->interval_s = json_number_value(iv);
  if (w->interval_s < 1)
    w->interval_s = 1;
}

/* kind auto: the container the old ig_create_media_container made from
 * media_type, is_carousel_item and the URL.  Returns -1 with r filled. */
int
pub_auto_kind(const json_t *a, struct result *r, enum kind *k)
{
  const char *mt = str(a, "media_type");
  int item = json_is_true(json_object_get(a, "is_carousel_item"));
  int vid = str(a, "video_url") != NULL;

  if (item && mt != NULL && strcmp(mt, "IMAGE") != 0)
    return result_errorf(r, "invalid_argument",
                         "media_type %s cannot be a carousel item; carousel "
                         "items are images or videos (leave media_type "
                         "out).", mt);
  if (item)
    *k = vid ? K_ITEM_VIDEO : K_ITEM_IMAGE;
  else if (mt != NULL && strcmp(mt, "STORIES") == 0)
    *k = K_STORIES;
  else if (mt != NULL && strcmp(mt, "IMAGE") == 0 && vid)
    return result_errorf(r, "invalid_argument",
                         "media_type IMAGE needs image_url, not video_url.");
  else if (mt != NULL && strcmp(mt, "REELS") == 0 && !vid)
    return result_errorf(r, "invalid_argument",
                         "media_type REELS needs video_url, not image_url.");
  else
    *k = vid ? K_REELS : K_IMAGE;
  return 0;
}

/* The checks of one new carousel item, items[i]; the message says which
 * item. */
int
pub_check_item(const json_t *v, size_t i, struct result *r)
{
  struct result ir = { 0 };
  int vid = str(v, "video_url") != NULL;

  if (pub_one_url(v, &ir) == 0 &&
      pub_check_args(v, vid ? K_ITEM_VIDEO : K_ITEM_IMAGE, &ir) == 0)
    return 0;
  result_errorf(r, "invalid_argument", "items[%zu]: %s", i,
                ir.text ? ir.text : "invalid item");
  result_free(&ir);
  return -1;
}
