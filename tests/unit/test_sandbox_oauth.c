/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_oauth.c: the sandbox's login flows (routes_oauth.c) over
 * real HTTP: the dialogs' redirects, the code exchanges with their error
 * shapes (flat on api.instagram.com), single-use codes, the long-lived
 * exchanges, the Pages with their tokens, and expiry on the sandbox clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "sandbox/sandbox.h"

#define CB "http://127.0.0.1:9/cb"
#define CB_ENC "http%3A%2F%2F127.0.0.1%3A9%2Fcb"
#define IG_SCOPE "instagram_business_basic,instagram_business_manage_messages"

static struct sandbox *sb;
static char base[64];

struct resp {
  long status;
  json_t *json;
  char location[1024];
};

static size_t
on_data(char *p, size_t sz, size_t n, void *ud)
{
  buf_append(ud, p, sz * n);
  return sz * n;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *ud)
{
  struct resp *r = ud;

  if (sz * n > 10 && strncasecmp(p, "Location: ", 10) == 0)
    snprintf(r->location, sizeof(r->location), "%.*s",
             (int)strcspn(p + 10, "\r\n"), p + 10);
  return sz * n;
}

/* One exchange; body is a form for POST, NULL for GET. */
static long
req(const char *method, const char *pathq, const char *form,
    struct resp *out)
{
  CURL *c = curl_easy_init();
  struct buf body;
  char *url = xasprintf("%s%s", base, pathq);

  memset(out, 0, sizeof(*out));
  buf_init(&body, 1 << 20);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  if (form != NULL)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
  out->json = json_loadb(buf_cstr(&body), body.len, 0, NULL);
  buf_free(&body);
  curl_easy_cleanup(c);
  free(url);
  return out->status;
}

static long
get(const char *pathq, struct resp *out)
{
  return req("GET", pathq, NULL, out);
}

static const char *
jstr(const struct resp *r, const char *key)
{
  return json_string_value(json_object_get(r->json, key));
}

static void
advance(long seconds)
{
  struct resp r;
  char *body = xasprintf("{\"advance_seconds\":%ld}", seconds);
  CURL *c = curl_easy_init();
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: "
                                                 "application/json");
  char *url = xasprintf("%s/__sandbox/clock", base);

  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  {
    struct buf b;
    buf_init(&b, 1 << 16);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    buf_free(&b);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  assert_int_equal(r.status, 200);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  free(url);
  free(body);
}

/* The code in a redirect's Location, after checking its shape. */
static void
code_of(const struct resp *r, const char *frag, char *code, size_t n)
{
  const char *p = strstr(r->location, "code=");
  size_t len;

  assert_int_equal(r->status, 302);
  assert_true(strncmp(r->location, CB "?code=AQ", strlen(CB) + 8) == 0);
  assert_non_null(strstr(r->location, "&state=s%2B1"));
  assert_string_equal(r->location + strlen(r->location) - strlen(frag),
                      frag);
  p += 5;
  len = strcspn(p, "&#");
  assert_true(len < n);
  snprintf(code, n, "%.*s", (int)len, p);
}

static void
ig_code(char *code, size_t n)
{
  struct resp r;

  get("/oauth/authorize?client_id=" SANDBOX_APP_ID "&redirect_uri=" CB_ENC
      "&response_type=code&scope=" IG_SCOPE "&state=s%2B1", &r);
  code_of(&r, "#_", code, n);
  json_decref(r.json);
}

static long
ig_exchange(const char *code, const char *secret, struct resp *r)
{
  char *form = xasprintf("client_id=" SANDBOX_APP_ID "&client_secret=%s"
                         "&grant_type=authorization_code&redirect_uri=%s"
                         "&code=%s", secret, CB_ENC, code);
  long st = req("POST", "/oauth/access_token", form, r);
  free(form);
  return st;
}

static void
assert_flat(const struct resp *r, const char *msg)
{
  assert_int_equal(r->status, 400);
  assert_null(json_object_get(r->json, "error"));
  assert_string_equal(jstr(r, "error_type"), "OAuthException");
  assert_int_equal(json_integer_value(json_object_get(r->json, "code")), 400);
  assert_string_equal(jstr(r, "error_message"), msg);
}

static void
assert_error(const struct resp *r, int code, int subcode)
{
  json_t *e = json_object_get(r->json, "error");
  assert_non_null(e);
  assert_int_equal(r->status, 400);
  assert_int_equal(json_integer_value(json_object_get(e, "code")), code);
  assert_int_equal(json_integer_value(json_object_get(e, "error_subcode")),
                   subcode);
}

