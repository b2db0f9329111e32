/*
 * net/inet/tcp.c — SOCK_STREAM over lwIP's raw TCP API.
 *
 * lwIP owns the connection (struct tcp_pcb); this file keeps what a Linux socket adds: the
 * receive queue the user has not read (a pbuf chain, acknowledged to the peer with
 * tcp_recved only as it is read, so lwIP's window is the socket's receive buffer), the accept
 * queue, the pending error, and the shutdown halves. Everything runs with the core lock held;
 * callbacks (recv, sent, err, connected, accept) come from tcpip_thread under the same lock.
 *
 * When lwIP calls the err callback the pcb is already freed: isk->pcb.tcp becomes NULL and the
 * socket is CLOSED for good. Before keel frees or closes a pcb itself it clears the callbacks,
 * so lwIP never calls back into a freed inet_sock.
 */
#include "internal.h"
#include <keel/socket.h>
#include <keel/heap.h>
#include <keel/vfs.h>
#include <lwip/tcp.h>
#include <lwip/priv/tcp_priv.h>

static void tcp_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, NULL);	/* a listening pcb has no other callbacks */
		return;
	}
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

static void note_space(struct inet_sock *isk)
{
	isk->snd_space = isk->pcb.tcp ? tcp_sndbuf(isk->pcb.tcp) : 0;
}

static err_t recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet_sock *isk = arg;

	if (!p) {
		isk->rd_done = true;
	} else if (isk->rd_done) {
		tcp_recved(pcb, p->tot_len);	/* after SHUT_RD: read and dropped, as Linux */
		pbuf_free(p);
	} else {
		isk->rx_bytes += p->tot_len;
		if (isk->rx)
			pbuf_cat(isk->rx, p);
		else
			isk->rx = p;
	}
	inet_wake(isk);
	return ERR_OK;
}

static err_t sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct inet_sock *isk = arg;

	note_space(isk);
	inet_wake(isk);
	return ERR_OK;
}

/* The pcb is gone. A reset while connecting is a refusal; lwIP's ERR_ABRT from its own timers
 * (retransmission, keepalive, SYN retries) is a timeout; ERR_CLSD is a clean end. */
static void err_cb(void *arg, err_t e)
{
	struct inet_sock *isk = arg;

	isk->pcb.tcp = NULL;
	if (e == ERR_RST)
		isk->err = isk->state == INET_CONNECTING ? ECONNREFUSED : ECONNRESET;
	else if (e == ERR_ABRT)
		isk->err = ETIMEDOUT;
	else if (e != ERR_CLSD)
		isk->err = inet_errno(e);
	isk->state = INET_CLOSED;
	isk->rd_done = true;
	isk->snd_space = 0;
	inet_wake(isk);
}

static void tcp_attach(struct inet_sock *isk, struct tcp_pcb *pcb)
{
	isk->pcb.tcp = pcb;
	tcp_arg(pcb, isk);
	tcp_recv(pcb, recv_cb);
	tcp_sent(pcb, sent_cb);
	tcp_err(pcb, err_cb);
}

static void set_connected(struct inet_sock *isk, struct tcp_pcb *pcb)
{
	isk->state = INET_CONNECTED;
	isk->was_connected = true;
	ip_addr_copy(isk->lip, pcb->local_ip);
	ip_addr_copy(isk->rip, pcb->remote_ip);
	isk->lport = pcb->local_port;
	isk->rport = pcb->remote_port;
	note_space(isk);
}

static err_t connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *isk = arg;

	set_connected(isk, pcb);
	inet_wake(isk);
	return ERR_OK;
}

/* A new connection on a listener: queued as a ready inet_sock, or refused (lwIP then resets
 * it) when the accept queue is full or memory is short. */
static err_t accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *l = arg, *c;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if (l->acc_count >= l->backlog || !(c = inet_sock_alloc(SOCK_STREAM, l->protocol)))
		return ERR_MEM;
	tcp_attach(c, pcb);
	set_connected(c, pcb);
	if (l->acc_tail)
		l->acc_tail->next = c;
	else
		l->acc_head = c;
	l->acc_tail = c;
	l->acc_count++;
	inet_wake(l);
	return ERR_OK;
}

int inet_tcp_create(struct inet_sock *isk)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);

	if (!pcb)
		return -ENOMEM;
	tcp_attach(isk, pcb);
	isk->state = INET_NEW;
	note_space(isk);
	return 0;
}

