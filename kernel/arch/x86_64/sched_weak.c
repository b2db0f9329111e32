/*
 * TEMPORARY (removed when kernel/sched/ lands): weak stand-ins for the scheduler hooks so the
 * APIC/SMP code links before the scheduler exists. The scheduler's definitions override them.
 */
#include <keel/arch.h>
#include <keel/sched.h>

__attribute__((weak)) void sched_tick(void) {}
__attribute__((weak)) void sched_ipi(void) {}
__attribute__((weak)) void sched_irq_exit(bool irqs_were_enabled) { (void)irqs_were_enabled; }
__attribute__((weak)) __noreturn void sched_start_cpu(void)
{
	for (;;)
		arch_idle_wait();
}
