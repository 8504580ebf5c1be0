/* SPDX-License-Identifier: MIT */
/*
 * errors.c: Meta's error envelope, as the sandbox answers it.
 *
 * Every failure the emulated Graph API reports goes through sbx_error_full,
 * which builds {"error":{"message","type","code","error_subcode"?,
 * "is_transient"?,"error_user_title"?,"error_user_msg"?,"fbtrace_id"}} in
 * Meta's key order, picks a fresh fbtrace_id and the WWW-Authenticate
 * header Meta sends with errors.  The helpers below hold the texts Meta
 * uses for the common cases, in the flavour of the emulated host.  The
 * response and header belong to the request (struct sbx_req).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/crypto.h"
#include "../base/utf8.h"
#include "../base/xalloc.h"
#include "sbx.h"

/* A fresh fbtrace_id: "A" and 22 random base64url characters. */
void
sbx_fbtrace(char out[32])
{
  static const char al[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  char hex[48];
  size_t i;

  if (crypto_random_hex(hex, 22) != 0)
    memset(hex, '7', 44);
  out[0] = 'A';
  for (i = 0; i < 22; i++) {
    unsigned hi = (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0'
                                               : hex[2 * i] - 'a' + 10);
    unsigned lo = (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0'
                                                   : hex[2 * i + 1] - 'a' + 10);
    out[i + 1] = al[((hi << 4) | lo) % 64];
  }
  out[23] = '\0';
}

/* Makes a JSON string of bytes from outside, mending bad UTF-8. */
json_t *
sbx_jstr(const char *s)
{
  size_t n, bad;
  json_t *j;
  char *fixed;
  size_t o = 0;

  if (s == NULL)
    return json_string("");
  n = strlen(s);
  if (utf8_valid(s, n, &bad))
    return json_stringn(s, n);
  /* Replace each bad byte by U+FFFD and keep the good runs. */
  fixed = xmalloc(n * 3 + 1);
  for (size_t i = 0; i < n;) {
    size_t rest = n - i;
    if (utf8_valid(s + i, rest, &bad)) {
      memcpy(fixed + o, s + i, rest);
      o += rest;
      break;
    }
    memcpy(fixed + o, s + i, bad);
    o += bad;
    memcpy(fixed + o, "\xEF\xBF\xBD", 3);
    o += 3;
    i += bad + 1;
  }
  fixed[o] = '\0';
  j = json_stringn(fixed, o);
  free(fixed);
  return j != NULL ? j : json_string("");
}

/* The exception type Meta names for a kind of error on this host. */
static const char *
type_name(const struct sbx_req *r, enum sbx_etype t)
{
  switch (t) {
  case SBX_ET_OAUTH:
    return "OAuthException";
  case SBX_ET_METHOD:
    return "GraphMethodException";
  case SBX_ET_HOST:
    return r->host == SBX_HOST_IG ? "IGApiException" : "OAuthException";
  case SBX_ET_HOST_METHOD:
  default:
    return r->host == SBX_HOST_IG ? "IGApiException"
                                  : "GraphMethodException";
  }
}

/* Header values may not carry control characters; Meta's never do. */
static char *
header_safe(const char *kind, const char *msg)
{
  char *h = xasprintf("OAuth \"Facebook Platform\" \"%s\" \"%s\"", kind, msg);
  for (char *p = h; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
  return h;
}

/* Builds the envelope in Meta's key order and the WWW-Authenticate
 * header that goes with it. */
void
sbx_error_full(struct sbx_req *r, unsigned status, const char *type,
               int code, int subcode, int transient,
               const char *user_title, const char *user_msg,
               const char *msg)
{
  json_t *e = json_object();

  json_object_set_new(e, "message", sbx_jstr(msg));
  json_object_set_new(e, "type", json_string(type));
  json_object_set_new(e, "code", json_integer(code));
  if (subcode != 0)
    json_object_set_new(e, "error_subcode", json_integer(subcode));
  if (transient >= 0)
    json_object_set_new(e, "is_transient", json_boolean(transient));
  if (user_title != NULL)
    json_object_set_new(e, "error_user_title", sbx_jstr(user_title));
  if (user_msg != NULL)
    json_object_set_new(e, "error_user_msg", sbx_jstr(user_msg));
  sbx_fbtrace(r->fbtrace);
  json_object_set_new(e, "fbtrace_id", json_string(r->fbtrace));
  json_decref(r->resp);
  r->resp = json_pack("{s:o}", "error", e);
  r->status = status;
  r->is_error = 1;
  free(r->www_auth);
  r->www_auth = header_safe(code == 190 || (code == 2500 &&
                                             strstr(msg, "access token"))
                            ? "invalid_token" : "invalid_request", msg);
}

void
sbx_error(struct sbx_req *r, unsigned status, enum sbx_etype type, int code,
          int subcode, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  sbx_error_full(r, status, type_name(r, type), code, subcode, -1, NULL,
                 NULL, msg);
}

/* Meta names the method in lower case in this message. */
void
sbx_err_unsupported(struct sbx_req *r, const char *id)
{
  char m[16];
  size_t i;

  for (i = 0; i + 1 < sizeof(m) && r->method[i]; i++)
    m[i] = (char)(r->method[i] >= 'A' && r->method[i] <= 'Z'
                  ? r->method[i] + 32 : r->method[i]);
  m[i] = '\0';
  sbx_error(r, 400, SBX_ET_HOST_METHOD, 100, 33,
            "Unsupported %s request. Object with ID '%.200s' does not "
            "exist, cannot be loaded due to missing permissions, or does "
            "not support this operation. Please read the Graph API "
            "documentation at https://developers.facebook.com/docs/graph-api",
            m, id);
}

void
sbx_err_unknown_path(struct sbx_req *r, const char *rest)
{
  sbx_error(r, 400, SBX_ET_HOST, 2500, 0, "Unknown path components: /%.200s",
            rest);
}

void
sbx_err_field(struct sbx_req *r, const char *field, const char *node_type)
{
  if (r->host == SBX_HOST_IG)
    sbx_error(r, 400, SBX_ET_HOST, 100, 0,
              "Tried accessing nonexisting field (%.100s)", field);
  else
    sbx_error(r, 400, SBX_ET_HOST, 100, 0,
              "(#100) Tried accessing nonexisting field (%.100s) on node "
              "type (%s)", field, node_type);
}

void
sbx_err_param(struct sbx_req *r, const char *fmt, ...)
{
  char msg[768];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (r->host == SBX_HOST_IG)
    sbx_error(r, 400, SBX_ET_HOST, 100, 0, "%s", msg);
  else
    sbx_error(r, 400, SBX_ET_HOST, 100, 0, "(#100) %s", msg);
}
