/* SPDX-License-Identifier: MIT */
/*
 * inbox.c: the inbox toolset, tools that read igmcp's own store (store.h)
 * instead of Meta's API: the inbox with unread counts and messaging
 * windows, a conversation's whole history, full-text search over DMs and
 * comments, who waits for a reply, and the raw event log.  Nothing here
 * makes a Graph request, except once per process to learn the account's
 * numeric id when it is not configured (account_store_id).  Results carry
 * each time twice, unix milliseconds ("*_ms") and ISO-8601 ("*_at").
 * See docs/internals/inbox.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "store/store.h"
#include "tools/inbox_schemas.h"
#include "tools/inbox_util.h"
#include "tools/registry.h"
#include "tools/schema_props.h"
#include "tools/tool.h"

/* A history result is trimmed, oldest messages first, to stay under the
 * registry's result budget, with room for the rest of the object. */
#define HISTORY_MAX_BYTES (REGISTRY_RESULT_MAX_BYTES - 2500)
/* How many hits a search filtered by a commenter's username reads. */
#define SEARCH_SCAN_HITS 500

static const char *
str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

static int
arg_int(const json_t *args, const char *k)
{
  return (int)json_integer_value(json_object_get(args, k));
}

/* Adds count (the size of list key) and the readable times; returns the
 * result as r's success. */
static int
finish(struct result *r, json_t *out, const char *key, const char *acct)
{
  if (key != NULL)
    json_object_set_new(out, "count", json_integer((json_int_t)json_array_size(
                                          json_object_get(out, key))));
  inbox_decorate(out, acct);
  return result_ok(r, out);
}

static int
list_inbox(struct call *c, const json_t *args, struct result *r)
{
  char acct[INBOX_ACCT_LEN];
  struct err e = { 0 };
  json_t *out;

  if (inbox_begin(c, r, acct, sizeof(acct)) != 0)
    return -1;
  out = store_list_inbox(c->store, acct, call_now_ms(c),
                         arg_int(args, "limit"), str(args, "after"), &e);
  if (out == NULL)
    return e.code == ERR_INVALID
               ? result_errorf(r, "invalid_argument",
                               "after: not a cursor ig_list_inbox returned.")
               : inbox_store_fail(r, &e);
  return finish(r, out, "conversations", acct);
}

static size_t
json_size(const json_t *v)
{
  return json_dumpb(v, NULL, 0, JSON_COMPACT);
}

/*
 * Keeps a history page under HISTORY_MAX_BYTES by dropping its oldest
 * messages (the list is oldest first) and moving next_before_ms to the
 * oldest kept one.  Messages of that same millisecond are dropped too:
 * the next page reads strictly before it, so they are read there.
 */
static void
trim_history(json_t *out)
{
  json_t *list = json_object_get(out, "messages");
  json_int_t cut = -1;

  while (json_array_size(list) > 1 && json_size(out) > HISTORY_MAX_BYTES) {
    cut = json_integer_value(
        json_object_get(json_array_get(list, 0), "created_ms"));
    json_array_remove(list, 0);
  }
  if (cut < 0)
    return;
  while (json_array_size(list) > 1 &&
         json_integer_value(json_object_get(json_array_get(list, 0),
                                            "created_ms")) == cut)
    json_array_remove(list, 0);
  json_object_set(out, "next_before_ms",
                  json_object_get(json_array_get(list, 0), "created_ms"));
}

/* Drops the messages before since_ms; when any were there, or the next
 * page would only hold older ones, there is no next page. */
static void
apply_since(json_t *out, int64_t since_ms)
{
  json_t *list = json_object_get(out, "messages");
  json_t *next = json_object_get(out, "next_before_ms");
  int dropped = 0;

  if (since_ms <= 0)
    return;
  while (json_array_size(list) > 0 &&
         json_integer_value(json_object_get(json_array_get(list, 0),
                                            "created_ms")) < since_ms) {
    json_array_remove(list, 0);
    dropped = 1;
  }
  if (dropped || (next != NULL && json_integer_value(next) <= since_ms))
    json_object_del(out, "next_before_ms");
}

