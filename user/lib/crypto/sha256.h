/*
 * user/lib/crypto/sha256.h — SHA-256 (FIPS 180-4) for keel's programs: one interface, three
 * engines.
 *
 * The engines compress whole 64-byte blocks; this interface does the buffering and the
 * padding (FIPS 180-4 §5.1.1) once for all of them:
 *   c      portable C (sha256.c), general registers only: the reference and the fallback
 *   avx2   sha256_avx2.S: message schedule of two blocks at once in ymm registers, the
 *          rounds with BMI2 rorx/andn (needs AVX2, BMI1, BMI2 and the OS saving ymm state)
 *   shani  sha256_shani.S: the SHA extensions SHA256RNDS2/MSG1/MSG2 (needs SHA, SSE4.1)
 * The engine is chosen once per process, on first use: the fastest the CPU has (CPUID, and
 * for AVX2 OSXSAVE + XGETBV), unless the environment says KEEL_SHA256=c|avx2|shani. Asking
 * for an engine the CPU lacks, or an unknown name, prints one line on stderr and exits 2.
 */
#ifndef KEEL_CRYPTO_SHA256_H
#define KEEL_CRYPTO_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include "mdblock.h"

#define SHA256_DIGEST 32
#define SHA256_BLOCK  MD_BLOCK

enum sha256_engine_id { SHA256_C, SHA256_AVX2, SHA256_SHANI, SHA256_NENGINES };

/* A block function: compresses n >= 1 consecutive 64-byte blocks into h (FIPS 180-4 §6.2.2). */
typedef void sha256_blocks_fn(uint32_t h[8], const uint8_t *blocks, size_t n);

struct sha256_ctx {
	uint32_t h[8];
	struct md_block b;              /* length, partial block */
	sha256_blocks_fn *blocks;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST]);
void sha256(const void *p, size_t n, uint8_t out[SHA256_DIGEST]);
/* The one-shot on a given engine regardless of the process's choice (tests, benchmarks). */
void sha256_with(int id, const void *p, size_t n, uint8_t out[SHA256_DIGEST]);

/* Engine names ("c", "avx2", "shani"); NULL for an id out of range. */
const char *sha256_engine_name(int id);
/* 1 if this CPU and kernel can run engine id, else 0. */
int sha256_engine_available(int id);
/* The id of the engine in use (selecting it on first call, see above). */
int sha256_engine(void);
/* Uses engine id from now on; 0, or -1 if it is not available (nothing changes). */
int sha256_set_engine(int id);
/* Initialises c for a given engine regardless of the process's choice (tests, benchmarks). */
void sha256_init_engine(struct sha256_ctx *c, int id);

/* §4.2.2's constants K0..K63 (64-byte aligned: sha256_shani.S reads them as xmm operands). */
extern const uint32_t sha256_k256[64];

/* The engines' block functions, for those who call one directly. */
sha256_blocks_fn sha256_blocks_c, sha256_blocks_avx2, sha256_blocks_shani;

#endif
