/*
 * user/usertests/util.c — helpers the tests share (see ut.h).
 */
#include "ut.h"
#include <sys/times.h>
#include "ulib.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

int ut_on_keel(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return 0;
	return strcasecmp(u.sysname, "keel") == 0 || strstr(u.release, "keel") ||
	       strstr(u.version, "keel");
}

int64_t ut_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ut_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int ut_wait(pid_t pid)
{
	int st;
	pid_t r;

	while ((r = wait4(pid, &st, 0, NULL)) < 0 && errno == EINTR)
		;
	if (r != pid)
		FAIL("wait4(%d) returned %d (errno %d)", (int)pid, (int)r, errno);
	return st;
}

int ut_run_child(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return ut_wait(pid);
}

void ut_expect_signal(void (*fn)(void *), void *arg, int sig, const char *what)
{
	int st = ut_run_child(fn, arg);

	if (!WIFSIGNALED(st))
		FAIL("%s: child exited with %d instead of dying by signal %d", what,
		     WEXITSTATUS(st), sig);
	if (WTERMSIG(st) != sig)
		FAIL("%s: child died by signal %d, want %d", what, WTERMSIG(st), sig);
}

void ut_write_file(const char *name, const void *data, size_t len, int mode)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		FAIL("open %s: %s", name, strerror(errno));
	if (write_all(fd, data, len) < 0)
		FAIL("write %s: %s", name, strerror(errno));
	close(fd);
}

/* CPU time used by this process so far, in clock ticks (1/100 s). */
long ut_cpu_ticks(void)
{
	struct tms t;

	times(&t);
	return (long)(t.tms_utime + t.tms_stime);
}

/* Spins until times() says this process used `ticks` more (a loaded host gives a process
 * less CPU than wall time); fails after 20 s of wall time. */
void ut_burn_ticks(long ticks)
{
	long want = ut_cpu_ticks() + ticks;
	int64_t end = ut_now_ns() + 20000000000LL;
	volatile unsigned long x = 0;

	while (ut_cpu_ticks() < want) {
		for (int i = 0; i < 100000; i++)
			x++;
		if (ut_now_ns() > end)
			FAIL("CPU time stayed below %ld ticks for 20 s of spinning", want);
	}
}