static int
get_history(struct call *c, const json_t *args, struct result *r)
{
  const char *user = str(args, "user"), *conv = str(args, "conversation_id");
  char acct[INBOX_ACCT_LEN], who[64];
  int64_t since = 0, until = 0, before = 0;
  struct err e = { 0 };
  json_t *out;

  if ((user == NULL) == (conv == NULL))
    return result_errorf(r, "invalid_argument",
                         "Give exactly one of user (IGSID or @username) "
                         "and conversation_id.");
  if (inbox_time_arg(r, args, "since", 0, &since) != 0 ||
      inbox_time_arg(r, args, "until", 1, &until) != 0)
    return -1;
  before = json_integer_value(json_object_get(args, "before_ms"));
  if (until > 0 && (before == 0 || until + 1 < before))
    before = until + 1;
  if (inbox_begin(c, r, acct, sizeof(acct)) != 0)
    return -1;
  if (conv != NULL)
    snprintf(who, sizeof(who), "%s", conv);
  else if (inbox_user_id(c, r, acct, user, who, sizeof(who)) != 0)
    return -1;
  out = store_get_history(c->store, acct, who, before,
                          arg_int(args, "limit"), &e);
  if (out == NULL)
    return inbox_store_fail(r, &e);
  apply_since(out, since);
  inbox_decorate(out, acct);
  trim_history(out);
  json_object_set_new(out, "count", json_integer((json_int_t)json_array_size(
                                        json_object_get(out, "messages"))));
  if (json_object_get(out, "next_before_ms") != NULL)
    json_object_set_new(out, "note",
                        json_string("Older messages are stored: pass "
                                    "next_before_ms as before_ms."));
  return result_ok(r, out);
}

/* query as plain words: each space-separated term a quoted FTS5 phrase
 * (inner quotes doubled), so punctuation and operators lose meaning.  A
 * new string the caller frees. */
static char *
plain_words(const char *query)
{
  size_t n = strlen(query), o = 0;
  char *out = xmalloc(3 * n + 3);
  int in_term = 0;

  for (const char *p = query; *p; p++) {
    if (*p == ' ' || *p == '\t' || *p == '\n') {
      if (in_term)
        out[o++] = '"';
      in_term = 0;
      continue;
    }
    if (!in_term) {
      if (o > 0)
        out[o++] = ' ';
      out[o++] = '"';
      in_term = 1;
    }
    if (*p == '"')
      out[o++] = '"';
    out[o++] = *p;
  }
  if (in_term)
    out[o++] = '"';
  out[o] = '\0';
  return out;
}

/* store_search, and when FTS5 rejects the query ("t-shirt", "50%"), the
 * same words as typed, with a note.  NULL with e filled on failure. */
static json_t *
run_search(struct call *c, const char *acct, const char *query,
           const struct store_search_filter *f, int limit, struct err *e)
{
  json_t *out = store_search(c->store, acct, query, f, limit, e);
  struct err e2 = { 0 };
  char *plain;

  if (out != NULL || e->code != ERR_INVALID)
    return out;
  plain = plain_words(query);
  if (plain[0] != '\0' &&
      (out = store_search(c->store, acct, plain, f, limit, &e2)) != NULL)
    json_object_set_new(out, "note",
                        json_pack("s++", "Not FTS5 syntax (", e->msg,
                                  "); searched the words as typed."));
  free(plain);
  return out;
}

/* Keeps the results whose username is name (any case), at most limit. */
static void
keep_username(json_t *out, const char *name, int limit)
{
  json_t *list = json_object_get(out, "results");
  char note[200];

  for (size_t i = 0; i < json_array_size(list);) {
    const char *u = str(json_array_get(list, i), "username");
    if (u != NULL && strcasecmp(u, name) == 0 &&
        (int)i < limit)
      i++;
    else
      json_array_remove(list, i);
  }
  snprintf(note, sizeof(note),
           "No stored conversation is with @%.60s; %s", name,
           json_array_size(list) > 0 ? "these are comments by that username."
                                     : "no stored comment by that username "
                                       "matches either.");
  json_object_set_new(out, "note", json_string(note));
}

