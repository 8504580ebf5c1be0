/* SPDX-License-Identifier: MIT */
/*
 * media_norm.c: shared normalizers and checks of the media and comments
 * toolsets (see media_norm.h).  Meta's objects are reduced to flat,
 * compact items: owner{id} becomes owner_id, children{data} an array,
 * a media item gains "kind" (reels are VIDEO + REELS, so a plain
 * media_type would hide them), a comment gains replies_count when its
 * replies came along.
 */
#include "tools/account.h"
#include "tools/media_norm.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"

#define COMMENT_MAX_CHARS 300
#define COMMENT_MAX_HASHTAGS 4
#define COMMENT_MAX_URLS 1

const char *
mnorm_str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

int
mnorm_user(struct call *c, struct result *r, const json_t *args, char *out,
           size_t outlen)
{
  int own;

  /* One resolver for the whole catalog: "me" and Facebook Page ids become
   * the Instagram account id (account.h). */
  return account_resolve_user(c, r, mnorm_str(args, "user_id"), out, outlen,
                              &own);
}

const char *
mnorm_kind(const char *media_type, const char *product)
{
  if (product != NULL && strcmp(product, "STORY") == 0)
    return "story";
  if (product != NULL && strcmp(product, "REELS") == 0)
    return "reel";
  if (media_type != NULL && strcmp(media_type, "CAROUSEL_ALBUM") == 0)
    return "carousel";
  if (media_type != NULL && strcmp(media_type, "VIDEO") == 0)
    return "video";
  return "image";
}

/* Copies the listed keys of src that hold the wanted JSON type. */
static void
copy_keys(json_t *dst, const json_t *src, const char *const *keys,
          json_type type)
{
  for (size_t i = 0; keys[i] != NULL; i++) {
    json_t *v = json_object_get(src, keys[i]);
    if (v != NULL && (json_typeof(v) == type ||
                      (type == JSON_TRUE && json_is_boolean(v))))
      json_object_set(dst, keys[i], v);
  }
}

/* The items of array a normalized by norm; those it drops are left out. */
static json_t *
norm_all(const json_t *a, json_t *(*norm)(const json_t *))
{
  json_t *arr = json_array(), *item;
  size_t i;

  json_array_foreach(a, i, item) {
    json_t *k = norm(item);
    if (k != NULL)
      json_array_append_new(arr, k);
  }
  return arr;
}

json_t *
mnorm_media(const json_t *m)
{
  static const char *const strs[] = {
    "media_type", "media_product_type", "caption", "media_url",
    "thumbnail_url", "permalink", "shortcode", "timestamp", "username", NULL
  };
  static const char *const ints[] = { "like_count", "comments_count", NULL };
  static const char *const bools[] = { "is_comment_enabled", NULL };
  const json_t *kids = json_object_get(json_object_get(m, "children"),
                                       "data");
  json_t *o;

  if (!json_is_object(m) || mnorm_str(m, "id") == NULL)
    return NULL;
  o = json_pack("{s:s}", "id", mnorm_str(m, "id"));
  if (mnorm_str(m, "media_type") != NULL)
    json_object_set_new(o, "kind",
                        json_string(mnorm_kind(mnorm_str(m, "media_type"),
                                    mnorm_str(m, "media_product_type"))));
  copy_keys(o, m, strs, JSON_STRING);
  copy_keys(o, m, ints, JSON_INTEGER);
  copy_keys(o, m, bools, JSON_TRUE);
  if (mnorm_str(json_object_get(m, "owner"), "id") != NULL)
    json_object_set_new(o, "owner_id", json_string(
                        mnorm_str(json_object_get(m, "owner"), "id")));
  if (json_is_array(kids))
    json_object_set_new(o, "children", norm_all(kids, mnorm_media));
  return o;
}

