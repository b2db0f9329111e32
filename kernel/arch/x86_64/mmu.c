/*
 * arch/x86_64/mmu.c — 4-level page tables behind the generic keel/vm.h interface.
 *
 * Range operations recurse over the tree: at each level, every entry overlapping the range is
 * either a leaf (4 KiB at level 0, 2 MiB / 1 GiB with PS at levels 1 / 2) or a pointer to the
 * next table. A huge leaf only partly inside an unmap or protect range is split first into a
 * table of 512 smaller leaves with the same attributes. Tables of levels 0 and 1 are freed when
 * an unmap leaves them empty; PML4 and PDPT pages stay (kernel PDPTs are shared by every
 * address space, so they must never go away).
 *
 * Intermediate entries are always present+writable, and user-accessible only in the user half:
 * the leaf decides the real rights; every kernel-half leaf is global (see keel/vm.h). Flushes:
 * this CPU's TLB by INVLPG per changed leaf (which also drops paging-structure caches); other
 * CPUs are tlb.c's. A table emptied by an unmap is not freed at once: it goes on a deferred
 * list, linked through its entry 0 (a physical address, so never "present"), and is freed
 * only after every CPU that might still walk it has flushed.
 */
#include <keel/vm.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/log.h>
#include <keel/memmap.h>
#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/string.h>
#include <keel/tlb.h>
#include <arch/cpu.h>
#include <arch/mmu.h>

struct pagetable kernel_pt = { .root = 0, .lock = SPINLOCK_INIT("kernel_pt") };
static size_t pt_pages;		/* changed under the lock of the tree they belong to: atomic */
static uint64_t pte_nx;		/* PTE_NX when the CPU has NX, else 0 (the bit is reserved) */
static uint64_t pte_g;		/* PTE_G when the CPU has PGE */

