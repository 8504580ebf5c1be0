/* SPDX-License-Identifier: MIT */
/*
 * server.h: the MCP protocol core, transport-agnostic.
 *
 * A transport hands each received message to mcp_server_handle and gives
 * the server a write callback for outgoing messages.  The server owns the
 * session lifecycle (initialize, initialized), dispatch, the worker pool
 * that runs tool calls, cancellation, progress and log notifications.
 * Quick methods (ping, tools/list, logging/setLevel) are answered on the
 * caller's thread; tools/call goes to a worker so a slow call never blocks
 * anything else.  Outgoing writes are serialized by one mutex.
 */
#ifndef IGMCP_MCP_SERVER_H
#define IGMCP_MCP_SERVER_H

#include <stddef.h>

#include "base/log.h"
#include "tools/tool.h"

#define MCP_LATEST_VERSION "2025-11-25"

/* Receives one complete JSON message (no newline); called with the
 * server's output mutex held, so it must not call back into the server. */
typedef void (*mcp_write_fn)(void *arg, const char *data, size_t len);

struct mcp_server_config {
  int workers;                /* tool-call threads; 0 means 4 */
  struct graph *graph;        /* may be NULL (tools then say what to set) */
  const struct account *acct;
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

/* 1 when v is a protocol revision this server speaks. */
int mcp_version_supported(const char *v);

#endif
