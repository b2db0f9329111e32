/*
 * user/usertests/t_sock.c — sockets: the generic layer's argument checks (EBADF, ENOTSOCK,
 * EAFNOSUPPORT, EFAULT, EINVAL), socket options it owns, and AF_UNIX: socketpair exchanges
 * (stream, dgram, seqpacket), path and abstract names, listen/accept/connect, ECONNREFUSED,
 * EADDRINUSE, shutdown halves, MSG_PEEK, non-blocking EAGAIN, poll readiness, SO_PEERCRED and
 * SCM_RIGHTS to a forked child. Socket paths are relative to the test's temp dir; abstract
 * names carry the pid so parallel runs do not collide.
 */
#include "ut.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* An address in no mapping (the compiler cannot see through it). */
static void *volatile bad_ptr = (void *)8;

static socklen_t un_path(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* An abstract name: "\0keel-ut-<pid>-<tag>", without a trailing NUL. */
static socklen_t un_abstract(struct sockaddr_un *a, const char *tag)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "keel-ut-%d-%s", getpid(), tag);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static void sock_bad_args(void)
{
	int p[2], s;
	char b[4];

	CHECK_ERR(socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 99), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_UNIX, SOCK_STREAM | 0x1000, 0), EINVAL);
	CHECK_ERR(send(12345, "x", 1, 0), EBADF);
	CHECK_ERR(listen(-1, 1), EBADF);
	CHECK(pipe(p) == 0);
	CHECK_ERR(send(p[1], "x", 1, 0), ENOTSOCK);
	CHECK_ERR(recv(p[0], b, 1, MSG_DONTWAIT), ENOTSOCK);
	CHECK_ERR(shutdown(p[0], SHUT_RD), ENOTSOCK);
	CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, bad_ptr), EFAULT);
	CHECK((s = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0);
	CHECK_ERR(bind(s, bad_ptr, sizeof(struct sockaddr_un)), EFAULT);
	CHECK_ERR(bind(s, (struct sockaddr *)b, -1), EINVAL);
	CHECK_ERR(bind(s, (struct sockaddr *)b, 129), EINVAL);
	CHECK_ERR(shutdown(s, 7), EINVAL);
	close(p[0]);
	close(p[1]);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, p) == 0);
	CHECK_ERR(send(p[0], bad_ptr, 10, 0), EFAULT);
	CHECK_EQ(send(p[0], "abc", 3, 0), 3);
	CHECK_ERR(recv(p[1], bad_ptr, 10, 0), EFAULT);
	close(p[0]);
	close(p[1]);
	close(s);
}

static void sock_options(void)
{
	struct timeval tv = { 0, 50000 }, got;
	socklen_t len = sizeof(int);
	int s, v = 0;
	char b[4];
	int64_t t0;

	CHECK((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0);
	CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
	CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len) == 0);
	CHECK_EQ(v, SOCK_DGRAM);
	CHECK_EQ(len, sizeof(int));
	CHECK(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0);
	CHECK_EQ(v, AF_UNIX);
	CHECK_ERR(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, 4), EINVAL);
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	len = sizeof(got);
	CHECK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0);
	CHECK(len == sizeof(got) && got.tv_sec == 0);
	CHECK(got.tv_usec >= 50000 && got.tv_usec < 60000);	/* Linux rounds to ticks */
	CHECK(bind(s, (struct sockaddr *)&(struct sockaddr_un){ .sun_family = AF_UNIX },
		   sizeof(sa_family_t)) == 0);	/* autobind: recv needs no peer */
	t0 = ut_now_ns();
	CHECK_ERR(recv(s, b, sizeof(b), 0), EAGAIN);	/* the timeout */
	CHECK(ut_now_ns() - t0 >= 40 * 1000000LL);
	CHECK_ERR(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, bad_ptr), EFAULT);
	close(s);
}

