/*
 * tests/unit/test_acpi.c — drivers/acpi: checksums, RSDP, RSDT/XSDT, MADT, HPET, MCFG, FADT and
 * the MP tables, fed crafted firmware tables.
 *
 * A small builder writes tables byte by byte the way firmware lays them out (little-endian,
 * unaligned, checksum fixed last), so each test states the bytes that matter and nothing
 * else. Malformed tables (zero-length entries, truncation, duplicates, garbage) must be
 * survived: the parsers keep what is valid, count what is not, and never read past the
 * buffer (AddressSanitizer would say so). Parsed lists are freed after each test, so a leak
 * fails the binary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/acpi.h>
#include <keel/errno.h>
#include "stubs.h"

/* ---- a table builder ---- */

struct tb {
	uint8_t b[8192];
	size_t len;
};

/* Appends v as `bytes` little-endian bytes; past 8 bytes, v's low byte is repeated. */
static void put(struct tb *t, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		t->b[t->len++] = (uint8_t)(i < 8 ? v >> (8 * i) : v);
}

static void put_str(struct tb *t, const char *s, unsigned n)
{
	memcpy(t->b + t->len, s, n);
	t->len += n;
}

static void sdt_begin(struct tb *t, const char *sig, uint8_t revision)
{
	memset(t, 0, sizeof(*t));
	put_str(t, sig, 4);
	put(t, 0, 4);			/* length, set by sdt_end */
	put(t, revision, 1);
	put(t, 0, 1);			/* checksum */
	put_str(t, "KEELFW", 6);
	put_str(t, "UNITTEST", 8);
	put(t, 1, 4);
	put(t, 0x4c45454b, 4);
	put(t, 1, 4);
}

static void set_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0x100 - acpi_checksum(p, len));
}

static void sdt_end(struct tb *t)
{
	set_le32(t->b + 4, (uint32_t)t->len);
	fix_checksum(t->b, t->len, 9);
}

/* MADT entries. */
static void madt_begin(struct tb *t, uint32_t lapic, uint32_t flags)
{
	sdt_begin(t, "APIC", 3);
	put(t, lapic, 4);
	put(t, flags, 4);
}

static void e_lapic(struct tb *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	put(t, 0, 1); put(t, 8, 1); put(t, uid, 1); put(t, id, 1); put(t, flags, 4);
}

static void e_x2apic(struct tb *t, uint32_t id, uint32_t flags, uint32_t uid)
{
	put(t, 9, 1); put(t, 16, 1); put(t, 0, 2); put(t, id, 4); put(t, flags, 4); put(t, uid, 4);
}

static void e_ioapic(struct tb *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
	put(t, 1, 1); put(t, 12, 1); put(t, id, 1); put(t, 0, 1); put(t, addr, 4); put(t, gsi, 4);
}

static void e_iso(struct tb *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	put(t, 2, 1); put(t, 10, 1); put(t, 0, 1); put(t, irq, 1); put(t, gsi, 4); put(t, flags, 2);
}

static void e_nmi_src(struct tb *t, uint16_t flags, uint32_t gsi)
{
	put(t, 3, 1); put(t, 8, 1); put(t, flags, 2); put(t, gsi, 4);
}

static void e_lapic_nmi(struct tb *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
	put(t, 4, 1); put(t, 6, 1); put(t, uid, 1); put(t, flags, 2); put(t, lint, 1);
}

static void e_x2apic_nmi(struct tb *t, uint16_t flags, uint32_t uid, uint8_t lint)
{
	put(t, 0xa, 1); put(t, 12, 1); put(t, flags, 2); put(t, uid, 4); put(t, lint, 1);
	put(t, 0, 3);
}

static void e_lapic_override(struct tb *t, uint64_t addr)
{
	put(t, 5, 1); put(t, 12, 1); put(t, 0, 2); put(t, addr, 8);
}

/* ---- allocation ---- */

static void *test_zalloc(size_t n)
{
	return calloc(1, n);
}

static int allocs_left;

static void *failing_zalloc(size_t n)
{
	return allocs_left-- > 0 ? calloc(1, n) : NULL;
}

static struct acpi_info info;

static int reset(void **state)
{
	(void)state;
	memset(&info, 0, sizeof(info));
	log_reset();
	return 0;
}

static int release(void **state)
{
	(void)state;
	acpi_madt_release(&info, free);
	free(info.mcfg);
	return 0;
}

static void parse_madt(struct tb *t)
{
	sdt_end(t);
	assert_true(acpi_table_ok(t->b, t->len, "APIC"));
	assert_int_equal(acpi_madt_parse(t->b, t->len, &info, test_zalloc), 0);
}

static void assert_cpu(unsigned i, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	if (i >= info.ncpus)
		fail_msg("expected a CPU %u (APIC id %u); only %u CPUs parsed", i, apic_id, info.ncpus);
	if (info.cpus[i].apic_id != apic_id || info.cpus[i].uid != uid ||
	    info.cpus[i].flags != flags)
		fail_msg("CPU %u: expected APIC id %u uid %u flags %#x, got %u/%u/%#x", i, apic_id,
			 uid, flags, info.cpus[i].apic_id, info.cpus[i].uid, info.cpus[i].flags);
}

