/*
 * keel/memmap.h — the physical memory map: what each range of physical addresses is.
 *
 * Firmware maps arrive unsorted, overlapping, unaligned, with zero-length or unknown entries.
 * memmap_sanitize() turns any such list into sorted, disjoint ranges: where entries overlap
 * the more restrictive type wins (firmware reservations over keel's own, keel's over usable),
 * adjacent ranges of one type merge, usable ranges shrink to whole pages, unknown types become
 * reserved. keel's own reservations (kernel image, modules, boot allocations) are recorded
 * with memmap_reserve(), so the map always says who owns every byte before the frame
 * allocator takes over. Pure: host-tested in tests/unit/test_memmap.c.
 */
#ifndef KEEL_MEMMAP_H
#define KEEL_MEMMAP_H

#include <keel/types.h>

/* Firmware types (E820/Multiboot values), then keel's own. */
enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIM = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
	MEM_KERNEL = 16,	/* the kernel image */
	MEM_MODULE = 17,	/* boot modules (initrd) */
	MEM_BOOTALLOC = 18,	/* taken by the boot allocator (page tables, struct page array) */
	MEM_FIRMWARE_LOW = 19,	/* below LOW_MEM_END: BIOS data, EBDA, VGA, option ROMs */
};

/* Firmware maps have a few dozen entries; 128 leaves room for keel's reservations. */
#define MEMMAP_MAX	128

struct mem_range {
	phys_addr_t base, end;	/* [base, end) */
	uint32_t type;
};

struct memmap {
	struct mem_range r[MEMMAP_MAX];
	unsigned n;
	unsigned dropped;	/* entries ignored: zero length, or no room */
};

/* Appends one raw entry; clips a range that wraps past 2^64. Returns -ENOMEM when full. */
int memmap_add(struct memmap *m, phys_addr_t base, uint64_t len, uint32_t type);
/* Makes m sorted, disjoint, merged and page-aligned as described above. */
void memmap_sanitize(struct memmap *m);
/* Marks [base, base+len) as type, overriding usable memory, and re-sanitizes. */
int memmap_reserve(struct memmap *m, phys_addr_t base, uint64_t len, uint32_t type);
/* Total bytes of the given type. */
uint64_t memmap_total(const struct memmap *m, uint32_t type);
/* End of the highest range of the given type (0 if none). */
phys_addr_t memmap_top(const struct memmap *m, uint32_t type);
/* True when RAM of some kind sits there (usable or owned by keel or ACPI). */
bool memmap_type_is_ram(uint32_t type);
const char *memmap_type_name(uint32_t type);

#endif
