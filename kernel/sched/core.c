/*
 * sched/core.c — switching threads: schedule, block and wake, the tick, preemption, the idle
 * loop, and each CPU's start.
 *
 * Every switch goes through __schedule() with the CPU's run-queue lock held and interrupts
 * off; the thread switched in finishes the switch (sched_finish_switch) by releasing that
 * lock, and only then deals with the thread it replaced: a dead one's joiner is told (its
 * stack is no longer in use), and one whose affinity excludes this CPU is moved (it is no
 * longer running anywhere). So every thread is switched out and in with preempt_count == 1
 * (the run-queue lock) and interrupts off, and restores its own interrupt state afterwards.
 *
 * Preemption points: preempt_enable() reaching zero with interrupts on, sched_irq_exit() when
 * the interrupted context was preemptible, and the blocking calls. need_resched is set under
 * the run-queue lock of its CPU (by the tick, or a wakeup that should preempt), and a remote
 * CPU is kicked with smp_send_reschedule() after that lock is dropped.
 */
#include "internal.h"
#include <keel/arch.h>
#include <keel/fault.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <keel/time.h>

cpumask_t sched_ready_mask, sched_idle_mask;
uint64_t sched_idle_poll_ns = 100 * 1000;

/* Makes cpu look at its queue: a reschedule IPI. (A CPU whose idle loop polls needs none;
 * rq_resched tells its caller so.) */
void sched_kick(unsigned cpu)
{
	smp_send_reschedule(cpu);
}

/* Switches from prev to next; returns when prev is switched in again (maybe on another CPU). */
static void context_switch(struct sched_cpu *rq, struct thread *prev, struct thread *next)
{
	struct cpu_local *cl = cpu_local();

	next->state = THREAD_RUNNING;
	next->exec_start = time_ns();
	next->slice_ticks = 0;
	next->switches_in++;
	rq->curr = next;
	rq->prev = prev;
	cl->current = next;
	cl->ctx_switches++;
	if (next == rq->idle)
		cpumask_set(&sched_idle_mask, rq->cpu);
	else
		cpumask_unset(&sched_idle_mask, rq->cpu);
	prev->fault_catch = fault_catch_exchange(next->fault_catch);
	arch_thread_switch_in(next);
	arch_context_switch(&prev->sp, next->sp);
}

/*
 * Picks the next thread of rq and switches to it. Entered with rq->lock held (it is the only
 * reason preemption is off) and interrupts off; returns with no run-queue lock held and
 * interrupts still off, as the current thread of whatever CPU resumed it.
 */
static void __schedule(struct sched_cpu *rq, enum enqueue_how requeue)
{
	struct thread *prev = rq->curr, *next;

	if (unlikely(preempt_count() != 1))
		panic("schedule: thread %s switching out with preempt_count %d (a spinlock is "
		      "held or preemption is disabled)", prev->name, preempt_count() - 1);
	if (unlikely(READ_ONCE(rq->idle_polling)))
		panic("schedule: CPU %u switches away while its idle loop is marked polling",
		      rq->cpu);
	rq_update_curr(rq);
	WRITE_ONCE(cpu_local()->need_resched, false);
	if (prev->state == THREAD_RUNNING && prev != rq->idle) {
		if (cpumask_test(&prev->affinity, rq->cpu)) {
			rq_enqueue(rq, prev, requeue);
		} else {
			prev->state = THREAD_RUNNABLE;
			prev->migrate = true;	/* sched_finish_switch moves it */
		}
	}
	next = rq_pick_next(rq);
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		spin_unlock(&rq->lock);
		return;
	}
	context_switch(rq, prev, next);
	sched_finish_switch();
}

/* The thread switched in completes the switch: see the top of the file. Interrupts off. */
void sched_finish_switch(void)
{
	struct sched_cpu *rq = this_rq();
	struct thread *prev = rq->prev;
	bool dead = prev->state == THREAD_DEAD, migrate = prev->migrate;

	rq->prev = NULL;
	spin_release(&rq->lock);
	preempt_enable_no_resched();
	if (dead)
		complete(&prev->exited);	/* prev may be freed from here on */
	else if (migrate)
		balance_migrate_switched_out(prev);
}

/* Ends the calling thread: it goes DEAD and switches away for good (thread_exit). */
__noreturn void sched_exit_current(void)
{
	struct sched_cpu *rq;

	arch_irq_save();
	rq = this_rq();
	spin_lock(&rq->lock);
	rq->curr->state = THREAD_DEAD;
	__schedule(rq, ENQ_PREEMPTED);
	panic("thread_exit: dead thread %s was switched in again", rq->curr->name);
}

