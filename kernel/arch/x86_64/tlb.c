/*
 * arch/x86_64/tlb.c — PCID slots, TLB invalidation by capability, lazy TLB and shootdown
 * (keel/tlb.h; the scheme and why it is correct: docs/tlb.md).
 *
 * Tags: with PCID, slot i of a CPU's asid cache (keel/asid.h) is PCID i + 1; PCID 0 belongs
 * to kernel_pt alone. Without PCID there is one slot, and every CR3 load flushes anyway.
 * Invalidation uses what the CPU has: INVPCID (the four types) when present; with PCID but
 * no INVPCID, a CR3 write with the target PCID and bit 63 clear, restored with bit 63 set,
 * interrupts off; without PCID, INVLPG and CR3 reloads. Kernel leaves are all global, so
 * INVLPG of a kernel address drops it under every PCID.
 *
 * Per-CPU state (struct cpu's tlb) is touched only by its CPU with interrupts off, except
 * `lazy`, which shooters read. pagetable.cpus is the set of CPUs whose CR3 holds the table:
 * a CPU sets its bit before loading it and clears it only after loading something else.
 */
#include <keel/tlb.h>
#include <keel/arch.h>
#include <keel/asid.h>
#include <keel/cmdline.h>
#include <keel/frame.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/smp.h>
#include <keel/string.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>

#define CR3_NOFLUSH	(1ULL << 63)
#define CR3_PCID	0xfffULL
#define CR4_PCIDE	(1UL << 17)
#define TLB_PCID_SLOTS	6

enum { INVPCID_ADDR, INVPCID_CTX, INVPCID_ALL, INVPCID_ALL_NONGLOBAL };

static bool pcid_on, invpcid_on, no_pcid_word, no_invpcid_word;
static uint64_t next_ctx = 1;

static int set_nopcid(const char *v)
{
	no_pcid_word = true;
	return v ? -1 : 0;
}
CMDLINE_PARAM("nopcid", set_nopcid, "nopcid (tag no TLB entries)");

static int set_noinvpcid(const char *v)
{
	no_invpcid_word = true;
	return v ? -1 : 0;
}
CMDLINE_PARAM("noinvpcid", set_noinvpcid, "noinvpcid (emulate INVPCID with CR3 writes)");

static inline void invpcid(unsigned type, uint64_t pcid, uintptr_t va)
{
	struct { uint64_t pcid, va; } d = { pcid, va };

	__asm__ __volatile__("invpcid %0, %1" :: "m"(d), "r"((uint64_t)type) : "memory");
}

static unsigned slot_pcid(unsigned slot)
{
	return pcid_on ? slot + 1 : 0;
}

/* --- invalidation by capability --- */

/* Drops the (non-global) translation of va tagged pcid. */
static void inv_addr(unsigned pcid, uintptr_t va)
{
	uint64_t cr3;
	bool f;

	if (invpcid_on) {
		invpcid(INVPCID_ADDR, pcid, va);
		return;
	}
	cr3 = read_cr3();
	if (!pcid_on || (cr3 & CR3_PCID) == pcid) {
		invlpg(va);
		return;
	}
	f = arch_irq_save();		/* INVLPG acts on the current PCID: make it pcid */
	write_cr3(kernel_pt.root | pcid | CR3_NOFLUSH);
	invlpg(va);
	write_cr3(cr3 | CR3_NOFLUSH);
	arch_irq_restore(f);
}

/* Drops every non-global translation tagged pcid. */
static void inv_ctx(unsigned pcid)
{
	uint64_t cr3;
	bool f;

	if (invpcid_on) {
		invpcid(INVPCID_CTX, pcid, 0);
		return;
	}
	f = arch_irq_save();
	cr3 = read_cr3();		/* reads never return bit 63 */
	if (!pcid_on || (cr3 & CR3_PCID) == pcid) {
		write_cr3(cr3);		/* bit 63 clear: flushes the current PCID */
	} else {
		write_cr3(kernel_pt.root | pcid);	/* flushes pcid (kernel_pt has no user half) */
		write_cr3(cr3 | CR3_NOFLUSH);		/* back, keeping the current PCID's entries */
	}
	arch_irq_restore(f);
}

/* Drops every translation of every PCID, global ones too. */
static void inv_all(void)
{
	uint64_t cr4;
	bool f;

	if (invpcid_on) {
		invpcid(INVPCID_ALL, 0, 0);
		return;
	}
	f = arch_irq_save();
	cr4 = read_cr4();
	write_cr4(cr4 ^ CR4_PGE);	/* any change of CR4.PGE flushes everything */
	write_cr4(cr4);
	arch_irq_restore(f);
}

