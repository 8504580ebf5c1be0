/* SPDX-License-Identifier: MIT */
/*
 * registry_int.h: what the registry's files share: the parsed entry of
 * each tool, the aliases and the lockdown settings.
 */
#ifndef IGMCP_REGISTRY_INT_H
#define IGMCP_REGISTRY_INT_H

#include <jansson.h>
#include <stddef.h>

#include "tools/tool.h"

struct entry {
  const struct tool *tool;
  const char *toolset;
  json_t *input;        /* parsed inputSchema, with response_format added */
  json_t *output;       /* parsed outputSchema, with the registry's keys */
  json_t *json;         /* the tools/list object */
  const char *list_key; /* a paged list: its array key, else NULL */
  int takes_after;      /* the inputSchema has "after" */
  int enabled;
};

extern struct entry *reg_entries;
extern size_t reg_nentries;

const struct entry *reg_entry_of(const struct tool *t);

/* Lockdown; NULL when off.  Set once at start-up. */
struct lockdown;
const struct lockdown *reg_lockdown(void);

/* 1 under --dry-run (registry_select). */
int reg_dry_run(void);
/* 1 under --confirm-writes. */
int reg_confirm_writes(void);

#endif
