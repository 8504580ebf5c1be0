/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h: an emulator of Meta's Graph API for Instagram, on loopback.
 *
 * It answers both hosts' shapes: a request made with an Instagram Login
 * token (IGAA...) is answered as graph.instagram.com would, one made with a
 * Page token (EAA...) as graph.facebook.com would.  Its world is built
 * deterministically from a seed, relative to its own clock, which the admin
 * API under /__sandbox/ can move.  See docs/internals/sandbox.md.
 */
#ifndef IGMCP_SANDBOX_H
#define IGMCP_SANDBOX_H

#include <stdint.h>

#include "../base/err.h"

struct sandbox_opts {
  const char *bind_addr; /* NULL means 127.0.0.1 */
  uint16_t port;         /* 0 picks an ephemeral port */
  uint64_t seed;         /* world seed; 0 means the default seed */
  const char *app_secret;/* NULL: the sandbox app secret below */
};

struct sandbox;

struct sandbox *sandbox_start(const struct sandbox_opts *o, struct err *e);
uint16_t sandbox_port(const struct sandbox *s);
void sandbox_stop(struct sandbox *s);
/* The sandbox clock (wall clock plus the admin API's offset) in unix
 * milliseconds; arg is the struct sandbox.  Fits struct call's now_ms. */
int64_t sandbox_now_ms(void *arg);
/* Delivers the sandbox's webhooks to url (http:// on 127.0.0.1, localhost
 * or [::1]), signed with secret (NULL: keep the current one, by default
 * the sandbox app secret).  The account still has to subscribe
 * (/{id}/subscribed_apps).  NULL url stops delivery.  Returns -1 for a
 * URL that is not loopback.  Thread-safe. */
int sandbox_webhooks_set(struct sandbox *s, const char *url,
                         const char *secret);

/* Credentials the sandbox accepts.  They are not secrets, but igmcp still
 * treats them as if they were. */
#define SANDBOX_IG_TOKEN "IGAAsandboxTokenForIgmcpInstagramLogin000000000000"
#define SANDBOX_FB_TOKEN "EAAsandboxTokenForIgmcpFacebookLoginPage0000000000"
#define SANDBOX_APP_SECRET "sandbox-app-secret-0123456789abcdef"
#define SANDBOX_IG_USER_ID "17841400000000001"
#define SANDBOX_IG_USERNAME "sandbox.studio"
#define SANDBOX_PAGE_ID "100000000000001"
#define SANDBOX_APP_ID "900000000000001"
/* What GET /me answers as "id" on graph.instagram.com: like Meta, the
 * app-scoped id, while "user_id" is SANDBOX_IG_USER_ID. */
#define SANDBOX_IG_SCOPED_ID "26000000000000001"

/* A second professional account, with its own Page, tokens, world (seeded
 * apart) and usage counters, so that several accounts can be tried: the
 * sandbox answers a request made with these tokens as this account. */
#define SANDBOX_IG_TOKEN_2 "IGAAsandboxTokenForIgmcpInstagramLogin000000000002"
#define SANDBOX_FB_TOKEN_2 "EAAsandboxTokenForIgmcpFacebookLoginPage0000000002"
#define SANDBOX_IG_USER_ID_2 "17841400000000002"
#define SANDBOX_IG_USERNAME_2 "sandbox.second"
#define SANDBOX_PAGE_ID_2 "100000000000003"
#define SANDBOX_IG_SCOPED_ID_2 "26000000000000002"

#endif
