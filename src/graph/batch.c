/* SPDX-License-Identifier: MIT */
/*
 * batch.c: the Graph batch API, and its sequential stand-in.
 *
 * On graph.facebook.com one POST to the version root carries up to 50
 * requests as batch=[{"method","relative_url"[,"body"]}...] and the answer
 * is an array with one {"code","headers","body"} per request, in order,
 * where body is the item's JSON as a string; an item Meta could not run in
 * time is null.  We ask for include_headers=false (headers can dwarf the
 * bodies).  Each item counts as a call for the rate limits, so batching
 * saves round trips, not quota.  graph.instagram.com does not document the
 * batch endpoint, so with Instagram Login the same items are sent one by
 * one through graph_call.  Either way an item's failure stays in the item.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/url.h"
#include "../base/xalloc.h"
#include "graph_int.h"

int
graph_batch_supported(const struct graph *g)
{
  return g != NULL && g->login == GRAPH_LOGIN_FACEBOOK;
}

static int
reserved_key(const char *k)
{
  return strcmp(k, "access_token") == 0 ||
         strcmp(k, "appsecret_proof") == 0;
}

/* Appends k=v&... of params (NULL-terminated) to b; -1 on a bad key. */
static int
put_query(struct buf *b, const struct graph_param *params)
{
  for (size_t i = 0; params != NULL && params[i].key != NULL; i++) {
    if (params[i].key[0] == '\0' || params[i].value == NULL ||
        reserved_key(params[i].key))
      return -1;
    if ((b->len > 0 && buf_putc(b, '&') != 0) ||
        url_encode(b, params[i].key) != 0 || buf_putc(b, '=') != 0 ||
        url_encode(b, params[i].value) != 0)
      return -1;
  }
  return 0;
}

char *
graph_relative_url(const struct graph *g, const char *path,
                   const struct graph_param *params, int with_query)
{
  struct buf b, q;
  const char *p = path != NULL ? path : "";
  int bad = 0;

  buf_init(&b, URL_MAX);
  buf_init(&q, URL_MAX);
  bad |= buf_printf(&b, "%s", g->version) != 0;
  while (!bad && *p != '\0') {
    const char *slash = strchr(p, '/');
    size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
    char *seg = xstrndup(p, n);
    bad |= n == 0 || strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0;
    bad |= buf_putc(&b, '/') != 0 || url_encode(&b, seg) != 0;
    free(seg);
    if (slash == NULL)
      break;
    p = slash + 1;
    bad |= *p == '\0';
  }
  bad |= put_query(&q, params) != 0;
  if (!bad && with_query && q.len > 0)
    bad |= buf_putc(&b, '?') != 0 || buf_append(&b, q.data, q.len) != 0;
  buf_free(&q);
  if (bad) {
    buf_free(&b);
    return NULL;
  }
  return buf_steal(&b);
}

void
graph_batch_items_clear(struct graph_batch_item *items, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    json_decref(items[i].headers);
    json_decref(items[i].body);
    items[i].headers = items[i].body = NULL;
    items[i].code = 0;
    items[i].failed = 0;
    memset(&items[i].error, 0, sizeof(items[i].error));
  }
}

static const char *
item_method(const struct graph_batch_item *it)
{
  return it->method != NULL ? it->method : "GET";
}

/* Fills it from one element of the batch answer. */
static void
item_answer(const struct graph *g, struct graph_batch_item *it,
            const json_t *a)
{
  const char *body = json_string_value(json_object_get(a, "body"));
  json_t *code = json_object_get(a, "code");

  it->failed = 1;
  if (!json_is_object(a) || !json_is_integer(code))
    return; /* null: Meta did not run it in time */
  it->code = (long)json_integer_value(code);
  it->headers = json_incref(json_object_get(a, "headers"));
  it->body = body != NULL ? json_loads(body, JSON_DECODE_ANY, NULL) : NULL;
  if (it->body != NULL &&
      graph_error_parse(it->body, it->code, &it->error) == 0) {
    struct graph_response r = { 0 };
    r.error = it->error;
    graph__scrub_all(g, &r, NULL);
    it->error = r.error;
    return;
  }
  if (it->code >= 200 && it->code < 300 && it->body != NULL)
    it->failed = 0;
}

