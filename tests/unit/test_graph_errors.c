/* SPDX-License-Identifier: MIT */
/*
 * test_graph_errors.c: Meta's error envelopes (src/graph/errors.c).  A
 * table of real envelopes (graph-api.md section 1) checked for parsing,
 * classification (retryable, throttle) and the plain explanation, plus
 * hostile input: wrong types, huge numbers, long UTF-8 text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/utf8.h"
#include "graph/graph.h"

struct error_case {
  const char *name;
  const char *body;  /* NULL: no body */
  long status;
  int parsed;        /* expected graph_error_parse result: 0 or -1 */
  int code;
  int subcode;
  const char *type;
  int retryable;
  int throttle;
  const char *what;  /* a part of the explanation, or NULL */
  const char *next;  /* a part of the next step, or NULL */
};

static const struct error_case cases[] = {
  { "190/463 expired token",
    "{\"error\":{\"message\":\"Error validating access token: Session has "
    "expired on Saturday, 24-Mar-18 05:00:00 PDT. The current time is "
    "Saturday, 24-Mar-18 05:20:17 PDT.\",\"type\":\"OAuthException\","
    "\"code\":190,\"error_subcode\":463,\"fbtrace_id\":"
    "\"AQt_hJ68vFybS4TnupatNtX\"}}",
    400, 0, 190, 463, "OAuthException", 0, 0, "expired",
    "generate a new access token and set IG_ACCESS_TOKEN" },
  { "190/460 password changed",
    "{\"error\":{\"message\":\"Error validating access token: The session "
    "has been invalidated because the user changed their password or "
    "Facebook has changed the session for security reasons.\",\"type\":"
    "\"OAuthException\",\"code\":190,\"error_subcode\":460,\"fbtrace_id\":"
    "\"A1\"}}",
    401, 0, 190, 460, "OAuthException", 0, 0, "password",
    "IG_ACCESS_TOKEN" },
  { "190/458 not authorized",
    "{\"error\":{\"message\":\"Error validating access token: The user has "
    "not authorized application 123.\",\"type\":\"OAuthException\","
    "\"code\":190,\"error_subcode\":458,\"fbtrace_id\":\"A2\"}}",
    400, 0, 190, 458, "OAuthException", 0, 0, "authorized",
    "IG_ACCESS_TOKEN" },
  { "190/467 invalid",
    "{\"error\":{\"message\":\"Invalid access token\",\"type\":"
    "\"OAuthException\",\"code\":190,\"error_subcode\":467}}",
    400, 0, 190, 467, "OAuthException", 0, 0, "invalid",
    "IG_ACCESS_TOKEN" },
  { "190 cannot parse (wrong host)",
    "{\"error\":{\"message\":\"Invalid OAuth access token - Cannot parse "
    "access token\",\"type\":\"OAuthException\",\"code\":190,"
    "\"fbtrace_id\":\"A3\"}}",
    400, 0, 190, 0, "OAuthException", 0, 0, "graph.instagram.com",
    "IG_ACCESS_TOKEN" },
  { "2500 no token (IG host)",
    "{\"error\":{\"message\":\"An active access token must be used to query "
    "information about the current user.\",\"type\":\"IGApiException\","
    "\"code\":2500,\"fbtrace_id\":\"A4\"}}",
    400, 0, 2500, 0, "IGApiException", 0, 0, "access token",
    "IG_ACCESS_TOKEN" },
  { "2500 unknown path",
    "{\"error\":{\"message\":\"Unknown path components: /impressions/day\","
    "\"type\":\"IGApiException\",\"code\":2500,\"fbtrace_id\":\"A5\"}}",
    400, 0, 2500, 0, "IGApiException", 0, 0, "/impressions/day",
    "Facebook Login" },
  { "10/2534022 window closed, IG host 403",
    "{\"error\":{\"message\":\"This message is sent outside of allowed "
    "window.\",\"type\":\"IGApiException\",\"code\":10,\"error_subcode\":"
    "2534022,\"fbtrace_id\":\"AbCdEf\"}}",
    403, 0, 10, 2534022, "IGApiException", 0, 0, "24 hours", "HUMAN_AGENT" },
  { "10/2018278 window closed, FB host",
    "{\"error\":{\"message\":\"(#10) This message is sent outside of "
    "allowed window. Learn more about the new policy here: https://"
    "developers.facebook.com/docs/messenger-platform/policy-overview\","
    "\"type\":\"OAuthException\",\"code\":10,\"error_subcode\":2018278,"
    "\"fbtrace_id\":\"A6\"}}",
    400, 0, 10, 2018278, "OAuthException", 0, 0, "24 hours",
    "write first" },
  { "10 generic permission",
    "{\"error\":{\"message\":\"(#10) Application does not have permission "
    "for this action\",\"type\":\"OAuthException\",\"code\":10,"
    "\"fbtrace_id\":\"A7\"}}",
    400, 0, 10, 0, "OAuthException", 0, 0, "permission", "permission" },
  { "10 not enough viewers",
    "{\"error\":{\"message\":\"(#10) Not enough viewers for the media to "
    "show insights\",\"type\":\"OAuthException\",\"code\":10}}",
    400, 0, 10, 0, "OAuthException", 0, 0, "at least 5", NULL },
  { "230 names pages_messaging",
    "{\"error\":{\"message\":\"(#230) Requires pages_messaging permission "
    "to manage the object\",\"type\":\"OAuthException\",\"code\":230}}",
    400, 0, 230, 0, "OAuthException", 0, 0, "(pages_messaging)",
    "Grant the permission" },
  { "200 without a name gives the family",
    "{\"error\":{\"message\":\"(#200) Permissions error\",\"type\":"
    "\"OAuthException\",\"code\":200}}",
    400, 0, 200, 0, "OAuthException", 0, 0, "instagram_business_", NULL },
  { "80002 Instagram BUC throttle",
    "{\"error\":{\"message\":\"(#80002) There have been too many calls to "
    "this Instagram account. Wait a bit and try again. For more info, "
    "please refer to https://developers.facebook.com/docs/graph-api/"
    "overview/rate-limiting.\",\"type\":\"OAuthException\",\"code\":80002,"
    "\"fbtrace_id\":\"A8\"}}",
    400, 0, 80002, 0, "OAuthException", 1, 1, "too many calls", "Wait" },
  { "80006 Messenger throttle",
    "{\"error\":{\"message\":\"There have been too many messenger api calls "
    "to this Page account.\",\"type\":\"OAuthException\",\"code\":80006}}",
    400, 0, 80006, 0, "OAuthException", 1, 1, "too many", "Wait" },
  { "4 app limit, HTTP 403",
    "{\"error\":{\"message\":\"(#4) Application request limit reached\","
    "\"type\":\"OAuthException\",\"is_transient\":true,\"code\":4,"
    "\"fbtrace_id\":\"A9\"}}",
    403, 0, 4, 0, "OAuthException", 1, 1, "app-wide", "Wait" },
  { "4/2207051 spam restriction is not a throttle",
    "{\"error\":{\"message\":\"Application request limit reached\","
    "\"type\":\"OAuthException\",\"code\":4,\"error_subcode\":2207051,"
    "\"error_user_msg\":\"We restrict certain activity to protect our "
    "community.\"}}",
    400, 0, 4, 2207051, "OAuthException", 0, 0, "spam", "Do not retry" },
  { "17 user limit",
    "{\"error\":{\"message\":\"(#17) User request limit reached\",\"type\":"
    "\"OAuthException\",\"code\":17}}",
    400, 0, 17, 0, "OAuthException", 1, 1, "per-user", NULL },
  { "32 page limit",
    "{\"error\":{\"message\":\"(#32) Page request limit reached\",\"type\":"
    "\"OAuthException\",\"code\":32}}",
    400, 0, 32, 0, "OAuthException", 1, 1, "Page", NULL },
  { "613 custom rate limit",
    "{\"error\":{\"message\":\"Calls to this api have exceeded the rate "
    "limit.\",\"type\":\"OAuthException\",\"code\":613}}",
    400, 0, 613, 0, "OAuthException", 1, 1, "rate limit", NULL },
  { "341 application limit",
    "{\"error\":{\"message\":\"(#341) Application limit reached\",\"type\":"
    "\"OAuthException\",\"code\":341}}",
    400, 0, 341, 0, "OAuthException", 1, 0, "application limit", NULL },
  { "100 bad field quotes Meta",
    "{\"error\":{\"message\":\"Tried accessing nonexisting field "
    "(unread_count)\",\"type\":\"IGApiException\",\"code\":100,"
    "\"fbtrace_id\":\"B1\"}}",
    400, 0, 100, 0, "IGApiException", 0, 0,
    "\"Tried accessing nonexisting field (unread_count)\"", "parameter" },
  { "100/33 object missing",
    "{\"error\":{\"message\":\"Unsupported get request. Object with ID "
    "'123' does not exist, cannot be loaded due to missing permissions, or "
    "does not support this operation.\",\"type\":\"GraphMethodException\","
    "\"code\":100,\"error_subcode\":33,\"fbtrace_id\":\"B2\"}}",
    400, 0, 100, 33, "GraphMethodException", 0, 0, "does not exist",
    "permission" },
  { "100/2534014 recipient not found (IG)",
    "{\"error\":{\"message\":\"The requested user cannot be found.\","
    "\"type\":\"IGApiException\",\"code\":100,\"error_subcode\":2534014,"
    "\"fbtrace_id\":\"B3\"}}",
    400, 0, 100, 2534014, "IGApiException", 0, 0, "recipient", "IGSID" },
  { "100/2018001 recipient not found (FB)",
    "{\"error\":{\"message\":\"(#100) No matching user found\",\"type\":"
    "\"OAuthException\",\"code\":100,\"error_subcode\":2018001}}",
    400, 0, 100, 2018001, "OAuthException", 0, 0, "recipient",
    "not an Instagram username" },
  { "100 message older than the 20 newest",
    "{\"error\":{\"message\":\"The message has been deleted\",\"type\":"
    "\"IGApiException\",\"code\":100,\"fbtrace_id\":\"B4\"}}",
    400, 0, 100, 0, "IGApiException", 0, 0, "20 most recent", NULL },
  { "100 appsecret_proof required",
    "{\"error\":{\"message\":\"API calls from the server require an "
    "appsecret_proof argument\",\"type\":\"GraphMethodException\","
    "\"code\":100}}",
    400, 0, 100, 0, "GraphMethodException", 0, 0, "appsecret_proof",
    "IG_APP_SECRET" },
  { "551 user unavailable",
    "{\"error\":{\"message\":\"(#551) This person isn't available right "
    "now.\",\"type\":\"OAuthException\",\"code\":551,\"error_subcode\":"
    "1545041,\"fbtrace_id\":\"A-uGilvKq2J3LiGxfi3p2e4\"}}",
    400, 0, 551, 1545041, "OAuthException", 0, 0, "isn't available",
    "Do not retry" },
  { "1 unknown, HTTP 500",
    "{\"error\":{\"message\":\"An unknown error occurred\",\"type\":"
    "\"OAuthException\",\"code\":1,\"fbtrace_id\":\"B5\"}}",
    500, 0, 1, 0, "OAuthException", 1, 0, "temporary", "Try again" },
  { "2 service, is_transient",
    "{\"error\":{\"message\":\"An unexpected error has occurred. Please "
    "retry your request later.\",\"type\":\"OAuthException\","
    "\"is_transient\":true,\"code\":2,\"fbtrace_id\":\"B6\"}}",
    500, 0, 2, 0, "OAuthException", 1, 0, "temporary", NULL },
  { "1200 temporary send failure",
    "{\"error\":{\"message\":\"Temporary send message failure. Please try "
    "again later.\",\"type\":\"OAuthException\",\"code\":1200}}",
    400, 0, 1200, 0, "OAuthException", 1, 0, "temporary", NULL },
  { "368 blocked even when flagged transient",
    "{\"error\":{\"message\":\"The action attempted has been deemed abusive "
    "or is otherwise disallowed\",\"type\":\"OAuthException\","
    "\"is_transient\":true,\"code\":368,\"error_subcode\":1390008}}",
    400, 0, 368, 1390008, "OAuthException", 0, 0, "temporarily blocked",
    "Stop" },
  { "9007 media not ready",
    "{\"error\":{\"message\":\"Media ID is not available\",\"type\":"
    "\"OAuthException\",\"code\":9007,\"error_subcode\":2207027,"
    "\"is_transient\":false,\"error_user_title\":\"Cannot Publish\","
    "\"error_user_msg\":\"The media is not ready for publishing, please "
    "wait for a moment\",\"fbtrace_id\":\"ALRlpRLSwaI4ndtlU9LeWVv\"}}",
    400, 0, 9007, 2207027, "OAuthException", 0, 0, "not ready",
    "FINISHED" },
  { "36000 default uses Meta's words",
    "{\"error\":{\"message\":\"The image size is too large.\",\"type\":"
    "\"OAuthException\",\"code\":36000,\"error_subcode\":2207004,"
    "\"is_transient\":false,\"error_user_title\":\"Image size too large\","
    "\"error_user_msg\":\"The image is too large to download. It should be "
    "less than 8 MiB.\",\"fbtrace_id\":\"A6LJylpZRKw2xKLFsAP-cJh\"}}",
    400, 0, 36000, 2207004, "OAuthException", 0, 0,
    "\"The image size is too large.\"", "less than 8 MiB" },
  { "102 session",
    "{\"error\":{\"message\":\"Session key invalid\",\"type\":"
    "\"OAuthException\",\"code\":102}}",
    400, 0, 102, 0, "OAuthException", 0, 0, "session", "IG_ACCESS_TOKEN" },
  { "flat OAuth shape",
    "{\"error_type\":\"OAuthException\",\"code\":400,\"error_message\":"
    "\"Error validating verification code. Please make sure your "
    "redirect_uri is identical to the one you used in the OAuth dialog "
    "request\"}",
    400, 0, 400, 0, "OAuthException", 0, 0, "verification code", NULL },
  { "RFC 6749 string error",
    "{\"error\":\"invalid_request\",\"error_description\":\"Missing "
    "code\"}",
    400, 0, 0, 0, "invalid_request", 0, 0, "Missing code", NULL },
  { "code as a string",
    "{\"error\":{\"message\":\"x\",\"type\":\"OAuthException\",\"code\":"
    "\"190\",\"error_subcode\":\"463\"}}",
    400, 0, 190, 463, "OAuthException", 0, 0, "expired", NULL },
  { "huge code is dropped",
    "{\"error\":{\"message\":\"odd\",\"code\":99999999999,\"error_subcode\":"
    "-99999999999}}",
    400, 0, 0, 0, "", 0, 0, "odd", NULL },
  { "wrong types are ignored",
    "{\"error\":{\"message\":17,\"type\":[],\"code\":{},\"fbtrace_id\":1,"
    "\"is_transient\":\"yes\"}}",
    400, 0, 0, 0, "", 0, 0, "error 0", NULL },
  { "not an error, HTTP 502",
    "{\"foo\":1}", 502, 0, 0, 0, "", 1, 0, "HTTP 502", "Try again" },
  { "not an error, HTTP 429",
    "{}", 429, 0, 0, 0, "", 1, 0, "HTTP 429", NULL },
  { "array body, HTTP 400",
    "[1,2,3]", 400, 0, 0, 0, "", 0, 0, "HTTP 400", NULL },
  { "success body", "{\"id\":\"17841400000000001\"}", 200, -1, 0, 0, "", 0,
    0, NULL, NULL },
  { "error is null", "{\"error\":null}", 200, -1, 0, 0, "", 0, 0, NULL,
    NULL },
  { "no body, HTTP 200", NULL, 200, -1, 0, 0, "", 0, 0, NULL, NULL },
  { "no body, HTTP 503", NULL, 503, 0, 0, 0, "", 1, 0, "HTTP 503", NULL },
};

