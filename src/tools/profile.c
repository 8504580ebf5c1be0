/* SPDX-License-Identifier: MIT */
/*
 * profile.c: the profile toolset: the account's messenger profile (ice
 * breakers and the other properties people see when they open a chat).
 *
 * With Instagram Login the profile is /{ig-id}/messenger_profile on
 * graph.instagram.com; with Facebook Login it is the Page's
 * /{page-id}/messenger_profile on graph.facebook.com with
 * platform=instagram (without it Meta would act on the Page's Messenger
 * profile instead).  Ice breakers use Meta's localized format
 * [{call_to_actions:[{question,payload}], locale}], at most 4 questions
 * per locale and a "default" locale required, checked before any request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tool.h"

#define ICE_BREAKERS_MAX 4

#define PROP_ENUM                                                            \
  "[\"ice_breakers\",\"greeting\",\"persistent_menu\",\"get_started\","     \
  "\"account_linking_url\",\"whitelisted_domains\"]"
#define ALL_PROPS                                                            \
  "ice_breakers,greeting,persistent_menu,get_started,account_linking_url,"  \
  "whitelisted_domains"

/* The node that owns the messenger profile. */
static const char *
profile_node(const struct call *c)
{
  if (c->acct->login == GRAPH_LOGIN_FACEBOOK)
    return c->acct->page_id ? c->acct->page_id : "me";
  return c->acct->user_id ? c->acct->user_id : "me";
}

/* Fills p with platform=instagram on the Facebook host; returns the count
 * of parameters written. */
static size_t
platform_param(const struct call *c, struct graph_param *p)
{
  if (c->acct->login != GRAPH_LOGIN_FACEBOOK)
    return 0;
  p[0] = (struct graph_param){ "platform", "instagram" };
  return 1;
}

/* "a,b,c" from a JSON array of strings, or def when absent. */
static void
join_fields(const json_t *arr, const char *def, char *out, size_t len)
{
  size_t i, n = 0;
  json_t *v;

  if (!json_is_array(arr) || json_array_size(arr) == 0) {
    snprintf(out, len, "%s", def);
    return;
  }
  out[0] = '\0';
  json_array_foreach(arr, i, v) {
    int w = snprintf(out + n, len - n, "%s%s", i ? "," : "",
                     json_string_value(v));
    if (w < 0 || (size_t)w >= len - n)
      break;
    n += (size_t)w;
  }
}

static int
get_profile(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[3];
  char fields[200], path[300];
  size_t n = 0;
  json_t *body = NULL, *prof, *set, *out;
  const char *k;
  json_t *v;

  join_fields(json_object_get(args, "fields"), ALL_PROPS, fields,
              sizeof(fields));
  snprintf(path, sizeof(path), "%s/messenger_profile", profile_node(c));
  p[n++] = (struct graph_param){ "fields", fields };
  n += platform_param(c, p + n);
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "GET", path, p, NULL, 1, &body) != 0)
    return -1;
  prof = json_array_get(json_object_get(body, "data"), 0);
  prof = json_is_object(prof) ? json_deep_copy(prof) : json_object();
  set = json_array();
  json_object_foreach(prof, k, v)
    json_array_append_new(set, json_string(k));
  out = json_pack("{s:o, s:o}", "profile", prof, "set", set);
  if (json_object_get(prof, "ice_breakers") == NULL)
    json_object_set_new(out, "note",
                        json_string("No ice breakers are set; "
                                    "ig_update_messenger_profile sets "
                                    "up to 4 per locale."));
  json_decref(body);
  return result_ok(r, out);
}

/* Meta's rules for ice breakers that the schema cannot say: a "default"
 * locale, each locale once, at most 4 questions per locale. */
static int
check_ice_breakers(const json_t *ib, struct result *r)
{
  size_t i, j;
  json_t *e, *f;
  int has_default = 0;

  json_array_foreach(ib, i, e) {
    const char *loc = json_string_value(json_object_get(e, "locale"));
    size_t nq = json_array_size(json_object_get(e, "call_to_actions"));
    if (nq > ICE_BREAKERS_MAX)
      return result_errorf(r, "invalid_argument",
                           "ice_breakers[%zu].call_to_actions has %zu "
                           "questions; Meta allows at most %d per locale.",
                           i, nq, ICE_BREAKERS_MAX);
    if (strcmp(loc, "default") == 0)
      has_default = 1;
    json_array_foreach(ib, j, f) {
      if (j < i && strcmp(loc, json_string_value(json_object_get(
                                   f, "locale"))) == 0)
        return result_errorf(r, "invalid_argument",
                             "ice_breakers: the locale \"%s\" appears "
                             "twice; give each locale once.", loc);
    }
  }
  if (!has_default)
    return result_errorf(r, "invalid_argument",
                         "ice_breakers: a locale \"default\" is required "
                         "(Meta shows it to people whose language has no "
                         "entry of its own).");
  return 0;
}

