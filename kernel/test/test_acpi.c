/*
 * test/test_acpi.c — the firmware tables and the HPET of the machine keel runs on.
 *
 * The emulator's -smp count cannot be known from inside, so these tests check what must hold
 * on any PC: at least one enabled CPU, the boot CPU among them (first, as ACPI recommends and
 * QEMU and Bochs do) with the APIC id the CPU itself reports, a plausible IOAPIC and local
 * APIC address, every kept table still verifying, and an HPET counter that runs at a sane
 * rate. Under `acpi=off` the same CPU and IOAPIC checks apply to what the MP tables gave.
 */
#include <keel/ktest.h>
#include <keel/acpi.h>
#include <keel/arch.h>
#include <keel/heap.h>
#include <keel/hpet.h>
#include <keel/iomap.h>
#include <keel/memlayout.h>
#include <keel/string.h>
#include <keel/time.h>

#define MAX_PHYS_ADDR	(1ULL << 52)	/* architectural limit of physical addresses */

/* The boot CPU's APIC id as the CPU reports it: CPUID leaf 0xB (the full x2APIC id) when the
 * CPU has it, else the 8-bit initial APIC id of leaf 1. This test compares firmware's claim
 * with the hardware's own answer, so it asks the CPU directly. */
static uint32_t bsp_apic_id(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] >= 0xb) {
		cpuid(0xb, 0, r);
		if (r[1] != 0)
			return r[3];
	}
	cpuid(1, 0, r);
	return r[1] >> 24;
}

KTEST(acpi_lists_at_least_one_enabled_cpu)
{
	const struct acpi_info *a = acpi();

	KT_ASSERT(a->source != ACPI_SRC_NONE, "neither ACPI nor MP tables were found");
	KT_ASSERT(a->ncpus >= 1 && a->ncpus_enabled >= 1, "%u CPUs listed, %u enabled", a->ncpus,
		  a->ncpus_enabled);
	KT_ASSERT(a->ncpus_enabled <= a->ncpus, "more enabled CPUs (%u) than CPUs (%u)",
		  a->ncpus_enabled, a->ncpus);
	for (unsigned i = 0; i < a->ncpus; i++)
		for (unsigned j = 0; j < i; j++)
			KT_ASSERT(a->cpus[i].apic_id != a->cpus[j].apic_id,
				  "CPUs %u and %u share APIC id %u", j, i, a->cpus[i].apic_id);
}

KTEST(acpi_first_cpu_is_the_boot_cpu)
{
	const struct acpi_info *a = acpi();
	uint32_t bsp = bsp_apic_id();

	KT_ASSERT(a->ncpus >= 1, "no CPUs listed");
	KT_ASSERT(a->cpus[0].flags & ACPI_CPU_ENABLED, "CPU 0 is not enabled");
	KT_ASSERT(a->cpus[0].apic_id == bsp, "CPU 0 has APIC id %u; the boot CPU says it is %u",
		  a->cpus[0].apic_id, bsp);
}

KTEST(acpi_ioapic_and_local_apic_addresses_are_plausible)
{
	const struct acpi_info *a = acpi();

	KT_ASSERT(a->nioapics >= 1, "no IOAPIC listed");
	KT_EQ(a->ioapics[0].gsi_base, 0);
	for (unsigned i = 0; i < a->nioapics; i++)
		KT_ASSERT(a->ioapics[i].addr && a->ioapics[i].addr < MAX_PHYS_ADDR &&
			  IS_ALIGNED(a->ioapics[i].addr, 1024),
			  "IOAPIC %u at %#lx", a->ioapics[i].id, a->ioapics[i].addr);
	KT_ASSERT(a->lapic_addr && a->lapic_addr < MAX_PHYS_ADDR &&
		  IS_ALIGNED(a->lapic_addr, PAGE_SIZE), "local APIC at %#lx", a->lapic_addr);
	for (unsigned i = 0; i < a->noverrides; i++)
		KT_ASSERT(a->overrides[i].bus == 0 && a->overrides[i].irq < 16,
			  "override %u: bus %u IRQ %u", i, a->overrides[i].bus, a->overrides[i].irq);
}

