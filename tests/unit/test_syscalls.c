/*
 * tests/unit/test_syscalls.c — keel's one list of Linux system calls (uapi/syscalls.h) and the
 * names the log takes from it (syscall/names.c), against the build host's Linux headers.
 *
 * host_syscalls.inc is made by the Makefile from the host's asm/unistd_64.h (Debian's
 * linux-libc-dev), as { number, "name" } rows. Every call the host knows must have the same
 * number and name in keel's list; keel's list may go further (a newer Linux) but may not
 * disagree below the host's highest number, and its numbers rise strictly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/syscall.h>
#include "stubs.h"

struct row { unsigned nr; const char *name; };

static const struct row host[] = {
#include "host_syscalls.inc"
};

static const struct row keel[] = {
#define ROW_(nr, name) { nr, #name },
	LINUX_SYSCALLS(ROW_)
#undef ROW_
};

static unsigned host_max(void)
{
	unsigned m = 0;

	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
		m = host[i].nr > m ? host[i].nr : m;
	return m;
}

static void every_host_call_has_its_number_and_name(void **state)
{
	(void)state;
	assert_true(sizeof(host) / sizeof(host[0]) > 300);	/* the header was read */
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
		if (strcmp(syscall_name(host[i].nr), host[i].name))
			fail_msg("host: %u is %s, keel names it %s", host[i].nr, host[i].name,
				 syscall_name(host[i].nr));
	}
}

static const char *host_name(unsigned nr)
{
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
		if (host[i].nr == nr)
			return host[i].name;
	return NULL;
}

static void keel_has_no_call_the_host_lacks_below_its_highest(void **state)
{
	unsigned top = host_max();

	(void)state;
	for (size_t i = 0; i < sizeof(keel) / sizeof(keel[0]); i++) {
		const char *h = keel[i].nr <= top ? host_name(keel[i].nr) : keel[i].name;

		if (!h || strcmp(h, keel[i].name))
			fail_msg("keel: %u is %s, the host says %s", keel[i].nr, keel[i].name,
				 h ? h : "(none)");
	}
}

static void numbers_rise_and_the_gap_and_range_have_no_name(void **state)
{
	(void)state;
	for (size_t i = 1; i < sizeof(keel) / sizeof(keel[0]); i++)
		assert_true(keel[i].nr > keel[i - 1].nr);
	assert_int_equal(keel[sizeof(keel) / sizeof(keel[0]) - 1].nr, LINUX_SYSCALL_LAST);
	assert_int_equal(__NR_read, 0);
	assert_int_equal(__NR_restart_syscall, 219);
	assert_string_equal(syscall_name(335), "?");
	assert_string_equal(syscall_name(LINUX_SYSCALL_LAST + 1), "?");
	assert_string_equal(syscall_name(100000), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_host_call_has_its_number_and_name),
		cmocka_unit_test(keel_has_no_call_the_host_lacks_below_its_highest),
		cmocka_unit_test(numbers_rise_and_the_gap_and_range_have_no_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
