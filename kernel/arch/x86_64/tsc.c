/*
 * arch/x86_64/tsc.c — calibrating the TSC against the PIT.
 *
 * PIT channel 2 is gated through port 0x61 and counts down from a latch at 1.193182 MHz;
 * its output bit in port 0x61 goes high at terminal count. Timing a known number of PIT
 * ticks with rdtsc gives the TSC rate. The best of three 10 ms runs is kept (the shortest
 * measured span is the one least disturbed by emulator scheduling). Once the ACPI tables
 * have named an HPET, arch_time_refine() measures again against it (a 100 MHz counter read
 * directly, instead of an 8254 gate polled through port I/O) and the clock adopts that rate.
 */
#include <keel/arch.h>
#include <keel/log.h>
#include <arch/io.h>
#include <keel/hpet.h>
#include <keel/time.h>

#define PIT_HZ		1193182ULL
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61
#define CAL_MS		10
#define CAL_RUNS	3
#define CAL_SPIN_LIMIT	50000000
#define FALLBACK_HZ	1000000000ULL

static uint64_t tsc_hz;

/* Cycles elapsed over CAL_MS of PIT time, or 0 if the PIT never reached terminal count. */
static uint64_t pit_measure(void)
{
	uint16_t latch = (uint16_t)(PIT_HZ * CAL_MS / 1000);
	uint64_t t0, t1;
	long spins = 0;

	outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01);	/* speaker off, gate on */
	outb(PIT_CMD, 0xb0);				/* ch2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
	t0 = rdtsc();
	while (!(inb(PIT_GATE) & 0x20)) {
		if (++spins > CAL_SPIN_LIMIT)
			return 0;
	}
	t1 = rdtsc();
	return t1 - t0;
}

void arch_time_init(void)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < CAL_RUNS; i++) {
		uint64_t c = pit_measure();

		if (c && c < best)
			best = c;
	}
	if (best == UINT64_MAX) {
		tsc_hz = FALLBACK_HZ;
		pr_warn("time: PIT did not respond; assuming a %lu MHz TSC\n", tsc_hz / 1000000);
		return;
	}
	tsc_hz = best * 1000 / CAL_MS;
}

uint64_t arch_cycles_per_sec(void)
{
	return tsc_hz;
}

static uint64_t read_tsc(void)
{
	return rdtsc();
}

void arch_time_refine(void)
{
	uint64_t best = UINT64_MAX, pit_hz = tsc_hz;

	if (!hpet_available())
		return;
	for (int i = 0; i < CAL_RUNS; i++) {
		uint64_t c = hpet_calibrate_cycles(CAL_MS * 1000000ULL, read_tsc);

		if (c && c < best)
			best = c;
	}
	if (best == UINT64_MAX) {
		pr_warn("time: HPET calibration failed; keeping the PIT's TSC rate\n");
		return;
	}
	tsc_hz = best * 1000 / CAL_MS;
	time_recalibrate(tsc_hz);
	pr_info("time: TSC at %lu.%03lu MHz against the HPET (the PIT said %lu.%03lu)\n",
		tsc_hz / 1000000, tsc_hz / 1000 % 1000, pit_hz / 1000000, pit_hz / 1000 % 1000);
}
