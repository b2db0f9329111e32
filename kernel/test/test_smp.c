/*
 * test/test_smp.c — CPU bring-up, the interrupt controllers and cross-CPU calls.
 *
 * These run with however many CPUs the emulator has; with one CPU they check the one-CPU
 * behaviour (a call to "all" runs here and only here).
 */
#include <keel/ktest.h>
#include <keel/acpi.h>
#include <keel/arch.h>
#include <keel/heap.h>
#include <keel/preempt.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/string.h>
#include <keel/time.h>
#include <arch/apic.h>
#include <arch/io.h>
#include <arch/trap.h>
#include <arch/percpu.h>

KTEST(smp_every_enabled_cpu_is_online)
{
	const struct acpi_info *ai = acpi();
	unsigned listed = ai->ncpus_enabled ? ai->ncpus_enabled : 1;

	KT_EQ(smp_cpu_count(), MIN(listed, smp_cpu_limit()));
	for_each_cpu(c, &cpu_online_mask) {
		KT_ASSERT(cpus[c] && cpu_local_of(c), "online CPU %u has no per-CPU block", c);
		KT_EQ(cpu_local_of(c)->id, c);
	}
}

KTEST(smp_apic_ids_are_distinct_and_match_the_madt)
{
	const struct acpi_info *ai = acpi();

	for_each_cpu(a, &cpu_online_mask) {
		bool listed = ai->ncpus == 0;

		for (unsigned i = 0; i < ai->ncpus; i++)
			listed |= ai->cpus[i].apic_id == cpus[a]->apic_id;
		KT_ASSERT(listed, "CPU %u has APIC id %u, not in the MADT", a, cpus[a]->apic_id);
		for_each_cpu(b, &cpu_online_mask)
			KT_ASSERT(a == b || cpus[a]->apic_id != cpus[b]->apic_id,
				  "CPUs %u and %u share APIC id %u", a, b, cpus[a]->apic_id);
	}
	KT_EQ(this_cpu()->apic_id, apic_id());
}

struct call_probe {
	int hits[CPU_MAX];
	int total;
};

static void probe(void *arg)
{
	struct call_probe *p = arg;

	__atomic_fetch_add(&p->hits[arch_cpu_id()], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->total, 1, __ATOMIC_RELAXED);
}

KTEST(smp_call_runs_on_exactly_the_requested_cpus)
{
	static struct call_probe p;
	cpumask_t set;
	unsigned n = 0;

	for (int round = 0; round < 50; round++) {
		memset(&p, 0, sizeof(p));
		cpumask_clear(&set);
		n = 0;
		for_each_cpu(c, &cpu_online_mask)
			if ((c + (unsigned)round) % 2 == 0 || smp_cpu_count() == 1) {
				cpumask_set(&set, c);
				n++;
			}
		smp_call(&set, probe, &p);
		KT_EQ(p.total, n);
		for_each_cpu(c, &cpu_online_mask)
			KT_ASSERT(p.hits[c] == (cpumask_test(&set, c) ? 1 : 0),
				  "round %d: CPU %u ran the call %d times", round, c, p.hits[c]);
	}
}

KTEST(smp_call_to_every_cpu_sends_ipis_to_the_others)
{
	static struct call_probe p;
	uint64_t sent = cpu_local()->ipi_sent;
	bool f = arch_irq_save();		/* stay on this CPU between the two reads */

	memset(&p, 0, sizeof(p));
	smp_call(&cpu_online_mask, probe, &p);
	sent = cpu_local()->ipi_sent - sent;
	arch_irq_restore(f);
	KT_EQ(p.total, smp_cpu_count());
	KT_EQ(sent, smp_cpu_count() - 1);
}

/* The CPU (or CPU_MAX) that has not ticked more than 5 times since before[]. */
static unsigned cpu_short_of_ticks(const uint64_t *before, uint64_t *got)
{
	struct sched_stats st;

	for_each_cpu(c, &cpu_online_mask) {
		*got = sched_stats(c, &st) ? st.ticks - before[c] : 0;
		if (*got <= 5)
			return c;
	}
	return CPU_MAX;
}

/* Every CPU's timer runs: each ticks more than 5 times. A vCPU the host does not run misses
 * its ticks for that long, so the wait is up to 500 tick periods, not a fixed 20. */
KTEST(smp_timer_ticks_on_every_cpu)
{
	uint64_t *before = kzalloc(CPU_MAX * sizeof(*before));	/* too big for a stack */
	struct sched_stats st;
	unsigned bad = CPU_MAX;
	uint64_t got = 0;

	KT_ASSERT(before, "no memory");
	for_each_cpu(c, &cpu_online_mask)
		before[c] = sched_stats(c, &st) ? st.ticks : 0;
	for (int i = 0; i < 50 && (bad = cpu_short_of_ticks(before, &got)) != CPU_MAX; i++)
		sched_sleep_ns(10 * SCHED_TICK_NS);
	kfree(before);
	KT_ASSERT(bad == CPU_MAX, "CPU %u ticked only %lu times during 500 tick periods", bad, got);
}

static volatile int pit_irqs;

static void pit_irq(struct trap_frame *tf)
{
	pit_irqs++;
	apic_eoi();
}

/* The PIT's IRQ 0 arrives where the MADT override says (GSI 2 on QEMU and Bochs), through the
 * IOAPIC, on this CPU; masking the entry stops it. */
KTEST(ioapic_routes_the_pit_through_its_override)
{
	if (!arch_pit_present())
		KT_SKIP("no 8254 PIT on this machine (UEFI-only PCs, QEMU pit=off)");
	int vec = vector_alloc();
	uint64_t end;
	int seen, after_mask;

	KT_ASSERT(vec > 0, "no free vector");
	KT_EQ(irq_register((unsigned)vec, pit_irq), 0);
	pit_irqs = 0;
	preempt_disable();			/* the route names this CPU */
	KT_EQ(ioapic_route_isa(0, (unsigned)vec, this_cpu()->apic_id), 0);
	outb(0x43, 0x30);			/* channel 0, lo/hi, mode 0 (one interrupt) */
	outb(0x40, 0xa9);			/* 1193 ticks: 1 ms */
	outb(0x40, 0x04);
	end = time_ns() + 200 * 1000 * 1000ULL;
	while (!pit_irqs && time_ns() < end)
		arch_relax();
	seen = pit_irqs;
	ioapic_mask_isa(0);
	outb(0x43, 0x30);			/* again, now masked */
	outb(0x40, 0xa9);
	outb(0x40, 0x04);
	end = time_ns() + 20 * 1000 * 1000ULL;
	while (time_ns() < end)
		arch_relax();
	after_mask = pit_irqs;
	preempt_enable();
	irq_unregister((unsigned)vec);
	vector_free((unsigned)vec);
	KT_ASSERT(seen == 1, "PIT one-shot gave %d interrupts on GSI %u, want 1", seen,
		  ioapic_isa_gsi(0));
	KT_EQ(after_mask, seen);
	for (unsigned i = 0; i < acpi()->noverrides; i++)
		if (acpi()->overrides[i].bus == 0 && acpi()->overrides[i].irq == 0)
			KT_EQ(ioapic_isa_gsi(0), acpi()->overrides[i].gsi);
}
