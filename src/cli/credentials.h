/* SPDX-License-Identifier: MIT */
/*
 * credentials.h: the credentials file, where `igmcp login` keeps the
 * accounts it connected and the apps it used, and where the server finds
 * them (several accounts in one server).  JSON, mode 0600, replaced
 * atomically (a new file beside it, fsync, rename), so a reader never
 * sees half a file and a crash keeps the old one:
 *
 *   {"version":1,
 *    "apps":{"instagram":{"app_id":"...","app_secret":"..."},
 *            "facebook":{"app_id":"...","app_secret":"..."}},
 *    "accounts":[{"name":"studio","login":"instagram",
 *                 "user_id":"17841400000000001","username":"sandbox.studio",
 *                 "page_id":null,"token":"IGAA...",
 *                 "token_issued_at":1765000000,"token_expires_at":1770184000,
 *                 "scopes":["instagram_business_basic", ...]}]}
 *
 * Times are unix seconds (0 = unknown).  The first account is the default.
 * Every token and app secret read is registered for log redaction.
 */
#ifndef IGMCP_CREDENTIALS_H
#define IGMCP_CREDENTIALS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"
#include "graph/graph.h"

struct cred_app {
  char *app_id;     /* NULL when not set */
  char *app_secret; /* NULL when not set */
};

struct cred_account {
  char *name;       /* the operator's label; unique; defaults to username */
  enum graph_login login;
  char *user_id;    /* the Instagram professional account id */
  char *username;
  char *page_id;    /* Facebook Login: the Page; NULL otherwise */
  char *token;      /* long-lived user token (IG) or Page token (FB) */
  int64_t token_issued_at;
  int64_t token_expires_at; /* 0: unknown or never */
  json_t *scopes;   /* array of strings, or NULL when unknown */
};

struct creds {
  char *path;
  struct cred_app ig_app, fb_app;
  struct cred_account *accounts;
  size_t naccounts;
};

/* $IGMCP_CONFIG, else $XDG_CONFIG_HOME/igmcp/credentials.json, else
 * $HOME/.config/igmcp/credentials.json.  New string, or NULL. */
char *creds_default_path(void);

/* Reads path into c (zeroed first).  A missing file is an empty set (0);
 * a file others can read or write is refused (ERR_CONFIG, it holds
 * tokens), as is a malformed one (the message names the field).  Returns
 * 0 or a negative code with e set. */
int creds_load(const char *path, struct creds *c, struct err *e);

/* Writes c to c->path atomically, mode 0600, creating the parent
 * directory 0700 when missing.  Returns 0 or a negative code. */
int creds_save(const struct creds *c, struct err *e);

/* The account named by who: its name, its username (with or without '@')
 * or its user id; NULL or "" is the first (default) account.  NULL when
 * none matches. */
struct cred_account *creds_find(struct creds *c, const char *who);

/* Adds a, or replaces the account with the same user_id (or name); the
 * strings and scopes are copied.  Returns the stored account. */
struct cred_account *creds_put(struct creds *c, const struct cred_account *a);

/* Removes the account named by who; 0, or -1 when there is none. */
int creds_remove(struct creds *c, const char *who);

void creds_account_free(struct cred_account *a);
void creds_free(struct creds *c);

/* "instagram" or "facebook". */
const char *creds_login_name(enum graph_login l);

#endif
