/*
 * arch/x86_64/smp.c — IPIs: cross-CPU calls, reschedule kicks, the tick, and stopping CPUs.
 *
 * Cross-CPU call: each CPU has a mailbox slot per source CPU. A caller fills the slot of every
 * target with a pointer to its call record, sends VEC_CALL, runs the function itself if it is
 * a target, and waits for the record's count of remaining targets to reach zero. A source has
 * at most one call in flight (it waits with interrupts off), so one slot per source suffices,
 * and while it waits it serves its own mailbox: two CPUs calling each other cannot deadlock.
 *
 * Stopping: the panicking CPU sends an NMI to all others; each prints where it was and halts.
 */
#include <keel/smp.h>
#include <keel/arch.h>
#include <keel/console.h>
#include <keel/ksyms.h>
#include <keel/log.h>
#include <keel/printf.h>
#include <keel/sched.h>
#include <keel/time.h>
#include <arch/apic.h>
#include <arch/percpu.h>
#include <arch/trap.h>

#define STOP_WAIT_NS	(200 * 1000 * 1000ULL)

struct call_data {
	smp_call_fn fn;
	void *arg;
	int remaining;
};

static volatile bool stopping;
static volatile int stopped_count;

/* Runs every call waiting in this CPU's mailbox. Interrupts are off. */
static void call_service(void)
{
	struct cpu *me = this_cpu();

	for_each_cpu(src, &cpu_online_mask) {
		struct call_data *d = __atomic_exchange_n(&me->call_from[src], NULL,
							  __ATOMIC_ACQUIRE);
		if (d) {
			d->fn(d->arg);
			__atomic_fetch_sub(&d->remaining, 1, __ATOMIC_RELEASE);
		}
	}
}

void smp_call(const cpumask_t *set, smp_call_fn fn, void *arg)
{
	bool f = arch_irq_save();
	struct cpu *me = this_cpu();
	struct call_data d = { fn, arg, 0 };

	for_each_cpu(t, &cpu_online_mask)
		if (t != me->id && cpumask_test(set, t))
			d.remaining++;
	for_each_cpu(t, &cpu_online_mask) {
		if (t == me->id || !cpumask_test(set, t))
			continue;
		__atomic_store_n(&cpus[t]->call_from[me->id], &d, __ATOMIC_RELEASE);
		apic_send_ipi(cpus[t]->apic_id, IPI_FIXED | VEC_CALL);
		me->local.ipi_sent++;
	}
	if (cpumask_test(set, me->id))
		fn(arg);
	while (__atomic_load_n(&d.remaining, __ATOMIC_ACQUIRE) > 0) {
		call_service();
		arch_relax();
	}
	arch_irq_restore(f);
}

void smp_call_one(unsigned cpu, smp_call_fn fn, void *arg)
{
	cpumask_t m = cpumask_of(cpu);

	smp_call(&m, fn, arg);
}

void smp_send_reschedule(unsigned cpu)
{
	struct cpu *me = this_cpu();

	if (cpu == me->id || !cpumask_test(&cpu_online_mask, cpu))
		return;
	me->local.ipi_sent++;
	apic_send_ipi(cpus[cpu]->apic_id, IPI_FIXED | VEC_RESCHED);
}

static void call_irq(struct trap_frame *tf)
{
	this_cpu()->local.ipi_received++;
	call_service();
	apic_eoi();
}

static void resched_irq(struct trap_frame *tf)
{
	this_cpu()->local.ipi_received++;
	this_cpu()->local.resched_ipis++;
	apic_eoi();
	sched_ipi();
}

static void timer_irq(struct trap_frame *tf)
{
	apic_eoi();
	apic_timer_oneshot(SCHED_TICK_NS);
	sched_tick((tf->cs & 3) == 3);
}

/* Installs the IPI and timer handlers (once, on the boot CPU). */
void smp_ipi_init(void)
{
	irq_register(VEC_CALL, call_irq);
	irq_register(VEC_RESCHED, resched_irq);
	irq_register(VEC_TIMER, timer_irq);
}

/* Starts this CPU's scheduler tick. */
void smp_tick_start(void)
{
	apic_timer_oneshot(SCHED_TICK_NS);
}

void arch_stop_other_cpus(void)
{
	uint64_t deadline;
	int others = (int)smp_cpu_count() - 1;

	if (others <= 0 || stopping)
		return;
	stopping = true;
	apic_send_ipi_others(IPI_NMI);
	deadline = time_ns() + STOP_WAIT_NS;
	while (stopped_count < others && time_ns() < deadline)
		arch_relax();
	if (stopped_count < others)
		kprintf("keel: %d CPU(s) did not answer the stop NMI\n", others - stopped_count);
}

/* The CPU asked for its backtrace by arch_backtrace_cpu, or -1. */
static volatile int backtrace_cpu = -1;

void arch_backtrace_cpu(unsigned cpu)
{
	static struct spinlock one_at_a_time = SPINLOCK_INIT("nmi backtrace");
	uint64_t deadline;
	bool f;

	if (cpu == this_cpu()->id || !cpumask_test(&cpu_online_mask, cpu))
		return;
	f = spin_lock_irqsave(&one_at_a_time);
	backtrace_cpu = (int)cpu;
	apic_send_ipi(cpus[cpu]->apic_id, IPI_NMI);
	deadline = time_ns() + STOP_WAIT_NS;
	while (backtrace_cpu >= 0 && time_ns() < deadline)
		arch_relax();
	if (backtrace_cpu >= 0)
		kprintf("CPU %u did not answer the backtrace NMI\n", cpu);
	backtrace_cpu = -1;
	spin_unlock_irqrestore(&one_at_a_time, f);
}

/* NMI: a backtrace request, part of a stop (print where this CPU was, then halt), or reported
 * and survived. */
void smp_nmi(struct trap_frame *tf)
{
	char sym[96];

	ksyms_format(sym, sizeof(sym), tf->rip);
	if (backtrace_cpu == (int)this_cpu()->id && !stopping) {
		kprintf("CPU %u was at %016lx <%s>%s, if %d\n", this_cpu()->id, tf->rip, sym,
			(tf->cs & 3) ? " (user mode)" : "", !!(tf->rflags & RFLAGS_IF));
		if (!(tf->cs & 3))
			arch_backtrace(tf->rip, tf->rbp, tf->rsp);
		backtrace_cpu = -1;
		return;
	}
	if (!stopping) {
		pr_warn("nmi: unexpected NMI on CPU %u at %016lx <%s>\n", this_cpu()->id, tf->rip,
			sym);
		return;
	}
	char line[192];
	int n = snprintf(line, sizeof(line), "CPU %u stopped: rip %016lx <%s> rsp %016lx "
			 "rflags %08lx%s\n", this_cpu()->id, tf->rip, sym, tf->rsp, tf->rflags,
			 (tf->cs & 3) ? " (user mode)" : "");

	console_write(line, MIN((size_t)n, sizeof(line) - 1));	/* one line, not interleaved */
	__atomic_fetch_add(&stopped_count, 1, __ATOMIC_RELEASE);
	arch_halt_forever();
}
