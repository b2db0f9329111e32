/*
 * sync/spinlock.c — ticket spinlock (see keel/spinlock.h).
 *
 * Memory ordering: xadd is a full barrier on x86, so the critical section cannot start before
 * the ticket is ours; the release is a plain store of owner+1 after a compiler barrier, which
 * x86's store ordering makes visible after every store of the critical section.
 *
 * Preemption is disabled before the ticket is taken and enabled after the release: a thread
 * switched out while queued for, or holding, a lock would make every CPU behind it spin for a
 * whole time slice. preempt_disable/enable only touch this CPU's counter, so they are safe
 * before the scheduler exists and on panic paths (preempt_enable switches only where the
 * scheduler runs and interrupts are on).
 */
#include <keel/spinlock.h>
#include <keel/panic.h>

void spin_init(struct spinlock *l, const char *name)
{
	l->owner = 0;
	l->next = 0;
	l->name = name;
	l->holder = -1;
}

void spin_lock(struct spinlock *l)
{
	uint16_t ticket;

	preempt_disable();
	ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);
	/* Held by this very CPU: our ticket can never come. Report instead of hanging. */
	if (unlikely(ticket != l->owner && l->holder == (int)arch_cpu_id()))
		panic("spin_lock: recursive locking of %s on CPU %u", l->name, arch_cpu_id());
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		arch_relax();
	l->holder = (int)arch_cpu_id();
}

void spin_release(struct spinlock *l)
{
	l->holder = -1;
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

void spin_unlock(struct spinlock *l)
{
	spin_release(l);
	preempt_enable();
}

bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

bool spin_held(struct spinlock *l)
{
	return spin_is_locked(l) && l->holder == (int)arch_cpu_id();
}
