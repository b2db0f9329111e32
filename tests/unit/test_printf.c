/*
 * tests/unit/test_printf.c — lib/printf.c against the host C library.
 *
 * Where C defines the output, keel's formatter must print exactly what glibc prints and return
 * the same length: the sweeps below run every flag set, width, precision and length modifier
 * the header promises over edge values, and report each format that differs. Where C leaves
 * the result open (NULL pointers, unknown conversions) the tests pin keel's documented choice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "krename.h"
#include <keel/printf.h>
#define KRENAME_UNDO
#include "krename.h"

/* Formats with glibc and with keel; prints a line and returns false when they differ. */
static bool vsame_as_libc(const char *where, const char *fmt, va_list ap)
{
	char want[512], got[512];
	va_list ap2;
	int nw, ng;

	va_copy(ap2, ap);
	nw = vsnprintf(want, sizeof(want), fmt, ap);
	ng = k_vsnprintf(got, sizeof(got), fmt, ap2);
	va_end(ap2);
	if (nw == ng && memcmp(want, got, (size_t)MIN(nw + 1, (int)sizeof(want))) == 0)
		return true;
	print_error("%s: format \"%s\": expected \"%s\" (length %d, as glibc), got \"%s\" (length %d)\n",
		    where, fmt, want, nw, got, ng);
	return false;
}

static unsigned mismatches, compared;

static __printf(2, 3) void check(const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compared++;
	if (!vsame_as_libc(where, fmt, ap))
		mismatches++;
	va_end(ap);
}

/* check() for formats built at run time (no compile-time format checking possible). */
static void check_dyn(const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compared++;
	if (!vsame_as_libc(where, fmt, ap))
		mismatches++;
	va_end(ap);
}

#define STR2(x) #x
#define STR(x) STR2(x)
#define HERE __FILE__ ":" STR(__LINE__)
#define LIBC(...) check(HERE, __VA_ARGS__)
/* For formats C defines but gcc's -Wformat calls redundant ("'0' flag ignored with '-'"). */
#define LIBC_NOCHECK(...) check_dyn(HERE, __VA_ARGS__)

static int reset(void **state)
{
	(void)state;
	mismatches = compared = 0;
	return 0;
}

static void assert_no_mismatch(void)
{
	if (mismatches)
		fail_msg("%u of %u formats differ from glibc (each listed above)", mismatches,
			 compared);
}

/* Fails unless keel's snprintf of fmt gives exactly want (for behaviour glibc does not pin). */
#define assert_keel_prints(want, ...) do { \
	char __got[256]; \
	int __n = k_snprintf(__got, sizeof(__got), __VA_ARGS__); \
	if (strcmp(__got, (want)) != 0 || __n != (int)strlen(want)) \
		fail_msg("%s: expected \"%s\" (length %zu), got \"%s\" (length %d)", #__VA_ARGS__, \
			 (want), strlen(want), __got, __n); \
} while (0)

/* --- the sweeps --- */

static const long long values[] = {
	0, 1, -1, 7, 8, 9, 10, 15, 16, 42, -42, 99, 100, 127, 128, -128, 255, 256, 4095,
	32767, -32768, 65535, 65536, INT_MAX, INT_MIN, (long long)UINT_MAX,
	(long long)UINT_MAX + 1, 1000000007, -1000000007, 0x123456789abcdefLL, LLONG_MAX,
	LLONG_MIN, -2,
};

static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };
static const char *const widths[] = { "", "1", "2", "6", "25" };
static const char *const precs[] = { "", ".", ".0", ".1", ".2", ".5", ".24" };

/* Passes v with the type the length modifier says (signed or unsigned per conversion). */
static void check_int(const char *fmt, const char *len, bool is_signed, long long v)
{
	if (!strcmp(len, "ll")) {
		if (is_signed)
			check_dyn("sweep", fmt, v);
		else
			check_dyn("sweep", fmt, (unsigned long long)v);
	} else if (len[0] == 'l' || len[0] == 'z' || len[0] == 't' || len[0] == 'j') {
		if (is_signed)
			check_dyn("sweep", fmt, (long)v);
		else
			check_dyn("sweep", fmt, (unsigned long)v);
	} else {
		if (is_signed)
			check_dyn("sweep", fmt, (int)v);
		else
			check_dyn("sweep", fmt, (unsigned int)v);
	}
}

