/* SPDX-License-Identifier: MIT */
/*
 * server.c: lifecycle, dispatch, cancellation, progress and logging for
 * one MCP session (or, in the 2026-07-28 era, one stream of stateless
 * requests).
 *
 * Threads: the transport's reader thread calls mcp_server_handle; the
 * pool's workers run tool calls.  mu guards the session state and the
 * in-flight table (queued and running calls, and open subscription
 * listeners); out_mu serializes writes.  Lock order: the log module's
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
#include "base/pool.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "mcp/jsonrpc.h"
#include "mcp/pending.h"
#include "mcp/resources.h"
#include "tools/registry.h"

/* Newest first; the first one is spoken per request, the rest through
 * initialize. */
static const char *versions[] = {
  MCP_MODERN_VERSION, "2025-11-25", "2025-06-18", "2025-03-26",
  "2024-11-05",
};
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

/* How long a 2026-07-28 client may cache list results: the tool list is
 * fixed for the life of the process, but a restart with other flags
 * changes it. */
#define LIST_TTL_MS 300000
/* How long a call waits for the user to answer a confirmation. */
#define ELICIT_TIMEOUT_MS (10L * 60 * 1000)

struct job {
  struct job *inext;      /* in the in-flight list */
  struct mcp_server *srv;
  char key[128];          /* jsonrpc_id_key of the request id */
  json_t *id;
  json_t *progress_token; /* NULL when the client did not ask */
  double last_progress;
  const struct tool *tool;
  const json_t *preset;   /* an alias's arguments (registry-owned) */
  json_t *args;           /* a tool's arguments, or a method's params */
  const char *method;     /* a resources/ method run instead of a tool */
  int modern;             /* a 2026-07-28 request */
  int listener;           /* subscriptions/listen: never queued */
  int log_enabled;        /* modern: _meta named a log level */
  enum log_level log_level;
  volatile int cancelled;
};

struct mcp_server {
  struct mcp_server_config cfg;
  pthread_mutex_t mu;
  pthread_cond_t idle_cv; /* in-flight list shrank */
  pthread_mutex_t out_mu;
  struct pool *pool;
  int own_pool;           /* pool started by and for this server */
  struct job *inflight;
  int pending;            /* calls queued or running, until answered */
  int closing;
  int stopped;            /* shut down: the pool holds none of our jobs */
  int initialized;        /* initialize answered */
  int log_enabled;
  enum log_level log_level;
  char version[16];
  struct mcp_res *res;    /* resources; NULL without a store */
  struct mcp_pending *asks; /* our requests to the client (elicitation) */
  char *tools_text;       /* the legacy tools/list result, serialized once
                           * per registry selection (tools_gen) */
  unsigned long tools_gen;
  int client_elicit;      /* initialize: the client can be asked (form) */
};

/* The server whose worker, or whose mcp_server_handle, runs on this
 * thread: how mcp_server_log_sink finds the session a record belongs to
 * when several servers share one process. */
static __thread struct mcp_server *tls_server;
/* The call a worker runs on this thread, for its logs' routing and level. */
static __thread struct job *tls_job;

int
mcp_version_supported(const char *v)
{
  for (size_t i = 0; i < NVERSIONS; i++)
    if (strcmp(v, versions[i]) == 0)
      return 1;
  return 0;
}

int
mcp_version_legacy(const char *v)
{
  return mcp_version_supported(v) && strcmp(v, MCP_MODERN_VERSION) != 0;
}

/* Serializes and writes one message; steals msg.  related is the key of
 * the request it belongs to (or NULL); final marks the request's answer. */
static void
send_to(struct mcp_server *s, json_t *msg, const char *related, int final)
{
  char *text = jsonrpc_dump(msg);
  struct mcp_out o = { related, final,
                       final && json_object_get(msg, "error") != NULL };

  pthread_mutex_lock(&s->out_mu);
  s->cfg.write(s->cfg.write_arg, text, strlen(text), &o);
  pthread_mutex_unlock(&s->out_mu);
  free(text);
  json_decref(msg);
}

/* tools/list without a cursor, the call agents and clients repeat: the
 * result is serialized once per server and the answer is assembled around
 * the request's id, instead of copying and printing some 30 KB of schemas
 * each time (jansson was 70 % of its cost). */
static json_t *do_tools_list(const json_t *params, int modern, int *code,
                             const char **why);