static void
test_ig_login(void **state)
{
  struct resp r;
  char code[128], short_tok[128], long_tok[128], *q;

  (void)state;
  ig_code(code, sizeof(code));
  assert_int_equal(ig_exchange(code, SANDBOX_APP_SECRET, &r), 200);
  assert_true(strncmp(jstr(&r, "access_token"), "IGAA", 4) == 0);
  assert_string_not_equal(jstr(&r, "access_token"), SANDBOX_IG_TOKEN);
  assert_int_equal(json_integer_value(json_object_get(r.json, "user_id")),
                   17841400000000001LL);
  assert_int_equal(json_array_size(json_object_get(r.json, "permissions")),
                   5);
  snprintf(short_tok, sizeof(short_tok), "%s", jstr(&r, "access_token"));
  json_decref(r.json);

  /* Single use. */
  ig_exchange(code, SANDBOX_APP_SECRET, &r);
  assert_flat(&r, "This authorization code has been used");
  json_decref(r.json);

  /* The short-lived token works on graph.instagram.com. */
  q = xasprintf("/v25.0/me?fields=user_id,username&access_token=%s",
                short_tok);
  assert_int_equal(get(q, &r), 200);
  assert_string_equal(jstr(&r, "username"), SANDBOX_IG_USERNAME);
  json_decref(r.json);
  free(q);

  /* Long-lived exchange: the app secret is checked. */
  q = xasprintf("/access_token?grant_type=ig_exchange_token&client_secret="
                "nope&access_token=%s", short_tok);
  get(q, &r);
  assert_error(&r, 1, 0);
  json_decref(r.json);
  free(q);
  q = xasprintf("/access_token?grant_type=ig_exchange_token&client_secret="
                SANDBOX_APP_SECRET "&access_token=%s", short_tok);
  assert_int_equal(get(q, &r), 200);
  assert_string_equal(jstr(&r, "token_type"), "bearer");
  assert_int_equal(json_integer_value(json_object_get(r.json, "expires_in")),
                   60L * 24 * 3600);
  snprintf(long_tok, sizeof(long_tok), "%s", jstr(&r, "access_token"));
  assert_string_not_equal(long_tok, short_tok);
  json_decref(r.json);
  free(q);

  /* Two hours on: the short-lived token is gone, the long-lived not. */
  advance(2 * 3600);
  q = xasprintf("/v25.0/me?fields=username&access_token=%s", short_tok);
  get(q, &r);
  assert_error(&r, 190, 463);
  assert_non_null(strstr(json_string_value(json_object_get(
      json_object_get(r.json, "error"), "message")), "Session has expired"));
  json_decref(r.json);
  free(q);
  q = xasprintf("/v25.0/me?fields=username&access_token=%s", long_tok);
  assert_int_equal(get(q, &r), 200);
  json_decref(r.json);

  /* Sixty days on, the long-lived one too. */
  advance(60L * 24 * 3600);
  get(q, &r);
  assert_error(&r, 190, 463);
  json_decref(r.json);
  free(q);
  /* The fixed token is untouched by all this. */
  assert_int_equal(get("/v25.0/me?fields=username&access_token="
                       SANDBOX_IG_TOKEN, &r), 200);
  json_decref(r.json);
}

static void
test_ig_code_errors(void **state)
{
  struct resp r;
  char code[128];

  (void)state;
  ig_exchange("AQnotacode", SANDBOX_APP_SECRET, &r);
  assert_flat(&r, "Error validating verification code. Please make sure "
              "your redirect_uri is identical to the one you used in the "
              "OAuth dialog request");
  json_decref(r.json);

  ig_code(code, sizeof(code));
  ig_exchange(code, "wrong-secret", &r);
  assert_flat(&r, "Error validating client secret.");
  json_decref(r.json);
  advance(3601);
  ig_exchange(code, SANDBOX_APP_SECRET, &r);
  assert_flat(&r, "This authorization code has expired");
  json_decref(r.json);

  /* The dialog refuses another app or a missing redirect. */
  get("/oauth/authorize?client_id=123&redirect_uri=" CB_ENC
      "&response_type=code&scope=" IG_SCOPE, &r);
  assert_flat(&r, "Invalid platform app");
  json_decref(r.json);
  get("/oauth/authorize?client_id=" SANDBOX_APP_ID
      "&response_type=code&scope=" IG_SCOPE, &r);
  assert_int_equal(r.status, 400);
  assert_true(r.location[0] == '\0');
  json_decref(r.json);
}

