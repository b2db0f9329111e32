/*
 * sched/clock.c — the monotonic clock: cycle counter scaled to nanoseconds.
 *
 * ns = (cycles - boot_tsc) * mult >> 32, with mult = 10^9 * 2^32 / hz computed once at
 * calibration; a 128-bit product keeps it exact for centuries of uptime.
 */
#include <keel/time.h>
#include <keel/arch.h>
#include <keel/log.h>

static uint64_t ns_mult;	/* 0 until calibrated */

void time_init(void)
{
	uint64_t hz;

	arch_time_init();
	hz = arch_cycles_per_sec();
	ns_mult = (NSEC_PER_SEC << 32) / hz;
}

uint64_t time_cycles_to_ns(uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * ns_mult) >> 32);
}

uint64_t time_ns(void)
{
	if (!ns_mult)
		return 0;
	return time_cycles_to_ns(arch_cycles() - boot_tsc);
}
