/* SPDX-License-Identifier: MIT */
/*
 * sbx.h: what the sandbox's files share and nobody else sees.
 *
 * struct sandbox is the running emulator: the libmicrohttpd daemon, the
 * world, token state, faults and the request log, all behind one mutex.
 * struct sbx_req is one HTTP request on its way through the sandbox: the
 * HTTP layer (sandbox.c) fills the request side, a route (routes*.c or
 * admin.c) fills resp and status with the mutex held, and the HTTP layer
 * turns them into bytes and headers.  A request owns every json_t it
 * points to; the routes never keep pointers into it.
 */
#ifndef IGMCP_SANDBOX_SBX_H
#define IGMCP_SANDBOX_SBX_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "hooks.h"
#include "sandbox.h"
#include "world.h"

/* Who the sandbox is answering as: the first account, or the second
 * (sandbox.h).  A request made with the second account's tokens is served
 * by the second account's state (struct sandbox.second) with sbx_id
 * pointing at its identity for the thread; everywhere else (start-up, the
 * webhook thread) it is the first.  The SANDBOX_* names below read it. */
struct sbx_ident {
  const char *ig_token, *fb_token;
  const char *ig_user_id, *ig_username, *page_id, *scoped_id;
};
extern const struct sbx_ident sbx_ident_first, sbx_ident_second;
extern _Thread_local const struct sbx_ident *sbx_id;

/* The first account's id and username as constants, for static tables. */
#define SBX_IG_USER_ID_1 "17841400000000001"
#define SBX_IG_USERNAME_1 "sandbox.studio"
#define SBX_PAGE_ID_1 "100000000000001"

#undef SANDBOX_IG_USER_ID
#undef SANDBOX_IG_USERNAME
#undef SANDBOX_PAGE_ID
#undef SANDBOX_IG_SCOPED_ID
#define SANDBOX_IG_USER_ID (sbx_id->ig_user_id)
#define SANDBOX_IG_USERNAME (sbx_id->ig_username)
#define SANDBOX_PAGE_ID (sbx_id->page_id)
#define SANDBOX_IG_SCOPED_ID (sbx_id->scoped_id)

#define SBX_BODY_MAX (1024 * 1024)
#define SBX_LOG_MAX 256
#define SBX_MAX_FAULTS 32
#define SBX_DEFAULT_VERSION "v25.0"
#define SBX_PAGE_NAME "Sandbox Studio"

enum sbx_host {
  SBX_HOST_FB = 0,  /* graph.facebook.com */
  SBX_HOST_IG = 1,  /* graph.instagram.com */
};

enum sbx_token_kind { SBX_TOK_NONE = -1, SBX_TOK_IG = 0, SBX_TOK_FB = 1 };

/* Calls counted per minute of the sandbox clock over the trailing hour,
 * against SBX_HOURLY_CALLS, as Meta's rolling one-hour usage window. */
#define SBX_HOURLY_CALLS 4800

struct sbx_token {
  const char *value;
  int64_t expired_at;   /* sandbox time the admin expired it, 0 if valid */
  uint64_t calls;       /* since start */
  int64_t minute[60];   /* the sandbox minute each bucket counts */
  uint32_t per_minute[60];
  int usage_floor;      /* percent set by a "usage" fault, 0 for none */
};

/* Counts one call at sandbox time now_ms; the trailing hour's usage as a
 * percentage (with the floor, at most 100). */
void sbx_token_count(struct sbx_token *t, int64_t now_ms);
int sbx_token_usage(const struct sbx_token *t, int64_t now_ms);

enum sbx_fault_kind {
  SBX_FAULT_THROTTLE = 1,
  SBX_FAULT_HTTP,
  SBX_FAULT_DELAY,
  SBX_FAULT_BODY,   /* the request is carried out; its answer is mangled */
};

/* How a body fault mangles the answer (after the request took effect). */
enum sbx_mangle {
  SBX_MANGLE_NONE = 0,
  SBX_MANGLE_RESET,     /* the connection is closed, no answer */
  SBX_MANGLE_NOT_JSON,  /* 200 with an HTML page */
  SBX_MANGLE_TRUNCATED, /* 200 with the first half of the JSON */
  SBX_MANGLE_HUGE,      /* 200 with about 9 MiB of JSON */
  SBX_MANGLE_WRONG_TYPE,/* 200 with the right keys holding wrong types */
};

struct sbx_fault {
  enum sbx_fault_kind kind;
  int code;             /* throttle: 4, 17, 32, 613, 80002; http: 1 or 2 */
  unsigned status;      /* http_error: 500, 502, 503 */
  long count;           /* requests left to hit */
  int regain_minutes;
  long delay_ms;
  enum sbx_mangle mangle;
  char path[128];       /* substring filter, "" for any */
  char method[8];       /* "", "GET" or "POST" */
};

