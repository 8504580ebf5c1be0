/* SPDX-License-Identifier: MIT */
/*
 * server.c: lifecycle, dispatch, the worker pool, cancellation, progress
 * and logging for one MCP session.
 *
 * Threads: the transport's reader thread calls mcp_server_handle; workers
 * run tool calls.  mu guards the session state, the job queue and the
 * in-flight table; out_mu serializes writes.  Lock order: the log module's
 * mutex, then out_mu (the log sink writes); mu is never held while
 * writing.
 */
#include "mcp/server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "mcp/jsonrpc.h"
#include "tools/registry.h"

static const char *versions[] = {
  "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
};

struct job {
  struct job *next;       /* in the queue */
  struct job *inext;      /* in the in-flight list */
  struct mcp_server *srv;
  char key[128];          /* jsonrpc_id_key of the request id */
  json_t *id;
  json_t *progress_token; /* NULL when the client did not ask */
  double last_progress;
  const struct tool *tool;
  const json_t *preset;   /* an alias's arguments (registry-owned) */
  json_t *args;
  volatile int cancelled;
};

struct mcp_server {
  struct mcp_server_config cfg;
  pthread_mutex_t mu;
  pthread_cond_t cv;      /* queue non-empty, or closing */
  pthread_cond_t idle_cv; /* in-flight list shrank */
  pthread_mutex_t out_mu;
  pthread_t *threads;
  int nthreads;
  struct job *qhead, *qtail;
  struct job *inflight;
  int closing;
  int initialized;        /* initialize answered */
  int log_enabled;
  enum log_level log_level;
  char version[16];
};

/* The server whose worker, or whose mcp_server_handle, runs on this
 * thread: how mcp_server_log_sink finds the session a record belongs to
 * when several servers share one process. */
static __thread struct mcp_server *tls_server;

int
mcp_version_supported(const char *v)
{
  for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
    if (strcmp(v, versions[i]) == 0)
      return 1;
  return 0;
}

/* Copies at most max bytes of s into out without cutting a UTF-8
 * character, so the text stays valid in a JSON string. */
static void
clip_utf8(const char *s, size_t max, char *out, size_t outlen)
{
  size_t n = strlen(s);

  if (n > max)
    n = max;
  if (n >= outlen)
    n = outlen - 1;
  if (n < strlen(s))
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
      n--;
  memcpy(out, s, n);
  out[n] = '\0';
  if (n < strlen(s) && n + 4 < outlen)
    memcpy(out + n, "...", 4);
}

/* Serializes and writes one message; steals msg. */
static void
send_msg(struct mcp_server *s, json_t *msg)
{
  char *text = jsonrpc_dump(msg);

  pthread_mutex_lock(&s->out_mu);
  s->cfg.write(s->cfg.write_arg, text, strlen(text));
  pthread_mutex_unlock(&s->out_mu);
  free(text);
  json_decref(msg);
}

static void
send_error(struct mcp_server *s, const json_t *id, int code,
           const char *message)
{
  send_msg(s, jsonrpc_error(id, code, message, NULL));
}

/* The log sink: forwards records to the client as notifications/message
 * once it asked for them with logging/setLevel. */
static void
log_sink(enum log_level lvl, const char *logger, const char *msg, void *arg)
{
  struct mcp_server *s = arg;
  json_t *n;

  if (!s->log_enabled || lvl < s->log_level)
    return;
  n = jsonrpc_notification(
      "notifications/message",
      json_pack("{s:s, s:s, s:s}", "level", log_level_name(lvl), "logger",
                logger, "data", msg));
  send_msg(s, n);
}

void
mcp_server_log_sink(enum log_level lvl, const char *logger, const char *msg,
                    void *arg)
{
  (void)arg;
  if (tls_server != NULL)
    log_sink(lvl, logger, msg, tls_server);
}

static void
job_free(struct job *j)
{
  json_decref(j->id);
  json_decref(j->progress_token);
  json_decref(j->args);
  free(j);
}

/* Sends notifications/progress for a job whose client asked for it. */
static void
job_progress(void *arg, double progress, double total, const char *message)
{
  struct job *j = arg;
  json_t *p;

  if (j->progress_token == NULL || j->cancelled)
    return;
  if (progress <= j->last_progress)
    progress = j->last_progress + 0.001; /* progress must increase */
  j->last_progress = progress;
  p = json_pack("{s:O, s:f}", "progressToken", j->progress_token, "progress",
                progress);
  if (total > 0)
    json_object_set_new(p, "total", json_real(total));
  if (message != NULL)
    json_object_set_new(p, "message", json_string(message));
  send_msg(j->srv, jsonrpc_notification("notifications/progress", p));
}

