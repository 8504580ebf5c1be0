/* SPDX-License-Identifier: MIT */
/*
 * admin.c: the sandbox's own API under /__sandbox/, for tests and demos.
 *
 * JSON in and out, no token.  It reads the world's state, rebuilds it,
 * moves the clock, injects inbound messages, arms faults (throttling,
 * 5xx, delays, expired tokens, required appsecret_proof) and exposes the
 * ring of recent Graph requests with secrets redacted.  Every handler
 * runs with the sandbox mutex held and answers through r->resp and
 * r->status; errors are {"error":"<text>"}, not Meta's envelope, since
 * Meta has no such API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "sbx.h"

#define INBOUND_TEXT_MAX (64 * 1024)

static void
admin_err(struct sbx_req *r, unsigned status, const char *msg)
{
  json_decref(r->resp);
  r->resp = json_pack("{s:s}", "error", msg);
  r->status = status;
}

static int
method_is(const struct sbx_req *r, const char *m)
{
  return strcmp(r->method, m) == 0;
}

static const char *
window_state(const struct world_conv *c, int64_t now)
{
  int64_t li = world_last_inbound(c);

  if (li != 0 && now - li <= WORLD_WINDOW_STANDARD)
    return "open";
  if (li != 0 && now - li <= WORLD_WINDOW_HUMAN_AGENT)
    return "human_agent";
  return "closed";
}

/* The world in numbers, as GET /__sandbox/state and reset answer it. */
static void
get_state(struct sbx_req *r)
{
  struct world *w = &r->sb->world;

  r->resp = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:b}",
                      "now", (json_int_t)world_now(w),
                      "ig_user_id", SANDBOX_IG_USER_ID,
                      "ig_username", SANDBOX_IG_USERNAME,
                      "page_id", SANDBOX_PAGE_ID,
                      "conversations", (json_int_t)w->nconvs,
                      "messages", (json_int_t)world_count_msgs(w),
                      "requests", (json_int_t)world_count_folder(w, "other"),
                      "seed", (json_int_t)w->seed,
                      "faults", (json_int_t)r->sb->nfaults,
                      "require_proof", r->sb->require_proof);
}

/* Every conversation with what tests need to pick one: its user, folder,
 * size and window state. */
static void
get_conversations(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  size_t *idx = xcalloc(w->nconvs + 1, sizeof(*idx));
  size_t n = world_sorted(w, NULL, idx);
  int64_t now = world_now(w);
  json_t *data = json_array();

  for (size_t i = 0; i < n; i++) {
    const struct world_conv *c = w->convs[idx[i]];
    const struct world_user *u = w->users[c->user];
    json_array_append_new(data, json_pack(
      "{s:s,s:s,s:o,s:o,s:s,s:I,s:I,s:I,s:s,s:i}",
      "id", c->id, "user_id", u->id, "username", sbx_jstr(u->username),
      "name", sbx_jstr(u->name), "folder", c->folder,
      "messages", (json_int_t)c->nmsgs,
      "last_inbound", (json_int_t)world_last_inbound(c),
      "updated", (json_int_t)world_updated(c),
      "window", window_state(c, now), "unread", c->unread));
  }
  free(idx);
  r->resp = json_pack("{s:o}", "data", data);
}

/* Moves the sandbox clock forward (or back), or sets it. */
static void
post_clock(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  json_t *adv = json_object_get(r->body, "advance_seconds");
  json_t *set = json_object_get(r->body, "set");

  if (json_is_integer(adv))
    w->offset += json_integer_value(adv);
  else if (json_is_integer(set))
    w->offset += json_integer_value(set) - world_now(w);
  else {
    admin_err(r, 400, "want {\"advance_seconds\":N} or {\"set\":<unix>}");
    return;
  }
  r->resp = json_pack("{s:I}", "now", (json_int_t)world_now(w));
}

static int
username_ok(const char *s)
{
  size_t n = strlen(s);

  if (n == 0 || n > 30)
    return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          *p == '.' || *p == '_'))
      return 0;
  return 1;
}

