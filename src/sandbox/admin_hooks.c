/* SPDX-License-Identifier: MIT */
/*
 * admin_hooks.c: the admin API of the sandbox's webhooks.
 *
 *   GET    /__sandbox/webhooks        settings, subscriptions, delivery log
 *   POST   /__sandbox/webhooks        set callback, secret, fields, policy
 *   DELETE /__sandbox/webhooks        stop delivering, drop subscriptions
 *   POST   /__sandbox/webhooks/flush  wait until the queue is delivered
 *   POST   /__sandbox/comment         a user comments on our media
 *   POST   /__sandbox/mention         a user @mentions us
 *   POST   /__sandbox/reaction        a user reacts to a message
 *   POST   /__sandbox/seen            a user reads our messages
 *
 * The events change the world as they would on Instagram and go out as
 * webhooks when subscribed (hooks_events.c).  Handlers run with the
 * sandbox mutex held; errors are {"error":"<text>"} like admin.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "sbx.h"
#include "world_media.h"

#define ADMIN_TEXT_MAX 2200

static void
herr(struct sbx_req *r, unsigned status, const char *msg)
{
  json_decref(r->resp);
  r->resp = json_pack("{s:s}", "error", msg);
  r->status = status;
}

/* A non-negative integer setting within [lo, hi]; -1 when out of range. */
static int
policy(struct sbx_req *r, const char *name, long lo, long hi, long *out)
{
  json_t *v = json_object_get(r->body, name);

  if (v == NULL)
    return 0;
  if (!json_is_integer(v) || json_integer_value(v) < lo ||
      json_integer_value(v) > hi) {
    char msg[96];
    snprintf(msg, sizeof(msg), "%s must be an integer in %ld..%ld", name, lo,
             hi);
    herr(r, 400, msg);
    return -1;
  }
  *out = (long)json_integer_value(v);
  return 0;
}

/* Parses an optional field list; *names NULL when absent. */
static int
field_list(struct sbx_req *r, const char *key, enum hooks_vocab vocab,
           json_t **names, unsigned *bits)
{
  json_t *v = json_object_get(r->body, key);
  char err[600];

  *names = NULL;
  *bits = 0;
  if (v == NULL || json_is_null(v))
    return 0;
  if (hooks_parse_fields(v, vocab, names, bits, err, sizeof(err)) != 0) {
    herr(r, 400, err);
    return -1;
  }
  return 0;
}

static void
post_webhooks(struct sbx_req *r)
{
  struct sbx_hooks *h = &r->sb->hooks;
  json_t *urlv = json_object_get(r->body, "callback_url");
  const char *url = json_string_value(urlv);
  const char *secret = json_string_value(json_object_get(r->body,
                                                         "app_secret"));
  const char *vt = json_string_value(json_object_get(r->body,
                                                     "verify_token"));
  json_t *app = NULL, *ig = NULL, *pg = NULL;
  unsigned appb, igb, pgb;
  long ma = h->max_attempts, rb = h->retry_base_ms, rc = h->retry_cap_ms;
  long to = h->timeout_ms, bm = h->batch_ms;

  if (urlv != NULL && !json_is_null(urlv) && !hooks_url_ok(url)) {
    herr(r, 400, "callback_url must be http:// on 127.0.0.1, localhost or "
         "[::1]");
    return;
  }
  if (secret != NULL && *secret == '\0') {
    herr(r, 400, "app_secret must not be empty");
    return;
  }
  if (policy(r, "max_attempts", 1, 100, &ma) != 0 ||
      policy(r, "retry_base_ms", 1, 3600000, &rb) != 0 ||
      policy(r, "retry_cap_ms", 1, 36 * 3600000L, &rc) != 0 ||
      policy(r, "timeout_ms", 10, 60000, &to) != 0 ||
      policy(r, "batch_ms", 0, 10000, &bm) != 0)
    return;
  if (field_list(r, "fields", HOOKS_FIELDS_APP, &app, &appb) != 0)
    return;
  if (field_list(r, "subscribed_fields", HOOKS_FIELDS_IG, &ig, &igb) != 0 ||
      field_list(r, "page_subscribed_fields", HOOKS_FIELDS_PAGE, &pg,
                 &pgb) != 0) {
    json_decref(app);
    json_decref(ig);
    return;
  }
  if (urlv != NULL &&
      hooks_configure(h, json_is_null(urlv) ? NULL : url, secret) != 0) {
    herr(r, 500, "cannot start the delivery thread");
    json_decref(app);
    json_decref(ig);
    json_decref(pg);
    return;
  }
  pthread_mutex_lock(&h->mu);
  if (urlv == NULL && secret != NULL) {
    free(h->secret);
    h->secret = xstrdup(secret);
  }
  if (vt != NULL) {
    free(h->verify_token);
    h->verify_token = xstrdup(vt);
  }
  h->max_attempts = ma;
  h->retry_base_ms = rb;
  h->retry_cap_ms = rc;
  h->timeout_ms = to;
  h->batch_ms = bm;
  if (app != NULL) {
    h->app_fields = appb;
    h->app_fields_set = 1;
    json_decref(app);
  }
  if (ig != NULL) {
    json_decref(h->ig_names);
    h->ig_names = ig;
    h->ig_fields = igb;
  }
  if (pg != NULL) {
    json_decref(h->page_names);
    h->page_names = pg;
    h->page_fields = pgb;
  }
  pthread_mutex_unlock(&h->mu);
  r->resp = hooks_state(h);
}

