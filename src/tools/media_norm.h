/* SPDX-License-Identifier: MIT */
/*
 * media_norm.h: what the media and comments toolsets share: normalizers
 * from Meta's media and comment objects to the compact shapes the tools
 * return, output-schema fragments, paging and Meta's comment text rules.
 */
#ifndef IGMCP_TOOLS_MEDIA_NORM_H
#define IGMCP_TOOLS_MEDIA_NORM_H

#include <jansson.h>
#include <stddef.h>

#include "tools/schema_props.h"
#include "tools/tool.h"

#define MEDIA_ID_PATTERN "^[0-9]{1,25}$"
#define MEDIA_BEFORE_PROP                                                    \
  "\"before\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":2048,"      \
  "\"description\":\"Cursor from a previous prev_cursor (the page "          \
  "before).\"}"
#define MEDIA_LIMIT_PROP                                                     \
  "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,"           \
  "\"default\":25,\"description\":\"Items per page (1-100).\"}"

/* Output schema of one normalized media item. */
#define MEDIA_ITEM_SCHEMA                                                    \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"id\":{\"type\":\"string\"},"                                            \
  "\"kind\":{\"type\":\"string\",\"enum\":[\"image\",\"video\",\"reel\","    \
  "\"carousel\",\"story\"]},"                                                \
  "\"media_type\":{\"type\":\"string\"},"                                    \
  "\"media_product_type\":{\"type\":\"string\"},"                            \
  "\"caption\":{\"type\":\"string\"},"                                       \
  "\"media_url\":{\"type\":\"string\"},"                                     \
  "\"thumbnail_url\":{\"type\":\"string\"},"                                 \
  "\"permalink\":{\"type\":\"string\"},"                                     \
  "\"shortcode\":{\"type\":\"string\"},"                                     \
  "\"timestamp\":{\"type\":\"string\"},"                                     \
  "\"username\":{\"type\":\"string\"},"                                      \
  "\"owner_id\":{\"type\":\"string\"},"                                      \
  "\"like_count\":{\"type\":\"integer\"},"                                   \
  "\"comments_count\":{\"type\":\"integer\"},"                               \
  "\"is_comment_enabled\":{\"type\":\"boolean\"},"                           \
  "\"children\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},"      \
  "\"required\":[\"id\"]}"

#define COMMENT_ITEM_SCHEMA                                                  \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"id\":{\"type\":\"string\"},"                                            \
  "\"text\":{\"type\":\"string\"},"                                          \
  "\"timestamp\":{\"type\":\"string\"},"                                     \
  "\"username\":{\"type\":\"string\"},"                                      \
  "\"from_id\":{\"type\":\"string\"},"                                       \
  "\"like_count\":{\"type\":\"integer\"},"                                   \
  "\"hidden\":{\"type\":\"boolean\"},"                                       \
  "\"media_id\":{\"type\":\"string\"},"                                      \
  "\"parent_id\":{\"type\":\"string\"},"                                     \
  "\"replies_count\":{\"type\":\"integer\"},"                                \
  "\"replies\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},"       \
  "\"required\":[\"id\"]}"

/* Meta's fields for a media item, with children{...}. */
#define MEDIA_FIELDS                                                         \
  "id,media_type,media_product_type,caption,media_url,thumbnail_url,"        \
  "permalink,shortcode,timestamp,username,like_count,comments_count,"        \
  "is_comment_enabled,owner"
#define MEDIA_FIELDS_CHILDREN                                                \
  MEDIA_FIELDS ",children{id,media_type,media_url,thumbnail_url,permalink," \
  "timestamp}"
#define COMMENT_FIELDS                                                       \
  "id,text,timestamp,username,like_count,hidden,from,media,parent_id"

const char *mnorm_str(const json_t *o, const char *k);
/* The IG account node for user edges, into out: args' user_id, else the
 * configured id; "me" and Facebook Page ids (Facebook Login) are resolved
 * to the Page's instagram_business_account by account_resolve_user.
 * Returns 0, or -1 with r set. */
int mnorm_user(struct call *c, struct result *r, const json_t *args,
               char *out, size_t outlen);
/* "image", "video", "reel", "carousel" or "story". */
const char *mnorm_kind(const char *media_type, const char *product);
json_t *mnorm_media(const json_t *m);
json_t *mnorm_comment(const json_t *m);
/* Sets next_cursor (when paging.next exists) and prev_cursor (when
 * paging.previous exists). */
void mnorm_cursors(json_t *out, const json_t *paging);
/* Checks Meta's comment rules (300 characters, 4 hashtags, 1 URL, not
 * all capitals); 0, or -1 with r set naming field. */
int mnorm_check_comment(struct result *r, const char *field,
                        const char *text);

#endif
