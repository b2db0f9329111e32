/*
 * keel/sched.h — kernel threads and the scheduler (kernel/sched/).
 *
 * Threads run on per-CPU run queues. A runnable thread stays on the CPU it last ran on; an idle
 * CPU steals from the busiest queue and a periodic balancer evens out long-term imbalance;
 * affinity masks are never violated. Policy: per-CPU virtual-runtime fair scheduling with a
 * time slice enforced by the timer tick, and wakeups that preempt when the woken thread is
 * owed CPU time. An idle CPU parks in hlt and is woken by an IPI (smp_send_reschedule) when
 * work is queued for it. Reasoning, invariants and counters: docs/scheduler.md.
 *
 * Hooks the arch code calls:
 *   sched_tick()       from the timer interrupt, every SCHED_TICK_NS on every CPU
 *   sched_ipi()        from the reschedule IPI
 *   sched_irq_exit()   at the end of every interrupt (after the EOI), with the interrupted
 *                      context's IF; may switch threads (preemption) when it is safe
 *   sched_start_cpu()  last call of each CPU's bring-up (the boot CPU: from kmain); never returns
 *
 * Sleeping: every call that may block (thread_join, sched_sleep_ns, sched_yield and everything
 * in keel/sync.h) panics when called with a spinlock held, preemption disabled, interrupts
 * off, from the idle thread, or before sched_start_cpu on this CPU.
 */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H

#include <keel/types.h>
#include <keel/cpumask.h>
#include <keel/list.h>
#include <keel/preempt.h>
#include <keel/sync.h>

#define SCHED_TICK_NS	(4 * 1000 * 1000ULL)	/* 4 ms timer tick */
#define SCHED_SLICE_TICKS 2			/* ticks a thread runs before a tick may switch */
#define SCHED_SLICE_NS	(SCHED_SLICE_TICKS * SCHED_TICK_NS)
#define THREAD_NAME_MAX	24

/* THREAD_NEW: made but not yet started (thread_start). Others may already hold a pointer to
 * it (a user thread is published before it starts); wakeups and interrupts pass it by. */
enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD, THREAD_NEW };

typedef int (*thread_fn)(void *arg);
struct fault_catch;
struct uthread;

/*
 * A kernel thread. Fields are grouped by who may touch them; "rq lock" is the run-queue lock of
 * the CPU in t->cpu (kernel/sched/internal.h), and t->cpu itself changes only with the locks of
 * both the old and the new CPU held.
 */
struct thread {
	/* Set by thread_create, then read-only. */
	int tid;
	uint32_t magic;
	char name[THREAD_NAME_MAX];
	thread_fn fn;
	void *arg;
	void *stack;			/* kstack_alloc() base; NULL for a CPU's idle thread */
	struct uthread *uthread;	/* user-mode side (keel/proc.h); NULL: a kernel thread */

	/* rq lock. */
	enum thread_state state;
	unsigned cpu;			/* the CPU whose queue owns it (where it last ran) */
	bool on_rq;			/* linked on that queue: runnable and not running */
	bool migrate;			/* switched out on a CPU its affinity excludes */
	cpumask_t affinity;
	struct list_node rq_node;
	uint64_t vruntime;		/* virtual run time, ns (see runqueue.c) */
	uint64_t exec_start;		/* time_ns() of the last run-time accounting while running */
	unsigned slice_ticks;		/* ticks seen since it last went on the CPU */
	bool interrupted;		/* sched_interrupt came while awake: next block returns */
	void *sp;			/* saved stack pointer while switched out */
	struct fault_catch *fault_catch;	/* its armed test catches while switched out */
	uint64_t runtime_ns, switches_in, migrations;	/* counters */
	uint64_t user_ticks, sys_ticks;	/* ticks that found it in user / kernel mode */

	/* Sleep and timeout timer: the timer lock of CPU timer_cpu. */
	struct list_node timer_node;
	uint64_t timer_deadline;
	int timer_cpu;			/* -1 when no timer is armed */

	/* The thread itself. Mutexes it holds (sync/mutex.c): none when it returns to user mode
	 * or exits, which debug builds check (mutex_check_none_held). */
	unsigned mutexes_held;
	struct mutex *mutex_last;	/* the last it took */

	/* Ending: exit_status is written before the thread goes DEAD; exited completes after it
	 * has switched out for the last time, so the joiner may free its stack. */
	int exit_status;
	struct completion exited;
};

/* Creates a kernel thread running fn(arg), runnable at once on some CPU allowed by its
 * affinity (all CPUs by default). NULL when out of memory. Returning from fn is thread_exit. */
struct thread *thread_create(const char *name, thread_fn fn, void *arg);
/* Like thread_create, restricted to the CPUs in *affinity (must contain an online CPU). */
struct thread *thread_create_on(const char *name, thread_fn fn, void *arg,
				const cpumask_t *affinity);
/* Thread IDs (sched/tid.c): the lowest free ID above the last one given, wrapping to
 * TID_WRAP_MIN; -EAGAIN when all TID_MAX are held. PIDs are TIDs. tid_free panics on an ID
 * that is not held. tid_count is how many are held (0 and init's included). */
int tid_alloc(void);
void tid_free(int id);
bool tid_is_held(int id);
int tid_count(void);
/* The ID tid_alloc handed out last (/proc/loadavg's last field, Linux's last_pid). */
int tid_last(void);
/* Like thread_create_on, but the thread is left THREAD_NEW: it runs from thread_start. NULL
 * when out of memory. */
