/*
 * mm/bootalloc.c — the boot allocator: pages for early page tables and the struct page array.
 *
 * Hands out pages downward from the top of the largest usable range below BOOT_MAP_SIZE (so the
 * boot direct map reaches them). Allocations are never freed; bootalloc_finish() records the
 * whole span in the memory map as MEM_BOOTALLOC, and the frame allocator marks it PAGE_BOOT.
 */
#include <keel/mm.h>
#include <keel/memmap.h>
#include <keel/memlayout.h>
#include <keel/panic.h>
#include <keel/string.h>
#include <keel/vm.h>

static phys_addr_t span_low, span_top, cur;
static bool closed;

void bootalloc_init(struct memmap *m)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < m->n; i++) {
		struct mem_range *r = &m->r[i];
		phys_addr_t end = MIN(r->end, BOOT_MAP_SIZE);

		if (r->type != MEM_USABLE || r->base >= end || end - r->base <= best)
			continue;
		best = end - r->base;
		span_low = r->base;
		span_top = end;
	}
	if (!best)
		panic("bootalloc: no usable memory below %#lx", BOOT_MAP_SIZE);
	cur = span_top;
}

phys_addr_t bootalloc_pages(size_t npages)
{
	uint64_t bytes = npages * PAGE_SIZE;

	if (closed)
		panic("bootalloc_pages: called after the frame allocator took over");
	if (cur - span_low < bytes)
		panic("bootalloc_pages: out of boot memory (%zu pages wanted)", npages);
	cur -= bytes;
	memset(phys_to_virt(cur), 0, bytes);
	return cur;
}

void bootalloc_finish(struct memmap *m)
{
	closed = true;
	if (cur < span_top && memmap_reserve(m, cur, span_top - cur, MEM_BOOTALLOC))
		panic("bootalloc: no room in the memory map to record boot allocations");
}
