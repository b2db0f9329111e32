/*
 * drivers/acpi/acpi.c — finding the firmware's tables at boot and filling acpi().
 *
 * Owns discovery: the RSDP from the Multiboot2 copy, else a scan of the EBDA's first KiB and
 * the BIOS ROM; the XSDT when the RSDP is revision 2+ and the XSDT verifies, else the RSDT;
 * then every listed table is mapped and verified (a bad one is ignored with a warning) and
 * the MADT, HPET, MCFG and FADT go to the pure parsers. Without ACPI, or without a usable
 * MADT, or with the boot word `acpi=off`, the MP tables (mptable.c) give the CPUs and
 * interrupt routing instead.
 *
 * Firmware memory is read through iomap(IOMAP_CACHED) only: tables sit in e820-reserved RAM
 * that the direct map does not cover, and iomap's mappings are permanent, so a pointer to a
 * table stays valid. A table address from firmware is mapped only if the memory map describes
 * every byte of it, so a wild pointer (beyond the physical address width, or into MMIO) is
 * refused instead of faulting.
 *
 * acpi_init runs once on the boot CPU before any other CPU starts; `info` is read-only after
 * it, which is why acpi() can hand it to any CPU without a lock.
 */
#include <keel/acpi.h>
#include <keel/boot.h>
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/iomap.h>
#include <keel/log.h>
#include <keel/memlayout.h>
#include <keel/memmap.h>
#include <keel/mm.h>
#include <keel/printf.h>
#include <keel/string.h>
#include "internal.h"

#define KiB		1024
#define TABLE_MAX_LEN	(16u << 20)	/* larger "tables" are corrupt lengths */
#define TABLES_MAX	256		/* RSDT/XSDT entries looked at */

static struct acpi_info info;
static bool acpi_off;

static int set_acpi(const char *v)
{
	if (!v || strcmp(v, "off") != 0)
		return -EINVAL;
	acpi_off = true;
	return 0;
}
CMDLINE_PARAM("acpi", set_acpi, "acpi=off (use the MP tables)");

const struct acpi_info *acpi(void)
{
	return &info;
}

/* True when the sanitized memory map describes every byte of [phys, phys+len). */
static bool in_memmap(phys_addr_t phys, size_t len)
{
	const struct memmap *m = mm_memmap();
	phys_addr_t cur = phys, end = phys + len;

	if (phys == 0 || end < phys)
		return false;
	for (unsigned i = 0; i < m->n && cur < end; i++)	/* sorted and disjoint */
		if (m->r[i].base <= cur && cur < m->r[i].end)
			cur = m->r[i].end;
	return cur >= end;
}

static const uint8_t *fw_map(phys_addr_t phys, size_t len)
{
	return iomap(phys, len, IOMAP_CACHED);
}

/* The signature at p as a printable string. */
static void sig_str(const uint8_t *p, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = p[i] >= ' ' && p[i] < 0x7f ? (char)p[i] : '?';
	out[4] = '\0';
}

/* ---- BIOS areas ---- */

struct found {
	phys_addr_t phys;
	const uint8_t *va;
	size_t avail;		/* readable bytes from va */
};

typedef ssize_t (*scan_fn)(const void *buf, size_t len);

static bool scan_area(phys_addr_t phys, size_t len, scan_fn scan, struct found *f)
{
	const uint8_t *p = fw_map(phys, len);
	ssize_t off = p ? scan(p, len) : -1;

	if (off < 0)
		return false;
	*f = (struct found){ phys + (size_t)off, p + off, len - (size_t)off };
	return true;
}

/* Reads a 16-bit word of the BIOS data area. */
static uint16_t bda_word(phys_addr_t phys)
{
	const uint8_t *p = fw_map(phys, 2);

	return p ? le16(p) : 0;
}

/* Searches the EBDA's first KiB, then (base_mem) the last KiB of base memory, then the BIOS
 * ROM, as the ACPI and MP specifications say. Never under UEFI: there is no BIOS data area
 * and the "ROM" range may be RAM holding anything, so only the loader's tags count. */
