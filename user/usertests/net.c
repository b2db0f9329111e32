/*
 * user/usertests/net.c — AF_INET sockets over 127.0.0.1: what keel's lwIP-based TCP/UDP must
 * do as Linux does (every test also passes on Linux). Ports are ephemeral (bind to port 0),
 * so runs never collide.
 */
#include "ut.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_in lo_addr(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	CHECK_EQ(a.sin_family, AF_INET);
	return ntohs(a.sin_port);
}

/* A listening TCP socket on 127.0.0.1 and an ephemeral port. */
static int listener(uint16_t *port)
{
	struct sockaddr_in a = lo_addr(0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(fd, 16) == 0);
	*port = port_of(fd);
	return fd;
}

/* A connected pair through a listener: *c the client, returns the accepted end. */
static int tcp_pair(int *c)
{
	uint16_t port;
	int l = listener(&port), s;
	struct sockaddr_in a = lo_addr(port);

	*c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(*c >= 0);
	CHECK(connect(*c, (struct sockaddr *)&a, sizeof(a)) == 0);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	close(l);
	return s;
}

/* A port nothing listens on: bound, then closed (never listened, so no TIME_WAIT). */
static uint16_t closed_port(void)
{
	struct sockaddr_in a = lo_addr(0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	port = port_of(fd);
	close(fd);
	return port;
}

static void bind_conflicts(void)
{
	struct sockaddr_in a = lo_addr(0);
	int t1 = socket(AF_INET, SOCK_STREAM, 0), t2 = socket(AF_INET, SOCK_STREAM, 0);
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(t1 >= 0 && t2 >= 0 && u1 >= 0 && u2 >= 0);
	CHECK(bind(t1, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(t1, 1) == 0);
	a.sin_port = htons(port_of(t1));
	CHECK_ERR(bind(t2, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	CHECK_ERR(bind(t1, (struct sockaddr *)&a, sizeof(a)), EINVAL);
	a.sin_port = 0;
	CHECK(bind(u1, (struct sockaddr *)&a, sizeof(a)) == 0);
	a.sin_port = htons(port_of(u1));
	CHECK_ERR(bind(u2, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	a.sin_addr.s_addr = htonl(0xc0000201);		/* 192.0.2.1: not ours */
	CHECK_ERR(bind(u2, (struct sockaddr *)&a, sizeof(a)), EADDRNOTAVAIL);
	close(t1);
	close(t2);
	close(u1);
	close(u2);
}

static void connect_refused(void)
{
	struct sockaddr_in a = lo_addr(closed_port());
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char c;

	CHECK(fd >= 0);
	CHECK_ERR(connect(fd, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);	/* Linux: never connected */
	CHECK_ERR(recv(fd, &c, 1, 0), ENOTCONN);
	CHECK_ERR(getpeername(fd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }), ENOTCONN);
	close(fd);
}

static void shutdown_halves(void)
{
	int c, s = tcp_pair(&c);
	char buf[16];

	CHECK(shutdown(c, SHUT_WR) == 0);
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);			/* half-closed: EOF */
	CHECK_EQ(write(s, "still", 5), 5);			/* the other half still works */
	CHECK_EQ(read(c, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "still", 5) == 0);
	CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK(shutdown(s, SHUT_WR) == 0);
	CHECK_EQ(read(c, buf, sizeof(buf)), 0);
	CHECK_ERR(shutdown(s, 7), EINVAL);
	close(c);
	close(s);
}

static void nonblocking_connect(void)
{
	uint16_t port;
	int l = listener(&port), fd, err = -1;
	struct sockaddr_in a = lo_addr(port);
	struct pollfd p;
	socklen_t len = sizeof(err);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(fd >= 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		CHECK(errno == EINPROGRESS);
	p = (struct pollfd){ fd, POLLOUT, 0 };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK(p.revents & POLLOUT);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
	CHECK_EQ(err, 0);
	close(fd);
	close(l);
	a = lo_addr(closed_port());
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno == EINPROGRESS) {
		p = (struct pollfd){ fd, POLLOUT, 0 };
		CHECK_EQ(poll(&p, 1, 5000), 1);
		CHECK(p.revents & (POLLERR | POLLHUP));
		CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
		CHECK_EQ(err, ECONNREFUSED);
	} else {
		CHECK(errno == ECONNREFUSED);
	}
	close(fd);
}

static void rcvtimeo(void)
{
	struct sockaddr_in a = lo_addr(0);
	struct timeval tv = { 0, 200 * 1000 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int64_t t0;
	char c;

	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	t0 = ut_now_ns();
	CHECK_ERR(recv(fd, &c, 1, 0), EAGAIN);
	CHECK(ut_now_ns() - t0 >= 150 * 1000000LL);
	CHECK(ut_now_ns() - t0 < 3000 * 1000000LL);
	close(fd);
}

static void udp_echo_peek_trunc(void)
{
	struct sockaddr_in a = lo_addr(0), from;
	socklen_t flen = sizeof(from);
	int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0), n = -1;
	char buf[64];

	CHECK(s >= 0 && c >= 0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0);
	a.sin_port = htons(port_of(s));
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK_EQ(send(c, "hello, udp", 10, 0), 10);
	CHECK_EQ(recv(s, buf, 5, MSG_PEEK), 5);
	CHECK(ioctl(s, FIONREAD, &n) == 0);
	CHECK_EQ(n, 10);
	CHECK_EQ(recv(s, buf, 4, MSG_TRUNC), 10);		/* the datagram's real length */
	CHECK_EQ(send(c, "again", 5, 0), 5);
	CHECK_EQ(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 5);
	CHECK_EQ(ntohs(from.sin_port), port_of(c));
	CHECK_EQ(sendto(s, buf, 5, 0, (struct sockaddr *)&from, flen), 5);
	CHECK_EQ(recv(c, buf, sizeof(buf), 0), 5);
	CHECK(memcmp(buf, "again", 5) == 0);
	CHECK_ERR(recv(c, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(s);
	close(c);
}

/* 1 MiB through one connection, written by a child, summed by the parent. */
static void stream_checksum(void)
{
	int c, s = tcp_pair(&c), st;
	uint32_t sum = 0, want = 0;
	static unsigned char buf[65536];
	size_t total = 0;
	ssize_t n;
	pid_t pid;

	for (size_t i = 0; i < (1u << 20); i++)
		want = want * 31 + (unsigned char)(i * 7 + (i >> 9));
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(s);
		for (size_t off = 0; off < (1u << 20); off += sizeof(buf)) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = (unsigned char)((off + i) * 7 + ((off + i) >> 9));
			if (write(c, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
				_exit(1);
		}
		_exit(0);
	}
	close(c);
	while ((n = read(s, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 31 + buf[i];
		total += (size_t)n;
	}
	CHECK_EQ(n, 0);
	st = ut_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ(total, 1u << 20);
	CHECK_EQ(sum, want);
	close(s);
}

static void many_sockets(void)
{
	enum { N = 40 };
	int c[N], s[N];
	char b;

	for (int i = 0; i < N; i++)
		s[i] = tcp_pair(&c[i]);
	for (int i = 0; i < N; i++)
		CHECK_EQ(write(c[i], &(char){ (char)i }, 1), 1);
	for (int i = 0; i < N; i++) {
		CHECK_EQ(read(s[i], &b, 1), 1);
		CHECK_EQ(b, (char)i);
		close(c[i]);
		close(s[i]);
	}
}

static void peer_reset_and_epipe(void)
{
	int c, s = tcp_pair(&c), one = 1;
	struct linger lg = { 1, 0 };
	char buf[8];

	CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	close(s);						/* linger 0: a reset */
	ut_sleep_ms(100);
	CHECK_ERR(recv(c, buf, sizeof(buf), 0), ECONNRESET);
	CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
	close(c);
}

/* Malformed arguments get Linux's errnos. */
static void bad_arguments(void)
{
	struct sockaddr_in a = lo_addr(0);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0), v = 0;
	socklen_t len = sizeof(v);

	CHECK(t >= 0 && u >= 0);
	CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	CHECK_ERR(bind(t, (struct sockaddr *)&a, 4), EINVAL);
	CHECK_ERR(bind(t, (struct sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	CHECK_ERR(connect(t, (struct sockaddr *)&a, 8), EINVAL);
	CHECK_ERR(listen(u, 1), EOPNOTSUPP);
	CHECK_ERR(accept(t, NULL, NULL), EINVAL);		/* not listening */
	CHECK_ERR(setsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &v, 2), EINVAL);
	CHECK_ERR(getsockopt(t, 9999, 1, &v, &len), EOPNOTSUPP);
	CHECK_ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&a, 3), EINVAL);
	CHECK_ERR(send(u, "x", 1, 0), EDESTADDRREQ);
	CHECK_ERR(shutdown(t, SHUT_RDWR), ENOTCONN);
	close(t);
	close(u);
}

const struct ut_test ut_net_tests[] = {
	{ "net_bad_arguments", bad_arguments, 0 },
	{ "net_bind_conflicts", bind_conflicts, 0 },
	{ "net_connect_refused", connect_refused, 0 },
	{ "net_shutdown_halves", shutdown_halves, 0 },
	{ "net_nonblocking_connect", nonblocking_connect, 0 },
	{ "net_rcvtimeo", rcvtimeo, 0 },
	{ "net_udp_echo_peek_trunc", udp_echo_peek_trunc, 0 },
	{ "net_stream_checksum", stream_checksum, 30 },
	{ "net_many_sockets", many_sockets, 30 },
	{ "net_peer_reset_and_epipe", peer_reset_and_epipe, 0 },
	{ NULL, NULL, 0 },
};
