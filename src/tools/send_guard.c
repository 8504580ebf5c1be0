/* SPDX-License-Identifier: MIT */
/*
 * send_guard.c: the messaging-window guard and the record of what we sent;
 * see send_guard.h.  Meta's rule (graph-api.md, Send API): a business may
 * message a person within 24 hours of their last message; from 24 hours
 * to 7 days only a human agent, with tag HUMAN_AGENT; after that nobody
 * until they write again.  Meta refuses otherwise with code 10, subcode
 * 2534022 (Instagram host) or 2018278 (Facebook host); refusing here
 * spares the request and says when the window closed, which Meta does not.
 */
#include "tools/send_guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "store/store.h"
#include "store/watch.h"
#include "tools/account.h"
#include "tools/inbox_util.h"
#include "webhook/webhook.h"

/* The account's store id without touching r: a failure is logged and
 * leaves the guard out. */
static int
store_account(struct call *c, char *acct, size_t len)
{
  struct result scratch = { 0 };
  int rc = account_store_id(c, &scratch, acct, len);

  if (rc != 0)
    log_warnx("send guard: account id unknown (%s); the window is not "
              "checked", scratch.text ? scratch.text : "?");
  result_free(&scratch);
  return rc;
}

/* The store knows only what webhooks, syncs and our sends told it. */
#define STALE_NOTE                                                           \
  "If they wrote since and no webhook delivered it, refresh the store "     \
  "(ig_sync_inbox, or igmcp sync) and send again."

/* Fills r with the refusal: what closed when, and what to do instead. */
static int
refuse(struct result *r, const char *user_id, enum store_window_state st,
       int64_t until_ms, enum send_guard_kind kind)
{
  int64_t last = until_ms - STORE_HUMAN_AGENT_MS;
  char last_at[INBOX_ISO_LEN], std_at[INBOX_ISO_LEN], ha_at[INBOX_ISO_LEN];
  json_t *w;

  inbox_iso(last, last_at, sizeof(last_at));
  inbox_iso(last + STORE_WINDOW_MS, std_at, sizeof(std_at));
  inbox_iso(until_ms, ha_at, sizeof(ha_at));
  if (st == STORE_WINDOW_HUMAN_AGENT && kind == SEND_GUARD_MESSAGE)
    result_errorf(r, "window_closed",
                  "Not sent: the 24-hour messaging window with %s closed at "
                  "%s (their last message: %s), and Meta would refuse the "
                  "message (code 10, subcode 2534022). A person (not an "
                  "automation) may still answer until %s by sending with "
                  "tag HUMAN_AGENT; otherwise wait for them to write "
                  "again. " STALE_NOTE, user_id, std_at, last_at, ha_at);
  else if (st == STORE_WINDOW_HUMAN_AGENT)
    result_errorf(r, "window_closed",
                  "Not sent: the 24-hour messaging window with %s closed at "
                  "%s (their last message: %s); reactions, seen and typing "
                  "are allowed only inside it. A message with tag "
                  "HUMAN_AGENT is possible until %s; otherwise wait for "
                  "them to write again. " STALE_NOTE,
                  user_id, std_at, last_at, ha_at);
  else
    result_errorf(r, "window_closed",
                  "Not sent: the messaging window with %s closed at %s, 7 "
                  "days after their last message (%s); nothing can be sent "
                  "to them, not even with tag HUMAN_AGENT, until they "
                  "write again. If they commented on the account's media "
                  "in the last 7 days, ig_send_private_reply can answer "
                  "that comment once by DM. " STALE_NOTE,
                  user_id, ha_at, last_at);
  w = json_pack("{s:s, s:s, s:I, s:s, s:s}", "state",
                store_window_name(st), "last_inbound_at", last_at,
                "last_inbound_ms", (json_int_t)last, "closed_at",
                st == STORE_WINDOW_CLOSED ? ha_at : std_at,
                "human_agent_until", ha_at);
  json_object_set_new(json_object_get(r->structured, "error"), "window", w);
  return -1;
}

int
send_guard_check(struct call *c, struct result *r, const char *user_id,
                 enum send_guard_kind kind, int human_agent)
{
  char acct[INBOX_ACCT_LEN];
  enum store_window_state st;
  int64_t until = 0;
  struct err e = { 0 };