static int
update_profile(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[2];
  char path[300];
  const json_t *ib = json_object_get(args, "ice_breakers");
  json_t *req, *body = NULL, *out;
  size_t n = 0, i, nq = 0;
  json_t *e;

  if (check_ice_breakers(ib, r) != 0)
    return -1;
  snprintf(path, sizeof(path), "%s/messenger_profile", profile_node(c));
  n += platform_param(c, p + n);
  p[n] = (struct graph_param){ NULL, NULL };
  req = json_pack("{s:O}", "ice_breakers", ib);
  if (c->acct->login == GRAPH_LOGIN_FACEBOOK)
    json_object_set_new(req, "platform", json_string("instagram"));
  if (tool_graph(c, r, "POST", path, p, req, 1, &body) != 0) {
    json_decref(req);
    return -1;
  }
  json_decref(req);
  json_array_foreach(ib, i, e)
    nq += json_array_size(json_object_get(e, "call_to_actions"));
  out = json_pack("{s:s, s:[s], s:I, s:I}", "result",
                  json_string_value(json_object_get(body, "result"))
                      ? json_string_value(json_object_get(body, "result"))
                      : "success",
                  "updated", "ice_breakers", "locales",
                  (json_int_t)json_array_size(ib), "questions",
                  (json_int_t)nq);
  json_decref(body);
  return result_ok(r, out);
}

static int
delete_profile(struct call *c, const json_t *args, struct result *r)
{
  struct graph_param p[3];
  char path[300];
  const json_t *fields = json_object_get(args, "fields");
  char *list;
  json_t *body = NULL, *out;
  size_t n = 0;

  list = json_dumps(fields, JSON_COMPACT);
  snprintf(path, sizeof(path), "%s/messenger_profile", profile_node(c));
  p[n++] = (struct graph_param){ "fields", list };
  n += platform_param(c, p + n);
  p[n] = (struct graph_param){ NULL, NULL };
  if (tool_graph(c, r, "DELETE", path, p, NULL, 1, &body) != 0) {
    free(list);
    return -1;
  }
  free(list);
  out = json_pack("{s:s, s:O}", "result", "success", "deleted", fields);
  json_decref(body);
  return result_ok(r, out);
}

#define CTA_SCHEMA                                                           \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"question\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1000,"     \
  "\"description\":\"The question shown as a button.\"},"                    \
  "\"payload\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1000,"      \
  "\"description\":\"Sent to your webhook when the person taps it.\"}},"     \
  "\"required\":[\"question\",\"payload\"],\"additionalProperties\":false}"

static const struct tool profile_tools[] = {
  {
    .name = "ig_get_messenger_profile",
    .title = "Get the messenger profile",
    .description =
        "Get the account's messenger profile: the ice breakers (questions "
        "people can tap to start a chat) and the other properties that "
        "are set. Use it before changing ice breakers. Properties that are "
        "not set are left out.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"fields\":{\"type\":\"array\",\"items\":{\"type\":\"string\","
        "\"enum\":" PROP_ENUM "},\"minItems\":1,\"uniqueItems\":true,"
        "\"description\":\"Properties to read (default: all).\"}},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"profile\":{\"type\":\"object\"},"
        "\"set\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
        "\"note\":{\"type\":\"string\"}},"
        "\"required\":[\"profile\",\"set\"]}",
    .hints = HINTS_READ,
    .run = get_profile,
  },
  {
    .name = "ig_update_messenger_profile",
    .title = "Set the ice breakers",
    .description =
        "Set the account's ice breakers, the questions people can tap to "
        "start a DM, replacing the current ones. At most 4 questions per "
        "locale, and a locale \"default\" is required; Meta's format: "
        "[{call_to_actions:[{question,payload}], locale:\"default\"}]. Not "
        "shown on desktop.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"ice_breakers\":{\"type\":\"array\",\"minItems\":1,"
        "\"maxItems\":50,\"items\":{\"type\":\"object\",\"properties\":{"
        "\"call_to_actions\":{\"type\":\"array\",\"minItems\":1,"
        "\"items\":" CTA_SCHEMA ",\"description\":\"1 to 4 questions.\"},"
        "\"locale\":{\"type\":\"string\",\"pattern\":"
        "\"^(default|[a-z]{2}_[A-Z]{2})$\",\"description\":\"default, or a "
        "locale such as en_US.\"}},"
        "\"required\":[\"call_to_actions\",\"locale\"],"
        "\"additionalProperties\":false},"
        "\"description\":\"One entry per locale; one must be default.\"}},"
        "\"required\":[\"ice_breakers\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"result\":{\"type\":\"string\"},"
        "\"updated\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
        "\"locales\":{\"type\":\"integer\"},"
        "\"questions\":{\"type\":\"integer\"}},"
        "\"required\":[\"result\",\"updated\"]}",
    .hints = HINTS_WRITE_IDEMPOTENT,
    .run = update_profile,
  },
  {
    .name = "ig_delete_messenger_profile",
    .title = "Delete messenger profile properties",
    .description =
        "Remove properties from the account's messenger profile, e.g. "
        "[\"ice_breakers\"] to stop showing ice breakers. Only the listed "
        "properties are removed; the rest stay.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"fields\":{\"type\":\"array\",\"items\":{\"type\":\"string\","
        "\"enum\":" PROP_ENUM "},\"minItems\":1,\"uniqueItems\":true,"
        "\"description\":\"Properties to remove.\"}},"
        "\"required\":[\"fields\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"result\":{\"type\":\"string\"},"
        "\"deleted\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
        "\"required\":[\"result\",\"deleted\"]}",
    .hints = HINTS_DESTRUCTIVE,
    .run = delete_profile,
  },
};

const struct toolset profile_toolset = {
  .name = "profile",
  .description = "Messenger profile: ice breakers and other profile "
                 "settings.",
  .tools = profile_tools,
  .ntools = sizeof(profile_tools) / sizeof(profile_tools[0]),
};
