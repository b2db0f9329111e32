/*
 * user/lib/crypto/hmac.h — HMAC-SHA-256 (RFC 2104, with SHA-256 as H: B = 64, L = 32), on
 * whichever SHA-256 engine the process uses.
 */
#ifndef KEEL_CRYPTO_HMAC_H
#define KEEL_CRYPTO_HMAC_H

#include "sha256.h"

struct hmac_sha256_ctx {
	struct sha256_ctx inner;        /* H(K ^ ipad || text...) */
	uint8_t opad_key[SHA256_BLOCK]; /* K ^ opad, for the outer hash */
};

void hmac_sha256_init(struct hmac_sha256_ctx *c, const void *key, size_t keylen);
void hmac_sha256_update(struct hmac_sha256_ctx *c, const void *p, size_t n);
void hmac_sha256_final(struct hmac_sha256_ctx *c, uint8_t out[SHA256_DIGEST]);
void hmac_sha256(const void *key, size_t keylen, const void *p, size_t n,
		 uint8_t out[SHA256_DIGEST]);

#endif
