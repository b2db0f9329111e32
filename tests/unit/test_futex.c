/*
 * tests/unit/test_futex.c — the pure part of futex keys (keel/futex.h): equality and the
 * bucket hash, which must use both words, stay in range and spread neighbouring words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/futex.h>
#include "stubs.h"

static void keys_are_equal_only_when_both_words_are(void **state)
{
	struct futex_key a = { 0x1000, 0x4000 }, b = a, c = { 0x1000, 0x4004 },
			 d = { FUTEX_SPACE_PHYS, 0x4000 };

	(void)state;
	assert_true(futex_key_eq(&a, &b));
	assert_false(futex_key_eq(&a, &c));
	assert_false(futex_key_eq(&a, &d));
}

/* 4096 consecutive words of one mm in 1024 buckets: no bucket gets more than a handful. */
static void hash_spreads_neighbouring_words(void **state)
{
	static unsigned count[1024];
	unsigned worst = 0;

	(void)state;
	for (uintptr_t i = 0; i < 4096; i++) {
		struct futex_key k = { 0xffff800012345000, 0x7fff0000 + 4 * i };
		unsigned h = futex_hash(&k, 10);

		assert_true(h < 1024);
		count[h]++;
	}
	for (unsigned i = 0; i < 1024; i++)
		worst = count[i] > worst ? count[i] : worst;
	if (worst > 16)
		fail_msg("a bucket got %u of 4096 keys (4 expected on average)", worst);
}

static void hash_depends_on_the_space(void **state)
{
	unsigned differ = 0;

	(void)state;
	for (uintptr_t i = 0; i < 64; i++) {
		struct futex_key a = { 0xffff800000100000 + 0x1000 * i, 0x7000 };
		struct futex_key b = { 0xffff800000100000 + 0x1000 * (i + 1), 0x7000 };

		differ += futex_hash(&a, 12) != futex_hash(&b, 12);
	}
	assert_true(differ >= 60);
	struct futex_key k = { 1, 2 };
	assert_int_equal(futex_hash(&k, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_are_equal_only_when_both_words_are),
		cmocka_unit_test(hash_spreads_neighbouring_words),
		cmocka_unit_test(hash_depends_on_the_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
