/*
 * sched/clock.c — the monotonic clock: cycle counter scaled to nanoseconds.
 *
 * ns = base_ns + (cycles - base_cycles) * mult >> 32, with mult = 10^9 * 2^32 / hz. The first
 * calibration (PIT, in time_init) starts the clock at kernel entry; a better one later (HPET,
 * time_recalibrate) moves the base to "now" so the clock never jumps or runs backwards.
 * The 128-bit product keeps it exact for centuries of uptime.
 */
#include <keel/time.h>
#include <keel/arch.h>
#include <keel/log.h>

struct clock_base {
	uint64_t cycles;
	uint64_t ns;
	uint64_t mult;		/* 0 until calibrated */
};

static struct clock_base clk;

static uint64_t scale(uint64_t cycles, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)cycles * mult) >> 32);
}

void time_init(void)
{
	arch_time_init();
	clk.cycles = boot_tsc;
	clk.ns = 0;
	clk.mult = (NSEC_PER_SEC << 32) / arch_cycles_per_sec();
}

/* Adopts a new cycle rate; the clock stays continuous. Boot CPU, before other CPUs read it. */
void time_recalibrate(uint64_t hz)
{
	bool f = arch_irq_save();
	uint64_t now = arch_cycles();

	clk.ns = clk.ns + scale(now - clk.cycles, clk.mult);
	clk.cycles = now;
	clk.mult = (NSEC_PER_SEC << 32) / hz;
	arch_irq_restore(f);
}

uint64_t time_cycles_to_ns(uint64_t cycles)
{
	return scale(cycles, clk.mult);
}

uint64_t time_ns(void)
{
	if (!clk.mult)
		return 0;
	return clk.ns + scale(arch_cycles() - clk.cycles, clk.mult);
}
