/*
 * arch/x86_64/user.c — the ring-3 boundary: SYSCALL setup, traps from user mode, the work done
 * on every return to user mode, and the per-thread state loaded on a switch.
 *
 * Invariants:
 * - A user thread's struct trap_frame lies at the very top of its kernel stack (arch_user_frame):
 *   both the CPU (through TSS.RSP0) and syscall_entry (through cpu->kernel_rsp) put it there,
 *   and arch_thread_switch_in keeps both equal to the running thread's stack top.
 * - Nothing returns to ring 3 without passing user_return_work() with interrupts on: pending
 *   signals are delivered and a due reschedule is taken there; it re-checks with interrupts
 *   off, so nothing made due after its check is left behind until the next trap.
 * - The frame returned to is sane: user CS/SS, IF set, IOPL 0, a canonical user RIP. Anything
 *   else (only a sigreturn or exec bug could cause it) kills the process, never the kernel.
 * - CR2 is read before interrupts are enabled: a preempting thread's fault would overwrite it.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/syscall.h>
#include <keel/tlb.h>
#include <keel/uvm.h>
#include "fpu.h"
#include "uaccess.h"

#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_FMASK	0xc0000084
#define RFLAGS_TF	(1UL << 8)
#define RFLAGS_RF	(1UL << 16)
#define RFLAGS_DF	(1UL << 10)
#define RFLAGS_IOPL	(3UL << 12)
#define RFLAGS_NT	(1UL << 14)
#define RFLAGS_AC	(1UL << 18)
#define CR0_AM		(1UL << 18)

_Static_assert(offsetof(struct cpu, kernel_rsp) == CPU_KERNEL_RSP, "entry.S offsets");
_Static_assert(offsetof(struct cpu, user_rsp) == CPU_USER_RSP, "entry.S offsets");
_Static_assert(sizeof(struct trap_frame) % 16 == 0, "user frame keeps the stack aligned");
_Static_assert(SEL_UCODE == 0x2b && SEL_UDATA == 0x23, "entry.S selectors");

void syscall_entry(void);
__noreturn void arch_enter_user(struct trap_frame *tf);

bool smap_enabled;

/* SYSCALL/SYSRET, SMEP, SMAP and the FPU on this CPU. STAR: SYSCALL loads CS = KCODE,
 * SS = KCODE + 8; SYSRET would load CS = UCODE32 + 16 (the 64-bit user code), SS = + 8. */
void user_cpu_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (uint64_t)SEL_KCODE << 32 | (uint64_t)((GDT_UCODE32 << 3) | 3) << 48);
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	write_cr0(read_cr0() | CR0_AM);	/* ring 3 may ask for alignment checks (EFLAGS.AC) */
	if (cpu_has(FEAT_SMEP))
		write_cr4(read_cr4() | CR4_SMEP);
	if (cpu_has(FEAT_SMAP)) {
		write_cr4(read_cr4() | CR4_SMAP);
		smap_enabled = true;
	}
	fpu_cpu_init(this_cpu()->id == 0);
}

void user_log_features(void)
{
	char fpu[160];

	arch_fpu_describe(fpu, sizeof(fpu));
	pr_info("user: SYSCALL entry, SMEP %s, SMAP %s\n", cpu_has(FEAT_SMEP) ? "on" : "absent",
		smap_enabled ? "on" : "absent");
	pr_info("fpu: %s\n", fpu);
}

struct trap_frame *arch_user_frame(struct thread *t)
{
	return (struct trap_frame *)((char *)t->stack + KSTACK_SIZE) - 1;
}

void *arch_thread_stack_top(void *stack_base)
{
	return (char *)stack_base + KSTACK_SIZE - sizeof(struct trap_frame);
}

