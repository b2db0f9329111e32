/*
 * sched/internal.h — what the scheduler's files share: the per-CPU run queue and timer queue.
 *
 * Each CPU's struct sched_cpu hangs off cpu_local()->sched. Lock order, outermost first:
 *
 *	wait-queue locks (keel/sync.h)  ->  timer locks  ->  run-queue locks (two: by CPU id)
 *
 * A run-queue lock guards its queue, its counters, and the scheduling fields (state, cpu,
 * on_rq, migrate, affinity, vruntime, sp...) of every thread whose t->cpu is that CPU. It is
 * held across a context switch: the outgoing thread takes it, the incoming one releases it in
 * sched_finish_switch(). So whoever holds a thread's run-queue lock sees it either running or
 * completely switched out, never half-saved. Run-queue and timer locks are taken only with
 * interrupts off (the tick takes them).
 */
#ifndef SCHED_INTERNAL_H
#define SCHED_INTERNAL_H

#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/spinlock.h>

#define THREAD_MAGIC		0x74687264u	/* "thrd": cleared when the thread is freed */
#define WAKEUP_GRAN_NS		(1000 * 1000ULL)	/* a wakeup preempts if owed more than this */
#define SLEEPER_CREDIT_NS	(SCHED_SLICE_NS / 2)	/* how far behind a waking thread may start */
#define NEW_THREAD_DEBIT_NS	(SCHED_SLICE_NS / 2)	/* a new thread starts this far behind */
#define BALANCE_TICKS		25			/* periodic balance every 100 ms */
#define LOAD_SCALE		1024

struct sched_cpu {
	struct spinlock lock;		/* the run-queue lock */
	unsigned cpu;
	bool started;			/* sched_start_cpu ran: the idle loop serves this queue */
	bool idle_polling;		/* the idle loop polls need_resched: a kick needs no IPI */
	struct thread *curr;		/* running here; the idle thread when nothing else */
	struct thread *idle;
	struct thread *prev;		/* switched out by the switch now finishing */
	struct list_node queue;		/* runnable threads by ascending vruntime, FIFO among equals */
	unsigned nr_queued;
	uint64_t min_vruntime;		/* never decreases; new and woken threads are placed near it */
	int64_t load_avg;		/* runnable threads (queued + running) x LOAD_SCALE, per tick */
	unsigned balance_countdown;	/* ticks until the periodic balancer runs */
	uint64_t last_tick_ns, prev_tick_ns;	/* time_ns() of the last two sched_ticks */

	struct spinlock timer_lock;	/* guards timers and the timer fields of threads on it */
	struct list_node timers;	/* threads with a deadline, ascending */
	uint64_t timer_next;		/* earliest deadline, UINT64_MAX if none (read unlocked) */

	struct sched_stats stats;	/* counters; nr_queued etc. are filled in when read */
};

/* CPUs with a run queue, and those of them running their idle thread (bits set atomically). */
extern cpumask_t sched_ready_mask, sched_idle_mask;

/* loadavg.c */
void sched_account_tick(struct sched_cpu *rq, bool user);

/* runqueue.c */
enum enqueue_how { ENQ_NEW, ENQ_WAKE, ENQ_PREEMPTED, ENQ_YIELD, ENQ_MIGRATED };
struct sched_cpu *rq_of(unsigned cpu);
struct sched_cpu *this_rq(void);
struct sched_cpu *rq_prepare(unsigned cpu);
struct sched_cpu *rq_lock_thread(struct thread *t);
void rq_lock_two(struct sched_cpu *a, struct sched_cpu *b);
void rq_unlock_two(struct sched_cpu *a, struct sched_cpu *b);
void rq_enqueue(struct sched_cpu *rq, struct thread *t, enum enqueue_how how);
void rq_dequeue(struct sched_cpu *rq, struct thread *t);
struct thread *rq_pick_next(struct sched_cpu *rq);
void rq_update_curr(struct sched_cpu *rq);
void rq_update_load(struct sched_cpu *rq);
unsigned rq_load(const struct sched_cpu *rq);
void rq_rebase(struct sched_cpu *src, struct sched_cpu *dst, struct thread *t);
bool rq_wakeup_preempts(struct sched_cpu *rq, struct thread *t);
bool rq_resched(struct sched_cpu *rq);

/* core.c */
void sched_finish_switch(void);
__noreturn void sched_exit_current(void);
void sched_kick(unsigned cpu);

/* balance.c */
unsigned balance_new_cpu(const struct thread *t);
unsigned balance_wake_cpu(const struct thread *t);
unsigned balance_wake_sync_cpu(const struct thread *t);
void balance_requeue(struct thread *t);
bool balance_idle_steal(struct sched_cpu *rq);
void balance_periodic(struct sched_cpu *rq);
void balance_migrate_switched_out(struct thread *t);
void balance_kick_idle(const struct thread *t, unsigned busy_cpu);

/* timer.c */
void timer_arm(struct thread *t, uint64_t deadline);
void timer_cancel(struct thread *t);
void timer_check(struct sched_cpu *rq);
bool timer_pending(const struct sched_cpu *rq);

#endif
