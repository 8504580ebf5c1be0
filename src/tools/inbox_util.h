/* SPDX-License-Identifier: MIT */
/*
 * inbox_util.h: what the inbox tools (inbox.c) and the send guard
 * (send_guard.c) share: the store precondition and the account's store
 * id, ISO-8601 times in and out, the extra keys an agent reads more easily
 * than milliseconds, and @username lookup among stored conversations.
 */
#ifndef IGMCP_TOOLS_INBOX_UTIL_H
#define IGMCP_TOOLS_INBOX_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"
#include "tools/tool.h"

/* Room for "2026-12-06T03:04:05.123Z" and its NUL. */
#define INBOX_ISO_LEN 32
/* Room for the account's numeric id. */
#define INBOX_ACCT_LEN 32

/*
 * Checks that the server has a store (not --db off) and writes the
 * account's store id to acct.  Returns 0, or -1 with r filled: kind
 * "not_configured" naming what to change, or the account lookup's error.
 */
int inbox_begin(struct call *c, struct result *r, char *acct, size_t len);

/* ms as "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (UTC) into out (INBOX_ISO_LEN). */
void inbox_iso(int64_t ms, char *out, size_t len);

/*
 * Parses an ISO-8601 date ("2026-11-05") or date-time
 * ("2026-11-05T14:30[:05[.123]]" with "Z", "+hh:mm" or "-hh:mm"; none
 * means UTC) into unix milliseconds.  A bare date is its first
 * millisecond, or with end_of_day its last.  Returns 0, or -1.
 */
int inbox_parse_time(const char *s, int end_of_day, int64_t *ms);

/* The optional time argument key of args into *ms (0 when absent).
 * Returns 0, or -1 with r filled (invalid_argument). */
int inbox_time_arg(struct result *r, const json_t *args, const char *key,
                   int end_of_day, int64_t *ms);

/*
 * Adds to every object of v, recursively (raw "item"s excepted):
 * "<name>_at" (ISO) beside each time "<name>_ms"; "waiting" ("2d 3h")
 * beside "waiting_ms"; "summary" in a window ("open until T", "closed
 * since T"); and "from_id" to a message that has a direction but no
 * sender: the other party (user_id of it or of an enclosing object) for
 * "in", acct for "out".
 */
void inbox_decorate(json_t *v, const char *acct);

/*
 * Resolves user (an IGSID, or a username with or without '@') to an
 * IGSID into out.  Usernames are looked up among the stored
 * conversations' participants (case-insensitively).  Returns 0, or -1
 * with r filled (not_found).
 */
int inbox_user_id(struct call *c, struct result *r, const char *acct,
                  const char *user, char *out, size_t len);

/* Fills r from a failed store call (not_found, invalid_argument or
 * store_error) and returns -1. */
int inbox_store_fail(struct result *r, const struct err *e);

#endif
