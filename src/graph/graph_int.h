/* SPDX-License-Identifier: MIT */
/*
 * graph_int.h: what client.c (transfers, the pool, retries) and request.c
 * (URL, query and body building, checks, scrubbing) share.  Not for other
 * modules: they see only graph.h.
 */
#ifndef IGMCP_GRAPH_INT_H
#define IGMCP_GRAPH_INT_H

#include <curl/curl.h>
#include <pthread.h>

#include "../base/buf.h"
#include "graph.h"

#ifndef IGMCP_VERSION
#define IGMCP_VERSION "dev"
#endif

#define DEFAULT_VERSION "v25.0"
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_ATTEMPTS 4
#define DEFAULT_BACKOFF_BASE_MS 500L
#define DEFAULT_BACKOFF_MAX_MS 8000L
#define MAX_ATTEMPTS 10
#define CONNECT_TIMEOUT_MS 10000L
#define BODY_MAX ((size_t)8 << 20)  /* response and form body cap */
#define URL_MAX ((size_t)64 << 10)
#define TOKEN_MAX 4096
#define SLICE_MS 50                 /* poll and sleep granularity */
#define POOL_IDLE_MAX 16

struct slot {
  CURL *easy;
  CURLM *multi; /* holds this slot's connection cache */
  struct slot *next;
};

/* The rate-limit governor (governor.c).  Above GOV_SLOW_FROM_PCT of usage
 * each call waits, up to GOV_SLOW_MAX_MS at 100 %; usage older than
 * GOV_USAGE_TTL_MS no longer counts (Meta's window rolls).  A throttling
 * answer without Meta's regain time holds calls for GOV_HOLD_DEFAULT_MS. */
#define GOV_SLOW_FROM_PCT 85
#define GOV_SLOW_MAX_MS 1000L
#define GOV_USAGE_TTL_MS (10L * 60 * 1000)
#define GOV_HOLD_DEFAULT_MS (60L * 1000)

struct gov {
  pthread_mutex_t mu;
  struct graph_usage usage;  /* the last usage Meta reported */
  int64_t usage_ms;          /* when; 0 = never */
  int64_t hold_until_ms;     /* no calls before this; 0 = none */
  int64_t hold_since_ms;
  int hold_announced;        /* 1 when Meta gave the regain time */
  struct graph_error hold_error; /* the throttling answer, replayed */
  unsigned long calls, held, slowed, throttled;
  int64_t slowed_ms;
};

void graph__gov_init(struct gov *v);
void graph__gov_destroy(struct gov *v);
/* Before a call: the pause in ms (0 = go now), or -1 when the call is
 * held; then resp has the throttling error, held = 1 and wait_hint_s. */
long graph__gov_admit(struct graph *g, struct graph_response *resp);
/* After a call: records usage, and a hold on a throttling answer. */
void graph__gov_note(struct graph *g, const struct graph_response *resp,
                     int rc);

/* A token and its appsecret_proof.  graph_set_token puts a new one in
 * front; the older ones stay allocated until graph_free, so a call that
 * read one keeps a valid string however long it runs. */
struct graph_tok {
  char *token;
  char proof[65];     /* appsecret_proof, "" without an app secret */
  struct graph_tok *older;
};

struct graph {
  enum graph_login login;
  struct graph_tok *tok; /* the current token; read with graph__tok */
  pthread_mutex_t tok_mu;
  char *app_secret;   /* NULL when not configured */
  char *app_id;       /* NULL when not configured */
  char *input_token;  /* NULL: GRAPH_CRED_INPUT_TOKEN sends token */
  char *base;         /* scheme://host[:port], no trailing slash */
  char *version;
  int allow_http;     /* base is http:// on a loopback host */
  long timeout_ms;
  int max_attempts;
  long backoff_base_ms;
  long backoff_max_ms;
  CURLSH *share;
  pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
  pthread_mutex_t pool_mu;
  struct slot *idle;
  int nidle;
  struct gov gov;
};

enum method { M_GET, M_POST, M_DELETE };

/* The current token (client.c); valid until graph_free. */
const struct graph_tok *graph__tok(const struct graph *g);

/* request.c */
/* Overwrites and frees a string, or a buffer, that may hold a secret. */
void graph__free_secret(char *s);
void graph__wipe_buf(struct buf *b);
/* Scrubs the token and app secret from every text field we hand out. */
void graph__scrub_all(const struct graph *g, struct graph_response *resp,
                      struct err *e);
/* Checks a base URL and stores scheme://host[:port] in *out. */
int graph__check_base_url(const char *url, char **out, int *allow_http,
                          struct err *e);
int graph__version_valid(const char *v);
int graph__credential_valid(const char *s);
/* Checks the request's shape and picks the method. */
int graph__check_request(const struct graph_request *req, enum method *m,
                         struct err *e);
/* Builds the URL (and, for a form POST, the body) of a request. */
int graph__build_request(const struct graph *g,
                         const struct graph_tok *tok,
                         const struct graph_request *req, enum method m,
                         struct buf *url, struct buf *form, struct err *e);

#endif
