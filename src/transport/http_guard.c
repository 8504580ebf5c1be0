/* SPDX-License-Identifier: MIT */
/*
 * http_guard.c: who may talk to the HTTP transport: Origin and Host
 * validation (DNS-rebinding protection), the optional bearer token and its
 * file, and the RFC 9728 metadata that tells clients how to get a token.
 */
#include "transport/http_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/csv.h"
#include "base/xalloc.h"

/* 1 when s is "localhost", "127.0.0.1" or "[::1]", optionally followed by
 * ":" and a port, and nothing else. */
int
http_loopback_authority(const char *s, size_t n)
{
  static const char *names[] = { "localhost", "127.0.0.1", "[::1]" };

  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    size_t l = strlen(names[i]);
    size_t j;
    if (n < l || strncasecmp(s, names[i], l) != 0)
      continue;
    if (n == l)
      return 1;
    if (s[l] != ':' || n == l + 1 || n - l - 1 > 5)
      continue;
    for (j = l + 1; j < n && isdigit((unsigned char)s[j]); j++)
      ;
    if (j == n)
      return 1;
  }
  return 0;
}

/* A Host header we may copy into URLs: letters, digits and . - : [ ]. */
int
http_host_chars_ok(const char *s)
{
  if (*s == '\0' || strlen(s) > 255)
    return 0;
  for (; *s != '\0'; s++)
    if (!isalnum((unsigned char)*s) && strchr(".-:[]", *s) == NULL)
      return 0;
  return 1;
}

struct origin {
  const char *o;
  size_t len; /* without trailing slashes */
};

/* 1 when an --allow-origin item (a trailing slash ignored) is the origin,
 * case-insensitively. */
static int
origin_listed(const char *item, size_t len, void *arg)
{
  const struct origin *w = arg;

  while (len > 0 && item[len - 1] == '/')
    len--;
  return len > 0 && len == w->len && strncasecmp(item, w->o, len) == 0;
}

/* Origin validation: the loopback origins over http or https, any port,
 * are always allowed; others only when listed (case-insensitive, a
 * trailing slash ignored). */
int
http_origin_ok(const struct http_server *h, const char *o)
{
  size_t olen = strlen(o);
  const char *rest = NULL;

  while (olen > 0 && o[olen - 1] == '/')
    olen--;
  if (strncasecmp(o, "http://", 7) == 0)
    rest = o + 7;
  else if (strncasecmp(o, "https://", 8) == 0)
    rest = o + 8;
  if (rest != NULL && rest <= o + olen &&
      http_loopback_authority(rest, (size_t)(o + olen - rest)))
    return 1;
  for (int i = 0; i < h->cfg.norigins; i++) {
    struct origin want = { o, olen };
    if (csv_each(h->cfg.origins[i], origin_listed, &want))
      return 1;
  }
  return 0;
}

/* scheme://authority for URLs we send: --public-url's, or http:// with
 * the validated Host header, or with the bound address. */
static void
base_url(const struct http_server *h, struct MHD_Connection *c, char *out,
         size_t outlen)
{
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

  if (h->public_base[0] != '\0')
    snprintf(out, outlen, "%s", h->public_base);
  else
    snprintf(out, outlen, "http://%s",
             host != NULL && http_host_chars_ok(host) ? host : h->hostport);
}

int
http_public_url(struct http_server *h, const char *url, struct err *e)
{
  size_t skip = strncmp(url, "https://", 8) == 0  ? 8
                : strncmp(url, "http://", 7) == 0 ? 7
                                                  : 0;
  const char *slash;
  char auth[160];
  size_t n;

  if (skip == 0)
    goto bad;
  slash = strchr(url + skip, '/');
  n = slash != NULL ? (size_t)(slash - url - skip) : strlen(url + skip);
  if (n == 0 || n >= sizeof(auth) ||
      (slash != NULL && strcmp(slash, ENDPOINT) != 0))
    goto bad;
  memcpy(auth, url + skip, n);
  auth[n] = '\0';
  if (!http_host_chars_ok(auth))
    goto bad;
  for (size_t i = 0; i < n; i++)
    auth[i] = (char)tolower((unsigned char)auth[i]);
  snprintf(h->public_base, sizeof(h->public_base), "%.*s%s", (int)skip, url,
           auth);
  return 0;
bad:
  err_set(e, ERR_CONFIG, "--public-url: expected http[s]://HOST[:PORT] or "
          "http[s]://HOST[:PORT]" ENDPOINT " (the proxy forwards that path "
          "and " PRM_PATH " to igmcp unchanged)");
  return -1;
}

