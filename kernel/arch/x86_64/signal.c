/*
 * arch/x86_64/signal.c — building and reading back the x86-64 signal frame (layout and
 * placement in arch/signal.h), and the trap-frame details of system-call restarts.
 *
 * The frame is assembled in kernel memory and written with copy_to_user, so a bad user stack
 * is an -EFAULT here and a SIGSEGV for the generic side, never a kernel fault. rt_sigreturn
 * reads everything it needs from user memory before it changes anything: a frame that cannot
 * be read, a rip outside the user half or an FPU image the CPU would refuse leaves the trap
 * frame as it was. What it does restore is made safe for iretq: cs/ss are the user
 * selectors whatever the frame says, rflags keeps only the flags user code may change.
 *
 * A SYSCALL frame (tf->vector == VEC_SYSCALL) carries the call number in tf->error until its
 * result is final; restarting, -EINTR, a handler frame and rt_sigreturn set it to
 * SYSCALL_NR_DONE so that nothing later restarts the call a second time.
 */
#include <keel/signal.h>
#include <keel/errno.h>
#include <keel/uaccess.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/sched.h>
#include <keel/arch.h>
#include <keel/memlayout.h>
#include <arch/signal.h>
#include <arch/trap.h>
#include <arch/desc.h>
#include "fpu.h"

#define SYSCALL_NR_DONE		((uint64_t)-1)
#define SYSCALL_INSN_LEN	2		/* 0f 05 */

uint64_t arch_user_sp(const struct trap_frame *tf)
{
	return tf->rsp;
}

uint64_t arch_user_pc(const struct trap_frame *tf)
{
	return tf->rip;
}

bool arch_syscall_result(const struct trap_frame *tf, long *ret)
{
	if (tf->vector != VEC_SYSCALL || tf->error == SYSCALL_NR_DONE)
		return false;
	*ret = (long)tf->rax;
	return true;
}

void arch_syscall_restart(struct trap_frame *tf)
{
	tf->rip -= SYSCALL_INSN_LEN;
	tf->rax = tf->error;
	tf->error = SYSCALL_NR_DONE;
}

void arch_syscall_restart_nr(struct trap_frame *tf, uint64_t nr)
{
	arch_syscall_restart(tf);
	tf->rax = nr;
}

void arch_syscall_set_result(struct trap_frame *tf, long ret)
{
	tf->rax = (uint64_t)ret;
	if (tf->vector == VEC_SYSCALL)
		tf->error = SYSCALL_NR_DONE;
}

void arch_fault_regs(const struct trap_frame *tf, const struct fault_info *fi,
		     struct fault_regs *regs)
{
	regs->trapno = tf->vector;
	regs->err = tf->error;
	regs->cr2 = tf->vector == VEC_PF ? fi->addr : 0;
}

/* --- the FPU image --- */

static bool fpu_is_xsave(size_t size)
{
	return size > FXSAVE_BYTES;
}

/* Bytes the FPU area takes in a frame: the image, plus MAGIC2 after an XSAVE image. */
static size_t fpu_frame_bytes(size_t size)
{
	return fpu_is_xsave(size) ? size + sizeof(uint32_t) : size;
}

/* A zeroed, 64-byte aligned scratch buffer for one frame's FPU area; kfree(*raw) frees it.
 * Zeroed because FXSAVE/XSAVE leave parts of the image unwritten (the software bytes,
 * components in their init state), and the image goes to user space. */
static void *fpu_buf_alloc(size_t bytes, void **raw)
{
	*raw = kzalloc(bytes + 63);
	return *raw ? (void *)ALIGN_UP((uintptr_t)*raw, 64) : NULL;
}

/* Linux's software bytes: tell a reader the image is XSAVE and how big. */
static void fpu_mark_xstate(void *buf, size_t size)
{
	struct linux_fpx_sw_bytes sw = {
		.magic1 = FP_XSTATE_MAGIC1,
		.extended_size = (uint32_t)fpu_frame_bytes(size),
		.xfeatures = xstate.xcr0,
		.xstate_size = (uint32_t)size,
	};
	uint32_t magic2 = FP_XSTATE_MAGIC2;

	memcpy((char *)buf + FPX_SW_BYTES_OFFSET, &sw, sizeof(sw));
	memcpy((char *)buf + size, &magic2, sizeof(magic2));
}

