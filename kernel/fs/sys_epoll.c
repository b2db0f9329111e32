/*
 * fs/sys_epoll.c — epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait and
 * epoll_pwait2 (the instance itself: fs/epoll.c).
 *
 * epoll_wait harvests the ready list and, while it gives nothing, sleeps on the instance's
 * wait queue until an item is queued, the timeout passes or a signal comes (-EINTR: epoll
 * calls never restart, as on Linux). Sleepers are woken one per event, oldest first, and a
 * harvest that leaves items behind wakes the next, so threads sharing an instance on several
 * CPUs split the work instead of all waking for each event.
 */
#include "epoll.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/signal.h>
#include <keel/syscall.h>
#include <keel/time.h>

#define EP_MAX_EVENTS	(INT32_MAX / (int)sizeof(struct epoll_event))

static long epoll_create_common(unsigned flags)
{
	struct eventpoll *ep;
	struct file *f;

	if (flags & ~(unsigned)EPOLL_CLOEXEC)
		return -EINVAL;
	if (!(ep = ep_alloc()))
		return -ENOMEM;
	f = anon_file_new(&epoll_fops, ep, O_RDWR);
	if (!f) {
		kfree(ep->buckets);
		kfree(ep);
		return -ENOMEM;
	}
	ep->file = f;
	return fd_install_current(f, flags & EPOLL_CLOEXEC);
}

SYSCALL1(epoll_create, int, size)
{
	return size <= 0 ? -EINVAL : epoll_create_common(0);
}

SYSCALL1(epoll_create1, int, flags)
{
	return epoll_create_common((unsigned)flags);
}

SYSCALL4(epoll_ctl, int, epfd, int, op, int, fd, const struct epoll_event __user *, uev)
{
	struct epoll_event ev = { 0, 0 };
	struct file *ef, *tf;
	long r;

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	if (!(ef = fd_get_file(epfd)))
		return -EBADF;
	if (!(tf = fd_get_file(fd))) {
		file_put(ef);
		return -EBADF;
	}
	r = ep_ctl_check(ef, op, tf, &ev);
	if (!r)
		r = ep_ctl(ef->priv, op, fd, tf, &ev);
	file_put(tf);
	file_put(ef);
	return r;
}

/* deadline: absolute, 0 = do not wait, UINT64_MAX = forever. */
static long ep_wait(struct eventpoll *ep, struct epoll_event __user *uev, int maxevents,
		    uint64_t deadline)
{
	for (;;) {
		uint64_t now;
		int n = ep_send_events(ep, uev, maxevents), r;

		if (n || !deadline)
			return n;
		if (signal_pending())
			return -EINTR;
		if (deadline == UINT64_MAX) {
			r = wait_event_interruptible(&ep->wq, !list_empty(&ep->rdllist));
		} else {
			now = time_ns();
			if (now >= deadline)
				return 0;
			r = wait_event_interruptible_timeout(&ep->wq, !list_empty(&ep->rdllist),
							     deadline - now);
		}
		if (r < 0)
			return -EINTR;
	}
}

static long epoll_wait_common(int epfd, struct epoll_event __user *uev, int maxevents,
			      uint64_t deadline, const sigset_t __user *umask, size_t sigsetsize)
{
	struct file *ef;
	sigset_t set;
	long r;

	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	if (!user_range_ok(uev, (size_t)maxevents * sizeof(struct epoll_event)))
		return -EFAULT;
	if (umask) {
		if (sigsetsize != sizeof(sigset_t))
			return -EINVAL;
		if (copy_from_user(&set, umask, sizeof(set)))
			return -EFAULT;
	}
	if (!(ef = fd_get_file(epfd)))
		return -EBADF;
	if (ef->ops != &epoll_fops) {
		file_put(ef);
		return -EINVAL;
	}
	if (umask)
		signal_begin_temp_mask(set);
	r = ep_wait(ef->priv, uev, maxevents, deadline);
	if (umask)
		signal_end_temp_mask(r == -EINTR);
	file_put(ef);
	return r;
}

static uint64_t ms_deadline(int timeout)
{
	return timeout < 0 ? UINT64_MAX : timeout ? sched_deadline((uint64_t)timeout * 1000000) : 0;
}

SYSCALL4(epoll_wait, int, epfd, struct epoll_event __user *, uev, int, maxevents,
	 int, timeout)
{
	return epoll_wait_common(epfd, uev, maxevents, ms_deadline(timeout), NULL, 0);
}

SYSCALL6(epoll_pwait, int, epfd, struct epoll_event __user *, uev, int, maxevents,
	 int, timeout, const sigset_t __user *, umask, size_t, sigsetsize)
{
	return epoll_wait_common(epfd, uev, maxevents, ms_deadline(timeout), umask, sigsetsize);
}

SYSCALL6(epoll_pwait2, int, epfd, struct epoll_event __user *, uev, int, maxevents,
	 const int64_t __user *, uts, const sigset_t __user *, umask, size_t, sigsetsize)
{
	uint64_t deadline = UINT64_MAX;
	int64_t ts[2];

	if (uts) {
		if (copy_from_user(ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
			return -EINVAL;
		deadline = !ts[0] && !ts[1] ? 0 :
			   (uint64_t)ts[0] >= UINT64_MAX / 2000000000 ? UINT64_MAX :
			   sched_deadline((uint64_t)ts[0] * 1000000000 + (uint64_t)ts[1]);
	}
	return epoll_wait_common(epfd, uev, maxevents, deadline, umask, sigsetsize);
}
