/* SPDX-License-Identifier: MIT */
/*
 * world_pub.c: the sandbox world's publishing state: media containers and
 * the rolling publishing quota (see world_pub.h).
 *
 * Containers are never removed: an unpublished one turns EXPIRED after
 * 24 hours of sandbox time, a published one stays PUBLISHED.  Ids come
 * from the world's deterministic generator, so the same seed and the same
 * calls give the same ids.  Everything here is owned by struct world_pub
 * and released by world_pub_free.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "world_media.h"
#include "world_pub.h"

/* splitmix64 on the world's generator, as world.c does. */
static uint64_t
pub_rng(struct world *w)
{
  uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void
world_pub_build(struct world *w, int64_t now)
{
  (void)now;
  world_pub_free(w);
  w->pub = xcalloc(1, sizeof(*w->pub));
  w->pub->quota_total = WORLD_PUB_QUOTA_DEFAULT;
  w->pub->quota_duration = WORLD_PUB_QUOTA_WINDOW;
}

void
world_pub_free(struct world *w)
{
  struct world_pub *p = w->pub;

  if (p == NULL)
    return;
  for (size_t i = 0; i < p->n; i++) {
    struct world_container *c = p->v[i];
    for (size_t k = 0; k < c->nchildren; k++)
      free(c->children[k]);
    free(c->children);
    free(c->id);
    free(c->media_url);
    free(c->caption);
    free(c->media_id);
    free(c);
  }
  free(p->v);
  free(p->pubs);
  free(p);
  w->pub = NULL;
}

struct world_container *
world_pub_find(struct world *w, const char *id)
{
  if (w->pub == NULL || id == NULL)
    return NULL;
  for (size_t i = 0; i < w->pub->n; i++)
    if (strcmp(w->pub->v[i]->id, id) == 0)
      return w->pub->v[i];
  return NULL;
}

/* A fresh container id: "17" or "18" then 15 or 16 digits, used by no
 * container and no media item. */
static char *
new_id(struct world *w)
{
  char id[24];

  for (;;) {
    size_t n = pub_rng(w) % 2 ? 17 : 18;
    id[0] = '1';
    id[1] = n == 17 ? '7' : '8';
    for (size_t i = 2; i < n; i++)
      id[i] = (char)('0' + pub_rng(w) % 10);
    id[n] = '\0';
    if (world_pub_find(w, id) == NULL && world_media_find(w, id) == NULL)
      return xstrdup(id);
  }
}

struct world_container *
world_pub_add(struct world *w, enum world_pub_kind kind, int is_video,
              const char *media_url, const char *caption, int64_t now)
{
  struct world_pub *p = w->pub;
  struct world_container *c = xcalloc(1, sizeof(*c));

  c->id = new_id(w);
  c->kind = kind;
  c->is_video = is_video;
  c->media_url = media_url != NULL ? xstrdup(media_url) : NULL;
  c->caption = caption != NULL ? xstrdup(caption) : NULL;
  c->created = now;
  c->ready_at = now;
  if (is_video)
    c->ready_at += media_url != NULL && strstr(media_url, "slow") != NULL
                   ? WORLD_PUB_SLOW_SECONDS : WORLD_PUB_VIDEO_SECONDS;
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 16;
    p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
  }
  p->v[p->n++] = c;
  return c;
}

void
world_pub_set_children(struct world_container *c, const char *const *ids,
                       size_t n)
{
  c->children = xcalloc(n + 1, sizeof(*c->children));
  for (size_t i = 0; i < n; i++)
    c->children[i] = xstrdup(ids[i]);
  c->nchildren = n;
}

/* Published and expired come first; a carousel is as ready as its
 * slowest child and fails when one of them failed. */
enum world_pub_status
world_pub_status(struct world *w, const struct world_container *c,
                 int64_t now)
{
  enum world_pub_status worst = WPS_FINISHED;

  if (c->media_id != NULL)
    return WPS_PUBLISHED;
  if (now - c->created >= WORLD_PUB_EXPIRY)
    return WPS_EXPIRED;
  if (c->kind == WPK_CAROUSEL) {
    for (size_t i = 0; i < c->nchildren; i++) {
      const struct world_container *k = world_pub_find(w, c->children[i]);
      enum world_pub_status s;
      if (k == NULL)
        continue;
      s = now >= k->ready_at ? (k->fails ? WPS_ERROR : WPS_FINISHED)
                             : WPS_IN_PROGRESS;
      if (s == WPS_ERROR)
        return WPS_ERROR;
      if (s == WPS_IN_PROGRESS)
        worst = WPS_IN_PROGRESS;
    }
    return worst;
  }
  if (c->fails)
    return WPS_ERROR;
  return now >= c->ready_at ? WPS_FINISHED : WPS_IN_PROGRESS;
}

const char *
world_pub_status_code(enum world_pub_status s)
{
  static const char *const names[] = { "IN_PROGRESS", "FINISHED", "ERROR",
                                       "EXPIRED", "PUBLISHED" };
  return names[s];
}

const char *
world_pub_status_text(enum world_pub_status s)
{
  switch (s) {
  case WPS_IN_PROGRESS:
    return "In Progress: Media is still being processed.";
  case WPS_FINISHED:
    return "Finished: Media has been uploaded and it is ready to be "
           "published.";
  case WPS_ERROR:
    return "Error: Media upload has failed with error code 2207026";
  case WPS_EXPIRED:
    return "Expired: Media was not published within 24 hours.";
  default:
    return "Published: Media has been successfully published.";
  }
}

long
world_pub_usage(struct world *w, int64_t now, int64_t since)
{
  struct world_pub *p = w->pub;
  long n = 0;

  for (size_t i = 0; i < p->npubs; i++)
    if (p->pubs[i] > now - p->quota_duration && p->pubs[i] <= now &&
        p->pubs[i] >= since)
      n++;
  return n;
}

void
world_pub_record(struct world *w, int64_t t)
{
  struct world_pub *p = w->pub;

  if (p->npubs == p->cappubs) {
    p->cappubs = p->cappubs ? p->cappubs * 2 : 32;
    p->pubs = xrealloc(p->pubs, p->cappubs * sizeof(*p->pubs));
  }
  p->pubs[p->npubs++] = t;
}

void
world_pub_set_quota(struct world *w, long total)
{
  if (w->pub != NULL && total >= 0)
    w->pub->quota_total = total;
}
