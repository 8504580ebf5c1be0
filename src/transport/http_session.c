/* SPDX-License-Identifier: MIT */
/*
 * http_session.c: HTTP sessions and their streams: each session's own
 * mcp_server, the routing of its outgoing messages to the waiting POST or
 * the GET stream, the SSE reader with suspend/resume, and the keeper
 * thread that frees ended sessions and sends keep-alives.
 */
#include "transport/http_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/xalloc.h"
#include "mcp/jsonrpc.h"

/* ---- streams ------------------------------------------------------------ */

/* Creates a stream linked to ss (both under h->mu). */
struct stream *
http_stream_new(struct http_server *h, struct session *ss,
                struct MHD_Connection *c, enum stream_kind kind)
{
  struct stream *st = xcalloc(1, sizeof(*st));

  st->h = h;
  st->sess = ss;
  st->conn = c;
  st->kind = kind;
  st->status = 200;
  buf_init(&st->out, kind == ST_JSON ? JSONRPC_MAX_MESSAGE
                                     : STREAM_BACKLOG_MAX);
  st->snext = ss->streams;
  ss->streams = st;
  h->nstreams++;
  return st;
}

/* Removes st from its session's list (under h->mu); idempotent. */
void
http_stream_unlink(struct stream *st)
{
  struct stream **pp;

  if (st->sess == NULL)
    return;
  for (pp = &st->sess->streams; *pp != NULL; pp = &(*pp)->snext) {
    if (*pp == st) {
      *pp = st->snext;
      break;
    }
  }
  st->sess = NULL;
  st->snext = NULL;
}

/* Resumes st's connection if we suspended it (under h->mu). */
void
http_stream_wake(struct stream *st)
{
  if (st->suspended) {
    st->suspended = 0;
    MHD_resume_connection(st->conn);
  }
}

/* Unlinks and frees st; takes h->mu. */
void
http_stream_destroy(struct stream *st)
{
  struct http_server *h = st->h;

  struct session *ss;

  pthread_mutex_lock(&h->mu);
  ss = st->sess;
  http_stream_unlink(st);
  /* A 2026-07-28 request's stream closed, answered or not: the session
   * ends, and with it any call still running. */
  if (ss != NULL && ss->ephemeral && !ss->ended)
    http_session_end(h, ss, 503, "stream closed");
  h->nstreams--;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  buf_free(&st->out);
  free(st);
}

/* Appends one SSE event carrying data (under h->mu).  A stream whose
 * client lets the backlog pass STREAM_BACKLOG_MAX is ended. */
static void
stream_event(struct stream *st, const char *data, size_t len)
{
  struct buf *b = &st->out;
  int rc = 0;

  if (st->kind == ST_GET && st->sess != NULL)
    rc |= buf_printf(b, "id: %llu\n", ++st->sess->event_seq);
  rc |= buf_puts(b, "event: message\ndata: ");
  rc |= buf_append(b, data, len);
  rc |= buf_puts(b, "\n\n");
  if (rc != 0)
    st->done = 1;
  http_stream_wake(st);
}

/* Ends every stream of ss (under h->mu): a waiting JSON answer becomes an
 * HTTP error with a JSON-RPC error body, SSE streams end after what they
 * already hold. */
static void
streams_end(struct session *ss, unsigned status, const char *why)
{
  while (ss->streams != NULL) {
    struct stream *st = ss->streams;
    http_stream_unlink(st);
    if (!st->done && st->kind == ST_JSON) {
      json_t *e = jsonrpc_error(NULL, JSONRPC_INTERNAL_ERROR, why, NULL);
      char *text = jsonrpc_dump(e);
      json_decref(e);
      buf_reset(&st->out);
      buf_puts(&st->out, text);
      free(text);
      st->status = status;
      st->failed = 1;
    }
    st->done = 1;
    http_stream_wake(st);
  }
}

/* The content reader of both SSE kinds: hands out what is queued, ends
 * the stream once it is done and drained, and otherwise suspends the
 * connection until a producer resumes it (never returns 0 without
 * suspending: that would busy-loop the daemon). */
static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
  struct stream *st = cls;
  struct http_server *h = st->h;
  ssize_t n;

  (void)pos;
  pthread_mutex_lock(&h->mu);
  if (st->off < st->out.len) {
    size_t avail = st->out.len - st->off;
    if (avail > max)
      avail = max;
    memcpy(out, st->out.data + st->off, avail);
    st->off += avail;
    if (st->off == st->out.len) {
      buf_reset(&st->out);
      st->off = 0;
    }
    n = (ssize_t)avail;
  } else if (st->done) {
    n = MHD_CONTENT_READER_END_OF_STREAM;
  } else {
    st->suspended = 1;
    MHD_suspend_connection(st->conn);
    n = 0;
  }
  pthread_mutex_unlock(&h->mu);
  return n;
}

static void
stream_free_cb(void *cls)
{
  http_stream_destroy(cls);
}

/* Queues the text/event-stream response reading st. */
enum MHD_Result
http_send_stream(struct MHD_Connection *c, struct stream *st, const char *sid)
{
  struct MHD_Response *r = MHD_create_response_from_callback(
      MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, st, stream_free_cb);

  if (r == NULL) {
    http_stream_destroy(st);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "text/event-stream");
  MHD_add_response_header(r, "Cache-Control", "no-cache");
  MHD_add_response_header(r, "X-Accel-Buffering", "no");
  if (sid != NULL)
    MHD_add_response_header(r, "Mcp-Session-Id", sid);
  return http_send_resp(c, 200, r);
}

