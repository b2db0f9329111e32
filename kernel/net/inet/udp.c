/*
 * net/inet/udp.c — SOCK_DGRAM (UDP) and SOCK_RAW/IPPROTO_ICMP over lwIP's raw UDP and RAW APIs.
 *
 * Both keep a queue of received datagrams (struct inet_dgram: the pbuf and its source), bounded
 * by the socket's receive buffer (SO_RCVBUF; what does not fit is dropped, as Linux drops).
 * A raw socket sees each ICMP packet with its IP header, as on Linux, as a copy: lwIP goes on
 * processing the original (it answers echo requests itself). Core lock held throughout.
 */
#include "internal.h"
#include <keel/socket.h>
#include <keel/heap.h>
#include <keel/vfs.h>
#include <lwip/udp.h>
#include <lwip/raw.h>
#include <lwip/pbuf.h>

#define UDP_MAX_PAYLOAD	65507

/* What a queued datagram costs its socket's receive buffer: the pbufs it pins (a one-byte
 * datagram still holds a whole pool buffer), so a flood to a socket that does not read cannot
 * take more than its SO_RCVBUF of lwIP's pool (Linux charges truesize the same way). */
static size_t dgram_charge(struct pbuf *p)
{
	return (size_t)pbuf_clen(p) * PBUF_POOL_BUFSIZE;
}

/* Queues p (the caller's reference passes to the queue) or drops it. */
static void dgram_queue(struct inet_sock *isk, struct pbuf *p, const ip_addr_t *from,
			uint16_t port)
{
	struct inet_dgram *d;
	size_t charge = dgram_charge(p);

	if (isk->dq_bytes + charge > isk->rcvbuf || !(d = kmalloc(sizeof(*d)))) {
		pbuf_free(p);
		return;
	}
	d->next = NULL;
	d->p = p;
	ip_addr_copy(d->from, *from);
	d->port = port;
	if (isk->dq_tail)
		isk->dq_tail->next = d;
	else
		isk->dq_head = d;
	isk->dq_tail = d;
	isk->dq_bytes += charge;
	inet_wake(isk);
}

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			u16_t port)
{
	dgram_queue(arg, p, addr, port);
}

static u8_t raw_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct pbuf *copy = pbuf_clone(PBUF_RAW, PBUF_RAM, p);

	if (copy)
		dgram_queue(arg, copy, addr, 0);
	return 0;			/* not eaten: lwIP still handles it */
}

int inet_udp_create(struct inet_sock *isk)
{
	struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V4);

	if (!pcb)
		return -ENOMEM;
	udp_recv(pcb, udp_recv_cb, isk);
	isk->pcb.udp = pcb;
	return 0;
}

int inet_raw_create(struct inet_sock *isk)
{
	struct raw_pcb *pcb = raw_new_ip_type(IPADDR_TYPE_V4, (u8_t)isk->protocol);

	if (!pcb)
		return -ENOMEM;
	raw_recv(pcb, raw_recv_cb, isk);
	isk->pcb.raw = pcb;
	return 0;
}

static int udp_bind_op(struct inet_sock *isk, const ip_addr_t *ip, uint16_t port)
{
	err_t e;

	if (isk->pcb.udp->local_port)
		return -EINVAL;
	e = udp_bind(isk->pcb.udp, ip, port);
	if (e != ERR_OK)
		return e == ERR_USE ? -EADDRINUSE : -inet_errno(e);
	return 0;
}

static int raw_bind_op(struct inet_sock *isk, const ip_addr_t *ip, uint16_t port)
{
	return -inet_errno(raw_bind(isk->pcb.raw, ip));
}

static int udp_connect_op(struct inet_sock *isk, const ip_addr_t *ip, uint16_t port,
			  bool unspec, bool nonblock)
{
	err_t e;

	if (unspec) {
		udp_disconnect(isk->pcb.udp);
		isk->udp_connected = false;
		return 0;
	}
	if ((e = udp_connect(isk->pcb.udp, ip, port)) != ERR_OK)
		return -inet_errno(e);
	isk->udp_connected = true;
	return 0;
}

static int raw_connect_op(struct inet_sock *isk, const ip_addr_t *ip, uint16_t port,
			  bool unspec, bool nonblock)
{
	if (unspec) {
		raw_disconnect(isk->pcb.raw);
		isk->udp_connected = false;
		return 0;
	}
	isk->udp_connected = true;
	return -inet_errno(raw_connect(isk->pcb.raw, ip));
}

