/* SPDX-License-Identifier: MIT */
/*
 * test_webhook.c: the guards of the webhook endpoint (src/webhook/
 * webhook.c): the GET subscription handshake and the X-Hub-Signature-256
 * check over the raw body, plus the parser's bounds and malformed
 * envelopes.  The events of each kind are in test_webhook_parse.c.
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

/*
 * A body as Meta sends it: non-ASCII escaped as \uXXXX.  KAT_SIG is its
 * HMAC-SHA256 under KAT_SECRET, computed outside this code with
 * `openssl dgst -sha256 -hmac kat-app-secret`.
 */
static const char kat_body[] =
    "{\"object\":\"instagram\",\"entry\":[{\"id\":\"17841400000000001\","
    "\"time\":1714000000123,\"messaging\":[{\"sender\":{\"id\":"
    "\"6543210987654321\"},\"recipient\":{\"id\":\"17841400000000001\"},"
    "\"timestamp\":1714000000001,\"message\":{\"mid\":"
    "\"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx\","
    "\"text\":\"Caf\\u00e9 \\ud83d\\ude00\"}}]}]}";
#define KAT_SECRET "kat-app-secret"
#define KAT_SIG "e01414ad54dc3693af7747653450ada5e527a55a506623cee533afac2b76eb3c"

static int
sig_ok(const char *hdr, const char *body, size_t len, const char *secret)
{
  return webhook_signature_ok(hdr, body, len, secret,
                              secret ? strlen(secret) : 0);
}

static void
test_signature_known_answer(void **state)
{
  char upper[80];

  (void)state;
  assert_int_equal(strlen(kat_body), 307);
  assert_true(sig_ok("sha256=" KAT_SIG, kat_body, strlen(kat_body),
                     KAT_SECRET));
  /* Hex digits of either case, and the prefix in any case. */
  snprintf(upper, sizeof(upper), "SHA256=%s", KAT_SIG);
  for (char *p = upper + 7; *p; p++)
    if (*p >= 'a' && *p <= 'f')
      *p = (char)(*p - 'a' + 'A');
  assert_true(sig_ok(upper, kat_body, strlen(kat_body), KAT_SECRET));
  upper[10] = (char)(upper[10] >= 'A' ? upper[10] - 'A' + 'a' : upper[10]);
  assert_true(sig_ok(upper, kat_body, strlen(kat_body), KAT_SECRET));
}

