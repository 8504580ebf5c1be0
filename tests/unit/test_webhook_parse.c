/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_parse.c: webhook bodies -> normalized events (src/webhook/
 * webhook_parse.c), one realistic payload per kind in the shapes of
 * graph-api.md §6, with non-ASCII text escaped as \uXXXX the way Meta
 * sends it; de-duplication keys (stable across re-deliveries, distinct
 * between events); entry.time in seconds or milliseconds; a 1,000-entry
 * batch.  Malformed bodies and bounds are in test_webhook.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "webhook/webhook.h"

#define ACC "17841400000000001"
#define USER "6543210987654321"
#define MID1 "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0"
#define MID2 "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM1"
#define ENV(entries) "{\"object\":\"instagram\",\"entry\":[" entries "]}"
/* One messaging element from USER to ACC at ts with payload p. */
#define IN(ts, p)                                                           \
  "{\"sender\":{\"id\":\"" USER "\"},\"recipient\":{\"id\":\"" ACC "\"},"  \
  "\"timestamp\":" #ts "," p "}"
/* An entry of ACC sent at t (ms) with messaging elements m. */
#define MSGS(t, m) "{\"id\":\"" ACC "\",\"time\":" #t ",\"messaging\":[" m "]}"

static json_t *
parse(const char *body)
{
  struct err e = { 0 };
  json_t *evs = webhook_parse(body, strlen(body), &e);

  if (evs == NULL)
    fail_msg("webhook_parse: %s", e.msg);
  return evs;
}

static const char *
str(const json_t *evs, size_t i, const char *k)
{
  return json_string_value(json_object_get(json_array_get(evs, i), k));
}

static long long
num(const json_t *evs, size_t i, const char *k)
{
  const json_t *v = json_object_get(json_array_get(evs, i), k);

  assert_true(json_is_integer(v));
  return json_integer_value(v);
}

static int
has(const json_t *evs, size_t i, const char *k)
{
  return json_object_get(json_array_get(evs, i), k) != NULL;
}

/* The body's own element at entry[e].<arr>[i], from an independent parse. */
static void
assert_item(const json_t *evs, size_t i, const char *body, size_t e,
            const char *arr, size_t j)
{
  json_t *root = json_loads(body, 0, NULL);
  json_t *want = json_array_get(
      json_object_get(json_array_get(json_object_get(root, "entry"), e), arr),
      j);

  assert_non_null(want);
  assert_true(json_equal(json_object_get(json_array_get(evs, i), "item"),
                         want));
  json_decref(root);
}

static void
test_message_text(void **state)
{
  const char *body = ENV(MSGS(1714000000500, IN(1714000000321,
      "\"message\":{\"mid\":\"" MID1 "\",\"text\":\"\\u041f\\u0440\\u0438"
      "\\u0432\\u0435\\u0442, \\u00bfqu\\u00e9 tal? \\ud83d\\udc4b "
      "\\u4f60\\u597d\"}")));
  json_t *evs = parse(body);

  (void)state;
  assert_int_equal(json_array_size(evs), 1);
  assert_string_equal(str(evs, 0, "object"), "instagram");
  assert_string_equal(str(evs, 0, "kind"), "message");
  assert_string_equal(str(evs, 0, "account_id"), ACC);
  assert_string_equal(str(evs, 0, "user_id"), USER);
  assert_int_equal(num(evs, 0, "time_ms"), 1714000000321LL);
  assert_string_equal(str(evs, 0, "key"), "message:" MID1);
  assert_string_equal(str(evs, 0, "mid"), MID1);
  assert_string_equal(str(evs, 0, "text"),
                      "Привет, ¿qué tal? \xf0\x9f\x91\x8b 你好");
  assert_false(has(evs, 0, "field"));
  assert_false(has(evs, 0, "attachments"));
  assert_false(has(evs, 0, "reply_to"));
  assert_item(evs, 0, body, 0, "messaging", 0);
  json_decref(evs);
}

