/*
 * mm/buddy.c — the buddy allocator core over an array of struct page (see keel/frame.h).
 *
 * The buddy of the order-k block at pfn p is the block at p ^ 2^k; blocks are aligned in
 * absolute pfns, and a buddy outside the zone simply never merges. A freed
 * block merges with its buddy while the buddy is a free head of the same order, then goes on
 * the free list of the final order. Allocation takes the smallest non-empty order >= k and
 * splits the upper halves back onto the lists. Both are O(MAX_ORDER) plus the marking of the
 * block's pages, which keeps every page's state exact (that is what catches bad frees).
 *
 * Pure: no locking, no I/O; frame.c adds both. Host-tested in tests/unit/test_buddy.c.
 */
#include <keel/frame.h>
#include <keel/panic.h>

static const char *const state_names[PAGE_STATE_COUNT] = {
	"reserved", "free", "tail", "kernel", "page table", "slab", "kmalloc", "boot", "user",
};

const char *page_state_name(unsigned state)
{
	return state < PAGE_STATE_COUNT ? state_names[state] : "invalid";
}

void buddy_init(struct zone *z, struct page *pages, pfn_t base_pfn, size_t npages)
{
	z->pages = pages;
	z->base_pfn = base_pfn;
	z->npages = npages;
	z->free_pages = 0;
	for (unsigned k = 0; k <= MAX_ORDER; k++) {
		list_init(&z->free_list[k]);
		z->free_blocks[k] = z->alloc_blocks[k] = 0;
	}
	for (unsigned s = 0; s < PAGE_STATE_COUNT; s++)
		z->state_pages[s] = 0;
	for (size_t i = 0; i < npages; i++) {
		pages[i] = (struct page){ .state = PAGE_RESERVED, .order = PAGE_ORDER_NONE };
		list_init(&pages[i].list);
	}
	z->state_pages[PAGE_RESERVED] = npages;
}

static void set_state(struct zone *z, struct page *p, enum page_state s)
{
	z->state_pages[p->state]--;
	z->state_pages[s]++;
	p->state = s;
}

static void push_free(struct zone *z, struct page *head, unsigned order)
{
	head->order = order;
	list_push(&z->free_list[order], &head->list);
	z->free_blocks[order]++;
}

static void pop_free(struct zone *z, struct page *head, unsigned order)
{
	list_remove(&head->list);
	head->order = PAGE_ORDER_NONE;
	z->free_blocks[order]--;
}

/* Inserts the free block at pfn (its pages already PAGE_FREE), merging with free buddies. */
static void insert_free(struct zone *z, pfn_t pfn, unsigned order)
{
	while (order < MAX_ORDER) {
		pfn_t buddy_pfn = pfn ^ ((pfn_t)1 << order);
		struct page *buddy = zone_page(z, buddy_pfn);

		if (!buddy || buddy->state != PAGE_FREE || buddy->order != order)
			break;
		pop_free(z, buddy, order);
		pfn &= ~((pfn_t)1 << order);
		order++;
	}
	push_free(z, zone_page(z, pfn), order);
}

void buddy_add_range(struct zone *z, pfn_t pfn, size_t count)
{
	pfn_t end = pfn + count;

	for (pfn_t p = pfn; p < end; p++) {
		struct page *pg = zone_page(z, p);

		if (!pg || pg->state != PAGE_RESERVED)
			panic("buddy_add_range: pfn %#lx is %s, not reserved RAM", p,
			      pg ? page_state_name(pg->state) : "outside the zone");
		set_state(z, pg, PAGE_FREE);
		pg->order = PAGE_ORDER_NONE;
	}
	z->free_pages += count;
	while (pfn < end) {			/* largest aligned blocks that fit */
		unsigned order = 0;

		while (order < MAX_ORDER && IS_ALIGNED(pfn, (pfn_t)2 << order) &&
		       pfn + ((pfn_t)2 << order) <= end)
			order++;
		insert_free(z, pfn, order);
		pfn += (pfn_t)1 << order;
	}
}

