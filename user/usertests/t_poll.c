/*
 * user/usertests/t_poll.c — poll, ppoll, select and pselect6 as Linux defines them: the bits
 * reported unasked (POLLHUP, POLLERR) and for bad fds (POLLNVAL, EBADF), the RLIMIT_NOFILE
 * limit, timeouts and the time left written back, temporary signal masks and EINTR, and
 * wakeups that reach a poller sleeping on one fd among idle ones.
 */
#include "ut.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void poll_unasked_bits(void)
{
	int p[2], q[2];

	CHECK(pipe(p) == 0 && pipe(q) == 0);
	close(p[1]);
	close(q[0]);
	struct pollfd fds[4] = {
		{ .fd = p[0], .events = 0 },		/* writer gone: POLLHUP unasked */
		{ .fd = q[1], .events = POLLIN },	/* reader gone: POLLERR unasked */
		{ .fd = 999, .events = POLLIN },	/* not open: POLLNVAL */
		{ .fd = -1, .events = POLLIN },		/* ignored, revents 0 */
	};
	fds[3].revents = 0x7fff;
	CHECK_EQ(poll(fds, 4, 1000), 3);
	CHECK_EQ(fds[0].revents, POLLHUP);
	CHECK_EQ(fds[1].revents, POLLERR);
	CHECK_EQ(fds[2].revents, POLLNVAL);
	CHECK_EQ(fds[3].revents, 0);
	int fd = open("poll_reg", O_CREAT | O_WRONLY, 0600);	/* regular: always ready */
	CHECK(fd >= 0);
	struct pollfd r = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };
	CHECK_EQ(poll(&r, 1, 0), 1);
	CHECK_EQ(r.revents, POLLIN | POLLOUT);
	close(fd);
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK_ERR(poll(NULL, (nfds_t)rl.rlim_cur + 1, 0), EINVAL);
	CHECK_EQ(poll(NULL, 0, 10), 0);
	close(p[0]);
	close(q[1]);
}

/* A poller on one pipe among 50 idle ones is woken by a write from another process. */
static void poll_wakes_the_right_fd(void)
{
	struct pollfd fds[51];
	int p[51][2];

	for (int i = 0; i < 51; i++) {
		CHECK(pipe(p[i]) == 0);
		fds[i] = (struct pollfd){ .fd = p[i][0], .events = POLLIN };
	}
	pid_t pid = fork();
	if (pid == 0) {
		ut_sleep_ms(50);
		_exit(write(p[37][1], "x", 1) == 1 ? 0 : 1);
	}
	int64_t t0 = ut_now_ns();
	CHECK_EQ(poll(fds, 51, 10000), 1);
	CHECK(ut_now_ns() - t0 < 5000000000LL);
	for (int i = 0; i < 51; i++)
		CHECK_EQ(fds[i].revents, i == 37 ? POLLIN : 0);
	CHECK_EQ(ut_wait(pid), 0);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static void kill_parent_later(void *arg)
{
	ut_sleep_ms(50);
	kill(getppid(), SIGUSR1);
}

/* The mask inside ppoll/pselect6 opens SIGUSR1; it is blocked again afterwards. */
static void temp_mask_setup(sigset_t *open)
{
	sigset_t block;

	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	sigemptyset(open);
	got_usr1 = 0;
}

static void check_usr1_blocked(void)
{
	sigset_t now;

	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0);
	CHECK(sigismember(&now, SIGUSR1));
}

static void ppoll_sigmask(void)
{
	sigset_t open;
	int p[2];

	CHECK(pipe(p) == 0);
	temp_mask_setup(&open);
	struct pollfd fd = { .fd = p[0], .events = POLLIN };
	kill(getpid(), SIGUSR1);			/* pending, blocked */
	struct timespec ts = { 0, 0 };
	CHECK_EQ(ppoll(&fd, 1, &ts, NULL), 0);		/* no mask: stays pending */
	CHECK(!got_usr1);
	CHECK_ERR(ppoll(&fd, 1, NULL, &open), EINTR);	/* opened: delivered at once */
	CHECK(got_usr1);
	check_usr1_blocked();
	got_usr1 = 0;
	pid_t pid = fork();
	if (pid == 0) {
		kill_parent_later(NULL);
		_exit(0);
	}
	ts = (struct timespec){ 10, 0 };
	CHECK_ERR(syscall(SYS_ppoll, &fd, 1, &ts, &open, 8), EINTR);	/* sleeping */
	CHECK(got_usr1);
	CHECK(ts.tv_sec >= 5 && ts.tv_sec < 10);	/* the time left came back */
	check_usr1_blocked();
	ut_wait(pid);
	CHECK_ERR(syscall(SYS_ppoll, &fd, 1, NULL, &open, 4), EINVAL);
	ts = (struct timespec){ 0, 1000000000 };
	CHECK_ERR(ppoll(&fd, 1, &ts, NULL), EINVAL);
	ts = (struct timespec){ 0, 30000000 };
	CHECK_EQ(syscall(SYS_ppoll, &fd, 1, &ts, NULL, 8), 0);
	CHECK(ts.tv_sec == 0 && ts.tv_nsec == 0);
}

