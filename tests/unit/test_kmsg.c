/*
 * tests/unit/test_kmsg.c — net/kmsg.c on the host: a message's iovec walk and its control
 * messages (keel/socket.h).
 *
 * copy_{from,to}_user are stand-ins here: plain copies, except that any byte inside the
 * "unmapped" buffer faults, as an unmapped user page does. The tests check Linux's rules: a
 * negative (ssize_t) length is -EINVAL, a range leaving the user half -EFAULT, totals clamped
 * to MAX_RW_COUNT; copies cross entries and skip empty ones; a fault stops the walk where it
 * was; cmsg headers with impossible lengths are -EINVAL; put_cmsg cuts and flags MSG_CTRUNC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/errno.h>
#include <keel/socket.h>
#include "stubs.h"

static char unmapped[64];

static bool faults(const void *p, size_t n)
{
	const char *a = p;

	return a < unmapped + sizeof(unmapped) && a + n > unmapped;
}

int copy_from_user(void *dst, const void *src, size_t n)
{
	if (faults(src, n))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

int copy_to_user(void *dst, const void *src, size_t n)
{
	if (faults(dst, n))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

static void init_rejects_negative_lengths_and_kernel_ranges(void **state)
{
	char buf[8];
	struct kiov neg[2] = { { buf, 8 }, { buf, (size_t)-1 } };
	struct kiov kern[1] = { { (void *)0xffff800000000000ull, 1 } };
	struct kiov wrap[1] = { { (void *)0x00007ffffffff000ull, 0x2000 } };
	struct kmsg m;

	(void)state;
	assert_int_equal(kmsg_init(&m, neg, 2), -EINVAL);
	assert_int_equal(kmsg_init(&m, kern, 1), -EFAULT);
	assert_int_equal(kmsg_init(&m, wrap, 1), -EFAULT);
}

static void init_clamps_the_total_to_max_rw_count(void **state)
{
	struct kiov v[3] = { { (void *)0x1000, 0x40000000 }, { (void *)0x1000, 0x40000000 },
			     { (void *)0x1000, 5 } };
	struct kmsg m;

	(void)state;
	assert_int_equal(kmsg_init(&m, v, 3), 0);
	assert_int_equal(v[0].len, 0x40000000);
	assert_int_equal(v[1].len, MAX_RW_COUNT - 0x40000000);
	assert_int_equal(v[2].len, 0);
	assert_int_equal(kmsg_left(&m), MAX_RW_COUNT);
}

static void copies_cross_entries_and_skip_empty_ones(void **state)
{
	char a[3], b[5], out[8] = "abcdefgh", back[8];
	struct kiov v[4] = { { a, 3 }, { NULL, 0 }, { b, 5 }, { NULL, 0 } };
	struct kmsg m;

	(void)state;
	assert_int_equal(kmsg_init(&m, v, 4), 0);
	assert_int_equal(kmsg_copy_to(&m, out, 2), 2);
	assert_int_equal(kmsg_left(&m), 6);
	assert_int_equal(kmsg_copy_to(&m, out + 2, 100), 6);	/* only what is left */
	assert_int_equal(kmsg_left(&m), 0);
	assert_int_equal(kmsg_copy_to(&m, out, 1), 0);
	assert_memory_equal(a, "abc", 3);
	assert_memory_equal(b, "defgh", 5);
	assert_int_equal(kmsg_init(&m, v, 4), 0);
	assert_int_equal(kmsg_copy_from(&m, back, 8), 8);
	assert_memory_equal(back, "abcdefgh", 8);
}

static void a_fault_stops_the_walk_at_the_faulting_piece(void **state)
{
	char a[4] = "wxyz", dst[16];
	struct kiov v[2] = { { a, 4 }, { unmapped, 4 } };
	struct kmsg m;

	(void)state;
	assert_int_equal(kmsg_init(&m, v, 2), 0);
	assert_int_equal(kmsg_copy_from(&m, dst, 8), -EFAULT);
	assert_int_equal(m.iov_done, 1);
	assert_int_equal(m.iov_off, 0);
	assert_int_equal(kmsg_left(&m), 4);
}

