/*
 * keel/tlb.h — keeping every CPU's TLB in step with page-table changes (docs/tlb.md).
 *
 * Each user page table (struct pagetable) carries a context id (never reused), a flush
 * generation and the set of CPUs that have it loaded — running it, or keeping it in lazy-TLB
 * mode under a kernel thread or the idle loop. Whoever removes or reduces user translations
 * collects them in a tlb_batch and finishes it: the generation goes up, the CPUs in the set
 * that need it get one IPI for the whole batch (a range, or a full flush above
 * TLB_FULL_FLUSH_PAGES), the caller waits until each has flushed, and only then are the
 * frames and page-table pages the batch collected released. CPUs that merely cached the page
 * table in an older tag catch up from the generation when they load it again.
 *
 * The implementation (PCID slots, INVPCID or its emulation, IPIs) is arch code.
 */
#ifndef KEEL_TLB_H
#define KEEL_TLB_H

#include <keel/types.h>
#include <keel/vm.h>
#include <keel/tlb_stats.h>

/* A shootdown of more pages than this flushes the whole context instead. */
#define TLB_FULL_FLUSH_PAGES	32
/* Frames a batch holds in itself (on its caller's stack) before it grows or is flushed. */
#define TLB_BATCH_FRAMES	64
/* A full batch grows once into a block of this order (4096 frames) when memory allows: a
 * large unmap then waits for one shootdown per 16 MiB instead of one per 256 KiB. */
#define TLB_BATCH_GROW_ORDER	3

/* frames points into the batch itself: a batch is never copied. */
struct tlb_batch {
	struct pagetable *pt;
	uintptr_t start, end;		/* user translations changed in [start, end); empty: none */
	phys_addr_t tables;		/* page-table pages to free after the flush (linked list) */
	unsigned nframes, cap;
	phys_addr_t *frames;		/* user frames to release after the flush: [0, nframes) */
	struct page *block;		/* the grown frames array, or NULL: frames is own_frames */
	unsigned block_order;
	phys_addr_t own_frames[TLB_BATCH_FRAMES];
	vm_page_fn release;
};


void tlb_batch_init(struct tlb_batch *b, struct pagetable *pt, vm_page_fn release);
/* True when the batch holds no more frames: grow or flush it. */
static inline bool tlb_batch_full(const struct tlb_batch *b)
{
	return b->nframes >= b->cap;
}
/* Makes room in a full batch without flushing, once, if memory allows; false: flush it. Any
 * context that may not sleep; the frames collected so far stay in it. */
bool tlb_batch_grow(struct tlb_batch *b);
/* Records that the translation of the user page at va changed. */
void tlb_batch_add(struct tlb_batch *b, uintptr_t va);
/* Shoots the recorded range down on every CPU that needs it, then releases what was
 * collected; the batch is empty again afterwards. Call without spinlocks held. */
void tlb_batch_flush(struct tlb_batch *b);
/* Every CPU that may have pt's translations for [start, end) drops them; returns when they
 * have (a batch of its own). */
void tlb_flush_range(struct pagetable *pt, uintptr_t start, uintptr_t end);
/* Every CPU drops every translation of pt. */
void tlb_flush_all_of(struct pagetable *pt);
/* Every CPU drops its translations of the kernel range [start, end) (global ones too). */
void tlb_flush_kernel_range(uintptr_t start, uintptr_t end);

/* Loads pt on this CPU (interrupts off); NULL means "a kernel thread runs": keep whatever is
 * loaded, in lazy-TLB mode. */
void tlb_switch(struct pagetable *pt);
/* Loads kernel_pt on this CPU (interrupts off); whatever was loaded is left. */
void tlb_switch_kernel(void);
/* pt is about to be freed: no CPU may keep it loaded. Returns when none does. */
void tlb_pagetable_release(struct pagetable *pt);
/* A fresh context id (never 0, never reused) for a new page table. */
uint64_t tlb_new_context(void);

void tlb_stats_read(struct tlb_stats *s);
/* One CPU's share of them; false for a CPU that is not online. */
bool tlb_stats_read_cpu(unsigned cpu, struct tlb_stats *s);
/* "pcid on, invpcid on" and the like. */
const char *tlb_mode(void);

#endif
