/*
 * test/test_mm.c — the memory map sanitizer, the buddy core on a private zone, and the
 * kernel's frame allocator on real memory.
 */
#include <keel/ktest.h>
#include <keel/fault.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/memmap.h>
#include <keel/mm.h>
#include <keel/string.h>
#include <keel/vm.h>

static struct memmap test_map;

KTEST(memmap_sanitize_resolves_overlaps_by_priority)
{
	struct memmap *m = &test_map;

	memset(m, 0, sizeof(*m));
	memmap_add(m, 0x100000, 0x700000, MEM_USABLE);		/* 1..8 MiB */
	memmap_add(m, 0x300000, 0x100000, MEM_RESERVED);		/* hole at 3 MiB */
	memmap_add(m, 0x200000, 0x200000, MEM_ACPI_RECLAIM);	/* 2..4 MiB */
	memmap_sanitize(m);
	KT_EQ(m->n, 4);
	KT_EQ(m->r[0].base, 0x100000); KT_EQ(m->r[0].end, 0x200000); KT_EQ(m->r[0].type, MEM_USABLE);
	KT_EQ(m->r[1].end, 0x300000); KT_EQ(m->r[1].type, MEM_ACPI_RECLAIM);
	KT_EQ(m->r[2].end, 0x400000); KT_EQ(m->r[2].type, MEM_RESERVED);
	KT_EQ(m->r[3].base, 0x400000); KT_EQ(m->r[3].end, 0x800000);
}

KTEST(memmap_sanitize_drops_empty_aligns_and_merges)
{
	struct memmap *m = &test_map;

	memset(m, 0, sizeof(*m));
	memmap_add(m, 0x5000, 0, MEM_USABLE);			/* zero length */
	memmap_add(m, 0x10001, 0x3000, MEM_USABLE);		/* unaligned: 0x11000..0x13000 */
	memmap_add(m, 0x13001, 0xfff, MEM_USABLE);		/* no whole page alone... */
	memmap_add(m, 0x20000, 0x1000, 77);			/* unknown type */
	memmap_add(m, 0x21000, 0x1000, MEM_RESERVED);		/* merges with it */
	memmap_sanitize(m);
	KT_EQ(m->dropped, 1);
	KT_EQ(m->n, 2);
	/* ...but neighbours merge before aligning, so together they reach 0x14000. */
	KT_EQ(m->r[0].base, 0x11000); KT_EQ(m->r[0].end, 0x14000);
	KT_EQ(m->r[1].base, 0x20000); KT_EQ(m->r[1].end, 0x22000); KT_EQ(m->r[1].type, MEM_RESERVED);
}

KTEST(memmap_reserve_carves_usable)
{
	struct memmap *m = &test_map;

	memset(m, 0, sizeof(*m));
	memmap_add(m, 0, 0x1000000, MEM_USABLE);
	memmap_reserve(m, 0x100000, 0x80000, MEM_KERNEL);
	KT_EQ(m->n, 3);
	KT_EQ(m->r[1].type, MEM_KERNEL);
	KT_EQ(memmap_total(m, MEM_USABLE), 0x1000000 - 0x80000);
	KT_EQ(memmap_top(m, MEM_USABLE), 0x1000000);
}

/* A private zone over `npages` struct pages, none backed by real memory (the core never
 * touches the frames themselves). */
#define TZ_PAGES	2048
static struct zone tz;

static struct page *tz_setup(pfn_t base, size_t n)
{
	struct page *pages = kmalloc(TZ_PAGES * sizeof(struct page));

	if (pages) {
		buddy_init(&tz, pages, base, n);
		buddy_add_range(&tz, base, n);
	}
	return pages;
}

KTEST(buddy_splits_a_large_block_for_a_small_request)
{
	struct page *pages = tz_setup(0x100000, 1024), *p;
	struct frame_stats st;

	KT_ASSERT(pages, "no memory for the test zone");
	p = buddy_alloc(&tz, 0, PAGE_KERNEL);
	buddy_stats(&tz, &st);
	kfree(pages);
	KT_ASSERT(p != NULL, "order-0 allocation failed");
	for (unsigned k = 0; k < MAX_ORDER; k++)
		KT_ASSERT(st.free_blocks[k] == 1, "order %u has %zu free blocks, want 1", k,
			  st.free_blocks[k]);
	KT_EQ(st.free_blocks[MAX_ORDER], 0);
	KT_EQ(st.free_pages, 1023);
}

KTEST(buddy_merges_buddies_back_on_free)
{
	struct page *pages = tz_setup(0x200000, 1024), *a, *b, *c;
	struct frame_stats st;

	KT_ASSERT(pages, "no memory for the test zone");
	a = buddy_alloc(&tz, 0, PAGE_KERNEL);
	b = buddy_alloc(&tz, 3, PAGE_KERNEL);
	c = buddy_alloc(&tz, 0, PAGE_KERNEL);
	buddy_free(&tz, c, 0);
	buddy_free(&tz, a, 0);
	buddy_free(&tz, b, 3);
	buddy_stats(&tz, &st);
	kfree(pages);
	KT_EQ(st.free_blocks[MAX_ORDER], 1);
	KT_EQ(st.free_pages, 1024);
	for (unsigned k = 0; k < MAX_ORDER; k++)
		KT_EQ(st.free_blocks[k], 0);
}

