/*
 * proc/exit.c — ending threads and processes, and wait4.
 *
 * A thread leaves through proc_exit_thread; the last thread of a process tears it down
 * (proc_teardown): files, cwd and address space go, children pass to init, and the process
 * becomes a zombie holding only its exit status until the parent's wait4 reaps it. exit_group
 * and fatal signals set p->group_exit; every other thread then leaves at its next return
 * towards user mode (or from an interruptible sleep, which signal_pending() ends).
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/printf.h>
#include <keel/signal.h>
#include <keel/syscall.h>
#include <keel/uvm.h>
#include <keel/vm.h>
#include "internal.h"

#define WNOHANG		1
#define WUNTRACED	2
#define WCONTINUED	8
#define __WNOTHREAD	0x20000000
#define __WALL		0x40000000
#define __WCLONE	0x80000000

/* The address space leaves this CPU; mm_put then has every other CPU let go of it too. */
static void release_mm(struct proc *p)
{
	struct mm *mm;
	bool f = arch_irq_save();

	spin_lock(&p->lock);		/* proc_mm_get readers */
	mm = p->mm;
	p->mm = NULL;
	spin_unlock(&p->lock);
	vm_activate_kernel();
	arch_irq_restore(f);
	if (mm)
		mm_put(mm);
}

static void reparent_children(struct proc *p)
{
	bool zombies = false;

	list_for_each_entry_safe(c, &p->children, struct proc, sibling) {
		list_remove(&c->sibling);
		c->parent = init_proc;
		list_append(&init_proc->children, &c->sibling);
		zombies |= c->state == PROC_ZOMBIE;
	}
	if (zombies)
		wq_wake_all(&init_proc->child_wait);
}

/* wait4's status as a shell reports it: the exit code, or 128 + the signal. */
static int shell_status(int status)
{
	return (status & 0x7f) ? 128 + (status & 0x7f) : (status >> 8) & 0xff;
}

/* The parent ignores SIGCHLD: nobody will wait for p, so it is reaped now. */
static void autoreap(struct proc *p)
{
	bool f = spin_lock_irqsave(&proc_tree_lock);

	list_remove(&p->sibling);
	list_remove(&p->all_node);
	proc_release_ids_locked(p->pid, p->pgid, p->sid);
	spin_unlock_irqrestore(&proc_tree_lock, f);
	proc_put(p);
}

void proc_teardown(struct proc *p)
{
	struct sighand *sh;
	struct proc *parent;
	struct files *files;
	struct fs_struct *fs;
	bool f;

	itimer_proc_exit(p);
	f = spin_lock_irqsave(&p->lock);	/* /proc readers take references under it */
	files = p->files;
	fs = p->fs;
	p->files = NULL;
	p->fs = NULL;
	spin_unlock_irqrestore(&p->lock, f);
	files_put(files);
	fs_struct_put(fs);
	release_mm(p);
	if (p->vfork_done)
		complete(p->vfork_done);
	p->vfork_done = NULL;
	if (p == init_proc) {
		kprintf("init exited with status %d\n", shell_status(p->exit_status));
		vfs_shutdown();
		arch_poweroff(shell_status(p->exit_status) ? 1 : 0);
	}
	f = spin_lock_irqsave(&proc_tree_lock);
	reparent_children(p);
	p->state = PROC_ZOMBIE;
	parent = p->parent;
	__atomic_add_fetch(&parent->refs, 1, __ATOMIC_RELAXED);	/* it may exit meanwhile */
	spin_unlock_irqrestore(&proc_tree_lock, f);
	f = spin_lock_irqsave(&p->lock);	/* signal senders test p->sighand under p->lock */
	sh = p->sighand;
	p->sighand = NULL;
	spin_unlock_irqrestore(&p->lock, f);
	sighand_put(sh);
	if (signal_notify_parent(p))
		autoreap(p);
	wq_wake_all(&parent->child_wait);
	proc_put(parent);
}

__noreturn void proc_exit_thread(int status)
{
	struct uthread *ut = uthread_current();
	struct proc *p = ut->proc;
	bool last, f;

	mutex_check_none_held("exit");
	if (p->mm)
		robust_list_exit(ut);
	if (ut->clear_child_tid && p->mm) {
		put_user_u32((uint32_t *)ut->clear_child_tid, 0);
		futex_wake((uint32_t *)ut->clear_child_tid, false, 1);
	}
	if (p->mm)
		__atomic_sub_fetch(&p->mm->users, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&ut->mm_left, true, __ATOMIC_SEQ_CST);
	proc_acct_thread_exit(p, ut);
	f = spin_lock_irqsave(&p->lock);
	list_remove(&ut->proc_node);
	last = --p->nthreads == 0;
	if (!p->group_exit && last)
		p->exit_status = status;
	spin_unlock_irqrestore(&p->lock, f);
	if (last)
		proc_teardown(p);
	arch_fpu_exit();
	uthread_reap(ut);
	thread_exit(0);
}

