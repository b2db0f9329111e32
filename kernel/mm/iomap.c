/*
 * mm/iomap.c — permanent mappings of device registers and firmware tables (keel/iomap.h).
 *
 * Virtual space comes from a bump pointer in the MMIO window; a range already mapped with the
 * same caching is found again and reused, so repeated lookups of one firmware table or device
 * do not eat the window. RAM that the direct map covers is returned from there when cached
 * access is asked for.
 *
 * Locking: iomap_lock guards the bump pointer and the list of mappings.
 */
#include <keel/iomap.h>
#include <keel/log.h>
#include <keel/memlayout.h>
#include <keel/spinlock.h>
#include <keel/vm.h>

/* Mappings are few (APICs, HPET, a few tables): a small bounded record is enough to reuse
 * them; past that, new mappings still work, they are just not shared. */
#define IOMAP_RECORDS	64

struct iomap_rec {
	phys_addr_t phys;
	size_t len;
	uintptr_t va;
	unsigned flags;
};

static struct iomap_rec recs[IOMAP_RECORDS];
static unsigned nrecs;
static uintptr_t next_va = MMIO_BASE;
static struct spinlock iomap_lock = SPINLOCK_INIT("iomap");

static bool in_direct_map(phys_addr_t p, size_t len)
{
	return vm_kernel_mapped((uintptr_t)phys_to_virt(p)) &&
	       vm_kernel_mapped((uintptr_t)phys_to_virt(p + len - 1));
}

static uintptr_t find_rec(phys_addr_t base, size_t len, unsigned flags)
{
	for (unsigned i = 0; i < nrecs; i++)
		if (recs[i].flags == flags && recs[i].phys <= base &&
		    base + len <= recs[i].phys + recs[i].len)
			return recs[i].va + (base - recs[i].phys);
	return 0;
}

void *iomap(phys_addr_t phys, size_t len, unsigned flags)
{
	phys_addr_t base = ALIGN_DOWN(phys, PAGE_SIZE);
	size_t span = ALIGN_UP(phys + len, PAGE_SIZE) - base;
	uintptr_t va;
	bool f;

	if (len == 0 || phys + len < phys)
		return NULL;
	if ((flags & IOMAP_CACHED) && in_direct_map(phys, len))
		return phys_to_virt(phys);
	f = spin_lock_irqsave(&iomap_lock);
	va = find_rec(base, span, flags);
	if (!va && next_va + span <= MMIO_BASE + MMIO_SIZE &&
	    vm_map(&kernel_pt, next_va, base, span,
		   VM_WRITE | VM_GLOBAL | ((flags & IOMAP_CACHED) ? 0 :
		   (flags & IOMAP_WC) ? VM_WC : VM_NOCACHE)) == 0) {
		va = next_va;
		next_va += span;
		if (nrecs < IOMAP_RECORDS)
			recs[nrecs++] = (struct iomap_rec){ base, span, va, flags };
	}
	spin_unlock_irqrestore(&iomap_lock, f);
	if (!va)
		pr_err("iomap: cannot map %#lx+%#zx\n", phys, len);
	return va ? (void *)(va + (phys - base)) : NULL;
}
