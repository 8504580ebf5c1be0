/* SPDX-License-Identifier: MIT */
/* csv.c: comma-separated lists of names. */
#include "base/csv.h"

#include <string.h>

int
csv_each(const char *list,
         int (*fn)(const char *item, size_t len, void *arg), void *arg)
{
  const char *p = list;

  while (p != NULL && *p != '\0') {
    size_t len = strcspn(p, ",");
    const char *item = p;
    int rc;

    p += len;
    if (*p == ',')
      p++;
    while (len > 0 && (*item == ' ' || *item == '\t')) {
      item++;
      len--;
    }
    while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
      len--;
    if (len > 0 && (rc = fn(item, len, arg)) != 0)
      return rc;
  }
  return 0;
}

struct wanted {
  const char *name;
  size_t len;
};

static int
is_wanted(const char *item, size_t len, void *arg)
{
  const struct wanted *w = arg;
  return len == w->len && memcmp(item, w->name, len) == 0;
}

int
csv_has(const char *list, const char *name, size_t len)
{
  struct wanted w = { name, len };
  return csv_each(list, is_wanted, &w);
}
