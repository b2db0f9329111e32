/*
 * arch/x86_64/fpu.h — user vector state, private to arch code: the register-file formats
 * (xstate.c) and the per-thread save areas with their owners (fpu.c). docs/fpu.md explains.
 */
#ifndef ARCH_FPU_PRIV_H
#define ARCH_FPU_PRIV_H

#include <keel/types.h>

#define FXSAVE_BYTES	512
#define XSTATE_MAX	4032		/* largest save area keel accepts (AVX-512: 2696) */
#define XFEAT_X87	(1ULL << 0)
#define XFEAT_SSE	(1ULL << 1)
#define XFEAT_AVX	(1ULL << 2)
#define XFEAT_AVX512	(7ULL << 5)	/* opmask, ZMM_Hi256, Hi16_ZMM */

enum xsave_kind { XS_FXSAVE, XS_XSAVE, XS_XSAVEOPT, XS_XSAVEC, XS_XSAVES };

struct xstate_config {
	enum xsave_kind kind;		/* the kernel form's save instruction */
	bool compact;			/* kernel form is compacted (XSAVES, XSAVEC) */
	uint64_t xcr0;			/* the components enabled (and saved) */
	size_t kernel_size;		/* bytes of a kernel-form image */
	size_t std_size;		/* bytes of a standard-form image (signal frames) */
	uint32_t mxcsr_mask;
};
extern struct xstate_config xstate;

/* xstate.c: see there for which instruction does what. */
void xstate_cpu_init(bool boot);
const char *xstate_kind_name(void);
void xstate_init_image(void *img);
void xstate_init_std(void *img);
bool xstate_std_image_ok(const void *img);
void xstate_insn_save_kernel(void *img);
void xstate_insn_restore_kernel(const void *img);
void xstate_insn_save_std(void *img);
int xstate_insn_restore_std(const void *img);
void xstate_insn_restore_init(void);
int xstate_insn_fault_code(bool simd);

/* One user thread's vector state: uthread->fpu. */
struct fpu {
	int cpu;			/* see fpu.c: where the registers hold this state, or -1 */
	bool dead;			/* the thread has exited: it never owns registers again */
	uint64_t nm_traps, saves, restores;	/* this thread's share of the counters */
	char image[] __aligned(64);	/* kernel form */
};

struct cpu;
struct uthread;
struct trap_frame;
void fpu_cpu_init(bool boot);
/* The switch hook (arch_thread_switch_in): ut is the incoming thread, NULL for a kernel one. */
void fpu_switch(struct cpu *c, struct uthread *ut);
/* #NM from ring 3 (lazy policy). Interrupts off. */
void fpu_nm_trap(struct trap_frame *tf);
/* si_code for #XM (simd) / #MF from ring 3; 0 for a spurious trap. */
int fpu_fault_code(bool simd);
/* Signal frames (signal.c): the current thread's state to/from a standard-form image. */
size_t fpu_sigframe_size(void);
void fpu_sigframe_init(void *img);
void fpu_sigframe_save(void *img);
int fpu_sigframe_load(const void *img);
int fpu_try_restore_std(const void *img);

#endif