static bool bios_scan(scan_fn scan, bool base_mem, struct found *f)
{
	phys_addr_t ebda, top;

	if (boot_info.efi)
		return false;
	ebda = (phys_addr_t)bda_word(BIOS_EBDA_PTR_PHYS) << 4;
	top = (phys_addr_t)bda_word(BIOS_BASEMEM_KB_PHYS) * KiB;
	if (ebda >= PAGE_SIZE && ebda + KiB <= BIOS_BASEMEM_TOP && scan_area(ebda, KiB, scan, f))
		return true;
	if (top < PAGE_SIZE + KiB || top > BIOS_BASEMEM_TOP)
		top = BIOS_BASEMEM_TOP - KiB;	/* not said or implausible: 639 KiB */
	if (base_mem && scan_area(top - KiB, KiB, scan, f))
		return true;
	return scan_area(BIOS_ROM_PHYS, BIOS_ROM_END - BIOS_ROM_PHYS, scan, f);
}

/* ---- ACPI ---- */

static int find_rsdp(struct acpi_rsdp *r)
{
	struct found f;

	if (boot_info.has_rsdp_copy) {
		if (acpi_rsdp_check(boot_info.rsdp_copy, sizeof(boot_info.rsdp_copy), r) == 0)
			return 0;
		pr_warn("acpi: the bootloader's RSDP copy is invalid%s\n",
			boot_info.efi ? "" : "; searching the BIOS areas");
	}
	if (!bios_scan(acpi_rsdp_scan, false, &f))
		return -ENOENT;
	info.rsdp_phys = f.phys;
	return acpi_rsdp_check(f.va, f.avail, r);
}

/* Maps the SDT at phys and verifies it (signature want, if given); NULL after a warning. */
static const uint8_t *map_sdt(phys_addr_t phys, const char *want, uint32_t *len)
{
	const uint8_t *t;
	char sig[5];

	if (!in_memmap(phys, ACPI_SDT_HEADER_LEN)) {
		pr_warn("acpi: table pointer %#lx is outside the memory map; ignored\n", phys);
		return NULL;
	}
	if (!(t = fw_map(phys, ACPI_SDT_HEADER_LEN)))
		return NULL;
	sig_str(t, sig);
	*len = acpi_table_len(t);
	if (want && !sig_is(t, want)) {
		pr_warn("acpi: %s at %#lx: expected %s; ignored\n", sig, phys, want);
		return NULL;
	}
	if (*len < ACPI_SDT_HEADER_LEN || *len > TABLE_MAX_LEN || !in_memmap(phys, *len)) {
		pr_warn("acpi: %s at %#lx: implausible length %u; ignored\n", sig, phys, *len);
		return NULL;
	}
	if (!(t = fw_map(phys, *len)))
		return NULL;
	if (!acpi_table_ok(t, *len, NULL)) {
		pr_warn("acpi: %s at %#lx: bad checksum; ignored\n", sig, phys);
		return NULL;
	}
	return t;
}

/* Verifies the table at phys and records it in info.tables (room for it is the caller's). */
static void add_table(phys_addr_t phys, const char *want)
{
	const uint8_t *t;
	struct acpi_table *e;
	uint32_t len;

	for (unsigned i = 0; i < info.ntables; i++)
		if (info.tables[i].phys == phys)
			return;		/* listed twice */
	if (!(t = map_sdt(phys, want, &len))) {
		info.bad_tables++;
		return;
	}
	e = &info.tables[info.ntables++];
	sig_str(t, e->sig);
	e->revision = t[8];
	e->phys = phys;
	e->len = len;
	e->va = t;
}

const void *acpi_table_map(const char *sig, unsigned n, uint32_t *len)
{
	for (unsigned i = 0; i < info.ntables; i++) {
		if (strcmp(info.tables[i].sig, sig) != 0 || n-- != 0)
			continue;
		*len = info.tables[i].len;
		return info.tables[i].va;
	}
	return NULL;
}

