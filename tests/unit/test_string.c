/*
 * tests/unit/test_string.c — lib/string.c: memory and string functions, glob_match, parse_u64.
 *
 * The kernel's memset, strlen, ... are linked here as k_memset, k_strlen, ... (krename.h), so
 * the plain names below are glibc's, used as the reference. Buffers are heap blocks under
 * AddressSanitizer: a function that touches one byte too many fails the run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "krename.h"
#include <keel/string.h>
#define KRENAME_UNDO
#include "krename.h"

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* A heap copy of n pattern bytes, so ASan catches any access outside [0, n). */
static unsigned char *pattern(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
	return p;
}

static void memset_fills_exactly_n_bytes_with_the_low_byte_of_c(void **state)
{
	(void)state;
	for (size_t n = 0; n < 40; n++) {
		unsigned char buf[48];

		memset(buf, 0x11, sizeof(buf));
		if (k_memset(buf + 3, 0x1ab, n) != buf + 3)
			fail_msg("memset(buf+3, ..., %zu) did not return its destination", n);
		for (size_t i = 0; i < sizeof(buf); i++) {
			unsigned char want = (i >= 3 && i < 3 + n) ? 0xab : 0x11;

			if (buf[i] != want)
				fail_msg("memset(buf+3, 0x1ab, %zu): byte %zu is %#x, expected %#x", n, i,
					 buf[i], want);
		}
	}
}

static void memcpy_copies_every_length_and_alignment(void **state)
{
	(void)state;
	for (size_t so = 0; so < 8; so++)
		for (size_t d_off = 0; d_off < 8; d_off++)
			for (size_t n = 0; n <= 40; n++) {
				unsigned char *src = pattern(so + n, 5);
				unsigned char *dst = malloc(d_off + n + 1);

				memset(dst, 0xee, d_off + n + 1);
				if (k_memcpy(dst + d_off, src + so, n) != dst + d_off)
					fail_msg("memcpy did not return its destination");
				if (memcmp(dst + d_off, src + so, n) != 0 || dst[d_off + n] != 0xee)
					fail_msg("memcpy(dst+%zu, src+%zu, %zu): copy differs or wrote past the end",
						 d_off, so, n);
				free(src);
				free(dst);
			}
}

/* Both directions of overlap, every small shift, word-aligned and not. */
static void memmove_handles_overlap_in_both_directions(void **state)
{
	(void)state;
	for (size_t from = 0; from < 24; from++)
		for (size_t to = 0; to < 24; to++)
			for (size_t n = 0; n + MAX(from, to) <= 40; n++) {
				unsigned char *k = pattern(40, 3), *ref = pattern(40, 3);

				if (k_memmove(k + to, k + from, n) != k + to)
					fail_msg("memmove did not return its destination");
				memmove(ref + to, ref + from, n);
				if (memcmp(k, ref, 40) != 0)
					fail_msg("memmove(buf+%zu, buf+%zu, %zu) differs from glibc", to, from, n);
				free(k);
				free(ref);
			}
}

static void memcmp_orders_bytes_as_unsigned(void **state)
{
	unsigned char a[] = { 1, 2, 0x80, 4 }, b[] = { 1, 2, 0x7f, 4 };

	(void)state;
	assert_int_equal(k_memcmp(a, b, 0), 0);
	assert_int_equal(k_memcmp(a, b, 2), 0);
	if (k_memcmp(a, b, 4) <= 0 || k_memcmp(b, a, 4) >= 0)
		fail_msg("memcmp: 0x80 must compare above 0x7f, got %d and %d", k_memcmp(a, b, 4),
			 k_memcmp(b, a, 4));
	assert_int_equal(k_memcmp("same", "same", 5), 0);
}

static void strlen_and_strnlen_stop_at_the_terminator_or_the_bound(void **state)
{
	char *s = strdup("hello");

	(void)state;
	assert_int_equal(k_strlen(""), 0);
	assert_int_equal(k_strlen(s), 5);
	assert_int_equal(k_strnlen(s, 3), 3);
	assert_int_equal(k_strnlen(s, 5), 5);
	assert_int_equal(k_strnlen(s, 100), 5);
	assert_int_equal(k_strnlen(s, 0), 0);
	free(s);
	/* strnlen must not read past max even with no terminator there. */
	s = malloc(4);
	memcpy(s, "abcd", 4);
	assert_int_equal(k_strnlen(s, 4), 4);
	free(s);
}