static void
test_error_table(void **state)
{
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct error_case *c = &cases[i];
    json_error_t jerr;
    json_t *body = NULL;
    struct graph_error ge;
    char what[300], next[300];
    int rc;

    if (c->body != NULL) {
      body = json_loads(c->body, 0, &jerr);
      if (body == NULL)
        fail_msg("%s: test JSON invalid: %s", c->name, jerr.text);
    }
    memset(&ge, 0x5a, sizeof(ge));
    rc = graph_error_parse(body, c->status, &ge);
    if (rc != c->parsed)
      fail_msg("%s: parse returned %d", c->name, rc);
    if (ge.http_status != c->status)
      fail_msg("%s: http_status %ld", c->name, ge.http_status);
    if (rc != 0) {
      assert_int_equal(ge.code, 0);
      assert_string_equal(ge.message, "");
      json_decref(body);
      continue;
    }
    if (ge.code != c->code || ge.subcode != c->subcode)
      fail_msg("%s: got %d/%d", c->name, ge.code, ge.subcode);
    if (strcmp(ge.type, c->type) != 0)
      fail_msg("%s: type \"%s\"", c->name, ge.type);
    if (graph_error_retryable(&ge) != c->retryable)
      fail_msg("%s: retryable %d", c->name, graph_error_retryable(&ge));
    if (graph_error_is_throttle(&ge) != c->throttle)
      fail_msg("%s: throttle %d", c->name, graph_error_is_throttle(&ge));
    graph_error_explain(&ge, what, sizeof(what), next, sizeof(next));
    if (c->what != NULL && strcasestr(what, c->what) == NULL)
      fail_msg("%s: what \"%s\" lacks \"%s\"", c->name, what, c->what);
    if (c->next != NULL && strcasestr(next, c->next) == NULL)
      fail_msg("%s: next \"%s\" lacks \"%s\"", c->name, next, c->next);
    if (what[0] == '\0' || next[0] == '\0')
      fail_msg("%s: empty explanation", c->name);
    if (strchr(what, '\n') != NULL || strchr(next, '\n') != NULL)
      fail_msg("%s: explanation is not one line", c->name);
    json_decref(body);
  }
}

