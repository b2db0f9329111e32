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

SYSCALL0(24, sched_yield)
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
struct tid_call {
	int tid;
	int (*fn)(struct thread *t, void *arg);
	void *arg;
	int ret;
};

static int call_if_tid(struct proc *p, void *arg)
{
	struct tid_call *c = arg;
	bool f = spin_lock_irqsave(&p->lock), found = false;

	list_for_each(n, &p->threads) {
		struct uthread *ut = list_entry(n, struct uthread, proc_node);

		if (ut->thread->tid == c->tid) {
			c->ret = c->fn(ut->thread, c->arg);
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	return found;
}

/* fn's result for thread tid (0: the caller, which fn may then sleep in), or -ESRCH. fn runs
 * under a spinlock for any other thread. */
static int with_thread(int tid, int (*fn)(struct thread *t, void *arg), void *arg)
{
	struct thread *me = thread_current();
	struct tid_call c = { tid, fn, arg, -ESRCH };

	if (tid < 0)
		return -ESRCH;
	if (tid == 0 || tid == me->tid)
		return fn(me, arg);
	return proc_for_each(call_if_tid, &c) ? c.ret : -ESRCH;
}

static int get_mask(struct thread *t, void *arg)
{
	*(cpumask_t *)arg = t->affinity;	/* a racing change gives the old or the new mask */
	return 0;
}

static int set_mask(struct thread *t, void *arg)
{
	return thread_set_affinity(t, arg);
}

SYSCALL3(204, sched_getaffinity, int, pid, unsigned, len, void __user *, user_mask)
{
	size_t size = MIN((size_t)len, cpumask_bytes());
	cpumask_t m;
	int err;

	if (len * 8ULL < cpu_ids() || len % sizeof(long))
		return -EINVAL;
	err = with_thread(pid, get_mask, &m);
	if (err)
		return err;
	for (unsigned i = 0; i < CPU_MAX / 64; i++)
		m.bits[i] &= cpu_online_mask.bits[i];
	return copy_to_user(user_mask, &m, size) ? -EFAULT : (long)size;
}

SYSCALL3(203, sched_setaffinity, int, pid, unsigned, len, const void __user *, user_mask)
{
	cpumask_t m;

	cpumask_clear(&m);
	if (copy_from_user(&m, user_mask, MIN((size_t)len, cpumask_bytes())))
		return -EFAULT;
	for (unsigned i = 0; i < CPU_MAX / 64; i++)
		m.bits[i] &= cpu_online_mask.bits[i];
	if (cpumask_empty(&m))
		return -EINVAL;
	return with_thread(pid, set_mask, &m);
}
