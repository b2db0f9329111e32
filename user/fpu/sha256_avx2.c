/*
 * user/fpu/sha256_avx2.c — SHA-256 of eight equal-length messages at once with AVX2: lane j
 * of every 256-bit register carries message j's word, so one pass of the 64 rounds advances
 * all eight. Compiled with -mavx2; only called when the CPU and kernel run AVX2.
 */
#include <immintrin.h>
#include <string.h>
#include "sha256.h"

#define ROR(x, n) _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - (n)))
#define ADD(a, b) _mm256_add_epi32(a, b)
#define XOR(a, b) _mm256_xor_si256(a, b)

/* Message j's 64-byte block b (padding included) is blk(j, b). */
static void rounds(__m256i h[8], const uint8_t *const blk[8])
{
	const __m256i bswap = _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13,
					       12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15,
					       14, 13, 12);
	__m256i w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
		k = h[7];

	for (int t = 0; t < 16; t++) {
		__m256i v = _mm256_setr_epi32(
			*(const int *)(blk[0] + 4 * t), *(const int *)(blk[1] + 4 * t),
			*(const int *)(blk[2] + 4 * t), *(const int *)(blk[3] + 4 * t),
			*(const int *)(blk[4] + 4 * t), *(const int *)(blk[5] + 4 * t),
			*(const int *)(blk[6] + 4 * t), *(const int *)(blk[7] + 4 * t));

		w[t] = _mm256_shuffle_epi8(v, bswap);
	}
	for (int t = 16; t < 64; t++) {
		__m256i s0 = XOR(XOR(ROR(w[t - 15], 7), ROR(w[t - 15], 18)),
				 _mm256_srli_epi32(w[t - 15], 3));
		__m256i s1 = XOR(XOR(ROR(w[t - 2], 17), ROR(w[t - 2], 19)),
				 _mm256_srli_epi32(w[t - 2], 10));

		w[t] = ADD(ADD(w[t - 16], s0), ADD(w[t - 7], s1));
	}
	for (int t = 0; t < 64; t++) {
		__m256i S1 = XOR(XOR(ROR(e, 6), ROR(e, 11)), ROR(e, 25));
		__m256i ch = XOR(_mm256_and_si256(e, f), _mm256_andnot_si256(e, g));
		__m256i t1 = ADD(ADD(ADD(k, S1), ADD(ch, _mm256_set1_epi32((int)sha256_k256[t]))), w[t]);
		__m256i S0 = XOR(XOR(ROR(a, 2), ROR(a, 13)), ROR(a, 22));
		__m256i mj = XOR(XOR(_mm256_and_si256(a, b), _mm256_and_si256(a, c)),
				 _mm256_and_si256(b, c));

		k = g; g = f; f = e; e = ADD(d, t1); d = c; c = b; b = a; a = ADD(t1, ADD(S0, mj));
	}
	h[0] = ADD(h[0], a); h[1] = ADD(h[1], b); h[2] = ADD(h[2], c); h[3] = ADD(h[3], d);
	h[4] = ADD(h[4], e); h[5] = ADD(h[5], f); h[6] = ADD(h[6], g); h[7] = ADD(h[7], k);
}

void sha256_x8_avx2(const uint8_t *const msgs[8], size_t len, uint8_t out[8][32])
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint8_t tail[8][128];
	const uint8_t *blk[8];
	__m256i h[8];
	size_t full = len / 64, rest = len % 64, tl = rest + 9 <= 64 ? 64 : 128;
	uint32_t lanes[8][8];

	for (int i = 0; i < 8; i++)
		h[i] = _mm256_set1_epi32((int)iv[i]);
	for (size_t b = 0; b < full; b++) {
		for (int j = 0; j < 8; j++)
			blk[j] = msgs[j] + 64 * b;
		rounds(h, blk);
	}
	for (int j = 0; j < 8; j++) {
		memset(tail[j], 0, sizeof(tail[j]));
		memcpy(tail[j], msgs[j] + 64 * full, rest);
		tail[j][rest] = 0x80;
		for (int i = 0; i < 8; i++)
			tail[j][tl - 1 - i] = (uint8_t)((uint64_t)len * 8 >> (8 * i));
		blk[j] = tail[j];
	}
	rounds(h, blk);
	if (tl == 128) {
		for (int j = 0; j < 8; j++)
			blk[j] = tail[j] + 64;
		rounds(h, blk);
	}
	for (int i = 0; i < 8; i++)
		_mm256_storeu_si256((__m256i *)lanes[i], h[i]);
	for (int j = 0; j < 8; j++)
		for (int i = 0; i < 8; i++)
			for (int b = 0; b < 4; b++)
				out[j][4 * i + b] = (uint8_t)(lanes[i][j] >> (24 - 8 * b));
}
