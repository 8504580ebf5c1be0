/* SPDX-License-Identifier: MIT */
/*
 * pending.h: requests this server sends to its client (elicitation/create)
 * and the workers waiting for their answers.  A worker registers an id,
 * sends the request itself, then waits; the session's reader hands every
 * JSON-RPC response it receives to mcp_pending_answer, which wakes the
 * waiter of that id.  Thread-safe; one table per server (session).
 */
#ifndef IGMCP_MCP_PENDING_H
#define IGMCP_MCP_PENDING_H

#include <jansson.h>

struct mcp_pending;

struct mcp_pending *mcp_pending_new(void);
/* Frees the table; no waiter may remain (call mcp_pending_close first). */
void mcp_pending_free(struct mcp_pending *p);

/* Registers a new request: returns its id (a new JSON string,
 * "igmcp-<n>"), or NULL when the table is closed or full. */
json_t *mcp_pending_open(struct mcp_pending *p);
/*
 * Waits for the answer to id: up to timeout_ms, or until *cancel becomes
 * non-zero, or the table closes.  Returns 1 with *answer set to the
 * response's "result" (new reference), 0 with *answer set to its "error"
 * object, or -1 on timeout, cancellation or close (*answer NULL).  The id
 * is forgotten in every case.
 */
int mcp_pending_wait(struct mcp_pending *p, const json_t *id,
                     const volatile int *cancel, long timeout_ms,
                     json_t **answer);
/* A response from the client ({"id","result"|"error"}).  Returns 1 when a
 * waiter took it, 0 when no request of ours has that id. */
int mcp_pending_answer(struct mcp_pending *p, const json_t *response);
/* Wakes every waiter with -1 and refuses new requests (shutdown). */
void mcp_pending_close(struct mcp_pending *p);

#endif
