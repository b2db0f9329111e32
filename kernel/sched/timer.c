/*
 * sched/timer.c — sleeps and timeouts: a per-CPU queue of threads with a deadline.
 *
 * A thread that blocks with a deadline (sched_block) is put on its CPU's timer queue, sorted by
 * deadline. timer_check() wakes every thread whose deadline has passed; it runs from the tick,
 * the idle loop and every schedule(), so a deadline is noticed at the first of those after it
 * passes — never before: a thread wakes only when time_ns() >= deadline, and a sleeper re-sleeps
 * after a spurious wakeup. Without a tick (before the APIC timer runs) a CPU notices deadlines
 * only when it schedules or idles; its idle loop then polls the clock instead of halting.
 *
 * Locking: rq->timer_lock guards the queue and the timer fields of the threads on it; it is
 * taken with interrupts off, after any wait-queue lock and before any run-queue lock.
 */
#include "internal.h"
#include <keel/arch.h>
#include <keel/panic.h>
#include <keel/time.h>

uint64_t sched_deadline(uint64_t ns)
{
	uint64_t now = time_ns();

	return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

static void update_next(struct sched_cpu *rq)
{
	WRITE_ONCE(rq->timer_next, list_empty(&rq->timers) ? UINT64_MAX :
		   list_first(&rq->timers, struct thread, timer_node)->timer_deadline);
}

/* Puts the calling thread t on this CPU's timer queue. Interrupts off. */
void timer_arm(struct thread *t, uint64_t deadline)
{
	struct sched_cpu *rq = this_rq();
	struct list_node *n;

	assert(t->timer_cpu < 0 && !arch_irq_enabled());
	spin_lock(&rq->timer_lock);
	t->timer_deadline = deadline;
	/* Later deadlines are the common case: walk from the tail. */
	for (n = rq->timers.prev; n != &rq->timers; n = n->prev)
		if (list_entry(n, struct thread, timer_node)->timer_deadline <= deadline)
			break;
	list_push(n, &t->timer_node);
	t->timer_cpu = (int)rq->cpu;
	update_next(rq);
	spin_unlock(&rq->timer_lock);
}

/* Takes the calling thread off the timer queue if the timer has not fired. Interrupts off. */
void timer_cancel(struct thread *t)
{
	struct sched_cpu *rq;

	if (t->timer_cpu < 0)
		return;
	rq = rq_of((unsigned)t->timer_cpu);
	spin_lock(&rq->timer_lock);
	if (!list_empty(&t->timer_node)) {
		list_remove(&t->timer_node);
		update_next(rq);
	}
	spin_unlock(&rq->timer_lock);
	t->timer_cpu = -1;
}

/* Wakes the threads of rq whose deadline has passed. Interrupts off, no run-queue lock. */
void timer_check(struct sched_cpu *rq)
{
	uint64_t now = time_ns();

	if (READ_ONCE(rq->timer_next) > now)
		return;
	spin_lock(&rq->timer_lock);
	while (!list_empty(&rq->timers)) {
		struct thread *t = list_first(&rq->timers, struct thread, timer_node);

		if (t->timer_deadline > now)
			break;
		list_remove(&t->timer_node);
		rq->stats.timer_wakeups++;
		sched_wake(t);
	}
	update_next(rq);
	spin_unlock(&rq->timer_lock);
}

bool timer_pending(const struct sched_cpu *rq)
{
	return READ_ONCE(rq->timer_next) != UINT64_MAX;
}

void sched_sleep_ns(uint64_t ns)
{
	uint64_t deadline = sched_deadline(ns);
	struct sched_cpu *rq = this_rq();

	if (!rq || !rq->started) {
		/* Before this CPU schedules (early boot) there is nothing to switch to. */
		while (time_ns() < deadline)
			arch_relax();
		return;
	}
	sched_might_sleep("sched_sleep_ns");
	while (time_ns() < deadline) {
		bool f = arch_irq_save();

		sched_block(NULL, deadline);
		arch_irq_restore(f);
	}
}
