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

/* registry_safety.c: idempotent writes and the audit log around a write
 * tool's run.  reg_safety_before may take idempotency_key out of args;
 * it returns 1 with *res the final answer (a stored outcome, or a refusal
 * while the same call runs), else 0; audit_only (a dry run) skips the
 * idempotency part.  reg_safety_after records the
 * outcome (res NULL: cancelled); reg_safety_free always follows. */
struct reg_safety {
  int write;             /* not read-only: audited */
  int automatic;         /* key made from the content */
  char *key;
  char *running_key;
  long ttl_ms;
  const char *outcome;   /* set when before answered by itself */
  char account[64];
};
int reg_repeatable_write(const struct tool *t);
const char *reg_target_of(const json_t *args);
int reg_safety_before(const struct tool *t, json_t *args, struct call *c,
                      int audit_only, struct reg_safety *sf, json_t **res);
void reg_safety_after(const struct tool *t, const json_t *args,
                      struct call *c, struct reg_safety *sf,
                      const json_t *res);
void reg_safety_free(struct reg_safety *sf);
/* registry_call.c: an isError result (text, detail stolen). */
json_t *reg_error_result(const char *text, json_t *detail);

#endif
