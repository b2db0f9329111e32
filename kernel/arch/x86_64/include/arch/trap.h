/*
 * arch/trap.h — the saved CPU state of an interrupt or exception, and its dispatch.
 *
 * entry.S pushes the general registers over the hardware frame, so a struct trap_frame lies
 * at the stack pointer when trap_dispatch() is called. Vectors 0-31 are exceptions; handlers
 * for device interrupts (32-255) are registered at run time.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <keel/types.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

#define VEC_DE		0
#define VEC_DB		1
#define VEC_NMI		2
#define VEC_BP		3
#define VEC_UD		6
#define VEC_NM		7
#define VEC_DF		8
#define VEC_GP		13
#define VEC_PF		14
#define VEC_MC		18
#define VEC_FIRST_IRQ	32
#define VEC_LEGACY_BASE	0x20	/* 8259 IRQ n arrives at VEC_LEGACY_BASE + n */
#define VEC_SPURIOUS	0xff
/* Not a vector: tf->vector of the frame a SYSCALL instruction built (tf->error = number). */
#define VEC_SYSCALL	0x100

typedef void (*irq_handler_t)(struct trap_frame *tf);

void trap_dispatch(struct trap_frame *tf);
/* Routes interrupt vector v (>= 32) to h. Returns -EBUSY if v already has a handler. */
int irq_register(unsigned vector, irq_handler_t h);
void irq_unregister(unsigned vector);
/* Prints the full report for a fatal trap and stops (see panic). */
__noreturn void trap_fatal(struct trap_frame *tf, const char *why);
const char *trap_name(unsigned vector);

#endif
