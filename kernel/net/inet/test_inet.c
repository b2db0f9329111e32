/*
 * net/inet/test_inet.c — ktests of AF_INET sockets over lwIP's loopback (127.0.0.1), through
 * the same protocol operations the socket system calls use, with kernel buffers.
 */
#include "internal.h"
#include <keel/ktest.h>
#include <keel/net.h>
#include <keel/heap.h>
#include <keel/sched.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/vfs.h>
#include <lwip/opt.h>

#define TIMEO		(10 * 1000 * 1000 * 1000ULL)	/* no test step waits longer */
#define CHUNK		(16 * 1024)
#define XFER_BYTES	(2u * 1024 * 1024)

static ip_addr_t loopback(void)
{
	ip_addr_t a;

	IP_ADDR4(&a, 127, 0, 0, 1);
	return a;
}

static int k_create(int type, int proto, struct inet_sock **out)
{
	int r;

	net_lock();
	r = inet_create(type, proto, out);
	net_unlock();
	return r;
}

static void k_close(struct inet_sock *isk)
{
	net_lock();
	inet_proto_of(isk)->release(isk);
	net_unlock();
}

static int k_bind(struct inet_sock *isk, uint16_t port)
{
	ip_addr_t a = loopback();
	int r;

	net_lock();
	r = inet_proto_of(isk)->bind(isk, &a, port);
	net_unlock();
	return r;
}

static int k_connect(struct inet_sock *isk, uint16_t port, bool nonblock)
{
	ip_addr_t a = loopback();
	int r;

	net_lock();
	r = inet_proto_of(isk)->connect(isk, &a, port, false, nonblock);
	net_unlock();
	return r;
}

static ssize_t k_send(struct inet_sock *isk, const void *buf, size_t n, const ip_addr_t *to,
		      uint16_t port)
{
	return inet_ksend(isk, buf, n, to, port, TIMEO);
}

static ssize_t k_recv(struct inet_sock *isk, void *buf, size_t n, unsigned flags,
		      struct sockaddr_in *from, unsigned *mflags)
{
	return inet_krecv(isk, buf, n, flags, from, mflags, TIMEO);
}

/* ---- the byte stream: xorshift bytes, FNV-1a over what arrives ---- */

static void fill(uint8_t *b, size_t n, uint64_t *state)
{
	for (size_t i = 0; i < n; i++) {
		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		b[i] = (uint8_t)*state;
	}
}

static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t stream_sum(uint64_t seed, size_t total)
{
	uint8_t *b = kmalloc(CHUNK);
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t done = 0; done < total; done += CHUNK) {
		fill(b, MIN((size_t)CHUNK, total - done), &seed);
		h = fnv(h, b, MIN((size_t)CHUNK, total - done));
	}
	kfree(b);
	return h;
}

/* Sends total bytes of seed's stream; 0 or the first error. */
static ssize_t send_stream(struct inet_sock *isk, uint64_t seed, size_t total)
{
	uint8_t *b = kmalloc(CHUNK);
	ssize_t r = 0;

	for (size_t done = 0; done < total && r >= 0; done += CHUNK) {
		size_t n = MIN((size_t)CHUNK, total - done);

		fill(b, n, &seed);
		r = k_send(isk, b, n, NULL, 0);
		if (r >= 0 && (size_t)r != n)
			r = -EIO;
	}
	kfree(b);
	return r < 0 ? r : 0;
}

/* Receives total bytes into an FNV sum; the sum, with *err set on a short stream. */
static uint64_t recv_stream(struct inet_sock *isk, size_t total, ssize_t *err)
{
	uint8_t *b = kmalloc(CHUNK);
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t done = 0;

	*err = 0;
	while (done < total) {
		ssize_t r = k_recv(isk, b, MIN((size_t)CHUNK, total - done), 0, NULL, NULL);

		if (r <= 0) {
			*err = r ? r : -ENODATA;
			break;
		}
		h = fnv(h, b, (size_t)r);
		done += (size_t)r;
	}
	kfree(b);
	return h;
}

struct server {
	struct inet_sock *listener;
	uint64_t got_sum;
	ssize_t err;
	int accept_err;
};

/* Accepts one connection, reads the client's stream, answers with stream 2, then waits for
 * the client's FIN. */
