/* SPDX-License-Identifier: MIT */
/*
 * world_media.c: the media part of the sandbox world (see world_media.h).
 *
 * world_media_build lays out our account's media from a fixed table that
 * gives every rule a witness: images, reels, a plain feed video, a
 * carousel with an image and a video among its three children, a post with
 * comments turned off, stories inside and outside the 24-hour window.
 * Comments come from the world's Direct users so that a private reply has
 * someone to land with; one comment is hidden, one is older than the
 * 7-day private-reply window, one @mentions us, and some have replies (ours
 * and theirs).  Other accounts' media tag us (/tags), @mention us in a
 * caption or carry a comment that @mentions us; one invites us to
 * collaborate.  Ids come from w->rng, so a seed always yields the same
 * world.
 */
#include "world_media.h"

#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "sbx.h"

#define DAY 86400
#define HOUR 3600

struct world_media {
  struct world_media_item **items;  /* newest first for ours */
  size_t n, cap;
  struct world_comment **comments;  /* oldest first */
  size_t nc, capc;
  struct world_collab_invite **invites;
  size_t ni;
};

/* A 17-digit id starting with prefix (3 digits), unused in the world. */
static char *
new_id(struct world *w, const char *prefix)
{
  char buf[32];

  for (;;) {
    size_t n = strlen(prefix);
    memcpy(buf, prefix, n);
    for (size_t i = n; i < 17; i++)
      buf[i] = (char)('0' + world_rng_next(w) % 10);
    buf[17] = '\0';
    if (world_media_find(w, buf) == NULL && world_comment_find(w, buf) == NULL)
      return xstrdup(buf);
  }
}

/* An 11-character shortcode in Instagram's alphabet. */
static char *
new_shortcode(struct world *w)
{
  static const char al[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  char buf[12];

  buf[0] = (char)('C' + world_rng_next(w) % 4);
  for (size_t i = 1; i < 11; i++)
    buf[i] = al[world_rng_next(w) % 64];
  buf[11] = '\0';
  return xstrdup(buf);
}

static struct world_media *
part(struct world *w)
{
  if (w->media == NULL)
    w->media = xcalloc(1, sizeof(*w->media));
  return w->media;
}

/* Inserts it at the front (newest first). */
static void
push_item(struct world *w, struct world_media_item *it)
{
  struct world_media *m = part(w);

  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 64;
    m->items = xrealloc(m->items, m->cap * sizeof(*m->items));
  }
  memmove(m->items + 1, m->items, m->n * sizeof(*m->items));
  m->items[0] = it;
  m->n++;
}

/* A new item with generated id, URLs and permalink. */
static struct world_media_item *
make_item(struct world *w, const char *media_type, const char *product_type,
          const char *caption, const char *media_url, int64_t t,
          enum world_media_owner owner, const char *owner_id,
          const char *username)
{
  struct world_media_item *it = xcalloc(1, sizeof(*it));
  int video = strcmp(media_type, "VIDEO") == 0;

  it->id = new_id(w, "179");
  it->media_type = xstrdup(media_type);
  it->media_product_type = xstrdup(product_type);
  it->caption = caption != NULL ? xstrdup(caption) : NULL;
  it->shortcode = new_shortcode(w);
  if (media_url != NULL)
    it->media_url = xstrdup(media_url);
  else if (video)
    it->media_url = xasprintf("https://scontent.cdninstagram.com/o1/v/t16/"
                              "f2/m86/%s.mp4", it->id);
  else
    it->media_url = xasprintf("https://scontent.cdninstagram.com/v/"
                              "t51.29350-15/%s_n.jpg", it->id);
  if (video)
    it->thumbnail_url = xasprintf("https://scontent.cdninstagram.com/v/"
                                  "t51.29350-15/%s_thumb.jpg", it->id);
  if (strcmp(product_type, "STORY") == 0)
    it->permalink = xasprintf("https://www.instagram.com/stories/%s/%s/",
                              username, it->id);
  else if (strcmp(product_type, "REELS") == 0)
    it->permalink = xasprintf("https://www.instagram.com/reel/%s/",
                              it->shortcode);
  else
    it->permalink = xasprintf("https://www.instagram.com/p/%s/",
                              it->shortcode);
  it->timestamp = t;
  it->is_comment_enabled = 1;
  it->owner = owner;
  it->owner_id = xstrdup(owner_id);
  it->username = xstrdup(username);
  if (strcmp(product_type, "REELS") == 0)
    it->view_count = (int)world_rng_range(w, 800, 40000);
  push_item(w, it);
  return it;
}