static void strcmp_and_strncmp_agree_with_libc_in_sign(void **state)
{
	static const char *const strs[] = { "", "a", "b", "ab", "abc", "abd", "abc\x80", "ABC",
					    "\xff", "abcdef" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		for (size_t j = 0; j < ARRAY_SIZE(strs); j++) {
			int want = sign(strcmp(strs[i], strs[j]));
			int got = sign(k_strcmp(strs[i], strs[j]));

			if (want != got)
				fail_msg("strcmp(\"%s\", \"%s\"): expected sign %d, got %d", strs[i],
					 strs[j], want, got);
			for (size_t n = 0; n < 8; n++) {
				want = sign(strncmp(strs[i], strs[j], n));
				got = sign(k_strncmp(strs[i], strs[j], n));
				if (want != got)
					fail_msg("strncmp(\"%s\", \"%s\", %zu): expected sign %d, got %d",
						 strs[i], strs[j], n, want, got);
			}
		}
}

static void strchr_finds_first_match_or_the_terminator(void **state)
{
	const char *s = "kernel", *hi = "a\xe9";

	(void)state;
	assert_ptr_equal(k_strchr(s, 'e'), s + 1);
	assert_ptr_equal(k_strchr(s, 'l'), s + 5);
	assert_ptr_equal(k_strchr(s, 'z'), NULL);
	assert_ptr_equal(k_strchr(s, '\0'), s + 6);
	/* c is converted to char: 0xe9 and 0x1e9 both find the byte 0xe9. */
	assert_ptr_equal(k_strchr(hi, 0xe9), hi + 1);
	assert_ptr_equal(k_strchr(hi, 0x1e9), hi + 1);
}

static void strlcpy_truncates_terminates_and_returns_source_length(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(k_strlcpy(buf, "keel", sizeof(buf)), 4);
	assert_string_equal(buf, "keel");
	assert_int_equal(buf[5], 'X');

	assert_int_equal(k_strlcpy(buf, "a long string", sizeof(buf)), 13);
	assert_string_equal(buf, "a long ");

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(k_strlcpy(buf, "abc", 1), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(k_strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'X');
}

struct glob_case {
	const char *pattern, *s;
	bool match;
};

static void glob_match_handles_star_and_question_mark(void **state)
{
	static const struct glob_case cases[] = {
		{ "", "", true },		{ "", "a", false },
		{ "*", "", true },		{ "*", "anything", true },
		{ "?", "", false },		{ "?", "a", true },
		{ "?", "ab", false },		{ "abc", "abc", true },
		{ "abc", "abcd", false },	{ "abcd", "abc", false },
		{ "a*", "a", true },		{ "a*", "abc", true },
		{ "a*", "ba", false },		{ "*c", "abc", true },
		{ "*c", "abcd", false },	{ "a*c", "ac", true },
		{ "a*c", "abbbc", true },	{ "a*c", "abcbc", true },
		{ "a*c", "abcb", false },	{ "a?c", "abc", true },
		{ "a?c", "ac", false },		{ "**", "x", true },
		{ "*a*b*", "xxaxxbxx", true },	{ "*a*b*", "xxbxxaxx", false },
		{ "mm_*", "mm_buddy", true },	{ "mm_*", "lib_printf", false },
		{ "*_merges_*", "frame_alloc_merges_buddies", true },
		{ "a*b*c", "abXbXc", true },	{ "a*a*a", "aaaa", true },
		{ "a*a*a", "aa", false },	{ "*?", "", false },
		{ "*?", "x", true },		{ "?*?", "x", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bool got = glob_match(cases[i].pattern, cases[i].s);

		if (got != cases[i].match)
			fail_msg("glob_match(\"%s\", \"%s\"): expected %s, got %s", cases[i].pattern,
				 cases[i].s, cases[i].match ? "match" : "no match",
				 got ? "match" : "no match");
	}
}

struct num_case {
	const char *s;
	bool ok;
	uint64_t v;
};

static void parse_u64_accepts_decimal_and_hex_filling_the_string(void **state)
{
	static const struct num_case cases[] = {
		{ "0", true, 0 },
		{ "7", true, 7 },
		{ "0042", true, 42 },
		{ "0x0", true, 0 },
		{ "0x1f", true, 0x1f },
		{ "0XAbCdEf", true, 0xabcdef },
		{ "18446744073709551615", true, UINT64_MAX },
		{ "0xffffffffffffffff", true, UINT64_MAX },
		{ "0x00000000000000000001", true, 1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 0xdead;

		if (!parse_u64(cases[i].s, &v) || v != cases[i].v)
			fail_msg("parse_u64(\"%s\"): expected true and %#lx, got %s and %#lx",
				 cases[i].s, cases[i].v, parse_u64(cases[i].s, &v) ? "true" : "false",
				 v);
	}
}

static void parse_u64_rejects_junk_empty_and_overflow_leaving_out_alone(void **state)
{
	static const char *const bad[] = {
		"", "0x", "0X", "x1", "-1", "+1", " 1", "1 ", "12a", "0x1g", "1.5", "ff",
		"18446744073709551616", "99999999999999999999", "0x10000000000000000",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t v = 0xdead;

		if (parse_u64(bad[i], &v) || v != 0xdead)
			fail_msg("parse_u64(\"%s\"): expected false with *out untouched, got %s and %#lx",
				 bad[i], parse_u64(bad[i], &v) ? "true" : "false", v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memset_fills_exactly_n_bytes_with_the_low_byte_of_c),
		cmocka_unit_test(memcpy_copies_every_length_and_alignment),
		cmocka_unit_test(memmove_handles_overlap_in_both_directions),
		cmocka_unit_test(memcmp_orders_bytes_as_unsigned),
		cmocka_unit_test(strlen_and_strnlen_stop_at_the_terminator_or_the_bound),
		cmocka_unit_test(strcmp_and_strncmp_agree_with_libc_in_sign),
		cmocka_unit_test(strchr_finds_first_match_or_the_terminator),
		cmocka_unit_test(strlcpy_truncates_terminates_and_returns_source_length),
		cmocka_unit_test(glob_match_handles_star_and_question_mark),
		cmocka_unit_test(parse_u64_accepts_decimal_and_hex_filling_the_string),
		cmocka_unit_test(parse_u64_rejects_junk_empty_and_overflow_leaving_out_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