/* Every combination of the flags in `flags` (C-defined for conv), widths, precisions, lengths. */
static void sweep_integer(char conv, const char *flags)
{
	size_t nflags = strlen(flags);
	bool is_signed = conv == 'd' || conv == 'i';

	for (unsigned set = 0; set < (1u << nflags); set++) {
		char fl[8] = "";
		size_t nf = 0;

		for (size_t b = 0; b < nflags; b++)
			if (set & (1u << b))
				fl[nf++] = flags[b];
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(precs); p++)
				for (size_t l = 0; l < ARRAY_SIZE(lengths); l++)
					for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
						char fmt[64];

						snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", fl,
							 widths[w], precs[p], lengths[l], conv);
						check_int(fmt, lengths[l], is_signed, values[v]);
					}
	}
}

static void d_matches_libc_for_every_flag_width_precision_and_length(void **state)
{
	(void)state;
	sweep_integer('d', "-0+ ");
	assert_no_mismatch();
}

static void i_matches_libc_for_every_flag_width_precision_and_length(void **state)
{
	(void)state;
	sweep_integer('i', "-0+ ");
	assert_no_mismatch();
}

static void u_matches_libc_for_every_flag_width_precision_and_length(void **state)
{
	(void)state;
	sweep_integer('u', "-0");
	assert_no_mismatch();
}

static void x_and_X_match_libc_for_every_flag_width_precision_and_length(void **state)
{
	(void)state;
	sweep_integer('x', "-0#");
	sweep_integer('X', "-0#");
	assert_no_mismatch();
}

static void o_matches_libc_for_every_flag_width_precision_and_length(void **state)
{
	(void)state;
	sweep_integer('o', "-0#");
	assert_no_mismatch();
}

static void s_matches_libc_for_widths_and_precisions(void **state)
{
	static const char *const strs[] = { "", "a", "keel", "hello, world", "tab\there" };
	static const char *const sflags[] = { "", "-" };

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(sflags); f++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(precs); p++)
				for (size_t s = 0; s < ARRAY_SIZE(strs); s++) {
					char fmt[32];

					snprintf(fmt, sizeof(fmt), "[%%%s%s%ss]", sflags[f], widths[w],
						 precs[p]);
					check_dyn("sweep", fmt, strs[s]);
				}
	assert_no_mismatch();
}

static void c_matches_libc_for_widths_and_left_justify(void **state)
{
	static const int chars[] = { 'a', 'Z', ' ', '~', '%', 0x7f, 0x80 + 'a' };
	static const char *const cw[] = { "", "1", "3", "-1", "-3", "-10" };

	(void)state;
	for (size_t w = 0; w < ARRAY_SIZE(cw); w++)
		for (size_t c = 0; c < ARRAY_SIZE(chars); c++) {
			char fmt[32];

			snprintf(fmt, sizeof(fmt), "[%%%sc]", cw[w]);
			check_dyn("sweep", fmt, chars[c]);
		}
	LIBC("%c%c%c%c", 'k', 'e', 'e', 'l');
	assert_no_mismatch();
}

static void p_matches_libc_for_non_null_pointers(void **state)
{
	static const uintptr_t ptrs[] = {
		1, 0x1000, 0xb8000, 0xffff800000001000UL, 0xffffffff80000000UL, UINTPTR_MAX,
	};
	static const char *const pw[] = { "", "1", "18", "24", "-24" };

	(void)state;
	for (size_t w = 0; w < ARRAY_SIZE(pw); w++)
		for (size_t i = 0; i < ARRAY_SIZE(ptrs); i++) {
			char fmt[32];

			snprintf(fmt, sizeof(fmt), "[%%%sp]", pw[w]);
			check_dyn("sweep", fmt, (void *)ptrs[i]);
		}
	assert_no_mismatch();
}

static void star_width_and_precision_match_libc_including_negative(void **state)
{
	(void)state;
	for (int w = -12; w <= 12; w++) {
		for (int p = -3; p <= 6; p++) {
			LIBC("[%*d]", w, -42);
			LIBC("[%*.*d]", w, p, 42);
			LIBC("[%-*.*x]", w, p, 0xbeefu);
			LIBC("[%0*d]", w, -7);
			LIBC("[%.*s]", p, "abcdef");
			LIBC("[%*.*s]", w, p, "keel");
			LIBC("[%#*.*o]", w, p, 8u);
			LIBC("[%*.*lld]", w, p, LLONG_MIN);
		}
	}
	assert_no_mismatch();
}

