/* SPDX-License-Identifier: MIT */
/* err.c: filling struct err. */
#include "err.h"

#include <stdio.h>

int
err_vset(struct err *e, int code, const char *fmt, va_list ap)
{
  if (e != NULL) {
    e->code = code;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
  }
  return code;
}

int
err_set(struct err *e, int code, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  err_vset(e, code, fmt, ap);
  va_end(ap);
  return code;
}

void
err_clear(struct err *e)
{
  if (e != NULL) {
    e->code = ERR_OK;
    e->msg[0] = '\0';
  }
}