static void
delete_webhooks(struct sbx_req *r)
{
  struct sbx_hooks *h = &r->sb->hooks;

  hooks_configure(h, NULL, NULL);
  pthread_mutex_lock(&h->mu);
  json_decref(h->ig_names);
  json_decref(h->page_names);
  h->ig_names = h->page_names = NULL;
  h->ig_fields = h->page_fields = h->app_fields = 0;
  h->app_fields_set = 0;
  free(h->verify_token);
  h->verify_token = NULL;
  for (size_t i = 0; i < HOOKS_LOG_MAX; i++) {
    json_decref(h->log[i]);
    h->log[i] = NULL;
  }
  h->log_next = h->log_count = 0;
  pthread_mutex_unlock(&h->mu);
  r->resp = hooks_state(h);
}

/* The conversation named by user_id or username, or NULL with r set. */
static struct world_conv *
body_conv(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  const char *uid = json_string_value(json_object_get(r->body, "user_id"));
  const char *un = json_string_value(json_object_get(r->body, "username"));
  struct world_user *u = NULL;
  struct world_conv *c;

  if (uid != NULL)
    u = world_user_by_id(w, uid);
  else if (un != NULL)
    u = world_user_by_name(w, un);
  else {
    herr(r, 400, "want user_id or username");
    return NULL;
  }
  if (u == NULL || (c = world_conv_by_user(w, u->id)) == NULL) {
    herr(r, 404, "unknown user");
    return NULL;
  }
  return c;
}

/* The newest message in c, of ours when ours is set (-1: none). */
static long
newest(const struct world_conv *c, int ours)
{
  for (size_t i = c->nmsgs; i > 0; i--)
    if (!ours || c->msgs[i - 1].from_us)
      return (long)(i - 1);
  return -1;
}

/* mid from the body, else the default; -1 with r set when not in c. */
static long
body_mid(struct sbx_req *r, const struct world_conv *c, long def)
{
  const char *mid = json_string_value(json_object_get(r->body, "mid"));
  long i = mid != NULL ? world_msg_index(c, mid) : def;

  if (i < 0)
    herr(r, 400, mid != NULL ? "mid is not a message of this conversation"
                             : "the conversation has no such message");
  return i;
}

static void
post_reaction(struct sbx_req *r)
{
  struct world_conv *c = body_conv(r);
  const char *emoji = json_string_value(json_object_get(r->body,
                                                        "reaction"));
  const char *action = json_string_value(json_object_get(r->body,
                                                         "action"));
  int unreact = action != NULL && strcmp(action, "unreact") == 0;
  struct world_msg *m;
  long i;

  if (c == NULL || (i = body_mid(r, c, newest(c, 1))) < 0)
    return;
  if (action != NULL && !unreact && strcmp(action, "react") != 0) {
    herr(r, 400, "action must be react or unreact");
    return;
  }
  if (emoji == NULL)
    emoji = "\xe2\x9d\xa4\xef\xb8\x8f";
  if (*emoji == '\0' || strlen(emoji) > 32) {
    herr(r, 400, "reaction must be one emoji");
    return;
  }
  m = &c->msgs[i];
  free(m->reaction);
  m->reaction = unreact ? NULL : xstrdup(emoji);
  m->reaction_by_us = 0;
  hooks_reaction(r->sb, r->sb->world.users[c->user]->id, m->mid, emoji,
                 unreact);
  r->resp = json_pack("{s:s,s:s,s:s}", "message_id", m->mid, "user_id",
                      r->sb->world.users[c->user]->id, "action",
                      unreact ? "unreact" : "react");
}

static void
post_seen(struct sbx_req *r)
{
  struct world_conv *c = body_conv(r);
  long i;

  if (c == NULL || (i = body_mid(r, c, newest(c, 1))) < 0)
    return;
  hooks_seen(r->sb, r->sb->world.users[c->user]->id, c->msgs[i].mid);
  r->resp = json_pack("{s:s,s:s}", "message_id", c->msgs[i].mid, "user_id",
                      r->sb->world.users[c->user]->id);
}

