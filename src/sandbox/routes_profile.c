/* SPDX-License-Identifier: MIT */
/*
 * routes_profile.c: the sandbox's messenger profile and the profile
 * domain's world part and router.
 *
 * The messenger profile (ice breakers, greeting, persistent menu...) is
 * kept as a JSON object of the properties that are set, one for Instagram
 * and one for the Page's Messenger.  On graph.instagram.com it lives at
 * /{ig-id}/messenger_profile (or /me/...); on graph.facebook.com at
 * /me/messenger_profile or /{page-id}/messenger_profile, where
 * platform=instagram selects the Instagram profile and its absence the
 * Messenger one, as Meta does.  GET answers {"data":[{...}]} (an empty
 * list when nothing asked for is set), POST and DELETE {"result":
 * "success"}.  Ice breakers are checked as Meta documents them: at most 4
 * questions per locale, a "default" locale required in the localized
 * format, and the two formats not mixed.  Tokens, the app, Pages and
 * business discovery are in routes_auth.c.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "sbx_profile.h"

#define ICE_BREAKERS_MAX 4

static const char *const profile_props[] = {
  "ice_breakers", "greeting", "persistent_menu", "get_started",
  "account_linking_url", "whitelisted_domains", "title", NULL
};

void
world_profile_build(struct world *w, int64_t now)
{
  struct world_profile *p;

  world_profile_free(w);
  p = xcalloc(1, sizeof(*p));
  p->ig = json_pack(
      "{s:[{s:[{s:s,s:s},{s:s,s:s}],s:s}]}", "ice_breakers",
      "call_to_actions", "question", "What are your opening hours?",
      "payload", "HOURS", "question", "Do you ship abroad?", "payload",
      "SHIPPING", "locale", "default");
  p->msgr = json_object();
  /* The Instagram Login token is a long-lived one issued 3 days ago (so it
   * may be refreshed); the Page token never expires. */
  p->issued[SBX_TOK_IG] = now - 3 * 24 * 3600;
  p->expires[SBX_TOK_IG] = p->issued[SBX_TOK_IG] + SBX_TOKEN_LONG_LIVED;
  p->issued[SBX_TOK_FB] = now - 10 * 24 * 3600;
  p->expires[SBX_TOK_FB] = 0;
  w->profile = p;
}

void
world_profile_free(struct world *w)
{
  if (w->profile == NULL)
    return;
  json_decref(w->profile->ig);
  json_decref(w->profile->msgr);
  free(w->profile);
  w->profile = NULL;
}

static int
known_prop(const char *name)
{
  for (size_t i = 0; profile_props[i] != NULL; i++)
    if (strcmp(profile_props[i], name) == 0)
      return 1;
  return 0;
}

/* The profile a request addresses; NULL with the error set. */
static json_t *
pick_profile(struct sbx_req *r)
{
  const char *platform = sbx_param(r, "platform");
  struct world_profile *p = r->sb->world.profile;

  if (r->host == SBX_HOST_IG)
    return p->ig;
  if (platform == NULL || strcmp(platform, "messenger") == 0)
    return p->msgr;
  if (strcmp(platform, "instagram") == 0)
    return p->ig;
  sbx_err_param(r, "Param platform must be one of {MESSENGER, INSTAGRAM} "
                "- got \"%.32s\"", platform);
  return NULL;
}

/* GET: fields is required and names profile properties. */
static void
get_profile(struct sbx_req *r, json_t *prof)
{
  struct sbx_fields *f = NULL;
  json_t *o;

  if (sbx_param(r, "fields") == NULL) {
    sbx_err_param(r, "The parameter fields is required");
    return;
  }
  if (sbx_req_fields(r, NULL, &f) != 0)
    return;
  if (sbx_fields_check(r, f, profile_props, "MessengerProfile") != 0)
    goto out;
  o = json_object();
  for (size_t i = 0; i < f->n; i++) {
    json_t *v = json_object_get(prof, f->v[i].name);
    if (v != NULL)
      json_object_set(o, f->v[i].name, v);
  }
  r->resp = json_object_size(o) > 0 ? json_pack("{s:[o]}", "data", o)
                                     : (json_decref(o),
                                        json_pack("{s:[]}", "data"));
out:
  sbx_fields_free(f);
}

/* One list of call_to_actions: question and payload strings, at most 4. */
static int
check_ctas(struct sbx_req *r, const json_t *ctas, size_t li)
{
  size_t i;
  json_t *c;

  if (!json_is_array(ctas) || json_array_size(ctas) == 0) {
    sbx_err_param(r, "param ice_breakers[%zu][call_to_actions] must be a "
                  "non-empty array", li);
    return -1;
  }
  if (json_array_size(ctas) > ICE_BREAKERS_MAX) {
    sbx_err_param(r, "param ice_breakers[%zu][call_to_actions] must have at "
                  "most %d elements", li, ICE_BREAKERS_MAX);
    return -1;
  }
  json_array_foreach(ctas, i, c) {
    if (json_string_value(json_object_get(c, "question")) == NULL ||
        json_string_value(json_object_get(c, "payload")) == NULL) {
      sbx_err_param(r, "param ice_breakers[%zu][call_to_actions][%zu] must "
                    "have a question and a payload", li, i);
      return -1;
    }
  }
  return 0;
}

