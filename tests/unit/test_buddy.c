/*
 * tests/unit/test_buddy.c — mm/buddy.c: the buddy allocator over a calloc'd struct page array.
 *
 * After every step that matters, check_zone() re-derives the zone's bookkeeping from the pages
 * themselves (free lists, block alignment, per-state and per-order counters, tail distances)
 * and fails on the first disagreement, so each test also proves the invariants in frame.h.
 * The bad-free tests catch buddy.c's panic() (stubs.c) and check what it says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/frame.h>
#include "stubs.h"

struct fixture {
	struct zone z;
	struct page *pages;
};

static int fixture_new(void **state)
{
	*state = calloc(1, sizeof(struct fixture));
	return *state ? 0 : -1;
}

static int fixture_free(void **state)
{
	struct fixture *f = *state;

	free(f->pages);
	free(f);
	return 0;
}

static struct zone *make_zone(void **state, pfn_t base, size_t npages)
{
	struct fixture *f = *state;

	free(f->pages);
	f->pages = calloc(npages, sizeof(struct page));
	assert_non_null(f->pages);
	buddy_init(&f->z, f->pages, base, npages);
	return &f->z;
}

/* A zone whose pages [base, base+npages) are all free. */
static struct zone *free_zone(void **state, pfn_t base, size_t npages)
{
	struct zone *z = make_zone(state, base, npages);

	buddy_add_range(z, base, npages);
	return z;
}

/* Walks the free lists: each block a free, aligned head of its order, no page in two blocks,
 * counts matching free_blocks[] and free_pages. Marks listed pages in on_list. */
static void check_free_lists(const struct zone *z, unsigned char *on_list)
{
	size_t free_pages = 0;

	for (unsigned k = 0; k <= MAX_ORDER; k++) {
		size_t blocks = 0, n = (size_t)1 << k;

		list_for_each(it, &z->free_list[k]) {
			const struct page *head = list_entry(it, struct page, list);
			pfn_t pfn = zone_pfn(z, head);

			if (head->state != PAGE_FREE || head->order != k)
				fail_msg("free_list[%u] holds pfn %#lx in state %s, order %u", k, pfn,
					 page_state_name(head->state), head->order);
			if (pfn & (n - 1))
				fail_msg("order-%u free block at pfn %#lx is not aligned to %zu", k, pfn, n);
			if (pfn - z->base_pfn + n > z->npages)
				fail_msg("order-%u free block at pfn %#lx runs past the zone", k, pfn);
			for (size_t i = 0; i < n; i++) {
				if (on_list[head - z->pages + i]++)
					fail_msg("pfn %#lx is in two free blocks", pfn + i);
				if (head[i].state != PAGE_FREE)
					fail_msg("pfn %#lx inside the free order-%u block at %#lx is %s",
						 pfn + i, k, pfn, page_state_name(head[i].state));
				if (i && head[i].order != PAGE_ORDER_NONE)
					fail_msg("pfn %#lx, not a head, has order %u", pfn + i, head[i].order);
			}
			blocks++;
			free_pages += n;
		}
		if (blocks != z->free_blocks[k])
			fail_msg("free_blocks[%u] is %zu but the list holds %zu blocks", k,
				 z->free_blocks[k], blocks);
	}
	if (free_pages != z->free_pages)
		fail_msg("free_pages is %zu but the lists hold %zu pages", z->free_pages, free_pages);
}

/* Recounts page states and allocated blocks; every free page must be on a list and every
 * allocated head followed by tails that know their distance to it. */
