/*
 * keel/preempt.h — preemption control (implemented in sched/core.c).
 *
 * Each CPU counts reasons the running thread may not be switched out: preempt_count in its
 * struct cpu_local. Every held spinlock is one reason (spin_lock disables preemption), so a
 * thread holding a spinlock is never preempted, never migrated, and may not sleep. The count
 * changes with one instruction on the CPU's own counter (arch_preempt_*), so a thread preempted
 * in the middle of preempt_disable() cannot bump another CPU's count.
 *
 * preempt_enable() dropping the count to zero honours a pending need_resched, but only where
 * switching is safe: the scheduler runs on this CPU and interrupts are enabled (interrupt
 * handlers and irq-saving critical sections run with them off; sched_irq_exit() is their
 * preemption point). Before sched_init and in panic paths it therefore never schedules.
 */
#ifndef KEEL_PREEMPT_H
#define KEEL_PREEMPT_H

#include <keel/types.h>
#include <keel/arch.h>

/* The slow half of preempt_enable(): switches if a reschedule is due and allowed. */
void preempt_schedule(void);

static inline void preempt_disable(void)
{
	arch_preempt_inc();
	barrier();
}

static inline void preempt_enable(void)
{
	barrier();
	if (arch_preempt_dec_is_zero())
		preempt_schedule();
}

/* Drops the count without the reschedule check: the caller reschedules itself or cannot. */
static inline void preempt_enable_no_resched(void)
{
	barrier();
	(void)arch_preempt_dec_is_zero();
}

static inline int preempt_count(void)
{
	return arch_preempt_count();
}

#endif
