/*
 * proc/sigdeliver.c — what a thread does with its signals on the way back to user mode, and
 * faults turned into signals.
 *
 * signal_deliver runs on every return to user mode. It takes the thread's pending signals
 * one by one (its own before its process's, synchronous ones first) and runs each action:
 * SIGKILL or a fatal default ends the process (proc_exit_group with status = the signal, |
 * 0x80 for core-dump signals); ignore drops it; stop parks every thread of the process
 * until SIGCONT; a handler gets a frame (arch_signal_setup) and the mask grows by sa_mask
 * and the signal (unless SA_NODEFER). Several handlers may be stacked in one return, the
 * last one runs first, as on Linux. A system call interrupted with -ERESTARTSYS restarts
 * when no handler runs or the handler has SA_RESTART, and fails with -EINTR otherwise;
 * -ERESTARTNOHAND (pause, sigsuspend) restarts only when no handler runs;
 * -ERESTART_RESTARTBLOCK likewise, through restart_syscall and the thread's restart block.
 */
#include <keel/assert.h>
#include <keel/signal.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/sched.h>
#include <keel/arch.h>
#include <arch/signal.h>
#include <uapi/syscalls.h>
#include "signal_internal.h"

static __noreturn void sig_kill_report(struct trap_frame *tf, int sig, uint64_t addr)
{
	struct proc *p = proc_current();

	klog(LOG_ERR, "pid %d (%s) killed: %s at rip=0x%lx addr=0x%lx\n", p->pid, p->name,
	     signal_name(sig), arch_user_pc(tf), addr);
	proc_exit_group(signal_kill_status(sig));
}

/* Takes the next deliverable signal of ut; 0 when none. sighand held. */
static int sig_dequeue_locked(struct uthread *ut, struct ksiginfo *info)
{
	struct proc *p = ut->proc;
	int sig = signal_next(ut->pending & ~ut->blocked);

	assert_spin_held(&p->sighand->lock);
	if (sig) {
		ut->pending &= ~sig_bit(sig);
		*info = ut->pending_info[sig - 1];
		return sig;
	}
	sig = signal_next(p->shared_pending & ~ut->blocked);
	if (sig) {
		p->shared_pending &= ~sig_bit(sig);
		*info = p->shared_info[sig - 1];
	}
	return sig;
}

static bool sig_kill_pending(const struct uthread *ut)
{
	return (ut->pending | ut->proc->shared_pending) & sig_bit(SIGKILL);
}

/* Sleeps while the process is stopped (until SIGCONT, SIGKILL or a group exit).
 * sighand held on entry and on return, interrupts off. */
static void sig_park_locked(struct uthread *ut)
{
	struct proc *p = ut->proc;

	assert_spin_held(&p->sighand->lock);
	while (p->stopped && !sig_kill_pending(ut) && !p->group_exit) {
		sched_block(&p->sighand->lock, 0);
		spin_lock(&p->sighand->lock);
	}
}

/* Starts a group stop for sig: every thread parks in signal_deliver; the parent learns.
 * Called and returns with sighand held (dropped inside), interrupts off. */
static void sig_stop_locked(struct uthread *ut, int sig)
{
	struct proc *p = ut->proc;

	assert_spin_held(&p->sighand->lock);
	p->stopped = true;
	p->stop_sig = sig;
	p->stop_event = STOP_EVENT_STOPPED;
	p->cont_notify = false;
	spin_unlock(&p->sighand->lock);
	spin_lock(&p->lock);
	spin_lock(&p->sighand->lock);
	if (p->stopped)
		sig_kick_all_locked(p);
	spin_unlock(&p->sighand->lock);
	spin_unlock(&p->lock);
	sig_notify_parent_stop(p, CLD_STOPPED, sig);
	spin_lock(&p->sighand->lock);
}

/*
 * Runs every action that needs no frame until a signal with a handler comes up: returns it
 * with its action (already reset under SA_RESETHAND) and the mask its frame saves, or 0
 * when nothing is left. Does not return when the process dies.
 */
static int sig_next_handler(struct uthread *ut, struct k_sigaction *ka, struct ksiginfo *info,
			    sigset_t *oldmask)
{
	struct proc *p = ut->proc;
	struct sighand *sh = p->sighand;
	bool f = spin_lock_irqsave(&sh->lock);
	int sig;

	for (;;) {
		sig_park_locked(ut);
		if (p->group_exit || sig_kill_pending(ut)) {
			bool group = !p->group_exit;

			spin_unlock_irqrestore(&sh->lock, f);
			if (group)
				proc_exit_group(signal_kill_status(SIGKILL));
			proc_exit_thread(0);	/* another thread is ending the process */
		}
		if (p->cont_notify) {
			p->cont_notify = false;
			spin_unlock(&sh->lock);
			sig_notify_parent_stop(p, CLD_CONTINUED, SIGCONT);
			spin_lock(&sh->lock);
			continue;
		}
		sig = sig_dequeue_locked(ut, info);
		if (!sig)
			break;
		*ka = sh->action[sig - 1];
		if (ka->handler == SIG_IGN)
			continue;
		if (ka->handler != SIG_DFL) {
			if (ka->flags & SA_RESETHAND)
				sh->action[sig - 1].handler = SIG_DFL;
			*oldmask = ut->has_saved_mask ? ut->saved_mask : ut->blocked;
			break;
		}
		if (p->pid == 1)
			continue;	/* init: default actions never apply */
		switch (signal_default_action(sig)) {
		case SIGDFL_IGNORE:
		case SIGDFL_CONT:
			continue;
		case SIGDFL_STOP:
			sig_stop_locked(ut, sig);
			continue;
		case SIGDFL_TERM:
		case SIGDFL_CORE:
			spin_unlock_irqrestore(&sh->lock, f);
			proc_exit_group(signal_kill_status(sig));
		}
	}
	spin_unlock_irqrestore(&sh->lock, f);
	return sig;
}