KTEST(acpi_kept_tables_and_rsdp_still_verify)
{
	const struct acpi_info *a = acpi();
	struct acpi_rsdp r;
	const void *p;
	uint32_t len;

	if (a->source != ACPI_SRC_ACPI)
		return;			/* acpi=off, or an MP-only machine */
	KT_ASSERT(a->ntables >= 1, "the %s lists no valid table", a->xsdt ? "XSDT" : "RSDT");
	KT_EQ(a->bad_tables, 0);
	for (unsigned i = 0; i < a->ntables; i++) {
		unsigned nth = 0;

		for (unsigned j = 0; j < i; j++)
			nth += strcmp(a->tables[j].sig, a->tables[i].sig) == 0;
		p = acpi_table_map(a->tables[i].sig, nth, &len);
		KT_ASSERT(p && len == a->tables[i].len, "%s not found again", a->tables[i].sig);
		KT_ASSERT(acpi_table_ok(p, len, a->tables[i].sig), "%s at %#lx fails its checksum",
			  a->tables[i].sig, a->tables[i].phys);
	}
	KT_ASSERT(acpi_table_map("APIC", 0, &len), "no MADT among the tables");
	if (a->rsdp_phys) {		/* found by scanning; the BIOS area is mapped already */
		p = iomap(a->rsdp_phys, ACPI_RSDP_V1_LEN, IOMAP_CACHED);
		KT_ASSERT(p, "cannot map the RSDP");
		KT_EQ(acpi_rsdp_check(p, a->rsdp_revision >= 2 ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN,
				      &r), 0);
		KT_EQ(r.revision, a->rsdp_revision);
	}
}

/* Parsing the live MADT again gives exactly what acpi_init kept. */
KTEST(acpi_madt_parses_again_to_the_same_lists)
{
	const struct acpi_info *a = acpi();
	struct acpi_info *b;
	const void *madt;
	uint32_t len;
	bool same;

	if (a->source != ACPI_SRC_ACPI || !(madt = acpi_table_map("APIC", 0, &len)))
		return;
	b = kzalloc(sizeof(*b));
	KT_ASSERT(b, "no memory");
	if (acpi_madt_parse(madt, len, b, kzalloc) != 0) {
		acpi_madt_release(b, kfree);
		kfree(b);
		KT_ASSERT(false, "the MADT no longer parses");
	}
	same = b->ncpus == a->ncpus && b->nioapics == a->nioapics &&
	       b->noverrides == a->noverrides && b->lapic_addr == a->lapic_addr &&
	       memcmp(b->cpus, a->cpus, a->ncpus * sizeof(*a->cpus)) == 0 &&
	       memcmp(b->ioapics, a->ioapics, a->nioapics * sizeof(*a->ioapics)) == 0 &&
	       memcmp(b->overrides, a->overrides, a->noverrides * sizeof(*a->overrides)) == 0;
	acpi_madt_release(b, kfree);
	kfree(b);
	KT_ASSERT(same, "a second parse of the MADT differs from the first");
}

KTEST(acpi_fadt_and_mcfg_are_consistent)
{
	const struct acpi_info *a = acpi();

	if (a->fadt.present)
		KT_ASSERT(a->fadt.pm1a_cnt != 0, "FADT without a PM1a control block");
	for (unsigned i = 0; i < a->nmcfg; i++)
		KT_ASSERT(a->mcfg[i].bus_start <= a->mcfg[i].bus_end &&
			  IS_ALIGNED(a->mcfg[i].base, 1 << 20), "MCFG segment %u: %#lx buses %u-%u",
			  a->mcfg[i].segment, a->mcfg[i].base, a->mcfg[i].bus_start,
			  a->mcfg[i].bus_end);
}

KTEST(hpet_is_up_when_acpi_lists_one)
{
	uint64_t period = hpet_period_fs();

	if (!acpi()->hpet.base)
		KT_SKIP("ACPI lists no HPET");
	KT_ASSERT(hpet_available(), "ACPI lists an HPET at %#lx but the driver is not using it",
		  acpi()->hpet.base);
	KT_ASSERT(period > 0 && period <= 100000000, "period %lu fs", period);
	KT_EQ(hpet_counter_hz(), 1000000000000000ULL / period);
}

KTEST(hpet_counter_advances_and_never_goes_back)
{
	uint64_t prev, c;
	long i;

	if (!hpet_available())
		KT_SKIP("no HPET in use");
	prev = hpet_read_counter();
	for (i = 0; i < 1000000 && (c = hpet_read_counter()) == prev; i++)
		;
	KT_ASSERT(i < 1000000, "the counter stayed at %#lx", prev);
	for (i = 0; i < 10000; i++, prev = c) {
		c = hpet_read_counter();
		KT_ASSERT(c >= prev, "counter went back from %#lx to %#lx", prev, c);
	}
}

/* Generous bounds: this checks the arithmetic and the units, not the emulator's timing. */
KTEST(hpet_calibration_agrees_with_the_tsc_rate)
{
	uint64_t want = arch_cycles_per_sec() / 100, got;

	if (!hpet_available())
		KT_SKIP("no HPET in use");
	KT_EQ(hpet_calibrate_cycles(0, arch_cycles), 0);
	KT_EQ(hpet_calibrate_cycles(NSEC_PER_SEC + 1, arch_cycles), 0);
	got = hpet_calibrate_cycles(10 * 1000 * 1000, arch_cycles);
	KT_ASSERT(got > want / 2 && got < want * 2,
		  "10 ms of HPET time took %lu TSC cycles; the PIT calibration says %lu", got, want);
}
