/* SPDX-License-Identifier: MIT */
/*
 * sandbox.c: the sandbox's HTTP layer on libmicrohttpd.
 *
 * One thread per connection, so a delayed response never holds up another
 * request.  Each request is collected (body capped at SBX_BODY_MAX),
 * parsed into a struct sbx_req, and answered with the world mutex held:
 * admin requests go to admin.c, Graph requests pass through token and
 * appsecret_proof checks and the fault injector before the routes.  The
 * response carries Meta's headers for the emulated host (version, usage,
 * WWW-Authenticate on errors) and X-Sandbox-Time-Us.
 *
 * Ownership: struct sandbox owns the daemon, the world, the faults and
 * the request log; sandbox_stop releases all of it after the daemon's
 * threads have finished.  Per-connection state lives in struct conn,
 * freed by the completion callback.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/log.h"
#include "../base/url.h"
#include "../base/xalloc.h"
#include "sbx.h"

const struct sbx_ident sbx_ident_first = {
  SANDBOX_IG_TOKEN, SANDBOX_FB_TOKEN, SBX_IG_USER_ID_1, SBX_IG_USERNAME_1,
  "100000000000001", "26000000000000001",
};
const struct sbx_ident sbx_ident_second = {
  SANDBOX_IG_TOKEN_2, SANDBOX_FB_TOKEN_2, SANDBOX_IG_USER_ID_2,
  SANDBOX_IG_USERNAME_2, SANDBOX_PAGE_ID_2, SANDBOX_IG_SCOPED_ID_2,
};
_Thread_local const struct sbx_ident *sbx_id = &sbx_ident_first;

struct conn {
  struct buf body;
  int too_big;
  int64_t t0_us;
};

static int64_t
now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
            const char *value)
{
  json_t *q = cls;
  json_t *k = sbx_jstr(key);

  json_object_set_new(q, json_string_value(k), sbx_jstr(value));
  json_decref(k);
  return MHD_YES;
}

/* Splits an application/x-www-form-urlencoded body into an object of
 * strings.  Malformed escapes are kept as sent. */
static json_t *
parse_form(const char *data, size_t len)
{
  json_t *o = json_object();
  char *copy = xstrndup(data, len), *p = copy;

  while (p != NULL && *p != '\0') {
    char *amp = strchr(p, '&'), *eq, *k, *v;
    json_t *key;
    if (amp != NULL)
      *amp = '\0';
    eq = strchr(p, '=');
    if (eq != NULL)
      *eq = '\0';
    k = xstrdup(p);
    v = xstrdup(eq != NULL ? eq + 1 : "");
    if (url_decode(k) < 0) {
      free(k);
      k = xstrdup(p);
    }
    if (url_decode(v) < 0) {
      free(v);
      v = xstrdup(eq != NULL ? eq + 1 : "");
    }
    if (*k != '\0') {
      key = sbx_jstr(k);
      json_object_set_new(o, json_string_value(key), sbx_jstr(v));
      json_decref(key);
    }
    free(k);
    free(v);
    p = amp != NULL ? amp + 1 : NULL;
  }
  free(copy);
  return o;
}

/* Parses the body by content type; returns -1 for a body that claims to
 * be JSON and is not a JSON object. */
static int
parse_body(struct sbx_req *r, const char *ctype, const char *data,
           size_t len)
{
  size_t i = 0;
  int json_like;

  if (len == 0)
    return 0;
  while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' ||
                     data[i] == '\r'))
    i++;
  json_like = ctype != NULL
    ? strncasecmp(ctype, "application/json", 16) == 0
    : (i < len && (data[i] == '{' || data[i] == '['));
  if (json_like) {
    r->body = json_loadb(data, len, 0, NULL);
    if (!json_is_object(r->body)) {
      json_decref(r->body);
      r->body = NULL;
      return -1;
    }
    return 0;
  }
  if (ctype == NULL ||
      strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0)
    r->body = parse_form(data, len);
  /* multipart and other types are not understood; the body is ignored */
  return 0;
}

