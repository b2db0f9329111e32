/*
 * arch/x86_64/trap.c — exception and interrupt dispatch, and the fatal-trap report.
 *
 * Exceptions from the kernel are either expected (a test's fault catch is armed) or fatal: the
 * report names the vector, decodes the error code, shows CR2 for #PF, every register and a
 * symbolized backtrace, then stops the machine through panic_stop() — never a silent reboot.
 * Interrupt vectors go to handlers registered with irq_register(); a vector with none is
 * logged (rate-limited) and ignored. After every interrupt the scheduler may preempt the
 * interrupted thread (sched_irq_exit).
 */
#include <arch/trap.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/fault.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/printf.h>
#include <keel/sched.h>
#include <keel/ksyms.h>
#include "fpu.h"
#include "uaccess.h"

static irq_handler_t irq_handlers[256];

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved (15)", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD exception", "#VE virtualization",
	"#CP control protection", [28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication", [30] = "#SX security",
};

const char *trap_name(unsigned v)
{
	if (v < 32)
		return exc_names[v] ? exc_names[v] : "reserved";
	return v == VEC_SPURIOUS ? "spurious interrupt" : "interrupt";
}

void irq_unregister(unsigned vector)
{
	if (vector >= VEC_FIRST_IRQ && vector <= 255)
		irq_handlers[vector] = NULL;
}

int irq_register(unsigned vector, irq_handler_t h)
{
	if (vector < VEC_FIRST_IRQ || vector > 255)
		return -EINVAL;
	if (irq_handlers[vector])
		return -EBUSY;
	irq_handlers[vector] = h;
	return 0;
}

static void decode_error(char *buf, size_t n, const struct trap_frame *tf)
{
	uint64_t e = tf->error;

	if (tf->vector == VEC_PF) {
		snprintf(buf, n, "%s, %s, %s%s%s%s",
			 e & 1 ? "protection violation" : "not-present page",
			 e & 2 ? "write" : "read", e & 4 ? "user" : "supervisor",
			 e & 8 ? ", reserved bit set" : "", e & 16 ? ", instruction fetch" : "",
			 e & 32 ? ", protection key" : "");
	} else if (e && (tf->vector == 10 || tf->vector == 11 || tf->vector == 12 ||
			 tf->vector == 13 || tf->vector == 17)) {
		snprintf(buf, n, "selector index %lu in %s%s", (e >> 3) & 0x1fff,
			 e & 2 ? "IDT" : (e & 4 ? "LDT" : "GDT"), e & 1 ? ", external" : "");
	} else {
		snprintf(buf, n, "none");
	}
}

static void dump_regs(const struct trap_frame *tf)
{
	char sym[96];

	ksyms_format(sym, sizeof(sym), tf->rip);
	kprintf("  rip %016lx <%s>  cs %04lx  rflags %08lx\n", tf->rip, sym, tf->cs, tf->rflags);
	kprintf("  rsp %016lx  ss %04lx\n", tf->rsp, tf->ss);
	kprintf("  rax %016lx  rbx %016lx  rcx %016lx\n", tf->rax, tf->rbx, tf->rcx);
	kprintf("  rdx %016lx  rsi %016lx  rdi %016lx\n", tf->rdx, tf->rsi, tf->rdi);
	kprintf("  rbp %016lx  r8  %016lx  r9  %016lx\n", tf->rbp, tf->r8, tf->r9);
	kprintf("  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r10, tf->r11, tf->r12);
	kprintf("  r13 %016lx  r14 %016lx  r15 %016lx\n", tf->r13, tf->r14, tf->r15);
	kprintf("  cr0 %016lx  cr3 %016lx  cr4 %016lx\n", read_cr0(), read_cr3(), read_cr4());
}

__noreturn void trap_fatal(struct trap_frame *tf, const char *why)
{
	char err[128];

	panic_begin();
	decode_error(err, sizeof(err), tf);
	kprintf("\nPANIC: %s: %s (vector %lu) on CPU %u\n", why, trap_name(tf->vector),
		tf->vector, this_cpu()->id);
	kprintf("  error code %#lx: %s\n", tf->error, err);
	if (tf->vector == VEC_PF)
		kprintf("  cr2 %016lx (faulting address)\n", read_cr2());
	dump_regs(tf);
	arch_backtrace(tf->rip, tf->rbp, tf->rsp);
	panic_stop();
}

/* Returns true when an armed test catch took the exception; tf then resumes in the catcher. */
static bool try_fault_catch(struct trap_frame *tf)
{
	struct fault_catch *fc = fault_catch_current();

	if (!fc || tf->vector == VEC_NMI || tf->vector == VEC_DF || tf->vector == VEC_MC)
		return false;
	fc->vector = (int)tf->vector;
	fc->error = tf->error;
	fc->rip = tf->rip;
	fc->addr = tf->vector == VEC_PF ? read_cr2() : 0;
	fault_catch_end();
	tf->rip = (uintptr_t)fault_catch_return;
	tf->rdi = (uintptr_t)fc;
	return true;
}

static void exception(struct trap_frame *tf)
{
	if (tf->vector == VEC_NMI) {
		smp_nmi(tf);
		return;
	}
	if (tf->vector == VEC_PF && kernel_user_fault(tf))
		return;
	if (tf->vector == VEC_GP && extable_fixup(tf->rip)) {
		tf->rip = extable_fixup(tf->rip);	/* XRSTOR of a user image (xstate.c) */
		return;
	}
	if (try_fault_catch(tf))
		return;
	trap_fatal(tf, "kernel-mode exception");
}

/* Exceptions that leave the machine in doubt are fatal wherever they come from. */
static bool user_recoverable(const struct trap_frame *tf)
{
	return tf->vector != VEC_NMI && tf->vector != VEC_DF && tf->vector != VEC_MC;
}

void trap_dispatch(struct trap_frame *tf)
{
	bool user = tf->cs & 3;
	irq_handler_t h;

	if (user && smap_enabled)
		__asm__ __volatile__("clac" ::: "memory");	/* ring 3 may have set AC */
	if (tf->vector < VEC_FIRST_IRQ) {
		if (user && tf->vector == VEC_NM) {
			fpu_nm_trap(tf);	/* lazy policy: the thread's first vector use */
			user_return_work(tf);
		} else if (user && user_recoverable(tf)) {
			user_exception(tf);
			user_return_work(tf);
		} else {
			exception(tf);
		}
		return;
	}
	h = irq_handlers[tf->vector];
	this_cpu()->local.interrupts++;
	if (h)
		h(tf);
	else
		pr_warn_ratelimited("trap: interrupt on vector %lu with no handler\n", tf->vector);
	/* Handlers have sent their EOI: a reschedule the interrupt made due (tick, wakeup, IPI)
	 * may switch threads here, on the interrupted thread's stack. */
	sched_irq_exit(tf->rflags & RFLAGS_IF);
	if (user)
		user_return_work(tf);
}

void fault_catch_arm(struct fault_catch *fc)
{
	fc->vector = -1;
	fc->addr = fc->error = fc->rip = 0;
	fc->msg[0] = '\0';
	fc->prev = this_cpu()->fault_catch;
	this_cpu()->fault_catch = fc;
}

void fault_catch_end(void)
{
	struct fault_catch *fc = this_cpu()->fault_catch;

	if (fc)
		this_cpu()->fault_catch = fc->prev;
}

struct fault_catch *fault_catch_current(void)
{
	return this_cpu()->fault_catch;
}

__noreturn void fault_catch_return(struct fault_catch *fc)
{
	__builtin_longjmp(fc->jb, 1);
}
