/*
 * syscall/sched.c — sched_yield, sched_setaffinity, sched_getaffinity.
 *
 * Affinity masks are Linux's: an array of bytes, bit n of byte n/8 for CPU n, whose size
 * (cpumask_bytes) covers every CPU keel brought up, rounded to a long. pid 0 is the calling
 * thread; any other pid is a TID, found by walking every process's thread list under its lock
 * (the thread cannot be freed while it is on that list).
 */
#include <keel/syscall.h>
#include <keel/errno.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <keel/string.h>

SYSCALL0(sched_yield)
{
	sched_yield();
	return 0;
}

/* Linux's nr_cpu_ids: one more than the highest CPU number in use. */
static unsigned cpu_ids(void)
{
	unsigned ncpu = 1;

	for_each_cpu(c, &cpu_online_mask)
		ncpu = c + 1;
	return ncpu;
}

/* Linux's cpumask_size(): bytes for cpu_ids() CPUs, in whole longs. */
static size_t cpumask_bytes(void)
{
	return ALIGN_UP((cpu_ids() + 7) / 8, sizeof(long));
}

/* Calls fn(t, arg) for the thread with this TID, under its process's lock. */
/* uthread_call runs these: unlocked for the caller, under p->lock for another thread. */
static int get_mask(struct uthread *ut, void *arg)
{
	*(cpumask_t *)arg = ut->thread->affinity;	/* a racing change: the old or the new */
	return 0;
}

static int set_mask(struct uthread *ut, void *arg)
{
	return thread_set_affinity(ut->thread, arg);
}

SYSCALL3(sched_getaffinity, int, pid, unsigned, len, void __user *, user_mask)
{
	size_t size = MIN((size_t)len, cpumask_bytes());
	cpumask_t m;
	int err;

	if (len * 8ULL < cpu_ids() || len % sizeof(long))
		return -EINVAL;
	err = uthread_call(pid, get_mask, &m);
	if (err)
		return err;
	for (unsigned i = 0; i < CPU_MAX / 64; i++)
		m.bits[i] &= cpu_online_mask.bits[i];
	return copy_to_user(user_mask, &m, size) ? -EFAULT : (long)size;
}

SYSCALL3(sched_setaffinity, int, pid, unsigned, len, const void __user *, user_mask)
{
	cpumask_t m;

	cpumask_clear(&m);
	if (copy_from_user(&m, user_mask, MIN((size_t)len, cpumask_bytes())))
		return -EFAULT;
	for (unsigned i = 0; i < CPU_MAX / 64; i++)
		m.bits[i] &= cpu_online_mask.bits[i];
	if (cpumask_empty(&m))
		return -EINVAL;
	return uthread_call(pid, set_mask, &m);
}
