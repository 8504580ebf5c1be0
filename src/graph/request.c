/* SPDX-License-Identifier: MIT */
/*
 * request.c: building a Graph request: the base URL and version, each path
 * segment percent-encoded, parameters in the query or form body, the
 * credentials the client adds itself (access_token, appsecret_proof, and
 * for token endpoints client_id, client_secret, input_token,
 * fb_exchange_token), and the checks on all of it.  Also the scrubbing of
 * secrets from every text we hand out.  Buffers that held a secret are
 * wiped before they are freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/url.h"
#include "../base/xalloc.h"
#include "graph_int.h"

int
graph_id_valid(const char *id)
{
  size_t n;

  if (id == NULL)
    return 0;
  n = strlen(id);
  if (n == 0 || n > 256 || strcmp(id, ".") == 0 || strstr(id, "..") != NULL)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = id[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
          (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c == '.' ||
          c == '-'))
      return 0;
  }
  return 1;
}

/* Overwrites and frees a string that may hold a secret. */
void
graph__free_secret(char *s)
{
  if (s != NULL) {
    explicit_bzero(s, strlen(s));
    free(s);
  }
}

void
graph__wipe_buf(struct buf *b)
{
  if (b->data != NULL)
    explicit_bzero(b->data, b->len);
  buf_free(b);
}

/* Replaces every occurrence of secret in s (a NUL-terminated buffer) with
 * "[redacted]", and cuts a trailing fragment of 8 or more bytes that begins
 * the secret (left by truncation). */
static void
scrub(char *s, const char *secret)
{
  static const char repl[] = "[redacted]";
  size_t sl, rl = sizeof(repl) - 1, len;
  char *p;

  if (secret == NULL || (sl = strlen(secret)) < 6)
    return;
  while ((p = strstr(s, secret)) != NULL) {
    if (sl >= rl) {
      memcpy(p, repl, rl);
      memmove(p + rl, p + sl, strlen(p + sl) + 1);
    } else {
      memset(p, '*', sl);
    }
  }
  len = strlen(s);
  for (size_t k = sl - 1; k >= 8; k--) {
    if (k <= len && memcmp(s + len - k, secret, k) == 0) {
      s[len - k] = '\0';
      break;
    }
  }
}

/* Scrubs the token and app secret from every text field we hand out. */
static void
scrub_one(const char *secret, struct graph_response *resp, struct err *e)
{
  if (resp != NULL) {
    scrub(resp->error.message, secret);
    scrub(resp->error.user_title, secret);
    scrub(resp->error.user_msg, secret);
    scrub(resp->error.type, secret);
    scrub(resp->error.fbtrace_id, secret);
  }
  if (e != NULL)
    scrub(e->msg, secret);
}

void
graph__scrub_all(const struct graph *g, struct graph_response *resp,
                 struct err *e)
{
  /* Every token the client held: a call may have used an older one. */
  for (const struct graph_tok *t = graph__tok(g); t != NULL; t = t->older)
    scrub_one(t->token, resp, e);
  scrub_one(g->app_secret, resp, e);
}

/* Checks cfg->base_url with libcurl's own URL parser (so we judge the host
 * curl will connect to) and stores scheme://host[:port] in *out. */