/* Writes the thread's FPU state to user address at; the handler starts from the init state.
 * (A frame that cannot be written kills the process, so the reset does no harm then.) */
static int fpu_save_to_user(uint64_t at)
{
	size_t size = fpu_sigframe_size(), bytes = fpu_frame_bytes(size);
	void *raw, *buf = fpu_buf_alloc(bytes, &raw);
	int err;

	if (!buf)
		return -ENOMEM;
	fpu_sigframe_save(buf);
	if (fpu_is_xsave(size))
		fpu_mark_xstate(buf, size);
	err = copy_to_user((void __user *)at, buf, bytes);
	kfree(raw);
	return err;
}

/* Loads the image at user address at (0: the init state). -EFAULT when it is misaligned,
 * unreadable or malformed (a #GP from XRSTOR included: fpu_sigframe_load catches it). */
static int fpu_load_from_user(uint64_t at)
{
	size_t size = fpu_sigframe_size();
	void *raw, *buf = fpu_buf_alloc(size, &raw);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	if (!at)
		fpu_sigframe_init(buf);
	else if (!IS_ALIGNED(at, 64) || copy_from_user(buf, (const void __user *)at, size))
		err = -EFAULT;
	if (!err && fpu_sigframe_load(buf))
		err = -EFAULT;
	kfree(raw);
	return err;
}

/* --- the frame --- */

static void sigcontext_fill(struct linux_sigcontext *sc, const struct trap_frame *tf)
{
	sc->r8 = tf->r8;   sc->r9 = tf->r9;   sc->r10 = tf->r10; sc->r11 = tf->r11;
	sc->r12 = tf->r12; sc->r13 = tf->r13; sc->r14 = tf->r14; sc->r15 = tf->r15;
	sc->rdi = tf->rdi; sc->rsi = tf->rsi; sc->rbp = tf->rbp; sc->rbx = tf->rbx;
	sc->rdx = tf->rdx; sc->rax = tf->rax; sc->rcx = tf->rcx; sc->rsp = tf->rsp;
	sc->rip = tf->rip;
	sc->eflags = tf->rflags;
	sc->cs = (uint16_t)tf->cs;
	sc->ss = (uint16_t)tf->ss;
}

static void sigcontext_apply(struct trap_frame *tf, const struct linux_sigcontext *sc)
{
	tf->r8 = sc->r8;   tf->r9 = sc->r9;   tf->r10 = sc->r10; tf->r11 = sc->r11;
	tf->r12 = sc->r12; tf->r13 = sc->r13; tf->r14 = sc->r14; tf->r15 = sc->r15;
	tf->rdi = sc->rdi; tf->rsi = sc->rsi; tf->rbp = sc->rbp; tf->rbx = sc->rbx;
	tf->rdx = sc->rdx; tf->rax = sc->rax; tf->rcx = sc->rcx; tf->rsp = sc->rsp;
	tf->rip = sc->rip;
	tf->rflags = arch_sigreturn_rflags(sc->eflags);
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	if (tf->vector == VEC_SYSCALL)
		tf->error = SYSCALL_NR_DONE;
}

static void siginfo_fill(struct linux_siginfo *si, int sig, const struct ksiginfo *info)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = info->code;
	if (info->code <= 0) {			/* SI_USER, SI_TKILL: from a process */
		si->kill.pid = info->pid;
		si->kill.uid = info->uid;
	} else if (sig == SIGCHLD) {
		si->chld.pid = info->pid;
		si->chld.uid = info->uid;
		si->chld.status = info->status;
	} else if (info->code != SI_KERNEL && (sig_bit(sig) & SIG_SYNCHRONOUS)) {
		si->fault.addr = info->addr;
	}
}

