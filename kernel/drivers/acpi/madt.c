/*
 * drivers/acpi/madt.c — the MADT: which CPUs and interrupt controllers the machine has.
 *
 * Owns the lists of struct acpi_info (CPUs, IOAPICs, ISA overrides, NMI wiring) and the MADT
 * walk that fills them; the MP table parser (mptable.c) fills the same lists through the same
 * acpi_add_* helpers. Each parser makes two passes over one table: the first counts the
 * entries of each kind, the lists are allocated at exactly that size, the second validates
 * and adds. Invariants of the lists: no two CPUs share an APIC id, no two IOAPICs an id or an
 * address, no two overrides a bus and IRQ; a CPU listed neither enabled nor online-capable is
 * not in the list at all. Pure (the allocator is a parameter); host-tested.
 *
 * The walk trusts nothing: an entry shorter than 2 bytes or running past the table ends the
 * walk (so a zero length cannot loop), an entry too short for its type is skipped, unknown
 * types are stepped over by their length.
 */
#include <keel/acpi.h>
#include <keel/errno.h>
#include <keel/log.h>
#include "internal.h"

#define MADT_LAPIC_ADDR		36
#define MADT_FLAGS		40
#define MADT_ENTRIES		44
#define MADT_PCAT_COMPAT	(1u << 0)

enum madt_type {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_ISO = 2,
	MADT_NMI_SOURCE = 3,
	MADT_LAPIC_NMI = 4,
	MADT_LAPIC_OVERRIDE = 5,
	MADT_X2APIC = 9,
	MADT_X2APIC_NMI = 0xa,
};

/* MADT processor flags. */
#define MADT_CPU_ENABLED	(1u << 0)
#define MADT_CPU_ONLINE_CAPABLE	(1u << 1)

/* Logged malformed entries per table; the rest are only counted. */
#define BAD_ENTRIES_LOGGED	4

/* ---- the lists ---- */

int acpi_lists_alloc(struct acpi_info *info, const struct acpi_counts *c, acpi_zalloc_fn zalloc)
{
#define ALLOC(field, n) \
	do { \
		if ((n) && !(info->field = zalloc((n) * sizeof(*info->field)))) \
			goto nomem; \
	} while (0)
	ALLOC(cpus, c->cpus);
	ALLOC(ioapics, c->ioapics);
	ALLOC(overrides, c->overrides);
	ALLOC(nmi_sources, c->nmi_sources);
	ALLOC(lapic_nmis, c->lapic_nmis);
	return 0;
#undef ALLOC
nomem:
	return -ENOMEM;		/* what was allocated is freed by acpi_madt_release */
}

void acpi_bad_entry(struct acpi_info *info, const char *table, size_t off, const char *why)
{
	if (info->bad_entries++ < BAD_ENTRIES_LOGGED)
		pr_warn("acpi: %s entry at offset %#zx: %s; skipped\n", table, off, why);
	else if (info->bad_entries == BAD_ENTRIES_LOGGED + 1)
		pr_warn("acpi: %s: more malformed entries; no longer logged\n", table);
}

int acpi_add_cpu(struct acpi_info *info, const struct acpi_counts *cap, uint32_t apic_id,
		 uint32_t uid, uint32_t flags)
{
	for (unsigned i = 0; i < info->ncpus; i++)
		if (info->cpus[i].apic_id == apic_id)
			return -EEXIST;
	if (info->ncpus >= cap->cpus)
		return -E2BIG;
	info->cpus[info->ncpus++] = (struct acpi_cpu){ apic_id, uid, flags };
	if (flags & ACPI_CPU_ENABLED)
		info->ncpus_enabled++;
	return 0;
}

int acpi_add_ioapic(struct acpi_info *info, const struct acpi_counts *cap, uint32_t id,
		    phys_addr_t addr, uint32_t gsi_base)
{
	for (unsigned i = 0; i < info->nioapics; i++)
		if (info->ioapics[i].id == id || info->ioapics[i].addr == addr)
			return -EEXIST;
	if (info->nioapics >= cap->ioapics)
		return -E2BIG;
	info->ioapics[info->nioapics++] = (struct acpi_ioapic){ id, gsi_base, addr };
	return 0;
}

