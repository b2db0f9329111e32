/*
 * keel/arch.h — what generic code may ask of the architecture.
 *
 * Generic code (mm, lib, drivers, test) includes this, never <arch/cpu.h>. The inline parts come
 * from <arch/arch.h>; the rest is implemented under kernel/arch/x86_64/.
 */
#ifndef KEEL_ARCH_H
#define KEEL_ARCH_H

#include <keel/types.h>

#include <keel/fpu_stats.h>
#include <arch/arch.h>		/* arch_irq_save/restore, arch_relax, arch_idle_wait, arch_cycles */

struct boot_info;

/* Early CPU and table setup on the boot CPU: features, GDT/TSS, IDT, per-CPU data. */
void arch_early_init(void);
/* Fills *bi from whatever the bootloader handed over; false when nothing usable was given. */
bool arch_boot_info(uint32_t magic, phys_addr_t info, struct boot_info *bi);
/* Logs CPU vendor, model and the features keel found and uses. */
void arch_log_cpu(void);
/* The boot CPU's identification, for /proc/cpuinfo (keel's CPUs are alike). */
struct arch_cpu_ident {
	const char *vendor, *brand;
	unsigned family, model, stepping;
};
void arch_cpu_ident(struct arch_cpu_ident *id);
/* Name of the i-th CPU feature keel knows that this CPU has, or NULL past the last. */
const char *arch_cpu_feature(unsigned i);
/* Enables the legacy interrupt path for console input (until the APIC code replaces it). */
void arch_console_irq_init(void);

/* Prints a symbolized backtrace starting at rip with frame pointer rbp (and stack pointer rsp
 * when known, 0 if not) / starting at the caller. */
void arch_backtrace(uintptr_t rip, uintptr_t rbp, uintptr_t rsp);
void arch_backtrace_here(void);
/* Debug: prints where another CPU is (an NMI makes it print its own backtrace); waits for it. */
void arch_backtrace_cpu(unsigned cpu);
/* The return addresses of a switched-out thread's kernel stack, from the frame its context
 * switch saved at sp (innermost first, at most 32), each passed to fn. The thread must stay
 * switched out; if it runs meanwhile the walk still never faults, it only reads nonsense. */
void arch_switched_backtrace(void *sp, void (*fn)(void *arg, uintptr_t ret), void *arg);
/* Stops every other CPU (no-op until SMP). */
void arch_stop_other_cpus(void);

__noreturn void arch_poweroff(int status);
__noreturn void arch_reboot(void);
__noreturn void arch_halt_forever(void);

/*
 * Threads (arch/x86_64/switch.S, thread.c). A switched-out thread's callee-saved registers sit
 * on its own stack; its saved stack pointer is all the scheduler keeps.
 */
struct thread;
/* Pushes the callee-saved registers, stores the stack pointer in *save_sp, loads load_sp and
 * pops the registers saved there: returns into the thread that saved load_sp. Interrupts off. */
void arch_context_switch(void **save_sp, void *load_sp);
/* Builds a new thread's first frame below stack_top (16-byte aligned); the first
 * arch_context_switch to the returned stack pointer enters entry() with interrupts still off,
 * the ABI's stack alignment and a frame chain that ends there. entry never returns. */
void *arch_thread_stack_init(void *stack_top, void (*entry)(void));
/* Runs just before the switch to next, interrupts off, run-queue lock held: the per-thread CPU
 * state that is not in registers (kernel stack for traps, address space, FS/GS bases, user
 * FPU state). */
void arch_thread_switch_in(struct thread *next);
/* Where a thread's first frame goes in a fresh kernel stack: below the space reserved at the
 * top for its user-mode trap frame (every thread reserves it; kernel threads never use it). */
void *arch_thread_stack_top(void *stack_base);
/* A user thread's saved user registers (struct trap_frame, arch/trap.h), at its stack top. */
struct trap_frame *arch_user_frame(struct thread *t);
size_t arch_user_frame_size(void);
/* Leaves the kernel for ring 3 through arch_user_frame(current), after the return-to-user
 * work (signals, reschedule). The body of every user thread's kernel entry. */