static void sock_pair_stream(void)
{
	int sv[2];
	char b[64];
	struct iovec iov[2] = { { b, 3 }, { b + 10, 20 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK_EQ(write(sv[0], "hello", 5), 5);
	CHECK_EQ(send(sv[0], " world", 6, 0), 6);
	CHECK_EQ(recv(sv[1], b, 2, MSG_PEEK), 2);
	CHECK(!memcmp(b, "he", 2));
	CHECK_EQ(recvmsg(sv[1], &mh, 0), 11);		/* stream: the pieces join */
	CHECK(!memcmp(b, "hel", 3) && !memcmp(b + 10, "lo world", 8));
	CHECK_ERR(recv(sv[1], b, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_EQ(write(sv[1], "back", 4), 4);
	CHECK_EQ(read(sv[0], b, sizeof(b)), 4);
	CHECK(!memcmp(b, "back", 4));
	close(sv[1]);
	CHECK_EQ(read(sv[0], b, sizeof(b)), 0);	/* EOF */
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(send(sv[0], "x", 1, 0), EPIPE);
	close(sv[0]);
}

static void sock_pair_dgram(void)
{
	int sv[2], n = 0;
	char b[64];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK_EQ(send(sv[0], "one", 3, 0), 3);
	CHECK_EQ(send(sv[0], "second", 6, 0), 6);
	CHECK_EQ(send(sv[0], "", 0, 0), 0);
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(recv(sv[1], b, 2, MSG_PEEK | MSG_TRUNC), 3);
	CHECK_EQ(recv(sv[1], b, sizeof(b), 0), 3);	/* message boundaries kept */
	CHECK_EQ(recv(sv[1], b, 2, 0), 2);		/* the rest of "second" is dropped */
	CHECK(!memcmp(b, "se", 2));
	CHECK_EQ(recv(sv[1], b, sizeof(b), 0), 0);	/* the empty datagram */
	CHECK_ERR(recv(sv[1], b, sizeof(b), MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

static void sock_pair_seqpacket(void)
{
	int sv[2];
	char b[64];
	struct iovec iov = { b, 4 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK_EQ(send(sv[0], "abcdef", 6, 0), 6);
	CHECK_EQ(send(sv[0], "xy", 2, 0), 2);
	CHECK_EQ(recvmsg(sv[1], &mh, 0), 4);
	CHECK(mh.msg_flags & MSG_TRUNC);
	CHECK_EQ(recv(sv[1], b, sizeof(b), 0), 2);
	CHECK(!memcmp(b, "xy", 2));
	close(sv[0]);
	CHECK_EQ(recv(sv[1], b, sizeof(b), 0), 0);
	close(sv[1]);
}

/* Listener l at a; a client connects, sends, and the accepted end answers. */
static void connect_accept(int l, struct sockaddr_un *a, socklen_t alen)
{
	struct sockaddr_un peer;
	socklen_t plen = sizeof(peer);
	int c, s;
	char b[16];

	CHECK(listen(l, 4) == 0);
	CHECK((c = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(connect(c, (struct sockaddr *)a, alen) == 0);
	CHECK_EQ(write(c, "ping", 4), 4);		/* before accept: waits in the queue */
	CHECK((s = accept(l, (struct sockaddr *)&peer, &plen)) >= 0);
	CHECK_EQ(plen, sizeof(sa_family_t));		/* the client is unbound */
	CHECK_EQ(read(s, b, sizeof(b)), 4);
	CHECK(!memcmp(b, "ping", 4));
	plen = sizeof(peer);
	CHECK(getsockname(s, (struct sockaddr *)&peer, &plen) == 0);
	CHECK_EQ(plen, alen);
	CHECK(!memcmp(&peer, a, alen));
	plen = sizeof(peer);
	CHECK(getpeername(c, (struct sockaddr *)&peer, &plen) == 0);
	CHECK(plen == alen && !memcmp(&peer, a, alen));
	CHECK_EQ(write(s, "pong", 4), 4);
	CHECK_EQ(read(c, b, sizeof(b)), 4);
	CHECK(!memcmp(b, "pong", 4));
	CHECK_ERR(connect(c, (struct sockaddr *)a, alen), EISCONN);
	close(s);
	close(c);
}

static void sock_unix_path(void)
{
	struct sockaddr_un a;
	struct sockaddr_un a2;
	socklen_t alen = un_path(&a, "sock_unix_path.s"), alen2;
	struct stat st;
	int l, l2, d;

	unlink(a.sun_path);
	CHECK((l = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK_ERR(connect(l, (struct sockaddr *)&a, alen), ENOENT);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0);
	CHECK(stat(a.sun_path, &st) == 0 && S_ISSOCK(st.st_mode));
	CHECK_ERR(bind(l, (struct sockaddr *)&a, alen), EADDRINUSE);	/* the node exists */
	alen2 = un_path(&a2, "sock_unix_path.t");
	CHECK_ERR(bind(l, (struct sockaddr *)&a2, alen2), EINVAL);	/* already bound */
	CHECK_ERR(stat(a2.sun_path, &st), ENOENT);			/* and not left behind */
	CHECK((l2 = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK_ERR(bind(l2, (struct sockaddr *)&a, alen), EADDRINUSE);
	CHECK_ERR(connect(l2, (struct sockaddr *)&a, alen), ECONNREFUSED);	/* no listen */
	connect_accept(l, &a, alen);
	CHECK((d = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0);
	CHECK_ERR(connect(d, (struct sockaddr *)&a, alen), EPROTOTYPE);	/* a stream socket */
	close(d);
	close(l);
	CHECK_ERR(connect(l2, (struct sockaddr *)&a, alen), ECONNREFUSED);	/* gone */
	CHECK_ERR(open(a.sun_path, O_RDWR), ENXIO);
	CHECK(unlink(a.sun_path) == 0);
	close(l2);
}

static void sock_unix_abstract(void)
{
	struct sockaddr_un a;
	socklen_t alen = un_abstract(&a, "abs");
	int l, l2, d;

	CHECK((l = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0);
	CHECK((l2 = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK_ERR(bind(l2, (struct sockaddr *)&a, alen), EADDRINUSE);
	CHECK((d = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0);
	CHECK_ERR(connect(d, (struct sockaddr *)&a, alen), ECONNREFUSED);	/* not listening */
	connect_accept(l, &a, alen);
	CHECK_ERR(connect(d, (struct sockaddr *)&a, alen), ECONNREFUSED);	/* other type */
	close(l);
	CHECK(bind(l2, (struct sockaddr *)&a, alen) == 0);	/* the name is free again */
	close(l2);
	close(d);
}

static void sock_unix_dgram_named(void)
{
	struct sockaddr_un a, b, from;
	socklen_t alen = un_abstract(&a, "dga"), blen = un_abstract(&b, "dgb");
	socklen_t flen = sizeof(from);
	int x, y;
	char buf[16];

	CHECK((x = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0);
	CHECK((y = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0);
	CHECK(bind(x, (struct sockaddr *)&a, alen) == 0);
	CHECK(bind(y, (struct sockaddr *)&b, blen) == 0);
	CHECK_ERR(send(y, "n", 1, 0), ENOTCONN);
	CHECK_EQ(sendto(y, "hi", 2, 0, (struct sockaddr *)&a, alen), 2);
	CHECK_EQ(recvfrom(x, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 2);
	CHECK(flen == blen && !memcmp(&from, &b, blen));
	CHECK(connect(x, (struct sockaddr *)&b, blen) == 0);
	CHECK_EQ(send(x, "re", 2, 0), 2);
	CHECK_EQ(recv(y, buf, sizeof(buf), 0), 2);
	close(y);
	CHECK_ERR(send(x, "re", 2, 0), ECONNREFUSED);		/* the peer is gone */
	close(x);
}

static void sock_unix_shutdown(void)
{
	int sv[2];
	char b[8];
	struct pollfd pf;

	signal(SIGPIPE, SIG_IGN);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pf = (struct pollfd){ sv[1], POLLIN | POLLOUT, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLOUT);
	CHECK_EQ(write(sv[0], "ab", 2), 2);
	CHECK(shutdown(sv[0], SHUT_WR) == 0);
	CHECK_ERR(write(sv[0], "c", 1), EPIPE);
	CHECK_EQ(read(sv[1], b, sizeof(b)), 2);		/* queued data, then EOF */
	CHECK_EQ(read(sv[1], b, sizeof(b)), 0);
	CHECK_EQ(write(sv[1], "up", 2), 2);		/* the other half still works */
	CHECK_EQ(read(sv[0], b, sizeof(b)), 2);
	CHECK(shutdown(sv[1], SHUT_RD) == 0);
	CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	pf = (struct pollfd){ sv[1], POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK(!(pf.revents & POLLHUP));			/* its sending half is still open */
	CHECK(shutdown(sv[1], SHUT_WR) == 0);
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK(pf.revents & POLLHUP);			/* both halves of sv[1] are shut */
	pf = (struct pollfd){ sv[0], POLLOUT, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);			/* a write fails at once: ready */
	close(sv[0]);
	close(sv[1]);
	CHECK((sv[0] = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	pf = (struct pollfd){ sv[0], POLLIN | POLLOUT, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLOUT | POLLHUP);	/* not connected yet, as Linux */
	close(sv[0]);
}

static void sigpipe_child(void *arg)
{
	int *sv = arg;

	signal(SIGPIPE, SIG_DFL);
	send(sv[0], "x", 1, 0);
}

static void sock_unix_sigpipe(void)
{
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[1]);
	ut_expect_signal(sigpipe_child, sv, SIGPIPE, "send to a closed peer");
	close(sv[0]);
}

static void sock_unix_nonblock(void)
{
	struct sockaddr_un a;
	socklen_t alen = un_abstract(&a, "nb");
	int l, sv[2], n = 0;
	char b[4096];
	struct pollfd pf;

	CHECK((l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) >= 0);
	CHECK(fcntl(l, F_GETFL) & O_NONBLOCK);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0);
	CHECK(listen(l, 1) == 0);
	CHECK_ERR(accept(l, NULL, NULL), EAGAIN);
	CHECK_ERR(syscall(SYS_accept4, l, NULL, NULL, 0x1234), EINVAL);	/* not libc's fallback */
	close(l);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK_ERR(read(sv[0], b, sizeof(b)), EAGAIN);
	memset(b, 'z', sizeof(b));
	for (int i = 0; i < 100000; i++) {		/* fill the peer's buffer */
		ssize_t r = write(sv[0], b, sizeof(b));

		if (r < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		n += (int)r;
	}
	CHECK(n > 0);
	pf = (struct pollfd){ sv[0], POLLOUT, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 0);			/* full: not writable */
	pf = (struct pollfd){ sv[1], POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);
	close(sv[0]);
	close(sv[1]);
}

static void sock_unix_peercred(void)
{
	int sv[2];
	struct ucred c;
	socklen_t len = sizeof(c);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &c, &len) == 0);
	CHECK_EQ(len, sizeof(c));
	CHECK_EQ(c.pid, getpid());
	CHECK_EQ(c.uid, getuid());
	close(sv[0]);
	close(sv[1]);
}

/* The child receives a pipe's read end over the socket and reads through it. */
static void rights_child(void *arg)
{
	int s = *(int *)arg, fd;
	char data[4], ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	char b[16];

	CHECK_EQ(recvmsg(s, &mh, MSG_CMSG_CLOEXEC), 2);
	cm = CMSG_FIRSTHDR(&mh);
	CHECK(cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS);
	CHECK_EQ(cm->cmsg_len, CMSG_LEN(sizeof(int)));
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(read(fd, b, sizeof(b)), 5);
	CHECK(!memcmp(b, "piped", 5));
	CHECK_EQ(write(s, "ok", 2), 2);
}

static void sock_unix_scm_rights(void)
{
	int sv[2], p[2], st;
	char ctl[CMSG_SPACE(sizeof(int))], b[4];
	struct iovec iov = { "fd", 2 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm = (struct cmsghdr *)ctl;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(p) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		close(sv[0]);
		close(p[0]);
		close(p[1]);
		rights_child(&sv[1]);
		_exit(0);
	}
	memset(ctl, 0, sizeof(ctl));
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	CHECK_EQ(sendmsg(sv[0], &mh, 0), 2);
	close(p[0]);					/* only the child's copy is left */
	CHECK_EQ(write(p[1], "piped", 5), 5);
	CHECK_EQ(read(sv[0], b, sizeof(b)), 2);
	CHECK(!memcmp(b, "ok", 2));
	st = ut_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	memcpy(CMSG_DATA(cm), &(int){ 9999 }, sizeof(int));
	CHECK_ERR(sendmsg(sv[0], &mh, 0), EBADF);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void sock_unix_msg_errors(void)
{
	int sv[2];
	struct iovec iov = { "x", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1025 };

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	/* The raw syscall: libc copies the header itself. */
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &mh, 0), EMSGSIZE);
	mh.msg_iovlen = 1;
	mh.msg_iov = bad_ptr;
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &mh, 0), EFAULT);
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], bad_ptr, 0), EFAULT);
	CHECK_ERR(syscall(SYS_recvmsg, sv[1], bad_ptr, 0), EFAULT);
	close(sv[0]);
	close(sv[1]);
}

#define BULK	(1024 * 1024)

/* Connects to the listener at arg after a pause and streams BULK bytes of a pattern. */
static void bulk_client(void *arg)
{
	struct sockaddr_un *a = arg;
	static char buf[BULK];
	int c;

	ut_sleep_ms(50);			/* the parent is in poll/accept by then */
	CHECK((c = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(connect(c, (struct sockaddr *)a,
		      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1))
	      == 0);
	for (int i = 0; i < BULK; i++)
		buf[i] = (char)(i * 7 + i / 4096);
	CHECK_EQ(write(c, buf, BULK), BULK);	/* more than the buffer: blocks for room */
	close(c);
}

static void sock_unix_blocking(void)
{
	struct sockaddr_un a;
	socklen_t alen = un_path(&a, "sock_unix_blocking.s");
	static char buf[BULK];
	struct pollfd pf;
	int l, s, st;
	pid_t pid;
	ssize_t got = 0, r;

	unlink(a.sun_path);
	CHECK((l = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0);
	CHECK(listen(l, 1) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		bulk_client(&a);
		_exit(0);
	}
	pf = (struct pollfd){ l, POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 5000), 1);		/* woken by the connect */
	CHECK(pf.revents & POLLIN);
	CHECK((s = accept(l, NULL, NULL)) >= 0);
	ut_sleep_ms(20);				/* let the writer fill the buffer */
	CHECK_EQ(recv(s, buf, 1000, MSG_WAITALL), 1000);
	got = 1000;
	while ((r = read(s, buf + got, BULK - (size_t)got)) > 0)
		got += r;
	CHECK_EQ(r, 0);
	CHECK_EQ(got, BULK);
	for (int i = 0; i < BULK; i++)
		if (buf[i] != (char)(i * 7 + i / 4096))
			FAIL("byte %d differs", i);
	st = ut_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(s);
	close(l);
	unlink(a.sun_path);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void sock_unix_eintr(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	int sv[2];
	char b[4];
	pid_t pid;

	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {				/* interrupts the parent's recv */
		ut_sleep_ms(50);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	CHECK_ERR(recv(sv[0], b, sizeof(b), 0), EINTR);
	ut_wait(pid);
	close(sv[0]);
	close(sv[1]);
}

static void sock_unix_seqpacket_accept(void)
{
	struct sockaddr_un a;
	socklen_t alen = un_abstract(&a, "seq");
	int l, c, s;
	char b[16];

	CHECK((l = socket(AF_UNIX, SOCK_SEQPACKET, 0)) >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0);
	CHECK(listen(l, 2) == 0);
	CHECK((c = socket(AF_UNIX, SOCK_SEQPACKET, 0)) >= 0);
	CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), ENOTCONN);
	CHECK(connect(c, (struct sockaddr *)&a, alen) == 0);
	CHECK((s = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0);
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
	CHECK_ERR(recv(s, b, sizeof(b), 0), EAGAIN);
	CHECK_EQ(send(c, "abc", 3, 0), 3);
	CHECK_EQ(send(c, "de", 2, 0), 2);
	CHECK_EQ(read(s, b, sizeof(b)), 3);		/* one record per read */
	CHECK_EQ(read(s, b, sizeof(b)), 2);
	close(c);
	CHECK_EQ(read(s, b, sizeof(b)), 0);
	close(s);
	close(l);
}

static void sock_unix_dgram_limits(void)
{
	int sv[2];
	static char big[300 * 1024];
	char b[8];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK_ERR(send(sv[0], big, sizeof(big), 0), EMSGSIZE);
	CHECK_EQ(write(sv[0], "via write", 9), 9);
	CHECK_EQ(read(sv[1], b, sizeof(b)), 8);		/* read(2) truncates a datagram too */
	CHECK_ERR(recv(sv[1], b, sizeof(b), MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

/* Sends fds[0..n) over s with one byte. */
static void send_fds(int s, const int *fds, int n)
{
	char ctl[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { "f", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = CMSG_SPACE((size_t)n * sizeof(int)) };
	struct cmsghdr *cm = (struct cmsghdr *)ctl;

	memset(ctl, 0, sizeof(ctl));
	cm->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cm), fds, (size_t)n * sizeof(int));
	CHECK_EQ(sendmsg(s, &mh, 0), 1);
}

static void sock_unix_scm_truncated(void)
{
	int sv[2], p[2], fd;
	char b[4], ctl[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = CMSG_LEN(sizeof(int)) };	/* room for one */
	struct cmsghdr *cm;

	signal(SIGPIPE, SIG_IGN);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(pipe(p) == 0);
	send_fds(sv[0], (int[]){ p[0], p[0] }, 2);
	CHECK_EQ(recvmsg(sv[1], &mh, 0), 1);
	CHECK(mh.msg_flags & MSG_CTRUNC);
	CHECK_EQ(mh.msg_controllen, CMSG_LEN(sizeof(int)));
	cm = CMSG_FIRSTHDR(&mh);
	CHECK(cm && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)));
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	CHECK(fd != p[0] && fcntl(fd, F_GETFD) == 0);
	close(fd);
	send_fds(sv[0], &p[0], 1);
	close(p[0]);
	CHECK_EQ(recv(sv[1], b, sizeof(b), 0), 1);	/* no room: the fd is dropped */
	CHECK_ERR(write(p[1], "x", 1), EPIPE);		/* so no reader is left */
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

/* Each socketpair's end travels inside the next pair's queue; closing everything frees the
 * chain (one socket's release frees the next) without recursing through it. */
static void sock_unix_scm_chain(void)
{
	int prev[2], cur[2];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, prev) == 0);
	for (int i = 0; i < 200; i++) {
		CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, cur) == 0);
		send_fds(cur[0], prev, 2);
		close(prev[0]);
		close(prev[1]);
		prev[0] = cur[0];
		prev[1] = cur[1];
	}
	close(prev[0]);
	close(prev[1]);
}

/* Garbage arguments to every socket syscall on fds of every kind: errnos, never a crash or
 * a hang (every socket here is non-blocking). Families are limited to AF_UNIX and numbers no
 * one has, so nothing leaves the machine; no '/' in the garbage, so paths stay in the temp dir. */
static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void sock_garbage(void)
{
	static const long nrs[] = { SYS_socket, SYS_socketpair, SYS_bind, SYS_listen, SYS_accept,
		SYS_accept4, SYS_connect, SYS_sendto, SYS_recvfrom, SYS_sendmsg, SYS_recvmsg,
		SYS_shutdown, SYS_getsockname, SYS_getpeername, SYS_setsockopt, SYS_getsockopt };
	static unsigned char buf[8192];
	long pool[24];
	int fds[6], base, sv[2], p[2], n = 0, st;

	signal(SIGPIPE, SIG_IGN);
	CHECK((base = dup(0)) >= 0);
	close(base);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)rnd();
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	fds[0] = sv[0];
	fds[1] = sv[1];
	CHECK((fds[2] = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0)) >= 0);
	CHECK((fds[3] = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0)) >= 0);
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	fds[4] = p[0];
	fds[5] = -1;
	long fixed[] = { 0, 1, 2, 5, 8, 16, 110, 128, 129, -1, 0x7fffffff, 4096, 1025,
			 (long)buf, (long)buf + 4000, (long)buf + 8190, (long)0xffff800000000000ull,
			 0x00007ffffffff000L, AF_UNIX, SOL_SOCKET, MSG_DONTWAIT | MSG_PEEK };
	memcpy(pool, fixed, sizeof(fixed));
	for (int i = 0; i < 3000; i++) {
		long a[6];

		for (int j = 0; j < 6; j++)
			a[j] = pool[rnd() % (sizeof(fixed) / sizeof(fixed[0]))];
		a[0] = fds[rnd() % 6];
		if (rnd() % 4 == 0)		/* a socket() family that reaches no network */
			a[0] = (long[]){ AF_UNIX, 0, 46, 12345, -1 }[rnd() % 5];
		if (rnd() % 8 == 0)		/* structured garbage inside the buffer */
			memcpy(buf + (rnd() % 64) * 8, &pool[rnd() % 21], sizeof(long));
		for (size_t k = 0; k < sizeof(buf); k++)
			if (buf[k] == '/')
				buf[k] = 'x';
		if (syscall(nrs[rnd() % (sizeof(nrs) / sizeof(nrs[0]))], a[0], a[1], a[2], a[3], a[4],
			    a[5]) >= 0)
			n++;
		for (int fd = base; fd < base + 64; fd++) {	/* what the calls made */
			int keep = 0;

			for (int k = 0; k < 6; k++)
				keep |= fd == fds[k] || fd == p[1];
			if (!keep)
				close(fd);
		}
	}
	ut_note("%d of 3000 garbage calls succeeded", n);
	CHECK((st = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);	/* still working */
	close(st);
	for (int k = 0; k < 5; k++)
		close(fds[k]);
	close(p[1]);
}

/* Closing with unread data, or a listener with an unaccepted connection, resets the peer:
 * ECONNRESET once (and in SO_ERROR), then end-of-file, as Linux. */
static void sock_unix_reset(void)
{
	struct sockaddr_un a;
	socklen_t alen = un_abstract(&a, "rst"), len = sizeof(int);
	int sv[2], l, c, e = -1;
	char b[4];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK_EQ(write(sv[0], "lost", 4), 4);
	close(sv[1]);					/* with "lost" unread */
	CHECK_ERR(recv(sv[0], b, sizeof(b), 0), ECONNRESET);
	CHECK_EQ(recv(sv[0], b, sizeof(b), 0), 0);
	close(sv[0]);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[1]);					/* nothing unread: a clean EOF */
	CHECK_EQ(recv(sv[0], b, sizeof(b), 0), 0);
	close(sv[0]);
	CHECK((l = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0);
	CHECK(listen(l, 1) == 0);
	CHECK((c = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(connect(c, (struct sockaddr *)&a, alen) == 0);
	close(l);					/* never accepted */
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &len) == 0);
	CHECK_EQ(e, ECONNRESET);
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &len) == 0);
	CHECK_EQ(e, 0);					/* reported once */
	CHECK_EQ(recv(c, b, sizeof(b), 0), 0);
	close(c);
}

/* A receiver's queue is bounded by what its messages cost, headers included: one-byte
 * writes and many datagrams reach EAGAIN long before they could exhaust memory. */
static void sock_unix_queue_bounds(void)
{
	static char big[64 * 1024];
	int sv[2], n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	for (n = 0; n < 1000000 && write(sv[0], "x", 1) == 1; n++)
		;
	CHECK_EQ(errno, EAGAIN);
	ut_note("%d one-byte writes fit", n);
	CHECK(n > 0 && n < 20000);
	close(sv[0]);
	close(sv[1]);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	for (n = 0; n < 10000 && send(sv[0], big, sizeof(big), MSG_DONTWAIT) > 0; n++)
		;
	CHECK_EQ(errno, EAGAIN);
	ut_note("%d 64 KiB datagrams fit", n);
	CHECK(n > 0 && n < 64);
	close(sv[0]);
	close(sv[1]);
}

const struct ut_test ut_sock_tests[] = {
	{ "sock_bad_args", sock_bad_args, 0 },
	{ "sock_options", sock_options, 0 },
	{ "sock_pair_stream", sock_pair_stream, 0 },
	{ "sock_pair_dgram", sock_pair_dgram, 0 },
	{ "sock_pair_seqpacket", sock_pair_seqpacket, 0 },
	{ "sock_unix_path", sock_unix_path, 0 },
	{ "sock_unix_abstract", sock_unix_abstract, 0 },
	{ "sock_unix_dgram_named", sock_unix_dgram_named, 0 },
	{ "sock_unix_shutdown", sock_unix_shutdown, 0 },
	{ "sock_unix_sigpipe", sock_unix_sigpipe, 0 },
	{ "sock_unix_nonblock", sock_unix_nonblock, 0 },
	{ "sock_unix_peercred", sock_unix_peercred, 0 },
	{ "sock_unix_scm_rights", sock_unix_scm_rights, 0 },
	{ "sock_unix_msg_errors", sock_unix_msg_errors, 0 },
	{ "sock_unix_scm_truncated", sock_unix_scm_truncated, 0 },
	{ "sock_unix_scm_chain", sock_unix_scm_chain, 0 },
	{ "sock_unix_reset", sock_unix_reset, 0 },
	{ "sock_unix_queue_bounds", sock_unix_queue_bounds, 0 },
	{ "sock_garbage", sock_garbage, 0 },
	{ "sock_unix_blocking", sock_unix_blocking, 0 },
	{ "sock_unix_eintr", sock_unix_eintr, 0 },
	{ "sock_unix_seqpacket_accept", sock_unix_seqpacket_accept, 0 },
	{ "sock_unix_dgram_limits", sock_unix_dgram_limits, 0 },
	{ NULL, NULL, 0 }
};