/* --- edges the sweeps cover too, kept as named cases for a readable failure --- */

static void most_negative_values_print_in_full(void **state)
{
	(void)state;
	LIBC("%lld", LLONG_MIN);
	LIBC("%ld", (long)INT64_MIN);
	LIBC("%jd", INTMAX_MIN);
	LIBC("%d", INT_MIN);
	LIBC("%hd", (short)SHRT_MIN);
	LIBC("%hhd", (signed char)SCHAR_MIN);
	LIBC("%zd", (ssize_t)INT64_MIN);
	LIBC("%td", (ptrdiff_t)PTRDIFF_MIN);
	LIBC("%+30lld|%-30lld|%030lld", LLONG_MIN, LLONG_MIN, LLONG_MIN);
	assert_keel_prints("-9223372036854775808", "%ld", (long)INT64_MIN);
	assert_no_mismatch();
}

static void largest_unsigned_values_print_in_every_base(void **state)
{
	(void)state;
	LIBC("%llu|%llx|%llX|%llo|%#llo|%#llx", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX,
	     ULLONG_MAX, ULLONG_MAX);
	LIBC("%zu|%zx", SIZE_MAX, SIZE_MAX);
	LIBC("%ju", UINTMAX_MAX);
	LIBC("%u|%x|%o", UINT_MAX, UINT_MAX, UINT_MAX);
	assert_keel_prints("1777777777777777777777", "%lo", (unsigned long)UINT64_MAX);
	assert_no_mismatch();
}

static void length_modifiers_hh_and_h_truncate_to_char_and_short(void **state)
{
	(void)state;
	LIBC("%hhd|%hhu|%hhx", 200, 300, 0x1ff);
	LIBC("%hd|%hu|%hx", 40000, 70000, 0x12345);
	assert_keel_prints("-56|44|ff", "%hhd|%hhu|%hhx", 200, 300, 0x1ff);
	assert_no_mismatch();
}

static void zero_with_precision_zero_prints_no_digits(void **state)
{
	(void)state;
	LIBC("[%.0d]", 0);
	LIBC("[%5.0d]", 0);
	LIBC("[%-5.0u]", 0u);
	LIBC("[%.0x]", 0u);
	LIBC("[%#.0x]", 0u);
	LIBC("[%#.0o]", 0u);
	LIBC("[%+.0d]", 0);
	LIBC("[% .0d]", 0);
	LIBC("[%.d]", 0);
	assert_keel_prints("[][0][+]", "[%.0d][%#.0o][%+.0d]", 0, 0u, 0);
	assert_no_mismatch();
}

static void flags_combine_as_in_c(void **state)
{
	(void)state;
	LIBC_NOCHECK("[%-05d]", 42);		/* '-' overrides '0' */
	LIBC_NOCHECK("[%+ d]", 42);		/* '+' overrides ' ' */
	LIBC("[% 05d]", 42);
	LIBC_NOCHECK("[%08.3d]", -5);		/* a precision turns '0' off */
	LIBC("[%#08x]", 255u);
	LIBC("[%#-8X]", 255u);
	LIBC("[%#x]", 0u);		/* no 0x for zero */
	LIBC("[%#o]", 0u);
	LIBC("[%#.3o]", 8u);		/* the precision already gave the leading 0 */
	LIBC("[%#5.3o]", 1u);
	LIBC("[%#08o]", 8u);
	assert_no_mismatch();
}

static void percent_and_literal_text_pass_through(void **state)
{
	(void)state;
	LIBC("%%");
	LIBC("100%% sure, %d%%", 50);
	LIBC("no conversions at all");
	LIBC("%s", "");
	assert_keel_prints("50%", "%d%%", 50);
	assert_no_mismatch();
}

static void null_string_prints_null_like_glibc(void **state)
{
	const char *null = NULL;

	(void)state;
	LIBC("[%s]", null);
	LIBC("[%10s]", null);
	LIBC("[%-10s]", null);
	assert_keel_prints("[(null)]", "[%s]", null);
	assert_no_mismatch();
}

