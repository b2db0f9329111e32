/*
 * keel/frame.h — physical frames: struct page and the buddy allocator.
 *
 * Every frame of RAM has a struct page recording its state (who owns it), so the owner of any
 * frame can always be asked — the seed kept such a state in spare PTE bits and scanned for a
 * free one; keel never scans. A free block of order k is 2^k frames aligned to 2^k, linked on
 * free_list[k] of its zone through its first page.
 *
 * Page states: the first page of an allocated block carries its owner state and order; the
 * other pages are PAGE_TAIL and point back to the head. Pages of a free block are PAGE_FREE,
 * with the order recorded on the head only (others hold PAGE_ORDER_NONE).
 *
 * The buddy functions (buddy_*) are pure and host-tested; frame_* wrap them for the kernel's
 * one zone with a lock and the direct map.
 */
#ifndef KEEL_FRAME_H
#define KEEL_FRAME_H

#include <keel/types.h>
#include <keel/list.h>
#include <keel/memlayout.h>

#define MAX_ORDER		10	/* largest block: 2^10 frames = 4 MiB */
#define PAGE_ORDER_NONE		0xff

enum page_state {
	PAGE_RESERVED = 0,	/* not RAM, or RAM the allocator must never hand out */
	PAGE_FREE,
	PAGE_TAIL,		/* not the first page of an allocated block */
	PAGE_KERNEL,		/* general kernel use */
	PAGE_PAGETABLE,
	PAGE_SLAB,		/* owned by a slab cache (page->owner) */
	PAGE_KMALLOC,		/* a large kmalloc block */
	PAGE_BOOT,		/* taken by the boot allocator before the buddy existed */
	PAGE_USER,		/* mapped into user address spaces; aux = mappings (refcount) */
	PAGE_STATE_COUNT
};

struct page {
	struct list_node list;	/* free list (free head) or owner's list (slab) */
	void *owner;		/* slab: its cache */
	void *freelist;		/* slab: first free object */
	uint32_t aux;		/* tail: distance to head; slab head: objects in use */
	uint8_t state;		/* enum page_state */
	uint8_t order;		/* head of a block: its order; else PAGE_ORDER_NONE */
	uint16_t flags;
};

struct zone {
	struct page *pages;	/* pages[i] describes pfn base_pfn + i */
	pfn_t base_pfn;
	size_t npages;
	struct list_node free_list[MAX_ORDER + 1];
	size_t free_blocks[MAX_ORDER + 1];
	size_t alloc_blocks[MAX_ORDER + 1];	/* allocated blocks by order, outstanding */
	size_t free_pages;
	size_t state_pages[PAGE_STATE_COUNT];	/* pages per state (tails count with heads) */
};

struct frame_stats {
	size_t total_pages, free_pages;
	size_t free_blocks[MAX_ORDER + 1];
	size_t alloc_blocks[MAX_ORDER + 1];
	size_t state_pages[PAGE_STATE_COUNT];
};

/* --- pure buddy core (no locking) --- */
/* Sets up z over pages[0..npages) for pfns base_pfn..; every page starts PAGE_RESERVED. */
void buddy_init(struct zone *z, struct page *pages, pfn_t base_pfn, size_t npages);
/* Gives [pfn, pfn+count) to the allocator as free memory (pages must be PAGE_RESERVED). */
void buddy_add_range(struct zone *z, pfn_t pfn, size_t count);
/* Marks [pfn, pfn+count) with state (used for boot allocations and reserved holes). */
void buddy_mark_range(struct zone *z, pfn_t pfn, size_t count, enum page_state state);
struct page *buddy_alloc(struct zone *z, unsigned order, enum page_state state);
/* Frees the block headed by page; panics on a double free or a bad free, saying why. */
void buddy_free(struct zone *z, struct page *page, unsigned order);
void buddy_stats(const struct zone *z, struct frame_stats *st);

static inline pfn_t zone_pfn(const struct zone *z, const struct page *p)
{
	return z->base_pfn + (pfn_t)(p - z->pages);
}

static inline struct page *zone_page(const struct zone *z, pfn_t pfn)
{
	return (pfn >= z->base_pfn && pfn - z->base_pfn < z->npages) ?
	       &z->pages[pfn - z->base_pfn] : NULL;
}

const char *page_state_name(unsigned state);

/* --- the kernel's allocator (irq-safe, any context that may not sleep) --- */
struct page *frame_alloc(unsigned order, enum page_state state);
void frame_free(struct page *page, unsigned order);
/* Convenience: one zeroed page, by direct-map address. NULL when memory is exhausted. */
void *page_alloc_zeroed(enum page_state state);
void page_free(void *va);

struct page *pfn_to_page(pfn_t pfn);
struct page *virt_to_page(const void *va);
phys_addr_t page_to_phys(const struct page *p);
void *page_address(const struct page *p);
/* The head of the allocated block p belongs to. */
struct page *page_head(struct page *p);
void frame_stats(struct frame_stats *st);
bool frame_ready(void);

#endif