struct sandbox {
  struct MHD_Daemon *daemon;
  uint16_t port;
  char *app_secret;
  uint64_t seed;
  pthread_mutex_t mu;
  struct world world;
  struct sbx_token tokens[2];
  int require_proof;
  unsigned revoked_scopes; /* bits of routes_perms.c's scope list */
  const char *account_type; /* GET of the IG account; NULL: BUSINESS */
  struct sbx_fault faults[SBX_MAX_FAULTS];
  size_t nfaults;
  json_t *log[SBX_LOG_MAX];
  size_t log_next;      /* slot the next entry goes to */
  size_t log_count;
  int stopping;
  /* Graph (not admin) requests answered and their X-Sandbox-Time-Us
   * summed, atomics, for GET /__sandbox/stats (the benchmarks). */
  uint64_t stat_requests;
  uint64_t stat_time_us;
  struct sbx_hooks hooks;  /* outgoing webhooks (hooks.h) */
  struct sbx_oauth *oauth; /* codes and issued tokens (routes_oauth.c) */
  const struct sbx_ident *ident; /* the account this state answers as */
  struct sandbox *second;  /* the second account's state (no daemon of
                            * its own; NULL in that state itself) */
};

/* Types an error can take; some depend on the host being emulated. */
enum sbx_etype {
  SBX_ET_OAUTH,       /* OAuthException on both hosts */
  SBX_ET_METHOD,      /* GraphMethodException on both hosts */
  SBX_ET_HOST,        /* IGApiException on IG, OAuthException on FB */
  SBX_ET_HOST_METHOD, /* IGApiException on IG, GraphMethodException on FB */
};

struct sbx_req {
  struct sandbox *sb;
  const char *method;     /* borrowed from libmicrohttpd */
  char *path;             /* path after the version, no leading '/' */
  char version[16];       /* the version from the URL, or the default */
  char *host_hdr;         /* Host header, for paging URLs */
  json_t *query;          /* object: query string, strings only */
  json_t *body;           /* object from a JSON or form body, or NULL */
  enum sbx_host host;
  enum sbx_token_kind tok;
  const char *buc_type;   /* "instagram", "pages" or "messenger" */
  /* The response. */
  unsigned status;
  json_t *resp;
  int is_error;
  char fbtrace[32];
  char *www_auth;         /* WWW-Authenticate value on errors */
  int throttled;          /* usage headers report the limit reached */
  int regain_minutes;
  enum sbx_mangle mangle; /* a body fault to apply to the answer */
  int dyn;                /* the token was issued by routes_oauth.c */
  int64_t dyn_expires_at; /* its expiry (sandbox time), 0 for never */
  char *location;         /* Location header of a redirect, or NULL */
};

/* routes_oauth.c: the login dialogs, the code exchanges and the tokens
 * they issue (a table apart from the fixed tokens).  sbx_oauth_resolve
 * looks up a token the fixed table does not know: when issued here it
 * sets r->tok, r->dyn and r->dyn_expires_at.  sbx_route_oauth answers
 * the requests that come without a usable token (dialogs, code
 * exchanges) and the token endpoints for issued tokens; 1 when it did. */
struct sbx_oauth;
void sbx_oauth_resolve(struct sbx_req *r, const char *token);
int sbx_route_oauth(struct sbx_req *r, const char *token);
void sbx_oauth_free(struct sbx_oauth *o);
/* Meta's rendering of an instant in expiry messages (sandbox.c). */
void sbx_meta_date(int64_t t, char out[64]);

