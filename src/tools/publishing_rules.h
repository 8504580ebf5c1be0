/* SPDX-License-Identifier: MIT */
/*
 * publishing_rules.h: Meta's publishing rules checked locally, before a
 * request is spent.
 *
 * Each check returns 0 when the value passes, or -1 and writes into err a
 * one-line explanation naming the field, the rule and the limit (and the
 * value found), ready for result_errorf.  Nothing here allocates or talks
 * to the network, so the unit test drives the rules at their boundaries.
 */
#ifndef IGMCP_TOOLS_PUBLISHING_RULES_H
#define IGMCP_TOOLS_PUBLISHING_RULES_H

#include <jansson.h>
#include <stddef.h>

#define PUB_CAPTION_MAX 2200
#define PUB_HASHTAGS_MAX 30
#define PUB_MENTIONS_MAX 20
#define PUB_CAROUSEL_MIN 2
#define PUB_CAROUSEL_MAX 10
#define PUB_COLLABORATORS_MAX 3
#define PUB_ALT_TEXT_MAX 1000
#define PUB_URL_MAX 2048
#define PUB_USER_TAGS_MAX 20
#define PUB_AUDIO_NAME_MAX 100

/* Counts hashtags ('#' followed by a letter, digit, '_' or any non-ASCII
 * character) and @mentions (the same after '@', unless the '@' follows a
 * letter or digit, as in an e-mail address). */
void pub_count_tags(const char *s, size_t *hashtags, size_t *mentions);

/* Caption: at most 2,200 characters (code points), 30 hashtags and 20
 * @mentions.  NULL passes. */
int pub_check_caption(const char *caption, char *err, size_t errlen);

/* A media URL Meta must fetch: at most 2,048 bytes, https only, with a
 * host that is neither "localhost" (or *.localhost, a metadata host name)
 * nor an IP literal in a private, loopback, link-local, carrier-grade NAT,
 * multicast, reserved or cloud-metadata range; no user:password@; and a
 * host name that resolves (within 2 s) to such an address is refused too
 * (a name that does not resolve passes: Meta reports what it cannot
 * fetch); a host's verdict is kept for a minute.  Redirects are not followed: igmcp never fetches the URL.  field
 * names the argument in the message. */
/* A resolved address: 4 bytes (v6 0) or 16 (v6 1), network order. */
struct pub_addr {
  int v6;
  unsigned char b[16];
};
#define PUB_RESOLVE_MAX 16
#define PUB_RESOLVE_TIMEOUT_MS 2000L
/* Resolves host into at most max addresses within timeout_ms; returns how
 * many, or -1 (unknown: not resolvable, or too slow). */
typedef int (*pub_resolve_fn)(const char *host, struct pub_addr *out,
                              int max, long timeout_ms);
/* Replaces the resolver (tests); NULL restores the system's. */
void pub_set_resolver(pub_resolve_fn fn);

int pub_check_url(const char *field, const char *url, char *err,
                  size_t errlen);

/* A carousel has 2 to 10 items. */
int pub_check_carousel_count(size_t n, char *err, size_t errlen);

/* At most 3 collaborators. */
int pub_check_collaborators(size_t n, char *err, size_t errlen);

/* 1 when s is an Instagram username: 1 to 30 ASCII letters, digits, '.'
 * or '_'. */
int pub_is_username(const char *s);

/* collaborators: an array of usernames, none twice (case does not count),
 * at most 3.  NULL passes. */
int pub_check_collaborator_list(const json_t *list, char *err,
                                size_t errlen);

/* user_tags: an array of at most 20 objects {username, x?, y?} with no
 * other key; x and y in [0, 1], both present when need_xy (images).  The
 * tools' schemas leave the shape to this check.  NULL passes. */
int pub_check_user_tags(const json_t *tags, int need_xy, char *err,
                        size_t errlen);

/* alt_text: at most 1,000 characters.  NULL passes. */
int pub_check_alt_text(const char *alt, char *err, size_t errlen);

/* audio_name (reels): 1 to 100 characters.  NULL passes. */
int pub_check_audio_name(const char *name, char *err, size_t errlen);

#endif
