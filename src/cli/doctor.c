/* SPDX-License-Identifier: MIT */
/*
 * doctor.c: `igmcp doctor`, a check of a configuration from end to end.
 *
 * Each check gives one line: ok, warn or FAIL, what was found and what to
 * do.  The exit code is 1 when something blocks every use (no account, a
 * token Meta refuses or that has expired, an account that is not Business
 * or Creator, no permission for any tool group), 0 otherwise, 2 for a
 * usage error.  --json prints the same as one JSON object.
 *
 * What is read: the configuration source (the environment or the
 * credentials file, whose mode must be 0600), the token (Instagram Login:
 * GET /me?fields=user_id,username,account_type, expiry from the
 * credentials file; Facebook Login: the Page, then debug_token on the
 * token for its expiry and scopes, else GET /me/permissions), the linked
 * account, the permissions each tool group needs, the webhook
 * subscription (subscribed_apps), and the local settings (app secret,
 * webhook verify token, inbox store, public URL).  With Instagram Login
 * the scopes cannot be read from Meta; without scopes stored by
 * `igmcp login` each group is probed with one cheap read.  Only reads
 * are made.  No token or secret is printed: a preview at most.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "cli/cli.h"
#include "cli/config.h"
#include "cli/credentials.h"
#include "graph/graph.h"
#include "sandbox/sandbox.h"
#include "store/store.h"

#define WARN_DAYS 10

enum status { ST_OK, ST_WARN, ST_FAIL, ST_SKIP };

static const char *const status_names[] = { "ok", "warn", "FAIL", "skip" };

struct report {
  json_t *checks;
  int n[4];
  int blocked;          /* a FAIL that stops every use */
};

/* What the checks learn and share. */
struct doctor {
  struct config cfg;
  struct graph *g;
  struct sandbox *sb;
  const char *account;  /* --account, borrowed */
  const char *public_url;
  json_t *scopes;       /* stored in the credentials file, or from Meta */
  int64_t expires_at;   /* 0: unknown */
  int token_ok;
  char ig_id[64];       /* the Instagram account id, when known */
  char page_id[64];     /* Facebook Login: the Page */
  int json;
};