int
graph__check_base_url(const char *url, char **out, int *allow_http,
                      struct err *e)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *x = NULL;
  int rc = 0;

  *allow_http = 0;
  if (u == NULL)
    return err_set(e, ERR_INTERNAL, "out of memory parsing the base URL");
  if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    rc = err_set(e, ERR_CONFIG, "the Graph base URL \"%.200s\" is not a "
                 "URL of the form https://host[:port]", url);
    goto out;
  }
  if (curl_url_get(u, CURLUPART_USER, &x, 0) == CURLUE_OK ||
      curl_url_get(u, CURLUPART_QUERY, &x, 0) == CURLUE_OK ||
      curl_url_get(u, CURLUPART_FRAGMENT, &x, 0) == CURLUE_OK ||
      (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
       strcmp(path, "/") != 0 && strcmp(path, "") != 0)) {
    rc = err_set(e, ERR_CONFIG, "the Graph base URL \"%.200s\" must be just "
                 "scheme://host[:port], with no user, path or query", url);
    goto out;
  }
  if (strcasecmp(scheme, "http") == 0) {
    if (strcasecmp(host, "127.0.0.1") != 0 &&
        strcasecmp(host, "localhost") != 0 && strcmp(host, "[::1]") != 0) {
      rc = err_set(e, ERR_CONFIG, "refusing plain http to %.100s: the Graph "
                   "base URL must use https (http is allowed only for "
                   "127.0.0.1, localhost or [::1], e.g. the sandbox)", host);
      goto out;
    }
    *allow_http = 1;
  } else if (strcasecmp(scheme, "https") != 0) {
    rc = err_set(e, ERR_CONFIG, "the Graph base URL \"%.200s\" must use "
                 "https", url);
    goto out;
  }
  if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
    *out = xasprintf("%s://%s:%s", *allow_http ? "http" : "https", host,
                     port);
  else
    *out = xasprintf("%s://%s", *allow_http ? "http" : "https", host);
out:
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(path);
  curl_free(x);
  curl_url_cleanup(u);
  return rc;
}

/* 1 when v looks like "v25.0". */
int
graph__version_valid(const char *v)
{
  size_t i = 1, d;

  if (v[0] != 'v')
    return 0;
  for (d = 0; v[i] >= '0' && v[i] <= '9'; i++, d++)
    ;
  if (d == 0 || d > 3 || v[i++] != '.')
    return 0;
  for (d = 0; v[i] >= '0' && v[i] <= '9'; i++, d++)
    ;
  return d > 0 && d <= 3 && v[i] == '\0';
}

/* 1 when s is printable ASCII without spaces (so it cannot break a header
 * or a query). */
int
graph__credential_valid(const char *s)
{
  size_t n = strlen(s);

  if (n == 0 || n > TOKEN_MAX)
    return 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] <= 0x20 || s[i] >= 0x7f)
      return 0;
  }
  return 1;
}

/* Appends "&key=value" (no '&' first) percent-encoded. */
static int
add_param(struct buf *b, const char *key, const char *value)
{
  if ((b->len > 0 && buf_putc(b, '&') != 0) || url_encode(b, key) != 0 ||
      buf_putc(b, '=') != 0 || url_encode(b, value) != 0)
    return ERR_NOMEM;
  return 0;
}

/* Appends "/seg1/seg2..." with each segment percent-encoded.  Empty, "."
 * and ".." segments are refused; an empty path adds nothing. */
static int
add_path(struct buf *b, const char *path, struct err *e)
{
  const char *p = path, *slash;

  if (path == NULL || path[0] == '\0')
    return 0;
  for (;;) {
    size_t n;
    char *seg;
    int rc;
    slash = strchr(p, '/');
    n = slash != NULL ? (size_t)(slash - p) : strlen(p);
    if (n == 0 || (n == 1 && p[0] == '.') ||
        (n == 2 && p[0] == '.' && p[1] == '.'))
      return err_set(e, ERR_INVALID, "the Graph path \"%.100s\" has an "
                     "empty, \".\" or \"..\" segment", path);
    seg = xstrndup(p, n);
    rc = buf_putc(b, '/') != 0 || url_encode(b, seg) != 0;
    free(seg);
    if (rc)
      return err_set(e, ERR_INVALID, "the Graph path is too long");
    if (slash == NULL)
      return 0;
    p = slash + 1;
  }
}

/* Adds the parameters that credentials asks for (enum graph_cred). */
static int
add_credentials(const struct graph *g, const struct graph_tok *tok,
                unsigned credentials, struct buf *q, struct err *e)
{
  int bad = 0;

  if ((credentials & GRAPH_CRED_CLIENT_ID) != 0) {
    if (g->app_id == NULL)
      return err_set(e, ERR_CONFIG, "this call needs the app id: set "
                     "IG_APP_ID");
    bad |= add_param(q, "client_id", g->app_id) != 0;
  }
  if ((credentials & GRAPH_CRED_CLIENT_SECRET) != 0) {
    if (g->app_secret == NULL)
      return err_set(e, ERR_CONFIG, "this call needs the app secret: set "
                     "IG_APP_SECRET");
    bad |= add_param(q, "client_secret", g->app_secret) != 0;
  }
  if ((credentials & GRAPH_CRED_INPUT_TOKEN) != 0)
    bad |= add_param(q, "input_token", g->input_token != NULL
                                           ? g->input_token : tok->token) != 0;
  if ((credentials & GRAPH_CRED_EXCHANGE_TOKEN) != 0)
    bad |= add_param(q, "fb_exchange_token", tok->token) != 0;
  if (bad)
    return err_set(e, ERR_INVALID, "the Graph request is too large");
  return 0;
}

