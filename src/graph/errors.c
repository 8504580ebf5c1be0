/* SPDX-License-Identifier: MIT */
/*
 * errors.c: Meta's error envelopes.  Parses {"error":{...}} and the flat
 * OAuth shape into a struct graph_error (fixed-size fields, so the struct
 * owns nothing and can be copied), classifies errors as transient or
 * throttling, and explains them in plain words from a rule table.  Nothing
 * here allocates except graph_error_json, whose result the caller owns.
 */
#include "graph.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANY_CODE_LO INT_MIN
#define ANY_CODE_HI INT_MAX

/* Copies s into dst (size n), truncating on a UTF-8 code point boundary so
 * the result stays valid UTF-8 when s was. */
static void
copy_utf8(char *dst, size_t n, const char *s)
{
  size_t len;

  if (n == 0)
    return;
  if (s == NULL)
    s = "";
  len = strlen(s);
  if (len >= n) {
    len = n - 1;
    /* Step back over continuation bytes, then drop the lead byte if its
     * sequence was cut short. */
    while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
      len--;
  }
  memcpy(dst, s, len);
  dst[len] = '\0';
}

/* Removes a UTF-8 sequence cut short at the end of s (after snprintf
 * truncation) and turns control characters into spaces, so the text is one
 * valid line. */
static void
tidy_line(char *s)
{
  size_t len = strlen(s), i, start;
  unsigned char lead;
  size_t need;

  for (i = 0; i < len; i++) {
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      s[i] = ' ';
  }
  if (len == 0)
    return;
  start = len;
  while (start > 0 && ((unsigned char)s[start - 1] & 0xc0) == 0x80)
    start--;
  if (start == 0)
    return;
  lead = (unsigned char)s[start - 1];
  if (lead < 0x80)
    return;
  if ((lead & 0xe0) == 0xc0)
    need = 1;
  else if ((lead & 0xf0) == 0xe0)
    need = 2;
  else if ((lead & 0xf8) == 0xf0)
    need = 3;
  else
    need = 0;
  if (len - start != need)
    s[start - 1] = '\0';
}

/* Reads an integer that Meta sends as a number (or, defensively, as a
 * decimal string).  Returns 0 when absent or unusable. */
static int
json_int_field(const json_t *o, const char *key)
{
  const json_t *v = json_object_get(o, key);
  long long n = 0;

  if (json_is_integer(v)) {
    n = json_integer_value(v);
  } else if (json_is_real(v)) {
    double d = json_real_value(v);
    if (d > INT_MIN && d < INT_MAX)
      n = (long long)d;
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    n = strtoll(s, &end, 10);
    if (end == s || *end != '\0')
      n = 0;
  }
  if (n < INT_MIN || n > INT_MAX)
    return 0;
  return (int)n;
}

static void
json_str_field(const json_t *o, const char *key, char *dst, size_t n)
{
  const json_t *v = json_object_get(o, key);

  if (json_is_string(v))
    copy_utf8(dst, n, json_string_value(v));
}

/* Codes Meta documents as worth retrying after a pause (graph-api.md
 * section 1.5), independent of the is_transient flag. */
static int
code_transient(int code, int subcode)
{
  switch (code) {
  case 1: case 2: case 17: case 32: case 341: case 613: case 1200:
    return 1;
  case 4:
    return subcode != 2207051; /* 4/2207051 is a spam restriction */
  case -1:
    return subcode == 2207001;
  case -2:
    return subcode == 2207003;
  case 24:
    return subcode == 2207008;
  default:
    return code >= 80000 && code <= 80014;
  }
}

/* Codes that must never be retried, whatever Meta's flag says. */
static int
code_never_retry(int code)
{
  switch (code) {
  case 10: case 100: case 102: case 190: case 368: case 506: case 551:
    return 1;
  default:
    return code >= 200 && code <= 299;
  }
}

int
graph_error_parse(const json_t *body, long http_status,
                  struct graph_error *ge)
{
  const json_t *err;
  int found = 0;

  memset(ge, 0, sizeof(*ge));
  ge->http_status = http_status;

