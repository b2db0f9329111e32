/*
 * user/fpu/sha256.h — SHA-256 (FIPS 180-4) for fpubench: a scalar one-message version and an
 * AVX2 version hashing eight equal-length messages at once (one per 32-bit lane).
 */
#ifndef USER_SHA256_H
#define USER_SHA256_H

#include <stddef.h>
#include <stdint.h>

extern const uint32_t sha256_k[64];
void sha256(const void *msg, size_t len, uint8_t out[32]);
void sha256_x8_avx2(const uint8_t *const msgs[8], size_t len, uint8_t out[8][32]);

#endif