/* Ice breakers in either format: [{question,payload}] (at most 4) or
 * [{call_to_actions:[...], locale}] with a "default" locale. */
static int
check_ice_breakers(struct sbx_req *r, const json_t *ib)
{
  size_t i, nloc = 0;
  json_t *e;
  int has_default = 0;

  if (!json_is_array(ib)) {
    sbx_err_param(r, "param ice_breakers must be an array");
    return -1;
  }
  json_array_foreach(ib, i, e) {
    if (json_object_get(e, "call_to_actions") != NULL)
      nloc++;
  }
  if (nloc == 0)
    return check_ctas(r, ib, 0) == 0 ? 0 : -1;
  if (nloc != json_array_size(ib)) {
    sbx_err_param(r, "param ice_breakers cannot mix the localized format "
                  "with the question/payload format");
    return -1;
  }
  json_array_foreach(ib, i, e) {
    const char *loc = json_string_value(json_object_get(e, "locale"));
    if (loc == NULL) {
      sbx_err_param(r, "param ice_breakers[%zu][locale] is required", i);
      return -1;
    }
    if (strcmp(loc, "default") == 0)
      has_default = 1;
    if (check_ctas(r, json_object_get(e, "call_to_actions"), i) != 0)
      return -1;
  }
  if (!has_default) {
    sbx_err_param(r, "param ice_breakers must contain a \"default\" "
                  "locale");
    return -1;
  }
  return 0;
}

/* POST: sets every property given (JSON body, or form fields whose values
 * hold JSON). */
static void
post_profile(struct sbx_req *r, json_t *prof)
{
  json_t *set = json_object();
  int bad;

  for (size_t i = 0; profile_props[i] != NULL; i++) {
    json_t *v = sbx_param_json(r, profile_props[i], &bad);
    if (v == NULL && bad) {
      const char *s = sbx_param(r, profile_props[i]);
      if (s != NULL)
        v = json_string(s); /* plain strings: account_linking_url... */
    }
    if (v != NULL)
      json_object_set_new(set, profile_props[i], v);
  }
  if (json_object_size(set) == 0) {
    sbx_err_param(r, "You must specify at least one of the properties "
                  "{ice_breakers, greeting, persistent_menu, get_started, "
                  "account_linking_url, whitelisted_domains}");
    goto out;
  }
  if (json_object_get(set, "ice_breakers") != NULL &&
      check_ice_breakers(r, json_object_get(set, "ice_breakers")) != 0)
    goto out;
  json_object_update(prof, set);
  r->resp = json_pack("{s:s}", "result", "success");
out:
  json_decref(set);
}

/* DELETE: fields=["ice_breakers",...] removes those properties. */
static void
delete_profile(struct sbx_req *r, json_t *prof)
{
  int bad;
  json_t *fields = sbx_param_json(r, "fields", &bad), *v;
  size_t i;

  if (fields == NULL && !bad) {
    sbx_err_param(r, "The parameter fields is required");
    return;
  }
  if (bad || !json_is_array(fields) || json_array_size(fields) == 0) {
    sbx_err_param(r, "param fields must be a non-empty array of profile "
                  "properties");
    goto out;
  }
  json_array_foreach(fields, i, v) {
    if (!json_is_string(v) || !known_prop(json_string_value(v))) {
      sbx_err_param(r, "param fields[%zu] must be one of {ice_breakers, "
                    "greeting, persistent_menu, get_started, "
                    "account_linking_url, whitelisted_domains}", i);
      goto out;
    }
  }
  json_array_foreach(fields, i, v)
    json_object_del(prof, json_string_value(v));
  r->resp = json_pack("{s:s}", "result", "success");
out:
  json_decref(fields);
}

/* 1 when obj owns a messenger profile on this host: the IG account on
 * graph.instagram.com, the Page (or me) on graph.facebook.com. */
static int
profile_owner(const struct sbx_req *r, const char *obj)
{
  if (r->host == SBX_HOST_IG)
    return sbx_is_account(r, obj);
  return strcmp(obj, "me") == 0 || strcmp(obj, SANDBOX_PAGE_ID) == 0;
}

int
sbx_route_profile(struct sbx_req *r, const char *obj, const char *edge,
                  const char *rest)
{
  json_t *prof;

  if (sbx_route_auth(r, obj, edge, rest))
    return 1;
  if (edge == NULL || strcmp(edge, "messenger_profile") != 0 ||
      rest != NULL || !profile_owner(r, obj))
    return 0;
  if ((prof = pick_profile(r)) == NULL)
    return 1;
  if (strcmp(r->method, "GET") == 0)
    get_profile(r, prof);
  else if (strcmp(r->method, "POST") == 0)
    post_profile(r, prof);
  else if (strcmp(r->method, "DELETE") == 0)
    delete_profile(r, prof);
  else
    sbx_err_unsupported(r, obj);
  return 1;
}
