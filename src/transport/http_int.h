/* SPDX-License-Identifier: MIT */
/*
 * http_int.h: what the Streamable HTTP transport's files share.  http.c
 * takes requests and routes them, http_session.c holds sessions and their
 * streams, http_guard.c the security checks (Origin, Host, bearer token,
 * RFC 9728 metadata).  Legacy era (2025-11-25 and older), on one
 * libmicrohttpd daemon in epoll mode with suspend/resume.
 *
 * Objects and owners:
 *   struct http_server  owns the daemon, the session table, the list of
 *                       ended sessions and the keeper thread.
 *   struct session      one Mcp-Session-Id: its own mcp_server and the
 *                       streams waiting for its messages.  Live sessions
 *                       sit in h->sessions; an ended one moves to h->dead
 *                       and the keeper thread shuts its server down and
 *                       frees it (never the daemon's thread: joining
 *                       workers there would stall every connection).
 *   struct wh_job       a POST /webhook being stored (http_webhook.c),
 *                       owned by its connection's struct conn.
 *   struct stream       where outgoing messages of a session go: a POST
 *                       waiting for its JSON answer (owned by the
 *                       connection's struct conn), a POST answered as an
 *                       SSE stream, or the GET stream (both owned by their
 *                       MHD response, freed in its free callback).
 *
 * Threads: the daemon's single polling thread runs every MHD callback and
 * every mcp_server_handle; the sessions' workers call session_write; the
 * keeper reaps ended sessions and sends keep-alive comments; the webhook
 * pool (h->wh_pool) stores deliveries.  One mutex, h->mu, guards the
 * session table, every stream, every webhook job's state and the queue of
 * deliveries waiting for a group commit.  It is never held
 * while calling into an mcp_server or logging (session_write runs with the
 * server's output mutex and maybe the log mutex held, and takes h->mu), so
 * the lock order is: log, server out_mu, h->mu, MHD's internal locks.
 *
 * Limits: at most max_sessions live sessions (a new one evicts the least
 * recently used idle session, or gets 503 when none is idle); the keeper
 * ends sessions idle longer than idle_ms (idle: no stream and no request
 * since last_active).  The GET stream's events are numbered per session
 * and kept in a bounded replay ring (struct replay, http_session.c), so a
 * GET with Last-Event-ID resumes where the client's last stream broke.
 *
 * The two libmicrohttpd traps (../shared DEPS.md §4): a connection is
 * suspended only by the access handler or the content reader, and always
 * resumed by whoever clears st->suspended; the reader never returns 0
 * without suspending; and MHD_stop_daemon only runs once no connection is
 * suspended (http_stop ends and resumes every stream first).
 */
#ifndef IGMCP_HTTP_INT_H
#define IGMCP_HTTP_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "mcp/server.h"
#include "transport/http.h"

#define ENDPOINT "/mcp"
/* Meta's webhook endpoint: exempt from the /mcp checks (Host, Origin,
 * bearer token, MCP-Protocol-Version), as Meta calls it from outside. */
#define WEBHOOK_PATH "/webhook"
/* Threads storing webhook deliveries (apart from the MCP workers). */
#define WEBHOOK_WORKERS 2
#define PRM_PATH "/.well-known/oauth-protected-resource"
/* An SSE stream whose client stops reading is ended past this backlog. */
#define STREAM_BACKLOG_MAX (16u * 1024 * 1024)
#define PING_MS_DEFAULT 15000L
#define STOP_WAIT_MS 5000L
/* The GET stream's replay ring keeps the last REPLAY_EVENTS events, and
 * no more than REPLAY_BYTES of message text, whichever is reached first. */
#define REPLAY_EVENTS 256
#define REPLAY_BYTES (1024u * 1024)
/* File descriptors kept for everything but the daemon's connections (the
 * sandbox, libcurl, SQLite, epoll, pipes, logs). */
#define FD_RESERVE 256
/* Seconds a client refused for a full session table is told to wait. */
#define FULL_RETRY_AFTER "10"

enum stream_kind {
  ST_JSON,     /* a POST answered with one application/json body */
  ST_POST_SSE, /* a POST answered as text/event-stream */
  ST_GET,      /* the session's server-to-client stream */
};

struct session;
struct replay;
struct wh_job;