static int server_main(void *arg)
{
	struct server *s = arg;
	struct inet_sock *c;
	uint8_t b[1];

	net_lock();
	s->accept_err = inet_tcp_proto.accept(s->listener, &c, false, TIMEO);
	net_unlock();
	if (s->accept_err)
		return 0;
	s->got_sum = recv_stream(c, XFER_BYTES, &s->err);
	if (!s->err)
		s->err = send_stream(c, 2, XFER_BYTES);
	if (!s->err && k_recv(c, b, 1, 0, NULL, NULL) != 0)
		s->err = -EIO;
	k_close(c);
	return 0;
}

KTEST(inet_tcp_loopback_transfers_both_ways_with_checksum)
{
	struct server s = { 0 };
	struct inet_sock *l, *c;
	struct thread *th;
	ip_addr_t ip;
	uint16_t port;
	ssize_t err;
	uint64_t sum;

	KT_EQ(k_create(SOCK_STREAM, 0, &l), 0);
	KT_EQ(k_bind(l, 5001), 0);
	net_lock();
	KT_EQ(inet_tcp_proto.listen(l, 4), 0);
	net_unlock();
	s.listener = l;
	th = thread_create("ktest-tcp-server", server_main, &s);
	KT_ASSERT(th, "no server thread");
	KT_EQ(k_create(SOCK_STREAM, IPPROTO_TCP, &c), 0);
	KT_EQ(k_connect(c, 5001, false), 0);
	net_lock();
	KT_EQ(inet_tcp_proto.getname(c, &ip, &port, true), 0);
	net_unlock();
	KT_EQ(port, 5001);
	KT_EQ(ip4_addr_get_u32(ip_2_ip4(&ip)), lwip_htonl(0x7f000001));
	KT_EQ(send_stream(c, 1, XFER_BYTES), 0);
	sum = recv_stream(c, XFER_BYTES, &err);
	KT_EQ(err, 0);
	k_close(c);
	thread_join(th);
	k_close(l);
	KT_EQ(s.accept_err, 0);
	KT_EQ(s.err, 0);
	KT_EQ(s.got_sum, stream_sum(1, XFER_BYTES));
	KT_EQ(sum, stream_sum(2, XFER_BYTES));
}

KTEST(inet_tcp_connect_to_closed_port_is_refused)
{
	struct inet_sock *c;

	KT_EQ(k_create(SOCK_STREAM, 0, &c), 0);
	KT_EQ(k_connect(c, 5002, false), -ECONNREFUSED);
	k_close(c);
}

KTEST(inet_tcp_nonblocking_connect_reports_progress_then_result)
{
	struct inet_sock *l, *c, *refused;
	uint64_t t0 = time_ns();

	KT_EQ(k_create(SOCK_STREAM, 0, &l), 0);
	KT_EQ(k_bind(l, 5003), 0);
	net_lock();
	KT_EQ(inet_tcp_proto.listen(l, 1), 0);
	net_unlock();
	KT_EQ(k_create(SOCK_STREAM, 0, &c), 0);
	KT_EQ(k_connect(c, 5003, true), -EINPROGRESS);
	KT_EQ(k_create(SOCK_STREAM, 0, &refused), 0);
	KT_EQ(k_connect(refused, 5004, true), -EINPROGRESS);
	while ((!(inet_tcp_proto.poll(c) & POLLOUT) || !(inet_tcp_proto.poll(refused) & POLLERR)) &&
	       time_ns() - t0 < TIMEO)
		sched_sleep_ns(1000 * 1000);
	KT_ASSERT(inet_tcp_proto.poll(c) & POLLOUT, "connected socket not writable");
	KT_ASSERT(inet_tcp_proto.poll(refused) & POLLERR, "refused socket shows no error");
	net_lock();
	KT_EQ(inet_take_err(c), 0);
	KT_EQ(inet_take_err(refused), ECONNREFUSED);
	KT_EQ(inet_tcp_proto.connect(c, &(ip_addr_t){ 0 }, 5003, false, true), -EISCONN);
	net_unlock();
	k_close(refused);
	k_close(c);
	k_close(l);
}

KTEST(inet_tcp_bind_conflict_is_eaddrinuse)
{
	struct inet_sock *a, *b;

	KT_EQ(k_create(SOCK_STREAM, 0, &a), 0);
	KT_EQ(k_create(SOCK_STREAM, 0, &b), 0);
	KT_EQ(k_bind(a, 5005), 0);
	KT_EQ(k_bind(b, 5005), -EADDRINUSE);
	k_close(b);
	k_close(a);
}