/* ---- sessions ----------------------------------------------------------- */

/* The write callback of every session's server: routes one outgoing
 * message by the request it relates to.  A response goes to the POST
 * that carries its id; a notification of a running request (progress,
 * logs) to that request's SSE stream; everything else, and notifications
 * of a request answered as plain JSON, to the session's GET stream, or
 * nowhere when none is open.  Called with the server's output mutex (and
 * maybe the log mutex) held: it must not log. */
static void
session_write(void *arg, const char *data, size_t len,
              const struct mcp_out *o)
{
  struct session *ss = arg;
  struct http_server *h = ss->h;
  struct stream *st, *to = NULL;

  pthread_mutex_lock(&h->mu);
  if (ss->ended)
    goto out;
  for (st = ss->streams; o->related != NULL && st != NULL && to == NULL;
       st = st->snext) {
    if (st->done || st->kind == ST_GET || strcmp(st->key, o->related) != 0)
      continue;
    if (o->final || st->kind == ST_POST_SSE)
      to = st;
  }
  if (to == NULL && !o->final) {
    for (st = ss->streams; st != NULL && to == NULL; st = st->snext)
      if (st->kind == ST_GET && !st->done)
        to = st;
  }
  if (to == NULL)
    goto out; /* nobody to tell: dropped, as the specification allows */
  if (to->kind == ST_JSON) {
    buf_reset(&to->out);
    if (buf_append(&to->out, data, len) != 0) {
      to->status = 500;
      buf_puts(&to->out, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
                         "{\"code\":-32603,\"message\":\"answer too large\"}}");
    }
    to->failed = o->error;
    to->done = 1;
    http_stream_wake(to);
  } else {
    stream_event(to, data, len);
    if (o->final)
      to->done = 1;
  }
out:
  pthread_mutex_unlock(&h->mu);
}

struct session *
http_session_new(struct http_server *h)
{
  struct session *ss = xcalloc(1, sizeof(*ss));
  struct mcp_server_config sc = h->cfg.server;

  ss->h = h;
  if (crypto_random_hex(ss->id, 32) != 0)
    fatalx("http: the CSPRNG failed");
  sc.write = session_write;
  sc.write_arg = ss;
  sc.shared_log = 1;
  sc.pool = h->pool;
  ss->srv = mcp_server_new(&sc);
  return ss;
}

/* Looks up a live session (under h->mu). */
struct session *
http_session_find(struct http_server *h, const char *id)
{
  size_t n = strlen(id);

  if (n != 64)
    return NULL;
  for (struct session *ss = h->sessions; ss != NULL; ss = ss->next)
    if (!ss->ephemeral && crypto_memeq(ss->id, id, 64))
      return ss;
  return NULL;
}

/* Ends ss (under h->mu): out of the table, streams ended, handed to the
 * keeper, which shuts its server down and frees it. */
void
http_session_end(struct http_server *h, struct session *ss, unsigned status,
                 const char *why)
{
  struct session **pp;

  for (pp = &h->sessions; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == ss) {
      *pp = ss->next;
      if (!ss->ephemeral)
        h->nsessions--;
      break;
    }
  }
  ss->ended = 1;
  streams_end(ss, status, why);
  ss->next = h->dead;
  h->dead = ss;
  pthread_cond_broadcast(&h->cv);
}

/* Hands one message to the session's server; h->mu is not held, and
 * ss->busy keeps the keeper from freeing the server meanwhile. */
void
http_session_handle(struct http_server *h, struct session *ss, const char *data,
                    size_t len)
{
  mcp_server_handle(ss->srv, data, len);
  pthread_mutex_lock(&h->mu);
  ss->busy--;
  if (ss->ended)
    pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

/* The keeper thread: frees ended sessions and sends a keep-alive comment
 * on every SSE stream each ping_ms, so proxies keep them open and a dead
 * client is noticed on the write. */
void *
http_keeper_main(void *arg)
{
  struct http_server *h = arg;
  int64_t next_ping = clock_mono_ms() + h->ping_ms;

  pthread_mutex_lock(&h->mu);
  for (;;) {
    struct session **pp, *ss = NULL;
    int64_t now;
    struct timespec ts;

    for (pp = &h->dead; *pp != NULL; pp = &(*pp)->next) {
      if ((*pp)->busy == 0) {
        ss = *pp;
        *pp = ss->next;
        break;
      }
    }
    if (ss != NULL) {
      pthread_mutex_unlock(&h->mu);
      mcp_server_shutdown(ss->srv, 0);
      mcp_server_free(ss->srv);
      free(ss);
      pthread_mutex_lock(&h->mu);
      continue;
    }
    if (h->stopping && h->dead == NULL)
      break;
    now = clock_mono_ms();
    if (now >= next_ping) {
      for (ss = h->sessions; ss != NULL; ss = ss->next) {
        for (struct stream *st = ss->streams; st != NULL; st = st->snext) {
          if (st->kind == ST_JSON || st->done)
            continue;
          if (buf_puts(&st->out, ": ping\n\n") != 0)
            st->done = 1;
          http_stream_wake(st);
        }
      }
      next_ping = now + h->ping_ms;
    }
    ts = clock_deadline(next_ping - now < 1000 ? next_ping - now : 1000);
    pthread_cond_timedwait(&h->cv, &h->mu, &ts);
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}