/* ---- checksums and the RSDP ---- */

static void checksum_is_the_byte_sum_modulo_256(void **state)
{
	uint8_t b[] = { 0x80, 0x80, 0x01, 0xff };

	(void)state;
	assert_int_equal(acpi_checksum(b, 0), 0);
	assert_int_equal(acpi_checksum(b, 2), 0);
	assert_int_equal(acpi_checksum(b, 4), 0);
	assert_int_equal(acpi_checksum(b, 3), 1);
}

static void table_with_a_flipped_byte_fails_its_checksum(void **state)
{
	struct tb t;

	(void)state;
	sdt_begin(&t, "HPET", 1);
	put(&t, 0x1234, 4);
	sdt_end(&t);
	assert_true(acpi_table_ok(t.b, t.len, "HPET"));
	assert_true(acpi_table_ok(t.b, t.len, NULL));
	t.b[37] ^= 0x40;
	assert_false(acpi_table_ok(t.b, t.len, "HPET"));
}

static void table_length_must_fit_the_buffer_and_hold_a_header(void **state)
{
	struct tb t;

	(void)state;
	sdt_begin(&t, "MCFG", 1);
	put(&t, 0, 8);
	sdt_end(&t);
	assert_false(acpi_table_ok(t.b, t.len - 1, "MCFG"));	/* length says more than given */
	assert_false(acpi_table_ok(t.b, 20, "MCFG"));		/* not even a header */
	set_le32(t.b + 4, 30);					/* length below the header */
	fix_checksum(t.b, 30, 9);
	assert_false(acpi_table_ok(t.b, t.len, "MCFG"));
	assert_false(acpi_table_ok(t.b, t.len, "APIC"));
}

/* An RSDP of the given revision; for revision >= 2 the 36-byte extended form. */
static void make_rsdp(uint8_t *r, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "KEELFW", 6);
	r[15] = revision;
	set_le32(r + 16, rsdt);
	set_le32(r + 20, 36);
	set_le32(r + 24, (uint32_t)xsdt);
	set_le32(r + 28, (uint32_t)(xsdt >> 32));
	fix_checksum(r, 20, 8);
	fix_checksum(r, 36, 32);
}

static void rsdp_v1_gives_the_rsdt_and_no_xsdt(void **state)
{
	uint8_t r[36];
	struct acpi_rsdp out;

	(void)state;
	make_rsdp(r, 0, 0x7fe1000, 0);
	assert_int_equal(acpi_rsdp_check(r, 20, &out), 0);
	assert_int_equal(out.revision, 0);
	assert_int_equal(out.rsdt, 0x7fe1000);
	assert_int_equal(out.xsdt, 0);
	assert_false(out.ext_bad);
	assert_string_equal(out.oem, "KEELFW");
}

static void rsdp_v2_gives_the_xsdt_above_4g(void **state)
{
	uint8_t r[36];
	struct acpi_rsdp out;

	(void)state;
	make_rsdp(r, 2, 0x7fe1000, 0x1234567000ULL);
	assert_int_equal(acpi_rsdp_check(r, sizeof(r), &out), 0);
	assert_int_equal(out.xsdt, 0x1234567000ULL);
	assert_int_equal(out.rsdt, 0x7fe1000);
	assert_false(out.ext_bad);
}

static void rsdp_v2_with_a_bad_extended_checksum_falls_back_to_the_rsdt(void **state)
{
	uint8_t r[36];
	struct acpi_rsdp out;

	(void)state;
	make_rsdp(r, 2, 0x7fe1000, 0x7fe2000);
	r[33] ^= 1;			/* reserved byte: only the extended checksum covers it */
	assert_int_equal(acpi_rsdp_check(r, sizeof(r), &out), 0);
	assert_true(out.ext_bad);
	assert_int_equal(out.xsdt, 0);
	assert_int_equal(out.rsdt, 0x7fe1000);
	/* A v2 RSDP cut to its v1 part (a short bootloader copy) is treated the same way. */
	make_rsdp(r, 2, 0x7fe1000, 0x7fe2000);
	assert_int_equal(acpi_rsdp_check(r, 20, &out), 0);
	assert_true(out.ext_bad);
	assert_int_equal(out.xsdt, 0);
}

static void rsdp_with_a_bad_v1_checksum_or_signature_is_rejected(void **state)
{
	uint8_t r[36];
	struct acpi_rsdp out;

	(void)state;
	make_rsdp(r, 2, 0x7fe1000, 0x7fe2000);
	r[16] ^= 0x10;
	assert_int_equal(acpi_rsdp_check(r, sizeof(r), &out), -EINVAL);
	make_rsdp(r, 0, 0x7fe1000, 0);
	r[3] = 'X';
	fix_checksum(r, 20, 8);
	assert_int_equal(acpi_rsdp_check(r, sizeof(r), &out), -EINVAL);
	make_rsdp(r, 0, 0, 0);		/* valid, but points nowhere */
	assert_int_equal(acpi_rsdp_check(r, sizeof(r), &out), -EINVAL);
}

