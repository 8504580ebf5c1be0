/* SPDX-License-Identifier: MIT */
/*
 * account.c: the account toolset: the account's profile, the Facebook
 * Pages it is linked through, business discovery and the app.  The token
 * tools are in account_token.c.
 *
 * With Facebook Login "me" is the Page, so the Instagram account is found
 * through the Page's instagram_business_account; a Page id given where an
 * IG user id belongs is resolved the same way (account_resolve_user).
 * Page access tokens that Meta lists in /me/accounts are never returned.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/account.h"
#include "tools/schema_props.h"

#define USERNAME_PATTERN "^[A-Za-z0-9._]{1,30}$"

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* 1 when id has the shape of an Instagram professional account id. */
static int
looks_like_ig_user(const char *id)
{
  return strlen(id) == 17 && strncmp(id, "1784", 4) == 0;
}

/* Meta's error code in a tool_graph failure, or 0. */
static long
failed_code(const struct result *r)
{
  json_t *g = json_object_get(json_object_get(r->structured, "error"),
                              "graph");
  return (long)json_integer_value(json_object_get(g, "code"));
}

static void
result_reset(struct result *r)
{
  result_free(r);
  memset(r, 0, sizeof(*r));
}

int
account_resolve_user(struct call *c, struct result *r, const char *id,
                     char *out, size_t outlen, int *is_own)
{
  const char *own = c->acct->user_id ? c->acct->user_id : "me";
  const char *node;
  struct graph_param p[2] = { { "fields", "instagram_business_account" },
                              { NULL, NULL } };
  json_t *body = NULL;
  const char *iba;

  if (id == NULL || *id == '\0' || strcmp(id, "me") == 0)
    id = own;
  *is_own = strcmp(id, own) == 0;
  if (c->acct->login != GRAPH_LOGIN_FACEBOOK ||
      (strcmp(id, "me") != 0 && looks_like_ig_user(id))) {
    snprintf(out, outlen, "%s", id);
    return 0;
  }
  node = strcmp(id, "me") == 0 && c->acct->page_id ? c->acct->page_id : id;
  if (tool_graph(c, r, "GET", node, p, NULL, 1, &body) != 0) {
    /* Not a Page: an IG user node has no such field. */
    if (strcmp(id, "me") != 0 && failed_code(r) == 100) {
      result_reset(r);
      snprintf(out, outlen, "%s", id);
      return 0;
    }
    return -1;
  }
  iba = str(json_object_get(body, "instagram_business_account"), "id");
  if (iba == NULL) {
    json_decref(body);
    return result_errorf(r, "invalid_argument",
                         "The Facebook Page %s has no Instagram "
                         "professional account linked. Link one in the "
                         "Page's settings, or use ig_list_linked_accounts "
                         "to find a Page that has one.", node);
  }
  snprintf(out, outlen, "%s", iba);
  json_decref(body);
  if (strcmp(id, "me") == 0) {
    *is_own = 1;
  } else if (strcmp(own, "me") == 0 || strcmp(out, own) == 0) {
    /* Is the Page's account the configured one?  Ask through "me". */
    char mine[64];
    int dummy;
    if (strcmp(out, own) == 0)
      *is_own = 1;
    else if (account_resolve_user(c, r, "me", mine, sizeof(mine),
                                  &dummy) == 0)
      *is_own = strcmp(mine, out) == 0;
    else
      result_reset(r);
  }
  return 0;
}

int
account_resolve_own(struct call *c, struct result *r, char *out,
                    size_t outlen)
{
  struct graph_param p[2] = { { "fields", "instagram_business_account" },
                              { NULL, NULL } };
  const char *cfg = c->acct->user_id;
  json_t *body = NULL;
  const char *id;

  if (c->acct->login != GRAPH_LOGIN_FACEBOOK ||
      (cfg != NULL && strcmp(cfg, "me") != 0)) {
    snprintf(out, outlen, "%s", cfg != NULL ? cfg : "me");
    return 0;
  }
  if (tool_graph(c, r, "GET", c->acct->page_id ? c->acct->page_id : "me",
                 p, NULL, 1, &body) != 0)
    return -1;
  id = str(json_object_get(body, "instagram_business_account"), "id");
  if (id == NULL || strlen(id) >= outlen) {
    json_decref(body);
    return result_errorf(r, "not_configured",
                         "The Facebook Page has no linked Instagram "
                         "professional account; link one, or set the "
                         "account id with --user-id.");
  }
  snprintf(out, outlen, "%s", id);
  json_decref(body);
  return 0;
}

