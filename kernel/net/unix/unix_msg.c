/*
 * net/unix/unix_msg.c — AF_UNIX data: the receive queues, stream and datagram transfer, and
 * control messages (SCM_RIGHTS, SCM_CREDENTIALS).
 *
 * A sender copies the user's bytes into a new skb outside unix_mtx, then queues it on the
 * receiver (its peer, or a datagram's destination) under the lock, waiting while that queue is
 * full. Stream data is one byte sequence cut into skbs of at most UNIX_SKB_MAX; a read takes
 * bytes across skbs but stops after one that carries files, so files arrive with the bytes
 * they were sent with (Linux's rule). Datagram and seqpacket skbs are whole messages: a short
 * read cuts one (MSG_TRUNC).
 *
 * Files in flight: an skb holds a counted reference to each file sent with SCM_RIGHTS until a
 * reader installs it as a new fd; a file that does not fit in the reader's control buffer, and
 * every file of a queue thrown away (receiver closed), is put — outside unix_mtx, as its own
 * release may be a unix socket's. (Cycles of sockets sent over themselves are not collected.)
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/spinlock.h>
#include <keel/string.h>

/* Control data of one send. */
struct unix_scm {
	struct file *fds[SCM_MAX_FD];
	unsigned nfds;
	struct ucred cred;
};

static void scm_drop(struct unix_scm *scm)
{
	for (unsigned i = 0; i < scm->nfds; i++)
		file_put(scm->fds[i]);
	scm->nfds = 0;
}

static int scm_add_rights(struct unix_scm *scm, const struct kcmsghdr *c)
{
	size_t n = (c->len - sizeof(*c)) / sizeof(int);
	const int *fd = KCMSG_DATA(c);

	if (!n)
		return 0;
	if (n > SCM_MAX_FD - scm->nfds)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct file *f = fd_get_file(fd[i]);

		if (!f)
			return -EBADF;
		scm->fds[scm->nfds++] = f;
	}
	return 0;
}

/* The sender's control messages (only SOL_SOCKET ones mean anything here). */
static int scm_parse(struct kmsg *m, struct unix_scm *scm)
{
	struct kcmsghdr *c = NULL;
	int err;

	scm->nfds = 0;
	unix_current_cred(&scm->cred);
	while ((c = kmsg_cmsg_next(m, c, &err)) != NULL) {
		if (c->level != SOL_SOCKET)
			continue;
		if (c->type == SCM_RIGHTS) {
			err = scm_add_rights(scm, c);
		} else if (c->type == SCM_CREDENTIALS && c->len == KCMSG_LEN(sizeof(scm->cred))) {
			memcpy(&scm->cred, KCMSG_DATA(c), sizeof(scm->cred));	/* root may */
		} else {
			err = -EINVAL;
		}
		if (err)
			break;
	}
	if (err)
		scm_drop(scm);
	return err;
}

/* A new skb of len bytes from m, carrying scm's files when scm != NULL (which then owns
 * none). -ENOMEM, -EFAULT. */
static int skb_make(struct kmsg *m, size_t len, struct unix_scm *scm, struct unix_skb **out)
{
	struct unix_skb *skb = kzalloc(sizeof(*skb) + len);
	ssize_t r;

	if (!skb)
		return -ENOMEM;
	if ((r = kmsg_copy_from(m, skb->data, len)) < 0) {
		kfree(skb);
		return (int)r;
	}
	skb->len = len;
	if (scm) {
		skb->cred = scm->cred;
		if (scm->nfds) {
			skb->fds = kmalloc(scm->nfds * sizeof(struct file *));
			if (!skb->fds) {
				kfree(skb);
				return -ENOMEM;
			}
			memcpy(skb->fds, scm->fds, scm->nfds * sizeof(struct file *));
			skb->nfds = scm->nfds;
			scm->nfds = 0;
		}
	}
	*out = skb;
	return 0;
}

static void skb_free(struct unix_skb *skb)
{
	for (unsigned i = 0; i < skb->nfds; i++)
		if (skb->fds[i])
			file_put(skb->fds[i]);
	kfree(skb->fds);
	kfree(skb);
}

/*
 * Freeing a message drops the files it carries; the last reference to a unix socket frees that
 * socket's queue in turn, so a chain of sockets passed inside each other would recurse once per
 * link and overflow the kernel stack. The first freer therefore drains one global list until it
 * is empty; a free that arrives meanwhile (from inside the drain, or another CPU) only appends.
 */
static struct spinlock skb_free_lock = SPINLOCK_INIT("unix skb free");
static struct list_node skb_free_pending = LIST_HEAD_INIT(skb_free_pending);
static bool skb_free_draining;

