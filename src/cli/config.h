/* SPDX-License-Identifier: MIT */
/*
 * config.h: settings from the environment, overridden by flags.  The
 * access token and app secret come only from the environment (never argv,
 * where other users can read them) and are registered for redaction as
 * soon as they are read.
 */
#ifndef IGMCP_CONFIG_H
#define IGMCP_CONFIG_H

#include <stdint.h>

#include "base/err.h"
#include "graph/graph.h"

struct config {
  char *token;        /* IG_ACCESS_TOKEN */
  char *app_secret;   /* IG_APP_SECRET */
  char *app_id;       /* IG_APP_ID: client_id of the token exchange */
  char *user_id;      /* IG_USER_ID, default "me" */
  char *page_id;      /* IG_PAGE_ID, default "me" */
  char *login_name;   /* IG_LOGIN: instagram | facebook */
  char *graph_url;    /* IG_GRAPH_URL */
  char *api_version;  /* IG_API_VERSION, default v25.0 */
  char *verify_token; /* IG_WEBHOOK_VERIFY_TOKEN: GET /webhook handshake */
  char *db_path;      /* IGMCP_DB / --db: the inbox store; "off" for none */
  enum graph_login login;
  char *toolsets;     /* IGMCP_TOOLSETS / --toolsets */
  char *tools;        /* IGMCP_TOOLS / --tools */
  char *exclude_tools; /* IGMCP_EXCLUDE_TOOLS / --exclude-tools */
  char *trusted_users; /* IGMCP_TRUSTED_USERS / --trusted-users */
  int read_only;      /* IGMCP_READ_ONLY=1 / --read-only */
  int dry_run;        /* IGMCP_DRY_RUN=1 / --dry-run */
  int confirm_writes; /* IGMCP_CONFIRM_WRITES=1 / --confirm-writes */
  int lockdown;       /* IGMCP_LOCKDOWN=1 / --lockdown */
  size_t result_max;  /* IGMCP_RESULT_MAX_BYTES: a result's size budget */
  long graph_timeout_ms; /* IGMCP_GRAPH_TIMEOUT_MS: per attempt; 0 = 30 s */
  int sandbox;        /* --sandbox */
  int workers;
  int verbose;
};

/* Reads the environment into c (strings copied). */
void config_from_env(struct config *c);
/* Replaces a string field with a copy of v. */
void config_set(char **field, const char *v);
/* Checks the settings and derives the login.  need_token: a missing token
 * is an error.  On failure e->msg is one line saying what to set. */
int config_finish(struct config *c, int need_token, struct err *e);
void config_free(struct config *c);

#endif
