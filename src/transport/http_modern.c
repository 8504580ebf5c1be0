/* SPDX-License-Identifier: MIT */
/*
 * http_modern.c: 2026-07-28 requests over Streamable HTTP (mcp.md §7.3).
 * No session, no handshake: each POST carries its protocol version in a
 * header and in _meta, and names its method (and its tool, resource or
 * prompt) in Mcp-Method and Mcp-Name headers so proxies can route it
 * without reading the body.  The checks run in the order the
 * specification's errors imply: headers against the body (-32020), the
 * _meta envelope (-32602, -32022), then the method (404).  Each request
 * then runs on an ephemeral session whose only stream is the answer;
 * closing that stream ends the session and so cancels the call.
 */
#include "transport/http_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/jsonrpc.h"

#define HEADER_MAX 512

/* Copies header name's value without surrounding optional whitespace (RFC
 * 9110 §5.5).  Returns 0, -1 when absent, -2 when too long. */
static int
header_value(struct MHD_Connection *c, const char *name, char *out,
             size_t outlen)
{
  const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  size_t n;

  if (v == NULL)
    return -1;
  while (*v == ' ' || *v == '\t')
    v++;
  n = strlen(v);
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
    n--;
  if (n >= outlen)
    return -2;
  memcpy(out, v, n);
  out[n] = '\0';
  return 0;
}

static int
b64_value(int ch)
{
  if (ch >= 'A' && ch <= 'Z')
    return ch - 'A';
  if (ch >= 'a' && ch <= 'z')
    return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9')
    return ch - '0' + 52;
  if (ch == '+')
    return 62;
  if (ch == '/')
    return 63;
  return -1;
}

/* Strict standard Base64 (RFC 4648 §4): whole quanta, padding only at the
 * end.  Decodes in into out (NUL-terminated); -1 when malformed. */
static int
b64_decode(const char *in, size_t n, char *out, size_t outlen)
{
  size_t o = 0;

  if (n == 0 || n % 4 != 0 || n / 4 * 3 >= outlen)
    return -1;
  for (size_t i = 0; i < n; i += 4) {
    int v[4], pad = 0;
    for (int k = 0; k < 4; k++) {
      char ch = in[i + (size_t)k];
      if (ch == '=' && i + 4 == n && k >= 2) {
        pad++;
        v[k] = 0;
      } else if (pad > 0 || (v[k] = b64_value((unsigned char)ch)) < 0) {
        return -1;
      }
    }
    out[o++] = (char)(v[0] << 2 | v[1] >> 4);
    if (pad < 2)
      out[o++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
    if (pad < 1)
      out[o++] = (char)((v[2] & 3) << 6 | v[3]);
  }
  out[o] = '\0';
  return memchr(out, '\0', o) == NULL ? 0 : -1;
}

/* A header value as the client meant it: "=?base64?...?=" carries
 * non-ASCII text; anything else is literal.  -1 when malformed. */
static int
header_decode(const char *v, char *out, size_t outlen)
{
  size_t n = strlen(v);

  if (n >= 12 && strncmp(v, "=?base64?", 9) == 0 &&
      strcmp(v + n - 2, "?=") == 0)
    return b64_decode(v + 9, n - 11, out, outlen);
  if (n >= outlen)
    return -1;
  memcpy(out, v, n + 1);
  return 0;
}

/* An HTTP error whose body is a JSON-RPC error carrying the request's
 * id; err is the error object (stolen). */
static enum MHD_Result
reply_error(struct MHD_Connection *c, unsigned status, const json_t *id,
            json_t *err)
{
  json_t *m = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
                        id != NULL ? id : json_null(), "error", err);
  char *text = jsonrpc_dump(m);
  enum MHD_Result ret;

  json_decref(m);
  ret = http_send_resp(c, status, http_resp_text(text, "application/json"));
  free(text);
  return ret;
}

static enum MHD_Result
mismatch(struct MHD_Connection *c, const json_t *id, const char *why)
{
  return reply_error(c, 400, id,
                     json_pack("{s:i, s:s}", "code", MCP_ERR_HEADER_MISMATCH,
                               "message", why));
}

/* The body value Mcp-Name must repeat, or NULL when the method has none
 * (or the body lacks it: the server then says what is missing). */
static const char *
name_target(const struct jsonrpc_msg *m, const char **what)
{
  if (strcmp(m->method, "tools/call") == 0 ||
      strcmp(m->method, "prompts/get") == 0) {
    *what = "params.name";
    return json_string_value(json_object_get(m->params, "name"));
  }
  if (strcmp(m->method, "resources/read") == 0) {
    *what = "params.uri";
    return json_string_value(json_object_get(m->params, "uri"));
  }
  return NULL;
}

