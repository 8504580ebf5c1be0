/* SPDX-License-Identifier: MIT */
/*
 * routes_subscriptions.c: the Graph API's webhook subscription routes.
 *
 * /{id}/subscribed_apps (GET, POST subscribed_fields=..., DELETE) turns
 * an account's webhooks on and off: on graph.instagram.com for the
 * Instagram account (me or its id), on graph.facebook.com for the Page.
 * /{app-id}/subscriptions (graph.facebook.com, app access token
 * "<app-id>|<app-secret>") sets the app's callback URL, verify token and
 * fields; POST first performs Meta's verification handshake, a GET to the
 * callback with hub.mode, hub.challenge and hub.verify_token that must
 * answer 200 with the challenge.  That GET runs with the sandbox mutex
 * held (5 s at most), as the callback is never the sandbox itself.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/crypto.h"
#include "../base/url.h"
#include "../base/xalloc.h"
#include "sbx.h"

#define SBX_APP_NAME "igmcp sandbox"

static json_t *
names_of(unsigned bits)
{
  json_t *a = json_array();

  for (int f = 0; f < HF_COUNT; f++)
    if (bits & HF_BIT(f))
      json_array_append_new(a, json_string(hooks_field_name(f)));
  return a;
}

/* The fields parameter: a JSON array in a JSON body, else a string. */
static const json_t *
fields_param(const struct sbx_req *r, const char *name, json_t **tmp)
{
  json_t *v = r->body != NULL ? json_object_get(r->body, name) : NULL;
  const char *s;

  *tmp = NULL;
  if (json_is_array(v))
    return v;
  if ((s = sbx_param(r, name)) == NULL)
    return NULL;
  return *tmp = json_string(s);
}

int
sbx_route_subscribed_apps(struct sbx_req *r, const char *obj,
                          const char *edge, const char *rest)
{
  struct sbx_hooks *h = &r->sb->hooks;
  int page;
  json_t **names, *tmp = NULL;
  unsigned *bits;

  if (edge == NULL || strcmp(edge, "subscribed_apps") != 0 || rest != NULL)
    return 0;
  if (r->host == SBX_HOST_IG && sbx_is_account(r, obj))
    page = 0;
  else if (r->host == SBX_HOST_FB &&
           (strcmp(obj, "me") == 0 || strcmp(obj, SANDBOX_PAGE_ID) == 0))
    page = 1;
  else
    return 0;
  names = page ? &h->page_names : &h->ig_names;
  bits = page ? &h->page_fields : &h->ig_fields;
  if (strcmp(r->method, "GET") == 0) {
    json_t *data = json_array();
    pthread_mutex_lock(&h->mu);
    if (*names != NULL) {
      json_t *app = json_pack("{s:s,s:s,s:O}", "name", SBX_APP_NAME, "id",
                              SANDBOX_APP_ID, "subscribed_fields", *names);
      if (page) {
        json_object_set_new(app, "category", json_string("Business"));
        json_object_set_new(app, "link",
                            json_string("https://example.com/igmcp"));
      }
      json_array_append_new(data, app);
    }
    pthread_mutex_unlock(&h->mu);
    r->resp = json_pack("{s:o}", "data", data);
  } else if (strcmp(r->method, "POST") == 0) {
    const json_t *v = fields_param(r, "subscribed_fields", &tmp);
    json_t *parsed = NULL;
    unsigned b = 0;
    char err[600];
    if (v == NULL) {
      sbx_err_param(r, "The parameter subscribed_fields is required");
      return 1;
    }
    if (hooks_parse_fields(v, page ? HOOKS_FIELDS_PAGE : HOOKS_FIELDS_IG,
                           &parsed, &b, err, sizeof(err)) != 0) {
      json_decref(tmp);
      sbx_err_param(r, "%s", err);
      return 1;
    }
    json_decref(tmp);
    pthread_mutex_lock(&h->mu);
    json_decref(*names);
    *names = parsed;
    *bits = b;
    pthread_mutex_unlock(&h->mu);
    r->resp = json_pack("{s:b}", "success", 1);
  } else if (strcmp(r->method, "DELETE") == 0) {
    pthread_mutex_lock(&h->mu);
    json_decref(*names);
    *names = NULL;
    *bits = 0;
    pthread_mutex_unlock(&h->mu);
    r->resp = json_pack("{s:b}", "success", 1);
  } else {
    sbx_err_unsupported(r, obj);
  }
  return 1;
}

static size_t
collect(char *p, size_t sz, size_t n, void *ud)
{
  return buf_append(ud, p, sz * n) == 0 ? sz * n : 0;
}

/* Meta's handshake: returns 0 when the callback echoed the challenge,
 * else -1 with Meta's description of what went wrong in err. */
