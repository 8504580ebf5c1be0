/* SPDX-License-Identifier: MIT */
/*
 * inbox_util.c: helpers of the inbox tools and the send guard; see
 * inbox_util.h.  Times are UTC throughout; the calendar arithmetic is the
 * proleptic Gregorian day count, so no time zone or locale of the host
 * matters.
 */
#include "tools/inbox_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store.h"
#include "tools/account.h"

int
inbox_begin(struct call *c, struct result *r, char *acct, size_t len)
{
  if (c->store == NULL)
    return result_errorf(
        r, "not_configured",
        "The inbox store is off: igmcp was started with --db off (or "
        "IGMCP_DB=off). Start it without --db off (or with --db PATH) so "
        "webhooks and sent messages are recorded. Meanwhile "
        "ig_list_conversations and ig_list_messages read Meta's API "
        "directly (details for the 20 newest messages only).");
  return account_store_id(c, r, acct, len);
}

/* Days since 1970-01-01 of a civil date (month 1-12). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
  int64_t era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void
inbox_iso(int64_t ms, char *out, size_t len)
{
  int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  int64_t rest = ms - days * 86400000;
  int64_t z = days + 719468, era, doe, yoe, y, doy, mp, d, m;

  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (rest % 1000 != 0)
    snprintf(out, len,
             "%04" PRId64 "-%02" PRId64 "-%02" PRId64 "T%02" PRId64
             ":%02" PRId64 ":%02" PRId64 ".%03" PRId64 "Z",
             y, m, d, rest / 3600000, rest / 60000 % 60, rest / 1000 % 60,
             rest % 1000);
  else
    snprintf(out, len,
             "%04" PRId64 "-%02" PRId64 "-%02" PRId64 "T%02" PRId64
             ":%02" PRId64 ":%02" PRId64 "Z",
             y, m, d, rest / 3600000, rest / 60000 % 60, rest / 1000 % 60);
}

/* Reads exactly n digits at *p into *v and moves *p past them. */
static int
digits(const char **p, int n, int *v)
{
  *v = 0;
  for (int i = 0; i < n; i++) {
    if ((*p)[i] < '0' || (*p)[i] > '9')
      return -1;
    *v = *v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  return 0;
}

static int
days_in_month(int y, int m)
{
  static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

  return m == 2 && leap ? 29 : dm[m - 1];
}

int
inbox_parse_time(const char *s, int end_of_day, int64_t *ms)
{
  const char *p = s;
  int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, oh = 0, om = 0, sign = 0;
  int64_t t;

  if (s == NULL || digits(&p, 4, &y) < 0 || *p++ != '-' ||
      digits(&p, 2, &mo) < 0 || *p++ != '-' || digits(&p, 2, &d) < 0)
    return -1;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
    return -1;
  t = days_from_civil(y, mo, d) * 86400000;
  if (*p == '\0') {
    *ms = end_of_day ? t + 86400000 - 1 : t;
    return 0;
  }
  if (*p != 'T' && *p != 't' && *p != ' ')
    return -1;
  p++;
  if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
    return -1;
  if (*p == ':') {
    p++;
    if (digits(&p, 2, &sec) < 0)
      return -1;
    if (*p == '.') {
      int n = 0;
      for (p++; *p >= '0' && *p <= '9'; p++, n++) {
        if (n < 3)
          frac = frac * 10 + (*p - '0');
      }
      if (n == 0)
        return -1;
      for (; n < 3; n++)
        frac *= 10;
    }
  }
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    sign = *p++ == '-' ? -1 : 1;
    if (digits(&p, 2, &oh) < 0)
      return -1;
    if (*p == ':')
      p++;
    if (digits(&p, 2, &om) < 0 || oh > 23 || om > 59)
      return -1;
  }
  if (*p != '\0' || h > 23 || mi > 59 || sec > 60)
    return -1;
  t += ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac;
  *ms = t - sign * ((int64_t)oh * 3600 + om * 60) * 1000;
  return 0;
}

int
inbox_time_arg(struct result *r, const json_t *args, const char *key,
               int end_of_day, int64_t *ms)
{
  const char *s = json_string_value(json_object_get(args, key));

  *ms = 0;
  if (s == NULL)
    return 0;
  if (inbox_parse_time(s, end_of_day, ms) < 0)
    return result_errorf(r, "invalid_argument",
                         "%s: \"%.60s\" is not an ISO-8601 date "
                         "(2026-11-05) or date-time (2026-11-05T14:30:00Z).",
                         key, s);
  return 0;
}

/* "3d 4h", "5h 12m", "7m", "12s" for a duration in milliseconds. */
static void
duration(int64_t ms, char *out, size_t len)
{
  int64_t s = ms < 0 ? 0 : ms / 1000;

  if (s >= 86400)
    snprintf(out, len, "%" PRId64 "d %" PRId64 "h", s / 86400,
             s % 86400 / 3600);
  else if (s >= 3600)
    snprintf(out, len, "%" PRId64 "h %" PRId64 "m", s / 3600,
             s % 3600 / 60);
  else if (s >= 60)
    snprintf(out, len, "%" PRId64 "m", s / 60);
  else
    snprintf(out, len, "%" PRId64 "s", s);
}

