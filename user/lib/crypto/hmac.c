/*
 * user/lib/crypto/hmac.c — HMAC (RFC 2104 §2): H(K ^ opad || H(K ^ ipad || text)), where K is
 * the key zero-padded to the block size B = 64, or H(key) first when the key is longer.
 */
#include <string.h>
#include "hmac.h"

void hmac_sha256_init(struct hmac_sha256_ctx *c, const void *key, size_t keylen)
{
	uint8_t k[SHA256_BLOCK] = { 0 }, ipad[SHA256_BLOCK];

	if (keylen > SHA256_BLOCK)
		sha256(key, keylen, k);
	else
		memcpy(k, key, keylen);
	for (int i = 0; i < SHA256_BLOCK; i++) {
		ipad[i] = k[i] ^ 0x36;
		c->opad_key[i] = k[i] ^ 0x5c;
	}
	sha256_init(&c->inner);
	sha256_update(&c->inner, ipad, sizeof(ipad));
	memset(k, 0, sizeof(k));
	memset(ipad, 0, sizeof(ipad));
}

void hmac_sha256_update(struct hmac_sha256_ctx *c, const void *p, size_t n)
{
	sha256_update(&c->inner, p, n);
}

void hmac_sha256_final(struct hmac_sha256_ctx *c, uint8_t out[SHA256_DIGEST])
{
	uint8_t ih[SHA256_DIGEST];
	struct sha256_ctx outer;

	sha256_final(&c->inner, ih);
	sha256_init(&outer);
	sha256_update(&outer, c->opad_key, sizeof(c->opad_key));
	sha256_update(&outer, ih, sizeof(ih));
	sha256_final(&outer, out);
	memset(c, 0, sizeof(*c));
}

void hmac_sha256(const void *key, size_t keylen, const void *p, size_t n,
		 uint8_t out[SHA256_DIGEST])
{
	struct hmac_sha256_ctx c;

	hmac_sha256_init(&c, key, keylen);
	hmac_sha256_update(&c, p, n);
	hmac_sha256_final(&c, out);
}
