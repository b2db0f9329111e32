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
struct inode;

/* VMA flags (prot bits match PROT_*). */
#define VMA_READ	0x1
#define VMA_WRITE	0x2
#define VMA_EXEC	0x4
#define VMA_SHARED	0x8		/* MAP_SHARED: writes are seen through every mapping */
#define VMA_STACK	0x10		/* the main thread's stack: grows down inside its reservation */
#define VMA_HEAP	0x20		/* brk */
#define VMA_NOWRITE	0x40		/* may never be made writable (mprotect says EACCES): a
					 * MAP_SHARED file mapping through a read-only fd, or of a
					 * file whose pages are not its data */

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
	int refs;			/* processes using it (CLONE_VM, vfork) */
	int users;			/* threads using it (the TLB tracks CPUs in pt.cpus) */
	uintptr_t brk_start, brk;	/* heap: [brk_start, brk) */
	uintptr_t stack_top;		/* main stack: reservation [stack_top - reserve, stack_top) */
	uintptr_t stack_reserve_bottom;	/* lowest address the stack may grow to */
	uintptr_t mmap_base;		/* top-down search for mmap(NULL) starts below this */
	size_t rss_pages;		/* pages mapped (for /proc) */
	uintptr_t arg_start, arg_end;	/* the argv strings exec placed on the stack */
	uintptr_t env_start, env_end;	/* the envp strings (for /proc/PID/cmdline, environ) */
};

/*
 * Counted frames: what user mappings point to, and what ramfs keeps file data in (so a file
 * page can be mapped straight into a process: the page cache). Freed with the last put.
 */
phys_addr_t user_page_alloc(void);	/* zeroed, one reference; 0 when out of memory */
void user_page_get(phys_addr_t pa);
void user_page_put(phys_addr_t pa);
unsigned user_page_refs(phys_addr_t pa);

/* Why uvm_fault is called (from the CPU's page-fault error code). */
#define FAULT_WRITE	0x1
#define FAULT_EXEC	0x2
#define FAULT_PROT	0x4		/* the page was present: a protection violation */

struct fault_info;

/* A new address space with an empty user half / a copy-on-write copy of mm (fork). NULL when
 * out of memory. */
struct mm *mm_create(void);
struct mm *mm_fork(struct mm *mm);
void mm_get(struct mm *mm);
/* Drops a reference; the last one frees every page, table and VMA. mm must not be live on any
 * CPU then. */
void mm_put(struct mm *mm);

/* Resolves a fault at addr in the current mm: demand-zero or file page, copy-on-write, or stack
 * growth. 0 when the access may be retried; otherwise -EFAULT with *fi describing the
 * signal (SIGSEGV with SEGV_MAPERR or SEGV_ACCERR; fi->why = "stack overflow" in the guard). */
int uvm_fault(uintptr_t addr, unsigned flags, struct fault_info *fi);

/*
 * VMA changes; the caller holds mm->lock. uvm_map places [*addr, *addr + len) (hint, or fixed
 * when `fixed`, replacing what was there) and returns the address chosen in *addr; file-backed
 * mappings take a reference on file. -ENOMEM when no room; -EINVAL for a bad range.
 */
int uvm_map(struct mm *mm, uintptr_t *addr, size_t len, unsigned flags, bool fixed,
	    struct file *file, uint64_t off, uint64_t file_len);
int uvm_unmap(struct mm *mm, uintptr_t addr, size_t len);
int uvm_protect(struct mm *mm, uintptr_t addr, size_t len, unsigned prot);
/* The main stack: reservation below top, the top `commit` bytes in a VMA_STACK VMA. */
int uvm_setup_stack(struct mm *mm, uintptr_t top, size_t reserve, size_t commit);
/* The VMA containing addr, or NULL. */
struct vma *uvm_find(struct mm *mm, uintptr_t addr);
/* Copies up to n bytes at user address va of mm (not necessarily the caller's) into buf:
 * only pages already present are read, and the copy stops at the first one that is not.
 * Takes mm->lock. Returns the bytes copied. For /proc/PID/cmdline and environ. */
size_t uvm_read_remote(struct mm *mm, uintptr_t va, void *buf, size_t n);

/* A copy of one VMA for /proc/PID/maps and statm; ino is counted (NULL: anonymous). */
struct vma_info {
	uintptr_t start, end;
	unsigned flags;
	uint64_t file_off;
	size_t resident;		/* pages of it present */
	struct inode *ino;
};
/* mm's VMAs in address order into a new array (*count entries, at least one slot); free it
 * with uvm_snapshot_free. 0 or -ENOMEM. */
int uvm_snapshot(struct mm *mm, struct vma_info **out, size_t *count);
void uvm_snapshot_free(struct vma_info *vi, size_t count);

/* The current process's mm, or NULL in a kernel thread. */
struct mm *mm_current(void);

/* Resolves user address va of the current mm to a physical address, faulting the page in
 * (for write when write is set) as a user access would. 0, -EFAULT. For futex keys. */
int uvm_user_phys(uintptr_t va, bool write, phys_addr_t *pa);

#endif