/* Records every table the RSDT/XSDT lists, and the DSDT the FADT points to. */
static int walk_sdt(const uint8_t *sdt)
{
	unsigned n = acpi_sdt_entries(sdt, info.xsdt, NULL, 0);
	uint64_t *addr;
	uint32_t len;
	const void *fadt;

	if (n > TABLES_MAX) {
		pr_warn("acpi: %s lists %u tables; looking at the first %u\n",
			info.xsdt ? "XSDT" : "RSDT", n, TABLES_MAX);
		n = TABLES_MAX;
	}
	addr = kmalloc(MAX(n, 1u) * sizeof(*addr));
	info.tables = kzalloc((n + 1) * sizeof(*info.tables));
	if (!addr || !info.tables) {
		kfree(addr);
		return -ENOMEM;
	}
	acpi_sdt_entries(sdt, info.xsdt, addr, n);
	for (unsigned i = 0; i < n; i++)
		add_table(addr[i], NULL);
	kfree(addr);
	if ((fadt = acpi_table_map("FACP", 0, &len)) && acpi_fadt_parse(fadt, len, &info.fadt) == 0
	    && info.fadt.dsdt)
		add_table(info.fadt.dsdt, "DSDT");
	return 0;
}

static void parse_tables(void)
{
	const void *t;
	uint32_t len;
	int err;

	if ((t = acpi_table_map("APIC", 0, &len))) {
		err = acpi_madt_parse(t, len, &info, kzalloc);
		if (err) {
			pr_warn("acpi: MADT unusable (error %d); ignored\n", err);
			acpi_madt_release(&info, kfree);
		}
	}
	if ((t = acpi_table_map("HPET", 0, &len)) && acpi_hpet_parse(t, len, &info.hpet))
		pr_warn("acpi: HPET table without a memory-mapped block; ignored\n");
	if ((t = acpi_table_map("MCFG", 0, &len)) &&
	    acpi_mcfg_parse(t, len, &info.mcfg, &info.nmcfg, kzalloc))
		pr_warn("acpi: MCFG unusable; ignored\n");
}

static int acpi_from_tables(void)
{
	struct acpi_rsdp r;
	const uint8_t *sdt = NULL;
	uint32_t len;

	if (find_rsdp(&r))
		return -ENOENT;
	if (r.ext_bad)
		pr_warn("acpi: RSDP rev %u: extended part fails its checks; using the RSDT\n",
			r.revision);
	if (r.xsdt && (sdt = map_sdt(r.xsdt, "XSDT", &len)))
		info.xsdt = true;
	else if (r.rsdt)
		sdt = map_sdt(r.rsdt, "RSDT", &len);
	if (!sdt) {
		pr_warn("acpi: RSDP found but neither XSDT nor RSDT is usable\n");
		return -ENOENT;
	}
	info.source = ACPI_SRC_ACPI;
	info.rsdp_revision = r.revision;
	memcpy(info.oem, r.oem, sizeof(info.oem));
	if (walk_sdt(sdt))
		return -ENOMEM;
	parse_tables();
	return 0;
}

/* ---- MP tables ---- */

static int mp_from_tables(void)
{
	struct mp_floating mpf;
	struct found f;
	const uint8_t *cfg;
	uint32_t len;
	int err;

	if (!bios_scan(mp_floating_scan, true, &f) || mp_floating_check(f.va, f.avail, &mpf))
		return -ENOENT;
	if (!mpf.config) {
		pr_warn("mp: default configuration %u (no table) is not supported\n",
			mpf.default_config);
		return -ENOENT;
	}
	if (!in_memmap(mpf.config, MP_CONFIG_HEADER_LEN) ||
	    !(cfg = fw_map(mpf.config, MP_CONFIG_HEADER_LEN)) ||
	    (len = mp_config_len(cfg)) < MP_CONFIG_HEADER_LEN || !in_memmap(mpf.config, len) ||
	    !(cfg = fw_map(mpf.config, len))) {
		pr_warn("mp: configuration table at %#lx is unreadable; ignored\n", mpf.config);
		return -ENOENT;
	}
	err = mp_config_parse(cfg, len, &info, kzalloc);
	if (err) {
		pr_warn("mp: configuration table at %#lx: %s; ignored\n", mpf.config,
			err == -EINVAL ? "bad header or checksum" : "out of memory");
		acpi_madt_release(&info, kfree);
		return err;
	}
	info.imcr = mpf.imcr;
	pr_info("mp: MP spec 1.%u floating pointer at %#lx, table at %#lx%s\n", mpf.spec_rev,
		f.phys, mpf.config, mpf.imcr ? " (IMCR: PIC mode)" : "");
	return 0;
}

/* ---- summary ---- */

