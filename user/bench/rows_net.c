/*
 * user/bench/rows_net.c — the TCP/IP stack over loopback (docs/net.md), the same binary on keel
 * (lwIP) and Linux: a TCP and a UDP round trip of one byte between two processes, a TCP
 * connect + accept + close, and a TCP stream. Loopback, because the Linux guest of make bench
 * has no NIC driver in its initramfs: the rows measure the stack and the socket calls, not a
 * driver. Each repetition makes its sockets outside the timed part.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NET_PORT	18090
#define STREAM_CHUNK	(64 * 1024)

static struct sockaddr_in loopback(void)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(NET_PORT),
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

const char *bench_lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	const char *why = NULL;

	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		why = fail_errno("SIOCGIFFLAGS lo");
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			why = fail_errno("SIOCSIFFLAGS lo");
	}
	if (s >= 0)
		close(s);
	return why;
}

static int listener(int type)
{
	struct sockaddr_in sa = loopback();
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 128))) {
		close(fd);
		return -1;
	}
	return fd;
}

int bench_dial(int type, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		if (type == SOCK_STREAM)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/* A child that echoes every byte on fd (TCP: the accepted connection; UDP: to the sender). */
static pid_t echo_child(int lfd, int type)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	int fd = type == SOCK_STREAM ? accept(lfd, NULL, NULL) : lfd, one = 1;
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	char c;

	if (type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (recvfrom(fd, &c, 1, 0, (struct sockaddr *)&from, &len) == 1)
		if (sendto(fd, &c, 1, 0, type == SOCK_STREAM ? NULL : (struct sockaddr *)&from,
			   type == SOCK_STREAM ? 0 : len) != 1)
			break;
	_exit(0);
}

static void end_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* What a repetition made: the peer process (-1: none), a connection and a listener (-1: none). */
static void release(pid_t child, int fd, int lfd)
{
	if (child > 0)
		end_child(child);
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
}

static const char *roundtrips(long *n, uint64_t *ticks, int type)
{
	const char *why = bench_lo_up();
	int lfd = why ? -1 : listener(type), fd = -1;
	pid_t child = -1;
	long i;
	char c = 'x';

	if (!why && lfd < 0)
		why = fail_errno("listen");
	if (!why && (child = echo_child(lfd, type)) < 0)
		why = fail_errno("fork");
	if (!why && (fd = bench_dial(type, NET_PORT)) < 0)
		why = fail_errno("connect");
	uint64_t t0 = rdtsc();
	BENCH_LOOP(i, *n) {
		if (why || send(fd, &c, 1, 0) != 1 || recv(fd, &c, 1, 0) != 1) {
			why = why ? why : fail_errno("round trip");
			break;
		}
	}
	*ticks = rdtsc() - t0;
	*n = i;
	release(child, fd, lfd);
	return why;
}

static const char *row_tcp_rtt(long *n, uint64_t *t) { return roundtrips(n, t, SOCK_STREAM); }
static const char *row_udp_rtt(long *n, uint64_t *t) { return roundtrips(n, t, SOCK_DGRAM); }

/* connect + accept + close of both ends, one process (the listener's queue does the rest). */
static const char *row_tcp_connect(long *n, uint64_t *ticks)
{
	const char *why = bench_lo_up();
	int lfd = why ? -1 : listener(SOCK_STREAM);
	long i;

	if (!why && lfd < 0)
		why = fail_errno("listen");
	uint64_t t0 = rdtsc();
	BENCH_LOOP(i, *n) {
		int c = why ? -1 : bench_dial(SOCK_STREAM, NET_PORT);
		int a = c < 0 ? -1 : accept(lfd, NULL, NULL);

		if (c >= 0)
			close(c);
		if (a >= 0)
			close(a);
		if (!why && (c < 0 || a < 0)) {
			why = fail_errno("connect/accept");
			break;
		}
	}
	*ticks = rdtsc() - t0;
	*n = i;
	if (lfd >= 0)
		close(lfd);
	return why;
}

/* A child writes 64 KiB chunks; the parent reads: ns per 64 KiB (MB/s = 65536e3 / it). */
static const char *row_tcp_stream(long *n, uint64_t *ticks)
{
	static char buf[STREAM_CHUNK];
	const char *why = bench_lo_up();
	int lfd = why ? -1 : listener(SOCK_STREAM), fd = -1;
	pid_t child = -1;
	long i;

	if (!why && lfd < 0)
		why = fail_errno("listen");
	if (!why && (child = fork()) == 0) {
		int s = bench_dial(SOCK_STREAM, NET_PORT);

		while (s >= 0 && send(s, buf, sizeof(buf), MSG_NOSIGNAL) > 0)
			;
		_exit(0);
	}
	if (!why && (fd = accept(lfd, NULL, NULL)) < 0)
		why = fail_errno("accept");
	uint64_t t0 = rdtsc();
	BENCH_LOOP(i, *n) {
		size_t got = 0;
		ssize_t r = 0;

		while (!why && got < sizeof(buf) && (r = recv(fd, buf, sizeof(buf) - got, 0)) > 0)
			got += r;
		if (why || r <= 0) {
			why = why ? why : "the stream ended early";
			break;
		}
	}
	*ticks = rdtsc() - t0;
	*n = i;
	release(child, fd, lfd);
	return why;
}

const struct bench_row bench_rows_net[] = {
	{ "tcp_rtt", "TCP round trip of 1 byte over loopback, 2 processes (TCP_NODELAY)", 4000, 1,
	  row_tcp_rtt },
	{ "udp_rtt", "UDP round trip of 1 byte over loopback, 2 processes", 4000, 1, row_udp_rtt },
	{ "tcp_connect", "TCP connect + accept + close of both ends over loopback", 1000, 1,
	  row_tcp_connect },
	{ "tcp_stream", "TCP stream over loopback, ns per 64 KiB received", 2000, 1,
	  row_tcp_stream },
	{ 0 }
};
