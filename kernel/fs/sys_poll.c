/*
 * fs/sys_poll.c — poll(2), ppoll(2), select(2) and pselect6(2), over per-object poll heads
 * (keel/poll.h).
 *
 * One call keeps a struct poll_wait_set: the first scan passes its poll table to every file's
 * poll op, which queues one entry (holding a file reference) on each head that file's
 * readiness depends on; later scans only ask. A wakeup on any of those heads whose events
 * meet the fd's interest sets `triggered` and wakes the caller; the caller clears triggered
 * before each re-scan and sleeps only while it is clear, so a change between a scan and the
 * sleep is never lost. Only the objects a caller watches wake it.
 *
 * Linux's rules, kept exactly: POLLERR and POLLHUP are reported unasked, a closed fd gives
 * POLLNVAL (poll) or EBADF (select), a signal gives -ERESTARTNOHAND (restarted when no
 * handler runs, -EINTR otherwise) and the signal check wins over a timeout; ppoll, select and
 * pselect6 write the time left back; ppoll and pselect6 wait under the caller's temporary
 * mask (signal_begin_temp_mask). A poll with a finite timeout that a handler-less signal (a
 * stop) interrupts resumes through restart_syscall with its original deadline.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/poll.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>

struct pollfd {
	int fd;
	short events, revents;
};

struct poll_wait_entry {
	struct poll_entry e;
	struct poll_wait_set *ws;
	struct file *file;		/* counted while queued */
	unsigned key;			/* the interest: events | POLLERR | POLLHUP */
};

#define PWE_PER_BLOCK	((4096 - sizeof(void *)) / sizeof(struct poll_wait_entry))
struct pwe_block {
	struct pwe_block *next;
	struct poll_wait_entry ent[PWE_PER_BLOCK];
};

struct poll_wait_set {
	struct poll_table pt;
	struct spinlock lock;		/* triggered; the waker's side of sched_wake */
	bool triggered;
	struct thread *thread;
	unsigned key;			/* interest of the fd being scanned */
	int error;			/* -ENOMEM: an entry could not be made */
	struct pwe_block *blocks;	/* newest first; the head block has `used` entries */
	unsigned used;
};

static int poll_wait_wake(struct poll_entry *e, unsigned events)
{
	struct poll_wait_entry *pe = container_of(e, struct poll_wait_entry, e);
	struct poll_wait_set *ws = pe->ws;

	if (events && !(events & pe->key))
		return 0;
	spin_lock(&ws->lock);
	ws->triggered = true;
	sched_wake(ws->thread);
	spin_unlock(&ws->lock);
	return 1;
}

static void poll_wait_queue(struct poll_table *pt, struct file *f, struct poll_head *head)
{
	struct poll_wait_set *ws = container_of(pt, struct poll_wait_set, pt);
	struct poll_wait_entry *pe;

	if (!ws->blocks || ws->used == PWE_PER_BLOCK) {
		struct pwe_block *b = kmalloc(sizeof(*b));

		if (!b) {
			ws->error = -ENOMEM;
			return;
		}
		b->next = ws->blocks;
		ws->blocks = b;
		ws->used = 0;
	}
	pe = &ws->blocks->ent[ws->used++];
	pe->ws = ws;
	pe->key = ws->key;
	pe->file = f;
	file_get(f);
	pe->e.wake = poll_wait_wake;
	pe->e.exclusive = false;
	poll_entry_add(head, &pe->e);
}

static void poll_wait_init(struct poll_wait_set *ws)
{
	*ws = (struct poll_wait_set){ .pt.queue = poll_wait_queue, .thread = thread_current() };
	spin_init(&ws->lock, "poll wait");
}

/* Unqueues every entry and drops the file references. */
static void poll_wait_free(struct poll_wait_set *ws)
{
	unsigned n = ws->used;

	while (ws->blocks) {
		struct pwe_block *b = ws->blocks;

		for (unsigned i = 0; i < n; i++) {
			poll_entry_remove(&b->ent[i].e);
			file_put(b->ent[i].file);
		}
		ws->blocks = b->next;
		kfree(b);
		n = PWE_PER_BLOCK;
	}
}

