/*
 * keel/uvm.h — user address spaces (kernel/mm/uvm*.c): VMAs, demand paging, copy-on-write.
 *
 * An mm owns the user half of one page-table tree (the kernel half is shared by every mm) and a
 * sorted list of VMAs describing what may be mapped where. Pages are allocated on first touch,
 * zeroed, and counted (struct page refcount) so fork can share them copy-on-write.
 * mm->lock (a mutex) serializes VMA changes and fault handling; it may sleep.
 */
#ifndef KEEL_UVM_H
#define KEEL_UVM_H

#include <keel/types.h>
#include <keel/list.h>
#include <keel/sync.h>
#include <keel/vm.h>

struct file;

/* VMA flags (prot bits match PROT_*). */
#define VMA_READ	0x1
#define VMA_WRITE	0x2
#define VMA_EXEC	0x4
#define VMA_SHARED	0x8		/* MAP_SHARED: writes are seen through every mapping */
#define VMA_STACK	0x10		/* the main thread's stack: grows down inside its reservation */
#define VMA_HEAP	0x20		/* brk */

struct vma {
	uintptr_t start, end;		/* [start, end), page aligned */
	unsigned flags;
	struct file *file;		/* file-backed (read-only, private) or NULL */
	uint64_t file_off;		/* file offset of start */
	uint64_t file_len;		/* bytes of file content from start; the rest reads as 0 */
	struct list_node node;		/* mm->vmas, sorted by start */
};

struct mm {
	struct pagetable pt;
	struct mutex lock;
	struct list_node vmas;
	int refs;			/* CLONE_VM threads share one mm */
	uintptr_t brk_start, brk;	/* heap: [brk_start, brk) */
	uintptr_t stack_top;		/* main stack: reservation [stack_top - reserve, stack_top) */
	uintptr_t stack_reserve_bottom;	/* lowest address the stack may grow to */
	uintptr_t mmap_base;		/* top-down search for mmap(NULL) starts below this */
	size_t rss_pages;		/* pages mapped (for /proc) */
};

/* Resolves user address va of the current mm to a physical address, faulting the page in
 * (for write when write is set) as a user access would. 0, -EFAULT. For futex keys. */
int uvm_user_phys(uintptr_t va, bool write, phys_addr_t *pa);

#endif