static void
test_message_extras(void **state)
{
  const char *body = ENV(MSGS(1714000001000,
      IN(1714000000001, "\"message\":{\"mid\":\"m-att\",\"attachments\":["
         "{\"type\":\"image\",\"payload\":{\"url\":\"https://lookaside.fbsbx"
         ".com/ig_messaging_cdn/?asset_id=1&signature=abc\"}},{\"type\":"
         "\"story_mention\",\"payload\":{\"url\":\"https://lookaside.fbsbx."
         "com/ig_messaging_cdn/?asset_id=2\"}}],\"reply_to\":{\"mid\":\""
         MID2 "\"},\"quick_reply\":{\"payload\":\"SIZE_M\"},"
         "\"is_unsupported\":false}") ","
      IN(1714000000002, "\"message\":{\"mid\":\"m-story\",\"text\":"
         "\"\\u2764\\ufe0f\",\"reply_to\":{\"story\":{\"url\":\"https://"
         "lookaside.fbsbx.com/s\",\"id\":\"18000000000000001\"}}}") ","
      IN(1714000000003, "\"message\":{\"mid\":\"m-unsup\","
         "\"is_unsupported\":true}") ","
      IN(1714000000004, "\"message\":{\"mid\":\"m-ad\",\"text\":\"Is this "
         "available?\",\"referral\":{\"ref\":\"spring\",\"ad_id\":"
         "\"120200000000000001\",\"source\":\"ADS\",\"type\":\"OPEN_THREAD\","
         "\"ads_context_data\":{\"ad_title\":\"Spring\"}}}")));
  json_t *evs = parse(body), *att, *rt;

  (void)state;
  assert_int_equal(json_array_size(evs), 4);
  for (size_t i = 0; i < 4; i++) {
    assert_string_equal(str(evs, i, "kind"), "message");
    assert_item(evs, i, body, 0, "messaging", i);
  }
  att = json_object_get(json_array_get(evs, 0), "attachments");
  assert_int_equal(json_array_size(att), 2);
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(att, 1), "type")),
      "story_mention");
  rt = json_object_get(json_array_get(evs, 0), "reply_to");
  assert_string_equal(json_string_value(json_object_get(rt, "mid")), MID2);
  assert_string_equal(str(evs, 0, "quick_reply_payload"), "SIZE_M");
  assert_true(json_is_false(json_object_get(json_array_get(evs, 0),
                                            "is_unsupported")));
  assert_false(has(evs, 0, "text"));
  rt = json_object_get(json_array_get(evs, 1), "reply_to");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(rt, "story"), "id")),
                      "18000000000000001");
  assert_string_equal(str(evs, 1, "text"), "\xe2\x9d\xa4\xef\xb8\x8f");
  assert_true(json_is_true(json_object_get(json_array_get(evs, 2),
                                           "is_unsupported")));
  assert_string_equal(
      json_string_value(json_object_get(
          json_object_get(json_array_get(evs, 3), "referral"), "ad_id")),
      "120200000000000001");
  json_decref(evs);
}

/* An echo is our own message: the other party is the recipient, and it
 * shares the message key with any delivery of the same mid. */
static void
test_echo_and_delete(void **state)
{
  json_t *evs = parse(ENV(MSGS(1714000002000,
      "{\"sender\":{\"id\":\"" ACC "\"},\"recipient\":{\"id\":\"" USER "\"},"
      "\"timestamp\":1714000001999,\"message\":{\"mid\":\"" MID2 "\","
      "\"text\":\"Thanks!\",\"is_echo\":true}}," IN(1714000002001,
      "\"message\":{\"mid\":\"" MID1 "\",\"is_deleted\":true}") ","
      /* An echo whose sender is not entry.id (a Page-scoped sender). */
      "{\"sender\":{\"id\":\"1122\"},\"recipient\":{\"id\":\"" USER "\"},"
      "\"timestamp\":1714000002002,\"message\":{\"mid\":\"e2\","
      "\"is_echo\":true}},"
      /* We edit our own message: the other party is the recipient. */
      "{\"sender\":{\"id\":\"" ACC "\"},\"recipient\":{\"id\":\"" USER "\"},"
      "\"timestamp\":1714000002003,\"message_edit\":{\"mid\":\"e2\","
      "\"text\":\"Thanks!!\",\"num_edit\":1}}")));
  json_t *in = parse(ENV(MSGS(1, IN(2, "\"message\":{\"mid\":\"" MID2
                                       "\"}"))));

  (void)state;
  assert_int_equal(json_array_size(evs), 4);
  assert_string_equal(str(evs, 0, "kind"), "echo");
  assert_string_equal(str(evs, 0, "user_id"), USER);
  assert_string_equal(str(evs, 0, "account_id"), ACC);
  assert_string_equal(str(evs, 0, "key"), "message:" MID2);
  assert_string_equal(str(evs, 0, "key"), str(in, 0, "key"));
  assert_string_equal(str(evs, 0, "text"), "Thanks!");
  assert_string_equal(str(evs, 1, "kind"), "delete");
  assert_string_equal(str(evs, 1, "key"), "delete:" MID1);
  assert_string_equal(str(evs, 1, "user_id"), USER);
  assert_string_equal(str(evs, 1, "mid"), MID1);
  assert_string_equal(str(evs, 2, "kind"), "echo");
  assert_string_equal(str(evs, 2, "user_id"), USER);
  assert_string_equal(str(evs, 3, "kind"), "edit");
  assert_string_equal(str(evs, 3, "user_id"), USER);
  json_decref(evs);
  json_decref(in);
}

