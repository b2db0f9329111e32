/*
 * keel/fault.h — catching an expected fault or panic (for tests).
 *
 * A test arms a catch, does the thing that must fault or panic, and gets control back with the
 * facts: which vector, the faulting address, the error code, or the panic message. Only
 * exceptions that leave the machine consistent are caught (not NMI, #DF or #MC). Catches nest:
 * ending or firing one re-arms the one it was armed inside. Catches are per thread.
 *
 *	struct fault_catch fc;
 *	if (fault_catch_begin(&fc)) {
 *		*(volatile char *)ro_page = 1;	// must fault
 *		fault_catch_end();
 *		... fail: no fault ...
 *	} else {
 *		... fc.vector == 14, fc.addr == ro_page ...
 *	}
 */
#ifndef KEEL_FAULT_H
#define KEEL_FAULT_H

#include <keel/types.h>

#define FAULT_PANIC	(-2)	/* fc.vector when a panic was caught */

struct fault_catch {
	void *jb[5];		/* __builtin_setjmp buffer */
	int vector;		/* caught exception vector, FAULT_PANIC, or -1 */
	uint64_t addr;		/* CR2 for a page fault */
	uint64_t error;		/* error code pushed by the CPU */
	uint64_t rip;		/* where it happened */
	char msg[160];		/* panic message */
	struct fault_catch *prev;	/* the catch this one is nested in */
};

/* Arms fc on this CPU; evaluates true now, and false when a fault or panic jumps back. */
#define fault_catch_begin(fc) \
	(fault_catch_arm(fc), __builtin_setjmp((fc)->jb) == 0)

void fault_catch_arm(struct fault_catch *fc);
/* Disarms the innermost catch; call on the path where nothing faulted. */
void fault_catch_end(void);
/* The armed catch of this CPU, or NULL. */
struct fault_catch *fault_catch_current(void);
/* Jumps back to fault_catch_begin of the armed catch; fc already describes what happened. */
__noreturn void fault_catch_return(struct fault_catch *fc);
/* Installs chain as this CPU's armed catches and returns the chain it replaces. The scheduler
 * swaps chains on every context switch, so a catch belongs to the thread that armed it: a
 * fault in another thread on the same CPU is not caught, and a thread may block or migrate
 * with a catch armed (arch/x86_64/thread.c). */
struct fault_catch *fault_catch_exchange(struct fault_catch *chain);

#endif
