/* SPDX-License-Identifier: MIT */
/* crypto.c: HMAC, SHA-256, constant-time compare and random ids over
 * libcrypto. */
#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

static const char hexd[] = "0123456789abcdef";

static void
tohex(const unsigned char *in, size_t n, char *out)
{
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hexd[in[i] >> 4];
    out[2 * i + 1] = hexd[in[i] & 15];
  }
  out[2 * n] = '\0';
}

int
crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *msg,
                       size_t msglen, char out[65])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;

  if (HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, md, &mdlen) == NULL ||
      mdlen != 32)
    return -1;
  tohex(md, 32, out);
  return 0;
}

int
crypto_sha256_hex(const void *msg, size_t msglen, char out[65])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;

  if (EVP_Digest(msg, msglen, md, &mdlen, EVP_sha256(), NULL) != 1 ||
      mdlen != 32)
    return -1;
  tohex(md, 32, out);
  return 0;
}

int
crypto_memeq(const void *a, const void *b, size_t n)
{
  return CRYPTO_memcmp(a, b, n) == 0;
}

int
crypto_random_hex(char *out, size_t nbytes)
{
  unsigned char raw[64];

  if (nbytes > sizeof(raw) || RAND_bytes(raw, (int)nbytes) != 1)
    return -1;
  tohex(raw, nbytes, out);
  return 0;
}
