/*
 * keel/vm.h — page tables: map, unmap, protect, translate.
 *
 * The interface is generic; the page-table format lives in arch/x86_64/mmu.c. Protection is a
 * set of VM_* flags (present implies readable). 4 KiB pages by default; with VM_HUGE, 2 MiB
 * (and 1 GiB where the CPU has them) are used wherever address, physical address and length
 * allow. unmap and protect split a huge page that is only partly covered. All functions
 * flush the TLB of this CPU for what they change; other CPUs are keel/tlb.h's (vm_unmap of
 * the kernel half shoots down by itself when it frees tables). Every kernel-half leaf is
 * global, whatever prot says: with PCID, INVLPG drops a non-global entry only under the
 * current tag.
 *
 * Locking: pt->lock serializes changes to one page-table tree.
 */
#ifndef KEEL_VM_H
#define KEEL_VM_H

#include <keel/types.h>
#include <keel/memlayout.h>
#include <keel/spinlock.h>
#include <keel/cpumask.h>

#define VM_WRITE	(1u << 0)
#define VM_EXEC		(1u << 1)
#define VM_USER		(1u << 2)
#define VM_GLOBAL	(1u << 3)
#define VM_NOCACHE	(1u << 4)
#define VM_HUGE		(1u << 5)	/* allow 2 MiB / 1 GiB leaves (map only) */
#define VM_WC		(1u << 6)	/* write-combining (framebuffers); uncached without PAT */

struct pagetable {
	phys_addr_t root;		/* physical address of the PML4 */
	struct spinlock lock;
	/* TLB tracking (keel/tlb.h); user page tables only. */
	uint64_t ctx;			/* context id, never reused */
	uint64_t tlb_gen;		/* flush generation: +1 per shootdown */
	cpumask_t cpus;			/* CPUs whose CR3 holds this table (active or lazy) */
};
struct tlb_batch;

struct memmap;

extern struct pagetable kernel_pt;

/* Builds the final kernel tables (direct map of RAM, W^X kernel image) and switches to them. */
void vm_init(const struct memmap *m);

/* Maps [va, va+len) to [pa, pa+len). -EINVAL if unaligned, -EEXIST if anything is mapped
 * there already (nothing is changed then), -ENOMEM when out of page-table pages. */
int vm_map(struct pagetable *pt, uintptr_t va, phys_addr_t pa, size_t len, unsigned prot);
/* Unmaps every page in [va, va+len); holes are fine. Frees page tables that become empty. */
int vm_unmap(struct pagetable *pt, uintptr_t va, size_t len);
/* Changes protection of [va, va+len); -ENOENT (and no change) if any page is unmapped. */
int vm_protect(struct pagetable *pt, uintptr_t va, size_t len, unsigned prot);
/* Looks up va: physical address, protection and page size of the leaf; -ENOENT if unmapped. */
int vm_translate(struct pagetable *pt, uintptr_t va, phys_addr_t *pa, unsigned *prot,
		 size_t *page_size);
/*
 * User page tables (uvm). A new tree shares the kernel half of kernel_pt; its user half holds
 * 4 KiB leaves only. The callbacks get each user frame's physical address (reference counting
 * is the caller's) and run with pt->lock held: they must not sleep.
 */
typedef void (*vm_page_fn)(phys_addr_t pa);
int vm_pagetable_create(struct pagetable *pt);
/* Frees the user half and the root; release(pa) for every mapped frame. Not live anywhere. */
void vm_pagetable_destroy(struct pagetable *pt, vm_page_fn release);
/* Unmaps [va, va+len) of the user half. Each frame and each emptied table goes into b, to be
 * released after b's shootdown (tlb_batch_flush, which the caller runs at the end and which
 * runs here whenever b fills). No spinlock may be held. */
int vm_unmap_release(struct pagetable *pt, uintptr_t va, size_t len, struct tlb_batch *b);
/* Maps every frame mapped in src's [va, va+len) at the same address in dst, ref(pa) for each.
 * With cow, writable leaves lose their write permission in both (copy-on-write). */
int vm_share_range(struct pagetable *dst, struct pagetable *src, uintptr_t va, size_t len,
		   bool cow, vm_page_fn ref);
/* Points the existing 4 KiB leaf at va to pa with prot; -ENOENT if there is none. */
int vm_replace(struct pagetable *pt, uintptr_t va, phys_addr_t pa, unsigned prot);
/* The root of the page tables this CPU uses now. */
phys_addr_t vm_current_root(void);
/* Loads pt on this CPU; interrupts off. */
void vm_activate(struct pagetable *pt);
/* Loads kernel_pt on this CPU (before an mm it was using is freed); interrupts off. */
void vm_activate_kernel(void);
/* Drops this CPU's non-global TLB entries. */
void vm_flush_local(void);
/* True when va is mapped in the page tables this CPU is using now (safe in any context). */
bool vm_kernel_mapped(uintptr_t va);
/* Number of page-table pages allocated and not yet freed (for leak checks). */
size_t vm_pagetable_pages(void);

static inline void *phys_to_virt(phys_addr_t p)
{
	return (void *)(DIRECT_MAP_BASE + p);
}

/* Physical address of a direct-map or kernel-image address. */
static inline phys_addr_t virt_to_phys(const void *v)
{
	uintptr_t a = (uintptr_t)v;

	return a >= KERNEL_VMA_BASE ? a - KERNEL_VMA_BASE : a - DIRECT_MAP_BASE;
}

#endif
