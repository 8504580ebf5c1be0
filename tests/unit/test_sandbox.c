/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox.c: the Graph API emulator, driven over HTTP with libcurl.
 *
 * One sandbox runs on an ephemeral loopback port for the whole group; each
 * test starts from POST /__sandbox/reset and an empty request log, so the
 * tests are independent.  They check Meta's shapes (error envelopes,
 * headers, paging) and the messaging rules (20-message detail window,
 * 24 h / 7 d windows, 1000-byte texts), plus the admin API and faults.
 */
#include <pthread.h>
#include <regex.h>
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
#include "base/clock.h"
#include "base/crypto.h"
#include "base/xalloc.h"
#include "sandbox/sandbox.h"

#define IG "access_token=" SANDBOX_IG_TOKEN
#define FB "access_token=" SANDBOX_FB_TOKEN

static struct sandbox *sb;
static char base[64];

struct resp {
  long status;
  json_t *json;
  struct buf hdrs;
  struct buf body;
  double seconds;
};

static size_t
on_data(char *p, size_t sz, size_t n, void *ud)
{
  buf_append(ud, p, sz * n);
  return sz * n;
}

/* One HTTP exchange.  pathq is the path and query after the base URL;
 * hdr is one extra header line or NULL. */
static long
req(const char *method, const char *pathq, const char *ctype,
    const char *body, size_t blen, const char *hdr, struct resp *out)
{
  CURL *c = curl_easy_init();
  struct curl_slist *hl = NULL;
  char *url = NULL;
  char ct[128];

  memset(out, 0, sizeof(*out));
  buf_init(&out->hdrs, 1 << 20);
  buf_init(&out->body, 8 << 20);
  url = xasprintf("%s%s", base, pathq);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  if (body != NULL) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)blen);
  }
  if (ctype != NULL) {
    snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
    hl = curl_slist_append(hl, ct);
  }
  if (hdr != NULL)
    hl = curl_slist_append(hl, hdr);
  hl = curl_slist_append(hl, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->seconds);
  out->json = json_loadb(buf_cstr(&out->body), out->body.len, 0, NULL);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  free(url);
  return out->status;
}

static void
resp_free(struct resp *r)
{
  json_decref(r->json);
  buf_free(&r->hdrs);
  buf_free(&r->body);
}

static long
get(const char *pathq, struct resp *out)
{
  return req("GET", pathq, NULL, NULL, 0, NULL, out);
}

static long
post_json(const char *pathq, const char *body, struct resp *out)
{
  return req("POST", pathq, "application/json", body, strlen(body), NULL,
             out);
}

/* A header's value (first match, case-insensitive) copied into out. */
static const char *
header(const struct resp *r, const char *name, char *out, size_t n)
{
  const char *p = buf_cstr(&r->hdrs);
  size_t nl = strlen(name);

  while (p != NULL && *p) {
    if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
      const char *v = p + nl + 1, *e;
      while (*v == ' ')
        v++;
      e = strpbrk(v, "\r\n");
      snprintf(out, n, "%.*s", (int)(e != NULL ? e - v : (long)strlen(v)),
               v);
      return out;
    }
    p = strchr(p, '\n');
    if (p != NULL)
      p++;
  }
  return NULL;
}

/* Follows a dotted path ("error.code", "data.0.id") into o. */
static json_t *
jget(json_t *o, const char *path)
{
  char seg[64];

  while (o != NULL && *path != '\0') {
    const char *dot = strchr(path, '.');
    size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
    snprintf(seg, sizeof(seg), "%.*s", (int)n, path);
    if (json_is_array(o))
      o = json_array_get(o, strtoul(seg, NULL, 10));
    else
      o = json_object_get(o, seg);
    path += n + (dot != NULL);
  }
  return o;
}

static const char *
jstr(json_t *o, const char *path)
{
  return json_string_value(jget(o, path));
}

static int
matches(const char *s, const char *re)
{
  regex_t rx;
  int ok;
  assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
  ok = regexec(&rx, s, 0, NULL, 0) == 0;
  regfree(&rx);
  return ok;
}

/* Checks Meta's error envelope. */
static void
assert_meta_error(const struct resp *r, long status, int code, int subcode,
                  const char *type, const char *msg)
{
  json_t *e = json_object_get(r->json, "error");
  assert_non_null(e);
  assert_int_equal(r->status, status);
  assert_int_equal(json_integer_value(json_object_get(e, "code")), code);
  if (subcode != 0)
    assert_int_equal(json_integer_value(json_object_get(e, "error_subcode")),
                     subcode);
  else
    assert_null(json_object_get(e, "error_subcode"));
  if (type != NULL)
    assert_string_equal(json_string_value(json_object_get(e, "type")), type);
  if (msg != NULL)
    assert_string_equal(json_string_value(json_object_get(e, "message")),
                        msg);
  assert_true(matches(json_string_value(json_object_get(e, "fbtrace_id")),
                      "^A[A-Za-z0-9_-]{22}$"));
}

/* Looks a conversation up in the admin listing by username. */
static void
conv_info(const char *username, char conv_id[160], char user_id[32])
{
  struct resp r;
  size_t i;
  json_t *c;
  int found = 0;

  assert_int_equal(get("/__sandbox/conversations", &r), 200);
  json_array_foreach(json_object_get(r.json, "data"), i, c) {
    if (strcmp(jstr(c, "username"), username) == 0) {
      snprintf(conv_id, 160, "%s", jstr(c, "id"));
      if (user_id != NULL)
        snprintf(user_id, 32, "%s", jstr(c, "user_id"));
      found = 1;
    }
  }
  resp_free(&r);
  assert_true(found);
}

/* Follows a paging URL the sandbox produced. */
static long
follow(const char *url, struct resp *out)
{
  size_t n = strlen(base);
  assert_true(strncmp(url, base, n) == 0);
  return get(url + n, out);
}

static long
admin_post(const char *path, const char *body)
{
  struct resp r;
  long st = post_json(path, body, &r);
  resp_free(&r);
  return st;
}

/* Sends a text to a user over the IG host; returns the HTTP status and
 * leaves the response in out. */
static long
send_text(const char *pathq, const char *user_id, const char *text,
          const char *extra, struct resp *out)
{
  json_t *b = json_pack("{s:{s:s},s:{s:s}}", "recipient", "id", user_id,
                        "message", "text", text);
  char *s;
  long st;

  if (extra != NULL) {
    json_t *x = json_loads(extra, 0, NULL);
    json_object_update(b, x);
    json_decref(x);
  }
  s = json_dumps(b, JSON_COMPACT);
  st = post_json(pathq, s, out);
  free(s);
  json_decref(b);
  return st;
}

static int
setup(void **state)
{
  assert_int_equal(admin_post("/__sandbox/reset", "{}"), 200);
  {
    struct resp r;
    assert_int_equal(req("DELETE", "/__sandbox/requests", NULL, NULL, 0,
                         NULL, &r), 200);
    resp_free(&r);
  }
  return 0;
}

static int
group_setup(void **state)
{
  struct sandbox_opts o = { 0 };
  struct err e;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  sb = sandbox_start(&o, &e);
  assert_non_null(sb);
  assert_true(sandbox_port(sb) != 0);
  snprintf(base, sizeof(base), "http://127.0.0.1:%u",
           (unsigned)sandbox_port(sb));
  return 0;
}

