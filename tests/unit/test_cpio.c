/*
 * tests/unit/test_cpio.c — fs/cpio.c: the newc parser never reads outside its buffer and
 * refuses every malformed entry with a reason; names are cleaned and ".." refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/errno.h>
#include "../../kernel/fs/cpio.h"
#include "stubs.h"

/* Appends one entry; namesize/filesize overrides let tests lie in the header. */
static size_t add(uint8_t *buf, size_t off, const char *name, uint32_t mode, const char *data,
		  long namesize, long filesize)
{
	size_t nlen = strlen(name) + 1, dlen = strlen(data);
	uint32_t fsz = (uint32_t)(filesize >= 0 ? (unsigned long)filesize : dlen);
	uint32_t nsz = (uint32_t)(namesize >= 0 ? (unsigned long)namesize : nlen);
	char hdr[128];

	snprintf(hdr, sizeof(hdr), "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		 1, mode, 0, 0, 1, 0, fsz, 0, 0, 0, 0, nsz, 0);
	memcpy(buf + off, hdr, 110);
	memcpy(buf + off + 110, name, nlen);
	off = (off + 110 + nlen + 3) & ~3UL;
	memcpy(buf + off, data, dlen);
	return (off + dlen + 3) & ~3UL;
}

static uint8_t buf[4096];

static int reset(void **state)
{
	(void)state;
	memset(buf, 0, sizeof(buf));
	return 0;
}

static void parses_entries_then_trailer(void **state)
{
	struct cpio_entry e;
	const char *why = NULL;
	size_t off = 0, len;

	(void)state;
	len = add(buf, 0, "bin", 040755, "", -1, -1);
	len = add(buf, len, "bin/hello", 0100755, "hi!\n", -1, -1);
	len = add(buf, len, "TRAILER!!!", 0, "", -1, -1);
	assert_int_equal(cpio_next(buf, len, &off, &e, &why), 1);
	assert_string_equal(e.name, "bin");
	assert_int_equal(e.mode, 040755);
	assert_int_equal(cpio_next(buf, len, &off, &e, &why), 1);
	assert_string_equal(e.name, "bin/hello");
	assert_int_equal(e.size, 4);
	assert_memory_equal(e.data, "hi!\n", 4);
	assert_int_equal(cpio_next(buf, len, &off, &e, &why), 0);
}

static void zero_padding_ends_the_archive(void **state)
{
	struct cpio_entry e;
	const char *why;
	size_t off = 0, len = add(buf, 0, "a", 0100644, "x", -1, -1);

	(void)state;
	assert_int_equal(cpio_next(buf, len + 512, &off, &e, &why), 1);
	assert_int_equal(cpio_next(buf, len + 512, &off, &e, &why), 0);
}

static void refuses(size_t len, const char *reason)
{
	struct cpio_entry e;
	const char *why = NULL;
	size_t off = 0;

	assert_int_equal(cpio_next(buf, len, &off, &e, &why), -EINVAL);
	assert_int_equal(off, 0);
	assert_non_null(why);
	if (!strstr(why, reason))
		fail_msg("expected a reason with \"%s\", got \"%s\"", reason, why);
}

static void truncated_header(void **state)
{
	(void)state;
	add(buf, 0, "a", 0100644, "x", -1, -1);
	refuses(50, "truncated header");
}

static void bad_magic(void **state)
{
	size_t len = add(buf, 0, "a", 0100644, "x", -1, -1);

	(void)state;
	memcpy(buf, "070707", 6);		/* the old binary-ish "odc" magic */
	refuses(len, "magic");
	memcpy(buf, "070701", 6);
	buf[20] = 'z';				/* not hex */
	refuses(len, "hexadecimal");
}

static void huge_sizes(void **state)
{
	size_t len;

	(void)state;
	len = add(buf, 0, "a", 0100644, "x", -1, 0xffffffffL);
	refuses(len, "truncated file data");
	memset(buf, 0, sizeof(buf));
	len = add(buf, 0, "a", 0100644, "x", 0xffffffffL, -1);
	refuses(len, "name size");
	memset(buf, 0, sizeof(buf));
	len = add(buf, 0, "a", 0100644, "x", 0, -1);
	refuses(len, "name size");
	memset(buf, 0, sizeof(buf));
	len = add(buf, 0, "abc", 0100644, "", 3000, -1);
	refuses(len, "truncated name");
}

static void name_without_nul(void **state)
{
	size_t len;

	(void)state;
	len = add(buf, 0, "abcd", 0100644, "x", 3, -1);		/* "abc" with no NUL */
	refuses(len, "NUL");
	memset(buf, 0, sizeof(buf));
	len = add(buf, 0, "ab", 0100644, "x", 8, -1);		/* NUL too early */
	buf[110 + 7] = '\0';
	refuses(len, "NUL");
}

static void every_truncation_is_refused_or_clean(void **state)
{
	size_t full = add(buf, 0, "some/file", 0100644, "0123456789", -1, -1);
	size_t data_end = 110 + 12 - 2 + 10;	/* header, name padded to 4, data; no tail pad */

	(void)state;
	assert_int_equal(full, data_end + 2);
	for (size_t len = 1; len < data_end; len++) {
		struct cpio_entry e;
		const char *why;
		size_t off = 0;
		int r = cpio_next(buf, len, &off, &e, &why);

		if (r == 1)
			fail_msg("a %zu-byte prefix of a %zu-byte entry parsed", len, full);
	}
}

static void clean_names(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(cpio_clean_name("./a//b/", out, sizeof(out)), 3);
	assert_string_equal(out, "a/b");
	assert_int_equal(cpio_clean_name("/etc/./passwd", out, sizeof(out)), 10);
	assert_string_equal(out, "etc/passwd");
	assert_int_equal(cpio_clean_name(".", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(cpio_clean_name("../etc", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_clean_name("a/../../x", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_clean_name("a/..", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_clean_name("..a/b..", out, sizeof(out)), 7);
	assert_int_equal(cpio_clean_name("abcdefgh", out, 8), -ENAMETOOLONG);
	assert_int_equal(cpio_clean_name("abcdefg", out, 8), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(parses_entries_then_trailer, reset),
		cmocka_unit_test_setup(zero_padding_ends_the_archive, reset),
		cmocka_unit_test_setup(truncated_header, reset),
		cmocka_unit_test_setup(bad_magic, reset),
		cmocka_unit_test_setup(huge_sizes, reset),
		cmocka_unit_test_setup(name_without_nul, reset),
		cmocka_unit_test_setup(every_truncation_is_refused_or_clean, reset),
		cmocka_unit_test_setup(clean_names, reset),
	};

	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
