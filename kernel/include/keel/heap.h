/*
 * keel/heap.h — the kernel heap: kmalloc/kfree over slab caches and whole pages.
 *
 * Requests up to KMALLOC_MAX_SLAB bytes come from a size-class slab cache; larger ones from
 * the frame allocator as a block of pages. Every object is 16-byte aligned, and a request of a
 * power-of-two size up to a page is aligned to that size. kmalloc never sleeps; it returns
 * NULL when memory is exhausted.
 *
 * Debug builds (KEEL_DEBUG) poison freed objects (0x6b) and check the poison on reuse, and put
 * a redzone (0xbb) after each object, checked on free: a use-after-free write or an overflow
 * panics with the object, its cache and what was found.
 */
#ifndef KEEL_HEAP_H
#define KEEL_HEAP_H

#include <keel/types.h>
#include <keel/list.h>
#include <keel/spinlock.h>

#define KMALLOC_MIN		16
#define KMALLOC_MAX_SLAB	2048
#define HEAP_POISON		0x6b
#define HEAP_REDZONE		0xbb

struct kmem_cache {
	const char *name;
	size_t obj_size;	/* slot size in the slab */
	size_t user_size;	/* bytes a caller may use (slot minus debug trailer) */
	unsigned slab_order;	/* each slab is 2^slab_order pages */
	unsigned per_slab;
	struct spinlock lock;
	struct list_node partial;	/* slabs with free and used objects */
	struct list_node full;
	struct page *empty;		/* at most one fully free slab kept for reuse */
	size_t allocs, frees, slabs;
	struct list_node link;		/* on the list of all caches */
};

/* A cache of objects of `size` bytes (align: power of two, <= PAGE_SIZE, 0 for default). */
int kmem_cache_init(struct kmem_cache *c, const char *name, size_t size, size_t align);
void *kmem_cache_alloc(struct kmem_cache *c);
void kmem_cache_free(struct kmem_cache *c, void *obj);

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* Usable size of an allocated object (>= what was asked). */
size_t ksize(const void *p);

struct heap_stats {
	size_t live_objects;	/* kmalloc'd and kmem_cache objects not yet freed */
	size_t live_bytes;	/* their slot sizes */
	size_t slab_pages;
	size_t large_blocks;
};
void heap_stats(struct heap_stats *st);
/* Prints one line per cache. */
void heap_dump(void);

#endif