/* Checks the admin-described attachments before anything changes. */
static int
check_attachments(struct sbx_req *r, json_t *atts)
{
  size_t i;
  json_t *a;

  if (atts != NULL && !json_is_array(atts)) {
    admin_err(r, 400, "attachments must be an array");
    return -1;
  }
  json_array_foreach(atts, i, a) {
    const char *t = json_string_value(json_object_get(a, "type"));
    const char *url = json_string_value(json_object_get(a, "url"));
    if (t == NULL || world_att_parse(t) == 0) {
      admin_err(r, 400, "attachment type must be image, video, audio, "
                "file, share, story_mention, story_reply or like_heart");
      return -1;
    }
    if (json_object_get(a, "url") != NULL && url == NULL) {
      admin_err(r, 400, "attachment url must be a string");
      return -1;
    }
  }
  return 0;
}

/* Adds the (checked) attachments to m. */
static void
inbound_attachments(struct sbx_req *r, struct world_msg *m, json_t *atts)
{
  size_t i;
  json_t *a;

  json_array_foreach(atts, i, a) {
    const char *t = json_string_value(json_object_get(a, "type"));
    const char *url = json_string_value(json_object_get(a, "url"));
    const char *sid = json_string_value(json_object_get(a, "story_id"));
    enum world_att_type type = world_att_parse(t);
    char *gen = NULL;
    if (url == NULL)
      url = gen = world_cdn_url(&r->sb->world);
    world_msg_attach(m, type, url);
    if (type == WATT_STORY_MENTION || type == WATT_STORY_REPLY)
      m->att[m->natt - 1].story_id = xstrdup(sid != NULL
                                             ? sid : "17858893269000001");
    free(gen);
  }
}

/* A message from a user, as if it had arrived from Instagram; a new
 * username makes a user and a conversation. */
static void
post_inbound(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  const char *uid = json_string_value(json_object_get(r->body, "user_id"));
  const char *uname = json_string_value(json_object_get(r->body,
                                                        "username"));
  const char *text = json_string_value(json_object_get(r->body, "text"));
  const char *reply = json_string_value(json_object_get(r->body,
                                                        "reply_to"));
  const char *folder = json_string_value(json_object_get(r->body,
                                                         "folder"));
  json_t *atts = json_object_get(r->body, "attachments");
  struct world_conv *c = NULL;
  struct world_msg *m;
  long ri = -1;
  int64_t now = world_now(w);

  if (check_attachments(r, atts) != 0)
    return;
  if ((text == NULL || *text == '\0') && json_array_size(atts) == 0) {
    admin_err(r, 400, "want text or attachments");
    return;
  }
  if (text != NULL && strlen(text) > INBOUND_TEXT_MAX) {
    admin_err(r, 400, "text too long");
    return;
  }
  if (uid != NULL) {
    if ((c = world_conv_by_user(w, uid)) == NULL) {
      admin_err(r, 404, "unknown user_id");
      return;
    }
  } else if (uname != NULL) {
    struct world_user *u = world_user_by_name(w, uname);
    if (u != NULL) {
      c = world_conv_by_user(w, u->id);
    } else if (!username_ok(uname)) {
      admin_err(r, 400, "username must be 1-30 of [a-z0-9._]");
      return;
    } else {
      if (folder != NULL && strcmp(folder, "inbox") != 0 &&
          strcmp(folder, "other") != 0 && strcmp(folder, "spam") != 0) {
        admin_err(r, 400, "folder must be inbox, other or spam");
        return;
      }
      c = world_add_user(w, uname, folder != NULL ? folder : "other");
    }
  } else {
    admin_err(r, 400, "want user_id or username");
    return;
  }
  if (reply != NULL && (ri = world_msg_index(c, reply)) < 0) {
    admin_err(r, 400, "reply_to is not a message of this conversation");
    return;
  }
  {
    char *rmid = ri >= 0 ? xstrdup(c->msgs[ri].mid) : NULL;
    int rself = ri >= 0 && !c->msgs[ri].from_us;
    m = world_append(w, c, 0, now);
    m->reply_mid = rmid;
    m->reply_self = rself;
  }
  if (text != NULL && *text != '\0')
    m->text = xstrdup(text);
  inbound_attachments(r, m, atts);
  c->unread++;
  hooks_message(r->sb, c, m);
  r->resp = json_pack("{s:s,s:s,s:s,s:I}", "conversation_id", c->id,
                      "message_id", m->mid,
                      "user_id", w->users[c->user]->id,
                      "created_time", (json_int_t)now);
}

