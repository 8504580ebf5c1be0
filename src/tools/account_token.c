/* SPDX-License-Identifier: MIT */
/*
 * account_token.c: the token tools: ig_token_status and ig_renew_token
 * (action "exchange" or "refresh"; the old ig_exchange_token and
 * ig_refresh_token are aliases of it that preset the action).
 *
 * Secrets never pass through a tool's arguments or results.  The token
 * and app secret stay in the Graph client, which adds them to these calls
 * itself (graph_request.credentials).  A token Meta issues is never
 * returned to the agent, whose context may be logged or shared: the
 * result has a preview (first 6 characters, "…" and the length) and the
 * expiry, and the token goes only to a new file the user names (mode
 * 0600, O_EXCL, no symlinks followed).  The new token is registered with
 * the log's redaction at once.  The expiry of the last token issued here
 * is remembered for ig_token_status, since Instagram Login has no
 * debug_token.  ig_rate_limit_status shows the Graph client's rate-limit
 * governor (graph_rate_status) without calling Meta.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "tools/accounts.h"
#include "tools/tool.h"

int account_token_status(struct call *c, const json_t *args,
                         struct result *r);
int account_renew_token(struct call *c, const json_t *args,
                        struct result *r);
int account_rate_status(struct call *c, const json_t *args,
                        struct result *r);

static pthread_mutex_t known_mu = PTHREAD_MUTEX_INITIALIZER;
static long long known_expiry; /* unix time of the last issued token */

static const char *
host_name(const struct call *c)
{
  return c->acct->login == GRAPH_LOGIN_FACEBOOK ? "graph.facebook.com"
                                                : "graph.instagram.com";
}

static const char *
login_name(const struct call *c)
{
  return c->acct->login == GRAPH_LOGIN_FACEBOOK ? "facebook" : "instagram";
}