static int tcp_bind_op(struct inet_sock *isk, const ip_addr_t *ip, uint16_t port)
{
	err_t e;

	if (isk->state != INET_NEW || !isk->pcb.tcp || isk->pcb.tcp->local_port)
		return -EINVAL;
	e = tcp_bind(isk->pcb.tcp, ip, port);
	if (e != ERR_OK)
		return e == ERR_VAL ? -EADDRNOTAVAIL : -inet_errno(e);
	ip_addr_copy(isk->lip, isk->pcb.tcp->local_ip);
	isk->lport = isk->pcb.tcp->local_port;
	return 0;
}

static int wait_connected(struct inet_sock *isk, uint64_t timeo)
{
	while (isk->state == INET_CONNECTING) {
		int r = inet_wait(isk, timeo);

		if (r < 0)
			return r;
	}
	if (isk->state == INET_CONNECTED)
		return 0;
	return isk->err ? -inet_take_err(isk) : -ECONNREFUSED;
}

static int tcp_connect_op(struct inet_sock *isk, const ip_addr_t *ip, uint16_t port, bool unspec,
			  bool nonblock)
{
	err_t e;

	switch (isk->state) {
	case INET_CONNECTED:	return -EISCONN;
	case INET_CONNECTING:	return -EALREADY;
	case INET_LISTEN:	return -EINVAL;
	case INET_CLOSED:	return isk->err ? -inet_take_err(isk) : -EISCONN;
	case INET_NEW:		break;
	}
	if (unspec)
		return -EAFNOSUPPORT;
	if (!isk->pcb.tcp)
		return -EINVAL;
	e = tcp_connect(isk->pcb.tcp, ip, port, connected_cb);
	if (e != ERR_OK)
		return e == ERR_USE ? -EADDRNOTAVAIL : e == ERR_RTE ? -ENETUNREACH : -inet_errno(e);
	isk->state = INET_CONNECTING;
	ip_addr_copy(isk->lip, isk->pcb.tcp->local_ip);
	isk->lport = isk->pcb.tcp->local_port;
	if (nonblock)
		return -EINPROGRESS;
	return wait_connected(isk, 0);
}

static int tcp_listen_op(struct inet_sock *isk, int backlog)
{
	struct tcp_pcb *lpcb;
	err_t e;

	backlog = backlog < 1 ? 1 : backlog > 255 ? 255 : backlog;
	if (isk->state == INET_LISTEN) {
		isk->backlog = (unsigned)backlog;
		return 0;
	}
	if (isk->state != INET_NEW || !isk->pcb.tcp)
		return -EINVAL;
	if (!isk->pcb.tcp->local_port && (e = tcp_bind(isk->pcb.tcp, IP4_ADDR_ANY, 0)) != ERR_OK)
		return -inet_errno(e);
	/* tcp_listen frees the pcb it is given and returns a smaller listening one. */
	lpcb = tcp_listen_with_backlog_and_err(isk->pcb.tcp, (u8_t)backlog, &e);
	if (!lpcb)
		return e == ERR_USE ? -EADDRINUSE : -inet_errno(e);
	isk->pcb.tcp = lpcb;
	tcp_arg(lpcb, isk);
	tcp_accept(lpcb, accept_cb);
	isk->state = INET_LISTEN;
	isk->backlog = (unsigned)backlog;
	ip_addr_copy(isk->lip, lpcb->local_ip);
	isk->lport = lpcb->local_port;
	return 0;
}

static int tcp_accept_op(struct inet_sock *isk, struct inet_sock **child, bool nonblock,
			 uint64_t timeo)
{
	struct inet_sock *c;

	while (!isk->acc_head) {
		int r;

		if (isk->state != INET_LISTEN)
			return -EINVAL;
		if (nonblock)
			return -EAGAIN;
		if ((r = inet_wait(isk, timeo)) < 0)
			return r;
	}
	c = isk->acc_head;
	isk->acc_head = c->next;
	if (!isk->acc_head)
		isk->acc_tail = NULL;
	isk->acc_count--;
	c->next = NULL;
	*child = c;
	return 0;
}

