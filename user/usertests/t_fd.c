/*
 * user/usertests/t_fd.c — descriptors: dup/dup2/dup3, pipe/pipe2 (EOF, EPIPE and SIGPIPE,
 * a large transfer between processes), fcntl, ioctl on the terminal, poll.
 */
#include "ut.h"
#include "ulib.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void dup_family(void)
{
	char buf[8];
	int fd = open("dup.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	int d = dup(fd);
	CHECK(d > fd);
	CHECK_EQ(write(fd, "abcdef", 6), 6);
	CHECK_EQ(lseek(d, 0, SEEK_CUR), 6);		/* one open file, one offset */
	CHECK_EQ(lseek(d, 1, SEEK_SET), 1);
	CHECK_EQ(read(fd, buf, 2), 2);
	CHECK(memcmp(buf, "bc", 2) == 0);
	CHECK_EQ(dup2(fd, 50), 50);
	CHECK_EQ(fcntl(50, F_GETFD), 0);
	CHECK_EQ(dup2(fd, fd), fd);			/* same fd: a no-op */
	CHECK_ERR(syscall(SYS_dup3, fd, fd, 0), EINVAL);	/* raw: libc may check first */
	CHECK_EQ(dup3(fd, 51, O_CLOEXEC), 51);
	CHECK_EQ(fcntl(51, F_GETFD), FD_CLOEXEC);
	CHECK_ERR(syscall(SYS_dup3, fd, 52, O_NONBLOCK), EINVAL);
	CHECK_EQ(dup2(d, 50), 50);			/* replaces an open fd */
	CHECK(close(fd) == 0 && close(d) == 0);
	CHECK_EQ(lseek(50, 0, SEEK_CUR), 3);		/* still open through the copies */
	CHECK_ERR(dup2(50, -1), EBADF);
	CHECK_ERR(dup2(50, 1 << 20), EBADF);
}

static void pipe_eof(void)
{
	int p[2];
	char buf[16];

	CHECK(pipe(p) == 0);
	CHECK_EQ(write(p[1], "ping", 4), 4);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "ping", 4) == 0);
	CHECK_ERR(write(p[0], "x", 1), EBADF);		/* wrong end */
	CHECK_ERR(read(p[1], buf, 1), EBADF);
	CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
	close(p[1]);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);	/* no writers: EOF */
	close(p[0]);

	CHECK(pipe(p) == 0);			/* EOF also reaches a reader already blocked */
	pid_t pid = fork();
	if (pid == 0) {
		ut_sleep_ms(50);
		_exit(0);
	}
	close(p[1]);				/* the child's copy closes when it exits */
	CHECK_EQ(read(p[0], buf, 1), 0);
	ut_wait(pid);
}

static void pipe_write_no_reader(void *arg)
{
	int *p = arg;

	write(p[1], "x", 1);
	_exit(0);		/* not reached: SIGPIPE kills */
}

static void pipe_epipe(void)
{
	int p[2];

	CHECK(pipe(p) == 0);
	close(p[0]);				/* the child's copy is then the last reader */
	ut_expect_signal(pipe_write_no_reader, p, SIGPIPE, "write to a pipe without readers");
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
}

