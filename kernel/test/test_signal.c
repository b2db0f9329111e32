/*
 * test/test_signal.c — signal generation on stand-in processes: what is queued, merged or
 * discarded, who is woken, SIGCHLD to the parent.
 *
 * The processes here are built by hand (never on the global list, never run in user mode),
 * so the tests need nothing of user mode; their threads are kernel threads that sleep in
 * sig_wait exactly as pause() does. Delivery and the frame need user mode and are tested by
 * user/usertests.
 */
#include <keel/ktest.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/sync.h>
#include "../proc/signal_internal.h"

#define MS	(1000 * 1000ULL)
#define HANDLER	0x401000UL	/* any user address: "has a handler" */

static struct proc *fake_proc(int pid)
{
	struct proc *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->pid = p->pgid = pid;
	p->state = PROC_ALIVE;
	spin_init(&p->lock, "test proc");
	list_init(&p->threads);
	list_init(&p->children);
	wq_init(&p->child_wait, "test child_wait");
	p->sighand = sighand_alloc(NULL);
	if (!p->sighand) {
		kfree(p);
		return NULL;
	}
	return p;
}

/* A user-thread record for kernel thread t (published under p->lock). */
static struct uthread *fake_uthread(struct proc *p, struct thread *t)
{
	struct uthread *ut = kzalloc(sizeof(*ut));
	bool f;

	if (!ut)
		return NULL;
	ut->proc = p;
	ut->thread = t;
	f = spin_lock_irqsave(&p->lock);
	list_append(&p->threads, &ut->proc_node);
	p->nthreads++;
	spin_unlock_irqrestore(&p->lock, f);
	return ut;
}

static void fake_free(struct proc *p)
{
	while (!list_empty(&p->threads)) {
		struct uthread *ut = list_first(&p->threads, struct uthread, proc_node);

		list_remove(&ut->proc_node);
		kfree(ut);
	}
	sighand_put(p->sighand);
	kfree(p);
}

static void set_handler(struct proc *p, int sig, uint64_t handler)
{
	p->sighand->action[sig - 1] = (struct k_sigaction){ .handler = handler };
}

KTEST(signal_ignored_ones_are_discarded_handled_ones_queued)
{
	struct proc *p = fake_proc(4001);
	struct uthread *ut = p ? fake_uthread(p, thread_current()) : NULL;

	KT_ASSERT(ut, "out of memory");
	KT_EQ(signal_send(p, SIGCHLD), 0);		/* default: ignore */
	KT_EQ(signal_send(p, SIGWINCH), 0);
	set_handler(p, SIGUSR1, SIG_IGN);
	KT_EQ(signal_send(p, SIGUSR1), 0);
	KT_EQ(p->shared_pending, 0);
	set_handler(p, SIGCHLD, HANDLER);
	KT_EQ(signal_send(p, SIGCHLD), 0);
	KT_EQ(signal_send(p, SIGTERM), 0);		/* default: terminate, so kept */
	KT_EQ(p->shared_pending, sig_bit(SIGCHLD) | sig_bit(SIGTERM));
	KT_EQ(signal_send(p, 0), -EINVAL);
	KT_EQ(signal_send(p, NSIG + 1), -EINVAL);
	fake_free(p);
}

KTEST(signal_second_instance_merges_and_keeps_the_first_siginfo)
{
	struct proc *p = fake_proc(4002);
	struct uthread *ut = p ? fake_uthread(p, thread_current()) : NULL;
	struct ksiginfo a = { .code = SI_USER, .pid = 7 }, b = { .code = SI_USER, .pid = 8 };

	KT_ASSERT(ut, "out of memory");
	signal_send_info(p, SIGUSR2, &a);
	signal_send_info(p, SIGUSR2, &b);
	KT_EQ(p->shared_pending, sig_bit(SIGUSR2));
	KT_EQ(p->shared_info[SIGUSR2 - 1].pid, 7);
	signal_send_thread_info(ut, SIGUSR2, &b);
	KT_EQ(ut->pending, sig_bit(SIGUSR2));
	KT_EQ(ut->pending_info[SIGUSR2 - 1].pid, 8);
	KT_EQ(p->shared_pending, sig_bit(SIGUSR2));
	fake_free(p);
}

KTEST(signal_stop_and_continue_cancel_each_other)
{
	struct proc *p = fake_proc(4003);
	struct uthread *ut = p ? fake_uthread(p, thread_current()) : NULL;

	KT_ASSERT(ut, "out of memory");
	signal_send(p, SIGTSTP);
	signal_send_thread(ut, SIGTTIN);
	KT_EQ(p->shared_pending, sig_bit(SIGTSTP));
	signal_send(p, SIGCONT);	/* drops every pending stop; itself ignored (SIG_DFL) */
	KT_EQ(p->shared_pending, 0);
	KT_EQ(ut->pending, 0);
	set_handler(p, SIGCONT, HANDLER);
	signal_send(p, SIGCONT);
	KT_EQ(p->shared_pending, sig_bit(SIGCONT));
	signal_send(p, SIGSTOP);	/* drops the pending SIGCONT */
	KT_EQ(p->shared_pending, sig_bit(SIGSTOP));
	/* A stopped process is continued by SIGCONT and by SIGKILL. */
	p->stopped = true;
	signal_send(p, SIGCONT);
	KT_ASSERT(!p->stopped, "SIGCONT left the process stopped");
	KT_EQ(p->stop_event, STOP_EVENT_CONTINUED);
	KT_EQ(signal_wait_report(p, false, true), 0xffff);
	KT_EQ(signal_wait_report(p, false, true), 0);	/* reported once */
	p->stopped = true;
	signal_send(p, SIGKILL);
	KT_ASSERT(!p->stopped, "SIGKILL left the process stopped");
	KT_ASSERT(p->shared_pending & sig_bit(SIGKILL), "SIGKILL not pending");
	fake_free(p);
}

