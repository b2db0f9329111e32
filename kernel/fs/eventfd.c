/*
 * fs/eventfd.c — eventfd(2) and eventfd2(2): a 64-bit counter behind a file.
 *
 * write adds its 8-byte value (UINT64_MAX is refused) and waits while the sum would pass
 * UINT64_MAX - 1; read takes the whole count (EFD_SEMAPHORE: takes 1) and waits while it is
 * 0. Readable while count > 0, writable while a write of 1 would fit, as Linux.
 *
 * Locking: ev->wq.lock guards count; readers and writers sleep on ev->wq (woken all at once:
 * few share an eventfd). Pollers are woken after the lock is dropped.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/syscall.h>

#define EFD_SEMAPHORE	1
#define EFD_NONBLOCK	O_NONBLOCK
#define EFD_CLOEXEC	O_CLOEXEC
#define EFD_MAX		(UINT64_MAX - 1)

struct eventfd {
	struct wait_queue wq;
	struct poll_head poll;
	uint64_t count;
	bool semaphore;
};

/* Waits under wq.lock (held on entry and return) until ok(ev, arg); 0 or -errno. */
static int efd_wait_locked(struct eventfd *ev, bool (*ok)(struct eventfd *, uint64_t),
			   uint64_t arg, unsigned io)
{
	while (!ok(ev, arg)) {
		struct waiter w;
		int r;

		if (io & IO_NONBLOCK)
			return -EAGAIN;
		r = wq_wait_interruptible_locked(&ev->wq, &w, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool efd_has_count(struct eventfd *ev, uint64_t unused)
{
	return ev->count > 0;
}

static bool efd_has_room(struct eventfd *ev, uint64_t add)
{
	return EFD_MAX - ev->count >= add;
}

static ssize_t efd_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	struct eventfd *ev = f->priv;
	uint64_t val;
	bool fl;
	int r;

	if (n < sizeof(val))
		return -EINVAL;
	fl = wq_lock_to_wait(&ev->wq, "eventfd read");
	r = efd_wait_locked(ev, efd_has_count, 0, io);
	if (!r) {
		val = ev->semaphore ? 1 : ev->count;
		ev->count -= val;
		wq_wake_all_locked(&ev->wq);
	}
	spin_unlock_irqrestore(&ev->wq.lock, fl);
	if (r)
		return r;
	poll_wake(&ev->poll, POLLOUT | POLLWRNORM);
	memcpy(buf, &val, sizeof(val));
	return sizeof(val);
}

static ssize_t efd_write(struct file *f, const void *buf, size_t n, uint64_t *pos,
			 unsigned io)
{
	struct eventfd *ev = f->priv;
	uint64_t val;
	bool fl;
	int r;

	if (n < sizeof(val))
		return -EINVAL;
	memcpy(&val, buf, sizeof(val));
	if (val == UINT64_MAX)
		return -EINVAL;
	fl = wq_lock_to_wait(&ev->wq, "eventfd write");
	r = efd_wait_locked(ev, efd_has_room, val, io);
	if (!r && val) {
		ev->count += val;
		wq_wake_all_locked(&ev->wq);
	}
	spin_unlock_irqrestore(&ev->wq.lock, fl);
	if (r)
		return r;
	if (val)
		poll_wake(&ev->poll, POLLIN | POLLRDNORM);
	return sizeof(val);
}

static unsigned efd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *ev = f->priv;
	uint64_t count;

	poll_wait(f, &ev->poll, pt);
	count = READ_ONCE(ev->count);
	return (count ? POLLIN | POLLRDNORM : 0) | (count < EFD_MAX ? POLLOUT | POLLWRNORM : 0);
}

static void efd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_fops = {
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.release = efd_release,
	.stream = true,
};

static long eventfd_create(unsigned initval, int flags)
{
	struct eventfd *ev;
	struct file *f;

	if (flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC))
		return -EINVAL;
	if (!(ev = kzalloc(sizeof(*ev))))
		return -ENOMEM;
	wq_init(&ev->wq, "eventfd");
	poll_head_init(&ev->poll, "eventfd poll");
	ev->count = initval;
	ev->semaphore = flags & EFD_SEMAPHORE;
	if (!(f = anon_file_new(&eventfd_fops, ev, O_RDWR | (flags & EFD_NONBLOCK)))) {
		kfree(ev);
		return -ENOMEM;
	}
	return fd_install_current(f, flags & EFD_CLOEXEC);
}

SYSCALL1(eventfd, unsigned, initval)
{
	return eventfd_create(initval, 0);
}

SYSCALL2(eventfd2, unsigned, initval, int, flags)
{
	return eventfd_create(initval, flags);
}