/* 0 when sending may go on, or the -errno a send gets now. */
static int send_state(struct inet_sock *isk)
{
	if (isk->wr_shut)
		return -EPIPE;
	if (isk->state == INET_CONNECTED && isk->pcb.tcp)
		return 0;
	if (isk->err)
		return -inet_take_err(isk);
	if (isk->state == INET_CONNECTING)
		return -EAGAIN;		/* MSG_DONTWAIT while the handshake runs */
	return -EPIPE;			/* Linux: also on a socket never connected */
}

/* Copies up to what lwIP can queue now into the bounce buffer and hands it to tcp_write.
 * Returns bytes queued (0: no room), or -errno. */
static ssize_t send_some(struct inet_sock *isk, struct inet_io *io, size_t done, bool more)
{
	struct tcp_pcb *pcb = isk->pcb.tcp;
	size_t room = tcp_sndbuf(pcb), n;
	ssize_t c;
	err_t e;

	if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 4)
		room = 0;
	n = MIN(MIN(room, (size_t)INET_BOUNCE), io->len - done);
	if (n == 0)
		return 0;
	if (!isk->bounce && !(isk->bounce = kmalloc(INET_BOUNCE)))
		return -ENOMEM;
	if ((c = io->copy(io->ctx, isk->bounce, n)) < 0)
		return c;
	/* Room was checked under the lock we hold; ERR_MEM means lwIP's heap is short: wait for
	 * acknowledgments to free some (the bytes stay in the bounce buffer meanwhile). */
	while ((e = tcp_write(pcb, isk->bounce, (u16_t)n,
			      TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0))) == ERR_MEM) {
		tcp_output(pcb);
		inet_wait(isk, 10 * 1000 * 1000ULL);
		if (send_state(isk))
			return -EPIPE;
		pcb = isk->pcb.tcp;
	}
	if (e != ERR_OK)
		return -inet_errno(e);
	note_space(isk);
	return (ssize_t)n;
}

static ssize_t tcp_send_op(struct inet_sock *isk, struct inet_io *io, const ip_addr_t *to,
			   uint16_t port, unsigned flags, uint64_t timeo)
{
	size_t done = 0;
	int st;

	if (isk->state == INET_CONNECTING && !(flags & MSG_DONTWAIT) &&
	    (st = wait_connected(isk, timeo)) < 0)
		return st;
	/* An empty send still needs a connection: on a listener, tcp_output would assert. */
	if (io->len == 0 && (st = send_state(isk)) < 0)
		return st;
	while (done < io->len) {
		ssize_t n;

		if ((st = send_state(isk)) < 0)
			return done ? (ssize_t)done : st;
		n = send_some(isk, io, done, done + INET_BOUNCE < io->len);
		if (n < 0)
			return done ? (ssize_t)done : n;
		done += (size_t)n;
		if (n > 0)
			continue;
		tcp_output(isk->pcb.tcp);
		if (flags & MSG_DONTWAIT)
			return done ? (ssize_t)done : -EAGAIN;
		if ((st = inet_wait(isk, timeo)) < 0)
			return done ? (ssize_t)done : st;
	}
	if (isk->state == INET_CONNECTED && isk->pcb.tcp)
		tcp_output(isk->pcb.tcp);
	return (ssize_t)done;
}

/* Copies n queued bytes out (and, unless peeking, drops them and opens the window). */
static ssize_t recv_copy(struct inet_sock *isk, struct inet_io *io, size_t n, bool peek)
{
	ssize_t got = inet_copy_pbuf(io, isk->rx, n);
	size_t done;

	if (got < 0)
		return got;
	done = (size_t)got;
	if (peek)
		return (ssize_t)done;
	isk->rx_bytes -= done;
	for (size_t left = done; left;) {
		u16_t k = (u16_t)MIN(left, (size_t)0xffff);

		isk->rx = pbuf_free_header(isk->rx, k);
		if (isk->pcb.tcp)
			tcp_recved(isk->pcb.tcp, k);
		left -= k;
	}
	return (ssize_t)done;
}

static ssize_t tcp_recv_op(struct inet_sock *isk, struct inet_io *io, void *name,
			   size_t *namelen, unsigned flags, unsigned *msg_flags, uint64_t timeo)
{
	if (namelen)
		*namelen = 0;
	for (;;) {
		int r;

		if (isk->rx_bytes)
			return recv_copy(isk, io, MIN(io->len, isk->rx_bytes), flags & MSG_PEEK);
		if (io->len == 0)
			return 0;
		if (isk->rd_done || isk->state == INET_CLOSED)
			return isk->err ? -inet_take_err(isk) : 0;
		if (isk->state != INET_CONNECTED && isk->state != INET_CONNECTING)
			return -ENOTCONN;
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		if ((r = inet_wait(isk, timeo)) < 0)
			return r;
	}
}

