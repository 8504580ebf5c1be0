/* SPDX-License-Identifier: MIT */
/*
 * client.c: the Graph API client, the only file that uses libcurl.
 *
 * A struct graph owns copies of the token and app secret, a curl share
 * object (DNS cache and TLS sessions, one mutex per lock kind) and a pool
 * of idle transfer slots.  A slot is an easy handle plus a private multi
 * handle that keeps the slot's connections alive between calls; graph_call
 * borrows one, drives it with curl_multi_poll in slices of 50 ms (so a
 * cancel flag is seen quickly) and returns it.  The token only ever lives
 * in g, in the request being built (wiped before it is freed) and in
 * libcurl; it is scrubbed from every error text we produce.  Building
 * the URL and body of a request, and its checks, live in request.c.
 */
#include "graph.h"
#include "graph_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../base/log.h"
#include "../base/url.h"
#include "../base/xalloc.h"

/* State of one transfer, seen by the libcurl callbacks. */
struct xfer {
  struct buf body;
  int too_large;
  const volatile int *cancel;
};

void
graph_global_init(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
graph_global_cleanup(void)
{
  curl_global_cleanup();
}

enum graph_login
graph_login(const struct graph *g)
{
  return g->login;
}

const char *
graph_app_id(const struct graph *g)
{
  return g->app_id;
}

int
graph_has_app_secret(const struct graph *g)
{
  return g->app_secret != NULL;
}

const char *
graph_base_url(const struct graph *g)
{
  return g->base;
}

/* libcurl's share callbacks: one mutex per kind of shared data. */
static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
  struct graph *g = arg;

  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
    pthread_mutex_lock(&g->share_mu[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *arg)
{
  struct graph *g = arg;

  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
    pthread_mutex_unlock(&g->share_mu[data]);
}

/* A token entry for g (its app secret already set), or NULL when the
 * proof cannot be computed. */
static struct graph_tok *
tok_new(const struct graph *g, const char *token)
{
  struct graph_tok *t = xcalloc(1, sizeof(*t));

  t->token = xstrdup(token);
  log_add_secret(t->token);
  if (g->app_secret != NULL &&
      crypto_hmac_sha256_hex(g->app_secret, strlen(g->app_secret),
                             t->token, strlen(t->token), t->proof) != 0) {
    graph__free_secret(t->token);
    free(t);
    return NULL;
  }
  return t;
}

const struct graph_tok *
graph__tok(const struct graph *g)
{
  const struct graph_tok *t;

  pthread_mutex_lock((pthread_mutex_t *)&g->tok_mu);
  t = g->tok;
  pthread_mutex_unlock((pthread_mutex_t *)&g->tok_mu);
  return t;
}

int
graph_set_token(struct graph *g, const char *token, struct err *e)
{
  struct graph_tok *t;

  if (token == NULL || token[0] == '\0' || !graph__credential_valid(token))
    return err_set(e, ERR_CONFIG, "the new access token is empty or holds "
                   "characters that cannot be sent to Meta");
  if ((t = tok_new(g, token)) == NULL)
    return err_set(e, ERR_INTERNAL, "could not compute appsecret_proof");
  pthread_mutex_lock(&g->tok_mu);
  t->older = g->tok;
  g->tok = t;
  pthread_mutex_unlock(&g->tok_mu);
  return 0;
}

struct graph *
graph_new(const struct graph_config *cfg, struct err *e)
{
  struct graph *g = NULL;
  const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
  const char *version;

  if (cfg == NULL || cfg->token == NULL || cfg->token[0] == '\0') {
    err_set(e, ERR_CONFIG, "no Instagram access token is configured (set "
            "IG_ACCESS_TOKEN)");
    return NULL;
  }
  if (!graph__credential_valid(cfg->token)) {
    err_set(e, ERR_CONFIG, "the access token contains spaces or characters "
            "that cannot be sent to Meta");
    return NULL;
  }
  if (cfg->app_secret != NULL && cfg->app_secret[0] != '\0' &&
      !graph__credential_valid(cfg->app_secret)) {
    err_set(e, ERR_CONFIG, "the app secret contains spaces or characters "
            "that cannot be used");
    return NULL;
  }
  if (cfg->login != GRAPH_LOGIN_INSTAGRAM &&
      cfg->login != GRAPH_LOGIN_FACEBOOK) {
    err_set(e, ERR_CONFIG, "unknown login type %d", (int)cfg->login);
    return NULL;
  }
  version = cfg->api_version != NULL ? cfg->api_version : DEFAULT_VERSION;
  if (!graph__version_valid(version)) {
    err_set(e, ERR_CONFIG, "the Graph API version \"%.40s\" is not of the "
            "form v25.0", version);
    return NULL;
  }
  if (cfg->timeout_ms < 0 || cfg->max_attempts < 0 ||
      cfg->backoff_base_ms < 0 || cfg->backoff_max_ms < 0) {
    err_set(e, ERR_CONFIG, "Graph timeouts and retry settings must not be "
            "negative");
    return NULL;
  }
  if (vi == NULL || vi->version_num < 0x075500) {
    err_set(e, ERR_CONFIG, "libcurl 7.85.0 or newer is needed (found %s)",
            vi != NULL ? vi->version : "none");
    return NULL;
  }

  g = xcalloc(1, sizeof(*g));
  g->login = cfg->login;
  if (cfg->base_url != NULL && cfg->base_url[0] != '\0') {
    if (graph__check_base_url(cfg->base_url, &g->base, &g->allow_http,
                              e) != 0) {
      free(g);
      return NULL;
    }
  } else {
    g->base = xstrdup(cfg->login == GRAPH_LOGIN_INSTAGRAM
                      ? "https://graph.instagram.com"
                      : "https://graph.facebook.com");
  }
  pthread_mutex_init(&g->tok_mu, NULL);
  if (cfg->app_secret != NULL && cfg->app_secret[0] != '\0') {
    g->app_secret = xstrdup(cfg->app_secret);
    log_add_secret(g->app_secret);
  }
  if ((g->tok = tok_new(g, cfg->token)) == NULL) {
    err_set(e, ERR_INTERNAL, "could not compute appsecret_proof");
    goto fail;
  }
  if (cfg->app_id != NULL && cfg->app_id[0] != '\0')
    g->app_id = xstrdup(cfg->app_id);
  if (cfg->input_token != NULL && cfg->input_token[0] != '\0') {
    g->input_token = xstrdup(cfg->input_token);
    log_add_secret(g->input_token);
  }
  g->version = xstrdup(version);
  g->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
  g->max_attempts = cfg->max_attempts ? cfg->max_attempts : DEFAULT_ATTEMPTS;
  if (g->max_attempts > MAX_ATTEMPTS)
    g->max_attempts = MAX_ATTEMPTS;
  g->backoff_base_ms = cfg->backoff_base_ms ? cfg->backoff_base_ms
                                            : DEFAULT_BACKOFF_BASE_MS;
  g->backoff_max_ms = cfg->backoff_max_ms ? cfg->backoff_max_ms
                                          : DEFAULT_BACKOFF_MAX_MS;
  if (g->backoff_base_ms > g->backoff_max_ms)
    g->backoff_base_ms = g->backoff_max_ms;

  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&g->share_mu[i], NULL);
  pthread_mutex_init(&g->pool_mu, NULL);
  graph__gov_init(&g->gov);
  g->share = curl_share_init();
  if (g->share == NULL ||
      curl_share_setopt(g->share, CURLSHOPT_LOCKFUNC, share_lock) ||
      curl_share_setopt(g->share, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
      curl_share_setopt(g->share, CURLSHOPT_USERDATA, g) ||
      curl_share_setopt(g->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
      curl_share_setopt(g->share, CURLSHOPT_SHARE,
                        CURL_LOCK_DATA_SSL_SESSION)) {
    err_set(e, ERR_INTERNAL, "could not set up the libcurl share object");
    goto fail;
  }
  /* CURL_LOCK_DATA_CONNECT is deliberately not shared: libcurl documents
   * that sharing connections between concurrent threads is unsupported.
   * Each slot's multi handle keeps its own connections instead. */
  log_debug("graph: client for %s %s", g->base, g->version);
  return g;

fail:
  graph_free(g);
  return NULL;
}

static void
slot_destroy(struct slot *s)
{
  if (s == NULL)
    return;
  if (s->multi != NULL)
    curl_multi_cleanup(s->multi);
  if (s->easy != NULL)
    curl_easy_cleanup(s->easy);
  free(s);
}

void
graph_free(struct graph *g)
{
  struct slot *s;

  if (g == NULL)
    return;
  while ((s = g->idle) != NULL) {
    g->idle = s->next;
    slot_destroy(s);
  }
  if (g->share != NULL && curl_share_cleanup(g->share) != CURLSHE_OK)
    log_warnx("graph: libcurl share object still in use at shutdown");
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy(&g->share_mu[i]);
  pthread_mutex_destroy(&g->pool_mu);
  graph__gov_destroy(&g->gov);
  while (g->tok != NULL) {
    struct graph_tok *t = g->tok;
    g->tok = t->older;
    graph__free_secret(t->token);
    explicit_bzero(t->proof, sizeof(t->proof));
    free(t);
  }
  pthread_mutex_destroy(&g->tok_mu);
  graph__free_secret(g->app_secret);
  graph__free_secret(g->input_token);
  free(g->base);
  free(g->version);
  free(g->app_id);
  free(g);
}

/* Takes an idle slot from the pool, or makes a new one. */
static struct slot *
slot_borrow(struct graph *g)
{
  struct slot *s;

  pthread_mutex_lock(&g->pool_mu);
  s = g->idle;
  if (s != NULL) {
    g->idle = s->next;
    g->nidle--;
  }
  pthread_mutex_unlock(&g->pool_mu);
  if (s != NULL) {
    curl_easy_reset(s->easy);
    return s;
  }
  s = xcalloc(1, sizeof(*s));
  s->easy = curl_easy_init();
  s->multi = curl_multi_init();
  if (s->easy == NULL || s->multi == NULL) {
    slot_destroy(s);
    return NULL;
  }
  return s;
}

/* Puts a slot back in the pool, or frees it when the pool is full. */
static void
slot_return(struct graph *g, struct slot *s)
{
  if (s == NULL)
    return;
  pthread_mutex_lock(&g->pool_mu);
  if (g->nidle < POOL_IDLE_MAX) {
    s->next = g->idle;
    g->idle = s;
    g->nidle++;
    s = NULL;
  }
  pthread_mutex_unlock(&g->pool_mu);
  slot_destroy(s);
}

/* Collects the body; past BODY_MAX it fails the transfer. */
static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
  struct xfer *x = arg;
  size_t len = size * n;

  if (buf_append(&x->body, p, len) != 0) {
    x->too_large = 1;
    return CURL_WRITEFUNC_ERROR;
  }
  return len;
}

/* Called by libcurl during the transfer; non-zero aborts it. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
            curl_off_t ultotal, curl_off_t ulnow)
{
  struct xfer *x = arg;

  return x->cancel != NULL && *x->cancel != 0;
}

/* Drives one transfer on the slot's multi handle, checking the cancel flag
 * every SLICE_MS.  The easy handle stays in the multi on return; the caller
 * reads its info and removes it. */
static CURLcode
run_transfer(struct slot *s, struct xfer *x)
{
  CURLcode res = CURLE_OK;
  CURLMsg *msg;
  int running = 1, left;

  if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK)
    return CURLE_FAILED_INIT;
  for (;;) {
    if (x->cancel != NULL && *x->cancel != 0)
      return CURLE_ABORTED_BY_CALLBACK;
    if (curl_multi_perform(s->multi, &running) != CURLM_OK)
      return CURLE_FAILED_INIT;
    while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == s->easy)
        return msg->data.result;
    }
    if (running == 0)
      return res;
    if (curl_multi_poll(s->multi, NULL, 0, SLICE_MS, NULL) != CURLM_OK)
      return CURLE_FAILED_INIT;
  }
}

