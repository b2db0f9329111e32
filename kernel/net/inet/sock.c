/*
 * net/inet/sock.c — what every AF_INET socket shares: allocation, sleeping with the core lock
 * dropped, wakeups, lwIP errors as Linux errnos, and sockaddr_in conversion.
 */
#include "internal.h"
#include <keel/net.h>
#include <keel/heap.h>
#include <keel/sched.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <lwip/pbuf.h>

struct inet_sock *inet_sock_alloc(int type, int protocol)
{
	struct inet_sock *isk = kzalloc(sizeof(*isk));

	if (!isk)
		return NULL;
	isk->type = type;
	isk->protocol = protocol;
	isk->rcvbuf = INET_DEFAULT_RCVBUF;
	isk->sndbuf = INET_DEFAULT_RCVBUF;
	wq_init(&isk->wq, "inet-sock");
	return isk;
}

/* The pcb is already gone; frees queued data and isk itself. Core lock held. */
void inet_sock_free(struct inet_sock *isk)
{
	while (isk->dq_head) {
		struct inet_dgram *d = isk->dq_head;

		isk->dq_head = d->next;
		pbuf_free(d->p);
		kfree(d);
	}
	if (isk->rx)
		pbuf_free(isk->rx);
	kfree(isk->bounce);
	kfree(isk);
}

void inet_wake(struct inet_sock *isk)
{
	wq_wake_all(&isk->wq);
	if (isk->wake)
		isk->wake(isk->owner);
}

/* Queued on isk->wq before the core lock goes (under wq's lock, as cond_wait does), so a
 * callback that changes the state under the core lock and then wakes cannot be missed. */
int inet_wait(struct inet_sock *isk, uint64_t timeo_ns)
{
	struct waiter w;
	uint64_t deadline = timeo_ns ? sched_deadline(timeo_ns) : 0;
	bool f = wq_lock_to_wait(&isk->wq, "inet_wait");
	int r;

	net_unlock();
	r = wq_wait_interruptible_locked(&isk->wq, &w, deadline);
	spin_unlock_irqrestore(&isk->wq.lock, f);
	net_lock();
	if (r == 0)
		return -EAGAIN;
	if (r < 0)
		return timeo_ns ? -EINTR : -ERESTARTSYS;
	return 1;
}

int inet_errno(err_t e)
{
	switch (e) {
	case ERR_OK:		return 0;
	case ERR_MEM:		return ENOMEM;
	case ERR_BUF:		return ENOBUFS;
	case ERR_TIMEOUT:	return ETIMEDOUT;
	case ERR_RTE:		return ENETUNREACH;
	case ERR_INPROGRESS:	return EINPROGRESS;
	case ERR_VAL:		return EINVAL;
	case ERR_WOULDBLOCK:	return EAGAIN;
	case ERR_USE:		return EADDRINUSE;
	case ERR_ALREADY:	return EALREADY;
	case ERR_ISCONN:	return EISCONN;
	case ERR_CONN:		return ENOTCONN;
	case ERR_IF:		return ENETDOWN;
	case ERR_ABRT:		return ECONNABORTED;
	case ERR_RST:		return ECONNRESET;
	case ERR_CLSD:		return ENOTCONN;
	default:		return EIO;
	}
}

int inet_addr_in(const void *addr, size_t len, ip_addr_t *ip, uint16_t *port)
{
	struct sockaddr_in sin;

	if (len < sizeof(sin))
		return -EINVAL;		/* Linux checks the length before the family */
	memcpy(&sin, addr, sizeof(sin));
	if (sin.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	ip_addr_set_ip4_u32(ip, sin.sin_addr);
	*port = lwip_ntohs(sin.sin_port);
	return 0;
}

void inet_addr_out(void *addr, size_t *len, const ip_addr_t *ip, uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = lwip_htons(port),
		.sin_addr = ip ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0,
	};

	memcpy(addr, &sin, sizeof(sin));
	*len = sizeof(sin);
}

int inet_take_err(struct inet_sock *isk)
{
	int e = isk->err;

	isk->err = 0;
	return e;
}

const struct inet_proto *inet_proto_of(const struct inet_sock *isk)
{
	if (isk->type == SOCK_STREAM)
		return &inet_tcp_proto;
	if (isk->type == SOCK_DGRAM)
		return &inet_udp_proto;
	return &inet_raw_proto;
}

ssize_t inet_copy_pbuf(struct inet_io *io, struct pbuf *p, size_t n)
{
	size_t done = 0;

	for (struct pbuf *q = p; q && done < n; q = q->next) {
		size_t k = MIN((size_t)q->len, n - done);

		if (io->copy(io->ctx, q->payload, k) < 0) {
			if (!done)
				return -EFAULT;
			break;
		}
		done += k;
	}
	return (ssize_t)done;
}

/* A new socket of type/protocol with its lwIP side; 0 or -errno. Core lock held. */
int inet_create(int type, int protocol, struct inet_sock **out)
{
	struct inet_sock *isk;
	int err;

	if (type == SOCK_STREAM && protocol != IPPROTO_IP && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	if (type == SOCK_DGRAM && protocol != IPPROTO_IP && protocol != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW && protocol != IPPROTO_ICMP)
		return -EPROTONOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_RAW)
		return -ESOCKTNOSUPPORT;
	if (!(isk = inet_sock_alloc(type, protocol)))
		return -ENOMEM;
	err = type == SOCK_STREAM ? inet_tcp_create(isk) :
	      type == SOCK_DGRAM ? inet_udp_create(isk) : inet_raw_create(isk);
	if (err) {
		inet_sock_free(isk);
		return err;
	}
	*out = isk;
	return 0;
}

static ssize_t kbuf_read(void *ctx, void *kbuf, size_t n)
{
	struct inet_kbuf *c = ctx;

	memcpy(kbuf, c->p, n);
	c->p += n;
	return (ssize_t)n;
}

static ssize_t kbuf_fill(void *ctx, void *kbuf, size_t n)
{
	struct inet_kbuf *c = ctx;

	memcpy(c->p, kbuf, n);
	c->p += n;
	return (ssize_t)n;
}

void inet_io_kernel(struct inet_io *io, struct inet_kbuf *kb, void *buf, size_t n, bool out)
{
	kb->p = buf;
	io->copy = out ? kbuf_fill : kbuf_read;
	io->ctx = kb;
	io->len = n;
}

ssize_t inet_ksend(struct inet_sock *isk, const void *buf, size_t n, const ip_addr_t *to,
		   uint16_t port, uint64_t timeo)
{
	struct inet_kbuf kb;
	struct inet_io io;
	ssize_t r;

	inet_io_kernel(&io, &kb, (void *)buf, n, false);
	net_lock();
	r = inet_proto_of(isk)->send(isk, &io, to, port, 0, timeo);
	net_unlock();
	return r;
}

ssize_t inet_krecv(struct inet_sock *isk, void *buf, size_t n, unsigned flags,
		   struct sockaddr_in *from, unsigned *msg_flags, uint64_t timeo)
{
	size_t namelen = sizeof(*from);
	struct inet_kbuf kb;
	struct inet_io io;
	ssize_t r;

	inet_io_kernel(&io, &kb, buf, n, true);
	net_lock();
	r = inet_proto_of(isk)->recv(isk, &io, from, from ? &namelen : NULL, flags, msg_flags,
				     timeo);
	net_unlock();
	return r;
}

void inet_init(void)
{
	inet_proc_init();
	inet_family_init();
}
