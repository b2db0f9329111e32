/*
 * sched/balance.c — where threads run: placing new and woken threads, idle CPUs stealing,
 * the periodic balancer, and moves forced by affinity.
 *
 * The rules: a woken thread goes back to the CPU it last ran on (its cache is there) unless
 * its affinity now excludes that CPU; a new thread goes to the least loaded allowed CPU. An
 * idle CPU pulls one queued thread from the CPU with the most waiting (the thread queued
 * last: it would wait longest there and has the coldest cache). Every BALANCE_TICKS ticks a
 * CPU compares its long-term load with the busiest CPU's and pulls one thread when they
 * differ by 1.5 threads or more on average and by 2 right now. Only queued threads move by
 * pulling; a running thread moves only when its own affinity excludes its CPU, after it has
 * switched out. A sync wakeup (the waker blocks next) may instead place the woken thread on
 * the waker's CPU (wake-affine, balance_wake_sync_cpu). Nothing here ever places a thread on a CPU outside its affinity.
 *
 * Locking: two run queues at a time, locked in CPU-id order (rq_lock_two), interrupts off.
 * Loads are read without locks: they only steer the choice, which is re-checked locked.
 */
#include "internal.h"
#include <keel/arch.h>
#include <keel/panic.h>

static bool cpu_allowed(const struct thread *t, unsigned cpu)
{
	return cpumask_test(&t->affinity, cpu) && cpumask_test(&sched_ready_mask, cpu);
}

/* Load for placement; a CPU whose scheduler has not started yet is the last resort. */
static unsigned placement_load(unsigned cpu)
{
	struct sched_cpu *rq = rq_of(cpu);

	return rq_load(rq) + (READ_ONCE(rq->started) ? 0 : 1000);
}

unsigned balance_new_cpu(const struct thread *t)
{
	unsigned here = arch_cpu_id(), best = CPU_MAX, best_load = ~0u;

	if (cpu_allowed(t, here)) {
		best = here;
		best_load = placement_load(here);
	}
	for_each_cpu(c, &sched_ready_mask) {
		unsigned load;

		if (!cpumask_test(&t->affinity, c))
			continue;
		load = placement_load(c);
		if (load < best_load) {
			best = c;
			best_load = load;
		}
	}
	if (best != CPU_MAX)
		return best;
	/* Allowed CPUs are online but have no queue yet (bring-up): make one. */
	for_each_cpu(c, &t->affinity)
		if (cpumask_test(&cpu_online_mask, c) && rq_prepare(c))
			return c;
	panic("sched: thread %s has no CPU to run on", t->name);
}

unsigned balance_wake_cpu(const struct thread *t)
{
	unsigned cpu = READ_ONCE(t->cpu);

	return cpu_allowed(t, cpu) ? cpu : balance_new_cpu(t);
}

/*
 * Wake-affine, for a waker that blocks next: t goes to the waker's CPU when that CPU may run it
 * and has nothing else queued, so t runs as soon as the waker blocks — no IPI, and no halted
 * virtual CPU that a busy host must first schedule (the cross-CPU wakeup costs 0.2-1 ms on TCG,
 * a local switch ~1 us). Otherwise the ordinary rule (balance_wake_cpu). A waker that does not
 * block after all delays t by at most its turn, or until an idle CPU's tick steals t.
 */
unsigned balance_wake_sync_cpu(const struct thread *t)
{
	unsigned here = arch_cpu_id();
	struct sched_cpu *rq = rq_of(here);

	if (cpu_allowed(t, here) && READ_ONCE(rq->started) && !READ_ONCE(rq->nr_queued) &&
	    READ_ONCE(rq->curr) != rq->idle)
		return here;
	return balance_wake_cpu(t);
}

/* Moves queued t from src to dst (both locked) and asks dst to run it if it should. Returns
 * true when dst is a remote CPU to kick after unlocking. */
static bool move_queued(struct sched_cpu *src, struct sched_cpu *dst, struct thread *t)
{
	rq_dequeue(src, t);
	rq_rebase(src, dst, t);
	rq_enqueue(dst, t, ENQ_MIGRATED);
	return rq_wakeup_preempts(dst, t) && rq_resched(dst);
}

