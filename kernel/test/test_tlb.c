/*
 * test/test_tlb.c — PCID slots, generations and invalidation by capability (docs/tlb.md),
 * from a kernel thread that loads user address spaces itself (preemption off, as in
 * test_uvm.c) and reads them through copy_from_user.
 *
 * The stale-entry tests change a page-table entry of an address space that is not loaded, so
 * no INVLPG happens, then let only the mechanism under test drop the old translation. On a
 * runner that keeps tagged entries across CR3 loads (Bochs with PCID) a broken mechanism
 * would read the old frame; each run reports whether the runner keeps them at all. (Bochs
 * 2.7 and QEMU TCG drop every non-global entry on any CR3 load, so on this project's runners
 * these tests prove the paths run and are harmless, not that a missed flush is caught.)
 */
#include <keel/errno.h>
#include <keel/ktest.h>
#include <keel/log.h>
#include <keel/preempt.h>
#include <keel/tlb.h>
#include <keel/uaccess.h>
#include <keel/uvm.h>
#include <arch/mmu.h>

#define UADDR	0x40000000UL
#define VAL_A	0x1111aaaaUL
#define VAL_B	0x2222bbbbUL

/* An mm with two populated shared pages at UADDR holding v1 and v2. Preemption on. */
static struct mm *mm_two_pages(uint64_t v1, uint64_t v2)
{
	struct mm *mm = mm_create();
	uintptr_t a = UADDR;
	int err;