static void
test_reactions(void **state)
{
  json_t *evs = parse(ENV(MSGS(1714000003000,
      IN(1714000002100, "\"reaction\":{\"mid\":\"" MID1 "\",\"action\":"
         "\"react\",\"reaction\":\"love\",\"emoji\":\"\\u2764\\ufe0f\"}") ","
      IN(1714000002200, "\"reaction\":{\"mid\":\"" MID1 "\",\"action\":"
         "\"unreact\"}") ","
      IN(1714000002300, "\"reaction\":{\"mid\":\"" MID1 "\",\"action\":"
         "\"react\",\"reaction\":\"like\"}") ","
      IN(1714000002400, "\"reaction\":{\"mid\":\"" MID1 "\",\"action\":"
         "\"wave\"}"))));

  (void)state;
  assert_int_equal(json_array_size(evs), 4);
  assert_string_equal(str(evs, 0, "kind"), "reaction");
  assert_string_equal(str(evs, 0, "reaction"), "\xe2\x9d\xa4\xef\xb8\x8f");
  assert_string_equal(str(evs, 0, "mid"), MID1);
  assert_string_equal(str(evs, 0, "user_id"), USER);
  assert_string_equal(str(evs, 0, "key"),
                      "reaction:" MID1 ":" USER ":react:1714000002100");
  assert_string_equal(str(evs, 1, "kind"), "unreaction");
  assert_string_equal(str(evs, 1, "key"),
                      "reaction:" MID1 ":" USER ":unreact:1714000002200");
  assert_false(has(evs, 1, "reaction"));
  assert_string_equal(str(evs, 2, "reaction"), "like");
  assert_string_equal(str(evs, 3, "kind"), "unknown");
  assert_non_null(strstr(str(evs, 3, "reason"), "reaction.action"));
  json_decref(evs);
}

