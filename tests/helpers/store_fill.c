/* SPDX-License-Identifier: MIT */
/*
 * store_fill: puts conversations into an inbox store file, for end-to-end
 * tests that need a store with data before igmcp starts.
 *
 *   store_fill DB ACCOUNT_ID < conversations.json
 *
 * stdin: [{"user_id", "graph_id"?, "inbound_ms"?, "messages": [...]}],
 * where messages is a Graph backfill page (store_put_messages) and
 * inbound_ms, when given, is recorded as the user's last inbound activity
 * (store_window_touch).  Exits 0, or 1 with the reason on stderr.
 */
#include <stdio.h>

#include <jansson.h>

#include "base/err.h"
#include "store/store.h"

int
main(int argc, char **argv)
{
  struct err e = { 0 };
  json_error_t je;
  json_t *all, *c;
  struct store *s;
  size_t i;
  int rc = 0;

  if (argc != 3) {
    fprintf(stderr, "usage: store_fill DB ACCOUNT_ID < conversations.json\n");
    return 2;
  }
  all = json_loadf(stdin, 0, &je);
  if (!json_is_array(all)) {
    fprintf(stderr, "store_fill: stdin: %s\n", je.text);
    json_decref(all);
    return 1;
  }
  s = store_open(argv[1], &e);
  if (s == NULL) {
    fprintf(stderr, "store_fill: %s\n", e.msg);
    json_decref(all);
    return 1;
  }
  json_array_foreach(all, i, c) {
    const char *user = json_string_value(json_object_get(c, "user_id"));
    json_int_t in = json_integer_value(json_object_get(c, "inbound_ms"));

    if (store_put_messages(s, argv[2],
                           json_string_value(json_object_get(c, "graph_id")),
                           user, 0, json_object_get(c, "messages"), NULL,
                           &e) != 0 ||
        (in > 0 && store_window_touch(s, argv[2], user, in, &e) != 0)) {
      fprintf(stderr, "store_fill: conversation %zu: %s\n", i, e.msg);
      rc = 1;
      break;
    }
  }
  store_close(s);
  json_decref(all);
  return rc;
}