	if (!mm)
		return NULL;
	mutex_lock(&mm->lock);
	err = uvm_map(mm, &a, 2 * PAGE_SIZE, VMA_READ | VMA_WRITE | VMA_SHARED, true, NULL, 0, 0);
	mutex_unlock(&mm->lock);
	if (!err) {
		preempt_disable();
		vm_activate(&mm->pt);
		err = copy_to_user((void *)UADDR, &v1, 8) | copy_to_user((void *)(UADDR + PAGE_SIZE),
									  &v2, 8);
		vm_activate_kernel();
		preempt_enable();
	}
	if (err) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

/* Loads mm and reads UADDR; preemption off (a switch would leave mm). */
static uint64_t read_in(struct mm *mm)
{
	uint64_t v = 0;

	vm_activate(&mm->pt);
	if (copy_from_user(&v, (void *)UADDR, 8))
		v = ~0UL;
	return v;
}

/* Points UADDR of mm (not loaded here: no INVLPG happens) at the frame pa. */
static void point_first_page(struct mm *mm, phys_addr_t pa)
{
	vm_replace(&mm->pt, UADDR, pa, VM_USER | VM_WRITE);
}

KTEST(tlb_address_spaces_beyond_the_slots_each_see_their_own_page)
{
	struct mm *mm[12];
	int bad = 0;

	for (int i = 0; i < 12; i++) {
		mm[i] = mm_two_pages(i, 0);
		KT_ASSERT(mm[i], "no memory");
	}
	preempt_disable();
	for (int r = 0; r < 50; r++)
		for (int i = 0; i < 12; i++) {
			int k = (i * 5 + r) % 12;

			bad += read_in(mm[k]) != (uint64_t)k;
		}
	vm_activate_kernel();
	preempt_enable();
	for (int i = 0; i < 12; i++)
		mm_put(mm[i]);
	KT_EQ(bad, 0);
}

KTEST(tlb_thousands_of_short_lived_address_spaces_never_see_another)
{
	struct mm *keep;
	int bad = 0;

	keep = mm_two_pages(VAL_A, 0);
	KT_ASSERT(keep, "no memory");
	for (int i = 0; i < 4200 && !bad; i++) {
		struct mm *m = mm_two_pages(i, 0);

		KT_ASSERT(m, "no memory at %d", i);
		preempt_disable();
		bad += read_in(keep) != VAL_A;
		bad += read_in(m) != (uint64_t)i;
		bad += read_in(keep) != VAL_A;
		vm_activate_kernel();
		preempt_enable();
		mm_put(m);
	}
	mm_put(keep);
	KT_EQ(bad, 0);
}

/* Caches UADDR of a, loads b, swaps a's first page behind the TLB's back, runs `drop` (may
 * be NULL), and returns what a reads at UADDR then. Restores a. */
static uint64_t stale_probe(struct mm *a, struct mm *b, void (*drop)(struct mm *a))
{
	phys_addr_t pa1, pa2;
	uint64_t v;

	preempt_disable();
	vm_translate(&a->pt, UADDR, &pa1, NULL, NULL);
	vm_translate(&a->pt, UADDR + PAGE_SIZE, &pa2, NULL, NULL);
	(void)read_in(a);
	(void)read_in(b);
	point_first_page(a, pa2);
	if (drop)
		drop(a);
	v = read_in(a);
	vm_activate_kernel();
	point_first_page(a, pa1);	/* each frame mapped once again, as mm_put counts */
	tlb_flush_all_of(&a->pt);
	preempt_enable();
	return v;
}

static void drop_by_generation(struct mm *a)
{
	tlb_flush_range(&a->pt, UADDR, UADDR + PAGE_SIZE);	/* a is loaded nowhere */
}

static void drop_by_inv_addr(struct mm *a)
{
	int pcid = tlb_test_pcid_of(&a->pt);

	tlb_test_inv_addr(pcid < 0 ? 0 : (unsigned)pcid, UADDR);
}

static void drop_by_inv_ctx(struct mm *a)
{
	int pcid = tlb_test_pcid_of(&a->pt);

	tlb_test_inv_ctx(pcid < 0 ? 0 : (unsigned)pcid);
}

static void drop_everything(struct mm *a)
{
	tlb_test_inv_all_nonglobal();
}

KTEST(tlb_stale_entries_are_dropped_by_generation_and_by_each_invalidation)
{
	struct mm *a, *b;
	uint64_t control, gen, addr, ctx, all;

	a = mm_two_pages(VAL_A, VAL_B);
	b = mm_two_pages(0, 0);
	KT_ASSERT(a && b, "no memory");
	control = stale_probe(a, b, NULL);
	gen = stale_probe(a, b, drop_by_generation);
	addr = stale_probe(a, b, drop_by_inv_addr);
	ctx = stale_probe(a, b, drop_by_inv_ctx);
	all = stale_probe(a, b, drop_everything);
	mm_put(a);
	mm_put(b);
	pr_info("tlb ktest: %s; this runner %s tagged entries across CR3 loads\n", tlb_mode(),
		control == VAL_A ? "keeps" : "does not keep");
	KT_EQ(gen, VAL_B);
	KT_EQ(addr, VAL_B);
	KT_EQ(ctx, VAL_B);
	KT_EQ(all, VAL_B);
}

KTEST(tlb_shootdown_of_an_mm_loaded_nowhere_sends_no_ipi)
{
	struct mm *a;
	struct tlb_stats before, after;

	a = mm_two_pages(1, 2);
	KT_ASSERT(a, "no memory");
	tlb_stats_read(&before);
	tlb_flush_range(&a->pt, UADDR, UADDR + PAGE_SIZE);
	tlb_flush_all_of(&a->pt);
	tlb_stats_read(&after);
	mm_put(a);
	KT_EQ(after.ipis, before.ipis);
}

/* ---- batches ---- */

#define BIG_PAGES	2048		/* 8 MiB: 32 batches of TLB_BATCH_FRAMES */

static unsigned released;

static void count_and_put(phys_addr_t pa)
{
	released++;
	user_page_put(pa);
}

/* A large unmap grows its batch instead of flushing every TLB_BATCH_FRAMES frames: nothing is
 * released (so no shootdown was waited for) until the caller's flush, which releases all. */
KTEST(tlb_batch_grows_so_a_large_unmap_flushes_once)
{
	struct mm *mm = mm_create();
	uintptr_t a = UADDR;
	struct tlb_batch b;
	int err;

	KT_ASSERT(mm, "no memory");
	mutex_lock(&mm->lock);
	err = uvm_map(mm, &a, BIG_PAGES * PAGE_SIZE, VMA_READ | VMA_WRITE | VMA_SHARED, true,
		      NULL, 0, 0);
	if (!err) {
		released = 0;
		tlb_batch_init(&b, &mm->pt, count_and_put);
		err = vm_unmap_release(&mm->pt, a, BIG_PAGES * PAGE_SIZE, &b);
		KT_EQ(released, 0u);
		KT_ASSERT(b.block, "the batch did not grow");
		KT_EQ(b.nframes, (unsigned)BIG_PAGES);
		tlb_batch_flush(&b);
		KT_EQ(released, (unsigned)BIG_PAGES);
		KT_ASSERT(!b.block && b.frames == b.own_frames, "the flush kept the grown block");
	}
	mutex_unlock(&mm->lock);
	mm_put(mm);
	KT_EQ(err, 0);
}