static void
inflight_remove(struct mcp_server *s, struct job *j)
{
  struct job **pp;

  for (pp = &s->inflight; *pp != NULL; pp = &(*pp)->inext) {
    if (*pp == j) {
      *pp = j->inext;
      break;
    }
  }
  pthread_cond_broadcast(&s->idle_cv);
}

/* Runs one tool call and answers it, unless it was cancelled. */
static void
run_job(struct mcp_server *s, struct job *j)
{
  struct call c = { 0 };
  json_t *res = NULL;

  c.graph = s->cfg.graph;
  c.acct = s->cfg.acct;
  c.cancel = &j->cancelled;
  c.progress = job_progress;
  c.progress_arg = j;
  if (!j->cancelled) {
    log_msg(LOG_DEBUG, "tools", "calling %s", j->tool->name);
    res = registry_call(j->tool, j->args, j->preset, &c);
  }
  json_decref(c.usage);
  /* Remove from the in-flight table before answering, so that a client
   * reusing the id after our answer is not refused. */
  pthread_mutex_lock(&s->mu);
  inflight_remove(s, j);
  pthread_mutex_unlock(&s->mu);
  if (res != NULL && !j->cancelled)
    send_msg(s, jsonrpc_result(j->id, res));
  else
    json_decref(res);
  job_free(j);
}

static void *
worker_main(void *arg)
{
  struct mcp_server *s = arg;

  tls_server = s;
  for (;;) {
    struct job *j;

    pthread_mutex_lock(&s->mu);
    while (s->qhead == NULL && !s->closing)
      pthread_cond_wait(&s->cv, &s->mu);
    j = s->qhead;
    if (j == NULL) {
      pthread_mutex_unlock(&s->mu);
      return NULL;
    }
    s->qhead = j->next;
    if (s->qhead == NULL)
      s->qtail = NULL;
    pthread_mutex_unlock(&s->mu);
    run_job(s, j);
  }
}

struct mcp_server *
mcp_server_new(const struct mcp_server_config *cfg)
{
  struct mcp_server *s = xcalloc(1, sizeof(*s));

  s->cfg = *cfg;
  if (s->cfg.workers <= 0)
    s->cfg.workers = 4;
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_init(&s->out_mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  pthread_cond_init(&s->idle_cv, NULL);
  s->threads = xcalloc((size_t)s->cfg.workers, sizeof(pthread_t));
  for (int i = 0; i < s->cfg.workers; i++) {
    if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0)
      fatalx("cannot start worker thread");
    s->nthreads++;
  }
  if (!s->cfg.shared_log)
    log_set_sink(log_sink, s);
  return s;
}

/* initialize: negotiate the revision and describe the server. */
static json_t *
do_initialize(struct mcp_server *s, const json_t *params, int *code,
              const char **why)
{
  const char *want = json_string_value(json_object_get(params, "protocolVersion"));
  const char *use;
  json_t *res;

  if (want == NULL) {
    *code = JSONRPC_INVALID_PARAMS;
    *why = "Invalid params: initialize needs \"protocolVersion\" (a string "
           "such as \"" MCP_LATEST_VERSION "\")";
    return NULL;
  }
  use = mcp_version_supported(want) ? want : MCP_LATEST_VERSION;
  pthread_mutex_lock(&s->mu);
  if (s->initialized) {
    pthread_mutex_unlock(&s->mu);
    *code = JSONRPC_INVALID_REQUEST;
    *why = "Invalid Request: the session is already initialized";
    return NULL;
  }
  s->initialized = 1;
  snprintf(s->version, sizeof(s->version), "%s", use);
  pthread_mutex_unlock(&s->mu);
  res = json_pack(
      "{s:s, s:{s:{s:b}, s:{}}, s:{s:s, s:s, s:s}}", "protocolVersion", use,
      "capabilities", "tools", "listChanged", 0, "logging", "serverInfo",
      "name", "igmcp", "title", "Instagram (igmcp)", "version",
      IGMCP_VERSION);
  if (s->cfg.instructions != NULL)
    json_object_set_new(res, "instructions",
                        json_string(s->cfg.instructions));
  log_msg(LOG_INFO, "mcp", "initialized with protocol %s", use);
  return res;
}

/* Cursors are opaque to clients: "t" + the decimal offset, hex-encoded. */
static int
cursor_decode(const char *c, size_t *offset)
{
  char raw[32];
  size_t len = strlen(c), i;
  char *end;
  unsigned long v;

  if (len < 4 || len % 2 != 0 || len / 2 >= sizeof(raw))
    return -1;
  for (i = 0; i < len / 2; i++) {
    char h[3] = { c[2 * i], c[2 * i + 1], '\0' };
    unsigned long b = strtoul(h, &end, 16);
    if (*end != '\0')
      return -1;
    raw[i] = (char)b;
  }
  raw[i] = '\0';
  if (raw[0] != 't' || raw[1] < '0' || raw[1] > '9')
    return -1;
  v = strtoul(raw + 1, &end, 10);
  if (*end != '\0')
    return -1;
  *offset = v;
  return 0;
}

