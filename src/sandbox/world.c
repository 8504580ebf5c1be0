/* SPDX-License-Identifier: MIT */
/*
 * world.c: the seeded world of the sandbox.
 *
 * world_build lays out fifteen conversations from a fixed table (who, which
 * language, how many messages, how long ago the user last wrote, folder)
 * and fills in the messages with a splitmix64 generator seeded by the
 * caller, so two sandboxes with the same seed started at the same instant
 * hold the same inbox.  The table is chosen so that every messaging rule
 * has a witness: a 60-message thread, open windows, one needing
 * HUMAN_AGENT, closed ones, requests and spam, non-Latin text, every
 * attachment kind among the 20 newest messages of some thread.
 *
 * Ownership: see world.h.  Every string in the world is heap-allocated
 * and released by world_free.
 */
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/xalloc.h"

#define DEFAULT_SEED 0x1617a5d3c0ffee01ULL
#define IG_USER_ID "17841400000000001"
#define MID_PREFIX "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj"
#define CONV_PREFIX "aWdfZAG06"

enum {
  F_IMAGE = 1 << 0,
  F_VIDEO = 1 << 1,
  F_REPLY = 1 << 2,
  F_REACTION = 1 << 3,
  F_STORY = 1 << 4,
  F_SHARE = 1 << 5,
  F_UNSUPPORTED = 1 << 6,
  F_AUDIO = 1 << 7,
};

struct conv_spec {
  const char *username;
  const char *name;
  int lang;            /* index into the phrase pools */
  int nmsgs;
  int64_t inbound_age; /* seconds from now to the user's last message */
  int trailing_out;    /* our messages after the user's last one */
  const char *folder;
  unsigned features;
};

enum { L_EN, L_JA, L_AR, L_RU, L_EMOJI, L_NLANG };

static const struct conv_spec specs[] = {
  { "maya.ceramics", "Maya Lin", L_EN, 60, 20 * 60, 0, "inbox",
    F_IMAGE | F_REPLY },
  { "kenji.tanaka", "田中 健二", L_JA, 14, 3 * 3600, 1, "inbox", F_REPLY },
  { "priya.jewelry", "Priya Sharma", L_EN, 9, 45 * 60, 1, "inbox",
    F_REACTION },
  { "sofia.bakes", "Sofía Ramírez", L_EMOJI, 12, 5 * 3600, 0, "inbox",
    F_IMAGE | F_AUDIO },
  { "amara.art", "Amara Okafor", L_EN, 8, 9 * 3600, 0, "inbox", F_STORY },
  { "chloe.vintage", "Chloé Martin", L_EN, 4, 2 * 3600, 0, "other", 0 },
  { "olga.smirnova", "Ольга Смирнова", L_RU, 7, 16 * 3600, 1, "inbox", 0 },
  { "layla.designs", "ليلى حسن", L_AR, 11, 30 * 3600, 1, "inbox",
    F_IMAGE },
  { "lucas.photo", "Lucas Silva", L_EN, 10, 2 * 86400, 1, "inbox",
    F_VIDEO },
  { "omar.coffee", "عمر خالد", L_AR, 6, 4 * 86400, 0, "other", 0 },
  { "yuki.knits", "佐藤 由紀", L_JA, 13, 6 * 86400, 1, "inbox", F_SHARE },
  { "ivan.petrov", "Иван Петров", L_RU, 12, 10 * 86400, 1, "inbox", 0 },
  { "noah.runs", "Noah Fischer", L_EN, 9, 12 * 86400, 1, "inbox",
    F_SHARE },
  { "diego.surf", "Diego Alves", L_EN, 8, 20 * 86400, 0, "inbox",
    F_VIDEO | F_UNSUPPORTED },
  { "elena.deals", "Elena", L_EN, 3, 3 * 86400, 0, "spam", 0 },
};

