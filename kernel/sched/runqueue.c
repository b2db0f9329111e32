/*
 * sched/runqueue.c — the per-CPU run queue: runnable threads ordered by virtual run time.
 *
 * Policy (docs/scheduler.md): every thread's vruntime grows by the nanoseconds it runs; the
 * queue runs the thread with the smallest vruntime next, so over time each runnable thread
 * of a CPU gets an equal share of it. The queue is a list sorted by vruntime: new, preempted
 * and yielding threads are inserted near the tail and woken ones near the head, so the
 * insertion walks from both ends at once and stops at whichever finds the place first.
 *
 * vruntimes are only compared within one queue, against its min_vruntime (a clock that never
 * goes back). A thread moving between queues keeps its distance from min_vruntime
 * (rq_rebase). Comparisons go through the signed difference, so wrap-around is harmless.
 *
 * Locking: every function here wants rq->lock held (interrupts off), except the lookups.
 */
#include "internal.h"
#include <keel/arch.h>
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/time.h>

static bool vr_before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static uint64_t vr_max(uint64_t a, uint64_t b)
{
	return vr_before(a, b) ? b : a;
}

struct sched_cpu *rq_of(unsigned cpu)
{
	struct cpu_local *cl = cpu_local_of(cpu);

	return cl ? __atomic_load_n(&cl->sched, __ATOMIC_ACQUIRE) : NULL;
}

struct sched_cpu *this_rq(void)
{
	return cpu_local()->sched;
}

/* The run queue of cpu, made on first use (sched_init for the CPUs online then, and each
 * CPU's sched_start_cpu); queues are never freed. NULL only when out of memory. */
struct sched_cpu *rq_prepare(unsigned cpu)
{
	struct cpu_local *cl = cpu_local_of(cpu);
	struct sched_cpu *rq, *none = NULL;

	assert(cl);
	rq = rq_of(cpu);
	if (rq)
		return rq;
	rq = kzalloc(sizeof(*rq));
	if (!rq)
		return NULL;
	spin_init(&rq->lock, "runqueue");
	spin_init(&rq->timer_lock, "timers");
	rq->cpu = cpu;
	list_init(&rq->queue);
	list_init(&rq->timers);
	rq->timer_next = UINT64_MAX;
	rq->balance_countdown = BALANCE_TICKS;
	if (!__atomic_compare_exchange_n(&cl->sched, &none, rq, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		kfree(rq);
		return none;
	}
	cpumask_set(&sched_ready_mask, cpu);
	return rq;
}

/* Locks the queue t belongs to. t->cpu may change until we hold the lock of the CPU it
 * names (it changes only under that lock), hence the re-check. Interrupts off. */
struct sched_cpu *rq_lock_thread(struct thread *t)
{
	for (;;) {
		unsigned cpu = READ_ONCE(t->cpu);
		struct sched_cpu *rq = rq_of(cpu);

		spin_lock(&rq->lock);
		if (READ_ONCE(t->cpu) == cpu)
			return rq;
		spin_unlock(&rq->lock);
	}
}

/* Locks two queues in CPU-id order (one if a == b). Interrupts off. */
void rq_lock_two(struct sched_cpu *a, struct sched_cpu *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a->cpu < b->cpu) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

void rq_unlock_two(struct sched_cpu *a, struct sched_cpu *b)
{
	if (a != b)
		spin_unlock(&b->lock);
	spin_unlock(&a->lock);
}

static void update_min_vruntime(struct sched_cpu *rq)
{
	uint64_t v = rq->min_vruntime;
	bool have = false;

	if (rq->curr && rq->curr != rq->idle && rq->curr->state == THREAD_RUNNING) {
		v = rq->curr->vruntime;
		have = true;
	}
	if (rq->nr_queued) {
		uint64_t left = list_first(&rq->queue, struct thread, rq_node)->vruntime;

		v = have && vr_before(v, left) ? v : left;
	}
	rq->min_vruntime = vr_max(rq->min_vruntime, v);
}

/* Charges the running thread for the time since it was last charged. */
void rq_update_curr(struct sched_cpu *rq)
{
	struct thread *t = rq->curr;
	uint64_t now = time_ns(), delta;

	if (!t || t == rq->idle) {
		if (t)
			t->exec_start = now;
		return;
	}
	/* exec_start may come from another CPU's clock (a remote wakeup check): never negative. */
	delta = (int64_t)(now - t->exec_start) > 0 ? now - t->exec_start : 0;
	t->exec_start = now;
	t->vruntime += delta;
	t->runtime_ns += delta;
	update_min_vruntime(rq);
}

/* Runnable threads here: queued plus a running non-idle one. */
unsigned rq_load(const struct sched_cpu *rq)
{
	return READ_ONCE(rq->nr_queued) + (READ_ONCE(rq->curr) != rq->idle);
}

/* One tick of the long-term load average: avg += (load - avg) / 8. */
void rq_update_load(struct sched_cpu *rq)
{
	int64_t load = (int64_t)rq_load(rq) * LOAD_SCALE;

	rq->load_avg += (load - rq->load_avg) / 8;
}

/* Inserts t at its place: after every thread with vruntime <= its own (FIFO among equals). */
static void queue_insert(struct sched_cpu *rq, struct thread *t)
{
	struct list_node *q = &rq->queue, *fwd = q->next, *bwd = q->prev;

	for (;;) {
		if (fwd == q || vr_before(t->vruntime, list_entry(fwd, struct thread,
								  rq_node)->vruntime)) {
			list_append(fwd, &t->rq_node);		/* just before fwd */
			return;
		}
		if (bwd == q || !vr_before(t->vruntime, list_entry(bwd, struct thread,
								   rq_node)->vruntime)) {
			list_push(bwd, &t->rq_node);		/* just after bwd */
			return;
		}
		fwd = fwd->next;
		bwd = bwd->prev;
	}
}

/* Queues runnable t on rq, placing its vruntime by how it became runnable. */
void rq_enqueue(struct sched_cpu *rq, struct thread *t, enum enqueue_how how)
{
	assert(!t->on_rq && t->cpu == rq->cpu && t != rq->idle);
	switch (how) {
	case ENQ_NEW:
		t->vruntime = rq->min_vruntime + NEW_THREAD_DEBIT_NS;
		break;
	case ENQ_WAKE:
		/* Owed at most a little: a long sleep is not a bank of CPU time. */
		t->vruntime = vr_max(t->vruntime, rq->min_vruntime - SLEEPER_CREDIT_NS);
		break;
	case ENQ_YIELD:
		if (rq->nr_queued)
			t->vruntime = vr_max(t->vruntime, list_entry(rq->queue.prev, struct thread,
								    rq_node)->vruntime);
		break;
	case ENQ_PREEMPTED:
	case ENQ_MIGRATED:
		break;
	}
	t->state = THREAD_RUNNABLE;
	queue_insert(rq, t);
	t->on_rq = true;
	rq->nr_queued++;
	update_min_vruntime(rq);
}

void rq_dequeue(struct sched_cpu *rq, struct thread *t)
{
	assert(t->on_rq && t->cpu == rq->cpu);
	list_remove(&t->rq_node);
	t->on_rq = false;
	rq->nr_queued--;
}

/* Takes the thread to run next off the queue: the smallest vruntime, or the idle thread. */
struct thread *rq_pick_next(struct sched_cpu *rq)
{
	struct thread *t;

