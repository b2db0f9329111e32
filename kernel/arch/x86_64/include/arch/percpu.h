/*
 * arch/percpu.h — per-CPU data reached through the GS base.
 *
 * Each CPU's GS base points at its struct cpu, whose first field points at itself, so
 * this_cpu() is one %gs-relative load. Set up by percpu_init_boot() before anything else runs.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#ifndef __ASSEMBLER__
#include <keel/types.h>
#include <arch/desc.h>
#include <keel/smp.h>
#include <keel/asid.h>
#include <keel/tlb_stats.h>
#include <keel/fpu_stats.h>
#endif

/* Offsets the SYSCALL entry (entry.S) reads through %gs; checked in user.c. */
#define CPU_KERNEL_RSP	8
#define CPU_USER_RSP	16

#ifndef __ASSEMBLER__
struct call_data;
struct pagetable;
struct trap_frame;
struct uthread;
struct fpu;

/* This CPU's TLB state (arch/x86_64/tlb.c); only `lazy` is read by other CPUs. */
struct tlb_cpu {
	struct pagetable *loaded;	/* user page table in CR3; NULL: kernel_pt */
	unsigned slot;			/* its slot in asids */
	bool lazy;			/* a kernel thread runs on `loaded` */
	struct asid_cache asids;
	struct tlb_stats stats;
};

struct cpu {
	struct cpu *self;		/* must stay first: this_cpu() reads %gs:0 */
	uint64_t kernel_rsp;		/* top of the current thread's kernel stack (= TSS.RSP0) */
	uint64_t user_rsp;		/* SYSCALL entry's scratch slot for the user stack pointer */
	struct fpu *fpu_owner;		/* whose user vector state the registers hold (fpu.c) */
	bool fpu_dirty;			/* ... and it may be newer than its save area */
	bool fpu_ts;			/* CR0.TS as last written */
	struct fpu_stats fpu_stats;
	unsigned id;			/* logical CPU number, 0 = boot CPU */
	struct gdt gdt;
	struct tss tss;
	void *fault_catch;		/* armed ktest fault catch, see keel/fault.h */
	struct cpu_local local;		/* generic per-CPU data (keel/smp.h) */
	uint32_t apic_id;
	struct call_data *call_from[CPU_MAX];	/* cross-CPU call mailbox, by source CPU */
	struct tlb_cpu tlb;
};

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

extern struct cpu *cpus[CPU_MAX];

void percpu_init_boot(void);

/* arch/x86_64/smp.c, smpboot.c */
void smp_ipi_init(void);
void smp_tick_start(void);
void smp_nmi(struct trap_frame *tf);
unsigned smp_start_aps(const uint32_t *apic_ids, unsigned n);

/* arch/x86_64/user.c: per-CPU state for user mode (SYSCALL MSRs, SMEP/SMAP, FPU). */
void user_cpu_init(void);
void user_log_features(void);
#endif /* __ASSEMBLER__ */

#endif
