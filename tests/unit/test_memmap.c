/*
 * tests/unit/test_memmap.c — mm/memmap.c: sanitizing firmware maps and keel's reservations.
 *
 * Each test builds a raw map with memmap_add() as the boot code does, sanitizes it and compares
 * the whole result with the expected ranges; a failure prints both maps. The garbage-map test
 * checks the sanitizer's invariants against an independent model of "highest priority wins".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/memmap.h>
#include <keel/errno.h>
#include <keel/memlayout.h>

#define KiB(x)	((uint64_t)(x) << 10)
#define MiB(x)	((uint64_t)(x) << 20)
#define GiB(x)	((uint64_t)(x) << 30)

static int new_map(void **state)
{
	*state = calloc(1, sizeof(struct memmap));
	return *state ? 0 : -1;
}

static int free_map(void **state)
{
	free(*state);
	return 0;
}

static void format_map(char *buf, size_t size, const struct mem_range *r, unsigned n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "    [0x%016lx, 0x%016lx) %s\n",
					 r[i].base, r[i].end, memmap_type_name(r[i].type));
	if (!n)
		snprintf(buf, size, "    (empty)\n");
}

/* Fails unless m holds exactly the ranges in want, printing both maps otherwise. */
static void assert_map(const struct memmap *m, const struct mem_range *want, unsigned n)
{
	bool same = m->n == n;

	for (unsigned i = 0; same && i < n; i++)
		same = m->r[i].base == want[i].base && m->r[i].end == want[i].end &&
		       m->r[i].type == want[i].type;
	if (!same) {
		static char a[16384], b[16384];

		format_map(a, sizeof(a), want, n);
		format_map(b, sizeof(b), m->r, m->n);
		fail_msg("memory map differs\n  expected %u ranges:\n%s  got %u ranges:\n%s", n, a,
			 m->n, b);
	}
}

#define ASSERT_MAP(m, ...) do { \
	static const struct mem_range __want[] = { __VA_ARGS__ }; \
	assert_map((m), __want, ARRAY_SIZE(__want)); \
} while (0)

static void overlapping_entries_take_the_higher_priority_type(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, MiB(1), MiB(7), MEM_USABLE);		/* 1..8 MiB */
	memmap_add(m, MiB(2), MiB(2), MEM_ACPI_RECLAIM);	/* 2..4 */
	memmap_add(m, MiB(3), MiB(2), MEM_RESERVED);		/* 3..5 over both */
	memmap_add(m, MiB(6), MiB(1), MEM_KERNEL);		/* 6..7 inside usable */
	memmap_sanitize(m);
	ASSERT_MAP(m,
		{ MiB(1), MiB(2), MEM_USABLE },
		{ MiB(2), MiB(3), MEM_ACPI_RECLAIM },
		{ MiB(3), MiB(5), MEM_RESERVED },
		{ MiB(5), MiB(6), MEM_USABLE },
		{ MiB(6), MiB(7), MEM_KERNEL },
		{ MiB(7), MiB(8), MEM_USABLE });
}

