/* SPDX-License-Identifier: MIT */
/*
 * inbox_webhooks.c: the account's webhook subscription, part of the
 * "inbox" toolset.
 *
 * Meta delivers webhooks for an account only once the account has turned
 * them on for the app: POST /{node}/subscribed_apps subscribed_fields=...
 * The node is the Instagram account with Instagram Login
 * (graph.instagram.com, "me" or its id) and the linked Facebook Page with
 * Facebook Login (graph.facebook.com, the Page token's "me" or the Page
 * id), and the two hosts name their fields differently: the account takes
 * instagram fields (messages, comments, ...), the Page takes Page fields
 * (messages, feed, mention, ...), and with Facebook Login the instagram
 * comments and mentions follow the app's dashboard settings once the Page
 * is subscribed at all.  The callback URL and verify token are set once
 * per app in the App Dashboard (README, "Webhooks").
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "tools/tool.h"

/* What ig_subscribe_webhooks subscribes by default: direct messages and
 * their reactions, reads and postbacks, plus comments (with Instagram
 * Login @mentions arrive as comments; with Facebook Login "feed" keeps the
 * Page subscribed so the app's comments and mentions fields flow). */
static const char *const default_ig[] = {
  "messages", "message_reactions", "messaging_seen", "messaging_postbacks",
  "comments", "live_comments", NULL
};
static const char *const default_fb[] = {
  "messages", "message_reactions", "messaging_seen", "messaging_postbacks",
  "feed", "mention", NULL
};

/* The node whose subscribed_apps edge is used, and the login's name. */
static const char *
sub_node(const struct call *c)
{
  if (c->acct->login == GRAPH_LOGIN_FACEBOOK)
    return c->acct->page_id != NULL ? c->acct->page_id : "me";
  return c->acct->user_id != NULL ? c->acct->user_id : "me";
}

static const char *
login_name(const struct call *c)
{
  return c->acct->login == GRAPH_LOGIN_FACEBOOK ? "facebook" : "instagram";
}

static json_t *
default_fields(const struct call *c)
{
  const char *const *d = c->acct->login == GRAPH_LOGIN_FACEBOOK ? default_fb
                                                                : default_ig;
  json_t *a = json_array();

  for (size_t i = 0; d[i] != NULL; i++)
    json_array_append_new(a, json_string(d[i]));
  return a;
}

static int
subscribe(struct call *c, const json_t *args, struct result *r)
{
  const json_t *given = json_object_get(args, "fields");
  json_t *fields = given != NULL ? json_incref((json_t *)given)
                                 : default_fields(c);
  struct graph_param p[2];
  struct buf list;
  char path[300];
  json_t *body = NULL, *v;
  size_t i;

  buf_init(&list, 4096);
  json_array_foreach(fields, i, v) {
    if (i > 0)
      buf_putc(&list, ',');
    buf_puts(&list, json_string_value(v));
  }
  snprintf(path, sizeof(path), "%s/subscribed_apps", sub_node(c));
  p[0] = (struct graph_param){ "subscribed_fields", buf_cstr(&list) };
  p[1] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "POST", path, p, NULL, 1, &body) != 0) {
    buf_free(&list);
    json_decref(fields);
    return -1;
  }
  buf_free(&list);
  json_decref(body);
  return result_ok(r, json_pack("{s:b,s:s,s:s,s:o}", "success", 1, "login",
                                login_name(c), "node", sub_node(c),
                                "subscribed_fields", fields));
}

static int
list_subscriptions(struct call *c, const json_t *args, struct result *r)
{
  char path[300];
  json_t *body = NULL, *data, *item, *subs = json_array();
  size_t i;

  (void)args;
  snprintf(path, sizeof(path), "%s/subscribed_apps", sub_node(c));
  if (tool_graph(c, r, "GET", path, NULL, NULL, 1, &body) != 0) {
    json_decref(subs);
    return -1;
  }
  data = json_object_get(body, "data");
  json_array_foreach(data, i, item) {
    json_t *f = json_object_get(item, "subscribed_fields");
    json_t *o = json_pack("{s:o}", "subscribed_fields",
                          json_is_array(f) ? json_incref(f) : json_array());
    const char *id = json_string_value(json_object_get(item, "id"));
    const char *name = json_string_value(json_object_get(item, "name"));
    if (id != NULL)
      json_object_set_new(o, "app_id", json_string(id));
    if (name != NULL)
      json_object_set_new(o, "app_name", json_string(name));
    json_array_append_new(subs, o);
  }
  json_decref(body);
  return result_ok(r, json_pack("{s:b,s:s,s:s,s:I,s:o}", "subscribed",
                                json_array_size(subs) > 0, "login",
                                login_name(c), "node", sub_node(c), "count",
                                (json_int_t)json_array_size(subs),
                                "subscriptions", subs));
}

