/* SPDX-License-Identifier: MIT */
/*
 * http_session.c: HTTP sessions and their streams: each session's own
 * mcp_server, the routing of its outgoing messages to the waiting POST or
 * the GET stream, the GET stream's replay ring (Last-Event-ID), the SSE
 * reader with suspend/resume, the session limits (--max-sessions, idle
 * expiry), and the keeper thread that frees ended sessions, expires idle
 * ones and sends keep-alives.
 */
#include "transport/http_int.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
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
  st->sess->last_active = clock_mono_ms(); /* the idle timer starts here */
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

/* ---- the GET stream's replay ring -------------------------------------- */

/* One kept event: its id and a copy of its message. */
struct replay_event {
  unsigned long long id;
  char *data;
  size_t len;
};

/* The last GET events of a session, oldest first from ev[first], with
 * consecutive ids; every id up to lost has been dropped. */
struct replay {
  struct replay_event ev[REPLAY_EVENTS];
  int first;
  int n;
  size_t bytes;                /* message bytes kept */
  unsigned long long lost;     /* newest id no longer kept; 0: none */
};

static void
replay_drop_oldest(struct replay *r)
{
  struct replay_event *e = &r->ev[r->first];

  r->lost = e->id;
  r->bytes -= e->len;
  free(e->data);
  e->data = NULL;
  r->first = (r->first + 1) % REPLAY_EVENTS;
  r->n--;
}

/* Keeps a copy of event id, dropping the oldest events past the bounds.
 * An event larger than the whole ring is not kept (nor anything before
 * it: ids stay consecutive). */
static void
replay_keep(struct replay *r, unsigned long long id, const char *data,
            size_t len)
{
  struct replay_event *e;

  while (r->n > 0 && (r->n == REPLAY_EVENTS || len > REPLAY_BYTES ||
                      r->bytes + len > REPLAY_BYTES))
    replay_drop_oldest(r);
  if (len > REPLAY_BYTES) {
    r->lost = id;
    return;
  }
  e = &r->ev[(r->first + r->n) % REPLAY_EVENTS];
  e->id = id;
  e->data = xmalloc(len);
  memcpy(e->data, data, len);
  e->len = len;
  r->bytes += len;
  r->n++;
}

static void
replay_free(struct replay *r)
{
  if (r == NULL)
    return;
  while (r->n > 0)
    replay_drop_oldest(r);
  free(r);
}

/* A message for the session's GET stream (under h->mu).  Once the session
 * has had a GET stream, every such message gets the next event id and is
 * kept for replay, whether a stream is open (to) or not, so a client
 * whose stream broke can resume with Last-Event-ID.  Before that, with
 * nobody to resume, a message without a stream is dropped, as the
 * specification allows. */
static void
get_event(struct session *ss, struct stream *to, const char *data,
          size_t len)
{
  if (to != NULL)
    stream_event(to, data, len); /* writes "id: ++event_seq" */
  else if (ss->replay != NULL)
    ss->event_seq++;
  else
    return;
  if (ss->replay != NULL)
    replay_keep(ss->replay, ss->event_seq, data, len);
}