struct thread *thread_prepare(const char *name, thread_fn fn, void *arg,
			      const cpumask_t *affinity);
/* Prepares a user thread: like thread_prepare, with t->uthread = ut and ut->thread = t set
 * (so its first switch-in loads its address space) and the TID given: the caller publishes
 * ut (where others may find ut->thread) and then calls thread_start. fn gets ut. */
struct thread *thread_create_user(const char *name, thread_fn fn, struct uthread *ut, int tid,
				  const cpumask_t *affinity);
/* Makes a THREAD_NEW thread runnable on the least loaded CPU its affinity allows. */
void thread_start(struct thread *t);
/* Ends the calling thread with status; a joiner receives it. */
__noreturn void thread_exit(int status);
/* Waits for t to end, returns its status and frees it. Each thread is joined exactly once. */
int thread_join(struct thread *t);
/* The calling thread; NULL before sched_start_cpu on this CPU. */
struct thread *thread_current(void);
/* Changes t's allowed CPUs; migrates it if it is running or queued elsewhere (the calling
 * thread returns already running on an allowed CPU). -EINVAL if no online CPU is in it. */
int thread_set_affinity(struct thread *t, const cpumask_t *affinity);
/* The CPU t last ran on (or is queued on). */
unsigned thread_cpu(const struct thread *t);

/* Gives the CPU to every other runnable thread of this CPU first (then runs again). */
void sched_yield(void);
/* Sleeps at least ns nanoseconds (never less; how much more depends on the tick). */
void sched_sleep_ns(uint64_t ns);

/*
 * The blocking primitive under keel/sync.h. The caller has interrupts off, holds lk (or passes
 * NULL) and nothing else, and has put itself where a waker finds it; a waker takes lk before
 * calling sched_wake, so no wakeup is lost. sched_block releases lk, sleeps until
 * sched_wake(t) or until time_ns() >= deadline (0: none; sched_deadline in keel/sync.h), and
 * returns with interrupts still off and lk not held. Wakeups may be spurious: callers re-check
 * their condition.
 */
void sched_block(struct spinlock *lk, uint64_t deadline);
/* Makes a BLOCKED thread runnable (on its CPU, or one its affinity allows); false if it was
 * not blocked. Callable from interrupt handlers. */
bool sched_wake(struct thread *t);
/* sched_wake from a thread about to block until t answers (a pipe write before the writer
 * reads the reply): when the caller's CPU has nothing else queued, t may be placed there
 * (wake-affine), so it runs when the caller blocks, without waking another CPU. Not from
 * interrupt handlers. */
bool sched_wake_sync(struct thread *t);
/* sched_wake for a wakeup that must not be lost although the waker holds no lock the sleeper
 * checks its condition under (signals): when t is not blocked, its next sched_block returns
 * at once instead (a spurious wakeup), so a sleeper that checked before the event and blocks
 * after it does not sleep through it. */
bool sched_interrupt(struct thread *t);
/* Panics with what's name unless the caller may sleep here (see the top of this file). */
void sched_might_sleep(const char *what);

void sched_init(void);
/* How long an idle CPU polls for new work after running some before it halts (100 us; 0: never
 * polls). Read at each poll's start; a ktest lengthens it to make the poll outlast its kick. */
extern uint64_t sched_idle_poll_ns;
__noreturn void sched_start_cpu(void);
/* user: the tick interrupted user mode (charged as user time, else system time). */
void sched_tick(bool user);
void sched_ipi(void);
void sched_irq_exit(bool irqs_were_enabled);

/* Per-CPU scheduler counters (ctx_switches and idle_entries are in struct cpu_local). */
struct sched_stats {
	uint64_t ticks;			/* sched_tick calls */
	uint64_t wakeups;		/* threads made runnable here by sched_wake */
	uint64_t tick_preemptions;	/* slices ended by the tick */
	uint64_t wakeup_preemptions;	/* a wakeup preempted the running thread */
	uint64_t steals;		/* threads pulled here by this CPU while idle */
	uint64_t balance_pulls;		/* threads pulled here by the periodic balancer */
	uint64_t migrations_in;		/* threads moved here from another CPU, any reason */
	uint64_t timer_wakeups;		/* sleeps and timeouts that expired */
	unsigned nr_queued;		/* runnable threads waiting (not counting the running one) */
	unsigned load_avg_milli;	/* long-term average of runnable threads, x1000 */
	uint64_t user_ticks, system_ticks, idle_ticks;	/* what each tick found running */
	int running_tid;		/* the running thread, 0 for idle */
	bool idle_polling;		/* its idle loop polls (for a while) before halting */
};
/* False if cpu has no scheduler. */
bool sched_stats(unsigned cpu, struct sched_stats *st);
/* Linux's load average (1, 5, 15 minutes) in fixed point, LOADAVG_FIXED_1 = 1.0: the runnable
 * threads of every CPU sampled every 5 s (sched/loadavg.c). */
#define LOADAVG_FSHIFT	11
#define LOADAVG_FIXED_1	(1UL << LOADAVG_FSHIFT)
void sched_loadavg(unsigned long loads[3]);
/* Runnable threads now, every CPU (queued plus running, idle threads not counted). */
unsigned sched_nr_running(void);

/* Prints one line per CPU (ctx switches, idle entries, IPIs, queue, load, counters). */
void sched_dump(void);

#endif