/* Finds the token: access_token in the query, in the body, or an
 * Authorization header (Bearer or OAuth). */
static const char *
find_token(struct sbx_req *r, struct MHD_Connection *c, const char **via)
{
  const char *t = json_string_value(json_object_get(r->query,
                                                    "access_token"));
  const char *h;

  if (t != NULL && *t != '\0') {
    *via = "query";
    return t;
  }
  if (r->body != NULL &&
      (t = json_string_value(json_object_get(r->body, "access_token"))) &&
      *t != '\0') {
    *via = "body";
    return t;
  }
  h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  if (h != NULL) {
    if (strncasecmp(h, "Bearer ", 7) == 0 || strncasecmp(h, "OAuth ", 6) == 0) {
      h = strchr(h, ' ');
      while (*h == ' ')
        h++;
      if (*h != '\0') {
        *via = "header";
        return h;
      }
    }
  }
  *via = NULL;
  return NULL;
}

/* The token decides which host is emulated; without one, the
 * X-Sandbox-Host header can ask for graph.instagram.com. */
static enum sbx_host
pick_host(const char *token, struct MHD_Connection *c)
{
  const char *h;

  if (token != NULL && strncmp(token, "IGAA", 4) == 0)
    return SBX_HOST_IG;
  if (token != NULL && strncmp(token, "EAA", 3) == 0)
    return SBX_HOST_FB;
  h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sandbox-Host");
  if (h != NULL && (strcasecmp(h, "instagram") == 0 ||
                    strcasecmp(h, "graph.instagram.com") == 0))
    return SBX_HOST_IG;
  return SBX_HOST_FB;
}

/* Meta prints expiry dates in Pacific time; a fixed PDT offset will do. */
void
sbx_meta_date(int64_t t, char out[64])
{
  time_t tt = (time_t)(t - 7 * 3600);
  struct tm tm;
  char day[40], hms[16];

  gmtime_r(&tt, &tm);
  strftime(day, sizeof(day), "%A, %d-%b", &tm);
  strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
  /* Meta prints a two-digit year, which strftime's %y would warn about. */
  snprintf(out, 64, "%s-%02d %s PDT", day, (tm.tm_year + 1900) % 100, hms);
}

/* Token, expiry and appsecret_proof checks.  Returns -1 with the error
 * response set when the request may not go on. */
static int
check_auth(struct sbx_req *r, const char *token)
{
  struct sandbox *sb = r->sb;
  const char *proof;
  char want[65];
  int64_t gone;

  if (token == NULL) {
    sbx_error(r, 400, SBX_ET_HOST, 2500, 0, "An active access token must "
              "be used to query information about the current user.");
    return -1;
  }
  if (r->tok == SBX_TOK_NONE) {
    sbx_error(r, 400, SBX_ET_OAUTH, 190, 0,
              "Invalid OAuth access token - Cannot parse access token");
    return -1;
  }
  gone = sb->tokens[r->tok].expired_at;
  if (r->dyn)
    gone = r->dyn_expires_at != 0 && world_now(&sb->world) >=
           r->dyn_expires_at ? r->dyn_expires_at : 0;
  if (gone != 0) {
    char then[64], now[64];
    sbx_meta_date(gone, then);
    sbx_meta_date(world_now(&sb->world), now);
    sbx_error(r, 400, SBX_ET_OAUTH, 190, 463, "Error validating access "
              "token: Session has expired on %s. The current time is %s.",
              then, now);
    return -1;
  }
  proof = sbx_param(r, "appsecret_proof");
  if (proof == NULL) {
    if (!sb->require_proof)
      return 0;
    sbx_error(r, 400, SBX_ET_METHOD, 100, 0,
              "API calls from the server require an appsecret_proof "
              "argument");
    return -1;
  }
  if (crypto_hmac_sha256_hex(sb->app_secret, strlen(sb->app_secret), token,
                             strlen(token), want) != 0 ||
      strlen(proof) != 64 || strncasecmp(proof, want, 64) != 0) {
    sbx_error(r, 400, SBX_ET_METHOD, 100, 0,
              "Invalid appsecret_proof provided in the API argument");
    return -1;
  }
  return 0;
}

