/*
 * net/unix/af_unix.c — AF_UNIX sockets: objects, connections and state (keel/socket.h).
 *
 * Names (bind, lookup, getsockname) are in unix_name.c. Stream and seqpacket sockets connect
 * to a listener: connect makes the server side at once (an embryo, queued on the listener
 * until accept takes it), so data sent before the accept waits in it. Datagram sockets "connect" by remembering a
 * destination. The rules and their errnos are Linux's (net/unix/af_unix.c), including the
 * shutdown mirrored to a connected peer and the peer credentials taken at connect/listen.
 *
 * Readiness is computed under unix_mtx whenever a socket changes (unix_touch) and cached in
 * pollmask, so poll never sleeps or follows a pointer. Data transfer lives in unix_msg.c.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/vfs.h>

struct mutex unix_mtx = MUTEX_INIT(unix_mtx, "unix");
static struct list_node unix_all = LIST_HEAD_INIT(unix_all);

/* ---- objects ---- */

struct unix_sock *unix_alloc(int type)
{
	struct unix_sock *u = kzalloc(sizeof(*u));

	if (!u)
		return NULL;
	u->refs = 1;
	u->type = type;
	list_init(&u->bound_node);
	list_init(&u->queue);
	list_init(&u->accept_q);
	list_init(&u->accept_node);
	wq_init(&u->wq, "unix");
	mutex_init(&u->iolock, "unix io");
	list_append(&unix_all, &u->all_node);
	return u;
}

void unix_get(struct unix_sock *u)
{
	u->refs++;
}

void unix_put(struct unix_sock *u)
{
	if (--u->refs)
		return;
	list_remove(&u->all_node);
	if (u->addr && u->addr->ino)
		inode_put(u->addr->ino);
	kfree(u->addr);
	kfree(u);
}

void unix_current_cred(struct ucred *c)
{
	struct proc *p = proc_current();

	c->pid = p ? p->pid : 0;
	c->uid = c->gid = 0;		/* keel runs everything as root */
}

/* ---- readiness ---- */

bool unix_full(const struct unix_sock *u)
{
	return u->queued >= UNIX_RCVBUF ||
	       u->nqueued >= (u->type == SOCK_STREAM ? UNIX_STREAM_QLEN : UNIX_DGRAM_QLEN);
}

/* POLL* bits of u now, as Linux's unix_poll/unix_dgram_poll give them. */
static unsigned unix_mask(const struct unix_sock *u)
{
	unsigned m = 0;

	if (u->err)
		m |= POLLERR;
	if (u->shutdown == SHUTDOWN_MASK)
		m |= POLLHUP;
	if (u->shutdown & RCV_SHUTDOWN)
		m |= POLLRDHUP | POLLIN;
	if (u->nqueued || !list_empty(&u->accept_q))
		m |= POLLIN;
	if (u->type != SOCK_DGRAM && u->state == UNIX_UNCONNECTED)
		m |= POLLHUP;
	/* A datagram pair connected both ways is writable as Linux's (by its own sndbuf). */
	if (u->state != UNIX_LISTENING &&
	    !(u->peer && (u->type != SOCK_DGRAM || u->peer->peer != u) && unix_full(u->peer)))
		m |= POLLOUT;
	return m;
}

static void unix_notify(struct unix_sock *u)
{
	u->seq++;
	__atomic_store_n(&u->pollmask, unix_mask(u), __ATOMIC_RELEASE);
	wq_wake_all(&u->wq);
	if (u->sock)
		sock_wake(u->sock);
}

void unix_touch(struct unix_sock *u)
{
	bool full = unix_full(u);

	unix_notify(u);
	if (full == u->was_full)
		return;
	/* Senders' POLLOUT follows this queue's room: tell every socket sending here. */
	u->was_full = full;
	list_for_each_entry(s, &unix_all, struct unix_sock, all_node)
		if (s->peer == u && s != u)
			unix_notify(s);
}

uint64_t unix_deadline(uint64_t timeo_ns)
{
	return timeo_ns ? time_ns() + timeo_ns : 0;
}

int unix_wait(struct unix_sock *u, uint64_t seen, uint64_t deadline)
{
	uint64_t now;
	int r;

	if (!deadline)
		return wait_event_interruptible(&u->wq, READ_ONCE(u->seq) != seen);
	now = time_ns();
	if (now >= deadline)
		return -EAGAIN;
	r = wait_event_interruptible_timeout(&u->wq, READ_ONCE(u->seq) != seen, deadline - now);
	return r < 0 ? -EINTR : r == 0 ? -EAGAIN : 0;
}

/* ---- connections ---- */

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = s->priv;
	int r = 0;

	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	mutex_lock(&unix_mtx);
	if (!u->addr || u->state == UNIX_CONNECTED) {
		r = -EINVAL;
	} else {
		u->state = UNIX_LISTENING;
		u->backlog = (unsigned)backlog;
		unix_current_cred(&u->peercred);
		unix_touch(u);
	}
	mutex_unlock(&unix_mtx);
	return r;
}