/* Bulk conversations for backfill tests: count new users, each with a
 * conversation in folder holding `messages` text messages (alternating,
 * the user first), the newest of conversation i at now - i * 600 s and
 * 10 s apart, so the inbox order is the creation order. */
static void
post_seed(struct sbx_req *r)
{
  struct world *w = &r->sb->world;
  json_t *jc = json_object_get(r->body, "count");
  json_t *jm = json_object_get(r->body, "messages");
  const char *folder = json_string_value(json_object_get(r->body,
                                                         "folder"));
  const char *prefix = json_string_value(json_object_get(r->body,
                                                         "prefix"));
  long count = json_is_integer(jc) ? (long)json_integer_value(jc) : 0;
  long nmsg = json_is_integer(jm) ? (long)json_integer_value(jm) : 20;
  int64_t now = world_now(w);
  json_t *ids = json_array();

  if (count < 1 || count > 5000 || nmsg < 1 || nmsg > 500) {
    json_decref(ids);
    admin_err(r, 400, "count must be 1..5000 and messages 1..500");
    return;
  }
  if (folder == NULL)
    folder = "inbox";
  if (strcmp(folder, "inbox") != 0 && strcmp(folder, "other") != 0 &&
      strcmp(folder, "spam") != 0) {
    json_decref(ids);
    admin_err(r, 400, "folder must be inbox, other or spam");
    return;
  }
  if (prefix == NULL)
    prefix = "seed";
  if (strlen(prefix) > 16 || !username_ok(prefix)) {
    json_decref(ids);
    admin_err(r, 400, "prefix must be 1-16 of [a-z0-9._]");
    return;
  }
  for (long i = 0; i < count; i++) {
    char uname[40];
    struct world_conv *c;
    snprintf(uname, sizeof(uname), "%s.%ld", prefix, i);
    if (world_user_by_name(w, uname) != NULL) {
      admin_err(r, 409, "a user with this prefix exists already");
      json_decref(ids);
      return;
    }
    c = world_add_user(w, uname, folder);
    for (long k = 0; k < nmsg; k++) {
      int64_t t = now - i * 600 - (nmsg - 1 - k) * 10;
      struct world_msg *m = world_append(w, c, (int)(k % 2), t);
      m->text = xasprintf("%s message %ld", uname, k + 1);
    }
    json_array_append_new(ids, json_string(c->id));
  }
  r->resp = json_pack("{s:I,s:I,s:o}", "conversations", (json_int_t)count,
                      "messages", (json_int_t)(count * nmsg),
                      "conversation_ids", ids);
}

static void
fault_filters(struct sbx_req *r, struct sbx_fault *f)
{
  const char *p = json_string_value(json_object_get(r->body, "path"));
  const char *m = json_string_value(json_object_get(r->body, "method"));

  snprintf(f->path, sizeof(f->path), "%s", p != NULL ? p : "");
  snprintf(f->method, sizeof(f->method), "%s", m != NULL ? m : "");
}

