/*
 * keel/smp.h — the CPUs: which are online, per-CPU generic data, cross-CPU calls and IPIs.
 *
 * Logical CPU ids are dense, 0 = the boot CPU, in MADT order. Every CPU has a struct cpu_local
 * (generic per-CPU data, e.g. the scheduler's) reached with cpu_local() for this CPU or
 * cpu_local_of(id) for another; the arch code keeps it inside its own per-CPU block.
 */
#ifndef KEEL_SMP_H
#define KEEL_SMP_H

#include <keel/types.h>
#include <keel/cpumask.h>

struct thread;
struct sched_cpu;

struct cpu_local {
	unsigned id;
	struct thread *current;		/* the thread running here */
	struct sched_cpu *sched;	/* the scheduler's per-CPU state */
	int preempt_count;		/* > 0: no preemption (spinlocks held, irq context) */
	bool need_resched;		/* set by wakeups/ticks, honoured at the next safe point */
	/* counters */
	uint64_t ctx_switches, idle_entries, ipi_sent, ipi_received;
	uint64_t resched_ipis;		/* of ipi_received: reschedule IPIs (a kick) */
	uint64_t interrupts;		/* hardware interrupts and IPIs taken (vectors >= 32) */
};

extern cpumask_t cpu_online_mask;

unsigned smp_cpu_count(void);		/* CPUs online */
unsigned smp_cpu_limit(void);		/* the smp=N boot word, CPU_MAX without it */
struct cpu_local *cpu_local(void);
struct cpu_local *cpu_local_of(unsigned cpu);

/* Brings up every CPU the firmware lists (bounded by the boot word smp=N). */
void smp_init(void);

typedef void (*smp_call_fn)(void *arg);
/* Runs fn(arg) on every online CPU in *cpus (this one included if it is in the set) and returns
 * when all have finished. Interrupts must be enabled (or only this CPU targeted). */
void smp_call(const cpumask_t *cpus, smp_call_fn fn, void *arg);
void smp_call_one(unsigned cpu, smp_call_fn fn, void *arg);

/* Makes cpu run the scheduler soon (wakes it from hlt). No-op for this CPU. */
void smp_send_reschedule(unsigned cpu);

#endif