/* errors.c */
void sbx_fbtrace(char out[32]);
/* Sets r's response to Meta's error envelope.  subcode 0 is left out. */
void sbx_error(struct sbx_req *r, unsigned status, enum sbx_etype type,
               int code, int subcode, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Like sbx_error with an explicit type string and optional fields:
 * transient < 0 leaves is_transient out; NULL user_title/user_msg too. */
void sbx_error_full(struct sbx_req *r, unsigned status, const char *type,
                    int code, int subcode, int transient,
                    const char *user_title, const char *user_msg,
                    const char *msg);
/* 100/33 "Unsupported <method> request. Object with ID ...". */
void sbx_err_unsupported(struct sbx_req *r, const char *id);
/* 2500 "Unknown path components: /<rest>". */
void sbx_err_unknown_path(struct sbx_req *r, const char *rest);
/* 100 "Tried accessing nonexisting field (f) ...". */
void sbx_err_field(struct sbx_req *r, const char *field,
                   const char *node_type);
/* (#100) with a message for a bad parameter. */
void sbx_err_param(struct sbx_req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A json string from bytes that may not be UTF-8 (bad bytes become
 * U+FFFD).  Never NULL. */
json_t *sbx_jstr(const char *s);

/* fields.c: the fields parameter with field expansion. */
struct sbx_fields;
struct sbx_field {
  char *name;
  long limit;             /* .limit(N), -1 when absent */
  char *after, *before;   /* .after(c), .before(c), or NULL */
  struct sbx_fields *sub; /* {...}, or NULL */
  char *sub_raw;          /* the text between the braces */
};
struct sbx_fields {
  struct sbx_field *v;
  size_t n;
};
/* Parses s; on a syntax error returns -1 and writes Meta's message. */
int sbx_fields_parse(const char *s, struct sbx_fields **out, char *err,
                     size_t errlen);
void sbx_fields_free(struct sbx_fields *f);
const struct sbx_field *sbx_fields_get(const struct sbx_fields *f,
                                       const char *name);
/* The request's fields, or def when it has none.  On a syntax error sets
 * the error response and returns -1. */
int sbx_req_fields(struct sbx_req *r, const char *def,
                   struct sbx_fields **out);
/* Checks every name in f against the NULL-terminated allowed list; sets
 * the error response and returns -1 on the first unknown one. */
int sbx_fields_check(struct sbx_req *r, const struct sbx_fields *f,
                     const char *const *allowed, const char *node_type);
/* One field of a node whose fields are constants: its value as a string,
 * or, with id_object, as {"id": value}.  Tables end with a NULL name. */
struct sbx_const_field {
  const char *name;
  const char *value;
  int id_object;
};
/* GET of such a node: the request's fields (def when none) checked
 * against table (node_type names the node in the error), answered with
 * their values; "id" (id) is always there. */
void sbx_const_node(struct sbx_req *r, const char *def, const char *node_type,
                    const struct sbx_const_field *table, const char *id);

/* A request parameter from the query or the body, as a string (borrowed;
 * NULL when absent or not a string). */
const char *sbx_param(const struct sbx_req *r, const char *name);
/* A parameter that holds JSON: an object or array in a JSON body, or a
 * string holding JSON in a form or query.  Returns a new reference, NULL
 * when absent; *bad is set when present but not JSON. */
json_t *sbx_param_json(const struct sbx_req *r, const char *name, int *bad);
/* limit parameter: default when absent, clamped to [1, max]. */
int sbx_param_limit(struct sbx_req *r, const char *value, long def,
                    long max, long *out);

/* Cursor paging over an ordered list of keys.  Picks the window for
 * limit/after/before; returns -1 with the error set for a bad cursor. */
struct sbx_window {
  size_t start, end;      /* [start, end) */
};
int sbx_page(struct sbx_req *r, const char *kind, const char *const *keys,
             size_t n, long limit, const char *after, const char *before,
             struct sbx_window *win);
/* Builds {"data":data,"paging":{...}} for the window (steals data).
 * path is the edge's path for the next/previous URLs; extra holds the
 * query parameters to repeat (fields, platform...), may be NULL. */
json_t *sbx_paged(struct sbx_req *r, json_t *data, const char *kind,
                  const char *const *keys, size_t n,
                  const struct sbx_window *win, long limit,
                  const char *path, json_t *extra);

/* routes.c: the Graph API; routes_messaging.c: the messaging part. */
void sbx_route(struct sbx_req *r);
void sbx_get_conversations(struct sbx_req *r);
void sbx_get_conversation(struct sbx_req *r, struct world_conv *c);
void sbx_get_conv_messages(struct sbx_req *r, struct world_conv *c);
void sbx_get_message(struct sbx_req *r, struct world_conv *c, size_t idx);
void sbx_post_messages(struct sbx_req *r);
/* routes_batch.c: POST / with batch=[...] (graph.facebook.com). */
void sbx_batch(struct sbx_req *r);

/* Domain routers (routes_<domain>.c).  Each is called with the mutex held
 * for every Graph request before the messaging routes, with the first path
 * segment (obj: an id or "me"), the edge (NULL for the node itself) and
 * whatever follows the edge (NULL when nothing).  A router that owns the
 * request fills r's response and returns 1; otherwise it returns 0 and
 * touches nothing.  Helpers: sbx_is_account(r, obj) says whether obj names
 * our IG account on this host (me on the IG host, the IG id on both). */
int sbx_route_profile(struct sbx_req *r, const char *obj, const char *edge,
                      const char *rest);
int sbx_route_media(struct sbx_req *r, const char *obj, const char *edge,
                    const char *rest);
int sbx_route_pub(struct sbx_req *r, const char *obj, const char *edge,
                  const char *rest);
int sbx_route_tags(struct sbx_req *r, const char *obj, const char *edge,
                   const char *rest);
int sbx_is_account(const struct sbx_req *r, const char *obj);
/* routes_perms.c: the Page token's permissions (/me/permissions) and the
 * scopes debug_token reports; sbx_scope_index is -1 for an unknown name. */
int sbx_route_permissions(struct sbx_req *r, const char *obj,
                          const char *edge, const char *rest);
json_t *sbx_scopes_granted(const struct sandbox *sb);
int sbx_scope_index(const char *name);
/* 1 with (#10) set in r when edge belongs to a tool group whose scope
 * the request's token lost; 0 otherwise. */
int sbx_scope_denied(struct sbx_req *r, const char *edge);
/* GET /debug_token with the app access token "<app-id>|<app-secret>":
 * 1 when answered (sbx_debug_token, routes_auth.c), else 0. */
int sbx_route_app_token(struct sbx_req *r, const char *token);
void sbx_debug_token(struct sbx_req *r);

/* admin.c: the /__sandbox/ API.  Called with the mutex held. */
void sbx_admin(struct sbx_req *r, const char *sub);
/* Resets world, faults, clock and counters (mutex held). */
void sbx_reset(struct sandbox *sb);
/* Appends a request to the log ring (takes entry). */
void sbx_log_push(struct sandbox *sb, json_t *entry);

#endif
