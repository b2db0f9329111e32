/*
 * net/inet/af_inet.c — the AF_INET family behind keel's socket layer (keel/socket.h).
 *
 * Thin: every proto_ops entry takes the core lock, converts Linux's arguments (sockaddr_in,
 * kmsg iovecs, timeouts) and calls the protocol's inet_proto operation (tcp.c, udp.c).
 * Readiness changes reach the socket layer through isk->wake = sock_wake. Interface ioctls go
 * to the stack (net_if_ioctl); SIOCGIFCONF's array is copied to the user's buffer here.
 */
#include "internal.h"
#include <keel/net.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>

#define IFCONF_MAX	16

/* Linux's struct ifconf on x86-64. */
struct ifconf {
	int32_t ifc_len;
	int32_t pad;
	void __user *ifc_buf;
};

static const struct proto_ops inet_ops;

static struct inet_sock *isk_of(struct socket *s)
{
	return s->priv;
}

static void wake_socket(void *owner)
{
	sock_wake(owner);
}

static void adopt(struct socket *s, struct inet_sock *isk)
{
	s->priv = isk;
	isk->owner = s;
	isk->wake = wake_socket;
}

static ssize_t from_msg(void *ctx, void *kbuf, size_t n)
{
	return kmsg_copy_from(ctx, kbuf, n);
}

static ssize_t to_msg(void *ctx, void *kbuf, size_t n)
{
	return kmsg_copy_to(ctx, kbuf, n);
}

static void inet_release(struct socket *s)
{
	struct inet_sock *isk = isk_of(s);

	net_lock();
	isk->wake = NULL;
	inet_proto_of(isk)->release(isk);
	net_unlock();
	s->priv = NULL;
}

/* An address some interface has (or any, or loopback's 127/8). Core lock held. */
static bool addr_is_local(const ip_addr_t *ip)
{
	struct netif *n;

	if (ip_addr_isany(ip) || ip4_addr_isloopback(ip_2_ip4(ip)))
		return true;
	NETIF_FOREACH(n)
		if (ip4_addr_cmp(netif_ip4_addr(n), ip_2_ip4(ip)))
			return true;
	return false;
}

static int inet_bind(struct socket *s, const void *addr, size_t len)
{
	ip_addr_t ip;
	uint16_t port;
	int err = inet_addr_in(addr, len, &ip, &port);

	if (err)
		return err;
	net_lock();
	err = addr_is_local(&ip) ? inet_proto_of(isk_of(s))->bind(isk_of(s), &ip, port) :
	      -EADDRNOTAVAIL;
	net_unlock();
	return err;
}

static int inet_connect(struct socket *s, const void *addr, size_t len, bool nonblock)
{
	ip_addr_t ip = { 0 };
	uint16_t port = 0;
	bool unspec = len >= 2 && ((const uint16_t *)addr)[0] == AF_UNSPEC;
	int err = unspec ? 0 : inet_addr_in(addr, len, &ip, &port);

	if (err)
		return err;
	net_lock();
	err = inet_proto_of(isk_of(s))->connect(isk_of(s), &ip, port, unspec, nonblock);
	net_unlock();
	return err;
}

static int inet_listen(struct socket *s, int backlog)
{
	int err;

	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	net_lock();
	err = inet_tcp_proto.listen(isk_of(s), backlog);
	net_unlock();
	return err;
}

static int inet_accept(struct socket *s, struct socket *newsock, bool nonblock)
{
	struct inet_sock *child;
	int err;

	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	net_lock();
	err = inet_tcp_proto.accept(isk_of(s), &child, nonblock, s->rcvtimeo_ns);
	if (!err)
		adopt(newsock, child);
	net_unlock();
	return err;
}

static ssize_t inet_sendmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct inet_io io = { from_msg, m, kmsg_left(m) };
	ip_addr_t ip, *to = NULL;
	uint16_t port = 0;
	ssize_t r;

	if (m->namelen && s->type != SOCK_STREAM) {
		if ((r = inet_addr_in(m->name, m->namelen, &ip, &port)) < 0)
			return r;
		to = &ip;
	}
	net_lock();
	r = inet_proto_of(isk_of(s))->send(isk_of(s), &io, to, port, flags, s->sndtimeo_ns);
	net_unlock();
	return r;
}

