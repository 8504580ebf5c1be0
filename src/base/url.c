/* SPDX-License-Identifier: MIT */
/* url.c: percent-encoding. */
#include "url.h"

#include <ctype.h>
#include <string.h>

int
url_encode(struct buf *b, const char *s)
{
  static const char hexd[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
      if (buf_putc(b, (char)*p) != 0)
        return -2;
    } else {
      char e[3] = { '%', hexd[*p >> 4], hexd[*p & 15] };
      if (buf_append(b, e, 3) != 0)
        return -2;
    }
  }
  return 0;
}

static int
hexval(int c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

long
url_decode(char *s)
{
  char *r = s, *w = s;
  while (*r) {
    if (*r == '%') {
      int h = hexval((unsigned char)r[1]), l;
      if (h < 0)
        return -1;
      l = hexval((unsigned char)r[2]);
      if (l < 0)
        return -1;
      *w++ = (char)(h * 16 + l);
      r += 3;
    } else if (*r == '+') {
      *w++ = ' ';
      r++;
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
  return (long)(w - s);
}