struct world_media_item *
world_media_add_child(struct world *w, const char *media_type,
                      const char *media_url, int64_t timestamp)
{
  return make_item(w, media_type, "FEED", NULL, media_url, timestamp,
                   WMO_CHILD, SANDBOX_IG_USER_ID, SANDBOX_IG_USERNAME);
}

struct world_media_item *
world_media_add(struct world *w, const char *media_type,
                const char *product_type, const char *caption,
                const char *media_url, int64_t timestamp,
                const char *const *children, size_t nchildren)
{
  struct world_media_item *it;

  it = make_item(w, media_type, product_type, caption, media_url, timestamp,
                 WMO_US, SANDBOX_IG_USER_ID, SANDBOX_IG_USERNAME);
  if (nchildren > 0) {
    it->children = xcalloc(nchildren, sizeof(*it->children));
    for (size_t i = 0; i < nchildren; i++) {
      struct world_media_item *c = world_media_find(w, children[i]);
      it->children[i] = xstrdup(children[i]);
      if (c != NULL) {
        free(c->parent_id);
        c->parent_id = xstrdup(it->id);
        c->owner = WMO_CHILD;
      }
    }
    it->nchildren = nchildren;
  }
  return it;
}

struct world_media_item *
world_media_find(struct world *w, const char *id)
{
  struct world_media *m = w->media;

  if (m == NULL || id == NULL)
    return NULL;
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->items[i]->id, id) == 0)
      return m->items[i];
  return NULL;
}

size_t
world_media_count(struct world *w)
{
  return w->media != NULL ? w->media->n : 0;
}

struct world_media_item *
world_media_at(struct world *w, size_t i)
{
  return w->media != NULL && i < w->media->n ? w->media->items[i] : NULL;
}

const char *
world_media_account_id(struct world *w)
{
  (void)w;
  return SANDBOX_IG_USER_ID;
}

const char *
world_media_account_username(struct world *w)
{
  (void)w;
  return SANDBOX_IG_USERNAME;
}

struct world_comment *
world_comment_find(struct world *w, const char *id)
{
  struct world_media *m = w->media;

  if (m == NULL || id == NULL)
    return NULL;
  for (size_t i = 0; i < m->nc; i++)
    if (strcmp(m->comments[i]->id, id) == 0)
      return m->comments[i];
  return NULL;
}

size_t
world_comment_count(struct world *w)
{
  return w->media != NULL ? w->media->nc : 0;
}

struct world_comment *
world_comment_at(struct world *w, size_t i)
{
  return w->media != NULL && i < w->media->nc ? w->media->comments[i] : NULL;
}