int
http_is_modern(struct MHD_Connection *c, const struct jsonrpc_msg *m)
{
  const char *pv = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                               "MCP-Protocol-Version");

  if (m->kind == JSONRPC_REQUEST &&
      json_object_get(json_object_get(m->params, "_meta"),
                      MCP_META_VERSION) != NULL)
    return 1;
  if (pv != NULL)
    return !mcp_version_legacy(pv);
  return MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Mcp-Method") !=
         NULL;
}

/* The headers against the body; an error already answered when not 0. */
static int
check_headers(struct MHD_Connection *c, const struct jsonrpc_msg *m,
              enum MHD_Result *ret)
{
  char hv[HEADER_MAX], dec[HEADER_MAX], msg[200];
  const char *what = NULL, *target = name_target(m, &what);
  const char *pv = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                               "MCP-Protocol-Version");
  const char *v = json_string_value(json_object_get(
      json_object_get(m->params, "_meta"), MCP_META_VERSION));

  if (header_value(c, "Mcp-Method", hv, sizeof(hv)) != 0 ||
      strcmp(hv, m->method) != 0) {
    *ret = mismatch(c, m->id, "Header mismatch: the Mcp-Method header is "
                              "required and must equal the body's method "
                              "(case-sensitive)");
    return -1;
  }
  if (target != NULL) {
    int rc = header_value(c, "Mcp-Name", hv, sizeof(hv));
    if (rc != 0 || header_decode(hv, dec, sizeof(dec)) != 0 ||
        strcmp(dec, target) != 0) {
      snprintf(msg, sizeof(msg), "Header mismatch: the Mcp-Name header is "
               "required and must equal %s (=?base64?...?= for non-ASCII "
               "text)", what);
      *ret = mismatch(c, m->id, msg);
      return -1;
    }
  }
  if (v != NULL && (pv == NULL || strcmp(pv, v) != 0)) {
    *ret = mismatch(c, m->id, "Header mismatch: the MCP-Protocol-Version "
                              "header must equal params._meta[\""
                              MCP_META_VERSION "\"]");
    return -1;
  }
  return 0;
}

enum MHD_Result
http_post_modern(struct http_server *h, struct MHD_Connection *c,
                 struct conn *cx, const struct jsonrpc_msg *m)
{
  enum MHD_Result ret;
  struct session *ss;
  struct stream *st;
  json_t *err;
  int code, sse;

  /* Nothing a client notifies needs an answer here: cancellation is by
   * closing the stream. */
  if (m->kind != JSONRPC_REQUEST)
    return http_send_empty(c, 202);
  if (check_headers(c, m, &ret) != 0)
    return ret;
  if ((code = mcp_meta_check(m->params, &err)) != 0)
    return reply_error(c, 400, m->id, err);
  if (!mcp_modern_method(m->method, &h->cfg.server)) {
    char msg[200];
    snprintf(msg, sizeof(msg), "Method not found: this server speaks "
             "server/discover, tools/list, tools/call, "
             "subscriptions/listen and resources/list, /read and "
             "/templates/list in " MCP_MODERN_VERSION);
    return reply_error(c, 404, m->id,
                       json_pack("{s:i, s:s}", "code",
                                 JSONRPC_METHOD_NOT_FOUND, "message", msg));
  }
  /* Calls and subscriptions answer as SSE: keep-alive comments on it are
   * how a closed stream (a cancellation) gets noticed. */
  sse = strcmp(m->method, "subscriptions/listen") == 0;
  if (sse && !http_accepts(c, "text/event-stream"))
    return http_send_error(c, 406, JSONRPC_INVALID_REQUEST,
                           "Not Acceptable: subscriptions/listen answers "
                           "with a stream; send Accept: text/event-stream");
  sse |= strcmp(m->method, "tools/call") == 0 &&
         http_accepts(c, "text/event-stream");

  ss = http_session_new(h);
  ss->ephemeral = 1;
  pthread_mutex_lock(&h->mu);
  ss->next = h->sessions;
  h->sessions = ss;
  st = http_stream_new(h, ss, c, sse ? ST_POST_SSE : ST_JSON);
  jsonrpc_id_key(m->id, st->key, sizeof(st->key));
  ss->busy++;
  pthread_mutex_unlock(&h->mu);
  if (!sse)
    cx->st = st;
  http_session_handle(h, ss, cx->body.data, cx->body.len);
  if (sse)
    return http_send_stream(c, st, NULL);
  return http_finish_json(h, c, cx, NULL);
}
