/*
 * drivers/hpet.c — the High Precision Event Timer's main counter (keel/hpet.h).
 *
 * Owns the HPET block that acpi() names: mapped uncached, legacy replacement routing off, every
 * comparator's interrupt disabled, main counter running. keel uses only the counter, as the
 * fixed-rate reference the TSC and local APIC timer are calibrated against.
 *
 * Every register access is 32 bits wide (the specification allows 32- or 64-bit accesses, and
 * 32-bit ones work on every implementation and emulator). A 64-bit counter is read high, low,
 * high until both highs agree. A 32-bit counter is extended to 64 bits in software through
 * ext_last, advanced with compare-and-swap so concurrent readers on several CPUs never see
 * time go backwards.
 *
 * After hpet_init `regs`, `period_fs` and `wide` never change; the read functions need no lock.
 */
#include <keel/acpi.h>
#include <keel/errno.h>
#include <keel/hpet.h>
#include <keel/iomap.h>
#include <keel/log.h>
#include <keel/time.h>

#define HPET_MMIO_LEN		1024
#define HPET_CAP		0x000	/* low half: id and capabilities */
#define HPET_PERIOD		0x004	/* high half of GCAP_ID: period in fs */
#define HPET_CONF		0x010
#define HPET_COUNTER		0x0f0
#define HPET_COUNTER_HI		0x0f4
#define HPET_TIMER_CONF(n)	(0x100 + 0x20 * (n))

#define CAP_TIMERS(cap)		((((cap) >> 8) & 0x1f) + 1)
#define CAP_COUNT_64		(1u << 13)
#define CONF_ENABLE		(1u << 0)
#define CONF_LEGACY		(1u << 1)
#define TIMER_INT_ENABLE	(1u << 2)

#define FS_PER_NS		1000000ULL
#define FS_PER_SEC		1000000000000000ULL
#define HPET_MAX_PERIOD_FS	100000000u	/* 100 ns: the specification's bound */
#define SPIN_LIMIT		1000000		/* reads of an unchanging counter: stalled */

static volatile uint32_t *regs;
static uint64_t period_fs;
static bool wide;
static uint64_t ext_last;

static uint32_t rd(unsigned off)
{
	return regs[off / 4];
}

static void wr(unsigned off, uint32_t v)
{
	regs[off / 4] = v;
}

/* The 64-bit counter of a 32-bit HPET: advances by how far the low word moved since the
 * latest value any CPU saw, unless this reading is older than that one. */
static uint64_t extend32(uint32_t now)
{
	uint64_t old = __atomic_load_n(&ext_last, __ATOMIC_RELAXED), new;

	do {
		uint32_t delta = now - (uint32_t)old;

		if (delta > 0x7fffffffu)
			return old;		/* another CPU read a later value */
		new = old + delta;
	} while (!__atomic_compare_exchange_n(&ext_last, &old, new, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return new;
}

uint64_t hpet_read_counter(void)
{
	uint32_t hi, lo;

	if (!regs)
		return 0;
	if (!wide)
		return extend32(rd(HPET_COUNTER));
	do {
		hi = rd(HPET_COUNTER_HI);
		lo = rd(HPET_COUNTER);
	} while (hi != rd(HPET_COUNTER_HI));
	return (uint64_t)hi << 32 | lo;
}

bool hpet_available(void)
{
	return regs != NULL;
}

uint64_t hpet_period_fs(void)
{
	return regs ? period_fs : 0;
}

uint64_t hpet_counter_hz(void)
{
	return regs ? FS_PER_SEC / period_fs : 0;
}

/* Spins until the counter moves; its new value, or 0 if it never does. */
static uint64_t next_edge(void)
{
	uint64_t c0 = hpet_read_counter(), c;

	for (long i = 0; i < SPIN_LIMIT; i++)
		if ((c = hpet_read_counter()) != c0)
			return c;
	return 0;
}

/* a * b / c for b <= c, without overflow (the result is at most a). */
static uint64_t scale(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t q = a / c, r = a % c, rb;

	while (__builtin_mul_overflow(r, b, &rb)) {	/* keeps r < c, and c > 0 */
		r >>= 1;
		c >>= 1;
	}
	return q * b + rb / c;
}

uint64_t hpet_calibrate_cycles(uint64_t ns, uint64_t (*read_cycles)(void))
{
	uint64_t ticks, h0, h, c0, c1, last;
	long still = 0;

	if (!regs || ns == 0 || ns > NSEC_PER_SEC)
		return 0;
	ticks = MAX(ns * FS_PER_NS / period_fs, 1);
	if (!(h0 = next_edge()))
		return 0;
	c0 = read_cycles();
	for (last = h0; (h = hpet_read_counter()) - h0 < ticks; last = h) {
		if (h != last)
			still = 0;
		else if (++still > SPIN_LIMIT)
			return 0;
	}
	c1 = read_cycles();
	return scale(c1 - c0, ticks, h - h0);
}

static void hpet_start(uint32_t cap)
{
	for (unsigned n = 0; n < CAP_TIMERS(cap); n++)
		wr(HPET_TIMER_CONF(n), rd(HPET_TIMER_CONF(n)) & ~TIMER_INT_ENABLE);
	wr(HPET_CONF, (rd(HPET_CONF) & ~CONF_LEGACY) | CONF_ENABLE);
}

int hpet_init(void)
{
	const struct acpi_hpet *t = &acpi()->hpet;
	volatile uint32_t *r;
	uint32_t cap, period;

	if (!t->base) {
		pr_info("hpet: none (no ACPI HPET table)\n");
		return -ENOENT;
	}
	if (!(r = iomap(t->base, HPET_MMIO_LEN, 0)))
		return -EIO;
	cap = r[HPET_CAP / 4];
	period = r[HPET_PERIOD / 4];
	if (cap == 0xffffffffu || period == 0 || period > HPET_MAX_PERIOD_FS) {
		pr_warn("hpet: at %#lx: capabilities %#x, period %u fs: not a working HPET; not used\n",
			t->base, cap, period);
		return -EIO;
	}
	regs = r;
	period_fs = period;
	wide = cap & CAP_COUNT_64;
	ext_last = rd(HPET_COUNTER);
	hpet_start(cap);
	if (!next_edge()) {
		pr_warn("hpet: at %#lx: the main counter does not advance; not used\n", t->base);
		regs = NULL;
		return -EIO;
	}
	pr_info("hpet: at %#lx, %lu.%03lu MHz (period %u fs), %u timers, %s counter\n", t->base,
		hpet_counter_hz() / 1000000, hpet_counter_hz() / 1000 % 1000, period,
		CAP_TIMERS(cap), wide ? "64-bit" : "32-bit");
	return 0;
}