static int
fault_matches(const struct sbx_fault *f, const char *method,
              const char *url)
{
  if (f->count <= 0)
    return 0;
  if (f->method[0] != '\0' && strcasecmp(f->method, method) != 0)
    return 0;
  return f->path[0] == '\0' || strstr(url, f->path) != NULL;
}

/* Takes one hit of the first matching fault of a kind; returns it or
 * NULL.  The returned pointer is valid while the mutex is held. */
static struct sbx_fault *
take_fault(struct sandbox *sb, int want_delay, const char *method,
           const char *url)
{
  for (size_t i = 0; i < sb->nfaults; i++) {
    struct sbx_fault *f = &sb->faults[i];
    if ((f->kind == SBX_FAULT_DELAY) != want_delay ||
        !fault_matches(f, method, url))
      continue;
    f->count--;
    return f;
  }
  return NULL;
}

/* The error of a throttle fault, in Meta's words for its code. */
static void
throttle_error(struct sbx_req *r, const struct sbx_fault *f)
{
  const char *text;
  unsigned status = 400;
  int ig = r->host == SBX_HOST_IG;

  switch (f->code) {
  case 4:
    text = ig ? "Application request limit reached"
              : "(#4) Application request limit reached";
    status = 403;
    break;
  case 17:
    text = ig ? "User request limit reached"
              : "(#17) User request limit reached";
    break;
  case 32:
    text = ig ? "Page request limit reached"
              : "(#32) Page request limit reached";
    break;
  case 613:
    text = ig ? "Calls to this api have exceeded the rate limit."
              : "(#613) Calls to this api have exceeded the rate limit.";
    break;
  default:
    text = "There have been too many calls to this Instagram account. "
           "Wait a bit and try again. For more info, please refer to "
           "https://developers.facebook.com/docs/graph-api/overview/"
           "rate-limiting.";
    break;
  }
  sbx_error_full(r, status, ig ? "IGApiException" : "OAuthException",
                 f->code, 0, 1, NULL, NULL, text);
  r->throttled = 1;
  r->regain_minutes = f->regain_minutes;
}

static void
http_fault_error(struct sbx_req *r, const struct sbx_fault *f)
{
  int code = f->code != 0 ? f->code : (f->status == 500 ? 1 : 2);
  const char *text = code == 1
    ? "An unknown error occurred"
    : "An unexpected error has occurred. Please retry your request later.";

  sbx_error_full(r, f->status, r->host == SBX_HOST_IG ? "IGApiException"
                                                      : "OAuthException",
                 code, 0, 1, NULL, NULL, text);
}

/* A copy of a parameter object with secrets replaced by "[present]". */
static json_t *
redact(const json_t *in)
{
  static const char *const secret[] = { "access_token", "appsecret_proof",
    "client_secret", "fb_exchange_token", "input_token", "code", NULL };
  json_t *o;
  const char *k;
  json_t *v;

  if (in == NULL)
    return json_null();
  o = json_deep_copy(in);
  json_object_foreach(o, k, v) {
    for (size_t i = 0; secret[i] != NULL; i++)
      if (strcmp(k, secret[i]) == 0)
        json_object_set_new(o, k, json_string("[present]"));
  }
  return o;
}

void
sbx_token_count(struct sbx_token *t, int64_t now_ms)
{
  int64_t m = now_ms / 60000;
  int b = (int)(m % 60);

  t->calls++;
  if (t->minute[b] != m) {
    t->minute[b] = m;
    t->per_minute[b] = 0;
  }
  t->per_minute[b]++;
}