/* Sleeps until an entry triggers, the absolute deadline (0: none) passes or a signal comes
 * (the caller re-checks which). Clears triggered for the next scan. */
static void poll_wait_sleep(struct poll_wait_set *ws, uint64_t deadline)
{
	bool f;

	sched_might_sleep("poll");
	f = spin_lock_irqsave(&ws->lock);
	if (!ws->triggered && !signal_pending()) {
		sched_block(&ws->lock, deadline);
		spin_lock(&ws->lock);
	}
	ws->triggered = false;
	spin_unlock_irqrestore(&ws->lock, f);
}

/* One fd's readiness through ws (NULL pt after the first scan): its revents as poll(2). */
static unsigned poll_one(struct poll_wait_set *ws, int fd, unsigned events, bool first)
{
	struct file *f = fd_get_file(fd);
	unsigned m;

	if (!f)
		return POLLNVAL;
	ws->key = events | POLLERR | POLLHUP;
	m = file_poll(f, first ? &ws->pt : NULL) & ws->key;
	file_put(f);
	return m;
}

/*
 * The loop under poll and select: scan (registering on the first pass), and while nothing is
 * ready sleep until a watched head triggers, the deadline passes or a signal comes. deadline
 * is absolute; 0 = scan once, UINT64_MAX = no timeout. The scan's count, or -errno.
 */
typedef long (*poll_scan_fn)(struct poll_wait_set *ws, void *ctx, bool first);

static long poll_loop(poll_scan_fn scan, void *ctx, uint64_t deadline)
{
	struct poll_wait_set ws;
	long r;

	poll_wait_init(&ws);
	for (bool first = true;; first = false) {
		r = scan(&ws, ctx, first && deadline);
		if (!r && ws.error)
			r = ws.error;
		else if (!r && signal_pending())
			r = -ERESTARTNOHAND;
		if (r || !deadline || (deadline != UINT64_MAX && time_ns() >= deadline))
			break;
		poll_wait_sleep(&ws, deadline == UINT64_MAX ? 0 : deadline);
	}
	poll_wait_free(&ws);
	return r;
}

/* ---- poll, ppoll ---- */

struct pollfds {
	struct pollfd *pfd;
	unsigned n;
};

static long poll_scan(struct poll_wait_set *ws, void *ctx, bool first)
{
	struct pollfd *pfd = ((struct pollfds *)ctx)->pfd;
	unsigned n = ((struct pollfds *)ctx)->n;
	long ready = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned m = 0;

		if (pfd[i].fd >= 0)
			m = poll_one(ws, pfd[i].fd, (uint16_t)pfd[i].events, first);
		pfd[i].revents = (short)m;
		ready += m != 0;
		first = first && !m;	/* one ready: this call will not sleep (Linux's too) */
	}
	return ready;
}

static long poll_user(struct pollfd __user *ufds, unsigned nfds, uint64_t deadline)
{
	size_t bytes = (size_t)nfds * sizeof(struct pollfd);
	struct pollfd *pfd;
	struct pollfds ctx;
	long r;

	if (nfds > fd_limit())		/* RLIMIT_NOFILE, as Linux */
		return -EINVAL;
	pfd = kmalloc(bytes ? bytes : 1);
	if (!pfd)
		return -ENOMEM;
	ctx = (struct pollfds){ pfd, nfds };
	if (copy_from_user(pfd, ufds, bytes))
		r = -EFAULT;
	else if ((r = poll_loop(poll_scan, &ctx, deadline)) >= 0 &&
		 copy_to_user(ufds, pfd, bytes))
		r = -EFAULT;
	kfree(pfd);
	return r;
}

/* A poll with a timeout that a handler-less signal (a stop) interrupted goes on through
 * restart_syscall with the deadline it had, as Linux's do_restart_poll. */
static long poll_timed(struct pollfd __user *ufds, unsigned nfds, uint64_t deadline);

