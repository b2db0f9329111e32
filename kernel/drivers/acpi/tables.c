/*
 * drivers/acpi/tables.c — checking ACPI tables and reading the small ones (keel/acpi.h).
 *
 * Owns the rules for trusting a table: the RSDP (signature, v1 checksum over 20 bytes, and for
 * revision >= 2 its length and extended checksum), any SDT (length within what is readable,
 * checksum zero), and the fixed-layout tables keel reads: the RSDT/XSDT pointer lists, HPET,
 * MCFG and FADT. Every function is pure over a byte buffer and never reads past the length it
 * was given; host-tested in tests/unit/test_acpi.c.
 */
#include <keel/acpi.h>
#include <keel/errno.h>
#include <keel/log.h>
#include "internal.h"

/* RSDP layout. */
#define RSDP_OEM	9
#define RSDP_REVISION	15
#define RSDP_RSDT	16
#define RSDP_LENGTH	20
#define RSDP_XSDT	24

/* SDT header layout. */
#define SDT_LENGTH	4
#define SDT_REVISION	8

/* HPET table. */
#define HPET_ID		36
#define HPET_GAS_SPACE	40
#define HPET_ADDR	44
#define HPET_NUMBER	52
#define HPET_MIN_TICK	53
#define HPET_LEN	56
#define HPET_ID_COMPARATORS(id)	((((id) >> 8) & 0x1f) + 1)
#define HPET_ID_COUNT_64	(1u << 13)
#define HPET_ID_LEGACY		(1u << 15)

/* MCFG. */
#define MCFG_ENTRIES	44
#define MCFG_ENTRY_LEN	16

/* FADT fields keel reads, and the table's length when each first appeared. */
#define FADT_DSDT	40
#define FADT_SCI_INT	46
#define FADT_SMI_CMD	48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT	64
#define FADT_PM1B_CNT	68
#define FADT_PM_TMR	76
#define FADT_CENTURY	108
#define FADT_BOOT_ARCH	109
#define FADT_FLAGS	112
#define FADT_V1_LEN	116
#define FADT_RESET_REG	116		/* generic address structure, 12 bytes */
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT	140
#define FADT_X_PM1A_CNT	172
#define FADT_X_PM1B_CNT	184
#define FADT_FLAG_TMR_VAL_EXT	(1u << 8)
#define FADT_FLAG_RESET_REG_SUP	(1u << 10)

/* Generic address structure: space id, bit width, bit offset, access size, 64-bit address. */
#define GAS_LEN		12
#define GAS_SPACE_MEM	0
#define GAS_SPACE_IO	1

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

uint32_t acpi_table_len(const void *hdr)
{
	return le32((const uint8_t *)hdr + SDT_LENGTH);
}

bool acpi_table_ok(const void *buf, size_t avail, const char *sig)
{
	uint32_t len;

	if (avail < ACPI_SDT_HEADER_LEN || (sig && !sig_is(buf, sig)))
		return false;
	len = acpi_table_len(buf);
	return len >= ACPI_SDT_HEADER_LEN && len <= avail && acpi_checksum(buf, len) == 0;
}

int acpi_rsdp_check(const void *buf, size_t avail, struct acpi_rsdp *out)
{
	const uint8_t *p = buf;
	uint32_t len;

	if (avail < ACPI_RSDP_V1_LEN || !sig_is(p, "RSD ") || !sig_is(p + 4, "PTR ") ||
	    acpi_checksum(p, ACPI_RSDP_V1_LEN) != 0)
		return -EINVAL;
	*out = (struct acpi_rsdp){ .revision = p[RSDP_REVISION], .rsdt = le32(p + RSDP_RSDT) };
	for (int i = 0; i < 6; i++)
		out->oem[i] = (char)(p[RSDP_OEM + i] >= ' ' && p[RSDP_OEM + i] < 0x7f ?
				     p[RSDP_OEM + i] : '?');
	for (int i = 5; i >= 0 && out->oem[i] == ' '; i--)
		out->oem[i] = '\0';		/* "BOCHS " */
	if (out->revision >= 2) {
		len = avail >= ACPI_RSDP_V2_LEN ? le32(p + RSDP_LENGTH) : 0;
		if (len >= ACPI_RSDP_V2_LEN && len <= avail && acpi_checksum(p, len) == 0)
			out->xsdt = le64(p + RSDP_XSDT);
		else
			out->ext_bad = true;
	}
	return out->rsdt || out->xsdt ? 0 : -EINVAL;
}

ssize_t acpi_rsdp_scan(const void *buf, size_t len)
{
	struct acpi_rsdp r;

	for (size_t off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16)
		if (acpi_rsdp_check((const uint8_t *)buf + off, len - off, &r) == 0)
			return (ssize_t)off;
	return -1;
}

