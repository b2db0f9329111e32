/*
 * proc/signal.c — generating and delivering signals: pending sets, masks, default actions,
 * job control, faults turned into signals.
 *
 * A signal is generated into a thread's pending set (tkill, faults) or its process's shared
 * set (kill), with its siginfo beside it; a second instance of a pending signal is merged.
 * Generation wakes one thread that does not block it (every thread for SIGKILL) with
 * sched_wake, or kicks its CPU when it is running, so the thread reaches signal_deliver on
 * its way back to user mode. There the thread takes its own signals first, then shared ones,
 * synchronous ones first (signal_next), and runs the action: a handler frame (arch), ignore,
 * stop, or the exit of the whole process.
 *
 * Locking: p->lock (outer) then p->sighand->lock (inner), both with interrupts off, because
 * signals are generated from interrupt handlers too (console ^C). p->lock is needed only to
 * walk p->threads. A thread's blocked/pending/has_saved_mask change under sighand->lock; its
 * altstack is touched only by the thread itself.
 */
#include <keel/assert.h>
#include <keel/signal.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/heap.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/arch.h>
#include <keel/syscall.h>
#include <arch/signal.h>
#include "signal_internal.h"

/* --- pending sets --- */

static void sig_store(sigset_t *set, struct ksiginfo *infos, int sig,
		      const struct ksiginfo *info)
{
	if (*set & sig_bit(sig))
		return;
	*set |= sig_bit(sig);
	if (info)
		infos[sig - 1] = *info;
	else
		infos[sig - 1] = (struct ksiginfo){ .code = SI_KERNEL };
}

/* Drops every signal of `set` from the process and its threads. p->lock and sighand. */
static void sig_flush_locked(struct proc *p, sigset_t set)
{
	assert_spin_held(&p->lock);
	assert_spin_held(&p->sighand->lock);
	p->shared_pending &= ~set;
	list_for_each(it, &p->threads)
		list_entry(it, struct uthread, proc_node)->pending &= ~set;
}

bool sig_pending_locked(const struct uthread *ut)
{
	const struct proc *p = ut->proc;

	assert_spin_held(&p->sighand->lock);
	return ((ut->pending | p->shared_pending) & ~ut->blocked) || p->group_exit ||
	       ((p->shared_pending | ut->pending) & sig_bit(SIGKILL)) || p->stopped;
}

/* Everything that must end a sleep (keel/syscall.h): an unblocked signal, SIGKILL, a group
 * exit (exit_group, or a fatal signal another thread took: no pending bit is left for us), a
 * stop. Without the group exit, threads asleep in futex or nanosleep outlived their process. */
bool sleep_signal_pending_locked(void)
{
	struct uthread *ut = uthread_current();

	return ut && sig_pending_locked(ut);
}

bool signal_pending(void)
{
	struct uthread *ut = uthread_current();
	const struct proc *p;

	if (!ut)
		return false;
	p = ut->proc;
	return ((READ_ONCE(ut->pending) | READ_ONCE(p->shared_pending)) & ~READ_ONCE(ut->blocked)) ||
	       READ_ONCE(p->group_exit) || READ_ONCE(p->stopped) || READ_ONCE(p->cont_notify);
}

/* Makes ut notice its signals soon: out of a sleep, or into the kernel if it is running. */
static void sig_kick(struct uthread *ut)
{
	struct thread *t = ut->thread;

	if (!sched_interrupt(t) && t != thread_current())
		smp_send_reschedule(thread_cpu(t));
}

void sig_kick_all_locked(struct proc *p)
{
	assert_spin_held(&p->lock);
	list_for_each(it, &p->threads)
		sig_kick(list_entry(it, struct uthread, proc_node));
}

/* A process-directed sig was queued: kick a thread that can take it (the caller if it is
 * one of them). p->lock and sighand. */
static void sig_pick_taker_locked(struct proc *p, int sig)
{
	struct uthread *cur = uthread_current();

	assert_spin_held(&p->lock);
	assert_spin_held(&p->sighand->lock);
	if (cur && cur->proc == p && !(cur->blocked & sig_bit(sig)))
		return;		/* it reaches signal_deliver on its way out */
	list_for_each(it, &p->threads) {
		struct uthread *ut = list_entry(it, struct uthread, proc_node);

		if (!(ut->blocked & sig_bit(sig))) {
			sig_kick(ut);
			return;
		}
	}
}