/* usable < keel's types < ACPI reclaim < ACPI NVS < reserved < bad, whatever the order added. */
static void priority_order_is_usable_keel_acpi_reclaim_nvs_reserved_bad(void **state)
{
	static const uint32_t ladder[] = {
		MEM_USABLE, MEM_BOOTALLOC, MEM_ACPI_RECLAIM, MEM_ACPI_NVS, MEM_RESERVED, MEM_BAD,
	};
	static const uint32_t keel_types[] = {
		MEM_KERNEL, MEM_MODULE, MEM_BOOTALLOC, MEM_FIRMWARE_LOW,
	};

	for (size_t lo = 0; lo < ARRAY_SIZE(ladder); lo++)
		for (size_t hi = lo + 1; hi < ARRAY_SIZE(ladder); hi++)
			for (int order = 0; order < 2; order++) {
				struct memmap *m = *state;

				memset(m, 0, sizeof(*m));
				memmap_add(m, 0, MiB(1), order ? ladder[hi] : ladder[lo]);
				memmap_add(m, 0, MiB(1), order ? ladder[lo] : ladder[hi]);
				memmap_sanitize(m);
				if (m->n != 1 || m->r[0].type != ladder[hi])
					fail_msg("%s over %s: expected %s to win, got %s (%u ranges)",
						 memmap_type_name(ladder[hi]), memmap_type_name(ladder[lo]),
						 memmap_type_name(ladder[hi]),
						 memmap_type_name(m->n ? m->r[0].type : 0), m->n);
			}
	/* Every keel type beats usable and loses to ACPI reclaim. */
	for (size_t i = 0; i < ARRAY_SIZE(keel_types); i++) {
		struct memmap *m = *state;

		memset(m, 0, sizeof(*m));
		memmap_add(m, 0, MiB(3), MEM_USABLE);
		memmap_add(m, MiB(1), MiB(2), keel_types[i]);
		memmap_add(m, MiB(2), MiB(1), MEM_ACPI_RECLAIM);
		memmap_sanitize(m);
		if (m->n != 3 || m->r[1].type != keel_types[i] || m->r[2].type != MEM_ACPI_RECLAIM)
			fail_msg("%s between usable and ACPI data: expected usable/%s/ACPI data, got %u ranges, middle %s",
				 memmap_type_name(keel_types[i]), memmap_type_name(keel_types[i]), m->n,
				 m->n > 1 ? memmap_type_name(m->r[1].type) : "-");
	}
}

static void unsorted_input_comes_out_sorted(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, GiB(4), GiB(1), MEM_USABLE);
	memmap_add(m, MiB(1), MiB(1), MEM_RESERVED);
	memmap_add(m, MiB(16), MiB(16), MEM_USABLE);
	memmap_add(m, 0, KiB(64), MEM_ACPI_NVS);
	memmap_sanitize(m);
	ASSERT_MAP(m,
		{ 0, KiB(64), MEM_ACPI_NVS },
		{ MiB(1), MiB(2), MEM_RESERVED },
		{ MiB(16), MiB(32), MEM_USABLE },
		{ GiB(4), GiB(5), MEM_USABLE });
}

static void zero_length_entries_are_dropped_and_counted(void **state)
{
	struct memmap *m = *state;

	assert_int_equal(memmap_add(m, MiB(1), 0, MEM_USABLE), 0);
	assert_int_equal(memmap_add(m, MiB(2), MiB(1), MEM_USABLE), 0);
	assert_int_equal(memmap_add(m, 0, 0, MEM_RESERVED), 0);
	assert_int_equal(m->n, 1);
	assert_int_equal(m->dropped, 2);
	memmap_sanitize(m);
	ASSERT_MAP(m, { MiB(2), MiB(3), MEM_USABLE });
	assert_int_equal(m->dropped, 2);
}

static void unaligned_usable_shrinks_inward_to_whole_pages(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0x10001, 0x3000, MEM_USABLE);		/* 0x10001..0x13001 */
	memmap_add(m, 0x20800, 0x800, MEM_USABLE);		/* no whole page: gone */
	memmap_add(m, 0x30800, 0x1000, MEM_USABLE);		/* straddles, no whole page */
	memmap_add(m, 0x40001, 0x1ffe, MEM_RESERVED);		/* reserved keeps its bytes */
	memmap_sanitize(m);
	ASSERT_MAP(m,
		{ 0x11000, 0x13000, MEM_USABLE },
		{ 0x40001, 0x41fff, MEM_RESERVED });
}

/* Pieces that are unaligned on their own make whole pages once merged. */
static void usable_is_merged_before_it_is_page_aligned(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0x1000, 0x800, MEM_USABLE);
	memmap_add(m, 0x1800, 0x800, MEM_USABLE);
	memmap_sanitize(m);
	ASSERT_MAP(m, { 0x1000, 0x2000, MEM_USABLE });
}

static void adjacent_and_overlapping_ranges_of_one_type_merge(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0, MiB(1), MEM_USABLE);
	memmap_add(m, MiB(1), MiB(1), MEM_USABLE);		/* adjacent */
	memmap_add(m, MiB(1) + KiB(4), MiB(3), MEM_USABLE);	/* overlapping */
	memmap_add(m, MiB(8), MiB(1), MEM_RESERVED);
	memmap_add(m, MiB(9), MiB(1), MEM_ACPI_NVS);		/* adjacent, other type */
	memmap_sanitize(m);
	ASSERT_MAP(m,
		{ 0, MiB(4) + KiB(4), MEM_USABLE },
		{ MiB(8), MiB(9), MEM_RESERVED },
		{ MiB(9), MiB(10), MEM_ACPI_NVS });
}

