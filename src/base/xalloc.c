/* SPDX-License-Identifier: MIT */
/* xalloc.c: fatal-on-failure allocation wrappers. */
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
oom(size_t n)
{
  char msg[96];
  int len = snprintf(msg, sizeof(msg), "igmcp: out of memory (%zu bytes)\n", n);
  if (len > 0)
    (void)!write(2, msg, (size_t)len);
  abort();
}

void *
xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (p == NULL)
    oom(n);
  return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
  void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
  if (p == NULL)
    oom(nmemb * size);
  return p;
}

void *
xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (q == NULL)
    oom(n);
  return q;
}

char *
xstrdup(const char *s)
{
  return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
  char *p = xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *
xasprintf(const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  int n;

  va_start(ap, fmt);
  n = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (n < 0)
    oom(0);
  return s;
}
