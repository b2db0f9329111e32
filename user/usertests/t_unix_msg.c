/*
 * user/usertests/t_unix_msg.c — AF_UNIX messages beyond bytes: SCM_RIGHTS to a forked child
 * (MSG_CTRUNC, MSG_CMSG_CLOEXEC, files dropped with a closed receiver), SO_PEERCRED and
 * SCM_CREDENTIALS, shutdown halves and poll, SIGPIPE, MSG_PEEK/MSG_DONTWAIT/O_NONBLOCK and
 * full queues. Every expectation is Linux's: the same binary passes on the host.
 */
#include "ut.h"
#include "ulib.h"
#include "t_unix.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- SCM_RIGHTS and credentials ---- */

/* Sends n fds with one byte over sock. */
static void send_fds(int sock, const int *fds, int n)
{
	char ctl[CMSG_SPACE(sizeof(int) * 4)] = { 0 };
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	CHECK_EQ(sendmsg(sock, &mh, 0), 1);
}

/* Receives one byte and up to room fds; returns how many came, flags into *flags. */
static int recv_fds(int sock, int *fds, size_t room, int rflags, int *flags)
{
	char ctl[CMSG_SPACE(sizeof(int) * 4)], b;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * room) };
	int n = 0;

	if (room == 1)
		mh.msg_controllen = CMSG_LEN(sizeof(int));
	CHECK_EQ(recvmsg(sock, &mh, rflags), 1);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		CHECK(c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS);
		n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)n);
	}
	*flags = mh.msg_flags;
	return n;
}

static void rights_child(void *arg)
{
	int sock = *(int *)arg, fd, flags;
	char buf[16];

	CHECK_EQ(recv_fds(sock, &fd, 1, 0, &flags), 1);
	CHECK(!(flags & MSG_CTRUNC));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 6);	/* the parent's pipe, through the fd */
	CHECK(memcmp(buf, "piped!", 6) == 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);	/* and its end of file */
}

static void scm_rights(void)
{
	int sv[2], p[2], q[2], got[4], flags;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0);
	send_fds(sv[0], &p[0], 1);
	close(p[0]);					/* only the message holds it now */
	CHECK_EQ(write(p[1], "piped!", 6), 6);
	close(p[1]);
	int st = ut_run_child(rights_child, &sv[1]);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	CHECK(pipe(q) == 0);				/* two fds, room for one */
	send_fds(sv[0], q, 2);
	CHECK_EQ(recv_fds(sv[1], got, 1, 0, &flags), 1);
	CHECK(flags & MSG_CTRUNC);
	CHECK_EQ(fcntl(got[0], F_GETFD), 0);
	close(got[0]);
	send_fds(sv[0], q, 2);
	CHECK_EQ(recv_fds(sv[1], got, 4, MSG_CMSG_CLOEXEC, &flags), 2);
	CHECK(!(flags & MSG_CTRUNC));
	CHECK_EQ(fcntl(got[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(write(q[1], "z", 1), 1);		/* got[0] is q's read end */
	char z;
	CHECK_EQ(read(got[0], &z, 1), 1);
	close(got[0]);
	close(got[1]);
	int bad = 999;
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &bad, sizeof(bad));
	CHECK_ERR(sendmsg(sv[0], &mh, 0), EBADF);
	c->cmsg_len = 2;				/* shorter than its header */
	CHECK_ERR(sendmsg(sv[0], &mh, 0), EINVAL);
	/* Files still in flight when the receiver closes are dropped with it. */
	send_fds(sv[0], &q[0], 1);
	close(q[0]);
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(q[1], "x", 1), EPIPE);		/* the last read end went with it */
	close(q[1]);
	close(sv[0]);
}

static void peercred_child(void *arg)
{
	const struct sockaddr_un *a = arg;
	int c = un_connect(SOCK_STREAM, a, sizeof(*a));
	struct ucred cr;
	socklen_t l = sizeof(cr);
	char b;

	CHECK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0);
	CHECK_EQ(cr.pid, getppid());			/* the listener's process */
	CHECK_EQ(read(c, &b, 1), 1);
}

static void peercred(void)
{
	int sv[2];
	struct ucred cr;
	socklen_t l = sizeof(cr), len;
	struct sockaddr_un a;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0);
	CHECK_EQ(l, sizeof(cr));
	CHECK_EQ(cr.pid, getpid());
	CHECK_EQ(cr.uid, getuid());
	CHECK_EQ(cr.gid, getgid());
	int on = 1;					/* SO_PASSCRED: SCM_CREDENTIALS */
	char ctl[CMSG_SPACE(sizeof(cr))], b;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0);
	CHECK_EQ(write(sv[0], "c", 1), 1);
	CHECK_EQ(recvmsg(sv[1], &mh, 0), 1);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS);
	memcpy(&cr, CMSG_DATA(c), sizeof(cr));
	CHECK_EQ(cr.pid, getpid());
	int fd = un_listen(SOCK_STREAM, "cred.sock", false, &a, &len);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		peercred_child(&a);
		_exit(0);
	}
	int s = accept(fd, NULL, NULL);
	CHECK(s >= 0);
	l = sizeof(cr);
	CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0);
	CHECK_EQ(cr.pid, pid);				/* the connecting process */
	CHECK_EQ(write(s, "k", 1), 1);
	int st = ut_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(s);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	unlink("cred.sock");
}

/* ---- shutdown, poll, nonblocking ---- */