struct stream {
  struct stream *snext;        /* in its session's list */
  struct session *sess;        /* NULL once detached from the session */
  struct http_server *h;
  struct MHD_Connection *conn;
  enum stream_kind kind;
  char key[128];               /* the request id's key (POST kinds) */
  struct buf out;              /* SSE bytes not yet read, or the JSON body */
  size_t off;                  /* bytes of out already handed to MHD */
  unsigned status;             /* HTTP status of a JSON answer */
  int done;                    /* answered (POST) or ended (GET) */
  int failed;                  /* the answer is a JSON-RPC error */
  int suspended;               /* we suspended conn and must resume it */
};

struct session {
  struct session *next;        /* in h->sessions or h->dead */
  struct http_server *h;
  char id[65];                 /* 32 random bytes in hex */
  struct mcp_server *srv;
  struct stream *streams;
  unsigned long long event_seq;/* last event id on the GET stream */
  struct replay *replay;       /* GET events for Last-Event-ID; NULL
                                  until the session's first GET */
  int64_t last_active;         /* clock_mono_ms of the last request, or
                                  of the last stream's end */
  int busy;                    /* threads using srv outside h->mu */
  int ended;
  /* A 2026-07-28 request's session: one request, one stream, no id
   * anyone can name; it ends with its stream, and ending it cancels the
   * call (closing the stream is how such a client cancels). */
  int ephemeral;
};

/* Per-request state, from the first access-handler call to completion. */
struct conn {
  struct buf body;
  int too_big;                 /* the body is dropped as it arrives: past
                                  its cap, or an unsigned /webhook POST */
  struct stream *st;           /* an ST_JSON answer awaited (owned) */
  struct wh_job *wh;           /* a webhook delivery being stored */
};

struct http_server {
  struct http_config cfg;
  struct MHD_Daemon *d;
  pthread_mutex_t mu;
  pthread_cond_t cv;           /* keeper wake-up; a stream was freed */
  pthread_t keeper;
  int keeper_started;
  struct session *sessions;    /* live sessions, ephemeral ones too */
  struct session *dead;
  int nsessions;               /* live sessions a client can name */
  struct pool *pool;           /* the workers every session shares */
  struct pool *wh_pool;        /* the webhook receiver's workers */
  int wh_running;              /* webhook jobs not yet done */
  int wh_conns;                /* webhook connections not yet completed */
  struct wh_job *wh_queue;     /* checked deliveries waiting for a COMMIT */
  struct wh_job *wh_qlast;     /* the last of them */
  int wh_committing;           /* a worker is committing the queue */
  long nstreams;               /* streams not yet freed */
  int closing;                 /* http_stop began: refuse requests */
  int stopping;                /* the keeper may exit once dead is empty */
  int loopback;                /* bound to a loopback address */
  char *token;                 /* the bearer token, or NULL */
  size_t tokenlen;
  long ping_ms;
  int max_sessions;
  int64_t idle_ms;             /* 0: sessions never expire */
  unsigned conn_limit;         /* MHD_OPTION_CONNECTION_LIMIT */
  uint16_t port;
  char hostport[80];           /* addr:port as a URL authority */
  char public_base[200];       /* --public-url's scheme://authority, or "" */
  char url[112];
};

/* ---- http.c ---- */

struct jsonrpc_msg;

/* 1 when the Accept header lists type. */
int http_accepts(struct MHD_Connection *c, const char *type);
/* An HTTP error whose body is a JSON-RPC error without an id. */
enum MHD_Result http_send_error(struct MHD_Connection *c, unsigned status,
                                int code, const char *msg);
enum MHD_Result http_send_empty(struct MHD_Connection *c, unsigned status);
/* Queues cx->st's JSON answer once it is done, or suspends again. */
enum MHD_Result http_finish_json(struct http_server *h,
                                 struct MHD_Connection *c, struct conn *cx,
                                 const char *sid);
/* A response with a copy of body and the given Content-Type (or none). */
struct MHD_Response *http_resp_text(const char *body, const char *ctype);
/* Queues r (destroying our reference); MHD_NO when r is NULL. */
enum MHD_Result http_send_resp(struct MHD_Connection *c, unsigned status,
                               struct MHD_Response *r);

/* ---- http_session.c: sessions and their streams ---- */

/* Creates a stream linked to ss (under h->mu). */
struct stream *http_stream_new(struct http_server *h, struct session *ss,
                               struct MHD_Connection *c,
                               enum stream_kind kind);