int
sbx_token_usage(const struct sbx_token *t, int64_t now_ms)
{
  int64_t m = now_ms / 60000;
  uint64_t n = 0;
  int pct;

  for (int b = 0; b < 60; b++)
    if (t->minute[b] > m - 60 && t->minute[b] <= m)
      n += t->per_minute[b];
  pct = (int)(n * 100 / SBX_HOURLY_CALLS);
  if (pct < t->usage_floor)
    pct = t->usage_floor;
  return pct > 100 ? 100 : pct;
}

/* X-App-Usage (or IG's x-app-usage) and X-Business-Use-Case-Usage from
 * the token's calls in the trailing hour (time and CPU follow at fixed
 * ratios); 100 and the regain time while throttled. */
static void
usage_headers(struct sbx_req *r, struct MHD_Response *resp)
{
  const struct sbx_token *t = &r->sb->tokens[r->tok];
  long cc = sbx_token_usage(t, world_now(&r->sb->world));
  long tt = cc * 2 / 3, cpu = cc * 2 / 5;
  char *app, *buc;
  const char *owner = r->host == SBX_HOST_IG ? SANDBOX_IG_USER_ID
                                             : SANDBOX_PAGE_ID;

  if (r->throttled)
    cc = tt = cpu = 100;
  if (r->host == SBX_HOST_IG) {
    app = xasprintf("{\"call_volume\":%ld,\"cpu_time\":%ld}", cc, cpu);
    MHD_add_response_header(resp, "x-app-usage", app);
  } else {
    app = xasprintf("{\"call_count\":%ld,\"total_time\":%ld,"
                    "\"total_cputime\":%ld}", cc, tt, cpu);
    MHD_add_response_header(resp, "X-App-Usage", app);
  }
  buc = xasprintf("{\"%s\":[{\"type\":\"%s\",\"call_count\":%ld,"
                  "\"total_cputime\":%ld,\"total_time\":%ld,"
                  "\"estimated_time_to_regain_access\":%d}]}",
                  owner, r->buc_type, cc, cpu, tt,
                  r->throttled ? r->regain_minutes : 0);
  MHD_add_response_header(resp, "X-Business-Use-Case-Usage", buc);
  free(app);
  free(buc);
}

/* Serialises r->resp as Meta does (ASCII-escaped, slashes escaped) and
 * adds the host's headers. */
static struct MHD_Response *
build_response(struct sbx_req *r, int admin, int64_t t0)
{
  size_t flags = JSON_COMPACT;
  char *body, num[32];
  struct MHD_Response *resp;

  if (!admin)
    flags |= JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH;
  if (r->resp == NULL)
    r->resp = json_object();
  body = json_dumps(r->resp, flags);
  if (body == NULL)
    body = xstrdup("{}");
  resp = MHD_create_response_from_buffer(strlen(body), body,
                                         MHD_RESPMEM_MUST_FREE);
  MHD_add_response_header(resp, "Content-Type",
                          "application/json; charset=UTF-8");
  if (!admin) {
    if (r->fbtrace[0] == '\0')
      sbx_fbtrace(r->fbtrace);
    MHD_add_response_header(resp, "x-fb-trace-id", r->fbtrace);
    MHD_add_response_header(resp, r->host == SBX_HOST_IG
                                    ? "instagram-api-version"
                                    : "facebook-api-version", r->version);
    if (r->tok != SBX_TOK_NONE)
      usage_headers(r, resp);
    if (r->www_auth != NULL)
      MHD_add_response_header(resp, "WWW-Authenticate", r->www_auth);
    if (r->location != NULL)
      MHD_add_response_header(resp, "Location", r->location);
  }
  {
    int64_t took = now_us() - t0;
    snprintf(num, sizeof(num), "%lld", (long long)took);
    if (!admin) {
      __atomic_add_fetch(&r->sb->stat_requests, 1, __ATOMIC_RELAXED);
      __atomic_add_fetch(&r->sb->stat_time_us, (uint64_t)took,
                         __ATOMIC_RELAXED);
    }
  }
  MHD_add_response_header(resp, "X-Sandbox-Time-Us", num);
  return resp;
}