void unix_skb_free_list(struct list_node *list)
{
	bool f = spin_lock_irqsave(&skb_free_lock);

	while (!list_empty(list)) {
		struct list_node *n = list->next;

		list_remove(n);
		list_append(&skb_free_pending, n);
	}
	if (skb_free_draining) {
		spin_unlock_irqrestore(&skb_free_lock, f);
		return;
	}
	skb_free_draining = true;
	while (!list_empty(&skb_free_pending)) {
		struct unix_skb *skb = list_first(&skb_free_pending, struct unix_skb, node);

		list_remove(&skb->node);
		spin_unlock_irqrestore(&skb_free_lock, f);
		skb_free(skb);
		f = spin_lock_irqsave(&skb_free_lock);
	}
	skb_free_draining = false;
	spin_unlock_irqrestore(&skb_free_lock, f);
}

void unix_queue_take(struct unix_sock *u, struct list_node *out)
{
	while (!list_empty(&u->queue)) {
		struct unix_skb *skb = list_first(&u->queue, struct unix_skb, node);

		list_remove(&skb->node);
		list_append(out, &skb->node);
	}
	u->queued = 0;
	u->nqueued = 0;
}

/* True when t cannot take len more bytes now (one message always fits an empty queue). */
static bool unix_full_for(const struct unix_sock *t, size_t len)
{
	return t->nqueued >= UNIX_DGRAM_QLEN || (t->queued && t->queued + len > UNIX_RCVBUF);
}

static void skb_queue(struct unix_sock *t, struct unix_skb *skb)
{
	list_append(&t->queue, &skb->node);
	t->queued += skb->len - skb->off;
	t->nqueued++;
	unix_touch(t);
}

/* ---- sending ---- */

/* Why u cannot send on its connection now (0: it can). unix_mtx held. */
static int unix_conn_send_err(struct unix_sock *u)
{
	if (u->state != UNIX_CONNECTED)
		return -ENOTCONN;
	if ((u->shutdown & SEND_SHUTDOWN) || !u->peer || u->peer->dead ||
	    (u->peer->shutdown & RCV_SHUTDOWN))
		return -EPIPE;
	return 0;
}

/* Waits, without unix_mtx, for t's queue to change; drops the lock and takes it again. */
static int unix_wait_on(struct unix_sock *t, uint64_t deadline)
{
	uint64_t seen = t->seq;
	int r;

	unix_get(t);
	mutex_unlock(&unix_mtx);
	r = unix_wait(t, seen, deadline);
	mutex_lock(&unix_mtx);
	unix_put(t);
	return r;
}

static ssize_t unix_stream_send(struct unix_sock *u, struct socket *s, struct kmsg *m,
				unsigned flags, struct unix_scm *scm)
{
	uint64_t deadline = unix_deadline(s->sndtimeo_ns);
	size_t total = kmsg_left(m), sent = 0;
	int r = 0;

	if (m->namelen)
		return u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	mutex_lock(&unix_mtx);
	for (;;) {
		struct unix_skb *skb;
		size_t room, chunk;

		if ((r = unix_conn_send_err(u)) != 0 || sent == total)
			break;
		room = unix_full(u->peer) ? 0 : UNIX_RCVBUF - u->peer->queued;
		if (!room) {
			r = (flags & MSG_DONTWAIT) ? -EAGAIN : unix_wait_on(u->peer, deadline);
			if (r)
				break;
			continue;
		}
		chunk = MIN(MIN(total - sent, room), (size_t)UNIX_SKB_MAX);
		mutex_unlock(&unix_mtx);
		r = skb_make(m, chunk, scm, &skb);
		mutex_lock(&unix_mtx);
		if (!r && (r = unix_conn_send_err(u)) != 0) {
			mutex_unlock(&unix_mtx);
			skb_free(skb);
			mutex_lock(&unix_mtx);
		}
		if (r)
			break;
		skb_queue(u->peer, skb);
		scm = NULL;			/* files travel with the first chunk */
		sent += chunk;
	}
	mutex_unlock(&unix_mtx);
	return sent ? (ssize_t)sent : r;
}

/* Where a datagram from u goes, counted in *out. unix_mtx held. */
static int unix_dgram_dest(struct unix_sock *u, struct kmsg *m, struct unix_sock **out)
{
	int r;

	if (u->type == SOCK_SEQPACKET) {
		if ((r = unix_conn_send_err(u)) != 0)
			return r;
		*out = u->peer;
	} else if (m->namelen) {
		return unix_find(m->name, m->namelen, u->type, out);
	} else if (!(*out = u->peer)) {
		return -ENOTCONN;
	}
	unix_get(*out);
	return 0;
}