static long poll_restart(struct restart_block *rb)
{
	return poll_timed((struct pollfd __user *)rb->arg[0], (unsigned)rb->arg[1], rb->arg[2]);
}

static long poll_timed(struct pollfd __user *ufds, unsigned nfds, uint64_t deadline)
{
	long r = poll_user(ufds, nfds, deadline);

	if (r == -ERESTARTNOHAND && deadline != UINT64_MAX) {
		uthread_current()->restart = (struct restart_block){
			poll_restart, { (uint64_t)(uintptr_t)ufds, nfds, deadline, 0 } };
		r = -ERESTART_RESTARTBLOCK;
	}
	return r;
}

SYSCALL3(poll, struct pollfd __user *, ufds, unsigned, nfds, int, timeout)
{
	uint64_t deadline = timeout < 0 ? UINT64_MAX :
			    timeout ? sched_deadline((uint64_t)timeout * 1000000) : 0;

	return poll_timed(ufds, nfds, deadline);
}

struct ktimespec {
	int64_t sec, nsec;
};

/* A user timespec/timeval as an absolute deadline (0 = at once, UINT64_MAX for NULL). */
static int timeout_to_deadline(const void __user *ut, bool usec, uint64_t *deadline)
{
	struct ktimespec ts;
	int64_t unit = usec ? 1000 : 1, max = usec ? 1000000 : 1000000000;

	*deadline = UINT64_MAX;
	if (!ut)
		return 0;
	if (copy_from_user(&ts, ut, sizeof(ts)))
		return -EFAULT;
	if (usec && ts.nsec >= max && ts.sec <= INT64_MAX - ts.nsec / max) {
		ts.sec += ts.nsec / max;	/* select normalizes tv_usec, as Linux */
		ts.nsec %= max;
	}
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= max)
		return -EINVAL;
	if (!ts.sec && !ts.nsec) {
		*deadline = 0;
		return 0;
	}
	if ((uint64_t)ts.sec >= UINT64_MAX / 1000000000 / 2)
		return 0;			/* far enough to be never */
	*deadline = sched_deadline((uint64_t)ts.sec * 1000000000 + (uint64_t)(ts.nsec * unit));
	return 0;
}

/* Linux's poll_select_finish: the time left goes back to a non-zero user timeout; a timeout
 * that cannot be written turns a restart into -EINTR. */
static long timeout_finish(void __user *ut, bool usec, uint64_t deadline, long r)
{
	struct ktimespec ts = { 0, 0 };
	uint64_t now = time_ns();

	if (!ut || !deadline || deadline == UINT64_MAX)
		return r;
	if (deadline > now) {
		ts.sec = (int64_t)((deadline - now) / 1000000000);
		ts.nsec = (int64_t)((deadline - now) % 1000000000) / (usec ? 1000 : 1);
	}
	if (copy_to_user(ut, &ts, sizeof(ts)) && r == -ERESTARTNOHAND)
		return -EINTR;
	return r;
}

/* ppoll and pselect6's optional temporary mask. */
static int sigmask_begin(const sigset_t __user *umask, size_t size)
{
	sigset_t set;

	if (!umask)
		return 0;
	if (size != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&set, umask, sizeof(set)))
		return -EFAULT;
	signal_begin_temp_mask(set);
	return 0;
}

SYSCALL5(ppoll, struct pollfd __user *, ufds, unsigned, nfds,
	 struct ktimespec __user *, tsp, const sigset_t __user *, umask, size_t, sigsetsize)
{
	uint64_t deadline;
	long r = timeout_to_deadline(tsp, false, &deadline);

	if (r || (r = sigmask_begin(umask, sigsetsize)))
		return r;
	r = poll_user(ufds, nfds, deadline);
	if (umask)
		signal_end_temp_mask(r == -ERESTARTNOHAND);
	return timeout_finish(tsp, false, deadline, r);
}

/* ---- select, pselect6 ---- */

#define SEL_IN	(POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT	(POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX	POLLPRI
#define FDSET_WORDS	(FILES_MAX / 64)