/* Our newest live media item (not a story), or NULL. */
static struct world_media_item *
default_media(struct world *w, enum world_media_owner owner)
{
  for (size_t i = 0; i < world_media_count(w); i++) {
    struct world_media_item *it = world_media_at(w, i);
    if (it->owner == owner && !it->deleted &&
        (it->media_product_type == NULL ||
         strcmp(it->media_product_type, "STORY") != 0))
      return it;
  }
  return NULL;
}

/* A username from the body: [a-z0-9._], 1-30, not ours. */
static const char *
body_username(struct sbx_req *r)
{
  const char *u = json_string_value(json_object_get(r->body, "username"));
  size_t n = u != NULL ? strlen(u) : 0;

  if (n == 0 || n > 30 || strcmp(u, SANDBOX_IG_USERNAME) == 0 ||
      strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789._") != n) {
    herr(r, 400, "username must be 1-30 of [a-z0-9._], not our account");
    return NULL;
  }
  return u;
}

static const char *
body_text(struct sbx_req *r, int required)
{
  const char *t = json_string_value(json_object_get(r->body, "text"));

  if ((t == NULL || *t == '\0') && required) {
    herr(r, 400, "want text");
    return NULL;
  }
  if (t != NULL && strlen(t) > ADMIN_TEXT_MAX) {
    herr(r, 400, "text too long");
    return NULL;
  }
  return t;
}

static void
post_comment(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  const char *mid = json_string_value(json_object_get(r->body, "media_id"));
  const char *pid = json_string_value(json_object_get(r->body,
                                                      "parent_id"));
  int live = json_is_true(json_object_get(r->body, "live"));
  const char *user = body_username(r), *text;
  struct world_media_item *it;
  struct world_comment *pc = NULL, *c;

  if (user == NULL || (text = body_text(r, 1)) == NULL)
    return;
  if (pid != NULL) {
    pc = world_comment_find(w, pid);
    if (pc == NULL || pc->deleted || pc->parent_id != NULL) {
      herr(r, 400, "parent_id must be a top-level comment");
      return;
    }
    mid = pc->media_id;
  }
  it = mid != NULL ? world_media_find(w, mid) : default_media(w, WMO_US);
  if (it == NULL || it->deleted || it->owner != WMO_US) {
    herr(r, 400, "media_id must be one of the account's media");
    return;
  }
  c = world_comment_add(w, it->id, pc != NULL ? pc->id : NULL, user, text,
                        world_now(w));
  hooks_comment(r->sb, c->id, live);
  r->resp = json_pack("{s:s,s:s,s:s}", "id", c->id, "media_id", it->id,
                      "user_id", c->user_id);
}

/* A mention: in a comment (text given: the comment is made on media_id,
 * by default a post that mentions us), else in a media caption. */
static void
post_mention(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  const char *mid = json_string_value(json_object_get(r->body, "media_id"));
  const char *text = body_text(r, 0), *user = NULL;
  struct world_media_item *it;
  struct world_comment *c = NULL;

  if (r->status != 200)
    return; /* body_text refused it */
  if (text != NULL && *text == '\0')
    text = NULL;
  if (text != NULL && (user = body_username(r)) == NULL)
    return;
  it = mid != NULL ? world_media_find(w, mid)
                   : default_media(w, WMO_MENTION);
  if (it == NULL || it->deleted) {
    herr(r, 400, "media_id must be an existing media item");
    return;
  }
  if (text != NULL)
    c = world_comment_add(w, it->id, NULL, user, text, world_now(w));
  hooks_mention(r->sb, it->id, c != NULL ? c->id : NULL);
  r->resp = json_pack("{s:s}", "media_id", it->id);
  if (c != NULL)
    json_object_set_new(r->resp, "comment_id", json_string(c->id));
}

static void
post_flush(struct sbx_req *r)
{
  long ms = 10000;

  if (policy(r, "timeout_ms", 0, 60000, &ms) != 0)
    return;
  r->resp = json_pack("{s:b}", "idle", hooks_flush(&r->sb->hooks, ms) == 0);
}

int
sbx_admin_hooks(struct sbx_req *r, const char *sub)
{
  int get = strcmp(r->method, "GET") == 0;
  int post = strcmp(r->method, "POST") == 0;

  if (strcmp(sub, "webhooks") == 0 && get)
    r->resp = hooks_state(&r->sb->hooks);
  else if (strcmp(sub, "webhooks") == 0 && post)
    post_webhooks(r);
  else if (strcmp(sub, "webhooks") == 0 && strcmp(r->method, "DELETE") == 0)
    delete_webhooks(r);
  else if (strcmp(sub, "webhooks/flush") == 0 && post)
    post_flush(r);
  else if (strcmp(sub, "comment") == 0 && post)
    post_comment(r);
  else if (strcmp(sub, "mention") == 0 && post)
    post_mention(r);
  else if (strcmp(sub, "reaction") == 0 && post)
    post_reaction(r);
  else if (strcmp(sub, "seen") == 0 && post)
    post_seen(r);
  else
    return 0;
  return 1;
}