/* ig_get_account ------------------------------------------------------ */

#define FIELDS_IG                                                           \
  "user_id,username,name,account_type,profile_picture_url,biography,"      \
  "website,followers_count,follows_count,media_count"
#define FIELDS_FB                                                           \
  "id,ig_id,username,name,profile_picture_url,biography,website,"          \
  "followers_count,follows_count,media_count"
#define FIELDS_OTHER "id,username,name,profile_picture_url,media_count"

static int
get_account(struct call *c, const json_t *args, struct result *r)
{
  char id[64];
  int own, ig = c->acct->login != GRAPH_LOGIN_FACEBOOK;
  struct graph_param p[2];
  json_t *body = NULL, *out, *v;
  const char *k;

  if (account_resolve_user(c, r, str(args, "user_id"), id, sizeof(id),
                           &own) != 0)
    return -1;
  p[0] = (struct graph_param){ "fields", !own ? FIELDS_OTHER
                                         : ig ? FIELDS_IG : FIELDS_FB };
  p[1] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", id, p, NULL, 1, &body) != 0)
    return -1;
  out = json_object();
  json_object_foreach(body, k, v) {
    if (strcmp(k, "id") == 0 || strcmp(k, "user_id") == 0 ||
        strcmp(k, "ig_id") == 0)
      continue;
    json_object_set(out, k, v);
  }
  /* On graph.instagram.com "id" is app-scoped and user_id the account. */
  if (ig && str(body, "user_id") != NULL) {
    json_object_set_new(out, "id", json_string(str(body, "user_id")));
    if (str(body, "id") != NULL)
      json_object_set_new(out, "app_scoped_id", json_string(str(body,
                                                                "id")));
  } else {
    json_object_set_new(out, "id", json_string(str(body, "id") ? str(body,
                                                                     "id")
                                                               : id));
  }
  json_object_set_new(out, "is_own_account", json_boolean(own));
  if (!own)
    json_object_set_new(out, "note", json_string(
        "Follower counts are given only for your own account. For another "
        "public business or creator account use ig_business_discovery with "
        "its username."));
  json_decref(body);
  return result_ok(r, out);
}

/* ig_list_linked_accounts --------------------------------------------- */

/* {page_id, name, category?, tasks?, instagram_account_id?} from a Page;
 * never the Page's access_token. */
static json_t *
norm_page(const json_t *pg)
{
  json_t *o = json_pack("{s:s}", "page_id", str(pg, "id"));
  const char *iba = str(json_object_get(pg, "instagram_business_account"),
                        "id");

  if (str(pg, "name") != NULL)
    json_object_set_new(o, "name", json_string(str(pg, "name")));
  if (str(pg, "category") != NULL)
    json_object_set_new(o, "category", json_string(str(pg, "category")));
  if (json_is_array(json_object_get(pg, "tasks")))
    json_object_set(o, "tasks", json_object_get(pg, "tasks"));
  if (iba != NULL)
    json_object_set_new(o, "instagram_account_id", json_string(iba));
  json_object_set_new(o, "has_instagram_account", json_boolean(iba != NULL));
  return o;
}

