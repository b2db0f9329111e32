/*
 * net/inet/test_serve.c — host -> guest through QEMU's --hostfwd: keel serves an echo
 * protocol to many concurrent clients the harness starts on the host (tests/net_server.py
 * run_clients). The word `netserve=PORT,COUNT` asks for it: listen on PORT, answer COUNT
 * exchanges (a 4-byte big-endian length, then that many bytes, echoed back whole), one
 * connection after another, the rest waiting in the accept queue. Without the word there is
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

KTEST(inet_hostfwd_serves_concurrent_clients)
{
	struct inet_sock *l, *c;
	uint8_t *buf;
	ip_addr_t any = IPADDR4_INIT(0);
	uint64_t done = 0, t0 = time_ns();
	ssize_t err;

	if (!serve.set)
		KT_SKIP("no netserve= word: no clients to serve");
	buf = kmalloc(SERVE_MAX_LEN);
	KT_ASSERT(buf, "no buffer");
	net_lock();
	err = inet_create(SOCK_STREAM, 0, &l);
	if (!err && !(err = inet_tcp_proto.bind(l, &any, (uint16_t)serve.port)))
		err = inet_tcp_proto.listen(l, 255);
	net_unlock();
	if (err) {
		kfree(buf);
		KT_ASSERT(false, "listen on port %lu: error %ld", serve.port, err);
	}
	pr_info("ktest: serving %lu echo exchanges on port %lu\n", serve.count, serve.port);
	while (done < serve.count && !err) {
		net_lock();
		err = inet_tcp_proto.accept(l, &c, false, SERVE_TIMEO);
		net_unlock();
		if (err)
			break;
		err = echo_one(c, buf);
		net_lock();
		inet_tcp_proto.release(c);
		net_unlock();
		done += !err;
	}
	net_lock();
	inet_tcp_proto.release(l);
	net_unlock();
	kfree(buf);
	KT_ASSERT(!err, "after %lu exchanges: error %ld", done, err);
	pr_info("ktest: served %lu echo exchanges in %lu ms\n", done, (time_ns() - t0) / 1000000);
}
