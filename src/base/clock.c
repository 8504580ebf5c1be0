/* SPDX-License-Identifier: MIT */
/* clock.c: time helpers. */
#include "clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t
clock_mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_wall_s(void)
{
  return (int64_t)time(NULL);
}

int64_t
clock_wall_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec
clock_deadline(int64_t ms)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += (time_t)(ms / 1000);
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

void
clock_sleep_ms(int64_t ms)
{
  struct timespec ts;
  if (ms <= 0)
    return;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

void
clock_iso8601(int64_t unix_s, char out[32])
{
  time_t t = (time_t)unix_s;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%S+0000", &tm);
}

int
clock_parse_time(const char *s, int64_t *out)
{
  struct tm tm;
  const char *p;
  int64_t v = 0;

  if (s == NULL || *s == '\0')
    return -1;
  for (p = s; *p && isdigit((unsigned char)*p); p++) {
    if (v > (INT64_MAX - 9) / 10)
      return -1;
    v = v * 10 + (*p - '0');
  }
  if (*p == '\0') {
    *out = v;
    return 0;
  }
  memset(&tm, 0, sizeof(tm));
  p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == NULL)
    return -1;
  if (strcmp(p, "+0000") != 0 && strcmp(p, "Z") != 0 &&
      strcmp(p, "+00:00") != 0)
    return -1;
  *out = (int64_t)timegm(&tm);
  return 0;
}
