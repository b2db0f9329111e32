/*
 * user/lib/crypto/sha256.c — the SHA-256 interface (buffering, padding, engine choice) and
 * the portable C engine.
 *
 * Numbers in comments are sections of FIPS 180-4. The C engine is compiled with
 * -mgeneral-regs-only (user/Makefile): it never touches a vector register, so it is the
 * baseline the vector engines are measured against, vector state and all.
 */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sha256.h"

/* §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const uint32_t sha256_k256[64] __attribute__((aligned(64))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

/* §5.3.3: the initial hash value H(0). */
static const uint32_t sha256_h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

#define ROTR(x, n) ((x) >> (n) | (x) << (32 - (n)))
#define CH(x, y, z)  (((x) & (y)) ^ (~(x) & (z)))               /* §4.1.2 (4.2) */
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))  /* (4.3) */
#define BSIG0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))       /* Σ0 (4.4) */
#define BSIG1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))       /* Σ1 (4.5) */
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ (x) >> 3)          /* σ0 (4.6) */
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ (x) >> 10)        /* σ1 (4.7) */

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* §6.2.2, one block: the schedule W0..W63 (step 1), then the 64 rounds (steps 2-4). */
static void block_c(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
		 hh = h[7];

	for (int t = 0; t < 16; t++)
		w[t] = load_be32(p + 4 * t);
	for (int t = 16; t < 64; t++)
		w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];
	for (int t = 0; t < 64; t++) {
		uint32_t t1 = hh + BSIG1(e) + CH(e, f, g) + sha256_k256[t] + w[t];
		uint32_t t2 = BSIG0(a) + MAJ(a, b, c);

		hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void sha256_blocks_c(uint32_t h[8], const uint8_t *blocks, size_t n)
{
	for (; n; n--, blocks += SHA256_BLOCK)
		block_c(h, blocks);
}

/* ---- engine choice ---- */

static const char *const engine_names[SHA256_NENGINES] = { "c", "avx2", "shani" };
static sha256_blocks_fn *const engine_fns[SHA256_NENGINES] = {
	sha256_blocks_c, sha256_blocks_avx2, sha256_blocks_shani };

/* CPUID leaf 1 ECX and leaf 7 EBX bits (Intel SDM vol. 2A, CPUID). */
#define L1C_SSSE3   (1u << 9)
#define L1C_SSE41   (1u << 19)
#define L1C_OSXSAVE (1u << 27)
#define L1C_AVX     (1u << 28)
#define L7B_BMI1    (1u << 3)
#define L7B_AVX2    (1u << 5)
#define L7B_BMI2    (1u << 8)
#define L7B_SHA     (1u << 29)
#define XCR0_SSE_AVX 0x6u       /* XMM and YMM state enabled by the OS */

const char *sha256_engine_name(int id)
{
	return id >= 0 && id < SHA256_NENGINES ? engine_names[id] : NULL;
}

int sha256_engine_available(int id)
{
	unsigned a, b, c1, d, b7 = 0, c;

	if (id == SHA256_C)
		return 1;
	if (!__get_cpuid(1, &a, &b, &c1, &d))
		return 0;
	if (__get_cpuid_max(0, NULL) >= 7)
		__cpuid_count(7, 0, a, b7, c, d);
	if (id == SHA256_SHANI)
		return (b7 & L7B_SHA) && (c1 & L1C_SSE41) && (c1 & L1C_SSSE3);
	if (id != SHA256_AVX2)
		return 0;
	/* XGETBV is only defined once the OS has set CR4.OSXSAVE, which CPUID reports. */
	if (!(c1 & L1C_OSXSAVE) || !(c1 & L1C_AVX))
		return 0;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & XCR0_SSE_AVX) != XCR0_SSE_AVX)
		return 0;
	return (b7 & L7B_AVX2) && (b7 & L7B_BMI1) && (b7 & L7B_BMI2);
}

static int chosen = -1;          /* -1 until the first sha256_engine() */

/* The KEEL_SHA256 override, or the best engine available. Exits on a bad override. */
static int choose(void)
{
	const char *want = getenv("KEEL_SHA256");

	if (!want || !*want) {
		for (int id = SHA256_NENGINES - 1; id > 0; id--)
			if (sha256_engine_available(id))
				return id;
		return SHA256_C;
	}
	for (int id = 0; id < SHA256_NENGINES; id++) {
		if (strcmp(want, engine_names[id]) != 0)
			continue;
		if (sha256_engine_available(id))
			return id;
		fprintf(stderr, "sha256: KEEL_SHA256=%s: this CPU (or kernel) cannot run the %s "
			"engine\n", want, want);
		exit(2);
	}
	fprintf(stderr, "sha256: KEEL_SHA256=%s: unknown engine (c, avx2 or shani)\n", want);
	exit(2);
}

int sha256_engine(void)
{
	int id = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);

	if (id < 0) {           /* racing threads all compute the same answer */
		id = choose();
		__atomic_store_n(&chosen, id, __ATOMIC_RELEASE);
	}
	return id;
}

int sha256_set_engine(int id)
{
	if (id < 0 || id >= SHA256_NENGINES || !sha256_engine_available(id))
		return -1;
	__atomic_store_n(&chosen, id, __ATOMIC_RELEASE);
	return 0;
}

/* ---- the interface: §5.1.1 padding, §5.3.3 initial value ---- */

void sha256_init_engine(struct sha256_ctx *c, int id)
{
	memcpy(c->h, sha256_h0, sizeof(c->h));
	md_block_init(&c->b);
	c->blocks = engine_fns[id];
}

void sha256_init(struct sha256_ctx *c)
{
	sha256_init_engine(c, sha256_engine());
}

static void sha256_compress(void *ctx, const uint8_t *blocks, size_t n)
{
	struct sha256_ctx *c = ctx;

	c->blocks(c->h, blocks, n);
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
	md_block_update(&c->b, sha256_compress, c, data, n);
}

/* §5.1.1: the padding, with the bit length big-endian. */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST])
{
	md_block_pad(&c->b, sha256_compress, c, true);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (uint8_t)(c->h[i] >> (24 - 8 * j));
	memset(c, 0, sizeof(*c));
}

void sha256(const void *p, size_t n, uint8_t out[SHA256_DIGEST])
{
	sha256_with(sha256_engine(), p, n, out);
}

void sha256_with(int id, const void *p, size_t n, uint8_t out[SHA256_DIGEST])
{
	struct sha256_ctx c;

	sha256_init_engine(&c, id);
	sha256_update(&c, p, n);
	sha256_final(&c, out);
}