static void frame_fill(struct linux_rt_sigframe *fr, const struct trap_frame *tf,
		       const struct sigframe_req *req, uint64_t fpu_at)
{
	struct linux_sigcontext *sc = &fr->uc.uc_mcontext;
	const struct k_sigaltstack *ss = req->ss;

	memset(fr, 0, sizeof(*fr));
	fr->pretcode = req->ka->restorer;
	fr->uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS |
			  (fpu_is_xsave(fpu_sigframe_size()) ? UC_FP_XSTATE : 0);
	fr->uc.uc_stack.ss_sp = ss->sp;
	fr->uc.uc_stack.ss_flags = signal_altstack_flags(ss, tf->rsp);
	fr->uc.uc_stack.ss_size = ss->size;
	sigcontext_fill(sc, tf);
	if (req->regs) {
		sc->trapno = req->regs->trapno;
		sc->err = req->regs->err;
		sc->cr2 = req->regs->cr2;
	}
	sc->oldmask = req->mask;
	sc->fpstate = fpu_at;
	fr->uc.uc_sigmask = req->mask;
	siginfo_fill(&fr->info, req->sig, req->info);
}

/* The frame's address for tf's rsp, or 0 when it does not fit. */
static uint64_t frame_place(const struct trap_frame *tf, const struct sigframe_req *req,
			    size_t fpu_bytes, uint64_t *fpu_at)
{
	const struct k_sigaltstack *ss = req->ss;
	bool on_alt = signal_on_altstack(ss, tf->rsp);
	uint64_t top = tf->rsp - RED_ZONE_BYTES, frame;

	if ((req->ka->flags & SA_ONSTACK) && ss->size && !on_alt)
		top = ss->sp + ss->size;
	if (top < fpu_bytes + sizeof(struct linux_rt_sigframe) + 64 || top > USER_TOP)
		return 0;
	frame = arch_sigframe_place(top, fpu_bytes, fpu_at);
	if (on_alt && !signal_on_altstack(ss, frame))
		return 0;		/* the handler overflowed the alternate stack */
	return frame;
}

int arch_signal_setup(struct trap_frame *tf, const struct sigframe_req *req, uint64_t *bad)
{
	struct linux_rt_sigframe fr;
	uint64_t frame, fpu_at;
	int err;

	*bad = tf->rsp;
	if (!(req->ka->flags & SA_RESTORER))
		return -EINVAL;		/* no way back: musl and glibc always set one */
	frame = frame_place(tf, req, fpu_frame_bytes(fpu_sigframe_size()), &fpu_at);
	if (!frame)
		return -EFAULT;
	*bad = frame;
	frame_fill(&fr, tf, req, fpu_at);
	err = copy_to_user((void __user *)frame, &fr, sizeof(fr));
	if (!err)
		err = fpu_save_to_user(fpu_at);
	if (err)
		return err;
	if ((req->ss->flags & SS_AUTODISARM) && signal_on_altstack(req->ss, frame))
		*req->ss = (struct k_sigaltstack){ 0 };
	tf->rsp = frame;
	tf->rip = req->ka->handler;
	tf->rdi = (uint64_t)req->sig;
	tf->rsi = frame + offsetof(struct linux_rt_sigframe, info);
	tf->rdx = frame + offsetof(struct linux_rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(RFLAGS_DF | RFLAGS_TF | (1UL << 16) /* RF */);
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	if (tf->vector == VEC_SYSCALL)
		tf->error = SYSCALL_NR_DONE;
	return 0;
}

int arch_signal_restore(struct trap_frame *tf, struct sigreturn_state *st, uint64_t *bad)
{
	uint64_t frame = tf->rsp - sizeof(uint64_t);	/* the handler's ret popped pretcode */
	struct linux_ucontext uc;
	const struct linux_sigcontext *sc = &uc.uc_mcontext;

	*bad = frame;
	if (copy_from_user(&uc, (const void __user *)(frame + offsetof(struct linux_rt_sigframe, uc)),
			   sizeof(uc)))
		return -EFAULT;
	if (sc->rip >= USER_TOP)
		return -EFAULT;		/* iretq to a non-canonical rip would fault in the kernel */
	if (fpu_load_from_user(sc->fpstate))
		return -EFAULT;
	sigcontext_apply(tf, sc);
	st->mask = uc.uc_sigmask;
	st->ss_sp = uc.uc_stack.ss_sp;
	st->ss_flags = uc.uc_stack.ss_flags;
	st->ss_size = uc.uc_stack.ss_size;
	st->rax = sc->rax;
	return 0;
}
