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

void random_init(void);
void random_bytes(void *buf, size_t n);
uint64_t random_u64(void);

#endif
