/*
 * mm/kstack.c — kernel stacks with guard pages (keel/kstack.h).
 *
 * Slot i of the kernel-stack window is [KSTACK_BASE + i*KSTACK_SLOT, +KSTACK_SLOT): one guard
 * page that is never mapped, then KSTACK_SIZE bytes of stack backed by one frame block. Freed
 * slots go on a free list (linked through a small heap record) and are reused first; new slots
 * come from a bump index.
 *
 * A freed stack may still be cached in the TLB of any CPU its thread ran on, and its slot will
 * be mapped again to other frames: kstack_free has every CPU drop those translations before
 * the frames and the slot are reused (tlb_flush_kernel_range; kernel leaves are global, so
 * that reaches every PCID).
 *
 * Locking: kstack_lock guards the free list and the bump index.
 */
#include <keel/kstack.h>
#include <keel/arch.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/memlayout.h>
#include <keel/panic.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <keel/tlb.h>
#include <keel/vm.h>

#define KSTACK_ORDER	2	/* KSTACK_SIZE = 16 KiB = 2^2 pages */
_Static_assert((PAGE_SIZE << KSTACK_ORDER) == KSTACK_SIZE, "KSTACK_ORDER matches KSTACK_SIZE");

struct free_slot {
	struct free_slot *next;
	uintptr_t slot;
};

static struct free_slot *free_slots;
static size_t nr_free_slots;
static uintptr_t next_slot = KSTACK_BASE;
static struct spinlock kstack_lock = SPINLOCK_INIT("kstack");

static uintptr_t slot_take(void)
{
	bool f = spin_lock_irqsave(&kstack_lock);
	struct free_slot *fs = free_slots;
	uintptr_t slot = 0;

	if (fs) {
		free_slots = fs->next;
		nr_free_slots--;
		slot = fs->slot;
	} else if (next_slot + KSTACK_SLOT <= KSTACK_BASE + KSTACK_WINDOW) {
		slot = next_slot;
		next_slot += KSTACK_SLOT;
	}
	spin_unlock_irqrestore(&kstack_lock, f);
	kfree(fs);
	return slot;
}

static void slot_put(uintptr_t slot)
{
	struct free_slot *fs = kmalloc(sizeof(*fs));
	bool f;

	if (!fs)
		return;		/* the slot is leaked, never reused twice: still safe */
	fs->slot = slot;
	f = spin_lock_irqsave(&kstack_lock);
	fs->next = free_slots;
	free_slots = fs;
	nr_free_slots++;
	spin_unlock_irqrestore(&kstack_lock, f);
}

void *kstack_alloc(void)
{
	struct page *p = frame_alloc(KSTACK_ORDER, PAGE_KERNEL);
	uintptr_t slot;

	if (!p)
		return NULL;
	slot = slot_take();
	if (!slot || vm_map(&kernel_pt, slot + PAGE_SIZE, page_to_phys(p), KSTACK_SIZE,
			    VM_WRITE | VM_GLOBAL) != 0) {
		if (slot)
			slot_put(slot);
		frame_free(p, KSTACK_ORDER);
		return NULL;
	}
	return (void *)(slot + PAGE_SIZE);
}

void kstack_free(void *base)
{
	uintptr_t b = (uintptr_t)base;
	phys_addr_t pa;

	assert(b >= KSTACK_BASE + PAGE_SIZE && (b - KSTACK_BASE) % KSTACK_SLOT == PAGE_SIZE);
	if (vm_translate(&kernel_pt, b, &pa, NULL, NULL))
		panic("kstack_free: %p is not a mapped kernel stack", base);
	vm_unmap(&kernel_pt, b, KSTACK_SIZE);
	tlb_flush_kernel_range(b, b + KSTACK_SIZE);
	frame_free(pfn_to_page(pa >> PAGE_SHIFT), KSTACK_ORDER);
	slot_put(b - PAGE_SIZE);
}

bool kstack_is_guard(uintptr_t addr)
{
	return addr >= KSTACK_BASE && addr < KSTACK_BASE + KSTACK_WINDOW &&
	       (addr - KSTACK_BASE) % KSTACK_SLOT < PAGE_SIZE;
}

size_t kstack_free_slots(void)
{
	return READ_ONCE(nr_free_slots);
}