void sig_retarget(struct uthread *ut, sigset_t newly_blocked)
{
	struct proc *p = ut->proc;
	sigset_t moved;
	bool f;

	if (!(READ_ONCE(p->shared_pending) & newly_blocked))
		return;
	f = spin_lock_irqsave(&p->lock);
	spin_lock(&p->sighand->lock);
	moved = p->shared_pending & newly_blocked;
	for (int sig = 1; moved; sig++, moved >>= 1)
		if (moved & 1)
			sig_pick_taker_locked(p, sig);
	spin_unlock(&p->sighand->lock);
	spin_unlock_irqrestore(&p->lock, f);
}

/* --- generation --- */

/* Ends a group stop. sighand. */
static void sig_continue_locked(struct proc *p)
{
	assert_spin_held(&p->sighand->lock);
	if (!p->stopped)
		return;
	p->stopped = false;
	p->stop_event = STOP_EVENT_CONTINUED;
	p->cont_notify = true;
}

/*
 * The effects of generating sig that happen at once, whatever the target does later
 * (Linux's prepare_signal): SIGCONT and SIGKILL end a stop and drop pending stop signals, a
 * stop signal drops a pending SIGCONT. False when the signal is to be discarded: the process
 * is exiting, the action ignores it, or p is init and has no handler for it.
 * p->lock and sighand.
 */
static bool sig_prepare_locked(struct proc *p, int sig, bool forced)
{
	const struct k_sigaction *ka = &p->sighand->action[sig - 1];
	bool continued = false;

	assert_spin_held(&p->lock);
	assert_spin_held(&p->sighand->lock);
	if (p->state != PROC_ALIVE || p->group_exit)
		return false;
	if (sig == SIGCONT || sig == SIGKILL) {
		continued = p->stopped;
		sig_flush_locked(p, SIG_STOPS);
		sig_continue_locked(p);
	} else if (sig_bit(sig) & SIG_STOPS) {
		sig_flush_locked(p, sig_bit(SIGCONT));
	}
	if (continued)
		sig_kick_all_locked(p);
	if (forced)
		return true;
	if (p->pid == 1 && ka->handler == SIG_DFL)
		return false;	/* init gets only the signals it handles (Linux's unkillable) */
	return !signal_action_ignores(ka, sig);
}

/* ut == NULL: process-directed. p->lock and sighand held by the caller. */
static void sig_generate_locked(struct proc *p, struct uthread *ut, int sig,
				const struct ksiginfo *info)
{
	if (!sig_prepare_locked(p, sig, false))
		return;
	if (sig == SIGKILL) {
		sig_store(&p->shared_pending, p->shared_info, sig, info);
		sig_kick_all_locked(p);
	} else if (ut) {
		sig_store(&ut->pending, ut->pending_info, sig, info);
		if (!(ut->blocked & sig_bit(sig)))
			sig_kick(ut);
	} else {
		sig_store(&p->shared_pending, p->shared_info, sig, info);
		sig_pick_taker_locked(p, sig);
	}
}

static int sig_send(struct proc *p, struct uthread *ut, int sig, const struct ksiginfo *info)
{
	bool f;

	if (!signal_valid(sig))
		return -EINVAL;
	f = spin_lock_irqsave(&p->lock);
	if (p->sighand) {	/* NULL once the last thread is gone: a zombie takes none */
		spin_lock(&p->sighand->lock);
		sig_generate_locked(p, ut, sig, info);
		spin_unlock(&p->sighand->lock);
	}
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}

int signal_send_info(struct proc *p, int sig, const struct ksiginfo *info)
{
	return sig_send(p, NULL, sig, info);
}

int signal_send(struct proc *p, int sig)
{
	return sig_send(p, NULL, sig, NULL);
}

int signal_send_thread_info(struct uthread *ut, int sig, const struct ksiginfo *info)
{
	return sig_send(ut->proc, ut, sig, info);
}

int signal_send_thread(struct uthread *ut, int sig)
{
	return sig_send(ut->proc, ut, sig, NULL);
}

int sig_send_tid_locked(struct proc *p, int tid, int sig, const struct ksiginfo *info)
{
	struct uthread *ut = proc_thread_locked(p, tid);

	if (!ut)
		return -ESRCH;
	if (sig && p->sighand) {
		spin_lock(&p->sighand->lock);
		sig_generate_locked(p, ut, sig, info);
		spin_unlock(&p->sighand->lock);
	}
	return 0;
}

