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

#endif