static int
search_messages(struct call *c, const json_t *args, struct result *r)
{
  struct store_search_filter f = { 0 };
  const char *who = str(args, "user"), *by_name = NULL;
  char acct[INBOX_ACCT_LEN], user[64];
  int limit = arg_int(args, "limit");
  struct err e = { 0 };
  json_t *out;

  if (inbox_time_arg(r, args, "since", 0, &f.since_ms) != 0 ||
      inbox_time_arg(r, args, "until", 1, &f.until_ms) != 0)
    return -1;
  if (f.since_ms > 0 && f.until_ms > 0 && f.since_ms > f.until_ms)
    return result_errorf(r, "invalid_argument", "since is after until.");
  if (inbox_begin(c, r, acct, sizeof(acct)) != 0)
    return -1;
  if (who != NULL) {
    struct result scratch = { 0 };
    const char *kind;
    if (inbox_user_id(c, &scratch, acct, who, user, sizeof(user)) == 0) {
      f.user_id = user;
    } else if ((kind = str(json_object_get(scratch.structured, "error"),
                           "kind")) != NULL &&
               strcmp(kind, "not_found") == 0) {
      /* Perhaps a commenter: comments carry their author's username. */
      by_name = who[0] == '@' ? who + 1 : who;
    } else {
      result_free(r);
      *r = scratch;
      return -1;
    }
    result_free(&scratch);
  }
  f.kind = str(args, "kind");
  out = run_search(c, acct, str(args, "query"), &f,
                   by_name != NULL ? SEARCH_SCAN_HITS : limit, &e);
  if (out == NULL) {
    if (e.code == ERR_INVALID)
      return result_errorf(r, "invalid_argument",
                           "The query is not valid FTS5 syntax (%s). Quote "
                           "words with punctuation: \"order #123\".",
                           e.msg);
    return inbox_store_fail(r, &e);
  }
  if (by_name != NULL)
    keep_username(out, by_name, limit);
  return finish(r, out, "results", acct);
}

static int
list_unanswered(struct call *c, const json_t *args, struct result *r)
{
  const char *kind = str(args, "kind");
  char acct[INBOX_ACCT_LEN];
  struct err e = { 0 };
  json_t *out;

  if (inbox_begin(c, r, acct, sizeof(acct)) != 0)
    return -1;
  out = store_list_unanswered(c->store, acct, call_now_ms(c),
                              arg_int(args, "limit"), &e);
  if (out == NULL)
    return inbox_store_fail(r, &e);
  if (kind != NULL && strcmp(kind, "dm") == 0)
    json_object_del(out, "comments");
  else if (kind != NULL && strcmp(kind, "comment") == 0)
    json_object_del(out, "conversations");
  return finish(r, out, NULL, acct);
}

static int
list_events(struct call *c, const json_t *args, struct result *r)
{
  char acct[INBOX_ACCT_LEN];
  int64_t since = 0;
  struct err e = { 0 };
  json_t *out;

  if (inbox_time_arg(r, args, "since", 0, &since) != 0 ||
      inbox_begin(c, r, acct, sizeof(acct)) != 0)
    return -1;
  out = store_list_events(c->store, acct, str(args, "kind"), since,
                          arg_int(args, "limit"), &e);
  if (out == NULL)
    return inbox_store_fail(r, &e);
  return finish(r, out, "events", acct);
}

#define STORE_NOTE " Local store, no Graph call."

