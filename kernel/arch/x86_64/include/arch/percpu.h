/*
 * arch/percpu.h — per-CPU data reached through the GS base.
 *
 * Each CPU's GS base points at its struct cpu, whose first field points at itself, so
 * this_cpu() is one %gs-relative load. Set up by percpu_init_boot() before anything else runs.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <keel/types.h>
#include <arch/desc.h>
#include <keel/smp.h>

struct cpu {
	struct cpu *self;		/* must stay first: this_cpu() reads %gs:0 */
	unsigned id;			/* logical CPU number, 0 = boot CPU */
	struct gdt gdt;
	struct tss tss;
	void *fault_catch;		/* armed ktest fault catch, see keel/fault.h */
	struct cpu_local local;		/* generic per-CPU data (keel/smp.h) */
	uint32_t apic_id;
};

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

extern struct cpu *cpus[CPU_MAX];

void percpu_init_boot(void);

#endif
