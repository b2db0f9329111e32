/*
 * arch/x86_64/thread.c — the x86 side of kernel threads: a new thread's first frame, the
 * per-thread state switched with it, and its armed fault catches.
 */
#include <keel/arch.h>
#include <keel/fault.h>
#include <keel/panic.h>
#include <arch/percpu.h>

/* What arch_context_switch pops on the first switch to a new thread (switch.S). */
struct first_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t entry;		/* `ret` lands here with rsp = &end, as if entry had been called */
	uint64_t end;		/* a zero return address: backtraces stop at the thread's base */
};

void *arch_thread_stack_init(void *stack_top, void (*entry)(void))
{
	struct first_frame *f = (struct first_frame *)stack_top - 1;

	assert(IS_ALIGNED((uintptr_t)stack_top, 16));
	*f = (struct first_frame){ .entry = (uintptr_t)entry };
	/* At entry rsp = &f->end = stack_top - 8: 8 mod 16, the ABI's state after a call. */
	return f;
}

struct fault_catch *fault_catch_exchange(struct fault_catch *chain)
{
	struct cpu *c = this_cpu();
	struct fault_catch *old = c->fault_catch;

	c->fault_catch = chain;
	return old;
}