/* Reschedules this CPU now (and again while a reschedule is due). */
static void schedule_now(enum enqueue_how requeue)
{
	bool f = arch_irq_save();

	do {
		struct sched_cpu *rq = this_rq();

		timer_check(rq);
		spin_lock(&rq->lock);
		__schedule(rq, requeue);
		requeue = ENQ_PREEMPTED;
	} while (READ_ONCE(cpu_local()->need_resched));
	arch_irq_restore(f);
}

static bool can_preempt_here(void)
{
	struct sched_cpu *rq = this_rq();

	return rq && rq->started && preempt_count() == 0;
}

void preempt_schedule(void)
{
	if (READ_ONCE(cpu_local()->need_resched) && arch_irq_enabled() && can_preempt_here())
		schedule_now(ENQ_PREEMPTED);
}

void sched_irq_exit(bool irqs_were_enabled)
{
	if (irqs_were_enabled && READ_ONCE(cpu_local()->need_resched) && can_preempt_here())
		schedule_now(ENQ_PREEMPTED);
}

/*
 * Every fact checked here stays true if the caller is preempted and moved to another CPU
 * half-way (it is preemptible when it passes): the count is 0 on any CPU such a thread runs
 * on, and the thread itself is read in one instruction. (Comparing this_rq()->curr would not
 * be: the run queue could be left behind by a migration between the two reads.)
 */
void sched_might_sleep(const char *what)
{
	int pc = preempt_count();
	struct thread *t = thread_current();

	if (unlikely(pc))
		panic("%s: sleeping with preempt_count %d in thread %s (a spinlock is held or "
		      "preemption is disabled)", what, pc, t ? t->name : "(none)");
	if (unlikely(!arch_irq_enabled()))
		panic("%s: sleeping with interrupts disabled", what);
	if (unlikely(!t))
		panic("%s: sleeping before sched_start_cpu() on CPU %u", what, arch_cpu_id());
	if (unlikely(t->tid == 0))
		panic("%s: the idle thread %s may not sleep", what, t->name);
}

void sched_yield(void)
{
	sched_might_sleep("sched_yield");
	schedule_now(ENQ_YIELD);
}

void sched_block(struct spinlock *lk, uint64_t deadline)
{
	struct thread *t = thread_current();
	struct sched_cpu *rq;

	assert(!arch_irq_enabled());
	if (unlikely(preempt_count() != (lk ? 1 : 0)))
		panic("sched_block: thread %s would sleep with preempt_count %d (a spinlock other "
		      "than %s is held, or preemption is disabled)", t ? t->name : "(none)",
		      preempt_count(), lk ? lk->name : "none");
	if (deadline)
		timer_arm(t, deadline);
	rq = this_rq();
	spin_lock(&rq->lock);
	if (deadline && time_ns() >= deadline) {
		/* Expired before we slept; the timer (on this CPU, interrupts off) has not run. */
		spin_unlock(&rq->lock);
		if (lk)
			spin_unlock(lk);
		timer_cancel(t);
		return;
	}
	if (t->interrupted) {
		/* sched_interrupt found it awake: this sleep is a spurious wakeup, at once. */
		t->interrupted = false;
		spin_unlock(&rq->lock);
		if (lk)
			spin_unlock(lk);
		if (deadline)
			timer_cancel(t);
		return;
	}
	t->state = THREAD_BLOCKED;
	if (lk) {
		spin_release(lk);
		preempt_enable_no_resched();
	}
	__schedule(rq, ENQ_PREEMPTED);
	if (deadline)
		timer_cancel(t);
}

/* With sticky, a thread not blocked now gets t->interrupted, which ends its next sleep. With
 * sync, the caller blocks next: t may join its CPU (balance_wake_sync_cpu), and then no idle
 * CPU is kicked to steal t, since this CPU is about to run it. */
static bool wake(struct thread *t, bool sticky, bool sync)
{
	bool f = arch_irq_save(), kick, ok = false, affine = false;
	struct sched_cpu *src, *dst;

	for (;;) {
		unsigned cpu = READ_ONCE(t->cpu);
		unsigned to = sync ? balance_wake_sync_cpu(t) : balance_wake_cpu(t);

		affine = sync && to == arch_cpu_id();

		src = rq_of(cpu);
		dst = rq_of(to);
		rq_lock_two(src, dst);
		if (t->cpu == cpu && (t->state != THREAD_BLOCKED || cpumask_test(&t->affinity, to)))
			break;
		rq_unlock_two(src, dst);	/* it moved, or its affinity changed: again */
	}
	if (t->state == THREAD_BLOCKED) {
		rq_rebase(src, dst, t);
		rq_enqueue(dst, t, ENQ_WAKE);
		dst->stats.wakeups++;
		ok = true;
	} else if (sticky && t->state != THREAD_DEAD && t->state != THREAD_NEW) {
		t->interrupted = true;
	}
	kick = ok && rq_wakeup_preempts(dst, t);
	if (kick && dst->curr != dst->idle)
		dst->stats.wakeup_preemptions++;
	kick = kick && rq_resched(dst);
	rq_unlock_two(src, dst);
	if (kick)
		sched_kick(dst->cpu);
	else if (ok && !affine && READ_ONCE(dst->curr) != dst->idle)
		balance_kick_idle(t, dst->cpu);
	arch_irq_restore(f);
	preempt_schedule();		/* a local preemption, if we may take it here */
	return ok;
}