/* ISO 8601 UTC of a unix time. */
static json_t *
iso_time(long long t)
{
  time_t tt = (time_t)t;
  struct tm tm;
  char buf[32];

  gmtime_r(&tt, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(buf);
}

/* One call to a token endpoint, with credentials the client adds itself
 * (tool_graph has no way to ask for them). */
static int
token_graph(struct call *c, struct result *r, const char *path,
            const struct graph_param *params, int unversioned,
            unsigned creds, json_t **body)
{
  struct graph_request req = { 0 };

  req.method = "GET";
  req.path = path;
  req.params = params;
  req.unversioned = unversioned;
  req.credentials = creds;
  return tool_graph_request(c, r, &req, "Graph API token request", body);
}

/* Writes token to a new file at path, mode 0600.  Returns 0 or -1 with r
 * filled. */
static int
save_token(struct result *r, const char *path, const char *token)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
  size_t len = strlen(token), off = 0;

  if (fd < 0)
    return result_errorf(r, "invalid_argument",
                         "save_to: cannot create %s (%s). Give the path "
                         "of a new file in an existing directory; an "
                         "existing file is never overwritten. The new "
                         "token was issued but not kept, so exchange or "
                         "refresh again.", path, strerror(errno));
  while (off < len) {
    ssize_t w = write(fd, token + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    off += (size_t)w;
  }
  if (off < len || write(fd, "\n", 1) != 1 || close(fd) != 0) {
    if (off < len)
      close(fd);
    unlink(path);
    return result_errorf(r, "internal", "save_to: writing %s failed; the "
                         "file was removed.", path);
  }
  return 0;
}

/* The result of an exchange or refresh, from Meta's {access_token,
 * token_type, expires_in}. */
static int
issued(struct call *c, const json_t *args, struct result *r, json_t *body)
{
  const char *tok = json_string_value(json_object_get(body, "access_token"));
  const char *save = json_string_value(json_object_get(args, "save_to"));
  json_int_t in = json_integer_value(json_object_get(body, "expires_in"));
  char preview[48];
  json_t *out;

  if (tok == NULL || strlen(tok) < 12) {
    json_decref(body);
    return result_errorf(r, "graph_error",
                         "Meta's answer had no access_token.");
  }
  log_add_secret(tok);
  snprintf(preview, sizeof(preview), "%.6s…(%zu chars)", tok, strlen(tok));
  if (save != NULL && save_token(r, save, tok) != 0) {
    json_decref(body);
    return -1;
  }
  out = json_pack("{s:s, s:s, s:I}", "login", login_name(c),
                  "token_preview", preview, "token_length",
                  (json_int_t)strlen(tok));
  if (in > 0) {
    long long at = (long long)time(NULL) + in;
    json_object_set_new(out, "expires_in", json_integer(in));
    json_object_set_new(out, "expires_at", iso_time(at));
    pthread_mutex_lock(&known_mu);
    known_expiry = at;
    pthread_mutex_unlock(&known_mu);
  }
  if (save != NULL)
    json_object_set_new(out, "saved_to", json_string(save));
  json_object_set_new(
      out, "next_step",
      json_string(save != NULL
                  ? "Set IG_ACCESS_TOKEN to the contents of the saved file "
                    "and restart igmcp; this session keeps the old token."
                  : "The new token was not kept (no save_to). If you need "
                    "it, run again with save_to, a new file path."));
  json_decref(body);
  return result_ok(r, out);
}

/* Exchange: a short-lived token for a long-lived one.  Instagram Login
 * asks graph.instagram.com/access_token (unversioned) with the app secret;
 * Facebook Login asks graph.facebook.com/oauth/access_token with the app
 * id and secret. */
static int
exchange_token(struct call *c, const json_t *args, struct result *r)
{
  json_t *body = NULL;

  if (c->acct->login == GRAPH_LOGIN_FACEBOOK) {
    struct graph_param p[2] = { { "grant_type", "fb_exchange_token" },
                                { NULL, NULL } };
    if (token_graph(c, r, "oauth/access_token", p, 0,
                    GRAPH_CRED_CLIENT_ID | GRAPH_CRED_CLIENT_SECRET |
                        GRAPH_CRED_EXCHANGE_TOKEN, &body) != 0)
      return -1;
  } else {
    struct graph_param p[2] = { { "grant_type", "ig_exchange_token" },
                                { NULL, NULL } };
    if (token_graph(c, r, "access_token", p, 1, GRAPH_CRED_CLIENT_SECRET,
                    &body) != 0)
      return -1;
  }
  return issued(c, args, r, body);
}

/* Refresh: a long-lived token for another 60 days.  Only Instagram Login
 * has a refresh endpoint (graph.instagram.com/refresh_access_token, no
 * app secret, the token at least 24 hours old); Facebook Login has none,
 * so its long-lived token is exchanged again. */
static int
refresh_token(struct call *c, const json_t *args, struct result *r)
{
  json_t *body = NULL;
  struct graph_param p[2] = { { "grant_type", "ig_refresh_token" },
                              { NULL, NULL } };

  if (c->acct->login == GRAPH_LOGIN_FACEBOOK)
    return exchange_token(c, args, r);
  if (token_graph(c, r, "refresh_access_token", p, 1, 0, &body) != 0)
    return -1;
  return issued(c, args, r, body);
}

/* ig_renew_token: the action names the renewal. */
int
account_renew_token(struct call *c, const json_t *args, struct result *r)
{
  const char *action = json_string_value(json_object_get(args, "action"));

  if (action != NULL && strcmp(action, "exchange") == 0)
    return exchange_token(c, args, r);
  if (action != NULL && strcmp(action, "refresh") == 0)
    return refresh_token(c, args, r);
  return result_errorf(r, "invalid_argument",
                       "action must be \"exchange\" (short-lived token to "
                       "long-lived) or \"refresh\" (extend a long-lived "
                       "token).");
}

/* ig_token_status with Facebook Login: debug_token on the token itself. */
static int
status_facebook(struct call *c, struct result *r)
{
  json_t *body = NULL, *d, *out, *scopes;
  json_int_t exp;

  if (token_graph(c, r, "debug_token", NULL, 0, GRAPH_CRED_INPUT_TOKEN,
                  &body) != 0)
    return -1;
  d = json_object_get(body, "data");
  out = json_pack("{s:s, s:s, s:b}", "login", "facebook", "host",
                  host_name(c), "valid",
                  json_is_true(json_object_get(d, "is_valid")));
  if (json_string_value(json_object_get(d, "type")) != NULL)
    json_object_set(out, "type", json_object_get(d, "type"));
  if (json_string_value(json_object_get(d, "app_id")) != NULL)
    json_object_set(out, "app_id", json_object_get(d, "app_id"));
  if (json_string_value(json_object_get(d, "application")) != NULL)
    json_object_set(out, "application", json_object_get(d, "application"));
  exp = json_integer_value(json_object_get(d, "expires_at"));
  json_object_set_new(out, "expires_at", exp > 0 ? iso_time(exp)
                                                 : json_string("never"));
  exp = json_integer_value(json_object_get(d, "data_access_expires_at"));
  if (exp > 0)
    json_object_set_new(out, "data_access_expires_at", iso_time(exp));
  scopes = json_object_get(d, "scopes");
  json_object_set_new(out, "scopes", json_is_array(scopes)
                                         ? json_deep_copy(scopes)
                                         : json_array());
  if (json_is_object(json_object_get(d, "error")))
    json_object_set(out, "reason",
                    json_object_get(json_object_get(d, "error"), "message"));
  json_decref(body);
  return result_ok(r, out);
}

static int token_status(struct call *c, const json_t *args,
                        struct result *r);

/* ig_token_status: Meta's view of the token, and with an account from
 * the credentials file its expiry there and the refresh state. */
int
account_token_status(struct call *c, const json_t *args, struct result *r)
{
  json_t *acc;

  if (token_status(c, args, r) != 0 || c->accounts == NULL ||
      c->account == NULL)
    return r->is_error ? -1 : 0;
  acc = accounts_token_json(c->accounts, c->account, call_now_ms(c) / 1000);
  if (json_object_get(r->structured, "expires_at") == NULL &&
      json_object_get(acc, "expires_at") != NULL) {
    json_object_set(r->structured, "expires_at",
                    json_object_get(acc, "expires_at"));
    json_object_del(r->structured, "note");
  }
  json_object_set(r->structured, "refresh_state",
                  json_object_get(acc, "refresh_state"));
  if (json_object_get(acc, "last_refresh_error") != NULL)
    json_object_set(r->structured, "last_refresh_error",
                    json_object_get(acc, "last_refresh_error"));
  json_decref(acc);
  return 0;
}

static int
token_status(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[2] = { { "fields", "user_id,username,account_type" },
                              { NULL, NULL } };
  json_t *body = NULL, *out;
  long long at;

  (void)args;
  if (c->acct->login == GRAPH_LOGIN_FACEBOOK)
    return status_facebook(c, r);
  if (tool_graph(c, r, "GET", "me", p, NULL, 1, &body) != 0) {
    json_t *g = json_object_get(json_object_get(r->structured, "error"),
                                "graph");
    json_int_t code = json_integer_value(json_object_get(g, "code"));
    json_int_t sub = json_integer_value(json_object_get(g, "subcode"));
    char *reason;
    if (code != 190)
      return -1;
    reason = xstrdup(json_string_value(json_object_get(g, "message"))
                         ? json_string_value(json_object_get(g, "message"))
                         : "invalid token");
    result_free(r);
    memset(r, 0, sizeof(*r));
    out = json_pack("{s:s, s:s, s:b, s:s, s:s}", "login", "instagram",
                    "host", host_name(c), "valid", 0, "reason", reason,
                    "next_step", sub == 463
                        ? "The token expired: log in again to get a new "
                          "one (refresh works only before expiry)."
                        : "Get a new token through Instagram Login.");
    free(reason);
    return result_ok(r, out);
  }
  out = json_pack("{s:s, s:s, s:b}", "login", "instagram", "host",
                  host_name(c), "valid", 1);
  if (json_string_value(json_object_get(body, "username")) != NULL)
    json_object_set(out, "username", json_object_get(body, "username"));
  if (json_string_value(json_object_get(body, "user_id")) != NULL)
    json_object_set(out, "user_id", json_object_get(body, "user_id"));
  if (json_string_value(json_object_get(body, "account_type")) != NULL)
    json_object_set(out, "account_type",
                    json_object_get(body, "account_type"));
  pthread_mutex_lock(&known_mu);
  at = known_expiry;
  pthread_mutex_unlock(&known_mu);
  if (at > 0)
    json_object_set_new(out, "expires_at", iso_time(at));
  else
    json_object_set_new(out, "note", json_string(
        "Instagram Login has no token debugger, so the expiry is unknown "
        "until ig_renew_token runs; long-lived tokens last 60 days from "
        "their last refresh."));
  json_decref(body);
  return result_ok(r, out);
}

int
account_rate_status(struct call *c, const json_t *args, struct result *r)
{
  (void)args;
  if (c->graph == NULL)
    return result_ok(r, json_pack("{s:s,s:s}", "state", "not_configured",
                                  "host", host_name(c)));
  return result_ok(r, graph_rate_status(c->graph));
}
