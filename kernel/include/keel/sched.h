/*
 * keel/sched.h — kernel threads and the scheduler (kernel/sched/).
 *
 * Threads run on per-CPU run queues. A runnable thread stays on the CPU it last ran on; an idle
 * CPU steals from the busiest queue and a periodic balancer evens out long-term imbalance;
 * affinity masks are never violated. Preemption: a time slice enforced by the timer tick,
 * and wakeups that preempt when fairer. An idle CPU parks in hlt and is woken by an IPI
 * (smp_send_reschedule) when work is queued for it. Policy and reasoning: docs/scheduler.md.
 *
 * Hooks the arch code calls:
 *   sched_tick()       from the timer interrupt, every SCHED_TICK_NS on every CPU
 *   sched_ipi()        from the reschedule IPI
 *   sched_irq_exit()   at the end of every interrupt, with the interrupted context's IF;
 *                      may switch threads (preemption) when it is safe
 *   sched_start_cpu()  last call of each CPU's bring-up (the boot CPU: from kmain); never returns
 */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H

#include <keel/types.h>
#include <keel/cpumask.h>
#include <keel/list.h>

#define SCHED_TICK_NS	(4 * 1000 * 1000ULL)	/* 4 ms timer tick */

enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct thread;

typedef int (*thread_fn)(void *arg);

/* Creates a kernel thread running fn(arg), runnable at once on some CPU allowed by its
 * affinity (all CPUs by default). NULL when out of memory. */
struct thread *thread_create(const char *name, thread_fn fn, void *arg);
/* Like thread_create, restricted to the CPUs in *affinity (non-empty, online). */
struct thread *thread_create_on(const char *name, thread_fn fn, void *arg,
				const cpumask_t *affinity);
/* Ends the calling thread with status; a joiner receives it. */
__noreturn void thread_exit(int status);
/* Waits for t to end, returns its status and frees it. Each thread is joined exactly once. */
int thread_join(struct thread *t);
struct thread *thread_current(void);
/* Changes t's allowed CPUs; migrates it if it is running or queued elsewhere. -EINVAL if empty. */
int thread_set_affinity(struct thread *t, const cpumask_t *affinity);
/* The CPU t last ran on. */
unsigned thread_cpu(const struct thread *t);

void sched_yield(void);
/* Sleeps at least ns nanoseconds. */
void sched_sleep_ns(uint64_t ns);

void sched_init(void);
__noreturn void sched_start_cpu(void);
void sched_tick(void);
void sched_ipi(void);
void sched_irq_exit(bool irqs_were_enabled);

/* Preemption control (nests). preempt_enable() reschedules if a preemption became due. */
void preempt_disable(void);
void preempt_enable(void);

#endif
