/*
 * tests/unit/test_cmdline.c — lib/cmdline.c: splitting the command line and dispatching words.
 *
 * Most tests drive cmdline_parse_with() against a table of recording parameters; the klog()
 * stub captures the warnings. The last ones run cmdline_parse() against the real .params
 * section (params.ld brackets it on the host as kernel.ld.S does), i.e. the loglevel= word.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/log.h>
#include "stubs.h"

/* What the recording parameters were given: one entry per call, in order. */
static struct {
	char name[16];
	char value[300];
	bool bare;
} calls[16];
static unsigned ncalls;

static int record(const char *name, const char *value)
{
	if (ncalls < ARRAY_SIZE(calls)) {
		snprintf(calls[ncalls].name, sizeof(calls[0].name), "%s", name);
		snprintf(calls[ncalls].value, sizeof(calls[0].value), "%s", value ? value : "");
		calls[ncalls].bare = !value;
	}
	ncalls++;
	return 0;
}

static int set_quiet(const char *v) { return record("quiet", v); }
static int set_console(const char *v) { return record("console", v); }
static int set_msg(const char *v) { return record("msg", v); }

/* Accepts only a non-empty decimal number. */
static int set_num(const char *v)
{
	if (!v || !*v || strspn(v, "0123456789") != strlen(v))
		return -EINVAL;
	return record("num", v);
}

static const struct cmdline_param params[] = {
	{ "quiet", set_quiet, "quiet" },
	{ "console", set_console, "console=serial|vga" },
	{ "msg", set_msg, "msg=TEXT" },
	{ "num", set_num, "num=N" },
};

static int parse(const char *line)
{
	return cmdline_parse_with(line, params, ARRAY_SIZE(params));
}

static int reset(void **state)
{
	(void)state;
	ncalls = 0;
	memset(calls, 0, sizeof(calls));
	log_reset();
	return 0;
}

/* Fails unless call i went to name with value (NULL: a bare word). */
static void assert_call(unsigned i, const char *name, const char *value)
{
	if (i >= ncalls)
		fail_msg("expected call %u to %s, but only %u parameter calls were made", i, name,
			 ncalls);
	if (strcmp(calls[i].name, name) != 0 || calls[i].bare != !value ||
	    (value && strcmp(calls[i].value, value) != 0))
		fail_msg("call %u: expected %s(%s%s%s), got %s(%s%s%s)", i, name,
			 value ? "\"" : "", value ? value : "NULL", value ? "\"" : "",
			 calls[i].name, calls[i].bare ? "" : "\"",
			 calls[i].bare ? "NULL" : calls[i].value, calls[i].bare ? "" : "\"");
}

static void assert_no_warning(void)
{
	if (log_lines)
		fail_msg("expected no warning, got:\n%s", log_text);
}

static void bare_word_calls_its_parameter_with_null(void **state)
{
	(void)state;
	assert_int_equal(parse("quiet"), 0);
	assert_int_equal(ncalls, 1);
	assert_call(0, "quiet", NULL);
	assert_no_warning();
}

static void name_equals_value_passes_the_value(void **state)
{
	(void)state;
	assert_int_equal(parse("console=serial num=42"), 0);
	assert_int_equal(ncalls, 2);
	assert_call(0, "console", "serial");
	assert_call(1, "num", "42");
	assert_no_warning();
}

static void empty_value_is_an_empty_string_not_null(void **state)
{
	(void)state;
	assert_int_equal(parse("console="), 0);
	assert_call(0, "console", "");
}

static void value_is_split_at_the_first_equals_sign(void **state)
{
	(void)state;
	assert_int_equal(parse("msg=a=b=c"), 0);
	assert_call(0, "msg", "a=b=c");
}

static void quoted_value_keeps_its_spaces_and_loses_the_quotes(void **state)
{
	(void)state;
	assert_int_equal(parse("msg=\"hello,  keel world\" quiet"), 0);
	assert_int_equal(ncalls, 2);
	assert_call(0, "msg", "hello,  keel world");
	assert_call(1, "quiet", NULL);
	assert_no_warning();
}

static void quotes_may_wrap_the_whole_word_or_part_of_it(void **state)
{
	(void)state;
	assert_int_equal(parse("\"msg=a b\" msg=x\"y z\"w"), 0);
	assert_call(0, "msg", "a b");
	assert_call(1, "msg", "xy zw");
}