/* The batch parameter for items[0..n). */
static char *
batch_param(const struct graph *g, struct graph_batch_item *items, size_t n,
            int *all_get, struct err *e)
{
  json_t *arr = json_array();
  char *out = NULL;

  *all_get = 1;
  for (size_t i = 0; i < n; i++) {
    const char *m = item_method(&items[i]);
    int post = strcmp(m, "POST") == 0;
    char *rel = graph_relative_url(g, items[i].path, items[i].params, !post);
    json_t *o;
    if (rel == NULL || (strcmp(m, "GET") != 0 && !post &&
                        strcmp(m, "DELETE") != 0)) {
      free(rel);
      err_set(e, ERR_INVALID, "batch item %zu: a bad method, path or "
              "parameter", i);
      goto out;
    }
    *all_get &= strcmp(m, "GET") == 0;
    o = json_pack("{s:s,s:s}", "method", m, "relative_url", rel);
    free(rel);
    if (post) {
      struct buf b;
      buf_init(&b, URL_MAX);
      if (put_query(&b, items[i].params) != 0) {
        buf_free(&b);
        json_decref(o);
        err_set(e, ERR_INVALID, "batch item %zu: a bad parameter", i);
        goto out;
      }
      json_object_set_new(o, "body", json_string(buf_cstr(&b)));
      buf_free(&b);
    }
    json_array_append_new(arr, o);
  }
  out = json_dumps(arr, JSON_COMPACT);
out:
  json_decref(arr);
  return out;
}

/* One batch POST for items[0..n), n <= GRAPH_BATCH_MAX. */
static int
batch_round(struct graph *g, struct graph_batch_item *items, size_t n,
            const volatile int *cancel, struct graph_batch_stats *st,
            struct err *e)
{
  struct graph_param p[3];
  struct graph_request req = { 0 };
  struct graph_response resp = { 0 };
  int all_get, rc;
  char *param = batch_param(g, items, n, &all_get, e);

  if (param == NULL)
    return ERR_INVALID;
  p[0] = (struct graph_param){ "batch", param };
  p[1] = (struct graph_param){ "include_headers", "false" };
  req.method = "POST";
  req.path = "";
  req.params = p;
  req.nparams = 2;
  req.retry_safe = all_get;
  req.cancel = cancel;
  rc = graph_call(g, &req, &resp, e);
  free(param);
  st->requests++;
  st->batches++;
  st->usage = resp.usage;
  if (rc == 0 && (!json_is_array(resp.body) ||
                  json_array_size(resp.body) != n))
    rc = err_set(e, ERR_IO, "Meta answered the batch with %zu results for "
                 "%zu requests", json_array_size(resp.body), n);
  if (rc == 0)
    for (size_t i = 0; i < n; i++)
      item_answer(g, &items[i], json_array_get(resp.body, i));
  graph_response_free(&resp);
  return rc;
}

/* The stand-in: items one by one. */
static int
one_by_one(struct graph *g, struct graph_batch_item *items, size_t n,
           const volatile int *cancel, struct graph_batch_stats *st,
           struct err *e)
{
  for (size_t i = 0; i < n; i++) {
    struct graph_batch_item *it = &items[i];
    struct graph_request req = { 0 };
    struct graph_response resp = { 0 };
    size_t np = 0;
    int rc;

    if (cancel != NULL && *cancel) {
      for (size_t j = i; j < n; j++)
        items[j].failed = 1;
      return err_set(e, ERR_CANCELLED, "the Graph call was cancelled");
    }
    while (it->params != NULL && it->params[np].key != NULL)
      np++;
    req.method = item_method(it);
    req.path = it->path;
    req.params = it->params;
    req.nparams = np;
    req.retry_safe = strcmp(req.method, "GET") == 0;
    req.cancel = cancel;
    rc = graph_call(g, &req, &resp, e);
    st->requests++;
    st->usage = resp.usage;
    it->code = resp.http_status;
    it->body = resp.body;
    resp.body = NULL;
    if (rc == ERR_GRAPH) {
      it->error = resp.error;
      it->failed = 1;
    } else if (rc != 0) {
      it->failed = 1;
      it->code = 0;
      for (size_t j = i + 1; j < n; j++)
        items[j].failed = 1;
      graph_response_free(&resp);
      return rc;
    }
    graph_response_free(&resp);
  }
  return 0;
}

int
graph_batch(struct graph *g, struct graph_batch_item *items, size_t n,
            const volatile int *cancel, struct graph_batch_stats *st,
            struct err *e)
{
  struct graph_batch_stats dummy;

  if (st == NULL)
    st = &dummy;
  memset(st, 0, sizeof(*st));
  if (g == NULL || (items == NULL && n > 0))
    return err_set(e, ERR_INVALID, "graph_batch needs a client and items");
  for (size_t i = 0; i < n; i++) {
    items[i].code = 0;
    items[i].failed = 0;
    items[i].headers = items[i].body = NULL;
    memset(&items[i].error, 0, sizeof(items[i].error));
  }
  if (!graph_batch_supported(g))
    return one_by_one(g, items, n, cancel, st, e);
  for (size_t off = 0; off < n; off += GRAPH_BATCH_MAX) {
    size_t k = n - off < GRAPH_BATCH_MAX ? n - off : GRAPH_BATCH_MAX;
    int rc = batch_round(g, items + off, k, cancel, st, e);
    if (rc != 0) {
      for (size_t j = off; j < n; j++)
        items[j].failed = 1;
      return rc;
    }
  }
  return 0;
}