static int
handshake(const char *callback, const char *token, char *err, size_t errlen)
{
  CURL *c = curl_easy_init();
  struct buf url, body;
  char hex[9], challenge[16];
  long status = 0;
  CURLcode rc;
  int ok;

  if (c == NULL) {
    snprintf(err, errlen, "curl_easy_init failed");
    return -1;
  }
  crypto_random_hex(hex, 4);
  snprintf(challenge, sizeof(challenge), "%lu",
           1000000000ul + strtoul(hex, NULL, 16) % 1000000000ul);
  buf_init(&url, 8192);
  buf_init(&body, 4096);
  buf_puts(&url, callback);
  buf_puts(&url, strchr(callback, '?') != NULL ? "&" : "?");
  buf_printf(&url, "hub.mode=subscribe&hub.challenge=%s&hub.verify_token=",
             challenge);
  url_encode(&url, token != NULL ? token : "");
  curl_easy_setopt(c, CURLOPT_URL, buf_cstr(&url));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  rc = curl_easy_perform(c);
  if (rc == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  ok = rc == CURLE_OK && status == 200 &&
       strcmp(buf_cstr(&body), challenge) == 0;
  if (rc != CURLE_OK)
    snprintf(err, errlen, "curl_errno = %d; curl_error = %s", (int)rc,
             curl_easy_strerror(rc));
  else if (status != 200)
    snprintf(err, errlen, "HTTP Status Code = %ld", status);
  else if (!ok)
    snprintf(err, errlen, "The URL couldn't be validated. Response does "
             "not match challenge, expected value=\"%s\", received=\"%.40s\"",
             challenge, buf_cstr(&body));
  curl_easy_cleanup(c);
  buf_free(&url);
  buf_free(&body);
  return ok ? 0 : -1;
}

static void
post_app_subscription(struct sbx_req *r)
{
  struct sbx_hooks *h = &r->sb->hooks;
  const char *object = sbx_param(r, "object");
  const char *url = sbx_param(r, "callback_url");
  const char *token = sbx_param(r, "verify_token");
  json_t *tmp = NULL, *names = NULL;
  const json_t *fv;
  unsigned bits = 0;
  char err[600];

  if (object == NULL || strcmp(object, "instagram") != 0) {
    sbx_err_param(r, "Param object must be one of {instagram} - got \"%s\"",
                  object != NULL ? object : "");
    return;
  }
  if (url == NULL || !hooks_url_ok(url)) {
    sbx_err_param(r, "Param callback_url must be an http:// URL on "
                  "127.0.0.1, localhost or [::1] in the sandbox");
    return;
  }
  fv = fields_param(r, "fields", &tmp);
  /* The app picks instagram-object fields, mentions included. */
  if (fv != NULL &&
      hooks_parse_fields(fv, HOOKS_FIELDS_APP, &names, &bits, err,
                         sizeof(err)) != 0) {
    json_decref(tmp);
    sbx_err_param(r, "%s", err);
    return;
  }
  json_decref(tmp);
  json_decref(names);
  if (handshake(url, token, err, sizeof(err)) != 0) {
    sbx_error(r, 400, SBX_ET_OAUTH, 2200, 0, "(#2200) Callback verification "
              "failed with the following errors: %s", err);
    return;
  }
  if (hooks_configure(h, url, r->sb->app_secret) != 0) {
    sbx_err_param(r, "Cannot start webhook delivery");
    return;
  }
  pthread_mutex_lock(&h->mu);
  free(h->verify_token);
  h->verify_token = token != NULL ? xstrdup(token) : NULL;
  h->app_fields = bits;
  h->app_fields_set = fv != NULL;
  pthread_mutex_unlock(&h->mu);
  /* Meta answers this edge's POST with a string. */
  r->resp = json_pack("{s:s}", "success", "true");
}

static void
get_app_subscriptions(struct sbx_req *r)
{
  struct sbx_hooks *h = &r->sb->hooks;
  json_t *data = json_array();

  pthread_mutex_lock(&h->mu);
  if (h->callback_url != NULL) {
    json_t *fields = json_array(), *names = names_of(
      h->app_fields_set ? h->app_fields : HF_ALL);
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n)
      json_array_append_new(fields, json_pack("{s:O,s:s}", "name", n,
                                              "version", r->version));
    json_decref(names);
    json_array_append_new(data, json_pack(
      "{s:s,s:s,s:b,s:o}", "object", "instagram", "callback_url",
      h->callback_url, "active", 1, "fields", fields));
  }
  pthread_mutex_unlock(&h->mu);
  r->resp = json_pack("{s:o}", "data", data);
}

int
sbx_route_app_subscriptions(struct sbx_req *r, const char *token)
{
  struct sandbox *sb = r->sb;
  char *app_token;
  int is_app;

  if (sbx_route_app_token(r, token))
    return 1;
  if (r->path == NULL ||
      strcmp(r->path, SANDBOX_APP_ID "/subscriptions") != 0)
    return 0;
  app_token = xasprintf("%s|%s", SANDBOX_APP_ID, sb->app_secret);
  is_app = token != NULL && strlen(token) == strlen(app_token) &&
           crypto_memeq(token, app_token, strlen(app_token));
  free(app_token);
  if (!is_app) {
    if (token != NULL && (strcmp(token, SANDBOX_IG_TOKEN) == 0 ||
                          strcmp(token, SANDBOX_FB_TOKEN) == 0))
      sbx_error(r, 400, SBX_ET_OAUTH, 15, 0, "(#15) This method must be "
                "called with an app access_token.");
    else
      sbx_error(r, 400, SBX_ET_OAUTH, 190, 0, "Invalid OAuth access token "
                "- Cannot parse access token");
    return 1;
  }
  if (strcmp(r->method, "POST") == 0) {
    post_app_subscription(r);
  } else if (strcmp(r->method, "GET") == 0) {
    get_app_subscriptions(r);
  } else if (strcmp(r->method, "DELETE") == 0) {
    hooks_configure(&sb->hooks, NULL, NULL);
    pthread_mutex_lock(&sb->hooks.mu);
    sb->hooks.app_fields = 0;
    sb->hooks.app_fields_set = 0;
    pthread_mutex_unlock(&sb->hooks.mu);
    r->resp = json_pack("{s:b}", "success", 1);
  } else {
    sbx_err_unsupported(r, SANDBOX_APP_ID);
  }
  return 1;
}
