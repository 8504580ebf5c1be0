/* SPDX-License-Identifier: MIT */
/*
 * log.c: stderr logging with redaction and an optional forwarding sink.
 * One mutex serializes records so lines from worker threads never mix.
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

#define MAX_SECRETS 16

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static enum log_level stderr_level = LOG_WARNING;
static log_sink_fn sink;
static void *sink_arg;
static char *secrets[MAX_SECRETS];
static int nsecrets;

static const char *names[] = {
  "debug", "info", "notice", "warning", "error", "critical", "alert",
  "emergency",
};

void
log_init(enum log_level lvl)
{
  stderr_level = lvl;
}

void
log_set_stderr_level(enum log_level lvl)
{
  stderr_level = lvl;
}

void
log_set_sink(log_sink_fn fn, void *arg)
{
  pthread_mutex_lock(&mu);
  sink = fn;
  sink_arg = arg;
  pthread_mutex_unlock(&mu);
}

void
log_add_secret(const char *s)
{
  if (s == NULL || strlen(s) < 6)
    return;
  pthread_mutex_lock(&mu);
  for (int i = 0; i < nsecrets; i++) {
    if (strcmp(secrets[i], s) == 0) {
      pthread_mutex_unlock(&mu);
      return;
    }
  }
  if (nsecrets < MAX_SECRETS)
    secrets[nsecrets++] = xstrdup(s);
  pthread_mutex_unlock(&mu);
}

void
log_clear_secrets(void)
{
  pthread_mutex_lock(&mu);
  for (int i = 0; i < nsecrets; i++)
    free(secrets[i]);
  nsecrets = 0;
  pthread_mutex_unlock(&mu);
}

/* Called with mu held. */
static void
redact_locked(char *s, size_t size)
{
  static const char repl[] = "[redacted]";
  size_t rl = sizeof(repl) - 1;

  for (int i = 0; i < nsecrets; i++) {
    size_t sl = strlen(secrets[i]);
    char *p;
    while ((p = strstr(s, secrets[i])) != NULL) {
      size_t tail = strlen(p + sl);
      /* The replacement is never longer than a secret (>= 6 < 10 bytes
       * would grow it), so grow carefully within size. */
      if (rl <= sl) {
        memcpy(p, repl, rl);
        memmove(p + rl, p + sl, tail + 1);
      } else {
        size_t off = (size_t)(p - s);
        if (off + rl + tail + 1 > size) {
          /* No room: overwrite the secret with asterisks instead. */
          memset(p, '*', sl);
          continue;
        }
        memmove(p + rl, p + sl, tail + 1);
        memcpy(p, repl, rl);
      }
    }
  }
}

void
log_redact(char *s, unsigned long size)
{
  pthread_mutex_lock(&mu);
  redact_locked(s, size);
  pthread_mutex_unlock(&mu);
}

const char *
log_level_name(enum log_level lvl)
{
  if ((int)lvl < 0 || lvl > LOG_EMERGENCY)
    return "info";
  return names[lvl];
}

int
log_level_parse(const char *name, enum log_level *out)
{
  for (int i = 0; i <= LOG_EMERGENCY; i++) {
    if (strcmp(name, names[i]) == 0) {
      *out = (enum log_level)i;
      return 0;
    }
  }
  return -1;
}

static void
vlog(enum log_level lvl, const char *logger, const char *fmt, va_list ap,
     int with_errno)
{
  char msg[2048];
  int saved = errno;
  size_t n;

  vsnprintf(msg, sizeof(msg), fmt, ap);
  if (with_errno) {
    n = strlen(msg);
    snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
  }
  pthread_mutex_lock(&mu);
  redact_locked(msg, sizeof(msg));
  if (lvl >= stderr_level)
    fprintf(stderr, "igmcp: %s: %s\n", names[lvl], msg);
  if (sink != NULL)
    sink(lvl, logger ? logger : "igmcp", msg, sink_arg);
  pthread_mutex_unlock(&mu);
  errno = saved;
}

void
log_msg(enum log_level lvl, const char *logger, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vlog(lvl, logger, fmt, ap, 0);
  va_end(ap);
}

#define DEFINE_LOG(fn, lvl, errno_flag)                                      \
  void fn(const char *fmt, ...)                                              \
  {                                                                          \
    va_list ap;                                                              \
    va_start(ap, fmt);                                                       \
    vlog(lvl, NULL, fmt, ap, errno_flag);                                    \
    va_end(ap);                                                              \
  }

DEFINE_LOG(log_debug, LOG_DEBUG, 0)
DEFINE_LOG(log_info, LOG_INFO, 0)
DEFINE_LOG(log_warnx, LOG_WARNING, 0)
DEFINE_LOG(log_warn, LOG_WARNING, 1)
DEFINE_LOG(log_errorx, LOG_ERROR, 0)

void
fatalx(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vlog(LOG_CRITICAL, NULL, fmt, ap, 0);
  va_end(ap);
  exit(1);
}
