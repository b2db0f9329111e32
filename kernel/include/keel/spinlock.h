/*
 * keel/spinlock.h — ticket spinlocks.
 *
 * A lock is two 16-bit counters: `next` (the ticket handed to the next arriver, taken with an
 * atomic xadd) and `owner` (the ticket now served). FIFO-fair, so no CPU starves. The _irqsave
 * variants also disable interrupts and must be used for any lock an interrupt handler takes.
 * The holder's CPU is recorded to catch recursive locking at once instead of deadlocking.
 *
 * Holding a spinlock disables preemption (keel/preempt.h): the holder cannot be switched out or
 * migrated, and sleeping while holding one panics. spin_unlock_irqrestore re-enables
 * interrupts before preemption, so a reschedule that became due inside the section happens at
 * once rather than at the next tick.
 */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H

#include <keel/types.h>
#include <keel/arch.h>
#include <keel/preempt.h>

struct spinlock {
	volatile uint16_t owner;
	volatile uint16_t next;
	const char *name;
	int holder;		/* CPU id of the holder, -1 when free (debug checks) */
};

#define SPINLOCK_INIT(n)	{ 0, 0, (n), -1 }

void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_is_locked(struct spinlock *l);
/* True when this CPU holds l (for assertions). */
bool spin_held(struct spinlock *l);
/* Releases l but leaves preemption disabled: the caller ends that with preempt_enable*(). */
void spin_release(struct spinlock *l);

static inline bool spin_lock_irqsave(struct spinlock *l)
{
	bool f = arch_irq_save();

	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, bool f)
{
	spin_release(l);
	arch_irq_restore(f);
	preempt_enable();
}

#endif