static void
test_signature_refused(void **state)
{
  const size_t n = strlen(kat_body);
  char body[sizeof(kat_body)], hdr[96];

  (void)state;
  /* Missing, empty, and wrong secrets. */
  assert_false(sig_ok(NULL, kat_body, n, KAT_SECRET));
  assert_false(sig_ok("", kat_body, n, KAT_SECRET));
  assert_false(sig_ok("sha256=" KAT_SIG, kat_body, n, "kat-app-secreT"));
  assert_false(sig_ok("sha256=" KAT_SIG, kat_body, n, "kat-app-secre"));
  assert_false(sig_ok("sha256=" KAT_SIG, kat_body, n, NULL));
  assert_false(webhook_signature_ok("sha256=" KAT_SIG, kat_body, n,
                                    KAT_SECRET, 0));
  /* Every single-byte change of the body, in three places. */
  for (size_t at = 0; at < n; at += n / 3) {
    memcpy(body, kat_body, sizeof(body));
    body[at] ^= 0x01;
    assert_false(sig_ok("sha256=" KAT_SIG, body, n, KAT_SECRET));
  }
  /* One byte fewer or one more. */
  assert_false(sig_ok("sha256=" KAT_SIG, kat_body, n - 1, KAT_SECRET));
  assert_false(sig_ok("sha256=" KAT_SIG, kat_body, n + 1, KAT_SECRET));
  /* A changed digit. */
  snprintf(hdr, sizeof(hdr), "sha256=%s", KAT_SIG);
  hdr[7 + 63] = hdr[7 + 63] == 'c' ? 'd' : 'c';
  assert_false(sig_ok(hdr, kat_body, n, KAT_SECRET));
  /* Wrong prefixes. */
  assert_false(sig_ok("sha1=" KAT_SIG, kat_body, n, KAT_SECRET));
  assert_false(sig_ok("sha256:" KAT_SIG, kat_body, n, KAT_SECRET));
  assert_false(sig_ok("sha256 =" KAT_SIG, kat_body, n, KAT_SECRET));
  assert_false(sig_ok(" sha256=" KAT_SIG, kat_body, n, KAT_SECRET));
  assert_false(sig_ok(KAT_SIG, kat_body, n, KAT_SECRET));
  assert_false(sig_ok("sha512=" KAT_SIG, kat_body, n, KAT_SECRET));
  /* Short, long, non-hex and padded digits. */
  snprintf(hdr, sizeof(hdr), "sha256=%.63s", KAT_SIG);
  assert_false(sig_ok(hdr, kat_body, n, KAT_SECRET));
  assert_false(sig_ok("sha256=", kat_body, n, KAT_SECRET));
  assert_false(sig_ok("sha256=" KAT_SIG "0", kat_body, n, KAT_SECRET));
  assert_false(sig_ok("sha256=" KAT_SIG " ", kat_body, n, KAT_SECRET));
  snprintf(hdr, sizeof(hdr), "sha256=%s", KAT_SIG);
  hdr[7] = 'g';
  assert_false(sig_ok(hdr, kat_body, n, KAT_SECRET));
  /* Two signatures in one header are not one of them. */
  assert_false(sig_ok("sha256=" KAT_SIG ",sha256=" KAT_SIG, kat_body, n,
                      KAT_SECRET));
}

/*
 * The signature covers the bytes Meta sent.  The same JSON re-encoded with
 * raw UTF-8 (as a parse and re-dump would do) has another signature, so
 * the check must run before parsing.
 */
static void
test_signature_raw_bytes(void **state)
{
  json_t *v = json_loads(kat_body, 0, NULL);
  char *re, hdr[80];

  (void)state;
  assert_non_null(v);
  re = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
  assert_non_null(strstr(re, "Caf\xc3\xa9 \xf0\x9f\x98\x80"));
  assert_false(sig_ok("sha256=" KAT_SIG, re, strlen(re), KAT_SECRET));
  /* And a signature made over the re-encoded bytes fits only them. */
  memcpy(hdr, "sha256=", 7);
  assert_int_equal(crypto_hmac_sha256_hex(KAT_SECRET, strlen(KAT_SECRET), re,
                                          strlen(re), hdr + 7),
                   0);
  assert_true(sig_ok(hdr, re, strlen(re), KAT_SECRET));
  assert_false(sig_ok(hdr, kat_body, strlen(kat_body), KAT_SECRET));
  free(re);
  json_decref(v);
}

/* An empty body has a signature too. */
static void
test_signature_empty_body(void **state)
{
  char hdr[80];

  (void)state;
  memcpy(hdr, "sha256=", 7);
  assert_int_equal(crypto_hmac_sha256_hex("s", 1, "", 0, hdr + 7), 0);
  assert_true(webhook_signature_ok(hdr, NULL, 0, "s", 1));
  assert_true(webhook_signature_ok(hdr, "", 0, "s", 1));
  assert_false(webhook_signature_ok(hdr, "x", 1, "s", 1));
}

