/* SPDX-License-Identifier: MIT */
/*
 * test_crypto.c: src/base/crypto.c against published vectors: SHA-256
 * (FIPS 180-2 "abc", the empty message, the 448-bit message) and
 * HMAC-SHA256 (RFC 4231 cases 1, 2 and 6, the last with a key longer than
 * the block), plus constant-time equality and random hex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/crypto.h"

static void
test_sha256(void **state)
{
  char out[65];

  (void)state;
  assert_int_equal(crypto_sha256_hex("abc", 3, out), 0);
  assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223"
                           "b00361a396177a9cb410ff61f20015ad");
  assert_int_equal(crypto_sha256_hex("", 0, out), 0);
  assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb924"
                           "27ae41e4649b934ca495991b7852b855");
  assert_int_equal(
      crypto_sha256_hex(
          "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
          out),
      0);
  assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039"
                           "a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_hmac_rfc4231(void **state)
{
  unsigned char key1[20], key6[131];
  char out[65];

  (void)state;
  memset(key1, 0x0b, sizeof(key1));
  assert_int_equal(
      crypto_hmac_sha256_hex(key1, sizeof(key1), "Hi There", 8, out), 0);
  assert_string_equal(out, "b0344c61d8db38535ca8afceaf0bf12b"
                           "881dc200c9833da726e9376c2e32cff7");
  assert_int_equal(crypto_hmac_sha256_hex("Jefe", 4,
                                          "what do ya want for nothing?", 28,
                                          out),
                   0);
  assert_string_equal(out, "5bdcc146bf60754e6a042426089575c7"
                           "5a003f089d2739839dec58b964ec3843");
  memset(key6, 0xaa, sizeof(key6));
  assert_int_equal(
      crypto_hmac_sha256_hex(
          key6, sizeof(key6),
          "Test Using Larger Than Block-Size Key - Hash Key First", 54, out),
      0);
  assert_string_equal(out, "60e431591ee0b67f0d8a26aacbf5b77f"
                           "8e0bc6213728c5140546040f0ee37f54");
}

static void
test_memeq_random(void **state)
{
  char a[65], b[65];

  (void)state;
  assert_true(crypto_memeq("abcd", "abcd", 4));
  assert_false(crypto_memeq("abcd", "abce", 4));
  assert_true(crypto_memeq("x", "y", 0));
  assert_int_equal(crypto_random_hex(a, 32), 0);
  assert_int_equal(crypto_random_hex(b, 32), 0);
  assert_int_equal(strlen(a), 64);
  assert_int_equal(strspn(a, "0123456789abcdef"), 64);
  assert_string_not_equal(a, b);
  /* More than the internal 64 bytes is refused, not truncated. */
  assert_int_equal(crypto_random_hex(a, 65), -1);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sha256),
    cmocka_unit_test(test_hmac_rfc4231),
    cmocka_unit_test(test_memeq_random),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
