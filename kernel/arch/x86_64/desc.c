/*
 * arch/x86_64/desc.c — the boot CPU's per-CPU block, GDT, TSS and IST stacks.
 *
 * Each CPU gets its own GDT and TSS inside its struct cpu; the boot CPU's lives in .bss and is
 * loaded first thing in kmain, before anything can fault. IST stacks give #DF, NMI and #MC a
 * known-good stack even when the kernel stack overflowed into its guard page.
 */
#include <arch/percpu.h>
#include <arch/cpu.h>
#include <keel/memlayout.h>
#include <keel/string.h>

static struct cpu boot_cpu_block;
struct cpu *cpus[CPU_MAX];		/* per-CPU blocks by logical id; NULL = not present */
static uint8_t boot_ist_stacks[IST_COUNT][IST_STACK_SIZE] __aligned(16);

#define SEG_CODE64	0x00af9a000000ffffULL	/* P, DPL0, code, readable, L=1 */
#define SEG_DATA	0x00cf92000000ffffULL	/* P, DPL0, data, writable */
#define SEG_DPL3	(3ULL << 45)

static void gdt_set_tss(struct gdt *gdt, struct tss *tss)
{
	uint64_t base = (uintptr_t)tss, limit = sizeof(*tss) - 1;

	gdt->entry[GDT_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			      (0x89ULL << 40) |			/* present, 64-bit TSS available */
			      (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt->entry[GDT_TSS + 1] = base >> 32;
}

void gdt_init_cpu(struct gdt *gdt, struct tss *tss, void *ist_stacks[IST_COUNT])
{
	struct desc_ptr p = { sizeof(*gdt) - 1, (uintptr_t)gdt };

	memset(gdt, 0, sizeof(*gdt));
	gdt->entry[GDT_KCODE] = SEG_CODE64;
	gdt->entry[GDT_KDATA] = SEG_DATA;
	gdt->entry[GDT_UCODE32] = 0x00cffa000000ffffULL;	/* unused; keeps SYSRET's order */
	gdt->entry[GDT_UDATA] = SEG_DATA | SEG_DPL3;
	gdt->entry[GDT_UCODE] = SEG_CODE64 | SEG_DPL3;
	memset(tss, 0, sizeof(*tss));
	tss->iomap_base = sizeof(*tss);		/* no I/O bitmap: ring 3 gets no ports */
	for (int i = 0; i < IST_COUNT; i++)
		tss->ist[i] = (uintptr_t)ist_stacks[i] + IST_STACK_SIZE;
	gdt_set_tss(gdt, tss);

	__asm__ __volatile__(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ds\n\t"
		"movw %w2, %%es\n\t"
		"movw %w2, %%ss\n\t"
		"ltr %w3"
		:: "m"(p), "i"((uint64_t)SEL_KCODE), "r"(SEL_KDATA), "r"(SEL_TSS)
		: "rax", "memory");
}

/* Points GS at the boot CPU's block and loads its GDT and TSS. Runs before any fault can. */
void percpu_init_boot(void)
{
	struct cpu *c = &boot_cpu_block;
	void *ist[IST_COUNT];

	c->self = c;
	c->id = 0;
	c->local.id = 0;
	cpus[0] = c;
	cpumask_set(&cpu_online_mask, 0);
	wrmsr(MSR_GS_BASE, (uintptr_t)c);
	for (int i = 0; i < IST_COUNT; i++)
		ist[i] = boot_ist_stacks[i];
	gdt_init_cpu(&c->gdt, &c->tss, ist);
}

cpumask_t cpu_online_mask;

struct cpu_local *cpu_local(void)
{
	return &this_cpu()->local;
}

struct cpu_local *cpu_local_of(unsigned cpu)
{
	return cpu < CPU_MAX && cpus[cpu] ? &cpus[cpu]->local : NULL;
}

unsigned smp_cpu_count(void)
{
	return cpumask_weight(&cpu_online_mask);
}
