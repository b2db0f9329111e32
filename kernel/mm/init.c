/*
 * mm/init.c — memory bring-up: the map, then page tables, frames and the heap.
 *
 * Owns the sanitized memory map for the life of the kernel (mm_memmap()). A map that is
 * garbage or leaves less than MIN_USABLE_RAM is refused with a message and a halt: keel stops
 * before it would fault on memory it does not have.
 */
#include <keel/mm.h>
#include <keel/arch.h>
#include <keel/boot.h>
#include <keel/console.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/memmap.h>
#include <keel/printf.h>
#include <keel/vm.h>

extern char __kernel_phys_start[], __kernel_phys_end[];

static struct memmap memmap;

const struct memmap *mm_memmap(void)
{
	return &memmap;
}

static __noreturn void memory_fail(const char *fmt, uint64_t v)
{
	kprintf("keel: ");
	kprintf(fmt, v);
	kprintf("\nkeel: cannot continue; halting.\n");
	console_drain();
	arch_halt_forever();
}

static void log_memmap(const char *title)
{
	pr_info("mm: %s (%u ranges%s)\n", title, memmap.n,
		memmap.dropped ? ", some firmware entries were empty or dropped" : "");
	for (unsigned i = 0; i < memmap.n; i++) {
		const struct mem_range *r = &memmap.r[i];

		pr_info("mm:   %016lx-%016lx %-10s %8lu KiB\n", r->base, r->end - 1,
			memmap_type_name(r->type), (r->end - r->base) >> 10);
	}
}

/* A reservation that does not fit in the map would leave memory marked usable: refuse. */
static void reserve(phys_addr_t base, uint64_t len, uint32_t type)
{
	if (memmap_reserve(&memmap, base, len, type))
		memory_fail("the memory map has too many ranges to record a reservation at %#lx",
			    base);
}

/* The firmware map plus keel's reservations: low memory, kernel image, boot modules. */
static void build_memmap(struct boot_info *bi)
{
	memmap = bi->mem;
	memmap_sanitize(&memmap);
	if (memmap_total(&memmap, MEM_USABLE) == 0)
		memory_fail("the boot loader's memory map lists no usable RAM%s", 0);
	reserve(0, LOW_MEM_END, MEM_FIRMWARE_LOW);
	reserve((uintptr_t)__kernel_phys_start,
		(uintptr_t)__kernel_phys_end - (uintptr_t)__kernel_phys_start, MEM_KERNEL);
	for (unsigned i = 0; i < bi->nmodules; i++)
		reserve(ALIGN_DOWN(bi->modules[i].start, PAGE_SIZE),
			ALIGN_UP(bi->modules[i].end, PAGE_SIZE) -
			ALIGN_DOWN(bi->modules[i].start, PAGE_SIZE), MEM_MODULE);
	if (memmap_total(&memmap, MEM_USABLE) < MIN_USABLE_RAM)
		memory_fail("only %lu KiB of usable RAM; keel needs at least 32 MiB",
			    memmap_total(&memmap, MEM_USABLE) >> 10);
}

void mm_init(struct boot_info *bi)
{
	build_memmap(bi);
	log_memmap("physical memory map");
	bootalloc_init(&memmap);
	vm_init(&memmap);
	frame_init(&memmap);
	heap_init();
}
