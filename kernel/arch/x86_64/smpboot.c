/*
 * arch/x86_64/smpboot.c — bringing the application processors up.
 *
 * For each CPU the firmware lists (after the boot CPU, up to the `smp=N` limit and CPU_MAX):
 * a per-CPU block, a guarded kernel stack and IST stacks; then INIT, 10 ms, SIPI, 200 us,
 * SIPI — delays from the calibrated clock — and up to 200 ms for the CPU to report in. One AP
 * starts at a time (they share the trampoline's parameter block). A CPU that never reports is
 * logged and skipped; its stacks are deliberately not freed, because it might still wake up
 * late and use them. The boot log ends bring-up with `smp: N CPUs online`.
 */
#include <keel/smp.h>
#include <keel/acpi.h>
#include <keel/arch.h>
#include <keel/cmdline.h>
#include <keel/heap.h>
#include <keel/kstack.h>
#include <keel/log.h>
#include <keel/memlayout.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/vm.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>

#define SIPI_WAIT_NS	(200 * 1000ULL)
#define INIT_WAIT_NS	(10 * 1000 * 1000ULL)
#define ONLINE_WAIT_NS	(200 * 1000 * 1000ULL)

struct trampoline_params {
	uint64_t cr3, efer, stack, cpu, entry;
};

extern char trampoline_start[], trampoline_end[], trampoline_params[];

static unsigned smp_limit = CPU_MAX;
static volatile bool ap_reported;

static int set_smp(const char *v)
{
	uint64_t n;

	if (!v || !parse_u64(v, &n) || n == 0 || n > CPU_MAX)
		return -1;
	smp_limit = (unsigned)n;
	return 0;
}
CMDLINE_PARAM("smp", set_smp, "smp=1..256");

unsigned smp_cpu_limit(void)
{
	return smp_limit;
}

/* First C code of an AP: take its per-CPU block, tables and APIC, report, then schedule. */
static __noreturn void ap_entry(struct cpu *c)
{
	void *ist[IST_COUNT];

	wrmsr(MSR_GS_BASE, (uintptr_t)c);
	for (int i = 0; i < IST_COUNT; i++)
		ist[i] = (void *)(c->tss.ist[i] - IST_STACK_SIZE);
	gdt_init_cpu(&c->gdt, &c->tss, ist);
	idt_load();
	user_cpu_init();
	cpu_pat_init();
	if (cpu_has(FEAT_PGE))
		write_cr4(read_cr4() | CR4_PGE);
	tlb_cpu_init();
	apic_init_ap();
	c->apic_id = apic_id();
	cpumask_set(&cpu_online_mask, c->id);
	smp_tick_start();
	__atomic_store_n(&ap_reported, true, __ATOMIC_RELEASE);
	sched_start_cpu();
}

/* A per-CPU block with its stacks; NULL when memory is short. */
static struct cpu *cpu_block_create(unsigned id, uint32_t apic)
{
	struct cpu *c = kzalloc(sizeof(*c));

	if (!c)
		return NULL;
	c->self = c;
	c->id = id;
	c->local.id = id;
	c->apic_id = apic;
	for (int i = 0; i < IST_COUNT; i++) {
		void *s = kstack_alloc();

		if (!s)
			return NULL;		/* leak on this path is bounded and logged */
		c->tss.ist[i] = (uintptr_t)s + IST_STACK_SIZE;
	}
	return c;
}