static void
test_seen_postback_referral_edit(void **state)
{
  json_t *evs = parse(ENV(MSGS(1714000004000,
      IN(1714000003001, "\"read\":{\"mid\":\"" MID2 "\"}") ","
      IN(1714000003002, "\"read\":{\"watermark\":1714000003000}") ","
      IN(1714000003003, "\"postback\":{\"mid\":\"pb-1\",\"title\":\"Get "
         "started\",\"payload\":\"GET_STARTED\"}") ","
      IN(1714000003004, "\"referral\":{\"ref\":\"summer\",\"source\":"
         "\"SHORTLINK\",\"type\":\"OPEN_THREAD\"}") ","
      IN(1714000003005, "\"message_edit\":{\"mid\":\"" MID1 "\",\"text\":"
         "\"Bonne journ\\u00e9e\",\"num_edit\":1}") ","
      IN(1714000003006, "\"message_edit\":{\"mid\":\"" MID1 "\",\"text\":"
         "\"x\",\"num_edit\":\"2\"}") ","
      IN(1714000003007, "\"message_edit\":{\"mid\":\"" MID1 "\"}"))));

  (void)state;
  assert_int_equal(json_array_size(evs), 7);
  assert_string_equal(str(evs, 0, "kind"), "seen");
  assert_string_equal(str(evs, 0, "key"), "seen:" MID2 ":" USER);
  assert_string_equal(str(evs, 0, "mid"), MID2);
  /* Messenger's watermark read names no message: kept as unknown. */
  assert_string_equal(str(evs, 1, "kind"), "unknown");
  assert_non_null(strstr(str(evs, 1, "reason"), "read.mid"));
  assert_string_equal(str(evs, 2, "kind"), "postback");
  assert_string_equal(str(evs, 2, "key"), "postback:pb-1");
  assert_string_equal(str(evs, 2, "text"), "Get started");
  assert_string_equal(str(evs, 2, "postback_payload"), "GET_STARTED");
  assert_string_equal(str(evs, 3, "kind"), "referral");
  assert_string_equal(str(evs, 3, "key"),
                      "referral:" USER ":1714000003004");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_array_get(evs, 3),
                                          "referral"),
                          "ref")),
                      "summer");
  assert_string_equal(str(evs, 4, "kind"), "edit");
  assert_string_equal(str(evs, 4, "key"), "edit:" MID1 ":1");
  assert_string_equal(str(evs, 4, "text"), "Bonne journée");
  assert_int_equal(num(evs, 4, "num_edit"), 1);
  assert_string_equal(str(evs, 5, "key"), "edit:" MID1 ":2");
  assert_int_equal(num(evs, 5, "num_edit"), 2);
  assert_string_equal(str(evs, 6, "kind"), "unknown");
  assert_non_null(strstr(str(evs, 6, "reason"), "num_edit"));
  json_decref(evs);
}

/* A comment from graph-api.md §6: changes[] with entry.time in seconds. */
#define COMMENT(field, id, extra)                                           \
  "{\"field\":\"" field "\",\"value\":{\"from\":{\"id\":\"2233445566\","    \
  "\"username\":\"ana.m\\u00fcller\"},\"media\":{\"id\":"                   \
  "\"18050000000000001\",\"media_product_type\":\"REELS\"},\"id\":\"" id   \
  "\"" extra ",\"text\":\"\\u00c7a marche \\ud83d\\udd25\"}}"

static void
test_comments(void **state)
{
  const char *body = ENV(
      "{\"id\":\"" ACC "\",\"time\":1714000000,\"changes\":["
      COMMENT("comments", "17890000000000001", "") ","
      COMMENT("comments", "17890000000000002",
              ",\"parent_id\":\"17890000000000001\"") ","
      COMMENT("live_comments", "17890000000000003", "") "]},"
      "{\"id\":\"" ACC "\",\"time\":1714000001,\"field\":\"comments\","
      "\"value\":{\"from\":{\"id\":\"2233445567\",\"username\":\"bo\"},"
      "\"media\":{\"id\":\"18050000000000002\"},\"id\":"
      "\"17890000000000004\",\"text\":\"flat\"}}");
  json_t *evs = parse(body), *flat;

  (void)state;
  assert_int_equal(json_array_size(evs), 4);
  assert_string_equal(str(evs, 0, "kind"), "comment");
  assert_string_equal(str(evs, 0, "key"), "comment:17890000000000001");
  assert_string_equal(str(evs, 0, "comment_id"), "17890000000000001");
  assert_string_equal(str(evs, 0, "user_id"), "2233445566");
  assert_string_equal(str(evs, 0, "username"), "ana.müller");
  assert_string_equal(str(evs, 0, "text"),
                      "Ça marche \xf0\x9f\x94\xa5");
  assert_string_equal(str(evs, 0, "media_id"), "18050000000000001");
  assert_string_equal(str(evs, 0, "media_product_type"), "REELS");
  assert_string_equal(str(evs, 0, "field"), "comments");
  assert_int_equal(num(evs, 0, "time_ms"), 1714000000000LL);
  assert_false(has(evs, 0, "parent_id"));
  assert_item(evs, 0, body, 0, "changes", 0);
  assert_string_equal(str(evs, 1, "parent_id"), "17890000000000001");
  assert_string_equal(str(evs, 2, "kind"), "live_comment");
  assert_string_equal(str(evs, 2, "key"), "live_comment:17890000000000003");
  assert_string_equal(str(evs, 2, "field"), "live_comments");
  /* The flat variant: the item is {field, value}. */
  assert_string_equal(str(evs, 3, "kind"), "comment");
  assert_string_equal(str(evs, 3, "key"), "comment:17890000000000004");
  assert_string_equal(str(evs, 3, "user_id"), "2233445567");
  assert_int_equal(num(evs, 3, "time_ms"), 1714000001000LL);
  assert_false(has(evs, 3, "media_product_type"));
  flat = json_object_get(json_array_get(evs, 3), "item");
  assert_int_equal(json_object_size(flat), 2);
  assert_string_equal(json_string_value(json_object_get(flat, "field")),
                      "comments");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(flat, "value"), "text")),
                      "flat");
  json_decref(evs);
}

