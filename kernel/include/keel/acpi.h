/*
 * keel/acpi.h — what the firmware says about the machine: CPUs, interrupt controllers, timers.
 *
 * acpi_init() finds the ACPI tables (RSDP from the Multiboot2 copy or the BIOS areas, then the
 * XSDT or RSDT), keeps every table whose checksum verifies, and parses the MADT, HPET, MCFG and
 * FADT into one struct acpi_info. With no ACPI at all (or the boot word `acpi=off`) the Intel
 * MP tables fill the same struct. Nothing here is trusted: a table with a bad checksum is
 * ignored with a warning, a malformed entry is skipped, and no firmware data can make keel
 * fault or panic. No AML is interpreted.
 *
 * The parsers (acpi_checksum, acpi_rsdp_check, acpi_madt_parse, ...) are pure functions over a
 * byte buffer, host-tested in tests/unit/test_acpi.c; they take the allocator as an argument
 * because the host has no kmalloc. acpi.c maps the tables and feeds them in.
 *
 * After acpi_init() the struct is read-only; acpi() may be called from any CPU.
 */
#ifndef KEEL_ACPI_H
#define KEEL_ACPI_H

#include <keel/types.h>

#define ACPI_SDT_HEADER_LEN	36
#define ACPI_RSDP_V1_LEN	20
#define ACPI_RSDP_V2_LEN	36

/* cpus[].flags */
#define ACPI_CPU_ENABLED	(1u << 0)	/* usable now: start it */
#define ACPI_CPU_ONLINE_CAPABLE	(1u << 1)	/* may be enabled later (hot-plug); not started */
#define ACPI_CPU_X2APIC		(1u << 2)	/* listed by an x2APIC entry (type 9) */
#define ACPI_CPU_BSP		(1u << 3)	/* MP tables only: the firmware's boot processor */

/* MPS INTI flags (overrides, NMI sources): the same bits in ACPI and the MP tables. */
#define ACPI_INTI_POLARITY_MASK	0x3	/* 0 bus default, 1 active high, 3 active low */
#define ACPI_INTI_TRIGGER_MASK	0xc	/* 0 bus default, 4 edge, 0xc level */
#define ACPI_INTI_ACTIVE_HIGH	0x1
#define ACPI_INTI_ACTIVE_LOW	0x3
#define ACPI_INTI_EDGE		0x4
#define ACPI_INTI_LEVEL		0xc

/* lapic_nmis[].uid that means every processor. */
#define ACPI_NMI_ALL_CPUS	0xffffffffu

enum acpi_source { ACPI_SRC_NONE, ACPI_SRC_ACPI, ACPI_SRC_MPTABLE };

struct acpi_cpu {
	uint32_t apic_id;		/* local APIC id; x2APIC ids may exceed 255 */
	uint32_t uid;			/* ACPI processor UID (MP tables: the APIC id) */
	uint32_t flags;			/* ACPI_CPU_* */
};

struct acpi_ioapic {
	uint32_t id;
	uint32_t gsi_base;		/* first global system interrupt it handles */
	phys_addr_t addr;		/* MMIO registers */
};

/* ISA IRQ `irq` arrives on global system interrupt `gsi` with these INTI flags. */
struct acpi_irq_override {
	uint8_t bus;			/* 0 = ISA */
	uint8_t irq;
	uint16_t flags;			/* ACPI_INTI_* */
	uint32_t gsi;
};

/* A global system interrupt that is wired to NMI (MADT type 3). */
struct acpi_nmi_source {
	uint32_t gsi;
	uint16_t flags;
};

/* A local APIC LINT pin wired to NMI (MADT types 4 and 0xA). */
struct acpi_lapic_nmi {
	uint32_t uid;			/* matches cpus[].uid, or ACPI_NMI_ALL_CPUS */
	uint16_t flags;
	uint8_t lint;			/* 0 or 1 */
};

struct acpi_hpet {
	phys_addr_t base;		/* 0 when there is no HPET table */
	unsigned comparators;		/* number of timers */
	unsigned min_tick;		/* least periodic-mode tick, in counter ticks */
	uint8_t number;			/* HPET sequence number */
	bool counter_64bit, legacy_capable;
	uint16_t vendor;		/* PCI vendor id of the block */
};

