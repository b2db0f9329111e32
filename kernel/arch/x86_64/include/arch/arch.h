/*
 * arch/arch.h — inline arch_* primitives for generic code (see keel/arch.h).
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <arch/cpu.h>
#include <arch/percpu.h>

static inline bool arch_irq_save(void) { return irq_save(); }
static inline void arch_irq_restore(bool on) { irq_restore(on); }
static inline bool arch_irq_enabled(void) { return read_rflags() & RFLAGS_IF; }
static inline void arch_relax(void) { cpu_relax(); }
static inline void arch_idle_wait(void) { cpu_idle_wait(); }
static inline uint64_t arch_cycles(void) { return rdtsc(); }
static inline unsigned arch_cpu_id(void) { return this_cpu()->id; }
/* Drops this CPU's cached translation of the page at va (also a global one). */
static inline void arch_tlb_flush_page(uintptr_t va) { invlpg(va); }

/*
 * This CPU's scheduler fields, each read or changed by one %gs-relative instruction: a thread
 * preempted and migrated between "find my CPU" and "use it" would otherwise touch the CPU it
 * left (see keel/preempt.h).
 */
#define ARCH_CPU_LOCAL_OFF(field) \
	(offsetof(struct cpu, local) + offsetof(struct cpu_local, field))

static inline void arch_preempt_inc(void)
{
	__asm__ __volatile__("incl %%gs:%c0" :: "i"(ARCH_CPU_LOCAL_OFF(preempt_count)) : "memory");
}

/* Decrements this CPU's preempt_count; true when it reached zero. */
static inline bool arch_preempt_dec_is_zero(void)
{
	bool zero;

	__asm__ __volatile__("decl %%gs:%c1" : "=@ccz"(zero)
			     : "i"(ARCH_CPU_LOCAL_OFF(preempt_count)) : "memory");
	return zero;
}

static inline int arch_preempt_count(void)
{
	int n;

	__asm__ __volatile__("movl %%gs:%c1, %0" : "=r"(n)
			     : "i"(ARCH_CPU_LOCAL_OFF(preempt_count)));
	return n;
}

static inline struct thread *arch_current_thread(void)
{
	struct thread *t;

	__asm__ __volatile__("movq %%gs:%c1, %0" : "=r"(t) : "i"(ARCH_CPU_LOCAL_OFF(current)));
	return t;
}

#endif
