/* SPDX-License-Identifier: MIT */
/*
 * err.h: an error that carries its own text.  A caller owns a struct err on
 * its stack, passes it down, and reads code and msg when a call fails.  Deep
 * functions never print; they fill the struct and return a negative code.
 */
#ifndef IGMCP_ERR_H
#define IGMCP_ERR_H

#include <stdarg.h>

enum err_code {
  ERR_OK = 0,
  ERR_INVALID = -1,   /* bad input from the caller or the outside */
  ERR_NOMEM = -2,     /* a capped buffer would grow past its limit */
  ERR_IO = -3,        /* a system call or the network failed */
  ERR_GRAPH = -4,     /* Meta answered with an error envelope */
  ERR_CANCELLED = -5, /* the request was cancelled by the client */
  ERR_TIMEOUT = -6,   /* a deadline passed */
  ERR_CONFIG = -7,    /* a missing or unusable setting */
  ERR_NOTFOUND = -8,
  ERR_INTERNAL = -9,
};

struct err {
  int code;
  char msg[512];
};

/* Fills e (when not NULL) and returns code, so callers can write
 * `return err_set(e, ERR_INVALID, "...")`. */
int err_set(struct err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int err_vset(struct err *e, int code, const char *fmt, va_list ap);
void err_clear(struct err *e);

#endif