static void check_page_states(const struct zone *z, const unsigned char *on_list)
{
	size_t states[PAGE_STATE_COUNT] = { 0 }, allocs[MAX_ORDER + 1] = { 0 };

	for (size_t i = 0; i < z->npages; i++) {
		const struct page *p = &z->pages[i];

		states[p->state]++;
		if (p->state == PAGE_FREE && !on_list[i])
			fail_msg("pfn %#lx is free but in no free block", z->base_pfn + i);
		if (p->state <= PAGE_TAIL)
			continue;
		if (p->order > MAX_ORDER || i + ((size_t)1 << p->order) > z->npages)
			fail_msg("allocated pfn %#lx has order %u", z->base_pfn + i, p->order);
		allocs[p->order]++;
		for (size_t t = 1; t < (size_t)1 << p->order; t++)
			if (p[t].state != PAGE_TAIL || p[t].aux != t)
				fail_msg("pfn %#lx in the order-%u block at %#lx: state %s aux %u, expected tail aux %zu",
					 z->base_pfn + i + t, p->order, z->base_pfn + i,
					 page_state_name(p[t].state), p[t].aux, t);
	}
	for (unsigned s = 0; s < PAGE_STATE_COUNT; s++)
		if (states[s] != z->state_pages[s])
			fail_msg("state_pages[%s] is %zu but %zu pages are in that state",
				 page_state_name(s), z->state_pages[s], states[s]);
	for (unsigned k = 0; k <= MAX_ORDER; k++)
		if (allocs[k] != z->alloc_blocks[k])
			fail_msg("alloc_blocks[%u] is %zu but %zu allocated heads have that order", k,
				 z->alloc_blocks[k], allocs[k]);
}

/* Re-derives every counter and list from the pages; fails with the first inconsistency. */
static void check_zone(const struct zone *z)
{
	unsigned char *on_list = calloc(z->npages ? z->npages : 1, 1);

	check_free_lists(z, on_list);
	check_page_states(z, on_list);
	free(on_list);
}

/* Fails unless the free blocks per order are exactly want[0..MAX_ORDER]. */
static void assert_free_blocks(const struct zone *z, const size_t *want)
{
	for (unsigned k = 0; k <= MAX_ORDER; k++)
		if (z->free_blocks[k] != want[k]) {
			char a[128] = "", b[128] = "";

			for (unsigned j = 0; j <= MAX_ORDER; j++) {
				snprintf(a + strlen(a), sizeof(a) - strlen(a), " %zu", want[j]);
				snprintf(b + strlen(b), sizeof(b) - strlen(b), " %zu", z->free_blocks[j]);
			}
			fail_msg("free blocks per order 0..%d: expected%s, got%s", MAX_ORDER, a, b);
		}
}

static uint64_t rnd_state = 0x6b65656c;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void shuffle(void **v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd() % i;
		void *t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* --- building a zone --- */

static void init_marks_every_page_reserved_and_nothing_free(void **state)
{
	struct zone *z = make_zone(state, 100, 37);
	struct frame_stats st;

	for (size_t i = 0; i < 37; i++)
		if (z->pages[i].state != PAGE_RESERVED || z->pages[i].order != PAGE_ORDER_NONE)
			fail_msg("page %zu: expected reserved with no order, got %s order %u", i,
				 page_state_name(z->pages[i].state), z->pages[i].order);
	buddy_stats(z, &st);
	assert_int_equal(st.total_pages, 0);
	assert_int_equal(st.free_pages, 0);
	assert_int_equal(st.state_pages[PAGE_RESERVED], 37);
	assert_null(buddy_alloc(z, 0, PAGE_KERNEL));
	check_zone(z);
}

static void add_range_of_an_aligned_max_block_makes_one_block(void **state)
{
	struct zone *z = free_zone(state, 1024, 1024);
	const size_t want[MAX_ORDER + 1] = { [MAX_ORDER] = 1 };

	check_zone(z);
	assert_free_blocks(z, want);
	assert_int_equal(z->free_pages, 1024);
}

static void add_range_of_2_pow_10_minus_1_pages_makes_one_block_per_order_below_10(void **state)
{
	struct zone *z = free_zone(state, 0, 1023);
	const size_t want[MAX_ORDER + 1] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 };

	check_zone(z);
	assert_free_blocks(z, want);
}

