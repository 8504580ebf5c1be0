/* SPDX-License-Identifier: MIT */
/*
 * hooks.h: the sandbox's outgoing webhooks.
 *
 * When a callback URL and an app secret are set (admin API, the Graph
 * route POST /{app-id}/subscriptions, or sandbox_webhooks_set), events of
 * the sandbox world (inbound messages, echoes of sends, comments,
 * mentions, reactions, seen) are queued as Meta would deliver them and
 * POSTed to the callback by a background thread, signed with
 * X-Hub-Signature-256.  Only fields the account subscribed
 * (/{id}/subscribed_apps) and the app subscribed (/{app-id}/subscriptions,
 * all when never set) are delivered.  See docs/internals/sandbox.md.
 *
 * struct sbx_hooks has its own mutex, taken after the sandbox's: the
 * routes and the admin API call in with sb->mu held; the delivery thread
 * never takes sb->mu.  The callback must be a loopback URL.
 */
#ifndef IGMCP_SANDBOX_HOOKS_H
#define IGMCP_SANDBOX_HOOKS_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "world.h"

struct sandbox;
struct sbx_req;

#define HOOKS_LOG_MAX 64          /* deliveries GET /__sandbox/webhooks shows */
#define HOOKS_QUEUE_MAX 10000     /* events waiting; more are dropped */
#define HOOKS_BATCH_MAX 1000      /* entries per POST, as Meta */

/* Webhook fields of the instagram object, as bits. */
enum hook_field {
  HF_MESSAGES = 0,
  HF_MESSAGE_REACTIONS,
  HF_MESSAGING_SEEN,
  HF_MESSAGING_POSTBACKS,
  HF_MESSAGING_REFERRAL,
  HF_MESSAGE_EDIT,
  HF_MESSAGING_OPTINS,
  HF_MESSAGING_HANDOVER,
  HF_STANDBY,
  HF_COMMENTS,
  HF_LIVE_COMMENTS,
  HF_MENTIONS,
  HF_STORY_INSIGHTS,
  HF_COUNT
};
#define HF_BIT(f) (1u << (f))
#define HF_ALL ((1u << HF_COUNT) - 1)

struct hook_event {
  enum hook_field field;
  int is_change;          /* changes[] {field,value}, else messaging[] */
  int64_t time_ms;        /* sandbox clock when it happened */
  json_t *item;           /* the messaging element or the change value */
  struct hook_event *next;
};

struct sbx_hooks {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  int started;
  int stop;
  /* Where and how to deliver; NULL url: nothing is delivered. */
  char *callback_url;
  char *secret;
  char *verify_token;
  unsigned app_fields;    /* /{app-id}/subscriptions fields */
  int app_fields_set;     /* 0: every field */
  /* What the account subscribed: on the IG host the account itself, on
   * the FB host its Page (field names kept as given). */
  unsigned ig_fields;
  json_t *ig_names;       /* array, NULL when not subscribed */
  unsigned page_fields;
  json_t *page_names;
  /* Delivery policy. */
  long max_attempts;      /* per batch, the first one included */
  long retry_base_ms;     /* the wait before the third attempt, doubled */
  long retry_cap_ms;
  long timeout_ms;        /* per attempt */
  long batch_ms;          /* events this close together share a POST */
  /* Queue, oldest first. */
  struct hook_event *head, *tail;
  size_t queued;
  uint64_t dropped;
  /* Delivery log: a ring of json objects updated in place under mu. */
  json_t *log[HOOKS_LOG_MAX];
  size_t log_next, log_count;
  uint64_t seq;
  int busy;               /* the thread holds a batch */
};

/* hooks_deliver.c: lifecycle and the delivery thread. */
void hooks_init(struct sbx_hooks *h);
/* Stops the thread (an attempt under way is abandoned) and frees all. */
void hooks_free(struct sbx_hooks *h);
/* Sets the callback and secret (copied; NULL url disables delivery) and
 * starts the thread.  Returns -1 when url is not http://loopback. */
int hooks_configure(struct sbx_hooks *h, const char *url, const char *secret);
/* 1 when url is http:// to 127.0.0.1, localhost or [::1]. */
int hooks_url_ok(const char *url);
/* Queues an event when delivery is on and the field is subscribed (takes
 * item either way).  Called with sb->mu held; takes h->mu. */
void hooks_emit(struct sbx_hooks *h, enum hook_field f, int is_change,
                int64_t time_ms, json_t *item);
/* Waits until the queue is empty and no batch is in flight, at most
 * timeout_ms.  Returns 0 when idle.  For tests and the admin API. */
int hooks_flush(struct sbx_hooks *h, long timeout_ms);
/* The delivery log and settings, as GET /__sandbox/webhooks answers. */
json_t *hooks_state(struct sbx_hooks *h);

/* hooks_subs.c: field names and the subscription filter. */
const char *hooks_field_name(enum hook_field f);
int hooks_field_parse(const char *name);   /* -1 when unknown */
/* Which vocabulary a field list is checked against: an account on the
 * IG host, a Page, or the app (/{app-id}/subscriptions: every field). */
enum hooks_vocab { HOOKS_FIELDS_IG, HOOKS_FIELDS_PAGE, HOOKS_FIELDS_APP };
/* Parses a field list (comma string or JSON array) checked against the
 * vocabulary; on error writes Meta's message to err and returns -1.  On
 * success *names is a new array, *bits the mapped bits. */
int hooks_parse_fields(const json_t *v, enum hooks_vocab vocab,
                       json_t **names,
                       unsigned *bits, char *err, size_t errlen);
/* 1 when an event of field f goes out (h->mu held). */
int hooks_wanted(const struct sbx_hooks *h, enum hook_field f);

/* hooks_events.c: world events in Meta's shapes (sb->mu held). */
int64_t hooks_now_ms(struct sandbox *sb);
void hooks_message(struct sandbox *sb, const struct world_conv *c,
                   const struct world_msg *m);
void hooks_reaction(struct sandbox *sb, const char *user_id,
                    const char *mid, const char *emoji, int unreact);
void hooks_seen(struct sandbox *sb, const char *user_id, const char *mid);
void hooks_comment(struct sandbox *sb, const char *comment_id, int live);
void hooks_mention(struct sandbox *sb, const char *media_id,
                   const char *comment_id);

/* routes_subscriptions.c: the Graph routes (sb->mu held).  The app route
 * answers /{app-id}/subscriptions with its own app-token check and
 * returns 1 when the path is its own. */
int sbx_route_subscribed_apps(struct sbx_req *r, const char *obj,
                              const char *edge, const char *rest);
int sbx_route_app_subscriptions(struct sbx_req *r, const char *token);

/* admin_hooks.c: /__sandbox/webhooks, comment, mention, reaction, seen.
 * Returns 1 when sub is one of its endpoints. */
int sbx_admin_hooks(struct sbx_req *r, const char *sub);

#endif
