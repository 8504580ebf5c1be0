/* SPDX-License-Identifier: MIT */
/*
 * registry_safety.c: what registry_call does around a write tool so an
 * agent that repeats itself cannot post twice, and so every write leaves a
 * trace (README "Safety"):
 *
 *   - idempotency: a tool that is neither read-only nor idempotent takes
 *     an optional idempotency_key.  The first successful outcome under a
 *     key is kept in the store for a day; the same call again returns it
 *     without calling Meta.  Without a key, the key is a hash of the tool
 *     and its whole arguments (so of the target and the content), kept
 *     for two minutes: the same send, post or comment repeated at once,
 *     as a client that timed out does, is not carried out twice (except
 *     for unpublished containers, which nobody sees).  Errors
 *     are not kept, so a failed call can be retried, except when the
 *     connection failed after the request went out (reset, timeout): the
 *     write may have happened, so a repeat is refused until the agent
 *     checks or gives a new key.  A call whose key is still running
 *     elsewhere is refused at once.
 *   - the audit log: every write call, with its time, tool, target,
 *     outcome and (for errors) the error kind; never a token or a text.
 *
 * Both need the store and the account's numeric id; without a store the
 * in-process guard against concurrent repeats still works.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "tools/account.h"
#include "tools/registry_int.h"

#define IDEM_TTL_KEYED_MS (24L * 60 * 60 * 1000)
#define IDEM_TTL_AUTO_MS (2L * 60 * 1000)
#define RUNNING_MAX 64

/* Keys of calls now running (account, tool and key joined). */
static pthread_mutex_t running_mu = PTHREAD_MUTEX_INITIALIZER;
static char *running[RUNNING_MAX];

/* Argument names that name what a write acts on, most specific first. */
static const char *const target_keys[] = {
  "recipient_id", "comment_id", "media_id", "container_id", "creation_id",
  "invite_id", "user_id", "id", NULL
};

static int
running_add(const char *k)
{
  int free_slot = -1, rc = 0;

  pthread_mutex_lock(&running_mu);
  for (int i = 0; i < RUNNING_MAX; i++) {
    if (running[i] == NULL) {
      if (free_slot < 0)
        free_slot = i;
    } else if (strcmp(running[i], k) == 0) {
      rc = -1;
    }
  }
  if (rc == 0 && free_slot >= 0)
    running[free_slot] = xstrdup(k);
  pthread_mutex_unlock(&running_mu);
  return rc;
}

static void
running_del(const char *k)
{
  pthread_mutex_lock(&running_mu);
  for (int i = 0; i < RUNNING_MAX; i++) {
    if (running[i] != NULL && strcmp(running[i], k) == 0) {
      free(running[i]);
      running[i] = NULL;
      break;
    }
  }
  pthread_mutex_unlock(&running_mu);
}

/* Writes whose repeat must reach Meta: a token renewal's answer is a new
 * secret, and Meta itself refuses a second refresh within 24 hours. */
static const char *const no_repeat_guard[] = { "ig_renew_token", NULL };

/* Writes that nobody else sees, whose identical repeats are legitimate
 * (one image as an item of two carousels): keyed calls only. */
static const char *const no_auto_guard[] = { "ig_create_container", NULL };

static int
no_auto(const struct tool *t)
{
  for (size_t i = 0; no_auto_guard[i] != NULL; i++)
    if (strcmp(t->name, no_auto_guard[i]) == 0)
      return 1;
  return 0;
}

/* Tools that resume a lost call themselves instead of refusing it:
 * ig_publish reuses the container the first call created, reads it back,
 * and publishes only if it is not PUBLISHED yet. */
static int
resumable(const struct tool *t)
{
  return strcmp(t->name, "ig_publish") == 0;
}

int
reg_repeatable_write(const struct tool *t)
{
  if ((t->hints & HINT_READ_ONLY) || (t->hints & HINT_IDEMPOTENT))
    return 0;
  for (size_t i = 0; no_repeat_guard[i] != NULL; i++)
    if (strcmp(t->name, no_repeat_guard[i]) == 0)
      return 0;
  return 1;
}

const char *
reg_target_of(const json_t *args)
{
  for (size_t i = 0; target_keys[i] != NULL; i++) {
    const char *v = json_string_value(json_object_get(args, target_keys[i]));
    if (v != NULL)
      return v;
  }
  return NULL;
}

void
reg_safety_free(struct reg_safety *sf)
{
  if (sf->running_key != NULL)
    running_del(sf->running_key);
  free(sf->running_key);
  free(sf->key);
  memset(sf, 0, sizeof(*sf));
}

/* The account id the store keys by, or "" when it cannot be had (the
 * failure is not the caller's problem: safety then works in memory). */
static void
account_of(struct call *c, char *out, size_t len)
{
  struct result r = { 0 };

  out[0] = '\0';
  if (c->graph == NULL || account_store_id(c, &r, out, len) != 0)
    out[0] = '\0';
  result_free(&r);
}