int acpi_add_override(struct acpi_info *info, const struct acpi_counts *cap, uint8_t bus,
		      uint8_t irq, uint32_t gsi, uint16_t flags)
{
	for (unsigned i = 0; i < info->noverrides; i++)
		if (info->overrides[i].bus == bus && info->overrides[i].irq == irq)
			return -EEXIST;
	if (info->noverrides >= cap->overrides)
		return -E2BIG;
	info->overrides[info->noverrides++] = (struct acpi_irq_override){ bus, irq, flags, gsi };
	return 0;
}

int acpi_add_nmi_source(struct acpi_info *info, const struct acpi_counts *cap, uint32_t gsi,
			uint16_t flags)
{
	if (info->nnmi_sources >= cap->nmi_sources)
		return -E2BIG;
	info->nmi_sources[info->nnmi_sources++] = (struct acpi_nmi_source){ gsi, flags };
	return 0;
}

int acpi_add_lapic_nmi(struct acpi_info *info, const struct acpi_counts *cap, uint32_t uid,
		       uint8_t lint, uint16_t flags)
{
	if (info->nlapic_nmis >= cap->lapic_nmis)
		return -E2BIG;
	info->lapic_nmis[info->nlapic_nmis++] = (struct acpi_lapic_nmi){ uid, flags, lint };
	return 0;
}

void acpi_madt_release(struct acpi_info *info, acpi_free_fn free)
{
	free(info->cpus);
	free(info->ioapics);
	free(info->overrides);
	free(info->nmi_sources);
	free(info->lapic_nmis);
	info->cpus = NULL;
	info->ioapics = NULL;
	info->overrides = NULL;
	info->nmi_sources = NULL;
	info->lapic_nmis = NULL;
	info->ncpus = info->ncpus_enabled = info->ncpus_disabled = 0;
	info->nioapics = info->noverrides = info->nnmi_sources = info->nlapic_nmis = 0;
	info->bad_entries = 0;
	info->lapic_addr = 0;
	info->pic_present = info->imcr = false;
}

/* ---- the MADT walk ---- */

struct madt_walk {
	struct acpi_info *info;
	struct acpi_counts *count;	/* counting pass: totals go here; NULL when filling */
	const struct acpi_counts *cap;	/* filling pass: the sizes allocated */
	uint64_t lapic_override;	/* from a type 5 entry, wherever it sits */
};

/* Least length of each entry type keel reads; 0 for the types it steps over. */
static unsigned madt_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC: return 8;
	case MADT_IOAPIC: return 12;
	case MADT_ISO: return 10;
	case MADT_NMI_SOURCE: return 8;
	case MADT_LAPIC_NMI: return 6;
	case MADT_LAPIC_OVERRIDE: return 12;
	case MADT_X2APIC: return 16;
	case MADT_X2APIC_NMI: return 12;
	}
	return 0;
}

static void madt_count(struct acpi_counts *c, uint8_t type)
{
	switch (type) {
	case MADT_LAPIC: case MADT_X2APIC: c->cpus++; break;
	case MADT_IOAPIC: c->ioapics++; break;
	case MADT_ISO: c->overrides++; break;
	case MADT_NMI_SOURCE: c->nmi_sources++; break;
	case MADT_LAPIC_NMI: case MADT_X2APIC_NMI: c->lapic_nmis++; break;
	}
}

static void madt_bad(struct madt_walk *w, size_t off, const char *why)
{
	acpi_bad_entry(w->info, "MADT", off, why);
}

static void madt_cpu(struct madt_walk *w, size_t off, uint32_t apic_id, uint32_t uid,
		     uint32_t fw_flags, bool x2apic)
{
	uint32_t flags = x2apic ? ACPI_CPU_X2APIC : 0;

	if (fw_flags & MADT_CPU_ENABLED)
		flags |= ACPI_CPU_ENABLED;
	else if (fw_flags & MADT_CPU_ONLINE_CAPABLE)
		flags |= ACPI_CPU_ONLINE_CAPABLE;
	else {
		w->info->ncpus_disabled++;
		return;
	}
	if (apic_id == (x2apic ? 0xffffffffu : 0xffu))
		madt_bad(w, off, "processor with the broadcast APIC id");
	else if (acpi_add_cpu(w->info, w->cap, apic_id, uid, flags))
		madt_bad(w, off, "processor whose APIC id is already listed");
}

