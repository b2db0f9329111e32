/*
 * fs/proc_stack.c — /proc/<pid>/stack: where each thread of a process sleeps in the kernel.
 *
 * Linux's file shows one thread's kernel stack; keel has no /proc/<pid>/task/, so this one
 * shows every thread: a "tid N (name) state" line, then for a thread that is switched out
 * (blocked or waiting for a CPU) its return addresses as Linux prints them, "[<0>] sym+0xoff".
 * A running thread's stack is live and is not walked. This is how a process that will not
 * die (a sleep SIGKILL cannot end) is diagnosed; sysfuzz prints it when one survives SIGKILL.
 *
 * p->lock keeps the thread list and each listed thread's kernel stack alive during the walk.
 */
#include "proc_internal.h"
#include <keel/arch.h>
#include <keel/heap.h>
#include <keel/ksyms.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/string.h>

#define STACK_THREADS	64	/* threads shown; more are counted */
#define STACK_DEPTH	32

/* One thread as seen under p->lock; printed after it is dropped (printing allocates). */
struct stack_rec {
	int tid;
	enum thread_state state;
	char name[THREAD_NAME_MAX];
	unsigned depth;
	uintptr_t ret[STACK_DEPTH];
};

static void stack_frame(void *arg, uintptr_t ret)
{
	struct stack_rec *r = arg;

	if (r->depth < STACK_DEPTH)
		r->ret[r->depth++] = ret;
}

static const char *const thread_state_names[] = {
	[THREAD_RUNNABLE] = "runnable", [THREAD_RUNNING] = "running",
	[THREAD_BLOCKED] = "blocked", [THREAD_DEAD] = "dead",
	[THREAD_NEW] = "new",
};

/* Fills up to STACK_THREADS records of p's threads; returns how many threads p has. */
static unsigned stack_collect(struct proc *p, struct stack_rec *recs)
{
	unsigned n = 0;
	bool f = spin_lock_irqsave(&p->lock);

	list_for_each_entry(ut, &p->threads, struct uthread, proc_node) {
		struct thread *t = ut->thread;
		struct stack_rec *r = &recs[n];
		void *sp = READ_ONCE(t->sp);

		if (n++ >= STACK_THREADS)
			continue;
		r->tid = t->tid;
		r->state = READ_ONCE(t->state);
		strlcpy(r->name, t->name, sizeof(r->name));
		r->depth = 0;
		if (r->state != THREAD_RUNNING && sp)
			arch_switched_backtrace(sp, stack_frame, r);
	}
	spin_unlock_irqrestore(&p->lock, f);
	return n;
}

void proc_gen_stack(struct proc_text *sb, int pid)
{
	struct stack_rec *recs = kmalloc(STACK_THREADS * sizeof(*recs));
	struct proc *p = proc_get(pid);
	unsigned n;

	if (!p || !recs)
		goto out;
	n = stack_collect(p, recs);
	for (unsigned i = 0; i < MIN(n, STACK_THREADS); i++) {
		struct stack_rec *r = &recs[i];

		proc_printf(sb, "tid %d (%s) %s\n", r->tid, r->name, thread_state_names[r->state]);
		for (unsigned d = 0; d < r->depth; d++) {
			uintptr_t off;
			const char *name = ksyms_lookup(r->ret[d] - 1, &off);

			if (name)
				proc_printf(sb, "[<0>] %s+0x%lx\n", name, off + 1);
			else
				proc_printf(sb, "[<0>] 0x%lx\n", r->ret[d]);
		}
	}
	if (n > STACK_THREADS)
		proc_printf(sb, "(%u more threads)\n", n - STACK_THREADS);
out:
	if (p)
		proc_put(p);
	kfree(recs);
}