int
http_replay_parse(const struct session *ss, const char *hdr,
                  unsigned long long *after)
{
  unsigned long long v = 0;

  /* Our ids are decimal numbers from 1 to event_seq, without leading
   * zeros; anything else was not issued by this session. */
  if (hdr[0] < '1' || hdr[0] > '9')
    return -1;
  for (const char *p = hdr; *p != '\0'; p++) {
    unsigned d = (unsigned)(*p - '0');
    if (d > 9 || v > (ULLONG_MAX - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  if (v > ss->event_seq)
    return -1;
  *after = v;
  return 0;
}

unsigned long long
http_replay_open(struct session *ss, struct stream *st, int resume,
                 unsigned long long after)
{
  struct replay *r;
  unsigned long long lost = 0;

  if (ss->replay == NULL)
    ss->replay = xcalloc(1, sizeof(*ss->replay));
  r = ss->replay;
  if (!resume)
    return 0;
  if (r->lost > after) {
    lost = r->lost - after;
    buf_printf(&st->out, ": %llu events lost\n\n", lost);
  }
  for (int i = 0; i < r->n; i++) {
    const struct replay_event *e = &r->ev[(r->first + i) % REPLAY_EVENTS];
    int rc = 0;
    if (e->id <= after)
      continue;
    rc |= buf_printf(&st->out, "id: %llu\nevent: message\ndata: ", e->id);
    rc |= buf_append(&st->out, e->data, e->len);
    rc |= buf_puts(&st->out, "\n\n");
    if (rc != 0) {
      st->done = 1;
      break;
    }
  }
  return lost;
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
 * of a request answered as plain JSON, to the session's GET stream
 * (get_event: numbered and kept for replay, even while no GET stream is
 * open).  Called with the server's output mutex (and maybe the log
 * mutex) held: it must not log. */
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
    get_event(ss, to, data, len);
    goto out;
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
  ss->last_active = clock_mono_ms();
  if (crypto_random_hex(ss->id, 32) != 0)
    fatalx("http: the CSPRNG failed");
  sc.write = session_write;
  sc.write_arg = ss;
  sc.shared_log = 1;
  sc.pool = h->pool;
  ss->srv = mcp_server_new(&sc);
  return ss;
}

/* Looks up a live session (under h->mu).  Every lookup is a request that
 * names the session, so it restarts the idle timer. */
struct session *
http_session_find(struct http_server *h, const char *id)
{
  size_t n = strlen(id);

  if (n != 64)
    return NULL;
  for (struct session *ss = h->sessions; ss != NULL; ss = ss->next) {
    if (!ss->ephemeral && crypto_memeq(ss->id, id, 64)) {
      ss->last_active = clock_mono_ms();
      return ss;
    }
  }
  return NULL;
}

void
http_session_free(struct session *ss)
{
  mcp_server_free(ss->srv);
  replay_free(ss->replay);
  free(ss);
}

/* Idle: no stream (an open GET stream, a request waiting for its answer
 * or streaming it) and no thread inside its server. */
static int
session_idle(const struct session *ss)
{
  /* A 2026-07-28 request's session lives exactly as long as its stream. */
  return !ss->ephemeral && ss->streams == NULL && ss->busy == 0;
}

/* A full table evicts the least recently used idle session rather than
 * refusing the newcomer: clients often vanish without DELETE (the SDK's
 * close() sends none), and refusing would lock every new client out until
 * the idle timeout reaped those abandoned sessions.  An evicted client
 * gets 404 on its next request and initializes again, the recovery the
 * specification defines.  Sessions with an open stream or a request in
 * progress are never evicted; when all are like that, the newcomer gets
 * 503 with Retry-After. */
int
http_session_admit(struct http_server *h)
{
  struct session *lru = NULL;
  char shown[9];

  pthread_mutex_lock(&h->mu);
  if (h->nsessions < h->max_sessions) {
    pthread_mutex_unlock(&h->mu);
    return 0;
  }
  for (struct session *ss = h->sessions; ss != NULL; ss = ss->next)
    if (session_idle(ss) && (lru == NULL || ss->last_active < lru->last_active))
      lru = ss;
  if (lru == NULL) {
    pthread_mutex_unlock(&h->mu);
    log_info("http: %d sessions, all in use: a new session is refused",
             h->max_sessions);
    return -1;
  }
  snprintf(shown, sizeof(shown), "%.8s", lru->id);
  http_session_end(h, lru, 404, "Session evicted: too many sessions");
  pthread_mutex_unlock(&h->mu);
  log_info("http: session %s... evicted (least recently used of %d)",
           shown, h->max_sessions);
  return 0;
}

/* A live session idle for idle_ms or more (under h->mu), or NULL. */
static struct session *
session_expired(struct http_server *h, int64_t now)
{
  if (h->idle_ms <= 0)
    return NULL;
  for (struct session *ss = h->sessions; ss != NULL; ss = ss->next)
    if (session_idle(ss) && now - ss->last_active >= h->idle_ms)
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

/* The keeper thread: frees ended sessions, ends sessions idle past
 * idle_ms, and sends a keep-alive comment on every SSE stream each
 * ping_ms, so proxies keep them open and a dead client is noticed on the
 * write. */
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
      http_session_free(ss);
      pthread_mutex_lock(&h->mu);
      continue;
    }
    if (h->stopping && h->dead == NULL)
      break;
    now = clock_mono_ms();
    if (!h->closing && (ss = session_expired(h, now)) != NULL) {
      char shown[9];
      long idle_s = (long)((now - ss->last_active) / 1000);
      snprintf(shown, sizeof(shown), "%.8s", ss->id);
      http_session_end(h, ss, 404, "Session expired");
      pthread_mutex_unlock(&h->mu);
      log_info("http: session %s... expired (idle %ld s)", shown, idle_s);
      pthread_mutex_lock(&h->mu);
      continue;
    }
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
