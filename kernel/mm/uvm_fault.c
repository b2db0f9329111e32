/*
 * mm/uvm_fault.c — user page faults: demand-zero and file pages, copy-on-write, stack growth.
 *
 * Runs with interrupts on in the faulting thread, under mm->lock, so two threads faulting on
 * one page serialize and the second finds the page already there. A page a file covers whole
 * is the file's own frame (ramfs lends it: the page cache), mapped read-only until written;
 * partial pages (a segment's end, bss) are copies with the rest zeroed. Any failure becomes a
 * signal for the caller to deliver (or -EFAULT from a user-access routine): the kernel never
 * panics on a user address. The main stack grows down page by page inside its reservation;
 * a fault in the guard gap below it is reported as a stack overflow.
 */
#include <keel/assert.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/proc.h>
#include <keel/string.h>
#include <keel/tlb.h>
#include <keel/uvm.h>
#include "uvm_internal.h"

#define SEGV_MAPERR	1
#define SEGV_ACCERR	2
#define BUS_ADRERR	2

unsigned vma_prot(const struct vma *v)
{
	unsigned prot = VM_USER;

	if (v->flags & VMA_WRITE)
		prot |= VM_WRITE;
	if (v->flags & VMA_EXEC)
		prot |= VM_EXEC;
	return prot;
}

/* A fresh page with v's content at addr: zeros, or the file's bytes. 0 when out of memory. */
static phys_addr_t fill_page(struct vma *v, uintptr_t addr)
{
	phys_addr_t pa = user_page_alloc();
	uint64_t skip = addr - v->start;

	if (pa && v->file && skip < v->file_len) {
		size_t n = v->file_len - skip < PAGE_SIZE ? v->file_len - skip : PAGE_SIZE;
		ssize_t got = file_kread(v->file, phys_to_virt(pa), n, v->file_off + skip);

		if (got < 0) {
			user_page_put(pa);
			return 0;
		}
	}
	return pa;
}

/* The page at addr is mapped read-only in a writable VMA: make it private and writable. */
static int break_cow(struct mm *mm, struct vma *v, uintptr_t addr, phys_addr_t old)
{
	phys_addr_t pa;

	if (user_page_refs(old) == 1 || (v->flags & VMA_SHARED))
		return vm_replace(&mm->pt, addr, old, vma_prot(v));
	pa = user_page_alloc();
	if (!pa)
		return -ENOMEM;
	memcpy(phys_to_virt(pa), phys_to_virt(old), PAGE_SIZE);
	vm_replace(&mm->pt, addr, pa, vma_prot(v));
	tlb_flush_range(&mm->pt, addr, addr + PAGE_SIZE);	/* nobody keeps the old frame */
	user_page_put(old);
	return 0;
}

/* The file's own frame for a page the file covers whole, mapped read-only: writing breaks
 * COW (the file keeps a reference, so the count is > 1). 0 when the file cannot lend it. */
static phys_addr_t file_page(struct vma *v, uintptr_t addr, unsigned *prot)
{
	uint64_t skip = addr - v->start;
	phys_addr_t pa;

	if (!v->file || skip >= v->file_len || v->file_len - skip < PAGE_SIZE ||
	    file_map_page(v->file, v->file_off + skip, false, &pa))
		return 0;
	*prot &= ~VM_WRITE;
	return pa;
}

/* A shared file mapping maps the file's own page with the VMA's rights, whatever the file's
 * size was at mmap time: -ENXIO (SIGBUS) past the file's end now, as Linux. */
static int shared_file_page(struct vma *v, uintptr_t addr, phys_addr_t *pa)
{
	return file_map_page(v->file, v->file_off + (addr - v->start), true, pa);
}

static int map_new_page(struct mm *mm, struct vma *v, uintptr_t addr)
{
	unsigned prot = vma_prot(v);
	phys_addr_t pa = 0;
	int err;

	if (v->file && (v->flags & VMA_SHARED)) {
		err = shared_file_page(v, addr, &pa);
		if (err)
			return err == -ENXIO ? err : -ENOMEM;
	}
	if (!pa)
		pa = file_page(v, addr, &prot);
	if (!pa)
		pa = fill_page(v, addr);
	if (!pa)
		return -ENOMEM;
	err = vm_map(&mm->pt, addr, pa, PAGE_SIZE, prot);
	if (err) {
		user_page_put(pa);
		return err;
	}
	mm->rss_pages++;
	return 0;
}