/* Why t takes no datagram from u now (0: it takes one when there is room). unix_mtx held. */
static int unix_dgram_refused(struct unix_sock *u, struct unix_sock *t)
{
	if (u->type == SOCK_SEQPACKET)
		return unix_conn_send_err(u);
	if (t->dead) {
		if (u->peer == t) {		/* Linux: the connection is dropped */
			u->peer = NULL;
			unix_put(t);
			unix_touch(u);
		}
		return -ECONNREFUSED;
	}
	if (t->shutdown & RCV_SHUTDOWN)
		return -EPIPE;
	if (t->peer && t->peer != u)
		return -EPERM;
	return 0;
}

static ssize_t unix_dgram_send(struct unix_sock *u, struct socket *s, struct kmsg *m,
			       unsigned flags, struct unix_scm *scm)
{
	uint64_t deadline = unix_deadline(s->sndtimeo_ns);
	size_t len = kmsg_left(m);
	struct unix_sock *t;
	struct unix_skb *skb;
	int r;

	if (len > UNIX_RCVBUF - 32)
		return -EMSGSIZE;
	if ((r = skb_make(m, len, scm, &skb)) != 0)
		return r;
	mutex_lock(&unix_mtx);
	if ((r = unix_dgram_dest(u, m, &t)) != 0)
		goto out;
	while ((r = unix_dgram_refused(u, t)) == 0 && unix_full_for(t, len)) {
		r = (flags & MSG_DONTWAIT) ? -EAGAIN : unix_wait_on(t, deadline);
		if (r)
			break;
	}
	if (!r) {
		if (u->addr) {
			skb->from = *u->addr;
			skb->from.ino = NULL;
		}
		skb_queue(t, skb);
		skb = NULL;
	}
	unix_put(t);
out:
	mutex_unlock(&unix_mtx);
	if (skb)
		skb_free(skb);
	return r ? r : (ssize_t)len;
}

ssize_t unix_sendmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct unix_sock *u = s->priv;
	struct unix_scm *scm;
	ssize_t r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (!(scm = kmalloc(sizeof(*scm))))
		return -ENOMEM;
	if ((r = scm_parse(m, scm)) == 0) {
		r = u->type == SOCK_STREAM ? unix_stream_send(u, s, m, flags, scm) :
					     unix_dgram_send(u, s, m, flags, scm);
		scm_drop(scm);
	}
	kfree(scm);
	return r;
}

/* ---- receiving ---- */

/* Delivers skb's control data to the reader: credentials when asked (SO_PASSCRED), then its
 * files as new fds, as many as the control buffer holds. Without peek the skb gives its files
 * up (the ones not delivered are put); with peek they are duplicated. No unix_mtx. */
static void scm_recv(struct unix_sock *u, struct kmsg *m, struct unix_skb *skb, bool peek)
{
	int fds[SCM_MAX_FD];
	unsigned n, i;
	struct files *fs;

	if (READ_ONCE(u->passcred))
		kmsg_put_cmsg(m, SOL_SOCKET, SCM_CREDENTIALS, &skb->cred, sizeof(skb->cred));
	if (!skb->nfds)
		return;
	n = MIN(skb->nfds, (unsigned)(kmsg_cmsg_room(m) / sizeof(int)));
	fs = files_current();
	for (i = 0; i < n && fs; i++) {
		struct file *f = skb->fds[i];

		file_get(f);
		fds[i] = fd_install(fs, f, 0, m->cmsg_flags & MSG_CMSG_CLOEXEC);
		if (fds[i] < 0) {
			file_put(f);
			break;
		}
	}
	if (fs)
		files_put(fs);
	if (i)
		kmsg_put_cmsg(m, SOL_SOCKET, SCM_RIGHTS, fds, i * sizeof(int));
	if (i < skb->nfds)
		m->flags |= MSG_CTRUNC;
	if (peek)
		return;
	for (i = 0; i < skb->nfds; i++)
		file_put(skb->fds[i]);
	skb->nfds = 0;
}

/* Takes n bytes of skb as read (unix_mtx held); a finished skb goes onto done. */
static void skb_consume(struct unix_sock *u, struct unix_skb *skb, size_t n,
			struct list_node *done)
{
	skb->off += n;
	u->queued -= n;
	if (skb->off == skb->len || u->type != SOCK_STREAM) {
		u->queued -= skb->len - skb->off;
		list_remove(&skb->node);
		list_append(done, &skb->node);
		u->nqueued--;
	}
	unix_touch(u);
	if (u->peer && u->type != SOCK_DGRAM)
		unix_touch(u->peer);
}

/* With u->iolock held: the first skb at or after *at (NULL: the queue's head), or why there
 * is none: 0 at end of file, -EAGAIN, -ERESTARTSYS, -ECONNRESET... after waiting as flags
 * and the deadline allow. *at is set to the skb. Nothing waits when copied > 0. */