/* Sets every option of the call on the slot's easy handle.  Pointers given
 * to libcurl (url, body, headers, errbuf, x) outlive the call. */
static int
setup_easy(struct graph *g, struct slot *s, enum method m, const char *url,
           const char *body, size_t body_len, struct curl_slist *hdrs,
           struct xfer *x, char *errbuf, int fresh)
{
  CURL *h = s->easy;
  long connect_ms = g->timeout_ms < CONNECT_TIMEOUT_MS ? g->timeout_ms
                                                       : CONNECT_TIMEOUT_MS;
  CURLcode c = CURLE_OK;

#define SET(opt, val) if (c == CURLE_OK) c = curl_easy_setopt(h, opt, val)
  SET(CURLOPT_URL, url);
  SET(CURLOPT_PROTOCOLS_STR, g->allow_http ? "http,https" : "https");
  SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
  SET(CURLOPT_FOLLOWLOCATION, 0L);
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  SET(CURLOPT_TIMEOUT_MS, g->timeout_ms);
  SET(CURLOPT_USERAGENT, "igmcp/" IGMCP_VERSION);
  SET(CURLOPT_ACCEPT_ENCODING, "");
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
  SET(CURLOPT_SHARE, g->share);
  SET(CURLOPT_ERRORBUFFER, errbuf);
  SET(CURLOPT_WRITEFUNCTION, on_write);
  SET(CURLOPT_WRITEDATA, x);
  SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)BODY_MAX);
  SET(CURLOPT_NOPROGRESS, 0L);
  SET(CURLOPT_XFERINFOFUNCTION, on_progress);
  SET(CURLOPT_XFERINFODATA, x);
  SET(CURLOPT_HTTPHEADER, hdrs);
  /* A write goes on a new connection: on a reused one that dies before
   * any answer, libcurl silently sends the request again, and a DM or a
   * comment would go out twice. */
  SET(CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
  switch (m) {
  case M_GET:
    SET(CURLOPT_HTTPGET, 1L);
    break;
  case M_POST:
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    SET(CURLOPT_POSTFIELDS, body);
    break;
  case M_DELETE:
    SET(CURLOPT_CUSTOMREQUEST, "DELETE");
    break;
  }
#undef SET
  return c == CURLE_OK ? 0 : -1;
}