static void rsdp_scan_looks_only_at_16_byte_boundaries(void **state)
{
	static uint8_t area[256];
	uint8_t r[36];

	(void)state;
	memset(area, 0xaa, sizeof(area));
	make_rsdp(area + 40, 0, 0x1000, 0);	/* misaligned: not an RSDP */
	assert_int_equal(acpi_rsdp_scan(area, sizeof(area)), -1);
	make_rsdp(area + 96, 0, 0x1000, 0);
	assert_int_equal(acpi_rsdp_scan(area, sizeof(area)), 96);
	/* One ending exactly at the end of the area is found; one cut by it is not. */
	memset(area, 0, sizeof(area));
	make_rsdp(r, 0, 0x1000, 0);
	memcpy(area + 224, r, 20);
	assert_int_equal(acpi_rsdp_scan(area, 244), 224);
	assert_int_equal(acpi_rsdp_scan(area, 243), -1);
}

static void rsdt_and_xsdt_entries_are_read_at_any_alignment(void **state)
{
	struct tb t;
	uint64_t out[4] = { 0 };

	(void)state;
	sdt_begin(&t, "XSDT", 1);
	put(&t, 0x7fe1000, 8);
	put(&t, 0xfedcba9876543210ULL, 8);
	put(&t, 0xdead, 3);		/* a partial entry is not an entry */
	sdt_end(&t);
	assert_int_equal(acpi_sdt_entries(t.b, true, out, 4), 2);
	assert_int_equal(out[0], 0x7fe1000);
	assert_int_equal(out[1], 0xfedcba9876543210ULL);
	sdt_begin(&t, "RSDT", 1);
	for (uint32_t i = 0; i < 5; i++)
		put(&t, 0x1000 * (i + 1), 4);
	sdt_end(&t);
	assert_int_equal(acpi_sdt_entries(t.b, false, out, 2), 5);	/* all counted, 2 stored */
	assert_int_equal(out[0], 0x1000);
	assert_int_equal(out[1], 0x2000);
}

/* ---- MADT ---- */

/* What QEMU's i440fx machine gives with -smp 2. */
static void madt_like_qemus_is_parsed_completely(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 1);
	e_lapic(&t, 0, 0, 1);
	e_lapic(&t, 1, 1, 1);
	e_ioapic(&t, 0, 0xfec00000, 0);
	e_iso(&t, 0, 2, 0);
	e_iso(&t, 5, 5, 0xd);
	e_iso(&t, 9, 9, 0xd);
	e_iso(&t, 10, 10, 0xd);
	e_iso(&t, 11, 11, 0xd);
	e_lapic_nmi(&t, 0xff, 0, 1);
	parse_madt(&t);
	assert_int_equal(info.lapic_addr, 0xfee00000);
	assert_true(info.pic_present);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.ncpus_enabled, 2);
	assert_cpu(0, 0, 0, ACPI_CPU_ENABLED);
	assert_cpu(1, 1, 1, ACPI_CPU_ENABLED);
	assert_int_equal(info.nioapics, 1);
	assert_int_equal(info.ioapics[0].addr, 0xfec00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.noverrides, 5);
	assert_int_equal(info.overrides[0].irq, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[1].flags, ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_LEVEL);
	assert_int_equal(info.nlapic_nmis, 1);
	assert_int_equal(info.lapic_nmis[0].uid, ACPI_NMI_ALL_CPUS);
	assert_int_equal(info.lapic_nmis[0].lint, 1);
	assert_int_equal(info.bad_entries, 0);
	assert_int_equal(log_lines, 0);
}

static void madt_entry_of_length_zero_ends_the_walk_without_looping(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	e_lapic(&t, 0, 0, 1);
	put(&t, 0, 1); put(&t, 0, 1);	/* type 0, length 0 */
	e_lapic(&t, 1, 1, 1);		/* unreachable */
	parse_madt(&t);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.bad_entries, 1);
	assert_logged("length below 2");
	assert_false(info.pic_present);
}

static void madt_entry_of_length_one_ends_the_walk(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	put(&t, 0x7f, 1); put(&t, 1, 1);
	e_lapic(&t, 1, 1, 1);
	parse_madt(&t);
	assert_int_equal(info.ncpus, 0);
	assert_int_equal(info.bad_entries, 1);
}

static void madt_entry_running_past_the_table_is_not_read(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	e_lapic(&t, 0, 0, 1);
	e_x2apic(&t, 0x1000, 1, 7);
	t.len -= 6;			/* the x2APIC entry is cut short by the table's end */
	parse_madt(&t);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.bad_entries, 1);
	assert_logged("runs past the end");
	/* A single stray byte after the last entry is also reported, not read as a header. */
	release(state);
	reset(state);
	madt_begin(&t, 0xfee00000, 0);
	e_lapic(&t, 0, 0, 1);
	put(&t, 0, 1);
	parse_madt(&t);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.bad_entries, 1);
}

