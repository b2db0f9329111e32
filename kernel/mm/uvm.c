/*
 * mm/uvm.c — user address spaces: creation, fork, teardown, the VMA list and user frames.
 *
 * Invariants:
 * - mm->vmas is sorted by start and VMAs never overlap; every mapped user page lies inside a
 *   VMA whose flags allow at least what its PTE allows (COW pages are mapped read-only in a
 *   writable VMA; the fault handler tells them apart by the VMA).
 * - A user frame is a PAGE_USER page whose aux counts the page-table entries mapping it, in
 *   any mm; it is freed when the count drops to 0. A private page with a count of 1 may be
 *   written in place; above 1 it is shared copy-on-write (or by a MAP_SHARED VMA).
 * - Shared anonymous VMAs are populated when created, so fork shares every page of them.
 */
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/string.h>
#include <keel/tlb.h>
#include <keel/uvm.h>
#include "uvm_internal.h"

/* --- user frames --- */

phys_addr_t user_page_alloc(void)
{
	struct page *p = frame_alloc(0, PAGE_USER);

	if (!p)
		return 0;
	memset(page_address(p), 0, PAGE_SIZE);
	p->aux = 1;
	return page_to_phys(p);
}

void user_page_get(phys_addr_t pa)
{
	struct page *p = pfn_to_page(pa >> PAGE_SHIFT);

	assert(p->state == PAGE_USER);
	__atomic_add_fetch(&p->aux, 1, __ATOMIC_RELAXED);
}

void user_page_put(phys_addr_t pa)
{
	struct page *p = pfn_to_page(pa >> PAGE_SHIFT);

	assert(p->state == PAGE_USER && p->aux > 0);
	if (__atomic_sub_fetch(&p->aux, 1, __ATOMIC_ACQ_REL) == 0)
		frame_free(p, 0);
}

unsigned user_page_refs(phys_addr_t pa)
{
	return __atomic_load_n(&pfn_to_page(pa >> PAGE_SHIFT)->aux, __ATOMIC_ACQUIRE);
}

/* --- address spaces --- */

struct mm *mm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));

	if (!mm)
		return NULL;
	if (vm_pagetable_create(&mm->pt)) {
		kfree(mm);
		return NULL;
	}
	mutex_init(&mm->lock, "mm");
	list_init(&mm->vmas);
	mm->refs = 1;
	mm->mmap_base = USER_MMAP_TOP;
	return mm;
}

void mm_get(struct mm *mm)
{
	__atomic_add_fetch(&mm->refs, 1, __ATOMIC_RELAXED);
}

void vma_free(struct vma *v)
{
	if (v->file)
		file_put(v->file);
	kfree(v);
}

void mm_put(struct mm *mm)
{
	if (__atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL))
		return;
	while (!list_empty(&mm->vmas)) {
		struct vma *v = list_first(&mm->vmas, struct vma, node);

		list_remove(&v->node);
		vma_free(v);
	}
	vm_pagetable_destroy(&mm->pt, user_page_put);
	kfree(mm);
}

struct vma *vma_dup(const struct vma *v)
{
	struct vma *n = kmalloc(sizeof(*n));

	if (!n)
		return NULL;
	*n = *v;
	list_init(&n->node);
	if (n->file)
		file_get(n->file);
	return n;
}

struct mm *mm_fork(struct mm *old)
{
	struct mm *mm = mm_create();
	int err = 0;

	if (!mm)
		return NULL;
	mutex_lock(&old->lock);
	list_for_each_entry(v, &old->vmas, struct vma, node) {
		struct vma *n = vma_dup(v);

		if (!n) {
			err = -ENOMEM;
			break;
		}
		list_append(&mm->vmas, &n->node);
		err = vm_share_range(&mm->pt, &old->pt, v->start, v->end - v->start,
				     !(v->flags & VMA_SHARED), user_page_get);
		if (err)
			break;
	}
	mm->brk_start = old->brk_start;
	mm->brk = old->brk;
	mm->stack_top = old->stack_top;
	mm->stack_reserve_bottom = old->stack_reserve_bottom;
	mm->mmap_base = old->mmap_base;
	mm->rss_pages = old->rss_pages;
	mm->arg_start = old->arg_start;
	mm->arg_end = old->arg_end;
	mm->env_start = old->env_start;
	mm->env_end = old->env_end;
	tlb_flush_all_of(&old->pt);	/* the parent's other threads lose their write access too */
	mutex_unlock(&old->lock);
	if (err) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

struct mm *mm_current(void)
{
	struct proc *p = proc_current();

	return p ? p->mm : NULL;
}

/* --- the VMA list (mm->lock held) --- */

struct vma *uvm_find(struct mm *mm, uintptr_t addr)
{
	list_for_each_entry(v, &mm->vmas, struct vma, node) {
		if (addr < v->start)
			return NULL;
		if (addr < v->end)
			return v;
	}
	return NULL;
}

void vma_insert(struct mm *mm, struct vma *n)
{
	list_for_each_entry(v, &mm->vmas, struct vma, node) {
		if (v->start > n->start) {
			list_append(&v->node, &n->node);
			return;
		}
	}
	list_append(&mm->vmas, &n->node);
}

/* Splits v at addr (inside it): v keeps [start, addr), the new VMA gets [addr, end). */
struct vma *vma_split(struct vma *v, uintptr_t addr)
{
	struct vma *n = vma_dup(v);

	if (!n)
		return NULL;
	n->start = addr;
	if (v->file) {
		uint64_t skip = addr - v->start;

		n->file_off = v->file_off + skip;
		n->file_len = v->file_len > skip ? v->file_len - skip : 0;
	}
	v->end = addr;
	list_push(&v->node, &n->node);
	return n;
}

/* The lowest gap of len bytes below top (top-down search), or 0. */
uintptr_t vma_find_gap(struct mm *mm, size_t len, uintptr_t top)
{
	uintptr_t hi = top;

	list_for_each_entry_reverse(v, &mm->vmas, struct vma, node) {
		if (v->start >= hi)
			continue;
		if (v->end <= hi && hi - v->end >= len)
			return hi - len;
		hi = v->start;
	}
	return hi >= USER_MMAP_MIN + len ? hi - len : 0;
}

/* True when no VMA overlaps [addr, addr + len) (and it is a valid user range). */
bool vma_free_range(struct mm *mm, uintptr_t addr, size_t len)
{
	if (addr < USER_MMAP_MIN || addr >= USER_TOP || len > USER_TOP - addr)
		return false;
	list_for_each_entry(v, &mm->vmas, struct vma, node)
		if (v->start < addr + len && v->end > addr)
			return false;
	return true;
}