/* The server side of a new connection from u to listener l. unix_mtx held. */
static int unix_make_embryo(struct unix_sock *u, struct unix_sock *l)
{
	struct unix_sock *e = unix_alloc(u->type);

	if (!e || (l->addr && !(e->addr = kmalloc(sizeof(*e->addr))))) {
		if (e)
			unix_put(e);
		return -ENOMEM;
	}
	if (l->addr) {
		*e->addr = *l->addr;
		e->addr->ino = NULL;		/* a copy of the name, not a binding */
	}
	e->refs = 2;				/* the accept queue's and u's */
	e->state = UNIX_CONNECTED;
	e->peer = u;
	unix_get(u);
	unix_current_cred(&e->peercred);
	u->peer = e;
	u->state = UNIX_CONNECTED;
	u->peercred = l->peercred;
	list_append(&l->accept_q, &e->accept_node);
	l->nbacklog++;
	unix_touch(e);
	unix_touch(l);
	unix_touch(u);
	return 0;
}

static int unix_stream_connect(struct unix_sock *u, const void *addr, size_t len,
			       bool nonblock, uint64_t deadline)
{
	struct unix_sock *l;
	uint64_t seen;
	int r;

	for (;;) {
		mutex_lock(&unix_mtx);
		if (u->state != UNIX_UNCONNECTED) {
			r = u->state == UNIX_CONNECTED ? -EISCONN : -EINVAL;
			break;
		}
		if ((r = unix_find(addr, len, u->type, &l)) != 0)
			break;
		if (l->state != UNIX_LISTENING || l->dead) {
			r = -ECONNREFUSED;
		} else if (l->nbacklog <= l->backlog) {
			r = unix_make_embryo(u, l);
		} else if (nonblock) {
			r = -EAGAIN;
		} else {
			seen = l->seq;
			mutex_unlock(&unix_mtx);
			r = unix_wait(l, seen, deadline);
			mutex_lock(&unix_mtx);
			unix_put(l);
			mutex_unlock(&unix_mtx);
			if (r)
				return r;
			continue;
		}
		unix_put(l);
		break;
	}
	mutex_unlock(&unix_mtx);
	return r;
}

static int unix_connect(struct socket *s, const void *addr, size_t len, bool nonblock)
{
	struct unix_sock *u = s->priv, *t = NULL, *old;
	int r = 0;

	if (u->type != SOCK_DGRAM)
		return unix_stream_connect(u, addr, len, nonblock, unix_deadline(s->sndtimeo_ns));
	mutex_lock(&unix_mtx);
	if (len < 2 || *(const uint16_t *)addr != AF_UNSPEC)
		r = unix_find(addr, len, u->type, &t);
	if (!r) {
		old = u->peer;
		u->peer = t;			/* AF_UNSPEC: disconnects */
		if (old) {
			unix_touch(old);
			unix_put(old);
		}
		unix_touch(u);
	}
	mutex_unlock(&unix_mtx);
	return r;
}