static void pipe_large(void)
{
	enum { TOTAL = 4 * 1024 * 1024 + 1001 };
	static unsigned char buf[70000];
	int p[2];

	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (size_t off = 0, n; off < TOTAL; off += n) {
			n = TOTAL - off < 4099 ? TOTAL - off : 4099;	/* odd sizes on purpose */
			for (size_t i = 0; i < n; i++)
				buf[i] = (unsigned char)((off + i) * 31 >> 3);
			if (write_all(p[1], buf, n) < 0)
				_exit(2);
		}
		_exit(0);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t n;
	while ((n = read(p[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != (unsigned char)((got + (size_t)i) * 31 >> 3))
				FAIL("byte %zu differs", got + (size_t)i);
		got += (size_t)n;
	}
	CHECK(n == 0);
	CHECK_EQ(got, TOTAL);
	int st = ut_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void pipe2_flags(void)
{
	int p[2];
	char c;

	CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_ERR(read(p[0], &c, 1), EAGAIN);
	long total = 0;				/* a full pipe: EAGAIN, not a block */
	char chunk[4096] = { 0 };
	for (;;) {
		ssize_t n = write(p[1], chunk, sizeof(chunk));
		if (n < 0) {
			CHECK(errno == EAGAIN);
			break;
		}
		total += n;
		CHECK(total < (64L << 20));
	}
	CHECK(total >= 4096);
	CHECK_ERR(pipe2(p, 0x7fff0000), EINVAL);
}

static void fcntl_ops(void)
{
	int fd = open("fc.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_DUPFD, 20), 20);
	CHECK_EQ(fcntl(fd, F_DUPFD, 20), 21);		/* lowest free at or above */
	CHECK_EQ(fcntl(fd, F_DUPFD_CLOEXEC, 30), 30);
	CHECK_EQ(fcntl(30, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(20, F_GETFD), 0);
	CHECK_EQ(fcntl(20, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(fcntl(20, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);		/* the flag is per descriptor */
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	CHECK_EQ(fcntl(fd, F_SETFL, O_APPEND), 0);
	CHECK(fcntl(21, F_GETFL) & O_APPEND);		/* status flags are per open file */
	CHECK_EQ(write(fd, "ab", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(21, "cd", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4);
	int ro = open("fc.txt", O_RDONLY);
	CHECK_EQ(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_ERR(fcntl(fd, F_DUPFD, -1), EINVAL);
}

static void ioctl_tty(void)
{
	struct termios t;
	struct winsize ws;
	int fd = open("tty.txt", O_RDWR | O_CREAT, 0644);

	CHECK_ERR(ioctl(fd, TCGETS, &t), ENOTTY);
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK_ERR(ioctl(p[0], TIOCGWINSZ, &ws), ENOTTY);
	if (!isatty(0))
		ut_skip("fd 0 is not a terminal; TCGETS/TIOCGWINSZ on a tty not checked");
	CHECK(ioctl(0, TCGETS, &t) == 0);
	CHECK(ioctl(0, TCSETS, &t) == 0);		/* setting what we read is harmless */
	CHECK(ioctl(0, TIOCGWINSZ, &ws) == 0);
	pid_t pgrp;
	CHECK(ioctl(0, TIOCGPGRP, &pgrp) == 0 && pgrp > 0);
	CHECK_ERR(ioctl(0, TCGETS, (void *)8), EFAULT);
}

static void poll_pipes(void)
{
	int p[2];
	struct pollfd fds[2];

	CHECK(pipe(p) == 0);
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	CHECK_EQ(poll(fds, 2, 0), 1);			/* writable, not readable */
	CHECK(fds[1].revents == POLLOUT && fds[0].revents == 0);
	int64_t t0 = ut_now_ns();
	CHECK_EQ(poll(fds, 1, 50), 0);			/* a timeout of 50 ms */
	CHECK(ut_now_ns() - t0 >= 50000000);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(poll(fds, 1, -1), 1);
	CHECK(fds[0].revents & POLLIN);
	pid_t pid = fork();				/* wakes a sleeping poll */
	if (pid == 0) {
		ut_sleep_ms(30);
		close(p[1]);
		_exit(0);
	}
	close(p[1]);
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(poll(fds, 1, 5000), 1);
	CHECK(fds[0].revents & POLLHUP);		/* the last writer is gone */
	ut_wait(pid);
	struct pollfd bad = { .fd = 999, .events = POLLIN };
	CHECK_EQ(poll(&bad, 1, 0), 1);
	CHECK(bad.revents & POLLNVAL);
	CHECK_ERR(poll((void *)8, 1, 0), EFAULT);
}

static volatile sig_atomic_t winches;

static void on_winch(int sig)
{
	winches++;
}

/* TIOCSWINSZ stores the size and, when it changed, sends SIGWINCH to the foreground group. */
static void tty_winsize_sigwinch(void)
{
	struct winsize old, ws, got;
	pid_t fg;

	if (!isatty(0))
		ut_skip("fd 0 is not a terminal");
	CHECK(ioctl(0, TIOCGWINSZ, &old) == 0);
	fg = tcgetpgrp(0);
	CHECK(fg > 0);
	CHECK(setpgid(0, 0) == 0);
	signal(SIGTTOU, SIG_IGN);		/* a background group may set the foreground */
	CHECK(tcsetpgrp(0, getpgrp()) == 0);
	signal(SIGWINCH, on_winch);
	ws = old;
	ws.ws_row = old.ws_row == 33 ? 34 : 33;
	ws.ws_col = 101;
	CHECK(ioctl(0, TIOCSWINSZ, &ws) == 0);
	for (int i = 0; i < 100 && !winches; i++)
		ut_sleep_ms(1);
	CHECK_EQ(winches, 1);
	CHECK(ioctl(0, TIOCGWINSZ, &got) == 0);
	CHECK(got.ws_row == ws.ws_row && got.ws_col == 101);
	CHECK(ioctl(0, TIOCSWINSZ, &ws) == 0);	/* no change: no signal */
	ut_sleep_ms(10);
	CHECK_EQ(winches, 1);
	signal(SIGWINCH, SIG_IGN);
	CHECK(ioctl(0, TIOCSWINSZ, &old) == 0);
	CHECK(tcsetpgrp(0, fg) == 0);
}

const struct ut_test ut_fd_tests[] = {
	{ "dup", dup_family, 0 },
	{ "pipe_eof", pipe_eof, 0 },
	{ "pipe_epipe", pipe_epipe, 0 },
	{ "pipe_large", pipe_large, 0 },
	{ "pipe2", pipe2_flags, 0 },
	{ "fcntl", fcntl_ops, 0 },
	{ "ioctl_tty", ioctl_tty, 0 },
	{ "tty_winsize_sigwinch", tty_winsize_sigwinch, 0 },
	{ "poll", poll_pipes, 0 },
	{ NULL, NULL, 0 }
};