/* Blocks are aligned in absolute pfns, so an unaligned base starts with small blocks. */
static void unaligned_base_and_odd_size_give_absolutely_aligned_blocks(void **state)
{
	const pfn_t base = 0x1003;
	const size_t npages = 5000;
	struct zone *z = free_zone(state, base, npages);
	size_t want[MAX_ORDER + 1] = { 0 };

	/* Reference: greedy largest aligned block that fits, from the bottom up. */
	for (pfn_t p = base; p < base + npages;) {
		unsigned k = MAX_ORDER;

		while (k && ((p & (((pfn_t)1 << k) - 1)) || p + ((pfn_t)1 << k) > base + npages))
			k--;
		want[k]++;
		p += (pfn_t)1 << k;
	}
	check_zone(z);
	assert_free_blocks(z, want);
	assert_int_equal(z->free_pages, npages);
}

static void add_range_merges_with_adjacent_free_ranges(void **state)
{
	struct zone *z = make_zone(state, 0, 1024);
	const size_t one_max[MAX_ORDER + 1] = { [MAX_ORDER] = 1 };

	buddy_add_range(z, 512, 512);
	buddy_add_range(z, 0, 511);
	buddy_add_range(z, 511, 1);		/* the last page completes the max block */
	check_zone(z);
	assert_free_blocks(z, one_max);
}

/* A buddy that lies outside the zone (below a non-aligned base) never merges. */
static void blocks_never_merge_with_buddies_outside_the_zone(void **state)
{
	struct zone *z = free_zone(state, 5, 11);	/* pfns 5..15: 5, 6-7, 8-15 */
	const size_t want[MAX_ORDER + 1] = { 1, 1, 0, 1 };
	struct page *p;

	check_zone(z);
	assert_free_blocks(z, want);
	p = buddy_alloc(z, 0, PAGE_KERNEL);
	assert_int_equal(zone_pfn(z, p), 5);
	buddy_free(z, p, 0);			/* pfn 4 is its buddy: not in the zone */
	check_zone(z);
	assert_free_blocks(z, want);
}

static void blocks_never_merge_across_a_reserved_hole(void **state)
{
	struct zone *z = make_zone(state, 0, 64);
	const size_t want[MAX_ORDER + 1] = { 1, 1, 1, 1, 1, 1 };	/* 33, 34, 36, 40, 48; 0 */

	buddy_add_range(z, 0, 32);
	buddy_add_range(z, 33, 31);		/* pfn 32 stays reserved */
	check_zone(z);
	assert_free_blocks(z, want);
	assert_int_equal(z->pages[32].state, PAGE_RESERVED);
}

/* --- allocating and freeing --- */

/* Splitting: the upper halves of each split go back, one block per order 0..9. */
static void alloc_order_0_from_a_fresh_max_block_leaves_one_free_block_per_lower_order(void **state)
{
	struct zone *z = free_zone(state, 0, 1024);
	const size_t want[MAX_ORDER + 1] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 };
	struct page *p = buddy_alloc(z, 0, PAGE_KERNEL);

	assert_non_null(p);
	check_zone(z);
	assert_free_blocks(z, want);
	assert_int_equal(z->free_pages, 1023);
}

static void alloc_and_free_at_every_order_restore_one_max_block(void **state)
{
	struct zone *z = free_zone(state, 0, 1 << MAX_ORDER);
	const size_t one_max[MAX_ORDER + 1] = { [MAX_ORDER] = 1 };

	for (unsigned k = 0; k <= MAX_ORDER; k++) {
		struct page *p = buddy_alloc(z, k, PAGE_KERNEL);

		if (!p)
			fail_msg("order %u: expected a block from a free max-order zone, got NULL", k);
		if (zone_pfn(z, p) & (((pfn_t)1 << k) - 1))
			fail_msg("order %u block at unaligned pfn %#lx", k, zone_pfn(z, p));
		assert_int_equal(z->free_pages, (1 << MAX_ORDER) - (1 << k));
		assert_int_equal(z->alloc_blocks[k], 1);
		check_zone(z);
		buddy_free(z, p, k);
		check_zone(z);
		assert_free_blocks(z, one_max);
	}
}