/* Arms a fault, or flips token expiry or require_proof at once. */
static void
post_fault(struct sbx_req *r)
{
  struct sandbox *sb = r->sb;
  const char *kind = json_string_value(json_object_get(r->body, "kind"));
  json_t *count = json_object_get(r->body, "count");
  struct sbx_fault f;

  memset(&f, 0, sizeof(f));
  f.count = json_is_integer(count) ? (long)json_integer_value(count) : 1;
  if (kind == NULL) {
    admin_err(r, 400, "want a kind");
    return;
  }
  if (strcmp(kind, "expire_token") == 0) {
    const char *t = json_string_value(json_object_get(r->body, "token"));
    if (t == NULL || (strcmp(t, "ig") != 0 && strcmp(t, "fb") != 0)) {
      admin_err(r, 400, "token must be \"ig\" or \"fb\"");
      return;
    }
    sb->tokens[strcmp(t, "ig") == 0 ? SBX_TOK_IG : SBX_TOK_FB].expired_at =
      world_now(&sb->world);
    goto done;
  }
  if (strcmp(kind, "usage") == 0) {
    /* The usage headers report at least this percentage until cleared. */
    json_t *v = json_object_get(r->body, "percent");
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > 100) {
      admin_err(r, 400, "percent must be an integer 0..100");
      return;
    }
    sb->tokens[0].usage_floor = sb->tokens[1].usage_floor =
      (int)json_integer_value(v);
    goto done;
  }
  if (strcmp(kind, "revoke_scope") == 0) {
    /* The Page token loses a permission (routes_perms.c). */
    int i = sbx_scope_index(json_string_value(json_object_get(r->body,
                                                              "scope")));
    if (i < 0) {
      admin_err(r, 400, "scope must be a permission of the sandbox's Page "
                "token (instagram_basic, instagram_manage_messages, ...)");
      return;
    }
    sb->revoked_scopes |= 1u << i;
    goto done;
  }
  if (strcmp(kind, "account_type") == 0) {
    /* What GET of the IG account answers as account_type. */
    static const char *const types[] = { "BUSINESS", "MEDIA_CREATOR",
                                         "PERSONAL", NULL };
    const char *v = json_string_value(json_object_get(r->body, "value"));
    int i = 0;
    while (types[i] != NULL && (v == NULL || strcmp(types[i], v) != 0))
      i++;
    if (types[i] == NULL) {
      admin_err(r, 400, "value must be BUSINESS, MEDIA_CREATOR or PERSONAL");
      return;
    }
    sb->account_type = i == 0 ? NULL : types[i];
    goto done;
  }
  if (strcmp(kind, "require_proof") == 0) {
    json_t *v = json_object_get(r->body, "value");
    sb->require_proof = v == NULL || json_is_true(v);
    goto done;
  }
  if (f.count <= 0 || f.count > 1000000) {
    admin_err(r, 400, "count must be 1..1000000");
    return;
  }
  if (sb->nfaults == SBX_MAX_FAULTS) {
    admin_err(r, 409, "too many faults armed");
    return;
  }
  fault_filters(r, &f);
  if (strcmp(kind, "throttle") == 0) {
    json_t *code = json_object_get(r->body, "code");
    json_t *regain = json_object_get(r->body, "regain_minutes");
    f.kind = SBX_FAULT_THROTTLE;
    f.code = json_is_integer(code) ? (int)json_integer_value(code) : 80002;
    if (f.code != 4 && f.code != 17 && f.code != 32 && f.code != 613 &&
        f.code != 80002) {
      admin_err(r, 400, "throttle code must be 4, 17, 32, 613 or 80002");
      return;
    }
    f.regain_minutes = json_is_integer(regain)
      ? (int)json_integer_value(regain) : 0;
  } else if (strcmp(kind, "http_error") == 0) {
    json_t *st = json_object_get(r->body, "status");
    json_t *code = json_object_get(r->body, "code");
    f.kind = SBX_FAULT_HTTP;
    f.status = json_is_integer(st) ? (unsigned)json_integer_value(st) : 500;
    if (f.status != 500 && f.status != 502 && f.status != 503) {
      admin_err(r, 400, "status must be 500, 502 or 503");
      return;
    }
    f.code = json_is_integer(code) ? (int)json_integer_value(code) : 0;
  } else if (strcmp(kind, "delay") == 0) {
    json_t *ms = json_object_get(r->body, "ms");
    f.kind = SBX_FAULT_DELAY;
    f.delay_ms = json_is_integer(ms) ? (long)json_integer_value(ms) : 0;
    if (f.delay_ms <= 0 || f.delay_ms > 120000) {
      admin_err(r, 400, "ms must be 1..120000");
      return;
    }
  } else if (strcmp(kind, "body") == 0) {
    static const char *const modes[] = { "", "reset", "not_json",
      "truncated", "huge", "wrong_type", NULL };
    const char *m = json_string_value(json_object_get(r->body, "mode"));
    f.kind = SBX_FAULT_BODY;
    for (int i = 1; m != NULL && modes[i] != NULL; i++)
      if (strcmp(m, modes[i]) == 0)
        f.mangle = (enum sbx_mangle)i;
    if (f.mangle == SBX_MANGLE_NONE) {
      admin_err(r, 400, "mode must be reset, not_json, truncated, huge or "
                "wrong_type");
      return;
    }
  } else {
    admin_err(r, 400, "kind must be throttle, http_error, delay, body, "
              "expire_token, usage, revoke_scope, account_type or "
              "require_proof");
    return;
  }
  sb->faults[sb->nfaults++] = f;