/* Pulls the last queued thread of src that may run on dst. Interrupts off, no lock held. */
static bool pull_one(struct sched_cpu *src, struct sched_cpu *dst, uint64_t *counter)
{
	struct thread *found = NULL;
	bool kick = false;

	rq_lock_two(src, dst);
	for (struct list_node *n = src->queue.prev; n != &src->queue; n = n->prev) {
		struct thread *t = list_entry(n, struct thread, rq_node);

		if (cpumask_test(&t->affinity, dst->cpu)) {
			found = t;
			break;
		}
	}
	if (found) {
		kick = move_queued(src, dst, found);
		(*counter)++;
	}
	rq_unlock_two(src, dst);
	if (kick)
		sched_kick(dst->cpu);
	return found;
}

bool balance_idle_steal(struct sched_cpu *rq)
{
	cpumask_t tried;

	cpumask_clear(&tried);
	cpumask_set(&tried, rq->cpu);
	for (;;) {
		struct sched_cpu *busiest = NULL;
		unsigned most = 0;

		for_each_cpu(c, &sched_ready_mask) {
			unsigned n = READ_ONCE(rq_of(c)->nr_queued);

			if (!cpumask_test(&tried, c) && n > most) {
				most = n;
				busiest = rq_of(c);
			}
		}
		if (!busiest)
			return false;
		if (pull_one(busiest, rq, &rq->stats.steals))
			return true;
		cpumask_set(&tried, busiest->cpu);
	}
}

void balance_periodic(struct sched_cpu *rq)
{
	struct sched_cpu *busiest = NULL;
	int64_t most = 0;

	for_each_cpu(c, &sched_ready_mask) {
		struct sched_cpu *o = rq_of(c);
		int64_t avg = READ_ONCE(o->load_avg);

		if (o != rq && avg > most) {
			most = avg;
			busiest = o;
		}
	}
	if (!busiest || most - READ_ONCE(rq->load_avg) < LOAD_SCALE * 3 / 2 ||
	    rq_load(busiest) < rq_load(rq) + 2)
		return;
	pull_one(busiest, rq, &rq->stats.balance_pulls);
}

/* Locks t's queue and the queue it should be on (the same one if its CPU is still allowed);
 * returns with both locked and t->cpu stable. Interrupts off. */
static void lock_for_move(struct thread *t, struct sched_cpu **src, struct sched_cpu **dst)
{
	for (;;) {
		unsigned cpu = READ_ONCE(t->cpu), to = balance_wake_cpu(t);

		*src = rq_of(cpu);
		*dst = rq_of(to);
		rq_lock_two(*src, *dst);
		if (t->cpu == cpu && cpumask_test(&t->affinity, to))
			return;
		rq_unlock_two(*src, *dst);
	}
}

/* t's affinity changed while it was queued: move it if its CPU is no longer allowed, else
 * let an idle CPU the new mask allows steal it. Interrupts off. */
void balance_requeue(struct thread *t)
{
	struct sched_cpu *src, *dst;
	bool kick = false, moved = false;

	lock_for_move(t, &src, &dst);
	if (t->on_rq && src != dst) {
		kick = move_queued(src, dst, t);
		moved = true;
	}
	rq_unlock_two(src, dst);
	if (kick)
		sched_kick(dst->cpu);
	else if (!moved && READ_ONCE(t->on_rq))
		balance_kick_idle(t, src->cpu);
}

/* t was switched out on a CPU its affinity excludes (sched_finish_switch): queue it on an
 * allowed one. Nothing else moves or queues a thread marked migrate. Interrupts off. */
void balance_migrate_switched_out(struct thread *t)
{
	struct sched_cpu *src, *dst;
	bool kick;

	lock_for_move(t, &src, &dst);
	assert(t->migrate && !t->on_rq && t->state == THREAD_RUNNABLE);
	t->migrate = false;
	rq_rebase(src, dst, t);
	rq_enqueue(dst, t, ENQ_MIGRATED);
	kick = rq_wakeup_preempts(dst, t) && rq_resched(dst);
	rq_unlock_two(src, dst);
	if (kick)
		sched_kick(dst->cpu);
}

/* t waits in the queue of busy_cpu: wake one idle CPU allowed to run it, which will steal. */
void balance_kick_idle(const struct thread *t, unsigned busy_cpu)
{
	unsigned here = arch_cpu_id();

	for_each_cpu(c, &sched_idle_mask) {
		if (c != busy_cpu && c != here && cpumask_test(&t->affinity, c)) {
			sched_kick(c);
			return;
		}
	}
}