static void
send_tools_list(struct mcp_server *s, const json_t *id)
{
  char key[128], *idtext, *text;
  struct mcp_out o = { NULL, 1, 0 };

  idtext = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
  pthread_mutex_lock(&s->mu);
  if (s->tools_text == NULL || s->tools_gen != registry_generation()) {
    int code = 0;
    const char *why = NULL;
    json_t *res = do_tools_list(NULL, 0, &code, &why);
    free(s->tools_text);
    s->tools_gen = registry_generation();
    s->tools_text = json_dumps(res, JSON_COMPACT);
    json_decref(res);
  }
  text = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}",
                   idtext != NULL ? idtext : "null",
                   s->tools_text != NULL ? s->tools_text : "{\"tools\":[]}");
  pthread_mutex_unlock(&s->mu);
  jsonrpc_id_key(id, key, sizeof(key));
  o.related = key;
  pthread_mutex_lock(&s->out_mu);
  s->cfg.write(s->cfg.write_arg, text, strlen(text), &o);
  pthread_mutex_unlock(&s->out_mu);
  free(idtext);
  free(text);
}

/* Answers the request id; steals msg. */
static void
send_answer(struct mcp_server *s, const json_t *id, json_t *msg)
{
  char key[128];

  if (id == NULL || json_is_null(id)) {
    send_to(s, msg, NULL, 0);
    return;
  }
  jsonrpc_id_key(id, key, sizeof(key));
  send_to(s, msg, key, 1);
}

static void
send_error(struct mcp_server *s, const json_t *id, int code,
           const char *message)
{
  send_answer(s, id, jsonrpc_error(id, code, message, NULL));
}

static json_t *
server_info(void)
{
  return json_pack("{s:s, s:s, s:s}", "name", "igmcp", "title",
                   "Instagram (igmcp)", "version", IGMCP_VERSION);
}

/* A 2026-07-28 result: resultType, and who answered in _meta. */
static json_t *
modern_result(json_t *res)
{
  json_t *meta = json_object_get(res, "_meta");

  json_object_set_new(res, "resultType", json_string("complete"));
  if (!json_is_object(meta)) {
    meta = json_object();
    json_object_set_new(res, "_meta", meta);
  }
  json_object_set_new(meta, MCP_META_SERVERINFO, server_info());
  return res;
}

/* The log sink: forwards records to the client as notifications/message
 * once it asked for them with logging/setLevel. */
