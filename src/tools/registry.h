/* SPDX-License-Identifier: MIT */
/*
 * registry.h: every tool of every domain, with its schemas parsed and
 * checked once at start-up.  The registry turns a tools/call into a
 * CallToolResult: it validates the arguments against the inputSchema, runs
 * the handler, checks the result against the outputSchema and builds the
 * content blocks.  It is read-only after registry_init, so worker threads
 * use it without locks.
 */
#ifndef IGMCP_REGISTRY_H
#define IGMCP_REGISTRY_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "tools/tool.h"

int registry_init(struct err *e);
void registry_cleanup(void);

size_t registry_count(void);
const struct tool *registry_at(size_t i);
const struct tool *registry_find(const char *name);
/* The toolset a tool belongs to. */
const char *registry_toolset_of(const struct tool *t);
/* The MCP Tool object of tools/list of the i-th tool (borrowed). */
const json_t *registry_tool_json_at(size_t i);
const json_t *registry_input_schema(const struct tool *t);
const json_t *registry_output_schema(const struct tool *t);

/* Runs a call end to end and returns the CallToolResult (caller owns), or
 * NULL when the call was cancelled (no response must be sent).  args may
 * be NULL (treated as {}). */
json_t *registry_call(const struct tool *t, const json_t *args,
                      struct call *c);

/* Writes docs/tools.md's text into out (Markdown). */
int registry_markdown(struct buf *out);

#endif
