/*
 * tests/unit/test_part.c — block/part.c: MBR (primary, extended chains) and GPT (primary and
 * backup header, CRCs) parse to Linux's numbering; broken tables are refused with a reason;
 * thousands of random mutations never read outside the disk or give a partition outside it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/block.h>
#include <keel/errno.h>
#include "stubs.h"

#define DISK_SECTORS	2048

static uint8_t disk[DISK_SECTORS][SECTOR_SIZE];
static unsigned reads_outside;

static int read_sector(void *ctx, uint64_t lba, void *buf)
{
	(void)ctx;
	if (lba >= DISK_SECTORS) {
		reads_outside++;
		return -EIO;
	}
	memcpy(buf, disk[lba], SECTOR_SIZE);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void mbr_entry(unsigned sector, int i, uint8_t type, uint32_t start, uint32_t n)
{
	uint8_t *e = disk[sector] + 446 + 16 * i;

	memset(e, 0, 16);
	e[4] = type;
	put32(e + 8, start);
	put32(e + 12, n);
	disk[sector][510] = 0x55;
	disk[sector][511] = 0xaa;
}

static int parse(struct part_entry *out, const char **why)
{
	return part_parse(read_sector, NULL, DISK_SECTORS, out, PART_MAX, why);
}

static int reset(void **state)
{
	(void)state;
	memset(disk, 0, sizeof(disk));
	reads_outside = 0;
	return 0;
}

static void crc32_matches_the_standard_check_value(void **state)
{
	(void)state;
	assert_int_equal(part_crc32("123456789", 9), 0xcbf43926u);
}

static void disk_without_signature_has_no_partitions(void **state)
{
	struct part_entry p[PART_MAX];

	(void)state;
	assert_int_equal(parse(p, NULL), 0);
}

static void mbr_primaries_are_numbered_by_slot(void **state)
{
	struct part_entry p[PART_MAX];

	(void)state;
	mbr_entry(0, 0, 0x83, 64, 100);
	mbr_entry(0, 2, 0x83, 200, 300);
	assert_int_equal(parse(p, NULL), 2);
	assert_int_equal(p[0].number, 1);
	assert_int_equal(p[0].start, 64);
	assert_int_equal(p[0].nsectors, 100);
	assert_int_equal(p[1].number, 3);
	assert_int_equal(p[1].start, 200);
}

static void mbr_logical_partitions_start_at_five(void **state)
{
	struct part_entry p[PART_MAX];

	(void)state;
	mbr_entry(0, 0, 0x83, 64, 100);
	mbr_entry(0, 1, 0x05, 1000, 1000);
	mbr_entry(1000, 0, 0x83, 10, 90);	/* relative to its EBR */
	mbr_entry(1000, 1, 0x05, 200, 300);	/* next EBR, relative to the extended start */
	mbr_entry(1200, 0, 0x83, 10, 50);
	assert_int_equal(parse(p, NULL), 3);
	assert_int_equal(p[1].number, 5);
	assert_int_equal(p[1].start, 1010);
	assert_int_equal(p[1].nsectors, 90);
	assert_int_equal(p[2].number, 6);
	assert_int_equal(p[2].start, 1210);
}

static void mbr_extended_chain_that_loops_is_refused(void **state)
{
	struct part_entry p[PART_MAX];
	const char *why = NULL;

	(void)state;
	mbr_entry(0, 0, 0x05, 1000, 1000);
	mbr_entry(1000, 0, 0x83, 10, 5);
	mbr_entry(1000, 1, 0x05, 100, 10);
	mbr_entry(1100, 0, 0x83, 10, 5);
	mbr_entry(1100, 1, 0x05, 100, 10);	/* back to itself */
	assert_int_equal(parse(p, &why), -EINVAL);
	assert_non_null(why);
}