static void madt_entry_too_short_for_its_type_is_skipped_and_the_walk_goes_on(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	put(&t, 1, 1); put(&t, 8, 1); put(&t, 0, 6);	/* IOAPIC with 8 of its 12 bytes */
	put(&t, 9, 1); put(&t, 12, 1); put(&t, 0x300, 4); put(&t, 1, 4); put(&t, 0, 2);
	e_lapic(&t, 3, 3, 1);
	parse_madt(&t);
	assert_int_equal(info.nioapics, 0);
	assert_int_equal(info.ncpus, 1);
	assert_cpu(0, 3, 3, ACPI_CPU_ENABLED);
	assert_int_equal(info.bad_entries, 2);
	assert_logged("too short for its type");
}

static void madt_unknown_and_longer_entries_are_stepped_over(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	put(&t, 0xb, 1); put(&t, 80, 1); put(&t, 0x55, 78);	/* GICC: not x86 */
	put(&t, 0x7f, 1); put(&t, 2, 1);			/* OEM type, empty */
	put(&t, 0, 1); put(&t, 10, 1); put(&t, 4, 1); put(&t, 4, 1); put(&t, 1, 4);
	put(&t, 0xeeee, 2);				/* a LAPIC entry 2 bytes longer */
	e_ioapic(&t, 2, 0xfec00000, 0);
	parse_madt(&t);
	assert_int_equal(info.ncpus, 1);
	assert_cpu(0, 4, 4, ACPI_CPU_ENABLED);
	assert_int_equal(info.nioapics, 1);
	assert_int_equal(info.bad_entries, 0);
	assert_int_equal(log_lines, 0);
}

static void madt_x2apic_ids_above_255_are_kept_whole(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	e_lapic(&t, 0, 0, 1);
	e_x2apic(&t, 256, 1, 256);
	e_x2apic(&t, 0x12345678, 1, 9);
	e_x2apic_nmi(&t, 0x5, 256, 0);
	e_x2apic_nmi(&t, 0, 0xffffffff, 1);
	parse_madt(&t);
	assert_int_equal(info.ncpus, 3);
	assert_cpu(1, 256, 256, ACPI_CPU_ENABLED | ACPI_CPU_X2APIC);
	assert_cpu(2, 0x12345678, 9, ACPI_CPU_ENABLED | ACPI_CPU_X2APIC);
	assert_int_equal(info.nlapic_nmis, 2);
	assert_int_equal(info.lapic_nmis[0].uid, 256);
	assert_int_equal(info.lapic_nmis[0].flags, 5);
	assert_int_equal(info.lapic_nmis[1].uid, ACPI_NMI_ALL_CPUS);
	assert_int_equal(info.lapic_nmis[1].lint, 1);
}

static void madt_disabled_cpus_are_dropped_and_online_capable_ones_kept(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	e_lapic(&t, 0, 0, 1);
	e_lapic(&t, 1, 1, 0);		/* not present */
	e_lapic(&t, 2, 2, 2);		/* hot-pluggable */
	e_x2apic(&t, 300, 0, 3);	/* not present */
	e_lapic(&t, 4, 4, 3);		/* both bits: enabled wins */
	parse_madt(&t);
	assert_int_equal(info.ncpus, 3);
	assert_int_equal(info.ncpus_enabled, 2);
	assert_int_equal(info.ncpus_disabled, 2);
	assert_cpu(0, 0, 0, ACPI_CPU_ENABLED);
	assert_cpu(1, 2, 2, ACPI_CPU_ONLINE_CAPABLE);
	assert_cpu(2, 4, 4, ACPI_CPU_ENABLED);
	assert_int_equal(info.bad_entries, 0);
}

static void madt_duplicate_and_broadcast_apic_ids_are_refused(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	e_lapic(&t, 0, 0, 1);
	e_x2apic(&t, 0, 1, 0);		/* the same CPU listed again as x2APIC */
	e_lapic(&t, 1, 0xff, 1);
	e_x2apic(&t, 0xffffffff, 1, 2);
	e_lapic(&t, 3, 1, 1);
	parse_madt(&t);
	assert_int_equal(info.ncpus, 2);
	assert_cpu(0, 0, 0, ACPI_CPU_ENABLED);
	assert_cpu(1, 1, 3, ACPI_CPU_ENABLED);
	assert_int_equal(info.bad_entries, 3);
	assert_logged("already listed");
	assert_logged("broadcast");
}

static void madt_address_override_replaces_the_32_bit_local_apic_address(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 1);
	e_lapic(&t, 0, 0, 1);
	e_lapic_override(&t, 0x10fee00000ULL);
	parse_madt(&t);
	assert_int_equal(info.lapic_addr, 0x10fee00000ULL);
}

static void madt_bad_ioapics_overrides_and_nmi_pins_are_refused(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	e_ioapic(&t, 0, 0xfec00000, 0);
	e_ioapic(&t, 1, 0, 24);		/* address 0 */
	e_ioapic(&t, 0, 0xfec01000, 24);	/* id again */
	e_ioapic(&t, 2, 0xfec01000, 24);
	e_iso(&t, 0, 2, 0);
	e_iso(&t, 0, 3, 0);		/* IRQ 0 again */
	e_nmi_src(&t, 0xd, 23);
	e_lapic_nmi(&t, 0, 0, 2);	/* LINT2 does not exist */
	parse_madt(&t);
	assert_int_equal(info.nioapics, 2);
	assert_int_equal(info.ioapics[1].id, 2);
	assert_int_equal(info.ioapics[1].gsi_base, 24);
	assert_int_equal(info.noverrides, 1);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.nnmi_sources, 1);
	assert_int_equal(info.nmi_sources[0].gsi, 23);
	assert_int_equal(info.nmi_sources[0].flags, 0xd);
	assert_int_equal(info.nlapic_nmis, 0);
	assert_int_equal(info.bad_entries, 4);
}

