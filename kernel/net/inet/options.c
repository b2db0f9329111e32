/*
 * net/inet/options.c — setsockopt/getsockopt for AF_INET (Linux's numbers and semantics).
 *
 * SOL_SOCKET: SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST (lwIP's SOF_* bits on the pcb, which
 * tcp_pcb, udp_pcb and raw_pcb all start with: struct ip_pcb), SO_RCVBUF and SO_SNDBUF (Linux
 * doubles what is asked and reports that; a datagram socket's queue is bounded by it, TCP's
 * window stays lwIP's), SO_LINGER (l_onoff with l_linger 0: close resets), SO_ERROR (taken).
 * IPPROTO_IP: IP_TTL, IP_TOS. IPPROTO_TCP: TCP_NODELAY, TCP_MAXSEG (read), TCP_KEEPIDLE,
 * TCP_KEEPINTVL, TCP_KEEPCNT. Core lock held.
 */
#include "internal.h"
#include <keel/socket.h>
#include <keel/string.h>
#include <lwip/ip.h>
#include <lwip/tcp.h>

#define IP_TOS		1
#define IP_TTL		2
#define TCP_NODELAY	1
#define TCP_MAXSEG	2
#define TCP_KEEPIDLE	4
#define TCP_KEEPINTVL	5
#define TCP_KEEPCNT	6
#define SOCKBUF_MIN	2304
#define SOCKBUF_MAX	(4u * 1024 * 1024)

struct linger {
	int l_onoff, l_linger;
};

static struct ip_pcb *ip_of(struct inet_sock *isk)
{
	return isk->pcb.any;
}

static void set_sof(struct inet_sock *isk, unsigned bit, bool on)
{
	struct ip_pcb *ip = ip_of(isk);

	if (!ip)
		return;
	if (on)
		ip_set_option(ip, bit);
	else
		ip_reset_option(ip, bit);
}

static bool tcp_live(struct inet_sock *isk)
{
	return isk->type == SOCK_STREAM && isk->pcb.tcp && isk->state != INET_LISTEN;
}

static int set_tcp(struct inet_sock *isk, int name, int v)
{
	struct tcp_pcb *pcb = isk->pcb.tcp;

	if (isk->type != SOCK_STREAM)
		return -ENOPROTOOPT;
	if (name != TCP_NODELAY && name != TCP_KEEPIDLE && name != TCP_KEEPINTVL &&
	    name != TCP_KEEPCNT)
		return -ENOPROTOOPT;
	if (name != TCP_NODELAY && v < 1)
		return -EINVAL;
	if (!tcp_live(isk))
		return 0;
	if (name == TCP_NODELAY) {
		if (v)
			tcp_nagle_disable(pcb);
		else
			tcp_nagle_enable(pcb);
	} else if (name == TCP_KEEPIDLE) {
		pcb->keep_idle = (u32_t)v * 1000;
	} else if (name == TCP_KEEPINTVL) {
		pcb->keep_intvl = (u32_t)v * 1000;
	} else {
		pcb->keep_cnt = (u32_t)v;
	}
	return 0;
}

static int set_socket_level(struct inet_sock *isk, int name, int v, const void *val, size_t len)
{
	switch (name) {
	case SO_REUSEADDR:
		set_sof(isk, SOF_REUSEADDR, v);
		return 0;
	case SO_KEEPALIVE:
		set_sof(isk, SOF_KEEPALIVE, v);
		return 0;
	case SO_BROADCAST:
		set_sof(isk, SOF_BROADCAST, v);
		return 0;
	case SO_RCVBUF:
	case SO_SNDBUF: {
		size_t b = (size_t)MIN(MAX((unsigned)v * 2u, (unsigned)SOCKBUF_MIN), SOCKBUF_MAX);

		if (v < 0)
			b = SOCKBUF_MIN;
		*(name == SO_RCVBUF ? &isk->rcvbuf : &isk->sndbuf) = b;
		return 0;
	}
	case SO_LINGER: {
		struct linger l;

		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		isk->linger_on = l.l_onoff != 0;
		isk->linger_s = l.l_linger < 0 ? 0 : l.l_linger;
		return 0;
	}
	}
	return -ENOPROTOOPT;
}

int inet_setsockopt(struct inet_sock *isk, int level, int name, const void *val, size_t len)
{
	int v;

	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (level == SOL_SOCKET)
		return set_socket_level(isk, name, v, val, len);
	if (level == IPPROTO_TCP)
		return set_tcp(isk, name, v);
	if (level != IPPROTO_IP || (name != IP_TTL && name != IP_TOS))
		return -ENOPROTOOPT;
	if (name == IP_TTL && (v == -1 ? (v = IP_DEFAULT_TTL, false) : (v < 1 || v > 255)))
		return -EINVAL;
	if (ip_of(isk)) {
		if (name == IP_TTL)
			ip_of(isk)->ttl = (u8_t)v;
		else
			ip_of(isk)->tos = (u8_t)v;
	}
	return 0;
}

static int get_value(struct inet_sock *isk, int level, int name, int *v)
{
	struct ip_pcb *ip = ip_of(isk);

	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR: *v = ip && ip_get_option(ip, SOF_REUSEADDR); return 0;
		case SO_KEEPALIVE: *v = ip && ip_get_option(ip, SOF_KEEPALIVE); return 0;
		case SO_BROADCAST: *v = ip && ip_get_option(ip, SOF_BROADCAST); return 0;
		case SO_RCVBUF:    *v = (int)isk->rcvbuf; return 0;
		case SO_SNDBUF:    *v = (int)isk->sndbuf; return 0;
		case SO_ERROR:     *v = inet_take_err(isk); return 0;
		}
	} else if (level == IPPROTO_IP) {
		if (name == IP_TTL) {
			*v = ip ? ip->ttl : IP_DEFAULT_TTL;
			return 0;
		}
		if (name == IP_TOS) {
			*v = ip ? ip->tos : 0;
			return 0;
		}
	} else if (level == IPPROTO_TCP && isk->type == SOCK_STREAM) {
		struct tcp_pcb *pcb = tcp_live(isk) ? isk->pcb.tcp : NULL;

		switch (name) {
		case TCP_NODELAY:   *v = pcb && tcp_nagle_disabled(pcb); return 0;
		case TCP_MAXSEG:    *v = pcb ? tcp_mss(pcb) : TCP_MSS; return 0;
		case TCP_KEEPIDLE:  *v = pcb ? (int)(pcb->keep_idle / 1000) : 7200; return 0;
		case TCP_KEEPINTVL: *v = pcb ? (int)(pcb->keep_intvl / 1000) : 75; return 0;
		case TCP_KEEPCNT:   *v = pcb ? (int)pcb->keep_cnt : 9; return 0;
		}
	}
	return -ENOPROTOOPT;
}

int inet_getsockopt(struct inet_sock *isk, int level, int name, void *val, size_t *len)
{
	int v, err;

	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger l = { isk->linger_on, isk->linger_s };

		return sockopt_put(val, len, &l, sizeof(l));
	}
	/* Linux: a level the protocol does not know falls through to IP's, which refuses it
	 * with EOPNOTSUPP on the get side (ENOPROTOOPT on the set side). */
	if (level != SOL_SOCKET && level != IPPROTO_IP &&
	    !(level == IPPROTO_TCP && isk->type == SOCK_STREAM))
		return -EOPNOTSUPP;
	if ((err = get_value(isk, level, name, &v)) < 0)
		return err;
	return sockopt_put(val, len, &v, sizeof(v));
}