static void
add(struct report *rep, enum status st, const char *check,
    const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
add(struct report *rep, enum status st, const char *check,
    const char *fix, const char *fmt, ...)
{
  char found[1024];
  va_list ap;
  json_t *o;

  va_start(ap, fmt);
  vsnprintf(found, sizeof(found), fmt, ap);
  va_end(ap);
  /* Whatever reached found or fix passes the log's redaction, in case a
   * message ever quoted a secret. */
  o = json_pack("{s:s,s:s,s:s}", "check", check, "status", status_names[st],
                "found", found);
  if (fix != NULL && fix[0] != '\0')
    json_object_set_new(o, "fix", json_string(fix));
  json_array_append_new(rep->checks, o);
  rep->n[st]++;
}

static void
fail_blocking(struct report *rep, const char *check, const char *fix,
              const char *found)
{
  add(rep, ST_FAIL, check, fix, "%s", found);
  rep->blocked = 1;
}

static int64_t
now_s(const struct doctor *d)
{
  if (d->sb != NULL)
    return sandbox_now_ms(d->sb) / 1000;
  return (int64_t)time(NULL);
}

static void
fmt_date(int64_t t, char *out, size_t len)
{
  time_t tt = (time_t)t;
  struct tm tm;

  gmtime_r(&tt, &tm);
  strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static void
preview(const char *secret, char *out, size_t len)
{
  snprintf(out, len, "%.6s… (%zu characters)", secret, strlen(secret));
}

/* One GET.  Returns 0 with *body (owned), or the graph_call code with
 * resp's error explained in what/next. */
static int
get(struct doctor *d, const char *path, const struct graph_param *params,
    size_t n, unsigned creds, json_t **body, struct graph_error *ge,
    char *what, size_t wlen)
{
  struct graph_request req = { 0 };
  struct graph_response resp = { 0 };
  struct err e = { 0 };
  char next[512];
  int rc;

  req.method = "GET";
  req.path = path;
  req.params = params;
  req.nparams = n;
  req.retry_safe = 1;
  req.credentials = creds;
  *body = NULL;
  memset(ge, 0, sizeof(*ge));
  rc = graph_call(d->g, &req, &resp, &e);
  if (rc == 0) {
    *body = resp.body;
    resp.body = NULL;
  } else if (rc == ERR_GRAPH) {
    *ge = resp.error;
    graph_response_explain(&resp, what, wlen, next, sizeof(next));
  } else {
    snprintf(what, wlen, "%s", e.msg);
  }
  graph_response_free(&resp);
  return rc;
}

/* 1 when a Graph error says a permission (or the app's access) is
 * missing: (#10), (#3) and (#200)-(#299). */
static int
is_permission_error(const struct graph_error *ge)
{
  return ge->code == 10 || ge->code == 3 ||
         (ge->code >= 200 && ge->code <= 299);
}

static int
has_scope(const json_t *scopes, const char *name)
{
  size_t i;
  json_t *v;

  json_array_foreach(scopes, i, v)
    if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
      return 1;
  return 0;
}

/* ---- configuration source ---------------------------------------- */

/* Takes the account from the credentials file into d->cfg.  Returns 0,
 * or -1 after a blocking FAIL. */
static int
check_credentials(struct doctor *d, struct report *rep, int needed)
{
  struct creds c;
  struct err e = { 0 };
  struct stat st;
  struct cred_account *a;
  const struct cred_app *app;
  char *path = creds_default_path();
  char msg[900], fix[600];
  int rc = -1;

  memset(&c, 0, sizeof(c));
  if (path == NULL) {
    if (needed)
      fail_blocking(rep, "config", "set IG_ACCESS_TOKEN, or HOME (or "
                    "IGMCP_CONFIG) and run igmcp login", "no account: "
                    "IG_ACCESS_TOKEN is not set and there is no "
                    "credentials file (no IGMCP_CONFIG, XDG_CONFIG_HOME or "
                    "HOME)");
    return needed ? -1 : 0;
  }
  if (stat(path, &st) != 0) {
    if (needed) {
      snprintf(msg, sizeof(msg), "no account: IG_ACCESS_TOKEN is not set "
               "and there is no credentials file at %s", path);
      fail_blocking(rep, "config", "run igmcp login to connect an account, "
                    "or set IG_ACCESS_TOKEN", msg);
    }
    free(path);
    return needed ? -1 : 0;
  }
  if ((st.st_mode & 077) != 0) {
    snprintf(msg, sizeof(msg), "the credentials file %s has mode %04o: "
             "others can read or change the tokens in it, so igmcp "
             "refuses it", path, (unsigned)(st.st_mode & 0777));
    snprintf(fix, sizeof(fix), "chmod 600 %s", path);
    if (needed) {
      fail_blocking(rep, "credentials", fix, msg);
      free(path);
      return -1;
    }
    add(rep, ST_WARN, "credentials", fix, "%s (not used: IG_ACCESS_TOKEN "
        "is set)", msg);
    free(path);
    return 0;
  }
  if (creds_load(path, &c, &e) != 0) {
    snprintf(msg, sizeof(msg), "%s: %s", path, e.msg);
    snprintf(fix, sizeof(fix), "repair %s, or remove it and run igmcp "
             "login again", path);
    if (needed)
      fail_blocking(rep, "credentials", fix, msg);
    else
      add(rep, ST_WARN, "credentials", fix, "%s (not used: IG_ACCESS_TOKEN "
          "is set)", msg);
    goto out;
  }
  if (!needed) {
    add(rep, ST_OK, "credentials", NULL, "%s (0600, %zu account%s; not "
        "used: IG_ACCESS_TOKEN is set)", path, c.naccounts,
        c.naccounts == 1 ? "" : "s");
    rc = 0;
    goto out;
  }
  a = creds_find(&c, d->account);
  if (a == NULL) {
    size_t off = 0;
    char names[400] = "";
    for (size_t i = 0; i < c.naccounts && off < sizeof(names) - 1; i++)
      off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
                              i ? ", " : "", c.accounts[i].name);
    if (c.naccounts == 0)
      snprintf(msg, sizeof(msg), "no account: %s holds none", path);
    else
      snprintf(msg, sizeof(msg), "no account \"%.80s\" in %s (accounts: "
               "%s)", d->account, path, names);
    fail_blocking(rep, "credentials", c.naccounts == 0
                  ? "run igmcp login to connect an account"
                  : "pass --account with one of the names listed, or run "
                    "igmcp login", msg);
    goto out;
  }
  if (a->token == NULL || a->token[0] == '\0') {
    snprintf(msg, sizeof(msg), "account %s in %s has no token", a->name,
             path);
    fail_blocking(rep, "credentials", "run igmcp login again for it", msg);
    goto out;
  }
  config_set(&d->cfg.token, a->token);
  config_set(&d->cfg.login_name, creds_login_name(a->login));
  if (a->user_id != NULL)
    config_set(&d->cfg.user_id, a->user_id);
  if (a->page_id != NULL)
    config_set(&d->cfg.page_id, a->page_id);
  app = a->login == GRAPH_LOGIN_FACEBOOK ? &c.fb_app : &c.ig_app;
  if (d->cfg.app_secret == NULL && app->app_secret != NULL)
    config_set(&d->cfg.app_secret, app->app_secret);
  if (d->cfg.app_id == NULL && app->app_id != NULL)
    config_set(&d->cfg.app_id, app->app_id);
  log_add_secret(d->cfg.token);
  log_add_secret(d->cfg.app_secret);
  d->expires_at = a->token_expires_at;
  if (a->scopes != NULL)
    d->scopes = json_deep_copy(a->scopes);
  {
    char pv[64];
    preview(a->token, pv, sizeof(pv));
    add(rep, ST_OK, "credentials", NULL, "%s (0600): account %s (@%s, "
        "login %s), token %s; %zu account%s in the file", path, a->name,
        a->username != NULL ? a->username : "?", creds_login_name(a->login),
        pv, c.naccounts, c.naccounts == 1 ? "" : "s");
  }
  rc = 0;
out:
  creds_free(&c);
  free(path);
  return rc;
}

/* ---- token, account, permissions ------------------------------------ */

static void
check_expiry(struct doctor *d, struct report *rep, const char *from)
{
  int64_t left = d->expires_at - now_s(d);
  char date[40], msg[300];

  if (d->expires_at <= 0)
    return;
  fmt_date(d->expires_at, date, sizeof(date));
  if (left <= 0) {
    snprintf(msg, sizeof(msg), "the token expired on %s (%s)", date, from);
    fail_blocking(rep, "expiry", "run igmcp login again for a new token",
                  msg);
    d->token_ok = 0;
  } else if (left < WARN_DAYS * 86400) {
    char in[40];
    if (left >= 2 * 86400)
      snprintf(in, sizeof(in), "%lld days", (long long)(left / 86400));
    else
      snprintf(in, sizeof(in), "%lld hours", (long long)(left / 3600));
    add(rep, ST_WARN, "expiry", d->cfg.login == GRAPH_LOGIN_INSTAGRAM
        ? "run igmcp login again, or refresh it: igmcp call ig_renew_token "
          "'{\"action\":\"refresh\",\"save_to\":\"FILE\"}'"
        : "run igmcp login again for a new token",
        "the token expires on %s, in %s (%s)", date, in, from);
  } else {
    add(rep, ST_OK, "expiry", NULL, "the token expires on %s, in %lld "
        "days (%s)", date, (long long)(left / 86400), from);
  }
}

static void
token_refused(struct report *rep, const struct graph_error *ge,
              const char *what)
{
  char msg[900];

  if (ge->code == 190 && ge->subcode == 463)
    snprintf(msg, sizeof(msg), "the token has expired: %s", what);
  else
    snprintf(msg, sizeof(msg), "Meta refused the token: %s", what);
  fail_blocking(rep, "token", ge->code == 190
                ? "get a new token: run igmcp login (or set "
                  "IG_ACCESS_TOKEN to a valid one)"
                : "check the token and the app, then run igmcp doctor "
                  "again", msg);
}

static void
check_ig_token(struct doctor *d, struct report *rep)
{
  static const struct graph_param p[] = {
    { "fields", "user_id,username,account_type" },
  };
  struct graph_error ge;
  char what[600];
  json_t *b;
  const char *uid, *user, *type;

  if (get(d, "me", p, 1, 0, &b, &ge, what, sizeof(what)) != 0) {
    if (ge.code != 0)
      token_refused(rep, &ge, what);
    else
      fail_blocking(rep, "token", "check IG_GRAPH_URL and the network, then "
                    "run igmcp doctor again", what);
    return;
  }
  d->token_ok = 1;
  uid = json_string_value(json_object_get(b, "user_id"));
  user = json_string_value(json_object_get(b, "username"));
  type = json_string_value(json_object_get(b, "account_type"));
  snprintf(d->ig_id, sizeof(d->ig_id), "%s", uid != NULL ? uid : "me");
  add(rep, ST_OK, "token", NULL, "valid: GET /me answers @%s (account %s)",
      user != NULL ? user : "?", uid != NULL ? uid : "?");
  if (d->expires_at > 0)
    check_expiry(d, rep, "from the credentials file");
  else
    add(rep, ST_WARN, "expiry", "connect it with igmcp login, which "
        "records the expiry and refreshes the token", "unknown: Instagram "
        "Login has no debug_token and the token did not come from igmcp "
        "login (long-lived tokens last 60 days)");
  if (type == NULL)
    add(rep, ST_WARN, "account", NULL, "@%s: Meta did not say the account "
        "type", user != NULL ? user : "?");
  else if (strcmp(type, "BUSINESS") == 0 ||
           strcmp(type, "MEDIA_CREATOR") == 0 ||
           strcmp(type, "CREATOR") == 0)
    add(rep, ST_OK, "account", NULL, "@%s is a %s account",
        user != NULL ? user : "?",
        strcmp(type, "BUSINESS") == 0 ? "Business" : "Creator");
  else {
    char msg[300];
    snprintf(msg, sizeof(msg), "@%s is a %s account: the Graph API serves "
             "only professional (Business or Creator) accounts",
             user != NULL ? user : "?", type);
    fail_blocking(rep, "account", "switch it to a professional account in "
                  "the Instagram app (Settings, Account type and tools)",
                  msg);
  }
  if (uid != NULL && strcmp(d->cfg.user_id, "me") != 0 &&
      strcmp(d->cfg.user_id, uid) != 0)
    add(rep, ST_WARN, "account", "set IG_USER_ID to the token's account, "
        "or leave it unset", "IG_USER_ID is %s but the token belongs to "
        "%s", d->cfg.user_id, uid);
  json_decref(b);
}

/* A Graph client with the app access token "<app-id>|<app-secret>" that
 * sends the configured token as debug_token's input_token; NULL without
 * the app id and secret. */
static struct graph *
app_client(const struct doctor *d)
{
  struct graph_config gc = { 0 };
  struct err e = { 0 };
  struct graph *g;
  char *tok;

  if (d->cfg.app_id == NULL || d->cfg.app_secret == NULL)
    return NULL;
  tok = xasprintf("%s|%s", d->cfg.app_id, d->cfg.app_secret);
  log_add_secret(tok);
  gc.login = GRAPH_LOGIN_FACEBOOK;
  gc.token = tok;
  gc.input_token = d->cfg.token;
  gc.base_url = d->cfg.graph_url;
  gc.api_version = d->cfg.api_version;
  gc.timeout_ms = d->cfg.graph_timeout_ms != 0 ? d->cfg.graph_timeout_ms
                                               : 15000;
  gc.max_attempts = 2;
  g = graph_new(&gc, &e);
  explicit_bzero(tok, strlen(tok));
  free(tok);
  return g;
}

static void
check_fb_token(struct doctor *d, struct report *rep)
{
  static const struct graph_param p[] = {
    { "fields", "id,name,instagram_business_account" },
  };
  struct graph_error ge;
  char what[600], path[96];
  json_t *b, *dt = NULL, *data;
  const char *pid, *pname, *ig;
  struct graph *app;
  int rc;

  if (get(d, d->cfg.page_id, p, 1, 0, &b, &ge, what, sizeof(what)) != 0) {
    if (ge.code == 190 || ge.code == 102) {
      token_refused(rep, &ge, what);
    } else if (ge.code != 0) {
      char msg[800];
      snprintf(msg, sizeof(msg), "GET /%s?fields=instagram_business_account "
               "failed: %s", d->cfg.page_id, what);
      fail_blocking(rep, "token", "use a Page token (from GET /me/accounts "
                    "with the user token; igmcp login does this for "
                    "Facebook Login), and set IG_PAGE_ID if the token is not the "
                    "Page's", msg);
    } else {
      fail_blocking(rep, "token", "check IG_GRAPH_URL and the network, then "
                    "run igmcp doctor again", what);
    }
    return;
  }
  pid = json_string_value(json_object_get(b, "id"));
  pname = json_string_value(json_object_get(b, "name"));
  ig = json_string_value(json_object_get(json_object_get(
      b, "instagram_business_account"), "id"));
  snprintf(d->page_id, sizeof(d->page_id), "%s", pid != NULL ? pid : "me");
  /* debug_token: validity, expiry and scopes.  With the app id and
   * secret it is asked with the app token, as Meta documents; else with
   * the token itself. */
  app = app_client(d);
  if (app != NULL) {
    struct graph *own = d->g;
    d->g = app;
    rc = get(d, "debug_token", NULL, 0, GRAPH_CRED_INPUT_TOKEN, &dt, &ge,
             what, sizeof(what));
    d->g = own;
    graph_free(app);
  } else {
    rc = get(d, "debug_token", NULL, 0, GRAPH_CRED_INPUT_TOKEN, &dt, &ge,
             what, sizeof(what));
  }
  if (rc == 0 && json_is_object(data = json_object_get(dt, "data"))) {
    json_t *sc = json_object_get(data, "scopes");
    json_int_t exp = json_integer_value(json_object_get(data, "expires_at"));
    const char *type = json_string_value(json_object_get(data, "type"));
    if (!json_is_true(json_object_get(data, "is_valid"))) {
      const char *m = json_string_value(json_object_get(
          json_object_get(data, "error"), "message"));
      char msg[400];
      snprintf(msg, sizeof(msg), "debug_token says the token is not valid%s"
               "%.200s", m != NULL ? ": " : "", m != NULL ? m : "");
      fail_blocking(rep, "token", "get a new Page token: run igmcp login "
                    "--facebook (or set IG_ACCESS_TOKEN)", msg);
      goto out;
    }
    d->token_ok = 1;
    add(rep, ST_OK, "token", NULL, "valid %s token for the Page %s (%s), "
        "per debug_token (%s)", type != NULL ? type : "?",
        pname != NULL ? pname : "?", d->page_id,
        app != NULL ? "asked with the app token" : "asked with the token "
        "itself; set IG_APP_ID for the app token");
    if (json_is_array(sc)) {
      json_decref(d->scopes);
      d->scopes = json_deep_copy(sc);
    }
    if (exp > 0) {
      d->expires_at = exp;
      check_expiry(d, rep, "from debug_token");
    } else {
      add(rep, ST_OK, "expiry", NULL, "the token does not expire (a Page "
          "token from a long-lived user token)");
    }
  } else {
    d->token_ok = 1;
    add(rep, ST_OK, "token", NULL, "valid: the Page %s (%s) answers; "
        "debug_token did not (%s)", pname != NULL ? pname : "?", d->page_id,
        what);
    if (d->expires_at > 0)
      check_expiry(d, rep, "from the credentials file");
    else
      add(rep, ST_WARN, "expiry", "set IG_APP_ID and IG_APP_SECRET, or "
          "connect with igmcp login", "unknown: debug_token did not answer");
  }
  if (d->scopes == NULL) {
    json_t *pb = NULL, *v;
    size_t i;
    snprintf(path, sizeof(path), "%s/permissions", d->page_id);
    if (get(d, path, NULL, 0, 0, &pb, &ge, what, sizeof(what)) == 0) {
      d->scopes = json_array();
      json_array_foreach(json_object_get(pb, "data"), i, v) {
        const char *perm = json_string_value(json_object_get(v,
                                                             "permission"));
        const char *s = json_string_value(json_object_get(v, "status"));
        if (perm != NULL && s != NULL && strcmp(s, "granted") == 0)
          json_array_append_new(d->scopes, json_string(perm));
      }
    }
    json_decref(pb);
  }
  /* The linked Instagram account: only a professional one can be. */
  if (ig == NULL) {
    char msg[300];
    snprintf(msg, sizeof(msg), "the Page %s (%s) has no Instagram "
             "professional account linked", pname != NULL ? pname : "?",
             d->page_id);
    fail_blocking(rep, "account", "link the Instagram account to the Page "
                  "(Instagram app: Settings, Business tools, Connect a "
                  "Facebook Page)", msg);
  } else {
    static const struct graph_param q[] = { { "fields", "id,username" } };
    json_t *u = NULL;
    snprintf(d->ig_id, sizeof(d->ig_id), "%s", ig);
    if (get(d, ig, q, 1, 0, &u, &ge, what, sizeof(what)) == 0)
      add(rep, ST_OK, "account", NULL, "@%s (%s), a professional account "
          "(Business or Creator) linked to the Page",
          json_string_value(json_object_get(u, "username")) != NULL
              ? json_string_value(json_object_get(u, "username")) : "?", ig);
    else
      add(rep, ST_WARN, "account", "grant instagram_basic", "the Page links "
          "the Instagram account %s, which does not answer: %s", ig, what);
    json_decref(u);
    if (strcmp(d->cfg.user_id, "me") != 0 && strcmp(d->cfg.user_id, ig) != 0)
      add(rep, ST_WARN, "account", "set IG_USER_ID to the linked account, or "
          "leave it unset", "IG_USER_ID is %s but the Page links %s",
          d->cfg.user_id, ig);
  }
out:
  json_decref(dt);
  json_decref(b);
}

struct group {
  const char *name;
  const char *ig_scope, *fb_scope;
  const char *tools;
};

static const struct group groups[] = {
  { "basic", "instagram_business_basic", "instagram_basic",
    "account, media, profile" },
  { "messaging", "instagram_business_manage_messages",
    "instagram_manage_messages", "messaging, inbox" },
  { "publishing", "instagram_business_content_publish",
    "instagram_content_publish", "publishing" },
  { "comments", "instagram_business_manage_comments",
    "instagram_manage_comments", "comments" },
  { "insights", "instagram_business_manage_insights",
    "instagram_manage_insights", "insights" },
};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

/* Instagram Login without stored scopes: one cheap read per group.
 * Returns 1 granted, 0 missing, -1 unknown (what says why). */
static int
probe(struct doctor *d, size_t gi, char *what, size_t wlen)
{
  static const struct graph_param conv[] = {
    { "platform", "instagram" }, { "limit", "1" },
  };
  static const struct graph_param ins[] = {
    { "metric", "reach" }, { "period", "day" },
  };
  static const struct graph_param media[] = {
    { "fields", "id" }, { "limit", "1" },
  };
  static const struct graph_param one[] = { { "limit", "1" } };
  struct graph_error ge;
  char path[160];
  json_t *b = NULL;
  int rc;

  switch (gi) {
  case 0:
    snprintf(what, wlen, "GET /me answered");
    return 1;
  case 1:
    rc = get(d, "me/conversations", conv, 2, 0, &b, &ge, what, wlen);
    break;
  case 2:
    snprintf(path, sizeof(path), "%s/content_publishing_limit", d->ig_id);
    rc = get(d, path, NULL, 0, 0, &b, &ge, what, wlen);
    break;
  case 3: {
    const char *mid;
    snprintf(path, sizeof(path), "%s/media", d->ig_id);
    rc = get(d, path, media, 1, 0, &b, &ge, what, wlen);
    if (rc != 0)
      break;
    mid = json_string_value(json_object_get(json_array_get(
        json_object_get(b, "data"), 0), "id"));
    if (mid == NULL) {
      json_decref(b);
      snprintf(what, wlen, "no media to read comments of");
      return -1;
    }
    snprintf(path, sizeof(path), "%s/comments", mid);
    json_decref(b);
    rc = get(d, path, one, 1, 0, &b, &ge, what, wlen);
    break;
  }
  default:
    snprintf(path, sizeof(path), "%s/insights", d->ig_id);
    rc = get(d, path, ins, 2, 0, &b, &ge, what, wlen);
    break;
  }
  json_decref(b);
  if (rc == 0) {
    snprintf(what, wlen, "a read answered");
    return 1;
  }
  return rc == ERR_GRAPH && is_permission_error(&ge) ? 0 : -1;
}

static void
check_permissions(struct doctor *d, struct report *rep)
{
  int fb = d->cfg.login == GRAPH_LOGIN_FACEBOOK;
  int missing = 0, basic_missing = 0, probed = d->scopes == NULL;
  char what[600];
  const char *fix = fb
    ? "add the permission to the app's Facebook Login configuration and "
      "run igmcp login again (the Page token keeps the scopes "
      "of the user token it came from)"
    : "add the permission to the app's Instagram Login scopes and run "
      "igmcp login again";

  if (!d->token_ok) {
    add(rep, ST_SKIP, "permissions", NULL, "not checked: the token does "
        "not work");
    return;
  }
  if (probed && fb) {
    add(rep, ST_WARN, "permissions", "set IG_APP_ID and IG_APP_SECRET so "
        "debug_token can answer", "Meta did not list the token's "
        "permissions (neither debug_token nor /me/permissions answered)");
    return;
  }
  if (probed)
    add(rep, ST_WARN, "scopes", "connect the account with igmcp login, "
        "which records the granted scopes", "Instagram Login has no "
        "debug_token and no scopes are stored for this token: each tool "
        "group was probed with one read instead");
  for (size_t i = 0; i < NGROUPS; i++) {
    const char *scope = fb ? groups[i].fb_scope : groups[i].ig_scope;
    char check[32];
    int have;
    snprintf(check, sizeof(check), "perm:%s", groups[i].name);
    if (probed)
      have = probe(d, i, what, sizeof(what));
    else
      have = has_scope(d->scopes, scope);
    if (have == 1 && fb && i == 0 &&
        (!has_scope(d->scopes, "pages_show_list") ||
         !has_scope(d->scopes, "pages_read_engagement"))) {
      add(rep, ST_WARN, check, fix, "%s granted, %s missing: the Page and "
          "its account may not be readable", scope,
          !has_scope(d->scopes, "pages_show_list") ? "pages_show_list"
                                                    : "pages_read_engagement");
    } else if (have == 1) {
      add(rep, ST_OK, check, NULL, "%s %s (tools: %s)", scope,
          probed ? "works" : "granted", groups[i].tools);
    } else if (have == 0) {
      missing++;
      if (i == 0)
        basic_missing = 1;
      add(rep, ST_WARN, check, fix, "%s %s: the %s tools will fail", scope,
          probed ? "is missing (a read was refused)" : "is not granted",
          groups[i].tools);
    } else {
      add(rep, ST_WARN, check, NULL, "%s could not be probed: %s", scope,
          what);
    }
  }
  if (basic_missing || missing == (int)NGROUPS) {
    char msg[300];
    snprintf(msg, sizeof(msg), "%s: no tool can work",
             basic_missing ? (fb ? "instagram_basic is not granted"
                                 : "instagram_business_basic is not granted")
                           : "no tool group has its permission");
    fail_blocking(rep, "permissions", fix, msg);
  }
}

static void
check_webhooks(struct doctor *d, struct report *rep)
{
  int fb = d->cfg.login == GRAPH_LOGIN_FACEBOOK;
  struct graph_error ge;
  char what[600], path[96], fields[400] = "";
  json_t *b = NULL, *entry = NULL, *v;
  size_t i, off = 0;

  if (!d->token_ok) {
    add(rep, ST_SKIP, "webhooks", NULL, "not checked: the token does not "
        "work");
    return;
  }
  snprintf(path, sizeof(path), "%s/subscribed_apps",
           fb ? d->page_id : "me");
  if (get(d, path, NULL, 0, 0, &b, &ge, what, sizeof(what)) != 0) {
    add(rep, ST_WARN, "webhooks", fb ? "grant pages_manage_metadata" : NULL,
        "GET /%s failed: %s", path, what);
    return;
  }
  json_array_foreach(json_object_get(b, "data"), i, v) {
    const char *id = json_string_value(json_object_get(v, "id"));
    if (entry == NULL || (d->cfg.app_id != NULL && id != NULL &&
                          strcmp(id, d->cfg.app_id) == 0))
      entry = v;
  }
  if (entry == NULL) {
    add(rep, ST_WARN, "webhooks", fb
        ? "igmcp call ig_subscribe_webhooks (subscribes the Page to the "
          "default fields)"
        : "igmcp call ig_subscribe_webhooks (subscribes the account to the "
          "default fields)",
        "no app is subscribed to the %s's webhooks: no events arrive (the "
        "inbox is then filled by polling only)", fb ? "Page" : "account");
    json_decref(b);
    return;
  }
  json_array_foreach(json_object_get(entry, "subscribed_fields"), i, v)
    if (json_is_string(v) && off < sizeof(fields) - 1)
      off += (size_t)snprintf(fields + off, sizeof(fields) - off, "%s%s",
                              i ? ", " : "", json_string_value(v));
  if (fb && d->scopes != NULL &&
      !has_scope(d->scopes, "pages_manage_metadata"))
    add(rep, ST_WARN, "webhooks", "grant pages_manage_metadata and run igmcp "
        "login again", "pages_manage_metadata is not granted: "
        "the subscription cannot be changed");
  add(rep, ST_OK, "webhooks", NULL, "app %s subscribed to %s",
      json_string_value(json_object_get(entry, "name")) != NULL
          ? json_string_value(json_object_get(entry, "name")) : "?",
      off > 0 ? fields : "no fields");
  json_decref(b);
}

/* ---- local settings ----------------------------------------------- */

static void
check_local(struct doctor *d, struct report *rep)
{
  const char *path = d->cfg.db_path;
  char *def = NULL;
  struct stat st;

  if (d->cfg.app_secret != NULL) {
    add(rep, ST_OK, "app secret", NULL, "set (%zu characters): calls carry "
        "appsecret_proof and webhook signatures are checked",
        strlen(d->cfg.app_secret));
  } else {
    add(rep, ST_WARN, "app secret", "set IG_APP_SECRET (the app's secret, "
        "from the Meta app dashboard)", "not set: no appsecret_proof, and "
        "webhook deliveries cannot be verified");
  }
  if (d->cfg.verify_token != NULL) {
    add(rep, ST_OK, "verify token", NULL, "IG_WEBHOOK_VERIFY_TOKEN is set "
        "(%zu characters): the webhook handshake can succeed",
        strlen(d->cfg.verify_token));
  } else {
    add(rep, ST_WARN, "verify token", "set IG_WEBHOOK_VERIFY_TOKEN to the "
        "value entered in the app's webhook settings", "not set: Meta's "
        "GET /webhook verification will be refused");
  }
  if (path != NULL && strcmp(path, "off") == 0) {
    add(rep, ST_WARN, "store", "drop --db off / IGMCP_DB=off", "off: the "
        "inbox tools and webhook storage are unavailable");
  } else {
    if (path == NULL && d->sb != NULL)
      path = ":memory:";
    if (path == NULL)
      path = def = store_default_path();
    if (path == NULL) {
      add(rep, ST_WARN, "store", "set IGMCP_DB=/path/to/igmcp.db", "no "
          "IGMCP_DB, XDG_STATE_HOME or HOME: no inbox store");
    } else if (strcmp(path, ":memory:") != 0 && stat(path, &st) != 0) {
      add(rep, ST_OK, "store", NULL, "%s does not exist yet; igmcp serve "
          "creates it (mode 0600)", path);
    } else {
      struct err e = { 0 };
      struct store *s = store_open(path, &e);
      char fix[400];
      if (s == NULL) {
        snprintf(fix, sizeof(fix), "set IGMCP_DB or --db to another file, "
                 "or --db off");
        add(rep, ST_WARN, "store", fix, "%s cannot be opened: %s", path,
            e.msg);
      } else if (strcmp(path, ":memory:") != 0 &&
                 (st.st_mode & 077) != 0) {
        snprintf(fix, sizeof(fix), "chmod 600 %s", path);
        add(rep, ST_WARN, "store", fix, "%s opens but has mode %04o: others "
            "can read the messages in it", path,
            (unsigned)(st.st_mode & 0777));
      } else {
        add(rep, ST_OK, "store", NULL, "%s opens%s", path,
            strcmp(path, ":memory:") == 0 ? " (in memory)" : ", mode 0600");
      }
      store_close(s);
    }
  }
  free(def);
  if (d->public_url != NULL) {
    if (strncmp(d->public_url, "https://", 8) == 0)
      add(rep, ST_OK, "public url", NULL, "%s", d->public_url);
    else
      add(rep, ST_WARN, "public url", "use an https:// URL (a TLS proxy in "
          "front of serve --http)", "%s is not https://", d->public_url);
  }
}

/* ---- output -------------------------------------------------------- */

static void
print_text(const struct report *rep, int rc)
{
  size_t i;
  json_t *c;

  printf("igmcp doctor\n");
  json_array_foreach(rep->checks, i, c) {
    const char *fix = json_string_value(json_object_get(c, "fix"));
    printf("  %-4s  %-15s %s\n",
           json_string_value(json_object_get(c, "status")),
           json_string_value(json_object_get(c, "check")),
           json_string_value(json_object_get(c, "found")));
    if (fix != NULL)
      printf("        %-15s -> %s\n", "", fix);
  }
  printf("%d ok, %d warning%s, %d failure%s: %s\n", rep->n[ST_OK],
         rep->n[ST_WARN], rep->n[ST_WARN] == 1 ? "" : "s", rep->n[ST_FAIL],
         rep->n[ST_FAIL] == 1 ? "" : "s",
         rc != 0 ? "igmcp cannot work until the FAIL lines are fixed"
         : rep->n[ST_WARN] + rep->n[ST_FAIL] > 0
             ? "igmcp works; the lines above say what is limited"
             : "all good");
}

static void
print_json(const struct report *rep, int rc)
{
  json_t *o = json_pack("{s:b,s:i,s:O,s:{s:i,s:i,s:i,s:i}}", "ok", rc == 0,
                        "exit_code", rc, "checks", rep->checks, "summary",
                        "ok", rep->n[ST_OK], "warn", rep->n[ST_WARN], "fail",
                        rep->n[ST_FAIL], "skip", rep->n[ST_SKIP]);
  char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

  printf("%s\n", s != NULL ? s : "{}");
  free(s);
  json_decref(o);
}

static void
doctor_usage(FILE *out)
{
  fprintf(out,
    "usage: igmcp doctor [--account NAME] [--sandbox] [--json]\n"
    "       [--login L] [--graph-url URL] [--api-version V] [--user-id ID]\n"
    "       [--page-id ID] [--db PATH] [--public-url URL]\n"
    "Checks the configuration end to end: token, expiry, login and host,\n"
    "permissions per tool group, account type, webhook subscription, app\n"
    "secret, verify token and inbox store.  Exit 1 when something blocks\n"
    "use, 0 otherwise (warnings allowed).\n");
}

enum {
  D_ACCOUNT = 300, D_JSON, D_LOGIN, D_GRAPH_URL, D_API_VERSION, D_USER_ID,
  D_PAGE_ID, D_DB, D_PUBLIC_URL,
};

static const struct option doctor_opts[] = {
  { "account", required_argument, NULL, D_ACCOUNT },
  { "sandbox", no_argument, NULL, 's' },
  { "json", no_argument, NULL, D_JSON },
  { "login", required_argument, NULL, D_LOGIN },
  { "graph-url", required_argument, NULL, D_GRAPH_URL },
  { "api-version", required_argument, NULL, D_API_VERSION },
  { "user-id", required_argument, NULL, D_USER_ID },
  { "page-id", required_argument, NULL, D_PAGE_ID },
  { "db", required_argument, NULL, D_DB },
  { "public-url", required_argument, NULL, D_PUBLIC_URL },
  { "verbose", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Reads the options into d; returns 0, 2 on a usage error, -1 for
 * --help. */
static int
parse(int argc, char **argv, struct doctor *d)
{
  int ch, sandbox = 0, verbose = 0;

  config_from_env(&d->cfg);
  optind = 1;
  while ((ch = getopt_long(argc, argv, "svh", doctor_opts, NULL)) != -1) {
    switch (ch) {
    case 's': sandbox = 1; break;
    case 'v': verbose++; break;
    case 'h': return -1;
    case D_ACCOUNT: d->account = optarg; break;
    case D_JSON: d->json = 1; break;
    case D_LOGIN: config_set(&d->cfg.login_name, optarg); break;
    case D_GRAPH_URL: config_set(&d->cfg.graph_url, optarg); break;
    case D_API_VERSION: config_set(&d->cfg.api_version, optarg); break;
    case D_USER_ID: config_set(&d->cfg.user_id, optarg); break;
    case D_PAGE_ID: config_set(&d->cfg.page_id, optarg); break;
    case D_DB: config_set(&d->cfg.db_path, optarg); break;
    case D_PUBLIC_URL: d->public_url = optarg; break;
    default:
      fprintf(stderr, "igmcp: run 'igmcp doctor --help' for the options\n");
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "igmcp doctor: unexpected argument \"%s\"\n",
            argv[optind]);
    return 2;
  }
  if (sandbox && d->account != NULL) {
    fprintf(stderr, "igmcp doctor: --account and --sandbox do not go "
            "together\n");
    return 2;
  }
  d->cfg.sandbox = sandbox;
  if (verbose > 0)
    log_set_stderr_level(verbose > 1 ? LOG_DEBUG : LOG_INFO);
  return 0;
}

int
cli_doctor(int argc, char **argv)
{
  struct doctor d;
  struct report rep = { 0 };
  struct graph_config gc = { 0 };
  struct err e = { 0 };
  char url[64], pv[64];
  int rc;

  memset(&d, 0, sizeof(d));
  rc = parse(argc, argv, &d);
  if (rc != 0) {
    if (rc < 0)
      doctor_usage(stdout);
    config_free(&d.cfg);
    return rc < 0 ? 0 : rc;
  }
  rep.checks = json_array();
  if (d.cfg.sandbox) {
    struct sandbox_opts so = { 0 };
    int fb = d.cfg.login_name && strcmp(d.cfg.login_name, "facebook") == 0;
    d.sb = sandbox_start(&so, &e);
    if (d.sb == NULL) {
      fprintf(stderr, "igmcp: cannot start the sandbox: %s\n", e.msg);
      rc = 1;
      goto out;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%u",
             (unsigned)sandbox_port(d.sb));
    config_set(&d.cfg.graph_url, url);
    config_set(&d.cfg.token, fb ? SANDBOX_FB_TOKEN : SANDBOX_IG_TOKEN);
    config_set(&d.cfg.app_secret, SANDBOX_APP_SECRET);
    config_set(&d.cfg.app_id, SANDBOX_APP_ID);
    log_add_secret(d.cfg.token);
    log_add_secret(d.cfg.app_secret);
    preview(d.cfg.token, pv, sizeof(pv));
    add(&rep, ST_OK, "config", NULL, "--sandbox: the emulator on %s, token "
        "%s", url, pv);
  } else if (d.cfg.token != NULL && d.account == NULL) {
    preview(d.cfg.token, pv, sizeof(pv));
    add(&rep, ST_OK, "config", NULL, "IG_ACCESS_TOKEN from the environment "
        "(%s)", pv);
    check_credentials(&d, &rep, 0);
  } else {
    config_set(&d.cfg.token, NULL);
    if (check_credentials(&d, &rep, 1) != 0)
      goto report;
  }
  if (config_finish(&d.cfg, 1, &e) != 0) {
    fail_blocking(&rep, "config", "fix the setting named", e.msg);
    goto report;
  }
  add(&rep, ST_OK, "login", NULL, "%s Login: %s, API %s%s%s",
      d.cfg.login == GRAPH_LOGIN_FACEBOOK ? "Facebook" : "Instagram",
      d.cfg.login == GRAPH_LOGIN_FACEBOOK ? "graph.facebook.com (Page token)"
                                          : "graph.instagram.com",
      d.cfg.api_version, d.cfg.graph_url != NULL ? ", base URL " : "",
      d.cfg.graph_url != NULL ? d.cfg.graph_url : "");
  gc.login = d.cfg.login;
  gc.token = d.cfg.token;
  gc.app_secret = d.cfg.app_secret;
  gc.app_id = d.cfg.app_id;
  gc.base_url = d.cfg.graph_url;
  gc.api_version = d.cfg.api_version;
  gc.timeout_ms = d.cfg.graph_timeout_ms != 0 ? d.cfg.graph_timeout_ms
                                              : 15000;
  gc.max_attempts = 2;
  d.g = graph_new(&gc, &e);
  if (d.g == NULL) {
    fail_blocking(&rep, "config", NULL, e.msg);
    goto report;
  }
  if (d.cfg.login == GRAPH_LOGIN_FACEBOOK)
    check_fb_token(&d, &rep);
  else
    check_ig_token(&d, &rep);
  check_permissions(&d, &rep);
  check_webhooks(&d, &rep);
  check_local(&d, &rep);
report:
  rc = rep.blocked ? 1 : 0;
  if (d.json)
    print_json(&rep, rc);
  else
    print_text(&rep, rc);
out:
  json_decref(rep.checks);
  json_decref(d.scopes);
  graph_free(d.g);
  if (d.sb != NULL)
    sandbox_stop(d.sb);
  config_free(&d.cfg);
  return rc;
}