static void mbr_partition_past_the_end_is_refused(void **state)
{
	struct part_entry p[PART_MAX];
	const char *why = NULL;

	(void)state;
	mbr_entry(0, 0, 0x83, 64, DISK_SECTORS);
	assert_int_equal(parse(p, &why), -EINVAL);
	assert_string_equal(why, "a partition lies outside the disk");
}

static void mbr_overlapping_partitions_are_refused(void **state)
{
	struct part_entry p[PART_MAX];
	const char *why = NULL;

	(void)state;
	mbr_entry(0, 0, 0x83, 64, 100);
	mbr_entry(0, 1, 0x83, 100, 100);
	assert_int_equal(parse(p, &why), -EINVAL);
	assert_string_equal(why, "partitions overlap");
}

static void boot_sector_without_valid_flags_is_no_table(void **state)
{
	struct part_entry p[PART_MAX];

	(void)state;
	mbr_entry(0, 0, 0x83, 64, 100);
	disk[0][446] = 0x12;			/* not 0 or 0x80: a FAT boot sector, say */
	assert_int_equal(parse(p, NULL), 0);
}

/* A GPT header at lba with its entry array at entries (128 entries of 128 bytes). */
static void gpt_write(uint64_t lba, uint64_t alt, uint64_t entries)
{
	uint8_t *h = disk[lba];

	memset(h, 0, SECTOR_SIZE);
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x10000);
	put32(h + 12, 92);
	put64(h + 24, lba);
	put64(h + 32, alt);
	put64(h + 40, 34);
	put64(h + 48, DISK_SECTORS - 34);
	put64(h + 72, entries);
	put32(h + 80, 128);
	put32(h + 84, 128);
	put32(h + 88, part_crc32(disk[entries], 128 * 128));
	put32(h + 16, part_crc32(h, 92));
}

static void gpt_entry(uint64_t entries, int i, uint64_t first, uint64_t last)
{
	uint8_t *e = disk[entries] + 128 * i;

	memset(e, 0, 128);
	e[0] = 0xaf;				/* any non-zero type GUID */
	e[16] = (uint8_t)i;
	put64(e + 32, first);
	put64(e + 40, last);
}

static void gpt_make(void)
{
	mbr_entry(0, 0, 0xee, 1, DISK_SECTORS - 1);
	gpt_entry(2, 0, 34, 533);
	gpt_entry(2, 3, 600, 799);
	memcpy(disk[DISK_SECTORS - 33], disk[2], 32 * SECTOR_SIZE);
	gpt_write(1, DISK_SECTORS - 1, 2);
	gpt_write(DISK_SECTORS - 1, 1, DISK_SECTORS - 33);
}

static void gpt_entries_are_numbered_by_slot(void **state)
{
	struct part_entry p[PART_MAX];

	(void)state;
	gpt_make();
	assert_int_equal(parse(p, NULL), 2);
	assert_int_equal(p[0].number, 1);
	assert_int_equal(p[0].start, 34);
	assert_int_equal(p[0].nsectors, 500);
	assert_int_equal(p[1].number, 4);
	assert_int_equal(p[1].start, 600);
	assert_int_equal(p[1].nsectors, 200);
}

static void gpt_bad_primary_header_falls_back_to_the_backup(void **state)
{
	struct part_entry p[PART_MAX];

	(void)state;
	gpt_make();
	disk[1][40] ^= 1;			/* header CRC no longer matches */
	assert_int_equal(parse(p, NULL), 2);
	assert_int_equal(p[1].start, 600);
}

static void gpt_with_both_headers_broken_is_refused(void **state)
{
	struct part_entry p[PART_MAX];
	const char *why = NULL;

	(void)state;
	gpt_make();
	disk[1][40] ^= 1;
	disk[DISK_SECTORS - 1][0] = 'X';
	assert_int_equal(parse(p, &why), -EINVAL);
	assert_string_equal(why, "GPT header CRC mismatch");
}