static void madt_warnings_stop_after_a_few_but_counting_goes_on(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	for (int i = 0; i < 100; i++) {
		put(&t, 0, 1); put(&t, 4, 1); put(&t, 0, 2);	/* LAPIC of 4 bytes */
	}
	parse_madt(&t);
	assert_int_equal(info.bad_entries, 100);
	assert_true(log_lines <= 6);
	assert_logged("no longer logged");
}

static void madt_with_a_wrong_signature_or_no_room_for_its_header_is_refused(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	sdt_end(&t);
	assert_int_equal(acpi_madt_parse(t.b, 40, &info, test_zalloc), -EINVAL);
	memcpy(t.b, "APIX", 4);
	assert_int_equal(acpi_madt_parse(t.b, t.len, &info, test_zalloc), -EINVAL);
	memcpy(t.b, "APIC", 4);		/* header only, no entries: valid and empty */
	assert_int_equal(acpi_madt_parse(t.b, t.len, &info, test_zalloc), 0);
	assert_int_equal(info.ncpus, 0);
	assert_null(info.cpus);
}

static void madt_out_of_memory_is_an_error_and_release_frees_the_rest(void **state)
{
	struct tb t;

	(void)state;
	madt_begin(&t, 0xfee00000, 0);
	e_lapic(&t, 0, 0, 1);
	e_ioapic(&t, 0, 0xfec00000, 0);
	e_iso(&t, 0, 2, 0);
	sdt_end(&t);
	allocs_left = 2;		/* CPUs and IOAPICs, then none for the overrides */
	assert_int_equal(acpi_madt_parse(t.b, t.len, &info, failing_zalloc), -ENOMEM);
	acpi_madt_release(&info, free);	/* LeakSanitizer checks the two that succeeded */
	assert_null(info.cpus);
	assert_int_equal(info.ncpus, 0);
}

/* Random entries after a valid header: whatever comes, the lists keep their invariants. */
static void madt_of_random_bytes_keeps_the_lists_consistent(void **state)
{
	struct tb t;
	uint32_t seed = 12345;

	for (int round = 0; round < 500; round++) {
		size_t n;

		reset(state);
		madt_begin(&t, 0xfee00000, 1);
		seed = seed * 1103515245 + 12345;
		n = (seed >> 8) % 300;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			/* odd rounds: only small bytes, so known types and sane lengths occur */
			put(&t, (seed >> 16) % (round % 2 ? 20 : 256), 1);
		}
		parse_madt(&t);
		for (unsigned i = 0; i < info.ncpus; i++) {
			assert_true(info.cpus[i].flags & (ACPI_CPU_ENABLED | ACPI_CPU_ONLINE_CAPABLE));
			for (unsigned j = 0; j < i; j++)
				assert_int_not_equal(info.cpus[i].apic_id, info.cpus[j].apic_id);
		}
		for (unsigned i = 0; i < info.nlapic_nmis; i++)
			assert_true(info.lapic_nmis[i].lint <= 1);
		release(state);
	}
}

/* ---- HPET, MCFG, FADT ---- */

static void make_hpet(struct tb *t, uint32_t id, uint8_t space, uint64_t base)
{
	sdt_begin(t, "HPET", 1);
	put(t, id, 4);
	put(t, space, 1); put(t, 64, 1); put(t, 0, 1); put(t, 0, 1); put(t, base, 8);
	put(t, 0, 1);			/* HPET number */
	put(t, 0x80, 2);		/* minimum tick */
	put(t, 0, 1);
	sdt_end(t);
}

static void hpet_table_gives_base_comparators_and_counter_width(void **state)
{
	struct tb t;
	struct acpi_hpet h;

	(void)state;
	make_hpet(&t, 0x8086a201, 0, 0xfed00000);
	assert_int_equal(acpi_hpet_parse(t.b, t.len, &h), 0);
	assert_int_equal(h.base, 0xfed00000);
	assert_int_equal(h.comparators, 3);
	assert_true(h.counter_64bit);
	assert_true(h.legacy_capable);
	assert_int_equal(h.vendor, 0x8086);
	assert_int_equal(h.min_tick, 0x80);
	make_hpet(&t, 0x10de0001 | (7 << 8), 0, 0xfed00000);	/* 8 timers, 32-bit */
	assert_int_equal(acpi_hpet_parse(t.b, t.len, &h), 0);
	assert_int_equal(h.comparators, 8);
	assert_false(h.counter_64bit);
}

