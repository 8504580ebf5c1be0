/* SPDX-License-Identifier: MIT */
/*
 * untrusted.h: treat third-party text in tool results as data.  DM bodies,
 * comments, captions, display names and bios are written by other people.
 * untrusted_clean strips the characters that hide or reorder text, and
 * lockdown_filter withholds text written by accounts the operator does not
 * trust.  All functions work in place on caller-owned memory and keep no
 * pointers.  See docs/internals/untrusted.md.
 */
#ifndef IGMCP_UNTRUSTED_H
#define IGMCP_UNTRUSTED_H

#include <stddef.h>

#include <jansson.h>

/* Removes, in place, the characters that hide or reorder text: C0/C1
 * controls and DEL except \t and \n (\r\n and lone \r become \n),
 * zero-width and invisible formatting characters (U+200B, U+200C, U+200E,
 * U+200F, U+2060-U+206F, U+FEFF, U+180E, U+00AD soft hyphen, U+034F),
 * bidirectional controls (U+061C, U+202A-U+202E, U+2066-U+2069), Unicode
 * tag characters (U+E0000-U+E007F) and U+FFF9-U+FFFB interlinear
 * annotations.  Keeps U+200D (ZWJ) and variation selectors (U+FE00-U+FE0F)
 * because emoji need them.  Each invalid UTF-8 sequence (maximal subpart)
 * becomes U+FFFD; as the buffer cannot grow, when the U+FFFDs would not fit
 * in strlen(s) bytes every invalid sequence becomes '?' instead.  Returns
 * the number of characters removed or replaced.  Clean ASCII is one pass
 * with no allocation.  NULL is allowed and returns 0. */
size_t untrusted_clean(char *s);

/* Cleans every string value (not object keys) in v, recursively, as
 * untrusted_clean does, except that invalid UTF-8 always becomes U+FFFD and
 * embedded NULs are removed.  Returns the total removed or replaced. */
size_t untrusted_clean_json(json_t *v);

/* Lockdown: text written by accounts the operator does not trust is
 * withheld.  All pointers are borrowed for the length of the call. */
struct lockdown {
  const char *const *trusted; /* usernames (compared case-insensitively,
                               * ignoring a leading '@') or numeric IDs;
                               * NULL-terminated; may be NULL */
  const char *own_id;         /* the configured account's numeric id,
                               * always trusted; may be NULL */
  const char *own_username;   /* always trusted; may be NULL */
};

/* Walks a tool result and, in every object that carries third-party text,
 * replaces the text fields with null and sets "withheld": "lockdown:
 * <author> is not a trusted account" when its author is not trusted or
 * cannot be identified.  The rules are in untrusted.c and the doc.  A NULL
 * l trusts nobody.  Returns the number of objects withheld. */
size_t lockdown_filter(json_t *v, const struct lockdown *l);

#endif