static ssize_t inet_recvmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct inet_io io = { to_msg, m, kmsg_left(m) };
	ssize_t r;

	m->namelen = 0;
	net_lock();
	r = inet_proto_of(isk_of(s))->recv(isk_of(s), &io, m->name, &m->namelen, flags,
					   &m->flags, s->rcvtimeo_ns);
	net_unlock();
	return r;
}

static int inet_shutdown(struct socket *s, int how)
{
	int err;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	net_lock();
	err = inet_proto_of(isk_of(s))->shutdown(isk_of(s), how);
	net_unlock();
	return err;
}

static int inet_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
	ip_addr_t ip;
	uint16_t port;
	int err;

	net_lock();
	err = inet_proto_of(isk_of(s))->getname(isk_of(s), &ip, &port, peer);
	net_unlock();
	if (!err)
		inet_addr_out(addr, len, &ip, port);
	return err;
}

static int inet_setsockopt_op(struct socket *s, int level, int name, const void *val,
			      size_t len)
{
	int err;

	net_lock();
	err = inet_setsockopt(isk_of(s), level, name, val, len);
	net_unlock();
	return err;
}

static int inet_getsockopt_op(struct socket *s, int level, int name, void *val, size_t *len)
{
	int err;

	net_lock();
	err = inet_getsockopt(isk_of(s), level, name, val, len);
	net_unlock();
	return err;
}

static unsigned inet_poll(struct socket *s)
{
	return inet_proto_of(isk_of(s))->poll(isk_of(s));
}

/* FIONREAD: unread bytes of a stream, the next datagram's size otherwise (Linux). */
static long inet_fionread(struct inet_sock *isk, int *out)
{
	if (isk->type == SOCK_STREAM && isk->state == INET_LISTEN)
		return -EINVAL;
	net_lock();
	*out = isk->type == SOCK_STREAM ? (int)isk->rx_bytes :
	       isk->dq_head ? (int)isk->dq_head->p->tot_len : 0;
	net_unlock();
	return 0;
}

static long inet_ifconf(struct ifconf *c)
{
	struct ifreq list[IFCONF_MAX];
	unsigned room = c->ifc_len < 0 ? 0 : (unsigned)c->ifc_len / sizeof(struct ifreq);
	unsigned n = net_if_list(list, c->ifc_buf ? MIN(room, (unsigned)IFCONF_MAX) : IFCONF_MAX);

	if (c->ifc_buf && copy_to_user(c->ifc_buf, list, n * sizeof(struct ifreq)))
		return -EFAULT;
	c->ifc_len = (int32_t)(n * sizeof(struct ifreq));
	return 0;
}

static long inet_ioctl(struct socket *s, unsigned cmd, void *arg)
{
	switch (cmd) {
	case FIONREAD:
		return inet_fionread(isk_of(s), arg);
	case SIOCGIFCONF:
		return inet_ifconf(arg);
	case SIOCGIFFLAGS:
	case SIOCGIFADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFMTU:
	case SIOCGIFHWADDR:
	case SIOCGIFINDEX:
		return net_if_ioctl(cmd, arg);
	}
	return -ENOTTY;
}

static const struct proto_ops inet_ops = {
	.release = inet_release,
	.bind = inet_bind,
	.connect = inet_connect,
	.listen = inet_listen,
	.accept = inet_accept,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.shutdown = inet_shutdown,
	.getname = inet_getname,
	.setsockopt = inet_setsockopt_op,
	.getsockopt = inet_getsockopt_op,
	.poll = inet_poll,
	.ioctl = inet_ioctl,
};

static int inet_family_create(struct socket *s, int type, int protocol)
{
	struct inet_sock *isk;
	int err;

	net_lock();
	err = inet_create(type, protocol, &isk);
	if (!err) {
		s->ops = &inet_ops;
		adopt(s, isk);
	}
	net_unlock();
	return err;
}

static const struct net_family inet_family = {
	.family = AF_INET,
	.create = inet_family_create,
};

void inet_family_init(void)
{
	sock_register_family(&inet_family);
}