/* The fields Meta sends are all kept. */
static void
test_parse_fields(void **state)
{
  json_t *body = json_loads(
      "{\"error\":{\"message\":\"Media ID is not available\",\"type\":"
      "\"OAuthException\",\"code\":9007,\"error_subcode\":2207027,"
      "\"is_transient\":false,\"error_user_title\":\"Cannot Publish\","
      "\"error_user_msg\":\"The media is not ready for publishing, please "
      "wait for a moment\",\"error_data\":{},\"fbtrace_id\":"
      "\"ALRlpRLSwaI4ndtlU9LeWVv\"}}", 0, NULL);
  struct graph_error ge;

  assert_non_null(body);
  assert_int_equal(graph_error_parse(body, 400, &ge), 0);
  assert_string_equal(ge.message, "Media ID is not available");
  assert_string_equal(ge.user_title, "Cannot Publish");
  assert_string_equal(ge.user_msg,
                      "The media is not ready for publishing, please wait "
                      "for a moment");
  assert_string_equal(ge.fbtrace_id, "ALRlpRLSwaI4ndtlU9LeWVv");
  assert_int_equal(ge.is_transient, 0);
  json_decref(body);

  /* Meta's flag is kept; our table adds transient codes. */
  body = json_loads("{\"error\":{\"message\":\"m\",\"code\":9004,"
                    "\"is_transient\":true}}", 0, NULL);
  assert_int_equal(graph_error_parse(body, 400, &ge), 0);
  assert_int_equal(ge.is_transient, 1);
  assert_int_equal(graph_error_retryable(&ge), 1);
  json_decref(body);
  body = json_loads("{\"error\":{\"message\":\"m\",\"code\":613}}", 0, NULL);
  assert_int_equal(graph_error_parse(body, 400, &ge), 0);
  assert_int_equal(ge.is_transient, 1);
  json_decref(body);
}

