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
void kstack_free(void *base);
/* True when addr lies in some stack's guard page (for the fault report). */
bool kstack_is_guard(uintptr_t addr);

#endif
