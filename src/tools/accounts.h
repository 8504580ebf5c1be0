/* SPDX-License-Identifier: MIT */
/*
 * accounts.h: the accounts one server acts for.  Each has its own Graph
 * client (so its own token and rate-limit governor) and its own struct
 * account; a tool call picks one with its optional "account" argument
 * (name, @username or id; the first account by default), which
 * registry_call takes out of the arguments before the tool runs.
 *
 * The table is built at start-up and its rows never move or go away until
 * accounts_free, so a call may keep a row pointer.  The token's dates and
 * the refresh state change at run time (the refresh thread, cli/refresh.c)
 * and are read and written under the table's mutex.
 */
#ifndef IGMCP_TOOLS_ACCOUNTS_H
#define IGMCP_TOOLS_ACCOUNTS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tools/tool.h"

enum accounts_refresh {
  ACCOUNTS_REFRESH_OK = 0,  /* nothing to do (or not refreshable) */
  ACCOUNTS_REFRESH_DUE,     /* over a day old, in its last 10 days */
  ACCOUNTS_REFRESH_FAILED,  /* the last attempt failed */
};

/* A token is refreshed once older than this and within the last
 * ACCOUNTS_REFRESH_WINDOW_S of its life (Meta refuses tokens younger than
 * a day). */
#define ACCOUNTS_REFRESH_MIN_AGE_S (24 * 3600)
#define ACCOUNTS_REFRESH_WINDOW_S (10 * 24 * 3600)

struct accounts_entry {
  char *name;          /* the label callers use; unique */
  char *username;      /* NULL when unknown */
  char *user_id;       /* "me" or the numeric IG account id */
  char *page_id;       /* Facebook Login: the Page, else "me" */
  struct account acct; /* points at the strings above */
  struct graph *graph; /* owned; NULL without a token */
  int refreshable;     /* an Instagram Login token from the credentials
                        * file: the refresh thread renews it */
  /* Under the table's mutex. */
  int64_t issued_at;   /* unix seconds; 0 unknown */
  int64_t expires_at;  /* unix seconds; 0 unknown or never */
  int refresh_failed;
  char last_error[400];
  int64_t last_attempt; /* unix seconds of the last refresh attempt */
};

struct accounts {
  struct accounts_entry **v;
  size_t n;
  pthread_mutex_t mu;
  char *creds_path;    /* the credentials file the accounts came from, or
                        * NULL (IG_ACCESS_TOKEN, the sandbox) */
};

struct accounts *accounts_new(void);
void accounts_free(struct accounts *a);

/* Adds an account; the strings are copied, g is taken (may be NULL).
 * user_id and page_id NULL mean "me".  Returns the row. */
struct accounts_entry *accounts_add(struct accounts *a, const char *name,
                                    const char *username,
                                    enum graph_login login,
                                    const char *user_id, const char *page_id,
                                    struct graph *g);

/* The account named by who: its name, its username (with or without a
 * leading '@') or its user id; NULL or "" is the first.  NULL when none
 * matches or the table is empty. */
struct accounts_entry *accounts_find(struct accounts *a, const char *who);

/* The names, comma-separated, into out. */
void accounts_names(const struct accounts *a, char *out, size_t len);

/* Points c at the account named by who (c->graph, c->acct, c->account).
 * Returns 0, or -1 with r set to an "unknown_account" error that lists
 * the known names. */
int accounts_select(struct accounts *a, struct call *c, const char *who,
                    struct result *r);

/* What the refresh thread would do with e at now (unix seconds). */
enum accounts_refresh accounts_refresh_state(struct accounts *a,
                                             const struct accounts_entry *e,
                                             int64_t now);
/* "ok", "due" or "failed". */
const char *accounts_refresh_name(enum accounts_refresh s);

/* {"expires_at"?, "refresh_state", "last_refresh_error"?, "refreshable"}
 * for e, for ig_token_status and ig_list_accounts. */
json_t *accounts_token_json(struct accounts *a,
                            const struct accounts_entry *e, int64_t now);

#endif