/* Body faults that still send JSON: a huge answer, or wrong types. */
static void
mangle(struct sbx_req *r)
{
  if (r->mangle == SBX_MANGLE_HUGE) {
    json_t *pad = json_array();
    char *blob = xcalloc(1, 4097);

    memset(blob, 'x', 4096);
    for (int i = 0; i < 2300; i++) /* about 9 MiB */
      json_array_append_new(pad, json_string(blob));
    free(blob);
    json_object_set_new(r->resp, "padding", pad);
    r->status = 200;
  } else if (r->mangle == SBX_MANGLE_WRONG_TYPE) {
    const char *k;
    json_t *v;
    void *tmp;

    /* Every key keeps its name and gets a value of another type. */
    json_object_foreach_safe(r->resp, tmp, k, v) {
      if (json_is_string(v))
        json_object_set_new(r->resp, k, json_integer(12345));
      else if (json_is_array(v) || json_is_object(v))
        json_object_set_new(r->resp, k, json_string("unexpected"));
      else
        json_object_set_new(r->resp, k, json_pack("[s]", "unexpected"));
    }
    r->status = 200;
  }
}

/* not_json: an HTML page; truncated: the first half of the JSON. */
static struct MHD_Response *
mangled_response(struct sbx_req *r)
{
  struct MHD_Response *resp;
  char *body;

  if (r->mangle == SBX_MANGLE_NOT_JSON) {
    body = xstrdup("<!DOCTYPE html><html><head><title>Error</title></head>"
                   "<body>Sorry, something went wrong.</body></html>");
  } else {
    body = json_dumps(r->resp, JSON_COMPACT);
    if (body == NULL)
      body = xstrdup("{\"data\":[{\"id\":");
    body[strlen(body) / 2] = '\0';
  }
  resp = MHD_create_response_from_buffer(strlen(body), body,
                                         MHD_RESPMEM_MUST_FREE);
  MHD_add_response_header(resp, "Content-Type",
                          r->mangle == SBX_MANGLE_NOT_JSON
                            ? "text/html; charset=utf-8"
                            : "application/json; charset=UTF-8");
  r->status = 200;
  return resp;
}

/* Splits the URL into version and path; returns 1 for the admin API. */
static int
split_url(struct sbx_req *r, const char *url, const char **admin_sub)
{
  const char *p = url;
  size_t n;

  while (*p == '/')
    p++;
  if (strncmp(p, "__sandbox", 9) == 0 && (p[9] == '/' || p[9] == '\0')) {
    *admin_sub = p[9] == '/' ? p + 10 : "";
    return 1;
  }
  snprintf(r->version, sizeof(r->version), "%s", SBX_DEFAULT_VERSION);
  if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9') {
    const char *q = p + 1;
    while ((*q >= '0' && *q <= '9') || *q == '.')
      q++;
    if (*q == '/' || *q == '\0') {
      n = (size_t)(q - p);
      if (n < sizeof(r->version))
        snprintf(r->version, sizeof(r->version), "%.*s", (int)n, p);
      p = *q == '/' ? q + 1 : q;
    }
  }
  r->path = xstrdup(p);
  n = strlen(r->path);
  while (n > 0 && r->path[n - 1] == '/')
    r->path[--n] = '\0';
  return 0;
}

static json_t *
log_entry(struct sbx_req *r, const char *url, const char *via)
{
  return json_pack("{s:o,s:o,s:o,s:o,s:i,s:s,s:o}",
                   "method", sbx_jstr(r->method), "path", sbx_jstr(url),
                   "query", redact(r->query), "body", redact(r->body),
                   "status", (int)r->status,
                   "host", r->host == SBX_HOST_IG ? "graph.instagram.com"
                                                  : "graph.facebook.com",
                   "token_via", via != NULL ? json_string(via)
                                            : json_null());
}