static void cmsg_walk_finds_each_header_and_rejects_bad_lengths(void **state)
{
	uint64_t ctl[8] = { 0 };
	struct kcmsghdr *c = (struct kcmsghdr *)ctl, *n;
	struct kmsg m = { .control = ctl, .controllen = KCMSG_SPACE(4) + KCMSG_LEN(8) };
	int err;

	(void)state;
	c->len = KCMSG_LEN(4);
	c->level = SOL_SOCKET;
	c->type = SCM_RIGHTS;
	n = (struct kcmsghdr *)((char *)ctl + KCMSG_SPACE(4));
	n->len = KCMSG_LEN(8);
	n->type = 7;
	assert_ptr_equal(kmsg_cmsg_next(&m, NULL, &err), c);
	assert_ptr_equal(kmsg_cmsg_next(&m, c, &err), n);
	assert_int_equal(n->type, 7);
	assert_null(kmsg_cmsg_next(&m, n, &err));
	assert_int_equal(err, 0);
	n->len = KCMSG_LEN(9);			/* runs past controllen */
	assert_null(kmsg_cmsg_next(&m, c, &err));
	assert_int_equal(err, -EINVAL);
	c->len = 4;				/* shorter than its header */
	assert_null(kmsg_cmsg_next(&m, NULL, &err));
	assert_int_equal(err, -EINVAL);
}

static void put_cmsg_cuts_what_does_not_fit_and_sets_ctrunc(void **state)
{
	uint64_t ctl[8];
	int fds[4] = { 3, 4, 5, 6 };
	struct kcmsghdr *c = (struct kcmsghdr *)ctl;
	struct kmsg m = { .control = ctl, .controllen = KCMSG_LEN(8) };

	(void)state;
	assert_int_equal(kmsg_cmsg_room(&m), 8);
	kmsg_put_cmsg(&m, SOL_SOCKET, SCM_RIGHTS, fds, sizeof(fds));
	assert_true(m.flags & MSG_CTRUNC);
	assert_int_equal(c->len, KCMSG_LEN(8));
	assert_int_equal(m.control_used, KCMSG_LEN(8));
	assert_memory_equal(KCMSG_DATA(c), fds, 8);
	assert_int_equal(kmsg_cmsg_room(&m), 0);
	m = (struct kmsg){ .control = ctl, .controllen = sizeof(struct kcmsghdr) - 1 };
	kmsg_put_cmsg(&m, SOL_SOCKET, SCM_RIGHTS, fds, 4);
	assert_true(m.flags & MSG_CTRUNC);
	assert_int_equal(m.control_used, 0);
	m = (struct kmsg){ .control = ctl, .controllen = sizeof(ctl) };
	kmsg_put_cmsg(&m, SOL_SOCKET, SCM_RIGHTS, fds, 4);
	assert_false(m.flags & MSG_CTRUNC);
	assert_int_equal(m.control_used, KCMSG_SPACE(4));
}

static void sockopt_put_truncates_to_the_callers_length(void **state)
{
	int v = 0x11223344;
	char out[8] = { 0 };
	size_t len = 2;

	(void)state;
	assert_int_equal(sockopt_put(out, &len, &v, sizeof(v)), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(out, &v, 2);
	len = 8;
	sockopt_put(out, &len, &v, sizeof(v));
	assert_int_equal(len, sizeof(v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_rejects_negative_lengths_and_kernel_ranges),
		cmocka_unit_test(init_clamps_the_total_to_max_rw_count),
		cmocka_unit_test(copies_cross_entries_and_skip_empty_ones),
		cmocka_unit_test(a_fault_stops_the_walk_at_the_faulting_piece),
		cmocka_unit_test(cmsg_walk_finds_each_header_and_rejects_bad_lengths),
		cmocka_unit_test(put_cmsg_cuts_what_does_not_fit_and_sets_ctrunc),
		cmocka_unit_test(sockopt_put_truncates_to_the_callers_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
