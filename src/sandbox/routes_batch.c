/* SPDX-License-Identifier: MIT */
/*
 * routes_batch.c: POST / with batch=[...] on graph.facebook.com, the Graph
 * batch API.
 *
 * Each element {method, relative_url[, body]} is run through the ordinary
 * router as its own request (same token and host), and the answer is an
 * array of {code, headers, body} in request order, body being the item's
 * JSON as a string, as Meta answers.  include_headers=false leaves headers
 * out.  At most 50 items; each counts as one call for the usage headers.
 * graph.instagram.com documents no batch endpoint, so on that host POST /
 * stays an unsupported request (routes.c).  Runs with the mutex held.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/url.h"
#include "../base/xalloc.h"
#include "sbx.h"

#define BATCH_MAX 50

/* k=v&k2=v2 into a new object of strings (bad escapes are kept raw). */
static json_t *
parse_query(const char *s)
{
  json_t *o = json_object();
  char *copy = xstrdup(s != NULL ? s : ""), *p = copy;

  while (*p != '\0') {
    char *amp = strchr(p, '&'), *eq;
    if (amp != NULL)
      *amp = '\0';
    eq = strchr(p, '=');
    if (eq != NULL)
      *eq = '\0';
    if (*p != '\0') {
      char *k = xstrdup(p), *v = xstrdup(eq != NULL ? eq + 1 : "");
      url_decode(k);
      url_decode(v);
      json_t *key = sbx_jstr(k);
      json_object_set_new(o, json_string_value(key), sbx_jstr(v));
      json_decref(key);
      free(k);
      free(v);
    }
    if (amp == NULL)
      break;
    p = amp + 1;
  }
  free(copy);
  return o;
}

/* Splits relative_url into the sub-request's version, path and query.
 * Returns -1 when it is not a Graph URL we can run. */
static int
split_relative(struct sbx_req *sub, const char *rel)
{
  const char *p = rel, *qm;
  size_t n;

  while (*p == '/')
    p++;
  if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9') {
    const char *q = p + 1;
    while ((*q >= '0' && *q <= '9') || *q == '.')
      q++;
    if ((*q == '/' || *q == '?' || *q == '\0') &&
        (size_t)(q - p) < sizeof(sub->version)) {
      memcpy(sub->version, p, (size_t)(q - p));
      sub->version[q - p] = '\0';
      p = *q == '/' ? q + 1 : q;
    }
  }
  qm = strchr(p, '?');
  n = qm != NULL ? (size_t)(qm - p) : strlen(p);
  sub->path = xstrndup(p, n);
  if (url_decode(sub->path) < 0)
    return -1;
  n = strlen(sub->path);
  while (n > 0 && sub->path[n - 1] == '/')
    sub->path[--n] = '\0';
  sub->query = parse_query(qm != NULL ? qm + 1 : "");
  return 0;
}

static json_t *
item_headers(const struct sbx_req *sub)
{
  json_t *h = json_pack("[{s:s,s:s},{s:s,s:s}]",
                        "name", "Content-Type",
                        "value", "text/javascript; charset=UTF-8",
                        "name", "facebook-api-version",
                        "value", sub->version);
  if (sub->www_auth != NULL)
    json_array_append_new(h, json_pack("{s:s,s:s}", "name",
                                       "WWW-Authenticate", "value",
                                       sub->www_auth));
  return h;
}

/* Runs one element of the batch; returns its {code, headers, body}. */
static json_t *
run_item(struct sbx_req *r, const json_t *item, int headers)
{
  static const char *const methods[] = { "GET", "POST", "DELETE", NULL };
  const char *m = json_string_value(json_object_get(item, "method"));
  const char *rel = json_string_value(json_object_get(item,
                                                      "relative_url"));
  const char *body = json_string_value(json_object_get(item, "body"));
  struct sbx_req sub;
  json_t *out;
  char *text;
  size_t k = 0;

  memset(&sub, 0, sizeof(sub));
  sub.sb = r->sb;
  sub.host = r->host;
  sub.tok = r->tok;
  sub.buc_type = r->buc_type;
  sub.host_hdr = r->host_hdr;
  sub.status = 200;
  memcpy(sub.version, r->version, sizeof(sub.version));
  if (m == NULL)
    m = "GET";
  while (methods[k] != NULL && strcasecmp(methods[k], m) != 0)
    k++;
  sub.method = methods[k] != NULL ? methods[k] : "GET";
  if (!json_is_object(item) || rel == NULL || methods[k] == NULL ||
      split_relative(&sub, rel) != 0) {
    sbx_err_param(&sub, "Each batch request needs a method (GET, POST or "
                  "DELETE) and a relative_url");
  } else if (sub.path[0] == '\0') {
    sbx_err_unsupported(&sub, "");  /* no batch inside a batch */
  } else {
    if (body != NULL && strcmp(sub.method, "POST") == 0)
      sub.body = parse_query(body);
    sbx_route(&sub);
  }
  if (sub.resp == NULL)
    sub.resp = json_object();
  text = json_dumps(sub.resp, JSON_COMPACT | JSON_ENSURE_ASCII |
                    JSON_ESCAPE_SLASH | JSON_ENCODE_ANY);
  out = json_pack("{s:i,s:s}", "code", (int)sub.status, "body",
                  text != NULL ? text : "{}");
  if (headers)
    json_object_set_new(out, "headers", item_headers(&sub));
  free(text);
  free(sub.path);
  free(sub.www_auth);
  json_decref(sub.query);
  json_decref(sub.body);
  json_decref(sub.resp);
  return out;
}

void
sbx_batch(struct sbx_req *r)
{
  const char *ih = sbx_param(r, "include_headers");
  int bad = 0, headers = ih == NULL || strcmp(ih, "false") != 0;
  json_t *batch = sbx_param_json(r, "batch", &bad), *item, *out;
  size_t i;

  if (bad || !json_is_array(batch) || json_array_size(batch) == 0) {
    sbx_err_param(r, "The parameter batch must be a non-empty JSON array of "
                  "requests");
    goto out;
  }
  if (json_array_size(batch) > BATCH_MAX) {
    sbx_error(r, 400, SBX_ET_OAUTH, 1, 0, "(#1) Too many requests in batch "
              "message. Maximum batch size is %d", BATCH_MAX);
    goto out;
  }
  /* The POST itself was counted once; each item is a call. */
  if (r->tok != SBX_TOK_NONE)
    for (size_t k = 1; k < json_array_size(batch); k++)
      sbx_token_count(&r->sb->tokens[r->tok], world_now(&r->sb->world));
  out = json_array();
  json_array_foreach(batch, i, item)
    json_array_append_new(out, run_item(r, item, headers));
  r->resp = out;
out:
  json_decref(batch);
}
