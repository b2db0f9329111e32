/*
 * mm/heap.c — slab caches and kmalloc (see keel/heap.h).
 *
 * A slab is a naturally aligned block of 2^slab_order pages cut into equal slots; its
 * bookkeeping lives in the struct page of its first page (owner = cache, freelist = first free
 * slot, aux = slots in use), so slots start at offset 0 and power-of-two slots are naturally
 * aligned. A free slot's first 8 bytes link to the next free slot.
 *
 * Debug trailer (KEEL_DEBUG): the last 4 bytes of a slot hold the requested size; the bytes
 * from there back to the end of the request are redzone. Free slots are poison except the
 * link. Violations panic with the object, the cache and what was found.
 *
 * Locking: each cache's lock guards its slab lists and the slabs' struct page fields. Lock
 * order: cache lock, then the frame allocator's zone lock.
 */
#include <keel/heap.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/log.h>
#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/printf.h>
#include <keel/string.h>

#ifdef KEEL_DEBUG
#define TRAILER		8	/* >= 4 bytes of redzone + the 4-byte size */
#else
#define TRAILER		0
#endif
#define MIN_PER_SLAB	8

static const size_t kmalloc_sizes[] = { 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048 };
static struct kmem_cache kmalloc_caches[ARRAY_SIZE(kmalloc_sizes)];
static char kmalloc_names[ARRAY_SIZE(kmalloc_sizes)][16];
static struct list_node all_caches = LIST_HEAD_INIT(all_caches);
static struct spinlock all_caches_lock = SPINLOCK_INIT("kmem_caches");
static size_t live_objects, live_bytes, slab_pages, large_blocks;

static void count(size_t *c, long delta)
{
	__atomic_add_fetch(c, (size_t)delta, __ATOMIC_RELAXED);
}

/* Sets c up with slots of exactly obj_size bytes (the debug trailer comes out of them). */
static void cache_setup(struct kmem_cache *c, const char *name, size_t obj_size)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->obj_size = obj_size;
	c->user_size = obj_size - TRAILER;
	while ((PAGE_SIZE << c->slab_order) / c->obj_size < MIN_PER_SLAB)
		c->slab_order++;
	c->per_slab = (PAGE_SIZE << c->slab_order) / c->obj_size;
	spin_init(&c->lock, name);
	list_init(&c->partial);
	list_init(&c->full);
	bool f = spin_lock_irqsave(&all_caches_lock);
	list_append(&all_caches, &c->link);
	spin_unlock_irqrestore(&all_caches_lock, f);
}

int kmem_cache_init(struct kmem_cache *c, const char *name, size_t size, size_t align)
{
	if (!align)
		align = 16;
	if (size == 0 || (align & (align - 1)) || align > PAGE_SIZE || size > KMALLOC_MAX_SLAB)
		return -EINVAL;
	cache_setup(c, name, ALIGN_UP(MAX(size + TRAILER, 8), align));
	return 0;
}

#ifdef KEEL_DEBUG
static uint32_t *trailer_size(struct kmem_cache *c, void *obj)
{
	return (uint32_t *)((char *)obj + c->obj_size - 4);
}

static void set_trailer(struct kmem_cache *c, void *obj, size_t requested)
{
	memset((char *)obj + requested, HEAP_REDZONE, c->obj_size - 4 - requested);
	*trailer_size(c, obj) = (uint32_t)requested;
}

/* First offset in [from, to) of obj whose byte is not v, or -1. */
static long find_not(const void *obj, size_t from, size_t to, uint8_t v)
{
	for (size_t i = from; i < to; i++)
		if (((const uint8_t *)obj)[i] != v)
			return (long)i;
	return -1;
}

/* Checks the poison of a slot just taken, then gives it its trailer. The check panics only
 * after that, so the object is a valid allocation either way (a caught panic can free it). */
static void check_poison_and_claim(struct kmem_cache *c, void *obj)
{
	long bad = find_not(obj, 8, c->obj_size, HEAP_POISON);
	uint8_t found = bad >= 0 ? ((uint8_t *)obj)[bad] : 0;

	set_trailer(c, obj, c->user_size);
	if (bad >= 0)
		panic("heap: %s object %p was written after free (byte %ld is %#x, not poison)",
		      c->name, obj, bad, found);
}