	if (!rq->nr_queued)
		return rq->idle;
	t = list_first(&rq->queue, struct thread, rq_node);
	rq_dequeue(rq, t);
	return t;
}

/* Moves the vruntime of t (not queued) from src's clock to dst's and makes dst its CPU.
 * Both queues locked. */
void rq_rebase(struct sched_cpu *src, struct sched_cpu *dst, struct thread *t)
{
	assert(!t->on_rq && t->cpu == src->cpu);
	if (src == dst)
		return;
	t->vruntime = t->vruntime - src->min_vruntime + dst->min_vruntime;
	WRITE_ONCE(t->cpu, dst->cpu);
	t->migrations++;
	dst->stats.migrations_in++;
}

/* Whether t, just queued on rq, should preempt what rq runs: rq is idle, or t is owed more
 * than the wakeup granularity. */
bool rq_wakeup_preempts(struct sched_cpu *rq, struct thread *t)
{
	struct thread *curr = rq->curr;

	if (!rq->started || !curr)
		return false;		/* the idle loop will find t when the CPU starts */
	if (curr == rq->idle)
		return true;
	rq_update_curr(rq);
	return vr_before(t->vruntime + WAKEUP_GRAN_NS, curr->vruntime);
}

/*
 * Marks rq's CPU as due to reschedule (rq->lock held). Returns true when the caller must then
 * kick that CPU (sched_kick, after unlocking): it is not this one, was not already marked, and
 * its idle loop is not polling. A polling CPU needs no IPI: the exchange is a full barrier and
 * pairs with the fence in idle_poll after it clears idle_polling, so either we see the flag
 * still set and the poller then sees need_resched (in its loop, or in the idle loop's look
 * after the fence), or we see it clear and send the IPI.
 */
bool rq_resched(struct sched_cpu *rq)
{
	struct cpu_local *cl = cpu_local_of(rq->cpu);
	bool was = __atomic_exchange_n(&cl->need_resched, true, __ATOMIC_SEQ_CST);

	return !was && rq->cpu != arch_cpu_id() && !READ_ONCE(rq->idle_polling);
}
