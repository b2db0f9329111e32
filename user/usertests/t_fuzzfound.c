/*
 * user/usertests/t_fuzzfound.c — regression tests for the kernel bugs sysfuzz found
 * (docs/reliability.md lists them). Each reproduces the fuzzer's minimized call sequence in
 * plain code, and passes on Linux as well.
 */
#include "ut.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* An empty sendmsg on a listening TCP socket: keel handed the listener to lwIP's tcp_output,
 * whose assertion panicked the kernel. Linux (and now keel) say EPIPE. */
static void tcp_empty_send_on_listener(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct msghdr m = { 0 };
	int l = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(l >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(l, (void *)&sa, sizeof(sa)) == 0);
	CHECK(listen(l, 4) == 0);
	CHECK_ERR(sendmsg(l, &m, MSG_NOSIGNAL), EPIPE);
	CHECK_ERR(send(l, "", 0, MSG_NOSIGNAL), EPIPE);
	CHECK_ERR(send(l, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT), EPIPE);
	close(l);
}


/* ---- a caught signal ends a blocking wait4 with EINTR ---- */

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void on_usr2(int sig)
{
	(void)sig;
}

struct kick { pid_t tid; };

static void *kick_later(void *arg)
{
	struct kick *k = arg;

	ut_sleep_ms(100);
	syscall(SYS_tgkill, getpid(), k->tid, SIGUSR2);
	return NULL;
}

/* sysfuzz's kicker interrupts blocked calls with a handled SIGUSR2 from another thread. */
static void wait4_interrupted_by_thread_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr2 };	/* no SA_RESTART */
	struct kick k = { (pid_t)syscall(SYS_gettid) };
	pthread_t th;
	pid_t child = fork();
	int st;

	CHECK(child >= 0);
	if (child == 0) {
		ut_sleep_ms(3000);
		_exit(0);
	}
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	CHECK(pthread_create(&th, NULL, kick_later, &k) == 0);
	int64_t t0 = ut_now_ns();
	CHECK_ERR(wait4(0, &st, 0, NULL), EINTR);
	CHECK(ut_now_ns() - t0 < 2000000000LL);
	pthread_join(th, NULL);
	kill(child, SIGKILL);
	CHECK(waitpid(child, &st, 0) == child);
}

/* SIGKILL ends a process asleep in wait4 (keel's wait4 slept where no signal could wake it:
 * sysfuzz workers waiting for their child survived the supervisor's SIGKILL). */
static void wait4_sleeper_dies_of_sigkill(void)
{
	pid_t a = fork();
	int st;

	CHECK(a >= 0);
	if (a == 0) {
		pid_t g = fork();

		if (g == 0) {
			ut_sleep_ms(3000);
			_exit(0);
		}
		wait4(g, &st, 0, NULL);
		_exit(1);
	}
	ut_sleep_ms(100);
	int64_t t0 = ut_now_ns();
	CHECK(kill(a, SIGKILL) == 0);
	CHECK(waitpid(a, &st, 0) == a);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(ut_now_ns() - t0 < 2000000000LL);
}

/* tkill of a TID nobody has walks every process's thread list; keel linked a new thread into
 * that list before its struct thread existed, and the walk read NULL (a kernel #PF). */
static void *noop_thread(void *arg)
{
	return arg;
}

static void tkill_races_thread_creation(void)
{
	pid_t a = fork();
	int st;

	CHECK(a >= 0);
	if (a == 0) {
		for (int64_t end = ut_now_ns() + 1500000000LL; ut_now_ns() < end;) {
			pthread_t th;

			if (pthread_create(&th, NULL, noop_thread, NULL) == 0)
				pthread_join(th, NULL);
		}
		_exit(0);
	}
	for (int64_t end = ut_now_ns() + 1000000000LL; ut_now_ns() < end;)
		CHECK_ERR(syscall(SYS_tkill, 4194000, SIGUSR1), ESRCH);
	CHECK(waitpid(a, &st, 0) == a && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}


/* ---- /proc/self/fd/N: open through the magic link ---- */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int open_fd_link(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags);
}

