/*
 * arch/x86_64/vm_init.c — building the final kernel page tables.
 *
 * Replaces the boot tables (identity + 4 GiB direct map + 1 GiB kernel window, all RWX) with:
 *  - the direct map of every RAM range and of low memory at DIRECT_MAP_BASE: supervisor-only,
 *    NX, global, in the largest pages the CPU allows (the seed's map at 0x4000000000 was
 *    reachable from ring 3; this one is not);
 *  - the kernel image with W^X: text read+execute, rodata read-only NX, data and bss RW NX,
 *    the boot stack's guard page left unmapped;
 *  - nothing in the user half.
 */
#include <keel/vm.h>
#include <keel/log.h>
#include <keel/memmap.h>
#include <keel/mm.h>
#include <keel/panic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[];
extern char boot_stack_guard[];

static void map_or_die(uintptr_t va, phys_addr_t pa, size_t len, unsigned prot)
{
	int err = vm_map(&kernel_pt, va, pa, len, prot);

	if (err)
		panic("vm_init: mapping %#lx-%#lx failed (%d)", va, va + len, err);
}

static void map_kernel_range(char *start, char *end, unsigned prot)
{
	if (end > start)
		map_or_die((uintptr_t)start, virt_to_phys(start), end - start, prot | VM_GLOBAL);
}

/* Maps low memory and every RAM range, merging neighbours; returns bytes mapped. */
static uint64_t map_direct(const struct memmap *m)
{
	phys_addr_t base = 0, end = LOW_MEM_END;
	uint64_t total = 0;

	for (unsigned i = 0; i <= m->n; i++) {
		phys_addr_t b = 0, e = 0;

		if (i < m->n) {
			if (!memmap_type_is_ram(m->r[i].type))
				continue;
			b = ALIGN_DOWN(m->r[i].base, PAGE_SIZE);
			e = ALIGN_UP(m->r[i].end, PAGE_SIZE);
			if (b <= end) {		/* touches the run being built */
				end = MAX(end, e);
				continue;
			}
		}
		map_or_die(DIRECT_MAP_BASE + base, base, end - base, VM_WRITE | VM_GLOBAL | VM_HUGE);
		total += end - base;
		base = b;
		end = e;
	}
	return total;
}

void vm_init(const struct memmap *m)
{
	uint64_t direct;

	mmu_detect();
	kernel_pt.root = bootalloc_pages(1);
	direct = map_direct(m);
	map_kernel_range(__text_start, __text_end, VM_EXEC);
	map_kernel_range(__rodata_start, __rodata_end, 0);
	map_kernel_range(__data_start, boot_stack_guard, VM_WRITE);
	map_kernel_range(boot_stack_guard + PAGE_SIZE, __bss_end, VM_WRITE);

	/* Windows mapped later get their PDPT now: kernel PML4 entries never change after boot,
	 * so address spaces can copy them once. */
	mmu_prefill_pml4(MMIO_BASE);
	mmu_prefill_pml4(SCRATCH_BASE);
	mmu_prefill_pml4(KSTACK_BASE);

	write_cr3(kernel_pt.root);
	if (cpu_has(FEAT_PGE))
		write_cr4(read_cr4() | CR4_PGE);
	tlb_init();
	pr_info("vm: direct map of %lu MiB at %#lx (%s pages), %zu page-table pages\n",
		direct >> 20, DIRECT_MAP_BASE, cpu_has(FEAT_PDPE1GB) ? "1 GiB/2 MiB/4 KiB" :
		"2 MiB/4 KiB", vm_pagetable_pages());
	pr_info("vm: kernel text r-x, rodata r--, data rw- (NX %s, global pages %s)\n",
		cpu_has(FEAT_NX) ? "on" : "unavailable", cpu_has(FEAT_PGE) ? "on" : "unavailable");
}
