/*
 * proc/proc.c — process objects: allocation, lookup, the process tree, user threads and the
 * reaper that frees dead threads.
 *
 * Every process is on all_procs (sorted by PID, for lookup and /proc) from creation until its
 * parent reaps it. A process is referenced by the tree (until reaped), by each of its threads
 * (until the reaper frees the thread) and by proc_get() callers; the last proc_put frees it.
 * Dead threads cannot free their own stacks, so they go to the reaper, which joins them: the
 * kernel thread that started init becomes the reaper (proc_reaper). IDs (sched/tid.c): a
 * thread's TID is freed when the reaper frees it, unless it is its process's PID; a PID is
 * freed when its process leaves the tree and no group or session is named by it.
 */
#include <keel/assert.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/uvm.h>
#include <keel/arch.h>
#include "internal.h"

struct spinlock proc_tree_lock = SPINLOCK_INIT("proc tree");
static struct list_node all_procs = LIST_HEAD_INIT(all_procs);
struct proc *init_proc;

static struct list_node reap_list = LIST_HEAD_INIT(reap_list);
static struct wait_queue reap_wq = WAIT_QUEUE_INIT(reap_wq, "reaper");

struct uthread *uthread_current(void)
{
	struct thread *t = thread_current();

	return t ? t->uthread : NULL;
}

struct proc *proc_current(void)
{
	struct uthread *ut = uthread_current();

	return ut ? ut->proc : NULL;
}

struct proc *proc_alloc(void)
{
	struct proc *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->refs = 1;			/* the tree's */
	spin_init(&p->lock, "proc");
	list_init(&p->threads);
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->all_node);
	wq_init(&p->child_wait, "wait4");
	p->exit_signal = SIGCHLD;
	p->start_ns = time_ns();
	p->rlimit_stack = USER_STACK_RESERVE;
	return p;
}

void proc_link(struct proc *p, struct proc *parent)
{
	bool f = spin_lock_irqsave(&proc_tree_lock);
	struct list_node *pos = &all_procs;

	p->parent = parent;
	if (parent) {
		list_append(&parent->children, &p->sibling);
		p->pgid = parent->pgid;
		p->sid = parent->sid;
	}
	list_for_each_entry(q, &all_procs, struct proc, all_node)
		if (q->pid > p->pid) {
			pos = &q->all_node;
			break;
		}
	list_append(pos, &p->all_node);
	spin_unlock_irqrestore(&proc_tree_lock, f);
}

void proc_unlink_unborn(struct proc *p)
{
	bool f = spin_lock_irqsave(&proc_tree_lock);

	if (p->parent)
		list_remove(&p->sibling);
	list_remove(&p->all_node);
	spin_unlock_irqrestore(&proc_tree_lock, f);
}

/* Whether a process in the tree is named by id as its PID, group or session. */
static bool id_named_locked(int id)
{
	assert_spin_held(&proc_tree_lock);
	list_for_each_entry(p, &all_procs, struct proc, all_node)
		if (p->pid == id || p->pgid == id || p->sid == id)
			return true;
	return false;
}

bool proc_group_in_session_locked(int pgid, int sid)
{
	assert_spin_held(&proc_tree_lock);
	list_for_each_entry(p, &all_procs, struct proc, all_node)
		if (p->pgid == pgid && p->sid == sid)
			return true;
	return false;
}

void proc_release_ids_locked(int pid, int pgid, int sid)
{
	const int ids[3] = { pid, pgid, sid };

	for (int i = 0; i < 3; i++) {
		bool seen = (i > 0 && ids[i] == ids[0]) || (i > 1 && ids[i] == ids[1]);

		if (ids[i] > INIT_PID && !seen && !id_named_locked(ids[i]))
			tid_free(ids[i]);
	}
}

struct proc *proc_get(int pid)
{
	struct proc *found = NULL;
	bool f = spin_lock_irqsave(&proc_tree_lock);

	list_for_each_entry(p, &all_procs, struct proc, all_node)
		if (p->pid == pid) {
			found = p;
			__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
			break;
		}
	spin_unlock_irqrestore(&proc_tree_lock, f);
	return found;
}

struct proc *proc_get_or_self(int pid)
{
	struct proc *me = proc_current();

	if (pid < 0 || (pid == 0 && !me))
		return NULL;
	return proc_get(pid ? pid : me->pid);
}

struct uthread *proc_thread_locked(struct proc *p, int tid)
{
	assert_spin_held(&p->lock);
	list_for_each_entry(ut, &p->threads, struct uthread, proc_node)
		if (ut->thread->tid == tid)
			return ut;
	return NULL;
}