/* One PCI Express ECAM region: config space of bus b is at base + ((b - bus_start) << 20). */
struct acpi_mcfg {
	phys_addr_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

/* What keel keeps from the FADT (no AML: no sleep types, so no S5 power-off from it yet). */
struct acpi_fadt {
	bool present;
	uint8_t revision;
	phys_addr_t dsdt;		/* the AML for later; 0 if none */
	uint16_t sci_irq;
	uint32_t smi_cmd;		/* port */
	uint8_t acpi_enable;		/* value for smi_cmd to hand ACPI to the OS */
	uint32_t pm1a_cnt, pm1b_cnt;	/* PM1 control ports (0: absent) */
	uint32_t pm_tmr;		/* ACPI PM timer port (0: absent) */
	bool pm_tmr_32bit;
	uint8_t century;		/* CMOS index of the century, 0 if none */
	uint16_t boot_arch;		/* IA-PC boot architecture flags (rev >= 2) */
	uint32_t flags;
	bool has_reset;			/* reset register: write reset_value there */
	uint8_t reset_space;		/* 0 memory, 1 I/O port */
	uint64_t reset_addr;
	uint8_t reset_value;
};

/* FADT boot_arch bits. */
#define ACPI_BOOT_LEGACY_DEVICES	(1u << 0)
#define ACPI_BOOT_8042		(1u << 1)
#define ACPI_BOOT_NO_VGA	(1u << 2)
#define ACPI_BOOT_NO_MSI	(1u << 3)
#define ACPI_BOOT_NO_CMOS_RTC	(1u << 5)

/* A table found through the RSDT/XSDT (or the FADT's DSDT) whose checksum verified. */
struct acpi_table {
	char sig[5];
	uint8_t revision;
	phys_addr_t phys;
	uint32_t len;
	const void *va;			/* where it is mapped, for good */
};

struct acpi_info {
	enum acpi_source source;
	/* ACPI only: */
	phys_addr_t rsdp_phys;		/* 0 when the RSDP came from the Multiboot2 copy */
	uint8_t rsdp_revision;
	char oem[7];
	bool xsdt;			/* tables listed by the XSDT (else the RSDT) */
	struct acpi_table *tables;
	unsigned ntables;
	unsigned bad_tables;		/* listed, but ignored for a bad checksum or length */
	/* MADT or MP tables: */
	phys_addr_t lapic_addr;
	bool pic_present;		/* dual 8259s present (MADT PCAT_COMPAT; MP: always) */
	bool imcr;			/* MP only: IMCR present, so the PICs are wired to the
					 * CPU until port 0x22/0x23 routes them to the APIC */
	struct acpi_cpu *cpus;		/* enabled and online-capable CPUs, firmware order */
	unsigned ncpus;			/* entries in cpus[] */
	unsigned ncpus_enabled;		/* those with ACPI_CPU_ENABLED */
	unsigned ncpus_disabled;	/* listed as neither enabled nor online-capable: dropped */
	struct acpi_ioapic *ioapics;
	unsigned nioapics;
	struct acpi_irq_override *overrides;
	unsigned noverrides;
	struct acpi_nmi_source *nmi_sources;
	unsigned nnmi_sources;
	struct acpi_lapic_nmi *lapic_nmis;
	unsigned nlapic_nmis;
	unsigned bad_entries;		/* MADT/MP entries skipped as malformed */
	/* other tables: */
	struct acpi_hpet hpet;
	struct acpi_mcfg *mcfg;
	unsigned nmcfg;
	struct acpi_fadt fadt;
};

/* Finds and parses the firmware tables. Returns 0, or -ENOENT when the machine has neither
 * ACPI nor MP tables (acpi() is then all zero). Never panics on firmware data. Once, at boot,
 * on the boot CPU, after the heap is up. */
int acpi_init(void);
/* The parsed tables; never NULL (all zero before acpi_init or without tables). */
const struct acpi_info *acpi(void);
/* The n-th (from 0) verified table with this signature, mapped, and its length; NULL if there
 * is none. */
const void *acpi_table_map(const char *sig, unsigned n, uint32_t *len);

/* ---- pure parsers (host-tested) ---- */

typedef void *(*acpi_zalloc_fn)(size_t size);
typedef void (*acpi_free_fn)(void *p);

/* Sum of len bytes modulo 256; a table is intact when the sum over it is 0. */
uint8_t acpi_checksum(const void *p, size_t len);
/* True when buf (avail bytes) holds a complete SDT with signature sig (NULL: any), a length
 * field of at least the header and at most avail, and a zero checksum. */
bool acpi_table_ok(const void *buf, size_t avail, const char *sig);
/* Length field of an SDT header (the caller has at least ACPI_SDT_HEADER_LEN bytes). */
uint32_t acpi_table_len(const void *hdr);

struct acpi_rsdp {
	uint8_t revision;
	char oem[7];
	phys_addr_t rsdt;		/* 0 if none */
	phys_addr_t xsdt;		/* 0 if none or the extended checksum is bad */
	bool ext_bad;			/* revision >= 2 but the extended part failed its checks */
};
/* Checks an RSDP candidate of avail bytes: signature and v1 checksum, and for revision >= 2
 * the length and extended checksum. Returns 0 and fills *out, or -EINVAL. */
int acpi_rsdp_check(const void *buf, size_t avail, struct acpi_rsdp *out);
/* Offset of the first valid RSDP on a 16-byte boundary in buf, or -1. */
ssize_t acpi_rsdp_scan(const void *buf, size_t len);

/* Physical addresses listed by an RSDT (4-byte entries) or XSDT (8-byte); returns how many
 * the table holds, storing at most max of them in out. The table is assumed verified. */
unsigned acpi_sdt_entries(const void *sdt, bool xsdt, uint64_t *out, unsigned max);

/* Parses a verified MADT of len bytes into info's CPU, IOAPIC, override and NMI arrays and
 * lapic_addr/pic_present (which must be empty). Entries that are truncated, of length < 2,
 * duplicated or invalid are counted in bad_entries and skipped (a length below 2 ends the
 * walk); unknown types are skipped silently. Returns 0, -EINVAL (not a MADT) or -ENOMEM;
 * after either 0 or -ENOMEM, acpi_madt_release frees the arrays. */
int acpi_madt_parse(const void *madt, size_t len, struct acpi_info *info, acpi_zalloc_fn zalloc);
/* Frees what the MADT or MP parser allocated, and zeroes those fields. */
void acpi_madt_release(struct acpi_info *info, acpi_free_fn free);

int acpi_hpet_parse(const void *hpet, size_t len, struct acpi_hpet *out);
/* Fills *segs (allocated, *n entries) from an MCFG. Returns 0, -EINVAL or -ENOMEM. */
int acpi_mcfg_parse(const void *mcfg, size_t len, struct acpi_mcfg **segs, unsigned *n,
		    acpi_zalloc_fn zalloc);
int acpi_fadt_parse(const void *fadt, size_t len, struct acpi_fadt *out);

/* Intel MultiProcessor tables. */
struct mp_floating {
	phys_addr_t config;		/* physical address of the configuration table, 0 if none */
	uint8_t spec_rev;
	uint8_t default_config;		/* non-zero: a default configuration without a table */
	bool imcr;			/* IMCR present: PIC mode at boot */
};
/* Checks a 16-byte "_MP_" floating pointer. Returns 0 and fills *out, or -EINVAL. */
int mp_floating_check(const void *buf, size_t avail, struct mp_floating *out);
/* Offset of the first valid floating pointer on a 16-byte boundary in buf, or -1. */
ssize_t mp_floating_scan(const void *buf, size_t len);
#define MP_CONFIG_HEADER_LEN	44
/* Length of a "PCMP" configuration table from its header (MP_CONFIG_HEADER_LEN bytes), 0 if
 * the signature is wrong. */
uint32_t mp_config_len(const void *hdr);
/* Parses a configuration table (base table, checksum verified here) into info like
 * acpi_madt_parse (release it the same way). I/O interrupt entries from ISA that do not map
 * IRQ n to GSI n with default flags become overrides; IOAPIC GSI bases assume 24 pins per
 * IOAPIC, in table order. info->imcr comes from the floating pointer: the caller sets it. */
int mp_config_parse(const void *cfg, size_t len, struct acpi_info *info, acpi_zalloc_fn zalloc);

#endif