static const struct tool inbox_tools[] = {
  {
    .name = "ig_list_inbox",
    .detail_keys = "graph_id,name,updated_ms,updated_at,seen_ms,seen_at",
    .title = "List the stored DM inbox",
    .description =
        "The DM inbox as igmcp recorded it (webhooks, syncs, sent "
        "messages), newest activity first: the person's username, unread "
        "count, last message and messaging window: open until T (any "
        "reply), human_agent until T (only tag HUMAN_AGENT) or closed "
        "since T. Pass next_cursor as after for more." STORE_NOTE,
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" INBOX_LIMIT_PROP(20, 100)
        "," AFTER_PROP "},\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"conversations\":{\"type\":\"array\",\"items\":" INBOX_CONV_SCHEMA
        "},\"count\":" INBOX_I ",\"next_cursor\":" INBOX_S "},"
        "\"required\":[\"conversations\"]}",
    .hints = HINT_READ_ONLY | HINT_IDEMPOTENT,
    .run = list_inbox,
  },
  {
    .name = "ig_get_history",
    .flags = TOOL_DEFAULT,
    .detail_keys = "graph_id,name,updated_ms,updated_at,seen_ms,seen_at,"
                   "read_ms,read_at",
    .title = "Read a conversation's stored history",
    .description =
        "Every stored message of one DM conversation, oldest first, past "
        "the 20 Meta details: text, attachments, edits, reactions, "
        "direction in/out. \"What did @user say last month\": user with "
        "since/until. Older pages: next_before_ms as before_ms. Words "
        "across conversations: ig_search_messages." STORE_NOTE,
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" INBOX_USER_PROP ","
        "\"conversation_id\":{\"type\":\"string\",\"pattern\":"
        "\"^[A-Za-z0-9_:.-]{1,256}$\",\"description\":\"Instead of user: "
        "the Graph conversation id.\"},"
        INBOX_SINCE_PROP "," INBOX_UNTIL_PROP ","
        "\"before_ms\":{\"type\":\"integer\",\"minimum\":1,"
        "\"description\":\"next_before_ms of the previous page.\"},"
        INBOX_LIMIT_PROP(30, 200) "},\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"conversation\":" INBOX_HISTORY_CONV_SCHEMA ","
        "\"messages\":{\"type\":\"array\",\"items\":" INBOX_MESSAGE_SCHEMA
        "},\"count\":" INBOX_I ",\"next_before_ms\":" INBOX_I ","
        "\"note\":" INBOX_S "},"
        "\"required\":[\"conversation\",\"messages\"]}",
    .hints = HINT_READ_ONLY | HINT_IDEMPOTENT,
    .run = get_history,
  },
  {
    .name = "ig_search_messages",
    .title = "Search stored DMs and comments",
    .description =
        "Full-text search over stored DMs and comments, best match first: "
        "words, \"exact phrase\", prefix*, AND/OR/NOT; any script, accents "
        "ignored, Chinese/Japanese as substrings. Narrow with kind, user "
        "(IGSID or @username) and since/until; read the context with "
        "ig_get_history." STORE_NOTE,
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"query\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":300},"
        INBOX_KIND_PROP "," INBOX_USER_PROP "," INBOX_SINCE_PROP ","
        INBOX_UNTIL_PROP "," INBOX_LIMIT_PROP(20, 100) "},"
        "\"required\":[\"query\"],\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"mode\":" INBOX_S ",\"results\":{\"type\":\"array\",\"items\":"
        INBOX_HIT_SCHEMA "},\"count\":" INBOX_I ",\"note\":" INBOX_S "},"
        "\"required\":[\"results\"]}",
    .hints = HINT_READ_ONLY | HINT_IDEMPOTENT,
    .run = search_messages,
  },
  {
    .name = "ig_list_unanswered",
    .flags = TOOL_DEFAULT,
    .detail_keys = "graph_id,name,updated_ms,updated_at,seen_ms,seen_at",
    .title = "Who is waiting for a reply",
    .description =
        "Who is waiting for a reply and for how long, longest first: DM "
        "conversations whose last message is the person's (waiting since, "
        "messaging window) and unanswered comments by others on the "
        "account's media. Reply with ig_send_message in the window, "
        "ig_post_comment (comment_id) to comments." STORE_NOTE,
    .input_schema =
        "{\"type\":\"object\",\"properties\":{" INBOX_KIND_PROP ","
        INBOX_LIMIT_PROP(20, 100) "},\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"conversations\":{\"type\":\"array\",\"items\":"
        INBOX_WAITING_CONV_SCHEMA "},"
        "\"comments\":{\"type\":\"array\",\"items\":"
        INBOX_WAITING_COMMENT_SCHEMA "}}}",
    .hints = HINT_READ_ONLY | HINT_IDEMPOTENT,
    .run = list_unanswered,
  },
  {
    .name = "ig_list_inbox_events",
    .detail_keys = "received_ms,received_at",
    .title = "List received webhook events",
    .description =
        "The webhook events the store received, newest first, normalized "
        "with the raw item (unknown kinds kept as delivered). Filter by "
        "kind and since. For checking the webhook feed; to read a "
        "conversation use ig_get_history." STORE_NOTE,
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"kind\":{\"type\":\"string\",\"enum\":[\"all\",\"message\","
        "\"echo\",\"edit\",\"delete\",\"reaction\",\"unreaction\",\"seen\","
        "\"postback\",\"referral\",\"comment\",\"live_comment\",\"mention\","
        "\"story_insights\",\"unknown\"],\"default\":\"all\"},"
        INBOX_SINCE_PROP "," INBOX_LIMIT_PROP(20, 100) "},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"events\":{\"type\":\"array\",\"items\":" INBOX_EVENT_SCHEMA "},"
        "\"count\":" INBOX_I "},\"required\":[\"events\"]}",
    .hints = HINT_READ_ONLY | HINT_IDEMPOTENT,
    .run = list_events,
  },
};

const struct toolset inbox_toolset = {
  .name = "inbox",
  .description = "The local inbox store: history, search, unanswered.",
  .tools = inbox_tools,
  .ntools = sizeof(inbox_tools) / sizeof(inbox_tools[0]),
};
