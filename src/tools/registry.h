/* SPDX-License-Identifier: MIT */
/*
 * registry.h: every tool of every domain, with its schemas parsed and
 * checked once at start-up, and the operator's choice of which of them
 * the server offers.  The registry turns a tools/call into a
 * CallToolResult: it validates the arguments against the inputSchema, runs
 * the handler, shapes the result (concise or detailed, untrusted text
 * cleaned, lockdown, size budget) and checks it against the outputSchema.
 * It is read-only after registry_init and registry_select, so worker
 * threads use it without locks.
 */
#ifndef IGMCP_REGISTRY_H
#define IGMCP_REGISTRY_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "tools/tool.h"

/* Largest structuredContent a result may have, in bytes of compact JSON:
 * under 9,000 tokens even for the densest JSON we send (a page of message
 * IDs, random base64 that tokenizes at 1.8 bytes a token), so under the
 * 10,000-token budget of a result; longer lists are cut between items
 * with a cursor to the rest. */
#define REGISTRY_RESULT_MAX_BYTES 16000

/* Changes that budget (0: back to the default); for tests and tuning. */
void registry_set_result_max(size_t bytes);

int registry_init(struct err *e);
void registry_cleanup(void);

/* Which tools the server offers.  Lists are comma-separated names, or
 * NULL.  toolsets: toolset names and the specials "default" and "all"
 * (NULL or "" means "default"); tools: single tools added; exclude: tools
 * removed (exclude wins); read_only: only read-only tools (wins over
 * everything).  An unknown name fails with a message naming the known
 * ones.  Before any call the default set is enabled. */
struct registry_filter {
  const char *toolsets;
  const char *tools;
  const char *exclude;
  int read_only;
  int dry_run;      /* write tools stop before their first change */
  int confirm_writes; /* public-facing writes ask the user first */
};
int registry_select(const struct registry_filter *f, struct err *e);
/* Changes with every registry_select: what a cache of registry_list's
 * serialization compares. */
unsigned long registry_generation(void);

/* Every tool accepts "account" (registry_call takes it out and picks the
 * account); with n > 1 accounts configured the inputSchemas list it, with
 * default_name as the default.  With one account it stays unlisted, to
 * keep tools/list small. */
void registry_set_accounts(size_t n, const char *default_name);

/* Every tool, enabled or not, in toolset order. */
size_t registry_count(void);
const struct tool *registry_at(size_t i);
/* The toolset a tool belongs to. */
const char *registry_toolset_of(const struct tool *t);
int registry_enabled(const struct tool *t);
/* The MCP Tool object of tools/list of the i-th tool (borrowed). */
const json_t *registry_tool_json_at(size_t i);
/* The enabled tools' objects, in order: the "tools" of tools/list. */
const json_t *registry_list(void);
const json_t *registry_input_schema(const struct tool *t);
const json_t *registry_output_schema(const struct tool *t);

/* An enabled tool by name, or by one of its old names (aliases): then
 * *preset (borrowed, may be NULL) holds arguments to merge over the
 * caller's.  NULL when no enabled tool answers to name; then
 * registry_unavailable explains why in why (not enabled, read-only mode,
 * or unknown). */
const struct tool *registry_find(const char *name, const json_t **preset);
void registry_unavailable(const char *name, char *why, size_t len);

/* Aliases, for docs and tests. */
size_t registry_alias_count(void);
const struct tool_alias *registry_alias_at(size_t i);

/* Lockdown: when on, text written by accounts outside trusted
 * (comma-separated usernames or IDs) is withheld from results. */
int registry_set_lockdown(int on, const char *trusted, struct err *e);

/* Treats v (a JSON value built outside a tool, such as a resource's
 * contents) as tool results are treated: third-party text cleaned and, in
 * lockdown mode, withheld (base/untrusted.h).  Returns 1 when lockdown is
 * on. */
int registry_untrusted(json_t *v, struct call *c);

/* Runs a call end to end and returns the CallToolResult (caller owns), or
 * NULL when the call was cancelled (no response must be sent).  args may
 * be NULL (treated as {}); preset as from registry_find. */
json_t *registry_call(const struct tool *t, const json_t *args,
                      const json_t *preset, struct call *c);

/* Writes docs/tools.md's text into out (Markdown). */
int registry_markdown(struct buf *out);

#endif
