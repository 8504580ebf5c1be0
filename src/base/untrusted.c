/* SPDX-License-Identifier: MIT */
/*
 * untrusted.c: cleaning and lockdown of third-party text in tool results.
 * Cleaning removes what a reader cannot see but a model still reads;
 * lockdown withholds the text of accounts the operator has not listed.
 * Neither is an authorization boundary (docs/internals/untrusted.md).
 * Everything works in place; only strings that change are copied.
 */
#include "untrusted.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

#define BAD 0x110000u /* decode() result for an invalid sequence */

/* Plain ASCII that is kept as it is: printable characters, tab, newline. */
#define PLAIN(c) (((c) >= 0x20 && (c) < 0x7f) || (c) == '\t' || (c) == '\n')

/*
 * Decodes the character at p[0..n).  Returns its length and sets *cp, or,
 * for an invalid sequence, returns the length of its maximal subpart (the
 * longest prefix that could start a valid character, at least 1) and sets
 * *cp to BAD.  Overlongs, surrogates and values above U+10FFFF are invalid.
 */
static size_t
decode(const unsigned char *p, size_t n, uint32_t *cp)
{
  unsigned c = p[0], lo, hi;
  size_t need, k;
  uint32_t v;

  *cp = c;
  if (c < 0x80)
    return 1;
  *cp = BAD;
  need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2
       : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
  if (need == 0)
    return 1;
  /* The second byte's range excludes overlongs (E0, F0), surrogates (ED)
   * and code points above U+10FFFF (F4). */
  v = c & (0x3fu >> need);
  lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
  hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
  for (k = 1; k <= need; k++) {
    if (k >= n || p[k] < lo || p[k] > hi)
      return k;
    v = (v << 6) | (p[k] & 0x3f);
    lo = 0x80;
    hi = 0xbf;
  }
  *cp = v;
  return need + 1;
}

/* Whether code point c hides or reorders text (see untrusted.h).  Tab,
 * newline and carriage return are handled before this is called.  U+2065 is
 * unassigned but default-ignorable, so the whole U+2060-U+206F block goes. */
static int
hidden(uint32_t c)
{
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
    return 1;
  switch (c) {
  case 0x00ad: case 0x034f: case 0x061c: case 0x180e: case 0x200b:
  case 0x200c: case 0x200e: case 0x200f: case 0xfeff:
    return 1;
  }
  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
         (c >= 0xfff9 && c <= 0xfffb) || (c >= 0xe0000 && c <= 0xe007f);
}

/* Appends p[0..n) at out + *o unless out is NULL.  Copies forward, which is
 * safe when out aliases the input at or behind the read position. */
static void
put(char *out, size_t *o, const char *p, size_t n)
{
  for (size_t k = 0; out != NULL && k < n; k++)
    out[*o + k] = p[k];
  *o += n;
}

/*
 * Cleans in[0..n) into out, or only measures when out is NULL.  Sets
 * *outlen (no NUL is written) and returns the number of characters removed
 * or replaced.  With qmark, invalid sequences become '?' rather than
 * U+FFFD; then no step writes more than it reads, so out may equal in.
 */
static size_t
clean_run(const unsigned char *in, size_t n, char *out, int qmark,
          size_t *outlen)
{
  size_t i = 0, o = 0, changed = 0, len;
  uint32_t c;

  while (i < n) {
    if (PLAIN(in[i])) {
      put(out, &o, (const char *)in + i++, 1);
    } else if (in[i] == '\r') {
      /* \r\n drops the \r (the \n is copied next); a lone \r becomes \n. */
      changed++;
      if (++i == n || in[i] != '\n')
        put(out, &o, "\n", 1);
    } else {
      len = decode(in + i, n - i, &c);
      if (c == BAD) {
        changed++;
        put(out, &o, qmark ? "?" : "\xef\xbf\xbd", qmark ? 1 : 3);
      } else if (hidden(c)) {
        changed++;
      } else {
        put(out, &o, (const char *)in + i, len);
      }
      i += len;
    }
  }
  *outlen = o;
  return changed;
}