static int
list_linked(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[4];
  char limit[16];
  size_t n = 0, i;
  json_t *body = NULL, *pages, *pg, *out;
  const json_t *paging;

  if (c->acct->login != GRAPH_LOGIN_FACEBOOK)
    return result_errorf(r, "invalid_argument",
                         "ig_list_linked_accounts needs Facebook Login: "
                         "with Instagram Login there are no Facebook "
                         "Pages; ig_get_account shows the account.");
  snprintf(limit, sizeof(limit), "%" JSON_INTEGER_FORMAT,
           json_integer_value(json_object_get(args, "limit")));
  p[n++] = (struct graph_param){
    "fields", "id,name,category,tasks,instagram_business_account" };
  p[n++] = (struct graph_param){ "limit", limit };
  if (str(args, "after") != NULL)
    p[n++] = (struct graph_param){ "after", str(args, "after") };
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", "me/accounts", p, NULL, 1, &body) != 0) {
    /* A Page token cannot list Pages: report the Page itself. */
    if (failed_code(r) != 100 || str(args, "after") != NULL)
      return -1;
    result_reset(r);
    p[0] = (struct graph_param){ "fields",
                                 "id,name,category,instagram_business_account" };
    p[1] = (struct graph_param){ NULL, NULL };
    if (tool_graph(c, r, "GET", c->acct->page_id ? c->acct->page_id : "me",
                   p, NULL, 1, &body) != 0)
      return -1;
    out = json_pack("{s:[o], s:I, s:s}", "pages", norm_page(body), "count",
                    (json_int_t)1, "note",
                    "The token is a Page token, which cannot list other "
                    "Pages; this is the Page it belongs to.");
    json_decref(body);
    return result_ok(r, out);
  }
  pages = json_array();
  json_array_foreach(json_object_get(body, "data"), i, pg) {
    if (str(pg, "id") != NULL)
      json_array_append_new(pages, norm_page(pg));
  }
  out = json_pack("{s:o, s:I}", "pages", pages, "count",
                  (json_int_t)json_array_size(pages));
  paging = json_object_get(body, "paging");
  if (json_object_get(paging, "next") != NULL &&
      str(json_object_get(paging, "cursors"), "after") != NULL)
    json_object_set_new(out, "next_cursor", json_string(str(
        json_object_get(paging, "cursors"), "after")));
  json_decref(body);
  return result_ok(r, out);
}

/* ig_business_discovery ----------------------------------------------- */

static int
business_discovery(struct call *c, const json_t *args, struct result *r)
{
  char id[64], fields[400];
  int own;
  json_int_t ml = json_integer_value(json_object_get(args, "media_limit"));
  struct graph_param p[2];
  json_t *body = NULL, *bd, *out;

  if (c->acct->login != GRAPH_LOGIN_FACEBOOK)
    return result_errorf(r, "invalid_argument",
                         "Business discovery needs Facebook Login "
                         "(graph.facebook.com); Meta does not offer it "
                         "with Instagram Login.");
  if (account_resolve_user(c, r, NULL, id, sizeof(id), &own) != 0)
    return -1;
  if (ml > 0)
    snprintf(fields, sizeof(fields),
             "business_discovery.username(%s){id,username,name,biography,"
             "website,profile_picture_url,followers_count,follows_count,"
             "media_count,media.limit(%" JSON_INTEGER_FORMAT "){id,caption,"
             "media_type,media_product_type,timestamp,permalink,like_count,"
             "comments_count}}", str(args, "username"), ml);
  else
    snprintf(fields, sizeof(fields),
             "business_discovery.username(%s){id,username,name,biography,"
             "website,profile_picture_url,followers_count,follows_count,"
             "media_count}", str(args, "username"));
  p[0] = (struct graph_param){ "fields", fields };
  p[1] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", id, p, NULL, 1, &body) != 0)
    return -1;
  bd = json_object_get(body, "business_discovery");
  if (!json_is_object(bd)) {
    json_decref(body);
    return result_errorf(r, "graph_error",
                         "Meta's answer had no business_discovery object.");
  }
  out = json_deep_copy(bd);
  if (json_is_object(json_object_get(out, "media"))) {
    json_t *data = json_object_get(json_object_get(out, "media"), "data");
    json_object_set(out, "media", json_is_array(data) ? data
                                                      : json_array());
  }
  json_decref(body);
  return result_ok(r, out);
}

/* ig_get_app_info ----------------------------------------------------- */

static int
get_app_info(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[2] = { { "fields", "id,name,link,category,namespace" },
                              { NULL, NULL } };
  json_t *body = NULL, *out;
  const char *app_id = c->graph ? graph_app_id(c->graph) : NULL;

  (void)args;
  if (c->acct->login != GRAPH_LOGIN_FACEBOOK) {
    if (app_id == NULL)
      return result_errorf(r, "not_configured",
                           "graph.instagram.com has no app node, so with "
                           "Instagram Login the app is known only from "
                           "IG_APP_ID, which is not set.");
    return result_ok(r, json_pack(
        "{s:s, s:s, s:s}", "id", app_id, "login", "instagram", "note",
        "graph.instagram.com has no app node; the id comes from IG_APP_ID. "
        "Name and settings are in the App Dashboard."));
  }
  if (tool_graph(c, r, "GET", "app", p, NULL, 1, &body) != 0)
    return -1;
  out = json_object();
  json_object_update(out, body);
  json_object_set_new(out, "login", json_string("facebook"));
  json_decref(body);
  return result_ok(r, out);
}

