/*
 * arch/mmu.h — x86-64 page-table entry format.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <keel/types.h>

#define PTE_P		(1ULL << 0)
#define PTE_W		(1ULL << 1)
#define PTE_U		(1ULL << 2)
#define PTE_PWT		(1ULL << 3)
#define PTE_PCD		(1ULL << 4)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_PS		(1ULL << 7)	/* leaf at PDPT (1 GiB) or PD (2 MiB) level */
#define PTE_G		(1ULL << 8)
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR	0x000ffffffffff000ULL

#define PT_ENTRIES	512
#define PT_LEVELS	4	/* level 3 = PML4 ... level 0 = PT */

static inline unsigned pt_shift(int level)
{
	return 12 + 9 * level;
}

static inline unsigned pt_index(uintptr_t va, int level)
{
	return (va >> pt_shift(level)) & (PT_ENTRIES - 1);
}



void mmu_detect(void);
void mmu_prefill_pml4(uintptr_t va);
/* Frees page-table pages linked by mmu.c's deferred-free list (after their shootdown). */
void mmu_free_table_list(phys_addr_t list);

/* tlb.c: the boot CPU's setup and mode line, then each AP's. */
void tlb_init(void);
void tlb_cpu_init(void);
/* Every CPU drops everything, global entries and paging-structure caches of every PCID. */
void tlb_flush_kernel_all(void);
/* The raw invalidations, for ktests (PCID 0 when PCID is off). */
void tlb_test_inv_addr(unsigned pcid, uintptr_t va);
void tlb_test_inv_ctx(unsigned pcid);
void tlb_test_inv_all_nonglobal(void);
int tlb_test_pcid_of(struct pagetable *pt);

#endif