size_t
untrusted_clean(char *s)
{
  unsigned char *p = (unsigned char *)s;
  size_t i = 0, n, changed, outlen;
  char *tmp;

  if (s == NULL)
    return 0;
  while (PLAIN(p[i]))
    i++;
  if (p[i] == '\0')
    return 0; /* the fast path: clean ASCII, one pass */
  n = i + strlen(s + i);
  changed = clean_run(p + i, n - i, NULL, 0, &outlen);
  if (changed == 0)
    return 0;
  if (i + outlen <= n) {
    /* U+FFFD may be longer than what it replaces, and a write may then
     * overtake the read position, so write to a copy first. */
    tmp = xmalloc(outlen + 1);
    clean_run(p + i, n - i, tmp, 0, &outlen);
    memcpy(s + i, tmp, outlen);
    free(tmp);
  } else {
    clean_run(p + i, n - i, s + i, 1, &outlen);
  }
  s[i + outlen] = '\0';
  return changed;
}

size_t
untrusted_clean_json(json_t *v)
{
  size_t total = 0, i, n, outlen;
  const char *key;
  json_t *item;
  char *out;

  if (json_is_object(v)) {
    json_object_foreach(v, key, item)
      total += untrusted_clean_json(item);
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, item)
      total += untrusted_clean_json(item);
  } else if (json_is_string(v)) {
    const unsigned char *p = (const unsigned char *)json_string_value(v);
    n = json_string_length(v);
    total = clean_run(p, n, NULL, 0, &outlen);
    if (total > 0) {
      out = xmalloc(outlen + 1);
      clean_run(p, n, out, 0, &outlen);
      json_string_setn_nocheck(v, out, outlen); /* copies; output is valid */
      free(out);
    }
  }
  return total;
}

/*
 * Lockdown rules.  The walk visits every object of a result, except under
 * "error" and "rate_limit", which are ours.
 *
 * 1. An object's author is, first match wins per part: id from from.id,
 *    owner.id, "from_id", "owner_id"; username from from.username,
 *    owner.username, "username", "owner_username".  An object with a
 *    username and none of those ids that carries no posted text (no "text",
 *    "caption", "message") is a profile, and its own "id" is the author's.
 * 2. An object without an author of its own inherits one only from its
 *    parent through "children" and "attachments" (parts of the same post or
 *    message) and through "media" when the parent is a profile (business
 *    discovery lists the account's posts without a username).  Everything
 *    else nested, such as "reply_to", "replies" or "story", has its own
 *    author or none: a quoted item is not written by whoever quoted it.
 * 3. An object carries third-party text when a TEXT key holds a non-null
 *    value, or when it has an author (own or inherited) and a NAME key does.
 *    So {id, name} from hashtags, Pages, metrics or the app stays untouched.
 * 4. When it carries text and its author is unknown or not trusted, every
 *    TEXT and NAME key becomes null and "withheld" explains why.  Ids,
 *    usernames, counts, timestamps, media URLs and our own fields (kind,
 *    note, next_step, ...) are never changed.  Nested objects are judged on
 *    their own, so a trusted reply under a withheld comment stays.
 * 5. Trusted: own_id, own_username and each entry of trusted, matched
 *    against the author's id exactly and against the username
 *    case-insensitively, a leading '@' ignored on both sides.
 */
static const char *const text_keys[] = {
  "text", "caption", "message", "biography", NULL
};
static const char *const name_keys[] = { "name", "website", NULL };

struct author {
  const char *id, *username;
};

static const char *
str(const json_t *o, const char *key)
{
  const char *s = json_string_value(json_object_get(o, key));
  return s != NULL && *s != '\0' ? s : NULL;
}

static int
has_any(const json_t *o, const char *const *keys)
{
  for (; *keys != NULL; keys++)
    if (json_object_get(o, *keys) != NULL &&
        !json_is_null(json_object_get(o, *keys)))
      return 1;
  return 0;
}

/* Whether o is a post, comment or message rather than a profile. */
static int
posted(const json_t *o)
{
  return json_object_get(o, "text") != NULL ||
         json_object_get(o, "caption") != NULL ||
         json_object_get(o, "message") != NULL;
}

