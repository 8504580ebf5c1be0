/* SPDX-License-Identifier: MIT */
/*
 * server.h: the MCP protocol core, transport-agnostic, for both eras.
 *
 * A transport hands each received message to mcp_server_handle and gives
 * the server a write callback for outgoing messages.  The server owns the
 * legacy lifecycle (initialize, initialized), the per-request 2026-07-28
 * envelope (_meta protocol version and client capabilities, no
 * handshake), dispatch, cancellation, progress and log notifications.
 * Quick methods (server/discover, ping, tools/list, logging/setLevel) are
 * answered on the caller's thread; tools/call goes to a worker pool so a
 * slow call never blocks anything else.  Outgoing writes are serialized
 * by one mutex.
 *
 * Which era a request belongs to is decided per request (mcp.md §6.8): a
 * request whose params._meta names a protocol version, server/discover,
 * and any request before initialize other than initialize itself are
 * 2026-07-28 requests, except a legacy ping; everything else follows the
 * session initialize opened.
 */
#ifndef IGMCP_MCP_SERVER_H
#define IGMCP_MCP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/log.h"
#include "base/pool.h"
#include "tools/tool.h"

#define MCP_LATEST_VERSION "2025-11-25"  /* the newest with initialize */
#define MCP_MODERN_VERSION "2026-07-28"  /* the newest, per request */
#define MCP_META_VERSION "io.modelcontextprotocol/protocolVersion"
#define MCP_META_CAPS "io.modelcontextprotocol/clientCapabilities"
#define MCP_META_LOGLEVEL "io.modelcontextprotocol/logLevel"
#define MCP_META_SERVERINFO "io.modelcontextprotocol/serverInfo"
#define MCP_META_SUBSCRIPTION "io.modelcontextprotocol/subscriptionId"

/* The 2026-07-28 error codes. */
#define MCP_ERR_HEADER_MISMATCH (-32020)
#define MCP_ERR_MISSING_CAPABILITY (-32021)
#define MCP_ERR_UNSUPPORTED_VERSION (-32022)

/* What the server knows about an outgoing message, so a transport can
 * route it without parsing it. */
struct mcp_out {
  const char *related; /* jsonrpc_id_key of the request it belongs to (a
                          response, or progress and logs of a running
                          call), or NULL */
  int final;           /* the response to related */
  int error;           /* final, and a JSON-RPC error */
};

/* Receives one complete JSON message (no newline); called with the
 * server's output mutex held, so it must not call back into the server. */
typedef void (*mcp_write_fn)(void *arg, const char *data, size_t len,
                             const struct mcp_out *o);

struct mcp_server_config {
  int workers;                /* tool-call threads; 0 means 4 */
  /* Borrowed: the pool every session of a transport shares.  NULL: the
   * server starts its own pool of `workers` threads. */
  struct pool *pool;
  struct graph *graph;        /* may be NULL (tools then say what to set) */
  const struct account *acct;
  /* Several accounts (tools/accounts.h): a call's "account" argument
   * picks one; NULL: graph and acct alone. */
  struct accounts *accounts;
  struct store *store;        /* the inbox store; may be NULL */
  int64_t (*now_ms)(void *arg); /* the window clock; NULL: wall clock */
  void *now_arg;
  mcp_write_fn write;
  void *write_arg;
  const char *instructions;   /* optional text for initialize */
  /* 0: this server installs itself as the process's log sink (stdio, one
   * session).  1: several servers share the process; the transport
   * installs mcp_server_log_sink, which forwards a record to the server
   * whose worker or handler logged it. */
  int shared_log;
};

struct mcp_server;

struct mcp_server *mcp_server_new(const struct mcp_server_config *cfg);
/* Handles one incoming message of len bytes. */
void mcp_server_handle(struct mcp_server *s, const char *data, size_t len);
/* Answers a message the transport refused because it was too large. */
void mcp_server_reject_oversize(struct mcp_server *s, size_t len);
/* Stops taking work, lets running calls finish for up to drain_ms, then
 * cancels the rest and joins the workers. */
void mcp_server_shutdown(struct mcp_server *s, long drain_ms);
void mcp_server_free(struct mcp_server *s);

/* A log_sink_fn for shared_log servers: forwards the record to the server
 * running on the calling thread (a worker, or a transport thread inside
 * mcp_server_handle), if any, and drops it otherwise. */
void mcp_server_log_sink(enum log_level lvl, const char *logger,
                         const char *msg, void *arg);

/* 1 when v is a protocol revision this server speaks (either era). */
int mcp_version_supported(const char *v);
/* 1 when v is a revision spoken through initialize (2025-11-25 and older). */
int mcp_version_legacy(const char *v);

/* Checks the _meta of a 2026-07-28 request's params: a JSON object with
 * the protocol version (a supported modern one) and the client
 * capabilities, and a valid log level when present.  Returns 0, or a
 * JSON-RPC error code (-32602 or -32022) with *err set to the error object
 * (code, message, data) to send.  Transports call it to choose an HTTP
 * status before dispatching; the server calls it for every such request. */
int mcp_meta_check(const json_t *params, json_t **err);
/* 1 when method is one a 2026-07-28 request may name to a server with
 * this configuration (the resources/ methods need a store). */
int mcp_modern_method(const char *method,
                      const struct mcp_server_config *cfg);

#endif