/*
 * glibc prints "(nil)" for a NULL %p; keel always prints the 0x form, so NULL is "0x0".
 * Regression: %p once went through the '#' rule, which gives zero no 0x prefix.
 */
static void null_pointer_prints_0x0_not_nil(void **state)
{
	(void)state;
	assert_keel_prints("0x0", "%p", (void *)NULL);
	assert_keel_prints("[     0x0]", "[%8p]", (void *)NULL);
	assert_keel_prints("[0x0     ]", "[%-8p]", (void *)NULL);
}

static void non_null_pointer_prints_0x_and_lowercase_hex(void **state)
{
	(void)state;
	assert_keel_prints("0xffff800000001000", "%p", (void *)0xffff800000001000UL);
	assert_keel_prints("0x1", "%p", (void *)1);
}

/*
 * C: "%c" writes the character converted to unsigned char, whatever it is — a NUL is one byte
 * of output, and the return value counts it (glibc: snprintf(b, 8, "[%c]", 0) == 3).
 * Regression: %c was once formatted as a one-character string, so a NUL printed nothing.
 */
static void c_of_nul_writes_one_byte(void **state)
{
	char buf[8] = "xxxxxxx";
	int n;

	(void)state;
	n = k_snprintf(buf, sizeof(buf), "[%c]", 0);
	if (n != 3 || memcmp(buf, "[\0]", 4) != 0)
		fail_msg("snprintf(\"[%%c]\", 0): expected length 3 and bytes '[' 0 ']' 0, got length "
			 "%d and bytes %02x %02x %02x %02x", n, (unsigned char)buf[0],
			 (unsigned char)buf[1], (unsigned char)buf[2], (unsigned char)buf[3]);
}

/*
 * C: the '+' and ' ' flags apply to signed conversions only; "%+u" prints no sign. (gcc's
 * -Wformat rejects "%+u" in a literal, so the format is built at run time here.)
 * Regression: emit_number() once took base 10 to mean signed, so %u got the sign.
 */
static void plus_and_space_flags_do_not_sign_unsigned_conversions(void **state)
{
	const char *plus = "[%+u]", *space = "[% u]", *plus_d = "[%+5u]";

	(void)state;
	check_dyn(HERE, plus, 5u);
	check_dyn(HERE, space, 5u);
	check_dyn(HERE, plus_d, 0u);
	assert_no_mismatch();
}

/* keel's own choice (C leaves it undefined): an unknown conversion is printed, not skipped. */
static void unknown_conversion_is_printed_literally(void **state)
{
	char buf[32];
	const char *fmt = "a%yb", *trailing = "end%";

	(void)state;
	k_snprintf(buf, sizeof(buf), fmt, 1);
	if (strcmp(buf, "a%yb") != 0)
		fail_msg("format \"a%%yb\": expected \"a%%yb\", got \"%s\"", buf);
	k_snprintf(buf, sizeof(buf), trailing, 1);
	if (strcmp(buf, "end%") != 0)
		fail_msg("format \"end%%\": expected \"end%%\", got \"%s\"", buf);
}

/* --- vsnprintf's buffer contract --- */

static void truncation_with_size_0_writes_nothing_and_returns_full_length(void **state)
{
	char buf[4] = "abc";
	int n;

	(void)state;
	n = k_snprintf(buf, 0, "%s-%d", "keel", 12345);
	assert_int_equal(n, 10);
	assert_string_equal(buf, "abc");
	n = k_snprintf(NULL, 0, "%d", 12345);
	assert_int_equal(n, 5);
}

static void truncation_with_size_1_writes_only_the_terminator(void **state)
{
	char buf[4] = "abc";
	int n;

	(void)state;
	n = k_snprintf(buf, 1, "%s", "keel");
	assert_int_equal(n, 4);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'b');
}

static void exact_fit_keeps_every_character_and_the_terminator(void **state)
{
	char buf[8];
	int n;

	(void)state;
	memset(buf, 'X', sizeof(buf));
	n = k_snprintf(buf, 6, "%05d", 42);	/* 5 characters + NUL = 6 */
	assert_int_equal(n, 5);
	assert_string_equal(buf, "00042");
	assert_int_equal(buf[6], 'X');
}