static int
group_teardown(void **state)
{
  sandbox_stop(sb);
  curl_global_cleanup();
  return 0;
}

/* ---- tokens ----------------------------------------------------------- */

static void
test_token_missing(void **state)
{
  struct resp r;
  char h[512];
  static const char msg[] = "An active access token must be used to query "
                            "information about the current user.";

  get("/v25.0/me/conversations", &r);
  assert_meta_error(&r, 400, 2500, 0, "OAuthException", msg);
  assert_non_null(header(&r, "WWW-Authenticate", h, sizeof(h)));
  assert_non_null(strstr(h, "OAuth \"Facebook Platform\" \"invalid_token\""));
  resp_free(&r);
  req("GET", "/v25.0/me/conversations", NULL, NULL, 0,
      "X-Sandbox-Host: instagram", &r);
  assert_meta_error(&r, 400, 2500, 0, "IGApiException", msg);
  assert_non_null(header(&r, "instagram-api-version", h, sizeof(h)));
  resp_free(&r);
}

static void
test_token_invalid(void **state)
{
  struct resp r;
  char h[512];

  get("/v25.0/me/conversations?access_token=IGAAnotARealToken", &r);
  assert_meta_error(&r, 400, 190, 0, "OAuthException",
                    "Invalid OAuth access token - Cannot parse access token");
  assert_non_null(header(&r, "WWW-Authenticate", h, sizeof(h)));
  assert_non_null(strstr(h, "\"invalid_token\""));
  resp_free(&r);
}

static void
test_token_expired(void **state)
{
  struct resp r;
  const char *m;

  assert_int_equal(admin_post("/__sandbox/faults",
                              "{\"kind\":\"expire_token\",\"token\":\"ig\"}"),
                   200);
  get("/v25.0/me?" IG, &r);
  assert_meta_error(&r, 400, 190, 463, "OAuthException", NULL);
  m = jstr(r.json, "error.message");
  assert_true(matches(m, "^Error validating access token: Session has "
                      "expired on [A-Z][a-z]+day, [0-9]{2}-[A-Z][a-z]{2}-"
                      "[0-9]{2} [0-9:]{8} PDT\\. The current time is "));
  resp_free(&r);
  /* The Page token is unaffected. */
  assert_int_equal(get("/v25.0/me?" FB, &r), 200);
  resp_free(&r);
  assert_int_equal(req("DELETE", "/__sandbox/faults", NULL, NULL, 0, NULL,
                       &r), 200);
  resp_free(&r);
  assert_int_equal(get("/v25.0/me?" IG, &r), 200);
  resp_free(&r);
}