struct world_comment *
world_comment_add(struct world *w, const char *media_id,
                  const char *parent_id, const char *username,
                  const char *text, int64_t t)
{
  struct world_media *m = part(w);
  struct world_comment *c = xcalloc(1, sizeof(*c));
  struct world_media_item *it = world_media_find(w, media_id);
  const struct world_user *u;

  c->id = new_id(w, "180");
  c->media_id = xstrdup(media_id);
  c->parent_id = parent_id != NULL ? xstrdup(parent_id) : NULL;
  c->text = xstrdup(text);
  c->timestamp = t;
  c->from_us = username == NULL ||
               strcmp(username, SANDBOX_IG_USERNAME) == 0;
  c->username = xstrdup(c->from_us ? SANDBOX_IG_USERNAME : username);
  u = c->from_us ? NULL : world_user_by_name(w, username);
  if (c->from_us)
    c->user_id = xstrdup(SANDBOX_IG_USER_ID);
  else if (u != NULL)
    c->user_id = xstrdup(u->id);
  else
    c->user_id = new_id(w, "178");
  {
    char at[64];
    snprintf(at, sizeof(at), "@%s", SANDBOX_IG_USERNAME);
    c->mentions_us = strstr(text, at) != NULL;
  }
  if (m->nc == m->capc) {
    m->capc = m->capc ? m->capc * 2 : 64;
    m->comments = xrealloc(m->comments, m->capc * sizeof(*m->comments));
  }
  m->comments[m->nc++] = c;
  if (it != NULL)
    it->comments_count++;
  return c;
}

/* Our seeded media, oldest first: type, product, caption, age. */
struct media_spec {
  const char *type;
  const char *product;
  const char *caption;
  int64_t age;
};

static const struct media_spec feed_specs[] = {
  { "IMAGE", "FEED", "Our first kiln opening of the year 🔥", 160 * DAY },
  { "IMAGE", "FEED", "Glaze tests: celadon vs. tenmoku", 150 * DAY },
  { "VIDEO", "REELS", "Centering clay in 30 seconds #pottery", 140 * DAY },
  { "IMAGE", "FEED", "Workshop seats open for March", 130 * DAY },
  { "IMAGE", "FEED", NULL, 120 * DAY },
  { "VIDEO", "FEED", "Studio tour (feed video)", 110 * DAY },
  { "IMAGE", "FEED", "Speckled mugs are back", 100 * DAY },
  { "VIDEO", "REELS", "Trimming a bowl foot #ceramics #asmr", 92 * DAY },
  { "IMAGE", "FEED", "Thank you for 1,000 followers!", 85 * DAY },
  { "IMAGE", "FEED", "New planters, new colours", 78 * DAY },
  { "VIDEO", "REELS", "Pulling handles #pottery #handmade", 70 * DAY },
  { "IMAGE", "FEED", "Market day this Saturday", 64 * DAY },
  { "IMAGE", "FEED", "Raku firing night", 58 * DAY },
  { "IMAGE", "FEED", "Behind the wheel with Maya", 52 * DAY },
  { "VIDEO", "REELS", "Glazing timelapse", 46 * DAY },
  { "IMAGE", "FEED", "Bowls drying in the sun", 40 * DAY },
  { "IMAGE", "FEED", "Gift cards now online", 35 * DAY },
  { "IMAGE", "FEED", "Comments are off for this giveaway recap", 30 * DAY },
  { "VIDEO", "REELS", "From mud to mug #reels", 25 * DAY },
  { "IMAGE", "FEED", "Teapot commission for a café", 20 * DAY },
  { "IMAGE", "FEED", "Seconds sale: Sunday only", 16 * DAY },
  { "VIDEO", "REELS", "Wedging clay, the calm way", 12 * DAY },
  { "IMAGE", "FEED", "Matte black series", 9 * DAY },
  { "IMAGE", "FEED", "Spring workshop recap ✨", 6 * DAY },
  { "VIDEO", "REELS", "Throwing a vase in one take #pottery #reels",
    3 * DAY },
  { "IMAGE", "FEED", "Fresh out of the kiln this morning", 26 * HOUR },
};
#define NFEED (sizeof(feed_specs) / sizeof(feed_specs[0]))
/* The carousel goes in after this many feed items (oldest first). */
#define CAROUSEL_AT 24

