/* SPDX-License-Identifier: MIT */
/*
 * buf.h: a growable byte buffer with a hard cap.  Every buffer is created
 * with a maximum size; an append past it fails with ERR_NOMEM and leaves the
 * buffer as it was.  The data is always NUL-terminated so read-only libc
 * calls work on it.  The buffer owns its memory; buf_free releases it.
 */
#ifndef IGMCP_BUF_H
#define IGMCP_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
  char *data;  /* NUL-terminated; NULL until the first append */
  size_t len;  /* bytes used, not counting the NUL */
  size_t cap;  /* bytes allocated */
  size_t max;  /* hard cap on len */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Returns the data ("" when empty); the buffer keeps ownership. */
const char *buf_cstr(const struct buf *b);
/* Hands the data to the caller (who frees it) and resets the buffer. */
char *buf_steal(struct buf *b);

#endif
