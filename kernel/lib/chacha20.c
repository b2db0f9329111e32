/*
 * lib/chacha20.c — the ChaCha20 block function (RFC 8439) and a fast-key-erasure generator.
 *
 * Pure code, no locks and no hardware: lib/random.c wraps it with a lock and seeding, and the
 * host unit tests check the block function against RFC 8439's test vectors.
 *
 * The generator (crng_generate) follows Bernstein's "fast-key-erasure" construction: every call
 * runs ChaCha20 under the current key, immediately replaces the key with the first 32 bytes of
 * the keystream and hands out only what follows. Output already given away can therefore not
 * be reconstructed from a later state (backtracking resistance), and the key never encrypts
 * more than one request's worth of blocks.
 */
#include <keel/random.h>
#include <keel/string.h>

static inline uint32_t rotl32(uint32_t v, unsigned n)
{
	return (v << n) | (v >> (32 - n));
}

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#define QUARTER(a, b, c, d) do { \
	a += b; d ^= a; d = rotl32(d, 16); \
	c += d; b ^= c; b = rotl32(b, 12); \
	a += b; d ^= a; d = rotl32(d, 8); \
	c += d; b ^= c; b = rotl32(b, 7); \
} while (0)

void chacha20_block(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
		    const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t out[CHACHA20_BLOCK_SIZE])
{
	/* "expand 32-byte k", little-endian words. */
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	uint32_t x[16];

	for (int i = 0; i < 8; i++)
		in[4 + i] = load_le32(key + 4 * i);
	in[12] = counter;
	for (int i = 0; i < 3; i++)
		in[13 + i] = load_le32(nonce + 4 * i);
	memcpy(x, in, sizeof(x));
	for (int round = 0; round < 10; round++) {	/* 20 rounds: column + diagonal */
		QUARTER(x[0], x[4], x[8], x[12]);
		QUARTER(x[1], x[5], x[9], x[13]);
		QUARTER(x[2], x[6], x[10], x[14]);
		QUARTER(x[3], x[7], x[11], x[15]);
		QUARTER(x[0], x[5], x[10], x[15]);
		QUARTER(x[1], x[6], x[11], x[12]);
		QUARTER(x[2], x[7], x[8], x[13]);
		QUARTER(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		store_le32(out + 4 * i, x[i] + in[i]);
	memset(x, 0, sizeof(x));
	memset(in, 0, sizeof(in));
}

void crng_seed(struct crng *c, const void *material, size_t n)
{
	const uint8_t *m = material;
	uint8_t block[CHACHA20_BLOCK_SIZE];

	/* Fold the material into the key 32 bytes at a time, then mix with one block so that
	 * every key bit depends on every material bit. */
	while (n) {
		size_t k = MIN(n, (size_t)CHACHA20_KEY_SIZE);

		for (size_t i = 0; i < k; i++)
			c->key[i] ^= m[i];
		chacha20_block(c->key, 0, c->nonce, block);
		memcpy(c->key, block, CHACHA20_KEY_SIZE);
		m += k;
		n -= k;
	}
	memset(block, 0, sizeof(block));
	c->generated = 0;
}

void crng_generate(struct crng *c, void *out, size_t n)
{
	uint8_t key[CHACHA20_KEY_SIZE], block[CHACHA20_BLOCK_SIZE], *o = out;
	uint32_t counter = 0;

	/* The whole request is keystream of the old key: its block 0 begins with the next key,
	 * which is stored at once, and everything after those 32 bytes is output. */
	memcpy(key, c->key, sizeof(key));
	chacha20_block(key, counter++, c->nonce, block);
	memcpy(c->key, block, CHACHA20_KEY_SIZE);
	for (size_t off = CHACHA20_KEY_SIZE; n; off = 0) {
		size_t k = MIN(n, CHACHA20_BLOCK_SIZE - off);

		memcpy(o, block + off, k);
		o += k;
		n -= k;
		c->generated += k;
		if (n)
			chacha20_block(key, counter++, c->nonce, block);
	}
	memset(key, 0, sizeof(key));
	memset(block, 0, sizeof(block));
}