static void hpet_outside_memory_space_or_at_zero_or_short_is_refused(void **state)
{
	struct tb t;
	struct acpi_hpet h;

	(void)state;
	make_hpet(&t, 0x8086a201, 1, 0xfed00000);	/* I/O space */
	assert_int_equal(acpi_hpet_parse(t.b, t.len, &h), -EINVAL);
	make_hpet(&t, 0x8086a201, 0, 0);
	assert_int_equal(acpi_hpet_parse(t.b, t.len, &h), -EINVAL);
	make_hpet(&t, 0x8086a201, 0, 0xfed00000);
	assert_int_equal(acpi_hpet_parse(t.b, 52, &h), -EINVAL);
}

static void mcfg_keeps_valid_segments_and_drops_bad_ones(void **state)
{
	struct tb t;

	(void)state;
	sdt_begin(&t, "MCFG", 1);
	put(&t, 0, 8);
	put(&t, 0xb0000000, 8); put(&t, 0, 2); put(&t, 0, 1); put(&t, 255, 1); put(&t, 0, 4);
	put(&t, 0, 8); put(&t, 1, 2); put(&t, 0, 1); put(&t, 3, 1); put(&t, 0, 4);	/* base 0 */
	put(&t, 0x4000000000ULL, 8); put(&t, 2, 2); put(&t, 8, 1); put(&t, 4, 1);	/* 8 > 4 */
	put(&t, 0, 4);
	put(&t, 0x4000000000ULL, 8); put(&t, 3, 2); put(&t, 16, 1); put(&t, 31, 1);
	put(&t, 0, 4);
	sdt_end(&t);
	assert_int_equal(acpi_mcfg_parse(t.b, t.len, &info.mcfg, &info.nmcfg, test_zalloc), 0);
	assert_int_equal(info.nmcfg, 2);
	assert_int_equal(info.mcfg[0].base, 0xb0000000);
	assert_int_equal(info.mcfg[0].bus_end, 255);
	assert_int_equal(info.mcfg[1].base, 0x4000000000ULL);
	assert_int_equal(info.mcfg[1].segment, 3);
	assert_int_equal(info.mcfg[1].bus_start, 16);
	assert_int_equal(info.mcfg[1].bus_end, 31);
	assert_logged("MCFG entry 1");
}

/* A FADT of len bytes with the fields keel reads. */
static void make_fadt(struct tb *t, uint8_t revision, size_t len)
{
	sdt_begin(t, "FACP", revision);
	memset(t->b + 36, 0, len - 36);
	t->len = len;
	set_le32(t->b + 40, 0x7fe0040);		/* DSDT */
	t->b[46] = 9;				/* SCI */
	set_le32(t->b + 48, 0xb2);		/* SMI_CMD */
	t->b[52] = 0xf1;			/* ACPI_ENABLE */
	set_le32(t->b + 64, 0x604);		/* PM1a_CNT */
	set_le32(t->b + 76, 0x608);		/* PM_TMR */
	t->b[108] = 0x32;			/* century */
	t->b[109] = 0x03;			/* boot arch: legacy devices, 8042 */
	set_le32(t->b + 112, (1u << 8) | (1u << 10));	/* TMR_VAL_EXT, RESET_REG_SUP */
	if (len >= 129) {
		t->b[116] = 1;			/* reset register: I/O port 0xcf9 */
		t->b[117] = 8;
		set_le32(t->b + 120, 0xcf9);
		t->b[128] = 0x06;
	}
	sdt_end(t);
}

static void fadt_v1_gives_ports_sci_and_century_but_no_boot_flags(void **state)
{
	struct tb t;
	struct acpi_fadt f;

	(void)state;
	make_fadt(&t, 1, 116);
	assert_int_equal(acpi_fadt_parse(t.b, t.len, &f), 0);
	assert_true(f.present);
	assert_int_equal(f.dsdt, 0x7fe0040);
	assert_int_equal(f.sci_irq, 9);
	assert_int_equal(f.smi_cmd, 0xb2);
	assert_int_equal(f.acpi_enable, 0xf1);
	assert_int_equal(f.pm1a_cnt, 0x604);
	assert_int_equal(f.pm1b_cnt, 0);
	assert_int_equal(f.pm_tmr, 0x608);
	assert_true(f.pm_tmr_32bit);
	assert_int_equal(f.century, 0x32);
	assert_int_equal(f.boot_arch, 0);	/* reserved before revision 2 */
	assert_false(f.has_reset);		/* the table ends before the reset register */
	assert_int_equal(acpi_fadt_parse(t.b, 115, &f), -EINVAL);
}

static void fadt_v3_gives_boot_flags_reset_register_and_extended_addresses(void **state)
{
	struct tb t;
	struct acpi_fadt f;

	(void)state;
	make_fadt(&t, 3, 244);
	set_le32(t.b + 64, 0);			/* only the X_ PM1a_CNT block says it */
	t.b[172] = 1;
	set_le32(t.b + 176, 0xb004);
	set_le32(t.b + 140, 0x7fe0000);		/* X_DSDT wins over DSDT */
	set_le32(t.b + 144, 0x1);
	sdt_end(&t);
	assert_int_equal(acpi_fadt_parse(t.b, t.len, &f), 0);
	assert_int_equal(f.revision, 3);
	assert_int_equal(f.pm1a_cnt, 0xb004);
	assert_int_equal(f.dsdt, 0x107fe0000ULL);
	assert_int_equal(f.boot_arch, ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_8042);
	assert_true(f.has_reset);
	assert_int_equal(f.reset_space, 1);
	assert_int_equal(f.reset_addr, 0xcf9);
	assert_int_equal(f.reset_value, 6);
}