static void
sleep_unless_stopping(struct sandbox *sb, long ms)
{
  while (ms > 0 && !__atomic_load_n(&sb->stopping, __ATOMIC_ACQUIRE)) {
    long step = ms > 10 ? 10 : ms;
    clock_sleep_ms(step);
    ms -= step;
  }
}

/* Answers one complete request. */
static enum MHD_Result
answer(struct sandbox *sb, struct MHD_Connection *c, struct conn *cx,
       const char *url, const char *method)
{
  struct sbx_req r;
  const char *admin_sub = NULL, *token, *via = NULL;
  const char *ctype;
  int admin, bad_body = 0;
  long delay = 0;
  struct MHD_Response *resp;
  enum MHD_Result ret;

  memset(&r, 0, sizeof(r));
  r.sb = sb;
  r.method = method;
  r.tok = SBX_TOK_NONE;
  r.status = 200;
  r.query = json_object();
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, r.query);
  {
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    r.host_hdr = h != NULL ? xstrdup(h)
                           : xasprintf("127.0.0.1:%u", (unsigned)sb->port);
  }
  ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
  admin = split_url(&r, url, &admin_sub);
  if (!cx->too_big)
    bad_body = parse_body(&r, ctype, buf_cstr(&cx->body), cx->body.len);
  token = find_token(&r, c, &via);
  /* The second account's tokens: its own state answers, as it. */
  sbx_id = &sbx_ident_first;
  if (!admin && token != NULL && sb->second != NULL &&
      (strcmp(token, sb->second->tokens[SBX_TOK_IG].value) == 0 ||
       strcmp(token, sb->second->tokens[SBX_TOK_FB].value) == 0)) {
    sb = sb->second;
    r.sb = sb;
    sbx_id = sb->ident;
  }
  r.host = pick_host(token, c);
  r.buc_type = r.host == SBX_HOST_IG ? "instagram" : "pages";

  pthread_mutex_lock(&sb->mu);
  if (admin) {
    sbx_admin(&r, admin_sub);
    pthread_mutex_unlock(&sb->mu);
    goto respond;
  }
  if (token != NULL)
    for (int i = 0; i < 2; i++)
      if (strcmp(token, sb->tokens[i].value) == 0)
        r.tok = (enum sbx_token_kind)i;
  if (token != NULL && r.tok == SBX_TOK_NONE)
    sbx_oauth_resolve(&r, token);
  if (r.tok != SBX_TOK_NONE)
    sbx_token_count(&sb->tokens[r.tok], world_now(&sb->world));
  {
    struct sbx_fault *f = take_fault(sb, 1, method, url);
    delay = f != NULL ? f->delay_ms : 0;
  }
  if (cx->too_big) {
    sbx_error_full(&r, 413, r.host == SBX_HOST_IG ? "IGApiException"
                                                  : "OAuthException",
                   1, 0, 0, NULL, NULL, "Request body is too large");
  } else if (bad_body) {
    sbx_err_param(&r, "Request body is not a valid JSON object");
  } else {
    struct sbx_fault *f = take_fault(sb, 0, method, url);
    if (f != NULL && f->kind == SBX_FAULT_HTTP)
      http_fault_error(&r, f);
    else if (sbx_route_app_subscriptions(&r, token)) {
      if (f != NULL)
        f->count++; /* app-token routes are not throttled */
    } else if (sbx_route_oauth(&r, token)) {
      if (f != NULL)
        f->count++; /* nor are the login dialogs and code exchanges */
    } else if (check_auth(&r, token) == 0) {
      if (f != NULL && f->kind == SBX_FAULT_BODY) {
        sbx_route(&r); /* it happens; only the answer is lost or bad */
        r.mangle = f->mangle;
      } else if (f != NULL) {
        throttle_error(&r, f);
      } else {
        sbx_route(&r);
      }
    } else if (f != NULL) {
      f->count++; /* an auth failure does not use up a throttle */
    }
  }
  sbx_log_push(sb, log_entry(&r, url, via));
  pthread_mutex_unlock(&sb->mu);
  sleep_unless_stopping(sb, delay);

