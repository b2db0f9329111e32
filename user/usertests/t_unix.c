/*
 * user/usertests/t_unix.c — AF_UNIX sockets and the generic socket syscalls: stream, datagram
 * and seqpacket pairs, path and abstract names (autobind, EADDRINUSE, ECONNREFUSED), accept
 * and the backlog, SO_RCVTIMEO, sendmmsg/recvmmsg, and bad arguments (t_unix_msg.c has the
 * control messages, credentials, shutdown and nonblocking tests). Every expectation is
 * Linux's: the same binary passes on the host.
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

#define BAD_PTR ((void *)0x10)		/* never mapped */

/* A sockaddr_un for path (or an abstract name when abstract); returns its length. */
socklen_t un_addr(struct sockaddr_un *a, const char *name, bool abstract)
{
	size_t n = strlen(name);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract) {
		memcpy(a->sun_path + 1, name, n);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	}
	memcpy(a->sun_path, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

/* A listening socket of type bound to name; the abstract name carries the pid. */
int un_listen(int type, const char *name, bool abstract, struct sockaddr_un *a,
		     socklen_t *len)
{
	int fd = socket(AF_UNIX, type, 0);

	CHECK(fd >= 0);
	*len = un_addr(a, name, abstract);
	CHECK(bind(fd, (struct sockaddr *)a, *len) == 0);
	CHECK(listen(fd, 8) == 0);
	return fd;
}

int un_connect(int type, const struct sockaddr_un *a, socklen_t len)
{
	int fd = socket(AF_UNIX, type, 0);

	CHECK(fd >= 0);
	CHECK(connect(fd, (const struct sockaddr *)a, len) == 0);
	return fd;
}

static void stream_pair(void)
{
	int sv[2], v;
	char buf[16];
	struct stat st;
	socklen_t l = sizeof(v);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK_EQ(write(sv[0], "hello", 5), 5);
	CHECK_EQ(write(sv[0], "world", 5), 5);
	CHECK_EQ(read(sv[1], buf, 3), 3);		/* a byte stream: any cut */
	CHECK(memcmp(buf, "hel", 3) == 0);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 7);
	CHECK(memcmp(buf, "loworld", 7) == 0);
	CHECK_EQ(send(sv[1], "back", 4, 0), 4);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 4);
	CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode));
	CHECK_ERR(lseek(sv[0], 0, SEEK_SET), ESPIPE);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_STREAM);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &l) == 0 && v == AF_UNIX);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &l) == 0 && v == 0);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &l) == 0 && v == 0);
	int d = dup(sv[1]);				/* a dup shares the socket */
	close(sv[1]);
	CHECK_EQ(write(sv[0], "x", 1), 1);
	CHECK_EQ(read(d, buf, 1), 1);
	close(d);
	CHECK_EQ(read(sv[0], buf, 1), 0);		/* peer gone: end of file */
	close(sv[0]);
}

static void dgram_boundaries(void)
{
	int sv[2];
	char buf[64];
	struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
	struct msghdr mh = { 0 };

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK_EQ(send(sv[0], "one", 3, 0), 3);
	CHECK_EQ(send(sv[0], "", 0, 0), 0);
	CHECK_EQ(writev(sv[0], iov, 2), 5);		/* one datagram from two pieces */
	CHECK_EQ(send(sv[0], "truncated", 9, 0), 9);
	CHECK_EQ(send(sv[0], "whole-len", 9, 0), 9);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 3);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 0);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "abcde", 5) == 0);
	iov[0].iov_base = buf;
	iov[0].iov_len = 4;
	mh.msg_iov = iov;
	mh.msg_iovlen = 1;
	CHECK_EQ(recvmsg(sv[1], &mh, 0), 4);		/* the rest is dropped */
	CHECK(mh.msg_flags & MSG_TRUNC);
	CHECK_EQ(recv(sv[1], buf, 2, MSG_TRUNC), 9);	/* the real length */
	CHECK_ERR(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

static void seqpacket_accept(void)
{
	struct sockaddr_un a, peer;
	socklen_t len, pl = sizeof(peer);
	char buf[32];
	int l = un_listen(SOCK_SEQPACKET, "seq.sock", false, &a, &len), v;
	socklen_t vl = sizeof(v);
	int c = un_connect(SOCK_SEQPACKET, &a, len);

	CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) == 0 && v == 1);
	CHECK_EQ(send(c, "first", 5, 0), 5);		/* queued before the accept */
	CHECK_EQ(send(c, "second!", 7, 0), 7);
	int s = accept(l, (struct sockaddr *)&peer, &pl);
	CHECK(s >= 0);
	CHECK_EQ(pl, offsetof(struct sockaddr_un, sun_path));	/* the client is unbound */
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 5);
	CHECK_EQ(recv(s, buf, 3, 0), 3);		/* cut, the rest dropped */
	CHECK_EQ(send(s, "reply", 5, 0), 5);
	CHECK_EQ(recv(c, buf, sizeof(buf), 0), 5);
	pl = sizeof(peer);
	CHECK(getpeername(c, (struct sockaddr *)&peer, &pl) == 0);
	CHECK_EQ(pl, len);
	CHECK(strcmp(peer.sun_path, "seq.sock") == 0);
	close(c);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 0);	/* end of file */
	close(s);
	close(l);
	unlink("seq.sock");
}