static int tcp_shutdown_op(struct inet_sock *isk, int how)
{
	if (isk->state != INET_CONNECTED && isk->state != INET_CONNECTING &&
	    isk->state != INET_CLOSED)
		return -ENOTCONN;
	if (how == SHUT_RD || how == SHUT_RDWR) {
		isk->rd_done = true;
		for (size_t left = isk->rx_bytes; left && isk->pcb.tcp;) {
			u16_t k = (u16_t)MIN(left, (size_t)0xffff);

			tcp_recved(isk->pcb.tcp, k);	/* the dropped bytes reopen the window */
			left -= k;
		}
		if (isk->rx)
			pbuf_free(isk->rx);
		isk->rx = NULL;
		isk->rx_bytes = 0;
	}
	if ((how == SHUT_WR || how == SHUT_RDWR) && !isk->wr_shut) {
		isk->wr_shut = true;
		if (isk->pcb.tcp && isk->state == INET_CONNECTED)
			tcp_shutdown(isk->pcb.tcp, 0, 1);
	}
	inet_wake(isk);
	return 0;
}

static int tcp_getname_op(struct inet_sock *isk, ip_addr_t *ip, uint16_t *port, bool peer)
{
	if (peer) {
		if (isk->state != INET_CONNECTED && !(isk->state == INET_CLOSED && isk->was_connected))
			return -ENOTCONN;
		*ip = isk->rip;
		*port = isk->rport;
	} else {
		*ip = isk->lip;
		*port = isk->lport;
	}
	return 0;
}

static unsigned tcp_poll_op(struct inet_sock *isk)
{
	enum inet_state st = READ_ONCE(isk->state);
	unsigned m = READ_ONCE(isk->err) ? POLLERR : 0;

	switch (st) {
	case INET_LISTEN:
		return m | (READ_ONCE(isk->acc_count) ? POLLIN | POLLRDNORM : 0);
	case INET_NEW:
		return m | POLLOUT | POLLWRNORM | POLLHUP;
	case INET_CONNECTING:
		return m;
	case INET_CONNECTED:
	case INET_CLOSED:
		break;
	}
	if (READ_ONCE(isk->rx_bytes) || READ_ONCE(isk->rd_done))
		m |= POLLIN | POLLRDNORM;
	if (READ_ONCE(isk->rd_done))
		m |= POLLRDHUP;
	if (st == INET_CLOSED || READ_ONCE(isk->wr_shut) ||
	    READ_ONCE(isk->snd_space) >= TCP_SNDLOWAT)
		m |= POLLOUT | POLLWRNORM;
	if (st == INET_CLOSED || (READ_ONCE(isk->rd_done) && READ_ONCE(isk->wr_shut)))
		m |= POLLHUP;
	return m;
}

/* Closes the lwIP side: a reset when unread data would be lost or SO_LINGER asks for one
 * (Linux does the same), a FIN otherwise; lwIP finishes the close on its own. */
static void tcp_release_op(struct inet_sock *isk)
{
	struct tcp_pcb *pcb = isk->pcb.tcp;

	while (isk->acc_head) {
		struct inet_sock *c = isk->acc_head;

		isk->acc_head = c->next;
		if (c->pcb.tcp) {
			tcp_detach(c->pcb.tcp);
			tcp_abort(c->pcb.tcp);
		}
		inet_sock_free(c);
	}
	if (pcb) {
		tcp_detach(pcb);
		if (pcb->state != LISTEN && (isk->rx_bytes || (isk->linger_on && !isk->linger_s)))
			tcp_abort(pcb);
		else if (tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
		isk->pcb.tcp = NULL;
	}
	inet_sock_free(isk);
}

const struct inet_proto inet_tcp_proto = {
	.bind = tcp_bind_op,
	.connect = tcp_connect_op,
	.listen = tcp_listen_op,
	.accept = tcp_accept_op,
	.send = tcp_send_op,
	.recv = tcp_recv_op,
	.shutdown = tcp_shutdown_op,
	.getname = tcp_getname_op,
	.poll = tcp_poll_op,
	.release = tcp_release_op,
};