int
reg_safety_before(const struct tool *t, json_t *args, struct call *c,
                  int audit_only, struct reg_safety *sf, json_t **res)
{
  const char *given;
  char *canon, hash[65], rk[600];
  struct err e = { 0 };
  json_t *prev = NULL;

  memset(sf, 0, sizeof(*sf));
  *res = NULL;
  if (t->hints & HINT_READ_ONLY)
    return 0;
  sf->write = 1;
  account_of(c, sf->account, sizeof(sf->account));
  if (audit_only || !reg_repeatable_write(t))
    return 0;
  given = json_string_value(json_object_get(args, "idempotency_key"));
  if (given != NULL) {
    sf->key = xstrdup(given);
    sf->ttl_ms = IDEM_TTL_KEYED_MS;
    json_object_del(args, "idempotency_key");
  } else if (no_auto(t)) {
    return 0;
  } else {
    canon = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
    if (canon == NULL)
      return 0;
    crypto_sha256_hex(canon, strlen(canon), hash);
    free(canon);
    sf->key = xasprintf("auto:%s", hash);
    sf->ttl_ms = IDEM_TTL_AUTO_MS;
    sf->automatic = 1;
  }
  snprintf(rk, sizeof(rk), "%s|%s|%s", sf->account, t->name, sf->key);
  if (running_add(rk) != 0) {
    *res = reg_error_result(
        sf->automatic
          ? "Refused: the same call (same target and content) is still "
            "running; wait for its answer instead of sending it again."
          : "Refused: a call with this idempotency_key is still running; "
            "wait for its answer instead of sending it again.",
        json_pack("{s:{s:s,s:s}}", "error", "kind", "in_progress", "tool",
                  t->name));
    sf->outcome = "refused";
    return 1;
  }
  sf->running_key = xstrdup(rk);
  if (c->store == NULL || sf->account[0] == '\0')
    return 0;
  c->idem_key = sf->key;
  c->idem_account = sf->account;
  if (store_idem_get(c->store, sf->account, t->name, sf->key,
                     clock_wall_ms(), &prev, &e) == 1 &&
      json_is_true(json_object_get(prev, "outcome_unknown")) &&
      !resumable(t)) {
    json_decref(prev);
    *res = reg_error_result(
        "Refused: the same call was sent moments ago and the connection "
        "failed before Meta answered, so it may have been carried out. "
        "Check first (ig_get_history or ig_list_messages for a message, "
        "ig_list_media or ig_list_comments for a post or comment); to do "
        "it again anyway, pass a new idempotency_key.",
        json_pack("{s:{s:s,s:s}}", "error", "kind", "outcome_unknown",
                  "tool", t->name));
    sf->outcome = "refused";
    return 1;
  }
  if (prev != NULL && json_is_true(json_object_get(prev, "outcome_unknown"))) {
    /* A resumable tool carries on from what the first call did. */
    json_decref(prev);
    return 0;
  }
  if (prev != NULL) {
    json_t *content = json_object_get(prev, "content");
    json_array_append_new(content, json_pack("{s:s,s:s}", "type", "text",
        "text", sf->automatic
          ? "Not sent again: the same call (same target and content) "
            "succeeded moments ago, and this is its stored result. To "
            "really do it twice, pass a new idempotency_key."
          : "Not sent again: a call with this idempotency_key already "
            "succeeded, and this is its stored result."));
    json_object_set_new(prev, "_meta", json_pack("{s:b}",
                                                 "io.igmcp/replayed", 1));
    log_info("%s: %s repeat answered from the store, Meta not called",
             t->name, sf->automatic ? "an identical" : "a keyed");
    sf->outcome = "replayed";
    *res = prev;
    return 1;
  }
  return 0;
}

void
reg_safety_after(const struct tool *t, const json_t *args, struct call *c,
                 struct reg_safety *sf, const json_t *res)
{
  struct err e = { 0 };
  const json_t *sc = json_object_get(res, "structuredContent");
  const char *kind = json_string_value(json_object_get(
      json_object_get(sc, "error"), "kind"));
  int failed = res == NULL || json_is_true(json_object_get(res, "isError"));
  struct store_audit a = { 0 };
  const char *id = json_string_value(json_object_get(sc, "id"));

  if (!sf->write)
    return;
  if (id == NULL)
    id = json_string_value(json_object_get(sc, "message_id"));
  if (id == NULL)
    id = json_string_value(json_object_get(sc, "media_id"));
  /* A write whose request may have reached Meta while the answer was
   * lost (reset, timeout): its repeat is refused until checked. */
  if (failed && sf->outcome == NULL && sf->key != NULL && kind != NULL &&
      (strcmp(kind, "network_error") == 0 || strcmp(kind, "timeout") == 0) &&
      c->store != NULL && sf->account[0] != '\0') {
    json_t *marker = json_pack("{s:b,s:s}", "outcome_unknown", 1, "kind",
                               kind);
    if (store_idem_put(c->store, sf->account, t->name, sf->key,
                       clock_wall_ms(), sf->ttl_ms, marker, &e) != 0)
      log_warnx("%s: keeping the unknown outcome failed: %s", t->name,
                e.msg);
    json_decref(marker);
  }
  if (!failed && sf->outcome == NULL && sf->key != NULL &&
      c->store != NULL && sf->account[0] != '\0' &&
      store_idem_put(c->store, sf->account, t->name, sf->key,
                     clock_wall_ms(), sf->ttl_ms, res, &e) != 0)
    log_warnx("%s: keeping the outcome for repeats failed: %s", t->name,
              e.msg);
  if (c->store != NULL && sf->account[0] != '\0') {
    a.account_id = sf->account;
    a.time_ms = clock_wall_ms();
    a.tool = t->name;
    a.target = reg_target_of(args);
    if (sf->outcome == NULL && kind != NULL &&
        (strcmp(kind, "declined_by_user") == 0 ||
         strcmp(kind, "confirmation_unavailable") == 0 ||
         strcmp(kind, "confirmation_timeout") == 0 ||
         strcmp(kind, "window_closed") == 0 ||
         strcmp(kind, "rate_limited") == 0))
      sf->outcome = "refused";
    a.outcome = sf->outcome != NULL ? sf->outcome
                : res == NULL       ? "cancelled"
                : failed            ? "error"
                                    : "ok";
    a.detail = failed ? (kind != NULL ? kind : "error") : id;
    if (store_audit_add(c->store, &a, &e) != 0)
      log_warnx("%s: writing the audit log failed: %s", t->name, e.msg);
  }
}
