/*
 * arch/x86_64/smp.c — cross-CPU calls and reschedule IPIs.
 *
 * Until the APIC code brings other CPUs up only the boot CPU is online, and a call to it runs
 * directly. (Being extended with the APIC/IPI path.)
 */
#include <keel/smp.h>
#include <keel/arch.h>
#include <arch/percpu.h>

void smp_call(const cpumask_t *set, smp_call_fn fn, void *arg)
{
	if (cpumask_test(set, arch_cpu_id())) {
		bool f = arch_irq_save();

		fn(arg);
		arch_irq_restore(f);
	}
}

void smp_call_one(unsigned cpu, smp_call_fn fn, void *arg)
{
	cpumask_t m;

	cpumask_clear(&m);
	cpumask_set(&m, cpu);
	smp_call(&m, fn, arg);
}

void smp_send_reschedule(unsigned cpu)
{
	(void)cpu;
}
