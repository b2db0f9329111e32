/*
 * user/lib/crypto/md5.h — MD5 (RFC 1321), for md5sum and HTTP Digest authentication
 * (RFC 7616). MD5 is broken for collision resistance; it is here for compatibility only.
 */
#ifndef KEEL_CRYPTO_MD5_H
#define KEEL_CRYPTO_MD5_H

#include <stddef.h>
#include <stdint.h>
#include "mdblock.h"

#define MD5_DIGEST 16

struct md5_ctx {
	uint32_t s[4];          /* A, B, C, D (RFC 1321 §3.3) */
	struct md_block b;      /* length, partial block */
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *p, size_t n);
void md5_final(struct md5_ctx *c, uint8_t out[MD5_DIGEST]);
void md5(const void *p, size_t n, uint8_t out[MD5_DIGEST]);

#endif