/* A small thread-safe generator for backoff jitter (splitmix64 over a
 * shared counter); not for anything secret. */
static uint64_t
jitter_rand(void)
{
  static uint64_t counter = 0x243f6a8885a308d3ULL;
  uint64_t z = __atomic_add_fetch(&counter, 0x9e3779b97f4a7c15ULL,
                                  __ATOMIC_RELAXED);

  z ^= (uint64_t)clock_mono_ms();
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Full jitter: a random wait in [0, min(base * 2^(attempt-1), max)]. */
static long
backoff_ms(const struct graph *g, int attempt)
{
  long cap = g->backoff_base_ms;

  for (int i = 1; i < attempt && cap < g->backoff_max_ms; i++)
    cap *= 2;
  if (cap > g->backoff_max_ms)
    cap = g->backoff_max_ms;
  return (long)(jitter_rand() % (uint64_t)(cap + 1));
}

/* Sleeps ms in slices of SLICE_MS.  Returns 1 when cancelled. */
static int
sleep_cancellable(long ms, const volatile int *cancel)
{
  int64_t end = clock_mono_ms() + ms;

  for (;;) {
    int64_t left;
    if (cancel != NULL && *cancel != 0)
      return 1;
    left = end - clock_mono_ms();
    if (left <= 0)
      return 0;
    clock_sleep_ms(left < SLICE_MS ? left : SLICE_MS);
  }
}

/* Maps a libcurl failure to our codes; *transient says whether a read may
 * be tried again. */
static int
transport_error(const struct graph *g, CURLcode res, const struct xfer *x,
                const char *errbuf, int *transient, struct err *e)
{
  const char *detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res);

  *transient = 0;
  switch (res) {
  case CURLE_ABORTED_BY_CALLBACK:
    return err_set(e, ERR_CANCELLED, "the Graph call was cancelled");
  case CURLE_FILESIZE_EXCEEDED:
    return err_set(e, ERR_IO, "Meta's response too large (over %zu MiB)",
                   BODY_MAX >> 20);
  case CURLE_WRITE_ERROR:
    if (x->too_large)
      return err_set(e, ERR_IO, "Meta's response too large (over %zu MiB)",
                     BODY_MAX >> 20);
    break;
  case CURLE_OPERATION_TIMEDOUT:
    *transient = 1;
    return err_set(e, ERR_TIMEOUT, "Meta did not answer in time (%ld ms): "
                   "%s", g->timeout_ms, detail);
  case CURLE_UNSUPPORTED_PROTOCOL:
    return err_set(e, ERR_CONFIG, "refused to talk to Meta over this "
                   "protocol: %s", detail);
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_SSL_CONNECT_ERROR:
    *transient = 1;
    break;
  default:
    break;
  }
  return err_set(e, ERR_IO, "could not reach Meta: %s", detail);
}