static void two_max_order_blocks_then_null(void **state)
{
	struct zone *z = free_zone(state, 0, 2 << MAX_ORDER);
	struct page *a = buddy_alloc(z, MAX_ORDER, PAGE_KERNEL);
	struct page *b = buddy_alloc(z, MAX_ORDER, PAGE_KERNEL);

	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_null(buddy_alloc(z, MAX_ORDER, PAGE_KERNEL));
	assert_null(buddy_alloc(z, 0, PAGE_KERNEL));
	check_zone(z);
}

static void exhaustion_returns_null_and_every_page_was_handed_out_once(void **state)
{
	struct zone *z = free_zone(state, 0x1003, 777);
	unsigned char seen[777] = { 0 };

	for (size_t i = 0; i < 777; i++) {
		struct page *p = buddy_alloc(z, 0, PAGE_KERNEL);

		if (!p)
			fail_msg("allocation %zu of 777 returned NULL", i);
		if (seen[p - z->pages]++)
			fail_msg("pfn %#lx handed out twice", zone_pfn(z, p));
	}
	assert_null(buddy_alloc(z, 0, PAGE_KERNEL));
	assert_int_equal(z->free_pages, 0);
	check_zone(z);
}

static void freeing_everything_in_random_order_merges_back_completely(void **state)
{
	struct zone *z = free_zone(state, 0, 4 << MAX_ORDER);
	const size_t four_max[MAX_ORDER + 1] = { [MAX_ORDER] = 4 };
	void **blocks = calloc(4 << MAX_ORDER, sizeof(void *));
	unsigned *orders = calloc(4 << MAX_ORDER, sizeof(unsigned));
	size_t n = 0;

	/* Mixed orders until even order 0 fails; each block's order rides in a side array. */
	for (;;) {
		unsigned k = rnd() % 4 ? rnd() % 3 : rnd() % (MAX_ORDER + 1);
		struct page *p = buddy_alloc(z, k, (rnd() % 2) ? PAGE_KERNEL : PAGE_SLAB);

		if (!p && !(p = buddy_alloc(z, k = 0, PAGE_KERNEL)))
			break;
		orders[p - z->pages] = k;
		blocks[n++] = p;
	}
	assert_int_equal(z->free_pages, 0);
	check_zone(z);
	shuffle(blocks, n);
	for (size_t i = 0; i < n; i++) {
		struct page *p = blocks[i];

		buddy_free(z, p, orders[p - z->pages]);
		if (i % 97 == 0)
			check_zone(z);
	}
	check_zone(z);
	assert_free_blocks(z, four_max);
	free(blocks);
	free(orders);
}

/* Freeing every other page frees half the memory but no two buddies: no order-1 block. */
static void free_every_other_page_leaves_no_order_1_block_until_the_rest_is_freed(void **state)
{
	struct zone *z = free_zone(state, 0, 1024);
	const size_t one_max[MAX_ORDER + 1] = { [MAX_ORDER] = 1 };
	const size_t singles[MAX_ORDER + 1] = { 512 };
	struct page *pages[1024];

	for (size_t i = 0; i < 1024; i++)
		pages[i] = buddy_alloc(z, 0, PAGE_KERNEL);
	for (size_t i = 0; i < 1024; i++)
		if (zone_pfn(z, pages[i]) % 2 == 0)
			buddy_free(z, pages[i], 0);
	check_zone(z);
	assert_int_equal(z->free_pages, 512);
	assert_free_blocks(z, singles);
	assert_null(buddy_alloc(z, 1, PAGE_KERNEL));
	for (size_t i = 0; i < 1024; i++)
		if (zone_pfn(z, pages[i]) % 2 == 1)
			buddy_free(z, pages[i], 0);
	check_zone(z);
	assert_free_blocks(z, one_max);
}