unsigned acpi_sdt_entries(const void *sdt, bool xsdt, uint64_t *out, unsigned max)
{
	const uint8_t *p = sdt;
	unsigned esize = xsdt ? 8 : 4;
	uint32_t len = acpi_table_len(sdt);
	unsigned n = (len - ACPI_SDT_HEADER_LEN) / esize;

	for (unsigned i = 0; i < n && i < max; i++) {
		const uint8_t *e = p + ACPI_SDT_HEADER_LEN + i * esize;

		out[i] = xsdt ? le64(e) : le32(e);
	}
	return n;
}

int acpi_hpet_parse(const void *hpet, size_t len, struct acpi_hpet *out)
{
	const uint8_t *p = hpet;
	uint32_t id;

	if (len < HPET_LEN || !sig_is(p, "HPET") || p[HPET_GAS_SPACE] != GAS_SPACE_MEM ||
	    le64(p + HPET_ADDR) == 0)
		return -EINVAL;
	id = le32(p + HPET_ID);
	*out = (struct acpi_hpet){
		.base = le64(p + HPET_ADDR),
		.comparators = HPET_ID_COMPARATORS(id),
		.min_tick = le16(p + HPET_MIN_TICK),
		.number = p[HPET_NUMBER],
		.counter_64bit = id & HPET_ID_COUNT_64,
		.legacy_capable = id & HPET_ID_LEGACY,
		.vendor = (uint16_t)(id >> 16),
	};
	return 0;
}

int acpi_mcfg_parse(const void *mcfg, size_t len, struct acpi_mcfg **segs, unsigned *n,
		    acpi_zalloc_fn zalloc)
{
	const uint8_t *p = mcfg;
	unsigned count, kept = 0;
	struct acpi_mcfg *s;

	*segs = NULL;
	*n = 0;
	if (len < MCFG_ENTRIES || !sig_is(p, "MCFG"))
		return -EINVAL;
	count = (unsigned)((len - MCFG_ENTRIES) / MCFG_ENTRY_LEN);
	if (!count)
		return 0;
	s = zalloc(count * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *e = p + MCFG_ENTRIES + i * MCFG_ENTRY_LEN;

		if (le64(e) == 0 || e[11] < e[10]) {
			pr_warn("acpi: MCFG entry %u (base %#lx, buses %u-%u) ignored\n", i,
				le64(e), e[10], e[11]);
			continue;
		}
		s[kept++] = (struct acpi_mcfg){ le64(e), le16(e + 8), e[10], e[11] };
	}
	*segs = s;
	*n = kept;
	return 0;
}

/* An I/O-space generic address at off, when the table is long enough and it is set. */
static uint32_t fadt_gas_port(const uint8_t *p, size_t len, size_t off)
{
	if (len < off + GAS_LEN || p[off] != GAS_SPACE_IO || le64(p + off + 4) > 0xffff)
		return 0;
	return (uint32_t)le64(p + off + 4);
}

int acpi_fadt_parse(const void *fadt, size_t len, struct acpi_fadt *out)
{
	const uint8_t *p = fadt;

	if (len < FADT_V1_LEN || !sig_is(p, "FACP"))
		return -EINVAL;
	*out = (struct acpi_fadt){
		.present = true,
		.revision = p[SDT_REVISION],
		.dsdt = le32(p + FADT_DSDT),
		.sci_irq = le16(p + FADT_SCI_INT),
		.smi_cmd = le32(p + FADT_SMI_CMD),
		.acpi_enable = p[FADT_ACPI_ENABLE],
		.pm1a_cnt = le32(p + FADT_PM1A_CNT),
		.pm1b_cnt = le32(p + FADT_PM1B_CNT),
		.pm_tmr = le32(p + FADT_PM_TMR),
		.century = p[FADT_CENTURY],
		.flags = le32(p + FADT_FLAGS),
	};
	out->pm_tmr_32bit = out->flags & FADT_FLAG_TMR_VAL_EXT;
	if (out->revision >= 2)		/* reserved in ACPI 1.0 */
		out->boot_arch = le16(p + FADT_BOOT_ARCH);
	if (len >= FADT_X_DSDT + 8 && le64(p + FADT_X_DSDT))
		out->dsdt = le64(p + FADT_X_DSDT);
	if (!out->pm1a_cnt)
		out->pm1a_cnt = fadt_gas_port(p, len, FADT_X_PM1A_CNT);
	if (!out->pm1b_cnt)
		out->pm1b_cnt = fadt_gas_port(p, len, FADT_X_PM1B_CNT);
	if ((out->flags & FADT_FLAG_RESET_REG_SUP) && len > FADT_RESET_VALUE &&
	    (p[FADT_RESET_REG] == GAS_SPACE_MEM || p[FADT_RESET_REG] == GAS_SPACE_IO) &&
	    le64(p + FADT_RESET_REG + 4)) {
		out->has_reset = true;
		out->reset_space = p[FADT_RESET_REG];
		out->reset_addr = le64(p + FADT_RESET_REG + 4);
		out->reset_value = p[FADT_RESET_VALUE];
	}
	return 0;
}
