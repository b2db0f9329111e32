/*
 * mm/mmap.c — changing user address spaces: mmap, munmap, mprotect, madvise, brk, and the
 * main stack's reservation. The syscalls check their arguments and take mm->lock; the uvm_*
 * helpers below them assume it is held.
 *
 * Page-table changes go with the VMA change under the lock, and their shootdown (keel/tlb.h)
 * runs before the lock is dropped: when munmap, mprotect or madvise returns, no CPU can still
 * use an old translation, and the frames unmapped are released only after that.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/proc.h>
#include <keel/syscall.h>
#include <keel/tlb.h>
#include <keel/uvm.h>
#include "uvm_internal.h"

#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#define MAP_SHARED	0x01
#define MAP_PRIVATE	0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE	0x0f
#define MAP_FIXED	0x10
#define MAP_ANONYMOUS	0x20
#define MAP_GROWSDOWN	0x100
#define MAP_DENYWRITE	0x800
#define MAP_EXECUTABLE	0x1000
#define MAP_LOCKED	0x2000
#define MAP_NORESERVE	0x4000
#define MAP_POPULATE	0x8000
#define MAP_NONBLOCK	0x10000
#define MAP_STACK	0x20000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_KNOWN	(MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE | \
			 MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | \
			 MAP_NONBLOCK | MAP_STACK | MAP_FIXED_NOREPLACE)
#define MADV_NORMAL	0
#define MADV_RANDOM	1
#define MADV_SEQUENTIAL	2
#define MADV_WILLNEED	3
#define MADV_DONTNEED	4
#define MADV_FREE	8

static bool range_valid(uintptr_t addr, size_t len)
{
	return IS_ALIGNED(addr, PAGE_SIZE) && len && addr >= USER_MMAP_MIN &&
	       addr < USER_TOP && len <= USER_TOP - addr;
}

/* Splits VMAs so that none straddles addr. -ENOMEM on failure. */
static int split_at(struct mm *mm, uintptr_t addr)
{
	struct vma *v = uvm_find(mm, addr);

	if (!v || v->start == addr)
		return 0;
	return vma_split(v, addr) ? 0 : -ENOMEM;
}

int uvm_unmap(struct mm *mm, uintptr_t addr, size_t len)
{
	uintptr_t end = addr + len;
	struct tlb_batch b;
	int err = split_at(mm, addr);

	if (!err)
		err = split_at(mm, end);
	if (err)
		return err;
	list_for_each_entry_safe(v, &mm->vmas, struct vma, node) {
		if (v->start >= addr && v->end <= end) {
			list_remove(&v->node);
			vma_free(v);
		}
	}
	tlb_batch_init(&b, &mm->pt, user_page_put);
	vm_unmap_release(&mm->pt, addr, len, &b);
	tlb_batch_flush(&b);
	return 0;
}

/* Maps every page of a new shared anonymous VMA now, so that fork shares all of them. */
static int populate(struct mm *mm, struct vma *v)
{
	for (uintptr_t a = v->start; a < v->end; a += PAGE_SIZE) {
		phys_addr_t pa = user_page_alloc();

		if (!pa)
			return -ENOMEM;
		if (vm_map(&mm->pt, a, pa, PAGE_SIZE, vma_prot(v))) {
			user_page_put(pa);
			return -ENOMEM;
		}
		mm->rss_pages++;
	}
	return 0;
}

int uvm_map(struct mm *mm, uintptr_t *addr, size_t len, unsigned flags, bool fixed,
	    struct file *file, uint64_t off, uint64_t file_len)
{
	struct vma *v;
	uintptr_t a = *addr;
	int err;

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > USER_TOP)
		return -ENOMEM;
	if (fixed) {			/* Linux's errors: misaligned, beyond the user half, too low */
		if (!IS_ALIGNED(a, PAGE_SIZE))
			return -EINVAL;
		if (a >= USER_TOP || len > USER_TOP - a)
			return -ENOMEM;
		if (a < USER_MMAP_MIN)
			return -EPERM;
		err = uvm_unmap(mm, a, len);
		if (err)
			return err;
	} else {
		if (!a || !range_valid(a, len) || !vma_free_range(mm, a, len))
			a = vma_find_gap(mm, len, mm->mmap_base);
		if (!a)
			return -ENOMEM;
	}
	v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	*v = (struct vma){ .start = a, .end = a + len, .flags = flags, .file = file,
			   .file_off = off, .file_len = file_len };
	list_init(&v->node);
	if (file)
		file_get(file);
	vma_insert(mm, v);
	if ((flags & VMA_SHARED) && !file && (err = populate(mm, v))) {
		uvm_unmap(mm, a, len);
		return err;
	}
	*addr = a;
	return 0;
}