/* Fills *a by rule 1; returns 0 when the object names no author. */
static int
author_of(const json_t *o, struct author *a)
{
  const json_t *from = json_object_get(o, "from");
  const json_t *owner = json_object_get(o, "owner");
  const char *id = str(from, "id"), *u = str(from, "username");

  id = id != NULL ? id : str(owner, "id");
  id = id != NULL ? id : str(o, "from_id");
  id = id != NULL ? id : str(o, "owner_id");
  u = u != NULL ? u : str(owner, "username");
  u = u != NULL ? u : str(o, "username");
  u = u != NULL ? u : str(o, "owner_username");
  if (id == NULL && u != NULL && !posted(o))
    id = str(o, "id");
  a->id = id;
  a->username = u;
  return id != NULL || u != NULL;
}

static int
matches(const char *entry, const struct author *a)
{
  const char *u = a->username;

  if (entry == NULL || *entry == '\0')
    return 0;
  if (a->id != NULL && strcmp(entry, a->id) == 0)
    return 1;
  if (u == NULL)
    return 0;
  entry += *entry == '@';
  u += *u == '@';
  return *entry != '\0' && strcasecmp(entry, u) == 0;
}

static int
trusted(const struct author *a, const struct lockdown *l)
{
  const char *const *t;

  if (a == NULL || l == NULL)
    return 0;
  if (matches(l->own_id, a) || matches(l->own_username, a))
    return 1;
  for (t = l->trusted; t != NULL && *t != NULL; t++)
    if (matches(*t, a))
      return 1;
  return 0;
}

/* Whether s is 1-maxlen characters of set, so it can be quoted safely. */
static int
plain(const char *s, const char *set, size_t maxlen)
{
  size_t n = s != NULL ? strlen(s) : 0;
  return n > 0 && n <= maxlen && strspn(s, set) == n;
}

/* Rule 4.  The reason names the author only by a well-formed username or
 * numeric id, so the note itself cannot carry text. */
static void
withhold(json_t *o, const struct author *a)
{
  static const char uchars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
                               "tuvwxyz0123456789._";
  const char *const *lists[] = { text_keys, name_keys };
  const char *who = "an unknown author", *u = a ? a->username : NULL;
  char why[96];

  for (size_t i = 0; i < 2; i++)
    for (const char *const *k = lists[i]; *k != NULL; k++)
      if (json_object_get(o, *k) != NULL)
        json_object_set_new(o, *k, json_null());
  if (u != NULL && plain(u + (*u == '@'), uchars, 30))
    who = u + (*u == '@');
  else if (a != NULL && plain(a->id, "0123456789", 25))
    who = a->id;
  snprintf(why, sizeof(why), "lockdown: %s is not a trusted account", who);
  json_object_set_new(o, "withheld", json_string(why));
}

static size_t
walk(json_t *v, const struct lockdown *l, const struct author *inherited)
{
  struct author own;
  const struct author *a, *pass;
  const char *key;
  json_t *item;
  size_t n = 0, i;
  int profile;

  if (json_is_array(v)) {
    json_array_foreach(v, i, item)
      n += walk(item, l, inherited);
    return n;
  }
  if (!json_is_object(v))
    return 0;
  a = author_of(v, &own) ? &own : inherited;
  if ((has_any(v, text_keys) || (a != NULL && has_any(v, name_keys))) &&
      !trusted(a, l)) {
    withhold(v, a);
    n++;
  }
  profile = a == &own && !posted(v);
  json_object_foreach(v, key, item) {
    if (strcmp(key, "error") == 0 || strcmp(key, "rate_limit") == 0)
      continue;
    pass = NULL;
    if (strcmp(key, "children") == 0 || strcmp(key, "attachments") == 0 ||
        (strcmp(key, "media") == 0 && profile))
      pass = a;
    n += walk(item, l, pass);
  }
  return n;
}

size_t
lockdown_filter(json_t *v, const struct lockdown *l)
{
  return walk(v, l, NULL);
}