KTEST(inet_udp_loopback_echo_and_truncation)
{
	static const char msg[] = "keel udp echo";
	struct inet_sock *srv, *cli;
	struct sockaddr_in from;
	ip_addr_t lo = loopback(), peer;
	unsigned mflags = 0;
	char buf[64];
	ssize_t n;

	KT_EQ(k_create(SOCK_DGRAM, 0, &srv), 0);
	KT_EQ(k_create(SOCK_DGRAM, IPPROTO_UDP, &cli), 0);
	KT_EQ(k_bind(srv, 5006), 0);
	KT_EQ(k_bind(srv, 5007), -EINVAL);
	KT_EQ(k_send(cli, msg, sizeof(msg), &lo, 5006), sizeof(msg));
	n = k_recv(srv, buf, sizeof(buf), 0, &from, &mflags);
	KT_EQ(n, sizeof(msg));
	KT_ASSERT(!memcmp(buf, msg, sizeof(msg)), "datagram changed in flight");
	KT_EQ(from.sin_family, AF_INET);
	KT_EQ(from.sin_addr, lwip_htonl(0x7f000001));
	ip_addr_set_ip4_u32(&peer, from.sin_addr);
	KT_EQ(k_send(srv, buf, (size_t)n, &peer, lwip_ntohs(from.sin_port)), n);
	memset(buf, 0, sizeof(buf));
	KT_EQ(k_recv(cli, buf, 4, MSG_PEEK, NULL, &mflags), 4);
	KT_ASSERT(mflags & MSG_TRUNC, "short read of a datagram without MSG_TRUNC");
	mflags = 0;
	KT_EQ(k_recv(cli, buf, sizeof(buf), MSG_DONTWAIT, NULL, &mflags), sizeof(msg));
	KT_ASSERT(!memcmp(buf, msg, sizeof(msg)), "echo differs");
	KT_EQ(mflags, 0);
	KT_EQ(k_recv(cli, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), -EAGAIN);
	k_close(cli);
	k_close(srv);
}

/* The text of a /proc file, NUL-terminated, into buf. */
static bool read_proc(const char *path, char *buf, size_t n)
{
	struct file *f;
	size_t got = 0;
	ssize_t r = 0;

	if (vfs_open(NULL, path, O_RDONLY, 0, &f))
		return false;
	while (got < n - 1 && (r = file_read(f, buf + got, n - 1 - got)) > 0)
		got += (size_t)r;
	buf[got] = 0;
	file_put(f);
	return r >= 0;
}

KTEST(inet_proc_net_tcp_and_udp_list_sockets_in_linux_format)
{
	struct inet_sock *l, *u;
	char *buf = kmalloc(8192);
	bool tcp_ok, udp_ok, tcp_read, udp_read;

	KT_ASSERT(buf, "no buffer");
	KT_EQ(k_create(SOCK_STREAM, 0, &l), 0);
	KT_EQ(k_create(SOCK_DGRAM, 0, &u), 0);
	KT_EQ(k_bind(l, 5010), 0);
	KT_EQ(k_bind(u, 5011), 0);
	net_lock();
	KT_EQ(inet_tcp_proto.listen(l, 1), 0);
	net_unlock();
	tcp_read = read_proc("/proc/net/tcp", buf, 8192);
	tcp_ok = tcp_read && strstr(buf, "local_address") &&
		 strstr(buf, ": 0100007F:1392 00000000:0000 0A 00000000:00000000");
	udp_read = read_proc("/proc/net/udp", buf, 8192);
	udp_ok = udp_read && strstr(buf, ": 0100007F:1393 00000000:0000 07 00000000:00000000");
	k_close(u);
	k_close(l);
	kfree(buf);
	KT_ASSERT(tcp_read && udp_read, "cannot read /proc/net/tcp or /proc/net/udp");
	KT_ASSERT(tcp_ok, "/proc/net/tcp has no LISTEN line for 127.0.0.1:5010");
	KT_ASSERT(udp_ok, "/proc/net/udp has no line for 127.0.0.1:5011");
}

static int k_getint(struct inet_sock *isk, int level, int name)
{
	int v = -12345;
	size_t len = sizeof(v);

	net_lock();
	if (inet_getsockopt(isk, level, name, &v, &len) < 0 || len != sizeof(v))
		v = -12345;
	net_unlock();
	return v;
}