/* The stack VMA when addr lies in its reservation below it (it is then grown), else NULL. */
static struct vma *grow_stack(struct mm *mm, uintptr_t addr)
{
	list_for_each_entry(v, &mm->vmas, struct vma, node) {
		if (!(v->flags & VMA_STACK))
			continue;
		if (addr >= v->start || addr < mm->stack_reserve_bottom)
			return NULL;
		/* Never grow into another VMA (one mapped MAP_FIXED inside the reservation). */
		if (v->node.prev != &mm->vmas &&
		    list_entry(v->node.prev, struct vma, node)->end > ALIGN_DOWN(addr, PAGE_SIZE))
			return NULL;
		v->start = ALIGN_DOWN(addr, PAGE_SIZE);
		return v;
	}
	return NULL;
}

static bool access_ok(const struct vma *v, unsigned flags)
{
	if (flags & FAULT_WRITE)
		return v->flags & VMA_WRITE;
	if (flags & FAULT_EXEC)
		return v->flags & VMA_EXEC;
	return v->flags & (VMA_READ | VMA_WRITE | VMA_EXEC);
}

static int fault_locked(struct mm *mm, uintptr_t addr, unsigned flags, struct fault_info *fi)
{
	uintptr_t page = ALIGN_DOWN(addr, PAGE_SIZE);
	struct vma *v = uvm_find(mm, addr);
	phys_addr_t pa;
	unsigned prot;

	assert_mutex_held(&mm->lock);
	if (!v)
		v = grow_stack(mm, addr);
	if (!v) {
		fi->code = SEGV_MAPERR;
		if (mm->stack_reserve_bottom && addr < mm->stack_reserve_bottom &&
		    addr >= mm->stack_reserve_bottom - USER_STACK_GUARD)
			fi->why = "stack overflow";
		return -EFAULT;
	}
	if (!access_ok(v, flags)) {
		fi->code = SEGV_ACCERR;
		return -EFAULT;
	}
	if (vm_translate(&mm->pt, page, &pa, &prot, NULL) == 0) {
		if ((flags & FAULT_WRITE) && !(prot & VM_WRITE))
			return break_cow(mm, v, page, pa & ~(PAGE_SIZE - 1));
		return 0;		/* another thread resolved it first, or a stale TLB entry */
	}
	return map_new_page(mm, v, page);
}

int uvm_fault(uintptr_t addr, unsigned flags, struct fault_info *fi)
{
	struct mm *mm = mm_current();
	int err;

	*fi = (struct fault_info){ .sig = SIGSEGV, .code = SEGV_MAPERR, .addr = addr };
	if (!mm || addr >= USER_TOP)
		return -EFAULT;
	mutex_lock(&mm->lock);
	err = fault_locked(mm, addr, flags, fi);
	mutex_unlock(&mm->lock);
	if (err == -ENOMEM || err == -ENXIO) {
		fi->sig = SIGBUS;
		fi->code = BUS_ADRERR;
		fi->why = err == -ENOMEM ? "out of memory" : "access past the end of a mapped file";
	}
	return err ? -EFAULT : 0;
}

int uvm_user_phys(uintptr_t va, bool write, phys_addr_t *pa)
{
	struct mm *mm = mm_current();
	struct fault_info fi;
	unsigned prot;

	for (int tries = 0; mm && tries < 3; tries++) {
		mutex_lock(&mm->lock);
		if (vm_translate(&mm->pt, va, pa, &prot, NULL) == 0 &&
		    (!write || (prot & VM_WRITE))) {
			mutex_unlock(&mm->lock);
			return 0;
		}
		mutex_unlock(&mm->lock);
		if (uvm_fault(va, write ? FAULT_WRITE : 0, &fi))
			return -EFAULT;
	}
	return -EFAULT;
}
