/*
 * arch/cpu.h — x86-64 registers, instructions and CPU feature flags.
 *
 * Only arch code includes this. Features are read once by cpu_detect() into boot_cpu; nothing
 * optional (1 GiB pages, NX, PCID, XSAVE...) is used without checking a flag here first.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <keel/types.h>

#define CR0_PE		(1UL << 0)
#define CR0_MP		(1UL << 1)
#define CR0_TS		(1UL << 3)
#define CR0_WP		(1UL << 16)
#define CR0_PG		(1UL << 31)
#define CR4_PAE		(1UL << 5)
#define CR4_PGE		(1UL << 7)
#define CR4_OSFXSR	(1UL << 9)
#define CR4_SMEP	(1UL << 20)
#define CR4_SMAP	(1UL << 21)

#define MSR_APIC_BASE	0x1b
#define MSR_PAT		0x277
#define MSR_EFER	0xc0000080
#define EFER_SCE	(1UL << 0)
#define EFER_LME	(1UL << 8)
#define EFER_NXE	(1UL << 11)
#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#define RFLAGS_IF	(1UL << 9)

/* Feature bits keel cares about, gathered from several CPUID leaves. */
enum cpu_feature {
	FEAT_NX, FEAT_PDPE1GB, FEAT_PGE, FEAT_PAT, FEAT_TSC, FEAT_INVARIANT_TSC,
	FEAT_APIC, FEAT_X2APIC, FEAT_TSC_DEADLINE, FEAT_PCID, FEAT_INVPCID,
	FEAT_SMEP, FEAT_SMAP, FEAT_FSGSBASE, FEAT_SSE2, FEAT_XSAVE, FEAT_XSAVEOPT,
	FEAT_AVX, FEAT_AVX2, FEAT_AVX512F, FEAT_HYPERVISOR, FEAT_RDRAND, FEAT_RDSEED,
	FEAT_COUNT
};

struct cpu_info {
	char vendor[13];
	char brand[49];
	unsigned family, model, stepping;
	unsigned phys_addr_bits, virt_addr_bits;
	uint64_t features;	/* bit per enum cpu_feature */
};

extern struct cpu_info boot_cpu;

void cpu_detect(void);
/* Every CPU, early: PAT entry 1 (PWT alone) becomes write-combining when the CPU has PAT. */
void cpu_pat_init(void);
extern bool pat_wc;		/* set once the boot CPU has done cpu_pat_init() */
void cpu_log_features(void);
const char *cpu_feature_name(enum cpu_feature f);

static inline bool cpu_has(enum cpu_feature f)
{
	return boot_cpu.features & (1ULL << f);
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

#define DEFINE_CR(n) \
	static inline uint64_t read_cr##n(void) \
	{ \
		uint64_t v; \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)); \
		return v; \
	} \
	static inline void write_cr##n(uint64_t v) \
	{ \
		__asm__ __volatile__("mov %0, %%cr" #n :: "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

/* Disables interrupts and returns whether they were enabled. */
static inline bool irq_save(void)
{
	bool on = read_rflags() & RFLAGS_IF;

	irq_disable();
	return on;
}

static inline void irq_restore(bool on)
{
	if (on)
		irq_enable();
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

/* Waits with interrupts enabled until the next interrupt; returns with them enabled. */
static inline void cpu_idle_wait(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

static inline void invlpg(uintptr_t va)
{
	__asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory");
}

#endif
