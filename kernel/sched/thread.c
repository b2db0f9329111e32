/*
 * sched/thread.c — kernel threads: create, exit, join, affinity.
 *
 * A thread owns a guarded kernel stack (kstack_alloc) and a struct thread from the heap. Its
 * first switch-in lands in thread_entry(), which finishes the switch, enables interrupts and
 * calls fn(arg); returning from fn is thread_exit.
 *
 * Exit and join: an exiting thread marks itself DEAD under its run-queue lock and switches
 * away for good; the thread switched in then completes t->exited (sched_finish_switch), so
 * by the time a joiner wakes, nothing runs on the dead stack and the joiner frees it. This
 * holds however exit and join race on different CPUs: the completion is the only hand-over,
 * and it happens after the last use of the stack. A kernel thread's TID (sched/tid.c) is
 * freed by its joiner.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/kstack.h>
#include <keel/memlayout.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/string.h>

static __noreturn void thread_entry(void)
{
	struct thread *t;

	sched_finish_switch();
	arch_irq_restore(true);
	preempt_schedule();		/* a reschedule that came due during the switch */
	t = thread_current();
	thread_exit(t->fn(t->arg));
}

static bool mask_has_online_cpu(const cpumask_t *m)
{
	for_each_cpu(c, m)
		if (cpumask_test(&cpu_online_mask, c))
			return true;
	return false;
}

/* t->cpu moves to the chosen CPU with both queues locked, as every move of it: a wakeup or
 * an affinity change may be at t already (see THREAD_NEW), under the lock of the CPU it
 * names; the choice is re-checked against the affinity under the locks. */
void thread_start(struct thread *t)
{
	bool f = arch_irq_save(), kick;
	struct sched_cpu *old = rq_of(READ_ONCE(t->cpu)), *rq;

	for (;;) {
		rq = rq_of(balance_new_cpu(t));
		rq_lock_two(old, rq);
		if (cpumask_test(&t->affinity, rq->cpu))
			break;
		rq_unlock_two(old, rq);
	}
	if (t->state != THREAD_NEW)
		panic("thread_start: thread %s (tid %d) is not new (state %d)", t->name, t->tid,
		      t->state);
	WRITE_ONCE(t->cpu, rq->cpu);
	rq_enqueue(rq, t, ENQ_NEW);
	kick = rq->curr == rq->idle && rq_wakeup_preempts(rq, t) && rq_resched(rq);
	rq_unlock_two(old, rq);
	if (kick)
		sched_kick(rq->cpu);
	arch_irq_restore(f);
	preempt_schedule();
}

/* A new thread with its stack, not yet runnable anywhere. NULL when out of memory. */
static struct thread *thread_alloc(const char *name, thread_fn fn, void *arg,
				   const cpumask_t *affinity)
{
	struct thread *t;

	if (!mask_has_online_cpu(affinity))
		panic("thread_create_on(%s): the affinity mask has no online CPU", name);
	t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->stack = kstack_alloc();
	if (!t->stack) {
		kfree(t);
		return NULL;
	}
	t->magic = THREAD_MAGIC;
	strlcpy(t->name, name, sizeof(t->name));
	t->fn = fn;
	t->arg = arg;
	t->affinity = *affinity;
	t->state = THREAD_NEW;		/* not yet runnable anywhere */
	t->sp = arch_thread_stack_init(arch_thread_stack_top(t->stack), thread_entry);
	list_init(&t->rq_node);
	list_init(&t->timer_node);
	t->timer_cpu = -1;
	completion_init(&t->exited, "thread exit");
	return t;
}

struct thread *thread_prepare(const char *name, thread_fn fn, void *arg,
			      const cpumask_t *affinity)
{
	struct thread *t = thread_alloc(name, fn, arg, affinity);
	int tid = t ? tid_alloc() : -1;

	if (tid < 0) {
		if (t) {
			kstack_free(t->stack);
			kfree(t);
		}
		return NULL;
	}
	t->tid = tid;
	return t;
}

struct thread *thread_create_on(const char *name, thread_fn fn, void *arg,
				const cpumask_t *affinity)
{
	struct thread *t = thread_prepare(name, fn, arg, affinity);

	if (t)
		thread_start(t);
	return t;
}

struct thread *thread_create_user(const char *name, thread_fn fn, struct uthread *ut, int tid,
				  const cpumask_t *affinity)
{
	struct thread *t = thread_alloc(name, fn, ut, affinity);

	if (!t)
		return NULL;
	t->tid = tid;
	t->uthread = ut;
	ut->thread = t;
	return t;
}

struct thread *thread_create(const char *name, thread_fn fn, void *arg)
{
	return thread_create_on(name, fn, arg, &cpu_online_mask);
}

__noreturn void thread_exit(int status)
{
	struct thread *t = thread_current();

	sched_might_sleep("thread_exit");
	mutex_check_none_held("thread exit");
	t->exit_status = status;
	sched_exit_current();
}

int thread_join(struct thread *t)
{
	int status;

	sched_might_sleep("thread_join");
	if (t->magic != THREAD_MAGIC)
		panic("thread_join: %p is not a live thread (joined twice?)", t);
	if (t == thread_current())
		panic("thread_join: thread %s joins itself", t->name);
	completion_wait(&t->exited);
	status = t->exit_status;
	t->magic = 0;
	if (!t->uthread)		/* a user thread's TID is the process layer's to free */
		tid_free(t->tid);
	kstack_free(t->stack);
	kfree(t);
	return status;
}

struct thread *thread_current(void)
{
	return arch_current_thread();
}

unsigned thread_cpu(const struct thread *t)
{
	return READ_ONCE(t->cpu);
}

/*
 * What a new mask means depends on where t is: queued elsewhere, it is moved now; running
 * elsewhere, its CPU is told to reschedule and __schedule leaves it for the switched-in
 * thread to move; blocked, sched_wake puts it on an allowed CPU; in transit (being moved by
 * sched_finish_switch), the mover re-reads the mask under the locks.
 */
int thread_set_affinity(struct thread *t, const cpumask_t *affinity)
{
	struct sched_cpu *rq;
	bool f, kick = false, queued, self = t == thread_current();

	if (!mask_has_online_cpu(affinity))
		return -EINVAL;
	f = arch_irq_save();
	rq = rq_lock_thread(t);
	t->affinity = *affinity;
	queued = t->on_rq;
	if (!cpumask_test(affinity, rq->cpu) && t->state == THREAD_RUNNING && !self)
		kick = rq_resched(rq);
	spin_unlock(&rq->lock);
	if (kick)
		sched_kick(rq->cpu);
	if (queued)
		balance_requeue(t);
	arch_irq_restore(f);
	preempt_schedule();
	if (self)
		while (!cpumask_test(&t->affinity, thread_cpu(t)))
			sched_yield();
	return 0;
}
