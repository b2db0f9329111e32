/*
 * user/fpu/vecregs.S — holding known values in every vector register across system calls,
 * for fputest and fpubench. C cannot promise the compiler leaves a register alone between two
 * statements; these routines load the registers, make the calls, and store them back in one
 * piece of code that touches nothing else.
 *
 * Register image (struct vimage in fpu.h): vector registers at 0 (64 bytes each, 32 of them;
 * SSE uses the low 16 bytes of 16, AVX the low 32 of 16, AVX-512 all), opmask k0-k7 at 2048,
 * x87 st0-st7 as doubles at 2112, MXCSR at 2176.
 *
 * struct hold_args (fpu.h): pat, out, iters, spin, masks, mask_every. Each of the iters rounds
 * makes one system call — sched_setaffinity to masks[round / mask_every % 2] every mask_every
 * rounds (0: never), else sched_yield — and spins `spin` times so timer preemption lands in
 * user mode too.
 */
#define K_OFF	2048
#define X87_OFF	2112
#define MXCSR_OFF 2176

.macro LOAD_SSE
	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu \i*64(%rax), %xmm\i
	.endr
.endm
.macro STORE_SSE
	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu %xmm\i, \i*64(%rax)
	.endr
.endm
.macro LOAD_AVX
	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu \i*64(%rax), %ymm\i
	.endr
.endm
.macro STORE_AVX
	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu %ymm\i, \i*64(%rax)
	.endr
.endm
.macro LOAD_AVX512
	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	vmovdqu64 \i*64(%rax), %zmm\i
	.endr
	.irp i,0,1,2,3,4,5,6,7
	kmovq K_OFF+\i*8(%rax), %k\i
	.endr
.endm
.macro STORE_AVX512
	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	vmovdqu64 %zmm\i, \i*64(%rax)
	.endr
	.irp i,0,1,2,3,4,5,6,7
	kmovq %k\i, K_OFF+\i*8(%rax)
	.endr
.endm
/* x87: the ABI leaves the stack empty at a call; push eight, pop them back in order. */
.macro LOAD_X87
	.irp i,0,1,2,3,4,5,6,7
	fldl X87_OFF+\i*8(%rax)
	.endr
	ldmxcsr MXCSR_OFF(%rax)
.endm
.macro STORE_X87
	.irp i,7,6,5,4,3,2,1,0
	fstpl X87_OFF+\i*8(%rax)
	.endr
	stmxcsr MXCSR_OFF(%rax)
.endm

.macro PUSH_ALL
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
.endm
.macro POP_ALL
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
.endm

/* void vec_hold_KIND(struct hold_args *a); touch: an instruction that rewrites a register
 * with its own value, so every round uses the registers (lazy: one #NM per switch, and after
 * a migration the pull from the CPU that holds the state). */
.macro HOLD name, load, store, touch
	.globl \name
	.type \name, @function
\name:
	PUSH_ALL
	mov %rdi, %rbp
	mov 0(%rbp), %rax
	\load
	LOAD_X87
	xor %ebx, %ebx
1:	cmp 16(%rbp), %rbx
	jae 9f
	mov 40(%rbp), %rcx
	test %rcx, %rcx
	jz 2f
	mov %rbx, %rax
	xor %edx, %edx
	div %rcx
	test %rdx, %rdx
	jnz 2f
	and $1, %eax
	mov 32(%rbp), %rdx
	lea (%rdx,%rax,8), %rdx
	mov $203, %eax			/* sched_setaffinity(0, 8, mask) */
	xor %edi, %edi
	mov $8, %esi
	syscall
	jmp 3f
2:	mov $24, %eax			/* sched_yield */
	syscall
3:	\touch
	mov 24(%rbp), %rcx
4:	dec %rcx
	jg 4b
	inc %rbx
	jmp 1b
9:	mov 8(%rbp), %rax
	\store
	STORE_X87
	POP_ALL
	ret
	.size \name, . - \name
.endm

HOLD vec_hold_sse, LOAD_SSE, STORE_SSE, "por %xmm3, %xmm3"
HOLD vec_hold_avx, LOAD_AVX, STORE_AVX, "vpor %ymm3, %ymm3, %ymm3"
HOLD vec_hold_avx512, LOAD_AVX512, STORE_AVX512, "vpord %zmm3, %zmm3, %zmm3"