/* open("/proc/self/fd/N") walked the link's text, and the readlink under the walk took
 * vfs_ns_lock a second time: a kernel panic from any program. Linux opens the file itself:
 * a new open file (offset 0), also after the file was renamed or removed. */
static void open_proc_self_fd_reopens_the_file(void)
{
	char buf[8] = { 0 };
	int fd = open("fdlink", O_RDWR | O_CREAT | O_TRUNC, 0600), re;

	CHECK(fd >= 0);
	CHECK(write(fd, "abcdef", 6) == 6);
	CHECK((re = open_fd_link(fd, O_RDONLY)) >= 0);
	CHECK(read(re, buf, 3) == 3 && memcmp(buf, "abc", 3) == 0);
	close(re);
	CHECK(rename("fdlink", "fdlink2") == 0);
	CHECK(unlink("fdlink2") == 0);
	CHECK((re = open_fd_link(fd, O_RDONLY)) >= 0);	/* removed: still opens */
	CHECK(read(re, buf, 6) == 6 && memcmp(buf, "abcdef", 6) == 0);
	close(re);
	CHECK_ERR(open_fd_link(999, O_RDONLY), ENOENT);
	CHECK_ERR(open("/proc/self/fd/0/x", O_RDONLY), ENOTDIR);
	close(fd);
}

