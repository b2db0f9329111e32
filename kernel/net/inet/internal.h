/*
 * net/inet/internal.h — AF_INET sockets over lwIP's raw API: the state shared by tcp.c,
 * udp.c (UDP and raw ICMP), sock.c (common helpers) and af_inet.c (the proto_ops glue).
 *
 * An inet_sock is keel's side of one socket; its pcb is lwIP's. Locking: every field below is
 * guarded by the lwIP core lock (net_lock), which lwIP's callbacks also run under, except that
 * poll() reads state, flags and queue lengths without it (single-word reads; a stale answer is
 * corrected by the wakeup that follows every change). A sleeper waits on isk->wq with the core
 * lock dropped (inet_wait); every callback that changes what a sleeper or poller waits for
 * calls inet_wake.
 *
 * Data moves through struct inet_io, a copy function over the caller's buffers (user iovecs in
 * af_inet.c, plain kernel memory in the ktests), so the protocol code is the same for both.
 * Copies to and from user memory happen with the core lock held (a page fault then delays
 * the stack; nothing in the fault path takes the core lock).
 */
#ifndef KEEL_NET_INET_INTERNAL_H
#define KEEL_NET_INET_INTERNAL_H

#include <keel/types.h>
#include <keel/sync.h>
#include <keel/errno.h>
#include <lwip/ip_addr.h>
#include <lwip/err.h>

struct pbuf;
struct tcp_pcb;
struct udp_pcb;
struct inet_sock;
struct raw_pcb;

#define IPPROTO_IP	0
#define IPPROTO_ICMP	1
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17

/* Linux's struct sockaddr_in. */
struct sockaddr_in {
	uint16_t sin_family;
	uint16_t sin_port;		/* network order */
	uint32_t sin_addr;		/* network order */
	uint8_t sin_zero[8];
};

/* A caller's buffers: copy moves n bytes between them and kbuf (direction fixed by use) and
 * returns n or -EFAULT. */
struct inet_io {
	ssize_t (*copy)(void *ctx, void *kbuf, size_t n);
	void *ctx;
	size_t len;			/* bytes the caller offers (send) or has room for (recv) */
};

/* An inet_io over one kernel buffer (in-kernel users and the ktests): inet_io_kernel(io, kb,
 * buf, n, out) sets io up to read buf (send) or, with out, to fill it (receive). */
struct inet_kbuf {
	uint8_t *p;
};
void inet_io_kernel(struct inet_io *io, struct inet_kbuf *kb, void *buf, size_t n, bool out);
/* send/recv with a kernel buffer, taking the core lock (in-kernel users, the ktests). */
ssize_t inet_ksend(struct inet_sock *isk, const void *buf, size_t n, const ip_addr_t *to,
		   uint16_t port, uint64_t timeo);
ssize_t inet_krecv(struct inet_sock *isk, void *buf, size_t n, unsigned flags,
		   struct sockaddr_in *from, unsigned *msg_flags, uint64_t timeo);

enum inet_state {
	INET_NEW,			/* TCP: no connection yet (maybe bound) */
	INET_LISTEN,
	INET_CONNECTING,
	INET_CONNECTED,
	INET_CLOSED,			/* TCP: the connection is gone (reset, timed out, closed) */
};

/* A datagram waiting in a UDP or raw socket. */
struct inet_dgram {
	struct inet_dgram *next;
	struct pbuf *p;
	ip_addr_t from;
	uint16_t port;
};

struct inet_sock {
	int type, protocol;
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		struct raw_pcb *raw;
		void *any;
	} pcb;				/* NULL once lwIP freed it (tcp err callback) or we did */
	enum inet_state state;
	int err;			/* pending error (SO_ERROR), positive errno; 0: none */
	bool rd_done;			/* no more data will arrive: FIN, SHUT_RD, reset */
	bool wr_shut;			/* SHUT_WR done */
	bool was_connected;		/* TCP: send on a dead connection is EPIPE, not ENOTCONN */
	bool udp_connected;

	/* TCP received data not yet read: a pbuf chain of rx_bytes (read bytes are cut off its
	 * head with pbuf_free_header). */
	struct pbuf *rx;
	size_t rx_bytes;
	/* UDP/raw datagrams, oldest first. */
	struct inet_dgram *dq_head, *dq_tail;
	size_t dq_bytes;
	/* TCP listener: accepted connections, oldest first (children linked by next). */
	struct inet_sock *acc_head, *acc_tail, *next;
	unsigned acc_count, backlog;

	/* Addresses, kept so they outlive the pcb (getsockname after a reset). */
	ip_addr_t lip, rip;
	uint16_t lport, rport;
	size_t snd_space;		/* TCP: what tcp_sndbuf said last (for poll) */

	/* Options (setsockopt). */
	size_t rcvbuf, sndbuf;
	bool linger_on;
	int linger_s;

	struct wait_queue wq;
	uint8_t *bounce;		/* TCP send staging, INET_BOUNCE bytes, allocated on first use */
	void (*wake)(void *owner);	/* the socket layer's pollers (sock_wake); may be NULL */
	void *owner;
};

