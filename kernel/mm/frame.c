/*
 * mm/frame.c — the kernel's physical frame allocator: one zone of all RAM.
 *
 * The struct page array covers pfn 0 up to the end of the highest RAM range, holes included
 * (they stay PAGE_RESERVED); it is 40 bytes per 4 KiB frame, about 1% of RAM. Usable ranges
 * go to the buddy core; RAM keel already owns (kernel image, modules, boot allocations, low
 * memory) is marked with its state so every frame has an answer to "whose is this?".
 *
 * Locking: zone_lock (irq-safe) guards the zone: free lists, counters and page states of free
 * blocks. The fields of an allocated page belong to its owner.
 */
#include <keel/frame.h>
#include <keel/log.h>
#include <keel/memmap.h>
#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <keel/vm.h>

static struct zone zone;
static struct spinlock zone_lock = SPINLOCK_INIT("zone");
static bool ready;

static enum page_state state_for(uint32_t mem_type)
{
	switch (mem_type) {
	case MEM_KERNEL: case MEM_MODULE: return PAGE_KERNEL;
	case MEM_BOOTALLOC: return PAGE_BOOT;
	default: return PAGE_RESERVED;	/* low memory and firmware RAM stay untouchable */
	}
}

void frame_init(struct memmap *m)
{
	pfn_t npfn = 0;
	size_t array_pages;
	struct page *pages;

	for (unsigned i = 0; i < m->n; i++)
		if (memmap_type_is_ram(m->r[i].type))
			npfn = MAX(npfn, ALIGN_UP(m->r[i].end, PAGE_SIZE) >> PAGE_SHIFT);
	array_pages = ALIGN_UP(npfn * sizeof(struct page), PAGE_SIZE) / PAGE_SIZE;
	pages = phys_to_virt(bootalloc_pages(array_pages));
	bootalloc_finish(m);

	buddy_init(&zone, pages, 0, npfn);
	for (unsigned i = 0; i < m->n; i++) {
		const struct mem_range *r = &m->r[i];
		pfn_t first = ALIGN_UP(r->base, PAGE_SIZE) >> PAGE_SHIFT;
		pfn_t last = ALIGN_DOWN(r->end, PAGE_SIZE) >> PAGE_SHIFT;

		if (!memmap_type_is_ram(r->type) || last <= first)
			continue;
		if (r->type == MEM_USABLE)
			buddy_add_range(&zone, first, last - first);
		else
			buddy_mark_range(&zone, first, last - first, state_for(r->type));
	}
	ready = true;
	pr_info("mm: %zu frames (%zu MiB) free, struct page array %zu KiB for %lu pfns\n",
		zone.free_pages, zone.free_pages >> (20 - PAGE_SHIFT),
		array_pages * PAGE_SIZE / 1024, npfn);
}

bool frame_ready(void)
{
	return ready;
}

struct page *frame_alloc(unsigned order, enum page_state state)
{
	bool f = spin_lock_irqsave(&zone_lock);
	struct page *p = buddy_alloc(&zone, order, state);

	spin_unlock_irqrestore(&zone_lock, f);
	return p;
}

void frame_free(struct page *page, unsigned order)
{
	bool f = spin_lock_irqsave(&zone_lock);

	buddy_free(&zone, page, order);
	spin_unlock_irqrestore(&zone_lock, f);
}

void *page_alloc_zeroed(enum page_state state)
{
	struct page *p = frame_alloc(0, state);

	if (!p)
		return NULL;
	memset(page_address(p), 0, PAGE_SIZE);
	return page_address(p);
}

void page_free(void *va)
{
	frame_free(virt_to_page(va), 0);
}

struct page *pfn_to_page(pfn_t pfn)
{
	return zone_page(&zone, pfn);
}

struct page *virt_to_page(const void *va)
{
	return pfn_to_page(virt_to_phys(va) >> PAGE_SHIFT);
}

phys_addr_t page_to_phys(const struct page *p)
{
	return zone_pfn(&zone, p) << PAGE_SHIFT;
}

void *page_address(const struct page *p)
{
	return phys_to_virt(page_to_phys(p));
}

struct page *page_head(struct page *p)
{
	return p->state == PAGE_TAIL ? p - p->aux : p;
}

void frame_stats(struct frame_stats *st)
{
	bool f = spin_lock_irqsave(&zone_lock);

	buddy_stats(&zone, st);
	spin_unlock_irqrestore(&zone_lock, f);
}
