/*
 * drivers/acpi/internal.h — what the files of drivers/acpi share and nobody else needs.
 *
 * Reading little-endian fields at any offset: firmware tables are packed and their fields
 * unaligned; reading a byte at a time is well-defined C on every host, which the pure parsers
 * need for their host tests (no packed-struct casts, no alignment assumptions).
 *
 * Filling struct acpi_info's lists, shared by the MADT and MP table parsers: each parser
 * first counts what a table holds (an upper bound), has the lists allocated at that size,
 * then adds entries; the acpi_add_* helpers refuse duplicates and never pass the bound.
 */
#ifndef ACPI_INTERNAL_H
#define ACPI_INTERNAL_H

#include <keel/acpi.h>

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* True when the 4-byte signature at p is sig. */
static inline bool sig_is(const uint8_t *p, const char *sig)
{
	return p[0] == (uint8_t)sig[0] && p[1] == (uint8_t)sig[1] && p[2] == (uint8_t)sig[2] &&
	       p[3] == (uint8_t)sig[3];
}

struct acpi_counts {
	unsigned cpus, ioapics, overrides, nmi_sources, lapic_nmis;
};

/* Allocates info's lists with room for c's counts (none for a zero count). 0 or -ENOMEM;
 * either way acpi_madt_release frees what was allocated. */
int acpi_lists_alloc(struct acpi_info *info, const struct acpi_counts *c, acpi_zalloc_fn zalloc);
/* Counts a malformed entry; the first few are also logged (a garbage table must not flood
 * the console). */
void acpi_bad_entry(struct acpi_info *info, const char *table, size_t off, const char *why);

/* Each returns 0, -EEXIST for a duplicate (same APIC id, IOAPIC id or address, ISA IRQ), or
 * -E2BIG past the size in cap (the sizes acpi_lists_alloc was given). */
int acpi_add_cpu(struct acpi_info *info, const struct acpi_counts *cap, uint32_t apic_id,
		 uint32_t uid, uint32_t flags);
int acpi_add_ioapic(struct acpi_info *info, const struct acpi_counts *cap, uint32_t id,
		    phys_addr_t addr, uint32_t gsi_base);
int acpi_add_override(struct acpi_info *info, const struct acpi_counts *cap, uint8_t bus,
		      uint8_t irq, uint32_t gsi, uint16_t flags);
int acpi_add_nmi_source(struct acpi_info *info, const struct acpi_counts *cap, uint32_t gsi,
			uint16_t flags);
int acpi_add_lapic_nmi(struct acpi_info *info, const struct acpi_counts *cap, uint32_t uid,
		       uint8_t lint, uint16_t flags);

#endif