static void unterminated_quote_runs_to_the_end_of_the_line(void **state)
{
	(void)state;
	assert_int_equal(parse("msg=\"one two  three"), 0);
	assert_int_equal(ncalls, 1);
	assert_call(0, "msg", "one two  three");
}

static void runs_of_spaces_tabs_and_newlines_separate_words(void **state)
{
	(void)state;
	assert_int_equal(parse("  \t quiet \t\t  console=vga\n\nnum=7 \t\n"), 0);
	assert_int_equal(ncalls, 3);
	assert_call(0, "quiet", NULL);
	assert_call(1, "console", "vga");
	assert_call(2, "num", "7");
	assert_no_warning();
}

static void empty_and_blank_lines_do_nothing(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse(" \t\n "), 0);
	assert_int_equal(ncalls, 0);
	assert_no_warning();
}

static void unknown_word_is_warned_counted_and_skipped(void **state)
{
	(void)state;
	assert_int_equal(parse("quiet bogus=1 nosmp console=vga"), 2);
	assert_int_equal(ncalls, 2);
	assert_call(0, "quiet", NULL);
	assert_call(1, "console", "vga");
	assert_int_equal(log_lines, 2);
	assert_logged("cmdline: unknown word \"bogus\" ignored");
	assert_logged("cmdline: unknown word \"nosmp\" ignored");
}

static void name_match_is_exact_not_a_prefix(void **state)
{
	(void)state;
	assert_int_equal(parse("quie quiets Quiet"), 3);
	assert_int_equal(ncalls, 0);
}

static void rejected_value_is_warned_with_usage_counted_and_default_kept(void **state)
{
	(void)state;
	assert_int_equal(parse("num=12x num num=3"), 2);
	assert_int_equal(ncalls, 1);
	assert_call(0, "num", "3");
	assert_int_equal(log_lines, 2);
	assert_logged("cmdline: bad value \"12x\" for num (expected num=N); keeping the default");
	assert_logged("cmdline: bad value \"\" for num (expected num=N)");
}

/* The word buffer holds 255 characters: 255 pass, 256 are rejected whole, never cut. */
static void overlong_word_is_rejected_whole_and_warned(void **state)
{
	char line[600], fits[300];

	(void)state;
	memset(fits, 'a', 255 - 4);
	fits[255 - 4] = '\0';
	snprintf(line, sizeof(line), "msg=%s", fits);		/* exactly 255 characters */
	assert_int_equal(parse(line), 0);
	assert_int_equal(ncalls, 1);
	assert_int_equal(strlen(calls[0].value), 251);

	reset(state);
	snprintf(line, sizeof(line), "msg=%sb quiet", fits);	/* 256 characters, then a word */
	assert_int_equal(parse(line), 1);
	assert_int_equal(ncalls, 1);
	assert_call(0, "quiet", NULL);
	assert_logged("cmdline: word starting \"msg=aaaaaaaaaaaa\" is too long; ignored");
}

/* Multiboot1 loaders pass the kernel's path as the first word: it is not a parameter. */
static void path_as_first_word_is_skipped(void **state)
{
	(void)state;
	assert_int_equal(parse("/boot/keel.elf quiet"), 0);
	assert_int_equal(ncalls, 1);
	assert_call(0, "quiet", NULL);
	assert_no_warning();
	assert_int_equal(parse("  (hd0,msdos1)/boot/keel"), 0);
	assert_no_warning();
}

static void path_after_the_first_word_is_an_unknown_word(void **state)
{
	(void)state;
	assert_int_equal(parse("quiet /boot/keel.elf"), 1);
	assert_logged("unknown word \"/boot/keel.elf\"");
}

static void first_word_with_a_slash_and_an_equals_sign_is_a_parameter(void **state)
{
	(void)state;
	assert_int_equal(parse("console=/dev/ttyS0"), 0);
	assert_call(0, "console", "/dev/ttyS0");
	assert_int_equal(parse("root=/dev/sda1"), 1);
	assert_logged("unknown word \"root\"");
}

static void repeated_word_applies_each_time_in_order(void **state)
{
	(void)state;
	assert_int_equal(parse("console=vga console=serial"), 0);
	assert_int_equal(ncalls, 2);
	assert_call(0, "console", "vga");
	assert_call(1, "console", "serial");
}

static void empty_parameter_table_rejects_every_word(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse_with("/kernel a b=c", NULL, 0), 2);
	assert_logged("unknown word \"a\"");
	assert_logged("unknown word \"b\"");
}