static void
test_verify(void **state)
{
  char long_ok[WEBHOOK_MAX_CHALLENGE + 2];
  static const struct {
    const char *mode, *token, *challenge, *expected;
    int status;
  } cases[] = {
    { "subscribe", "tok-3f9a", "1158201444", "tok-3f9a", 200 },
    { "subscribe", "tok-3f9a", "abc-DEF_123.~:+/=", "tok-3f9a", 200 },
    /* Wrong tokens: other, prefix, longer, case, empty. */
    { "subscribe", "tok-3f9b", "1158201444", "tok-3f9a", 403 },
    { "subscribe", "tok-3f9", "1158201444", "tok-3f9a", 403 },
    { "subscribe", "tok-3f9aa", "1158201444", "tok-3f9a", 403 },
    { "subscribe", "TOK-3F9A", "1158201444", "tok-3f9a", 403 },
    { "subscribe", "", "1158201444", "tok-3f9a", 403 },
    /* No token configured: nothing verifies, not even an empty one. */
    { "subscribe", "", "1158201444", "", 403 },
    { "subscribe", "tok", "1158201444", NULL, 403 },
    /* The token is checked before the challenge's shape. */
    { "subscribe", "bad", "<script>", "tok-3f9a", 403 },
    /* Mode. */
    { "unsubscribe", "tok-3f9a", "1158201444", "tok-3f9a", 400 },
    { "Subscribe", "tok-3f9a", "1158201444", "tok-3f9a", 400 },
    { "", "tok-3f9a", "1158201444", "tok-3f9a", 400 },
    /* Missing parameters. */
    { NULL, "tok-3f9a", "1158201444", "tok-3f9a", 400 },
    { "subscribe", NULL, "1158201444", "tok-3f9a", 400 },
    { "subscribe", "tok-3f9a", NULL, "tok-3f9a", 400 },
    /* Challenges we will not echo. */
    { "subscribe", "tok-3f9a", "", "tok-3f9a", 400 },
    { "subscribe", "tok-3f9a", "<script>alert(1)</script>", "tok-3f9a",
      400 },
    { "subscribe", "tok-3f9a", "a&b", "tok-3f9a", 400 },
    { "subscribe", "tok-3f9a", "a\"b", "tok-3f9a", 400 },
    { "subscribe", "tok-3f9a", "12 34", "tok-3f9a", 400 },
    { "subscribe", "tok-3f9a", "1234\r\nSet-Cookie: x=1", "tok-3f9a", 400 },
    { "subscribe", "tok-3f9a", "12\x7f", "tok-3f9a", 400 },
    { "subscribe", "tok-3f9a", "caf\xc3\xa9", "tok-3f9a", 400 },
  };
  const char *out;

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    out = "unset";
    assert_int_equal(webhook_verify(cases[i].mode, cases[i].token,
                                    cases[i].challenge, cases[i].expected,
                                    &out),
                     cases[i].status);
    if (cases[i].status == 200)
      assert_ptr_equal(out, cases[i].challenge);
    else
      assert_null(out);
  }
  /* The length bound: WEBHOOK_MAX_CHALLENGE digits pass, one more not. */
  memset(long_ok, '7', sizeof(long_ok));
  long_ok[WEBHOOK_MAX_CHALLENGE] = '\0';
  assert_int_equal(webhook_verify("subscribe", "t", long_ok, "t", &out), 200);
  long_ok[WEBHOOK_MAX_CHALLENGE] = '7';
  long_ok[WEBHOOK_MAX_CHALLENGE + 1] = '\0';
  assert_int_equal(webhook_verify("subscribe", "t", long_ok, "t", &out), 400);
  assert_null(out);
}

/* Asserts that body fails to parse with an error containing needle. */
static void
fails(const char *body, size_t len, const char *needle)
{
  struct err e = { 0 };
  json_t *evs = webhook_parse(body, len, &e);

  if (evs != NULL || e.code != ERR_INVALID || strstr(e.msg, needle) == NULL)
    fail_msg("body %.80s: got %s \"%s\", wanted an error with \"%s\"", body,
             evs ? "events" : "error", e.msg, needle);
}

#define FAILS(body, needle) fails(body, strlen(body), needle)
#define ENV(entries) "{\"object\":\"instagram\",\"entry\":" entries "}"

