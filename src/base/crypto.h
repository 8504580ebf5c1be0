/* SPDX-License-Identifier: MIT */
/*
 * crypto.h: the only file that uses libcrypto.  HMAC-SHA256 in hex (for
 * appsecret_proof and webhook signatures), SHA-256 in hex (content keys),
 * constant-time comparison and random identifiers from the CSPRNG.
 */
#ifndef IGMCP_CRYPTO_H
#define IGMCP_CRYPTO_H

#include <stddef.h>

/* Writes 64 hex chars and a NUL into out. Returns 0, or -1 on failure. */
int crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *msg,
                           size_t msglen, char out[65]);
/* SHA-256 of msg as 64 lowercase hex chars and a NUL. Returns 0, or -1. */
int crypto_sha256_hex(const void *msg, size_t msglen, char out[65]);
/* Constant-time equality of two buffers of the same length; 1 when equal. */
int crypto_memeq(const void *a, const void *b, size_t n);
/* Fills out with 2*nbytes hex chars and a NUL. Returns 0, or -1. */
int crypto_random_hex(char *out, size_t nbytes);

#endif