  err = json_is_object(body) ? json_object_get(body, "error") : NULL;
  if (json_is_object(err)) {
    json_t *tr;
    ge->code = json_int_field(err, "code");
    ge->subcode = json_int_field(err, "error_subcode");
    json_str_field(err, "type", ge->type, sizeof(ge->type));
    json_str_field(err, "message", ge->message, sizeof(ge->message));
    json_str_field(err, "error_user_title", ge->user_title,
                   sizeof(ge->user_title));
    json_str_field(err, "error_user_msg", ge->user_msg, sizeof(ge->user_msg));
    json_str_field(err, "fbtrace_id", ge->fbtrace_id, sizeof(ge->fbtrace_id));
    tr = json_object_get(err, "is_transient");
    ge->is_transient = json_is_true(tr) ||
                       (json_is_integer(tr) && json_integer_value(tr) != 0);
    found = 1;
  } else if (json_is_string(err)) {
    /* RFC 6749 style {"error":"invalid_request","error_description":..}. */
    copy_utf8(ge->type, sizeof(ge->type), json_string_value(err));
    json_str_field(body, "error_description", ge->message,
                   sizeof(ge->message));
    if (ge->message[0] == '\0')
      copy_utf8(ge->message, sizeof(ge->message), json_string_value(err));
    found = 1;
  } else if (json_is_object(body) &&
             (json_object_get(body, "error_type") != NULL ||
              json_object_get(body, "error_message") != NULL)) {
    /* The flat shape of api.instagram.com's OAuth endpoints. */
    ge->code = json_int_field(body, "code");
    json_str_field(body, "error_type", ge->type, sizeof(ge->type));
    json_str_field(body, "error_message", ge->message, sizeof(ge->message));
    found = 1;
  } else if (http_status >= 400) {
    snprintf(ge->message, sizeof(ge->message), "HTTP %ld", http_status);
    found = 1;
  }
  if (!found) {
    memset(ge, 0, sizeof(*ge));
    ge->http_status = http_status;
    return -1;
  }
  if (code_transient(ge->code, ge->subcode) ||
      (ge->code == 0 && (http_status >= 500 || http_status == 429)))
    ge->is_transient = 1;
  return 0;
}

int
graph_error_retryable(const struct graph_error *ge)
{
  if (code_never_retry(ge->code))
    return 0;
  if (ge->is_transient || code_transient(ge->code, ge->subcode))
    return 1;
  return ge->http_status >= 500 && ge->http_status <= 599;
}

int
graph_error_is_throttle(const struct graph_error *ge)
{
  switch (ge->code) {
  case 4:
    return ge->subcode != 2207051;
  case 17: case 32: case 613:
    return 1;
  default:
    return ge->code >= 80000 && ge->code <= 80014;
  }
}

/* How a rule's text is completed with details from the error. */
enum extra {
  X_NONE,  /* the rule's text as is */
  X_QUOTE, /* append Meta's message in quotes */
  X_PERM,  /* append the permission family */
  X_HTTP,  /* an error with no envelope: mention the HTTP status */
};

struct rule {
  int code_lo, code_hi;
  int subcode;        /* 0 matches any subcode */
  const char *needle; /* NULL, or a case-insensitive part of the message */
  enum extra extra;
  const char *what;
  const char *next;
};

#define NEXT_TOKEN "Generate a new access token and set IG_ACCESS_TOKEN."
#define NEXT_WAIT "Wait before trying again; calls will work once usage " \
                  "drops below Meta's limit."
#define WINDOW_WHAT "The message is outside the allowed messaging window: " \
                    "a business may reply only within 24 hours of the " \
                    "person's last message."
#define WINDOW_NEXT "Wait for the person to write first. Within 7 days of " \
                    "their last message a human agent may still reply by " \
                    "sending with the tag HUMAN_AGENT."
#define RECIP_WHAT "Meta found no user with this recipient id."
#define RECIP_NEXT "Use the IGSID of the person (the sender id from a " \
                   "conversation or webhook), not an Instagram username or " \
                   "account id."

