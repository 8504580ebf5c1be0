/* SPDX-License-Identifier: MIT */
/*
 * publishing_rules.c: the publishing rules checked before any request
 * (see publishing_rules.h): caption length, hashtags and mentions, media
 * URLs Meta may fetch, carousel size, collaborators, user tags, alt text
 * and audio names.  Messages name the field, the rule and the limit.
 */
#include "tools/publishing_rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/utf8.h"
#include "base/xalloc.h"

static int
is_word(unsigned char ch)
{
  return ch == '_' || ch >= 0x80 || isalnum(ch);
}

void
pub_count_tags(const char *s, size_t *hashtags, size_t *mentions)
{
  const unsigned char *p = (const unsigned char *)s;

  *hashtags = *mentions = 0;
  if (s == NULL)
    return;
  for (size_t i = 0; p[i] != '\0'; i++) {
    if (!is_word(p[i + 1]))
      continue;
    if (p[i] == '#')
      (*hashtags)++;
    else if (p[i] == '@' && (i == 0 || !(p[i - 1] >= 0x80 ||
                                         isalnum(p[i - 1]))))
      (*mentions)++;
  }
}

int
pub_check_caption(const char *caption, char *err, size_t errlen)
{
  size_t n, tags, mentions;

  if (caption == NULL)
    return 0;
  n = utf8_count(caption);
  if (n > PUB_CAPTION_MAX) {
    snprintf(err, errlen,
             "caption is too long: Instagram allows at most %d characters "
             "and this one has %zu. Shorten it.", PUB_CAPTION_MAX, n);
    return -1;
  }
  pub_count_tags(caption, &tags, &mentions);
  if (tags > PUB_HASHTAGS_MAX) {
    snprintf(err, errlen,
             "caption has too many hashtags: Instagram allows at most %d "
             "and this one has %zu. Remove some.", PUB_HASHTAGS_MAX, tags);
    return -1;
  }
  if (mentions > PUB_MENTIONS_MAX) {
    snprintf(err, errlen,
             "caption has too many @mentions: Instagram allows at most %d "
             "and this one has %zu. Remove some.", PUB_MENTIONS_MAX,
             mentions);
    return -1;
  }
  return 0;
}

/* IPv4 addresses (host order) Meta must not be sent to fetch from. */
static int
v4_blocked(uint32_t a)
{
  static const struct {
    uint32_t net, mask;
  } nets[] = {
    { 0x00000000, 0xff000000 }, /* 0.0.0.0/8 "this network" */
    { 0x0a000000, 0xff000000 }, /* 10/8 private */
    { 0x64400000, 0xffc00000 }, /* 100.64/10 carrier-grade NAT, metadata */
    { 0x7f000000, 0xff000000 }, /* 127/8 loopback */
    { 0xa9fe0000, 0xffff0000 }, /* 169.254/16 link-local, metadata */
    { 0xac100000, 0xfff00000 }, /* 172.16/12 private */
    { 0xc0000000, 0xffffff00 }, /* 192.0.0/24 protocol assignments */
    { 0xc0a80000, 0xffff0000 }, /* 192.168/16 private */
    { 0xc6120000, 0xfffe0000 }, /* 198.18/15 benchmarking */
    { 0xe0000000, 0xe0000000 }, /* 224/3 multicast, reserved, broadcast */
  };

  for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
    if ((a & nets[i].mask) == nets[i].net)
      return 1;
  return 0;
}

/* IPv6: unspecified, loopback, link-local, unique local, multicast, and
 * the forms that embed an IPv4 address (mapped, compatible, NAT64). */