static void
test_token_places(void **state)
{
  struct resp r;

  req("GET", "/me", NULL, NULL, 0,
      "Authorization: Bearer " SANDBOX_IG_TOKEN, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(jstr(r.json, "id"), SANDBOX_IG_SCOPED_ID);
  resp_free(&r);
  req("GET", "/v19.0/me", NULL, NULL, 0,
      "Authorization: OAuth " SANDBOX_FB_TOKEN, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(jstr(r.json, "id"), SANDBOX_PAGE_ID);
  {
    char h[64];
    assert_string_equal(header(&r, "facebook-api-version", h, sizeof(h)),
                        "v19.0");
  }
  resp_free(&r);
  assert_int_equal(get("/__sandbox/requests", &r), 200);
  assert_string_equal(jstr(r.json, "0.token_via"), "header");
  resp_free(&r);
}

static void
test_appsecret_proof(void **state)
{
  struct resp r;
  char proof[65], *path;

  crypto_hmac_sha256_hex(SANDBOX_APP_SECRET, strlen(SANDBOX_APP_SECRET),
                         SANDBOX_IG_TOKEN, strlen(SANDBOX_IG_TOKEN), proof);
  path = xasprintf("/v25.0/me?" IG "&appsecret_proof=%s", proof);
  assert_int_equal(get(path, &r), 200);
  resp_free(&r);
  get("/v25.0/me?" IG "&appsecret_proof=00ff", &r);
  assert_meta_error(&r, 400, 100, 0, "GraphMethodException",
                    "Invalid appsecret_proof provided in the API argument");
  resp_free(&r);
  assert_int_equal(admin_post("/__sandbox/faults",
                              "{\"kind\":\"require_proof\",\"value\":true}"),
                   200);
  get("/v25.0/me?" IG, &r);
  assert_meta_error(&r, 400, 100, 0, "GraphMethodException",
                    "API calls from the server require an appsecret_proof "
                    "argument");
  resp_free(&r);
  assert_int_equal(get(path, &r), 200);
  resp_free(&r);
  free(path);
}

/* ---- hosts ------------------------------------------------------------ */

static void
test_hosts_differ(void **state)
{
  struct resp r;
  char h[512];
  json_t *u;

  get("/v25.0/me/conversations?" IG "&fields=id,unread_count", &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException",
                    "Tried accessing nonexisting field (unread_count)");
  resp_free(&r);
  get("/v25.0/" SANDBOX_PAGE_ID "/conversations?" FB
      "&platform=instagram&fields=id,bogus", &r);
  assert_meta_error(&r, 400, 100, 0, "OAuthException",
                    "(#100) Tried accessing nonexisting field (bogus) on "
                    "node type (UnifiedThread)");
  resp_free(&r);
  /* FB host: platform is required; unread_count exists there. */
  get("/v25.0/" SANDBOX_PAGE_ID "/conversations?" FB, &r);
  assert_meta_error(&r, 400, 100, 0, "OAuthException",
                    "(#100) The parameter platform is required");
  resp_free(&r);
  assert_int_equal(get("/v25.0/" SANDBOX_PAGE_ID "/conversations?" FB
                       "&platform=instagram&fields=id,unread_count", &r),
                   200);
  assert_true(json_is_integer(jget(r.json, "data.0.unread_count")));
  assert_non_null(header(&r, "facebook-api-version", h, sizeof(h)));
  assert_non_null(header(&r, "X-App-Usage", h, sizeof(h)));
  u = json_loads(h, 0, NULL);
  assert_non_null(json_object_get(u, "call_count"));
  assert_non_null(json_object_get(u, "total_cputime"));
  json_decref(u);
  assert_non_null(header(&r, "X-Business-Use-Case-Usage", h, sizeof(h)));
  u = json_loads(h, 0, NULL);
  assert_string_equal(jstr(u, SANDBOX_PAGE_ID ".0.type"), "pages");
  json_decref(u);
  resp_free(&r);
  assert_int_equal(get("/v25.0/" SANDBOX_PAGE_ID "/conversations?" FB
                       "&platform=messenger", &r), 200);
  assert_int_equal(json_array_size(jget(r.json, "data")), 0);
  resp_free(&r);
  /* IG host headers. */
  assert_int_equal(get("/v25.0/me/conversations?" IG, &r), 200);
  assert_string_equal(header(&r, "instagram-api-version", h, sizeof(h)),
                      "v25.0");
  assert_non_null(header(&r, "x-app-usage", h, sizeof(h)));
  u = json_loads(h, 0, NULL);
  assert_non_null(json_object_get(u, "call_volume"));
  assert_non_null(json_object_get(u, "cpu_time"));
  json_decref(u);
  header(&r, "X-Business-Use-Case-Usage", h, sizeof(h));
  u = json_loads(h, 0, NULL);
  assert_string_equal(jstr(u, SANDBOX_IG_USER_ID ".0.type"), "instagram");
  assert_int_equal(json_integer_value(jget(u, SANDBOX_IG_USER_ID
                     ".0.estimated_time_to_regain_access")), 0);
  json_decref(u);
  assert_non_null(header(&r, "X-Sandbox-Time-Us", h, sizeof(h)));
  resp_free(&r);
  /* The Page is not an object on the Instagram host. */
  get("/v25.0/" SANDBOX_PAGE_ID "?" IG, &r);
  assert_meta_error(&r, 400, 100, 33, "IGApiException", NULL);
  resp_free(&r);
}

static void
test_account_nodes(void **state)
{
  struct resp r;

  assert_int_equal(get("/v25.0/me?" IG "&fields=id,user_id,username,"
                       "account_type,followers_count", &r), 200);
  assert_string_equal(jstr(r.json, "id"), SANDBOX_IG_SCOPED_ID);
  assert_string_equal(jstr(r.json, "user_id"), SANDBOX_IG_USER_ID);
  assert_string_equal(jstr(r.json, "username"), SANDBOX_IG_USERNAME);
  assert_string_equal(jstr(r.json, "account_type"), "BUSINESS");
  resp_free(&r);
  assert_int_equal(get("/v25.0/" SANDBOX_PAGE_ID "?" FB
                       "&fields=instagram_business_account", &r), 200);
  assert_string_equal(jstr(r.json, "instagram_business_account.id"),
                      SANDBOX_IG_USER_ID);
  assert_string_equal(jstr(r.json, "id"), SANDBOX_PAGE_ID);
  resp_free(&r);
  get("/v25.0/me/bogus?" IG, &r);
  assert_meta_error(&r, 400, 2500, 0, "IGApiException",
                    "Unknown path components: /bogus");
  resp_free(&r);
  get("/v25.0/123456?" FB, &r);
  assert_meta_error(&r, 400, 100, 33, "GraphMethodException",
                    "Unsupported get request. Object with ID '123456' does "
                    "not exist, cannot be loaded due to missing permissions, "
                    "or does not support this operation. Please read the "
                    "Graph API documentation at "
                    "https://developers.facebook.com/docs/graph-api");
  resp_free(&r);
}

/* ---- world ------------------------------------------------------------ */

static void
test_world_shape(void **state)
{
  struct resp r;
  size_t i, n_open_hour = 0, n_ha = 0, n_closed = 0, n_other = 0, big = 0;
  json_t *c;
  int64_t now;

  assert_int_equal(get("/__sandbox/state", &r), 200);
  assert_true(json_integer_value(jget(r.json, "conversations")) >= 12);
  assert_true(json_integer_value(jget(r.json, "messages")) >= 150);
  assert_true(json_integer_value(jget(r.json, "requests")) >= 1);
  now = json_integer_value(jget(r.json, "now"));
  assert_true(now > clock_wall_s() - 5 && now < clock_wall_s() + 5);
  resp_free(&r);
  assert_int_equal(get("/__sandbox/conversations", &r), 200);
  json_array_foreach(jget(r.json, "data"), i, c) {
    const char *w = jstr(c, "window");
    assert_true(matches(jstr(c, "id"), "^[A-Za-z0-9_-]+$"));
    assert_true(matches(jstr(c, "user_id"), "^[0-9]{16,17}$"));
    if (now - json_integer_value(jget(c, "last_inbound")) < 3600)
      n_open_hour++;
    n_ha += strcmp(w, "human_agent") == 0;
    n_closed += strcmp(w, "closed") == 0;
    n_other += strcmp(jstr(c, "folder"), "other") == 0;
    if (json_integer_value(jget(c, "messages")) > 40)
      big++;
  }
  assert_true(n_open_hour >= 1);
  assert_true(n_ha >= 1);
  assert_true(n_closed >= 1);
  assert_true(n_other >= 1);
  assert_true(big >= 1);
  resp_free(&r);
}

static void
test_world_text_and_attachments(void **state)
{
  static const char *const who[] = { "kenji.tanaka", "layla.designs",
                                     "ivan.petrov", "sofia.bakes" };
  static const char *const script[] = { "\xE3\x81", "\xD8", "\xD0",
                                        "\xF0\x9F" };
  char conv[160], *path;
  struct resp r;
  size_t i;
  json_t *m;

  for (size_t k = 0; k < 4; k++) {
    int seen = 0;
    conv_info(who[k], conv, NULL);
    path = xasprintf("/v25.0/%s/messages?" IG "&fields=message&limit=20",
                     conv);
    assert_int_equal(get(path, &r), 200);
    json_array_foreach(jget(r.json, "data"), i, m)
      seen |= strstr(jstr(m, "message"), script[k]) != NULL;
    assert_true(seen);
    resp_free(&r);
    free(path);
  }
  /* Attachments, replies and story mentions among the newest messages. */
  {
    int image = 0, reply = 0, story = 0, video = 0;
    static const char *const convs[] = { "maya.ceramics", "amara.art",
                                         "lucas.photo" };
    for (size_t k = 0; k < 3; k++) {
      conv_info(convs[k], conv, NULL);
      path = xasprintf("/v25.0/%s/messages?" IG "&limit=20&fields=id,"
                       "attachments,reply_to,story", conv);
      assert_int_equal(get(path, &r), 200);
      json_array_foreach(jget(r.json, "data"), i, m) {
        const char *u = jstr(m, "attachments.data.0.image_data.url");
        if (u != NULL) {
          assert_true(matches(u, "^https://lookaside\\.fbsbx\\.com/"
                              "ig_messaging_cdn/\\?asset_id=[0-9]+&"
                              "signature=[A-Za-z0-9_-]+$"));
          image++;
        }
        video += jget(m, "attachments.data.0.video_data.url") != NULL;
        if (jget(m, "reply_to") != NULL) {
          assert_non_null(jstr(m, "reply_to.mid"));
          assert_true(json_is_boolean(jget(m, "reply_to.is_self_reply")));
          reply++;
        }
        story += jstr(m, "story.mention.link") != NULL;
      }
      resp_free(&r);
      free(path);
    }
    assert_true(image >= 1);
    assert_true(video >= 1);
    assert_true(reply >= 1);
    assert_true(story >= 1);
  }
}

static void
test_world_deterministic(void **state)
{
  struct sandbox_opts o = { 0 };
  struct err e;
  struct resp r;
  char *a, *b, saved[64];
  struct sandbox *other;

  assert_int_equal(get("/__sandbox/conversations", &r), 200);
  /* Ids only: times depend on the instant of the build. */
  {
    size_t i;
    json_t *c, *ids = json_array();
    json_array_foreach(jget(r.json, "data"), i, c)
      json_array_append(ids, jget(c, "user_id"));
    a = json_dumps(ids, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(ids);
  }
  resp_free(&r);
  snprintf(saved, sizeof(saved), "%s", base);
  for (int round = 0; round < 2; round++) {
    o.seed = round == 0 ? 0 : 42;
    other = sandbox_start(&o, &e);
    assert_non_null(other);
    snprintf(base, sizeof(base), "http://127.0.0.1:%u",
             (unsigned)sandbox_port(other));
    assert_int_equal(get("/__sandbox/conversations", &r), 200);
    {
      size_t i;
      json_t *c, *ids = json_array();
      json_array_foreach(jget(r.json, "data"), i, c)
        json_array_append(ids, jget(c, "user_id"));
      b = json_dumps(ids, JSON_COMPACT | JSON_SORT_KEYS);
      json_decref(ids);
    }
    resp_free(&r);
    sandbox_stop(other);
    snprintf(base, sizeof(base), "%s", saved);
    if (round == 0)
      assert_string_equal(a, b);
    else
      assert_string_not_equal(a, b);
    free(b);
  }
  free(a);
}

/* ---- conversations ---------------------------------------------------- */

static void
test_conversation_paging(void **state)
{
  struct resp r, s;
  json_t *seen = json_object();
  char prev_time[32] = "9999", *url = NULL;
  int pages = 0;
  size_t i, inbox;
  json_t *c;

  assert_int_equal(get("/__sandbox/conversations", &r), 200);
  inbox = 0;
  json_array_foreach(jget(r.json, "data"), i, c)
    inbox += strcmp(jstr(c, "folder"), "inbox") == 0;
  resp_free(&r);
  assert_int_equal(get("/v25.0/me/conversations?" IG "&limit=5", &r), 200);
  assert_null(jget(r.json, "paging.previous"));
  for (;;) {
    pages++;
    json_array_foreach(jget(r.json, "data"), i, c) {
      const char *id = jstr(c, "id"), *t = jstr(c, "updated_time");
      assert_null(json_object_get(seen, id));
      json_object_set_new(seen, id, json_true());
      assert_true(matches(t, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\+0000$"));
      assert_true(strcmp(t, prev_time) <= 0);
      snprintf(prev_time, sizeof(prev_time), "%s", t);
    }
    if (pages == 2) {
      /* The before cursor leads back to the first page. */
      char *b = xasprintf("/v25.0/me/conversations?" IG "&limit=5&before=%s",
                          jstr(r.json, "paging.cursors.before"));
      assert_non_null(jget(r.json, "paging.previous"));
      assert_int_equal(get(b, &s), 200);
      assert_int_equal(json_array_size(jget(s.json, "data")), 5);
      resp_free(&s);
      free(b);
    }
    if (jget(r.json, "paging.next") == NULL)
      break;
    free(url);
    url = xstrdup(jstr(r.json, "paging.next"));
    assert_non_null(strstr(url, "access_token="));
    resp_free(&r);
    assert_int_equal(follow(url, &r), 200);
  }
  resp_free(&r);
  free(url);
  assert_int_equal(json_object_size(seen), inbox);
  assert_int_equal(pages, (int)((inbox + 4) / 5));
  json_decref(seen);
  /* Folders. */
  assert_int_equal(get("/v25.0/me/conversations?" IG "&folder=other", &r),
                   200);
  assert_int_equal(json_array_size(jget(r.json, "data")), 2);
  resp_free(&r);
  get("/v25.0/me/conversations?" IG "&folder=archive", &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException", NULL);
  resp_free(&r);
  get("/v25.0/me/conversations?" IG "&after=notacursor", &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException", NULL);
  resp_free(&r);
}

static void
test_user_id_lookup(void **state)
{
  struct resp r;
  char conv[160], user[32], *path;

  conv_info("omar.coffee", conv, user);
  path = xasprintf("/v25.0/me/conversations?" IG "&user_id=%s", user);
  assert_int_equal(get(path, &r), 200);
  assert_int_equal(json_array_size(jget(r.json, "data")), 1);
  assert_string_equal(jstr(r.json, "data.0.id"), conv);
  assert_int_equal(json_object_size(jget(r.json, "data.0")), 1);
  resp_free(&r);
  free(path);
  assert_int_equal(get("/v25.0/me/conversations?" IG
                       "&user_id=1111111111111111", &r), 200);
  assert_int_equal(json_array_size(jget(r.json, "data")), 0);
  resp_free(&r);
}

static void
test_conversation_fields(void **state)
{
  struct resp r;
  char conv[160], user[32], *path;

  conv_info("maya.ceramics", conv, user);
  path = xasprintf("/v25.0/%s?" IG "&fields=id,participants,"
                   "messages.limit(3){id,from,message}", conv);
  assert_int_equal(get(path, &r), 200);
  free(path);
  assert_string_equal(jstr(r.json, "id"), conv);
  assert_string_equal(jstr(r.json, "participants.data.0.id"),
                      SANDBOX_IG_USER_ID);
  assert_string_equal(jstr(r.json, "participants.data.0.username"),
                      SANDBOX_IG_USERNAME);
  assert_string_equal(jstr(r.json, "participants.data.1.id"), user);
  assert_int_equal(json_array_size(jget(r.json, "messages.data")), 3);
  assert_non_null(jstr(r.json, "messages.data.0.from.id"));
  assert_non_null(strstr(jstr(r.json, "messages.paging.next"),
                         "/messages?"));
  resp_free(&r);
  /* Default: the messages field lists ids and times. */
  path = xasprintf("/v25.0/%s?" IG "&fields=messages", conv);
  assert_int_equal(get(path, &r), 200);
  free(path);
  assert_int_equal(json_object_size(jget(r.json, "messages.data.0")), 2);
  assert_non_null(jstr(r.json, "messages.data.0.created_time"));
  assert_string_equal(jstr(r.json, "id"), conv);
  resp_free(&r);
  path = xasprintf("/v25.0/%s?" IG "&fields=messages{id,bogus}", conv);
  get(path, &r);
  free(path);
  assert_meta_error(&r, 400, 100, 0, "IGApiException",
                    "Tried accessing nonexisting field (bogus)");
  resp_free(&r);
  path = xasprintf("/v25.0/%s?" IG "&fields=id,,messages", conv);
  get(path, &r);
  free(path);
  assert_meta_error(&r, 400, 2500, 0, "IGApiException", NULL);
  assert_non_null(strstr(jstr(r.json, "error.message"), "Syntax error"));
  resp_free(&r);
}

/* ---- messages --------------------------------------------------------- */

static void
test_messages_edge_detail_window(void **state)
{
  struct resp r;
  char conv[160], *path, *url = NULL, prev[32] = "9999", old_mid[256] = "";
  char new_mid[256] = "";
  json_t *seen = json_object(), *m;
  size_t i, pos = 0;

  conv_info("maya.ceramics", conv, NULL);
  path = xasprintf("/v25.0/%s/messages?" IG "&limit=25&fields=id,"
                   "created_time,from,message", conv);
  assert_int_equal(get(path, &r), 200);
  free(path);
  for (;;) {
    json_array_foreach(jget(r.json, "data"), i, m) {
      const char *t = jstr(m, "created_time");
      assert_null(json_object_get(seen, jstr(m, "id")));
      json_object_set_new(seen, jstr(m, "id"), json_true());
      assert_true(strcmp(t, prev) <= 0);
      snprintf(prev, sizeof(prev), "%s", t);
      if (pos < 20) {
        assert_non_null(jget(m, "from"));
        assert_non_null(jget(m, "message"));
      } else {
        assert_int_equal(json_object_size(m), 2);
      }
      if (pos == 0)
        snprintf(new_mid, sizeof(new_mid), "%s", jstr(m, "id"));
      if (pos == 24)
        snprintf(old_mid, sizeof(old_mid), "%s", jstr(m, "id"));
      pos++;
    }
    if (jget(r.json, "paging.next") == NULL)
      break;
    free(url);
    url = xstrdup(jstr(r.json, "paging.next"));
    resp_free(&r);
    assert_int_equal(follow(url, &r), 200);
  }
  resp_free(&r);
  free(url);
  json_decref(seen);
  assert_int_equal(pos, 60);
  /* The message node: details for recent, "deleted" for older. */
  path = xasprintf("/v25.0/%s?" IG, new_mid);
  assert_int_equal(get(path, &r), 200);
  free(path);
  assert_int_equal(json_object_size(r.json), 2);
  assert_string_equal(jstr(r.json, "id"), new_mid);
  resp_free(&r);
  path = xasprintf("/v25.0/%s?" IG "&fields=id,created_time,from,to,message",
                   new_mid);
  assert_int_equal(get(path, &r), 200);
  free(path);
  assert_true(matches(jstr(r.json, "id"), "^[A-Za-z0-9_-]+$"));
  assert_non_null(jstr(r.json, "from.username"));
  assert_non_null(jstr(r.json, "to.data.0.id"));
  assert_string_not_equal(jstr(r.json, "from.id"),
                          jstr(r.json, "to.data.0.id"));
  resp_free(&r);
  path = xasprintf("/v25.0/%s?" IG "&fields=id,message", old_mid);
  get(path, &r);
  free(path);
  assert_meta_error(&r, 400, 100, 0, "IGApiException",
                    "This message has been deleted");
  resp_free(&r);
  path = xasprintf("/v25.0/%s?" FB, old_mid);
  get(path, &r);
  free(path);
  assert_meta_error(&r, 400, 100, 0, "OAuthException",
                    "(#100) This message has been deleted");
  resp_free(&r);
}

/* ---- sending ---------------------------------------------------------- */

static void
test_send_success(void **state)
{
  struct resp r;
  char conv[160], user[32], *path, mid[256];
  static const char text[] = "ありがとう！ Thanks 🙏 — see you";

  conv_info("kenji.tanaka", conv, user);
  assert_int_equal(send_text("/v25.0/me/messages?" IG, user, text, NULL, &r),
                   200);
  assert_string_equal(jstr(r.json, "recipient_id"), user);
  snprintf(mid, sizeof(mid), "%s", jstr(r.json, "message_id"));
  assert_true(matches(mid, "^[A-Za-z0-9_-]{40,}$"));
  assert_int_equal(json_object_size(r.json), 2);
  resp_free(&r);
  /* The message is the newest of its conversation... */
  path = xasprintf("/v25.0/%s/messages?" IG "&limit=1&fields=id,message,"
                   "from", conv);
  assert_int_equal(get(path, &r), 200);
  free(path);
  assert_string_equal(jstr(r.json, "data.0.id"), mid);
  assert_string_equal(jstr(r.json, "data.0.message"), text);
  assert_string_equal(jstr(r.json, "data.0.from.id"), SANDBOX_IG_USER_ID);
  resp_free(&r);
  /* ...and the conversation moved to the top. */
  assert_int_equal(get("/v25.0/me/conversations?" IG "&limit=1", &r), 200);
  assert_string_equal(jstr(r.json, "data.0.id"), conv);
  resp_free(&r);
}

static void
test_send_form_fb_host(void **state)
{
  struct resp r;
  char conv[160], user[32], *body, h[512];
  json_t *u;

  conv_info("priya.jewelry", conv, user);
  body = xasprintf("recipient=%%7B%%22id%%22%%3A%%22%s%%22%%7D&message="
                   "%%7B%%22attachment%%22%%3A%%7B%%22type%%22%%3A%%22image"
                   "%%22%%2C%%22payload%%22%%3A%%7B%%22url%%22%%3A%%22https"
                   "%%3A%%2F%%2Fexample.com%%2Fa.jpg%%22%%7D%%7D%%7D"
                   "&messaging_type=RESPONSE&" FB, user);
  req("POST", "/v25.0/" SANDBOX_PAGE_ID "/messages",
      "application/x-www-form-urlencoded", body, strlen(body), NULL, &r);
  free(body);
  assert_int_equal(r.status, 200);
  assert_string_equal(jstr(r.json, "recipient_id"), user);
  header(&r, "X-Business-Use-Case-Usage", h, sizeof(h));
  u = json_loads(h, 0, NULL);
  assert_string_equal(jstr(u, SANDBOX_PAGE_ID ".0.type"), "messenger");
  json_decref(u);
  resp_free(&r);
  assert_int_equal(get("/__sandbox/requests?limit=1", &r), 200);
  assert_string_equal(jstr(r.json, "0.body.access_token"), "[present]");
  assert_string_equal(jstr(r.json, "0.body.messaging_type"), "RESPONSE");
  resp_free(&r);
}

static void
test_send_window(void **state)
{
  struct resp r;
  char conv[160], ivan[32], layla[32];

  conv_info("ivan.petrov", conv, ivan);
  conv_info("layla.designs", conv, layla);
  send_text("/v25.0/me/messages?" IG, ivan, "hello", NULL, &r);
  assert_meta_error(&r, 403, 10, 2534022, "IGApiException",
                    "This message is sent outside of allowed window.");
  resp_free(&r);
  send_text("/v25.0/" SANDBOX_PAGE_ID "/messages?" FB, ivan, "hello", NULL,
            &r);
  assert_meta_error(&r, 400, 10, 2018278, "OAuthException",
                    "(#10) This message is sent outside of allowed window. "
                    "Learn more about the new policy here: "
                    "https://developers.facebook.com/docs/"
                    "messenger-platform/policy-overview");
  resp_free(&r);
  /* 24 h - 7 d: only HUMAN_AGENT. */
  send_text("/v25.0/me/messages?" IG, layla, "hello", NULL, &r);
  assert_meta_error(&r, 403, 10, 2534022, "IGApiException", NULL);
  resp_free(&r);
  assert_int_equal(send_text("/v25.0/me/messages?" IG, layla, "hello",
                             "{\"messaging_type\":\"MESSAGE_TAG\","
                             "\"tag\":\"HUMAN_AGENT\"}", &r), 200);
  resp_free(&r);
  send_text("/v25.0/me/messages?" IG, ivan, "hello",
            "{\"messaging_type\":\"MESSAGE_TAG\",\"tag\":\"HUMAN_AGENT\"}",
            &r);
  assert_meta_error(&r, 403, 10, 2534022, "IGApiException", NULL);
  resp_free(&r);
  send_text("/v25.0/me/messages?" IG, layla, "hello",
            "{\"messaging_type\":\"RESPONSE\",\"tag\":\"HUMAN_AGENT\"}", &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException", NULL);
  resp_free(&r);
  /* Each refused send is one request: the log holds the six sends. */
  assert_int_equal(get("/__sandbox/requests", &r), 200);
  assert_int_equal(json_array_size(r.json), 6);
  assert_int_equal(json_integer_value(jget(r.json, "0.status")), 403);
  resp_free(&r);
}

static void
test_send_text_limits(void **state)
{
  struct resp r;
  char conv[160], user[32], text[1200];

  conv_info("maya.ceramics", conv, user);
  memset(text, 'a', 1000);
  text[1000] = '\0';
  assert_int_equal(send_text("/v25.0/me/messages?" IG, user, text, NULL, &r),
                   200);
  resp_free(&r);
  text[1000] = 'a';
  text[1001] = '\0';
  send_text("/v25.0/me/messages?" IG, user, text, NULL, &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException",
                    "Length of param message[text] must be less than or "
                    "equal to 1000");
  resp_free(&r);
  /* 334 characters, 1002 bytes: the limit is in bytes. */
  text[0] = '\0';
  for (int i = 0; i < 334; i++)
    memcpy(text + i * 3, "\xE3\x81\x82", 4);
  send_text("/v25.0/" SANDBOX_PAGE_ID "/messages?" FB, user, text, NULL, &r);
  assert_meta_error(&r, 400, 100, 0, "OAuthException",
                    "(#100) Length of param message[text] must be less than "
                    "or equal to 1000");
  resp_free(&r);
  send_text("/v25.0/me/messages?" IG, user, "", NULL, &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException",
                    "Message cannot be empty, must provide valid attachment "
                    "or text");
  resp_free(&r);
}

static void
test_send_unknown_recipient(void **state)
{
  struct resp r;

  send_text("/v25.0/me/messages?" IG, "1234567890123456", "hi", NULL, &r);
  assert_meta_error(&r, 400, 100, 2534014, "IGApiException", NULL);
  resp_free(&r);
  send_text("/v25.0/" SANDBOX_PAGE_ID "/messages?" FB, "1234567890123456",
            "hi", NULL, &r);
  assert_meta_error(&r, 400, 100, 2018001, "OAuthException",
                    "(#100) No matching user found");
  resp_free(&r);
  post_json("/v25.0/me/messages?" IG, "{\"message\":{\"text\":\"x\"}}", &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException",
                    "The parameter recipient is required");
  resp_free(&r);
}

static void
test_send_reply_and_actions(void **state)
{
  struct resp r;
  char conv[160], user[32], other[160], *path, *extra, target[256];

  conv_info("maya.ceramics", conv, user);
  conv_info("kenji.tanaka", other, NULL);
  path = xasprintf("/v25.0/%s/messages?" IG "&limit=3", conv);
  get(path, &r);
  free(path);
  snprintf(target, sizeof(target), "%s", jstr(r.json, "data.2.id"));
  resp_free(&r);
  extra = xasprintf("{\"reply_to\":{\"mid\":\"%s\"}}", target);
  assert_int_equal(send_text("/v25.0/me/messages?" IG, user, "re", extra,
                             &r), 200);
  free(extra);
  path = xasprintf("/v25.0/%s?" IG "&fields=reply_to",
                   jstr(r.json, "message_id"));
  resp_free(&r);
  assert_int_equal(get(path, &r), 200);
  free(path);
  assert_string_equal(jstr(r.json, "reply_to.mid"), target);
  resp_free(&r);
  /* reply_to must be in the same conversation. */
  path = xasprintf("/v25.0/%s/messages?" IG "&limit=1", other);
  get(path, &r);
  free(path);
  extra = xasprintf("{\"reply_to\":{\"mid\":\"%s\"}}",
                    jstr(r.json, "data.0.id"));
  resp_free(&r);
  send_text("/v25.0/me/messages?" IG, user, "re", extra, &r);
  free(extra);
  assert_meta_error(&r, 400, 100, 0, "IGApiException", NULL);
  resp_free(&r);
  /* Sender actions answer with the recipient only. */
  path = xasprintf("{\"recipient\":{\"id\":\"%s\"},\"sender_action\":"
                   "\"mark_seen\"}", user);
  assert_int_equal(post_json("/v25.0/me/messages?" IG, path, &r), 200);
  free(path);
  assert_int_equal(json_object_size(r.json), 1);
  assert_string_equal(jstr(r.json, "recipient_id"), user);
  resp_free(&r);
  path = xasprintf("{\"recipient\":{\"id\":\"%s\"},\"sender_action\":"
                   "\"typing_on\",\"message\":{\"text\":\"x\"}}", user);
  post_json("/v25.0/me/messages?" IG, path, &r);
  free(path);
  assert_meta_error(&r, 400, 100, 0, "IGApiException", NULL);
  resp_free(&r);
}

/* ---- admin: inbound, clock, reset ------------------------------------- */

static void
test_inbound_opens_window(void **state)
{
  struct resp r, s;
  char conv[160], ivan[32], *body, newid[32];
  long reqs;

  conv_info("ivan.petrov", conv, ivan);
  body = xasprintf("{\"user_id\":\"%s\",\"text\":\"Привет, вы тут?\"}", ivan);
  assert_int_equal(post_json("/__sandbox/inbound", body, &r), 200);
  free(body);
  assert_string_equal(jstr(r.json, "conversation_id"), conv);
  assert_true(matches(jstr(r.json, "message_id"), "^[A-Za-z0-9_-]+$"));
  resp_free(&r);
  assert_int_equal(send_text("/v25.0/me/messages?" IG, ivan, "Да!", NULL,
                             &r), 200);
  resp_free(&r);
  /* A new user lands in requests; answering moves the thread to the
   * inbox. */
  get("/__sandbox/state", &s);
  reqs = json_integer_value(jget(s.json, "requests"));
  resp_free(&s);
  assert_int_equal(post_json("/__sandbox/inbound", "{\"username\":"
                             "\"new.customer\",\"text\":\"hi!\","
                             "\"attachments\":[{\"type\":\"image\"}]}", &r),
                   200);
  snprintf(newid, sizeof(newid), "%s", jstr(r.json, "user_id"));
  assert_true(matches(newid, "^[0-9]{16,17}$"));
  resp_free(&r);
  get("/__sandbox/state", &s);
  assert_int_equal(json_integer_value(jget(s.json, "requests")), reqs + 1);
  resp_free(&s);
  body = xasprintf("/v25.0/me/conversations?" IG "&folder=other&user_id=%s",
                   newid);
  assert_int_equal(get(body, &r), 200);
  assert_int_equal(json_array_size(jget(r.json, "data")), 1);
  resp_free(&r);
  free(body);
  assert_int_equal(send_text("/v25.0/me/messages?" IG, newid, "Welcome!",
                             NULL, &r), 200);
  resp_free(&r);
  get("/__sandbox/state", &s);
  assert_int_equal(json_integer_value(jget(s.json, "requests")), reqs);
  resp_free(&s);
  assert_int_equal(post_json("/__sandbox/inbound",
                             "{\"user_id\":\"999\",\"text\":\"x\"}", &r),
                   404);
  resp_free(&r);
}

static void
test_clock_closes_window(void **state)
{
  struct resp r;
  char conv[160], maya[32];
  int64_t before, after;

  conv_info("maya.ceramics", conv, maya);
  get("/__sandbox/state", &r);
  before = json_integer_value(jget(r.json, "now"));
  resp_free(&r);
  assert_int_equal(post_json("/__sandbox/clock",
                             "{\"advance_seconds\":90000}", &r), 200);
  after = json_integer_value(jget(r.json, "now"));
  assert_true(after - before >= 90000 && after - before < 90010);
  resp_free(&r);
  send_text("/v25.0/me/messages?" IG, maya, "still there?", NULL, &r);
  assert_meta_error(&r, 403, 10, 2534022, "IGApiException", NULL);
  resp_free(&r);
  assert_int_equal(send_text("/v25.0/me/messages?" IG, maya, "agent here",
                             "{\"messaging_type\":\"MESSAGE_TAG\","
                             "\"tag\":\"HUMAN_AGENT\"}", &r), 200);
  resp_free(&r);
  assert_int_equal(admin_post("/__sandbox/clock",
                              "{\"advance_seconds\":604800}"), 200);
  send_text("/v25.0/me/messages?" IG, maya, "agent here",
            "{\"messaging_type\":\"MESSAGE_TAG\",\"tag\":\"HUMAN_AGENT\"}",
            &r);
  assert_meta_error(&r, 403, 10, 2534022, "IGApiException", NULL);
  resp_free(&r);
}

static void
test_admin_reset(void **state)
{
  struct resp r;
  char conv[160], user[32];
  json_int_t msgs;

  get("/__sandbox/state", &r);
  msgs = json_integer_value(jget(r.json, "messages"));
  resp_free(&r);
  conv_info("maya.ceramics", conv, user);
  assert_int_equal(send_text("/v25.0/me/messages?" IG, user, "x", NULL, &r),
                   200);
  resp_free(&r);
  assert_int_equal(admin_post("/__sandbox/inbound", "{\"username\":"
                              "\"someone.new\",\"text\":\"hey\"}"), 200);
  assert_int_equal(admin_post("/__sandbox/clock",
                              "{\"advance_seconds\":1000000}"), 200);
  assert_int_equal(admin_post("/__sandbox/faults",
                              "{\"kind\":\"http_error\",\"status\":500,"
                              "\"count\":5}"), 200);
  get("/__sandbox/state", &r);
  assert_int_equal(json_integer_value(jget(r.json, "messages")), msgs + 2);
  assert_int_equal(json_integer_value(jget(r.json, "faults")), 1);
  resp_free(&r);
  assert_int_equal(post_json("/__sandbox/reset", "", &r), 200);
  assert_int_equal(json_integer_value(jget(r.json, "messages")), msgs);
  assert_int_equal(json_integer_value(jget(r.json, "faults")), 0);
  assert_true(json_integer_value(jget(r.json, "now")) < clock_wall_s() + 5);
  resp_free(&r);
  /* Same world again: maya has the same conversation id. */
  {
    char again[160];
    conv_info("maya.ceramics", again, NULL);
    assert_string_equal(again, conv);
  }
  assert_int_equal(get("/v25.0/me?" IG, &r), 200);
  resp_free(&r);
}

/* ---- faults ----------------------------------------------------------- */

static void
test_fault_throttle(void **state)
{
  struct resp r;
  char h[512];
  json_t *u;

  assert_int_equal(admin_post("/__sandbox/faults",
                              "{\"kind\":\"throttle\",\"code\":80002,"
                              "\"count\":2,\"regain_minutes\":7,"
                              "\"path\":\"/conversations\",\"method\":"
                              "\"GET\"}"), 200);
  /* Not matching the filter: unaffected. */
  assert_int_equal(get("/v25.0/me?" IG, &r), 200);
  resp_free(&r);
  for (int i = 0; i < 2; i++) {
    get("/v25.0/me/conversations?" IG, &r);
    assert_meta_error(&r, 400, 80002, 0, "IGApiException",
                      "There have been too many calls to this Instagram "
                      "account. Wait a bit and try again. For more info, "
                      "please refer to https://developers.facebook.com/docs/"
                      "graph-api/overview/rate-limiting.");
    assert_true(json_is_true(jget(r.json, "error.is_transient")));
    assert_non_null(header(&r, "X-Business-Use-Case-Usage", h, sizeof(h)));
    u = json_loads(h, 0, NULL);
    assert_true(json_integer_value(jget(u, SANDBOX_IG_USER_ID
                                        ".0.call_count")) >= 100);
    assert_int_equal(json_integer_value(jget(u, SANDBOX_IG_USER_ID
                       ".0.estimated_time_to_regain_access")), 7);
    json_decref(u);
    resp_free(&r);
  }
  assert_int_equal(get("/v25.0/me/conversations?" IG, &r), 200);
  header(&r, "X-Business-Use-Case-Usage", h, sizeof(h));
  u = json_loads(h, 0, NULL);
  assert_true(json_integer_value(jget(u, SANDBOX_IG_USER_ID
                                      ".0.call_count")) < 100);
  json_decref(u);
  resp_free(&r);
  /* (#4) on the Facebook host answers 403 with the app usage at 100. */
  assert_int_equal(admin_post("/__sandbox/faults",
                              "{\"kind\":\"throttle\",\"code\":4}"), 200);
  get("/v25.0/me?" FB, &r);
  assert_meta_error(&r, 403, 4, 0, "OAuthException",
                    "(#4) Application request limit reached");
  header(&r, "X-App-Usage", h, sizeof(h));
  u = json_loads(h, 0, NULL);
  assert_int_equal(json_integer_value(jget(u, "call_count")), 100);
  json_decref(u);
  resp_free(&r);
}

static void
test_fault_http_error(void **state)
{
  struct resp r;

  assert_int_equal(admin_post("/__sandbox/faults",
                              "{\"kind\":\"http_error\",\"status\":503,"
                              "\"count\":1}"), 200);
  get("/v25.0/me/conversations?" IG, &r);
  assert_meta_error(&r, 503, 2, 0, "IGApiException",
                    "An unexpected error has occurred. Please retry your "
                    "request later.");
  assert_true(json_is_true(jget(r.json, "error.is_transient")));
  resp_free(&r);
  assert_int_equal(get("/v25.0/me/conversations?" IG, &r), 200);
  resp_free(&r);
  assert_int_equal(admin_post("/__sandbox/faults",
                              "{\"kind\":\"http_error\",\"status\":418}"),
                   400);
}

struct slow_call {
  struct resp r;
};

static void *
slow_thread(void *arg)
{
  struct slow_call *s = arg;
  get("/v25.0/me?" IG, &s->r);
  return NULL;
}

static void
test_fault_delay(void **state)
{
  struct slow_call s;
  struct resp r;
  pthread_t t;
  char h[64];
  int64_t t0;

  assert_int_equal(admin_post("/__sandbox/faults",
                              "{\"kind\":\"delay\",\"ms\":600,\"count\":1,"
                              "\"path\":\"/me\"}"), 200);
  t0 = clock_mono_ms();
  pthread_create(&t, NULL, slow_thread, &s);
  clock_sleep_ms(100);
  /* Another request is not held up by the delayed one. */
  assert_int_equal(get("/v25.0/me/conversations?" IG, &r), 200);
  assert_true(clock_mono_ms() - t0 < 550);
  resp_free(&r);
  pthread_join(t, NULL);
  assert_int_equal(s.r.status, 200);
  assert_true(clock_mono_ms() - t0 >= 600);
  assert_true(strtol(header(&s.r, "X-Sandbox-Time-Us", h, sizeof(h)), NULL,
                     10) >= 600000);
  resp_free(&s.r);
  /* GET /__sandbox/stats sums the Graph requests' times, delays included
   * (the benchmarks subtract it); admin requests are not counted. */
  assert_int_equal(get("/__sandbox/stats", &r), 200);
  assert_true(json_integer_value(json_object_get(r.json, "requests")) >= 2);
  assert_true(json_integer_value(json_object_get(r.json, "time_us")) >=
              600000);
  {
    json_int_t n = json_integer_value(json_object_get(r.json, "requests"));
    resp_free(&r);
    assert_int_equal(get("/__sandbox/stats", &r), 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "requests")),
                     n);
  }
  resp_free(&r);
}

/* ---- request log and robustness --------------------------------------- */

static void
test_requests_log_redacts(void **state)
{
  struct resp r;
  char proof[65], *path, *body;

  crypto_hmac_sha256_hex(SANDBOX_APP_SECRET, strlen(SANDBOX_APP_SECRET),
                         SANDBOX_FB_TOKEN, strlen(SANDBOX_FB_TOKEN), proof);
  path = xasprintf("/v25.0/" SANDBOX_PAGE_ID "/conversations?" FB
                   "&platform=instagram&appsecret_proof=%s", proof);
  assert_int_equal(get(path, &r), 200);
  resp_free(&r);
  free(path);
  body = xasprintf("{\"access_token\":\"%s\",\"recipient\":{\"id\":\"1\"},"
                   "\"message\":{\"text\":\"x\"}}", SANDBOX_IG_TOKEN);
  post_json("/v25.0/me/messages", body, &r);
  free(body);
  resp_free(&r);
  assert_int_equal(get("/__sandbox/requests", &r), 200);
  assert_int_equal(json_array_size(r.json), 2);
  assert_string_equal(jstr(r.json, "0.method"), "GET");
  assert_string_equal(jstr(r.json, "0.path"),
                      "/v25.0/" SANDBOX_PAGE_ID "/conversations");
  assert_string_equal(jstr(r.json, "0.query.platform"), "instagram");
  assert_string_equal(jstr(r.json, "0.query.access_token"), "[present]");
  assert_string_equal(jstr(r.json, "0.query.appsecret_proof"), "[present]");
  assert_int_equal(json_integer_value(jget(r.json, "0.status")), 200);
  assert_string_equal(jstr(r.json, "1.body.access_token"), "[present]");
  assert_string_equal(jstr(r.json, "1.body.recipient.id"), "1");
  assert_string_equal(jstr(r.json, "1.token_via"), "body");
  assert_null(strstr(buf_cstr(&r.body), SANDBOX_IG_TOKEN));
  assert_null(strstr(buf_cstr(&r.body), SANDBOX_FB_TOKEN));
  assert_null(strstr(buf_cstr(&r.body), proof));
  resp_free(&r);
  assert_int_equal(get("/__sandbox/requests?limit=1", &r), 200);
  assert_int_equal(json_array_size(r.json), 1);
  assert_string_equal(jstr(r.json, "0.method"), "POST");
  resp_free(&r);
}

static void
test_malformed_input(void **state)
{
  struct resp r;
  char *big;
  const size_t bigsz = 1536 * 1024;

  post_json("/v25.0/me/messages?" IG, "{\"recipient\":", &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException", NULL);
  resp_free(&r);
  req("POST", "/v25.0/me/messages?" IG, "application/x-www-form-urlencoded",
      "recipient=%7Bnot-json&message=%ZZ", 33, NULL, &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException", NULL);
  resp_free(&r);
  /* Bytes that are not UTF-8, in a path and in fields. */
  get("/v25.0/%FF%FE%00?" IG, &r);
  assert_meta_error(&r, 400, 100, 33, "IGApiException", NULL);
  resp_free(&r);
  get("/v25.0/me/conversations?" IG "&fields=id,%C3%28", &r);
  assert_non_null(r.json);
  assert_int_equal(r.status, 400);
  resp_free(&r);
  get("/v25.0/me/conversations?" IG "&fields=messages{a{b{c{d{e}}}}}", &r);
  assert_meta_error(&r, 400, 2500, 0, "IGApiException", NULL);
  resp_free(&r);
  get("/v25.0/me/conversations?" IG "&limit=abc", &r);
  assert_meta_error(&r, 400, 100, 0, "IGApiException", NULL);
  resp_free(&r);
  /* A body over the cap. */
  big = xmalloc(bigsz);
  memset(big, 'a', bigsz);
  req("POST", "/v25.0/me/messages?" IG, "application/json", big, bigsz,
      NULL, &r);
  assert_meta_error(&r, 413, 1, 0, "IGApiException", NULL);
  resp_free(&r);
  free(big);
  /* The sandbox is still answering. */
  assert_int_equal(get("/v25.0/me?" IG, &r), 200);
  resp_free(&r);
  assert_int_equal(get("/__sandbox/nope", &r), 404);
  resp_free(&r);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_token_missing, setup),
    cmocka_unit_test_setup(test_token_invalid, setup),
    cmocka_unit_test_setup(test_token_expired, setup),
    cmocka_unit_test_setup(test_token_places, setup),
    cmocka_unit_test_setup(test_appsecret_proof, setup),
    cmocka_unit_test_setup(test_hosts_differ, setup),
    cmocka_unit_test_setup(test_account_nodes, setup),
    cmocka_unit_test_setup(test_world_shape, setup),
    cmocka_unit_test_setup(test_world_text_and_attachments, setup),
    cmocka_unit_test_setup(test_world_deterministic, setup),
    cmocka_unit_test_setup(test_conversation_paging, setup),
    cmocka_unit_test_setup(test_user_id_lookup, setup),
    cmocka_unit_test_setup(test_conversation_fields, setup),
    cmocka_unit_test_setup(test_messages_edge_detail_window, setup),
    cmocka_unit_test_setup(test_send_success, setup),
    cmocka_unit_test_setup(test_send_form_fb_host, setup),
    cmocka_unit_test_setup(test_send_window, setup),
    cmocka_unit_test_setup(test_send_text_limits, setup),
    cmocka_unit_test_setup(test_send_unknown_recipient, setup),
    cmocka_unit_test_setup(test_send_reply_and_actions, setup),
    cmocka_unit_test_setup(test_inbound_opens_window, setup),
    cmocka_unit_test_setup(test_clock_closes_window, setup),
    cmocka_unit_test_setup(test_admin_reset, setup),
    cmocka_unit_test_setup(test_fault_throttle, setup),
    cmocka_unit_test_setup(test_fault_http_error, setup),
    cmocka_unit_test_setup(test_fault_delay, setup),
    cmocka_unit_test_setup(test_requests_log_redacts, setup),
    cmocka_unit_test_setup(test_malformed_input, setup),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