static void unknown_types_become_reserved_and_merge_with_it(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0x20000, 0x1000, 77);
	memmap_add(m, 0x21000, 0x1000, MEM_RESERVED);
	memmap_add(m, 0x22000, 0x1000, 0);
	memmap_add(m, 0x30000, 0x1000, 0xffffffff);
	assert_int_equal(m->r[0].type, MEM_RESERVED);
	memmap_sanitize(m);
	ASSERT_MAP(m,
		{ 0x20000, 0x23000, MEM_RESERVED },
		{ 0x30000, 0x31000, MEM_RESERVED });
}

static void entry_wrapping_past_2_64_is_clipped_at_the_top(void **state)
{
	struct memmap *m = *state;

	assert_int_equal(memmap_add(m, 0xfffffffffff00000UL, MiB(2), MEM_RESERVED), 0);
	assert_int_equal(m->n, 1);
	assert_int_equal(m->r[0].base, 0xfffffffffff00000UL);
	assert_int_equal(m->r[0].end, UINT64_MAX);
	memmap_add(m, 0xffffffff00000000UL, UINT64_MAX, MEM_USABLE);
	memmap_sanitize(m);
	ASSERT_MAP(m,
		{ 0xffffffff00000000UL, 0xfffffffffff00000UL, MEM_USABLE },
		{ 0xfffffffffff00000UL, UINT64_MAX, MEM_RESERVED });
}

/*
 * Regression: ALIGN_UP of a usable base in the last page of the address space wrapped to 0,
 * and the range became [0, 2^64 - 4096) usable: a garbage firmware entry would have handed
 * the whole address space to the allocator.
 */
static void usable_range_in_the_last_page_of_the_address_space_is_dropped(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0xfffffffffffff800UL, 0x1000, MEM_USABLE);	/* wraps, clipped */
	memmap_add(m, MiB(1), MiB(1), MEM_USABLE);
	memmap_sanitize(m);
	ASSERT_MAP(m, { MiB(1), MiB(2), MEM_USABLE });
}

static void full_map_returns_enomem_and_counts_the_entry_dropped(void **state)
{
	struct memmap *m = *state;

	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		assert_int_equal(memmap_add(m, (uint64_t)i * MiB(2), MiB(1), MEM_USABLE), 0);
	assert_int_equal(memmap_add(m, GiB(1), MiB(1), MEM_USABLE), -ENOMEM);
	assert_int_equal(m->n, MEMMAP_MAX);
	assert_int_equal(m->dropped, 1);
	/* A reservation on a full map fails the same way and leaves the map as it was. */
	memmap_sanitize(m);
	assert_int_equal(memmap_reserve(m, 0, KiB(4), MEM_KERNEL), -ENOMEM);
	assert_int_equal(m->r[0].type, MEM_USABLE);
	assert_int_equal(memmap_total(m, MEM_USABLE), MEMMAP_MAX * MiB(1));
}

/* A hundred holes punched in one usable range give 201 ranges: the lowest 128 are kept. */
static void sanitize_keeps_the_lowest_ranges_when_the_result_does_not_fit(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0, GiB(1), MEM_USABLE);
	for (unsigned i = 0; i < 100; i++)
		memmap_add(m, MiB(1) + i * MiB(2), KiB(4), MEM_RESERVED);
	memmap_sanitize(m);
	assert_int_equal(m->n, MEMMAP_MAX);
	assert_int_equal(m->dropped, 201 - MEMMAP_MAX);
	for (unsigned i = 1; i < m->n; i++)
		if (m->r[i].base < m->r[i - 1].end)
			fail_msg("ranges %u and %u overlap or are out of order", i - 1, i);
}