/* First match wins, so specific rules come before general ones. */
static const struct rule rules[] = {
  { ANY_CODE_LO, ANY_CODE_HI, 0, "message has been deleted", X_NONE,
    "The message was deleted, or it is older than the 20 most recent "
    "messages of its conversation: Meta returns details only for those 20; "
    "older ones are listed by id only.",
    "Read recent messages only, or use the history igmcp stored earlier." },
  { 190, 190, 463, NULL, X_NONE, "The access token has expired.",
    NEXT_TOKEN },
  { 190, 190, 460, NULL, X_NONE,
    "The access token was invalidated because the account's password "
    "changed or Meta reset the session for security reasons.", NEXT_TOKEN },
  { 190, 190, 458, NULL, X_NONE,
    "The access token is no longer valid: the account has not authorized "
    "the app, or removed it.", NEXT_TOKEN },
  { 190, 190, 459, NULL, X_NONE,
    "The account is held at a security checkpoint.",
    "Log in to Instagram or Facebook to clear the checkpoint, then "
    "generate a new access token and set IG_ACCESS_TOKEN." },
  { 190, 190, 464, NULL, X_NONE,
    "The account behind the access token is not confirmed.",
    "Confirm the account with Meta, then generate a new access token and "
    "set IG_ACCESS_TOKEN." },
  { 190, 190, 467, NULL, X_NONE, "The access token is invalid.",
    NEXT_TOKEN },
  { 190, 190, 0, "parse access token", X_NONE,
    "Meta could not read the access token. Instagram Login tokens "
    "(IGAA...) only work on graph.instagram.com and Facebook Page tokens "
    "(EAA...) only on graph.facebook.com.",
    "Check that the login type matches the token, or generate a new access "
    "token and set IG_ACCESS_TOKEN." },
  { 190, 190, 0, NULL, X_NONE,
    "The access token is invalid or has expired.", NEXT_TOKEN },
  { 102, 102, 0, NULL, X_NONE,
    "The login session behind the access token has expired.", NEXT_TOKEN },
  { 2500, 2500, 0, "unknown path", X_QUOTE,
    "Meta does not know this endpoint on this host",
    "Check the path; some endpoints exist only with Facebook Login "
    "(graph.facebook.com)." },
  { 2500, 2500, 0, NULL, X_NONE,
    "Meta did not receive a usable access token.", NEXT_TOKEN },
  { 10, 10, 2534022, NULL, X_NONE, WINDOW_WHAT, WINDOW_NEXT },
  { 10, 10, 2018278, NULL, X_NONE, WINDOW_WHAT, WINDOW_NEXT },
  { 10, 10, 2018065, NULL, X_NONE, WINDOW_WHAT, WINDOW_NEXT },
  { 10, 10, 0, "outside of allowed window", X_NONE, WINDOW_WHAT,
    WINDOW_NEXT },
  { 10, 10, 2018108, NULL, X_NONE,
    "This person cannot receive messages from this account.",
    "Do not retry; the message cannot be delivered." },
  { 10, 10, 2018300, NULL, X_NONE,
    "Another app controls this conversation (handover protocol).",
    "Ask the other app to pass thread control back, then try again." },
  { 10, 10, 0, "not enough viewers", X_NONE,
    "Meta hides insights for this media until enough accounts (at least "
    "5) have viewed it.",
    "Try again once more people have seen it." },
  { 10, 10, 0, NULL, X_PERM,
    "The app does not have permission for this action",
    "Check that the token was granted the permission this call needs and "
    "that the app has access to it (Advanced Access for accounts that are "
    "not app roles)." },
  { 3, 3, 0, NULL, X_NONE,
    "The app cannot use this method (a capability or permission is "
    "missing).",
    "Check the app's permissions and features in the Meta app dashboard." },
  { 200, 299, 0, NULL, X_PERM,
    "The access token is missing a permission this call needs",
    "Grant the permission to the app, then generate a new access token and "
    "set IG_ACCESS_TOKEN." },
  { 4, 4, 2207051, NULL, X_NONE,
    "Instagram restricted this activity to protect its community (it "
    "looks like spam or automation).",
    "Do not retry now; slow down and vary the content." },
  { 4, 4, 0, NULL, X_NONE,
    "The app has reached Meta's app-wide request limit.", NEXT_WAIT },
  { 17, 17, 0, NULL, X_NONE,
    "The account has reached Meta's per-user request limit.", NEXT_WAIT },
  { 32, 32, 0, NULL, X_NONE, "The Page has reached its request limit.",
    NEXT_WAIT },
  { 613, 613, 0, NULL, X_NONE,
    "Calls to this API have exceeded Meta's rate limit.", NEXT_WAIT },
  { 80002, 80002, 0, NULL, X_NONE,
    "There have been too many calls to this Instagram account.",
    NEXT_WAIT },
  { 80006, 80006, 0, NULL, X_NONE,
    "There have been too many messaging calls for this account.",
    NEXT_WAIT },
  { 80001, 80001, 0, NULL, X_NONE,
    "There have been too many calls to this Page.", NEXT_WAIT },
  { 80000, 80014, 0, NULL, X_NONE,
    "A Meta business use case rate limit was reached.", NEXT_WAIT },
  { 341, 341, 0, NULL, X_NONE, "The app has reached an application limit.",
    NEXT_WAIT },
  { 100, 100, 33, NULL, X_NONE,
    "The object does not exist, or this access token is not allowed to "
    "see it.",
    "Check the id (use ids the API returned) and that the token has "
    "permission for that object." },
  { 100, 100, 2534014, NULL, X_NONE, RECIP_WHAT, RECIP_NEXT },
  { 100, 100, 2018001, NULL, X_NONE, RECIP_WHAT, RECIP_NEXT },
  { 100, 100, 0, "deleted", X_NONE,
    "The message was deleted, or it is older than the 20 most recent "
    "messages of its conversation: Meta returns details only for those 20; "
    "older ones are listed by id only.",
    "Read recent messages only, or use the history igmcp stored earlier." },
  { 100, 100, 0, "appsecret_proof", X_NONE,
    "Meta requires a valid appsecret_proof for this app.",
    "Set IG_APP_SECRET to the secret of the app that issued the token." },
  { 100, 100, 2018109, NULL, X_NONE,
    "The attachment is larger than Meta allows.",
    "Send a smaller file (images up to 8 MB; audio, video and files up to "
    "25 MB)." },
  { 100, 100, 0, NULL, X_QUOTE, "Meta rejected a parameter",
    "Fix the parameter named in Meta's message and try again." },
  { 551, 551, 0, NULL, X_NONE,
    "This person isn't available right now (they may have blocked the "
    "account, limited who can message them, or deactivated their account).",
    "Do not retry; the message cannot be delivered." },
  { 1, 2, 0, NULL, X_NONE, "Meta had a temporary problem on its side.",
    "Try again in a little while." },
  { 1200, 1200, 0, NULL, X_NONE,
    "Meta could not send the message this time (a temporary failure).",
    "Try again in a little while." },
  { 368, 368, 0, NULL, X_NONE,
    "Meta temporarily blocked this action because it looked abusive or "
    "against its policies.",
    "Stop for a while (often hours) before trying again, and review the "
    "content against Instagram's policies." },
  { 9007, 9007, 0, NULL, X_NONE,
    "The media container is not ready to publish yet.",
    "Check the container's status_code and publish once it is FINISHED." },
  { 9, 9, 2207042, NULL, X_NONE,
    "The account reached its limit of API-published posts for 24 hours.",
    "Wait for the 24-hour window to move on; content_publishing_limit shows "
    "the quota." },
  { 506, 506, 0, NULL, X_NONE,
    "This looks like a duplicate of a post already made.",
    "Change the content before posting again." },
  { 0, 0, 0, NULL, X_HTTP, "Meta answered", NULL },
};

