/*
 * net/inet/test_serve.c — host -> guest through QEMU's --hostfwd: keel serves an echo
 * protocol to many concurrent clients the harness starts on the host (tests/net_server.py
 * run_clients). The word `netserve=PORT,COUNT` asks for it: listen on PORT, answer COUNT
 * exchanges (a 4-byte big-endian length, then that many bytes, echoed back whole). All COUNT
 * connections are accepted first and stay open together, then each is answered in turn. Without the word there is
 * nothing to serve and the test says so.
 */
#include "internal.h"
#include <keel/cmdline.h>
#include <keel/heap.h>
#include <keel/ktest.h>
#include <keel/log.h>
#include <keel/net.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <keel/time.h>

#define SERVE_TIMEO	(60 * 1000 * 1000 * 1000ULL)
#define SERVE_MAX_LEN	(64 * 1024)

static struct {
	uint64_t port, count;
	bool set;
} serve;

static int set_netserve(const char *v)
{
	const char *comma = v ? strchr(v, ',') : NULL;
	char port[8];

	if (!comma || comma - v >= (long)sizeof(port) || comma == v)
		return -EINVAL;
	memcpy(port, v, (size_t)(comma - v));
	port[comma - v] = 0;
	if (!parse_u64(port, &serve.port) || !serve.port || serve.port > 65535 ||
	    !parse_u64(comma + 1, &serve.count) || !serve.count || serve.count > 10000)
		return -EINVAL;
	serve.set = true;
	return 0;
}
CMDLINE_PARAM("netserve", set_netserve, "netserve=PORT,COUNT");

/* Exactly n bytes, or -errno (-EIO: the peer ended early). */
static ssize_t recv_all(struct inet_sock *s, uint8_t *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t r = inet_krecv(s, buf + done, n - done, 0, NULL, NULL, SERVE_TIMEO);

		if (r <= 0)
			return r ? r : -EIO;
		done += (size_t)r;
	}
	return (ssize_t)n;
}

/* One client's exchange on an accepted connection; 0 or -errno. */
static ssize_t echo_one(struct inet_sock *c, uint8_t *buf)
{
	uint8_t hdr[4];
	size_t len;
	ssize_t r;

	if ((r = recv_all(c, hdr, 4)) < 0)
		return r;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len > SERVE_MAX_LEN)
		return -EMSGSIZE;
	if ((r = recv_all(c, buf, len)) < 0)
		return r;
	r = inet_ksend(c, buf, len, NULL, 0, SERVE_TIMEO);
	if (r != (ssize_t)len)
		return r < 0 ? r : -EIO;
	/* The client closes once it has the echo: its EOF proves the bytes left QEMU's slirp
	 * (a guest that powers off right after sending would race slirp's flush to the host). */
	r = inet_krecv(c, hdr, 1, 0, NULL, NULL, SERVE_TIMEO);
	return r == 0 ? 0 : r < 0 ? r : -EIO;
}

/* Accepts n connections on l into c[]; the count accepted (fewer: *err says why). */
static uint64_t accept_all(struct inet_sock *l, struct inet_sock **c, uint64_t n, ssize_t *err)
{
	uint64_t got = 0;

	while (got < n) {
		net_lock();
		*err = inet_tcp_proto.accept(l, &c[got], false, SERVE_TIMEO);
		net_unlock();
		if (*err)
			break;
		got++;
	}
	return got;
}

static void release(struct inet_sock *s)
{
	net_lock();
	inet_tcp_proto.release(s);
	net_unlock();
}

/* Every client is connected at once before any is answered: COUNT established connections
 * hold their requests in keel's receive queues together, then each is echoed in turn. */
KTEST(inet_hostfwd_serves_concurrent_clients)
{
	struct inet_sock *l, **c;
	uint8_t *buf;
	ip_addr_t any = IPADDR4_INIT(0);
	uint64_t got, done = 0, t0 = time_ns(), t1;
	ssize_t err;

	if (!serve.set)
		KT_SKIP("no netserve= word: no clients to serve");
	buf = kmalloc(SERVE_MAX_LEN);
	c = kmalloc(serve.count * sizeof(*c));
	KT_ASSERT(buf && c, "no buffer");
	net_lock();
	err = inet_create(SOCK_STREAM, 0, &l);
	if (!err && !(err = inet_tcp_proto.bind(l, &any, (uint16_t)serve.port)))
		err = inet_tcp_proto.listen(l, 255);
	net_unlock();
	if (err) {
		kfree(buf);
		kfree(c);
		KT_ASSERT(false, "listen on port %lu: error %ld", serve.port, err);
	}
	pr_info("ktest: serving %lu echo exchanges on port %lu\n", serve.count, serve.port);
	got = accept_all(l, c, serve.count, &err);
	t1 = time_ns();
	pr_info("ktest: %lu connections open at once after %lu ms\n", got, (t1 - t0) / 1000000);
	for (uint64_t i = 0; i < got; i++) {
		ssize_t e = err ? 0 : echo_one(c[i], buf);

		if (e && !err)
			err = e;
		done += !e && !err;
		release(c[i]);
	}
	release(l);
	kfree(buf);
	kfree(c);
	KT_ASSERT(!err, "%lu accepted, %lu served: error %ld", got, done, err);
	pr_info("ktest: served %lu echo exchanges in %lu ms\n", done, (time_ns() - t1) / 1000000);
}
