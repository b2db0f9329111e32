/*
 * arch/signal.h — the x86-64 signal frame, exactly as Linux builds it, and the arch hooks
 * kernel/proc/signal.c calls to build one, read one back and restart a system call.
 *
 * A handler is entered with rsp pointing at a struct linux_rt_sigframe on the user stack:
 *
 *	rsp ->	pretcode	sa_restorer (musl's __restore_rt: mov $15,%eax; syscall)
 *		uc		struct linux_ucontext: flags, link, the altstack, the registers
 *				(struct linux_sigcontext) and the mask rt_sigreturn restores
 *		info		struct linux_siginfo, 128 bytes
 *		...		padding up to the FPU area
 *		fpstate		the FXSAVE/XSAVE image (64-byte aligned), sigcontext.fpstate points here;
 *				with XSAVE, fpx_sw_bytes in its software area and FP_XSTATE_MAGIC2
 *				after it, as Linux writes them
 *	(red zone: 128 bytes below the interrupted rsp are never touched)
 *
 * with (rsp + 8) % 16 == 0 (as just after a call), rdi = sig, rsi = &info, rdx = &uc, rax = 0.
 * The layouts are user ABI: the offsets are checked below and against the C libraries' own
 * headers by tests/unit/test_signal.c.
 */
#ifndef ARCH_SIGNAL_H
#define ARCH_SIGNAL_H

#include <keel/types.h>
#include <keel/signal.h>		/* struct linux_stack */

struct trap_frame;
struct thread;
struct k_sigaction;
struct k_sigaltstack;
struct ksiginfo;

/* Linux's struct sigcontext (uapi asm/sigcontext.h, 64-bit). */
struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
	uint64_t rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;		/* user address of the FPU image, 0: none */
	uint64_t reserved1[8];
};

struct linux_ucontext {
	uint64_t uc_flags;		/* UC_* */
	uint64_t uc_link;
	struct linux_stack uc_stack;
	struct linux_sigcontext uc_mcontext;
	uint64_t uc_sigmask;		/* the kernel's 8-byte sigset */
};
#define UC_FP_XSTATE		0x1	/* fpstate is an XSAVE image with fpx_sw_bytes */
#define UC_SIGCONTEXT_SS	0x2	/* sigcontext.ss is valid */
#define UC_STRICT_RESTORE_SS	0x4	/* sigreturn restores ss as saved */

/* siginfo_t: signo, errno, code, then a union at offset 16. */
struct linux_siginfo {
	int32_t si_signo, si_errno, si_code, pad;
	union {
		struct { int32_t pid, uid; } kill;
		struct { int32_t pid, uid, status, pad; int64_t utime, stime; } chld;
		struct { uint64_t addr; } fault;
		uint8_t raw[112];
	};
};

struct linux_rt_sigframe {
	uint64_t pretcode;
	struct linux_ucontext uc;
	struct linux_siginfo info;
};

/* The software-reserved bytes 464..511 of an FXSAVE image, as Linux fills them. */
struct linux_fpx_sw_bytes {
	uint32_t magic1;		/* FP_XSTATE_MAGIC1 */
	uint32_t extended_size;		/* xstate_size + 4 (MAGIC2) */
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};
#define FP_XSTATE_MAGIC1	0x46505853U
#define FP_XSTATE_MAGIC2	0x46505845U
#define FPX_SW_BYTES_OFFSET	464

_Static_assert(sizeof(struct linux_sigcontext) == 256, "sigcontext is 256 bytes");
_Static_assert(offsetof(struct linux_sigcontext, rip) == 128, "sigcontext.rip");
_Static_assert(offsetof(struct linux_sigcontext, cs) == 144, "sigcontext.cs");
_Static_assert(offsetof(struct linux_sigcontext, err) == 152, "sigcontext.err");
_Static_assert(offsetof(struct linux_sigcontext, fpstate) == 184, "sigcontext.fpstate");
_Static_assert(sizeof(struct linux_stack) == 24, "stack_t is 24 bytes");
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext) == 40, "uc_mcontext");
_Static_assert(offsetof(struct linux_ucontext, uc_sigmask) == 296, "uc_sigmask");
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo is 128 bytes");
_Static_assert(offsetof(struct linux_siginfo, chld.status) == 24, "si_status");
_Static_assert(offsetof(struct linux_siginfo, chld.utime) == 32, "si_utime");
_Static_assert(offsetof(struct linux_rt_sigframe, uc) == 8, "rt_sigframe.uc");
_Static_assert(offsetof(struct linux_rt_sigframe, info) == 312, "rt_sigframe.info");
_Static_assert(sizeof(struct linux_fpx_sw_bytes) == 48, "fpx_sw_bytes");