static void one_byte_short_drops_the_last_character(void **state)
{
	char buf[8];
	int n;

	(void)state;
	memset(buf, 'X', sizeof(buf));
	n = k_snprintf(buf, 5, "%05d", 42);
	assert_int_equal(n, 5);
	assert_string_equal(buf, "0004");
	assert_int_equal(buf[5], 'X');
}

static void truncation_matches_libc_at_every_size_and_never_writes_past_it(void **state)
{
	const char *fmt = "[%-8s|%+06d|%#x|%p|%c]";

	(void)state;
	for (size_t size = 0; size <= 48; size++) {
		char want[64], got[64];
		int nw, ng;

		memset(want, '#', sizeof(want));
		memset(got, '#', sizeof(got));
		nw = snprintf(want, size, fmt, "ab", -42, 0xcafeu, (void *)0x1000, 'z');
		ng = k_snprintf(got, size, fmt, "ab", -42, 0xcafeu, (void *)0x1000, 'z');
		if (nw != ng || memcmp(want, got, sizeof(want)) != 0)
			fail_msg("size %zu: expected \"%.*s\" (return %d), got \"%.*s\" (return %d)",
				 size, (int)size, want, nw, (int)size, got, ng);
	}
}

struct sink {
	char text[128];
	int calls;
};

static void sink_putc(void *ctx, char c)
{
	struct sink *s = ctx;

	if (s->calls < (int)sizeof(s->text) - 1)
		s->text[s->calls] = c;
	s->calls++;
}

static int kvformat_to_sink(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvformat(sink_putc, s, fmt, ap);
	va_end(ap);
	return n;
}

static void kvformat_calls_putc_once_per_character_and_returns_the_count(void **state)
{
	struct sink s = { .calls = 0 };
	int n;

	(void)state;
	n = kvformat_to_sink(&s, "%s=%-4d|%x", "pfn", 7, 0x1f);
	assert_int_equal(n, s.calls);
	assert_int_equal(n, 11);
	assert_string_equal(s.text, "pfn=7   |1f");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(d_matches_libc_for_every_flag_width_precision_and_length, reset),
		cmocka_unit_test_setup(i_matches_libc_for_every_flag_width_precision_and_length, reset),
		cmocka_unit_test_setup(u_matches_libc_for_every_flag_width_precision_and_length, reset),
		cmocka_unit_test_setup(x_and_X_match_libc_for_every_flag_width_precision_and_length, reset),
		cmocka_unit_test_setup(o_matches_libc_for_every_flag_width_precision_and_length, reset),
		cmocka_unit_test_setup(s_matches_libc_for_widths_and_precisions, reset),
		cmocka_unit_test_setup(c_matches_libc_for_widths_and_left_justify, reset),
		cmocka_unit_test_setup(p_matches_libc_for_non_null_pointers, reset),
		cmocka_unit_test_setup(star_width_and_precision_match_libc_including_negative, reset),
		cmocka_unit_test_setup(most_negative_values_print_in_full, reset),
		cmocka_unit_test_setup(largest_unsigned_values_print_in_every_base, reset),
		cmocka_unit_test_setup(length_modifiers_hh_and_h_truncate_to_char_and_short, reset),
		cmocka_unit_test_setup(zero_with_precision_zero_prints_no_digits, reset),
		cmocka_unit_test_setup(flags_combine_as_in_c, reset),
		cmocka_unit_test_setup(percent_and_literal_text_pass_through, reset),
		cmocka_unit_test_setup(null_string_prints_null_like_glibc, reset),
		cmocka_unit_test(null_pointer_prints_0x0_not_nil),
		cmocka_unit_test(non_null_pointer_prints_0x_and_lowercase_hex),
		cmocka_unit_test(c_of_nul_writes_one_byte),
		cmocka_unit_test_setup(plus_and_space_flags_do_not_sign_unsigned_conversions, reset),
		cmocka_unit_test(unknown_conversion_is_printed_literally),
		cmocka_unit_test(truncation_with_size_0_writes_nothing_and_returns_full_length),
		cmocka_unit_test(truncation_with_size_1_writes_only_the_terminator),
		cmocka_unit_test(exact_fit_keeps_every_character_and_the_terminator),
		cmocka_unit_test(one_byte_short_drops_the_last_character),
		cmocka_unit_test(truncation_matches_libc_at_every_size_and_never_writes_past_it),
		cmocka_unit_test(kvformat_calls_putc_once_per_character_and_returns_the_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