/* Adds n comments on media it by the world's users, with replies. */
static void
seed_comments(struct world *w, struct world_media_item *it, int n,
              int64_t now)
{
  static const char *const texts[] = {
    "Love this! 😍", "Where can I buy one?", "Gorgeous glaze",
    "Do you ship to Canada?", "This is so calming to watch",
    "How long does a firing take?", "Need this in my kitchen",
    "Beautiful work as always", "What clay body do you use?",
    "Signing up for the workshop!",
  };
  int64_t span = now - it->timestamp;

  for (int i = 0; i < n && w->nusers > 0; i++) {
    const struct world_user *u = w->users[world_rng_next(w) % w->nusers];
    int64_t t = it->timestamp + (span / (n + 1)) * (i + 1) / 2 +
                world_rng_range(w, 60, 3000);
    struct world_comment *c;
    if (t > now - 60)
      t = now - 60;
    c = world_comment_add(w, it->id, NULL, u->username,
                          texts[world_rng_next(w) % 10], t);
    c->like_count = (int)world_rng_range(w, 0, 12);
    if (i == 0)
      world_comment_add(w, it->id, c->id, NULL, "Thank you so much! 🙏",
                        t + 1800 < now ? t + 1800 : now - 30);
  }
}

static void
add_invite(struct world *w, struct world_media_item *it, const char *status)
{
  struct world_media *m = part(w);
  struct world_collab_invite *inv = xcalloc(1, sizeof(*inv));

  inv->media_id = xstrdup(it->id);
  inv->media_owner_username = xstrdup(it->username);
  inv->caption = it->caption != NULL ? xstrdup(it->caption) : NULL;
  inv->media_url = xstrdup(it->media_url);
  inv->status = xstrdup(status);
  m->invites = xrealloc(m->invites, (m->ni + 1) * sizeof(*m->invites));
  m->invites[m->ni++] = inv;
}

size_t
world_collab_count(struct world *w)
{
  return w->media != NULL ? w->media->ni : 0;
}

struct world_collab_invite *
world_collab_at(struct world *w, size_t i)
{
  return w->media != NULL && i < w->media->ni ? w->media->invites[i] : NULL;
}

/* Other accounts' media: tagged, mentioning, collaboration. */
static void
seed_others(struct world *w, int64_t now)
{
  struct world_media_item *it;
  struct world_comment *c;
  char text[128];

  it = make_item(w, "IMAGE", "FEED", "Picked up my new mugs from "
                 "the studio today", NULL, now - 20 * DAY, WMO_TAGGED,
                 "17841400000000101", "maya.ceramics");
  it->like_count = 88;
  it = make_item(w, "VIDEO", "REELS", "Weekend workshop vibes", NULL,
                 now - 8 * DAY, WMO_TAGGED, "17841400000000102",
                 "lucas.photo");
  it->like_count = 240;
  snprintf(text, sizeof(text), "Our new café cups by @%s ☕",
           SANDBOX_IG_USERNAME);
  it = make_item(w, "IMAGE", "FEED", text, NULL, now - 4 * DAY, WMO_MENTION,
                 "17841400000000103", "kenji.tanaka");
  it->like_count = 131;
  it = make_item(w, "IMAGE", "FEED", "Sunday market haul", NULL,
                 now - 2 * DAY, WMO_MENTION, "17841400000000104",
                 "priya.jewelry");
  it->like_count = 54;
  snprintf(text, sizeof(text), "The vase is from @%s, go check them out!",
           SANDBOX_IG_USERNAME);
  c = world_comment_add(w, it->id, NULL, "sofia.bakes", text,
                        now - 40 * HOUR);
  c->like_count = 3;
  it = make_item(w, "IMAGE", "FEED", "A collab drop with friends 🤝", NULL,
                 now - 1 * DAY, WMO_COLLAB, "17841400000000105",
                 "amara.art");
  add_invite(w, it, "pending");
}