/* Drops every non-global translation of every PCID. */
static void inv_all_nonglobal(void)
{
	if (invpcid_on)
		invpcid(INVPCID_ALL_NONGLOBAL, 0, 0);
	else if (!pcid_on)
		write_cr3(read_cr3());
	else
		inv_all();		/* no single CR3 write reaches every PCID */
}

/* --- modes, per-CPU setup --- */

const char *tlb_mode(void)
{
	if (!pcid_on)
		return "pcid off";
	return invpcid_on ? "pcid on, invpcid on" : "pcid on, invpcid emulated";
}

/* This CPU: CR4.PCIDE when in use (CR3 holds kernel_pt with PCID 0), empty slots. */
void tlb_cpu_init(void)
{
	struct tlb_cpu *t = &this_cpu()->tlb;

	asid_cache_init(&t->asids, pcid_on ? TLB_PCID_SLOTS : 1);
	t->loaded = NULL;
	t->lazy = false;
	if (pcid_on) {
		write_cr3(kernel_pt.root);
		write_cr4(read_cr4() | CR4_PCIDE);
	}
	inv_all();
}

/* The boot CPU, once, after the final tables are loaded. */
void tlb_init(void)
{
	pcid_on = cpu_has(FEAT_PCID) && !no_pcid_word;
	invpcid_on = pcid_on && cpu_has(FEAT_INVPCID) && !no_invpcid_word;
	tlb_cpu_init();
	pr_info("mmu: %s (%u tags per CPU%s%s)\n", tlb_mode(), pcid_on ? TLB_PCID_SLOTS : 1,
		no_pcid_word ? ", nopcid" : "", no_invpcid_word ? ", noinvpcid" : "");
}

uint64_t tlb_new_context(void)
{
	return __atomic_fetch_add(&next_ctx, 1, __ATOMIC_RELAXED);
}

/* --- address-space switches --- */

static void mask_set(cpumask_t *m, unsigned cpu)
{
	__atomic_fetch_or(&m->bits[cpu / 64], 1ULL << (cpu % 64), __ATOMIC_SEQ_CST);
}

void tlb_switch_kernel(void)
{
	struct cpu *c = this_cpu();
	struct tlb_cpu *t = &c->tlb;
	struct pagetable *prev = t->loaded;

	if (!prev && (read_cr3() & PTE_ADDR) == kernel_pt.root)
		return;
	write_cr3(kernel_pt.root | (pcid_on ? CR3_NOFLUSH : 0));	/* PCID 0: kernel_pt only */
	if (!pcid_on)
		asid_forget(&t->asids, 0);
	t->loaded = NULL;
	t->lazy = false;
	if (prev)
		cpumask_unset(&prev->cpus, c->id);
}

/* Back from lazy mode to the table still loaded: catch up with shootdowns skipped meanwhile. */
static void lazy_return(struct tlb_cpu *t, struct pagetable *pt)
{
	uint64_t gen;

	__atomic_store_n(&t->lazy, false, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&pt->tlb_gen, __ATOMIC_SEQ_CST);
	if (t->asids.s[t->slot].gen < gen) {
		t->asids.s[t->slot].gen = gen;
		inv_ctx(slot_pcid(t->slot));
		t->stats.full++;
	}
}

void tlb_switch(struct pagetable *pt)
{
	struct cpu *c = this_cpu();
	struct tlb_cpu *t = &c->tlb;
	struct pagetable *prev = t->loaded;
	struct asid_choice ch;
	uint64_t gen;

	if (!pt) {			/* a kernel thread: keep prev, lazily */
		if (prev)
			__atomic_store_n(&t->lazy, true, __ATOMIC_RELAXED);
		return;
	}
	if (pt == prev) {
		if (t->lazy)
			lazy_return(t, pt);
		return;
	}
	mask_set(&pt->cpus, c->id);	/* before reading the generation: see docs/tlb.md */
	__atomic_store_n(&t->lazy, false, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&pt->tlb_gen, __ATOMIC_SEQ_CST);
	ch = asid_use(&t->asids, pt->ctx, gen);
	write_cr3(pt->root | slot_pcid(ch.slot) | (pcid_on && !ch.flush ? CR3_NOFLUSH : 0));
	t->loaded = pt;
	t->slot = ch.slot;
	if (prev)
		cpumask_unset(&prev->cpus, c->id);
	t->stats.switches++;
	t->stats.switch_flushes += ch.flush;
}

static void release_here(void *arg)
{
	if (this_cpu()->tlb.loaded == arg)
		tlb_switch_kernel();
}

