/*
 * fs/sys_poll.c — poll(2), over one global change counter.
 *
 * Everything pollable (pipes, the tty) calls vfs_poll_notify() after a change that could make
 * an fd ready: it bumps poll_seq and wakes poll_wq. poll() scans its fds, and when none is
 * ready sleeps until poll_seq moves, the timeout passes or a signal arrives, then scans again.
 * A change between the scan and the sleep moves poll_seq, which the sleep condition sees, so
 * no readiness is missed. Wakeups are shared by all pollers; keel has few.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/syscall.h>
#include <keel/time.h>

struct pollfd {
	int fd;
	short events, revents;
};

static struct wait_queue poll_wq = WAIT_QUEUE_INIT(poll_wq, "poll");
static uint64_t poll_seq;

void vfs_poll_notify(void)
{
	__atomic_fetch_add(&poll_seq, 1, __ATOMIC_RELEASE);
	wq_wake_all(&poll_wq);
}

/* Fills revents; returns how many fds have any. */
static int poll_scan(struct pollfd *pfd, unsigned n)
{
	int ready = 0;

	for (unsigned i = 0; i < n; i++) {
		struct file *f;
		unsigned m;

		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			continue;
		f = fd_get_file(pfd[i].fd);
		if (!f) {
			m = POLLNVAL;
		} else {
			m = file_poll(f);
			if (m & POLLIN)
				m |= POLLRDNORM;
			if (m & POLLOUT)
				m |= POLLWRNORM;
			m &= (unsigned)(uint16_t)pfd[i].events | POLLERR | POLLHUP;
			file_put(f);
		}
		pfd[i].revents = (short)m;
		ready += m != 0;
	}
	return ready;
}

static long poll_wait(struct pollfd *pfd, unsigned n, int timeout_ms)
{
	uint64_t deadline = timeout_ms > 0 ? sched_deadline((uint64_t)timeout_ms * 1000000) : 0;

	for (;;) {
		uint64_t seq = __atomic_load_n(&poll_seq, __ATOMIC_ACQUIRE), now;
		int ready = poll_scan(pfd, n), r;

		if (ready || timeout_ms == 0)
			return ready;
		if (timeout_ms < 0) {
			r = wait_event_interruptible(&poll_wq, READ_ONCE(poll_seq) != seq);
		} else {
			now = time_ns();
			if (now >= deadline)
				return 0;
			r = wait_event_interruptible_timeout(&poll_wq, READ_ONCE(poll_seq) != seq,
							     deadline - now);
		}
		if (r < 0)
			return r;
	}
}

SYSCALL3(7, poll, struct pollfd __user *, ufds, unsigned, nfds, int, timeout)
{
	size_t bytes = (size_t)nfds * sizeof(struct pollfd);
	struct pollfd *pfd;
	long r;

	if (nfds > FILES_MAX)
		return -EINVAL;
	pfd = kmalloc(bytes ? bytes : 1);
	if (!pfd)
		return -ENOMEM;
	if (copy_from_user(pfd, ufds, bytes))
		r = -EFAULT;
	else if ((r = poll_wait(pfd, nfds, timeout)) >= 0 && copy_to_user(ufds, pfd, bytes))
		r = -EFAULT;
	kfree(pfd);
	return r;
}