/* The token tools (account_token.c). */
int account_token_status(struct call *c, const json_t *args,
                         struct result *r);
int account_rate_status(struct call *c, const json_t *args,
                        struct result *r);
int account_renew_token(struct call *c, const json_t *args,
                        struct result *r);

#define TOKEN_OUT                                                           \
  "{\"type\":\"object\",\"properties\":{"                                   \
  "\"login\":{\"type\":\"string\"},"                                        \
  "\"token_preview\":{\"type\":\"string\"},"                                \
  "\"token_length\":{\"type\":\"integer\"},"                                \
  "\"expires_in\":{\"type\":\"integer\"},"                                  \
  "\"expires_at\":{\"type\":\"string\"},"                                   \
  "\"saved_to\":{\"type\":\"string\"},"                                     \
  "\"next_step\":{\"type\":\"string\"}},"                                   \
  "\"required\":[\"login\",\"token_preview\",\"next_step\"]}"
#define SAVE_TO_PROP                                                        \
  "\"save_to\":{\"type\":\"string\",\"pattern\":\"^/\",\"maxLength\":1024," \
  "\"description\":\"Absolute path of a NEW file to write the new token "    \
  "to (created with mode 0600; an existing file is refused). Without it "   \
  "the token is not kept anywhere.\"}"