static void
test_parse_malformed(void **state)
{
  char deep[3000];

  (void)state;
  fails(NULL, 0, "empty");
  fails("", 0, "empty");
  FAILS("{\"object\":\"instagram\",\"entry\":[", "not valid JSON");
  FAILS("object=instagram", "not valid JSON");
  FAILS(ENV("[]") " trailing", "not valid JSON");
  FAILS("{\"object\":\"instagram\",\"entry\":[],\"x\":\"\xff\"}",
        "not valid JSON");
  /* jansson's depth limit bounds the recursion. */
  memset(deep, '[', sizeof(deep) - 1);
  deep[sizeof(deep) - 1] = '\0';
  FAILS(deep, "not valid JSON");
  FAILS("[" ENV("[]") "]", "webhook body: expected a JSON object, got an "
                           "array");
  FAILS("\"instagram\"", "expected a JSON object, got a string");
  FAILS("{\"entry\":[]}", "object: expected a string, got nothing");
  FAILS("{\"object\":7,\"entry\":[]}", "object: expected a string, got an "
                                       "integer");
  FAILS("{\"object\":\"user\",\"entry\":[]}",
        "object: expected \"instagram\" or \"page\"");
  FAILS("{\"object\":\"instagram\"}", "entry: expected an array, got nothing");
  FAILS("{\"object\":\"instagram\",\"entry\":{}}",
        "entry: expected an array, got an object");
  FAILS(ENV("[1]"), "entry[0]: expected an object, got an integer");
  FAILS(ENV("[{\"id\":\"1\"},null]"), "entry[1]: expected an object, got "
                                      "null");
  FAILS(ENV("[{\"time\":1}]"), "entry[0].id: expected the account id");
  FAILS(ENV("[{\"id\":\"\"}]"), "entry[0].id");
  FAILS(ENV("[{\"id\":\"17 84\"}]"), "entry[0].id");
  FAILS(ENV("[{\"id\":-3}]"), "entry[0].id");
  FAILS(ENV("[{\"id\":\"1\",\"time\":\"soon\"}]"),
        "entry[0].time: expected a non-negative integer, got a string");
  FAILS(ENV("[{\"id\":\"1\",\"time\":-5}]"), "entry[0].time");
  FAILS(ENV("[{\"id\":\"1\",\"time\":1.5}]"),
        "entry[0].time: expected a non-negative integer, got a real number");
  FAILS(ENV("[{\"id\":\"1\",\"messaging\":{}}]"),
        "entry[0].messaging: expected an array, got an object");
  FAILS(ENV("[{\"id\":\"1\",\"messaging\":[{},\"x\"]}]"),
        "entry[0].messaging[1]: expected an object, got a string");
  FAILS(ENV("[{\"id\":\"1\",\"messaging\":[[]]}]"),
        "entry[0].messaging[0]: expected an object, got an array");
  FAILS(ENV("[{\"id\":\"1\",\"messaging\":[{\"timestamp\":true,"
            "\"message\":{\"mid\":\"m\"}}]}]"),
        "entry[0].messaging[0].timestamp: expected a non-negative integer, "
        "got a boolean");
  FAILS(ENV("[{\"id\":\"1\"},{\"id\":\"2\",\"changes\":[3]}]"),
        "entry[1].changes[0]: expected an object, got an integer");
  FAILS(ENV("[{\"id\":\"1\",\"changes\":\"comments\"}]"),
        "entry[0].changes: expected an array, got a string");
  FAILS(ENV("[{\"id\":\"1\",\"changes\":[{\"value\":{}}]}]"),
        "entry[0].changes[0].field: expected a string, got nothing");
  FAILS(ENV("[{\"id\":\"1\",\"field\":5,\"value\":{}}]"),
        "entry[0].field: expected a string, got an integer");
  FAILS(ENV("[{\"id\":\"1\",\"standby\":[false]}]"),
        "entry[0].standby[0]: expected an object, got a boolean");
  FAILS(ENV("[{\"id\":\"1\",\"changes\":[{\"field\":\"messages\","
            "\"value\":{\"timestamp\":{},\"message\":{\"mid\":\"m\"}}}]}]"),
        "entry[0].changes[0].value.timestamp");
}

/*
 * A fault late in the body still refuses all of it: the earlier entries'
 * events are not returned.
 */