static void path_names(void)
{
	struct sockaddr_un a, got;
	socklen_t len = un_addr(&a, "p.sock", false), gl = sizeof(got);
	int s = socket(AF_UNIX, SOCK_STREAM, 0), t = socket(AF_UNIX, SOCK_STREAM, 0);
	struct stat st;

	CHECK(s >= 0 && t >= 0);
	CHECK(bind(s, (struct sockaddr *)&a, len) == 0);
	CHECK(stat("p.sock", &st) == 0 && S_ISSOCK(st.st_mode));
	CHECK_ERR(open("p.sock", O_RDONLY), ENXIO);
	CHECK_ERR(bind(t, (struct sockaddr *)&a, len), EADDRINUSE);
	CHECK_ERR(bind(s, (struct sockaddr *)&a, len), EADDRINUSE);	/* the path is taken */
	len = un_addr(&got, "q.sock", false);
	CHECK_ERR(bind(s, (struct sockaddr *)&got, len), EINVAL);	/* already bound */
	CHECK_ERR(access("q.sock", F_OK), ENOENT);			/* and left no node */
	CHECK(bind(s, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path)) == 0);
	len = un_addr(&a, "p.sock", false);
	CHECK(getsockname(s, (struct sockaddr *)&got, &gl) == 0);
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + strlen("p.sock") + 1);
	CHECK(strcmp(got.sun_path, "p.sock") == 0);
	CHECK_ERR(connect(t, (struct sockaddr *)&a, len), ECONNREFUSED);	/* not listening */
	close(s);
	CHECK_ERR(connect(t, (struct sockaddr *)&a, len), ECONNREFUSED);	/* stale file */
	CHECK(unlink("p.sock") == 0);
	CHECK_ERR(connect(t, (struct sockaddr *)&a, len), ENOENT);
	ut_write_file("plain", "x", 1, 0644);
	len = un_addr(&a, "plain", false);
	CHECK_ERR(connect(t, (struct sockaddr *)&a, len), ECONNREFUSED);	/* not a socket */
	CHECK_ERR(bind(t, (struct sockaddr *)&a, len), EADDRINUSE);
	close(t);
}

static void abstract_names(void)
{
	struct sockaddr_un a, got;
	socklen_t len, gl = sizeof(got);
	char name[32];
	snprintf(name, sizeof(name), "keel-ut-%d", (int)getpid());
	int l = un_listen(SOCK_STREAM, name, true, &a, &len);
	int c = un_connect(SOCK_STREAM, &a, len), s = accept(l, NULL, NULL);
	char buf[4];

	CHECK(s >= 0);
	CHECK(getsockname(l, (struct sockaddr *)&got, &gl) == 0);
	CHECK_EQ(gl, len);
	CHECK(got.sun_path[0] == 0 && memcmp(got.sun_path + 1, name, strlen(name)) == 0);
	CHECK_ERR(access(name, F_OK), ENOENT);		/* no file anywhere */
	CHECK_EQ(write(c, "abc", 3), 3);
	CHECK_EQ(read(s, buf, sizeof(buf)), 3);
	int t = socket(AF_UNIX, SOCK_DGRAM, 0);		/* autobind: "\0XXXXX" */
	CHECK(bind(t, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path)) == 0);
	gl = sizeof(got);
	CHECK(getsockname(t, (struct sockaddr *)&got, &gl) == 0);
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + 6);
	CHECK(got.sun_path[0] == 0);
	name[0] = 'X';					/* a name nobody has */
	len = un_addr(&a, name, true);
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(connect(u, (struct sockaddr *)&a, len), ECONNREFUSED);
	close(u);
	close(t);
	close(c);
	close(s);
	close(l);
}

