/* SPDX-License-Identifier: MIT */
/*
 * audit.c: ig_audit_log, the log of write calls that registry_safety.c
 * keeps in the store (time, tool, target, outcome; never a token or a
 * text).  Part of the account toolset.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "store/store.h"
#include "tools/account.h"
#include "tools/tool.h"

static int
audit_log(struct call *c, const json_t *args, struct result *r)
{
  const char *since = json_string_value(json_object_get(args, "since"));
  const char *tool = json_string_value(json_object_get(args, "tool"));
  int limit = (int)json_integer_value(json_object_get(args, "limit"));
  char acct[64], iso[32];
  int64_t since_s = 0;
  struct err e = { 0 };
  json_t *list, *entry, *out;
  size_t i;

  if (c->store == NULL)
    return result_errorf(r, "not_configured",
                         "The audit log lives in the inbox store, and this "
                         "server runs without one (--db off). Restart "
                         "without --db off.");
  if (since != NULL && clock_parse_time(since, &since_s) != 0)
    return result_errorf(r, "invalid_argument",
                         "since: not a time; give ISO 8601 such as "
                         "2026-11-01T00:00:00Z, or a unix time.");
  if (account_store_id(c, r, acct, sizeof(acct)) != 0)
    return -1;
  list = store_audit_list(c->store, acct, tool, since_s * 1000,
                          limit > 0 ? limit : 50, &e);
  if (list == NULL)
    return result_errorf(r, "internal", "Reading the audit log failed: %s",
                         e.msg);
  out = json_pack("{s:[]}", "entries");
  json_array_foreach(json_object_get(list, "entries"), i, entry) {
    json_t *o = json_deep_copy(entry);
    clock_iso8601(json_integer_value(json_object_get(entry, "time_ms")) /
                    1000, iso);
    json_object_set_new(o, "time", json_string(iso));
    json_array_append_new(json_object_get(out, "entries"), o);
  }
  json_decref(list);
  return result_ok(r, out);
}

static const struct tool audit_tools[] = {
  {
    .name = "ig_audit_log",
    .title = "Read the log of write calls",
    .description =
        "List the write calls made through this server, newest first: "
        "time, tool, target, outcome (ok, error, refused, replayed, "
        "dry_run) and the error kind or the id Meta returned. Texts and "
        "tokens are never logged. Check it before acting again.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"since\":{\"type\":\"string\",\"description\":\"ISO 8601 time; "
        "only calls at or after it\"},"
        "\"tool\":{\"type\":\"string\",\"pattern\":\"^ig_[a-z_]{1,60}$\","
        "\"description\":\"only this tool's calls\"},"
        "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":200,"
        "\"default\":50}},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{\"entries\":{\"type\":"
        "\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
        "\"time\":{\"type\":\"string\"},\"time_ms\":{\"type\":\"integer\"},"
        "\"tool\":{\"type\":\"string\"},\"target\":{\"type\":\"string\"},"
        "\"outcome\":{\"type\":\"string\"},\"detail\":{\"type\":\"string\"}},"
        "\"required\":[\"time\",\"tool\",\"outcome\"]}}},"
        "\"required\":[\"entries\"]}",
    .hints = HINTS_READ & ~HINT_OPEN_WORLD,
    .run = audit_log,
  },
};

const struct toolset audit_toolset = {
  .name = "account",
  .description = "Account: profile, linked Pages, business discovery, "
                 "tokens, app.",
  .tools = audit_tools,
  .ntools = sizeof(audit_tools) / sizeof(audit_tools[0]),
};