static void allocation_records_owner_state_order_and_tail_distances(void **state)
{
	struct zone *z = free_zone(state, 0, 64);
	struct page *p = buddy_alloc(z, 3, PAGE_SLAB);

	assert_non_null(p);
	assert_int_equal(p->state, PAGE_SLAB);
	assert_int_equal(p->order, 3);
	assert_int_equal(p->aux, 0);
	for (unsigned i = 1; i < 8; i++) {
		if (p[i].state != PAGE_TAIL || p[i].aux != i)
			fail_msg("page %u of the block: expected tail with aux %u, got %s aux %u", i, i,
				 page_state_name(p[i].state), p[i].aux);
	}
	assert_int_equal(z->state_pages[PAGE_SLAB], 1);
	assert_int_equal(z->state_pages[PAGE_TAIL], 7);
	assert_int_equal(z->state_pages[PAGE_FREE], 56);
	assert_int_equal(z->alloc_blocks[3], 1);
	check_zone(z);
	buddy_free(z, p, 3);
	assert_int_equal(z->state_pages[PAGE_SLAB], 0);
	assert_int_equal(z->state_pages[PAGE_TAIL], 0);
	assert_int_equal(z->alloc_blocks[3], 0);
	check_zone(z);
}

static void free_clears_owner_and_freelist_of_every_page(void **state)
{
	struct zone *z = free_zone(state, 0, 16);
	struct page *p = buddy_alloc(z, 2, PAGE_SLAB);

	p->owner = p;
	p->freelist = p + 1;
	p[3].owner = p;
	buddy_free(z, p, 2);
	for (unsigned i = 0; i < 4; i++)
		if (p[i].owner || p[i].freelist)
			fail_msg("page %u kept owner %p / freelist %p after the free", i, p[i].owner,
				 p[i].freelist);
}

static void stats_report_total_free_blocks_and_states(void **state)
{
	struct zone *z = make_zone(state, 0, 100);
	struct frame_stats st;
	struct page *p;

	buddy_add_range(z, 10, 80);
	buddy_mark_range(z, 90, 4, PAGE_BOOT);
	p = buddy_alloc(z, 2, PAGE_PAGETABLE);
	buddy_stats(z, &st);
	assert_int_equal(st.total_pages, 84);		/* 100 minus 16 reserved */
	assert_int_equal(st.free_pages, 76);
	assert_int_equal(st.state_pages[PAGE_RESERVED], 16);
	assert_int_equal(st.state_pages[PAGE_BOOT], 4);
	assert_int_equal(st.state_pages[PAGE_PAGETABLE], 1);
	assert_int_equal(st.state_pages[PAGE_TAIL], 3);
	assert_int_equal(st.alloc_blocks[2], 1);
	assert_int_equal(st.alloc_blocks[0], 4);
	for (unsigned k = 0; k <= MAX_ORDER; k++)
		assert_int_equal(st.free_blocks[k], z->free_blocks[k]);
	check_zone(z);
	buddy_free(z, p, 2);
	check_zone(z);
}

/* --- buddy_mark_range --- */

static void mark_range_makes_each_page_an_order_0_block_freeable_on_its_own(void **state)
{
	struct zone *z = make_zone(state, 0, 8);
	const size_t one_order3[MAX_ORDER + 1] = { [3] = 1 };

	buddy_add_range(z, 0, 4);
	buddy_mark_range(z, 4, 4, PAGE_BOOT);
	assert_int_equal(z->alloc_blocks[0], 4);
	assert_int_equal(z->state_pages[PAGE_BOOT], 4);
	for (unsigned i = 4; i < 8; i++) {
		assert_int_equal(z->pages[i].state, PAGE_BOOT);
		assert_int_equal(z->pages[i].order, 0);
	}
	check_zone(z);
	buddy_free(z, &z->pages[6], 0);
	buddy_free(z, &z->pages[4], 0);
	buddy_free(z, &z->pages[7], 0);
	buddy_free(z, &z->pages[5], 0);		/* completes 4..7, which joins 0..3 */
	check_zone(z);
	assert_free_blocks(z, one_order3);
}