void tlb_pagetable_release(struct pagetable *pt)
{
	bool f = arch_irq_save();
	cpumask_t m;

	release_here(pt);
	m = pt->cpus;
	arch_irq_restore(f);
	if (!cpumask_empty(&m))
		smp_call(&m, release_here, pt);
	assert(cpumask_empty(&pt->cpus));
}

/* --- shootdown --- */

struct shoot {
	struct pagetable *pt;
	uint64_t gen;			/* the generation this shootdown made */
	uintptr_t start, end;
	bool tables;			/* page-table pages were freed: lazy CPUs must let go */
};

/* Freed tables: paging-structure caches go too, so the whole context is flushed. */
static bool shoot_is_range(const struct shoot *s)
{
	return !s->tables && (s->end - s->start) / PAGE_SIZE <= TLB_FULL_FLUSH_PAGES;
}

/* On a CPU that has s->pt loaded (or had it: then nothing to do). Interrupts off. */
static void shoot_here(void *arg)
{
	struct shoot *s = arg;
	struct tlb_cpu *t = &this_cpu()->tlb;
	unsigned pcid = slot_pcid(t->slot);
	uint64_t now;

	if (t->loaded != s->pt)
		return;			/* it left; the generation catches it up on return */
	if (t->lazy && s->tables) {
		tlb_switch_kernel();	/* no walk may reach the freed tables */
		return;
	}
	now = __atomic_load_n(&s->pt->tlb_gen, __ATOMIC_SEQ_CST);
	switch (asid_shootdown(&t->asids, t->slot, s->gen, now, shoot_is_range(s))) {
	case ASID_FLUSH_NONE:
		break;
	case ASID_FLUSH_RANGE:
		for (uintptr_t va = s->start; va < s->end; va += PAGE_SIZE)
			inv_addr(pcid, va);
		t->stats.pages += (s->end - s->start) / PAGE_SIZE;
		break;
	case ASID_FLUSH_FULL:
		inv_ctx(pcid);
		t->stats.full++;
		break;
	}
}

/* Copies a mask another CPU may be changing, one word at a time. */
static cpumask_t mask_read(const cpumask_t *m)
{
	cpumask_t r;

	for (unsigned i = 0; i < CPU_MAX / 64; i++)
		r.bits[i] = __atomic_load_n(&m->bits[i], __ATOMIC_SEQ_CST);
	return r;
}

/* Every CPU that has pt loaded drops [start, end) (the whole context above the threshold);
 * CPUs in lazy mode are skipped unless tables were freed. */
static void shootdown(struct pagetable *pt, uintptr_t start, uintptr_t end, bool tables)
{
	struct shoot s = { pt, 0, start, end, tables };
	bool f = arch_irq_save();
	struct cpu *me = this_cpu();
	cpumask_t loaded, targets;

	s.gen = __atomic_add_fetch(&pt->tlb_gen, 1, __ATOMIC_SEQ_CST);
	loaded = mask_read(&pt->cpus);
	cpumask_clear(&targets);
	for_each_cpu(cpu, &loaded) {
		if (cpu != me->id && !tables &&
		    __atomic_load_n(&cpus[cpu]->tlb.lazy, __ATOMIC_SEQ_CST)) {
			me->tlb.stats.lazy_skipped++;
			continue;
		}
		cpumask_set(&targets, cpu);
	}
	if (!cpumask_empty(&targets)) {
		me->tlb.stats.shootdowns++;
		me->tlb.stats.ipis += cpumask_weight(&targets) - cpumask_test(&targets, me->id);
		smp_call(&targets, shoot_here, &s);
	}
	arch_irq_restore(f);
}

void tlb_flush_range(struct pagetable *pt, uintptr_t start, uintptr_t end)
{
	if (start < end)
		shootdown(pt, ALIGN_DOWN(start, PAGE_SIZE), ALIGN_UP(end, PAGE_SIZE), false);
}

void tlb_flush_all_of(struct pagetable *pt)
{
	shootdown(pt, 0, USER_TOP, false);
}

struct kshoot {
	uintptr_t start, end;
	bool all;
};

static void kshoot_here(void *arg)
{
	struct kshoot *k = arg;

	if (k->all || (k->end - k->start) / PAGE_SIZE > TLB_FULL_FLUSH_PAGES) {
		inv_all();
		this_cpu()->tlb.stats.full++;
		return;
	}
	for (uintptr_t va = k->start; va < k->end; va += PAGE_SIZE)
		invlpg(va);		/* kernel leaves are global: every PCID */
	this_cpu()->tlb.stats.pages += (k->end - k->start) / PAGE_SIZE;
}

