/* SPDX-License-Identifier: MIT */
/* url.h: percent-encoding for query strings and path segments. */
#ifndef IGMCP_URL_H
#define IGMCP_URL_H

#include "buf.h"

/* Appends s percent-encoded (RFC 3986 unreserved kept). Returns 0 or
 * ERR_NOMEM. */
int url_encode(struct buf *b, const char *s);
/* Decodes %XX and '+' (as space) in place; returns the new length or -1 for
 * a malformed escape. */
long url_decode(char *s);

#endif