struct tid_find {
	int tid;
	struct proc *found;		/* referenced for the caller */
};

static int has_thread(struct proc *p, void *arg)
{
	struct tid_find *tf = arg;
	bool f = spin_lock_irqsave(&p->lock);

	if (proc_thread_locked(p, tf->tid)) {
		__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
		tf->found = p;
	}
	spin_unlock_irqrestore(&p->lock, f);
	return tf->found != NULL;
}

struct proc *proc_get_by_tid(int tid)
{
	struct tid_find tf = { tid, NULL };
	struct proc *p;

	if (tid <= 0)
		return NULL;
	if ((p = proc_get(tid)))		/* a held PID is no other process's TID */
		return p;
	proc_for_each(has_thread, &tf);
	return tf.found;
}

int uthread_call(int tid, int (*fn)(struct uthread *ut, void *arg), void *arg)
{
	struct uthread *me = uthread_current(), *ut;
	struct proc *p;
	int r = -ESRCH;
	bool f;

	if (tid == 0 || tid == me->thread->tid)
		return fn(me, arg);
	if (!(p = proc_get_by_tid(tid)))
		return -ESRCH;
	f = spin_lock_irqsave(&p->lock);
	if ((ut = proc_thread_locked(p, tid)))
		r = fn(ut, arg);
	spin_unlock_irqrestore(&p->lock, f);
	proc_put(p);
	return r;
}

void proc_put(struct proc *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	kfree(p->exe);
	kfree(p);
}

/* The process with the least PID above pid, referenced; NULL if none. */
static struct proc *proc_next(int pid)
{
	struct proc *found = NULL;
	bool f = spin_lock_irqsave(&proc_tree_lock);

	list_for_each_entry(p, &all_procs, struct proc, all_node)
		if (p->pid > pid) {
			found = p;
			__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
			break;
		}
	spin_unlock_irqrestore(&proc_tree_lock, f);
	return found;
}

int proc_for_each(int (*fn)(struct proc *p, void *arg), void *arg)
{
	int pid = 0, r = 0;
	struct proc *p;

	while (!r && (p = proc_next(pid))) {
		pid = p->pid;
		r = fn(p, arg);
		proc_put(p);
	}
	return r;
}

/* --- user threads --- */

struct uthread *uthread_alloc(struct proc *p)
{
	struct uthread *ut = kzalloc(sizeof(*ut));

	if (!ut)
		return NULL;
	ut->fpu = arch_fpu_alloc();
	if (!ut->fpu) {
		kfree(ut);
		return NULL;
	}
	ut->proc = p;
	list_init(&ut->proc_node);
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return ut;
}

void uthread_free(struct uthread *ut)
{
	proc_put(ut->proc);
	arch_fpu_free(ut->fpu);
	kfree(ut->start_frame);
	kfree(ut);
}

int uthread_start(struct uthread *ut, int tid, thread_fn fn)
{
	struct proc *p = ut->proc;
	cpumask_t mask = cpu_online_mask;
	struct uthread *self = uthread_current();
	struct thread *t;
	bool f;

	if (self)
		mask = self->thread->affinity;
	/* ut->thread is set before ut joins p->threads: everyone walking that list (tkill,
	 * signal kicks, /proc times) dereferences it. sysfuzz's tkill raced a clone here. */
	t = thread_create_user(p->name, fn, ut, tid, &mask);
	if (!t)
		return -ENOMEM;
	f = spin_lock_irqsave(&p->lock);
	list_append(&p->threads, &ut->proc_node);
	p->nthreads++;
	spin_unlock_irqrestore(&p->lock, f);
	if (p->mm)
		__atomic_add_fetch(&p->mm->users, 1, __ATOMIC_RELAXED);
	thread_start(t);
	return 0;
}

void uthread_reap(struct uthread *ut)
{
	bool f = spin_lock_irqsave(&reap_wq.lock);

	list_append(&reap_list, &ut->proc_node);
	wq_wake_all_locked(&reap_wq);
	spin_unlock_irqrestore(&reap_wq.lock, f);
}

__noreturn void proc_reaper(void)
{
	for (;;) {
		struct uthread *ut;
		bool f;
		int tid;

		wait_event(&reap_wq, !list_empty(&reap_list));
		f = spin_lock_irqsave(&reap_wq.lock);
		ut = list_first(&reap_list, struct uthread, proc_node);
		list_remove(&ut->proc_node);
		spin_unlock_irqrestore(&reap_wq.lock, f);
		tid = ut->thread->tid;
		thread_join(ut->thread);
		if (tid != ut->proc->pid)	/* a PID is freed when its process is reaped */
			tid_free(tid);
		uthread_free(ut);
	}
}
