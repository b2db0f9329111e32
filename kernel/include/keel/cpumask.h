/*
 * keel/cpumask.h — sets of CPUs (up to CPU_MAX), by value.
 */
#ifndef KEEL_CPUMASK_H
#define KEEL_CPUMASK_H

#include <keel/types.h>

#define CPU_MAX		256

typedef struct {
	uint64_t bits[CPU_MAX / 64];
} cpumask_t;

static inline void cpumask_clear(cpumask_t *m)
{
	for (unsigned i = 0; i < CPU_MAX / 64; i++)
		m->bits[i] = 0;
}

static inline void cpumask_set(cpumask_t *m, unsigned cpu)
{
	__atomic_fetch_or(&m->bits[cpu / 64], 1ULL << (cpu % 64), __ATOMIC_RELAXED);
}

static inline void cpumask_unset(cpumask_t *m, unsigned cpu)
{
	__atomic_fetch_and(&m->bits[cpu / 64], ~(1ULL << (cpu % 64)), __ATOMIC_RELAXED);
}

/* The set holding just cpu. */
static inline cpumask_t cpumask_of(unsigned cpu)
{
	cpumask_t m;

	cpumask_clear(&m);
	cpumask_set(&m, cpu);
	return m;
}

static inline bool cpumask_test(const cpumask_t *m, unsigned cpu)
{
	return cpu < CPU_MAX &&
	       (__atomic_load_n(&m->bits[cpu / 64], __ATOMIC_RELAXED) >> (cpu % 64)) & 1;
}

static inline bool cpumask_empty(const cpumask_t *m)
{
	for (unsigned i = 0; i < CPU_MAX / 64; i++)
		if (m->bits[i])
			return false;
	return true;
}

static inline unsigned cpumask_weight(const cpumask_t *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CPU_MAX / 64; i++)
		for (uint64_t b = m->bits[i]; b; b &= b - 1)	/* no libgcc: no popcount call */
			n++;
	return n;
}

/* First CPU >= from in m, or CPU_MAX. */
static inline unsigned cpumask_next(const cpumask_t *m, unsigned from)
{
	for (unsigned c = from; c < CPU_MAX; c++)
		if (cpumask_test(m, c))
			return c;
	return CPU_MAX;
}

#define for_each_cpu(c, m) \
	for (unsigned c = cpumask_next((m), 0); c < CPU_MAX; c = cpumask_next((m), c + 1))

#endif