static void check_redzone(struct kmem_cache *c, void *obj)
{
	uint32_t req = *trailer_size(c, obj);
	long bad;

	if (req > c->user_size)
		panic("heap: %s object %p: double free or corrupted trailer (size field %#x)",
		      c->name, obj, req);
	bad = find_not(obj, req, c->obj_size - 4, HEAP_REDZONE);
	if (bad >= 0)
		panic("heap: %s object %p (%u bytes) overflowed: redzone byte %ld is %#x",
		      c->name, obj, req, bad, ((uint8_t *)obj)[bad]);
}
#endif

/* A new slab with every slot free; NULL when out of frames. Caller holds c->lock. */
static struct page *slab_create(struct kmem_cache *c)
{
	struct page *s = frame_alloc(c->slab_order, PAGE_SLAB);
	char *base;

	if (!s)
		return NULL;
	base = page_address(s);
#ifdef KEEL_DEBUG
	memset(base, HEAP_POISON, PAGE_SIZE << c->slab_order);
#endif
	s->owner = c;
	s->aux = 0;
	s->freelist = NULL;
	for (unsigned i = c->per_slab; i-- > 0;) {
		void **slot = (void **)(base + i * c->obj_size);

		*slot = s->freelist;
		s->freelist = slot;
	}
	c->slabs++;
	count(&slab_pages, 1L << c->slab_order);
	return s;
}

static void slab_destroy(struct kmem_cache *c, struct page *s)
{
	c->slabs--;
	count(&slab_pages, -(1L << c->slab_order));
	frame_free(s, c->slab_order);
}

/* A slab with a free slot, on the partial list. Caller holds c->lock. */
static struct page *slab_with_room(struct kmem_cache *c)
{
	struct page *s;

	if (!list_empty(&c->partial))
		return list_first(&c->partial, struct page, list);
	s = c->empty;
	c->empty = NULL;
	if (!s)
		s = slab_create(c);
	if (s)
		list_push(&c->partial, &s->list);
	return s;
}

void *kmem_cache_alloc(struct kmem_cache *c)
{
	bool f = spin_lock_irqsave(&c->lock);
	struct page *s = slab_with_room(c);
	void **obj = NULL;

	if (s) {
		obj = s->freelist;
		s->freelist = *obj;
		if (++s->aux == c->per_slab) {
			list_remove(&s->list);
			list_push(&c->full, &s->list);
		}
		c->allocs++;
	}
	spin_unlock_irqrestore(&c->lock, f);
	if (!obj)
		return NULL;
	count(&live_objects, 1);
	count(&live_bytes, (long)c->obj_size);
#ifdef KEEL_DEBUG
	check_poison_and_claim(c, obj);
#endif
	return obj;
}

/* Panics unless obj is the start of a slot of a slab of c. */
static struct page *slab_of(struct kmem_cache *c, void *obj)
{
	struct page *s = page_head(virt_to_page(obj));
	uintptr_t off = (uintptr_t)obj - (uintptr_t)page_address(s);

	if (s->state != PAGE_SLAB || s->owner != c)
		panic("heap: free of %p to cache %s: not one of its objects", obj, c->name);
	if (off % c->obj_size || off / c->obj_size >= c->per_slab)
		panic("heap: free of %p: not the start of a %s object", obj, c->name);
	return s;
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct page *s = slab_of(c, obj);
	struct page *to_free = NULL;
	bool f;

#ifdef KEEL_DEBUG
	check_redzone(c, obj);
	memset(obj, HEAP_POISON, c->obj_size);
#endif
	f = spin_lock_irqsave(&c->lock);
	*(void **)obj = s->freelist;
	s->freelist = obj;
	if (s->aux-- == c->per_slab) {
		list_remove(&s->list);
		list_push(&c->partial, &s->list);
	}
	if (s->aux == 0) {
		list_remove(&s->list);
		if (c->empty)
			to_free = s;
		else
			c->empty = s;
	}
	c->frees++;
	if (to_free)
		slab_destroy(c, to_free);
	spin_unlock_irqrestore(&c->lock, f);
	count(&live_objects, -1);
	count(&live_bytes, -(long)c->obj_size);
}