/* ---- MP tables ---- */

static void make_mpf(uint8_t *p, uint32_t config, uint8_t default_config, bool imcr)
{
	memset(p, 0, 16);
	memcpy(p, "_MP_", 4);
	set_le32(p + 4, config);
	p[8] = 1;
	p[9] = 4;
	p[11] = default_config;
	p[12] = imcr ? 0x80 : 0;
	fix_checksum(p, 16, 10);
}

static void mp_floating_pointer_is_checked_and_found_on_16_byte_boundaries(void **state)
{
	static uint8_t area[128];
	struct mp_floating f;

	(void)state;
	make_mpf(area + 32, 0xf0000, 0, true);
	assert_int_equal(mp_floating_check(area + 32, 16, &f), 0);
	assert_int_equal(f.config, 0xf0000);
	assert_int_equal(f.spec_rev, 4);
	assert_true(f.imcr);
	assert_int_equal(mp_floating_scan(area, sizeof(area)), 32);
	area[32 + 5] ^= 1;
	assert_int_equal(mp_floating_check(area + 32, 16, &f), -EINVAL);
	assert_int_equal(mp_floating_scan(area, sizeof(area)), -1);
	make_mpf(area + 32, 0, 0, false);	/* no table and no default configuration */
	assert_int_equal(mp_floating_check(area + 32, 16, &f), -EINVAL);
}

static void mpc_begin(struct tb *t, uint16_t entries)
{
	memset(t, 0, sizeof(*t));
	put_str(t, "PCMP", 4);
	put(t, 0, 2);			/* base length */
	put(t, 4, 1);
	put(t, 0, 1);			/* checksum */
	put_str(t, "KEELFW  ", 8);
	put_str(t, "UNITTEST    ", 12);
	put(t, 0, 4); put(t, 0, 2);
	put(t, entries, 2);
	put(t, 0xfee00000, 4);
	put(t, 0, 2); put(t, 0, 1); put(t, 0, 1);
}

static void mpc_end(struct tb *t)
{
	t->b[4] = (uint8_t)t->len;
	t->b[5] = (uint8_t)(t->len >> 8);
	fix_checksum(t->b, t->len, 7);
}

static void mp_cpu(struct tb *t, uint8_t id, uint8_t flags)
{
	put(t, 0, 1); put(t, id, 1); put(t, 0x14, 1); put(t, flags, 1);
	put(t, 0x600, 4); put(t, 0x201, 4); put(t, 0, 8);
}

static void mp_bus(struct tb *t, uint8_t id, const char *type)
{
	put(t, 1, 1); put(t, id, 1); put_str(t, type, 6);
}

static void mp_ioapic(struct tb *t, uint8_t id, uint8_t flags, uint32_t addr)
{
	put(t, 2, 1); put(t, id, 1); put(t, 0x11, 1); put(t, flags, 1); put(t, addr, 4);
}

static void mp_int(struct tb *t, uint8_t kind, uint8_t itype, uint16_t flags, uint8_t bus,
		   uint8_t irq, uint8_t dst, uint8_t pin)
{
	put(t, kind, 1); put(t, itype, 1); put(t, flags, 2); put(t, bus, 1); put(t, irq, 1);
	put(t, dst, 1); put(t, pin, 1);
}

static void mp_config_like_bochs_gives_cpus_ioapic_and_isa_overrides(void **state)
{
	struct tb t;

	(void)state;
	mpc_begin(&t, 12);
	mp_cpu(&t, 0, 3);		/* enabled, boot processor */
	mp_cpu(&t, 1, 1);
	mp_cpu(&t, 2, 0);		/* disabled */
	mp_bus(&t, 0, "PCI   ");
	mp_bus(&t, 1, "ISA   ");
	mp_ioapic(&t, 2, 1, 0xfec00000);
	mp_int(&t, 3, 0, 0, 1, 0, 2, 2);	/* ISA IRQ 0 -> pin 2: override */
	mp_int(&t, 3, 0, 0, 1, 1, 2, 1);	/* ISA IRQ 1 -> pin 1, default: none */
	mp_int(&t, 3, 0, 0xf, 1, 9, 2, 9);	/* ISA IRQ 9 level/low: override */
	mp_int(&t, 3, 0, 0xf, 0, 0x0c, 2, 16);	/* PCI: never an ISA override */
	mp_int(&t, 4, 3, 0, 1, 0, 0xff, 0);	/* ExtINT on LINT0: ignored */
	mp_int(&t, 4, 1, 0, 1, 0, 0xff, 1);	/* NMI on LINT1 of every CPU */
	mpc_end(&t);
	assert_int_equal(mp_config_len(t.b), t.len);
	assert_int_equal(mp_config_parse(t.b, t.len, &info, test_zalloc), 0);
	assert_int_equal(info.lapic_addr, 0xfee00000);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.ncpus_disabled, 1);
	assert_cpu(0, 0, 0, ACPI_CPU_ENABLED | ACPI_CPU_BSP);
	assert_cpu(1, 1, 1, ACPI_CPU_ENABLED);
	assert_int_equal(info.nioapics, 1);
	assert_int_equal(info.ioapics[0].id, 2);
	assert_int_equal(info.ioapics[0].addr, 0xfec00000);
	assert_int_equal(info.noverrides, 2);
	assert_int_equal(info.overrides[0].irq, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[1].irq, 9);
	assert_int_equal(info.overrides[1].flags, ACPI_INTI_ACTIVE_LOW | ACPI_INTI_LEVEL);
	assert_int_equal(info.nlapic_nmis, 1);
	assert_int_equal(info.lapic_nmis[0].uid, ACPI_NMI_ALL_CPUS);
	assert_int_equal(info.lapic_nmis[0].lint, 1);
	assert_int_equal(info.bad_entries, 0);
}