/* Builds the URL (and, for a form POST, the body) of a request. */
int
graph__build_request(const struct graph *g, const struct graph_tok *tok,
                     const struct graph_request *req, enum method m,
                     struct buf *url, struct buf *form, struct err *e)
{
  struct buf q;
  int rc = 0, form_post = m == M_POST && req->json_body == NULL;

  buf_init(&q, URL_MAX);
  if ((req->unversioned ? buf_printf(url, "%s", g->base)
                        : buf_printf(url, "%s/%s", g->base, g->version)) != 0) {
    rc = err_set(e, ERR_INVALID, "the Graph URL is too long");
    goto out;
  }
  rc = add_path(url, req->path, e);
  if (rc != 0)
    goto out;
  for (size_t i = 0; i < req->nparams; i++) {
    const struct graph_param *p = &req->params[i];
    if (p->key == NULL || p->key[0] == '\0' || p->value == NULL) {
      rc = err_set(e, ERR_INVALID, "Graph parameter %zu has no key or "
                   "value", i);
      goto out;
    }
    if (strcmp(p->key, "access_token") == 0 ||
        strcmp(p->key, "appsecret_proof") == 0 ||
        strcmp(p->key, "client_secret") == 0 ||
        strcmp(p->key, "input_token") == 0 ||
        strcmp(p->key, "fb_exchange_token") == 0) {
      rc = err_set(e, ERR_INVALID, "the parameter %s is set by igmcp, not "
                   "by the caller", p->key);
      goto out;
    }
    if (add_param(form_post ? form : &q, p->key, p->value) != 0) {
      rc = err_set(e, ERR_INVALID, "the Graph request is too large");
      goto out;
    }
  }
  rc = add_credentials(g, tok, req->credentials, form_post ? form : &q, e);
  if (rc != 0)
    goto out;
  if ((m != M_POST && add_param(&q, "access_token", tok->token) != 0) ||
      (form_post && add_param(form, "access_token", tok->token) != 0) ||
      (tok->proof[0] != '\0' &&
       add_param(&q, "appsecret_proof", tok->proof) != 0)) {
    rc = err_set(e, ERR_INVALID, "the Graph request is too large");
    goto out;
  }
  if (q.len > 0 && (buf_putc(url, '?') != 0 ||
                    buf_append(url, q.data, q.len) != 0))
    rc = err_set(e, ERR_INVALID, "the Graph URL is too long");
out:
  graph__wipe_buf(&q);
  return rc;
}

/* Checks the request's shape and picks the method. */
int
graph__check_request(const struct graph_request *req, enum method *m,
                     struct err *e)
{
  if (req->method == NULL)
    return err_set(e, ERR_INVALID, "a Graph request needs a method");
  if (strcmp(req->method, "GET") == 0)
    *m = M_GET;
  else if (strcmp(req->method, "POST") == 0)
    *m = M_POST;
  else if (strcmp(req->method, "DELETE") == 0)
    *m = M_DELETE;
  else
    return err_set(e, ERR_INVALID, "unsupported Graph method \"%.16s\"",
                   req->method);
  if (req->json_body != NULL && *m != M_POST)
    return err_set(e, ERR_INVALID, "a JSON body is only allowed with POST");
  if (req->path == NULL)
    return err_set(e, ERR_INVALID, "a Graph request needs a path (\"\" "
                   "for the version root)");
  if (req->nparams > 0 && req->params == NULL)
    return err_set(e, ERR_INVALID, "Graph parameters missing");
  return 0;
}