static void reserve_carves_the_kernel_out_of_usable(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0, MiB(128), MEM_USABLE);
	memmap_sanitize(m);
	assert_int_equal(memmap_reserve(m, MiB(1), KiB(2306), MEM_KERNEL), 0);	/* unaligned end */
	ASSERT_MAP(m,
		{ 0, MiB(1), MEM_USABLE },
		{ MiB(1), MiB(1) + KiB(2306), MEM_KERNEL },
		{ MiB(1) + KiB(2308), MiB(128), MEM_USABLE });	/* usable starts at the next page */
	assert_int_equal(memmap_reserve(m, MiB(64), MiB(4), MEM_MODULE), 0);
	assert_int_equal(m->n, 5);
	assert_int_equal(memmap_total(m, MEM_MODULE), MiB(4));
	assert_int_equal(memmap_total(m, MEM_USABLE), MiB(128) - KiB(2308) - MiB(4));
}

static void reserve_does_not_override_firmware_reservations(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0, MiB(4), MEM_USABLE);
	memmap_add(m, MiB(2), MiB(1), MEM_ACPI_NVS);
	memmap_sanitize(m);
	memmap_reserve(m, MiB(1), MiB(3), MEM_BOOTALLOC);
	ASSERT_MAP(m,
		{ 0, MiB(1), MEM_USABLE },
		{ MiB(1), MiB(2), MEM_BOOTALLOC },
		{ MiB(2), MiB(3), MEM_ACPI_NVS },
		{ MiB(3), MiB(4), MEM_BOOTALLOC });
}

static void total_and_top_report_per_type(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0, KiB(636), MEM_USABLE);
	memmap_add(m, MiB(1), MiB(127), MEM_USABLE);
	memmap_add(m, GiB(4), GiB(2), MEM_USABLE);
	memmap_add(m, GiB(3), MiB(16), MEM_RESERVED);
	memmap_sanitize(m);
	assert_int_equal(memmap_total(m, MEM_USABLE), KiB(636) + MiB(127) + GiB(2));
	assert_int_equal(memmap_top(m, MEM_USABLE), GiB(6));
	assert_int_equal(memmap_total(m, MEM_RESERVED), MiB(16));
	assert_int_equal(memmap_top(m, MEM_RESERVED), GiB(3) + MiB(16));
	assert_int_equal(memmap_total(m, MEM_BAD), 0);
	assert_int_equal(memmap_top(m, MEM_BAD), 0);
}

static void empty_map_sanitizes_to_empty(void **state)
{
	struct memmap *m = *state;

	memmap_sanitize(m);
	assert_int_equal(m->n, 0);
	assert_int_equal(memmap_total(m, MEM_USABLE), 0);
	assert_int_equal(memmap_top(m, MEM_USABLE), 0);
}

static void type_names_and_ram_classification(void **state)
{
	(void)state;
	assert_string_equal(memmap_type_name(MEM_USABLE), "usable");
	assert_string_equal(memmap_type_name(MEM_ACPI_RECLAIM), "ACPI data");
	assert_string_equal(memmap_type_name(MEM_FIRMWARE_LOW), "low memory");
	assert_string_equal(memmap_type_name(99), "unknown");
	assert_true(memmap_type_is_ram(MEM_USABLE));
	assert_true(memmap_type_is_ram(MEM_KERNEL));
	assert_true(memmap_type_is_ram(MEM_ACPI_NVS));
	assert_false(memmap_type_is_ram(MEM_RESERVED));
	assert_false(memmap_type_is_ram(MEM_BAD));
}