bool sched_wake(struct thread *t)
{
	return wake(t, false, false);
}

bool sched_wake_sync(struct thread *t)
{
	return wake(t, false, true);
}

bool sched_interrupt(struct thread *t)
{
	return wake(t, true, false);
}

void sched_tick(bool user)
{
	struct sched_cpu *rq = this_rq();
	bool f;

	if (!rq || !rq->started)
		return;
	f = arch_irq_save();
	rq->stats.ticks++;
	rq->prev_tick_ns = rq->last_tick_ns;
	rq->last_tick_ns = time_ns();
	timer_check(rq);
	spin_lock(&rq->lock);
	rq_update_curr(rq);
	rq_update_load(rq);
	sched_account_tick(rq, user);
	if (rq->curr != rq->idle)
		rq->curr->slice_ticks++;
	if (rq->nr_queued && rq->curr == rq->idle) {
		rq_resched(rq);
	} else if (rq->nr_queued && rq->curr->slice_ticks >= SCHED_SLICE_TICKS) {
		rq->stats.tick_preemptions++;
		rq_resched(rq);
	}
	spin_unlock(&rq->lock);
	if (--rq->balance_countdown == 0) {
		rq->balance_countdown = BALANCE_TICKS;
		balance_periodic(rq);
	}
	arch_irq_restore(f);
}

void sched_ipi(void)
{
	struct sched_cpu *rq = this_rq();

	/* The sender set need_resched if it wanted a switch; an idle CPU also steals. */
	if (rq && rq->started && READ_ONCE(rq->curr) == rq->idle && READ_ONCE(rq->nr_queued))
		WRITE_ONCE(cpu_local()->need_resched, true);
}

/* True while a periodic tick reaches this CPU: the last two ticks came about a period apart,
 * the last one recently. (sched_tick calls that are not a timer's — a lone one, or a burst —
 * promise no next one.) */
static bool tick_running(struct sched_cpu *rq)
{
	uint64_t gap = rq->last_tick_ns - rq->prev_tick_ns;

	return rq->prev_tick_ns && gap >= SCHED_TICK_NS / 2 && gap <= 2 * SCHED_TICK_NS &&
	       time_ns() - rq->last_tick_ns <= 2 * SCHED_TICK_NS;
}

/*
 * After running work, an idle CPU polls for up to sched_idle_poll_ns before it halts: a wakeup
 * that comes soon (the other half of a ping-pong) then costs no IPI and no halted virtual CPU
 * that a busy host must first schedule again. Interrupts stay on, so the tick, IPIs and devices
 * are served, but preemption is off: rq->idle_polling must mean "the idle thread is in this
 * loop" (rq_resched skips the IPI on its word), so an interrupt must not switch to the new work
 * from inside it; the loop sees need_resched and the idle loop switches. It waits for
 * need_resched alone, not for nr_queued: whoever queues work here sets need_resched after it
 * (rq_resched) and then looks at the flag, and a poll that ended on the queue alone would make
 * that look see it clear and send the IPI anyway. The bound keeps an idle CPU from burning a
 * host core. Called and returns with interrupts off; polling is over on return.
 */
static void idle_poll(struct sched_cpu *rq, struct cpu_local *cl)
{
	uint64_t end = time_ns() + READ_ONCE(sched_idle_poll_ns);

	cl->idle_entries++;
	preempt_disable();
	WRITE_ONCE(rq->idle_polling, true);
	arch_irq_restore(true);
	while (!READ_ONCE(cl->need_resched) && time_ns() < end)
		arch_relax();
	arch_irq_save();
	WRITE_ONCE(rq->idle_polling, false);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	preempt_enable_no_resched();	/* the idle loop looks at need_resched next */
}

/*
 * The idle thread: runs queued work, else steals, else (after a bounded poll when it has just
 * run work) parks in hlt with interrupts on until an interrupt (the tick, a reschedule IPI, a
 * device) makes it look again. Without a running tick a sleeper's deadline would never be
 * noticed in hlt, so with a timer pending and no tick the idle loop polls the clock instead
 * (see docs/scheduler.md).
 */
