/*
 * keel/kstack.h — kernel stacks with guard pages, for threads and application processors.
 *
 * Each stack is KSTACK_SIZE bytes in its own slot of the kernel-stack window, above an unmapped
 * guard page: running off the bottom faults (and reaches the #DF IST stack) instead of
 * silently overwriting another object. Freed slots are reused.
 */
#ifndef KEEL_KSTACK_H
#define KEEL_KSTACK_H

#include <keel/types.h>

/* Returns the lowest address of a new stack (top = base + KSTACK_SIZE), or NULL. */
void *kstack_alloc(void);
/* With more than one CPU online, waits until every CPU has dropped its cached translations of
 * the stack (smp_call), so interrupts must be enabled. */
void kstack_free(void *base);
/* Freed slots remembered for reuse. Each is one small heap record, which is the allocator's
 * reserve, not a leak (the ktest runner discounts them). */
size_t kstack_free_slots(void);
/* True when addr lies in some stack's guard page (for the fault report). */
bool kstack_is_guard(uintptr_t addr);

#endif
