/* SPDX-License-Identifier: MIT */
/*
 * send_guard.h: the messaging-window guard of the DM send tools
 * (messaging.c).  Before a send, the stored window with the recipient
 * decides: outside 24 hours without the HUMAN_AGENT tag, or outside 7 days
 * with it, the send is refused here and no Graph request is made; when the
 * store knows nothing (no store, no inbound message stored) the send goes
 * to Meta, whose answer decides.  After a send Meta accepted, our message
 * is recorded in the store as the echo webhook would record it, and the
 * store's watchers are told.  See docs/internals/inbox.md.
 */
#ifndef IGMCP_TOOLS_SEND_GUARD_H
#define IGMCP_TOOLS_SEND_GUARD_H

#include <jansson.h>

#include "tools/tool.h"

/* What a send is, for the guard's rule and its explanation. */
enum send_guard_kind {
  SEND_GUARD_MESSAGE,     /* a message; may carry the HUMAN_AGENT tag */
  SEND_GUARD_ACTION,      /* a sender action (react, seen, typing) */
};

/*
 * Returns 0 when the send may go to Meta, or -1 with r filled (kind
 * "window_closed": when the window closed, what to do instead, and
 * error.window {state, last_inbound_at, closed_at, human_agent_until}).
 * human_agent is 1 when the message carries tag HUMAN_AGENT.  Store
 * failures let the send through (logged).
 */
int send_guard_check(struct call *c, struct result *r, const char *user_id,
                     enum send_guard_kind kind, int human_agent);

/*
 * After a send Meta refused: when its error (r, as tool_graph filled it)
 * is the window one (code 10, subcode 2534022 or 2018278) and the store
 * knew nothing of the window, records the latest last-inbound time that
 * fits Meta's answer, so later sends are refused locally.  Does nothing
 * otherwise.
 */
void send_guard_learn(struct call *c, const struct result *r,
                      const char *user_id, int human_agent);

/*
 * Records a message Meta accepted (message_id mid to user_id) in the
 * store, as an echo event made by webhook_parse, so the history and the
 * inbox show it before (or without) the echo webhook; the webhook's echo
 * later is a duplicate of it.  message is the Send API's "message" object
 * ({text} or {attachment:{type, payload:{url}}}, and reply_to), borrowed.
 * Does nothing without a store; failures are logged, never returned.
 */
void send_guard_record(struct call *c, const char *user_id, const char *mid,
                       const json_t *message);

/* After ig_mark_seen: the conversation with user_id is read up to now in
 * the store too (its unread count drops to 0).  Does nothing without a
 * store; failures are logged. */
void send_guard_mark_read(struct call *c, const char *user_id);

#endif