static void select_timeouts(void)
{
	int p[2];
	fd_set rd, wr;

	CHECK(pipe(p) == 0);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timeval tv = { 0, 100000 };
	int64_t t0 = ut_now_ns();
	CHECK_EQ(syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv), 0);	/* times out */
	CHECK(ut_now_ns() - t0 >= 100000000);
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 0);		/* Linux writes the time left */
	CHECK(!FD_ISSET(p[0], &rd));
	FD_SET(p[0], &rd);
	FD_ZERO(&wr);
	FD_SET(p[1], &wr);
	FD_SET(p[0], &wr);					/* a read end: never writable */
	tv = (struct timeval){ 5, 0 };
	CHECK_EQ(syscall(SYS_select, p[1] + 1, &rd, &wr, NULL, &tv), 1);
	CHECK(FD_ISSET(p[1], &wr) && !FD_ISSET(p[0], &wr) && !FD_ISSET(p[0], &rd));
	CHECK(tv.tv_sec >= 4);
	CHECK_EQ(write(p[1], "x", 1), 1);
	FD_SET(p[0], &rd);
	CHECK_EQ(select(p[0] + 1, &rd, NULL, NULL, NULL), 1);
	CHECK(FD_ISSET(p[0], &rd));
	close(p[1]);						/* EOF counts as readable */
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	tv = (struct timeval){ 0, 0 };
	CHECK_EQ(select(p[0] + 1, &rd, NULL, NULL, &tv), 1);
	FD_ZERO(&rd);
	FD_SET(p[1], &rd);					/* closed */
	CHECK_ERR(select(p[1] + 1, &rd, NULL, NULL, &tv), EBADF);
	CHECK_ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ 0, -1 };
	CHECK_ERR(syscall(SYS_select, 0, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ -1, 0 };
	CHECK_ERR(syscall(SYS_select, 0, NULL, NULL, NULL, &tv), EINVAL);
	CHECK_ERR(select(1, (fd_set *)8, NULL, NULL, NULL), EFAULT);
	close(p[0]);
}

static void pselect_sigmask(void)
{
	sigset_t open;
	int p[2];
	fd_set rd;

	CHECK(pipe(p) == 0);
	temp_mask_setup(&open);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	pid_t pid = fork();
	if (pid == 0) {
		kill_parent_later(NULL);
		_exit(0);
	}
	CHECK_ERR(pselect(p[0] + 1, &rd, NULL, NULL, NULL, &open), EINTR);
	CHECK(got_usr1);
	check_usr1_blocked();
	ut_wait(pid);
	struct { const sigset_t *ss; size_t len; } bad = { &open, 4 };
	CHECK_ERR(syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, NULL, &bad), EINVAL);
	struct timespec ts = { 0, 20000000 };
	CHECK_EQ(syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, NULL), 0);
	CHECK(ts.tv_sec == 0 && ts.tv_nsec == 0);
}

/* A handler-less stop and continue restarts a poll with no timeout (ERESTARTNOHAND). */
static void poll_restarts_after_stop(void)
{
	int p[2];

	CHECK(pipe(p) == 0);
	pid_t child = fork();
	if (child == 0) {
		struct pollfd fd = { .fd = p[0], .events = POLLIN };
		int r = poll(&fd, 1, -1);
		_exit(r == 1 && (fd.revents & POLLIN) ? 0 : 1);
	}
	ut_sleep_ms(50);
	CHECK(kill(child, SIGSTOP) == 0);
	int st;
	CHECK_EQ(waitpid(child, &st, WUNTRACED), child);
	CHECK(WIFSTOPPED(st));
	CHECK(kill(child, SIGCONT) == 0);
	ut_sleep_ms(50);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(ut_wait(child), 0);
}

/* A timed poll stopped and continued resumes with its original deadline (restart_syscall):
 * 1 s of timeout, stopped from 0.1 s to 0.8 s, must end near 1 s, not 1.7 s, and with 0. */
static void poll_restart_keeps_deadline(void)
{
	int p[2];

	CHECK(pipe(p) == 0);
	pid_t child = fork();
	if (child == 0) {
		struct pollfd fd = { .fd = p[0], .events = POLLIN };
		int64_t t0 = ut_now_ns();
		int r = poll(&fd, 1, 1000);
		int64_t ms = (ut_now_ns() - t0) / 1000000;
		_exit(r == 0 && ms >= 1000 && ms < 1500 ? 0 : ms < 1000 ? 1 : ms < 1500 ? 2 : 3);
	}
	ut_sleep_ms(100);
	CHECK(kill(child, SIGSTOP) == 0);
	int st;
	CHECK_EQ(waitpid(child, &st, WUNTRACED), child);
	ut_sleep_ms(700);
	CHECK(kill(child, SIGCONT) == 0);
	st = ut_wait(child);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		FAIL("the restarted poll: exit %d (1: too early, 2: not 0, 3: whole timeout again)",
		     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	close(p[0]);
	close(p[1]);
}

const struct ut_test ut_poll_tests[] = {
	{ "poll_unasked", poll_unasked_bits, 0 },
	{ "poll_wake_one_fd", poll_wakes_the_right_fd, 0 },
	{ "poll_restart", poll_restarts_after_stop, 0 },
	{ "poll_restart_timed", poll_restart_keeps_deadline, 0 },
	{ "ppoll_sigmask", ppoll_sigmask, 0 },
	{ "select_timeout", select_timeouts, 0 },
	{ "pselect_sigmask", pselect_sigmask, 0 },
	{ NULL, NULL, 0 }
};