static int unix_next_skb(struct unix_sock *u, struct unix_skb **at, unsigned flags,
			 uint64_t deadline, bool wait)
{
	for (;;) {
		struct list_node *n;
		int r;

		mutex_lock(&unix_mtx);
		n = *at ? (*at)->node.next : u->queue.next;
		if (n != &u->queue) {
			*at = list_entry(n, struct unix_skb, node);
			mutex_unlock(&unix_mtx);
			return 1;
		}
		if (u->err) {
			r = -u->err;
			u->err = 0;
			unix_touch(u);
		} else if ((u->shutdown & RCV_SHUTDOWN) ||
			   (u->type != SOCK_DGRAM && u->state == UNIX_UNCONNECTED)) {
			r = 0;
		} else if (!wait || (flags & MSG_DONTWAIT)) {
			r = -EAGAIN;
		} else {
			uint64_t seen = u->seq;

			mutex_unlock(&unix_mtx);
			mutex_unlock(&u->iolock);
			r = unix_wait(u, seen, deadline);
			mutex_lock(&u->iolock);
			if (r)
				return r;
			continue;
		}
		mutex_unlock(&unix_mtx);
		return r;
	}
}

static ssize_t unix_stream_recv(struct unix_sock *u, struct socket *s, struct kmsg *m,
				unsigned flags)
{
	uint64_t deadline = unix_deadline(s->rcvtimeo_ns);
	struct list_node done = LIST_HEAD_INIT(done);
	size_t want = kmsg_left(m), copied = 0;
	struct unix_skb *skb = NULL, *prev = NULL;
	bool peek = flags & MSG_PEEK;
	ssize_t r = 0;

	if (READ_ONCE(u->state) != UNIX_CONNECTED)
		return -EINVAL;
	mutex_lock(&u->iolock);
	while (copied < want || !want) {
		/* A peek never sleeps holding prev: a reader may take it meanwhile. */
		bool wait = !copied || (!peek && (flags & MSG_WAITALL) && copied < want);
		size_t off, n;
		bool had_fds;

		skb = peek ? prev : NULL;
		if ((r = unix_next_skb(u, &skb, flags, deadline, wait)) <= 0)
			break;
		if (copied && skb->nfds)
			break;			/* files start a new read */
		off = skb->off;		/* only the head skb is partly read */
		n = MIN(want - copied, skb->len - off);
		if ((r = kmsg_copy_to(m, skb->data + off, n)) < 0)
			break;
		had_fds = skb->nfds;
		scm_recv(u, m, skb, peek);
		copied += n;
		if (peek) {
			prev = skb;
		} else {
			mutex_lock(&unix_mtx);
			skb_consume(u, skb, n, &done);
			mutex_unlock(&unix_mtx);
		}
		if (!want || had_fds || off + n < skb->len)
			break;
	}
	mutex_unlock(&u->iolock);
	unix_skb_free_list(&done);
	return copied ? (ssize_t)copied : r;
}

static ssize_t unix_dgram_recv(struct unix_sock *u, struct socket *s, struct kmsg *m,
			       unsigned flags)
{
	struct list_node done = LIST_HEAD_INIT(done);
	struct unix_skb *skb = NULL;
	size_t n;
	ssize_t r;

	if (u->type == SOCK_SEQPACKET && READ_ONCE(u->state) != UNIX_CONNECTED)
		return -ENOTCONN;
	mutex_lock(&u->iolock);
	r = unix_next_skb(u, &skb, flags, unix_deadline(s->rcvtimeo_ns), true);
	if (r <= 0)
		goto out;
	n = MIN(kmsg_left(m), skb->len);
	if ((r = kmsg_copy_to(m, skb->data, n)) < 0)
		goto out;
	if (n < skb->len)
		m->flags |= MSG_TRUNC;
	if (m->name) {
		memcpy(m->name, skb->from.name, skb->from.len);
		m->namelen = skb->from.len;
	}
	scm_recv(u, m, skb, flags & MSG_PEEK);
	r = (flags & MSG_TRUNC) ? (ssize_t)skb->len : (ssize_t)n;
	if (!(flags & MSG_PEEK)) {
		mutex_lock(&unix_mtx);
		skb_consume(u, skb, 0, &done);
		mutex_unlock(&unix_mtx);
	}
out:
	mutex_unlock(&u->iolock);
	unix_skb_free_list(&done);
	return r;
}

ssize_t unix_recvmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct unix_sock *u = s->priv;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	return u->type == SOCK_STREAM ? unix_stream_recv(u, s, m, flags) :
					unix_dgram_recv(u, s, m, flags);
}
