/*
 * syscall/time.c — clocks and sleeps: clock_gettime, clock_getres, clock_settime,
 * gettimeofday, time, nanosleep, clock_nanosleep; and the timespec helpers of keel/syscall.h.
 *
 * Clocks: MONOTONIC, MONOTONIC_RAW, MONOTONIC_COARSE and BOOTTIME are time_ns() (keel never
 * suspends, so boot time and monotonic time are the same); REALTIME and REALTIME_COARSE are
 * the wall clock of drivers/rtc.c; THREAD_CPUTIME_ID is the calling thread's run time and
 * PROCESS_CPUTIME_ID the sum over the process's live threads (run time of threads that have
 * exited is not kept). The coarse clocks read the precise time but report a tick's
 * resolution, as Linux does.
 *
 * Interrupted sleeps return -EINTR, not -ERESTARTSYS: a restart would sleep the whole
 * relative interval again (Linux restarts through a restart block that remembers the
 * deadline, which keel does not have), and POSIX wants EINTR with the remaining time in rem
 * whenever a handler ran. The difference from Linux: a signal that runs no handler and does
 * not kill (a stop and continue) also ends the sleep with EINTR.
 */
#include <keel/syscall.h>
#include <keel/errno.h>
#include <keel/proc.h>
#include <keel/rtc.h>
#include <keel/sched.h>
#include <keel/spinlock.h>
#include <keel/time.h>

#define TIMER_ABSTIME	1
#define NSEC_PER_USEC	1000

int timespec_from_user(const struct k_timespec __user *u, uint64_t *ns)
{
	struct k_timespec ts;

	if (copy_from_user(&ts, u, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts.tv_sec > (UINT64_MAX - (uint64_t)ts.tv_nsec) / NSEC_PER_SEC)
		*ns = UINT64_MAX;
	else
		*ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	return 0;
}

int timespec_to_user(struct k_timespec __user *u, uint64_t ns)
{
	struct k_timespec ts = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };

	return copy_to_user(u, &ts, sizeof(ts)) ? -EFAULT : 0;
}

uint64_t clock_abs_to_deadline(int clock, uint64_t abs_ns)
{
	uint64_t now_rt, now;

	if (clock != CLOCK_REALTIME)
		return abs_ns ? abs_ns : 1;
	now = time_ns();
	now_rt = rtc_realtime_ns();
	if (abs_ns <= now_rt)
		return 1;
	return abs_ns - now_rt > UINT64_MAX - now ? UINT64_MAX : now + (abs_ns - now_rt);
}

/* The calling thread's run time, including the part since the scheduler last counted it.
 * Interrupts off: only this CPU's tick and schedule() update those fields. */
static uint64_t thread_cpu_ns(void)
{
	struct thread *t = thread_current();
	bool f = arch_irq_save();
	uint64_t ns = t->runtime_ns + (time_ns() - t->exec_start);

	arch_irq_restore(f);
	return ns;
}

static uint64_t process_cpu_ns(void)
{
	struct uthread *me = uthread_current(), *ut;
	struct proc *p;
	uint64_t ns = thread_cpu_ns();
	bool f;

	if (!me)
		return ns;
	p = me->proc;
	f = spin_lock_irqsave(&p->lock);
	list_for_each(n, &p->threads) {
		ut = list_entry(n, struct uthread, proc_node);
		if (ut != me)
			ns += READ_ONCE(ut->thread->runtime_ns);
	}
	spin_unlock_irqrestore(&p->lock, f);
	return ns;
}

static int clock_read(int clock, uint64_t *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = rtc_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = time_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = process_cpu_ns();
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = thread_cpu_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL2(clock_gettime, int, clock, struct k_timespec __user *, tp)
{
	uint64_t ns;
	int err = clock_read(clock, &ns);

	return err ? err : timespec_to_user(tp, ns);
}

SYSCALL2(clock_getres, int, clock, struct k_timespec __user *, res)
{
	uint64_t ns;
	int err = clock_read(clock, &ns);

	if (err || !res)
		return err;
	if (clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE)
		return timespec_to_user(res, SCHED_TICK_NS);
	return timespec_to_user(res, 1);
}

/* Only the wall clock can be set; every process is root. */
SYSCALL2(clock_settime, int, clock, const struct k_timespec __user *, tp)
{
	uint64_t ns;
	int err;

	if (clock != CLOCK_REALTIME)
		return -EINVAL;
	err = timespec_from_user(tp, &ns);
	if (err)
		return err;
	rtc_set_realtime(ns);
	return 0;
}

SYSCALL2(gettimeofday, struct k_timeval __user *, tv, void __user *, tz)
{
	uint64_t ns = rtc_realtime_ns();
	struct k_timeval v = { (int64_t)(ns / NSEC_PER_SEC),
			       (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC) };
	static const int32_t utc[2] = { 0, 0 };	/* struct timezone: minuteswest, dsttime */

	if (tv && copy_to_user(tv, &v, sizeof(v)))
		return -EFAULT;
	if (tz && copy_to_user(tz, utc, sizeof(utc)))
		return -EFAULT;
	return 0;
}

SYSCALL1(time, int64_t __user *, tloc)
{
	int64_t s = (int64_t)(rtc_realtime_ns() / NSEC_PER_SEC);

	if (tloc && copy_to_user(tloc, &s, sizeof(s)))
		return -EFAULT;
	return s;
}

/* Sleeps until deadline; on a signal writes the time left to rem (if not NULL). */
static long sleep_with_rem(uint64_t deadline, struct k_timespec __user *rem)
{
	int err = sleep_until(deadline);
	uint64_t now;

	if (err == -EINTR && rem) {
		now = time_ns();
		if (timespec_to_user(rem, deadline > now ? deadline - now : 0))
			return -EFAULT;
	}
	return err;
}

SYSCALL2(nanosleep, const struct k_timespec __user *, req, struct k_timespec __user *, rem)
{
	uint64_t ns;
	int err = timespec_from_user(req, &ns);

	return err ? err : sleep_with_rem(sched_deadline(ns), rem);
}

SYSCALL4(clock_nanosleep, int, clock, int, flags, const struct k_timespec __user *, req,
	 struct k_timespec __user *, rem)
{
	uint64_t ns;
	int err;

	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;	/* as Linux for all but the process CPU clock */
	default:
		return -EINVAL;		/* THREAD_CPUTIME_ID included, as Linux */
	}
	err = timespec_from_user(req, &ns);
	if (err)
		return err;
	if (flags & TIMER_ABSTIME)	/* no rem for an absolute sleep: it is simply retried */
		return sleep_with_rem(clock_abs_to_deadline(clock, ns), NULL);
	return sleep_with_rem(sched_deadline(ns), rem);
}