KTEST(signal_init_gets_only_signals_it_handles)
{
	struct proc *p = fake_proc(1);
	struct uthread *ut = p ? fake_uthread(p, thread_current()) : NULL;

	KT_ASSERT(ut, "out of memory");
	signal_send(p, SIGTERM);
	signal_send(p, SIGKILL);
	signal_send(p, SIGSEGV);
	KT_EQ(p->shared_pending, 0);
	set_handler(p, SIGTERM, HANDLER);
	signal_send(p, SIGTERM);
	KT_EQ(p->shared_pending, sig_bit(SIGTERM));
	fake_free(p);
}

KTEST(signal_pending_counts_only_unblocked_signals_but_always_sigkill)
{
	struct proc *p = fake_proc(4004);
	struct uthread *ut = p ? fake_uthread(p, thread_current()) : NULL;
	bool f, blocked_pending, kill_pending;

	KT_ASSERT(ut, "out of memory");
	ut->blocked = sig_bit(SIGUSR1) | sig_bit(SIGTERM);
	signal_send(p, SIGUSR1);
	signal_send_thread(ut, SIGTERM);
	f = spin_lock_irqsave(&p->sighand->lock);
	blocked_pending = sig_pending_locked(ut);
	spin_unlock_irqrestore(&p->sighand->lock, f);
	signal_send(p, SIGKILL);
	f = spin_lock_irqsave(&p->sighand->lock);
	kill_pending = sig_pending_locked(ut);
	spin_unlock_irqrestore(&p->sighand->lock, f);
	fake_free(p);
	KT_ASSERT(!blocked_pending, "a blocked signal counts as pending");
	KT_ASSERT(kill_pending, "SIGKILL does not count as pending");
}

struct sleeper {
	struct uthread *ut;
	volatile bool done;
};

static int sleep_for_signal(void *arg)
{
	struct sleeper *s = arg;

	sig_wait(s->ut);
	s->done = true;
	return 0;
}

KTEST(signal_wakes_a_sleeper_that_does_not_block_it)
{
	struct proc *p = fake_proc(4005);
	struct sleeper s = { 0 };
	struct thread *th;

	KT_ASSERT(p, "out of memory");
	s.ut = fake_uthread(p, NULL);
	KT_ASSERT(s.ut, "out of memory");
	s.ut->blocked = sig_bit(SIGUSR1);
	th = thread_create("sigsleeper", sleep_for_signal, &s);
	KT_ASSERT(th, "thread_create failed");
	s.ut->thread = th;		/* before any signal can look for it */
	sched_sleep_ns(10 * MS);
	signal_send(p, SIGUSR1);	/* blocked: stays pending, the sleeper sleeps on */
	sched_sleep_ns(20 * MS);
	KT_ASSERT(!s.done, "woken by a signal it blocks");
	signal_send(p, SIGUSR2);
	thread_join(th);
	KT_ASSERT(s.done, "sleeper did not return");
	KT_EQ(p->shared_pending, sig_bit(SIGUSR1) | sig_bit(SIGUSR2));
	fake_free(p);
}

KTEST(signal_notify_parent_encodes_status_and_autoreaps_when_ignored)
{
	struct proc *parent = fake_proc(4006), *child = fake_proc(4007);

	KT_ASSERT(parent && child && fake_uthread(parent, thread_current()), "out of memory");
	child->parent = parent;
	child->exit_signal = SIGCHLD;
	child->exit_status = signal_kill_status(SIGSEGV);
	set_handler(parent, SIGCHLD, HANDLER);
	KT_ASSERT(!signal_notify_parent(child), "autoreap with a SIGCHLD handler");
	KT_EQ(parent->shared_pending, sig_bit(SIGCHLD));
	KT_EQ(parent->shared_info[SIGCHLD - 1].code, CLD_DUMPED);
	KT_EQ(parent->shared_info[SIGCHLD - 1].status, SIGSEGV);
	KT_EQ(parent->shared_info[SIGCHLD - 1].pid, 4007);
	parent->shared_pending = 0;
	child->exit_status = W_EXITCODE(3, 0);
	signal_notify_parent(child);
	KT_EQ(parent->shared_info[SIGCHLD - 1].code, CLD_EXITED);
	KT_EQ(parent->shared_info[SIGCHLD - 1].status, 3);
	parent->shared_pending = 0;
	set_handler(parent, SIGCHLD, SIG_IGN);
	KT_ASSERT(signal_notify_parent(child), "no autoreap with SIGCHLD ignored");
	KT_EQ(parent->shared_pending, 0);
	fake_free(child);
	fake_free(parent);
}