/* --- cmdline_parse(): the parameters registered with CMDLINE_PARAM --- */

static void registered_loglevel_word_sets_log_level(void **state)
{
	int saved = log_level;

	(void)state;
	assert_int_equal(cmdline_parse("/boot/keel.elf loglevel=3"), 0);
	assert_int_equal(log_level, 3);
	assert_int_equal(cmdline_parse("loglevel=0x7"), 0);
	assert_int_equal(log_level, 7);
	log_level = saved;
	assert_no_warning();
}

static void loglevel_out_of_range_or_bare_is_rejected_and_level_kept(void **state)
{
	int saved = log_level;

	(void)state;
	log_level = 5;
	assert_int_equal(cmdline_parse("loglevel=8 loglevel=-1 loglevel"), 3);
	assert_int_equal(log_level, 5);
	assert_logged("cmdline: bad value \"8\" for loglevel (expected loglevel=0..7)");
	assert_logged("bad value \"\" for loglevel");
	assert_int_equal(cmdline_parse("quiet"), 1);	/* not registered in the kernel */
	assert_logged("unknown word \"quiet\"");
	log_level = saved;
}

static void words_after_double_dash_go_to_init_not_to_parameters(void **state)
{
	char buf[64], *argv[4];

	(void)state;
	assert_int_equal(parse("quiet -- quiet x"), 0);
	assert_int_equal(ncalls, 1);
	assert_int_equal(cmdline_init_args("quiet -- /bin/ut \"a b\"  c", buf, sizeof(buf), argv, 4),
			 3);
	assert_string_equal(argv[0], "/bin/ut");
	assert_string_equal(argv[1], "a b");
	assert_string_equal(argv[2], "c");
	assert_null(argv[3]);
	assert_int_equal(cmdline_init_args("quiet", buf, sizeof(buf), argv, 4), 0);
	assert_null(argv[0]);
	assert_int_equal(cmdline_init_args("-- a b c d", buf, sizeof(buf), argv, 4), -1);
	assert_int_equal(cmdline_init_args("-- aaaaaaaaaa", buf, 8, argv, 4), -1);
	assert_int_equal(cmdline_init_args("-- aaaaaaa", buf, 8, argv, 4), 1);	/* just fits */
	assert_string_equal(argv[0], "aaaaaaa");
	assert_int_equal(cmdline_init_args("-- aaaaaaa b", buf, 8, argv, 4), -1);
	assert_int_equal(cmdline_init_args("-- aaaaaaaa", buf, 8, argv, 4), -1);
}

/* One of init's words (sh -c "a script") may be longer than a parameter word (256). */
static void an_init_word_may_be_as_long_as_the_buffer(void **state)
{
	char line[520] = "loglevel=6 -- sh -c \"", buf[512], *argv[4];
	size_t at = strlen(line);

	(void)state;
	memset(line + at, 'x', 400);
	strcpy(line + at + 400, "\"");
	assert_int_equal(cmdline_init_args(line, buf, sizeof(buf), argv, 4), 3);
	assert_int_equal(strlen(argv[2]), 400);
	assert_null(argv[3]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(name, reset)
		T(bare_word_calls_its_parameter_with_null),
		T(name_equals_value_passes_the_value),
		T(empty_value_is_an_empty_string_not_null),
		T(value_is_split_at_the_first_equals_sign),
		T(quoted_value_keeps_its_spaces_and_loses_the_quotes),
		T(quotes_may_wrap_the_whole_word_or_part_of_it),
		T(unterminated_quote_runs_to_the_end_of_the_line),
		T(runs_of_spaces_tabs_and_newlines_separate_words),
		T(empty_and_blank_lines_do_nothing),
		T(unknown_word_is_warned_counted_and_skipped),
		T(name_match_is_exact_not_a_prefix),
		T(rejected_value_is_warned_with_usage_counted_and_default_kept),
		T(overlong_word_is_rejected_whole_and_warned),
		T(path_as_first_word_is_skipped),
		T(path_after_the_first_word_is_an_unknown_word),
		T(first_word_with_a_slash_and_an_equals_sign_is_a_parameter),
		T(repeated_word_applies_each_time_in_order),
		T(empty_parameter_table_rejects_every_word),
		T(registered_loglevel_word_sets_log_level),
		T(loglevel_out_of_range_or_bare_is_rejected_and_level_kept),
		T(words_after_double_dash_go_to_init_not_to_parameters), T(an_init_word_may_be_as_long_as_the_buffer),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