static int unix_accept(struct socket *s, struct socket *ns, bool nonblock)
{
	struct unix_sock *l = s->priv, *e;
	uint64_t deadline = unix_deadline(s->rcvtimeo_ns), seen;
	int r;

	for (;;) {
		mutex_lock(&unix_mtx);
		if (l->state != UNIX_LISTENING) {
			mutex_unlock(&unix_mtx);
			return -EINVAL;
		}
		if (!list_empty(&l->accept_q))
			break;
		seen = l->seq;
		mutex_unlock(&unix_mtx);
		if (nonblock)
			return -EAGAIN;
		if ((r = unix_wait(l, seen, deadline)) != 0)
			return r;
	}
	e = list_first(&l->accept_q, struct unix_sock, accept_node);
	list_remove(&e->accept_node);
	list_init(&e->accept_node);
	l->nbacklog--;
	e->sock = ns;			/* the queue's reference becomes the socket's */
	ns->priv = e;
	unix_touch(e);
	unix_touch(l);
	mutex_unlock(&unix_mtx);
	return 0;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = s->priv, *p;
	unsigned mode = (unsigned)(how + 1) & SHUTDOWN_MASK;

	mutex_lock(&unix_mtx);
	u->shutdown |= mode;
	unix_touch(u);
	p = u->peer;
	if (p && u->type != SOCK_DGRAM) {
		p->shutdown |= ((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
			       ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0);
		unix_touch(p);
	}
	mutex_unlock(&unix_mtx);
	return 0;
}

/* ---- release ---- */

/* u is closed or never accepted: it refuses data, its peer sees the end. unix_mtx held;
 * its queued skbs go onto junk for freeing outside the lock. */
static void unix_kill(struct unix_sock *u, struct list_node *junk, bool embryo)
{
	struct unix_sock *p = u->peer;
	bool unread = u->nqueued != 0;

	u->dead = true;
	u->sock = NULL;
	if (!list_empty(&u->bound_node)) {
		list_remove(&u->bound_node);
		list_init(&u->bound_node);
	}
	unix_queue_take(u, junk);
	while (!list_empty(&u->accept_q)) {
		struct unix_sock *e = list_first(&u->accept_q, struct unix_sock, accept_node);

		list_remove(&e->accept_node);
		list_init(&e->accept_node);
		unix_kill(e, junk, true);
		unix_put(e);			/* the queue's reference */
	}
	if (p && u->type != SOCK_DGRAM) {
		p->shutdown = SHUTDOWN_MASK;
		if (unread || embryo)
			p->err = ECONNRESET;	/* data or a connection was thrown away */
		unix_touch(p);
	}
	if (p) {
		u->peer = NULL;
		unix_put(p);
	}
	u->state = UNIX_UNCONNECTED;
	unix_touch(u);
}

static void unix_release(struct socket *s)
{
	struct unix_sock *u = s->priv;
	struct list_node junk = LIST_HEAD_INIT(junk);

	if (!u)
		return;
	mutex_lock(&unix_mtx);
	unix_kill(u, &junk, false);
	unix_put(u);
	mutex_unlock(&unix_mtx);
	s->priv = NULL;
	unix_skb_free_list(&junk);
}

/* ---- options, poll, ioctl ---- */

static int unix_getsockopt(struct socket *s, int level, int name, void *val, size_t *len)
{
	struct unix_sock *u = s->priv;
	struct ucred c;
	int v, r = 0;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	mutex_lock(&unix_mtx);
	switch (name) {
	case SO_PEERCRED:	c = u->peercred; break;
	case SO_PASSCRED:	v = u->passcred; break;
	case SO_ERROR:		v = u->err; u->err = 0; unix_touch(u); break;
	case SO_SNDBUF:
	case SO_RCVBUF:		v = UNIX_RCVBUF; break;
	default:		r = -ENOPROTOOPT; break;
	}
	mutex_unlock(&unix_mtx);
	if (r)
		return r;
	return name == SO_PEERCRED ? sockopt_put(val, len, &c, sizeof(c)) :
				     sockopt_put(val, len, &v, sizeof(v));
}

static int unix_setsockopt(struct socket *s, int level, int name, const void *val, size_t len)
{
	struct unix_sock *u = s->priv;
	int v;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name != SO_PASSCRED)
		return -ENOPROTOOPT;
	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	mutex_lock(&unix_mtx);
	u->passcred = v != 0;
	mutex_unlock(&unix_mtx);
	return 0;
}

static unsigned unix_poll(struct socket *s)
{
	struct unix_sock *u = s->priv;

	return __atomic_load_n(&u->pollmask, __ATOMIC_ACQUIRE);
}

static long unix_ioctl(struct socket *s, unsigned cmd, void *arg)
{
	struct unix_sock *u = s->priv;
	int n = 0;

	if (cmd != FIONREAD)
		return -ENOTTY;
	mutex_lock(&unix_mtx);
	if (u->state == UNIX_LISTENING) {
		mutex_unlock(&unix_mtx);
		return -EINVAL;
	}
	if (u->type == SOCK_STREAM) {
		n = (int)u->queued;
	} else if (!list_empty(&u->queue)) {
		struct unix_skb *skb = list_first(&u->queue, struct unix_skb, node);

		n = (int)skb->len;
	}
	mutex_unlock(&unix_mtx);
	memcpy(arg, &n, sizeof(n));
	return 0;
}

static const struct proto_ops unix_ops = {
	.release = unix_release,
	.bind = unix_bind,
	.connect = unix_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
};

/* ---- the family ---- */

static int unix_create(struct socket *s, int type, int protocol)
{
	struct unix_sock *u;

	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = s->type = SOCK_DGRAM;	/* Linux's alias */
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	mutex_lock(&unix_mtx);
	u = unix_alloc(type);
	if (u) {
		u->sock = s;
		unix_touch(u);
	}
	mutex_unlock(&unix_mtx);
	if (!u)
		return -ENOMEM;
	s->ops = &unix_ops;
	s->priv = u;
	return 0;
}

static int unix_pair(struct socket *a, struct socket *b)
{
	struct unix_sock *ua = a->priv, *ub = b->priv;

	mutex_lock(&unix_mtx);
	ua->peer = ub;
	ub->peer = ua;
	unix_get(ua);
	unix_get(ub);
	if (ua->type != SOCK_DGRAM)
		ua->state = ub->state = UNIX_CONNECTED;
	unix_current_cred(&ua->peercred);
	ub->peercred = ua->peercred;
	unix_touch(ua);
	unix_touch(ub);
	mutex_unlock(&unix_mtx);
	return 0;
}

static const struct net_family unix_family = {
	.family = AF_UNIX,
	.create = unix_create,
	.pair = unix_pair,
};

void unix_init(void)
{
	sock_register_family(&unix_family);
}