void arch_thread_switch_in(struct thread *next)
{
	struct cpu *c = this_cpu();
	struct uthread *ut = next->uthread;
	/* Once the thread has left its mm (proc_exit_thread), the mm may be freed at any time:
	 * it runs like a kernel thread from then on, in lazy-TLB mode (docs/tlb.md). */
	struct mm *mm = ut && !READ_ONCE(ut->mm_left) ? READ_ONCE(ut->proc->mm) : NULL;

	if (next->stack) {
		c->kernel_rsp = (uintptr_t)next->stack + KSTACK_SIZE;
		c->tss.rsp[0] = c->kernel_rsp;
	}
	fpu_switch(c, ut);
	tlb_switch(mm ? &mm->pt : NULL);
	if (ut) {
		wrmsr(MSR_FS_BASE, ut->fs_base);
		wrmsr(MSR_KERNEL_GS_BASE, ut->gs_base);
	}
}

/* The frame returned to must be a ring-3 frame the CPU accepts (see the top of the file). */
static bool frame_sane(struct trap_frame *tf)
{
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	tf->rflags = (tf->rflags & ~(RFLAGS_IOPL | RFLAGS_NT)) | RFLAGS_IF;
	return tf->rip < USER_TOP && tf->rsp < USER_TOP;
}

/* Called with interrupts in any state; returns with them off, ready for trap_return. */
void user_return_work(struct trap_frame *tf)
{
	for (;;) {
		arch_irq_restore(true);
		if (cpu_local()->need_resched)
			preempt_schedule();
		signal_deliver(tf);
		arch_irq_save();
		if (!cpu_local()->need_resched && !signal_pending())
			break;
	}
	mutex_check_none_held("return to user");
	if (!frame_sane(tf)) {
		arch_irq_restore(true);
		pr_warn("pid %d (%s) killed: SIGSEGV, bad return frame rip=%#lx rsp=%#lx\n",
			proc_current()->pid, proc_current()->name, tf->rip, tf->rsp);
		proc_exit_group(W_EXITCODE(0, SIGSEGV));
	}
}

bool syscall_handler(struct trap_frame *tf);

/*
 * Returns true when SYSRET can stand in for IRETQ: SYSRET loads RIP from RCX and RFLAGS from
 * R11, so the frame must hold those same values there (it does unless exec, a signal frame or
 * sigreturn rewrote it), a canonical user RIP (below USER_TOP: never the non-canonical RCX
 * that would fault in ring 0 with the user's stack), and no TF or RF, which SYSRET mishandles.
 */
bool syscall_handler(struct trap_frame *tf)
{
	uint64_t args[6] = { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 };

	arch_irq_restore(true);
	tf->rax = (uint64_t)syscall_dispatch(tf->error, args);
	user_return_work(tf);
	return tf->rcx == tf->rip && tf->r11 == tf->rflags && tf->rip < USER_TOP &&
	       !(tf->rflags & (RFLAGS_TF | RFLAGS_RF));
}

/* Enters ring 3 for the first time through the frame at the top of the current stack. */
__noreturn void arch_user_start(void)
{
	struct trap_frame *tf = arch_user_frame(thread_current());

	user_return_work(tf);
	arch_enter_user(tf);
}

static void fault_from_exception(struct trap_frame *tf, struct fault_info *fi)
{
	fi->addr = tf->rip;
	fi->why = NULL;
	switch (tf->vector) {
	case VEC_DE:	fi->sig = SIGFPE;  fi->code = 1; break;	/* FPE_INTDIV */
	case 16:	fi->sig = SIGFPE;  fi->code = fpu_fault_code(false); break; /* #MF */
	case 19:	fi->sig = SIGFPE;  fi->code = fpu_fault_code(true); break; /* #XM */
	case VEC_DB:
	case VEC_BP:	fi->sig = SIGTRAP; fi->code = 1; break;	/* TRAP_BRKPT */
	case VEC_UD:	fi->sig = SIGILL;  fi->code = 2; break;	/* ILL_ILLOPN */
	case 17:	fi->sig = SIGBUS;  fi->code = 1; break;	/* #AC: BUS_ADRALN */
	case 12:	fi->sig = SIGBUS;  fi->code = 0x80; break;	/* #SS */
	default:	fi->sig = SIGSEGV; fi->code = 0x80; fi->addr = 0; break;	/* SI_KERNEL */
	}
}