int uvm_protect(struct mm *mm, uintptr_t addr, size_t len, unsigned prot)
{
	uintptr_t end = addr + len, lo = end, hi = addr;	/* the PTEs that lost rights */
	int err;

	for (uintptr_t a = addr; a < end;) {	/* the whole range must be mapped */
		struct vma *v = uvm_find(mm, a);

		if (!v)
			return -ENOMEM;
		if ((prot & VMA_WRITE) && (v->flags & VMA_NOWRITE))
			return -EACCES;
		a = v->end;
	}
	err = split_at(mm, addr);
	if (!err)
		err = split_at(mm, end);
	if (err)
		return err;
	list_for_each_entry(v, &mm->vmas, struct vma, node) {
		if (v->start < addr || v->end > end)
			continue;
		v->flags = (v->flags & ~(VMA_READ | VMA_WRITE | VMA_EXEC)) | prot;
		for (uintptr_t a = v->start; a < v->end; a += PAGE_SIZE) {
			phys_addr_t pa;
			unsigned p = vma_prot(v), old;

			if (vm_translate(&mm->pt, a, &pa, &old, NULL))
				continue;
			if (!(v->flags & VMA_SHARED) && user_page_refs(pa) > 1)
				p &= ~VM_WRITE;		/* still copy-on-write */
			vm_replace(&mm->pt, a, pa, p);
			if (old & ~p & (VM_WRITE | VM_EXEC | VM_USER)) {
				lo = MIN(lo, a);
				hi = MAX(hi, a + PAGE_SIZE);
			}
		}
	}
	tlb_flush_range(&mm->pt, lo, hi);	/* only rights taken away need a shootdown */
	return 0;
}

int uvm_setup_stack(struct mm *mm, uintptr_t top, size_t reserve, size_t commit)
{
	uintptr_t a = top - commit;
	int err = uvm_map(mm, &a, commit, VMA_READ | VMA_WRITE | VMA_STACK, true, NULL, 0, 0);

	if (err)
		return err;
	mm->stack_top = top;
	mm->stack_reserve_bottom = top - reserve;
	return 0;
}

/* --- syscalls --- */

static unsigned prot_to_vma(unsigned long prot)
{
	return (prot & PROT_READ ? VMA_READ : 0) | (prot & PROT_WRITE ? VMA_WRITE : 0) |
	       (prot & PROT_EXEC ? VMA_EXEC : 0);
}

/* The caller's RLIMIT_AS (read before taking mm->lock: p->lock nests inside nothing). */
static uint64_t as_limit(void)
{
	struct proc *p = proc_current();

	return p ? proc_rlimit_cur(p, RLIMIT_AS) : RLIM_INFINITY;
}

/* Bytes of [lo, hi) that VMAs cover (mm->lock held). */
static uint64_t mapped_bytes(struct mm *mm, uintptr_t lo, uintptr_t hi)
{
	uint64_t n = 0;

	list_for_each_entry(v, &mm->vmas, struct vma, node)
		if (v->end > lo && v->start < hi)
			n += MIN(v->end, hi) - MAX(v->start, lo);
	return n;
}

/* Whether [a, a + len) may be mapped within lim (RLIMIT_AS; mm->lock held): what is mapped
 * outside the range plus the range itself, as Linux's may_expand_vm. */
static bool as_allows(struct mm *mm, uint64_t lim, uintptr_t a, size_t len, bool fixed)
{
	uint64_t total;

	if (lim == RLIM_INFINITY)
		return true;
	total = mapped_bytes(mm, 0, UINTPTR_MAX) + len;
	if (fixed)
		total -= mapped_bytes(mm, a, a + len);
	return total <= lim;
}