__noreturn void proc_exit_group(int status)
{
	struct proc *p = proc_current();
	bool f = spin_lock_irqsave(&p->lock);

	if (!p->group_exit) {
		p->group_exit = true;
		p->exit_status = status;
	}
	spin_unlock_irqrestore(&p->lock, f);
	signal_kick_threads(p);
	proc_exit_thread(status);
}

SYSCALL1(exit, int, code)
{
	struct proc *p = proc_current();

	if (p->nthreads == 1)
		proc_exit_group(W_EXITCODE(code, 0));
	proc_exit_thread(W_EXITCODE(code, 0));
}

SYSCALL1(exit_group, int, code)
{
	proc_exit_group(W_EXITCODE(code, 0));
}

/* --- wait4 --- */

static bool child_matches(const struct proc *c, int pid, const struct proc *self)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == 0)
		return c->pgid == self->pgid;
	if (pid < -1)
		return c->pgid == -pid;
	return true;
}

/* A zombie child to reap (unlinked from the tree), or NULL; *any: some child matches.
 * With WUNTRACED/WCONTINUED, a live child's unreported stop or continue is taken instead:
 * its wait status in rep->status (then NULL is returned). */
struct wait_report {
	int status, pid;
};

static struct proc *find_zombie(struct proc *self, int pid, int options, bool *any,
				struct wait_report *rep)
{
	struct proc *found = NULL;
	bool f = spin_lock_irqsave(&proc_tree_lock);

	*any = false;
	list_for_each_entry(c, &self->children, struct proc, sibling) {
		if (!child_matches(c, pid, self))
			continue;
		*any = true;
		if (c->state == PROC_ZOMBIE) {
			found = c;
			list_remove(&c->sibling);
			list_remove(&c->all_node);
			proc_release_ids_locked(c->pid, c->pgid, c->sid);
			break;
		}
		if (options & (WUNTRACED | WCONTINUED)) {
			rep->status = signal_wait_report(c, options & WUNTRACED,
							 options & WCONTINUED);
			rep->pid = c->pid;
			if (rep->status)
				break;
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, f);
	return found;
}

/* struct rusage as wait4 reports a reaped child: its CPU time (the rest is not counted). */
struct rusage_k {
	uint64_t utime_sec, utime_usec, stime_sec, stime_usec;
	uint64_t words[14];
};

static void rusage_fill(struct proc *self, struct proc *c, struct rusage_k *ru)
{
	struct proc_cputime ct;
	uint64_t u, s;

	proc_acct_reap(self, c, &ct);
	u = ct.user * (SCHED_TICK_NS / 1000);
	s = ct.sys * (SCHED_TICK_NS / 1000);
	ru->utime_sec = u / 1000000;
	ru->utime_usec = u % 1000000;
	ru->stime_sec = s / 1000000;
	ru->stime_usec = s % 1000000;
}

SYSCALL4(wait4, int, pid, int __user *, wstatus, int, options, void __user *, rusage)
{
	struct proc *self = proc_current(), *c;
	struct rusage_k ru = { 0 };
	struct wait_report rep = { 0 };
	bool any;
	long r;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
		return -EINVAL;
	for (;;) {
		c = find_zombie(self, pid, options, &any, &rep);
		if (c || rep.status || !any || (options & WNOHANG))
			break;
		/* Interruptible: a plain wait_event with signal_pending() in its condition is
		 * never woken by a signal, so even SIGKILL left the process asleep here. */
		int w = wait_event_interruptible(&self->child_wait,
			   (c = find_zombie(self, pid, options, &any, &rep)) != NULL ||
			   rep.status || !any);
		if (c || rep.status || !any)
			break;
		if (w < 0 || signal_pending())
			return -ERESTARTSYS;
	}
	if (rep.status)		/* a stop or continue (WUNTRACED, WCONTINUED) */
		return wstatus && put_user_u32((uint32_t *)wstatus, (uint32_t)rep.status) ?
		       -EFAULT : rep.pid;
	if (!c)
		return any ? 0 : -ECHILD;
	r = c->pid;
	rusage_fill(self, c, &ru);
	if ((wstatus && put_user_u32((uint32_t *)wstatus, (uint32_t)c->exit_status)) ||
	    (rusage && copy_to_user(rusage, &ru, sizeof(ru))))
		r = -EFAULT;		/* reaped all the same, as Linux does */
	proc_put(c);
	return r;
}