/* Smallest class that fits; a power-of-two request only takes power-of-two slots, which
 * keeps it naturally aligned. */
static struct kmem_cache *kmalloc_cache(size_t size)
{
	bool pow2 = (size & (size - 1)) == 0;

	for (size_t i = 0; i < ARRAY_SIZE(kmalloc_caches); i++) {
		struct kmem_cache *c = &kmalloc_caches[i];

		if (c->user_size >= size && (!pow2 || (c->obj_size & (c->obj_size - 1)) == 0))
			return c;
	}
	return NULL;
}

static void *kmalloc_large(size_t size)
{
	unsigned order = 0;
	struct page *p;

	while ((PAGE_SIZE << order) < size)
		if (++order > MAX_ORDER)
			return NULL;
	p = frame_alloc(order, PAGE_KMALLOC);
	if (!p)
		return NULL;
	p->aux = (uint32_t)MIN(size, UINT32_MAX);
	count(&large_blocks, 1);
	count(&live_objects, 1);
	count(&live_bytes, (long)(PAGE_SIZE << order));
	return page_address(p);
}

void *kmalloc(size_t size)
{
	struct kmem_cache *c = kmalloc_cache(MAX(size, 1));
	void *obj;

	if (!c)
		return kmalloc_large(size);
	obj = kmem_cache_alloc(c);
#ifdef KEEL_DEBUG
	if (obj)
		set_trailer(c, obj, MAX(size, 1));
#endif
	return obj;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	struct page *head;

	if (!p)
		return;
	head = page_head(virt_to_page(p));
	if (head->state == PAGE_SLAB) {
		kmem_cache_free(head->owner, p);
		return;
	}
	if (head->state != PAGE_KMALLOC || p != page_address(head))
		panic("kfree: %p is not a heap object (its page is %s)", p,
		      page_state_name(head->state));
	count(&large_blocks, -1);
	count(&live_objects, -1);
	count(&live_bytes, -(long)(PAGE_SIZE << head->order));
	frame_free(head, head->order);
}

size_t ksize(const void *p)
{
	struct page *head = page_head(virt_to_page(p));

	if (head->state == PAGE_SLAB)
		return ((struct kmem_cache *)head->owner)->user_size;
	return PAGE_SIZE << head->order;
}

void heap_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++) {
		snprintf(kmalloc_names[i], sizeof(kmalloc_names[i]), "kmalloc-%zu", kmalloc_sizes[i]);
		cache_setup(&kmalloc_caches[i], kmalloc_names[i], kmalloc_sizes[i]);
	}
	pr_info("heap: %zu kmalloc caches, %d..%d bytes%s\n", ARRAY_SIZE(kmalloc_sizes),
		KMALLOC_MIN, KMALLOC_MAX_SLAB, TRAILER ? ", debug poison and redzones on" : "");
}

void heap_stats(struct heap_stats *st)
{
	st->live_objects = __atomic_load_n(&live_objects, __ATOMIC_RELAXED);
	st->live_bytes = __atomic_load_n(&live_bytes, __ATOMIC_RELAXED);
	st->slab_pages = __atomic_load_n(&slab_pages, __ATOMIC_RELAXED);
	st->large_blocks = __atomic_load_n(&large_blocks, __ATOMIC_RELAXED);
}

void heap_dump(void)
{
	bool f = spin_lock_irqsave(&all_caches_lock);

	list_for_each(it, &all_caches) {
		struct kmem_cache *c = list_entry(it, struct kmem_cache, link);

		kprintf("  %-14s slot %5zu  slabs %4zu  allocs %8zu  frees %8zu\n", c->name,
			c->obj_size, c->slabs, c->allocs, c->frees);
	}
	spin_unlock_irqrestore(&all_caches_lock, f);
}
