/* SPDX-License-Identifier: MIT */
/*
 * webhook.c: the two checks that guard the webhook endpoint.  The GET
 * handshake proves to Meta that we own the callback URL; the signature on
 * each POST proves to us that Meta sent the body.  Both compare secrets in
 * constant time so a caller cannot learn them byte by byte from timing.
 */
#include "webhook.h"

#include <string.h>
#include <strings.h>

#include "base/crypto.h"

/*
 * Whether the challenge is safe to echo as a response body: bounded, and
 * made of visible ASCII without the characters that would let a page
 * sniffed as HTML run script.  Meta sends digits; the dashboard's test
 * tools and other senders use short tokens, so we do not insist on digits.
 */
static int
challenge_safe(const char *c)
{
  size_t n = 0;

  for (; c[n] != '\0'; n++) {
    unsigned char ch = (unsigned char)c[n];

    if (n >= WEBHOOK_MAX_CHALLENGE || ch <= 0x20 || ch >= 0x7f ||
        strchr("<>&\"'`\\", ch) != NULL)
      return 0;
  }
  return n > 0;
}

/*
 * Constant-time comparison of a presented token with the expected one.  A
 * length mismatch still spends one comparison over the expected token so
 * the time depends only on its length, which is not secret.
 */
static int
token_eq(const char *given, const char *expected)
{
  size_t gl = strlen(given), el = strlen(expected);

  if (gl != el) {
    (void)crypto_memeq(expected, expected, el);
    return 0;
  }
  return crypto_memeq(given, expected, el);
}

int
webhook_verify(const char *mode, const char *verify_token,
               const char *challenge, const char *expected_token,
               const char **out_challenge)
{
  *out_challenge = NULL;
  if (mode == NULL || verify_token == NULL || challenge == NULL)
    return 400;
  if (strcmp(mode, "subscribe") != 0)
    return 400;
  /* With no token configured nobody can subscribe: an empty expected
   * token would otherwise accept an empty hub.verify_token. */
  if (expected_token == NULL || expected_token[0] == '\0' ||
      !token_eq(verify_token, expected_token))
    return 403;
  if (!challenge_safe(challenge))
    return 400;
  *out_challenge = challenge;
  return 200;
}

/* Lowercases 64 hex digits into out; -1 if any is not a hex digit. */
static int
hex_lower(const char *in, char out[65])
{
  for (size_t i = 0; i < 64; i++) {
    char c = in[i];

    if (c >= '0' && c <= '9')
      out[i] = c;
    else if (c >= 'a' && c <= 'f')
      out[i] = c;
    else if (c >= 'A' && c <= 'F')
      out[i] = (char)(c - 'A' + 'a');
    else
      return -1;
  }
  out[64] = '\0';
  return 0;
}

int
webhook_signature_ok(const char *header, const void *body, size_t len,
                     const char *app_secret, size_t secretlen)
{
  char given[65], want[65];
  int ok;

  if (header == NULL || app_secret == NULL || secretlen == 0)
    return 0;
  /* Meta writes "sha256=" in lowercase; the algorithm name is not case
   * sensitive anywhere else, so neither is it here. */
  if (strncasecmp(header, "sha256=", 7) != 0)
    return 0;
  header += 7;
  if (strlen(header) != 64 || hex_lower(header, given) != 0)
    return 0;
  if (crypto_hmac_sha256_hex(app_secret, secretlen, body != NULL ? body : "",
                             len, want) != 0)
    return 0;
  ok = crypto_memeq(given, want, 64);
  /* The expected signature is a secret-derived value: do not leave it on
   * the stack longer than needed. */
  explicit_bzero(want, sizeof(want));
  return ok;
}
