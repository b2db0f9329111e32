/*
 * user/usertests/ut.h — the usertests framework.
 *
 * A test is a function run in a forked child of the runner. It passes by returning (or by
 * exiting with status 0); CHECK/ut_fail end it with a reason written to the runner through a
 * pipe; ut_skip ends it as skipped. The runner kills a test that outlives its time limit.
 * Each test starts with its working directory in the suite's temp dir (ut_tmp), so relative
 * file names are private to the run; names are prefixed by the test to stay distinct.
 */
#ifndef UT_H
#define UT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct ut_test {
	const char *name;
	void (*fn)(void);
	int timeout_s;		/* 0: the default */
};

#define UT_SKIP_STATUS 77

extern const char *ut_helper;	/* path of ut-helper */
extern const char *ut_pie;	/* path of ut-pie */
extern char ut_tmp[64];		/* /tmp/ut.<pid>, the suite's temp dir */
extern int ut_init_reaps;	/* orphans go to PID 1 and we can see it: usertests is
				   PID 1 or init's child, or runs on keel */

void ut_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void ut_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void ut_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define FAIL(...) ut_fail(__FILE__, __LINE__, __VA_ARGS__)
#define CHECK(cond) do { if (!(cond)) \
	FAIL("%s (errno %d: %s)", #cond, errno, strerror(errno)); } while (0)
/* expr must fail with -1 (or MAP_FAILED) and errno e */
#define CHECK_ERR(expr, e) do { errno = 0; long r_ = (long)(expr); \
	if (r_ != -1 || errno != (e)) FAIL("%s: want -1/%s, got %ld/errno %d (%s)", #expr, #e, \
	r_, errno, strerror(errno)); } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) FAIL("%s == %s: %lld != %lld (errno %d)", #a, #b, a_, b_, errno); } while (0)

/* True when running on keel (uname names keel), false on Linux. */
int ut_on_keel(void);

/* Monotonic time in ns; sleeps ms milliseconds (resuming after signals). */
int64_t ut_now_ns(void);
void ut_sleep_ms(long ms);

/* CPU time this process has used, in clock ticks (times(2)); spins until it has used `ticks`
 * more (a loaded host gives less CPU than wall time), failing after 20 s. */
long ut_cpu_ticks(void);
void ut_burn_ticks(long ticks);

/* Forks; the child runs fn(arg) then _exit(0). Returns the child's wait status. */
int ut_run_child(void (*fn)(void *), void *arg);

/* Runs fn(arg) in a child and checks it was killed by signal sig. */
void ut_expect_signal(void (*fn)(void *), void *arg, int sig, const char *what);

/* wait4 on pid (EINTR retried); returns the status. */
int ut_wait(pid_t pid);

/* Writes len bytes of a file in the cwd; returns 0. Fails the test on error. */
void ut_write_file(const char *name, const void *data, size_t len, int mode);

/* Each file's test table, ended by an entry with name NULL. */
extern const struct ut_test ut_fs_tests[], ut_fd_tests[], ut_mem_tests[], ut_mmap_tests[], ut_proc_tests[],
	ut_signal_tests[], ut_thread_tests[], ut_misc_tests[], ut_poll_tests[], ut_epoll_tests[],
	ut_evfd_tests[], ut_net_tests[],
	ut_unix_tests[], ut_unix_msg_tests[], ut_sock_tests[], ut_procfs_tests[], ut_robust_tests[],
	ut_usage_tests[], ut_attr_tests[], ut_fuzzfound_tests[], ut_itimer_tests[],
	ut_rlimit_tests[], ut_users_tests[];

#endif