void
world_media_build(struct world *w, int64_t now)
{
  struct world_media_item *it;
  struct world_comment *c;
  char text[128];
  int64_t t;

  world_media_free(w);
  part(w);
  for (size_t i = 0; i < NFEED; i++) {
    const struct media_spec *s = &feed_specs[i];
    if (i == CAROUSEL_AT) {
      const char *kids[3];
      struct world_media_item *k[3];
      t = now - 5 * DAY;
      k[0] = world_media_add_child(w, "IMAGE", NULL, t);
      k[1] = world_media_add_child(w, "VIDEO", NULL, t);
      k[2] = world_media_add_child(w, "IMAGE", NULL, t);
      for (int j = 0; j < 3; j++)
        kids[j] = k[j]->id;
      it = world_media_add(w, "CAROUSEL_ALBUM", "FEED",
                           "Three ways to glaze a bowl (swipe) ➡️", NULL,
                           t, kids, 3);
      it->like_count = (int)world_rng_range(w, 60, 400);
      seed_comments(w, it, 4, now);
    }
    it = world_media_add(w, s->type, s->product, s->caption, NULL,
                         now - s->age, NULL, 0);
    it->like_count = (int)world_rng_range(w, 20, 600);
    if (s->caption != NULL && strstr(s->caption, "Comments are off"))
      it->is_comment_enabled = 0;
    else if (s->age < 60 * DAY)
      seed_comments(w, it, s->age < 10 * DAY ? 5 : 2, now);
  }
  /* The newest post: a hidden comment, one @mentioning us, one fresh
   * enough for a private reply, and a thread with a reply from a user. */
  it = world_media_at(w, 0);
  c = world_comment_add(w, it->id, NULL, "elena.deals",
                        "Cheap followers here!!! visit my profile",
                        now - 20 * HOUR);
  c->hidden = 1;
  snprintf(text, sizeof(text), "@%s is the best studio in town",
           SANDBOX_IG_USERNAME);
  c = world_comment_add(w, it->id, NULL, "olga.smirnova", text,
                        now - 10 * HOUR);
  c->like_count = 7;
  c = world_comment_add(w, it->id, NULL, "yuki.knits",
                        "Can you make a matching plate?", now - 5 * HOUR);
  world_comment_add(w, it->id, c->id, "noah.runs", "+1, I want one too",
                    now - 4 * HOUR);
  /* Stories: two live, one expired. */
  it = world_media_add(w, "IMAGE", "STORY", NULL, NULL, now - 30 * HOUR,
                       NULL, 0);
  it = world_media_add(w, "IMAGE", "STORY", NULL, NULL, now - 6 * HOUR,
                       NULL, 0);
  it = world_media_add(w, "VIDEO", "STORY", NULL, NULL, now - 2 * HOUR,
                       NULL, 0);
  seed_others(w, now);
}

static void
free_item(struct world_media_item *it)
{
  free(it->id);
  free(it->media_type);
  free(it->media_product_type);
  free(it->caption);
  free(it->media_url);
  free(it->thumbnail_url);
  free(it->permalink);
  free(it->shortcode);
  for (size_t i = 0; i < it->nchildren; i++)
    free(it->children[i]);
  free(it->children);
  free(it->owner_id);
  free(it->username);
  free(it->parent_id);
  free(it);
}

static void
free_comment(struct world_comment *c)
{
  free(c->id);
  free(c->media_id);
  free(c->parent_id);
  free(c->text);
  free(c->username);
  free(c->user_id);
  free(c);
}

void
world_media_free(struct world *w)
{
  struct world_media *m = w->media;

  if (m == NULL)
    return;
  for (size_t i = 0; i < m->n; i++)
    free_item(m->items[i]);
  for (size_t i = 0; i < m->nc; i++)
    free_comment(m->comments[i]);
  for (size_t i = 0; i < m->ni; i++) {
    free(m->invites[i]->media_id);
    free(m->invites[i]->media_owner_username);
    free(m->invites[i]->caption);
    free(m->invites[i]->media_url);
    free(m->invites[i]->status);
    free(m->invites[i]);
  }
  free(m->items);
  free(m->comments);
  free(m->invites);
  free(m);
  w->media = NULL;
}