static int
v6_blocked(const unsigned char *b)
{
  static const unsigned char zero[12];
  static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            0xff, 0xff };
  static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
  uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
                (uint32_t)b[14] << 8 | b[15];

  if (b[0] == 0xff || (b[0] & 0xfe) == 0xfc ||
      (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
    return 1;
  if (memcmp(b, zero, 12) == 0 || memcmp(b, mapped, 12) == 0 ||
      memcmp(b, nat64, 12) == 0)
    return v4 <= 1 || v4_blocked(v4);
  return 0;
}

/* 1 when host (lower case, no brackets, no trailing dot) names this
 * machine, a private network or a cloud metadata service. */
static int
host_blocked(const char *host, int bracketed)
{
  static const char *const names[] = { "localhost", "metadata",
    "metadata.google.internal", "instance-data", NULL };
  size_t n = strlen(host);
  struct in_addr a4;
  unsigned char a6[16];

  for (size_t i = 0; names[i] != NULL; i++)
    if (strcmp(host, names[i]) == 0)
      return 1;
  if (n > 10 && strcmp(host + n - 10, ".localhost") == 0)
    return 1;
  if (bracketed)
    return inet_pton(AF_INET6, host, a6) != 1 || v6_blocked(a6);
  /* inet_aton also takes the short and hex forms (127.1, 0x7f000001). */
  if (inet_aton(host, &a4) != 0)
    return v4_blocked(ntohl(a4.s_addr));
  return 0;
}

/* The system resolver with a deadline: getaddrinfo runs on a detached
 * thread, and the caller stops waiting after timeout_ms (the thread then
 * finishes alone and frees the shared state). */
struct lookup {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int refs, done, n;
  char host[256];
  struct pub_addr addrs[PUB_RESOLVE_MAX];
};

static void
lookup_unref(struct lookup *l)
{
  int last;

  pthread_mutex_lock(&l->mu);
  last = --l->refs == 0;
  pthread_mutex_unlock(&l->mu);
  if (last) {
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    free(l);
  }
}

static void *
lookup_main(void *arg)
{
  struct lookup *l = arg;
  struct addrinfo hints, *res = NULL, *ai;
  int n = 0;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(l->host, "443", &hints, &res) == 0) {
    for (ai = res; ai != NULL && n < PUB_RESOLVE_MAX; ai = ai->ai_next) {
      if (ai->ai_family == AF_INET) {
        l->addrs[n].v6 = 0;
        memcpy(l->addrs[n].b,
               &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, 4);
        n++;
      } else if (ai->ai_family == AF_INET6) {
        l->addrs[n].v6 = 1;
        memcpy(l->addrs[n].b,
               &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, 16);
        n++;
      }
    }
    freeaddrinfo(res);
  }
  pthread_mutex_lock(&l->mu);
  l->n = n;
  l->done = 1;
  pthread_cond_signal(&l->cv);
  pthread_mutex_unlock(&l->mu);
  lookup_unref(l);
  return NULL;
}

static int
resolve_system(const char *host, struct pub_addr *out, int max,
               long timeout_ms)
{
  struct lookup *l = xcalloc(1, sizeof(*l));
  struct timespec ts = clock_deadline(timeout_ms);
  pthread_attr_t attr;
  pthread_t t;
  int n = -1;

  pthread_mutex_init(&l->mu, NULL);
  pthread_cond_init(&l->cv, NULL);
  l->refs = 2;
  snprintf(l->host, sizeof(l->host), "%s", host);
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&t, &attr, lookup_main, l) != 0) {
    pthread_attr_destroy(&attr);
    l->refs = 1;
    lookup_unref(l);
    return -1;
  }
  pthread_attr_destroy(&attr);
  pthread_mutex_lock(&l->mu);
  while (!l->done &&
         pthread_cond_timedwait(&l->cv, &l->mu, &ts) != ETIMEDOUT)
    ;
  if (l->done) {
    n = l->n < max ? l->n : max;
    memcpy(out, l->addrs, (size_t)n * sizeof(*out));
  }
  pthread_mutex_unlock(&l->mu);
  lookup_unref(l);
  return n;
}

static pub_resolve_fn resolver = resolve_system;

void
pub_set_resolver(pub_resolve_fn fn)
{
  resolver = fn != NULL ? fn : resolve_system;
}

/* The verdicts of recent lookups, so a batch of posts from one host (or
 * a slow resolver) costs one lookup a minute, not one a call. */
#define VERDICT_CACHE 32
#define VERDICT_TTL_MS 60000
static struct {
  char host[256];
  int64_t until_ms;
  int blocked;
  char shown[64];
} verdicts[VERDICT_CACHE];
static unsigned verdict_next;
static pthread_mutex_t verdict_mu = PTHREAD_MUTEX_INITIALIZER;

static int
verdict_get(const char *host, int *blocked, char *shown, size_t len)
{
  int64_t now = clock_mono_ms();
  int found = 0;

  pthread_mutex_lock(&verdict_mu);
  for (int i = 0; i < VERDICT_CACHE && !found; i++) {
    if (verdicts[i].until_ms > now && strcmp(verdicts[i].host, host) == 0) {
      *blocked = verdicts[i].blocked;
      snprintf(shown, len, "%s", verdicts[i].shown);
      found = 1;
    }
  }
  pthread_mutex_unlock(&verdict_mu);
  return found;
}

static void
verdict_put(const char *host, int blocked, const char *shown)
{
  unsigned i;

  pthread_mutex_lock(&verdict_mu);
  i = verdict_next++ % VERDICT_CACHE;
  snprintf(verdicts[i].host, sizeof(verdicts[i].host), "%s", host);
  snprintf(verdicts[i].shown, sizeof(verdicts[i].shown), "%s", shown);
  verdicts[i].blocked = blocked;
  verdicts[i].until_ms = clock_mono_ms() + VERDICT_TTL_MS;
  pthread_mutex_unlock(&verdict_mu);
}

