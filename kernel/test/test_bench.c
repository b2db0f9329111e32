/*
 * test/test_bench.c — cost of the allocators, measured in the kernel (not a timed assertion:
 * the numbers are printed for the log and the closing notes; the test only checks that every
 * operation succeeded and that the allocators end where they started).
 */
#include <keel/ktest.h>
#include <keel/arch.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/time.h>

#define ROUNDS	2000

static uint64_t ns_per_op(uint64_t cycles, unsigned ops)
{
	return time_cycles_to_ns(cycles) / ops;
}

KTEST(mm_bench_reports_alloc_and_free_costs)
{
	struct frame_stats f0, f1;
	struct heap_stats h0, h1;
	uint64_t t0, c_o0, c_o9, c_km, c_kl;

	frame_stats(&f0);
	heap_stats(&h0);
	t0 = arch_cycles();
	for (int i = 0; i < ROUNDS; i++) {
		struct page *p = frame_alloc(0, PAGE_KERNEL);
		KT_ASSERT(p, "order-0 allocation %d failed", i);
		frame_free(p, 0);
	}
	c_o0 = arch_cycles() - t0;
	t0 = arch_cycles();
	for (int i = 0; i < ROUNDS; i++) {
		struct page *p = frame_alloc(9, PAGE_KERNEL);
		KT_ASSERT(p, "order-9 allocation %d failed", i);
		frame_free(p, 9);
	}
	c_o9 = arch_cycles() - t0;
	t0 = arch_cycles();
	for (int i = 0; i < ROUNDS; i++) {
		void *p = kmalloc(64);
		KT_ASSERT(p, "kmalloc(64) %d failed", i);
		kfree(p);
	}
	c_km = arch_cycles() - t0;
	t0 = arch_cycles();
	for (int i = 0; i < ROUNDS; i++) {
		void *p = kmalloc(1000);
		KT_ASSERT(p, "kmalloc(1000) %d failed", i);
		kfree(p);
	}
	c_kl = arch_cycles() - t0;
	frame_stats(&f1);
	heap_stats(&h1);
	/* Slab caches may keep one empty slab each; every other frame must be back. */
	KT_EQ(f1.free_pages + (h1.slab_pages - h0.slab_pages), f0.free_pages);
	kprintf("bench: frame alloc+free order 0: %lu ns/op, order 9: %lu ns/op; "
		"kmalloc+kfree 64 B: %lu ns/op, 1000 B: %lu ns/op\n",
		ns_per_op(c_o0, ROUNDS), ns_per_op(c_o9, ROUNDS), ns_per_op(c_km, ROUNDS),
		ns_per_op(c_kl, ROUNDS));
}