/* The page-fault error code as uvm_fault's FAULT_* flags. */
static unsigned pf_flags(uint64_t error)
{
	return (error & 1 ? FAULT_PROT : 0) | (error & 2 ? FAULT_WRITE : 0) |
	       (error & 16 ? FAULT_EXEC : 0);
}

/* An exception in ring 3: a page fault the mm resolves, or a signal. */
void user_exception(struct trap_frame *tf)
{
	struct fault_info fi;
	uint64_t cr2 = tf->vector == VEC_PF ? read_cr2() : 0;

	arch_irq_restore(true);
	if (tf->vector == VEC_PF) {
		if (uvm_fault(cr2, pf_flags(tf->error), &fi) == 0)
			return;
	} else {
		fault_from_exception(tf, &fi);
	}
	if (fi.why)
		pr_warn("pid %d (%s): %s at %#lx\n", proc_current()->pid, proc_current()->name,
			fi.why, fi.addr);
	signal_fault(tf, &fi);
}

/*
 * A page fault in ring 0 on a user address: only the user-access routines may take one
 * (uaccess.h's exception table). Resolved like a user fault, or sent to the routine's fixup,
 * which returns -EFAULT. Returns false when the fault is not of that kind (a kernel bug).
 */
bool kernel_user_fault(struct trap_frame *tf)
{
	struct fault_info fi;
	uint64_t cr2 = read_cr2();
	uintptr_t fixup = extable_fixup(tf->rip);

	if (!fixup || cr2 >= USER_TOP)
		return false;
	if (tf->rflags & RFLAGS_IF)
		arch_irq_restore(true);
	if (uvm_fault(cr2, pf_flags(tf->error), &fi) != 0)
		tf->rip = fixup;
	arch_irq_save();
	return true;
}

void arch_user_frame_init(struct trap_frame *f, uintptr_t entry, uintptr_t sp)
{
	*f = (struct trap_frame){ .rip = entry, .rsp = sp, .cs = SEL_UCODE, .ss = SEL_UDATA,
				  .rflags = RFLAGS_IF, .vector = 0 };
}

void arch_user_frame_fork(struct trap_frame *child, const struct trap_frame *parent,
			  uintptr_t sp)
{
	*child = *parent;
	child->rax = 0;
	child->vector = 0;		/* not a syscall frame: no restart logic on the way out */
	if (sp)
		child->rsp = sp;
}

void arch_set_tls(struct uthread *ut)
{
	bool f = arch_irq_save();

	wrmsr(MSR_FS_BASE, ut->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, ut->gs_base);
	arch_irq_restore(f);
}

uint64_t arch_hwcap(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[3];
}

#define ARCH_SET_GS	0x1001
#define ARCH_SET_FS	0x1002
#define ARCH_GET_FS	0x1003
#define ARCH_GET_GS	0x1004

SYSCALL2(arch_prctl, int, code, uint64_t, addr)
{
	struct uthread *ut = uthread_current();

	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;
		if (code == ARCH_SET_FS)
			ut->fs_base = addr;
		else
			ut->gs_base = addr;
		arch_set_tls(ut);
		return 0;
	case ARCH_GET_FS:
		return put_user_u64((uint64_t *)addr, ut->fs_base);
	case ARCH_GET_GS:
		return put_user_u64((uint64_t *)addr, ut->gs_base);
	default:
		return -EINVAL;
	}
}

size_t arch_user_frame_size(void)
{
	return sizeof(struct trap_frame);
}

bool arch_has_smap(void)
{
	return smap_enabled;
}