/* What SeaBIOS hands over under `qemu -m 128M`, then keel's boot reservations (mm/init.c). */
static void realistic_qemu_e820_map_sanitizes_and_takes_boot_reservations(void **state)
{
	struct memmap *m = *state;

	memmap_add(m, 0x0, 0x9fc00, MEM_USABLE);
	memmap_add(m, 0x9fc00, 0x400, MEM_RESERVED);
	memmap_add(m, 0xf0000, 0x10000, MEM_RESERVED);
	memmap_add(m, 0x100000, 0x7ee0000, MEM_USABLE);
	memmap_add(m, 0x7fe0000, 0x20000, MEM_RESERVED);
	memmap_add(m, 0xfeffc000, 0x4000, MEM_RESERVED);
	memmap_add(m, 0xfffc0000, 0x40000, MEM_RESERVED);
	memmap_sanitize(m);
	ASSERT_MAP(m,
		{ 0x0, 0x9f000, MEM_USABLE },
		{ 0x9fc00, 0xa0000, MEM_RESERVED },
		{ 0xf0000, 0x100000, MEM_RESERVED },
		{ 0x100000, 0x7fe0000, MEM_USABLE },
		{ 0x7fe0000, 0x8000000, MEM_RESERVED },
		{ 0xfeffc000, 0xff000000, MEM_RESERVED },
		{ 0xfffc0000, 0x100000000, MEM_RESERVED });

	memmap_reserve(m, 0, LOW_MEM_END, MEM_FIRMWARE_LOW);
	memmap_reserve(m, KERNEL_PHYS_BASE, 0x2345c0, MEM_KERNEL);
	memmap_reserve(m, 0x7000000, 0x100000, MEM_MODULE);
	ASSERT_MAP(m,
		{ 0x0, 0x9fc00, MEM_FIRMWARE_LOW },
		{ 0x9fc00, 0xa0000, MEM_RESERVED },
		{ 0xa0000, 0xf0000, MEM_FIRMWARE_LOW },
		{ 0xf0000, 0x100000, MEM_RESERVED },
		{ 0x100000, 0x3345c0, MEM_KERNEL },
		{ 0x335000, 0x7000000, MEM_USABLE },
		{ 0x7000000, 0x7100000, MEM_MODULE },
		{ 0x7100000, 0x7fe0000, MEM_USABLE },
		{ 0x7fe0000, 0x8000000, MEM_RESERVED },
		{ 0xfeffc000, 0xff000000, MEM_RESERVED },
		{ 0xfffc0000, 0x100000000, MEM_RESERVED });
	assert_int_equal(memmap_top(m, MEM_USABLE), 0x7fe0000);
}

/* --- garbage in: the invariants must hold whatever the firmware says --- */

static unsigned model_priority(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return 0;
	case MEM_KERNEL: case MEM_MODULE: case MEM_BOOTALLOC: case MEM_FIRMWARE_LOW: return 1;
	case MEM_ACPI_RECLAIM: return 2;
	case MEM_ACPI_NVS: return 3;
	case MEM_BAD: return 5;
	default: return 4;
	}
}

static bool known_type(uint32_t t)
{
	return t == MEM_USABLE || t == MEM_RESERVED || t == MEM_ACPI_RECLAIM ||
	       t == MEM_ACPI_NVS || t == MEM_BAD || t == MEM_KERNEL || t == MEM_MODULE ||
	       t == MEM_BOOTALLOC || t == MEM_FIRMWARE_LOW;
}

/* The type the raw entries say for address a: highest priority wins, 0 when uncovered. */
static uint32_t model_type_at(const struct mem_range *raw, unsigned n, uint64_t a)
{
	uint32_t best = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t t = known_type(raw[i].type) ? raw[i].type : MEM_RESERVED;

		if (a < raw[i].base || a >= raw[i].end)
			continue;
		if (!best || model_priority(t) > model_priority(best) ||
		    (model_priority(t) == model_priority(best) && t > best))
			best = t;
	}
	return best;
}

static uint32_t map_type_at(const struct memmap *m, uint64_t a)
{
	for (unsigned i = 0; i < m->n; i++)
		if (a >= m->r[i].base && a < m->r[i].end)
			return m->r[i].type;
	return 0;
}

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static uint64_t garbage_address(void)
{
	switch (rnd() % 4) {
	case 0: return rnd() % MiB(2);				/* dense low memory */
	case 1: return (rnd() % 64) * KiB(64) + rnd() % 3;	/* near-aligned */
	case 2: return rnd() % GiB(8);
	default: return rnd() >> (rnd() % 16);			/* anywhere, some near 2^64 */
	}
}

