/*
 * user/lib/crypto/md5.c — MD5 as RFC 1321 §3 describes it: 64-byte blocks of sixteen
 * little-endian words, four rounds of sixteen operations, the padding of SHA-256's shape but
 * with a little-endian bit length. Section numbers below are RFC 1321's.
 */
#include <string.h>
#include "md5.h"

/* §3.4: T[i] = floor(2^32 * |sin(i + 1)|). */
static const uint32_t md5_t[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391,
};

/* §3.4: the left-rotation amounts, four per round. */
static const uint8_t md5_r[4][4] = { { 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 },
				     { 6, 10, 15, 21 } };

#define ROTL(x, n) ((x) << (n) | (x) >> (32 - (n)))

/* §3.4, one block: operation i of round i/16 uses F, G, H or I and message word k(i). */
static void md5_block(uint32_t s[4], const uint8_t *p)
{
	uint32_t x[16], a = s[0], b = s[1], c = s[2], d = s[3];

	for (int i = 0; i < 16; i++)
		x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		       (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	for (int i = 0; i < 64; i++) {
		uint32_t f;
		int k;

		switch (i / 16) {
		case 0: f = (b & c) | (~b & d); k = i; break;                 /* F */
		case 1: f = (b & d) | (c & ~d); k = (1 + 5 * i) % 16; break;  /* G */
		case 2: f = b ^ c ^ d; k = (5 + 3 * i) % 16; break;           /* H */
		default: f = c ^ (b | ~d); k = (7 * i) % 16; break;           /* I */
		}
		f += a + md5_t[i] + x[k];
		a = d; d = c; c = b;
		b += ROTL(f, md5_r[i / 16][i % 4]);
	}
	s[0] += a; s[1] += b; s[2] += c; s[3] += d;
}

void md5_init(struct md5_ctx *c)
{
	static const uint32_t iv[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 }; /* §3.3 */

	memcpy(c->s, iv, sizeof(iv));
	md_block_init(&c->b);
}

static void md5_compress(void *ctx, const uint8_t *blocks, size_t n)
{
	struct md5_ctx *c = ctx;

	for (size_t i = 0; i < n; i++)
		md5_block(c->s, blocks + MD_BLOCK * i);
}

void md5_update(struct md5_ctx *c, const void *data, size_t n)
{
	md_block_update(&c->b, md5_compress, c, data, n);
}

/* §3.1-3.2: the padding, with the bit length little-endian. */
void md5_final(struct md5_ctx *c, uint8_t out[MD5_DIGEST])
{
	md_block_pad(&c->b, md5_compress, c, false);
	for (int i = 0; i < 16; i++)
		out[i] = (uint8_t)(c->s[i / 4] >> (8 * (i % 4)));
	memset(c, 0, sizeof(*c));
}

void md5(const void *p, size_t n, uint8_t out[MD5_DIGEST])
{
	struct md5_ctx c;

	md5_init(&c);
	md5_update(&c, p, n);
	md5_final(&c, out);
}
