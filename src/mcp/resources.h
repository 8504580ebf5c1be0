/* SPDX-License-Identifier: MIT */
/*
 * resources.h: conversations of the inbox store as MCP resources
 * (instagram://conversations/{id}), for server.c only.  One struct
 * mcp_res per mcp_server (so per stdio process, per HTTP session, per
 * 2026-07-28 listen stream) holds that session's subscriptions.
 *
 * Subscriptions are fed by the store's change registry (store/watch.h):
 * the watch callback only queues the URIs to announce and calls wake
 * once; the server then drains the queue (mcp_res_take) on a worker and
 * writes notifications/resources/updated.  So a publisher never waits for
 * a client.
 *
 * The method functions return a new result object, or NULL with *err set
 * to a new JSON-RPC error object ({code, message, data?}).  Ownership:
 * arguments are borrowed.  Thread-safe.  See docs/internals/mcp.md.
 */
#ifndef IGMCP_MCP_RESOURCES_H
#define IGMCP_MCP_RESOURCES_H

#include <jansson.h>

#include "tools/tool.h"

#define MCP_RES_SCHEME "instagram://conversations/"
/* resources/read and resources/list of a missing resource, per era. */
#define MCP_ERR_RESOURCE_NOT_FOUND (-32002)

struct store;
struct mcp_res;

/* Called (without any mcp_res lock held) when the queue of notifications
 * went from empty to non-empty. */
typedef void (*mcp_res_wake_fn)(void *arg);

struct mcp_res *mcp_res_new(struct store *store, mcp_res_wake_fn wake,
                            void *wake_arg);
/* Stops watching the store: once it returns wake is never called again
 * and no subscription is added.  Idempotent; must not be called with a
 * lock that wake takes. */
void mcp_res_stop(struct mcp_res *r);
/* Stops and frees; NULL is a no-op. */
void mcp_res_free(struct mcp_res *r);

/* resources/list {cursor?}: one page of conversations, newest first. */
json_t *mcp_res_list(struct mcp_res *r, struct call *c, const json_t *params,
                     int modern, json_t **err);
/* resources/templates/list. */
json_t *mcp_res_templates(int modern);
/* resources/read {uri}. */
json_t *mcp_res_read(struct mcp_res *r, struct call *c, const json_t *params,
                     int modern, json_t **err);
/* resources/subscribe and resources/unsubscribe {uri} (legacy era). */
json_t *mcp_res_subscribe(struct mcp_res *r, struct call *c,
                          const json_t *params, json_t **err);
json_t *mcp_res_unsubscribe(struct mcp_res *r, const json_t *params,
                            json_t **err);

/* subscriptions/listen's resourceSubscriptions (2026-07-28): checks and
 * resolves each URI of uris (borrowed array) and returns a new array with
 * one object per URI it will watch ({"uri", ...}; the acknowledgement
 * lists the uri members).  Nothing is watched until mcp_res_listen_start
 * is given that array (borrowed), the listen request's id (sid: the
 * subscription id its notifications carry) and key (their route). */
json_t *mcp_res_listen_check(struct mcp_res *r, struct call *c,
                             const json_t *uris);
void mcp_res_listen_start(struct mcp_res *r, const json_t *agreed,
                          const json_t *sid, const char *key);
/* Forgets the subscriptions of the listen request with this key. */
void mcp_res_drop(struct mcp_res *r, const char *key);

/* Takes the queued notifications: a new array of {"uri", "key"?, "sid"?}
 * (key: the listen request to route to; sid: its subscription id). */
json_t *mcp_res_take(struct mcp_res *r);

/* Number of subscriptions (tests). */
int mcp_res_count(struct mcp_res *r);

#endif
