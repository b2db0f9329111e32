/*
 * arch/x86_64/tsc.c — calibrating the TSC without assuming legacy timers exist.
 *
 * First estimate (arch_time_init, before ACPI): PIT channel 2 when there is a PIT (emulators'
 * TSCs need not match what CPUID claims: Bochs ticks at its ips), else CPUID leaf 0x15
 * (TSC/crystal ratio with the crystal's rate) or leaf 0x16 (the base frequency in MHz) when the
 * CPU reports them. PIT channel 2 is gated through port 0x61 and counts down from a latch at
 * 1.193182 MHz; its output bit in port 0x61 goes high at terminal count. UEFI-only PCs may have no PIT at all: a
 * latched count above the one just loaded (no chip reads 0xffff), a count that never ends, or
 * a rate outside CAL_MIN_HZ..CAL_MAX_HZ means "no PIT", and a placeholder rate is used until
 * the refinement. The best of three 10 ms runs is kept (the shortest measured span is the one
 * least disturbed by emulator scheduling).
 *
 * Refinement (arch_time_refine, once the ACPI tables are read): against the HPET (a 100 MHz
 * counter on QEMU) or, without one, the ACPI PM timer (3.579545 MHz, 24 or 32 bits, an I/O
 * port named by the FADT); the clock adopts that rate.
 */
#include <keel/acpi.h>
#include <keel/arch.h>
#include <keel/log.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <keel/hpet.h>
#include <keel/time.h>

#define PIT_HZ		1193182ULL
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61
#define PIT_OUT2	0x20		/* port 0x61: channel 2's output */
#define PMTMR_HZ	3579545ULL
#define CAL_MS		10
#define CAL_RUNS	3
#define CAL_SPIN_LIMIT	5000000
#define CAL_MIN_HZ	(1ULL * 1000000)	/* Bochs at ips=10000000 has a 10 MHz TSC */
#define CAL_MAX_HZ	(20ULL * 1000000000)
#define FALLBACK_HZ	1000000000ULL

static uint64_t tsc_hz;
static const char *tsc_source = "a guess";
static int pit_state = -1;		/* -1 not probed, 0 absent, 1 counts */

static bool plausible(uint64_t hz)
{
	return hz >= CAL_MIN_HZ && hz <= CAL_MAX_HZ;
}

/* The rate CPUID leaf 0x15 or 0x16 gives, or 0 when the CPU does not say. */
static uint64_t cpuid_tsc_hz(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] >= 0x15) {
		uint32_t l15[4];

		cpuid(0x15, 0, l15);	/* eax denominator, ebx numerator, ecx crystal Hz */
		if (l15[0] && l15[1] && l15[2]) {
			tsc_source = "CPUID leaf 0x15";
			return (uint64_t)l15[2] * l15[1] / l15[0];
		}
	}
	if (r[0] >= 0x16) {
		cpuid(0x16, 0, r);	/* eax: base frequency in MHz */
		if (r[0] & 0xffff) {
			tsc_source = "CPUID leaf 0x16";
			return (uint64_t)(r[0] & 0xffff) * 1000000;
		}
	}
	return 0;
}

/* Cycles elapsed over CAL_MS of PIT time, or 0 if there is no working PIT. */
static uint64_t pit_measure(void)
{
	uint16_t latch = (uint16_t)(PIT_HZ * CAL_MS / 1000), count;
	uint64_t t0, t1;
	long spins = 0;

	outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01);	/* speaker off, gate on */
	outb(PIT_CMD, 0xb0);				/* ch2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, latch & 0xff);
	t0 = rdtsc();			/* before the count starts: a stall can only add cycles */
	outb(PIT_CH2, latch >> 8);
	outb(PIT_CMD, 0x80);				/* latch channel 2's count */
	count = inb(PIT_CH2);
	count |= (uint16_t)(inb(PIT_CH2) << 8);
	if (count > latch)		/* counting down from latch, or nothing there (0xffff) */
		return 0;
	while (!(inb(PIT_GATE) & PIT_OUT2)) {
		if (++spins > CAL_SPIN_LIMIT)
			return 0;
	}
	t1 = rdtsc();
	return t1 - t0;
}

static uint64_t pit_tsc_hz(void)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < CAL_RUNS; i++) {
		uint64_t c = pit_measure();

		pit_state = c != 0;
		if (!c)
			return 0;		/* no PIT: do not spin through more runs */
		if (c < best)
			best = c;
	}
	return best * 1000 / CAL_MS;
}

void arch_time_init(void)
{
	uint64_t hz = pit_tsc_hz();

	tsc_source = "the PIT";
	if (!plausible(hz))
		hz = cpuid_tsc_hz();
	if (!plausible(hz)) {
		hz = FALLBACK_HZ;
		tsc_source = "a guess (no CPUID rate, no PIT)";
	}
	tsc_hz = hz;
}

bool arch_pit_present(void)
{
	if (pit_state < 0)
		pit_state = pit_measure() != 0;
	return pit_state == 1;
}

void arch_log_time(void)
{
	pr_info("time: TSC at %lu.%03lu MHz (from %s)\n", tsc_hz / 1000000,
		tsc_hz / 1000 % 1000, tsc_source);
}

uint64_t arch_cycles_per_sec(void)
{
	return tsc_hz;
}

static uint64_t read_tsc(void)
{
	return rdtsc();
}

/* TSC cycles over CAL_MS of ACPI PM timer time, or 0 if the timer does not move. */
static uint64_t pmtmr_measure(uint16_t port, bool wide)
{
	uint32_t mask = wide ? 0xffffffffu : 0xffffffu;
	uint32_t want = (uint32_t)(PMTMR_HZ * CAL_MS / 1000), start, now;
	uint64_t t0;
	long spins = 0;

	t0 = rdtsc();			/* TSC reads bracket the timer reads: a vCPU stall */
	start = inl(port) & mask;	/* can only add cycles, never remove them, so the */
	do {				/* smallest of the runs is the least disturbed */
		now = inl(port) & mask;
		if (++spins > CAL_SPIN_LIMIT)
			return 0;
	} while (((now - start) & mask) < want);
	return (rdtsc() - t0) * want / ((now - start) & mask);
}

/* Best of CAL_RUNS measurements against the HPET, else the PM timer; 0 when neither works. */
static uint64_t refine_measure(const char **what)
{
	const struct acpi_fadt *fadt = &acpi()->fadt;
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < CAL_RUNS; i++) {
		uint64_t c = 0;

		if (hpet_available()) {
			c = hpet_calibrate_cycles(CAL_MS * 1000000ULL, read_tsc);
			*what = "the HPET";
		} else if (fadt->pm_tmr && fadt->pm_tmr <= 0xffff) {
			c = pmtmr_measure((uint16_t)fadt->pm_tmr, fadt->pm_tmr_32bit);
			*what = "the ACPI PM timer";
		}
		if (c && c < best)
			best = c;
	}
	return best == UINT64_MAX ? 0 : best * 1000 / CAL_MS;
}

void arch_time_refine(void)
{
	const char *what = NULL;
	uint64_t hz = refine_measure(&what), first = tsc_hz;

	if (!what)
		return;
	if (!plausible(hz)) {
		pr_warn("time: calibration against %s failed; keeping %s's TSC rate\n", what,
			tsc_source);
		return;
	}
	tsc_hz = hz;
	time_recalibrate(tsc_hz);
	pr_info("time: TSC at %lu.%03lu MHz against %s (%s said %lu.%03lu)\n",
		tsc_hz / 1000000, tsc_hz / 1000 % 1000, what, tsc_source, first / 1000000,
		first / 1000 % 1000);
}