static uint64_t *table_virt(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

static bool is_leaf(uint64_t e, int level)
{
	return level == 0 || (e & PTE_PS);
}

static phys_addr_t pt_alloc(void)
{
	void *va;

	__atomic_add_fetch(&pt_pages, 1, __ATOMIC_RELAXED);
	if (!frame_ready())
		return bootalloc_pages(1);
	va = page_alloc_zeroed(PAGE_PAGETABLE);
	if (!va) {
		__atomic_sub_fetch(&pt_pages, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return virt_to_phys(va);
}

static void pt_free(uint64_t entry)
{
	__atomic_sub_fetch(&pt_pages, 1, __ATOMIC_RELAXED);
	frame_free(pfn_to_page((entry & PTE_ADDR) >> PAGE_SHIFT), 0);
}

/* Puts the emptied table of entry on *list, to be freed after the shootdown. */
static void pt_defer(uint64_t entry, phys_addr_t *list)
{
	uint64_t *t = table_virt(entry);

	t[0] = *list;			/* not present: a walker that still reaches it sees nothing */
	*list = entry & PTE_ADDR;
}

void mmu_free_table_list(phys_addr_t list)
{
	while (list) {
		phys_addr_t next = ((uint64_t *)phys_to_virt(list))[0];

		pt_free(list);
		list = next;
	}
}

size_t vm_pagetable_pages(void)
{
	return pt_pages;
}

static uint64_t prot_to_pte(unsigned prot, int level, uintptr_t va)
{
	uint64_t e = PTE_P | PTE_A;

	if (prot & VM_WRITE)
		e |= PTE_W | PTE_D;
	if (prot & VM_USER)
		e |= PTE_U;
	if (!(prot & VM_EXEC))
		e |= pte_nx;
	if ((prot & VM_GLOBAL) || va >= KERNEL_SPACE_BASE)
		e |= pte_g;
	if (prot & VM_NOCACHE)
		e |= PTE_PCD | PTE_PWT;		/* PAT entry 3: UC */
	else if (prot & VM_WC)
		e |= pat_wc ? PTE_PWT : PTE_PCD | PTE_PWT;	/* PAT entry 1: WC (cpu_pat_init) */
	if (level > 0)
		e |= PTE_PS;
	return e;
}

static unsigned pte_to_prot(uint64_t e)
{
	unsigned prot = 0;

	if (e & PTE_W) prot |= VM_WRITE;
	if (e & PTE_U) prot |= VM_USER;
	if (!(e & PTE_NX)) prot |= VM_EXEC;
	if (e & PTE_G) prot |= VM_GLOBAL;
	if (e & PTE_PCD) prot |= VM_NOCACHE;
	else if (e & PTE_PWT) prot |= VM_WC;
	return prot;
}

static uint64_t table_entry(phys_addr_t table, uintptr_t va)
{
	return table | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
}

/* Changes to pt are visible to this CPU's TLB only if pt is live here (or kernel-half). */
static void flush_one(struct pagetable *pt, uintptr_t va)
{
	if (va >= KERNEL_SPACE_BASE || (read_cr3() & PTE_ADDR) == pt->root)
		invlpg(va);
}

static bool level_allowed(int level, unsigned prot)
{
	if (level == 0)
		return true;
	if (!(prot & VM_HUGE))
		return false;
	return level == 1 || (level == 2 && cpu_has(FEAT_PDPE1GB));
}

/* Maps one leaf of the largest allowed size at va; returns its size, or a negative errno. */
static int64_t map_one(struct pagetable *pt, uintptr_t va, phys_addr_t pa, size_t left,
		       unsigned prot)
{
	int level = 2;
	uint64_t *table = phys_to_virt(pt->root);

	while (level > 0 && !(level_allowed(level, prot) &&
			      IS_ALIGNED(va | pa, 1UL << pt_shift(level)) &&
			      left >= (1UL << pt_shift(level))))
		level--;
	for (int l = PT_LEVELS - 1; l > level; l--) {
		uint64_t *e = &table[pt_index(va, l)];

		if (!(*e & PTE_P)) {
			phys_addr_t t = pt_alloc();

			if (!t)
				return -ENOMEM;
			*e = table_entry(t, va);
		} else if (is_leaf(*e, l)) {
			return -EEXIST;
		}
		table = table_virt(*e);
	}
	if (table[pt_index(va, level)] & PTE_P)
		return -EEXIST;
	table[pt_index(va, level)] = (pa & PTE_ADDR) | prot_to_pte(prot, level, va);
	return (int64_t)1 << pt_shift(level);
}

static bool range_ok(uintptr_t va, size_t len)
{
	uintptr_t end = va + len;

	if (!IS_ALIGNED(va | len, PAGE_SIZE) || end < va || len == 0)
		return false;
	if (va < USER_TOP)
		return end <= USER_TOP;
	return va >= KERNEL_SPACE_BASE;
}

int vm_map(struct pagetable *pt, uintptr_t va, phys_addr_t pa, size_t len, unsigned prot)
{
	size_t done = 0;
	int64_t r = 0;
	bool f;

	if (!range_ok(va, len) || !IS_ALIGNED(pa, PAGE_SIZE))
		return -EINVAL;
	f = spin_lock_irqsave(&pt->lock);
	while (done < len) {
		r = map_one(pt, va + done, pa + done, len - done, prot);
		if (r < 0)
			break;
		done += (size_t)r;
	}
	spin_unlock_irqrestore(&pt->lock, f);
	if (r < 0 && done)
		vm_unmap(pt, va, done);		/* all or nothing */
	return r < 0 ? (int)r : 0;
}

/* Replaces the huge leaf *e at level with a table of 512 leaves one level down. */
static int split_leaf(struct pagetable *pt, uint64_t *e, int level, uintptr_t va)
{
	phys_addr_t t = pt_alloc();
	uint64_t *child, attrs, step = 1ULL << pt_shift(level - 1);

	if (!t)
		return -ENOMEM;
	child = phys_to_virt(t);
	attrs = *e & ~PTE_ADDR & ~PTE_PS;
	if (level - 1 > 0)
		attrs |= PTE_PS;
	for (int i = 0; i < PT_ENTRIES; i++)
		child[i] = ((*e & PTE_ADDR) + i * step) | attrs;
	*e = table_entry(t, va);
	flush_one(pt, va);
	return 0;
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < PT_ENTRIES; i++)
		if (t[i] & PTE_P)
			return false;
	return true;
}

typedef int (*leaf_fn)(struct pagetable *pt, uint64_t *e, uintptr_t va, unsigned prot);

/*
 * Applies fn to every leaf covering [va, end) under table (at level), splitting huge leaves
 * that stick out of the range. With a prune list, level-0/1 tables left empty go on it.
 */
static int walk_range(struct pagetable *pt, uint64_t *table, int level, uintptr_t va,
		      uintptr_t end, leaf_fn fn, unsigned prot, phys_addr_t *prune)
{
	while (va < end) {
		uint64_t size = 1ULL << pt_shift(level);
		uintptr_t start = ALIGN_DOWN(va, size), next = start + size;
		uint64_t *e = &table[pt_index(va, level)];
		int err;

		if (next == 0 || next > end)
			next = end;		/* last entry, or the range ends inside it */
		if (!(*e & PTE_P)) {
			va = next;
			continue;
		}
		if (is_leaf(*e, level) && (va != start || next - start != size)) {
			err = split_leaf(pt, e, level, start);
			if (err)
				return err;
		}
		if (is_leaf(*e, level)) {
			err = fn(pt, e, start, prot);
		} else {
			uint64_t *child = table_virt(*e);

			err = walk_range(pt, child, level - 1, va, next, fn, prot, prune);
			if (!err && prune && level <= 2 && table_empty(child)) {
				uint64_t old = *e;

				*e = 0;
				flush_one(pt, va);
				pt_defer(old, prune);
			}
		}
		if (err)
			return err;
		va = next;
	}
	return 0;
}

static int leaf_clear(struct pagetable *pt, uint64_t *e, uintptr_t va, unsigned prot)
{
	*e = 0;
	flush_one(pt, va);
	return 0;
}

static int leaf_protect(struct pagetable *pt, uint64_t *e, uintptr_t va, unsigned prot)
{
	uint64_t keep = *e & (PTE_ADDR | PTE_PS);

	*e = keep | (prot_to_pte(prot, 0, va) & ~PTE_PS);
	flush_one(pt, va);
	return 0;
}

/* Kernel half: freed tables may sit in any CPU's paging-structure caches, under any PCID.
 * User half: a shootdown of the range. Either way before the tables are reused. */
int vm_unmap(struct pagetable *pt, uintptr_t va, size_t len)
{
	phys_addr_t freed = 0;
	bool f;
	int err;

	if (!range_ok(va, len))
		return -EINVAL;
	f = spin_lock_irqsave(&pt->lock);
	err = walk_range(pt, phys_to_virt(pt->root), PT_LEVELS - 1, va, va + len, leaf_clear, 0,
			 &freed);
	spin_unlock_irqrestore(&pt->lock, f);
	if (freed && va >= KERNEL_SPACE_BASE)
		tlb_flush_kernel_all();
	else if (freed)
		tlb_flush_all_of(pt);
	mmu_free_table_list(freed);
	return err;
}

/* Leaf entry mapping va, and its level; NULL if unmapped. */
static uint64_t *find_leaf(struct pagetable *pt, uintptr_t va, int *level)
{
	uint64_t *table = phys_to_virt(pt->root);

	for (int l = PT_LEVELS - 1; l >= 0; l--) {
		uint64_t *e = &table[pt_index(va, l)];

		if (!(*e & PTE_P))
			return NULL;
		if (is_leaf(*e, l)) {
			*level = l;
			return e;
		}
		table = table_virt(*e);
	}
	return NULL;
}

int vm_protect(struct pagetable *pt, uintptr_t va, size_t len, unsigned prot)
{
	bool f;
	int err = 0, level;

	if (!range_ok(va, len))
		return -EINVAL;
	f = spin_lock_irqsave(&pt->lock);
	for (uintptr_t a = va; a < va + len && !err;) {	/* all mapped, or no change */
		if (!find_leaf(pt, a, &level))
			err = -ENOENT;
		else
			a = ALIGN_DOWN(a, 1UL << pt_shift(level)) + (1UL << pt_shift(level));
	}
	if (!err)
		err = walk_range(pt, phys_to_virt(pt->root), PT_LEVELS - 1, va, va + len,
				 leaf_protect, prot, NULL);
	spin_unlock_irqrestore(&pt->lock, f);
	return err;
}

int vm_translate(struct pagetable *pt, uintptr_t va, phys_addr_t *pa, unsigned *prot,
		 size_t *page_size)
{
	int level;
	uint64_t *e = find_leaf(pt, va, &level);
	size_t size;

	if (!e)
		return -ENOENT;
	size = 1UL << pt_shift(level);
	if (pa)
		*pa = (*e & PTE_ADDR & ~(uint64_t)(size - 1)) + (va & (size - 1));
	if (prot)
		*prot = pte_to_prot(*e);
	if (page_size)
		*page_size = size;
	return 0;
}

bool vm_kernel_mapped(uintptr_t va)
{
	struct pagetable live = { .root = read_cr3() & PTE_ADDR, .lock = SPINLOCK_INIT("live") };
	int level;

	return find_leaf(&live, va, &level) != NULL;
}

/* Reads which optional PTE bits this CPU has; before any table is built. */
void mmu_detect(void)
{
	pte_nx = cpu_has(FEAT_NX) ? PTE_NX : 0;
	pte_g = cpu_has(FEAT_PGE) ? PTE_G : 0;
}

/* Gives the kernel PML4 slot of va a PDPT if it has none (boot only). */
void mmu_prefill_pml4(uintptr_t va)
{
	uint64_t *e = &((uint64_t *)phys_to_virt(kernel_pt.root))[pt_index(va, 3)];

	if (!(*e & PTE_P))
		*e = table_entry(pt_alloc(), va);
}

/* --- user page tables: 4 KiB leaves only (uvm never asks for huge user pages) --- */

/* The first present leaf at or above va and below end, or NULL; *at = its address. Skips
 * whole missing tables. */
static uint64_t *next_user_leaf(struct pagetable *pt, uintptr_t va, uintptr_t end,
				uintptr_t *at)
{
	while (va < end) {
		uint64_t *table = phys_to_virt(pt->root);
		int l;

		for (l = PT_LEVELS - 1; l > 0; l--) {
			uint64_t e = table[pt_index(va, l)];

			if (!(e & PTE_P))
				break;
			assert(!(e & PTE_PS));
			table = table_virt(e);
		}
		if (l == 0 && (table[pt_index(va, 0)] & PTE_P)) {
			*at = va;
			return &table[pt_index(va, 0)];
		}
		va = ALIGN_DOWN(va, 1UL << pt_shift(l)) + (1UL << pt_shift(l));
	}
	return NULL;
}

int vm_pagetable_create(struct pagetable *pt)
{
	phys_addr_t root = pt_alloc();
	uint64_t *dst, *src = phys_to_virt(kernel_pt.root);

	if (!root)
		return -ENOMEM;
	dst = phys_to_virt(root);
	for (int i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		dst[i] = src[i];		/* the shared kernel half; slots prefilled at boot */
	pt->root = root;
	spin_init(&pt->lock, "user pt");
	pt->ctx = tlb_new_context();
	pt->tlb_gen = 0;
	cpumask_clear(&pt->cpus);
	return 0;
}

static void free_user_table(uint64_t entry, int level, vm_page_fn release)
{
	uint64_t *t = table_virt(entry);

	for (int i = 0; i < PT_ENTRIES; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level == 1)
			release(t[i] & PTE_ADDR);
		else
			free_user_table(t[i], level - 1, release);
	}
	pt_free(entry);
}

void vm_pagetable_destroy(struct pagetable *pt, vm_page_fn release)
{
	uint64_t *root = phys_to_virt(pt->root);

	tlb_pagetable_release(pt);	/* no CPU keeps it in CR3, lazily or not */
	for (int i = 0; i < PT_ENTRIES / 2; i++)
		if (root[i] & PTE_P)
			free_user_table(root[i], PT_LEVELS - 1, release);
	pt_free(pt->root);
	pt->root = 0;
}

/* Clears leaves from *at on until the batch is full; true when the range is done (a full
 * batch may hold the last leaf: the caller then flushes it as the end of the range). */
static bool unmap_some(struct pagetable *pt, uintptr_t *at, uintptr_t end, struct tlb_batch *b)
{
	uint64_t *e;

	while (!tlb_batch_full(b) && (e = next_user_leaf(pt, *at, end, at))) {
		b->frames[b->nframes++] = *e & PTE_ADDR;
		*e = 0;
		flush_one(pt, *at);
		tlb_batch_add(b, *at);
		*at += PAGE_SIZE;
	}
	return !tlb_batch_full(b) || *at >= end;
}

int vm_unmap_release(struct pagetable *pt, uintptr_t va, size_t len, struct tlb_batch *b)
{
	uintptr_t at = va;
	bool f, done;

	if (!range_ok(va, len) || va >= USER_TOP)
		return -EINVAL;
	assert(b->pt == pt);
	for (;;) {
		f = spin_lock_irqsave(&pt->lock);
		done = unmap_some(pt, &at, va + len, b);
		if (done)
			walk_range(pt, phys_to_virt(pt->root), PT_LEVELS - 1, va, va + len,
				   leaf_clear, 0, &b->tables);
		spin_unlock_irqrestore(&pt->lock, f);
		if (done)
			return 0;
		if (!tlb_batch_grow(b))
			tlb_batch_flush(b);	/* full: shoot down, release, go on */
	}
}

int vm_share_range(struct pagetable *dst, struct pagetable *src, uintptr_t va, size_t len,
		   bool cow, vm_page_fn ref)
{
	uintptr_t at = va;
	uint64_t *e;
	int64_t r = 0;
	bool f;

	if (!range_ok(va, len) || va >= USER_TOP)
		return -EINVAL;
	f = spin_lock_irqsave(&src->lock);
	spin_lock(&dst->lock);
	while (r >= 0 && (e = next_user_leaf(src, at, va + len, &at))) {
		if (cow && (*e & PTE_W)) {
			*e &= ~(uint64_t)PTE_W;
			flush_one(src, at);
		}
		r = map_one(dst, at, *e & PTE_ADDR, PAGE_SIZE, pte_to_prot(*e));
		if (r >= 0)
			ref(*e & PTE_ADDR);
		at += PAGE_SIZE;
	}
	spin_unlock(&dst->lock);
	spin_unlock_irqrestore(&src->lock, f);
	return r < 0 ? (int)r : 0;
}

int vm_replace(struct pagetable *pt, uintptr_t va, phys_addr_t pa, unsigned prot)
{
	int level;
	uint64_t *e;
	bool f = spin_lock_irqsave(&pt->lock);

	e = find_leaf(pt, va, &level);
	if (e && level == 0) {
		*e = (pa & PTE_ADDR) | prot_to_pte(prot, 0, va);
		flush_one(pt, va);
	}
	spin_unlock_irqrestore(&pt->lock, f);
	return e && level == 0 ? 0 : -ENOENT;
}

void vm_flush_local(void)
{
	write_cr3(read_cr3());
}

phys_addr_t vm_current_root(void)
{
	return read_cr3() & PTE_ADDR;
}

void vm_activate_kernel(void)
{
	tlb_switch_kernel();
}

void vm_activate(struct pagetable *pt)
{
	tlb_switch(pt);
}