/* Maps under one hold of mm->lock, so MAP_FIXED_NOREPLACE's emptiness check and the mapping
 * cannot be split by another thread's mmap. */
static long mmap_one_hold(struct mm *mm, uintptr_t *a, size_t len, unsigned vflags,
			unsigned long flags, struct file *f, uint64_t off, uint64_t flen)
{
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	uint64_t lim = as_limit();
	long err = 0;

	mutex_lock(&mm->lock);
	if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) &&
	    !vma_free_range(mm, *a, ALIGN_UP(len, PAGE_SIZE)))
		err = -EEXIST;
	else if (!as_allows(mm, lim, *a, ALIGN_UP(len, PAGE_SIZE), fixed))
		err = -ENOMEM;
	if (!err)
		err = uvm_map(mm, a, len, vflags, fixed, f, off, flen);
	mutex_unlock(&mm->lock);
	return err;
}

/* A shared mapping of a file whose pages are its data (file_mappable: ramfs) maps those pages,
 * so stores reach the file and every other mapper; it may be writable only through a writable
 * fd (EACCES, and mprotect never adds PROT_WRITE to one made read-only: VMA_NOWRITE), as Linux.
 * Any other file's shared mapping is read-only for good: a writable one is refused (ENODEV)
 * rather than silently made a private copy that would lose the writes. */
static long mmap_file(struct mm *mm, uintptr_t *a, size_t len, unsigned vflags,
		      unsigned long flags, int fd, uint64_t off)
{
	struct file *f = fd_get_file(fd);
	bool shared = vflags & VMA_SHARED;
	long err = 0;

	if (!f)
		return -EBADF;
	if (!file_readable(f))
		err = -EACCES;
	else if (shared && (vflags & VMA_WRITE) && !file_writable(f))
		err = -EACCES;
	else if (shared && (vflags & VMA_WRITE) && !file_mappable(f))
		err = -ENODEV;
	if (!err) {
		uint64_t size = file_size(f);

		if (shared && !file_mappable(f))
			vflags = (vflags & ~VMA_SHARED) | VMA_NOWRITE;
		else if (shared && !file_writable(f))
			vflags |= VMA_NOWRITE;
		err = mmap_one_hold(mm, a, len, vflags, flags, f, off, size > off ? size - off : 0);
	}
	file_put(f);
	return err;
}

SYSCALL6(mmap, uintptr_t, addr, size_t, len, unsigned long, prot, unsigned long, flags,
	 int, fd, uint64_t, off)
{
	struct mm *mm = mm_current();
	unsigned type = flags & MAP_TYPE, vflags = prot_to_vma(prot);
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	long err;

	if (!len || (prot & ~7UL) || !IS_ALIGNED(off, PAGE_SIZE) ||
	    (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) ||
	    (type == MAP_SHARED_VALIDATE && (flags & ~MAP_KNOWN)) ||
	    (fixed && !IS_ALIGNED(addr, PAGE_SIZE)))
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM;
	if (type != MAP_PRIVATE)
		vflags |= VMA_SHARED;
	if (!(flags & MAP_ANONYMOUS))
		err = mmap_file(mm, &addr, len, vflags, flags, fd, off);
	else
		err = mmap_one_hold(mm, &addr, len, vflags, flags, NULL, 0, 0);
	return err ? err : (long)addr;
}

SYSCALL2(munmap, uintptr_t, addr, size_t, len)
{
	struct mm *mm = mm_current();
	long err;

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!range_valid(addr, len))
		return -EINVAL;
	mutex_lock(&mm->lock);
	err = uvm_unmap(mm, addr, len);
	mutex_unlock(&mm->lock);
	return err;
}

SYSCALL3(mprotect, uintptr_t, addr, size_t, len, unsigned long, prot)
{
	struct mm *mm = mm_current();
	long err;

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!IS_ALIGNED(addr, PAGE_SIZE) || (prot & ~7UL))
		return -EINVAL;
	if (!len)
		return 0;
	if (!range_valid(addr, len))
		return -ENOMEM;
	mutex_lock(&mm->lock);
	err = uvm_protect(mm, addr, len, prot_to_vma(prot));
	mutex_unlock(&mm->lock);
	return err;
}