/* Each marked page becomes its own order-0 block, so it can later be freed on its own. */
void buddy_mark_range(struct zone *z, pfn_t pfn, size_t count, enum page_state state)
{
	assert(state != PAGE_FREE && state != PAGE_TAIL);
	for (pfn_t p = pfn; p < pfn + count; p++) {
		struct page *pg = zone_page(z, p);

		if (!pg || pg->state != PAGE_RESERVED || state == PAGE_RESERVED)
			continue;
		set_state(z, pg, state);
		pg->order = 0;
		z->alloc_blocks[0]++;
	}
}

/* Marks the 2^order pages of the block at head as allocated to state. */
static void claim_block(struct zone *z, struct page *head, unsigned order,
			enum page_state state)
{
	size_t n = (size_t)1 << order;

	set_state(z, head, state);
	head->order = order;
	head->aux = 0;
	for (size_t i = 1; i < n; i++) {
		set_state(z, &head[i], PAGE_TAIL);
		head[i].aux = (uint32_t)i;
	}
	z->alloc_blocks[order]++;
	z->free_pages -= n;
}

struct page *buddy_alloc(struct zone *z, unsigned order, enum page_state state)
{
	unsigned k = order;
	struct page *head;

	assert(order <= MAX_ORDER);
	assert(state != PAGE_FREE && state != PAGE_TAIL && state != PAGE_RESERVED);
	while (k <= MAX_ORDER && list_empty(&z->free_list[k]))
		k++;
	if (k > MAX_ORDER)
		return NULL;
	head = list_first(&z->free_list[k], struct page, list);
	pop_free(z, head, k);
	while (k > order) {			/* give the upper halves back */
		k--;
		push_free(z, head + ((size_t)1 << k), k);
	}
	claim_block(z, head, order, state);
	return head;
}

/* Panics unless page heads an allocated block of this order. */
static void check_free(struct zone *z, struct page *page, unsigned order)
{
	pfn_t pfn;

	if (page < z->pages || page >= z->pages + z->npages)
		panic("frame_free: bad free of %p: not a struct page of this zone", (void *)page);
	pfn = zone_pfn(z, page);
	if (order > MAX_ORDER)
		panic("frame_free: bad free of pfn %#lx: order %u > MAX_ORDER", pfn, order);
	if (page->state == PAGE_FREE)
		panic("frame_free: double free of pfn %#lx (order %u)", pfn, order);
	if (page->state == PAGE_RESERVED)
		panic("frame_free: bad free of pfn %#lx: the page is reserved", pfn);
	if (page->state == PAGE_TAIL)
		panic("frame_free: bad free of pfn %#lx: inside the block at pfn %#lx",
		      pfn, pfn - page->aux);
	if (page->order != order)
		panic("frame_free: bad free of pfn %#lx: allocated at order %u, freed at order %u",
		      pfn, page->order, order);
}

void buddy_free(struct zone *z, struct page *page, unsigned order)
{
	size_t n;

	check_free(z, page, order);
	n = (size_t)1 << order;
	z->alloc_blocks[order]--;
	for (size_t i = 0; i < n; i++) {
		set_state(z, &page[i], PAGE_FREE);
		page[i].order = PAGE_ORDER_NONE;
		page[i].aux = 0;
		page[i].owner = page[i].freelist = NULL;
	}
	z->free_pages += n;
	insert_free(z, zone_pfn(z, page), order);
}

void buddy_stats(const struct zone *z, struct frame_stats *st)
{
	st->total_pages = z->npages - z->state_pages[PAGE_RESERVED];
	st->free_pages = z->free_pages;
	for (unsigned k = 0; k <= MAX_ORDER; k++) {
		st->free_blocks[k] = z->free_blocks[k];
		st->alloc_blocks[k] = z->alloc_blocks[k];
	}
	for (unsigned s = 0; s < PAGE_STATE_COUNT; s++)
		st->state_pages[s] = z->state_pages[s];
}
