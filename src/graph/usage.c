/* SPDX-License-Identifier: MIT */
/*
 * usage.c: Meta's rate-limit headers.  X-App-Usage holds app-level
 * percentages (graph.facebook.com names them call_count, total_time and
 * total_cputime; graph.instagram.com sends call_volume and cpu_time).
 * X-Business-Use-Case-Usage maps business object ids to arrays of usage
 * entries; we keep the busiest one.  The headers come from the network, so
 * every value is checked and clamped; bad input yields -1, never a crash.
 * struct graph_usage owns nothing; graph_usage_json returns a new object
 * that the caller owns.
 */
#include "graph.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Reads a non-negative percentage or minute count.  Returns 1 and sets *out
 * (clamped to INT_MAX) when key holds a number, 0 otherwise. */
static int
read_num(const json_t *o, const char *key, int *out)
{
  const json_t *v = json_object_get(o, key);
  double d;

  if (json_is_integer(v)) {
    json_int_t n = json_integer_value(v);
    *out = n < 0 ? 0 : n > INT_MAX ? INT_MAX : (int)n;
    return 1;
  }
  if (json_is_real(v)) {
    d = json_real_value(v);
    *out = !(d > 0) ? 0 : d >= (double)INT_MAX ? INT_MAX : (int)d;
    return 1;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || *end != '\0')
      return 0;
    *out = n < 0 ? 0 : n > INT_MAX ? INT_MAX : (int)n;
    return 1;
  }
  return 0;
}

/* Copies s into dst (size n) keeping printable ASCII only, so the result is
 * always valid UTF-8 and safe to show. */
static void
copy_ascii(char *dst, size_t n, const char *s)
{
  size_t i;

  for (i = 0; i + 1 < n && s[i] != '\0'; i++)
    dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
  dst[i] = '\0';
}

static void
clear_app(struct graph_usage *u)
{
  u->has_app = 0;
  u->app_call_count = u->app_total_time = u->app_total_cputime = 0;
}

static void
clear_buc(struct graph_usage *u)
{
  u->has_buc = 0;
  memset(u->buc_id, 0, sizeof(u->buc_id));
  memset(u->buc_type, 0, sizeof(u->buc_type));
  u->buc_call_count = u->buc_total_time = u->buc_total_cputime = 0;
  u->buc_regain_minutes = 0;
}

int
graph_usage_parse_app(const char *header, struct graph_usage *u)
{
  json_t *root = NULL;
  int found = 0, rc = -1;

  clear_app(u);
  if (header == NULL)
    goto out;
  root = json_loads(header, 0, NULL);
  if (!json_is_object(root))
    goto out;
  found |= read_num(root, "call_count", &u->app_call_count);
  found |= read_num(root, "call_volume", &u->app_call_count);
  found |= read_num(root, "total_time", &u->app_total_time);
  found |= read_num(root, "total_cputime", &u->app_total_cputime);
  found |= read_num(root, "cpu_time", &u->app_total_cputime);
  if (!found) {
    clear_app(u);
    goto out;
  }
  u->has_app = 1;
  rc = 0;
out:
  json_decref(root);
  return rc;
}

/* The highest of an entry's three percentages. */
static int
entry_pct(int a, int b, int c)
{
  int m = a > b ? a : b;
  return m > c ? m : c;
}

int
graph_usage_parse_buc(const char *header, struct graph_usage *u)
{
  json_t *root = NULL;
  const char *id;
  json_t *arr;
  int best_pct = -1, best_regain = -1, rc = -1;

  clear_buc(u);
  if (header == NULL)
    goto out;
  root = json_loads(header, 0, NULL);
  if (!json_is_object(root))
    goto out;
  json_object_foreach(root, id, arr) {
    size_t i;
    json_t *ent;
    if (!json_is_array(arr))
      continue;
    json_array_foreach(arr, i, ent) {
      int cc = 0, tt = 0, tc = 0, regain = 0, found = 0, pct;
      const json_t *type;
      if (!json_is_object(ent))
        continue;
      found |= read_num(ent, "call_count", &cc);
      found |= read_num(ent, "total_time", &tt);
      found |= read_num(ent, "total_cputime", &tc);
      found |= read_num(ent, "estimated_time_to_regain_access", &regain);
      if (!found)
        continue;
      pct = entry_pct(cc, tt, tc);
      if (pct < best_pct || (pct == best_pct && regain <= best_regain))
        continue;
      best_pct = pct;
      best_regain = regain;
      copy_ascii(u->buc_id, sizeof(u->buc_id), id);
      type = json_object_get(ent, "type");
      copy_ascii(u->buc_type, sizeof(u->buc_type),
                 json_is_string(type) ? json_string_value(type) : "");
      u->buc_call_count = cc;
      u->buc_total_time = tt;
      u->buc_total_cputime = tc;
      u->buc_regain_minutes = regain;
    }
  }
  if (best_pct < 0) {
    clear_buc(u);
    goto out;
  }
  u->has_buc = 1;
  rc = 0;
out:
  json_decref(root);
  return rc;
}

int
graph_usage_max_pct(const struct graph_usage *u)
{
  int m = 0, p;

  if (u->has_app) {
    p = entry_pct(u->app_call_count, u->app_total_time, u->app_total_cputime);
    if (p > m)
      m = p;
  }
  if (u->has_buc) {
    p = entry_pct(u->buc_call_count, u->buc_total_time, u->buc_total_cputime);
    if (p > m)
      m = p;
  }
  return m;
}

json_t *
graph_usage_json(const struct graph_usage *u)
{
  json_t *o, *part;

  if (!u->has_app && !u->has_buc)
    return NULL;
  o = json_object();
  if (u->has_app) {
    part = json_object();
    json_object_set_new(part, "call_count", json_integer(u->app_call_count));
    json_object_set_new(part, "total_time", json_integer(u->app_total_time));
    json_object_set_new(part, "total_cputime",
                        json_integer(u->app_total_cputime));
    json_object_set_new(o, "app", part);
  }
  if (u->has_buc) {
    part = json_object();
    json_object_set_new(part, "id", json_string(u->buc_id));
    json_object_set_new(part, "type", json_string(u->buc_type));
    json_object_set_new(part, "call_count", json_integer(u->buc_call_count));
    json_object_set_new(part, "total_time", json_integer(u->buc_total_time));
    json_object_set_new(part, "total_cputime",
                        json_integer(u->buc_total_cputime));
    json_object_set_new(part, "estimated_time_to_regain_access_minutes",
                        json_integer(u->buc_regain_minutes));
    json_object_set_new(o, "business_use_case", part);
  }
  return o;
}