/* Looks at a finished exchange: usage headers, JSON body, error envelope. */
static int
read_answer(struct slot *s, struct xfer *x, struct graph_response *resp,
            int *transient, struct err *e)
{
  struct curl_header *hv;
  json_t *body;

  *transient = 0;
  curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &resp->http_status);
  if (curl_easy_header(s->easy, "x-app-usage", 0, CURLH_HEADER, -1, &hv) ==
      CURLHE_OK)
    graph_usage_parse_app(hv->value, &resp->usage);
  if (curl_easy_header(s->easy, "x-business-use-case-usage", 0, CURLH_HEADER,
                       -1, &hv) == CURLHE_OK)
    graph_usage_parse_buc(hv->value, &resp->usage);

  body = x->body.len > 0 ? json_loadb(x->body.data, x->body.len, 0, NULL)
                         : NULL;
  if (body == NULL) {
    *transient = resp->http_status >= 500 || resp->http_status == 429;
    return err_set(e, ERR_IO, "Meta answered HTTP %ld with a non-JSON body",
                   resp->http_status);
  }
  resp->body = body;
  if (graph_error_parse(body, resp->http_status, &resp->error) == 0) {
    *transient = graph_error_retryable(&resp->error);
    return err_set(e, ERR_GRAPH, "Meta error %d", resp->error.code);
  }
  return 0;
}

