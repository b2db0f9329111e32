/*
 * net/inet/test_host.c — a TCP and UDP exchange with a server on the host, for the run
 * tests/run_tests.py makes under QEMU's user networking (the guest reaches the host's
 * loopback at 10.0.2.2). The word `nethost=TCPPORT,UDPPORT,BYTES` names the harness's servers;
 * without it the test has nothing to talk to and says so.
 *
 * TCP protocol (the harness's side is tests/net_server.py): the guest sends an 8-byte
 * big-endian length N and N bytes; the host answers with the CRC-32 (zlib's) of what it got,
 * then a length M, M random bytes and their CRC-32. UDP: each datagram comes back unchanged.
 */
#include "internal.h"
#include <keel/cmdline.h>
#include <keel/ktest.h>
#include <keel/log.h>
#include <keel/net.h>
#include <keel/heap.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <keel/time.h>

#define HOST_TIMEO	(20 * 1000 * 1000 * 1000ULL)
#define UDP_TIMEO	(2 * 1000 * 1000 * 1000ULL)
#define HOST_CHUNK	(32 * 1024)

static struct {
	uint64_t tcp_port, udp_port, bytes;
	bool set;
} host;

static int set_nethost(const char *v)
{
	char buf[64];
	char *a, *b;

	if (!v || strlen(v) >= sizeof(buf))
		return -EINVAL;
	strlcpy(buf, v, sizeof(buf));
	if (!(a = strchr(buf, ',')) || !(b = strchr(a + 1, ',')))
		return -EINVAL;
	*a++ = 0;
	*b++ = 0;
	if (!parse_u64(buf, &host.tcp_port) || !parse_u64(a, &host.udp_port) ||
	    !parse_u64(b, &host.bytes) || !host.tcp_port || host.tcp_port > 65535 ||
	    !host.udp_port || host.udp_port > 65535)
		return -EINVAL;
	host.set = true;
	return 0;
}
CMDLINE_PARAM("nethost", set_nethost, "nethost=TCPPORT,UDPPORT,BYTES");

/* zlib's CRC-32 (reflected 0xedb88320), bytewise. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Exactly n bytes (TCP), or a datagram (UDP); -errno, or -EIO on an early end. */
static ssize_t io_recv(struct inet_sock *isk, void *buf, size_t n, bool all, uint64_t timeo)
{
	size_t done = 0;

	do {
		ssize_t r = inet_krecv(isk, (uint8_t *)buf + done, n - done, 0, NULL, NULL, timeo);

		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	} while (all && done < n);
	return (ssize_t)done;
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)be64((const uint8_t[8]){ 0, 0, 0, 0, b[0], b[1], b[2], b[3] });
}

/* Sends host.bytes of a counter pattern after its length; returns its CRC or sets *err. */
static uint32_t send_payload(struct inet_sock *s, uint8_t *buf, ssize_t *err)
{
	uint32_t crc = 0;
	uint8_t hdr[8];

	for (int i = 0; i < 8; i++)
		hdr[i] = (uint8_t)(host.bytes >> (56 - 8 * i));
	*err = inet_ksend(s, hdr, 8, NULL, 0, HOST_TIMEO);
	for (uint64_t done = 0; *err >= 0 && done < host.bytes; done += HOST_CHUNK) {
		size_t n = (size_t)MIN((uint64_t)HOST_CHUNK, host.bytes - done);

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)((done + i) * 7 + ((done + i) >> 12));
		crc = crc32_update(crc, buf, n);
		*err = inet_ksend(s, buf, n, NULL, 0, HOST_TIMEO);
	}
	*err = *err < 0 ? *err : 0;
	return crc;
}

