/*
 * user/usertests/t_itimer.c — setitimer, getitimer and alarm (ITIMER_REAL): SIGALRM arrives
 * after the time asked and not before, interval timers repeat, alarm's return value, a timer
 * interrupts a blocking read, the default action kills, fork's child has no timer, bad
 * arguments are refused. Timings are checked only from below (and against a generous upper
 * bound that catches a timer that never fires), never for speed. Passes on Linux too.
 */
#include "ut.h"
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void catch_alarm(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	alarms = 0;
}

/* Waits (sigsuspend with SIGALRM blocked otherwise) until alarms reaches n or limit_ms. */
static void wait_alarms(int n, long limit_ms)
{
	sigset_t block, old;
	int64_t end = ut_now_ns() + limit_ms * 1000000LL;

	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	while (alarms < n && ut_now_ns() < end) {
		struct itimerval v;

		sigsuspend(&old);
		CHECK(getitimer(ITIMER_REAL, &v) == 0);
		if (alarms < n && !v.it_value.tv_sec && !v.it_value.tv_usec)
			break;			/* disarmed and not there: it will not come */
	}
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
}

static void set_real(long value_us, long interval_us)
{
	struct itimerval v = { { interval_us / 1000000, interval_us % 1000000 },
			       { value_us / 1000000, value_us % 1000000 } };

	CHECK(setitimer(ITIMER_REAL, &v, NULL) == 0);
}

static void itimer_oneshot(void)
{
	struct itimerval v;
	int64_t t0 = ut_now_ns(), ms;

	catch_alarm(0);
	set_real(150000, 0);
	CHECK(getitimer(ITIMER_REAL, &v) == 0);
	CHECK(v.it_interval.tv_sec == 0 && v.it_interval.tv_usec == 0);
	CHECK(v.it_value.tv_sec == 0 && v.it_value.tv_usec > 0 && v.it_value.tv_usec <= 150000);
	wait_alarms(1, 5000);
	ms = (ut_now_ns() - t0) / 1000000;
	CHECK_EQ(alarms, 1);
	if (ms < 150)
		FAIL("SIGALRM after %lld ms, asked for 150", (long long)ms);
	CHECK(getitimer(ITIMER_REAL, &v) == 0);		/* one-shot: disarmed after firing */
	CHECK(!v.it_value.tv_sec && !v.it_value.tv_usec);
	ut_sleep_ms(200);
	CHECK_EQ(alarms, 1);
}

static void itimer_interval(void)
{
	struct itimerval v, old;
	int64_t t0 = ut_now_ns(), ms;

	catch_alarm(0);
	set_real(30000, 30000);
	wait_alarms(5, 10000);
	ms = (ut_now_ns() - t0) / 1000000;
	CHECK(alarms >= 5);
	if (ms < 150)
		FAIL("5 SIGALRMs of a 30 ms timer after %lld ms", (long long)ms);
	CHECK(getitimer(ITIMER_REAL, &v) == 0);
	CHECK(v.it_interval.tv_sec == 0 && v.it_interval.tv_usec == 30000);
	memset(&v, 0, sizeof(v));
	CHECK(setitimer(ITIMER_REAL, &v, &old) == 0);	/* disarm; old shows the interval */
	CHECK(old.it_interval.tv_usec == 30000);
	CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec <= 30000);
	int n = alarms;
	ut_sleep_ms(150);
	CHECK_EQ(alarms, n);
}

static void itimer_alarm_value(void)
{
	catch_alarm(0);
	CHECK_EQ(alarm(0), 0);
	CHECK_EQ(alarm(100), 0);
	CHECK_EQ(alarm(50), 100);	/* 99.9... s left rounds to 100 */
	CHECK_EQ(alarm(0), 50);
	CHECK_EQ(alarm(0), 0);
	set_real(300000, 0);		/* 0.3 s left: alarm never says 0 for an armed timer */
	CHECK_EQ(alarm(0), 1);
	set_real(1600000, 0);		/* 1.6 s: rounds to 2 */
	CHECK_EQ(alarm(0), 2);
	CHECK_EQ(alarms, 0);
}

/* A blocking read with a handler without SA_RESTART ends with EINTR (busybox ping's loop). */
static void itimer_interrupts_read(void)
{
	int p[2];
	char c;

	CHECK(pipe(p) == 0);
	catch_alarm(0);
	set_real(100000, 0);
	CHECK_ERR(read(p[0], &c, 1), EINTR);
	CHECK_EQ(alarms, 1);
	close(p[0]);
	close(p[1]);
}

static void alarm_and_pause(void *arg)
{
	(void)arg;
	signal(SIGALRM, SIG_DFL);
	alarm(1);
	for (int i = 0; i < 10; i++)
		pause();
	_exit(3);
}

static void itimer_default_kills(void)
{
	ut_expect_signal(alarm_and_pause, NULL, SIGALRM, "alarm(1) with SIGALRM's default action");
}

static void itimer_not_inherited(void)
{
	struct itimerval v;
	pid_t pid;
	int st;

	catch_alarm(0);
	set_real(2000000, 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (getitimer(ITIMER_REAL, &v) != 0 || v.it_value.tv_sec || v.it_value.tv_usec)
			_exit(1);
		_exit(alarm(0) == 0 ? 0 : 2);
	}
	st = ut_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(getitimer(ITIMER_REAL, &v) == 0);		/* the parent's is still armed */
	CHECK(v.it_value.tv_sec == 1 || v.it_value.tv_sec == 0);
	CHECK(v.it_value.tv_sec || v.it_value.tv_usec);
	CHECK_EQ(alarm(0), 2);
}

static void itimer_bad_args(void)
{
	struct itimerval v = { { 0, 0 }, { 0, 1000000 } };

	CHECK_ERR(setitimer(ITIMER_REAL, &v, NULL), EINVAL);		/* usec out of range */
	v.it_value.tv_usec = -1;
	CHECK_ERR(setitimer(ITIMER_REAL, &v, NULL), EINVAL);
	v.it_value.tv_usec = 0;
	v.it_interval.tv_sec = -1;
	CHECK_ERR(setitimer(ITIMER_REAL, &v, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_setitimer, 7, &v, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_getitimer, -1, &v), EINVAL);
	CHECK_ERR(syscall(SYS_getitimer, ITIMER_REAL, (void *)8), EFAULT);
	CHECK_ERR(syscall(SYS_setitimer, ITIMER_REAL, (void *)8, NULL), EFAULT);
	CHECK(getitimer(ITIMER_REAL, &v) == 0);		/* nothing was armed by the failures */
	CHECK(!v.it_value.tv_sec && !v.it_value.tv_usec);
}

const struct ut_test ut_itimer_tests[] = {
	{ "itimer_oneshot", itimer_oneshot, 0 },
	{ "itimer_interval", itimer_interval, 0 },
	{ "itimer_alarm_value", itimer_alarm_value, 0 },
	{ "itimer_interrupts_read", itimer_interrupts_read, 0 },
	{ "itimer_default_kills", itimer_default_kills, 0 },
	{ "itimer_not_inherited", itimer_not_inherited, 0 },
	{ "itimer_bad_args", itimer_bad_args, 0 },
	{ NULL, NULL, 0 },
};
