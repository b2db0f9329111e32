/*
 * mm/asid.c — the per-CPU address-space slot allocator (keel/asid.h).
 *
 * A handful of slots per CPU, least recently used first out. Nothing here touches hardware or
 * other CPUs: the caller owns the cache (one per CPU, used with interrupts off) and performs
 * the flush each answer asks for, so the logic is unit-tested on the host
 * (tests/unit/test_asid.c).
 */
#include <keel/asid.h>

void asid_cache_init(struct asid_cache *c, unsigned nslots)
{
	if (nslots < 1)
		nslots = 1;
	if (nslots > ASID_SLOTS_MAX)
		nslots = ASID_SLOTS_MAX;
	c->nslots = nslots;
	c->clock = 0;
	for (unsigned i = 0; i < ASID_SLOTS_MAX; i++)
		c->s[i] = (struct asid_slot){ 0, 0, 0 };
}

int asid_find(const struct asid_cache *c, uint64_t ctx)
{
	for (unsigned i = 0; ctx && i < c->nslots; i++)
		if (c->s[i].ctx == ctx)
			return (int)i;
	return -1;
}

/* An empty slot if there is one, else the least recently used. */
static unsigned victim(const struct asid_cache *c)
{
	unsigned v = 0;

	for (unsigned i = 0; i < c->nslots; i++) {
		if (!c->s[i].ctx)
			return i;
		if (c->s[i].last < c->s[v].last)
			v = i;
	}
	return v;
}

struct asid_choice asid_use(struct asid_cache *c, uint64_t ctx, uint64_t gen)
{
	int found = asid_find(c, ctx);
	struct asid_choice ch = { 0, true, false };
	struct asid_slot *s;

	if (found >= 0) {
		ch.slot = (unsigned)found;
		s = &c->s[ch.slot];
		ch.flush = s->gen < gen;
	} else {
		ch.slot = victim(c);
		s = &c->s[ch.slot];
		ch.evicted = s->ctx != 0;
		s->ctx = ctx;
	}
	if (ch.flush)
		s->gen = gen;
	s->last = ++c->clock;
	return ch;
}

enum asid_flush asid_shootdown(struct asid_cache *c, unsigned slot, uint64_t gen,
			       uint64_t now_gen, bool range_ok)
{
	struct asid_slot *s = &c->s[slot];

	if (s->gen >= gen)
		return ASID_FLUSH_NONE;
	if (range_ok && s->gen + 1 == gen) {
		s->gen = gen;
		return ASID_FLUSH_RANGE;
	}
	s->gen = now_gen > gen ? now_gen : gen;
	return ASID_FLUSH_FULL;
}

void asid_forget(struct asid_cache *c, unsigned slot)
{
	c->s[slot] = (struct asid_slot){ 0, 0, 0 };
}