/* Seconds until access returns, when Meta said so: the BUC header's
 * estimate for throttling errors, else a Retry-After header. */
static long
wait_hint(struct slot *s, const struct graph_response *resp, int rc)
{
  curl_off_t ra = 0;

  if (rc == ERR_GRAPH && graph_error_is_throttle(&resp->error) &&
      resp->usage.has_buc && resp->usage.buc_regain_minutes > 0)
    return (long)resp->usage.buc_regain_minutes * 60;
  if (curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
      ra > 0)
    return ra > 86400 * 7 ? 86400 * 7 : (long)ra;
  return 0;
}

void
graph_response_explain(const struct graph_response *resp, char *what,
                       size_t what_len, char *next, size_t next_len)
{
  size_t n;

  graph_error_explain(&resp->error, what, what_len, next, next_len);
  if (next_len == 0 || !graph_error_is_throttle(&resp->error))
    return;
  n = strlen(next);
  if (resp->wait_hint_s > 0) {
    long min = (resp->wait_hint_s + 59) / 60;
    snprintf(next + n, next_len - n, " Meta expects access to return in "
             "about %ld minute%s.", min, min == 1 ? "" : "s");
  } else {
    snprintf(next + n, next_len - n, " Meta did not say when access "
             "returns.");
  }
}

int
graph_call(struct graph *g, const struct graph_request *req,
           struct graph_response *resp, struct err *e)
{
  struct buf url, form;
  struct xfer x;
  struct curl_slist *hdrs = NULL;
  struct slot *s = NULL;
  char errbuf[CURL_ERROR_SIZE];
  char *json = NULL, *auth = NULL;
  const char *body = NULL;
  size_t body_len = 0;
  enum method m = M_GET;
  const struct graph_tok *tok = NULL;
  int rc, transient = 0;
  int64_t t0;

  memset(resp, 0, sizeof(*resp));
  buf_init(&url, URL_MAX);
  buf_init(&form, BODY_MAX);
  memset(&x, 0, sizeof(x));
  buf_init(&x.body, BODY_MAX);
  x.cancel = req != NULL ? req->cancel : NULL;

  if (g == NULL || req == NULL) {
    rc = err_set(e, ERR_INVALID, "graph_call needs a client and a request");
    goto out;
  }
  rc = graph__check_request(req, &m, e);
  if (rc != 0)
    goto out;
  /* One token for the whole request: its query, proof and header. */
  tok = graph__tok(g);
  rc = graph__build_request(g, tok, req, m, &url, &form, e);
  if (rc != 0)
    goto out;

  hdrs = curl_slist_append(hdrs, "Accept: application/json");
  if (m == M_POST) {
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (req->json_body != NULL) {
      json = json_dumps(req->json_body, JSON_COMPACT);
      if (json == NULL) {
        rc = err_set(e, ERR_INVALID, "the JSON body cannot be serialised");
        goto out;
      }
      body = json;
      body_len = strlen(json);
      auth = xasprintf("Authorization: Bearer %s", tok->token);
      hdrs = curl_slist_append(hdrs, auth);
      hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    } else {
      body = buf_cstr(&form);
      body_len = form.len;
      hdrs = curl_slist_append(hdrs,
          "Content-Type: application/x-www-form-urlencoded");
    }
  }
  if (hdrs == NULL) {
    rc = err_set(e, ERR_INTERNAL, "out of memory building headers");
    goto out;
  }