respond:
  if (r.mangle == SBX_MANGLE_RESET) {
    ret = MHD_NO; /* libmicrohttpd closes the connection unanswered */
    goto done;
  }
  mangle(&r);
  resp = build_response(&r, admin, cx->t0_us);
  if (r.mangle == SBX_MANGLE_NOT_JSON || r.mangle == SBX_MANGLE_TRUNCATED) {
    MHD_destroy_response(resp);
    resp = mangled_response(&r);
  }
  ret = MHD_queue_response(c, r.status, resp);
  MHD_destroy_response(resp);
done:
  json_decref(r.query);
  json_decref(r.body);
  json_decref(r.resp);
  free(r.path);
  free(r.host_hdr);
  free(r.www_auth);
  free(r.location);
  return ret;
}

/* libmicrohttpd's access handler: first call sets up the connection
 * state, middle calls collect the body, the last call answers. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload_data,
           size_t *upload_data_size, void **con_cls)
{
  struct conn *cx = *con_cls;

  if (cx == NULL) {
    const char *cl;
    cx = xcalloc(1, sizeof(*cx));
    cx->t0_us = now_us();
    buf_init(&cx->body, SBX_BODY_MAX);
    cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl != NULL && strtoull(cl, NULL, 10) > SBX_BODY_MAX)
      cx->too_big = 1;
    *con_cls = cx;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    if (!cx->too_big &&
        buf_append(&cx->body, upload_data, *upload_data_size) != 0) {
      cx->too_big = 1;
      buf_free(&cx->body);
      buf_init(&cx->body, SBX_BODY_MAX);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  return answer(cls, c, cx, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
  struct conn *cx = *con_cls;

  if (cx != NULL) {
    buf_free(&cx->body);
    free(cx);
    *con_cls = NULL;
  }
}

void
sbx_log_push(struct sandbox *sb, json_t *entry)
{
  json_decref(sb->log[sb->log_next]);
  sb->log[sb->log_next] = entry;
  sb->log_next = (sb->log_next + 1) % SBX_LOG_MAX;
  if (sb->log_count < SBX_LOG_MAX)
    sb->log_count++;
}

void
sbx_reset(struct sandbox *sb)
{
  const struct sbx_ident *was = sbx_id;

  if (sb->second != NULL) {
    pthread_mutex_lock(&sb->second->mu);
    sbx_reset(sb->second);
    pthread_mutex_unlock(&sb->second->mu);
  }
  sbx_id = sb->ident;
  sb->world.offset = 0;
  world_build(&sb->world, sb->seed, world_now(&sb->world));
  sb->nfaults = 0;
  sb->require_proof = 0;
  sb->revoked_scopes = 0;
  sb->account_type = NULL;
  for (int i = 0; i < 2; i++) {
    sb->tokens[i].expired_at = 0;
    sb->tokens[i].calls = 0;
    sb->tokens[i].usage_floor = 0;
    memset(sb->tokens[i].minute, 0, sizeof(sb->tokens[i].minute));
    memset(sb->tokens[i].per_minute, 0, sizeof(sb->tokens[i].per_minute));
  }
  sbx_id = was;
}

/* The state of one account: its world, tokens and hooks (no daemon). */
static struct sandbox *
state_new(const struct sandbox_opts *o, const struct sbx_ident *id,
          uint64_t seed)
{
  struct sandbox *sb = xcalloc(1, sizeof(*sb));

  pthread_mutex_init(&sb->mu, NULL);
  sb->ident = id;
  sb->app_secret = xstrdup(o != NULL && o->app_secret != NULL
                           ? o->app_secret : SANDBOX_APP_SECRET);
  sb->seed = seed;
  sb->tokens[SBX_TOK_IG].value = id->ig_token;
  sb->tokens[SBX_TOK_FB].value = id->fb_token;
  hooks_init(&sb->hooks);
  sb->hooks.secret = xstrdup(sb->app_secret);
  return sb;
}

