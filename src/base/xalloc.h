/* SPDX-License-Identifier: MIT */
/*
 * xalloc.h: allocation that never returns NULL.  Running out of memory is
 * not an error path in igmcp: the wrappers log and abort.  Tests may install
 * a hook that fails the Nth allocation to exercise the abort path.
 */
#ifndef IGMCP_XALLOC_H
#define IGMCP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