static bool start_ap(unsigned id, uint32_t apic)
{
	struct trampoline_params *tp = phys_to_virt(TRAMPOLINE_PHYS +
						    (trampoline_params - trampoline_start));
	struct cpu *c = cpu_block_create(id, apic);
	void *stack = kstack_alloc();
	uint64_t deadline;

	if (!c || !stack) {
		pr_err("smp: no memory for CPU %u (APIC id %u); skipped\n", id, apic);
		return false;
	}
	*tp = (struct trampoline_params){
		.cr3 = kernel_pt.root,
		.efer = EFER_LME | (cpu_has(FEAT_NX) ? EFER_NXE : 0),
		.stack = (uintptr_t)stack + KSTACK_SIZE,
		.cpu = (uintptr_t)c,
		.entry = (uintptr_t)ap_entry,
	};
	cpus[id] = c;
	ap_reported = false;
	apic_send_ipi(apic, IPI_INIT);
	sched_sleep_ns(INIT_WAIT_NS);	/* spins: this CPU is not scheduling yet */
	for (int i = 0; i < 2 && !ap_reported; i++) {
		apic_send_ipi(apic, IPI_STARTUP | (TRAMPOLINE_PHYS >> PAGE_SHIFT));
		sched_sleep_ns(SIPI_WAIT_NS);
	}
	deadline = time_ns() + ONLINE_WAIT_NS;
	while (!__atomic_load_n(&ap_reported, __ATOMIC_ACQUIRE) && time_ns() < deadline)
		arch_relax();
	if (!ap_reported) {
		cpus[id] = NULL;
		pr_warn("smp: CPU %u (APIC id %u) did not answer the SIPI; skipped\n", id, apic);
		return false;
	}
	return true;
}

/* Starts the listed APs (apic_ids excludes the boot CPU); returns how many came up. */
unsigned smp_start_aps(const uint32_t *apic_ids, unsigned n)
{
	unsigned next_id = 1, started = 0;

	if (!n)
		return 0;
	memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	if (vm_map(&kernel_pt, TRAMPOLINE_PHYS, TRAMPOLINE_PHYS, PAGE_SIZE, VM_EXEC)) {
		pr_err("smp: cannot map the AP trampoline; running on one CPU\n");
		return 0;
	}
	for (unsigned i = 0; i < n && next_id < MIN(smp_limit, CPU_MAX); i++) {
		if (start_ap(next_id, apic_ids[i])) {
			next_id++;
			started++;
		}
	}
	vm_unmap(&kernel_pt, TRAMPOLINE_PHYS, PAGE_SIZE);
	if (n + 1 > smp_limit)
		pr_info("smp: smp=%u: %u of %u CPUs left offline\n", smp_limit, n + 1 - smp_limit,
			n + 1);
	else if (smp_limit != CPU_MAX && smp_limit > n + 1)
		pr_info("smp: smp=%u, but only %u CPUs are present; using those\n", smp_limit, n + 1);
	return started;
}
/* Interrupt controllers from the firmware tables: local APIC, IOAPICs, ISA overrides. */
static void interrupts_init(const struct acpi_info *ai)
{
	phys_addr_t lapic = ai->lapic_addr ? ai->lapic_addr : (rdmsr(MSR_APIC_BASE) & PTE_ADDR);

	apic_init_bsp(lapic);
	this_cpu()->apic_id = apic_id();
	ioapic_init();
	for (unsigned i = 0; i < ai->nioapics; i++)
		ioapic_register(ai->ioapics[i].addr, ai->ioapics[i].gsi_base);
	for (unsigned i = 0; i < ai->noverrides; i++)
		if (ai->overrides[i].bus == 0)
			ioapic_isa_override(ai->overrides[i].irq, ai->overrides[i].gsi,
					    ai->overrides[i].flags);
	if (!ai->nioapics)
		pr_warn("ioapic: none listed by the firmware; no device interrupts\n");
	smp_ipi_init();
}

void smp_init(void)
{
	const struct acpi_info *ai = acpi();
	uint32_t *ids = kmalloc(MAX(ai->ncpus, 1) * sizeof(*ids));
	unsigned n = 0;

	interrupts_init(ai);
	for (unsigned i = 0; ids && i < ai->ncpus; i++)
		if ((ai->cpus[i].flags & ACPI_CPU_ENABLED) &&
		    ai->cpus[i].apic_id != this_cpu()->apic_id)
			ids[n++] = ai->cpus[i].apic_id;
	if (!ai->ncpus)
		pr_warn("smp: the firmware lists no CPUs; running on the boot CPU only\n");
	smp_start_aps(ids, n);
	kfree(ids);
	pr_info("smp: %u CPUs online\n", smp_cpu_count());
	smp_tick_start();
}
