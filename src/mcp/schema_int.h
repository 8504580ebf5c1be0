/* SPDX-License-Identifier: MIT */
/*
 * schema_int.h: what schema.c and schema_pattern.c share.  Not for other
 * modules.
 */
#ifndef IGMCP_SCHEMA_INT_H
#define IGMCP_SCHEMA_INT_H

#include <regex.h>
#include <stddef.h>

/* A `format` value we assert, with the wording used when a value fails. */
struct schema_format {
  const char *name;
  int (*ok)(const char *s, size_t n);
  const char *rule;
};

const struct schema_format *schema__find_format(const char *name);

/* The compiled form of pattern, cached; when the cache is full it is
 * compiled for this call only and *owned is set (regfree and free it).
 * NULL with a reason in why for a pattern outside the subset. */
regex_t *schema__rx_get(const char *pattern, int *owned, char *why,
                        size_t len);
/* Matches s[0..n) against pattern; 0 with *matched set, or -1 and why. */
int schema__rx_match(const char *pattern, const char *s, size_t n,
                     int *matched, char *why, size_t len);

#endif