/* Receives the host's length-prefixed answer; 0 when its CRC-32 trailer matches. */
static ssize_t recv_payload(struct inet_sock *s, uint8_t *buf, uint64_t *m)
{
	uint8_t hdr[8];
	uint32_t crc = 0;
	ssize_t err = io_recv(s, hdr, 8, true, HOST_TIMEO);

	*m = err >= 0 ? be64(hdr) : 0;
	for (uint64_t done = 0; err >= 0 && done < *m; done += (uint64_t)err) {
		err = io_recv(s, buf, (size_t)MIN((uint64_t)HOST_CHUNK, *m - done), false,
			      HOST_TIMEO);
		if (err > 0)
			crc = crc32_update(crc, buf, (size_t)err);
	}
	if (err >= 0)
		err = io_recv(s, hdr, 4, true, HOST_TIMEO);
	if (err < 0)
		return err;
	return be32(hdr) == crc ? 0 : -EIO;
}

/* The whole TCP exchange on a connected socket; 0, or the first error. */
static ssize_t tcp_exchange(struct inet_sock *s, uint8_t *buf, uint64_t *down)
{
	uint8_t hdr[4];
	ssize_t err;
	uint32_t crc = send_payload(s, buf, &err);

	if (err < 0 || (err = io_recv(s, hdr, 4, true, HOST_TIMEO)) < 0)
		return err;
	if (be32(hdr) != crc) {
		pr_err("ktest: host got CRC %#x, guest sent %#x\n", be32(hdr), crc);
		return -EIO;
	}
	return recv_payload(s, buf, down);
}

static ssize_t with_socket(int type, ssize_t (*fn)(struct inet_sock *, void *), void *arg)
{
	struct inet_sock *s;
	ssize_t err;

	net_lock();
	err = inet_create(type, 0, &s);
	net_unlock();
	if (err)
		return err;
	err = fn(s, arg);
	net_lock();
	inet_proto_of(s)->release(s);
	net_unlock();
	return err;
}

struct tcp_run {
	uint8_t *buf;
	uint64_t down, ms;
};

static ssize_t tcp_run(struct inet_sock *s, void *arg)
{
	struct tcp_run *r = arg;
	ip_addr_t h = IPADDR4_INIT_BYTES(10, 0, 2, 2);
	uint64_t t0 = time_ns();
	ssize_t err;

	net_lock();
	err = inet_tcp_proto.connect(s, &h, (uint16_t)host.tcp_port, false, false);
	net_unlock();
	if (err)
		return err;
	err = tcp_exchange(s, r->buf, &r->down);
	r->ms = (time_ns() - t0) / 1000000;
	return err;
}

/* 32 datagrams of growing size, each echoed back unchanged (slirp loses none on loopback;
 * one retry each covers a lost one). */
static ssize_t udp_run(struct inet_sock *s, void *arg)
{
	uint8_t *buf = arg, *back = buf + HOST_CHUNK / 2;
	ip_addr_t h = IPADDR4_INIT_BYTES(10, 0, 2, 2);

	for (size_t i = 0; i < 32; i++) {
		size_t n = 1 + i * 300;
		ssize_t r = -EAGAIN;

		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)(i * 31 + k);
		for (int tries = 0; tries < 2 && r == -EAGAIN; tries++) {
			if ((r = inet_ksend(s, buf, n, &h, (uint16_t)host.udp_port, HOST_TIMEO)) < 0)
				return r;
			r = io_recv(s, back, n + 1, false, UDP_TIMEO);
		}
		if (r != (ssize_t)n || memcmp(buf, back, n))
			return r < 0 ? r : -EIO;
	}
	return 0;
}

KTEST(inet_host_tcp_exchange_and_udp_echo)
{
	struct tcp_run r = { 0 };
	ssize_t err;

	if (!host.set)
		KT_SKIP("no nethost= word: no host to exchange with");
	r.buf = kmalloc(HOST_CHUNK);
	KT_ASSERT(r.buf, "no buffer");
	err = with_socket(SOCK_STREAM, tcp_run, &r);
	if (!err)
		err = with_socket(SOCK_DGRAM, udp_run, r.buf);
	kfree(r.buf);
	KT_EQ(err, 0);
	pr_info("ktest: host exchange: %lu bytes up, %lu down in %lu ms; udp echo ok\n",
		host.bytes, r.down, r.ms);
}
