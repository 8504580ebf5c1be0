/* SPDX-License-Identifier: MIT */
/* utf8.c: strict UTF-8 per RFC 3629, and cutting text without splitting
 * a character. */
#include "utf8.h"

#include <string.h>

int
utf8_valid(const char *s, size_t n, size_t *bad_at)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;

  while (i < n) {
    unsigned c = p[i];
    size_t need;
    unsigned cp, min;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      need = 1; cp = c & 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      need = 2; cp = c & 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      need = 3; cp = c & 0x07; min = 0x10000;
    } else {
      goto bad;
    }
    if (n - i - 1 < need)
      goto bad;
    for (size_t k = 1; k <= need; k++) {
      if ((p[i + k] & 0xc0) != 0x80)
        goto bad;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      goto bad;
    i += need + 1;
  }
  return 1;
bad:
  if (bad_at != NULL)
    *bad_at = i;
  return 0;
}

size_t
utf8_count(const char *s)
{
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if ((*p & 0xc0) != 0x80)
      n++;
  return n;
}

void
utf8_clip(const char *s, size_t max, char *out, size_t outlen)
{
  size_t len = strlen(s), n = len;

  if (n > max)
    n = max;
  if (n >= outlen)
    n = outlen - 1;
  if (n < len)
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
      n--;
  memcpy(out, s, n);
  out[n] = '\0';
  if (n < len && n + 4 < outlen)
    memcpy(out + n, "...", 4);
}