/* The other magic links: cwd as a directory to walk through, a directory fd, a device. */
static void proc_self_cwd_and_dir_fd_links_are_walked(void)
{
	char buf[4] = { 0 }, path[64];
	int d, f, n;

	CHECK(mkdir("linkdir", 0700) == 0);
	f = open("linkdir/f", O_WRONLY | O_CREAT, 0600);
	CHECK(f >= 0 && write(f, "xyz", 3) == 3);
	close(f);
	CHECK((d = open("linkdir", O_RDONLY | O_DIRECTORY)) >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/f", d);
	CHECK((f = open(path, O_RDONLY)) >= 0 && read(f, buf, 3) == 3 && !memcmp(buf, "xyz", 3));
	close(f);
	CHECK((f = open("/proc/self/cwd/linkdir/f", O_RDONLY)) >= 0);
	close(f);
	CHECK((n = open("/dev/null", O_WRONLY)) >= 0);
	CHECK((f = open_fd_link(n, O_WRONLY)) >= 0 && write(f, "x", 1) == 1);
	close(f);
	close(n);
	close(d);
	CHECK(unlink("linkdir/f") == 0 && rmdir("linkdir") == 0);
}

/* ---- exit_group ends threads asleep in futex and nanosleep ---- */

#ifndef FUTEX_WAIT_PRIVATE
#define FUTEX_WAIT_PRIVATE 128	/* FUTEX_WAIT (0) | FUTEX_PRIVATE_FLAG: musl has no linux/ headers */
#endif
#include <time.h>

static uint32_t never_word;

static void *futex_forever(void *arg)
{
	syscall(SYS_futex, &never_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return arg;
}

static void *sleep_forever(void *arg)
{
	struct timespec ts = { 1000, 0 };

	nanosleep(&ts, NULL);
	return arg;
}

/* Waits up to ms for child; true when it was reaped with exit status code. */
static int reaped_within(pid_t child, int ms, int code)
{
	int st;

	for (int i = 0; i < ms / 10; i++) {
		pid_t r = waitpid(child, &st, WNOHANG);

		if (r == child)
			return WIFEXITED(st) && WEXITSTATUS(st) == code;
		ut_sleep_ms(10);
	}
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	return 0;
}

/* sysfuzz's workers survived SIGKILL: the thread that took the signal cleared its pending
 * bit and set the group exit, and threads asleep in futex or nanosleep only woke for a
 * pending bit, so they slept on and the process never died. exit_group shows it every time. */
static void exit_group_ends_threads_sleeping_in_futex_and_nanosleep(void)
{
	pid_t child = fork();

	CHECK(child >= 0);
	if (child == 0) {
		pthread_t a, b, c;

		pthread_create(&a, NULL, futex_forever, NULL);
		pthread_create(&b, NULL, futex_forever, NULL);
		pthread_create(&c, NULL, sleep_forever, NULL);
		ut_sleep_ms(100);
		syscall(SYS_exit_group, 7);
	}
	CHECK(reaped_within(child, 3000, 7));
}

/* The same through a fatal signal that one thread takes for the whole group. */
static void sigkill_ends_threads_sleeping_in_futex(void)
{
	for (int round = 0; round < 5; round++) {
		pid_t child = fork();
		int st;

		CHECK(child >= 0);
		if (child == 0) {
			pthread_t a, b;

			pthread_create(&a, NULL, futex_forever, NULL);
			pthread_create(&b, NULL, futex_forever, NULL);
			for (;;)
				pause();
		}
		ut_sleep_ms(50);
		CHECK(kill(child, SIGKILL) == 0);
		for (int i = 0; i < 300 && waitpid(child, &st, WNOHANG) == 0; i++)
			ut_sleep_ms(10);
		CHECK(kill(child, 0) == -1);	/* reaped: gone */
	}
}

/* ---- signals sent to threads that are still being created ---- */

/* A new thread is on its process's thread list (where tkill and SIGKILL find it) a moment
 * before the scheduler starts it; keel's wakeup took it for a sleeper and queued it, and the
 * start queued it again: the same thread ran on two CPUs at once, which the fuzzer saw as
 * mutexes held by threads that never ran and run-queue corruption. Here two threads create
 * threads while two others signal the TIDs they are about to get, and then the process is
 * killed in the middle of it (before the fix, about one run in three panicked at smp=4). */
static volatile pid_t last_tid;

static void *note_tid(void *arg)
{
	last_tid = (pid_t)syscall(SYS_gettid);
	return arg;
}

static void *signal_next_tids(void *arg)
{
	pid_t pid = getpid();

	for (;;)
		for (int d = 1; d <= 3; d++)
			syscall(SYS_tgkill, pid, last_tid + d, SIGUSR2);
	return arg;
}

static void *create_threads(void *arg)
{
	for (;;) {
		pthread_t th;

		if (pthread_create(&th, NULL, note_tid, NULL) == 0)
			pthread_join(th, NULL);
	}
	return arg;
}

static void signals_race_thread_start(void)
{
	for (int round = 0; round < 8; round++) {
		pid_t child = fork();
		int st;

		CHECK(child >= 0);
		if (child == 0) {
			pthread_t k;

			signal(SIGUSR2, on_usr2);
			last_tid = (pid_t)syscall(SYS_gettid);
			pthread_create(&k, NULL, signal_next_tids, NULL);
			pthread_create(&k, NULL, signal_next_tids, NULL);
			pthread_create(&k, NULL, create_threads, NULL);
			create_threads(NULL);
		}
		ut_sleep_ms(400);
		CHECK(kill(child, SIGKILL) == 0);
		CHECK(waitpid(child, &st, 0) == child && WIFSIGNALED(st) &&
		      WTERMSIG(st) == SIGKILL);
	}
}

const struct ut_test ut_fuzzfound_tests[] = {
	{ "tcp_empty_send_on_listener", tcp_empty_send_on_listener, 0 },
	{ "wait4_interrupted_by_thread_signal", wait4_interrupted_by_thread_signal, 0 },
	{ "wait4_sleeper_dies_of_sigkill", wait4_sleeper_dies_of_sigkill, 0 },
	{ "tkill_races_thread_creation", tkill_races_thread_creation, 0 },
	{ "exit_group_ends_threads_sleeping_in_futex_and_nanosleep",
	  exit_group_ends_threads_sleeping_in_futex_and_nanosleep, 0 },
	{ "sigkill_ends_threads_sleeping_in_futex", sigkill_ends_threads_sleeping_in_futex, 0 },
	{ "signals_race_thread_start", signals_race_thread_start, 0 },
	{ "open_proc_self_fd_reopens_the_file", open_proc_self_fd_reopens_the_file, 0 },
	{ "proc_self_cwd_and_dir_fd_links_are_walked", proc_self_cwd_and_dir_fd_links_are_walked, 0 },
	{ NULL, NULL, 0 },
};
