/*
 * user/fpu/sha256.h — SHA-256 (FIPS 180-4) for fpubench: an AVX2 version hashing eight
 * equal-length messages at once (one per 32-bit lane). The scalar side is lib/crypto's C engine
 * (sha256_with(SHA256_C, ...)), which uses general registers only.
 */
#ifndef USER_SHA256_H
#define USER_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include "crypto/sha256.h"

void sha256_x8_avx2(const uint8_t *const msgs[8], size_t len, uint8_t out[8][32]);

#endif