static void gpt_entry_array_crc_mismatch_is_refused(void **state)
{
	struct part_entry p[PART_MAX];
	const char *why = NULL;

	(void)state;
	gpt_make();
	disk[2][40] ^= 1;			/* entry 0's first LBA, in both copies */
	disk[DISK_SECTORS - 33][40] ^= 1;
	assert_int_equal(parse(p, &why), -EINVAL);
	assert_string_equal(why, "GPT entry array CRC mismatch");
}

static void gpt_entry_outside_the_usable_range_is_refused(void **state)
{
	struct part_entry p[PART_MAX];
	const char *why = NULL;

	(void)state;
	mbr_entry(0, 0, 0xee, 1, DISK_SECTORS - 1);
	gpt_entry(2, 0, 10, 100);		/* before first usable (34) */
	gpt_write(1, DISK_SECTORS - 1, 2);
	assert_int_equal(parse(p, &why), -EINVAL);
	assert_string_equal(why, "a GPT entry lies outside the usable range");
}

/* Flips random bytes of a valid table: whatever comes out lies on the disk, no read leaves
 * it, and a refusal has a reason. */
static void random_mutations_stay_inside_the_disk(void **state)
{
	static uint8_t good[DISK_SECTORS][SECTOR_SIZE];
	struct part_entry p[PART_MAX];

	(void)state;
	srand(17);
	for (int round = 0; round < 3000; round++) {
		const char *why = NULL;
		int n;

		if (round % 1000 == 0) {
			reset(NULL);
			if (round / 1000 == 0)
				gpt_make();
			else {
				mbr_entry(0, 0, 0x83, 64, 100);
				mbr_entry(0, 1, 0x0f, 1000, 1000);
				mbr_entry(1000, 0, 0x83, 10, 90);
				mbr_entry(1000, 1, 0x05, 200, 300);
				mbr_entry(1200, 0, 0x83, 10, 50);
			}
			memcpy(good, disk, sizeof(disk));
		}
		memcpy(disk, good, sizeof(disk));
		for (int k = 0; k < 1 + rand() % 4; k++) {
			static const unsigned hot[] = { 0, 1, 2, 1000, 1200, DISK_SECTORS - 1 };
			unsigned s = hot[rand() % 6];

			disk[s][rand() % SECTOR_SIZE] = (uint8_t)rand();
		}
		n = parse(p, &why);
		assert_true(n == -EINVAL || (n >= 0 && n <= PART_MAX));
		if (n < 0)
			assert_non_null(why);
		for (int i = 0; i < n; i++)
			assert_true(p[i].start > 0 && p[i].start + p[i].nsectors <= DISK_SECTORS);
	}
	assert_int_equal(reads_outside, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(crc32_matches_the_standard_check_value, reset),
		cmocka_unit_test_setup(disk_without_signature_has_no_partitions, reset),
		cmocka_unit_test_setup(mbr_primaries_are_numbered_by_slot, reset),
		cmocka_unit_test_setup(mbr_logical_partitions_start_at_five, reset),
		cmocka_unit_test_setup(mbr_extended_chain_that_loops_is_refused, reset),
		cmocka_unit_test_setup(mbr_partition_past_the_end_is_refused, reset),
		cmocka_unit_test_setup(mbr_overlapping_partitions_are_refused, reset),
		cmocka_unit_test_setup(boot_sector_without_valid_flags_is_no_table, reset),
		cmocka_unit_test_setup(gpt_entries_are_numbered_by_slot, reset),
		cmocka_unit_test_setup(gpt_bad_primary_header_falls_back_to_the_backup, reset),
		cmocka_unit_test_setup(gpt_with_both_headers_broken_is_refused, reset),
		cmocka_unit_test_setup(gpt_entry_array_crc_mismatch_is_refused, reset),
		cmocka_unit_test_setup(gpt_entry_outside_the_usable_range_is_refused, reset),
		cmocka_unit_test_setup(random_mutations_stay_inside_the_disk, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