static const char *const inbound_pool[L_NLANG][10] = {
  [L_EN] = {
    "Hi! Is the blue glaze mug still available?",
    "Do you ship to Canada?",
    "Thanks so much 😊",
    "Can I pick it up on Saturday?",
    "What are your opening hours?",
    "Love the new collection ✨",
    "How long does delivery take?",
    "Is there a discount if I buy two?",
    "Perfect, see you then 👋",
    "Could you send a few more photos?",
  },
  [L_JA] = {
    "こんにちは！この器はまだありますか？",
    "送料はいくらですか？",
    "ありがとうございます😊",
    "週末に取りに行けますか？",
    "素敵な作品ですね✨",
    "色違いはありますか？",
    "ギフト包装はできますか？",
    "了解しました！",
    "明日また連絡します。",
    "サイズを教えてください。",
  },
  [L_AR] = {
    "مرحبا! هل هذا المنتج متوفر؟",
    "كم سعر الشحن إلى دبي؟",
    "شكراً جزيلاً 🌹",
    "متى تفتحون يوم السبت؟",
    "هل يوجد لون آخر؟",
    "رائع جداً، سأطلب اثنين",
    "هل يمكن الدفع عند الاستلام؟",
    "تمام، شكراً",
    "أرسل لي الصور من فضلك",
    "كم يستغرق التوصيل؟",
  },
  [L_RU] = {
    "Здравствуйте! Эта чашка ещё есть в наличии?",
    "Сколько стоит доставка в Москву?",
    "Спасибо большое!",
    "Можно забрать в субботу?",
    "Очень красиво 😍",
    "А есть другой цвет?",
    "Хорошо, договорились.",
    "Пришлите, пожалуйста, ещё фото.",
    "Когда будет новая партия?",
    "Оплата картой возможна?",
  },
  [L_EMOJI] = {
    "🔥🔥🔥",
    "😍😍 so cute!!",
    "🎉🥳 got it today",
    "can I order the 🍋 tart for Friday?",
    "👀 is this still available",
    "🙏 thank you!!",
    "🍰 + ☕ = ❤️",
    "omg 😭 it's perfect",
    "👍",
    "💯 will come again",
  },
};

static const char *const outbound_pool[L_NLANG][6] = {
  [L_EN] = {
    "Hi! Yes, it is 🙂",
    "We ship worldwide, it takes 5-7 days.",
    "Thank you for your order!",
    "We're open 10:00-18:00, Tuesday to Sunday.",
    "Sure, here you go.",
    "Let me check and get back to you.",
  },
  [L_JA] = {
    "ありがとうございます！在庫ございます。",
    "送料は全国一律800円です。",
    "土曜日にお待ちしております。",
    "写真をお送りしますね。",
    "確認してご連絡いたします。",
    "Thank you! ありがとうございました🙏",
  },
  [L_AR] = {
    "أهلاً بك! نعم متوفر",
    "الشحن خلال ٣-٥ أيام",
    "شكراً لطلبك!",
    "نفتح من الساعة ١٠ صباحاً",
    "سأرسل لك الصور الآن",
    "Hi! We'll check and reply soon.",
  },
  [L_RU] = {
    "Здравствуйте! Да, есть в наличии.",
    "Доставка 3-5 дней.",
    "Спасибо за заказ!",
    "Да, можно забрать в субботу.",
    "Сейчас пришлю фото.",
    "Hi! Yes, we ship to Russia.",
  },
  [L_EMOJI] = {
    "Yes! 🍋 tart reserved for you",
    "Thank you 🥰",
    "See you Friday ☕",
    "Here it is 📸",
    "Always a pleasure 💛",
    "Open until 6 pm today!",
  },
};