struct fdsets {
	uint64_t in[FDSET_WORDS], out[FDSET_WORDS], ex[FDSET_WORDS];	/* asked */
	uint64_t rin[FDSET_WORDS], rout[FDSET_WORDS], rex[FDSET_WORDS];	/* results */
	int n;
};

static bool fdset_has(const uint64_t *set, int fd)
{
	return set[fd / 64] >> (fd % 64) & 1;
}

/* Ready fds counted as select does (one per bit), or -EBADF for an asked fd not open. */
static long select_scan(struct poll_wait_set *ws, void *ctx, bool first)
{
	struct fdsets *s = ctx;
	long ready = 0;
	int n = s->n;

	for (int fd = 0; fd < n; fd++) {
		bool in = fdset_has(s->in, fd), out = fdset_has(s->out, fd);
		bool ex = fdset_has(s->ex, fd);
		unsigned want = (in ? SEL_IN : 0) | (out ? SEL_OUT : 0) | (ex ? SEL_EX : 0), m;
		uint64_t bit = 1ULL << (fd % 64);

		if (!want)
			continue;
		m = poll_one(ws, fd, want, first && !ready);
		if (m & POLLNVAL)
			return -EBADF;
		if (in && (m & SEL_IN)) {
			s->rin[fd / 64] |= bit;
			ready++;
		}
		if (out && (m & SEL_OUT)) {
			s->rout[fd / 64] |= bit;
			ready++;
		}
		if (ex && (m & SEL_EX)) {
			s->rex[fd / 64] |= bit;
			ready++;
		}
	}
	return ready;
}

static int fdset_in(uint64_t *set, const void __user *u, size_t bytes)
{
	memset(set, 0, FDSET_WORDS * 8);
	return u && copy_from_user(set, u, bytes) ? -EFAULT : 0;
}

static int fdset_out(void __user *u, const uint64_t *set, size_t bytes)
{
	return u && copy_to_user(u, set, bytes) ? -EFAULT : 0;
}

static long select_user(int n, void __user *uin, void __user *uout, void __user *uex,
			uint64_t deadline)
{
	struct fdsets *s;
	size_t bytes;
	long r;

	if (n < 0)
		return -EINVAL;
	n = MIN(n, FILES_MAX);
	bytes = (size_t)(n + 63) / 64 * 8;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->n = n;
	if (fdset_in(s->in, uin, bytes) || fdset_in(s->out, uout, bytes) ||
	    fdset_in(s->ex, uex, bytes))
		r = -EFAULT;
	else
		r = poll_loop(select_scan, s, deadline);
	if (r >= 0 && (fdset_out(uin, s->rin, bytes) || fdset_out(uout, s->rout, bytes) ||
		       fdset_out(uex, s->rex, bytes)))
		r = -EFAULT;
	kfree(s);
	return r;
}

SYSCALL5(select, int, n, void __user *, uin, void __user *, uout, void __user *, uex,
	 struct ktimespec __user *, tvp)
{
	uint64_t deadline;
	long r = timeout_to_deadline(tvp, true, &deadline);

	if (r)
		return r;
	r = select_user(n, uin, uout, uex, deadline);
	return timeout_finish(tvp, true, deadline, r);
}

SYSCALL6(pselect6, int, n, void __user *, uin, void __user *, uout, void __user *, uex,
	 struct ktimespec __user *, tsp, const uint64_t __user *, usig)
{
	uint64_t deadline, sig[2] = { 0, 0 };
	long r = timeout_to_deadline(tsp, false, &deadline);

	if (r)
		return r;
	if (usig && copy_from_user(sig, usig, sizeof(sig)))
		return -EFAULT;
	if ((r = sigmask_begin((const sigset_t __user *)sig[0], sig[1])))
		return r;
	r = select_user(n, uin, uout, uex, deadline);
	if (sig[0])
		signal_end_temp_mask(r == -ERESTARTNOHAND);
	return timeout_finish(tsp, false, deadline, r);
}