static void check_invariants(const struct memmap *m, const struct mem_range *raw, unsigned nraw,
			     unsigned round)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct mem_range *r = &m->r[i];

		if (r->end <= r->base)
			fail_msg("round %u: range %u [%#lx, %#lx) is empty", round, i, r->base, r->end);
		if (!known_type(r->type))
			fail_msg("round %u: range %u has unknown type %u", round, i, r->type);
		if (r->type == MEM_USABLE && (!IS_ALIGNED(r->base, PAGE_SIZE) ||
					      !IS_ALIGNED(r->end, PAGE_SIZE)))
			fail_msg("round %u: usable range [%#lx, %#lx) is not page-aligned", round,
				 r->base, r->end);
		if (i && r->base < m->r[i - 1].end)
			fail_msg("round %u: ranges %u and %u overlap or are unsorted", round, i - 1, i);
		if (i && r->base == m->r[i - 1].end && r->type == m->r[i - 1].type)
			fail_msg("round %u: ranges %u and %u touch with one type: not merged", round,
				 i - 1, i);
	}
	/* Every raw boundary (and the byte before it): the map says what the model says, except
	 * that usable may have been trimmed to whole pages. */
	for (unsigned i = 0; i < nraw; i++) {
		uint64_t probes[4] = { raw[i].base, raw[i].end, raw[i].base - 1, raw[i].end - 1 };

		for (unsigned k = 0; k < 4; k++) {
			uint32_t want = model_type_at(raw, nraw, probes[k]);
			uint32_t got = map_type_at(m, probes[k]);

			if (want == got || (want == MEM_USABLE && got == 0))
				continue;
			fail_msg("round %u: address %#lx: expected %s, got %s", round, probes[k],
				 want ? memmap_type_name(want) : "nothing",
				 got ? memmap_type_name(got) : "nothing");
		}
	}
}

static void garbage_maps_come_out_sorted_disjoint_merged_and_faithful(void **state)
{
	struct memmap *m = *state;

	rnd_state = 0x6b65656c;		/* "keel" */
	for (unsigned round = 0; round < 2000; round++) {
		struct mem_range raw[60];
		unsigned nraw = 0, n = 1 + (unsigned)(rnd() % ARRAY_SIZE(raw));

		memset(m, 0, sizeof(*m));
		for (unsigned i = 0; i < n; i++) {
			uint64_t base = garbage_address(), len = rnd() % 5 ? garbage_address() : 0;
			uint32_t type = rnd() % 8 ? 1 + rnd() % 5 : (uint32_t)rnd();

			if (rnd() % 3 == 0)
				type = MEM_KERNEL + rnd() % 4;
			/* Keep usable out of the last page: that case is its own (failing) test. */
			if (type == MEM_USABLE && base > UINT64_MAX - PAGE_SIZE)
				base -= PAGE_SIZE;
			memmap_add(m, base, len, type);
			if (len)
				raw[nraw++] = m->r[m->n - 1];	/* as clipped by memmap_add */
		}
		assert_int_equal(m->n + m->dropped, n);
		memmap_sanitize(m);
		check_invariants(m, raw, nraw, round);
		{	/* sanitizing a sanitized map changes nothing */
			struct memmap again = *m;

			memmap_sanitize(&again);
			assert_map(&again, m->r, m->n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, new_map, free_map)
		T(overlapping_entries_take_the_higher_priority_type),
		T(priority_order_is_usable_keel_acpi_reclaim_nvs_reserved_bad),
		T(unsorted_input_comes_out_sorted),
		T(zero_length_entries_are_dropped_and_counted),
		T(unaligned_usable_shrinks_inward_to_whole_pages),
		T(usable_is_merged_before_it_is_page_aligned),
		T(adjacent_and_overlapping_ranges_of_one_type_merge),
		T(unknown_types_become_reserved_and_merge_with_it),
		T(entry_wrapping_past_2_64_is_clipped_at_the_top),
		T(usable_range_in_the_last_page_of_the_address_space_is_dropped),
		T(full_map_returns_enomem_and_counts_the_entry_dropped),
		T(sanitize_keeps_the_lowest_ranges_when_the_result_does_not_fit),
		T(reserve_carves_the_kernel_out_of_usable),
		T(reserve_does_not_override_firmware_reservations),
		T(total_and_top_report_per_type),
		T(empty_map_sanitizes_to_empty),
		T(type_names_and_ram_classification),
		T(realistic_qemu_e820_map_sanitizes_and_takes_boot_reservations),
		T(garbage_maps_come_out_sorted_disjoint_merged_and_faithful),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
