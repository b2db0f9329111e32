/*
 * fs/pipe.c — pipes: a 64 KiB ring buffer between a read end and a write end.
 *
 * Readers sleep on rd_wq until there are bytes or no writer is left (then end-of-file);
 * writers sleep on wr_wq until there is room. A write of at most PIPE_BUF bytes waits until it
 * fits whole, so it is never interleaved with another; a larger one goes in pieces and may
 * return a short count when a signal interrupts it after some progress. Writing with no
 * reader left gives -EPIPE and SIGPIPE to the writing thread.
 *
 * Locking: pipe->lock (a mutex) guards the ring and the end counts. A wait condition is
 * re-tested under the wait queue's lock without the mutex, through READ_ONCE of the counts:
 * whoever changes them wakes the queue afterwards, so a sleeper cannot miss the change.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/proc.h>
#include <keel/string.h>

#define PIPE_SIZE	(64 * 1024)

struct pipe {
	struct mutex lock;
	struct wait_queue rd_wq, wr_wq;
	struct poll_head poll;		/* poll/epoll on either end */
	char *buf;
	size_t head, count;		/* buf[head] is the oldest byte */
	int readers, writers;		/* open ends */
	int refs;			/* struct files holding this pipe (two at most); atomic */
};

static void pipe_free(struct pipe *p)
{
	kfree(p->buf);
	kfree(p);
}

static bool pipe_has_data(struct pipe *p)
{
	return READ_ONCE(p->count) > 0 || READ_ONCE(p->writers) == 0;
}

static bool pipe_has_room(struct pipe *p, size_t want)
{
	return PIPE_SIZE - READ_ONCE(p->count) >= want || READ_ONCE(p->readers) == 0;
}

static size_t ring_copy_out(struct pipe *p, char *dst, size_t n)
{
	n = MIN(n, p->count);
	for (size_t done = 0; done < n;) {
		size_t chunk = MIN(n - done, PIPE_SIZE - p->head);

		memcpy(dst + done, p->buf + p->head, chunk);
		p->head = (p->head + chunk) % PIPE_SIZE;
		done += chunk;
	}
	p->count -= n;
	return n;
}

static size_t ring_copy_in(struct pipe *p, const char *src, size_t n)
{
	n = MIN(n, PIPE_SIZE - p->count);
	for (size_t done = 0; done < n;) {
		size_t tail = (p->head + p->count) % PIPE_SIZE;
		size_t chunk = MIN(n - done, PIPE_SIZE - tail);

		memcpy(p->buf + tail, src + done, chunk);
		p->count += chunk;
		done += chunk;
	}
	return n;
}

static ssize_t pipe_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	struct pipe *p = f->priv;

	if (!n)
		return 0;
	for (;;) {
		size_t got;
		int r;

		mutex_lock(&p->lock);
		got = ring_copy_out(p, buf, n);
		if (got || !p->writers) {
			mutex_unlock(&p->lock);
			if (got) {
				wq_wake_all(&p->wr_wq);
				poll_wake(&p->poll, POLLOUT | POLLWRNORM);
			}
			return (ssize_t)got;
		}
		mutex_unlock(&p->lock);
		if (io & IO_NONBLOCK)
			return -EAGAIN;
		r = wait_event_interruptible(&p->rd_wq, pipe_has_data(p));
		if (r)
			return r;
	}
}

/* One step of a write: what fits now (all or nothing for small writes). */
static ssize_t pipe_write_some(struct pipe *p, const char *buf, size_t n, bool atomic)
{
	ssize_t put;

	mutex_lock(&p->lock);
	if (!p->readers)
		put = -EPIPE;
	else if (atomic && PIPE_SIZE - p->count < n)
		put = 0;
	else
		put = (ssize_t)ring_copy_in(p, buf, n);
	mutex_unlock(&p->lock);
	if (put > 0) {
		wq_wake_all_sync(&p->rd_wq);	/* the writer usually blocks next: reads the reply */
		poll_wake(&p->poll, POLLIN | POLLRDNORM);
	}
	return put;
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t n, uint64_t *pos,
			  unsigned io)
{
	struct pipe *p = f->priv;
	bool atomic = n <= PIPE_BUF;
	size_t done = 0;

	while (done < n) {
		ssize_t put = pipe_write_some(p, (const char *)buf + done, n - done, atomic);
		int r;

		if (put == -EPIPE) {
			if (uthread_current())
				signal_send_thread(uthread_current(), SIGPIPE);
			return done ? (ssize_t)done : -EPIPE;
		}
		done += (size_t)put;
		if (done == n)
			break;
		if (io & IO_NONBLOCK)
			return done ? (ssize_t)done : -EAGAIN;
		r = wait_event_interruptible(&p->wr_wq, pipe_has_room(p, atomic ? n : 1));
		if (r)
			return done ? (ssize_t)done : r;
	}
	return (ssize_t)done;
}

static unsigned pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	size_t count;
	unsigned m = 0;

	poll_wait(f, &p->poll, pt);
	count = READ_ONCE(p->count);
	if (file_readable(f)) {
		if (count)
			m |= POLLIN | POLLRDNORM;
		if (!READ_ONCE(p->writers))
			m |= POLLHUP;
	} else {
		if (!READ_ONCE(p->readers))
			m |= POLLERR;
		else if (PIPE_SIZE - count >= PIPE_BUF)
			m |= POLLOUT | POLLWRNORM;
	}
	return m;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	mutex_lock(&p->lock);
	if (file_readable(f))
		p->readers--;
	else
		p->writers--;
	mutex_unlock(&p->lock);
	wq_wake_all(&p->rd_wq);
	wq_wake_all(&p->wr_wq);
	poll_wake(&p->poll, file_readable(f) ? POLLERR : POLLHUP | POLLIN);
	/* The other end may see our count change and be released (and free the pipe) as soon
	 * as the mutex is dropped: our reference keeps p alive through the wakeups, and
	 * dropping it is the last time we touch p. */
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
		pipe_free(p);
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.release = pipe_release,
	.stream = true,
};

int pipe_create(struct file **rd, struct file **wr)
{
	struct pipe *p = kzalloc(sizeof(*p));
	struct inode *ino = inode_new(S_IFIFO | 0600, NULL, &pipe_fops);

	if (!p || !ino || !(p->buf = kmalloc(PIPE_SIZE)))
		goto fail;
	mutex_init(&p->lock, "pipe");
	wq_init(&p->rd_wq, "pipe read");
	wq_init(&p->wr_wq, "pipe write");
	poll_head_init(&p->poll, "pipe poll");
	*rd = file_alloc(ino, O_RDONLY, &pipe_fops);
	*wr = *rd ? file_alloc(ino, O_WRONLY, &pipe_fops) : NULL;
	if (!*wr) {
		if (*rd) {
			(*rd)->ops = NULL;
			file_put(*rd);
		}
		goto fail;
	}
	p->readers = p->writers = 1;
	p->refs = 2;
	(*rd)->priv = (*wr)->priv = p;
	inode_put(ino);			/* the files hold it */
	return 0;
fail:
	if (ino)
		inode_put(ino);
	if (p)
		pipe_free(p);
	return -ENOMEM;
}