/* Every enabled tool in one page: several clients never ask for a second
 * one.  A cursor is still accepted (the tools from its offset), but none
 * is ever sent. */
static json_t *
do_tools_list(struct mcp_server *s, const json_t *params, int *code,
              const char **why)
{
  const json_t *cur = json_object_get(params, "cursor");
  const json_t *all = registry_list();
  size_t off = 0, n = json_array_size(all);
  json_t *tools = json_array();

  (void)s;
  if (cur != NULL && !json_is_null(cur)) {
    if (!json_is_string(cur) || cursor_decode(json_string_value(cur), &off) != 0 ||
        off > n) {
      json_decref(tools);
      *code = JSONRPC_INVALID_PARAMS;
      *why = "Invalid params: unknown cursor; call tools/list without a "
             "cursor: it returns every tool in one page";
      return NULL;
    }
  }
  for (size_t i = off; i < n; i++)
    json_array_append(tools, json_array_get(all, i));
  return json_pack("{s:o}", "tools", tools);
}

static json_t *
do_set_level(struct mcp_server *s, const json_t *params, int *code,
             const char **why)
{
  const char *lvl = json_string_value(json_object_get(params, "level"));
  enum log_level l;

  if (lvl == NULL || log_level_parse(lvl, &l) != 0) {
    *code = JSONRPC_INVALID_PARAMS;
    *why = "Invalid params: \"level\" must be one of debug, info, notice, "
           "warning, error, critical, alert, emergency";
    return NULL;
  }
  s->log_level = l;
  s->log_enabled = 1;
  return json_object();
}

