/* SPDX-License-Identifier: MIT */
/* utf8.h: strict UTF-8 validation and code point counting. */
#ifndef IGMCP_UTF8_H
#define IGMCP_UTF8_H

#include <stddef.h>

/* Returns 1 when p[0..n) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else 0 and, when bad_at is not NULL, the offset
 * of the first bad byte. */
int utf8_valid(const char *p, size_t n, size_t *bad_at);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_count(const char *s);
/* Copies at most max bytes of s into out (outlen bytes) without cutting a
 * UTF-8 character, with "..." appended when it was cut and fits. */
void utf8_clip(const char *s, size_t max, char *out, size_t outlen);

#endif