/* A pbuf holding the caller's datagram, reserved for the headers of layer `layer`. */
static ssize_t dgram_fill(struct inet_io *io, pbuf_layer layer, struct pbuf **out)
{
	struct pbuf *p;

	if (io->len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (!(p = pbuf_alloc(layer, (u16_t)io->len, PBUF_RAM)))
		return -ENOBUFS;
	if (io->len && io->copy(io->ctx, p->payload, io->len) < 0) {
		pbuf_free(p);
		return -EFAULT;
	}
	*out = p;
	return (ssize_t)io->len;
}

static ssize_t dgram_sent(struct pbuf *p, err_t e, size_t len)
{
	pbuf_free(p);
	if (e == ERR_RTE)
		return -ENETUNREACH;
	return e == ERR_OK ? (ssize_t)len : -inet_errno(e);
}

static ssize_t udp_send_op(struct inet_sock *isk, struct inet_io *io, const ip_addr_t *to,
			   uint16_t port, unsigned flags, uint64_t timeo)
{
	struct pbuf *p;
	ssize_t n;

	if (isk->wr_shut)
		return -EPIPE;
	if (!to && !isk->udp_connected)
		return -EDESTADDRREQ;
	if ((n = dgram_fill(io, PBUF_TRANSPORT, &p)) < 0)
		return n;
	return dgram_sent(p, to ? udp_sendto(isk->pcb.udp, p, to, port) :
			  udp_send(isk->pcb.udp, p), (size_t)n);
}

static ssize_t raw_send_op(struct inet_sock *isk, struct inet_io *io, const ip_addr_t *to,
			   uint16_t port, unsigned flags, uint64_t timeo)
{
	struct pbuf *p;
	ssize_t n;

	if (!to && !isk->udp_connected)
		return -EDESTADDRREQ;
	if ((n = dgram_fill(io, PBUF_IP, &p)) < 0)
		return n;
	return dgram_sent(p, to ? raw_sendto(isk->pcb.raw, p, to) : raw_send(isk->pcb.raw, p),
			  (size_t)n);
}

/* One datagram out: truncated to the room given (MSG_TRUNC in *msg_flags), its sender in name.
 * Returns the bytes copied, or the datagram's length when flags has MSG_TRUNC (Linux). */
static ssize_t dgram_recv_op(struct inet_sock *isk, struct inet_io *io, void *name,
			     size_t *namelen, unsigned flags, unsigned *msg_flags, uint64_t timeo)
{
	struct inet_dgram *d;
	ssize_t got;
	size_t len;

	while (!(d = isk->dq_head)) {
		int r;

		if (isk->rd_done)
			return 0;
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		if ((r = inet_wait(isk, timeo)) < 0)
			return r;
	}
	len = d->p->tot_len;
	if ((got = inet_copy_pbuf(io, d->p, MIN(len, io->len))) < 0 && len)
		return got;
	if (len > io->len && msg_flags)
		*msg_flags |= MSG_TRUNC;
	if (name && namelen)
		inet_addr_out(name, namelen, &d->from, d->port);
	if (!(flags & MSG_PEEK)) {
		isk->dq_head = d->next;
		if (!isk->dq_head)
			isk->dq_tail = NULL;
		isk->dq_bytes -= dgram_charge(d->p);
		pbuf_free(d->p);
		kfree(d);
	}
	return (flags & MSG_TRUNC) ? (ssize_t)len : MAX(got, (ssize_t)0);
}

static int dgram_shutdown_op(struct inet_sock *isk, int how)
{
	if (!isk->udp_connected)
		return -ENOTCONN;
	if (how == SHUT_RD || how == SHUT_RDWR)
		isk->rd_done = true;
	if (how == SHUT_WR || how == SHUT_RDWR)
		isk->wr_shut = true;
	inet_wake(isk);
	return 0;
}

static int udp_getname_op(struct inet_sock *isk, ip_addr_t *ip, uint16_t *port, bool peer)
{
	struct udp_pcb *pcb = isk->pcb.udp;

	if (peer && !isk->udp_connected)
		return -ENOTCONN;
	ip_addr_copy(*ip, peer ? pcb->remote_ip : pcb->local_ip);
	*port = peer ? pcb->remote_port : pcb->local_port;
	return 0;
}

static int raw_getname_op(struct inet_sock *isk, ip_addr_t *ip, uint16_t *port, bool peer)
{
	struct raw_pcb *pcb = isk->pcb.raw;

	if (peer && !isk->udp_connected)
		return -ENOTCONN;
	ip_addr_copy(*ip, peer ? pcb->remote_ip : pcb->local_ip);
	*port = 0;
	return 0;
}

static unsigned dgram_poll_op(struct inet_sock *isk)
{
	unsigned m = POLLOUT | POLLWRNORM;

	if (READ_ONCE(isk->dq_head) || READ_ONCE(isk->rd_done))
		m |= POLLIN | POLLRDNORM;
	if (READ_ONCE(isk->err))
		m |= POLLERR;
	return m;
}

static void udp_release_op(struct inet_sock *isk)
{
	udp_remove(isk->pcb.udp);
	inet_sock_free(isk);
}

static void raw_release_op(struct inet_sock *isk)
{
	raw_remove(isk->pcb.raw);
	inet_sock_free(isk);
}

const struct inet_proto inet_udp_proto = {
	.bind = udp_bind_op,
	.connect = udp_connect_op,
	.send = udp_send_op,
	.recv = dgram_recv_op,
	.shutdown = dgram_shutdown_op,
	.getname = udp_getname_op,
	.poll = dgram_poll_op,
	.release = udp_release_op,
};

const struct inet_proto inet_raw_proto = {
	.bind = raw_bind_op,
	.connect = raw_connect_op,
	.send = raw_send_op,
	.recv = dgram_recv_op,
	.shutdown = dgram_shutdown_op,
	.getname = raw_getname_op,
	.poll = dgram_poll_op,
	.release = raw_release_op,
};