  if (c->store == NULL || user_id == NULL ||
      store_account(c, acct, sizeof(acct)) != 0)
    return 0;
  if (store_window(c->store, acct, user_id, call_now_ms(c), &st, &until,
                   &e) != 0) {
    log_warnx("send guard: %s; the window is not checked", e.msg);
    return 0;
  }
  if (st == STORE_WINDOW_UNKNOWN || st == STORE_WINDOW_OPEN)
    return 0;
  if (st == STORE_WINDOW_HUMAN_AGENT && kind == SEND_GUARD_MESSAGE &&
      human_agent)
    return 0;
  return refuse(r, user_id, st, until, kind);
}

void
send_guard_learn(struct call *c, const struct result *r, const char *user_id,
                 int human_agent)
{
  const json_t *g = json_object_get(json_object_get(r->structured, "error"),
                                    "graph");
  json_int_t code = json_integer_value(json_object_get(g, "code"));
  json_int_t sub = json_integer_value(json_object_get(g, "subcode"));
  char acct[INBOX_ACCT_LEN];
  enum store_window_state st;
  int64_t until = 0, now = call_now_ms(c), last;
  struct err e = { 0 };

  if (c->store == NULL || user_id == NULL || code != 10 ||
      (sub != 2534022 && sub != 2018278) ||
      store_account(c, acct, sizeof(acct)) != 0 ||
      store_window(c->store, acct, user_id, now, &st, &until, &e) != 0 ||
      st != STORE_WINDOW_UNKNOWN)
    return;
  /* Meta says the window is shut: the person last wrote more than 24
   * hours ago (7 days for a HUMAN_AGENT message).  The latest time that
   * fits is recorded, so the next send is refused here without a call
   * until the person writes again. */
  last = now - (human_agent ? STORE_HUMAN_AGENT_MS : STORE_WINDOW_MS) - 1;
  if (store_window_touch(c->store, acct, user_id, last, &e) != 0)
    log_warnx("send guard: recording Meta's window answer: %s", e.msg);
  else
    log_info("send guard: Meta refused a send to %s outside the window; "
             "recorded", user_id);
}

/* The delivery Meta would make for our message, as webhook_parse reads
 * it: an echo from the account to user_id. */
static json_t *
echo_body(const char *acct, const char *user_id, const char *mid,
          const json_t *message, int64_t now)
{
  json_t *msg = json_pack("{s:s, s:b}", "mid", mid, "is_echo", 1);
  const json_t *att = json_object_get(message, "attachment");

  if (json_is_string(json_object_get(message, "text")))
    json_object_set(msg, "text", json_object_get(message, "text"));
  if (json_is_object(att))
    json_object_set_new(msg, "attachments", json_pack("[O]", att));
  if (json_is_object(json_object_get(message, "reply_to")))
    json_object_set(msg, "reply_to", json_object_get(message, "reply_to"));
  return json_pack("{s:s, s:[{s:s, s:I, s:[{s:{s:s}, s:{s:s}, s:I, s:o}]}]}",
                   "object", "instagram", "entry", "id", acct, "time",
                   (json_int_t)now, "messaging", "sender", "id", acct,
                   "recipient", "id", user_id, "timestamp", (json_int_t)now,
                   "message", msg);
}

void
send_guard_record(struct call *c, const char *user_id, const char *mid,
                  const json_t *message)
{
  char acct[INBOX_ACCT_LEN], *raw = NULL;
  struct err e = { 0 };
  json_t *body, *events = NULL;

  if (c->store == NULL || user_id == NULL || mid == NULL ||
      store_account(c, acct, sizeof(acct)) != 0)
    return;
  body = echo_body(acct, user_id, mid, message, call_now_ms(c));
  raw = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  if (raw == NULL)
    return;
  events = webhook_parse(raw, strlen(raw), &e);
  if (events == NULL ||
      store_ingest(c->store, NULL, 0, events, NULL, &e) != 0) {
    log_warnx("send guard: the sent message %s is not recorded: %s", mid,
              e.msg);
    goto out;
  }
  store_watch_publish(acct, user_id, "echo");
out:
  json_decref(events);
  free(raw);
}

void
send_guard_mark_read(struct call *c, const char *user_id)
{
  char acct[INBOX_ACCT_LEN];
  struct err e = { 0 };

  if (c->store == NULL || user_id == NULL ||
      store_account(c, acct, sizeof(acct)) != 0)
    return;
  if (store_mark_read(c->store, acct, user_id, call_now_ms(c), &e) != 0) {
    if (e.code != ERR_NOTFOUND) /* nothing stored with them is fine */
      log_warnx("send guard: conversation with %s not marked read: %s",
                user_id, e.msg);
  } else {
    store_watch_publish(acct, user_id, "seen");
  }
}