static void log_acpi(void)
{
	char list[TABLES_MAX * 5 / 4], where[32] = "from the bootloader";
	size_t used = 0;

	list[0] = '\0';
	for (unsigned i = 0; i < info.ntables && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, " %s", info.tables[i].sig);
	if (info.rsdp_phys)
		snprintf(where, sizeof(where), "at %#lx", info.rsdp_phys);
	pr_info("acpi: RSDP rev %u (%s) %s, %s:%s%s\n", info.rsdp_revision, info.oem, where,
		info.xsdt ? "XSDT" : "RSDT", list, info.bad_tables ? " (bad ones ignored)" : "");
	if (info.hpet.base)
		pr_info("acpi: HPET at %#lx, %u timers, %s counter, min tick %u\n", info.hpet.base,
			info.hpet.comparators, info.hpet.counter_64bit ? "64-bit" : "32-bit",
			info.hpet.min_tick);
	for (unsigned i = 0; i < info.nmcfg; i++)
		pr_info("acpi: MCFG segment %u buses %u-%u at %#lx\n", info.mcfg[i].segment,
			info.mcfg[i].bus_start, info.mcfg[i].bus_end, info.mcfg[i].base);
	if (info.fadt.present)
		pr_info("acpi: FADT rev %u: SCI IRQ %u, PM1a_CNT %#x, PM timer %#x, century %#x\n",
			info.fadt.revision, info.fadt.sci_irq, info.fadt.pm1a_cnt, info.fadt.pm_tmr,
			info.fadt.century);
}

static const char *plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

static void log_cpus(const char *from)
{
	unsigned nmis = info.nnmi_sources + info.nlapic_nmis;

	pr_info("%s: %u CPU%s (%u enabled%s), %u IOAPIC%s, %u override%s, %u NMI%s; "
		"local APIC at %#lx%s\n", from, info.ncpus, plural(info.ncpus), info.ncpus_enabled,
		info.ncpus_disabled ? ", some disabled ones ignored" : "", info.nioapics,
		plural(info.nioapics), info.noverrides, plural(info.noverrides), nmis, plural(nmis),
		info.lapic_addr, info.pic_present ? ", 8259s present" : "");
	for (unsigned i = 0; i < info.ncpus; i++)
		pr_debug("acpi:   CPU uid %u APIC id %u%s%s\n", info.cpus[i].uid,
			 info.cpus[i].apic_id, info.cpus[i].flags & ACPI_CPU_ENABLED ? "" : " (hot-plug)",
			 info.cpus[i].flags & ACPI_CPU_X2APIC ? " x2APIC" : "");
	for (unsigned i = 0; i < info.nioapics; i++)
		pr_debug("acpi:   IOAPIC id %u at %#lx, GSI base %u\n", info.ioapics[i].id,
			 info.ioapics[i].addr, info.ioapics[i].gsi_base);
	for (unsigned i = 0; i < info.noverrides; i++)
		pr_debug("acpi:   IRQ %u -> GSI %u flags %#x\n", info.overrides[i].irq,
			 info.overrides[i].gsi, info.overrides[i].flags);
	if (info.bad_entries)
		pr_warn("%s: %u malformed entries skipped\n", from, info.bad_entries);
}

int acpi_init(void)
{
	int err = acpi_off ? -ENOENT : acpi_from_tables();

	if (acpi_off)
		pr_info("acpi: off (boot word acpi=off)\n");
	else if (err)
		pr_info("acpi: no usable ACPI tables\n");
	else
		log_acpi();
	if (info.ncpus_enabled) {
		log_cpus("acpi: MADT");
		return 0;
	}
	if (info.source == ACPI_SRC_ACPI)
		pr_warn("acpi: no MADT, or one without an enabled CPU; trying the MP tables\n");
	acpi_madt_release(&info, kfree);
	if (mp_from_tables() == 0) {
		if (info.source == ACPI_SRC_NONE)
			info.source = ACPI_SRC_MPTABLE;
		log_cpus("mp");
		return 0;
	}
	if (info.source == ACPI_SRC_ACPI) {
		pr_warn("acpi: no MADT and no MP tables: the boot CPU is the only one known\n");
		return 0;
	}
	pr_warn("acpi: %s; the boot CPU is the only one known\n",
		acpi_off ? "no MP tables (and ACPI is off)" : "neither ACPI nor MP tables found");
	return -ENOENT;
}