/* RFC 9728 protected resource metadata for the /mcp resource. */
enum MHD_Result
http_handle_prm(struct http_server *h, struct MHD_Connection *c)
{
  char base[240], resource[320];
  json_t *doc;
  char *text;
  enum MHD_Result ret;

  base_url(h, c, base, sizeof(base));
  snprintf(resource, sizeof(resource), "%s" ENDPOINT, base);
  doc = json_pack("{s:s, s:[s], s:s}", "resource", resource,
                  "bearer_methods_supported", "header", "resource_name",
                  "igmcp");
  if (h->cfg.auth_server != NULL)
    json_object_set_new(doc, "authorization_servers",
                        json_pack("[s]", h->cfg.auth_server));
  text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  ret = http_send_resp(c, 200, http_resp_text(text, "application/json"));
  free(text);
  return ret;
}

/* Bearer authentication: 1 when the Authorization header carries the
 * configured token (compared in constant time). */
int
http_bearer_ok(const struct http_server *h, struct MHD_Connection *c, int *sent)
{
  const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                              "Authorization");
  size_t n;

  *sent = a != NULL;
  if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
    return 0;
  a += 7;
  while (*a == ' ')
    a++;
  n = strlen(a);
  while (n > 0 && a[n - 1] == ' ')
    n--;
  if (n != h->tokenlen) {
    (void)crypto_memeq(h->token, h->token, h->tokenlen);
    return 0;
  }
  return crypto_memeq(a, h->token, n);
}

enum MHD_Result
http_send_unauthorized(struct http_server *h, struct MHD_Connection *c,
                       int sent)
{
  char hdr[400], base[240];
  struct MHD_Response *r = http_resp_text(
           "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32001,"
           "\"message\":\"Unauthorized: send Authorization: Bearer <token>\"}}",
           "application/json");

  base_url(h, c, base, sizeof(base));
  snprintf(hdr, sizeof(hdr), "Bearer %sresource_metadata=\"%s" PRM_PATH "\"",
           sent ? "error=\"invalid_token\", " : "", base);
  if (r != NULL)
    MHD_add_response_header(r, "WWW-Authenticate", hdr);
  return http_send_resp(c, 401, r);
}

/* Reads the bearer token: the file must be a regular file that neither
 * group nor others can read or write; the token is its content, trimmed,
 * and must be visible ASCII. */
int
http_read_token_file(const char *path, char **out, struct err *e)
{
  char data[4097];
  struct stat st;
  ssize_t n;
  size_t len = 0, start = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return err_set(e, ERR_CONFIG, "cannot open --auth-token-file %s: %s",
                   path, strerror(errno));
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return err_set(e, ERR_CONFIG, "--auth-token-file %s is not a regular "
                   "file", path);
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    close(fd);
    return err_set(e, ERR_CONFIG, "--auth-token-file %s is accessible by "
                   "group or others; chmod 600 it", path);
  }
  while (len < sizeof(data) - 1) {
    n = read(fd, data + len, sizeof(data) - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  while (len > 0 && isspace((unsigned char)data[len - 1]))
    len--;
  while (start < len && isspace((unsigned char)data[start]))
    start++;
  if (len - start < 16) {
    memset(data, 0, sizeof(data));
    return err_set(e, ERR_CONFIG, "--auth-token-file %s: the token must be "
                   "at least 16 characters", path);
  }
  for (size_t i = start; i < len; i++) {
    if (data[i] < 0x21 || data[i] > 0x7e) {
      memset(data, 0, sizeof(data));
      return err_set(e, ERR_CONFIG, "--auth-token-file %s: the token must "
                     "be one line of visible ASCII", path);
    }
  }
  *out = xstrndup(data + start, len - start);
  memset(data, 0, sizeof(data));
  return 0;
}