static void
test_mentions_insights(void **state)
{
  json_t *evs = parse(ENV(
      "{\"id\":\"" ACC "\",\"time\":1714000000,\"changes\":["
      "{\"field\":\"mentions\",\"value\":{\"media_id\":\"18050000000000003\","
      "\"comment_id\":\"17890000000000005\"}},"
      "{\"field\":\"mentions\",\"value\":{\"media_id\":\"18050000000000003\"}},"
      "{\"field\":\"mentions\",\"value\":{\"comment_id\":\"1789\"}},"
      "{\"field\":\"story_insights\",\"value\":{\"media_id\":"
      "\"18050000000000004\",\"exits\":1,\"replies\":0,\"reach\":42,"
      "\"taps_forward\":5,\"taps_back\":1,\"impressions\":44}}]}"));

  (void)state;
  assert_int_equal(json_array_size(evs), 4);
  assert_string_equal(str(evs, 0, "kind"), "mention");
  assert_string_equal(str(evs, 0, "key"),
                      "mention:18050000000000003:17890000000000005");
  assert_string_equal(str(evs, 0, "media_id"), "18050000000000003");
  assert_string_equal(str(evs, 0, "comment_id"), "17890000000000005");
  assert_false(has(evs, 0, "user_id"));
  assert_string_equal(str(evs, 1, "key"), "mention:18050000000000003:-");
  assert_false(has(evs, 1, "comment_id"));
  assert_string_equal(str(evs, 2, "kind"), "unknown");
  assert_non_null(strstr(str(evs, 2, "reason"), "media_id"));
  assert_string_equal(str(evs, 2, "field"), "mentions");
  assert_string_equal(str(evs, 3, "kind"), "story_insights");
  assert_string_equal(str(evs, 3, "key"),
                      "story_insights:18050000000000004:1714000000000");
  assert_string_equal(str(evs, 3, "media_id"), "18050000000000004");
  json_decref(evs);
}

/* The key of an unknown item: the SHA-256 of its compact JSON with sorted
 * keys, so member order does not matter. */
