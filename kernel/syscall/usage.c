/*
 * syscall/usage.c — what a process has used: times(2) and getrusage(2).
 *
 * CPU time comes from the tick sampling of proc/acct.c (keel/proc.h): user and system time
 * of the process's threads, and of its reaped children. Fields of struct rusage that keel
 * does not count (faults, context switches per process, I/O blocks, peak RSS) are 0.
 */
#include <keel/syscall.h>
#include <keel/errno.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>

#define USER_HZ		100
#define RUSAGE_SELF	0
#define RUSAGE_CHILDREN	(-1)
#define RUSAGE_THREAD	1

static uint64_t to_hz(uint64_t ticks)
{
	return ticks * SCHED_TICK_NS / (NSEC_PER_SEC / USER_HZ);
}

struct k_tms {
	int64_t utime, stime, cutime, cstime;
};

/* Returns clock ticks since boot (Linux: since an arbitrary point), never an error value. */
SYSCALL1(times, struct k_tms __user *, buf)
{
	struct proc_cputime ct;
	struct k_tms t;

	if (buf) {
		proc_cputime(proc_current(), &ct);
		t.utime = (int64_t)to_hz(ct.user);
		t.stime = (int64_t)to_hz(ct.sys);
		t.cutime = (int64_t)to_hz(ct.child_user);
		t.cstime = (int64_t)to_hz(ct.child_sys);
		if (copy_to_user(buf, &t, sizeof(t)))
			return -EFAULT;
	}
	return (long)(time_ns() / (NSEC_PER_SEC / USER_HZ));
}

/* Linux's struct rusage on x86-64: two timevals, then 14 longs. */
struct k_rusage {
	int64_t utime_sec, utime_usec, stime_sec, stime_usec;
	int64_t rest[14];
};

static void set_tv(int64_t *sec, int64_t *usec, uint64_t ticks)
{
	uint64_t us = ticks * (SCHED_TICK_NS / 1000);

	*sec = (int64_t)(us / 1000000);
	*usec = (int64_t)(us % 1000000);
}

SYSCALL2(getrusage, int, who, struct k_rusage __user *, usage)
{
	struct thread *self = thread_current();
	struct proc_cputime ct;
	struct k_rusage ru;
	uint64_t u, s;

	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	proc_cputime(proc_current(), &ct);
	if (who == RUSAGE_SELF) {
		u = ct.user;
		s = ct.sys;
	} else if (who == RUSAGE_CHILDREN) {
		u = ct.child_user;
		s = ct.child_sys;
	} else {
		u = READ_ONCE(self->user_ticks);
		s = READ_ONCE(self->sys_ticks);
	}
	memset(&ru, 0, sizeof(ru));
	set_tv(&ru.utime_sec, &ru.utime_usec, u);
	set_tv(&ru.stime_sec, &ru.stime_usec, s);
	return copy_to_user(usage, &ru, sizeof(ru)) ? -EFAULT : 0;
}