  /* The governor: Meta said wait (answer at once), or usage is high
   * (pause first). */
  {
    long pause = graph__gov_admit(g, resp);
    if (pause < 0) {
      char iso[32];
      clock_iso8601(clock_wall_s() + resp->wait_hint_s, iso);
      rc = err_set(e, ERR_GRAPH, "Not sent: Meta throttled this account "
                   "(code %d) and igmcp holds calls until access returns, "
                   "at about %s (in %ld s); calling again sooner would "
                   "only extend the block.", resp->error.code, iso,
                   resp->wait_hint_s);
      goto out;
    }
    if (pause > 0) {
      log_info("graph: usage near the limit; pausing %ld ms before %s %s",
               pause, req->method, req->path);
      if (sleep_cancellable(pause, req->cancel)) {
        rc = err_set(e, ERR_CANCELLED, "the Graph call was cancelled");
        goto out;
      }
    }
  }
  s = slot_borrow(g);
  errbuf[0] = '\0';
  if (s == NULL ||
      setup_easy(g, s, m, buf_cstr(&url), body, body_len, hdrs, &x,
                 errbuf, m != M_GET && !req->retry_safe) != 0) {
    rc = err_set(e, ERR_INTERNAL, "could not set up a libcurl transfer");
    goto out;
  }
  log_debug("graph: %s %s", req->method, req->path);

  for (int attempt = 1;; attempt++) {
    CURLcode res;
    long hint, delay;

    buf_reset(&x.body);
    x.too_large = 0;
    errbuf[0] = '\0';
    json_decref(resp->body);
    resp->body = NULL;
    memset(&resp->usage, 0, sizeof(resp->usage));
    memset(&resp->error, 0, sizeof(resp->error));
    resp->http_status = 0;
    resp->attempts = attempt;

    t0 = clock_mono_ms();
    res = run_transfer(s, &x);
    if (res == CURLE_OK)
      rc = read_answer(s, &x, resp, &transient, e);
    else
      rc = transport_error(g, res, &x, errbuf, &transient, e);
    hint = rc == 0 ? 0 : wait_hint(s, resp, rc);
    curl_multi_remove_handle(s->multi, s->easy);
    log_debug("graph: %s %s: attempt %d, HTTP %ld, rc %d, %lld ms",
              req->method, req->path, attempt, resp->http_status, rc,
              (long long)(clock_mono_ms() - t0));
    if (rc == 0 || rc == ERR_CANCELLED)
      break;

    /* Meta said how long: tell the caller instead of sleeping, unless the
     * wait fits in our backoff budget and the call may be retried. */
    if (hint > 0) {
      int known_regain = rc == ERR_GRAPH &&
                         graph_error_is_throttle(&resp->error) &&
                         resp->usage.buc_regain_minutes > 0;
      if (known_regain || hint * 1000 > g->backoff_max_ms ||
          !req->retry_safe || !transient || attempt >= g->max_attempts) {
        resp->wait_hint_s = hint;
        break;
      }
    }
    if (!req->retry_safe || !transient || attempt >= g->max_attempts)
      break;
    delay = hint > 0 ? hint * 1000 : backoff_ms(g, attempt);
    log_info("graph: %s %s failed (attempt %d of %d); retrying in %ld ms",
             req->method, req->path, attempt, g->max_attempts, delay);
    if (sleep_cancellable(delay, req->cancel)) {
      rc = err_set(e, ERR_CANCELLED, "the Graph call was cancelled");
      break;
    }
  }

  graph__gov_note(g, resp, rc);
  if (rc == ERR_GRAPH) {
    char what[300], next[200];
    graph__scrub_all(g, resp, NULL);
    graph_response_explain(resp, what, sizeof(what), next, sizeof(next));
    if (resp->error.subcode != 0)
      err_set(e, ERR_GRAPH, "Meta error %d/%d: %s %s", resp->error.code,
              resp->error.subcode, what, next);
    else
      err_set(e, ERR_GRAPH, "Meta error %d: %s %s", resp->error.code, what,
              next);
  }

out:
  if (rc != 0 && g != NULL)
    graph__scrub_all(g, resp, e);
  slot_return(g, s);
  for (struct curl_slist *h = hdrs; h != NULL; h = h->next)
    explicit_bzero(h->data, strlen(h->data));
  curl_slist_free_all(hdrs);
  graph__free_secret(auth);
  free(json);
  graph__wipe_buf(&url);
  graph__wipe_buf(&form);
  buf_free(&x.body);
  return rc;
}

void
graph_response_free(struct graph_response *resp)
{
  if (resp == NULL)
    return;
  json_decref(resp->body);
  resp->body = NULL;
}