static void mp_config_with_a_bad_checksum_or_length_is_refused(void **state)
{
	struct tb t;

	(void)state;
	mpc_begin(&t, 1);
	mp_cpu(&t, 0, 3);
	mpc_end(&t);
	t.b[50] ^= 1;
	assert_int_equal(mp_config_parse(t.b, t.len, &info, test_zalloc), -EINVAL);
	t.b[50] ^= 1;
	assert_int_equal(mp_config_parse(t.b, t.len - 1, &info, test_zalloc), -EINVAL);
	assert_int_equal(mp_config_parse(t.b, t.len, &info, test_zalloc), 0);
	assert_int_equal(info.ncpus, 1);
}

static void mp_config_stops_at_an_unknown_entry_or_one_cut_short(void **state)
{
	struct tb t;

	(void)state;
	mpc_begin(&t, 4);
	mp_cpu(&t, 0, 3);
	put(&t, 0x80, 1); put(&t, 0, 7);	/* extended entry type in the base table */
	mp_cpu(&t, 1, 1);
	mpc_end(&t);
	assert_int_equal(mp_config_parse(t.b, t.len, &info, test_zalloc), 0);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.bad_entries, 1);
	assert_logged("unknown type");
	release(state);
	reset(state);
	mpc_begin(&t, 3);			/* says 3 entries, holds 1.5 */
	mp_cpu(&t, 0, 3);
	put(&t, 0, 10);
	mpc_end(&t);
	assert_int_equal(mp_config_parse(t.b, t.len, &info, test_zalloc), 0);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.bad_entries, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, reset, release)
		T(checksum_is_the_byte_sum_modulo_256),
		T(table_with_a_flipped_byte_fails_its_checksum),
		T(table_length_must_fit_the_buffer_and_hold_a_header),
		T(rsdp_v1_gives_the_rsdt_and_no_xsdt),
		T(rsdp_v2_gives_the_xsdt_above_4g),
		T(rsdp_v2_with_a_bad_extended_checksum_falls_back_to_the_rsdt),
		T(rsdp_with_a_bad_v1_checksum_or_signature_is_rejected),
		T(rsdp_scan_looks_only_at_16_byte_boundaries),
		T(rsdt_and_xsdt_entries_are_read_at_any_alignment),
		T(madt_like_qemus_is_parsed_completely),
		T(madt_entry_of_length_zero_ends_the_walk_without_looping),
		T(madt_entry_of_length_one_ends_the_walk),
		T(madt_entry_running_past_the_table_is_not_read),
		T(madt_entry_too_short_for_its_type_is_skipped_and_the_walk_goes_on),
		T(madt_unknown_and_longer_entries_are_stepped_over),
		T(madt_x2apic_ids_above_255_are_kept_whole),
		T(madt_disabled_cpus_are_dropped_and_online_capable_ones_kept),
		T(madt_duplicate_and_broadcast_apic_ids_are_refused),
		T(madt_address_override_replaces_the_32_bit_local_apic_address),
		T(madt_bad_ioapics_overrides_and_nmi_pins_are_refused),
		T(madt_warnings_stop_after_a_few_but_counting_goes_on),
		T(madt_with_a_wrong_signature_or_no_room_for_its_header_is_refused),
		T(madt_out_of_memory_is_an_error_and_release_frees_the_rest),
		T(madt_of_random_bytes_keeps_the_lists_consistent),
		T(hpet_table_gives_base_comparators_and_counter_width),
		T(hpet_outside_memory_space_or_at_zero_or_short_is_refused),
		T(mcfg_keeps_valid_segments_and_drops_bad_ones),
		T(fadt_v1_gives_ports_sci_and_century_but_no_boot_flags),
		T(fadt_v3_gives_boot_flags_reset_register_and_extended_addresses),
		T(mp_floating_pointer_is_checked_and_found_on_16_byte_boundaries),
		T(mp_config_like_bochs_gives_cpus_ioapic_and_isa_overrides),
		T(mp_config_with_a_bad_checksum_or_length_is_refused),
		T(mp_config_stops_at_an_unknown_entry_or_one_cut_short),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