/* The "summary" of a window object {state, until_ms}. */
static void
window_summary(json_t *w)
{
  const char *st = json_string_value(json_object_get(w, "state"));
  json_t *u = json_object_get(w, "until_ms");
  char iso[INBOX_ISO_LEN], text[160];

  if (st == NULL || json_object_get(w, "summary") != NULL)
    return;
  inbox_iso(json_integer_value(u), iso, sizeof(iso));
  if (strcmp(st, "open") == 0 && u != NULL)
    snprintf(text, sizeof(text), "open until %s", iso);
  else if (strcmp(st, "human_agent") == 0 && u != NULL)
    snprintf(text, sizeof(text), "human_agent until %s (tag HUMAN_AGENT)",
             iso);
  else if (strcmp(st, "closed") == 0 && u != NULL)
    snprintf(text, sizeof(text), "closed since %s", iso);
  else
    snprintf(text, sizeof(text), "unknown: no message from them stored");
  json_object_set_new(w, "summary", json_string(text));
}

static void
decorate(json_t *v, const char *acct, const char *user)
{
  const char *k, *dir;
  json_t *x, *add;
  size_t i, n;

  if (json_is_array(v)) {
    json_array_foreach(v, i, x) decorate(x, acct, user);
    return;
  }
  if (!json_is_object(v))
    return;
  if (json_string_value(json_object_get(v, "user_id")) != NULL)
    user = json_string_value(json_object_get(v, "user_id"));
  add = json_object();
  json_object_foreach(v, k, x) {
    char key[64], text[INBOX_ISO_LEN];

    n = strlen(k);
    if (strcmp(k, "item") == 0)
      continue;
    if (json_is_object(x) || json_is_array(x)) {
      decorate(x, acct, user);
      if (strcmp(k, "window") == 0)
        window_summary(x);
    } else if (strcmp(k, "waiting_ms") == 0 && json_is_integer(x)) {
      duration(json_integer_value(x), text, sizeof(text));
      json_object_set_new(add, "waiting", json_string(text));
    } else if (n > 3 && n < sizeof(key) && strcmp(k + n - 3, "_ms") == 0 &&
               strcmp(k, "next_before_ms") != 0 && json_is_integer(x) &&
               json_integer_value(x) > 0) {
      snprintf(key, sizeof(key), "%.*s_at", (int)(n - 3), k);
      inbox_iso(json_integer_value(x), text, sizeof(text));
      json_object_set_new(add, key, json_string(text));
    }
  }
  dir = json_string_value(json_object_get(v, "direction"));
  if (dir != NULL && json_object_get(v, "from_id") == NULL) {
    const char *from = strcmp(dir, "out") == 0 ? acct : user;
    if (from != NULL)
      json_object_set_new(add, "from_id", json_string(from));
  }
  json_object_update(v, add);
  json_decref(add);
}

void
inbox_decorate(json_t *v, const char *acct)
{
  decorate(v, acct, NULL);
}

static int
all_digits(const char *s)
{
  if (*s == '\0')
    return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return 0;
  return 1;
}

/* How many inbox pages a username lookup reads at most. */
#define LOOKUP_PAGES 40
#define LOOKUP_PAGE 500

int
inbox_user_id(struct call *c, struct result *r, const char *acct,
              const char *user, char *out, size_t len)
{
  const char *name = user[0] == '@' ? user + 1 : user;
  char cursor[64] = "";
  struct err e = { 0 };

  if (all_digits(user)) {
    snprintf(out, len, "%s", user);
    return 0;
  }
  for (int page = 0; page < LOOKUP_PAGES; page++) {
    json_t *list = store_list_inbox(c->store, acct, call_now_ms(c),
                                    LOOKUP_PAGE, cursor[0] ? cursor : NULL,
                                    &e), *conv;
    const char *next;
    size_t i;

    if (list == NULL)
      return inbox_store_fail(r, &e);
    json_array_foreach(json_object_get(list, "conversations"), i, conv) {
      const char *u = json_string_value(json_object_get(conv, "username"));
      const char *id = json_string_value(json_object_get(conv, "user_id"));
      if (u != NULL && id != NULL && strcasecmp(u, name) == 0) {
        snprintf(out, len, "%s", id);
        json_decref(list);
        return 0;
      }
    }
    next = json_string_value(json_object_get(list, "next_cursor"));
    if (next == NULL || strlen(next) >= sizeof(cursor)) {
      json_decref(list);
      break;
    }
    snprintf(cursor, sizeof(cursor), "%s", next);
    json_decref(list);
  }
  return result_errorf(r, "not_found",
                       "No stored conversation is with @%.60s. Usernames are "
                       "known once the person wrote to the account (or after "
                       "a sync); pass their numeric IGSID as user, or find "
                       "them with ig_list_inbox.", name);
}

int
inbox_store_fail(struct result *r, const struct err *e)
{
  if (e->code == ERR_NOTFOUND)
    return result_errorf(r, "not_found",
                         "%s. Nothing of it is stored yet: the store knows "
                         "conversations from webhooks and sent messages; "
                         "ig_list_inbox lists the ones it has.", e->msg);
  if (e->code == ERR_INVALID)
    return result_errorf(r, "invalid_argument", "%s", e->msg);
  return result_errorf(r, "store_error", "The inbox store failed: %s",
                       e->msg);
}