static void
state_free(struct sandbox *s)
{
  hooks_free(&s->hooks);
  sbx_oauth_free(s->oauth);
  world_free(&s->world);
  for (size_t i = 0; i < SBX_LOG_MAX; i++)
    json_decref(s->log[i]);
  free(s->app_secret);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

/* Builds the world and starts the daemon on bind_addr:port. */
struct sandbox *
sandbox_start(const struct sandbox_opts *o, struct err *e)
{
  struct sandbox *sb;
  const char *addr = o != NULL && o->bind_addr != NULL ? o->bind_addr
                                                       : "127.0.0.1";
  struct sockaddr_in sa4;
  struct sockaddr_in6 sa6;
  struct sockaddr *sa;
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                   MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
  const union MHD_DaemonInfo *info;

  memset(&sa4, 0, sizeof(sa4));
  memset(&sa6, 0, sizeof(sa6));
  if (inet_pton(AF_INET, addr, &sa4.sin_addr) == 1) {
    sa4.sin_family = AF_INET;
    sa4.sin_port = htons(o != NULL ? o->port : 0);
    sa = (struct sockaddr *)&sa4;
  } else if (inet_pton(AF_INET6, addr, &sa6.sin6_addr) == 1) {
    sa6.sin6_family = AF_INET6;
    sa6.sin6_port = htons(o != NULL ? o->port : 0);
    sa = (struct sockaddr *)&sa6;
    flags |= MHD_USE_IPv6;
  } else {
    err_set(e, ERR_CONFIG, "sandbox: bad bind address '%s'", addr);
    return NULL;
  }
  /* The webhook thread and the subscription handshake use libcurl;
   * balanced by sandbox_stop (the init is reference-counted). */
  curl_global_init(CURL_GLOBAL_DEFAULT);
  sb = state_new(o, &sbx_ident_first, o != NULL ? o->seed : 0);
  /* The second account's world is seeded apart from the first's. */
  sb->second = state_new(o, &sbx_ident_second,
                         (o != NULL ? o->seed : 0) + 7919);
  sbx_reset(sb);
  sb->daemon = MHD_start_daemon(
    flags, o != NULL ? o->port : 0, NULL, NULL, on_request, sb,
    MHD_OPTION_SOCK_ADDR, sa,
    MHD_OPTION_NOTIFY_COMPLETED, on_completed, sb,
    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
    MHD_OPTION_END);
  if (sb->daemon == NULL) {
    err_set(e, ERR_IO, "sandbox: cannot listen on %s port %u", addr,
            o != NULL ? (unsigned)o->port : 0u);
    sandbox_stop(sb);
    return NULL;
  }
  info = MHD_get_daemon_info(sb->daemon, MHD_DAEMON_INFO_BIND_PORT);
  sb->port = info != NULL ? info->port : (o != NULL ? o->port : 0);
  sb->second->port = sb->port;
  log_debug("sandbox: listening on %s port %u", addr, (unsigned)sb->port);
  return sb;
}

uint16_t
sandbox_port(const struct sandbox *s)
{
  return s->port;
}

int64_t
sandbox_now_ms(void *arg)
{
  struct sandbox *s = arg;
  int64_t off;

  pthread_mutex_lock(&s->mu);
  off = s->world.offset;
  pthread_mutex_unlock(&s->mu);
  return clock_wall_ms() + off * 1000;
}

/* Stops the daemon (waiting for its threads) and frees everything. */
void
sandbox_stop(struct sandbox *s)
{
  if (s == NULL)
    return;
  __atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
  if (s->second != NULL)
    __atomic_store_n(&s->second->stopping, 1, __ATOMIC_RELEASE);
  if (s->daemon != NULL)
    MHD_stop_daemon(s->daemon);
  if (s->second != NULL)
    state_free(s->second);
  state_free(s);
  curl_global_cleanup();
}