bool sig_may_send(struct proc *t, int sig)
{
	struct proc *me = proc_current();
	struct cred c;

	if (!me)
		return true;
	if (sig == SIGCONT && READ_ONCE(t->sid) == READ_ONCE(me->sid))
		return true;
	cred_of(me, &c);
	return cred_may_signal(&c, t);
}

struct pgrp_send {
	int pgid, sig;
	const struct ksiginfo *info;
	int found, sent;
};

static int pgrp_send_one(struct proc *p, void *arg)
{
	struct pgrp_send *ps = arg;

	if (READ_ONCE(p->pgid) != ps->pgid || p->state != PROC_ALIVE)
		return 0;
	ps->found++;
	if (ps->info && !sig_may_send(p, ps->sig))
		return 0;
	ps->sent++;
	if (ps->sig)
		signal_send_info(p, ps->sig, ps->info);
	return 0;
}

int sig_send_pgrp_info(int pgid, int sig, const struct ksiginfo *info)
{
	struct pgrp_send ps = { pgid, sig, info, 0, 0 };

	if (sig && !signal_valid(sig))
		return -EINVAL;
	proc_for_each(pgrp_send_one, &ps);
	return ps.sent ? 0 : ps.found ? -EPERM : -ESRCH;
}

int signal_send_pgrp(int pgid, int sig)
{
	return sig_send_pgrp_info(pgid, sig, NULL);
}

/* --- the parent: SIGCHLD --- */

/* SA_NOCLDSTOP in the parent suppresses the signal, not the wakeup. */
void sig_notify_parent_stop(struct proc *child, int code, int sig)
{
	struct ksiginfo info = { .code = code, .pid = child->pid, .status = sig };
	struct proc *parent;
	bool f = spin_lock_irqsave(&proc_tree_lock);

	parent = child->parent;
	if (parent) {
		if (!(READ_ONCE(parent->sighand->action[SIGCHLD - 1].flags) & SA_NOCLDSTOP))
			signal_send_info(parent, SIGCHLD, &info);
		wq_wake_all(&parent->child_wait);
	}
	spin_unlock_irqrestore(&proc_tree_lock, f);
}

bool signal_notify_parent(struct proc *child)
{
	struct proc *parent = child->parent;
	struct ksiginfo info = { .pid = child->pid };
	const struct k_sigaction *ka;
	int st = child->exit_status;
	bool autoreap, f;

	if (!parent)
		return false;
	if ((st & 0x7f) == 0) {
		info.code = CLD_EXITED;
		info.status = (st >> 8) & 0xff;
	} else {
		info.code = (st & 0x80) ? CLD_DUMPED : CLD_KILLED;
		info.status = st & 0x7f;
	}
	f = spin_lock_irqsave(&parent->lock);
	if (!parent->sighand) {
		spin_unlock_irqrestore(&parent->lock, f);
		return false;
	}
	spin_lock(&parent->sighand->lock);
	ka = &parent->sighand->action[SIGCHLD - 1];
	autoreap = child->exit_signal == SIGCHLD &&
		   (ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT));
	if (signal_valid(child->exit_signal))
		sig_generate_locked(parent, NULL, child->exit_signal, &info);
	spin_unlock(&parent->sighand->lock);
	spin_unlock_irqrestore(&parent->lock, f);
	return autoreap;
}

int signal_wait_report(struct proc *child, bool stopped, bool continued)
{
	struct sighand *sh;
	bool f = spin_lock_irqsave(&child->lock);
	int st = 0;

	sh = child->sighand;
	if (!sh) {
		spin_unlock_irqrestore(&child->lock, f);
		return 0;
	}
	spin_lock(&sh->lock);

	if (stopped && child->stop_event == STOP_EVENT_STOPPED && child->stopped)
		st = (child->stop_sig << 8) | 0x7f;
	else if (continued && child->stop_event == STOP_EVENT_CONTINUED)
		st = 0xffff;
	if (st)
		child->stop_event = STOP_EVENT_NONE;
	spin_unlock(&sh->lock);
	spin_unlock_irqrestore(&child->lock, f);
	return st;
}

/* --- waiting --- */

void sig_wait(struct uthread *ut)
{
	struct spinlock *lk = &ut->proc->sighand->lock;
	bool f;

	sched_might_sleep("signal wait");
	f = spin_lock_irqsave(lk);
	while (!sig_pending_locked(ut)) {
		sched_block(lk, 0);
		spin_lock(lk);
	}
	spin_unlock_irqrestore(lk, f);
}
