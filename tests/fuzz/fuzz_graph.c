/* SPDX-License-Identifier: MIT */
/*
 * fuzz_graph.c: libFuzzer target for what igmcp does with Graph answers
 * before a tool sees them: the error envelope (graph_error_parse and its
 * explanation), the rate-limit headers (X-App-Usage and
 * X-Business-Use-Case-Usage), the media and comment normalizers, and the
 * cleaning of third-party text.  The input is tried as a JSON body (each
 * HTTP status class) and as a header value.  Properties: parsed errors
 * always carry a code and NUL-terminated texts, usage percentages are never
 * negative, normalized objects are JSON objects, and cleaned text is valid
 * UTF-8 that a second cleaning leaves unchanged.
 * Build: tests/fuzz/fuzz.cmake.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/untrusted.h"
#include "graph/graph.h"
#include "tools/media_norm.h"

#define CHECK(x)                                                            \
  do {                                                                      \
    if (!(x)) {                                                             \
      fprintf(stderr, "property failed: %s (line %d)\n", #x, __LINE__);     \
      __builtin_trap();                                                     \
    }                                                                       \
  } while (0)

static void
fuzz_error(const json_t *body)
{
  static const long statuses[] = { 200, 400, 403, 429, 500, 503 };
  char what[512], next[512];

  for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
    struct graph_error ge;
    json_t *j;

    memset(&ge, 0xA5, sizeof(ge));
    if (graph_error_parse(body, statuses[i], &ge) != 0)
      continue;
    CHECK(memchr(ge.message, '\0', sizeof(ge.message)) != NULL);
    CHECK(memchr(ge.type, '\0', sizeof(ge.type)) != NULL);
    CHECK(memchr(ge.fbtrace_id, '\0', sizeof(ge.fbtrace_id)) != NULL);
    (void)graph_error_retryable(&ge);
    (void)graph_error_is_throttle(&ge);
    graph_error_explain(&ge, what, sizeof(what), next, sizeof(next));
    CHECK(memchr(what, '\0', sizeof(what)) != NULL);
    j = graph_error_json(&ge);
    CHECK(json_is_object(j));
    json_decref(j);
  }
}

static void
fuzz_usage(const char *hdr)
{
  struct graph_usage u;
  json_t *j;

  memset(&u, 0, sizeof(u));
  (void)graph_usage_parse_app(hdr, &u);
  (void)graph_usage_parse_buc(hdr, &u);
  CHECK(graph_usage_max_pct(&u) >= 0);
  j = graph_usage_json(&u);
  CHECK(j == NULL || json_is_object(j));
  json_decref(j);
}

static void
fuzz_norm(json_t *body)
{
  json_t *m = mnorm_media(body), *c = mnorm_comment(body);
  json_t *out = json_object();
  char *a, *b;

  CHECK(m == NULL || json_is_object(m));
  CHECK(c == NULL || json_is_object(c));
  mnorm_cursors(out, json_object_get(body, "paging"));
  json_decref(m);
  json_decref(c);
  json_decref(out);
  (void)untrusted_clean_json(body);
  a = json_dumps(body, JSON_SORT_KEYS | JSON_ENCODE_ANY);
  CHECK(untrusted_clean_json(body) == 0);
  b = json_dumps(body, JSON_SORT_KEYS | JSON_ENCODE_ANY);
  CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
  free(a);
  free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  json_error_t je;
  json_t *body = json_loadb((const char *)data, size,
                            JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
  char *hdr = malloc(size + 1);

  CHECK(hdr != NULL);
  memcpy(hdr, data, size);
  hdr[size] = '\0';
  fuzz_usage(hdr);
  free(hdr);
  if (body == NULL)
    return 0;
  fuzz_error(body);
  fuzz_norm(body);
  json_decref(body);
  return 0;
}
