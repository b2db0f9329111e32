/*
 * sync/spinlock.c — ticket spinlock (see keel/spinlock.h).
 *
 * Memory ordering: xadd is a full barrier on x86, so the critical section cannot start before
 * the ticket is ours; the release is a plain store of owner+1 after a compiler barrier, which
 * x86's store ordering makes visible after every store of the critical section.
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
	uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);

	/* Held by this very CPU: our ticket can never come. Report instead of hanging. */
	if (unlikely(ticket != l->owner && l->holder == (int)arch_cpu_id()))
		panic("spin_lock: recursive locking of %s on CPU %u", l->name, arch_cpu_id());
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		arch_relax();
	l->holder = (int)arch_cpu_id();
}

void spin_unlock(struct spinlock *l)
{
	l->holder = -1;
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}
