/* SPDX-License-Identifier: MIT */
/*
 * tool.c: helpers shared by every tool handler: building results, progress
 * and cancellation, and the one Graph call path that turns Meta's errors
 * into explanations an agent can act on.
 */
#include "tools/tool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/xalloc.h"

int
result_ok(struct result *r, json_t *structured)
{
  json_decref(r->structured);
  r->structured = structured;
  r->is_error = 0;
  return 0;
}

int
result_errorf(struct result *r, const char *kind, const char *fmt, ...)
{
  va_list ap;
  char msg[1024];

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  free(r->text);
  r->text = xstrdup(msg);
  json_decref(r->structured);
  r->structured =
      json_pack("{s:{s:s, s:s}}", "error", "kind", kind, "message", msg);
  r->is_error = 1;
  return -1;
}

void
result_free(struct result *r)
{
  json_decref(r->structured);
  free(r->text);
  memset(r, 0, sizeof(*r));
}

int
call_cancelled(const struct call *c)
{
  return c->cancel != NULL && *c->cancel != 0;
}

int64_t
call_now_ms(const struct call *c)
{
  if (c->now_ms != NULL)
    return c->now_ms(c->now_arg);
  return clock_wall_ms();
}

void
call_progress(struct call *c, double progress, double total,
              const char *message)
{
  if (c->progress != NULL)
    c->progress(c->progress_arg, progress, total, message);
}

/* Fills r from a failed graph_call. */
static void
graph_failure(struct result *r, int rc, const struct graph_response *resp,
              const struct err *e)
{
  char what[600], next[400], text[1100];
  json_t *detail;

  if (rc == ERR_GRAPH && resp->held) {
    /* The governor answered for Meta: nothing was sent. */
    snprintf(next, sizeof(next), "Wait until then, or work from data you "
             "already have (ig_rate_limit_status shows the hold).");
    snprintf(text, sizeof(text), "%s Next step: %s", e->msg, next);
    detail = json_pack("{s:s, s:s, s:s, s:o, s:b, s:I}", "kind",
                       "rate_limited", "message", e->msg, "next_step", next,
                       "graph", graph_error_json(&resp->error), "held_locally",
                       1, "retry_after_seconds",
                       (json_int_t)resp->wait_hint_s);
  } else if (rc == ERR_GRAPH) {
    graph_response_explain(resp, what, sizeof(what), next, sizeof(next));
    snprintf(text, sizeof(text), "%s Next step: %s", what, next);
    detail = json_pack("{s:s, s:s, s:s, s:o}", "kind", "graph_error",
                       "message", what, "next_step", next, "graph",
                       graph_error_json(&resp->error));
    if (resp->wait_hint_s > 0)
      json_object_set_new(detail, "retry_after_seconds",
                          json_integer(resp->wait_hint_s));
  } else {
    const char *kind = rc == ERR_TIMEOUT  ? "timeout"
                       : rc == ERR_CONFIG ? "not_configured"
                       : rc == ERR_INVALID ? "invalid_argument"
                                           : "network_error";
    snprintf(text, sizeof(text), "%s", e->msg);
    detail = json_pack("{s:s, s:s}", "kind", kind, "message", e->msg);
  }
  free(r->text);
  r->text = xstrdup(text);
  json_decref(r->structured);
  r->structured = json_pack("{s:o}", "error", detail);
  r->is_error = 1;
}

/* --dry-run: fills r with the request that would have gone out.  The
 * client adds the access token and appsecret_proof (and, for token calls,
 * the credentials named) itself; they are never shown. */
static int
dry_run_result(struct call *c, struct result *r,
               const struct graph_request *req)
{
  json_t *rq = json_pack("{s:s,s:s,s:s}", "method", req->method, "host",
                         graph_base_url(c->graph), "path", req->path);
  json_t *params = json_object(), *detail;
  char text[600];

  for (size_t i = 0; i < req->nparams; i++)
    json_object_set_new(params, req->params[i].key,
                        json_string(req->params[i].value));
  json_object_set_new(rq, "params", params);
  if (req->json_body != NULL)
    json_object_set_new(rq, "json_body", json_deep_copy(req->json_body));
  json_object_set_new(rq, "credentials_added", json_string(
      req->credentials != 0 ? "access token, appsecret_proof and the app "
                              "credentials of a token call"
                            : "access token and appsecret_proof"));
  snprintf(text, sizeof(text), "Dry run: igmcp would now send %s %s and "
           "stopped there; nothing was changed on Instagram. The request "
           "is in structuredContent.error.request. Restart igmcp without "
           "--dry-run to carry it out.", req->method, req->path);
  detail = json_pack("{s:s, s:s, s:o}", "kind", "dry_run", "message", text,
                     "request", rq);
  free(r->text);
  r->text = xstrdup(text);
  json_decref(r->structured);
  r->structured = json_pack("{s:o}", "error", detail);
  r->is_error = 1;
  return -1;
}

int
tool_graph_request(struct call *c, struct result *r,
                   struct graph_request *req, const char *progress,
                   json_t **body)
{
  struct graph_response resp = { 0 };
  struct err e = { 0 };
  size_t n = 0;
  json_t *usage;
  int rc;

  *body = NULL;
  if (c->graph == NULL)
    return result_errorf(r, "not_configured",
                         "No Instagram account is configured. Set "
                         "IG_ACCESS_TOKEN (an Instagram Login IGAA... token "
                         "or a Page EAA... token), or start igmcp with "
                         "--sandbox to try the tools on the emulator.");
  while (req->params != NULL && req->params[n].key != NULL)
    n++;
  req->nparams = n;
  if (c->dry_run && (strcmp(req->method, "GET") != 0 ||
                     req->credentials != 0))
    return dry_run_result(c, r, req);
  req->cancel = c->cancel;
  call_progress(c, ++c->graph_calls, 0, progress);
  rc = graph_call(c->graph, req, &resp, &e);
  usage = graph_usage_json(&resp.usage);
  if (usage != NULL) {
    json_decref(c->usage);
    c->usage = usage;
  }
  if (rc != 0) {
    graph_failure(r, rc, &resp, &e);
    graph_response_free(&resp);
    return -1;
  }
  *body = resp.body;
  resp.body = NULL;
  graph_response_free(&resp);
  if (*body == NULL)
    return result_errorf(r, "graph_error",
                         "Meta answered without a JSON body.");
  return 0;
}

int
tool_graph(struct call *c, struct result *r, const char *method,
           const char *path, const struct graph_param *params,
           const json_t *json_body, int retry_safe, json_t **body)
{
  struct graph_request req = { 0 };
  char what[160];

  req.method = method;
  req.path = path;
  req.params = params;
  req.json_body = json_body;
  req.retry_safe = retry_safe;
  snprintf(what, sizeof(what), "Graph API %s %s", method, path);
  return tool_graph_request(c, r, &req, what, body);
}
