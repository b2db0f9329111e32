/*
 * test/test_vm.c — page tables: map/unmap/protect/translate, huge pages, W^X of the kernel
 * image, the direct map's rights, and fault recovery.
 */
#include <keel/ktest.h>
#include <keel/fault.h>
#include <keel/frame.h>
#include <keel/memlayout.h>
#include <keel/string.h>
#include <keel/vm.h>

extern char __text_start[], __rodata_start[], __data_start[];
extern char boot_stack_guard[];

#define VA(off)	(SCRATCH_BASE + (off))
#define PF_WRITE	0x2

/* Writes v at va under a fault catch; returns the vector caught, or -1 if none. */
static int try_write(uintptr_t va, uint8_t v, struct fault_catch *fc)
{
	if (fault_catch_begin(fc)) {
		*(volatile uint8_t *)va = v;
		fault_catch_end();
		return -1;
	}
	return fc->vector;
}

static int try_read(uintptr_t va, struct fault_catch *fc)
{
	if (fault_catch_begin(fc)) {
		(void)*(volatile uint8_t *)va;
		fault_catch_end();
		return -1;
	}
	return fc->vector;
}

KTEST(vm_map_then_unmap_4k_page)
{
	void *page = page_alloc_zeroed(PAGE_KERNEL);
	phys_addr_t pa = 0;
	unsigned prot = 0;
	size_t size = 0;
	struct fault_catch fc;
	int err, fault;

	KT_ASSERT(page, "no memory");
	err = vm_map(&kernel_pt, VA(0), virt_to_phys(page), PAGE_SIZE, VM_WRITE);
	KT_EQ(err, 0);
	*(volatile uint32_t *)VA(0x10) = 0xfeedface;
	KT_EQ(((uint32_t *)page)[4], 0xfeedface);
	KT_EQ(vm_translate(&kernel_pt, VA(0x123), &pa, &prot, &size), 0);
	KT_EQ(pa, virt_to_phys(page) + 0x123);
	KT_EQ(size, PAGE_SIZE);
	KT_EQ(prot & (VM_WRITE | VM_EXEC | VM_USER), VM_WRITE);
	KT_EQ(vm_map(&kernel_pt, VA(0), virt_to_phys(page), PAGE_SIZE, 0), -17 /* EEXIST */);
	KT_EQ(vm_unmap(&kernel_pt, VA(0), PAGE_SIZE), 0);
	fault = try_read(VA(0), &fc);
	page_free(page);
	KT_EQ(fault, 14);
	KT_EQ(fc.addr, VA(0));
	KT_EQ(vm_translate(&kernel_pt, VA(0), NULL, NULL, NULL), -2 /* ENOENT */);
}

KTEST(vm_protect_readonly_makes_writes_fault)
{
	void *page = page_alloc_zeroed(PAGE_KERNEL);
	struct fault_catch fc;
	int fault;

	KT_ASSERT(page, "no memory");
	KT_EQ(vm_map(&kernel_pt, VA(0x1000), virt_to_phys(page), PAGE_SIZE, VM_WRITE), 0);
	KT_EQ(vm_protect(&kernel_pt, VA(0x1000), PAGE_SIZE, 0), 0);
	fault = try_write(VA(0x1008), 1, &fc);
	vm_unmap(&kernel_pt, VA(0x1000), PAGE_SIZE);
	page_free(page);
	KT_EQ(fault, 14);
	KT_EQ(fc.addr, VA(0x1008));
	KT_ASSERT(fc.error & PF_WRITE, "error code %#lx lacks the write bit", fc.error);
	KT_ASSERT(fc.error & 1, "error code %#lx: expected a protection violation", fc.error);
}

KTEST(vm_protect_refuses_ranges_with_holes)
{
	void *page = page_alloc_zeroed(PAGE_KERNEL);
	unsigned prot;

	KT_ASSERT(page, "no memory");
	KT_EQ(vm_map(&kernel_pt, VA(0x2000), virt_to_phys(page), PAGE_SIZE, VM_WRITE), 0);
	KT_EQ(vm_protect(&kernel_pt, VA(0x2000), 2 * PAGE_SIZE, 0), -2 /* ENOENT */);
	vm_translate(&kernel_pt, VA(0x2000), NULL, &prot, NULL);
	vm_unmap(&kernel_pt, VA(0x2000), PAGE_SIZE);
	page_free(page);
	KT_ASSERT(prot & VM_WRITE, "a refused protect still changed the mapped page");
}

