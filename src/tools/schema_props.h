/* SPDX-License-Identifier: MIT */
/*
 * schema_props.h: inputSchema properties that several toolsets share, as
 * JSON text to splice into a tool's schema string, so that one argument
 * reads the same in every tool.
 */
#ifndef IGMCP_SCHEMA_PROPS_H
#define IGMCP_SCHEMA_PROPS_H

/* The cursor a list returned as next_cursor. */
#define AFTER_PROP                                                           \
  "\"after\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096,"       \
  "\"description\":\"Cursor from a previous next_cursor.\"}"

/* An Instagram account whose edges are read; default the configured one.
 * A Facebook Page id is resolved to its account (account.h). */
#define USER_ID_PROP                                                         \
  "\"user_id\":{\"type\":\"string\",\"pattern\":\"^(me|[0-9]{1,25})$\","     \
  "\"description\":\"Instagram professional account id; default: the "       \
  "configured account.\"}"

/* Media keys a concise result leaves out (response_format "detailed" or
 * naming them in fields brings them back): CDN URLs that expire anyway,
 * and what kind and the caller already say. */
#define MEDIA_DETAIL_KEYS                                                    \
  "media_url,thumbnail_url,shortcode,media_product_type,owner_id"

#endif
