/*
 * keel/asid.h — one CPU's address-space slots (kernel/mm/asid.c): which recently run address
 * spaces still have translations tagged in this CPU's TLB, and how current they are.
 *
 * Pure bookkeeping, no instructions: the arch code maps slot i to a hardware tag (x86: PCID
 * i + 1) and does the flushes a choice asks for. An address space is named by a context id
 * that is never reused (a 64-bit counter), so a slot can never be mistaken for a later address
 * space that happens to sit at the same address. Each slot also remembers the flush generation
 * its TLB entries are current to; an address space's generation grows by one for every change
 * that removes or reduces a translation (keel/tlb.h).
 *
 * Invariant: if slot s holds (ctx, gen), this CPU's TLB holds no entry tagged s that is
 * staler than ctx's page tables as of generation gen, and none of any other context.
 */
#ifndef KEEL_ASID_H
#define KEEL_ASID_H

#include <keel/types.h>

#define ASID_SLOTS_MAX	8

struct asid_slot {
	uint64_t ctx;			/* context id; 0 = empty */
	uint64_t gen;			/* flush generation the entries are current to */
	uint64_t last;			/* LRU stamp */
};

struct asid_cache {
	unsigned nslots;
	uint64_t clock;
	struct asid_slot s[ASID_SLOTS_MAX];
};

struct asid_choice {
	unsigned slot;
	bool flush;			/* drop the slot's entries before (or while) loading it */
	bool evicted;			/* the slot held another context */
};

/* What a shootdown of generation gen needs on a slot. */
enum asid_flush { ASID_FLUSH_NONE, ASID_FLUSH_RANGE, ASID_FLUSH_FULL };

/* Empties every slot (the TLB holds nothing tagged with them); nslots in 1..ASID_SLOTS_MAX. */
void asid_cache_init(struct asid_cache *c, unsigned nslots);
/* The slot to run ctx in, whose page tables are at generation gen: its own slot (flushed
 * only when behind gen) or the empty / least recently used one (always flushed). */
struct asid_choice asid_use(struct asid_cache *c, uint64_t ctx, uint64_t gen);
/* A shootdown of generation gen (covering a range) reached the context in slot: nothing when
 * the slot is already at gen, the range when it is exactly one behind (and range_ok), else a
 * full flush. The slot is then current to gen (or to now_gen, read before a full flush). */
enum asid_flush asid_shootdown(struct asid_cache *c, unsigned slot, uint64_t gen,
			       uint64_t now_gen, bool range_ok);
/* The slot holding ctx, or -1. */
int asid_find(const struct asid_cache *c, uint64_t ctx);
/* Forgets slot (its entries were dropped, or will be before it is used again). */
void asid_forget(struct asid_cache *c, unsigned slot);

#endif
