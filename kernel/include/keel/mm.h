/*
 * keel/mm.h — bringing memory management up, and the boot allocator used before it is up.
 */
#ifndef KEEL_MM_H
#define KEEL_MM_H

#include <keel/types.h>

struct boot_info;
struct memmap;

/* Sanitizes the memory map, builds the final page tables, the frame allocator and the heap. */
void mm_init(struct boot_info *bi);
/* The sanitized physical memory map, as mm_init left it. */
const struct memmap *mm_memmap(void);

/* Boot allocator: page-aligned, zeroed, never freed; only until frame_init() has run. */
void bootalloc_init(struct memmap *m);
phys_addr_t bootalloc_pages(size_t npages);
/* Records everything handed out as MEM_BOOTALLOC in m and closes the allocator. */
void bootalloc_finish(struct memmap *m);

void frame_init(struct memmap *m);
void heap_init(void);

#endif
