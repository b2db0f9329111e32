/*
 * sched/loadavg.c — what the scheduler tells /proc/stat, /proc/loadavg, sysinfo and times:
 * the system load average and the tick-sampled split of CPU time.
 *
 * Load average (Linux's definition): every LOADAVG_PERIOD_NS the boot CPU's tick counts the
 * runnable threads of every CPU (queued plus running, idle threads excluded; keel has no
 * uninterruptible sleep, so nothing else counts) and folds that count into three exponentially
 * decaying averages with 1, 5 and 15 minute time constants, in 11-bit fixed point.
 *
 * CPU time: each tick charges its period to the interrupted thread as user or system time,
 * and to its CPU as user, system or idle time (the idle thread), as Linux's tick accounting
 * does. The counters only grow; readers take them without a lock (64-bit loads).
 */
#include "internal.h"
#include <keel/string.h>
#include <keel/time.h>

#define LOADAVG_PERIOD_NS	(5 * NSEC_PER_SEC)
/* 2048 * exp(-5s / 1min), exp(-5s / 5min), exp(-5s / 15min), as Linux's EXP_1/5/15. */
static const unsigned long loadavg_exp[3] = { 1884, 2014, 2037 };
static unsigned long avenrun[3];	/* LOADAVG_FIXED_1 = 1.0; written by CPU 0's tick only */
static uint64_t loadavg_next_ns = LOADAVG_PERIOD_NS;

unsigned sched_nr_running(void)
{
	unsigned n = 0;

	for_each_cpu(c, &sched_ready_mask) {
		struct sched_cpu *rq = rq_of(c);

		if (rq)
			n += rq_load(rq);
	}
	return n;
}

/* avg = avg * e + n * (1 - e), rounded as Linux's calc_load. */
static unsigned long fold(unsigned long avg, unsigned long e, unsigned long active)
{
	unsigned long v = avg * e + active * (LOADAVG_FIXED_1 - e);

	if (active >= avg)
		v += LOADAVG_FIXED_1 - 1;
	return v / LOADAVG_FIXED_1;
}

void sched_loadavg(unsigned long loads[3])
{
	for (int i = 0; i < 3; i++)
		loads[i] = READ_ONCE(avenrun[i]);
}

/* From the tick of CPU rq with interrupts off: the CPU-time split and, on CPU 0, the load. */
void sched_account_tick(struct sched_cpu *rq, bool user)
{
	struct thread *t = rq->curr;

	if (t == rq->idle) {
		rq->stats.idle_ticks++;
	} else if (user) {
		rq->stats.user_ticks++;
		t->user_ticks++;
	} else {
		rq->stats.system_ticks++;
		t->sys_ticks++;
	}
	if (rq->cpu != 0 || rq->last_tick_ns < loadavg_next_ns)
		return;
	loadavg_next_ns = rq->last_tick_ns + LOADAVG_PERIOD_NS;
	unsigned long active = (unsigned long)sched_nr_running() * LOADAVG_FIXED_1;

	for (int i = 0; i < 3; i++)
		WRITE_ONCE(avenrun[i], fold(avenrun[i], loadavg_exp[i], active));
}
