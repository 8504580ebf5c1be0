/* SPDX-License-Identifier: MIT */
/*
 * webhook.h: Meta's webhooks without the HTTP.  webhook_verify answers the
 * GET subscription handshake, webhook_signature_ok checks the
 * X-Hub-Signature-256 header of a POST against the raw body, and
 * webhook_parse turns a delivered body into normalized events (the format
 * the store ingests; docs/internals/webhook.md).  Nothing here keeps state,
 * logs or touches a socket, so every function is safe from any thread.
 */
#ifndef IGMCP_WEBHOOK_H
#define IGMCP_WEBHOOK_H

#include <stddef.h>

#include <jansson.h>

#include "base/err.h"

/* Bounds on one delivered body.  Meta batches at most 1,000 updates per
 * POST; past these the body is refused whole with an error. */
#define WEBHOOK_MAX_BODY (16u * 1024 * 1024) /* bytes */
#define WEBHOOK_MAX_ENTRIES 5000             /* entry[] elements */
#define WEBHOOK_MAX_ITEMS 10000 /* messaging[] + changes[] + standby[] */
/* The longest hub.challenge echoed back (Meta sends a 9-10 digit number). */
#define WEBHOOK_MAX_CHALLENGE 128

/*
 * The GET handshake: hub.mode must be "subscribe" and hub.verify_token
 * must equal expected_token (compared in constant time).  Any argument may
 * be NULL when the query lacked it.  Returns the HTTP status to send:
 * 200 with *out_challenge set to challenge (borrowed; send it as the whole
 * text/plain body), 403 when the token is wrong or no token is configured
 * (expected_token NULL or ""), 400 when a parameter is missing, the mode
 * is not "subscribe" or the challenge is not 1..WEBHOOK_MAX_CHALLENGE
 * visible ASCII characters without HTML metacharacters.  *out_challenge
 * is NULL unless the result is 200.
 */
int webhook_verify(const char *mode, const char *verify_token,
                   const char *challenge, const char *expected_token,
                   const char **out_challenge);

/*
 * Checks an X-Hub-Signature-256 header ("sha256=" and 64 hex digits of
 * either case) against HMAC-SHA256(key = app secret, msg = the raw body
 * bytes exactly as received).  Returns 1 when it matches, 0 otherwise: a
 * NULL or malformed header, and a NULL or empty secret, are never a match.
 * The comparison is constant-time.
 */
int webhook_signature_ok(const char *header, const void *body, size_t len,
                         const char *app_secret, size_t secretlen);

/*
 * Parses a delivered body (object "instagram" or "page") into a new JSON
 * array of normalized events, one per messaging[], standby[] or changes[]
 * element or flat {field, value} entry, in body order.  Each event has
 * "object", "kind", "account_id", "time_ms", "key" and "item", and the
 * optional fields its kind carries (docs/internals/webhook.md).  An element
 * of a kind we do not know, or whose identifying fields are missing or
 * ill-typed, becomes kind "unknown" with a "reason"; it is kept, never
 * dropped.  Returns NULL and fills e (ERR_INVALID, with the JSON path of the
 * fault) when the body is not JSON, its envelope has the wrong shape, or it
 * exceeds the bounds above; no events then.  The caller owns the result.
 */
json_t *webhook_parse(const char *raw, size_t len, struct err *e);

#endif
