/*
 * proc/acct.c — what a process has used: CPU time (its own threads', living and dead, and its
 * reaped children's), the count of processes created since boot, and a counted reference to
 * another process's address space for /proc.
 *
 * CPU time is kept in scheduler ticks (SCHED_TICK_NS each), sampled by the tick (sched.h):
 * a thread's user_ticks/sys_ticks while it lives, folded into its process's dead_* counters
 * when it exits, and a reaped child's total (its own plus its children's) folded into the
 * parent's child_* counters by wait4, as Linux's cutime/cstime. All under p->lock.
 */
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/uvm.h>
#include "internal.h"

static uint64_t forks;

void proc_count_fork(void)
{
	__atomic_add_fetch(&forks, 1, __ATOMIC_RELAXED);
}

uint64_t proc_fork_count(void)
{
	return __atomic_load_n(&forks, __ATOMIC_RELAXED);
}

void proc_cputime(struct proc *p, struct proc_cputime *ct)
{
	bool f = spin_lock_irqsave(&p->lock);

	ct->user = p->dead_uticks;
	ct->sys = p->dead_sticks;
	list_for_each_entry(ut, &p->threads, struct uthread, proc_node) {
		ct->user += READ_ONCE(ut->thread->user_ticks);
		ct->sys += READ_ONCE(ut->thread->sys_ticks);
	}
	ct->child_user = p->child_uticks;
	ct->child_sys = p->child_sticks;
	spin_unlock_irqrestore(&p->lock, f);
}

/* The exiting thread ut (still on p->threads) hands its ticks to p. */
void proc_acct_thread_exit(struct proc *p, struct uthread *ut)
{
	bool f = spin_lock_irqsave(&p->lock);

	p->dead_uticks += ut->thread->user_ticks;
	p->dead_sticks += ut->thread->sys_ticks;
	ut->thread->user_ticks = ut->thread->sys_ticks = 0;
	spin_unlock_irqrestore(&p->lock, f);
}

void proc_acct_reap(struct proc *parent, struct proc *c, struct proc_cputime *ct)
{
	bool f;

	proc_cputime(c, ct);
	f = spin_lock_irqsave(&parent->lock);
	parent->child_uticks += ct->user + ct->child_user;
	parent->child_sticks += ct->sys + ct->child_sys;
	spin_unlock_irqrestore(&parent->lock, f);
}

struct mm *proc_mm_get(struct proc *p)
{
	bool f = spin_lock_irqsave(&p->lock);
	struct mm *mm = p->mm;

	if (mm)
		mm_get(mm);
	spin_unlock_irqrestore(&p->lock, f);
	return mm;
}