KTEST(buddy_exhaustion_returns_null_and_recovers)
{
	struct page *pages = tz_setup(0x300000, 64), *got[64];
	size_t n = 0;

	KT_ASSERT(pages, "no memory for the test zone");
	while (n < 64 && (got[n] = buddy_alloc(&tz, 0, PAGE_KERNEL)))
		n++;
	bool null_at_end = buddy_alloc(&tz, 0, PAGE_KERNEL) == NULL;
	bool big_null = buddy_alloc(&tz, 1, PAGE_KERNEL) == NULL;
	while (n)
		buddy_free(&tz, got[--n], 0);
	struct page *whole = buddy_alloc(&tz, 6, PAGE_KERNEL);
	kfree(pages);
	KT_ASSERT(null_at_end && big_null, "allocation from an exhausted zone succeeded");
	KT_ASSERT(whole != NULL, "64 freed pages did not merge into one order-6 block");
}

KTEST(buddy_fragmentation_blocks_higher_orders_until_freed)
{
	struct page *pages = tz_setup(0x400000, 256), *got[256];
	struct frame_stats st;
	bool order1_failed;

	KT_ASSERT(pages, "no memory for the test zone");
	for (int i = 0; i < 256; i++)
		got[i] = buddy_alloc(&tz, 0, PAGE_KERNEL);
	for (int i = 0; i < 256; i += 2)
		buddy_free(&tz, got[i], 0);
	order1_failed = buddy_alloc(&tz, 1, PAGE_KERNEL) == NULL;
	buddy_stats(&tz, &st);
	for (int i = 1; i < 256; i += 2)
		buddy_free(&tz, got[i], 0);
	struct page *all = buddy_alloc(&tz, 8, PAGE_KERNEL);
	kfree(pages);
	KT_ASSERT(order1_failed, "order-1 block found in a checkerboard of free pages");
	KT_EQ(st.free_blocks[0], 128);
	KT_ASSERT(all != NULL, "fully freed zone did not merge to order 8");
}

KTEST(frame_alloc_gives_distinct_usable_memory)
{
	struct frame_stats before, during, after;
	struct page *a, *b;
	uint64_t *pa, *pb;

	frame_stats(&before);
	a = frame_alloc(0, PAGE_KERNEL);
	b = frame_alloc(9, PAGE_KERNEL);
	KT_ASSERT(a && b, "allocation failed with %zu pages free", before.free_pages);
	pa = page_address(a);
	pb = page_address(b);
	pa[0] = 0x1111;
	pb[(512 * PAGE_SIZE) / 8 - 1] = 0x2222;		/* last word of the 2 MiB block */
	KT_ASSERT(IS_ALIGNED(page_to_phys(b), 512 * PAGE_SIZE), "order-9 block not 2 MiB aligned");
	KT_ASSERT(page_head(b + 100) == b, "tail page does not lead back to its head");
	frame_stats(&during);
	KT_EQ(during.free_pages, before.free_pages - 513);
	KT_EQ(pa[0] + pb[(512 * PAGE_SIZE) / 8 - 1], 0x3333);
	frame_free(a, 0);
	frame_free(b, 9);
	frame_stats(&after);
	KT_EQ(after.free_pages, before.free_pages);
}

/*
 * The bad-free checks run on the private zone: the kernel's frame_free() makes them under the
 * zone lock, which a caught panic would leave held.
 */
KTEST(buddy_double_free_panics_with_the_pfn)
{
	struct page *pages = tz_setup(0x500000, 16), *p;
	struct fault_catch fc;

	KT_ASSERT(pages, "no memory for the test zone");
	p = buddy_alloc(&tz, 0, PAGE_KERNEL);
	buddy_free(&tz, p, 0);
	if (fault_catch_begin(&fc)) {
		buddy_free(&tz, p, 0);
		fault_catch_end();
	}
	kfree(pages);
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "double free of pfn 0x500000"), "panic said: %s", fc.msg);
}

KTEST(buddy_bad_free_of_a_tail_or_wrong_order_panics)
{
	struct page *pages = tz_setup(0x600000, 16), *p;
	struct fault_catch fc;
	bool tail_caught = false, order_caught = false, reserved_caught = false;

	KT_ASSERT(pages, "no memory for the test zone");
	p = buddy_alloc(&tz, 2, PAGE_KERNEL);
	if (fault_catch_begin(&fc)) {
		buddy_free(&tz, p + 1, 0);
		fault_catch_end();
	} else {
		tail_caught = fc.vector == FAULT_PANIC && strstr(fc.msg, "inside the block");
	}
	if (fault_catch_begin(&fc)) {
		buddy_free(&tz, p, 1);
		fault_catch_end();
	} else {
		order_caught = fc.vector == FAULT_PANIC && strstr(fc.msg, "freed at order 1");
	}
	buddy_init(&tz, pages, 0x600000, 16);		/* all reserved again */
	if (fault_catch_begin(&fc)) {
		buddy_free(&tz, &pages[3], 0);
		fault_catch_end();
	} else {
		reserved_caught = fc.vector == FAULT_PANIC && strstr(fc.msg, "reserved");
	}
	kfree(pages);
	KT_ASSERT(tail_caught, "free of a tail page not caught");
	KT_ASSERT(order_caught, "free at the wrong order not caught");
	KT_ASSERT(reserved_caught, "free of a reserved page not caught");
}

KTEST(frame_states_account_for_every_ram_page)
{
	struct frame_stats st;
	size_t sum = 0;

	frame_stats(&st);
	for (int s = PAGE_FREE; s < PAGE_STATE_COUNT; s++)
		sum += st.state_pages[s];
	KT_EQ(sum, st.total_pages);
	KT_EQ(st.state_pages[PAGE_FREE], st.free_pages);
	KT_ASSERT(st.state_pages[PAGE_KERNEL] > 0, "kernel image not recorded in page states");
	KT_ASSERT(st.state_pages[PAGE_BOOT] > 0, "boot allocations not recorded");
}