static void madt_lapic_nmi(struct madt_walk *w, size_t off, uint32_t uid, uint8_t lint,
			   uint16_t flags)
{
	if (lint > 1)
		madt_bad(w, off, "local APIC NMI on a LINT pin other than 0 or 1");
	else
		acpi_add_lapic_nmi(w->info, w->cap, uid, lint, flags);
}

/* Validates and records one entry of a known type, at least madt_min_len long. */
static void madt_fill(struct madt_walk *w, const uint8_t *e, size_t off)
{
	struct acpi_info *info = w->info;

	switch (e[0]) {
	case MADT_LAPIC:
		madt_cpu(w, off, e[3], e[2], le32(e + 4), false);
		break;
	case MADT_X2APIC:
		madt_cpu(w, off, le32(e + 4), le32(e + 12), le32(e + 8), true);
		break;
	case MADT_IOAPIC:
		if (le32(e + 4) == 0)
			madt_bad(w, off, "IOAPIC at address 0");
		else if (acpi_add_ioapic(info, w->cap, e[2], le32(e + 4), le32(e + 8)))
			madt_bad(w, off, "IOAPIC whose id or address is already listed");
		break;
	case MADT_ISO:
		if (acpi_add_override(info, w->cap, e[2], e[3], le32(e + 4), le16(e + 8)))
			madt_bad(w, off, "second override of one IRQ");
		break;
	case MADT_NMI_SOURCE:
		acpi_add_nmi_source(info, w->cap, le32(e + 4), le16(e + 2));
		break;
	case MADT_LAPIC_NMI:
		madt_lapic_nmi(w, off, e[2] == 0xff ? ACPI_NMI_ALL_CPUS : e[2], e[5], le16(e + 3));
		break;
	case MADT_X2APIC_NMI:
		madt_lapic_nmi(w, off, le32(e + 4), e[8], le16(e + 2));
		break;
	case MADT_LAPIC_OVERRIDE:
		w->lapic_override = le64(e + 4);
		break;
	}
}

static void madt_walk(const uint8_t *p, size_t len, struct madt_walk *w)
{
	size_t off = MADT_ENTRIES;

	while (off < len) {
		uint8_t type, elen;
		unsigned need;

		if (off + 2 > len) {
			if (!w->count)
				madt_bad(w, off, "a lone byte at the end of the table");
			return;
		}
		type = p[off];
		elen = p[off + 1];
		if (elen < 2 || off + elen > len) {
			if (!w->count)
				madt_bad(w, off, elen < 2 ? "length below 2; the rest is ignored" :
					 "runs past the end of the table; the rest is ignored");
			return;
		}
		need = madt_min_len(type);
		if (need && elen < need) {
			if (!w->count)
				madt_bad(w, off, "too short for its type");
		} else if (need) {
			if (w->count)
				madt_count(w->count, type);
			else
				madt_fill(w, p + off, off);
		}
		off += elen;
	}
}

int acpi_madt_parse(const void *madt, size_t len, struct acpi_info *info, acpi_zalloc_fn zalloc)
{
	const uint8_t *p = madt;
	struct acpi_counts count = { 0 };
	struct madt_walk w = { info, &count, NULL, 0 };
	int err;

	if (len < MADT_ENTRIES || !sig_is(p, "APIC"))
		return -EINVAL;
	madt_walk(p, len, &w);
	err = acpi_lists_alloc(info, &count, zalloc);
	if (err)
		return err;
	w.count = NULL;
	w.cap = &count;
	madt_walk(p, len, &w);
	info->lapic_addr = w.lapic_override ? w.lapic_override : le32(p + MADT_LAPIC_ADDR);
	info->pic_present = le32(p + MADT_FLAGS) & MADT_PCAT_COMPAT;
	return 0;
}