static void
test_unknown(void **state)
{
  json_t *evs = parse(ENV(MSGS(1714000005000,
      IN(1714000004001, "\"optin\":{\"ref\":\"x\"}") ","
      "{\"timestamp\":1714000004001,\"optin\":{\"ref\":\"x\"},"
      "\"recipient\":{\"id\":\"" ACC "\"},\"sender\":{\"id\":\"" USER "\"}},"
      IN(1714000004002, "\"optin\":{\"ref\":\"y\"}") ","
      IN(1714000004003, "\"message\":{\"text\":\"no mid\"}") ","
      IN(1714000004004, "\"message\":\"hi\"") ","
      "{\"timestamp\":1714000004005,\"message\":{\"mid\":\"m\"}},"
      IN(1714000004006, "\"message\":{\"mid\":\"has space\"}") ","
      IN(1714000004007, "\"message\":{\"mid\":\"nul\\u0000\"}"))
      ",{\"id\":\"" ACC "\",\"changes\":[{\"field\":\"new_field\","
      "\"value\":{\"a\":1}},{\"field\":\"comments\",\"value\":[]}]}"));
  char *dump, hex[65], want[80];

  (void)state;
  assert_int_equal(json_array_size(evs), 10);
  for (size_t i = 0; i < 10; i++) {
    assert_string_equal(str(evs, i, "kind"), "unknown");
    assert_non_null(str(evs, i, "reason"));
    assert_false(has(evs, i, "user_id"));
    assert_int_equal(strlen(str(evs, i, "key")), 8 + 64);
  }
  dump = json_dumps(json_object_get(json_array_get(evs, 0), "item"),
                    JSON_COMPACT | JSON_SORT_KEYS);
  assert_int_equal(crypto_sha256_hex(dump, strlen(dump), hex), 0);
  snprintf(want, sizeof(want), "unknown:%s", hex);
  assert_string_equal(str(evs, 0, "key"), want);
  free(dump);
  assert_int_equal(num(evs, 0, "time_ms"), 1714000004001LL);
  assert_string_equal(str(evs, 0, "key"), str(evs, 1, "key"));
  assert_string_not_equal(str(evs, 0, "key"), str(evs, 2, "key"));
  assert_non_null(strstr(str(evs, 0, "reason"), "no messaging payload"));
  assert_non_null(strstr(str(evs, 3, "reason"), "message.mid"));
  assert_non_null(strstr(str(evs, 4, "reason"), "not an object"));
  assert_non_null(strstr(str(evs, 5, "reason"), "sender.id"));
  assert_non_null(strstr(str(evs, 6, "reason"), "message.mid"));
  assert_non_null(strstr(str(evs, 7, "reason"), "message.mid"));
  assert_string_equal(str(evs, 8, "field"), "new_field");
  assert_non_null(strstr(str(evs, 8, "reason"), "no change field"));
  assert_int_equal(num(evs, 8, "time_ms"), 0);
  assert_string_equal(str(evs, 9, "field"), "comments");
  assert_non_null(strstr(str(evs, 9, "reason"), "value is not an object"));
  json_decref(evs);
}

/* Facebook Login page deliveries, the dashboard's test delivery (a
 * messaging field as a change, time as a string of seconds), standby,
 * integer ids, several entries and both arrays in one entry. */
static void
test_variants(void **state)
{
  json_t *evs = parse(
      "{\"object\":\"page\",\"entry\":[{\"id\":17841400000000002,"
      "\"time\":1714000006000,\"messaging\":[{\"sender\":{\"id\":42},"
      "\"recipient\":{\"id\":17841400000000002},\"timestamp\":1714000005999,"
      "\"message\":{\"mid\":\"m_page\",\"text\":\"a\\u0000b\"}}],"
      "\"changes\":[{\"field\":\"messages\",\"value\":{\"sender\":{\"id\":"
      "\"12334\"},\"recipient\":{\"id\":\"23245\"},\"timestamp\":"
      "\"1527459824\",\"message\":{\"mid\":\"random_mid\",\"text\":"
      "\"random_text\"}}}]},{\"id\":\"" ACC "\",\"time\":1714000006001,"
      "\"standby\":[" IN(1714000006002, "\"message\":{\"mid\":\"sb\"}")
      "]}]}");
  const json_t *t;

  (void)state;
  assert_int_equal(json_array_size(evs), 3);
  for (size_t i = 0; i < 3; i++)
    assert_string_equal(str(evs, i, "object"), "page");
  assert_string_equal(str(evs, 0, "account_id"), "17841400000000002");
  assert_string_equal(str(evs, 0, "user_id"), "42");
  t = json_object_get(json_array_get(evs, 0), "text");
  assert_int_equal(json_string_length(t), 3);
  assert_memory_equal(json_string_value(t), "a\0b", 3);
  assert_string_equal(str(evs, 1, "kind"), "message");
  assert_string_equal(str(evs, 1, "field"), "messages");
  assert_string_equal(str(evs, 1, "key"), "message:random_mid");
  assert_string_equal(str(evs, 1, "user_id"), "12334");
  assert_int_equal(num(evs, 1, "time_ms"), 1527459824000LL);
  assert_true(json_is_object(json_object_get(
      json_object_get(json_array_get(evs, 1), "item"), "value")));
  assert_string_equal(str(evs, 2, "kind"), "unknown");
  assert_string_equal(str(evs, 2, "field"), "standby");
  assert_string_equal(str(evs, 2, "account_id"), ACC);
  assert_int_equal(num(evs, 2, "time_ms"), 1714000006002LL);
  json_decref(evs);
}