/* Long text is cut on a code point boundary, and tiny output buffers are
 * respected. */
static void
test_long_utf8(void **state)
{
  char msg[2000], json[2100], what[300], next[300], small[7];
  struct graph_error ge;
  json_t *body;
  size_t n = 0;

  /* "é" is two bytes, so byte 511 of the message is a continuation byte
   * and the copy must stop at 510. */
  while (n + 2 < sizeof(msg) - 1) {
    msg[n++] = (char)0xc3;
    msg[n++] = (char)0xa9;
  }
  msg[n] = '\0';
  snprintf(json, sizeof(json), "{\"error\":{\"message\":\"%s\",\"code\":"
           "100}}", msg);
  body = json_loads(json, 0, NULL);
  assert_non_null(body);
  assert_int_equal(graph_error_parse(body, 400, &ge), 0);
  assert_true(strlen(ge.message) < sizeof(ge.message));
  assert_true(strlen(ge.message) >= sizeof(ge.message) - 2);
  assert_int_equal(utf8_valid(ge.message, strlen(ge.message), NULL), 1);

  graph_error_explain(&ge, what, sizeof(what), next, sizeof(next));
  assert_int_equal(utf8_valid(what, strlen(what), NULL), 1);
  assert_true(strlen(what) < sizeof(what));

  memset(small, 'Z', sizeof(small));
  graph_error_explain(&ge, small, sizeof(small), next, 1);
  assert_true(strlen(small) < sizeof(small));
  assert_int_equal(utf8_valid(small, strlen(small), NULL), 1);
  assert_string_equal(next, "");
  graph_error_explain(&ge, NULL, 0, NULL, 0); /* must not touch anything */
  json_decref(body);
}