static const struct tool account_tools[] = {
  {
    .name = "ig_get_account",
    .flags = TOOL_DEFAULT,
    .detail_keys = "profile_picture_url,app_scoped_id",
    .title = "Get the Instagram account",
    .description =
        "Get the Instagram professional account's profile: id, username, "
        "name, account type, picture, biography, followers, follows and "
        "media counts. Follower counts are given only for your own "
        "account; for other public accounts use ig_business_discovery. A "
        "Facebook Page id is resolved to its Instagram account.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"user_id\":{\"type\":\"string\",\"pattern\":\"" ACCOUNT_ID_PATTERN
        "\",\"description\":\"IG user id, a Facebook Page id (Facebook "
        "Login), or me (default: the configured account).\"}},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"string\"},\"username\":{\"type\":\"string\"},"
        "\"name\":{\"type\":\"string\"},"
        "\"account_type\":{\"type\":\"string\"},"
        "\"followers_count\":{\"type\":\"integer\"},"
        "\"follows_count\":{\"type\":\"integer\"},"
        "\"media_count\":{\"type\":\"integer\"},"
        "\"is_own_account\":{\"type\":\"boolean\"}},"
        "\"required\":[\"id\",\"is_own_account\"]}",
    .hints = HINTS_READ,
    .run = get_account,
  },
  {
    .name = "ig_list_linked_accounts",
    .title = "List Facebook Pages and their Instagram accounts",
    .description =
        "List the Facebook Pages the token can manage and the Instagram "
        "professional account linked to each (Facebook Login only). Use it "
        "to find the IG user id or Page id to configure. Page access "
        "tokens are never returned.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,"
        "\"default\":25,\"description\":\"Pages per page (1-100).\"},"
        AFTER_PROP "},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"pages\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
        "\"properties\":{\"page_id\":{\"type\":\"string\"},"
        "\"name\":{\"type\":\"string\"},"
        "\"instagram_account_id\":{\"type\":\"string\"},"
        "\"has_instagram_account\":{\"type\":\"boolean\"}},"
        "\"required\":[\"page_id\"]}},"
        "\"count\":{\"type\":\"integer\"},"
        "\"next_cursor\":{\"type\":\"string\"},"
        "\"note\":{\"type\":\"string\"}},"
        "\"required\":[\"pages\",\"count\"]}",
    .hints = HINTS_READ,
    .run = list_linked,
  },
  {
    .name = "ig_business_discovery",
    .detail_keys = "profile_picture_url," MEDIA_DETAIL_KEYS,
    .title = "Look up another business account",
    .description =
        "Get public data of another Instagram business or creator account "
        "by its username: followers, media count, biography and, with "
        "media_limit, its recent posts (Facebook Login only). Personal "
        "accounts cannot be looked up.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"username\":{\"type\":\"string\",\"pattern\":\"" USERNAME_PATTERN
        "\",\"description\":\"Instagram username without @ (letters, "
        "digits, . and _; at most 30).\"},"
        "\"media_limit\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":50,"
        "\"default\":0,\"description\":\"Recent posts to include (0-50).\"}},"
        "\"required\":[\"username\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"string\"},\"username\":{\"type\":\"string\"},"
        "\"followers_count\":{\"type\":\"integer\"},"
        "\"media_count\":{\"type\":\"integer\"},"
        "\"media\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},"
        "\"required\":[\"id\"]}",
    .hints = HINTS_READ,
    .run = business_discovery,
  },
  {
    .name = "ig_token_status",
    .flags = TOOL_DEFAULT,
    .title = "Check the access token",
    .description =
        "Check whether the access token works: login type, host, "
        "validity, expiry, scopes and refresh state. Use it on token "
        "errors. The token is never shown.",
    .input_schema = "{\"type\":\"object\",\"properties\":{},"
                    "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"login\":{\"type\":\"string\"},\"host\":{\"type\":\"string\"},"
        "\"valid\":{\"type\":\"boolean\"},"
        "\"expires_at\":{\"type\":\"string\"},"
        "\"scopes\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
        "\"reason\":{\"type\":\"string\"}},"
        "\"required\":[\"login\",\"host\",\"valid\"]}",
    .hints = HINTS_READ,
    .run = account_token_status,
  },
  {
    .name = "ig_rate_limit_status",
    .title = "Show the rate-limit state",
    .description =
        "Show how close the account is to Meta's rate limits and whether "
        "igmcp is pausing calls (above 85%) or holding them until Meta's "
        "regain time. No Graph call. "
        "Use it before a large batch or after a rate_limited error.",
    .input_schema = "{\"type\":\"object\",\"properties\":{},"
                    "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"host\":{\"type\":\"string\"},"
        "\"state\":{\"type\":\"string\",\"enum\":[\"ok\",\"slowing\","
        "\"held\",\"not_configured\"]},"
        "\"usage_percent\":{\"type\":\"integer\"},"
        "\"usage_seen_at\":{\"type\":\"string\"},"
        "\"app\":{\"type\":\"object\"},"
        "\"business_use_case\":{\"type\":\"object\"},"
        "\"pause_ms_per_call\":{\"type\":\"integer\"},"
        "\"hold\":{\"type\":\"object\",\"properties\":{"
        "\"until\":{\"type\":\"string\"},"
        "\"seconds_left\":{\"type\":\"integer\"},"
        "\"code\":{\"type\":\"integer\"},"
        "\"announced_by_meta\":{\"type\":\"boolean\"}}},"
        "\"calls\":{\"type\":\"integer\"},"
        "\"held_calls\":{\"type\":\"integer\"},"
        "\"slowed_calls\":{\"type\":\"integer\"},"
        "\"slowed_ms\":{\"type\":\"integer\"},"
        "\"throttled_answers\":{\"type\":\"integer\"}},"
        "\"required\":[\"state\"]}",
    .hints = HINTS_READ,
    .run = account_rate_status,
  },
  {
    .name = "ig_renew_token",
    .title = "Renew the access token",
    .description =
        "Renew the configured access token: action \"exchange\" turns a "
        "short-lived token into a long-lived one (about 60 days), "
        "\"refresh\" extends a long-lived one by 60 days. The new token is "
        "never shown, only a preview and its expiry; give save_to to write "
        "it to a new 0600 file, then set IG_ACCESS_TOKEN from it.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"action\":{\"type\":\"string\",\"enum\":[\"exchange\","
        "\"refresh\"],\"description\":\"exchange: short-lived to "
        "long-lived; needs IG_APP_SECRET (and IG_APP_ID with Facebook "
        "Login). refresh: with Instagram Login the token must be at least "
        "24 hours old and unexpired; with Facebook Login it is exchanged "
        "again.\"}," SAVE_TO_PROP "},\"required\":[\"action\"],"
        "\"additionalProperties\":false}",
    .output_schema = TOKEN_OUT,
    /* Not idempotent: an exchange was not (ig_exchange_token had W,
     * ig_refresh_token WI), so the merged tool keeps the weaker claim. */
    .hints = HINTS_WRITE,
    .run = account_renew_token,
  },
  {
    .name = "ig_get_app_info",
    .title = "Get the Meta app",
    .description =
        "Get the Meta app the token belongs to: id, name, link and "
        "category (Facebook Login). With Instagram Login Meta has no app "
        "node; the id configured in IG_APP_ID is reported.",
    .input_schema = "{\"type\":\"object\",\"properties\":{},"
                    "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
        "\"link\":{\"type\":\"string\"},\"login\":{\"type\":\"string\"}},"
        "\"required\":[\"id\",\"login\"]}",
    .hints = HINTS_READ,
    .run = get_app_info,
  },
};

