/* SPDX-License-Identifier: MIT */
/*
 * http.h: the Streamable HTTP transport (MCP 2025-11-25 and older), on
 * libmicrohttpd.  One endpoint, /mcp, for POST, GET and DELETE; /healthz
 * for orchestrators; /.well-known/oauth-protected-resource when bearer
 * authentication is on; /webhook for Meta's webhooks.  Every initialize POST creates a session with its
 * own mcp_server; the graph client, the account and the registry are
 * shared.  docs/internals/http.md describes the design.
 */
#ifndef IGMCP_HTTP_H
#define IGMCP_HTTP_H

#include <stdint.h>

#include "base/err.h"
#include "mcp/server.h"

struct store;

struct http_config {
  const char *addr;             /* IPv4 or IPv6 literal; NULL: 127.0.0.1 */
  uint16_t port;                /* 0: an ephemeral port (see http_port) */
  /* The template for every session's server: write, write_arg and
   * shared_log are set by the transport. */
  struct mcp_server_config server;
  /* Origins allowed besides the loopback ones; each entry may be a comma
   * list ("https://a.example,https://b.example").  Borrowed. */
  const char *const *origins;
  int norigins;
  const char *auth_token_file;  /* NULL: no bearer authentication */
  const char *auth_server;      /* authorization_servers[0] in the PRM */
  /* The endpoint's URL as clients reach it (a TLS proxy in front):
   * "http[s]://authority" with an optional "/mcp".  NULL: URLs we send
   * are built from the Host header. */
  const char *public_url;
  int max_sessions;             /* 0: HTTP_MAX_SESSIONS_DEFAULT */
  /* Seconds without a request or an open stream after which a session
   * ends; 0: HTTP_IDLE_TIMEOUT_DEFAULT, negative: never. */
  long idle_timeout;
  /* The webhook receiver on /webhook (docs/internals/webhook-receiver.md):
   * the app secret that signs deliveries (IG_APP_SECRET; NULL: POST gets
   * 503), the handshake's verify token (IG_WEBHOOK_VERIFY_TOKEN; NULL:
   * GET gets 403) and the store deliveries go to (NULL: POST gets 503).
   * Borrowed; they must outlive the server. */
  const char *app_secret;
  const char *verify_token;
  struct store *store;
};

#define HTTP_MAX_SESSIONS_DEFAULT 256
#define HTTP_IDLE_TIMEOUT_DEFAULT 1800L

struct http_server;

/* Reads the token file (when set), binds and starts serving.  Returns NULL
 * and fills e on failure. */
struct http_server *http_start(const struct http_config *cfg, struct err *e);
/* The bound port. */
uint16_t http_port(const struct http_server *h);
/* The MCP endpoint's URL, e.g. "http://127.0.0.1:8080/mcp". */
const char *http_url(const struct http_server *h);
/* Stops accepting connections, lets running calls finish for up to
 * drain_ms, ends every stream and session, stops the daemon and frees
 * everything. */
void http_stop(struct http_server *h, long drain_ms);

#endif