done:
  r->resp = json_pack("{s:b,s:I}", "ok", 1, "faults",
                      (json_int_t)sb->nfaults);
}

/* The newest `limit` entries of the request log, oldest first. */
static void
get_requests(struct sbx_req *r)
{
  struct sandbox *sb = r->sb;
  const char *ls = json_string_value(json_object_get(r->query, "limit"));
  long limit = ls != NULL ? strtol(ls, NULL, 10) : SBX_LOG_MAX;
  size_t n = sb->log_count;
  json_t *out = json_array();

  if (limit <= 0 || limit > SBX_LOG_MAX)
    limit = SBX_LOG_MAX;
  if ((size_t)limit < n)
    n = (size_t)limit;
  for (size_t i = n; i > 0; i--) {
    size_t slot = (sb->log_next + SBX_LOG_MAX - i) % SBX_LOG_MAX;
    json_array_append(out, sb->log[slot]);
  }
  r->resp = out;
}

/* Dispatches /__sandbox/<sub> by path and method. */
void
sbx_admin(struct sbx_req *r, const char *sub)
{
  struct sandbox *sb = r->sb;
  int needs_body = method_is(r, "POST") && strcmp(sub, "reset") != 0;

  if (needs_body && !json_is_object(r->body)) {
    admin_err(r, 400, "body must be a JSON object");
    return;
  }
  if (strcmp(sub, "state") == 0 && method_is(r, "GET")) {
    get_state(r);
  } else if (strcmp(sub, "conversations") == 0 && method_is(r, "GET")) {
    get_conversations(r);
  } else if (strcmp(sub, "reset") == 0 && method_is(r, "POST")) {
    sbx_reset(sb);
    get_state(r);
  } else if (strcmp(sub, "clock") == 0 && method_is(r, "POST")) {
    post_clock(r);
  } else if (strcmp(sub, "inbound") == 0 && method_is(r, "POST")) {
    post_inbound(r);
  } else if (strcmp(sub, "seed") == 0 && method_is(r, "POST")) {
    post_seed(r);
  } else if (strcmp(sub, "faults") == 0 && method_is(r, "POST")) {
    post_fault(r);
  } else if (strcmp(sub, "faults") == 0 && method_is(r, "DELETE")) {
    sb->nfaults = 0;
    sb->require_proof = 0;
    sb->revoked_scopes = 0;
    sb->account_type = NULL;
    sb->tokens[0].expired_at = sb->tokens[1].expired_at = 0;
    sb->tokens[0].usage_floor = sb->tokens[1].usage_floor = 0;
    r->resp = json_pack("{s:b,s:i}", "ok", 1, "faults", 0);
  } else if (strcmp(sub, "requests") == 0 && method_is(r, "GET")) {
    get_requests(r);
  } else if (strcmp(sub, "requests") == 0 && method_is(r, "DELETE")) {
    for (size_t i = 0; i < SBX_LOG_MAX; i++) {
      json_decref(sb->log[i]);
      sb->log[i] = NULL;
    }
    sb->log_next = sb->log_count = 0;
    r->resp = json_pack("{s:b}", "ok", 1);
  } else if (strcmp(sub, "stats") == 0 && method_is(r, "GET")) {
    r->resp = json_pack("{s:I,s:I}", "requests", (json_int_t)
      __atomic_load_n(&sb->stat_requests, __ATOMIC_RELAXED), "time_us",
      (json_int_t)__atomic_load_n(&sb->stat_time_us, __ATOMIC_RELAXED));
  } else if (!sbx_admin_hooks(r, sub)) {
    admin_err(r, 404, "no such admin endpoint");
  }
}