#define MS_ASYNC	1
#define MS_INVALIDATE	2
#define MS_SYNC		4

/* Every page of [addr, end) lies in some VMA (mm->lock held). */
static bool range_mapped(struct mm *mm, uintptr_t addr, uintptr_t end)
{
	while (addr < end) {
		struct vma *v = uvm_find(mm, addr);

		if (!v)
			return false;
		addr = v->end;
	}
	return true;
}

/* A shared file mapping maps the file's own pages (ramfs: they are the file), so there is
 * nothing to write back or invalidate: msync checks its arguments as Linux does. */
SYSCALL3(msync, uintptr_t, addr, size_t, len, int, flags)
{
	struct mm *mm = mm_current();
	bool ok;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!range_valid(addr, len))
		return -ENOMEM;
	mutex_lock(&mm->lock);
	ok = range_mapped(mm, addr, addr + len);
	mutex_unlock(&mm->lock);
	return ok ? 0 : -ENOMEM;
}

/* DONTNEED drops private pages (anonymous ones read back as zeros, file ones refault from the
 * file); pages of shared VMAs keep their data, as Linux's shmem does. */
static void drop_private(struct mm *mm, uintptr_t addr, uintptr_t end)
{
	struct tlb_batch b;

	tlb_batch_init(&b, &mm->pt, user_page_put);
	list_for_each_entry(v, &mm->vmas, struct vma, node) {
		uintptr_t s = v->start > addr ? v->start : addr;
		uintptr_t e = v->end < end ? v->end : end;

		if (s < e && !(v->flags & VMA_SHARED))
			vm_unmap_release(&mm->pt, s, e - s, &b);
	}
	tlb_batch_flush(&b);
}

SYSCALL3(madvise, uintptr_t, addr, size_t, len, int, advice)
{
	struct mm *mm = mm_current();

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!IS_ALIGNED(addr, PAGE_SIZE) || (len && !range_valid(addr, len)))
		return -EINVAL;
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
		return 0;
	case MADV_DONTNEED: case MADV_FREE:
		mutex_lock(&mm->lock);
		drop_private(mm, addr, addr + len);
		mutex_unlock(&mm->lock);
		return 0;
	default:
		return -EINVAL;
	}
}

static struct vma *heap_vma(struct mm *mm)
{
	list_for_each_entry(v, &mm->vmas, struct vma, node)
		if (v->flags & VMA_HEAP)
			return v;
	return NULL;
}

/* Moves the break to new_brk within lim (RLIMIT_AS); the heap VMA covers [brk_start,
 * page-rounded brk). */
static bool set_brk(struct mm *mm, uintptr_t new_brk, uint64_t lim)
{
	uintptr_t old_end = ALIGN_UP(mm->brk, PAGE_SIZE), new_end = ALIGN_UP(new_brk, PAGE_SIZE);
	struct vma *h = heap_vma(mm);
	uintptr_t a = mm->brk_start;

	if (new_end > old_end) {
		if (!vma_free_range(mm, old_end, new_end - old_end) ||
		    !as_allows(mm, lim, old_end, new_end - old_end, false))
			return false;
		if (h)
			h->end = new_end;
		else if (uvm_map(mm, &a, new_end - a, VMA_READ | VMA_WRITE | VMA_HEAP, true,
				 NULL, 0, 0))
			return false;
	} else if (new_end < old_end) {
		uvm_unmap(mm, new_end, old_end - new_end);
	}
	mm->brk = new_brk;
	return true;
}

SYSCALL1(brk, uintptr_t, addr)
{
	struct mm *mm = mm_current();
	uint64_t lim = as_limit();
	uintptr_t r;

	mutex_lock(&mm->lock);
	if (addr >= mm->brk_start && addr < mm->stack_reserve_bottom)
		set_brk(mm, addr, lim);
	r = mm->brk;
	mutex_unlock(&mm->lock);
	return (long)r;
}