static void dgram_named(void)
{
	struct sockaddr_un a, b, from;
	socklen_t al = un_addr(&a, "dg.a", false), bl = un_addr(&b, "dg.b", false);
	socklen_t fl = sizeof(from);
	int x = socket(AF_UNIX, SOCK_DGRAM, 0), y = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[8];

	CHECK(bind(x, (struct sockaddr *)&a, al) == 0 && bind(y, (struct sockaddr *)&b, bl) == 0);
	CHECK_EQ(sendto(x, "hi", 2, 0, (struct sockaddr *)&b, bl), 2);
	CHECK_EQ(recvfrom(y, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 2);
	CHECK_EQ(fl, al);
	CHECK(strcmp(from.sun_path, "dg.a") == 0);
	CHECK_ERR(send(x, "no", 2, 0), ENOTCONN);
	CHECK(connect(x, (struct sockaddr *)&b, bl) == 0);
	CHECK_EQ(send(x, "yo", 2, 0), 2);
	CHECK_EQ(recv(y, buf, sizeof(buf), 0), 2);
	close(y);
	CHECK_ERR(send(x, "gone", 4, 0), ECONNREFUSED);
	close(x);
	unlink("dg.a");
	unlink("dg.b");
}

short poll1(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };

	CHECK(poll(&p, 1, 0) >= 0);
	return p.revents;
}

static void listen_backlog(void)
{
	struct sockaddr_un a;
	socklen_t len = un_addr(&a, "bl.sock", false);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), c[8], n = 0;

	CHECK(bind(l, (struct sockaddr *)&a, len) == 0 && listen(l, 2) == 0);
	CHECK_ERR(accept(l, NULL, NULL), EAGAIN);
	CHECK(!(poll1(l, POLLIN) & POLLIN));
	for (n = 0; n < 8; n++) {
		c[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(c[n], (struct sockaddr *)&a, len) < 0) {
			CHECK_EQ(errno, EAGAIN);
			close(c[n]);
			break;
		}
	}
	CHECK_EQ(n, 3);					/* Linux queues backlog + 1 */
	CHECK(poll1(l, POLLIN) & POLLIN);
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK(s >= 0 && fcntl(s, F_GETFD) == FD_CLOEXEC);
	CHECK(!(fcntl(s, F_GETFL) & O_NONBLOCK));	/* not inherited from the listener */
	close(s);
	close(l);					/* the unaccepted ones are reset */
	char b;
	CHECK_ERR(read(c[1], &b, 1), ECONNRESET);
	CHECK_EQ(read(c[1], &b, 1), 0);
	for (int i = 0; i < n; i++)
		close(c[i]);
	unlink("bl.sock");
}

static void rcvtimeo(void)
{
	int sv[2];
	struct timeval tv = { 0, 100000 }, got;
	socklen_t l = sizeof(got);
	char b;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &l) == 0);
	CHECK(l == sizeof(got) && got.tv_sec == 0 && got.tv_usec == 100000);
	int64_t t0 = ut_now_ns();
	CHECK_ERR(recv(sv[0], &b, 1, 0), EAGAIN);
	CHECK(ut_now_ns() - t0 >= 90000000);
	tv.tv_usec = 1000000;
	CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), EDOM);
	CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 4), EINVAL);
	close(sv[0]);
	close(sv[1]);
}