/* entry.time in seconds or ms, and the element's timestamp first. */
static void
test_time(void **state)
{
  static const struct {
    const char *time; /* entry.time as written, or NULL */
    long long want;
  } cases[] = {
    { "1714000000", 1714000000000LL },
    { "1714000000123", 1714000000123LL },
    { "999999999999", 999999999999000LL },
    { "1000000000000", 1000000000000LL },
    { "\"1714000000\"", 1714000000000LL },
    { "0", 0 },
    { NULL, 0 },
  };
  char body[512];
  json_t *evs;

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    snprintf(body, sizeof(body),
             ENV("{\"id\":\"1\"%s%s,\"changes\":[{\"field\":\"mentions\","
                 "\"value\":{\"media_id\":\"9\"}}],\"messaging\":["
                 "{\"sender\":{\"id\":\"2\"},\"message\":{\"mid\":\"a\"}},"
                 "{\"sender\":{\"id\":\"2\"},\"timestamp\":1714000000777,"
                 "\"message\":{\"mid\":\"b\"}}]}"),
             cases[i].time ? ",\"time\":" : "",
             cases[i].time ? cases[i].time : "");
    evs = parse(body);
    assert_int_equal(json_array_size(evs), 3);
    assert_int_equal(num(evs, 0, "time_ms"), cases[i].want);
    assert_int_equal(num(evs, 1, "time_ms"), 1714000000777LL);
    assert_int_equal(num(evs, 2, "time_ms"), cases[i].want);
    json_decref(evs);
  }
}

/* Every kind once, for the key tests. */
#define ALL_KINDS(t)                                                        \
  ENV(MSGS(t,                                                               \
      IN(1714000000001, "\"message\":{\"mid\":\"" MID1 "\",\"text\":\"a\"}") \
      "," IN(1714000000002, "\"message\":{\"mid\":\"" MID2 "\","            \
             "\"is_deleted\":true}")                                        \
      "," IN(1714000000003, "\"reaction\":{\"mid\":\"" MID1 "\","           \
             "\"action\":\"react\",\"emoji\":\"\\ud83d\\ude02\"}")          \
      "," IN(1714000000004, "\"reaction\":{\"mid\":\"" MID1 "\","           \
             "\"action\":\"unreact\"}")                                     \
      "," IN(1714000000005, "\"reaction\":{\"mid\":\"" MID1 "\","           \
             "\"action\":\"react\",\"emoji\":\"\\ud83d\\ude02\"}")          \
      "," IN(1714000000006, "\"read\":{\"mid\":\"" MID1 "\"}")              \
      "," IN(1714000000007, "\"postback\":{\"mid\":\"pb\",\"title\":\"t\"}") \
      "," IN(1714000000008, "\"referral\":{\"ref\":\"r\"}")                 \
      "," IN(1714000000009, "\"message_edit\":{\"mid\":\"" MID1 "\","       \
             "\"num_edit\":1}")                                             \
      "," IN(1714000000010, "\"message_edit\":{\"mid\":\"" MID1 "\","       \
             "\"num_edit\":2}")                                             \
      "," IN(1714000000011, "\"optin\":{}"))                                \
      ",{\"id\":\"" ACC "\",\"time\":1714000000,\"changes\":["              \
      COMMENT("comments", "1789", "") ","                                   \
      COMMENT("live_comments", "1789", "") ","                              \
      "{\"field\":\"mentions\",\"value\":{\"media_id\":\"1805\"}},"         \
      "{\"field\":\"mentions\",\"value\":{\"media_id\":\"1805\","           \
      "\"comment_id\":\"1789\"}},"                                          \
      "{\"field\":\"story_insights\",\"value\":{\"media_id\":\"1805\"}}]}")

/* Keys are distinct between events, and the same when Meta delivers the
 * same events again, even in a batch sent at another entry.time. */