#define INET_BOUNCE		(32 * 1024)
#define INET_DEFAULT_RCVBUF	(212992)

/* ---- options.c: get/setsockopt (Linux's levels and names); core lock held ---- */
int inet_setsockopt(struct inet_sock *isk, int level, int name, const void *val, size_t len);
int inet_getsockopt(struct inet_sock *isk, int level, int name, void *val, size_t *len);

/* ---- af_inet.c: registers the family with the socket layer ---- */
void inet_family_init(void);

/* ---- proc.c: /proc/net/tcp, /proc/net/udp ---- */
void inet_proc_init(void);

/* ---- sock.c ---- */
struct inet_sock *inet_sock_alloc(int type, int protocol);
void inet_sock_free(struct inet_sock *isk);
/* Wakes isk's sleepers and pollers. Core lock held. */
void inet_wake(struct inet_sock *isk);
/* With the core lock held: sleeps until woken, the timeout (0 = none) or a signal; returns with
 * the lock held again: 1 woken, -EAGAIN timed out, -ERESTARTSYS/-EINTR on a signal. */
int inet_wait(struct inet_sock *isk, uint64_t timeo_ns);
/* lwIP's err_t as a Linux errno (positive). */
int inet_errno(err_t e);
/* sockaddr_in <-> lwIP address and host-order port; -EINVAL, -EAFNOSUPPORT. */
int inet_addr_in(const void *addr, size_t len, ip_addr_t *ip, uint16_t *port);
void inet_addr_out(void *addr, size_t *len, const ip_addr_t *ip, uint16_t port);
/* Copies the first n bytes of chain p out through io; bytes copied, or -EFAULT when none. */
ssize_t inet_copy_pbuf(struct inet_io *io, struct pbuf *p, size_t n);
/* Takes the pending error (SO_ERROR semantics): returns it and clears it. */
int inet_take_err(struct inet_sock *isk);

/* A new socket of type/protocol with its lwIP side; 0 or -errno. Core lock held. */
int inet_create(int type, int protocol, struct inet_sock **out);
/* Creates the lwIP side for isk's type; -ENOMEM, -EPROTONOSUPPORT. Core lock held. */
int inet_tcp_create(struct inet_sock *isk);
int inet_udp_create(struct inet_sock *isk);
int inet_raw_create(struct inet_sock *isk);

/*
 * The protocol operations; everything called with the core lock held. send/recv take flags
 * (MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC...), *msg_flags gets MSG_TRUNC on receive; name is a
 * sockaddr buffer (SOCKADDR_MAX) or NULL.
 */
struct inet_proto {
	int (*bind)(struct inet_sock *isk, const ip_addr_t *ip, uint16_t port);
	int (*connect)(struct inet_sock *isk, const ip_addr_t *ip, uint16_t port, bool unspec,
		       bool nonblock);
	int (*listen)(struct inet_sock *isk, int backlog);
	int (*accept)(struct inet_sock *isk, struct inet_sock **child, bool nonblock,
		      uint64_t timeo);
	ssize_t (*send)(struct inet_sock *isk, struct inet_io *io, const ip_addr_t *to,
			uint16_t port, unsigned flags, uint64_t timeo);
	ssize_t (*recv)(struct inet_sock *isk, struct inet_io *io, void *name, size_t *namelen,
			unsigned flags, unsigned *msg_flags, uint64_t timeo);
	int (*shutdown)(struct inet_sock *isk, int how);
	int (*getname)(struct inet_sock *isk, ip_addr_t *ip, uint16_t *port, bool peer);
	unsigned (*poll)(struct inet_sock *isk);
	void (*release)(struct inet_sock *isk);
};

extern const struct inet_proto inet_tcp_proto, inet_udp_proto, inet_raw_proto;
const struct inet_proto *inet_proto_of(const struct inet_sock *isk);

#endif
