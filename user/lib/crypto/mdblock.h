/*
 * user/lib/crypto/mdblock.h — what MD5 and SHA-256 share (both Merkle-Damgard over 64-byte
 * blocks): the partial block kept between updates, whole blocks handed to the hash's
 * compression function, and the padding of RFC 1321 §3.1-3.2 and FIPS 180-4 §5.1.1 (a 1 bit,
 * zeros to 56 mod 64 bytes, the message length in bits as 8 bytes: little-endian for MD5,
 * big-endian for SHA-256).
 */
#ifndef KEEL_CRYPTO_MDBLOCK_H
#define KEEL_CRYPTO_MDBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MD_BLOCK 64

struct md_block {
	uint64_t len;           /* bytes hashed so far */
	uint8_t buf[MD_BLOCK];  /* the partial block: fill < MD_BLOCK bytes */
	size_t fill;
};

/* Compresses n >= 1 consecutive blocks into the hash state behind ctx. */
typedef void md_compress_fn(void *ctx, const uint8_t *blocks, size_t n);

void md_block_init(struct md_block *b);
/* Feeds n bytes: whole blocks straight from p, the rest through b->buf. */
void md_block_update(struct md_block *b, md_compress_fn *fn, void *ctx, const void *p, size_t n);
/* Appends the padding and the bit length; afterwards b->fill == 0. */
void md_block_pad(struct md_block *b, md_compress_fn *fn, void *ctx, bool big_endian);

#endif