static void
test_fb_login(void **state)
{
  struct resp r;
  char code[128], user[128], luser[128], page[128], *q;
  json_t *p0, *p1;

  (void)state;
  get("/v25.0/dialog/oauth?client_id=" SANDBOX_APP_ID "&redirect_uri="
      CB_ENC "&scope=instagram_basic,pages_show_list&state=s%2B1", &r);
  code_of(&r, "#_=_", code, sizeof(code));
  json_decref(r.json);

  q = xasprintf("/v25.0/oauth/access_token?client_id=" SANDBOX_APP_ID
                "&client_secret=" SANDBOX_APP_SECRET "&redirect_uri="
                "http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fother&code=%s", code);
  get(q, &r);
  assert_error(&r, 100, 36008);
  json_decref(r.json);
  free(q);
  q = xasprintf("/v25.0/oauth/access_token?client_id=" SANDBOX_APP_ID
                "&client_secret=" SANDBOX_APP_SECRET "&redirect_uri="
                "%s&code=%s", CB_ENC, code);
  assert_int_equal(get(q, &r), 200);
  assert_true(strncmp(jstr(&r, "access_token"), "EAA", 3) == 0);
  assert_int_equal(json_integer_value(json_object_get(r.json, "expires_in")),
                   3600);
  snprintf(user, sizeof(user), "%s", jstr(&r, "access_token"));
  json_decref(r.json);
  get(q, &r);
  assert_error(&r, 100, 36009); /* single use */
  json_decref(r.json);
  free(q);

  q = xasprintf("/v25.0/oauth/access_token?grant_type=fb_exchange_token"
                "&client_id=" SANDBOX_APP_ID "&client_secret="
                SANDBOX_APP_SECRET "&fb_exchange_token=%s", user);
  assert_int_equal(get(q, &r), 200);
  snprintf(luser, sizeof(luser), "%s", jstr(&r, "access_token"));
  json_decref(r.json);
  free(q);

  q = xasprintf("/v25.0/me/accounts?fields=id,name,access_token,"
                "instagram_business_account%%7Bid,username%%7D"
                "&access_token=%s", luser);
  assert_int_equal(get(q, &r), 200);
  p0 = json_array_get(json_object_get(r.json, "data"), 0);
  p1 = json_array_get(json_object_get(r.json, "data"), 1);
  assert_string_equal(json_string_value(json_object_get(p0, "id")),
                      SANDBOX_PAGE_ID);
  assert_string_equal(json_string_value(json_object_get(json_object_get(
      p0, "instagram_business_account"), "username")), SANDBOX_IG_USERNAME);
  assert_null(json_object_get(p1, "instagram_business_account"));
  snprintf(page, sizeof(page), "%s",
           json_string_value(json_object_get(p0, "access_token")));
  assert_true(strncmp(page, "EAA", 3) == 0);
  assert_string_not_equal(page, SANDBOX_FB_TOKEN);
  json_decref(r.json);
  /* Asked again: the same Page token. */
  assert_int_equal(get(q, &r), 200);
  p0 = json_array_get(json_object_get(r.json, "data"), 0);
  assert_string_equal(json_string_value(json_object_get(p0, "access_token")),
                      page);
  json_decref(r.json);
  free(q);

  /* 61 days on: the user tokens are gone; the Page token does not
   * expire. */
  advance(61L * 24 * 3600);
  q = xasprintf("/v25.0/me/accounts?access_token=%s", luser);
  get(q, &r);
  assert_error(&r, 190, 463);
  json_decref(r.json);
  free(q);
  q = xasprintf("/v25.0/" SANDBOX_IG_USER_ID "?fields=username"
                "&access_token=%s", page);
  assert_int_equal(get(q, &r), 200);
  assert_string_equal(jstr(&r, "username"), SANDBOX_IG_USERNAME);
  json_decref(r.json);
  free(q);
}

static int
setup(void **state)
{
  struct sandbox_opts o = { 0 };
  struct err e;

  (void)state;
  sb = sandbox_start(&o, &e);
  assert_non_null(sb);
  snprintf(base, sizeof(base), "http://127.0.0.1:%u",
           (unsigned)sandbox_port(sb));
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  sandbox_stop(sb);
  return 0;
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_ig_login, setup, teardown),
    cmocka_unit_test_setup_teardown(test_ig_code_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(test_fb_login, setup, teardown),
  };
  int rc;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