/* 1 when host is a name (not an IP literal) that resolves to an address
 * Meta must not be sent to; the address is written to shown. */
static int
resolves_blocked(const char *host, char *shown, size_t len)
{
  struct pub_addr a[PUB_RESOLVE_MAX];
  struct in_addr a4;
  unsigned char a6[16];
  int n, blocked = 0;

  shown[0] = '\0';
  if (inet_aton(host, &a4) != 0 || inet_pton(AF_INET6, host, a6) == 1)
    return 0;
  if (resolver == resolve_system && verdict_get(host, &blocked, shown, len))
    return blocked;
  n = resolver(host, a, PUB_RESOLVE_MAX, PUB_RESOLVE_TIMEOUT_MS);
  for (int i = 0; i < n && !blocked; i++) {
    uint32_t v4 = (uint32_t)a[i].b[0] << 24 | (uint32_t)a[i].b[1] << 16 |
                  (uint32_t)a[i].b[2] << 8 | a[i].b[3];
    if (a[i].v6 ? v6_blocked(a[i].b) : v4_blocked(v4)) {
      inet_ntop(a[i].v6 ? AF_INET6 : AF_INET, a[i].b, shown, (socklen_t)len);
      blocked = 1;
    }
  }
  if (resolver == resolve_system)
    verdict_put(host, blocked, shown);
  return blocked;
}

int
pub_check_url(const char *field, const char *url, char *err, size_t errlen)
{
  char host[256];
  const char *p, *end, *colon;
  int bracketed = 0;
  size_t n;

  if (url == NULL)
    return 0;
  if (strlen(url) > PUB_URL_MAX) {
    snprintf(err, errlen, "%s is too long: at most %d characters, got %zu.",
             field, PUB_URL_MAX, strlen(url));
    return -1;
  }
  for (p = url; *p != '\0'; p++)
    if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
      snprintf(err, errlen, "%s must be a public https:// URL without "
               "spaces or control characters.", field);
      return -1;
    }
  if (strncasecmp(url, "https://", 8) != 0) {
    const char *c = strchr(url, ':');
    snprintf(err, errlen,
             "%s must be a public https:// URL that Instagram can fetch; "
             "%.*s URLs are not accepted (no http:, file:, data:).", field,
             c != NULL && c - url < 16 ? (int)(c - url + 1) : 8,
             c != NULL && c - url < 16 ? url : "this kind of");
    return -1;
  }
  p = url + 8;
  end = p + strcspn(p, "/?#");
  if (memchr(p, '@', (size_t)(end - p)) != NULL) {
    snprintf(err, errlen, "%s must not carry a user name or password "
             "(user@host); Instagram fetches public URLs only.", field);
    return -1;
  }
  if (*p == '[') {
    const char *rb = memchr(p, ']', (size_t)(end - p));
    if (rb == NULL)
      goto bad_host;
    bracketed = 1;
    p++;
    n = (size_t)(rb - p);
  } else {
    colon = memchr(p, ':', (size_t)(end - p));
    n = (size_t)((colon != NULL ? colon : end) - p);
  }
  if (n == 0 || n >= sizeof(host))
    goto bad_host;
  for (size_t i = 0; i < n; i++)
    host[i] = (char)tolower((unsigned char)p[i]);
  host[n] = '\0';
  while (n > 0 && host[n - 1] == '.')
    host[--n] = '\0';
  if (n == 0)
    goto bad_host;
  if (host_blocked(host, bracketed)) {
    snprintf(err, errlen,
             "%s points to %s, a local, private or metadata address; "
             "Instagram fetches media from public hosts only.", field, host);
    return -1;
  }
  if (!bracketed) {
    char shown[64];
    if (resolves_blocked(host, shown, sizeof(shown))) {
      snprintf(err, errlen,
               "%s points to %s, which resolves to %s, a local, private or "
               "metadata address; Instagram fetches media from public hosts "
               "only.", field, host, shown);
      return -1;
    }
  }
  return 0;
bad_host:
  snprintf(err, errlen, "%s must be an https:// URL with a host name.",
           field);
  return -1;
}

int
pub_check_carousel_count(size_t n, char *err, size_t errlen)
{
  if (n >= PUB_CAROUSEL_MIN && n <= PUB_CAROUSEL_MAX)
    return 0;
  snprintf(err, errlen,
           "a carousel needs %d to %d items (child containers and URLs "
           "together); got %zu.", PUB_CAROUSEL_MIN, PUB_CAROUSEL_MAX, n);
  return -1;
}

