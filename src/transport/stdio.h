/* SPDX-License-Identifier: MIT */
/*
 * stdio.h: the stdio transport.  Newline-delimited JSON-RPC on stdin and
 * stdout; nothing else is ever written to stdout.  Lines longer than
 * JSONRPC_MAX_MESSAGE are skipped to their end and answered with an error,
 * so one bad line never ends the session.
 */
#ifndef IGMCP_STDIO_H
#define IGMCP_STDIO_H

#include <stddef.h>

#include "mcp/server.h"

struct mcp_server;

/* An mcp_write_fn writing data and a newline to the fd in *(int *)arg. */
void stdio_write(void *arg, const char *data, size_t len,
                 const struct mcp_out *o);
/* Reads messages from fd until end of file and hands each to s.  Returns
 * 0 at end of file, -1 on a read error. */
int stdio_serve(struct mcp_server *s, int fd);

#endif
