/* SPDX-License-Identifier: MIT */
/* clock.h: monotonic milliseconds, wall-clock seconds, sleeping. */
#ifndef IGMCP_CLOCK_H
#define IGMCP_CLOCK_H

#include <stdint.h>
#include <time.h>

int64_t clock_mono_ms(void);
int64_t clock_wall_s(void);
int64_t clock_wall_ms(void);
void clock_sleep_ms(int64_t ms);
/* The CLOCK_REALTIME time ms from now, for pthread_cond_timedwait. */
struct timespec clock_deadline(int64_t ms);
/* Formats a unix time as Meta does: 2022-07-12T19:11:07+0000. */
void clock_iso8601(int64_t unix_s, char out[32]);
/* Parses Meta's ISO-8601 (+0000 or Z) or a decimal unix time.  Returns 0 and
 * sets *out, or -1. */
int clock_parse_time(const char *s, int64_t *out);

#endif