static void mark_range_skips_pages_that_are_not_reserved(void **state)
{
	struct zone *z = make_zone(state, 0, 8);

	buddy_add_range(z, 0, 4);
	buddy_mark_range(z, 2, 4, PAGE_KERNEL);		/* 2, 3 are free: left alone */
	assert_int_equal(z->pages[2].state, PAGE_FREE);
	assert_int_equal(z->pages[3].state, PAGE_FREE);
	assert_int_equal(z->pages[4].state, PAGE_KERNEL);
	assert_int_equal(z->pages[5].state, PAGE_KERNEL);
	assert_int_equal(z->alloc_blocks[0], 2);
	buddy_mark_range(z, 6, 2, PAGE_RESERVED);	/* marking reserved changes nothing */
	buddy_mark_range(z, 6, 100, PAGE_BOOT);		/* pfns past the zone are skipped */
	assert_int_equal(z->state_pages[PAGE_BOOT], 2);
	assert_int_equal(z->state_pages[PAGE_RESERVED], 0);
	check_zone(z);
}

static void mark_range_refuses_free_and_tail_states(void **state)
{
	struct zone *z = make_zone(state, 0, 8);

	assert_panics_with(buddy_mark_range(z, 0, 1, PAGE_FREE), "assertion failed");
	assert_panics_with(buddy_mark_range(z, 0, 1, PAGE_TAIL), "assertion failed");
	check_zone(z);
}

/* --- bad frees and bad calls panic, saying why --- */

static void double_free_panics(void **state)
{
	struct zone *z = free_zone(state, 0x200, 16);
	struct page *p = buddy_alloc(z, 0, PAGE_KERNEL);
	struct page *q = buddy_alloc(z, 0, PAGE_KERNEL);	/* keeps p's block from merging */
	pfn_t pfn = zone_pfn(z, p);
	char want[64];

	assert_non_null(q);
	buddy_free(z, p, 0);
	snprintf(want, sizeof(want), "double free of pfn %#lx", pfn);
	assert_panics_with(buddy_free(z, p, 0), want);
	check_zone(z);
}

static void double_free_after_a_merge_still_panics(void **state)
{
	struct zone *z = free_zone(state, 0, 16);
	struct page *p = buddy_alloc(z, 0, PAGE_KERNEL);

	buddy_free(z, p, 0);			/* merged straight back into the order-4 block */
	assert_panics_with(buddy_free(z, p, 0), "double free of pfn");
	assert_panics_with(buddy_free(z, p + 5, 0), "double free of pfn 0x5");
}

static void freeing_a_tail_page_panics_naming_the_head(void **state)
{
	struct zone *z = free_zone(state, 0x400, 64);
	struct page *p = buddy_alloc(z, 2, PAGE_KERNEL);
	char want[96];

	snprintf(want, sizeof(want), "pfn %#lx: inside the block at pfn %#lx",
		 zone_pfn(z, p) + 2, zone_pfn(z, p));
	assert_panics_with(buddy_free(z, p + 2, 0), want);
	check_zone(z);
}

static void freeing_at_the_wrong_order_panics(void **state)
{
	struct zone *z = free_zone(state, 0, 64);
	struct page *p = buddy_alloc(z, 1, PAGE_KERNEL);

	assert_panics_with(buddy_free(z, p, 0), "allocated at order 1, freed at order 0");
	assert_panics_with(buddy_free(z, p, 2), "allocated at order 1, freed at order 2");
	assert_panics_with(buddy_free(z, p, MAX_ORDER + 1), "order 11 > MAX_ORDER");
	check_zone(z);
	buddy_free(z, p, 1);			/* the right order still works */
	check_zone(z);
}

