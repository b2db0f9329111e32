/*
 * user/usertests/t_usage.c — times(2), getrusage(2) and faccessat2(2) with Linux semantics:
 * CPU time follows work done by the process and by its reaped children. Pass on Linux too.
 */
#include "ut.h"
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

static long tv_ms(struct timeval tv)
{
	return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void t_times_and_rusage_follow_work(void)
{
	struct tms t0, t1;
	struct rusage self, kids, th;
	clock_t c0 = times(&t0), c1;
	pid_t pid;

	ut_burn_ticks(30);
	c1 = times(&t1);
	CHECK(c1 >= c0 + 30);		/* elapsed ticks: at least the CPU time used */
	CHECK(t1.tms_utime + t1.tms_stime >= t0.tms_utime + t0.tms_stime + 30);
	CHECK(getrusage(RUSAGE_SELF, &self) == 0);
	CHECK(tv_ms(self.ru_utime) + tv_ms(self.ru_stime) >= 300);
	CHECK(getrusage(RUSAGE_THREAD, &th) == 0);
	CHECK(tv_ms(th.ru_utime) + tv_ms(th.ru_stime) >= 100);
	CHECK(getrusage(RUSAGE_CHILDREN, &kids) == 0);
	long before = tv_ms(kids.ru_utime) + tv_ms(kids.ru_stime);
	if ((pid = fork()) == 0) {
		ut_burn_ticks(30);
		_exit(0);
	}
	ut_wait(pid);
	CHECK(getrusage(RUSAGE_CHILDREN, &kids) == 0);
	if (tv_ms(kids.ru_utime) + tv_ms(kids.ru_stime) < before + 300)
		FAIL("children's time %ld -> %ld ms after a child that used 300 ms", before,
		     tv_ms(kids.ru_utime) + tv_ms(kids.ru_stime));
	times(&t1);
	CHECK(t1.tms_cutime + t1.tms_cstime >= 30);
	CHECK_ERR(getrusage(5, &self), EINVAL);
}

static void t_faccessat2_flags(void)
{
	ut_write_file("acc2_f", "x", 1, 0644);
	CHECK(syscall(SYS_faccessat2, AT_FDCWD, "acc2_f", R_OK | W_OK, AT_EACCESS) == 0);
	CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "acc2_f", X_OK, 0), EACCES);
	CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "acc2_f", R_OK, 0x4), EINVAL);
	CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "acc2_f", 8, 0), EINVAL);
	CHECK(symlink("acc2_nowhere", "acc2_l") == 0);
	CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "acc2_l", F_OK, 0), ENOENT);
	CHECK(syscall(SYS_faccessat2, AT_FDCWD, "acc2_l", F_OK, AT_SYMLINK_NOFOLLOW) == 0);
}

const struct ut_test ut_usage_tests[] = {
	{ "times_and_rusage_follow_work", t_times_and_rusage_follow_work, 0 },
	{ "faccessat2_flags", t_faccessat2_flags, 0 },
	{ NULL, NULL, 0 },
};
