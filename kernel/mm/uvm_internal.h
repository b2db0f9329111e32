/*
 * mm/uvm_internal.h — shared by the uvm files (uvm.c, uvm_fault.c, mmap.c); not an interface.
 */
#ifndef MM_UVM_INTERNAL_H
#define MM_UVM_INTERNAL_H

#include <keel/uvm.h>
#include <keel/vfs.h>

void vma_free(struct vma *v);
struct vma *vma_dup(const struct vma *v);
void vma_insert(struct mm *mm, struct vma *n);
struct vma *vma_split(struct vma *v, uintptr_t addr);
uintptr_t vma_find_gap(struct mm *mm, size_t len, uintptr_t top);
bool vma_free_range(struct mm *mm, uintptr_t addr, size_t len);
/* Page-table protection for a VMA's pages. */
unsigned vma_prot(const struct vma *v);


#endif
