/* SPDX-License-Identifier: MIT */
/* buf.c: capped growable buffer. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xalloc.h"

void
buf_init(struct buf *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
}

void
buf_free(struct buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
  b->len = 0;
  if (b->data != NULL)
    b->data[0] = '\0';
}

static int
grow(struct buf *b, size_t need)
{
  size_t cap;

  if (need > b->max)
    return ERR_NOMEM;
  if (need + 1 <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 64;
  while (cap < need + 1)
    cap *= 2;
  if (cap > b->max + 1)
    cap = b->max + 1;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
  return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
  if (n > b->max || b->len > b->max - n)
    return ERR_NOMEM;
  if (grow(b, b->len + n) != 0)
    return ERR_NOMEM;
  if (n > 0)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
  return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
  return buf_append(b, &c, 1);
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
  va_list ap;
  char small[256];
  int n;

  va_start(ap, fmt);
  n = vsnprintf(small, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0)
    return ERR_INVALID;
  if ((size_t)n < sizeof(small))
    return buf_append(b, small, (size_t)n);
  if (b->len > b->max || (size_t)n > b->max - b->len)
    return ERR_NOMEM;
  if (grow(b, b->len + (size_t)n) != 0)
    return ERR_NOMEM;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

const char *
buf_cstr(const struct buf *b)
{
  return b->data != NULL ? b->data : "";
}

char *
buf_steal(struct buf *b)
{
  char *p = b->data != NULL ? b->data : xstrdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}