static void
log_sink(enum log_level lvl, const char *logger, const char *msg, void *arg)
{
  struct mcp_server *s = arg;
  struct job *j = tls_job != NULL && tls_job->srv == s ? tls_job : NULL;
  json_t *n;

  /* A 2026-07-28 call logs only at the level its own _meta asked for,
   * and never when it asked for none. */
  if (j != NULL && j->modern) {
    if (!j->log_enabled || lvl < j->log_level)
      return;
  } else if (!s->log_enabled || lvl < s->log_level) {
    return;
  }
  n = jsonrpc_notification(
      "notifications/message",
      json_pack("{s:s, s:s, s:s}", "level", log_level_name(lvl), "logger",
                logger, "data", msg));
  send_to(s, n, j != NULL ? j->key : NULL, 0);
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
  send_to(j->srv, jsonrpc_notification("notifications/progress", p), j->key,
          0);
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

/* Asks the user through the client (elicitation/create, form mode) and
 * waits for the answer; see struct call's elicit. */
static int
job_elicit(void *arg, const char *message, const json_t *schema,
           json_t **content)
{
  struct job *j = arg;
  struct mcp_server *s = j->srv;
  json_t *id = mcp_pending_open(s->asks), *params, *ans = NULL;
  const char *action;
  int rc;

  *content = NULL;
  if (id == NULL)
    return -1;
  params = json_pack("{s:s, s:O}", "message", message, "requestedSchema",
                     schema);
  if (strcmp(s->version, "2025-11-25") == 0)
    json_object_set_new(params, "mode", json_string("form"));
  send_to(s, json_pack("{s:s, s:O, s:s, s:o}", "jsonrpc", "2.0", "id", id,
                       "method", "elicitation/create", "params", params),
          j->key, 0);
  rc = mcp_pending_wait(s->asks, id, &j->cancelled, ELICIT_TIMEOUT_MS, &ans);
  json_decref(id);
  if (rc != 1) {
    json_decref(ans);
    return -1;
  }
  action = json_string_value(json_object_get(ans, "action"));
  rc = action != NULL && strcmp(action, "accept") == 0;
  if (rc && json_is_object(json_object_get(ans, "content")))
    *content = json_incref(json_object_get(ans, "content"));
  json_decref(ans);
  return rc;
}

/* What a tool or resource handler gets from this server. */
static void
call_init(struct mcp_server *s, struct call *c)
{
  memset(c, 0, sizeof(*c));
  c->graph = s->cfg.graph;
  c->acct = s->cfg.acct;
  c->accounts = s->cfg.accounts;
  c->store = s->cfg.store;
  c->now_ms = s->cfg.now_ms;
  c->now_arg = s->cfg.now_arg;
}

/* Runs a resources/ method queued as a job.  Returns the result, or NULL
 * with *err set. */
static json_t *
run_resource(struct mcp_server *s, struct job *j, struct call *c,
             json_t **err)
{
  *err = NULL;
  if (strcmp(j->method, "resources/list") == 0)
    return mcp_res_list(s->res, c, j->args, j->modern, err);
  return mcp_res_read(s->res, c, j->args, j->modern, err);
}

/* Runs one tool call or resources/ method and answers it, unless it was
 * cancelled. */
static void
run_job(struct mcp_server *s, struct job *j)
{
  struct call c;
  json_t *res = NULL, *err = NULL;

  call_init(s, &c);
  c.cancel = &j->cancelled;
  c.progress = job_progress;
  c.progress_arg = j;
  if (s->client_elicit && !j->modern) {
    c.elicit = job_elicit;
    c.elicit_arg = j;
  }
  if (!j->cancelled && j->method != NULL) {
    log_msg(LOG_DEBUG, "mcp", "%s", j->method);
    res = run_resource(s, j, &c, &err);
  } else if (!j->cancelled) {
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
    send_to(s, jsonrpc_result(j->id, j->modern ? modern_result(res) : res),
            j->key, 1);
  else if (err != NULL && !j->cancelled)
    send_to(s, json_pack("{s:s, s:O, s:O}", "jsonrpc", "2.0", "id", j->id,
                         "error", err), j->key, 1);
  else
    json_decref(res);
  json_decref(err);
  job_free(j);
  /* Only now may a shutdown return: the answer has left. */
  pthread_mutex_lock(&s->mu);
  s->pending--;
  pthread_cond_broadcast(&s->idle_cv);
  pthread_mutex_unlock(&s->mu);
}

/* A pool task: one queued call, run on a worker with the thread-locals
 * that route its logs. */
static void
job_task(void *arg)
{
  struct job *j = arg;
  struct mcp_server *prev = tls_server;

  tls_server = j->srv;
  tls_job = j;
  run_job(j->srv, j);
  tls_job = NULL;
  tls_server = prev;
}

/* A pool task: writes the resource updates the store announced. */
static void
notify_task(void *arg)
{
  struct mcp_server *s = arg;
  json_t *q = mcp_res_take(s->res), *v;
  size_t i;

  json_array_foreach(q, i, v) {
    json_t *p = json_pack("{s:O}", "uri", json_object_get(v, "uri"));
    const char *key = json_string_value(json_object_get(v, "key"));

    if (json_object_get(v, "sid") != NULL)
      json_object_set_new(p, "_meta",
                          json_pack("{s:O}", MCP_META_SUBSCRIPTION,
                                    json_object_get(v, "sid")));
    send_to(s, jsonrpc_notification("notifications/resources/updated", p),
            key, 0);
  }
  json_decref(q);
  pthread_mutex_lock(&s->mu);
  s->pending--;
  pthread_cond_broadcast(&s->idle_cv);
  pthread_mutex_unlock(&s->mu);
}

/* mcp_res's wake: queues notify_task, counted in pending so that a
 * shutdown waits for it. */
static void
res_wake(void *arg)
{
  struct mcp_server *s = arg;

  pthread_mutex_lock(&s->mu);
  if (!s->stopped) {
    s->pending++;
    pool_submit(s->pool, notify_task, s);
  }
  pthread_mutex_unlock(&s->mu);
}

struct mcp_server *
mcp_server_new(const struct mcp_server_config *cfg)
{
  struct mcp_server *s = xcalloc(1, sizeof(*s));

  s->cfg = *cfg;
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_init(&s->out_mu, NULL);
  pthread_cond_init(&s->idle_cv, NULL);
  s->pool = cfg->pool;
  if (s->pool == NULL) {
    s->pool = pool_new(cfg->workers);
    s->own_pool = 1;
  }
  if (!s->cfg.shared_log)
    log_set_sink(log_sink, s);
  if (cfg->store != NULL)
    s->res = mcp_res_new(cfg->store, res_wake, s);
  s->asks = mcp_pending_new();
  return s;
}

/* The capabilities object of initialize and server/discover.  No
 * listChanged: the tool list is fixed for the life of the process, and
 * conversations come and go without a list notification (a client that
 * cares lists again). */
static json_t *
capabilities(struct mcp_server *s)
{
  json_t *caps = json_pack("{s:{s:b}, s:{}}", "tools", "listChanged", 0,
                           "logging");

  if (s->res != NULL)
    json_object_set_new(caps, "resources",
                        json_pack("{s:b, s:b}", "subscribe", 1,
                                  "listChanged", 0));
  return caps;
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
  /* initialize negotiates among the legacy revisions only: 2026-07-28
   * has no handshake. */
  use = mcp_version_legacy(want) ? want : MCP_LATEST_VERSION;
  pthread_mutex_lock(&s->mu);
  if (s->initialized) {
    pthread_mutex_unlock(&s->mu);
    *code = JSONRPC_INVALID_REQUEST;
    *why = "Invalid Request: the session is already initialized";
    return NULL;
  }
  s->initialized = 1;
  snprintf(s->version, sizeof(s->version), "%s", use);
  /* Elicitation: {} (form implied) or {form:{}, url?:{}}; url alone is
   * not enough for a yes/no form. */
  {
    const json_t *el = json_object_get(json_object_get(params,
                                                       "capabilities"),
                                       "elicitation");
    s->client_elicit = json_is_object(el) &&
                       (json_object_size(el) == 0 ||
                        json_object_get(el, "form") != NULL);
  }
  pthread_mutex_unlock(&s->mu);
  res = json_pack("{s:s, s:o, s:o}", "protocolVersion", use,
                  "capabilities", capabilities(s), "serverInfo",
                  server_info());
  if (s->cfg.instructions != NULL)
    json_object_set_new(res, "instructions",
                        json_string(s->cfg.instructions));
  log_msg(LOG_INFO, "mcp", "initialized with protocol %s", use);
  return res;
}

/* server/discover (2026-07-28): what initialize told in the legacy era,
 * without any state. */
static json_t *
do_discover(struct mcp_server *s)
{
  json_t *vs = json_array();
  json_t *res;

  for (size_t i = 0; i < NVERSIONS; i++)
    json_array_append_new(vs, json_string(versions[i]));
  res = json_pack("{s:o, s:o, s:i, s:s}", "supportedVersions", vs,
                  "capabilities", capabilities(s), "ttlMs", LIST_TTL_MS,
                  "cacheScope", "public");
  if (s->cfg.instructions != NULL)
    json_object_set_new(res, "instructions",
                        json_string(s->cfg.instructions));
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
do_tools_list(const json_t *params, int modern, int *code, const char **why)
{
  const json_t *cur = json_object_get(params, "cursor");
  const json_t *all = registry_list();
  size_t off = 0, n = json_array_size(all);
  json_t *tools, *res;

  if (cur != NULL && !json_is_null(cur)) {
    if (!json_is_string(cur) || cursor_decode(json_string_value(cur), &off) != 0 ||
        off > n) {
      *code = JSONRPC_INVALID_PARAMS;
      *why = "Invalid params: unknown cursor; call tools/list without a "
             "cursor: it returns every tool in one page";
      return NULL;
    }
  }
  tools = json_array();
  for (size_t i = off; i < n; i++)
    json_array_append(tools, json_array_get(all, i));
  res = json_pack("{s:o}", "tools", tools);
  if (modern) {
    json_object_set_new(res, "ttlMs", json_integer(LIST_TTL_MS));
    json_object_set_new(res, "cacheScope", json_string("public"));
  }
  return res;
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

/* Adds j to the in-flight table unless its id is taken (under s->mu).
 * Returns 0, or answers the request and frees j. */
static int
inflight_add(struct mcp_server *s, struct job *j)
{
  const char *why = NULL;
  int code = JSONRPC_INVALID_REQUEST;

  for (struct job *it = s->inflight; it != NULL && why == NULL;
       it = it->inext)
    if (strcmp(it->key, j->key) == 0)
      why = "Invalid Request: this id is already in use by a request in "
            "progress; use a new id";
  if (why == NULL && s->closing) {
    code = JSONRPC_INTERNAL_ERROR;
    why = "the server is shutting down";
  }
  if (why != NULL) {
    pthread_mutex_unlock(&s->mu);
    send_error(s, j->id, code, why);
    job_free(j);
    pthread_mutex_lock(&s->mu);
    return -1;
  }
  j->inext = s->inflight;
  s->inflight = j;
  return 0;
}

/* A new job for request id, with the 2026-07-28 settings of its _meta. */
static struct job *
job_new(struct mcp_server *s, const json_t *id, const json_t *meta,
        int modern)
{
  struct job *j = xcalloc(1, sizeof(*j));
  const char *lvl = json_string_value(json_object_get(meta,
                                                      MCP_META_LOGLEVEL));

  j->srv = s;
  jsonrpc_id_key(id, j->key, sizeof(j->key));
  j->id = json_deep_copy(id);
  j->modern = modern;
  if (modern && lvl != NULL && log_level_parse(lvl, &j->log_level) == 0)
    j->log_enabled = 1;
  return j;
}

/* Queues a tools/call; answers at once when the envelope is wrong. */
static void
do_tools_call(struct mcp_server *s, const json_t *id, const json_t *params,
              int modern)
{
  const json_t *name = json_object_get(params, "name");
  const json_t *args = json_object_get(params, "arguments");
  const json_t *meta = json_object_get(params, "_meta");
  const json_t *tok = json_object_get(meta, "progressToken");
  const struct tool *t;
  struct job *j;
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
    utf8_clip(json_string_value(name), 100, shown, sizeof(shown));
    registry_unavailable(shown, msg, sizeof(msg));
    send_error(s, id, JSONRPC_INVALID_PARAMS, msg);
    return;
  }
  j = job_new(s, id, meta, modern);
  j->progress_token = tok ? json_deep_copy(tok) : NULL;
  j->tool = t;
  j->preset = preset;
  j->args = args && json_is_object(args) ? json_deep_copy(args) : NULL;
  pthread_mutex_lock(&s->mu);
  if (inflight_add(s, j) == 0) {
    s->pending++;
    pool_submit(s->pool, job_task, j);
  }
  pthread_mutex_unlock(&s->mu);
}

/* The resources/ methods that read pages of the store: queued to the
 * pool like a tool call, so a slow query never holds up the transport's
 * thread.  resources/subscribe and unsubscribe are answered in order on
 * the caller's thread instead (an unsubscribe must never overtake its
 * subscribe); they cost one indexed lookup, plus the account id's Graph
 * lookup when nothing has resolved it yet. */
static const char *res_methods[] = {
  "resources/list", "resources/read",
};

/* The static name of a queued resources/ method, or NULL. */
static const char *
res_method(const char *method)
{
  for (size_t i = 0; i < sizeof(res_methods) / sizeof(res_methods[0]); i++)
    if (strcmp(method, res_methods[i]) == 0)
      return res_methods[i];
  return NULL;
}

/* Queues a resources/ method (name: an entry of res_methods). */
static void
do_res_call(struct mcp_server *s, const json_t *id, const char *name,
            const json_t *params, int modern)
{
  const json_t *meta = json_object_get(params, "_meta");
  struct job *j = job_new(s, id, meta, modern);

  j->method = name;
  j->args = params != NULL ? json_deep_copy(params) : json_object();
  pthread_mutex_lock(&s->mu);
  if (inflight_add(s, j) == 0) {
    s->pending++;
    pool_submit(s->pool, job_task, j);
  }
  pthread_mutex_unlock(&s->mu);
}

/* The notification kinds a listen stream may ask for, and whether this
 * server delivers each: only resource updates, and only with a store.
 * The tool list is fixed for the life of the process, and conversations
 * come and go without a list notification. */
static const struct {
  const char *name;
  int delivered;
} listen_kinds[] = {
  { "toolsListChanged", 0 },
  { "promptsListChanged", 0 },
  { "resourcesListChanged", 0 },
};

/* subscriptions/listen (2026-07-28): acknowledges the subset of the
 * requested notifications this server will deliver, then holds the
 * request open (in the in-flight table, answered never) until the client
 * cancels it or closes the stream.  Every notification on it carries the
 * request's id as its subscription id. */
static void
do_listen(struct mcp_server *s, const json_t *id, const json_t *params)
{
  const json_t *want = json_object_get(params, "notifications");
  const json_t *uris = json_object_get(want, "resourceSubscriptions");
  json_t *agreed, *ack, *subs = NULL;
  struct job *j;
  char key[128];

  if (want != NULL && !json_is_object(want)) {
    send_error(s, id, JSONRPC_INVALID_PARAMS,
               "Invalid params: \"notifications\" must be an object such as "
               "{\"toolsListChanged\": true}");
    return;
  }
  if (uris != NULL && !json_is_array(uris)) {
    send_error(s, id, JSONRPC_INVALID_PARAMS,
               "Invalid params: \"notifications.resourceSubscriptions\" "
               "must be an array of resource URIs");
    return;
  }
  agreed = json_object();
  for (size_t i = 0; i < sizeof(listen_kinds) / sizeof(listen_kinds[0]);
       i++) {
    const json_t *v = json_object_get(want, listen_kinds[i].name);
    if (listen_kinds[i].delivered && v != NULL && !json_is_false(v))
      json_object_set_new(agreed, listen_kinds[i].name, json_deep_copy(v));
  }
  if (s->res != NULL && json_array_size(uris) > 0) {
    struct call c;
    json_t *list = json_array(), *v;
    size_t i;

    call_init(s, &c);
    subs = mcp_res_listen_check(s->res, &c, uris);
    json_array_foreach(subs, i, v)
      json_array_append(list, json_object_get(v, "uri"));
    json_object_set_new(agreed, "resourceSubscriptions", list);
  }
  j = job_new(s, id, json_object_get(params, "_meta"), 1);
  j->listener = 1;
  pthread_mutex_lock(&s->mu);
  if (inflight_add(s, j) != 0) {
    pthread_mutex_unlock(&s->mu);
    json_decref(agreed);
    json_decref(subs);
    return;
  }
  pthread_mutex_unlock(&s->mu);
  ack = json_pack("{s:o, s:{s:O}}", "notifications", agreed, "_meta",
                  MCP_META_SUBSCRIPTION, id);
  /* From here a cancel may free j: only the request's own key is used. */
  jsonrpc_id_key(id, key, sizeof(key));
  send_to(s, jsonrpc_notification("notifications/subscriptions/acknowledged",
                                  ack), key, 0);
  /* Watched only once acknowledged: nothing may precede the ack.  A
   * cancel cannot come in between (over stdio it is read by this same
   * thread; over HTTP it ends the session, whose stopped mcp_res refuses
   * new subscriptions). */
  if (subs != NULL)
    mcp_res_listen_start(s->res, subs, id, key);
  json_decref(subs);
  log_msg(LOG_DEBUG, "mcp", "subscription %s open", key);
}

/* notifications/cancelled: flags the request; its answer is never sent.
 * A subscription listener just ends. */
static void
do_cancelled(struct mcp_server *s, const json_t *params)
{
  const json_t *rid = json_object_get(params, "requestId");
  char key[128];
  struct job *j, *gone = NULL;

  if (rid == NULL)
    return;
  jsonrpc_id_key(rid, key, sizeof(key));
  pthread_mutex_lock(&s->mu);
  for (j = s->inflight; j != NULL; j = j->inext) {
    if (strcmp(j->key, key) == 0) {
      j->cancelled = 1;
      log_msg(LOG_DEBUG, "mcp", "request %s cancelled", key);
      if (j->listener) {
        inflight_remove(s, j);
        gone = j;
      }
      break;
    }
  }
  pthread_mutex_unlock(&s->mu);
  if (gone != NULL) {
    if (s->res != NULL)
      mcp_res_drop(s->res, key);
    job_free(gone);
  }
}

/* ---- the 2026-07-28 envelope --------------------------------------------- */

static const char *modern_methods[] = {
  "server/discover", "tools/list", "tools/call", "subscriptions/listen",
  "resources/list", "resources/templates/list", "resources/read",
};

int
mcp_modern_method(const char *method, const struct mcp_server_config *cfg)
{
  if (cfg->store == NULL && strncmp(method, "resources/", 10) == 0)
    return 0;
  for (size_t i = 0; i < sizeof(modern_methods) / sizeof(modern_methods[0]);
       i++)
    if (strcmp(method, modern_methods[i]) == 0)
      return 1;
  return 0;
}

static json_t *
meta_error(int code, const char *message, json_t *data)
{
  json_t *e = json_pack("{s:i, s:s}", "code", code, "message", message);

  if (data != NULL)
    json_object_set_new(e, "data", data);
  return e;
}

int
mcp_meta_check(const json_t *params, json_t **err)
{
  const json_t *meta = json_object_get(params, "_meta");
  const json_t *v = json_object_get(meta, MCP_META_VERSION);
  const json_t *lvl = json_object_get(meta, MCP_META_LOGLEVEL);
  enum log_level l;
  json_t *supported;

  *err = NULL;
  if (!json_is_object(meta) || !json_is_string(v)) {
    *err = meta_error(JSONRPC_INVALID_PARAMS,
                      "Invalid params: params._meta[\"" MCP_META_VERSION
                      "\"] is required (a string such as \"" MCP_MODERN_VERSION
                      "\"), with _meta[\"" MCP_META_CAPS "\"]; or send "
                      "initialize first to use " MCP_LATEST_VERSION
                      " or older", NULL);
    return JSONRPC_INVALID_PARAMS;
  }
  if (strcmp(json_string_value(v), MCP_MODERN_VERSION) != 0) {
    supported = json_array();
    for (size_t i = 0; i < NVERSIONS; i++)
      json_array_append_new(supported, json_string(versions[i]));
    *err = meta_error(MCP_ERR_UNSUPPORTED_VERSION,
                      "Unsupported protocol version: per-request _meta "
                      "speaks " MCP_MODERN_VERSION "; older revisions "
                      "need initialize",
                      json_pack("{s:o, s:O}", "supported", supported,
                                "requested", v));
    return MCP_ERR_UNSUPPORTED_VERSION;
  }
  if (!json_is_object(json_object_get(meta, MCP_META_CAPS))) {
    *err = meta_error(JSONRPC_INVALID_PARAMS,
                      "Invalid params: params._meta[\"" MCP_META_CAPS
                      "\"] is required (an object; {} when the client "
                      "offers none)", NULL);
    return JSONRPC_INVALID_PARAMS;
  }
  if (lvl != NULL && (!json_is_string(lvl) ||
                      log_level_parse(json_string_value(lvl), &l) != 0)) {
    *err = meta_error(JSONRPC_INVALID_PARAMS,
                      "Invalid params: params._meta[\"" MCP_META_LOGLEVEL
                      "\"] must be one of debug, info, notice, warning, "
                      "error, critical, alert, emergency", NULL);
    return JSONRPC_INVALID_PARAMS;
  }
  return 0;
}

/* A 2026-07-28 request: no session, every setting in its own _meta. */
static void
handle_modern(struct mcp_server *s, struct jsonrpc_msg *m)
{
  json_t *err, *res = NULL;
  int code = 0;
  const char *why = NULL;
  char msg[200];

  if (mcp_meta_check(m->params, &err) != 0) {
    json_t *e = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", m->id,
                          "error", err);
    send_answer(s, m->id, e);
    return;
  }
  if (strcmp(m->method, "server/discover") == 0) {
    res = do_discover(s);
  } else if (strcmp(m->method, "tools/list") == 0) {
    res = do_tools_list(m->params, 1, &code, &why);
  } else if (strcmp(m->method, "tools/call") == 0) {
    do_tools_call(s, m->id, m->params, 1);
    return;
  } else if (strcmp(m->method, "subscriptions/listen") == 0) {
    do_listen(s, m->id, m->params);
    return;
  } else if (s->res != NULL &&
             strcmp(m->method, "resources/templates/list") == 0) {
    res = mcp_res_templates(1);
  } else if (s->res != NULL && (strcmp(m->method, "resources/list") == 0 ||
                                strcmp(m->method, "resources/read") == 0)) {
    do_res_call(s, m->id, res_method(m->method), m->params, 1);
    return;
  } else {
    char shown[110];
    utf8_clip(m->method, 100, shown, sizeof(shown));
    snprintf(msg, sizeof(msg), "Method not found: %s (not part of "
             MCP_MODERN_VERSION ")", shown);
    code = JSONRPC_METHOD_NOT_FOUND;
    why = msg;
  }
  if (res != NULL)
    send_answer(s, m->id, jsonrpc_result(m->id, modern_result(res)));
  else
    send_error(s, m->id, code, why);
}

/* Which era a request speaks (see server.h). */
static int
is_modern(struct mcp_server *s, const struct jsonrpc_msg *m)
{
  int initialized;

  if (json_object_get(json_object_get(m->params, "_meta"),
                      MCP_META_VERSION) != NULL ||
      strcmp(m->method, "server/discover") == 0)
    return 1;
  pthread_mutex_lock(&s->mu);
  initialized = s->initialized;
  pthread_mutex_unlock(&s->mu);
  /* Legacy clients may ping before initialize. */
  return !initialized && strcmp(m->method, "initialize") != 0 &&
         strcmp(m->method, "ping") != 0;
}

static void
handle_request(struct mcp_server *s, struct jsonrpc_msg *m)
{
  const char *method = m->method;
  json_t *res = NULL, *err = NULL;
  int code = 0;
  const char *why = NULL;
  char msg[200];

  if (is_modern(s, m)) {
    handle_modern(s, m);
    return;
  }
  if (strcmp(method, "initialize") == 0) {
    res = do_initialize(s, m->params, &code, &why);
  } else if (strcmp(method, "ping") == 0) {
    res = json_object();
  } else if (strcmp(method, "tools/list") == 0) {
    const json_t *cur = json_object_get(m->params, "cursor");
    if (m->id != NULL && (cur == NULL || json_is_null(cur))) {
      send_tools_list(s, m->id);
      return;
    }
    res = do_tools_list(m->params, 0, &code, &why);
  } else if (strcmp(method, "tools/call") == 0) {
    do_tools_call(s, m->id, m->params, 0);
    return;
  } else if (strcmp(method, "logging/setLevel") == 0) {
    res = do_set_level(s, m->params, &code, &why);
  } else if (s->res != NULL &&
             strcmp(method, "resources/templates/list") == 0) {
    res = mcp_res_templates(0);
  } else if (s->res != NULL && strcmp(method, "resources/subscribe") == 0) {
    struct call c;
    call_init(s, &c);
    res = mcp_res_subscribe(s->res, &c, m->params, &err);
  } else if (s->res != NULL &&
             strcmp(method, "resources/unsubscribe") == 0) {
    res = mcp_res_unsubscribe(s->res, m->params, &err);
  } else if (s->res != NULL && res_method(method) != NULL) {
    do_res_call(s, m->id, res_method(method), m->params, 0);
    return;
  } else {
    char shown[110];
    utf8_clip(method, 100, shown, sizeof(shown));
    snprintf(msg, sizeof(msg), "Method not found: %s", shown);
    code = JSONRPC_METHOD_NOT_FOUND;
    why = msg;
  }
  if (res != NULL)
    send_answer(s, m->id, jsonrpc_result(m->id, res));
  else if (err != NULL)
    send_answer(s, m->id, json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0",
                                    "id", m->id, "error", err));
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
      send_to(s, err, NULL, 0);
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
  case JSONRPC_RESPONSE:
    /* The answer to one of our requests (elicitation); others are
     * ignored, as JSON-RPC allows. */
    (void)mcp_pending_answer(s->asks, m.root);
    break;
  default:
    break;
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
  struct job *j, **pp, *gone = NULL;

  /* No store notice is queued from here on. */
  if (s->res != NULL)
    mcp_res_stop(s->res);
  pthread_mutex_lock(&s->mu);
  if (s->stopped) {
    pthread_mutex_unlock(&s->mu);
    return;
  }
  s->closing = 1;
  /* Listeners never finish by themselves: they end here, unanswered. */
  for (pp = &s->inflight; *pp != NULL;) {
    j = *pp;
    if (j->listener) {
      *pp = j->inext;
      j->inext = gone;
      gone = j;
    } else {
      pp = &j->inext;
    }
  }
  while (s->pending > 0 && clock_mono_ms() < deadline) {
    struct timespec ts = clock_deadline(50);
    pthread_cond_timedwait(&s->idle_cv, &s->mu, &ts);
  }
  /* Calls still queued never start; running ones see the flag (and stop
   * waiting for a client's answer). */
  mcp_pending_close(s->asks);
  for (pp = &s->inflight; *pp != NULL;) {
    j = *pp;
    j->cancelled = 1;
    if (pool_remove(s->pool, job_task, j)) {
      *pp = j->inext;
      j->inext = gone;
      gone = j;
      s->pending--;
    } else {
      pp = &j->inext;
    }
  }
  while (s->pending > 0)
    pthread_cond_wait(&s->idle_cv, &s->mu);
  s->stopped = 1;
  pthread_mutex_unlock(&s->mu);
  while (gone != NULL) {
    j = gone;
    gone = j->inext;
    job_free(j);
  }
  if (s->own_pool) {
    pool_free(s->pool);
    s->pool = NULL;
    s->own_pool = 0;
  }
}

void
mcp_server_free(struct mcp_server *s)
{
  if (s == NULL)
    return;
  mcp_server_shutdown(s, 0);
  mcp_res_free(s->res);
  mcp_pending_free(s->asks);
  free(s->tools_text);
  if (!s->cfg.shared_log)
    log_set_sink(NULL, NULL);
  pthread_mutex_destroy(&s->mu);
  pthread_mutex_destroy(&s->out_mu);
  pthread_cond_destroy(&s->idle_cv);
  free(s);
}