void tlb_flush_kernel_range(uintptr_t start, uintptr_t end)
{
	struct kshoot k = { ALIGN_DOWN(start, PAGE_SIZE), ALIGN_UP(end, PAGE_SIZE), false };

	smp_call(&cpu_online_mask, kshoot_here, &k);
}

/* Kernel page-table pages were freed: paging-structure caches of every PCID must go. */
void tlb_flush_kernel_all(void)
{
	struct kshoot k = { 0, 0, true };

	smp_call(&cpu_online_mask, kshoot_here, &k);
}

/* --- batches --- */

void tlb_batch_init(struct tlb_batch *b, struct pagetable *pt, vm_page_fn release)
{
	b->pt = pt;
	b->start = b->end = 0;
	b->tables = 0;
	b->nframes = 0;
	b->cap = TLB_BATCH_FRAMES;
	b->frames = b->own_frames;
	b->block = NULL;
	b->release = release;
}

bool tlb_batch_grow(struct tlb_batch *b)
{
	struct page *p = NULL;
	int order;

	if (b->block)
		return false;
	for (order = TLB_BATCH_GROW_ORDER; order >= 0 && !p; order--)
		p = frame_alloc((unsigned)order, PAGE_KERNEL);
	if (!p)
		return false;
	b->block = p;
	b->block_order = (unsigned)(order + 1);
	b->frames = page_address(p);
	memcpy(b->frames, b->own_frames, b->nframes * sizeof(b->frames[0]));
	b->cap = (unsigned)((PAGE_SIZE << b->block_order) / sizeof(b->frames[0]));
	return true;
}

void tlb_batch_add(struct tlb_batch *b, uintptr_t va)
{
	va = ALIGN_DOWN(va, PAGE_SIZE);
	if (b->start == b->end) {
		b->start = va;
		b->end = va + PAGE_SIZE;
	} else {
		b->start = MIN(b->start, va);
		b->end = MAX(b->end, va + PAGE_SIZE);
	}
}

void tlb_batch_flush(struct tlb_batch *b)
{
	if (b->start < b->end || b->tables)
		shootdown(b->pt, b->start, b->end, b->tables != 0);
	for (unsigned i = 0; i < b->nframes; i++)
		b->release(b->frames[i]);
	mmu_free_table_list(b->tables);
	if (b->block)
		frame_free(b->block, b->block_order);
	tlb_batch_init(b, b->pt, b->release);
}

/* --- counters --- */

/* One CPU's counters; false when it is not online. */
bool tlb_stats_read_cpu(unsigned cpu, struct tlb_stats *s)
{
	if (cpu >= CPU_MAX || !cpumask_test(&cpu_online_mask, cpu))
		return false;
	const struct tlb_stats *c = &cpus[cpu]->tlb.stats;

	s->shootdowns = READ_ONCE(c->shootdowns);
	s->ipis = READ_ONCE(c->ipis);
	s->pages = READ_ONCE(c->pages);
	s->full = READ_ONCE(c->full);
	s->lazy_skipped = READ_ONCE(c->lazy_skipped);
	s->switches = READ_ONCE(c->switches);
	s->switch_flushes = READ_ONCE(c->switch_flushes);
	return true;
}

void tlb_stats_read(struct tlb_stats *s)
{
	struct tlb_stats c;

	*s = (struct tlb_stats){ 0 };
	for_each_cpu(cpu, &cpu_online_mask) {
		if (!tlb_stats_read_cpu(cpu, &c))
			continue;
		s->shootdowns += c.shootdowns;
		s->ipis += c.ipis;
		s->pages += c.pages;
		s->full += c.full;
		s->lazy_skipped += c.lazy_skipped;
		s->switches += c.switches;
		s->switch_flushes += c.switch_flushes;
	}
}

/* For ktests: the hardware invalidations by name, on this CPU. */
void tlb_test_inv_addr(unsigned pcid, uintptr_t va) { inv_addr(pcid, va); }
void tlb_test_inv_ctx(unsigned pcid) { inv_ctx(pcid); }
void tlb_test_inv_all_nonglobal(void) { inv_all_nonglobal(); }

/* The PCID pt has in this CPU's slots, or -1 (PCID off, or not cached here). */
int tlb_test_pcid_of(struct pagetable *pt)
{
	int s = asid_find(&this_cpu()->tlb.asids, pt->ctx);

	return pcid_on && s >= 0 ? (int)slot_pcid((unsigned)s) : -1;
}
