/* SPDX-License-Identifier: MIT */
/* config.c: environment, flags and their checks. */
#include "cli/config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/xalloc.h"

void
config_set(char **field, const char *v)
{
  free(*field);
  *field = v != NULL ? xstrdup(v) : NULL;
}

static void
from_env(char **field, const char *name)
{
  const char *v = getenv(name);
  if (v != NULL && *v != '\0')
    config_set(field, v);
}

/* A boolean variable: set and not "0", "false" or "no". */
static int
env_flag(const char *name)
{
  const char *v = getenv(name);
  return v != NULL && *v != '\0' && strcmp(v, "0") != 0 &&
         strcasecmp(v, "false") != 0 && strcasecmp(v, "no") != 0;
}

void
config_from_env(struct config *c)
{
  from_env(&c->token, "IG_ACCESS_TOKEN");
  from_env(&c->app_secret, "IG_APP_SECRET");
  from_env(&c->app_id, "IG_APP_ID");
  from_env(&c->user_id, "IG_USER_ID");
  from_env(&c->page_id, "IG_PAGE_ID");
  from_env(&c->login_name, "IG_LOGIN");
  from_env(&c->graph_url, "IG_GRAPH_URL");
  from_env(&c->api_version, "IG_API_VERSION");
  from_env(&c->verify_token, "IG_WEBHOOK_VERIFY_TOKEN");
  from_env(&c->db_path, "IGMCP_DB");
  from_env(&c->toolsets, "IGMCP_TOOLSETS");
  from_env(&c->tools, "IGMCP_TOOLS");
  from_env(&c->exclude_tools, "IGMCP_EXCLUDE_TOOLS");
  from_env(&c->trusted_users, "IGMCP_TRUSTED_USERS");
  c->read_only = env_flag("IGMCP_READ_ONLY");
  c->dry_run = env_flag("IGMCP_DRY_RUN");
  c->confirm_writes = env_flag("IGMCP_CONFIRM_WRITES");
  c->lockdown = env_flag("IGMCP_LOCKDOWN");
  if (getenv("IGMCP_RESULT_MAX_BYTES") != NULL) {
    long v = strtol(getenv("IGMCP_RESULT_MAX_BYTES"), NULL, 10);
    c->result_max = v >= 1000 && v <= 1000000 ? (size_t)v : SIZE_MAX;
  }
  if (getenv("IGMCP_GRAPH_TIMEOUT_MS") != NULL) {
    long v = strtol(getenv("IGMCP_GRAPH_TIMEOUT_MS"), NULL, 10);
    c->graph_timeout_ms = v >= 100 && v <= 600000 ? v : 0;
  }
  log_add_secret(c->token);
  log_add_secret(c->app_secret);
  log_add_secret(c->verify_token);
}

static int
version_ok(const char *v)
{
  const char *p = v;

  if (*p++ != 'v' || !isdigit((unsigned char)*p))
    return 0;
  while (isdigit((unsigned char)*p))
    p++;
  if (*p++ != '.' || !isdigit((unsigned char)*p))
    return 0;
  while (isdigit((unsigned char)*p))
    p++;
  return *p == '\0' && strlen(v) < 12;
}

int
config_finish(struct config *c, int need_token, struct err *e)
{
  if (c->user_id == NULL)
    config_set(&c->user_id, "me");
  if (c->page_id == NULL)
    config_set(&c->page_id, "me");
  if (c->api_version == NULL)
    config_set(&c->api_version, "v25.0");
  if (c->result_max == SIZE_MAX)
    return err_set(e, ERR_CONFIG, "IGMCP_RESULT_MAX_BYTES must be a number "
                                  "from 1000 to 1000000");
  if (!version_ok(c->api_version))
    return err_set(e, ERR_CONFIG,
                   "IG_API_VERSION must look like v25.0 (got \"%.20s\")",
                   c->api_version);
  if (!graph_id_valid(c->user_id))
    return err_set(e, ERR_CONFIG,
                   "IG_USER_ID must be a numeric Instagram account id or "
                   "\"me\"");
  if (!graph_id_valid(c->page_id))
    return err_set(e, ERR_CONFIG,
                   "IG_PAGE_ID must be a numeric Facebook Page id or \"me\"");
  if (c->graph_url != NULL && strncmp(c->graph_url, "https://", 8) != 0 &&
      strncmp(c->graph_url, "http://", 7) != 0)
    return err_set(e, ERR_CONFIG,
                   "IG_GRAPH_URL must start with https:// (or http:// for a "
                   "local emulator)");
  if (c->login_name != NULL) {
    if (strcmp(c->login_name, "instagram") == 0)
      c->login = GRAPH_LOGIN_INSTAGRAM;
    else if (strcmp(c->login_name, "facebook") == 0)
      c->login = GRAPH_LOGIN_FACEBOOK;
    else
      return err_set(e, ERR_CONFIG,
                     "IG_LOGIN must be \"instagram\" or \"facebook\" (got "
                     "\"%.20s\")", c->login_name);
  }
  if (c->token == NULL) {
    if (need_token)
      return err_set(e, ERR_CONFIG,
                     "IG_ACCESS_TOKEN is not set: set it to an Instagram "
                     "Login token (IGAA...) or a Page token (EAA...), or "
                     "run with --sandbox to try igmcp without a Meta app");
    if (c->login == 0)
      c->login = GRAPH_LOGIN_INSTAGRAM;
    return 0;
  }
  for (const char *p = c->token; *p; p++) {
    if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
      return err_set(e, ERR_CONFIG,
                     "IG_ACCESS_TOKEN contains spaces or control "
                     "characters; paste the token alone");
  }
  if (c->login == 0) {
    if (strncmp(c->token, "IGAA", 4) == 0 || strncmp(c->token, "IGQV", 4) == 0)
      c->login = GRAPH_LOGIN_INSTAGRAM;
    else if (strncmp(c->token, "EAA", 3) == 0)
      c->login = GRAPH_LOGIN_FACEBOOK;
    else
      return err_set(e, ERR_CONFIG,
                     "cannot tell the login type from IG_ACCESS_TOKEN; set "
                     "IG_LOGIN=instagram (graph.instagram.com) or "
                     "IG_LOGIN=facebook (graph.facebook.com, Page token)");
  }
  return 0;
}

void
config_free(struct config *c)
{
  free(c->token);
  free(c->app_secret);
  free(c->app_id);
  free(c->user_id);
  free(c->page_id);
  free(c->login_name);
  free(c->graph_url);
  free(c->api_version);
  free(c->verify_token);
  free(c->db_path);
  free(c->toolsets);
  free(c->tools);
  free(c->exclude_tools);
  free(c->trusted_users);
  memset(c, 0, sizeof(*c));
}
