/*
 * mm/uvm_proc.c — what /proc reads of an address space that may not be the caller's: its
 * sizes, a snapshot of its VMAs, and bytes of its memory (the argv and envp strings).
 *
 * Every function takes mm->lock, so the VMAs and page tables do not change underneath; the
 * caller holds a reference to mm (proc_mm_get), so it cannot be freed. Memory is read through
 * the direct map of each present page: nothing is faulted in on another process's behalf.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/uvm.h>
#include <keel/vfs.h>
#include <keel/vm.h>

size_t uvm_read_remote(struct mm *mm, uintptr_t va, void *buf, size_t n)
{
	size_t done = 0;

	mutex_lock(&mm->lock);
	while (done < n) {
		uintptr_t a = va + done;
		size_t k = MIN(n - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
		phys_addr_t pa;
		unsigned prot;
		size_t psz;

		if (a >= USER_TOP || vm_translate(&mm->pt, a & ~(uintptr_t)(PAGE_SIZE - 1), &pa,
						  &prot, &psz))
			break;
		memcpy((char *)buf + done, (char *)phys_to_virt(pa) + (a & (PAGE_SIZE - 1)), k);
		done += k;
	}
	mutex_unlock(&mm->lock);
	return done;
}

/* Pages of [start, end) present in mm's page tables. */
static size_t resident(struct mm *mm, uintptr_t start, uintptr_t end)
{
	size_t n = 0;

	for (uintptr_t a = start; a < end; a += PAGE_SIZE) {
		phys_addr_t pa;
		unsigned prot;
		size_t psz;

		n += vm_translate(&mm->pt, a, &pa, &prot, &psz) == 0;
	}
	return n;
}

int uvm_snapshot(struct mm *mm, struct vma_info **out, size_t *count)
{
	struct vma_info *vi;
	size_t n = 0, i = 0;

	mutex_lock(&mm->lock);
	list_for_each_entry(v, &mm->vmas, struct vma, node)
		n++;
	vi = kzalloc(MAX(n, (size_t)1) * sizeof(*vi));
	if (!vi) {
		mutex_unlock(&mm->lock);
		return -ENOMEM;
	}
	list_for_each_entry(v, &mm->vmas, struct vma, node) {
		vi[i].start = v->start;
		vi[i].end = v->end;
		vi[i].flags = v->flags;
		vi[i].file_off = v->file_off;
		vi[i].resident = resident(mm, v->start, v->end);
		vi[i].ino = v->file ? v->file->ino : NULL;
		if (vi[i].ino)
			inode_get(vi[i].ino);
		i++;
	}
	mutex_unlock(&mm->lock);
	*out = vi;
	*count = n;
	return 0;
}

void uvm_snapshot_free(struct vma_info *vi, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (vi[i].ino)
			inode_put(vi[i].ino);
	kfree(vi);
}
