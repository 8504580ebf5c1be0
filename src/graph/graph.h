/* SPDX-License-Identifier: MIT */
/*
 * graph.h: the Graph API client, the only code that talks to Meta.
 *
 * One struct graph per configured account.  It is safe to call graph_call
 * from several threads at once: each call borrows a curl easy handle from a
 * small pool, and the handles share DNS, TLS sessions and connections
 * through a curl share object.  The access token is held here and nowhere
 * else; it never appears in an error, a log line or a result.
 *
 * Error envelopes are parsed into struct graph_error, rate-limit headers
 * into struct graph_usage.  Reads (retry_safe) are retried with bounded
 * exponential backoff and jitter on transient errors; writes never are.
 */
#ifndef IGMCP_GRAPH_H
#define IGMCP_GRAPH_H

#include <jansson.h>
#include <stddef.h>

#include "../base/err.h"

enum graph_login {
  GRAPH_LOGIN_INSTAGRAM = 1, /* graph.instagram.com, IGAA... user tokens */
  GRAPH_LOGIN_FACEBOOK = 2,  /* graph.facebook.com, EAA... Page tokens */
};

struct graph_config {
  enum graph_login login;
  const char *token;       /* required; copied */
  const char *app_secret;  /* optional; copied; enables appsecret_proof */
  const char *app_id;      /* optional; copied; client_id of token calls */
  const char *input_token; /* optional; copied; what GRAPH_CRED_INPUT_TOKEN
                            * sends instead of token (debug_token of a
                            * Page token with an app token "id|secret") */
  const char *base_url;    /* optional override (scheme://host[:port]), e.g.
                            * the sandbox; NULL picks the login's host */
  const char *api_version; /* e.g. "v25.0"; NULL means "v25.0" */
  long timeout_ms;         /* per attempt; 0 means 30000 */
  int max_attempts;        /* reads, first try included; 0 means 4 */
  long backoff_base_ms;    /* 0 means 500 */
  long backoff_max_ms;     /* 0 means 8000 */
};

/* Rate-limit usage from X-App-Usage and X-Business-Use-Case-Usage.  All
 * numbers are percentages of the limit except regain, in minutes. */
struct graph_usage {
  int has_app;
  int app_call_count;     /* call_count, or call_volume on the IG host */
  int app_total_time;     /* total_time */
  int app_total_cputime;  /* total_cputime, or cpu_time on the IG host */
  int has_buc;
  char buc_id[32];        /* business object id of the busiest entry */
  char buc_type[24];      /* instagram, messenger, pages, ... */
  int buc_call_count;
  int buc_total_time;
  int buc_total_cputime;
  int buc_regain_minutes; /* estimated_time_to_regain_access */
};

/* Each returns 0 on success, -1 when the header is not the JSON Meta sends
 * (u is then left without has_app/has_buc). */
int graph_usage_parse_app(const char *header, struct graph_usage *u);
int graph_usage_parse_buc(const char *header, struct graph_usage *u);
/* Highest percentage seen in u (0 when none). */
int graph_usage_max_pct(const struct graph_usage *u);
/* {"app":{...},"business_use_case":{...}}, or NULL when u has neither.
 * The caller owns the result. */
json_t *graph_usage_json(const struct graph_usage *u);

struct graph_error {
  long http_status;
  int code;
  int subcode;        /* 0 when absent */
  int is_transient;   /* Meta's flag, or our classification */
  char type[48];      /* OAuthException, IGApiException, ... */
  char message[512];
  char user_title[128];
  char user_msg[512];
  char fbtrace_id[64];
};

/* Parses Meta's envelope {"error":{...}} or the flat OAuth shape
 * {"error_type","code","error_message"}.  Returns 0 when body held an
 * error, -1 otherwise. */
int graph_error_parse(const json_t *body, long http_status,
                      struct graph_error *ge);
/* 1 when a read that failed this way may be retried after a pause. */
int graph_error_retryable(const struct graph_error *ge);
/* 1 for the throttling family (4, 17, 32, 613, 80000-80014). */
int graph_error_is_throttle(const struct graph_error *ge);
/* A plain explanation of what happened and what to do next. */
void graph_error_explain(const struct graph_error *ge, char *what,
                         size_t what_len, char *next, size_t next_len);
/* {"code","subcode","type","message","fbtrace_id","is_transient",
 *  "http_status"}; the caller owns it. */
json_t *graph_error_json(const struct graph_error *ge);

struct graph_param {
  const char *key;
  const char *value;
};

/* Parameters the client fills in from credentials it holds, for the
 * token endpoints (graph_request.credentials bits).  The values never
 * leave the client except in the request itself. */
enum graph_cred {
  GRAPH_CRED_CLIENT_SECRET = 1,  /* client_secret=<app secret> */
  GRAPH_CRED_INPUT_TOKEN = 2,    /* input_token=<token> (debug_token) */
  GRAPH_CRED_EXCHANGE_TOKEN = 4, /* fb_exchange_token=<token> */
  GRAPH_CRED_CLIENT_ID = 8,      /* client_id=<app id> */
};

struct graph_request {
  const char *method;   /* "GET", "POST" or "DELETE" */
  const char *path;     /* segments joined by '/', e.g. "me/conversations";
                         * each segment is percent-encoded by graph_call */
  const struct graph_param *params; /* query for GET/DELETE and JSON POST,
                                     * form body for a POST without json */
  size_t nparams;
  const json_t *json_body;          /* POST only; borrowed */
  int retry_safe;                   /* 1 for reads */
  const volatile int *cancel;       /* non-zero stops the call */
  int unversioned;      /* 1: no /vNN.N before the path (the token
                         * endpoints of graph.instagram.com) */
  unsigned credentials; /* enum graph_cred bits; 0 for ordinary calls */
};