static int
unsubscribe(struct call *c, const json_t *args, struct result *r)
{
  char path[300];
  json_t *body = NULL;

  (void)args;
  snprintf(path, sizeof(path), "%s/subscribed_apps", sub_node(c));
  if (tool_graph(c, r, "DELETE", path, NULL, NULL, 1, &body) != 0)
    return -1;
  json_decref(body);
  return result_ok(r, json_pack("{s:b,s:s,s:s}", "success", 1, "login",
                                login_name(c), "node", sub_node(c)));
}

#define NODE_PROPS                                                           \
  "\"login\":{\"type\":\"string\",\"enum\":[\"instagram\",\"facebook\"]},"   \
  "\"node\":{\"type\":\"string\"}"

static const struct tool webhook_tools[] = {
  {
    .name = "ig_subscribe_webhooks",
    .title = "Turn on webhooks for the account",
    .description =
        "Subscribe the account to webhook fields so Meta delivers its "
        "events to the app's callback URL (set in the App Dashboard), "
        "feeding the local inbox. Replaces the current list. Default: "
        "messages, message_reactions, messaging_seen, messaging_postbacks "
        "plus comments, live_comments (Instagram Login) or feed, mention "
        "(Facebook Login).",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"fields\":{\"type\":\"array\",\"items\":{\"type\":\"string\","
        "\"pattern\":\"^[a-z_]{1,40}$\"},\"minItems\":1,\"maxItems\":20,"
        "\"uniqueItems\":true,\"description\":\"Webhook fields, e.g. "
        "messages, comments (default: the messaging and comment set).\"}},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"success\":{\"type\":\"boolean\"}," NODE_PROPS ","
        "\"subscribed_fields\":{\"type\":\"array\",\"items\":"
        "{\"type\":\"string\"}}},"
        "\"required\":[\"success\",\"login\",\"node\",\"subscribed_fields\"]}",
    .hints = HINTS_WRITE_IDEMPOTENT,
    .run = subscribe,
  },
  {
    .name = "ig_list_webhook_subscriptions",
    .title = "List the account's webhook subscriptions",
    .description =
        "Show whether the account has webhooks turned on for the app and "
        "which fields. subscribed false means Meta sends nothing, so the "
        "local inbox only changes by sync.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":"
        "false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"subscribed\":{\"type\":\"boolean\"}," NODE_PROPS ","
        "\"count\":{\"type\":\"integer\"},"
        "\"subscriptions\":{\"type\":\"array\",\"items\":{\"type\":"
        "\"object\",\"properties\":{\"app_id\":{\"type\":\"string\"},"
        "\"app_name\":{\"type\":\"string\"},\"subscribed_fields\":{\"type\":"
        "\"array\",\"items\":{\"type\":\"string\"}}},"
        "\"required\":[\"subscribed_fields\"]}}},"
        "\"required\":[\"subscribed\",\"login\",\"node\",\"count\","
        "\"subscriptions\"]}",
    .hints = HINTS_READ,
    .run = list_subscriptions,
  },
  {
    .name = "ig_unsubscribe_webhooks",
    .title = "Turn off webhooks for the account",
    .description =
        "Unsubscribe the account from the app's webhooks: Meta stops "
        "delivering its messages and comments, and the local inbox then "
        "only changes by sync. Undo with ig_subscribe_webhooks.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":"
        "false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"success\":{\"type\":\"boolean\"}," NODE_PROPS "},"
        "\"required\":[\"success\",\"login\",\"node\"]}",
    .hints = HINTS_DESTRUCTIVE,
    .run = unsubscribe,
  },
};

const struct toolset inbox_webhooks_toolset = {
  .name = "inbox",
  .description = "The local inbox: webhooks, history, search, unanswered "
                 "conversations.",
  .tools = webhook_tools,
  .ntools = sizeof(webhook_tools) / sizeof(webhook_tools[0]),
};
