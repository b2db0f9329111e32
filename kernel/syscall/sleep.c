/*
 * syscall/sleep.c — interruptible sleeping for syscall handlers (keel/syscall.h).
 *
 * Why the sighand lock: sched_block takes one lock, releases it only once the caller is
 * BLOCKED, and a waker that takes the same lock before sched_wake can therefore never wake
 * the sleeper "too early" (while it is still running, which sched_wake ignores). A signal is
 * queued with the target's sighand lock held (keel/proc.h), so checking for signals under that
 * lock and blocking with it closes the window between the check and the sleep. Other wakers
 * of the same sleeper (futex.c) take this lock too when they wake it.
 */
#include <keel/syscall.h>
#include <keel/errno.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/spinlock.h>
#include <keel/time.h>

struct spinlock *sleep_signal_lock(void)
{
	struct uthread *ut = uthread_current();

	return ut ? &ut->proc->sighand->lock : NULL;
}

int sleep_until(uint64_t deadline)
{
	struct spinlock *lk = sleep_signal_lock();
	uint64_t dl = deadline == UINT64_MAX ? 0 : deadline;	/* sched_block: 0 = none */

	sched_might_sleep("sleep_until");
	for (;;) {
		bool f = arch_irq_save(), intr;

		if (lk)
			spin_lock(lk);
		intr = sleep_signal_pending_locked();
		if (intr || (dl && time_ns() >= dl)) {
			if (lk)
				spin_unlock(lk);
			arch_irq_restore(f);
			return intr ? -EINTR : 0;
		}
		sched_block(lk, dl);		/* releases lk */
		arch_irq_restore(f);
	}
}