int
pub_check_collaborators(size_t n, char *err, size_t errlen)
{
  if (n <= PUB_COLLABORATORS_MAX)
    return 0;
  snprintf(err, errlen,
           "collaborators: Instagram allows at most %d usernames; got %zu.",
           PUB_COLLABORATORS_MAX, n);
  return -1;
}

int
pub_is_username(const char *s)
{
  size_t n;

  if (s == NULL)
    return 0;
  for (n = 0; s[n] != '\0'; n++) {
    unsigned char ch = (unsigned char)s[n];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
          (ch >= '0' && ch <= '9') || ch == '.' || ch == '_'))
      return 0;
  }
  return n >= 1 && n <= 30;
}

int
pub_check_collaborator_list(const json_t *list, char *err, size_t errlen)
{
  size_t i;
  json_t *v;

  if (list == NULL)
    return 0;
  if (!json_is_array(list)) {
    snprintf(err, errlen, "collaborators must be an array of usernames.");
    return -1;
  }
  json_array_foreach(list, i, v) {
    const char *u = json_string_value(v);
    if (!pub_is_username(u)) {
      snprintf(err, errlen, "collaborators[%zu] must be an Instagram "
               "username (1 to 30 letters, digits, '.' or '_').", i);
      return -1;
    }
    for (size_t j = 0; j < i; j++)
      if (strcasecmp(u, json_string_value(json_array_get(list, j))) == 0) {
        snprintf(err, errlen, "collaborators[%zu]: %s is already in the "
                 "list (collaborators[%zu]).", i, u, j);
        return -1;
      }
  }
  return pub_check_collaborators(json_array_size(list), err, errlen);
}

int
pub_check_user_tags(const json_t *tags, int need_xy, char *err,
                    size_t errlen)
{
  size_t i;
  json_t *t;

  if (tags == NULL)
    return 0;
  if (!json_is_array(tags)) {
    snprintf(err, errlen, "user_tags must be an array of {username, x, "
             "y}.");
    return -1;
  }
  if (json_array_size(tags) > PUB_USER_TAGS_MAX) {
    snprintf(err, errlen, "user_tags: Instagram allows at most %d tagged "
             "people; got %zu.", PUB_USER_TAGS_MAX, json_array_size(tags));
    return -1;
  }
  json_array_foreach(tags, i, t) {
    const json_t *x = json_object_get(t, "x"), *y = json_object_get(t, "y");
    const char *k;
    json_t *v;

    if (!json_is_object(t)) {
      snprintf(err, errlen, "user_tags[%zu] must be an object {username, "
               "x, y}.", i);
      return -1;
    }
    json_object_foreach((json_t *)t, k, v) {
      if (strcmp(k, "username") != 0 && strcmp(k, "x") != 0 &&
          strcmp(k, "y") != 0) {
        snprintf(err, errlen, "user_tags[%zu].%.40s: unknown field "
                 "(allowed: username, x, y).", i, k);
        return -1;
      }
    }
    if (!pub_is_username(json_string_value(json_object_get(t,
                                                           "username")))) {
      snprintf(err, errlen, "user_tags[%zu].username is required and must "
               "be an Instagram username (1 to 30 letters, digits, '.' or "
               "'_').", i);
      return -1;
    }
    if (need_xy && (x == NULL || y == NULL)) {
      snprintf(err, errlen,
               "user_tags[%zu]: tags on an image need x and y, each from "
               "0.0 to 1.0 (from the top-left corner).", i);
      return -1;
    }
    if ((x != NULL && (!json_is_number(x) || json_number_value(x) < 0.0 ||
                       json_number_value(x) > 1.0)) ||
        (y != NULL && (!json_is_number(y) || json_number_value(y) < 0.0 ||
                       json_number_value(y) > 1.0))) {
      snprintf(err, errlen,
               "user_tags[%zu]: x and y must be between 0.0 and 1.0.", i);
      return -1;
    }
  }
  return 0;
}

int
pub_check_alt_text(const char *alt, char *err, size_t errlen)
{
  size_t n;

  if (alt == NULL)
    return 0;
  n = utf8_count(alt);
  if (n <= PUB_ALT_TEXT_MAX)
    return 0;
  snprintf(err, errlen,
           "alt_text is too long: at most %d characters, got %zu.",
           PUB_ALT_TEXT_MAX, n);
  return -1;
}

int
pub_check_audio_name(const char *name, char *err, size_t errlen)
{
  size_t n;

  if (name == NULL)
    return 0;
  n = utf8_count(name);
  if (n >= 1 && n <= PUB_AUDIO_NAME_MAX)
    return 0;
  snprintf(err, errlen, "audio_name must have 1 to %d characters, got %zu.",
           PUB_AUDIO_NAME_MAX, n);
  return -1;
}