static void bad_arguments(void)
{
	int sv[2], p[2], v;
	struct sockaddr_un a;
	socklen_t len = un_addr(&a, "bad.sock", false), l;
	struct iovec iov = { BAD_PTR, 4 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	char buf[8];

	CHECK_ERR(socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(socket(-1, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(socket(AF_UNIX, SOCK_STREAM | 0x10000, 0), EINVAL);
	CHECK_ERR(socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
	int raw = socket(AF_UNIX, SOCK_RAW, 0);		/* Linux's alias of SOCK_DGRAM */
	l = sizeof(v);
	CHECK(raw >= 0 && getsockopt(raw, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_DGRAM);
	close(raw);
	CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
	CHECK(pipe(p) == 0);
	CHECK_ERR(bind(p[0], (struct sockaddr *)&a, len), ENOTSOCK);
	CHECK_ERR(syscall(SYS_getsockopt, p[0], SOL_SOCKET, SO_TYPE, &v, &l), ENOTSOCK);
	CHECK_ERR(listen(p[0], 1), ENOTSOCK);
	CHECK_ERR(bind(-1, (struct sockaddr *)&a, len), EBADF);
	CHECK_ERR(send(4000, "x", 1, 0), EBADF);
	CHECK_ERR(syscall(SYS_accept4, 4000, 0, 0, 0), EBADF);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK_ERR(syscall(SYS_accept4, sv[0], 0, 0, 0x1), EINVAL);
	CHECK_ERR(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BAD_PTR), EFAULT);
	CHECK_ERR(syscall(SYS_bind, sv[0], BAD_PTR, 10), EFAULT);
	CHECK_ERR(syscall(SYS_bind, sv[0], &a, 200), EINVAL);
	CHECK_ERR(syscall(SYS_bind, sv[0], &a, 1), EINVAL);
	CHECK_ERR(syscall(SYS_bind, sv[0], &a, -1), EINVAL);
	CHECK_ERR(syscall(SYS_connect, sv[0], &a, 1), EINVAL);
	CHECK_ERR(listen(sv[0], 1), EOPNOTSUPP);	/* datagram */
	CHECK_ERR(syscall(SYS_getsockname, sv[0], &a, BAD_PTR), EFAULT);
	l = (socklen_t)-1;
	CHECK_ERR(syscall(SYS_getsockname, sv[0], &a, &l), EINVAL);
	l = sizeof(a);
	CHECK_ERR(syscall(SYS_getsockname, sv[0], BAD_PTR, &l), EFAULT);
	CHECK_ERR(syscall(SYS_sendto, sv[0], BAD_PTR, 4, 0, 0, 0), EFAULT);
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], BAD_PTR, 0), EFAULT);
	CHECK_ERR(sendmsg(sv[0], &mh, 0), EFAULT);
	iov.iov_base = buf;
	iov.iov_len = (size_t)-1;
	CHECK_ERR(sendmsg(sv[0], &mh, 0), EINVAL);
	iov.iov_len = 1;
	mh.msg_iovlen = 1025;
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &mh, 0), EMSGSIZE);
	CHECK_ERR(syscall(SYS_recvmsg, sv[0], &mh, MSG_DONTWAIT), EMSGSIZE);
	mh.msg_iovlen = 1;
	mh.msg_iov = BAD_PTR;
	CHECK_ERR(syscall(SYS_recvmsg, sv[0], &mh, MSG_DONTWAIT), EFAULT);
	CHECK_EQ(send(sv[1], "data", 4, 0), 4);
	CHECK_ERR(syscall(SYS_recvfrom, sv[0], buf, 4, 0, &a, BAD_PTR), EFAULT);
	CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, 9999, &v, &l), ENOPROTOOPT);
	CHECK_ERR(syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &v, BAD_PTR), EFAULT);
	CHECK_ERR(syscall(SYS_setsockopt, sv[0], SOL_SOCKET, SO_RCVTIMEO, BAD_PTR, 16), EFAULT);
	CHECK_ERR(getpeername(p[0], (struct sockaddr *)&a, &l), ENOTSOCK);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	l = sizeof(a);
	CHECK_ERR(getpeername(s, (struct sockaddr *)&a, &l), ENOTCONN);
	CHECK_ERR(send(s, "x", 1, MSG_NOSIGNAL), ENOTCONN);
	CHECK_ERR(accept(s, NULL, NULL), EINVAL);	/* not listening */
	CHECK_ERR(listen(s, 1), EINVAL);		/* not bound */
	close(s);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

static void mmsg(void)
{
	int sv[2];
	char a[4], b[4];
	struct iovec iov[2] = { { "one", 3 }, { "four", 4 } };
	struct mmsghdr m[2] = { { .msg_hdr = { .msg_iov = &iov[0], .msg_iovlen = 1 } },
				{ .msg_hdr = { .msg_iov = &iov[1], .msg_iovlen = 1 } } };

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK_EQ(sendmmsg(sv[0], m, 2, 0), 2);
	CHECK(m[0].msg_len == 3 && m[1].msg_len == 4);
	iov[0].iov_base = a;
	iov[1].iov_base = b;
	iov[0].iov_len = iov[1].iov_len = 4;
	CHECK_EQ(recvmmsg(sv[1], m, 2, MSG_DONTWAIT, NULL), 2);
	CHECK(m[0].msg_len == 3 && m[1].msg_len == 4 && memcmp(b, "four", 4) == 0);
	CHECK_EQ(recvmmsg(sv[1], m, 2, MSG_DONTWAIT, NULL), -1);
	CHECK_EQ(errno, EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

const struct ut_test ut_unix_tests[] = {
	{ "unix_stream_pair", stream_pair, 0 },
	{ "unix_dgram_boundaries", dgram_boundaries, 0 },
	{ "unix_seqpacket_accept", seqpacket_accept, 0 },
	{ "unix_path_names", path_names, 0 },
	{ "unix_abstract_names", abstract_names, 0 },
	{ "unix_dgram_named", dgram_named, 0 },
	{ "unix_listen_backlog", listen_backlog, 0 },
	{ "unix_rcvtimeo", rcvtimeo, 0 },
	{ "unix_bad_arguments", bad_arguments, 0 },
	{ "unix_mmsg", mmsg, 0 },
	{ NULL, NULL, 0 }
};
