/* SPDX-License-Identifier: MIT */
/*
 * inbox_sync.c: the tool ig_sync_inbox (toolset "inbox"), the backfill of
 * the local inbox store from the Conversations API.  The work is done by
 * inbox_sync_run (inbox_sync_ops.c), which `igmcp sync` runs too.
 */
#include <string.h>

#include "base/clock.h"
#include "tools/inbox_sync_int.h"

static int
sync_inbox(struct call *c, const json_t *args, struct result *r)
{
  struct sync_opts o = { 0 };
  const json_t *max = json_object_get(args, "max_conversations");
  const char *since = json_string_value(json_object_get(args, "since"));

  o.full = json_is_true(json_object_get(args, "full"));
  o.restart = json_is_true(json_object_get(args, "restart"));
  o.max = json_is_integer(max) ? (long)json_integer_value(max) : 0;
  o.folder = json_string_value(json_object_get(args, "folder"));
  if (since != NULL) {
    int64_t t;
    if (clock_parse_time(since, &t) != 0)
      return result_errorf(r, "invalid_argument",
                           "since must be an ISO-8601 time "
                           "(2026-03-01T00:00:00+0000) or unix seconds.");
    o.since_ms = t * 1000;
  }
  return inbox_sync_run(c, r, &o);
}

#define COUNT(d) "{\"type\":\"integer\",\"description\":\"" d "\"}"

static const struct tool inbox_sync_tools[] = {
  {
    .name = "ig_sync_inbox",
    .title = "Sync the DM inbox into the local store",
    .description =
        "Pull DM conversations and their messages from Meta into the local "
        "inbox store, keeping history past Meta's 20-message limit. Cheap "
        "to re-run: only conversations whose updated_time changed are "
        "pulled. Resumable: stopped by max_conversations or a "
        "cancellation, it returns done=false and the next call continues. "
        "Sends progress.",
    .input_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"full\":{\"type\":\"boolean\",\"default\":false,\"description\":"
        "\"Pull every conversation and all its messages, ignoring what "
        "was synced before.\"},"
        "\"restart\":{\"type\":\"boolean\",\"default\":false,"
        "\"description\":\"Forget where an interrupted sync stopped and "
        "start from the newest conversation.\"},"
        "\"max_conversations\":{\"type\":\"integer\",\"minimum\":1,"
        "\"maximum\":100000,\"description\":\"Pull at most this many "
        "changed conversations in this call (the rest on the next "
        "call).\"},"
        "\"folder\":{\"type\":\"string\",\"enum\":[\"inbox\",\"other\","
        "\"spam\"],\"description\":\"Folder: inbox (default), other "
        "(message requests) or spam. Each folder keeps its own sync "
        "state.\"},"
        "\"since\":{\"type\":\"string\",\"maxLength\":40,\"description\":"
        "\"Only conversations updated at or after this time (ISO 8601, "
        "e.g. 2026-03-01T00:00:00+0000, or unix seconds).\"}},"
        "\"additionalProperties\":false}",
    .output_schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"account_id\":{\"type\":\"string\"},"
        "\"folder\":{\"type\":\"string\"},"
        "\"full\":{\"type\":\"boolean\"},"
        "\"conversations_seen\":" COUNT("Conversations listed and "
                                        "compared.") ","
        "\"conversations_updated\":" COUNT("Conversations pulled into the "
                                           "store.") ","
        "\"conversations_unchanged\":" COUNT("Listed but unchanged since "
                                             "the last sync.") ","
        "\"messages_new\":" COUNT("Messages stored for the first time.") ","
        "\"messages_refreshed\":" COUNT("Messages stored before, merged "
                                        "again.") ","
        "\"graph_requests\":" COUNT("HTTP requests to Meta.") ","
        "\"batches\":" COUNT("Of which batch requests (Facebook Login).") ","
        "\"pages\":" COUNT("Conversation list pages read.") ","
        "\"failed\":" COUNT("Conversations that could not be pulled.") ","
        "\"done\":{\"type\":\"boolean\",\"description\":\"false: stopped by "
        "max_conversations or cancellation; call again to continue.\"},"
        "\"cursor\":{\"type\":\"string\",\"description\":\"Where the next "
        "call resumes (kept in the store).\"},"
        "\"cancelled\":{\"type\":\"boolean\"},"
        "\"errors\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
        "\"properties\":{\"conversation_id\":{\"type\":\"string\"},"
        "\"code\":{\"type\":\"integer\"},\"message\":{\"type\":\"string\"}}}}"
        "},\"required\":[\"conversations_seen\",\"conversations_updated\","
        "\"messages_new\",\"graph_requests\",\"done\"]}",
    .hints = HINTS_READ,
    .run = sync_inbox,
  },
};

/* The inbox toolset may be split over adjacent structs of one name
 * (registry.c); this one holds the backfill. */
const struct toolset inbox_sync_toolset = {
  .name = "inbox",
  .description = "The local inbox store: backfill, history, search.",
  .tools = inbox_sync_tools,
  .ntools = sizeof(inbox_sync_tools) / sizeof(inbox_sync_tools[0]),
};