static __noreturn void idle_loop(struct sched_cpu *rq)
{
	struct cpu_local *cl = cpu_local();
	bool polling = false, ran = false;

	for (;;) {
		arch_irq_save();
		timer_check(rq);
		if (!READ_ONCE(rq->nr_queued) && !READ_ONCE(cl->need_resched))
			balance_idle_steal(rq);
		if (READ_ONCE(rq->nr_queued) || READ_ONCE(cl->need_resched)) {
			polling = false;
			schedule_now(ENQ_PREEMPTED);
			ran = true;
			continue;
		}
		if (ran) {
			ran = false;
			idle_poll(rq, cl);
			continue;	/* look again: queue, timers, steal */
		}
		if (!timer_pending(rq) || tick_running(rq)) {
			cl->idle_entries++;
			polling = false;
			arch_idle_wait();		/* sti; hlt */
		} else {
			if (!polling)
				cl->idle_entries++;
			polling = true;
			arch_irq_restore(true);
			arch_relax();
		}
	}
}

/* A CPU's idle thread: the context that called sched_start_cpu, with no stack of its own. */
static struct thread *idle_thread_make(unsigned cpu)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t)
		panic("sched_start_cpu: no memory for the idle thread of CPU %u", cpu);
	t->tid = 0;			/* only idle threads have tid 0 */
	t->magic = THREAD_MAGIC;
	snprintf(t->name, sizeof(t->name), "idle/%u", cpu);
	t->state = THREAD_RUNNING;
	t->cpu = cpu;
	cpumask_clear(&t->affinity);
	cpumask_set(&t->affinity, cpu);
	list_init(&t->rq_node);
	list_init(&t->timer_node);
	t->timer_cpu = -1;
	completion_init(&t->exited, "idle exit");
	return t;
}

__noreturn void sched_start_cpu(void)
{
	unsigned cpu = arch_cpu_id();
	struct sched_cpu *rq = rq_prepare(cpu);
	struct thread *idle;

	if (!rq)
		panic("sched_start_cpu: no memory for the run queue of CPU %u", cpu);
	idle = idle_thread_make(cpu);
	arch_irq_save();
	spin_lock(&rq->lock);
	assert(!rq->started);
	rq->idle = idle;
	rq->curr = idle;
	idle->exec_start = time_ns();
	cpu_local()->current = idle;
	cpumask_set(&sched_idle_mask, cpu);
	rq->started = true;
	spin_unlock(&rq->lock);
	pr_info("sched: CPU %u scheduling (%u queued)\n", cpu, rq->nr_queued);
	idle_loop(rq);
}

void sched_init(void)
{
	for_each_cpu(c, &cpu_online_mask)
		if (!rq_prepare(c))
			panic("sched_init: no memory for the run queue of CPU %u", c);
	pr_info("sched: per-CPU vruntime queues, tick %llu ms, slice %llu ms\n",
		SCHED_TICK_NS / 1000000, SCHED_SLICE_NS / 1000000);
}

bool sched_stats(unsigned cpu, struct sched_stats *st)
{
	struct sched_cpu *rq = rq_of(cpu);
	bool f;

	if (!rq)
		return false;
	f = spin_lock_irqsave(&rq->lock);
	*st = rq->stats;
	st->nr_queued = rq->nr_queued;
	st->load_avg_milli = rq->load_avg > 0 ? (unsigned)(rq->load_avg * 1000 / LOAD_SCALE) : 0;
	st->running_tid = rq->curr ? rq->curr->tid : 0;
	st->idle_polling = READ_ONCE(rq->idle_polling);
	spin_unlock_irqrestore(&rq->lock, f);
	return true;
}

void sched_dump(void)
{
	struct sched_stats st;

	for_each_cpu(c, &sched_ready_mask) {
		struct cpu_local *cl = cpu_local_of(c);

		if (!sched_stats(c, &st))
			continue;
		kprintf("cpu%u: switches %lu idle %lu ipi %lu/%lu queued %u load %u.%03u running %d"
			" | ticks %lu wakeups %lu preempt tick %lu wake %lu steals %lu pulls %lu"
			" migr-in %lu timers %lu\n", c, cl->ctx_switches, cl->idle_entries,
			cl->ipi_sent, cl->ipi_received, st.nr_queued, st.load_avg_milli / 1000,
			st.load_avg_milli % 1000, st.running_tid, st.ticks, st.wakeups,
			st.tick_preemptions, st.wakeup_preemptions, st.steals, st.balance_pulls,
			st.migrations_in, st.timer_wakeups);
	}
}
