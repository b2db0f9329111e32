/*
 * arch/x86_64/switch.S — the context switch.
 *
 * void arch_context_switch(void **save_sp, void *load_sp)
 *
 * Only the callee-saved registers need saving: the switch is an ordinary call, so the C
 * caller has already saved everything else it needs. They are pushed on the outgoing stack
 * (whose pointer goes to *save_sp), then the incoming stack's are popped and `ret` returns
 * into whatever call to arch_context_switch saved it — or, for a new thread, into the entry
 * that arch_thread_stack_init() (thread.c) placed there. The frame, from the saved sp up:
 * r15 r14 r13 r12 rbx rbp, return address.
 */
	.text
	.global arch_context_switch
	.type arch_context_switch, @function
arch_context_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size arch_context_switch, . - arch_context_switch