static void shutdown_halves(void)
{
	int sv[2];
	char buf[8];

	signal(SIGPIPE, SIG_IGN);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(poll1(sv[1], POLLIN | POLLOUT) == POLLOUT);
	CHECK_EQ(write(sv[0], "last", 4), 4);
	CHECK(shutdown(sv[0], SHUT_WR) == 0);
	CHECK_ERR(write(sv[0], "x", 1), EPIPE);
	CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK(poll1(sv[1], POLLIN | POLLRDHUP) == (POLLIN | POLLRDHUP));
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 4);	/* queued data first */
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 0);	/* then end of file */
	CHECK_EQ(write(sv[1], "up", 2), 2);		/* the other half still works */
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 2);
	CHECK(shutdown(sv[1], SHUT_RD) == 0 || 1);
	CHECK(shutdown(sv[0], SHUT_RD) == 0);
	CHECK_ERR(write(sv[1], "x", 1), EPIPE);		/* the peer will not read */
	CHECK_ERR(shutdown(sv[0], 7), EINVAL);
	close(sv[0]);
	CHECK(poll1(sv[1], POLLIN) & POLLHUP);
	close(sv[1]);
}

static void sigpipe_child(void *arg)
{
	int fd = *(int *)arg;

	signal(SIGPIPE, SIG_DFL);
	write(fd, "x", 1);
	_exit(3);					/* not reached: SIGPIPE kills */
}

static void sigpipe_on_epipe(void)
{
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[1]);
	ut_expect_signal(sigpipe_child, &sv[0], SIGPIPE, "write to a closed peer");
	CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);	/* no signal: we are alive */
	close(sv[0]);
}

static void peek_and_nonblock(void)
{
	int sv[2], nb[2], n = 0;
	char buf[8];
	static char big[65536];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK_ERR(recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_EQ(write(sv[0], "peekaboo", 8), 8);
	CHECK_EQ(recv(sv[1], buf, 4, MSG_PEEK), 4);
	CHECK(memcmp(buf, "peek", 4) == 0);
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == 8);
	CHECK_EQ(recv(sv[1], buf, 8, 0), 8);		/* the peek consumed nothing */
	CHECK(memcmp(buf, "peekaboo", 8) == 0);
	CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	CHECK_ERR(read(sv[1], buf, 1), EAGAIN);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, nb) == 0);
	CHECK(fcntl(nb[0], F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fcntl(nb[0], F_GETFD), FD_CLOEXEC);
	for (int i = 0; i < 1000; i++) {		/* fill it: then EAGAIN, no POLLOUT */
		ssize_t w = write(nb[0], big, sizeof(big));
		if (w < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		CHECK(i < 999);
	}
	CHECK(!(poll1(nb[0], POLLOUT) & POLLOUT));
	for (int i = 0; i < 1000 && read(nb[1], big, sizeof(big)) > 0; i++)
		;
	CHECK(poll1(nb[0], POLLOUT) & POLLOUT);
	int w = 0;					/* tiny writes are bounded too */
	while (w < 100000 && write(nb[0], "t", 1) == 1)
		w++;
	CHECK(w < 100000 && errno == EAGAIN);
	CHECK(!(poll1(nb[0], POLLOUT) & POLLOUT));
	close(nb[0]);
	close(nb[1]);
	close(sv[0]);
	close(sv[1]);
}

/* One child's share of the stress: round trips with an echo process over a pair of type,
 * every fifth carrying a pipe's read end that must still work there; "Q" ends it (a datagram
 * pair has no end of file). */
static void stress_child(void *arg)
{
	int type = *(int *)arg, sv[2];

	CHECK(socketpair(AF_UNIX, type, 0, sv) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {				/* the echo side */
		close(sv[0]);
		for (;;) {
			int fd = -1, flags;
			char c;
			CHECK_EQ(recv(sv[1], &c, 1, MSG_PEEK), 1);
			if (c == 'Q')
				_exit(0);
			if (recv_fds(sv[1], &fd, 1, 0, &flags) == 1) {
				CHECK_EQ(read(fd, &c, 1), 1);
				close(fd);
			}
			CHECK_EQ(write(sv[1], &c, 1), 1);
		}
	}
	close(sv[1]);
	for (int i = 0; i < 400; i++) {
		int p[2];
		char c = (char)('a' + i % 26), back = 0;

		CHECK(pipe(p) == 0);
		CHECK_EQ(write(p[1], &c, 1), 1);
		if (i % 5 == 0) {
			send_fds(sv[0], &p[0], 1);
		} else {
			CHECK_EQ(write(sv[0], "F", 1), 1);
			c = 'F';
		}
		close(p[0]);
		close(p[1]);
		CHECK_EQ(read(sv[0], &back, 1), 1);
		CHECK_EQ(back, c);
	}
	CHECK_EQ(write(sv[0], "Q", 1), 1);
	int st = ut_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[0]);
}

/* Four pairs of processes at once, on every CPU there is: nothing lost, changed or stuck. */
static void stress(void)
{
	static int types[4] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM };
	pid_t pids[4];

	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0) {
			stress_child(&types[i]);
			_exit(0);
		}
	}
	for (int i = 0; i < 4; i++) {
		int st = ut_wait(pids[i]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

const struct ut_test ut_unix_msg_tests[] = {
	{ "unix_stress", stress, 120 },
	{ "unix_scm_rights", scm_rights, 0 },
	{ "unix_peercred", peercred, 0 },
	{ "unix_shutdown_halves", shutdown_halves, 0 },
	{ "unix_sigpipe", sigpipe_on_epipe, 0 },
	{ "unix_peek_nonblock", peek_and_nonblock, 0 },
	{ NULL, NULL, 0 }
};