struct graph_response {
  long http_status;
  json_t *body;        /* owned; NULL when the answer was not JSON */
  struct graph_usage usage;
  struct graph_error error; /* filled when graph_call returns ERR_GRAPH */
  int attempts;
  long wait_hint_s;    /* when throttled: seconds until access returns */
  int held;            /* 1: not sent; the governor holds calls until
                        * Meta's announced regain time (error replayed) */
};

struct graph;

struct graph *graph_new(const struct graph_config *cfg, struct err *e);
void graph_free(struct graph *g);
enum graph_login graph_login(const struct graph *g);
/* Replaces the access token (after a refresh), thread-safe: calls that
 * started keep the token they read (old tokens stay allocated until
 * graph_free), later ones use the new one.  Returns 0, or a negative code
 * when the token is empty or not sendable. */
int graph_set_token(struct graph *g, const char *token, struct err *e);
/* The configured app id, or NULL. */
const char *graph_app_id(const struct graph *g);
/* 1 when an app secret is configured. */
int graph_has_app_secret(const struct graph *g);
/* scheme://host[:port] that calls go to (no token in it); g owns it. */
const char *graph_base_url(const struct graph *g);

/* Performs one logical call.  Returns 0 with resp->body set on success;
 * ERR_GRAPH with resp->error set when Meta answered with an error;
 * ERR_IO/ERR_TIMEOUT for transport failures and non-JSON answers;
 * ERR_CANCELLED when *req->cancel became non-zero.  e->msg never holds the
 * token.  The caller frees resp with graph_response_free. */
int graph_call(struct graph *g, const struct graph_request *req,
               struct graph_response *resp, struct err *e);
void graph_response_free(struct graph_response *resp);
/* graph_error_explain for resp->error, with "when access returns" added to
 * next for throttling errors (from resp->wait_hint_s).  Both outputs are
 * one line of valid UTF-8 without the token. */
void graph_response_explain(const struct graph_response *resp, char *what,
                            size_t what_len, char *next, size_t next_len);

/* The rate-limit governor's state for this client: {"host","state"
 * ("ok", "slowing" or "held"), "usage_percent", "app"?,
 * "business_use_case"?, "usage_seen_at"?, "pause_ms_per_call", "hold"?
 * {"until","seconds_left","code","announced_by_meta"}, and counters}.
 * The caller owns the result. */
json_t *graph_rate_status(struct graph *g);

/* 1 when id is a plausible Graph node id: 1..256 chars of [0-9A-Za-z_-:.]
 * with no '/', '?', '&', '%', whitespace or "..". */
int graph_id_valid(const char *id);

/* Process-wide set-up (curl_global_init); call once from main. */
void graph_global_init(void);
void graph_global_cleanup(void);

/*
 * The batch API (batch.c).  graph.facebook.com takes up to GRAPH_BATCH_MAX
 * requests in one POST (batch=[{method, relative_url}...]) and answers an
 * array of {code, headers, body-as-a-string}, one per request, in order;
 * each counts as one call against the rate limits.  graph.instagram.com
 * does not document it, so with Instagram Login graph_batch makes the
 * requests one by one instead.  An item's failure (a Graph error, or no
 * answer for it) is recorded in the item and does not fail the others.
 */
#define GRAPH_BATCH_MAX 50

struct graph_batch_item {
  /* In: the request.  params is NULL-terminated by key, may be NULL. */
  const char *method;            /* "GET" (NULL too), "POST" or "DELETE" */
  const char *path;              /* as in struct graph_request */
  const struct graph_param *params;
  /* Out. */
  long code;                     /* the item's HTTP status; 0: no answer */
  json_t *headers;               /* [{name, value}] when Meta sent them */
  json_t *body;                  /* the item's parsed body, or NULL */
  struct graph_error error;      /* filled when failed and code != 0 */
  int failed;                    /* not 2xx, an error body, or no answer */
};

struct graph_batch_stats {
  int requests;                  /* HTTP round trips made */
  int batches;                   /* of which batch POSTs */
  struct graph_usage usage;      /* from the last round trip */
};

/* 1 when g's host takes batch requests (Facebook Login). */
int graph_batch_supported(const struct graph *g);
/* "vNN.N/seg/seg?k=v&..." for a batch item, each part percent-encoded;
 * NULL when a segment is empty, "." or "..", or a parameter is one the
 * client sets itself (access_token, appsecret_proof).  with_query 0 leaves
 * the parameters out (a POST item carries them in its body).  The caller
 * frees it. */
char *graph_relative_url(const struct graph *g, const char *path,
                         const struct graph_param *params, int with_query);
/* Runs n items: in batches of GRAPH_BATCH_MAX when the host takes them,
 * else one by one.  Returns 0 when every round trip was answered (look at
 * each item's failed), or the graph_call error of the round trip that was
 * not (ERR_CANCELLED once *cancel is set); items not reached keep code 0
 * and failed 1.  st may be NULL.  Free the items' results with
 * graph_batch_items_clear. */
int graph_batch(struct graph *g, struct graph_batch_item *items, size_t n,
                const volatile int *cancel, struct graph_batch_stats *st,
                struct err *e);
void graph_batch_items_clear(struct graph_batch_item *items, size_t n);

#endif
