/*
 * proc/signal_sys.c — the signal system calls (Linux numbers and errno semantics) and the
 * lifetime of struct sighand.
 *
 * rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, pause, rt_sigreturn,
 * sigaltstack, kill, tkill, tgkill. Every user pointer is read or written through
 * copy_from_user/copy_to_user before or after the locked part, never inside it. Sigset
 * arguments are the kernel's 8-byte sets: any other size is -EINVAL.
 */
#include <keel/signal.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/sched.h>
#include <keel/syscall.h>
#include <arch/signal.h>
#include "signal_internal.h"

#define SIGSET_BYTES	sizeof(sigset_t)

/* --- struct sighand --- */

struct sighand *sighand_alloc(struct sighand *parent_sh)
{
	struct sighand *sh = kzalloc(sizeof(*sh));

	if (!sh)
		return NULL;
	spin_init(&sh->lock, "sighand");
	sh->refs = 1;
	if (parent_sh) {
		bool f = spin_lock_irqsave(&parent_sh->lock);

		memcpy(sh->action, parent_sh->action, sizeof(sh->action));
		spin_unlock_irqrestore(&parent_sh->lock, f);
	}
	return sh;
}

void sighand_get(struct sighand *sh)
{
	__atomic_add_fetch(&sh->refs, 1, __ATOMIC_RELAXED);
}

