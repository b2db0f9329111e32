/*
 * tests/unit/test_asid.c — mm/asid.c, the per-CPU address-space slot allocator behind PCIDs:
 * reuse of a context's own slot, LRU eviction, the flush each choice demands, and the
 * generation rules of a shootdown. A model TLB (which context's entries, at which
 * generation, each slot's tag holds) checks the invariant of keel/asid.h across thousands of
 * contexts — far more than a 12-bit tag space.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "krename.h"
#include <keel/asid.h>
#define KRENAME_UNDO
#include "krename.h"
#include "stubs.h"

static void a_new_context_takes_an_empty_slot_and_flushes_it(void **state __attribute__((unused)))
{
	struct asid_cache c;
	struct asid_choice ch;

	asid_cache_init(&c, 4);
	ch = asid_use(&c, 7, 0);
	assert_true(ch.flush);
	assert_false(ch.evicted);
	assert_int_equal(asid_find(&c, 7), (int)ch.slot);
}

static void switching_back_reuses_the_slot_without_a_flush(void **state __attribute__((unused)))
{
	struct asid_cache c;
	struct asid_choice a, b, a2;

	asid_cache_init(&c, 4);
	a = asid_use(&c, 1, 5);
	b = asid_use(&c, 2, 0);
	assert_int_not_equal(a.slot, b.slot);
	a2 = asid_use(&c, 1, 5);
	assert_int_equal(a2.slot, a.slot);
	assert_false(a2.flush);
}

static void a_context_behind_its_generation_is_flushed_on_return(void **state __attribute__((unused)))
{
	struct asid_cache c;

	asid_cache_init(&c, 4);
	asid_use(&c, 1, 3);
	asid_use(&c, 2, 0);
	assert_true(asid_use(&c, 1, 4).flush);	/* a shootdown happened while it was away */
	assert_false(asid_use(&c, 1, 4).flush);
}

static void the_least_recently_used_slot_is_evicted(void **state __attribute__((unused)))
{
	struct asid_cache c;
	struct asid_choice ch;

	asid_cache_init(&c, 3);
	asid_use(&c, 1, 0);
	asid_use(&c, 2, 0);
	asid_use(&c, 3, 0);
	asid_use(&c, 1, 0);		/* 2 is now the oldest */
	ch = asid_use(&c, 4, 0);
	assert_true(ch.evicted);
	assert_true(ch.flush);
	assert_int_equal(asid_find(&c, 2), -1);
	assert_int_equal(asid_find(&c, 1) >= 0, 1);
	assert_int_equal(asid_find(&c, 3) >= 0, 1);
}

static void one_slot_flushes_on_every_change_of_context(void **state __attribute__((unused)))
{
	struct asid_cache c;

	asid_cache_init(&c, 1);		/* no PCID */
	assert_true(asid_use(&c, 1, 0).flush);
	assert_true(asid_use(&c, 2, 0).flush);
	assert_true(asid_use(&c, 1, 0).flush);
	assert_false(asid_use(&c, 1, 0).flush);
}

static void shootdown_flushes_a_range_only_one_generation_behind(void **state __attribute__((unused)))
{
	struct asid_cache c;
	unsigned s;

	asid_cache_init(&c, 2);
	s = asid_use(&c, 1, 4).slot;
	assert_int_equal(asid_shootdown(&c, s, 4, 4, true), ASID_FLUSH_NONE);
	assert_int_equal(asid_shootdown(&c, s, 5, 5, true), ASID_FLUSH_RANGE);
	assert_int_equal(asid_shootdown(&c, s, 7, 7, true), ASID_FLUSH_FULL);	/* missed 6 */
	assert_int_equal(asid_shootdown(&c, s, 8, 9, false), ASID_FLUSH_FULL);
	assert_int_equal(asid_shootdown(&c, s, 9, 9, true), ASID_FLUSH_NONE);	/* full got 9 */
	assert_false(asid_use(&c, 1, 9).flush);
}

static void cache_init_clamps_the_slot_count(void **state __attribute__((unused)))
{
	struct asid_cache c;

	asid_cache_init(&c, 0);
	assert_int_equal(c.nslots, 1);
	asid_cache_init(&c, 1000);
	assert_int_equal(c.nslots, ASID_SLOTS_MAX);
}

/*
 * A model: tag[s] = (ctx, gen) of the entries the hardware tag s holds. Loading a slot
 * without a flush keeps them; with a flush they become the context's at its generation now.
 * Running a context must never find entries of another context or of an older generation.
 */
struct model_tag {
	uint64_t ctx, gen;
};

static void thousands_of_contexts_never_see_stale_entries(void **state __attribute__((unused)))
{
	struct asid_cache c;
	struct model_tag tag[ASID_SLOTS_MAX] = { { 0, 0 } };
	uint64_t gen[64] = { 0 }, next_ctx = 1, live[64];
	uint32_t rnd = 12345;

	asid_cache_init(&c, 6);
	for (int i = 0; i < 64; i++)
		live[i] = next_ctx++;
	for (int step = 0; step < 200000; step++) {
		int i;
		struct asid_choice ch;

		rnd = rnd * 1103515245 + 12345;
		i = (rnd >> 8) % 64;
		if ((rnd >> 20) % 16 == 0) {		/* the process dies, a new one starts */
			live[i] = next_ctx++;
			gen[i] = 0;
		}
		if ((rnd >> 24) % 4 == 0)
			gen[i]++;			/* a shootdown while it may not be loaded */
		ch = asid_use(&c, live[i], gen[i]);
		if (ch.flush)
			tag[ch.slot] = (struct model_tag){ live[i], gen[i] };
		if (tag[ch.slot].ctx != live[i] || tag[ch.slot].gen != gen[i])
			fail_msg("step %d: context %lu (gen %lu) ran on entries of %lu (gen %lu)",
				 step, (unsigned long)live[i], (unsigned long)gen[i],
				 (unsigned long)tag[ch.slot].ctx, (unsigned long)tag[ch.slot].gen);
	}
	assert_true(next_ctx > 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_new_context_takes_an_empty_slot_and_flushes_it),
		cmocka_unit_test(switching_back_reuses_the_slot_without_a_flush),
		cmocka_unit_test(a_context_behind_its_generation_is_flushed_on_return),
		cmocka_unit_test(the_least_recently_used_slot_is_evicted),
		cmocka_unit_test(one_slot_flushes_on_every_change_of_context),
		cmocka_unit_test(shootdown_flushes_a_range_only_one_generation_behind),
		cmocka_unit_test(cache_init_clamps_the_slot_count),
		cmocka_unit_test(thousands_of_contexts_never_see_stale_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