#define RED_ZONE_BYTES		128
/* The flags rt_sigreturn takes from user space; everything else (IOPL, VM, RF, NT...)
 * comes from the kernel: IF set, the always-one bit 1 set. */
#define RFLAGS_CF	(1UL << 0)
#define RFLAGS_FIXED1	(1UL << 1)
#define RFLAGS_PF	(1UL << 2)
#define RFLAGS_AF	(1UL << 4)
#define RFLAGS_ZF	(1UL << 6)
#define RFLAGS_SF	(1UL << 7)
#define RFLAGS_TF	(1UL << 8)
#define RFLAGS_DF	(1UL << 10)
#define RFLAGS_OF	(1UL << 11)
#define RFLAGS_AC	(1UL << 18)
#define RFLAGS_ID	(1UL << 21)
#define RFLAGS_USER_MASK (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | \
			  RFLAGS_TF | RFLAGS_DF | RFLAGS_OF | RFLAGS_AC | RFLAGS_ID)

static inline uint64_t arch_sigreturn_rflags(uint64_t user)
{
	return (user & RFLAGS_USER_MASK) | (1UL << 9) /* IF */ | RFLAGS_FIXED1;
}

/*
 * Where a frame goes. top: the interrupted rsp less the red zone, or the top of the
 * alternate stack. fpu_bytes: the FPU area (image + MAGIC2). Returns the address of the
 * struct linux_rt_sigframe ((addr + 8) % 16 == 0) and the FPU area's in *fpu_at (64-aligned,
 * above the frame).
 */
static inline uint64_t arch_sigframe_place(uint64_t top, uint64_t fpu_bytes, uint64_t *fpu_at)
{
	uint64_t sp = ALIGN_DOWN(top - fpu_bytes, 64);

	*fpu_at = sp;
	sp -= sizeof(struct linux_rt_sigframe);
	return ((sp + 8) & ~15UL) - 8;
}

/* --- kernel/arch/x86_64/signal.c --- */

/* (arch_user_frame(t), the user frame of a thread, is in keel/arch.h.) */
uint64_t arch_user_sp(const struct trap_frame *tf);
uint64_t arch_user_pc(const struct trap_frame *tf);

/* Whether tf is a system call's frame whose result may still be restarted, and that
 * result. After rt_sigreturn (or once a restart was decided) it is not. */
bool arch_syscall_result(const struct trap_frame *tf, long *ret);
/* Makes the syscall run again on return: rip back over SYSCALL, rax = its number. */
void arch_syscall_restart(struct trap_frame *tf);
/* The same, but running system call nr instead (restart_syscall). */
void arch_syscall_restart_nr(struct trap_frame *tf, uint64_t nr);
void arch_syscall_set_result(struct trap_frame *tf, long ret);

/* A fault's trapno and error code (and cr2 for #PF) for the sigcontext of its handler. */
struct fault_regs {
	uint64_t trapno, err, cr2;
};
struct fault_info;
void arch_fault_regs(const struct trap_frame *tf, const struct fault_info *fi,
		     struct fault_regs *regs);

/* What delivery needs from the generic side. */
struct sigframe_req {
	int sig;
	const struct ksiginfo *info;
	const struct fault_regs *regs;	/* a fault's, or NULL */
	const struct k_sigaction *ka;
	uint64_t mask;			/* uc_sigmask: the mask rt_sigreturn puts back */
	struct k_sigaltstack *ss;	/* the thread's; SS_AUTODISARM clears it */
};
/* Builds the frame on the user stack (or the altstack under SA_ONSTACK) and points tf at
 * the handler. 0; -EFAULT when the stack cannot take it (*bad = the address tried); -EINVAL
 * without SA_RESTORER (no way back). The FPU is reset for the handler. May sleep. */
int arch_signal_setup(struct trap_frame *tf, const struct sigframe_req *req, uint64_t *bad);

/* What rt_sigreturn gives back to the generic side. */
struct sigreturn_state {
	uint64_t mask;
	uint64_t ss_sp;
	int ss_flags;
	uint64_t ss_size;
	uint64_t rax;			/* the restored rax: rt_sigreturn's return value */
};
/* Reads the frame at tf's rsp - 8 back into tf and the FPU. 0; -EFAULT on an unreadable
 * frame, a non-user rip or a malformed FPU image (tf is then left untouched). *bad = the
 * frame address. May sleep. */
int arch_signal_restore(struct trap_frame *tf, struct sigreturn_state *st, uint64_t *bad);

#endif