void sighand_put(struct sighand *sh)
{
	if (sh && __atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(sh);
}

int signal_exec(struct proc *p, struct uthread *ut)
{
	struct sighand *sh = p->sighand;
	bool f;

	if (__atomic_load_n(&sh->refs, __ATOMIC_ACQUIRE) > 1) {
		struct sighand *priv = sighand_alloc(sh);

		if (!priv)
			return -ENOMEM;
		f = spin_lock_irqsave(&p->lock);
		p->sighand = priv;
		spin_unlock_irqrestore(&p->lock, f);
		sighand_put(sh);
		sh = priv;
	}
	f = spin_lock_irqsave(&sh->lock);
	for (int i = 0; i < NSIG; i++)
		if (sh->action[i].handler != SIG_IGN)
			sh->action[i] = (struct k_sigaction){ 0 };
	spin_unlock_irqrestore(&sh->lock, f);
	ut->altstack = (struct k_sigaltstack){ 0 };
	return 0;
}

void signal_kick_threads(struct proc *p)
{
	bool f = spin_lock_irqsave(&p->lock);

	spin_lock(&p->sighand->lock);
	sig_kick_all_locked(p);
	spin_unlock(&p->sighand->lock);
	spin_unlock_irqrestore(&p->lock, f);
}

/* --- actions and masks --- */

/* Installs *act for sig (and flushes the signal when it is now ignored); *old gets the
 * previous action. */
static void sig_set_action(struct proc *p, int sig, const struct k_sigaction *act,
			   struct k_sigaction *old)
{
	struct sighand *sh = p->sighand;
	bool f = spin_lock_irqsave(&p->lock);

	spin_lock(&sh->lock);
	*old = sh->action[sig - 1];
	if (act) {
		sh->action[sig - 1] = *act;
		sh->action[sig - 1].mask &= ~SIG_UNBLOCKABLE;
		if (signal_action_ignores(act, sig)) {
			p->shared_pending &= ~sig_bit(sig);
			list_for_each(it, &p->threads)
				list_entry(it, struct uthread, proc_node)->pending &= ~sig_bit(sig);
		}
	}
	spin_unlock(&sh->lock);
	spin_unlock_irqrestore(&p->lock, f);
}

SYSCALL4(rt_sigaction, int, sig, const struct k_sigaction __user *, uact,
	 struct k_sigaction __user *, uoact, size_t, sigsetsize)
{
	struct k_sigaction act, old;

	if (sigsetsize != SIGSET_BYTES)
		return -EINVAL;
	if (uact && copy_from_user(&act, uact, sizeof(act)))
		return -EFAULT;
	if (!signal_valid(sig) || (uact && (sig_bit(sig) & SIG_UNBLOCKABLE)))
		return -EINVAL;
	sig_set_action(proc_current(), sig, uact ? &act : NULL, &old);
	if (uoact && copy_to_user(uoact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* Applies rt_sigprocmask's how/set to the caller's mask; returns the old one. */
static sigset_t sig_change_mask(struct uthread *ut, int how, sigset_t set)
{
	struct sighand *sh = ut->proc->sighand;
	bool f = spin_lock_irqsave(&sh->lock);
	sigset_t old = ut->blocked;

	if (how == SIG_BLOCK)
		ut->blocked |= set;
	else if (how == SIG_UNBLOCK)
		ut->blocked &= ~set;
	else
		ut->blocked = set;
	ut->blocked &= ~SIG_UNBLOCKABLE;
	spin_unlock_irqrestore(&sh->lock, f);
	sig_retarget(ut, ut->blocked & ~old);
	return old;
}

SYSCALL4(rt_sigprocmask, int, how, const sigset_t __user *, uset,
	 sigset_t __user *, uoset, size_t, sigsetsize)
{
	struct uthread *ut = uthread_current();
	sigset_t set, old = ut->blocked;

	if (sigsetsize != SIGSET_BYTES)
		return -EINVAL;
	if (uset) {
		if (copy_from_user(&set, uset, sizeof(set)))
			return -EFAULT;
		if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
			return -EINVAL;
		old = sig_change_mask(ut, how, set);
	}
	if (uoset && copy_to_user(uoset, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL2(rt_sigpending, sigset_t __user *, uset, size_t, sigsetsize)
{
	struct uthread *ut = uthread_current();
	struct sighand *sh = ut->proc->sighand;
	sigset_t set;
	bool f;

	if (sigsetsize > SIGSET_BYTES)
		return -EINVAL;
	f = spin_lock_irqsave(&sh->lock);
	set = (ut->pending | ut->proc->shared_pending) & ut->blocked;
	spin_unlock_irqrestore(&sh->lock, f);
	return copy_to_user(uset, &set, sigsetsize) ? -EFAULT : 0;
}

SYSCALL2(rt_sigsuspend, const sigset_t __user *, uset, size_t, sigsetsize)
{
	sigset_t set;

	if (sigsetsize != SIGSET_BYTES)
		return -EINVAL;
	if (copy_from_user(&set, uset, sizeof(set)))
		return -EFAULT;
	signal_begin_temp_mask(set);
	sig_wait(uthread_current());
	return -ERESTARTNOHAND;	/* signal_deliver puts the mask back */
}

void signal_begin_temp_mask(sigset_t set)
{
	struct uthread *ut = uthread_current();
	struct sighand *sh = ut->proc->sighand;
	bool f = spin_lock_irqsave(&sh->lock);
	sigset_t before = ut->blocked;

	ut->saved_mask = ut->blocked;
	ut->has_saved_mask = true;
	ut->blocked = set & ~SIG_UNBLOCKABLE;
	spin_unlock_irqrestore(&sh->lock, f);
	sig_retarget(ut, ut->blocked & ~before);
}

void signal_end_temp_mask(bool interrupted)
{
	struct uthread *ut = uthread_current();
	struct sighand *sh = ut->proc->sighand;
	bool f;

	if (interrupted)
		return;
	f = spin_lock_irqsave(&sh->lock);
	if (ut->has_saved_mask) {
		ut->blocked = ut->saved_mask;
		ut->has_saved_mask = false;
	}
	spin_unlock_irqrestore(&sh->lock, f);
}

/* After -ERESTART_RESTARTBLOCK: resumes the interrupted call from its restart block. */
SYSCALL0(restart_syscall)
{
	struct restart_block *rb = &uthread_current()->restart;
	long (*fn)(struct restart_block *) = rb->fn;

	rb->fn = NULL;
	return fn ? fn(rb) : -EINTR;
}

SYSCALL0(pause)
{
	sig_wait(uthread_current());
	return -ERESTARTNOHAND;
}

/* --- rt_sigreturn, sigaltstack --- */

SYSCALL0(rt_sigreturn)
{
	struct uthread *ut = uthread_current();
	struct trap_frame *tf = arch_user_frame(ut->thread);
	struct sighand *sh = ut->proc->sighand;
	struct sigreturn_state st;
	struct k_sigaltstack ss;
	sigset_t before;
	uint64_t bad;
	bool f;

	if (arch_signal_restore(tf, &st, &bad)) {
		struct fault_info fi = { SIGSEGV, SI_KERNEL, bad, "bad signal frame" };

		signal_fault(tf, &fi);
		return 0;	/* the SIGSEGV handler's rax */
	}
	f = spin_lock_irqsave(&sh->lock);
	before = ut->blocked;
	ut->blocked = st.mask & ~SIG_UNBLOCKABLE;
	spin_unlock_irqrestore(&sh->lock, f);
	sig_retarget(ut, ut->blocked & ~before);
	/* As Linux: a bad saved altstack is ignored, and it is kept while running on it. */
	if (!signal_on_altstack(&ut->altstack, arch_user_sp(tf)) &&
	    !signal_altstack_check(st.ss_sp, st.ss_flags, st.ss_size, &ss))
		ut->altstack = ss;
	return (long)st.rax;
}

SYSCALL2(sigaltstack, const struct linux_stack __user *, uss,
	 struct linux_stack __user *, uoss)
{
	struct uthread *ut = uthread_current();
	uint64_t sp = arch_user_sp(arch_user_frame(ut->thread));
	struct linux_stack old = {
		.ss_sp = ut->altstack.sp,
		.ss_flags = signal_altstack_flags(&ut->altstack, sp),
		.ss_size = ut->altstack.size,
	};

	if (uss) {
		struct linux_stack in;
		struct k_sigaltstack ss;
		int err;

		if (copy_from_user(&in, uss, sizeof(in)))
			return -EFAULT;
		if (signal_on_altstack(&ut->altstack, sp))
			return -EPERM;
		err = signal_altstack_check(in.ss_sp, in.ss_flags, in.ss_size, &ss);
		if (err)
			return err;
		ut->altstack = ss;
	}
	if (uoss && copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* --- kill, tkill, tgkill --- */

static struct ksiginfo sig_user_info(int code)
{
	struct proc *p = proc_current();
	struct cred c;

	cred_of(p, &c);
	return (struct ksiginfo){ .code = code, .pid = p ? p->pid : 0, .uid = (int)c.uid };
}

struct kill_all {
	int sig, self, found;
	const struct ksiginfo *info;
};

static int kill_all_one(struct proc *p, void *arg)
{
	struct kill_all *ka = arg;

	if (p->pid == 1 || p->pid == ka->self || p->state != PROC_ALIVE)
		return 0;
	ka->found++;		/* Linux counts the ones it may not signal too */
	if (ka->sig && sig_may_send(p, ka->sig))
		signal_send_info(p, ka->sig, ka->info);
	return 0;
}

SYSCALL2(kill, int, pid, int, sig)
{
	struct ksiginfo info = sig_user_info(SI_USER);
	struct proc *p;
	int err = 0;

	if (sig && !signal_valid(sig))
		return -EINVAL;
	if (pid > 0) {
		p = proc_get(pid);
		if (!p)
			return -ESRCH;
		if (!sig_may_send(p, sig))
			err = -EPERM;
		else if (sig)
			err = signal_send_info(p, sig, &info);
		proc_put(p);
		return err;
	}
	if (pid == -1) {
		struct kill_all ka = { sig, proc_current()->pid, 0, &info };

		proc_for_each(kill_all_one, &ka);
		return ka.found ? 0 : -ESRCH;
	}
	if (pid == (int)0x80000000)
		return -ESRCH;
	return sig_send_pgrp_info(pid ? -pid : READ_ONCE(proc_current()->pgid), sig, &info);
}

/* -ESRCH when p has no thread tid; -EPERM when it has but the caller may not signal it. */
static long sig_send_tid(struct proc *p, int tid, int sig)
{
	struct ksiginfo info = sig_user_info(SI_TKILL);
	bool f = spin_lock_irqsave(&p->lock);
	int err = sig_send_tid_locked(p, tid, 0, &info);	/* is tid p's? */

	spin_unlock_irqrestore(&p->lock, f);
	if (err || !sig)
		return err ? err : sig_may_send(p, sig) ? 0 : -EPERM;
	if (!sig_may_send(p, sig))
		return -EPERM;
	f = spin_lock_irqsave(&p->lock);
	err = sig_send_tid_locked(p, tid, sig, &info);	/* -ESRCH if it exited meanwhile */
	spin_unlock_irqrestore(&p->lock, f);
	return err;
}

SYSCALL3(tgkill, int, tgid, int, tid, int, sig)
{
	struct proc *p;
	long err;

	if (tgid <= 0 || tid <= 0 || (sig && !signal_valid(sig)))
		return -EINVAL;
	p = proc_get(tgid);
	if (!p)
		return -ESRCH;
	err = sig_send_tid(p, tid, sig);
	proc_put(p);
	return err;
}

SYSCALL2(tkill, int, tid, int, sig)
{
	struct proc *p;
	long err;

	if (tid <= 0 || (sig && !signal_valid(sig)))
		return -EINVAL;
	if (!(p = proc_get_by_tid(tid)))
		return -ESRCH;
	err = sig_send_tid(p, tid, sig);
	proc_put(p);
	return err;
}
