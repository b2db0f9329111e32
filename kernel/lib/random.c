/*
 * lib/random.c — the kernel's random number generator (keel/random.h).
 *
 * One ChaCha20 fast-key-erasure generator (lib/chacha20.c) shared by every CPU under an
 * irq-saving spinlock. Seed material comes from the CPU's hardware generator
 * (arch_hw_random: RDSEED, else RDRAND) when it has one, and always from TSC jitter: the
 * timing noise of a short, fixed computation sampled many times, which on real hardware and
 * under every emulator keel runs on varies with caches, interrupts and the host. Neither source
 * is trusted alone; both are folded into the key, so the state is never weaker than the best
 * source.
 *
 * The generator is reseeded every RANDOM_RESEED_BYTES of output. Requests are served in
 * chunks of RANDOM_CHUNK bytes so the lock is held for a few microseconds at most, and the
 * seed material is gathered with the lock dropped.
 */
#include <keel/random.h>
#include <keel/arch.h>
#include <keel/log.h>
#include <keel/spinlock.h>
#include <keel/string.h>

#define RANDOM_RESEED_BYTES	(1UL << 20)
#define RANDOM_CHUNK		256
#define SEED_HW_WORDS		8	/* 512 bits from the hardware generator, if any */
#define SEED_JITTER_WORDS	4
#define JITTER_SAMPLES		64	/* timed computations folded into each jitter word */

static struct spinlock random_lock = SPINLOCK_INIT("random");
static struct crng crng;		/* random_lock */
static bool seeded;			/* random_lock for writes; a stale false only reseeds */
static uint64_t total_bytes, reseeds;	/* random_lock */
static bool have_hw;

/* One word of timing noise: each sample times a ChaCha20 block and folds in the low bits of
 * the cycle count and of the duration. */
static uint64_t jitter_word(void)
{
	uint8_t key[CHACHA20_KEY_SIZE] = { 0 }, nonce[CHACHA20_NONCE_SIZE] = { 0 };
	uint8_t block[CHACHA20_BLOCK_SIZE];
	uint64_t acc = 0;

	for (int i = 0; i < JITTER_SAMPLES; i++) {
		uint64_t t0 = arch_cycles(), t1;

		chacha20_block(key, (uint32_t)t0, nonce, block);
		t1 = arch_cycles();
		acc = (acc << 7 | acc >> 57) ^ (t1 - t0) ^ t1 ^ block[0];
	}
	return acc;
}

/* Gathers fresh material and mixes it into the state. Takes random_lock itself. */
static void reseed(void)
{
	uint64_t m[SEED_HW_WORDS + SEED_JITTER_WORDS];
	size_t n = 0;
	bool f;

	for (int i = 0; i < SEED_HW_WORDS; i++)
		if (arch_hw_random(&m[n]))
			n++;
	have_hw = n > 0;
	for (int i = 0; i < SEED_JITTER_WORDS; i++)
		m[n++] = jitter_word();
	f = spin_lock_irqsave(&random_lock);
	crng_seed(&crng, m, n * sizeof(m[0]));
	seeded = true;
	reseeds++;
	spin_unlock_irqrestore(&random_lock, f);
	memset(m, 0, sizeof(m));
}

void random_init(void)
{
	reseed();
	pr_info("random: ChaCha20 generator seeded from %sTSC jitter\n",
		have_hw ? "the CPU's RDSEED/RDRAND and " : "");
}

void random_mix(const void *data, size_t n)
{
	bool f = spin_lock_irqsave(&random_lock);
	uint64_t generated = crng.generated;

	crng_seed(&crng, data, n);
	crng.generated = generated;	/* caller data is not fresh entropy: keep the reseed due */
	spin_unlock_irqrestore(&random_lock, f);
}

void random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	if (!READ_ONCE(seeded))
		reseed();
	while (n) {
		size_t k = MIN(n, (size_t)RANDOM_CHUNK);
		bool f = spin_lock_irqsave(&random_lock), due;

		crng_generate(&crng, p, k);
		total_bytes += k;
		due = crng.generated >= RANDOM_RESEED_BYTES;
		spin_unlock_irqrestore(&random_lock, f);
		if (due)
			reseed();
		p += k;
		n -= k;
	}
}

uint64_t random_u64(void)
{
	uint64_t v;

	random_bytes(&v, sizeof(v));
	return v;
}

void random_stats(uint64_t *bytes, uint64_t *nreseeds)
{
	bool f = spin_lock_irqsave(&random_lock);

	*bytes = total_bytes;
	*nreseeds = reseeds;
	spin_unlock_irqrestore(&random_lock, f);
}