/* Returns 1 when the rule applies to ge. */
static int
rule_matches(const struct rule *r, const struct graph_error *ge)
{
  if (ge->code < r->code_lo || ge->code > r->code_hi)
    return 0;
  if (r->subcode != 0 && ge->subcode != r->subcode)
    return 0;
  if (r->needle != NULL && strcasestr(ge->message, r->needle) == NULL)
    return 0;
  return 1;
}

/* Finds the first permission name (instagram_..., pages_...) that Meta's
 * message mentions and copies it into out. */
static int
find_permission(const char *msg, char *out, size_t n)
{
  static const char *prefixes[] = { "instagram_", "pages_", "business_" };
  const char *best = NULL;
  size_t len = 0;

  for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
    const char *p = strstr(msg, prefixes[i]);
    if (p != NULL && (best == NULL || p < best))
      best = p;
  }
  if (best == NULL)
    return 0;
  while (best[len] == '_' || (best[len] >= 'a' && best[len] <= 'z'))
    len++;
  if (len >= n)
    return 0;
  memcpy(out, best, len);
  out[len] = '\0';
  return 1;
}

void
graph_error_explain(const struct graph_error *ge, char *what,
                    size_t what_len, char *next, size_t next_len)
{
  const struct rule *r = NULL;
  char perm[64];

  for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
    if (rule_matches(&rules[i], ge)) {
      r = &rules[i];
      break;
    }
  }

  if (r != NULL && r->extra == X_HTTP &&
      (ge->http_status < 400 || strncmp(ge->message, "HTTP ", 5) != 0))
    r = NULL; /* code 0 with Meta's own words: quote them */
  if (r == NULL) {
    /* Default: Meta's own words. */
    if (what_len > 0) {
      if (ge->message[0] != '\0')
        snprintf(what, what_len, "Meta returned error %d: \"%s\"", ge->code,
                 ge->message);
      else if (ge->user_title[0] != '\0')
        snprintf(what, what_len, "Meta returned error %d: %s", ge->code,
                 ge->user_title);
      else
        snprintf(what, what_len, "Meta returned error %d.", ge->code);
    }
    if (next_len > 0) {
      if (ge->user_msg[0] != '\0')
        snprintf(next, next_len, "%s", ge->user_msg);
      else if (ge->fbtrace_id[0] != '\0')
        snprintf(next, next_len, "Check the request; if it keeps failing, "
                 "report Meta's fbtrace_id %s.", ge->fbtrace_id);
      else
        snprintf(next, next_len, "Check the request and try again.");
    }
    goto out;
  }

  if (what_len > 0) {
    switch (r->extra) {
    case X_QUOTE:
      snprintf(what, what_len, "%s: \"%s\"", r->what, ge->message);
      break;
    case X_PERM:
      if (find_permission(ge->message, perm, sizeof(perm)))
        snprintf(what, what_len, "%s (%s).", r->what, perm);
      else
        snprintf(what, what_len, "%s (an instagram_business_* permission "
                 "with Instagram Login, or instagram_* and pages_* "
                 "permissions with Facebook Login).", r->what);
      break;
    case X_HTTP:
      snprintf(what, what_len, "%s HTTP %ld without saying what went wrong.",
               r->what, ge->http_status);
      break;
    default:
      snprintf(what, what_len, "%s", r->what);
      break;
    }
  }
  if (next_len > 0) {
    if (r->extra == X_HTTP)
      snprintf(next, next_len, "%s", ge->http_status >= 500
               ? "Try again in a little while."
               : "Check the request and try again.");
    else
      snprintf(next, next_len, "%s", r->next);
  }

out:
  if (what_len > 0)
    tidy_line(what);
  if (next_len > 0)
    tidy_line(next);
}

/* Sets key to a string, skipping it when the string is not valid UTF-8
 * (json_string refuses such input). */
static void
set_str(json_t *o, const char *key, const char *s)
{
  json_t *v = json_string(s);

  if (v != NULL)
    json_object_set_new(o, key, v);
}

json_t *
graph_error_json(const struct graph_error *ge)
{
  json_t *o = json_object();

  json_object_set_new(o, "code", json_integer(ge->code));
  json_object_set_new(o, "subcode", json_integer(ge->subcode));
  set_str(o, "type", ge->type);
  set_str(o, "message", ge->message);
  set_str(o, "fbtrace_id", ge->fbtrace_id);
  json_object_set_new(o, "is_transient", json_boolean(ge->is_transient));
  json_object_set_new(o, "http_status", json_integer(ge->http_status));
  if (ge->user_title[0] != '\0')
    set_str(o, "user_title", ge->user_title);
  if (ge->user_msg[0] != '\0')
    set_str(o, "user_msg", ge->user_msg);
  return o;
}