/* long vec_call_KIND(struct hold_args *a, long nr, long a0, long a1, long a2): loads a->pat,
 * makes one system call, stores the registers to a->out, returns the call's result. */
.macro VCALL name, load, store
	.globl \name
	.type \name, @function
\name:
	PUSH_ALL
	mov %rdi, %rbp
	mov %rsi, %r12
	mov %rdx, %rdi
	mov %rcx, %rsi
	mov %r8, %rdx
	mov 0(%rbp), %rax
	\load
	LOAD_X87
	mov %r12, %rax
	syscall
	mov %rax, %r12
	mov 8(%rbp), %rax
	\store
	STORE_X87
	mov %r12, %rax
	POP_ALL
	ret
	.size \name, . - \name
.endm

VCALL vec_call_sse, LOAD_SSE, STORE_SSE
VCALL vec_call_avx, LOAD_AVX, STORE_AVX
VCALL vec_call_avx512, LOAD_AVX512, STORE_AVX512

/* void vec_clobber_KIND(const void *junk): a signal handler's vandalism. The x87 stack is
 * left full; only sigreturn follows. */
.macro CLOBBER name, load
	.globl \name
	.type \name, @function
\name:
	mov %rdi, %rax
	\load
	LOAD_X87
	ret
	.size \name, . - \name
.endm

CLOBBER vec_clobber_sse, LOAD_SSE
CLOBBER vec_clobber_avx, LOAD_AVX
CLOBBER vec_clobber_avx512, LOAD_AVX512

/* void vec_yield_loop(int kind, long n): n x (touch the registers of kind, sched_yield).
 * kind 0 touches none; 1 SSE (xmm), 2 AVX2 (ymm), 3 AVX-512 (zmm, also zmm16+ and k1):
 * each write leaves the state "modified", so a switch has something to save. */
	.globl vec_yield_loop
	.type vec_yield_loop, @function
vec_yield_loop:
	push %rbx
	push %r12
	mov %edi, %ebx
	mov %rsi, %r12
1:	test %r12, %r12
	jz 9f
	cmp $1, %ebx
	jb 5f
	je 2f
	cmp $2, %ebx
	je 3f
	vpaddq %zmm0, %zmm1, %zmm1
	vpaddq %zmm16, %zmm17, %zmm17
	kaddq %k1, %k2, %k1
	jmp 5f
2:	paddq %xmm0, %xmm1
	jmp 5f
3:	vpaddq %ymm0, %ymm1, %ymm1
5:	mov $24, %eax
	syscall
	dec %r12
	jmp 1b
9:	pop %r12
	pop %rbx
	ret
	.size vec_yield_loop, . - vec_yield_loop

/*
 * The process entry point (the linker's -e). `PROG --nosse` goes to nosse_main (nosse.c) before
 * any vector instruction. Otherwise: an XSAVE (FXSAVE without OSXSAVE) of the register
 * file exactly as exec left it, into fresh_area, before musl's _start runs any code. %rdx
 * (the ABI's atexit pointer) is kept.
 */
	.globl fresh_entry
	.type fresh_entry, @function
fresh_entry:
	cmpq $2, (%rsp)
	jb 3f
	mov 16(%rsp), %rax		/* argv[1] */
	cmpl $0x6f6e2d2d, (%rax)	/* "--no" */
	jne 3f
	and $-16, %rsp
	call nosse_main			/* does not return */
	ud2
3:	movdqu %xmm0, fresh_xmm0(%rip)	/* lazy: takes the #NM first (QEMU TCG's XSAVE
					 * ignores CR0.TS) */
	mov %rdx, fresh_rdx(%rip)
	mov $1, %eax
	cpuid
	bt $27, %ecx			/* OSXSAVE */
	jnc 1f
	mov $-1, %eax
	mov $-1, %edx
	xsave64 fresh_area(%rip)
	movl $1, fresh_kind(%rip)
	jmp 2f
1:	fxsave64 fresh_area(%rip)
	movl $2, fresh_kind(%rip)
2:	mov fresh_rdx(%rip), %rdx
	jmp _start
	.size fresh_entry, . - fresh_entry

	.bss
	.balign 64
	.globl fresh_area, fresh_kind
fresh_area:
	.zero 8192
fresh_kind:
	.zero 4
fresh_rdx:
	.zero 8
	.balign 16
fresh_xmm0:
	.zero 16
	.section .note.GNU-stack,"",@progbits