static void freeing_a_reserved_page_panics(void **state)
{
	struct zone *z = make_zone(state, 0, 16);

	buddy_add_range(z, 0, 8);
	assert_panics_with(buddy_free(z, &z->pages[12], 0), "pfn 0xc: the page is reserved");
	check_zone(z);
}

static void freeing_a_pointer_outside_the_zone_panics(void **state)
{
	struct zone *z = free_zone(state, 0, 16);
	struct page stray = { .state = PAGE_KERNEL, .order = 0 };

	assert_panics_with(buddy_free(z, &stray, 0), "not a struct page of this zone");
	check_zone(z);
}

static void adding_pages_that_are_not_reserved_panics(void **state)
{
	struct zone *z = make_zone(state, 0, 16);

	buddy_add_range(z, 0, 4);
	assert_panics_with(buddy_add_range(z, 2, 1), "pfn 0x2 is free, not reserved RAM");
	assert_panics_with(buddy_add_range(z, 16, 1), "outside the zone");
}

static void alloc_refuses_free_tail_and_reserved_states(void **state)
{
	struct zone *z = free_zone(state, 0, 16);

	assert_panics_with(buddy_alloc(z, 0, PAGE_FREE), "assertion failed");
	assert_panics_with(buddy_alloc(z, 0, PAGE_RESERVED), "assertion failed");
	assert_panics_with(buddy_alloc(z, MAX_ORDER + 1, PAGE_KERNEL), "assertion failed");
	check_zone(z);
	assert_int_equal(z->free_pages, 16);
}

static void page_state_names_cover_every_state(void **state)
{
	(void)state;
	assert_string_equal(page_state_name(PAGE_RESERVED), "reserved");
	assert_string_equal(page_state_name(PAGE_FREE), "free");
	assert_string_equal(page_state_name(PAGE_TAIL), "tail");
	assert_string_equal(page_state_name(PAGE_BOOT), "boot");
	assert_string_equal(page_state_name(PAGE_STATE_COUNT), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_new, fixture_free)
		T(init_marks_every_page_reserved_and_nothing_free),
		T(add_range_of_an_aligned_max_block_makes_one_block),
		T(add_range_of_2_pow_10_minus_1_pages_makes_one_block_per_order_below_10),
		T(unaligned_base_and_odd_size_give_absolutely_aligned_blocks),
		T(add_range_merges_with_adjacent_free_ranges),
		T(blocks_never_merge_with_buddies_outside_the_zone),
		T(blocks_never_merge_across_a_reserved_hole),
		T(alloc_order_0_from_a_fresh_max_block_leaves_one_free_block_per_lower_order),
		T(alloc_and_free_at_every_order_restore_one_max_block),
		T(two_max_order_blocks_then_null),
		T(exhaustion_returns_null_and_every_page_was_handed_out_once),
		T(freeing_everything_in_random_order_merges_back_completely),
		T(free_every_other_page_leaves_no_order_1_block_until_the_rest_is_freed),
		T(allocation_records_owner_state_order_and_tail_distances),
		T(free_clears_owner_and_freelist_of_every_page),
		T(stats_report_total_free_blocks_and_states),
		T(mark_range_makes_each_page_an_order_0_block_freeable_on_its_own),
		T(mark_range_skips_pages_that_are_not_reserved),
		T(mark_range_refuses_free_and_tail_states),
		T(double_free_panics),
		T(double_free_after_a_merge_still_panics),
		T(freeing_a_tail_page_panics_naming_the_head),
		T(freeing_at_the_wrong_order_panics),
		T(freeing_a_reserved_page_panics),
		T(freeing_a_pointer_outside_the_zone_panics),
		T(adding_pages_that_are_not_reserved_panics),
		T(alloc_refuses_free_tail_and_reserved_states),
		T(page_state_names_cover_every_state),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
