/*
 * drivers/acpi/mptable.c — the Intel MultiProcessor tables, for machines without ACPI.
 *
 * Owns reading MP spec 1.1/1.4 structures: the 16-byte "_MP_" floating pointer and the "PCMP"
 * configuration table it points to. The base table's processor, bus, IOAPIC, I/O interrupt
 * and local interrupt entries become the same struct acpi_info lists the MADT fills (through
 * madt.c's acpi_add_* helpers), so nothing above here knows which table it came from.
 *
 * The MP tables do not give IOAPIC GSI bases; keel assigns them in table order assuming 24
 * pins per IOAPIC (the 82093AA and its successors; with one IOAPIC, the common case, the
 * bases are exact whatever the pin count). An ISA interrupt that does not arrive on
 * GSI = IRQ with bus-default flags becomes an override, as the MADT would have listed it.
 * Pure (allocator as a parameter); host-tested.
 */
#include <keel/acpi.h>
#include <keel/errno.h>
#include <keel/log.h>
#include "internal.h"

/* Floating pointer. */
#define MPF_LEN_UNIT	16
#define MPF_CONFIG	4
#define MPF_LENGTH	8
#define MPF_SPEC_REV	9
#define MPF_FEATURE1	11
#define MPF_FEATURE2	12
#define MPF_IMCRP	(1u << 7)

/* Configuration table header. */
#define MPC_BASE_LEN	4
#define MPC_ENTRY_COUNT	34
#define MPC_LAPIC	36
#define MPC_ENTRIES	MP_CONFIG_HEADER_LEN

enum mp_entry_type { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_IOINT, MP_LINT };
#define MP_PROCESSOR_LEN	20
#define MP_ENTRY_LEN		8	/* every other base entry */
#define MP_CPU_ENABLED		(1u << 0)
#define MP_CPU_BP		(1u << 1)
#define MP_IOAPIC_ENABLED	(1u << 0)
#define MP_ALL			0xff	/* destination: every IOAPIC / local APIC */

enum mp_int_type { MP_INT_VECTORED, MP_INT_NMI, MP_INT_SMI, MP_INT_EXTINT };

#define MP_IOAPIC_PINS	24

int mp_floating_check(const void *buf, size_t avail, struct mp_floating *out)
{
	const uint8_t *p = buf;
	size_t len;

	if (avail < MPF_LEN_UNIT || !sig_is(p, "_MP_"))
		return -EINVAL;
	len = (size_t)p[MPF_LENGTH] * MPF_LEN_UNIT;
	if (len < MPF_LEN_UNIT || len > avail || acpi_checksum(p, len) != 0)
		return -EINVAL;
	*out = (struct mp_floating){
		.config = le32(p + MPF_CONFIG),
		.spec_rev = p[MPF_SPEC_REV],
		.default_config = p[MPF_FEATURE1],
		.imcr = p[MPF_FEATURE2] & MPF_IMCRP,
	};
	return out->config || out->default_config ? 0 : -EINVAL;
}

ssize_t mp_floating_scan(const void *buf, size_t len)
{
	struct mp_floating f;

	for (size_t off = 0; off + MPF_LEN_UNIT <= len; off += 16)
		if (mp_floating_check((const uint8_t *)buf + off, len - off, &f) == 0)
			return (ssize_t)off;
	return -1;
}

uint32_t mp_config_len(const void *hdr)
{
	return sig_is(hdr, "PCMP") ? le16((const uint8_t *)hdr + MPC_BASE_LEN) : 0;
}

struct mp_walk {
	struct acpi_info *info;
	struct acpi_counts count;	/* after the counting pass: the lists' sizes */
	uint8_t isa_bus[32];		/* bitmap of bus ids whose type is "ISA" */
	uint32_t next_gsi;
	bool report;			/* this pass reports malformed structure */
};

typedef void (*mp_entry_fn)(struct mp_walk *w, const uint8_t *e, size_t off);

/* Calls fn for each entry of the base table, stopping at the first one of unknown type or
 * running past the table (base entries have no length field, so nothing after it can be
 * found). */
static void mp_walk(const uint8_t *p, size_t len, struct mp_walk *w, mp_entry_fn fn)
{
	unsigned n = le16(p + MPC_ENTRY_COUNT);
	size_t off = MPC_ENTRIES;

	for (unsigned i = 0; i < n && off < len; i++) {
		size_t elen = p[off] == MP_PROCESSOR ? MP_PROCESSOR_LEN :
			      p[off] <= MP_LINT ? MP_ENTRY_LEN : 0;

		if (!elen || off + elen > len) {
			if (w->report)
				acpi_bad_entry(w->info, "MP table", off, elen ?
					       "runs past the end of the table; the rest is ignored" :
					       "unknown type; the rest is ignored");
			return;
		}
		fn(w, p + off, off);
		off += elen;
	}
}

