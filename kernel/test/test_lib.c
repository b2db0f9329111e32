/*
 * test/test_lib.c — in-kernel checks of the library: printf, strings, symbols, command line,
 * clock. The host tests (tests/unit) cover the same code exhaustively; these prove the code
 * behaves the same compiled for the kernel (no SSE, no red zone, kernel code model).
 */
#include <keel/ktest.h>
#include <keel/cmdline.h>
#include <keel/ksyms.h>
#include <keel/log.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <keel/time.h>

KTEST(printf_formats_integers)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%d|%5d|%-5d|%05d|%+d|%u|%ld", -42, 42, 42, -42, 7, 3000000000u,
		 -9223372036854775807L - 1);
	KT_STREQ(buf, "-42|   42|42   |-0042|+7|3000000000|-9223372036854775808");
	snprintf(buf, sizeof(buf), "%x|%#x|%X|%08lx|%o|%#o|%.3d|%.0d", 255, 255, 0xbeef,
		 0xabcUL, 8, 8, 5, 0);
	KT_STREQ(buf, "ff|0xff|BEEF|00000abc|10|010|005|");
}

KTEST(printf_formats_strings_chars_and_padding)
{
	char buf[64];
	const char *volatile none = NULL;	/* volatile: hide the NULL from -Wformat */

	snprintf(buf, sizeof(buf), "[%s][%8s][%-8s][%.2s][%c][%%][%s]", "keel", "keel", "keel",
		 "keel", 'k', none);
	KT_STREQ(buf, "[keel][    keel][keel    ][ke][k][%][(null)]");
	snprintf(buf, sizeof(buf), "[%*d][%-*d][%.*s]", 4, 1, 4, 2, 3, "abcdef");
	KT_STREQ(buf, "[   1][2   ][abc]");
}

KTEST(printf_pointer_and_truncation)
{
	char buf[8];
	char big[32];
	int n;

	snprintf(big, sizeof(big), "%p", (void *)0xffff800000001000UL);
	KT_STREQ(big, "0xffff800000001000");
	n = snprintf(buf, sizeof(buf), "%s", "0123456789");
	KT_EQ(n, 10);
	KT_STREQ(buf, "0123456");
	KT_EQ(snprintf(NULL, 0, "%d", 12345), 5);
}

KTEST(glob_matches_shell_patterns)
{
	KT_ASSERT(glob_match("*", "anything"), "* must match");
	KT_ASSERT(glob_match("heap_*", "heap_reuse"), "prefix");
	KT_ASSERT(glob_match("*_free*", "frame_double_free_panics"), "infix");
	KT_ASSERT(glob_match("b?ddy", "buddy"), "?");
	KT_ASSERT(!glob_match("heap_*", "vm_map"), "mismatch must fail");
	KT_ASSERT(!glob_match("a*b", "aXbY"), "tail must match");
}

KTEST(ksyms_symbolizes_kernel_functions)
{
	uintptr_t off, addr = (uintptr_t)&glob_match;
	const char *name = ksyms_lookup(addr + 3, &off);
	char buf[64];

	KT_ASSERT(ksyms_count() > 100, "symbol table has only %zu entries", ksyms_count());
	KT_ASSERT(name != NULL, "no symbol for glob_match+3");
	KT_STREQ(name, "glob_match");
	KT_EQ(off, 3);
	KT_ASSERT(ksyms_find("kmain") != 0, "kmain not in the symbol table");
	KT_EQ(ksyms_find("glob_match"), addr);
	ksyms_format(buf, sizeof(buf), addr + 0x10);
	KT_STREQ(buf, "glob_match+0x10");
	KT_ASSERT(ksyms_lookup(0x1000, &off) == NULL, "a user address must not symbolize");
}

static int seen_value;
static int set_probe(const char *v)
{
	uint64_t n;

	if (!v || !parse_u64(v, &n))
		return -1;
	seen_value = (int)n;
	return 0;
}

KTEST(cmdline_applies_known_words_and_rejects_others)
{
	static const struct cmdline_param params[] = { { "probe", set_probe, "probe=N" } };
	int saved = log_level;

	log_level = 0;		/* the warnings are expected; keep the test log clean */
	seen_value = 0;
	KT_EQ(cmdline_parse_with("/boot/keel.elf probe=0x10", params, 1), 0);
	KT_EQ(seen_value, 16);
	KT_EQ(cmdline_parse_with("probe=zz bogus probe", params, 1), 3);
	KT_EQ(seen_value, 16);
	log_level = saved;
}

KTEST(clock_is_monotonic_and_advances)
{
	uint64_t a = time_ns(), b;

	for (volatile int i = 0; i < 100000; i++)
		;
	b = time_ns();
	KT_ASSERT(a > 0, "clock not running (time_ns() == 0)");
	KT_ASSERT(b > a, "clock did not advance: %lu then %lu", a, b);
}