/* Detaches a stream from its session (under h->mu). */
void http_stream_unlink(struct stream *st);
/* Resumes the stream's connection if we suspended it (under h->mu). */
void http_stream_wake(struct stream *st);
void http_stream_destroy(struct stream *st);
/* Queues an SSE response fed by st. */
enum MHD_Result http_send_stream(struct MHD_Connection *c, struct stream *st,
                                 const char *sid);
struct session *http_session_new(struct http_server *h);
/* A live session by id (under h->mu), or NULL. */
struct session *http_session_find(struct http_server *h, const char *id);
/* Ends a session: its streams get status and why; the keeper frees it. */
void http_session_end(struct http_server *h, struct session *ss,
                      unsigned status, const char *why);
/* Frees an ended session that no thread uses any more. */
void http_session_free(struct session *ss);
/* Makes room for one more session: 0 when there is (maybe after evicting
 * the least recently used idle session), -1 when every session is in use.
 * Takes h->mu; runs on the daemon thread, the only one adding sessions. */
int http_session_admit(struct http_server *h);
/* Parses a Last-Event-ID header (under h->mu): 0 and *after when it names
 * an event of ss's GET stream, -1 otherwise. */
int http_replay_parse(const struct session *ss, const char *hdr,
                      unsigned long long *after);
/* Starts keeping ss's GET events and, when resume is set, queues on st
 * the kept events after the id after (under h->mu).  Returns how many of
 * those events are no longer kept. */
unsigned long long http_replay_open(struct session *ss, struct stream *st,
                                    int resume, unsigned long long after);
/* Hands one message to the session's mcp_server. */
void http_session_handle(struct http_server *h, struct session *ss,
                         const char *data, size_t len);
/* The keeper thread: frees ended sessions, sends keep-alive comments. */
void *http_keeper_main(void *arg);

/* ---- http_modern.c: 2026-07-28 requests ---- */

/* 1 when a POST without a session speaks 2026-07-28: its _meta names a
 * version, or its MCP-Protocol-Version header is not a legacy revision,
 * or it has no such header but an Mcp-Method one.  Anything else is a
 * legacy initialize, or a legacy client that lost its session. */
int http_is_modern(struct MHD_Connection *c, const struct jsonrpc_msg *m);
/* Checks the headers and the envelope, then runs the request on an
 * ephemeral session and answers it as JSON or SSE. */
enum MHD_Result http_post_modern(struct http_server *h,
                                 struct MHD_Connection *c, struct conn *cx,
                                 const struct jsonrpc_msg *m);

/* ---- http_webhook.c: Meta's webhooks on /webhook ---- */

/* GET (the handshake) or POST (a delivery, stored on h->wh_pool; the
 * connection is suspended until it is committed). */
enum MHD_Result http_webhook(struct http_server *h, struct MHD_Connection *c,
                             struct conn *cx, const char *method);
/* A resumed delivery: sends its answer (or suspends again). */
enum MHD_Result http_webhook_finish(struct http_server *h,
                                    struct MHD_Connection *c,
                                    struct conn *cx);
/* The connection completed: frees cx->wh, or leaves it to its worker. */
void http_webhook_release(struct http_server *h, struct conn *cx);
/* Waits (without bound) until every accepted delivery is stored, then up
 * to STOP_WAIT_MS for their answers to be sent.  h->closing is set. */
void http_webhook_drain(struct http_server *h);

/* ---- http_guard.c: who may talk to us ---- */

/* 1 when s (n bytes) is localhost, 127.0.0.1 or [::1], with an optional
 * port. */
int http_loopback_authority(const char *s, size_t n);
/* 1 when a Host header may be copied into URLs. */
int http_host_chars_ok(const char *s);
/* 1 when an Origin header is allowed. */
int http_origin_ok(const struct http_server *h, const char *o);
/* RFC 9728 protected resource metadata. */
enum MHD_Result http_handle_prm(struct http_server *h,
                                struct MHD_Connection *c);
/* 1 when the Authorization header carries the token; *sent says whether
 * there was one. */
int http_bearer_ok(const struct http_server *h, struct MHD_Connection *c,
                   int *sent);
/* 401 with WWW-Authenticate pointing at the metadata. */
enum MHD_Result http_send_unauthorized(struct http_server *h,
                                       struct MHD_Connection *c, int sent);
/* Checks --public-url and keeps its scheme://authority in
 * h->public_base. */
int http_public_url(struct http_server *h, const char *url, struct err *e);
/* Reads --auth-token-file (0600, visible ASCII, >= 16 characters). */
int http_read_token_file(const char *path, char **out, struct err *e);

#endif