static void
test_error_json(void **state)
{
  json_t *body = json_loads(
      "{\"error\":{\"message\":\"This message is sent outside of allowed "
      "window.\",\"type\":\"IGApiException\",\"code\":10,\"error_subcode\":"
      "2534022,\"fbtrace_id\":\"AbC\"}}", 0, NULL);
  struct graph_error ge;
  json_t *j;

  assert_int_equal(graph_error_parse(body, 403, &ge), 0);
  j = graph_error_json(&ge);
  assert_non_null(j);
  assert_int_equal(json_integer_value(json_object_get(j, "code")), 10);
  assert_int_equal(json_integer_value(json_object_get(j, "subcode")),
                   2534022);
  assert_string_equal(json_string_value(json_object_get(j, "type")),
                      "IGApiException");
  assert_string_equal(json_string_value(json_object_get(j, "message")),
                      "This message is sent outside of allowed window.");
  assert_string_equal(json_string_value(json_object_get(j, "fbtrace_id")),
                      "AbC");
  assert_true(json_is_false(json_object_get(j, "is_transient")));
  assert_int_equal(json_integer_value(json_object_get(j, "http_status")),
                   403);
  assert_null(json_object_get(j, "user_msg"));
  json_decref(j);
  json_decref(body);

  body = json_loads("{\"error\":{\"message\":\"m\",\"code\":2,"
                    "\"is_transient\":true,\"error_user_msg\":\"u\"}}", 0,
                    NULL);
  assert_int_equal(graph_error_parse(body, 500, &ge), 0);
  j = graph_error_json(&ge);
  assert_true(json_is_true(json_object_get(j, "is_transient")));
  assert_string_equal(json_string_value(json_object_get(j, "user_msg")),
                      "u");
  json_decref(j);
  json_decref(body);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_error_table),
    cmocka_unit_test(test_parse_fields),
    cmocka_unit_test(test_long_utf8),
    cmocka_unit_test(test_error_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