KTEST(vm_huge_page_is_split_by_partial_unmap)
{
	struct page *block = frame_alloc(9, PAGE_KERNEL);
	phys_addr_t pa, base;
	size_t size;
	struct fault_catch fc;
	int fault;

	KT_ASSERT(block, "no 2 MiB block");
	base = page_to_phys(block);
	KT_EQ(vm_map(&kernel_pt, VA(HUGE_2M_SIZE), base, HUGE_2M_SIZE, VM_WRITE | VM_HUGE), 0);
	KT_EQ(vm_translate(&kernel_pt, VA(HUGE_2M_SIZE + 0x5000), &pa, NULL, &size), 0);
	KT_EQ(size, HUGE_2M_SIZE);
	KT_EQ(pa, base + 0x5000);
	KT_EQ(vm_unmap(&kernel_pt, VA(HUGE_2M_SIZE + 0x4000), PAGE_SIZE), 0);
	KT_EQ(vm_translate(&kernel_pt, VA(HUGE_2M_SIZE + 0x5000), &pa, NULL, &size), 0);
	KT_EQ(size, PAGE_SIZE);
	KT_EQ(pa, base + 0x5000);
	fault = try_read(VA(HUGE_2M_SIZE + 0x4000), &fc);
	KT_EQ(vm_unmap(&kernel_pt, VA(HUGE_2M_SIZE), HUGE_2M_SIZE), 0);
	frame_free(block, 9);
	KT_EQ(fault, 14);
}

KTEST(vm_unmap_frees_empty_page_tables)
{
	void *page = page_alloc_zeroed(PAGE_KERNEL);
	size_t before = vm_pagetable_pages(), during;

	KT_ASSERT(page, "no memory");
	/* A fresh 1 GiB-aligned spot needs a new PD and PT (the PDPT may be shared). */
	KT_EQ(vm_map(&kernel_pt, VA(7UL << 30), virt_to_phys(page), PAGE_SIZE, 0), 0);
	during = vm_pagetable_pages();
	KT_EQ(vm_unmap(&kernel_pt, VA(7UL << 30), PAGE_SIZE), 0);
	page_free(page);
	KT_ASSERT(during >= before + 2, "mapping allocated %zu tables, expected >= 2",
		  during - before);
	KT_EQ(vm_pagetable_pages(), during - 2);
}

KTEST(vm_rejects_unaligned_and_cross_half_ranges)
{
	KT_EQ(vm_map(&kernel_pt, VA(1), 0, PAGE_SIZE, 0), -22);
	KT_EQ(vm_map(&kernel_pt, VA(0), 1, PAGE_SIZE, 0), -22);
	KT_EQ(vm_map(&kernel_pt, VA(0), 0, 100, 0), -22);
	KT_EQ(vm_map(&kernel_pt, USER_TOP - PAGE_SIZE, 0, 2 * PAGE_SIZE, 0), -22);
	KT_EQ(vm_unmap(&kernel_pt, 0x7000, 0), -22);
}

KTEST(kernel_text_is_read_only_and_executable)
{
	unsigned prot;
	struct fault_catch fc;
	uintptr_t text = (uintptr_t)__text_start + 0x40;

	KT_EQ(vm_translate(&kernel_pt, text, NULL, &prot, NULL), 0);
	KT_ASSERT((prot & (VM_WRITE | VM_EXEC)) == VM_EXEC, "text prot %#x, want r-x", prot);
	KT_ASSERT(prot & VM_GLOBAL, "kernel text is not global");
	KT_EQ(try_write(text, 0x90, &fc), 14);
	KT_EQ(fc.addr, text);
}

KTEST(kernel_rodata_and_data_are_not_executable)
{
	unsigned rprot, dprot;
	struct fault_catch fc;

	KT_EQ(vm_translate(&kernel_pt, (uintptr_t)__rodata_start, NULL, &rprot, NULL), 0);
	KT_EQ(vm_translate(&kernel_pt, (uintptr_t)__data_start, NULL, &dprot, NULL), 0);
	KT_ASSERT(!(rprot & (VM_WRITE | VM_EXEC)), "rodata prot %#x, want r--", rprot);
	KT_ASSERT((dprot & (VM_WRITE | VM_EXEC)) == VM_WRITE, "data prot %#x, want rw-", dprot);
	KT_EQ(try_write((uintptr_t)__rodata_start, 0, &fc), 14);
}

KTEST(boot_stack_guard_page_is_unmapped)
{
	struct fault_catch fc;

	KT_EQ(vm_translate(&kernel_pt, (uintptr_t)boot_stack_guard, NULL, NULL, NULL), -2);
	KT_EQ(try_read((uintptr_t)boot_stack_guard + 8, &fc), 14);
}

KTEST(direct_map_is_supervisor_nx_global_and_covers_ram)
{
	struct page *p = frame_alloc(0, PAGE_KERNEL);
	unsigned prot;
	phys_addr_t pa;

	KT_ASSERT(p, "no memory");
	KT_EQ(vm_translate(&kernel_pt, (uintptr_t)page_address(p), &pa, &prot, NULL), 0);
	frame_free(p, 0);
	KT_EQ(pa, page_to_phys(p));
	KT_ASSERT(!(prot & VM_USER), "direct map reachable from ring 3 (prot %#x)", prot);
	KT_ASSERT(!(prot & VM_EXEC), "direct map executable (prot %#x)", prot);
	KT_ASSERT(prot & VM_GLOBAL, "direct map not global (prot %#x)", prot);
	KT_EQ(vm_translate(&kernel_pt, 0x100000, NULL, NULL, NULL), -2);	/* no identity map */
}