json_t *
mnorm_comment(const json_t *m)
{
  static const char *const strs[] = {
    "text", "timestamp", "username", "parent_id", NULL
  };
  static const char *const ints[] = { "like_count", NULL };
  static const char *const bools[] = { "hidden", NULL };
  const json_t *from = json_object_get(m, "from");
  const json_t *replies = json_object_get(json_object_get(m, "replies"),
                                          "data");
  json_t *o;

  if (!json_is_object(m) || mnorm_str(m, "id") == NULL)
    return NULL;
  o = json_pack("{s:s}", "id", mnorm_str(m, "id"));
  copy_keys(o, m, strs, JSON_STRING);
  copy_keys(o, m, ints, JSON_INTEGER);
  copy_keys(o, m, bools, JSON_TRUE);
  if (mnorm_str(from, "id") != NULL)
    json_object_set_new(o, "from_id", json_string(mnorm_str(from, "id")));
  if (json_object_get(o, "username") == NULL &&
      mnorm_str(from, "username") != NULL)
    json_object_set_new(o, "username",
                        json_string(mnorm_str(from, "username")));
  if (mnorm_str(json_object_get(m, "media"), "id") != NULL)
    json_object_set_new(o, "media_id", json_string(
                        mnorm_str(json_object_get(m, "media"), "id")));
  if (json_is_array(replies)) {
    json_t *arr = norm_all(replies, mnorm_comment);
    json_object_set_new(o, "replies_count",
                        json_integer((json_int_t)json_array_size(arr)));
    json_object_set_new(o, "replies", arr);
  }
  return o;
}

void
mnorm_cursors(json_t *out, const json_t *paging)
{
  const json_t *cur = json_object_get(paging, "cursors");

  if (!json_is_object(paging))
    return;
  if (json_object_get(paging, "next") != NULL &&
      mnorm_str(cur, "after") != NULL)
    json_object_set_new(out, "next_cursor",
                        json_string(mnorm_str(cur, "after")));
  if (json_object_get(paging, "previous") != NULL &&
      mnorm_str(cur, "before") != NULL)
    json_object_set_new(out, "prev_cursor",
                        json_string(mnorm_str(cur, "before")));
}

/* Counts whitespace-separated tokens that look like links. */
static int
count_urls(const char *s)
{
  int n = 0;

  while (*s) {
    const char *e;
    size_t len;
    while (*s && isspace((unsigned char)*s))
      s++;
    e = s;
    while (*e && !isspace((unsigned char)*e))
      e++;
    len = (size_t)(e - s);
    if (len > 0 && (memmem(s, len, "://", 3) != NULL ||
                    (len > 4 && strncasecmp(s, "www.", 4) == 0)))
      n++;
    s = e;
  }
  return n;
}

int
mnorm_check_comment(struct result *r, const char *field, const char *text)
{
  size_t chars = utf8_count(text);
  int tags = 0, upper = 0, lower = 0;

  for (const char *p = text; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch == '#' && p[1] != '\0' && !isspace((unsigned char)p[1]) &&
        p[1] != '#')
      tags++;
    if (isupper(ch))
      upper++;
    else if (islower(ch))
      lower++;
  }
  if (chars > COMMENT_MAX_CHARS)
    return result_errorf(r, "invalid_argument",
                         "%s is %zu characters; Instagram allows at most %d "
                         "in a comment.", field, chars, COMMENT_MAX_CHARS);
  if (tags > COMMENT_MAX_HASHTAGS)
    return result_errorf(r, "invalid_argument",
                         "%s has %d hashtags; Instagram allows at most %d "
                         "in a comment.", field, tags, COMMENT_MAX_HASHTAGS);
  if (count_urls(text) > COMMENT_MAX_URLS)
    return result_errorf(r, "invalid_argument",
                         "%s has %d links; Instagram allows at most %d in "
                         "a comment.", field, count_urls(text),
                         COMMENT_MAX_URLS);
  if (upper >= 2 && lower == 0)
    return result_errorf(r, "invalid_argument",
                         "%s is written entirely in capital letters, which "
                         "Instagram refuses in comments; use normal case.",
                         field);
  return 0;
}