/* Queues a tools/call; answers at once when the envelope is wrong. */
static void
do_tools_call(struct mcp_server *s, const json_t *id, const json_t *params)
{
  const json_t *name = json_object_get(params, "name");
  const json_t *args = json_object_get(params, "arguments");
  const json_t *meta = json_object_get(params, "_meta");
  const json_t *tok = json_object_get(meta, "progressToken");
  const struct tool *t;
  struct job *j, *it;
  const json_t *preset;
  char msg[400];

  if (!json_is_string(name)) {
    send_error(s, id, JSONRPC_INVALID_PARAMS,
               "Invalid params: tools/call needs \"name\" (a string)");
    return;
  }
  if (args != NULL && !json_is_object(args) && !json_is_null(args)) {
    send_error(s, id, JSONRPC_INVALID_PARAMS,
               "Invalid params: \"arguments\" must be an object");
    return;
  }
  if (tok != NULL && !json_is_string(tok) && !json_is_integer(tok)) {
    send_error(s, id, JSONRPC_INVALID_PARAMS,
               "Invalid params: \"_meta.progressToken\" must be a string or "
               "an integer");
    return;
  }
  t = registry_find(json_string_value(name), &preset);
  if (t == NULL) {
    char shown[110];
    clip_utf8(json_string_value(name), 100, shown, sizeof(shown));
    registry_unavailable(shown, msg, sizeof(msg));
    send_error(s, id, JSONRPC_INVALID_PARAMS, msg);
    return;
  }
  j = xcalloc(1, sizeof(*j));
  j->srv = s;
  jsonrpc_id_key(id, j->key, sizeof(j->key));
  j->id = json_deep_copy(id);
  j->progress_token = tok ? json_deep_copy(tok) : NULL;
  j->tool = t;
  j->preset = preset;
  j->args = args && json_is_object(args) ? json_deep_copy(args) : NULL;
  pthread_mutex_lock(&s->mu);
  for (it = s->inflight; it != NULL; it = it->inext) {
    if (strcmp(it->key, j->key) == 0) {
      pthread_mutex_unlock(&s->mu);
      job_free(j);
      send_error(s, id, JSONRPC_INVALID_REQUEST,
                 "Invalid Request: this id is already in use by a request "
                 "in progress; use a new id");
      return;
    }
  }
  if (s->closing) {
    pthread_mutex_unlock(&s->mu);
    job_free(j);
    send_error(s, id, JSONRPC_INTERNAL_ERROR, "the server is shutting down");
    return;
  }
  j->inext = s->inflight;
  s->inflight = j;
  if (s->qtail != NULL)
    s->qtail->next = j;
  else
    s->qhead = j;
  s->qtail = j;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

/* notifications/cancelled: flags the request; its answer is never sent. */
static void
do_cancelled(struct mcp_server *s, const json_t *params)
{
  const json_t *rid = json_object_get(params, "requestId");
  char key[128];
  struct job *j;

  if (rid == NULL)
    return;
  jsonrpc_id_key(rid, key, sizeof(key));
  pthread_mutex_lock(&s->mu);
  for (j = s->inflight; j != NULL; j = j->inext) {
    if (strcmp(j->key, key) == 0) {
      j->cancelled = 1;
      log_msg(LOG_DEBUG, "mcp", "request %s cancelled", key);
      break;
    }
  }
  pthread_mutex_unlock(&s->mu);
}

static void
handle_request(struct mcp_server *s, struct jsonrpc_msg *m)
{
  const char *method = m->method;
  json_t *res = NULL;
  int code = 0, initialized;
  const char *why = NULL;
  char msg[200];

  pthread_mutex_lock(&s->mu);
  initialized = s->initialized;
  pthread_mutex_unlock(&s->mu);

  if (strcmp(method, "initialize") == 0) {
    res = do_initialize(s, m->params, &code, &why);
  } else if (strcmp(method, "ping") == 0) {
    res = json_object();
  } else if (!initialized) {
    code = JSONRPC_INVALID_REQUEST;
    why = "Invalid Request: the session is not initialized; send "
          "initialize first";
  } else if (strcmp(method, "tools/list") == 0) {
    res = do_tools_list(s, m->params, &code, &why);
  } else if (strcmp(method, "tools/call") == 0) {
    do_tools_call(s, m->id, m->params);
    return;
  } else if (strcmp(method, "logging/setLevel") == 0) {
    res = do_set_level(s, m->params, &code, &why);
  } else {
    char shown[110];
    clip_utf8(method, 100, shown, sizeof(shown));
    snprintf(msg, sizeof(msg), "Method not found: %s", shown);
    code = JSONRPC_METHOD_NOT_FOUND;
    why = msg;
  }
  if (res != NULL)
    send_msg(s, jsonrpc_result(m->id, res));
  else
    send_error(s, m->id, code, why);
}

static void
handle_notification(struct mcp_server *s, struct jsonrpc_msg *m)
{
  if (strcmp(m->method, "notifications/cancelled") == 0)
    do_cancelled(s, m->params);
  else if (strcmp(m->method, "notifications/initialized") == 0)
    log_msg(LOG_DEBUG, "mcp", "client initialized");
  /* Every other notification is ignored, as JSON-RPC requires. */
}

void
mcp_server_handle(struct mcp_server *s, const char *data, size_t len)
{
  struct jsonrpc_msg m;
  json_t *err = NULL;
  struct mcp_server *prev = tls_server;

  if (jsonrpc_parse(data, len, &m, &err) != 0) {
    if (err != NULL)
      send_msg(s, err);
    return;
  }
  tls_server = s;
  switch (m.kind) {
  case JSONRPC_REQUEST:
    handle_request(s, &m);
    break;
  case JSONRPC_NOTIFICATION:
    handle_notification(s, &m);
    break;
  default:
    break; /* responses: we send no requests yet */
  }
  jsonrpc_msg_free(&m);
  tls_server = prev;
}

void
mcp_server_reject_oversize(struct mcp_server *s, size_t len)
{
  char msg[200];

  snprintf(msg, sizeof(msg),
           "Invalid Request: message of more than %zu bytes refused (the "
           "limit is %u bytes)", len, JSONRPC_MAX_MESSAGE);
  send_error(s, NULL, JSONRPC_INVALID_REQUEST, msg);
}

void
mcp_server_shutdown(struct mcp_server *s, long drain_ms)
{
  int64_t deadline = clock_mono_ms() + drain_ms;

  pthread_mutex_lock(&s->mu);
  while (s->inflight != NULL && clock_mono_ms() < deadline) {
    struct timespec ts = clock_deadline(50);
    pthread_cond_timedwait(&s->idle_cv, &s->mu, &ts);
  }
  for (struct job *j = s->inflight; j != NULL; j = j->inext)
    j->cancelled = 1;
  s->closing = 1;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  for (int i = 0; i < s->nthreads; i++)
    pthread_join(s->threads[i], NULL);
  s->nthreads = 0;
}

void
mcp_server_free(struct mcp_server *s)
{
  if (s == NULL)
    return;
  if (s->nthreads > 0)
    mcp_server_shutdown(s, 0);
  if (!s->cfg.shared_log)
    log_set_sink(NULL, NULL);
  pthread_mutex_destroy(&s->mu);
  pthread_mutex_destroy(&s->out_mu);
  pthread_cond_destroy(&s->cv);
  pthread_cond_destroy(&s->idle_cv);
  free(s->threads);
  free(s);
}