/* The two token tools merged into ig_renew_token (issue 5). */
static const struct tool_alias account_aliases[] = {
  { "ig_exchange_token", "ig_renew_token", "{\"action\":\"exchange\"}" },
  { "ig_refresh_token", "ig_renew_token", "{\"action\":\"refresh\"}" },
};

const struct toolset account_toolset = {
  .name = "account",
  .description = "Account: profile, linked Pages, business discovery, "
                 "tokens, app.",
  .tools = account_tools,
  .ntools = sizeof(account_tools) / sizeof(account_tools[0]),
  .aliases = account_aliases,
  .naliases = sizeof(account_aliases) / sizeof(account_aliases[0]),
};

/* The numeric ids, once known, per account (keyed by the struct account
 * a call acts for: one per configured account, alive as long as the
 * server).  A full table stops caching; the id is then asked again. */
#define STORE_IDS_MAX 64
static pthread_mutex_t store_id_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  const struct account *acct;
  char id[32];
} store_ids[STORE_IDS_MAX];
static size_t nstore_ids;

/* The cached id of acct into id ("" when none); mutex held. */
static void
store_id_get(const struct account *acct, char *id, size_t len)
{
  id[0] = '\0';
  for (size_t i = 0; i < nstore_ids; i++)
    if (store_ids[i].acct == acct)
      snprintf(id, len, "%s", store_ids[i].id);
}

static void
store_id_put(const struct account *acct, const char *id)
{
  for (size_t i = 0; i < nstore_ids; i++)
    if (store_ids[i].acct == acct) {
      snprintf(store_ids[i].id, sizeof(store_ids[i].id), "%s", id);
      return;
    }
  if (nstore_ids < STORE_IDS_MAX) {
    store_ids[nstore_ids].acct = acct;
    snprintf(store_ids[nstore_ids].id, sizeof(store_ids[nstore_ids].id),
             "%s", id);
    nstore_ids++;
  }
}

void
account_store_id_forget(void)
{
  pthread_mutex_lock(&store_id_mu);
  nstore_ids = 0;
  pthread_mutex_unlock(&store_id_mu);
}

static int
all_digits(const char *s)
{
  if (s == NULL || *s == '\0')
    return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return 0;
  return 1;
}

int
account_store_id(struct call *c, struct result *r, char *out, size_t outlen)
{
  struct graph_param p[2] = { { "fields", "user_id" }, { NULL, NULL } };
  char id[32];
  json_t *body = NULL;

  pthread_mutex_lock(&store_id_mu);
  store_id_get(c->acct, id, sizeof(id));
  pthread_mutex_unlock(&store_id_mu);
  if (id[0] == '\0' && all_digits(c->acct->user_id) &&
      strlen(c->acct->user_id) < sizeof(id))
    snprintf(id, sizeof(id), "%s", c->acct->user_id);
  if (id[0] == '\0') {
    if (c->graph == NULL)
      return result_errorf(r, "not_configured",
                           "IG_ACCESS_TOKEN is not set, and without it the "
                           "account id is unknown: set the token, or "
                           "IG_USER_ID to the numeric account id.");
    if (c->acct->login == GRAPH_LOGIN_FACEBOOK) {
      if (account_resolve_own(c, r, id, sizeof(id)) != 0)
        return -1;
    } else {
      const char *v;
      if (tool_graph(c, r, "GET", "me", p, NULL, 1, &body) != 0)
        return -1;
      v = str(body, "user_id");
      if (!all_digits(v) || strlen(v) >= sizeof(id)) {
        json_decref(body);
        return result_errorf(r, "graph_error",
                             "GET /me did not answer a numeric user_id; "
                             "set IG_USER_ID to the account id.");
      }
      snprintf(id, sizeof(id), "%s", v);
      json_decref(body);
    }
    if (!all_digits(id))
      return result_errorf(r, "not_configured",
                           "The account id \"%s\" is not numeric; set "
                           "IG_USER_ID to the numeric account id.", id);
  }
  pthread_mutex_lock(&store_id_mu);
  store_id_put(c->acct, id);
  pthread_mutex_unlock(&store_id_mu);
  if (strlen(id) >= outlen)
    return result_errorf(r, "internal", "account id buffer too small");
  snprintf(out, outlen, "%s", id);
  return 0;
}