static void
test_parse_all_or_nothing(void **state)
{
  (void)state;
  FAILS(ENV("[{\"id\":\"1\",\"messaging\":[{\"sender\":{\"id\":\"2\"},"
            "\"message\":{\"mid\":\"m1\",\"text\":\"hi\"}}]},"
            "{\"id\":\"1\",\"messaging\":[7]}]"),
        "entry[1].messaging[0]");
}

/* Builds {"object":"instagram","entry":[...]} with n entries; with items,
 * each entry has four elements (two messaging, a change, a flat change). */
static char *
batch(size_t n, int items)
{
  struct buf b;

  buf_init(&b, WEBHOOK_MAX_BODY);
  assert_int_equal(buf_puts(&b, "{\"object\":\"instagram\",\"entry\":["), 0);
  for (size_t i = 0; i < n; i++) {
    int r = items ? buf_printf(&b,
                               "%s{\"id\":\"1\",\"time\":%zu,\"messaging\":"
                               "[{},{}],\"changes\":[{\"field\":\"f%zu\","
                               "\"value\":{}}],\"field\":\"flat\","
                               "\"value\":{}}",
                               i ? "," : "", i, i)
                  : buf_printf(&b, "%s{\"id\":\"1784%zu\",\"time\":%zu}",
                               i ? "," : "", i, i);

    assert_int_equal(r, 0);
  }
  assert_int_equal(buf_puts(&b, "]}"), 0);
  return buf_steal(&b);
}

static void
test_parse_bounds(void **state)
{
  struct err e = { 0 };
  char *body, *big;
  json_t *evs;
  size_t i;
  json_t *ev;

  (void)state;
  /* WEBHOOK_MAX_ENTRIES entries pass; one more is refused. */
  body = batch(WEBHOOK_MAX_ENTRIES, 0);
  evs = webhook_parse(body, strlen(body), &e);
  assert_non_null(evs);
  assert_int_equal(json_array_size(evs), 0);
  json_decref(evs);
  free(body);
  body = batch(WEBHOOK_MAX_ENTRIES + 1, 0);
  fails(body, strlen(body), "entry: 5001 elements, more than the 5000");
  free(body);

  /* WEBHOOK_MAX_ITEMS elements pass, spread over entries and arrays. */
  body = batch(WEBHOOK_MAX_ITEMS / 4, 1);
  evs = webhook_parse(body, strlen(body), &e);
  assert_non_null(evs);
  assert_int_equal(json_array_size(evs), WEBHOOK_MAX_ITEMS);
  json_array_foreach(evs, i, ev)
    assert_string_equal(json_string_value(json_object_get(ev, "kind")),
                        "unknown");
  json_decref(evs);
  free(body);
  /* One more, in one entry's messaging[], is refused whole. */
  body = batch(WEBHOOK_MAX_ITEMS / 4, 1);
  body[strlen(body) - 2] = '\0';
  big = malloc(strlen(body) + 64);
  snprintf(big, strlen(body) + 64, "%s,{\"id\":\"1\",\"messaging\":[{}]}]}",
           body);
  fails(big, strlen(big), "more than 10000 messaging, standby and changes");
  free(big);
  free(body);

  /* A body past WEBHOOK_MAX_BODY is refused before it is read. */
  big = malloc(WEBHOOK_MAX_BODY + 1);
  memset(big, ' ', WEBHOOK_MAX_BODY + 1);
  memcpy(big, ENV("[]"), strlen(ENV("[]")));
  fails(big, WEBHOOK_MAX_BODY + 1, "more than 16777216");
  evs = webhook_parse(big, WEBHOOK_MAX_BODY, &e);
  assert_non_null(evs);
  json_decref(evs);
  free(big);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_signature_known_answer),
    cmocka_unit_test(test_signature_refused),
    cmocka_unit_test(test_signature_raw_bytes),
    cmocka_unit_test(test_signature_empty_body),
    cmocka_unit_test(test_verify),
    cmocka_unit_test(test_parse_malformed),
    cmocka_unit_test(test_parse_all_or_nothing),
    cmocka_unit_test(test_parse_bounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