__noreturn void arch_user_start(void);
/* Sets up f for a fresh program image: entry rip, stack pointer, everything else zero. */
void arch_user_frame_init(struct trap_frame *f, uintptr_t entry, uintptr_t sp);
/* Loads the current thread's FS/GS bases from ut (after arch_prctl or exec). */
struct uthread;
void arch_set_tls(struct uthread *ut);
/* True when SMAP is on: the kernel faults on any user page it touches outside uaccess. */
bool arch_has_smap(void);
/* AT_HWCAP for the auxiliary vector: CPUID.1:EDX, as Linux gives. */
uint64_t arch_hwcap(void);
/* fork/clone: the child's frame is the parent's with rax = 0 (and rsp = sp when sp != 0). */
void arch_user_frame_fork(struct trap_frame *child, const struct trap_frame *parent,
			  uintptr_t sp);

/*
 * User FPU/SSE/AVX state (arch/x86_64/fpu.c, docs/fpu.md). The kernel never uses these
 * registers; each user thread has a save area (uthread->fpu), switched by the policy the boot
 * word fpu=eager|lazy picks. Every function below acts on the calling thread's state unless
 * it takes an area.
 */
/* A save area holding the architectural init state, or NULL without memory. */
void *arch_fpu_alloc(void);
/* Frees an area; the thread it belonged to has passed arch_fpu_exit (or never ran). */
void arch_fpu_free(void *fpu);
/* fork/clone: the caller's current state, copied into a new thread's area. */
void arch_fpu_fork(void *child);
/* execve: the caller's registers return to the init state (FNINIT, MXCSR 0x1f80, zeros). */
void arch_fpu_exec(void);
/* The caller is exiting: its state leaves every CPU's registers for good. */
void arch_fpu_exit(void);

/* Counters: struct fpu_stats above. */
bool arch_fpu_cpu_stats(unsigned cpu, struct fpu_stats *st);
void arch_fpu_self_stats(struct fpu_stats *st);
/* One line: policy, save instruction, components, area sizes. */
void arch_fpu_describe(char *buf, size_t n);

/*
 * Device interrupts (arch/x86_64/devirq.c). A vector from arch_irq_alloc calls fn(arg) in
 * interrupt context on whichever CPU it is delivered to, then acknowledges the interrupt
 * controller. MSI/MSI-X: arch_irq_msi_msg gives the address/data pair that delivers vector to
 * cpu. Legacy lines: the PCI interrupt line (firmware's number) routed through the IOAPIC.
 */
/* A vector bound to fn(arg), or -ENOSPC; arch_irq_free gives it back (no interrupts left). */
int arch_irq_alloc(void (*fn)(void *arg), void *arg);
void arch_irq_free(unsigned vector);
/* The MSI message for vector on logical CPU cpu; -EINVAL (no such CPU or vector) or -ERANGE
 * (an APIC id MSI cannot reach without interrupt remapping). */
int arch_irq_msi_msg(unsigned vector, unsigned cpu, uint64_t *addr, uint32_t *data);
/* Routes / masks a PCI interrupt line (trigger and polarity from the firmware's overrides,
 * level and active low by default). -ENOENT when no IOAPIC serves it. */
int arch_irq_route_line(unsigned line, unsigned vector, unsigned cpu);
int arch_irq_mask_line(unsigned line);

/* One 64-bit word from the CPU's hardware random number generator (RDSEED, else RDRAND);
 * false when the CPU has neither or it failed to deliver after a few retries. */
bool arch_hw_random(uint64_t *out);

/* TSC cycle counter at kernel entry, and the calibrated rate. */
extern uint64_t boot_tsc;
uint64_t arch_cycles_per_sec(void);
void arch_time_init(void);
/* True when an 8254 PIT counts (UEFI-only machines may have none); probes it once. */
bool arch_pit_present(void);
/* Logs the first rate and where it came from (CPUID, the PIT, or a guess). */
void arch_log_time(void);
/* Re-measures the cycle rate against a better reference (HPET, else the ACPI PM timer). */
void arch_time_refine(void);

#endif