static int k_setint(struct inet_sock *isk, int level, int name, int v)
{
	int r;

	net_lock();
	r = inet_setsockopt(isk, level, name, &v, sizeof(v));
	net_unlock();
	return r;
}

KTEST(inet_socket_options_set_and_read_back)
{
	struct inet_sock *c, *l;

	KT_EQ(k_create(SOCK_STREAM, 0, &l), 0);
	KT_EQ(k_create(SOCK_STREAM, 0, &c), 0);
	KT_EQ(k_setint(l, SOL_SOCKET, 2 /* SO_REUSEADDR */, 1), 0);
	KT_EQ(k_getint(l, SOL_SOCKET, 2), 1);
	KT_EQ(k_bind(l, 5012), 0);
	net_lock();
	KT_EQ(inet_tcp_proto.listen(l, 1), 0);
	net_unlock();
	KT_EQ(k_connect(c, 5012, false), 0);
	KT_EQ(k_getint(c, IPPROTO_TCP, 1 /* TCP_NODELAY */), 0);
	KT_EQ(k_setint(c, IPPROTO_TCP, 1, 1), 0);
	KT_EQ(k_getint(c, IPPROTO_TCP, 1), 1);
	KT_EQ(k_setint(c, SOL_SOCKET, 9 /* SO_KEEPALIVE */, 1), 0);
	KT_EQ(k_getint(c, SOL_SOCKET, 9), 1);
	KT_EQ(k_setint(c, SOL_SOCKET, 8 /* SO_RCVBUF */, 10000), 0);
	KT_EQ(k_getint(c, SOL_SOCKET, 8), 20000);
	KT_EQ(k_getint(c, 0, 2 /* IP_TTL */), 64);
	KT_EQ(k_setint(c, 0, 2, 7), 0);
	KT_EQ(k_getint(c, 0, 2), 7);
	KT_EQ(k_setint(c, 0, 2, 256), -EINVAL);
	KT_EQ(k_setint(c, SOL_SOCKET, 999, 1), -ENOPROTOOPT);
	KT_EQ(k_getint(c, SOL_SOCKET, 4 /* SO_ERROR */), 0);
	k_close(c);
	k_close(l);
	KT_EQ(k_create(SOCK_STREAM, 0, &c), 0);
	KT_EQ(k_connect(c, 5013, true), -EINPROGRESS);
	for (int i = 0; i < 1000 && !(inet_tcp_proto.poll(c) & POLLERR); i++)
		sched_sleep_ns(1000 * 1000);
	KT_EQ(k_getint(c, SOL_SOCKET, 4), ECONNREFUSED);
	KT_EQ(k_getint(c, SOL_SOCKET, 4), 0);
	k_close(c);
}

KTEST(inet_udp_flood_to_a_socket_that_does_not_read_is_bounded_by_rcvbuf)
{
	struct inet_sock *srv, *cli;
	ip_addr_t lo = loopback();
	unsigned got = 0;
	char b[4];

	KT_EQ(k_create(SOCK_DGRAM, 0, &srv), 0);
	KT_EQ(k_create(SOCK_DGRAM, 0, &cli), 0);
	KT_EQ(k_bind(srv, 5014), 0);
	KT_EQ(k_setint(srv, SOL_SOCKET, 8 /* SO_RCVBUF */, 4096), 0);	/* 8192: 5 buffers */
	for (int i = 0; i < 200; i++)
		KT_EQ(k_send(cli, "x", 1, &lo, 5014), 1);
	/* Loopback delivers in tcpip_thread, which a loaded host may not run for a while: wait
	 * (bounded) for the first datagram, then a little for the rest to be queued or dropped. */
	for (int i = 0; i < 200 && !(inet_udp_proto.poll(srv) & POLLIN); i++)
		sched_sleep_ns(10 * 1000 * 1000);
	sched_sleep_ns(50 * 1000 * 1000);
	while (got < 200 && inet_krecv(srv, b, sizeof(b), MSG_DONTWAIT, NULL, NULL, 0) == 1)
		got++;
	k_close(cli);
	k_close(srv);
	KT_ASSERT(got >= 1 && got <= 8192 / PBUF_POOL_BUFSIZE,
		  "%u of 200 datagrams queued under an 8192-byte SO_RCVBUF", got);
}
