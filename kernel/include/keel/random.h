/*
 * keel/random.h — the kernel's random number generator (kernel/lib/random.c).
 *
 * A ChaCha20-based generator, seeded at boot from RDSEED/RDRAND when the CPU has them and from
 * TSC jitter always, and reseeded from the same sources as it runs. Serves getrandom(2),
 * /dev/urandom, AT_RANDOM and anything in the kernel that needs unpredictable numbers.
 * Callable from any context that may take a spinlock.
 */
#ifndef KEEL_RANDOM_H
#define KEEL_RANDOM_H

#include <keel/types.h>

/* Seeds the generator; called once from kmain after the heap and the clock are up. Before
 * it runs, random_bytes still works but is seeded only from the TSC. */
void random_init(void);
/* n unpredictable bytes. Never blocks or fails; n may be any size. */
void random_bytes(void *buf, size_t n);
uint64_t random_u64(void);
/* Mixes caller-supplied entropy (or merely unique data) into the state; never lowers it. */
void random_mix(const void *data, size_t n);
/* Bytes generated and reseeds done since boot (for tests and /proc). */
void random_stats(uint64_t *bytes, uint64_t *reseeds);

/* --- the pure parts (kernel/lib/chacha20.c), exposed for the host tests --- */
#define CHACHA20_KEY_SIZE	32
#define CHACHA20_NONCE_SIZE	12
#define CHACHA20_BLOCK_SIZE	64

/* RFC 8439 section 2.3: one 64-byte keystream block for (key, counter, nonce). */
void chacha20_block(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
		    const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t out[CHACHA20_BLOCK_SIZE]);

/* A fast-key-erasure generator state. Zero-initialized is valid (and predictable). */
struct crng {
	uint8_t key[CHACHA20_KEY_SIZE];
	uint8_t nonce[CHACHA20_NONCE_SIZE];
	uint64_t generated;		/* bytes output since the last crng_seed */
};

/* Mixes n bytes of seed material into the key and resets c->generated. */
void crng_seed(struct crng *c, const void *material, size_t n);
/* Fills out with n bytes (n < 256 GiB), replacing the key first: what was output cannot be
 * recomputed from the state left behind. */
void crng_generate(struct crng *c, void *out, size_t n);

#endif