/* splitmix64: small, fast and good enough for a deterministic world. */
uint64_t
world_rng_next(struct world *w)
{
  uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

long
world_rng_range(struct world *w, long lo, long hi)
{
  return lo + (long)(world_rng_next(w) % (uint64_t)(hi - lo + 1));
}

static int
rng_pct(struct world *w, int pct)
{
  return (int)(world_rng_next(w) % 100) < pct;
}

/* Writes n random decimal digits (the first one non-zero) into out. */
static void
rng_digits(struct world *w, char *out, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = (char)('0' + world_rng_next(w) % 10);
  if (n > 0 && out[0] == '0')
    out[0] = '1';
  out[n] = '\0';
}

/* Standard base64 of s, without padding.  Callers feed it lengths that are
 * multiples of 3, so the output needs none and stays alphanumeric for the
 * digits and colons they encode. */
static char *
b64(const char *s)
{
  static const char al[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(s), o = 0;
  char *out = xmalloc(n / 3 * 4 + 8);
  const unsigned char *p = (const unsigned char *)s;
  size_t i;

  for (i = 0; i + 2 < n; i += 3) {
    out[o++] = al[p[i] >> 2];
    out[o++] = al[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
    out[o++] = al[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
    out[o++] = al[p[i + 2] & 63];
  }
  if (n - i == 1) {
    out[o++] = al[p[i] >> 2];
    out[o++] = al[(p[i] & 3) << 4];
  } else if (n - i == 2) {
    out[o++] = al[p[i] >> 2];
    out[o++] = al[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
    out[o++] = al[(p[i + 1] & 15) << 2];
  }
  out[o] = '\0';
  return out;
}

int64_t
world_now(const struct world *w)
{
  return clock_wall_s() + w->offset;
}

char *
world_cdn_url(struct world *w)
{
  static const char al[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  char asset[18], sig[44];

  rng_digits(w, asset, 17);
  for (size_t i = 0; i < 43; i++)
    sig[i] = al[world_rng_next(w) % 64];
  sig[43] = '\0';
  return xasprintf("https://lookaside.fbsbx.com/ig_messaging_cdn/"
                   "?asset_id=%s&signature=%s", asset, sig);
}

/* A new message id: Meta's prefix, then base64 of
 * "<account>:<thread key>:<message number>", the number sized so that the
 * plain text is a multiple of 3 bytes and the encoding needs no padding. */
static char *
new_mid(struct world *w, const struct world_conv *c)
{
  char num[40], *plain, *enc, *mid;
  size_t head = strlen(IG_USER_ID) + 1 + strlen(c->thread_key) + 1;
  size_t n = 33 + (3 - (head + 33) % 3) % 3;

  rng_digits(w, num, n);
  plain = xasprintf("%s:%s:%s", IG_USER_ID, c->thread_key, num);
  enc = b64(plain);
  mid = xasprintf("%s%sZDZD", MID_PREFIX, enc);
  free(plain);
  free(enc);
  w->seq++;
  return mid;
}

/* A fresh IGSID of 16 or 17 digits that no user has yet. */
static char *
new_igsid(struct world *w)
{
  char id[20];
  static const char first[] = "1235679";

  for (;;) {
    size_t n = rng_pct(w, 50) ? 16 : 17;
    rng_digits(w, id, n);
    id[0] = first[world_rng_next(w) % (sizeof(first) - 1)];
    if (world_user_by_id(w, id) == NULL)
      return xstrdup(id);
  }
}

/* A conversation with u, with a fresh thread key, in folder. */
static struct world_conv *
add_conv(struct world *w, struct world_user *u, const char *folder)
{
  struct world_conv *c = xcalloc(1, sizeof(*c));
  char key[40];

  memcpy(key, "340282366841710300", 18);
  rng_digits(w, key + 18, 21);
  key[18] = (char)('0' + world_rng_next(w) % 10);
  c->thread_key = xstrdup(key);
  {
    char *enc = b64(key);
    c->id = xasprintf("%s%s", CONV_PREFIX, enc);
    free(enc);
  }
  for (size_t i = 0; i < w->nusers; i++)
    if (w->users[i] == u)
      c->user = i;
  snprintf(c->folder, sizeof(c->folder), "%s", folder);
  w->convs = xrealloc(w->convs, (w->nconvs + 1) * sizeof(*w->convs));
  w->convs[w->nconvs++] = c;
  return c;
}

/* A user with a fresh IGSID and a seeded profile. */
static struct world_user *
add_user(struct world *w, const char *username, const char *name)
{
  struct world_user *u = xcalloc(1, sizeof(*u));

  u->id = new_igsid(w);
  u->username = xstrdup(username);
  u->name = xstrdup(name != NULL ? name : username);
  u->follower_count = (int)world_rng_range(w, 40, 25000);
  u->follows_us = rng_pct(w, 70);
  u->we_follow = rng_pct(w, 20);
  w->users = xrealloc(w->users, (w->nusers + 1) * sizeof(*w->users));
  w->users[w->nusers++] = u;
  return u;
}

struct world_conv *
world_add_user(struct world *w, const char *username, const char *folder)
{
  struct world_user *u = add_user(w, username, NULL);
  u->follows_us = 0;
  return add_conv(w, u, folder);
}

/* Grows the message array by doubling. */
struct world_msg *
world_append(struct world *w, struct world_conv *c, int from_us, int64_t t)
{
  struct world_msg *m;

  if (c->nmsgs == c->capmsgs) {
    c->capmsgs = c->capmsgs ? c->capmsgs * 2 : 16;
    c->msgs = xrealloc(c->msgs, c->capmsgs * sizeof(*c->msgs));
  }
  m = &c->msgs[c->nmsgs++];
  memset(m, 0, sizeof(*m));
  m->mid = new_mid(w, c);
  m->created = t;
  m->from_us = from_us;
  return m;
}

/* Images and videos get Instagram's usual portrait sizes. */
void
world_msg_attach(struct world_msg *m, enum world_att_type type,
                 const char *url)
{
  struct world_att *a;

  m->att = xrealloc(m->att, (m->natt + 1) * sizeof(*m->att));
  a = &m->att[m->natt++];
  memset(a, 0, sizeof(*a));
  a->type = type;
  a->url = xstrdup(url);
  if (type == WATT_IMAGE) {
    a->width = 1080;
    a->height = 1350;
  } else if (type == WATT_VIDEO) {
    a->width = 720;
    a->height = 1280;
  }
}

static void
attach_random(struct world *w, struct world_msg *m, enum world_att_type t)
{
  char *url = world_cdn_url(w);

  world_msg_attach(m, t, url);
  free(url);
  if (t == WATT_STORY_MENTION || t == WATT_STORY_REPLY) {
    char id[20];
    rng_digits(w, id, 17);
    m->att[m->natt - 1].story_id = xstrdup(id);
  }
}

/* Fills one conversation's messages from its spec, newest first in time
 * but stored oldest first. */
static void
fill_conv(struct world *w, struct world_conv *c, const struct conv_spec *s,
          int64_t now)
{
  int n = s->nmsgs, k;
  int64_t *times = xcalloc((size_t)n, sizeof(*times));
  int *dir = xcalloc((size_t)n, sizeof(*dir));
  int64_t t = now - s->inbound_age;

  /* Trailing replies of ours, after the user's last message. */
  for (k = 0; k < s->trailing_out; k++) {
    times[n - 1 - k] = t + (s->trailing_out - k) * world_rng_range(w, 60, 900);
    if (times[n - 1 - k] >= now)
      times[n - 1 - k] = now - 1 - k;
    dir[n - 1 - k] = 1;
  }
  for (k = n - 1 - s->trailing_out; k >= 0; k--) {
    times[k] = t;
    dir[k] = (k == n - 1 - s->trailing_out) ? 0 : !rng_pct(w, 55);
    t -= rng_pct(w, 70) ? world_rng_range(w, 30, 600) : world_rng_range(w, 3600, 172800);
  }
  for (k = 0; k < n; k++) {
    struct world_msg *m = world_append(w, c, dir[k], times[k]);
    const char *text = dir[k]
      ? outbound_pool[s->lang][world_rng_next(w) % 6]
      : inbound_pool[s->lang][world_rng_next(w) % 10];
    m->text = xstrdup(text);
    /* Random decorations on older messages. */
    if (rng_pct(w, 8)) {
      attach_random(w, m, WATT_IMAGE);
      if (rng_pct(w, 50)) {
        free(m->text);
        m->text = NULL;
      }
    } else if (!dir[k] && rng_pct(w, 3)) {
      attach_random(w, m, WATT_VIDEO);
      free(m->text);
      m->text = NULL;
    }
    if (k > 2 && rng_pct(w, 6)) {
      size_t target = (size_t)world_rng_range(w, 0, k - 1);
      m->reply_mid = xstrdup(c->msgs[target].mid);
      m->reply_self = c->msgs[target].from_us == m->from_us;
    }
    if (rng_pct(w, 5)) {
      m->reaction = xstrdup("❤️");
      m->reaction_by_us = !m->from_us;
    }
  }
  free(times);
  free(dir);
}

/* Index (oldest first) of the n-th newest message from the given side, or
 * -1. */
static long
nth_newest(const struct world_conv *c, int from_us, int nth)
{
  for (long i = (long)c->nmsgs - 1; i >= 0; i--)
    if (c->msgs[i].from_us == from_us && nth-- == 0)
      return i;
  return -1;
}

static void
clear_content(struct world_msg *m)
{
  free(m->text);
  m->text = NULL;
  for (size_t i = 0; i < m->natt; i++) {
    free(m->att[i].url);
    free(m->att[i].story_id);
  }
  m->natt = 0;
}

static void
set_attachment_only(struct world *w, struct world_msg *m,
                    enum world_att_type t)
{
  clear_content(m);
  attach_random(w, m, t);
}

/* Makes sure each feature of the spec has a witness among the newest
 * messages, where details are visible. */
static void
apply_features(struct world *w, struct world_conv *c, unsigned f)
{
  long i;

  if ((f & F_IMAGE) && (i = nth_newest(c, 0, 1)) >= 0)
    set_attachment_only(w, &c->msgs[i], WATT_IMAGE);
  if ((f & F_VIDEO) && (i = nth_newest(c, 0, 0)) >= 0)
    set_attachment_only(w, &c->msgs[i], WATT_VIDEO);
  if ((f & F_AUDIO) && (i = nth_newest(c, 0, 2)) >= 0)
    set_attachment_only(w, &c->msgs[i], WATT_AUDIO);
  if ((f & F_STORY) && (i = nth_newest(c, 0, 0)) >= 0) {
    set_attachment_only(w, &c->msgs[i], WATT_STORY_MENTION);
    if ((i = nth_newest(c, 0, 1)) >= 0) {
      attach_random(w, &c->msgs[i], WATT_STORY_REPLY);
    }
  }
  if ((f & F_SHARE) && (i = nth_newest(c, 0, 1)) >= 0)
    set_attachment_only(w, &c->msgs[i], WATT_SHARE);
  if (f & F_REPLY) {
    long us = nth_newest(c, 1, 0), them = nth_newest(c, 0, 0);
    if (us >= 0 && them > us) {
      free(c->msgs[them].reply_mid);
      c->msgs[them].reply_mid = xstrdup(c->msgs[us].mid);
      c->msgs[them].reply_self = 0;
    }
    long own = nth_newest(c, 0, 2), target = nth_newest(c, 0, 4);
    if (own >= 0 && target >= 0) {
      free(c->msgs[own].reply_mid);
      c->msgs[own].reply_mid = xstrdup(c->msgs[target].mid);
      c->msgs[own].reply_self = 1;
    }
  }
  if ((f & F_REACTION) && (i = nth_newest(c, 1, 0)) >= 0) {
    free(c->msgs[i].reaction);
    c->msgs[i].reaction = xstrdup("❤️");
    c->msgs[i].reaction_by_us = 0;
  }
  if ((f & F_UNSUPPORTED) && (i = nth_newest(c, 0, 1)) >= 0) {
    clear_content(&c->msgs[i]);
    c->msgs[i].unsupported = 1;
  }
  /* Unread: the user's messages after our last one. */
  c->unread = 0;
  for (i = (long)c->nmsgs - 1; i >= 0 && !c->msgs[i].from_us; i--)
    c->unread++;
}

/* Keeps the clock offset across the rebuild; the caller resets it. */
void
world_build(struct world *w, uint64_t seed, int64_t now)
{
  int64_t offset = w->offset;

  world_free(w);
  w->offset = offset;
  w->seed = seed != 0 ? seed : DEFAULT_SEED;
  w->rng = w->seed;
  for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
    struct world_user *u = add_user(w, specs[i].username, specs[i].name);
    struct world_conv *c = add_conv(w, u, specs[i].folder);
    fill_conv(w, c, &specs[i], now);
    apply_features(w, c, specs[i].features);
  }
  world_media_build(w, now);
  world_pub_build(w, now);
  world_tags_build(w, now);
  world_profile_build(w, now);
}

static void
free_msg(struct world_msg *m)
{
  free(m->mid);
  free(m->text);
  for (size_t i = 0; i < m->natt; i++) {
    free(m->att[i].url);
    free(m->att[i].story_id);
  }
  free(m->att);
  free(m->reply_mid);
  free(m->reaction);
}

/* Releases everything the world holds and zeroes it. */
void
world_free(struct world *w)
{
  world_profile_free(w);
  world_tags_free(w);
  world_pub_free(w);
  world_media_free(w);
  for (size_t i = 0; i < w->nconvs; i++) {
    struct world_conv *c = w->convs[i];
    for (size_t j = 0; j < c->nmsgs; j++)
      free_msg(&c->msgs[j]);
    free(c->msgs);
    free(c->id);
    free(c->thread_key);
    free(c);
  }
  for (size_t i = 0; i < w->nusers; i++) {
    free(w->users[i]->id);
    free(w->users[i]->username);
    free(w->users[i]->name);
    free(w->users[i]);
  }
  free(w->convs);
  free(w->users);
  memset(w, 0, sizeof(*w));
}

struct world_conv *
world_conv_by_id(const struct world *w, const char *id)
{
  for (size_t i = 0; i < w->nconvs; i++)
    if (strcmp(w->convs[i]->id, id) == 0)
      return w->convs[i];
  return NULL;
}

struct world_conv *
world_conv_by_user(const struct world *w, const char *igsid)
{
  for (size_t i = 0; i < w->nconvs; i++)
    if (strcmp(w->users[w->convs[i]->user]->id, igsid) == 0)
      return w->convs[i];
  return NULL;
}

struct world_user *
world_user_by_id(const struct world *w, const char *igsid)
{
  for (size_t i = 0; i < w->nusers; i++)
    if (strcmp(w->users[i]->id, igsid) == 0)
      return w->users[i];
  return NULL;
}

struct world_user *
world_user_by_name(const struct world *w, const char *username)
{
  for (size_t i = 0; i < w->nusers; i++)
    if (strcmp(w->users[i]->username, username) == 0)
      return w->users[i];
  return NULL;
}

long
world_msg_index(const struct world_conv *c, const char *mid)
{
  for (size_t i = 0; i < c->nmsgs; i++)
    if (strcmp(c->msgs[i].mid, mid) == 0)
      return (long)i;
  return -1;
}

/* Only our message id shape can match; others fail fast. */
int
world_find_msg(const struct world *w, const char *mid,
               struct world_conv **conv, size_t *idx)
{
  if (strncmp(mid, MID_PREFIX, strlen(MID_PREFIX)) != 0)
    return -1;
  for (size_t i = 0; i < w->nconvs; i++) {
    long j = world_msg_index(w->convs[i], mid);
    if (j >= 0) {
      *conv = w->convs[i];
      *idx = (size_t)j;
      return 0;
    }
  }
  return -1;
}

int64_t
world_last_inbound(const struct world_conv *c)
{
  for (size_t i = c->nmsgs; i > 0; i--)
    if (!c->msgs[i - 1].from_us)
      return c->msgs[i - 1].created;
  return 0;
}

int64_t
world_updated(const struct world_conv *c)
{
  int64_t t = 0;
  for (size_t i = 0; i < c->nmsgs; i++)
    if (c->msgs[i].created > t)
      t = c->msgs[i].created;
  return t;
}

int
world_detail_ok(const struct world_conv *c, size_t idx)
{
  return c->nmsgs - idx <= WORLD_DETAIL_WINDOW;
}

static int
cmp_updated(const void *a, const void *b, void *arg)
{
  const struct world *w = arg;
  const struct world_conv *x = w->convs[*(const size_t *)a];
  const struct world_conv *y = w->convs[*(const size_t *)b];
  int64_t tx = world_updated(x), ty = world_updated(y);

  if (tx != ty)
    return tx > ty ? -1 : 1;
  return strcmp(x->id, y->id);
}

size_t
world_sorted(const struct world *w, const char *folder, size_t *out)
{
  size_t n = 0;

  for (size_t i = 0; i < w->nconvs; i++)
    if (folder == NULL || strcmp(w->convs[i]->folder, folder) == 0)
      out[n++] = i;
  qsort_r(out, n, sizeof(*out), cmp_updated, (void *)w);
  return n;
}

size_t
world_count_msgs(const struct world *w)
{
  size_t n = 0;
  for (size_t i = 0; i < w->nconvs; i++)
    n += w->convs[i]->nmsgs;
  return n;
}

size_t
world_count_folder(const struct world *w, const char *folder)
{
  size_t n = 0;
  for (size_t i = 0; i < w->nconvs; i++)
    n += strcmp(w->convs[i]->folder, folder) == 0;
  return n;
}

static const char *const att_names[] = {
  [WATT_IMAGE] = "image",
  [WATT_VIDEO] = "video",
  [WATT_AUDIO] = "audio",
  [WATT_FILE] = "file",
  [WATT_SHARE] = "share",
  [WATT_STORY_MENTION] = "story_mention",
  [WATT_STORY_REPLY] = "story_reply",
  [WATT_LIKE_HEART] = "like_heart",
};

const char *
world_att_name(enum world_att_type t)
{
  if ((size_t)t < sizeof(att_names) / sizeof(att_names[0]) &&
      att_names[t] != NULL)
    return att_names[t];
  return "unknown";
}

enum world_att_type
world_att_parse(const char *name)
{
  for (size_t i = 1; i < sizeof(att_names) / sizeof(att_names[0]); i++)
    if (strcmp(att_names[i], name) == 0)
      return (enum world_att_type)i;
  return 0;
}
