/* SPDX-License-Identifier: MIT */
/*
 * refresh.h: automatic renewal of long-lived Instagram Login tokens.
 *
 * A thread of `igmcp serve` looks at the accounts of the credentials file
 * every hour (IGMCP_REFRESH_CHECK_MS) and refreshes a token once it is
 * over a day old and within the last 10 days of its life (GET
 * graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token).
 * The new token is written to the credentials file (creds_save: atomic,
 * 0600) and swapped into the account's Graph client (graph_set_token):
 * no restart.  A token that cannot be refreshed is logged with the
 * account's name and Meta's reason, and ig_token_status reports it
 * (refresh_state "failed", last_refresh_error); it is tried again at the
 * next check.  Facebook Login Page tokens do not expire this way and are
 * left alone.
 */
#ifndef IGMCP_REFRESH_H
#define IGMCP_REFRESH_H

#include <stdint.h>

#include "base/err.h"
#include "tools/accounts.h"

/* Refreshes e's token now (now: unix seconds, the clock expiry is judged
 * by).  Returns 0, or -1 with the reason in e's last_error (and logged). */
int refresh_account(struct accounts *a, struct accounts_entry *en,
                    int64_t now);

/* Refreshes every account that is due at now; returns how many were
 * refreshed. */
int refresh_check(struct accounts *a, int64_t now);

struct refresher;

/* Starts the thread: a check at once, then every check_ms (0: an hour).
 * now_ms is the clock (NULL: the wall clock; the sandbox's under
 * --sandbox).  NULL when a has no refreshable account. */
struct refresher *refresh_start(struct accounts *a, long check_ms,
                                int64_t (*now_ms)(void *), void *now_arg);
void refresh_stop(struct refresher *r);

#endif