static void
test_keys(void **state)
{
  json_t *a = parse(ALL_KINDS(1714000000500));
  json_t *b = parse(ALL_KINDS(1714000000500));
  json_t *c = parse(ALL_KINDS(1714000099999));
  json_t *seen = json_object();
  size_t i;
  json_t *ev;

  (void)state;
  assert_int_equal(json_array_size(a), 16);
  assert_true(json_equal(a, b));
  json_array_foreach(a, i, ev) {
    const char *k = json_string_value(json_object_get(ev, "key"));

    assert_null(json_object_get(seen, k));
    json_object_set_new(seen, k, json_true());
    assert_string_equal(k, str(c, i, "key"));
  }
  assert_int_equal(json_object_size(seen), 16);
  /* React, unreact, react again with the same emoji: three events. */
  assert_string_equal(str(a, 2, "kind"), "reaction");
  assert_string_equal(str(a, 4, "kind"), "reaction");
  assert_string_not_equal(str(a, 2, "key"), str(a, 4, "key"));
  json_decref(seen);
  json_decref(a);
  json_decref(b);
  json_decref(c);
}

/* Events own their values: changing one's text leaves its item alone,
 * and both outlive the parsed body. */
static void
test_ownership(void **state)
{
  json_t *evs = parse(ENV(MSGS(1, IN(2, "\"message\":{\"mid\":\"m\","
                                        "\"text\":\"orig\"}"))));
  json_t *ev = json_array_get(evs, 0), *item;

  (void)state;
  json_string_set(json_object_get(ev, "text"), "changed");
  item = json_object_get(ev, "item");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(item, "message"), "text")),
                      "orig");
  json_decref(evs);
}

/* 1,000 entries of one message each: 1,000 events in body order. */
static void
test_batch_1000(void **state)
{
  struct buf b;
  json_t *evs, *ev, *keys = json_object();
  char want[64];
  size_t i;

  (void)state;
  buf_init(&b, WEBHOOK_MAX_BODY);
  assert_int_equal(buf_puts(&b, "{\"object\":\"instagram\",\"entry\":["), 0);
  for (i = 0; i < 1000; i++)
    assert_int_equal(
        buf_printf(&b,
                   "%s{\"id\":\"178414%05zu\",\"time\":%zu,\"messaging\":"
                   "[{\"sender\":{\"id\":\"%zu\"},\"recipient\":{\"id\":"
                   "\"178414%05zu\"},\"timestamp\":%zu,\"message\":{\"mid\":"
                   "\"mid-%zu\",\"text\":\"n\\u00b0%zu\"}}]}",
                   i ? "," : "", i, 1714000000000 + i, 9000 + i, i,
                   1714000000000 + i, i, i),
        0);
  assert_int_equal(buf_puts(&b, "]}"), 0);
  evs = parse(buf_cstr(&b));
  assert_int_equal(json_array_size(evs), 1000);
  json_array_foreach(evs, i, ev) {
    snprintf(want, sizeof(want), "message:mid-%zu", i);
    assert_string_equal(str(evs, i, "key"), want);
    snprintf(want, sizeof(want), "178414%05zu", i);
    assert_string_equal(str(evs, i, "account_id"), want);
    snprintf(want, sizeof(want), "%zu", 9000 + i);
    assert_string_equal(str(evs, i, "user_id"), want);
    snprintf(want, sizeof(want), "n\xc2\xb0%zu", i);
    assert_string_equal(str(evs, i, "text"), want);
    assert_int_equal(num(evs, i, "time_ms"), 1714000000000LL + (long long)i);
    json_object_set_new(keys, str(evs, i, "key"), json_true());
  }
  assert_int_equal(json_object_size(keys), 1000);
  json_decref(keys);
  json_decref(evs);
  buf_free(&b);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_message_text),
    cmocka_unit_test(test_message_extras),
    cmocka_unit_test(test_echo_and_delete),
    cmocka_unit_test(test_reactions),
    cmocka_unit_test(test_seen_postback_referral_edit),
    cmocka_unit_test(test_comments),
    cmocka_unit_test(test_mentions_insights),
    cmocka_unit_test(test_unknown),
    cmocka_unit_test(test_variants),
    cmocka_unit_test(test_time),
    cmocka_unit_test(test_keys),
    cmocka_unit_test(test_ownership),
    cmocka_unit_test(test_batch_1000),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
