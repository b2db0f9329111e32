/*
 * test/test_heap.c — kmalloc/kfree: sizes, alignment, reuse, large blocks, counters, and the
 * debug checks (poison on free, redzone after each object).
 */
#include <keel/ktest.h>
#include <keel/fault.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/string.h>

KTEST(heap_serves_every_size_class_and_large_sizes)
{
	static const size_t sizes[] = { 1, 8, 15, 16, 17, 100, 200, 500, 1000, 2000, 2040,
					4096, 5000, 100000 };
	void *p[ARRAY_SIZE(sizes)];

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = kmalloc(sizes[i]);
		KT_ASSERT(p[i], "kmalloc(%zu) failed", sizes[i]);
		KT_ASSERT(ksize(p[i]) >= sizes[i], "ksize %zu < %zu", ksize(p[i]), sizes[i]);
		memset(p[i], (int)i, sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		KT_ASSERT(((uint8_t *)p[i])[sizes[i] - 1] == (uint8_t)i,
			  "object %zu overwritten by a neighbour", i);
		kfree(p[i]);
	}
}

KTEST(heap_alignment_is_16_and_natural_for_powers_of_two)
{
	void *p[12];
	int n = 0;

	for (size_t size = 1; size <= PAGE_SIZE; size <<= 1, n++) {
		p[n] = kmalloc(size);
		KT_ASSERT(p[n], "kmalloc(%zu) failed", size);
		KT_ASSERT(IS_ALIGNED((uintptr_t)p[n], 16), "kmalloc(%zu) = %p not 16-aligned", size,
			  p[n]);
		KT_ASSERT(IS_ALIGNED((uintptr_t)p[n], size), "kmalloc(%zu) = %p not size-aligned",
			  size, p[n]);
	}
	while (n)
		kfree(p[--n]);
	void *odd = kmalloc(72);
	KT_ASSERT(odd && IS_ALIGNED((uintptr_t)odd, 16), "kmalloc(72) = %p", odd);
	kfree(odd);
}

KTEST(heap_reuses_a_freed_object_first)
{
	void *a = kmalloc(40), *b;

	KT_ASSERT(a, "kmalloc failed");
	kfree(a);
	b = kmalloc(40);
	kfree(b);
	KT_ASSERT(a == b, "freed object %p not reused (got %p)", a, b);
}

KTEST(heap_counters_track_live_objects)
{
	struct heap_stats s0, s1, s2;
	void *p[50];

	heap_stats(&s0);
	for (int i = 0; i < 50; i++)
		p[i] = kmalloc(64 + i);
	heap_stats(&s1);
	for (int i = 0; i < 50; i++)
		kfree(p[i]);
	heap_stats(&s2);
	KT_EQ(s1.live_objects, s0.live_objects + 50);
	KT_ASSERT(s1.live_bytes >= s0.live_bytes + 50 * 64, "live bytes did not grow");
	KT_EQ(s2.live_objects, s0.live_objects);
	KT_EQ(s2.live_bytes, s0.live_bytes);
}

KTEST(heap_many_objects_fill_and_release_slabs)
{
	enum { N = 600 };
	void **p = kmalloc(N * sizeof(void *));
	struct frame_stats f0, f1;

	KT_ASSERT(p, "no memory");
	frame_stats(&f0);
	for (int i = 0; i < N; i++) {
		p[i] = kmalloc(128);
		KT_ASSERT(p[i], "allocation %d failed", i);
		*(int *)p[i] = i;
	}
	for (int i = 0; i < N; i++)
		KT_ASSERT(*(int *)p[i] == i, "object %d corrupted", i);
	for (int i = N - 1; i >= 0; i--)
		kfree(p[i]);
	kfree(p);
	frame_stats(&f1);
	/* Everything but one empty slab per cache goes back to the frame allocator. */
	KT_ASSERT(f1.free_pages + 4 >= f0.free_pages, "slabs not released: %zu -> %zu free",
		  f0.free_pages, f1.free_pages);
}

#ifdef KEEL_DEBUG
KTEST(heap_poisons_freed_objects)
{
	uint8_t *p = kmalloc(64);

	KT_ASSERT(p, "kmalloc failed");
	memset(p, 0, 64);
	kfree(p);
	for (int i = 8; i < 64; i++)	/* the first word links the free list */
		KT_ASSERT(p[i] == HEAP_POISON, "byte %d is %#x after free", i, p[i]);
}

KTEST(heap_detects_write_after_free)
{
	struct fault_catch fc;
	uint8_t *p = kmalloc(200);

	KT_ASSERT(p, "kmalloc failed");
	kfree(p);
	p[20] = 0;				/* use after free */
	if (fault_catch_begin(&fc)) {
		void *q = kmalloc(200);		/* reuses p and checks the poison */
		fault_catch_end();
		kfree(q);
		KT_ASSERT(false, "write after free not detected");
	}
	p[20] = HEAP_POISON;			/* repair, so the slot stays usable */
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "written after free"), "panic said: %s", fc.msg);
	/* The panicked allocation left the slot off the free list: take it back. */
	kfree(p);
}

KTEST(heap_detects_overflow_into_the_redzone)
{
	struct fault_catch fc;
	char *p = kmalloc(50);

	KT_ASSERT(p, "kmalloc failed");
	p[50] = 'x';				/* one byte past the end */
	if (fault_catch_begin(&fc)) {
		kfree(p);
		fault_catch_end();
		KT_ASSERT(false, "overflow not detected");
	}
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "overflowed"), "panic said: %s", fc.msg);
	p[50] = (char)HEAP_REDZONE;
	kfree(p);
}
#endif

KTEST(kfree_of_a_non_heap_pointer_panics)
{
	struct fault_catch fc;
	struct page *pg = frame_alloc(0, PAGE_KERNEL);

	KT_ASSERT(pg, "no memory");
	if (fault_catch_begin(&fc)) {
		kfree(page_address(pg));
		fault_catch_end();
	}
	frame_free(pg, 0);
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "not a heap object"), "panic said: %s", fc.msg);
}
