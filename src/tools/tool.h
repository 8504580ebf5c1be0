/* SPDX-License-Identifier: MIT */
/*
 * tool.h: what a tool is, what a handler receives and what it returns.
 *
 * A tool is a row in a static table (one table per domain file).  One row
 * feeds tools/list, argument validation, `igmcp tools`, `igmcp call` and
 * docs/tools.md.  A handler receives arguments already validated against
 * its inputSchema (defaults filled in) and a struct call; it fills a
 * struct result.  It never sees JSON-RPC ids, sockets or transports.
 */
#ifndef IGMCP_TOOL_H
#define IGMCP_TOOL_H

#include <stdint.h>

#include <jansson.h>

#include "graph/graph.h"

struct store;
struct accounts;
struct accounts_entry;

enum tool_hint {
  HINT_READ_ONLY = 1,
  HINT_DESTRUCTIVE = 2,
  HINT_IDEMPOTENT = 4,
  HINT_OPEN_WORLD = 8,
};

/* The annotation sets of catalog.md: RO, W, WI and D. */
#define HINTS_READ (HINT_READ_ONLY | HINT_IDEMPOTENT | HINT_OPEN_WORLD)
#define HINTS_WRITE (HINT_OPEN_WORLD)
#define HINTS_WRITE_IDEMPOTENT (HINT_IDEMPOTENT | HINT_OPEN_WORLD)
#define HINTS_DESTRUCTIVE (HINT_DESTRUCTIVE | HINT_IDEMPOTENT | HINT_OPEN_WORLD)

/* The account a call acts for. */
struct account {
  enum graph_login login;
  const char *user_id; /* IG professional account id, or "me" */
  const char *page_id; /* Facebook Page id (Facebook Login), or "me" */
};

struct call {
  struct graph *graph;          /* NULL when no token is configured */
  const struct account *acct;
  /* The server's accounts (tools/accounts.h) and the one this call acts
   * for, chosen by registry_call from the "account" argument (graph and
   * acct are then that account's); NULL when the caller set graph and
   * acct itself. */
  struct accounts *accounts;
  struct accounts_entry *account;
  const volatile int *cancel;   /* non-zero once the client cancelled */
  /* Reports progress when the client asked for it; may be NULL. */
  void (*progress)(void *arg, double progress, double total,
                   const char *message);
  void *progress_arg;
  json_t *usage;                /* last rate-limit usage seen; owned */
  int graph_calls;              /* Graph requests made so far */
  /* The local inbox store (store/store.h), shared by every call and safe
   * across threads; NULL when the server runs without one. */
  struct store *store;
  /* "Now" in unix milliseconds for the messaging window: the sandbox's
   * clock under --sandbox, else NULL (the wall clock).  See call_now_ms. */
  int64_t (*now_ms)(void *arg);
  void *now_arg;
  /* --dry-run, for a tool that may change something: the first Graph
   * request that would (any POST or DELETE, a token call) is not sent; the
   * tool fails with kind "dry_run" and the exact request.  Set by
   * registry_call. */
  int dry_run;
  /* Asks the user a question through the client (MCP elicitation, form
   * mode) and waits: 1 when accepted (*content, may be NULL, is the
   * answer; the caller decrefs it), 0 when declined or cancelled, -1 when
   * no answer came (timeout, cancellation, shutdown).  NULL when the
   * client cannot be asked. */
  int (*elicit)(void *arg, const char *message, const json_t *schema,
                json_t **content);
  void *elicit_arg;
  /* The idempotency key of this write call (the caller's, or made from
   * its content) and the account id it is kept under, when the store
   * keeps outcomes; else NULL.  Set by registry_call. */
  const char *idem_key;
  const char *idem_account;
};

struct result {
  json_t *structured; /* owned: the output object, or the error detail */
  int is_error;
  char *text;         /* owned: the error explanation (errors only) */
};

struct tool {
  const char *name;
  const char *title;
  const char *description;
  const char *input_schema;  /* JSON text */
  const char *output_schema; /* JSON text */
  unsigned hints;            /* enum tool_hint bits */
  unsigned flags;            /* enum tool_flag bits */
  /* Result keys left out unless response_format is "detailed" (comma
   * list; applied to the result object and to the objects of its arrays).
   * A tool with a list here gets the response_format argument. */
  const char *detail_keys;
  int (*run)(struct call *c, const json_t *args, struct result *r);
};

enum tool_flag {
  TOOL_DEFAULT = 1, /* in the default set (--toolsets default) */
};

/* An old tool name, still callable but not listed: it calls target with
 * preset (a JSON object, or NULL) merged over the caller's arguments. */
struct tool_alias {
  const char *name;
  const char *target;
  const char *preset;
};

struct toolset {
  const char *name;
  const char *description;
  const struct tool *tools;
  size_t ntools;
  const struct tool_alias *aliases;
  size_t naliases;
};

/* Sets a success result; structured is stolen.  Returns 0. */
int result_ok(struct result *r, json_t *structured);
/* Sets an error result of the given kind ("invalid_argument",
 * "not_configured", "graph_error", ...).  Returns -1. */
int result_errorf(struct result *r, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void result_free(struct result *r);

/* 1 once the client cancelled the call. */
int call_cancelled(const struct call *c);
/* The current time for window decisions, in unix milliseconds. */
int64_t call_now_ms(const struct call *c);
/* Progress, when the client asked for it; progress must increase. */
void call_progress(struct call *c, double progress, double total,
                   const char *message);

/* Performs one Graph request for a tool.  On success returns 0 and sets
 * *body (owned by the caller) and c->usage.  On failure fills r with a
 * plain explanation, Meta's code, subcode, type and fbtrace_id, and a next
 * step, and returns -1.  params is NULL-terminated by key. */
int tool_graph(struct call *c, struct result *r, const char *method,
               const char *path, const struct graph_param *params,
               const json_t *json_body, int retry_safe, json_t **body);
/* The same for a request the caller has filled in (method, path, params,
 * and any of json_body, retry_safe, unversioned, credentials); progress
 * is the progress message.  tool_graph is this with the common fields. */
int tool_graph_request(struct call *c, struct result *r,
                       struct graph_request *req, const char *progress,
                       json_t **body);

#endif