static void mp_count(struct mp_walk *w, const uint8_t *e, size_t off)
{
	switch (e[0]) {
	case MP_PROCESSOR: w->count.cpus++; break;
	case MP_IOAPIC: w->count.ioapics++; break;
	case MP_IOINT: w->count.overrides++; w->count.nmi_sources++; break;
	case MP_LINT: w->count.lapic_nmis++; break;
	case MP_BUS:
		if (e[2] == 'I' && e[3] == 'S' && e[4] == 'A')
			w->isa_bus[e[1] / 8] |= (uint8_t)(1u << (e[1] % 8));
		break;
	}
}

/* First fill pass: CPUs and IOAPICs, which the interrupt entries refer to. */
static void mp_fill_units(struct mp_walk *w, const uint8_t *e, size_t off)
{
	struct acpi_info *info = w->info;

	if (e[0] == MP_PROCESSOR) {
		uint32_t flags = ACPI_CPU_ENABLED | (e[3] & MP_CPU_BP ? ACPI_CPU_BSP : 0);

		if (!(e[3] & MP_CPU_ENABLED))
			info->ncpus_disabled++;
		else if (e[1] == MP_ALL)
			acpi_bad_entry(info, "MP table", off, "processor with the broadcast APIC id");
		else if (acpi_add_cpu(info, &w->count, e[1], e[1], flags))
			acpi_bad_entry(info, "MP table", off, "processor whose APIC id is already listed");
	} else if (e[0] == MP_IOAPIC && (e[3] & MP_IOAPIC_ENABLED)) {
		if (le32(e + 4) == 0 || acpi_add_ioapic(info, &w->count, e[1], le32(e + 4),
							w->next_gsi))
			acpi_bad_entry(info, "MP table", off, "IOAPIC at 0, or listed twice");
		else
			w->next_gsi += MP_IOAPIC_PINS;
	}
}

/* The GSI of pin `pin` of IOAPIC `id` (MP_ALL: the first), or -1 for an unknown IOAPIC. */
static int64_t mp_gsi(const struct acpi_info *info, uint8_t id, uint8_t pin)
{
	for (unsigned i = 0; i < info->nioapics; i++)
		if (id == MP_ALL || info->ioapics[i].id == id)
			return info->ioapics[i].gsi_base + pin;
	return -1;
}

static void mp_fill_ioint(struct mp_walk *w, const uint8_t *e, size_t off)
{
	struct acpi_info *info = w->info;
	uint16_t flags = le16(e + 2);
	uint8_t bus = e[4], irq = e[5];
	int64_t gsi = mp_gsi(info, e[6], e[7]);
	bool isa = w->isa_bus[bus / 8] & (1u << (bus % 8));

	if (gsi < 0) {
		acpi_bad_entry(info, "MP table", off, "interrupt routed to an unknown IOAPIC");
	} else if (e[1] == MP_INT_NMI) {
		acpi_add_nmi_source(info, &w->count, (uint32_t)gsi, flags);
	} else if (e[1] == MP_INT_VECTORED && isa && (gsi != irq || flags != 0)) {
		if (acpi_add_override(info, &w->count, 0, irq, (uint32_t)gsi, flags))
			acpi_bad_entry(info, "MP table", off, "second routing of one ISA IRQ");
	}
}

/* Second fill pass: interrupt routing. */
static void mp_fill_ints(struct mp_walk *w, const uint8_t *e, size_t off)
{
	if (e[0] == MP_IOINT)
		mp_fill_ioint(w, e, off);
	else if (e[0] == MP_LINT && e[1] == MP_INT_NMI && e[7] <= 1)
		acpi_add_lapic_nmi(w->info, &w->count, e[6] == MP_ALL ? ACPI_NMI_ALL_CPUS : e[6],
				   e[7], le16(e + 2));
}

int mp_config_parse(const void *cfg, size_t len, struct acpi_info *info, acpi_zalloc_fn zalloc)
{
	const uint8_t *p = cfg;
	struct mp_walk w = { .info = info };
	uint32_t base_len;
	int err;

	if (len < MPC_ENTRIES || !(base_len = mp_config_len(p)) || base_len < MPC_ENTRIES ||
	    base_len > len || acpi_checksum(p, base_len) != 0)
		return -EINVAL;
	mp_walk(p, base_len, &w, mp_count);
	err = acpi_lists_alloc(info, &w.count, zalloc);
	if (err)
		return err;
	w.report = true;
	mp_walk(p, base_len, &w, mp_fill_units);
	w.report = false;
	mp_walk(p, base_len, &w, mp_fill_ints);
	info->lapic_addr = le32(p + MPC_LAPIC);
	info->pic_present = true;
	return 0;
}