/* Builds the frame for a handler and blocks what it asks; kills the process with SIGSEGV
 * when the frame cannot be written. */
static void sig_run_handler(struct trap_frame *tf, struct uthread *ut, int sig,
			    const struct ksiginfo *info, const struct fault_regs *regs,
			    const struct k_sigaction *ka, sigset_t oldmask)
{
	struct sigframe_req req = { sig, info, regs, ka, oldmask, &ut->altstack };
	struct sighand *sh = ut->proc->sighand;
	sigset_t add = ka->mask | ((ka->flags & SA_NODEFER) ? 0 : sig_bit(sig));
	sigset_t before;
	uint64_t bad = 0;
	bool f;

	if (arch_signal_setup(tf, &req, &bad))
		sig_kill_report(tf, SIGSEGV, bad);
	f = spin_lock_irqsave(&sh->lock);
	before = ut->blocked;
	ut->blocked = (ut->blocked | add) & ~SIG_UNBLOCKABLE;
	ut->has_saved_mask = false;
	spin_unlock_irqrestore(&sh->lock, f);
	sig_retarget(ut, ut->blocked & ~before);
}

/* A sigsuspend whose signal ran no handler gets its mask back (and restarts). */
static void sig_restore_saved_mask(struct uthread *ut)
{
	struct sighand *sh = ut->proc->sighand;
	bool f = spin_lock_irqsave(&sh->lock);

	if (ut->has_saved_mask) {
		ut->blocked = ut->saved_mask;
		ut->has_saved_mask = false;
	}
	spin_unlock_irqrestore(&sh->lock, f);
}

void signal_deliver(struct trap_frame *tf)
{
	struct uthread *ut = uthread_current();
	bool restart_pending;
	long ret = 0;

	if (!ut)
		return;
	restart_pending = arch_syscall_result(tf, &ret) &&
			  (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND ||
			   ret == -ERESTART_RESTARTBLOCK);
	/* The common case, every syscall: nothing to do, no lock. A signal generated after
	 * this check is seen by the caller's re-check with interrupts off. */
	if (!signal_pending() && !restart_pending && !READ_ONCE(ut->has_saved_mask))
		return;
	for (;;) {
		struct k_sigaction ka;
		struct ksiginfo info;
		sigset_t oldmask;
		int sig = sig_next_handler(ut, &ka, &info, &oldmask);

		if (!sig)
			break;
		if (restart_pending) {
			/* Decided before the frame is built: the frame saves the outcome. */
			if (ret == -ERESTARTSYS && (ka.flags & SA_RESTART))
				arch_syscall_restart(tf);
			else
				arch_syscall_set_result(tf, -EINTR);
			restart_pending = false;
		}
		sig_run_handler(tf, ut, sig, &info, NULL, &ka, oldmask);
	}
	if (restart_pending && ret == -ERESTART_RESTARTBLOCK)
		arch_syscall_restart_nr(tf, __NR_restart_syscall);
	else if (restart_pending)
		arch_syscall_restart(tf);
	sig_restore_saved_mask(ut);
}

void signal_fault(struct trap_frame *tf, const struct fault_info *fi)
{
	struct uthread *ut = uthread_current();
	struct sighand *sh = ut->proc->sighand;
	struct ksiginfo info = { .code = fi->code, .addr = fi->addr };
	struct fault_regs regs;
	struct k_sigaction ka;
	sigset_t oldmask;
	bool handled, f;

	f = spin_lock_irqsave(&sh->lock);
	ka = sh->action[fi->sig - 1];
	handled = !(ut->blocked & sig_bit(fi->sig)) && ka.handler != SIG_DFL &&
		  ka.handler != SIG_IGN;
	if (handled && (ka.flags & SA_RESETHAND))
		sh->action[fi->sig - 1].handler = SIG_DFL;
	oldmask = ut->has_saved_mask ? ut->saved_mask : ut->blocked;
	spin_unlock_irqrestore(&sh->lock, f);
	if (!handled)
		sig_kill_report(tf, fi->sig, fi->addr);
	arch_fault_regs(tf, fi, &regs);
	sig_run_handler(tf, ut, fi->sig, &info, &regs, &ka, oldmask);
}
