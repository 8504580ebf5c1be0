/* SPDX-License-Identifier: MIT */
/*
 * fuzz_webhook.c: libFuzzer target for src/webhook/.  The input is a
 * webhook body; its first line, when short, is also tried as an
 * X-Hub-Signature-256 header and as handshake parameters.  Beyond "no
 * crash, no leak, no UB" it checks properties that must hold for any
 * input: parsing is deterministic (same events, same keys), every event
 * has the five common fields with a kind-prefixed key, a body signed with
 * the secret is accepted and one flipped hex digit is refused.
 * Build: tests/fuzz/fuzz.cmake.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/crypto.h"
#include "webhook/webhook.h"

#define SECRET "fuzz-app-secret"

#define CHECK(x)                                                            \
  do {                                                                      \
    if (!(x)) {                                                             \
      fprintf(stderr, "property failed: %s (line %d)\n", #x, __LINE__);     \
      __builtin_trap();                                                     \
    }                                                                       \
  } while (0)

/* Every event carries the common fields, and its key starts with a kind's
 * prefix ("message:" for echoes, "reaction:" for unreactions). */
static void
check_events(const json_t *evs)
{
  size_t i;
  const json_t *ev;

  CHECK(json_is_array(evs));
  json_array_foreach(evs, i, ev) {
    const char *kind = json_string_value(json_object_get(ev, "kind"));
    const char *key = json_string_value(json_object_get(ev, "key"));

    CHECK(kind != NULL && key != NULL);
    CHECK(json_is_string(json_object_get(ev, "account_id")));
    CHECK(json_is_integer(json_object_get(ev, "time_ms")));
    CHECK(json_is_object(json_object_get(ev, "item")));
    CHECK(strchr(key, ':') != NULL);
    if (strcmp(kind, "echo") == 0)
      CHECK(strncmp(key, "message:", 8) == 0);
    else if (strcmp(kind, "unreaction") == 0)
      CHECK(strncmp(key, "reaction:", 9) == 0);
    else
      CHECK(strncmp(key, kind, strlen(kind)) == 0 &&
            key[strlen(kind)] == ':');
  }
}

static void
fuzz_parse(const uint8_t *data, size_t size)
{
  struct err e = { 0 };
  json_t *a = webhook_parse((const char *)data, size, &e);
  json_t *b;

  if (a == NULL) {
    CHECK(e.code == ERR_INVALID && e.msg[0] != '\0');
    return;
  }
  check_events(a);
  b = webhook_parse((const char *)data, size, &e);
  CHECK(b != NULL && json_equal(a, b));
  json_decref(a);
  json_decref(b);
}

static void
fuzz_signature(const uint8_t *data, size_t size)
{
  char hdr[128], good[7 + 65];
  const uint8_t *nl = memchr(data, '\n', size < 100 ? size : 100);
  const char *out;

  /* The first line as a header (and a handshake) against the rest. */
  if (nl != NULL) {
    size_t n = (size_t)(nl - data);

    memcpy(hdr, data, n);
    hdr[n] = '\0';
    (void)webhook_signature_ok(hdr, nl + 1, size - n - 1, SECRET,
                               strlen(SECRET));
    if (webhook_verify("subscribe", hdr, hdr, "token", &out) == 200)
      CHECK(out == hdr && strcmp(hdr, "token") == 0);
  }
  /* The true signature is accepted; a flipped digit, a shorter header
   * and a wrong secret are not. */
  memcpy(good, "sha256=", 7);
  CHECK(crypto_hmac_sha256_hex(SECRET, strlen(SECRET), data, size,
                               good + 7) == 0);
  CHECK(webhook_signature_ok(good, data, size, SECRET, strlen(SECRET)));
  CHECK(!webhook_signature_ok(good, data, size, SECRET, strlen(SECRET) - 1));
  good[7 + (size % 64)] = good[7 + (size % 64)] == '0' ? '1' : '0';
  CHECK(!webhook_signature_ok(good, data, size, SECRET, strlen(SECRET)));
  good[7 + 63] = '\0';
  CHECK(!webhook_signature_ok(good, data, size, SECRET, strlen(SECRET)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_parse(data, size);
  fuzz_signature(data, size);
  return 0;
}
