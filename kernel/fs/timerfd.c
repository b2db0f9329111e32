/*
 * fs/timerfd.c — timerfd_create, timerfd_settime, timerfd_gettime: timers read as files.
 *
 * A timerfd keeps its next expiry as an absolute time_ns() deadline (CLOCK_REALTIME
 * deadlines are converted when set; a later change of the wall clock does not move them) and
 * counts expiries lazily: whoever looks (read, poll, gettime, the clock thread) first folds
 * every expiry up to now into `ticks`, stepping a periodic timer by whole intervals. A reader
 * sleeps with the next expiry as its deadline; pollers are woken by one kernel thread
 * ("timerfd") that sleeps until the earliest armed deadline of all timerfds.
 *
 * Locking: tfd_lock (the list of timerfds, the clock thread's state) before each t->wq.lock
 * (deadline, interval, ticks), before poll-head locks.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/rtc.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>

#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_BOOTTIME		7
#define TFD_TIMER_ABSTIME	1
#define TFD_TIMER_CANCEL_ON_SET	2
#define TFD_NONBLOCK		O_NONBLOCK
#define TFD_CLOEXEC		O_CLOEXEC
#define NSEC			1000000000ULL

struct ktimespec {
	int64_t sec, nsec;
};

struct itimerspec {
	struct ktimespec interval, value;
};

struct timerfd {
	struct list_node node;		/* tfd_list; tfd_lock */
	struct wait_queue wq;		/* readers; wq.lock guards the fields below */
	struct poll_head poll;
	int clock;
	uint64_t deadline;		/* next expiry, time_ns(); 0 = disarmed */
	uint64_t interval;		/* ns; 0 = one-shot */
	uint64_t ticks;			/* expiries not yet read */
};

static struct spinlock tfd_lock = SPINLOCK_INIT("timerfd list");
static struct list_node tfd_list = LIST_HEAD_INIT(tfd_list);
static struct wait_queue tfd_kick_wq = WAIT_QUEUE_INIT(tfd_kick_wq, "timerfd kick");
static uint64_t tfd_kicks;		/* bumped when a deadline changes */
static struct mutex tfd_start_lock = MUTEX_INIT(tfd_start_lock, "timerfd start");
static bool tfd_thread_started;		/* tfd_start_lock */

/* Folds expiries up to now into ticks; true when some came. t->wq.lock held. */
static bool tfd_update_locked(struct timerfd *t, uint64_t now)
{
	uint64_t n;

	if (!t->deadline || now < t->deadline)
		return false;
	if (!t->interval) {
		t->ticks++;
		t->deadline = 0;
		return true;
	}
	n = (now - t->deadline) / t->interval + 1;
	t->ticks += n;
	t->deadline += n * t->interval;
	return true;
}

/* One pass of the clock thread: wakes the timerfds that expired; the earliest deadline. */
static uint64_t tfd_expire_all(void)
{
	bool f = spin_lock_irqsave(&tfd_lock);
	uint64_t now = time_ns(), next = UINT64_MAX;

	list_for_each_entry(t, &tfd_list, struct timerfd, node) {
		bool fired;

		spin_lock(&t->wq.lock);
		fired = tfd_update_locked(t, now);
		if (t->deadline)
			next = MIN(next, t->deadline);
		if (fired)
			wq_wake_all_locked(&t->wq);
		spin_unlock(&t->wq.lock);
		if (fired)
			poll_wake(&t->poll, POLLIN | POLLRDNORM);
	}
	spin_unlock_irqrestore(&tfd_lock, f);
	return next;
}

static int tfd_clock_thread(void *unused)
{
	for (;;) {
		uint64_t seen = READ_ONCE(tfd_kicks), next = tfd_expire_all(), now = time_ns();

		if (next == UINT64_MAX)
			wait_event(&tfd_kick_wq, READ_ONCE(tfd_kicks) != seen);
		else if (next > now)
			wait_event_timeout(&tfd_kick_wq, READ_ONCE(tfd_kicks) != seen, next - now);
	}
	return 0;
}

static void tfd_kick(void)
{
	bool f = spin_lock_irqsave(&tfd_kick_wq.lock);

	tfd_kicks++;
	wq_wake_all_locked(&tfd_kick_wq);
	spin_unlock_irqrestore(&tfd_kick_wq.lock, f);
}

/* ---- the file ---- */

static ssize_t tfd_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	struct timerfd *t = f->priv;
	uint64_t ticks = 0;
	bool fl;
	int r = 0;

	if (n < sizeof(ticks))
		return -EINVAL;
	fl = wq_lock_to_wait(&t->wq, "timerfd read");
	for (;;) {
		struct waiter w;

		tfd_update_locked(t, time_ns());
		if (t->ticks || (io & IO_NONBLOCK))
			break;
		r = wq_wait_interruptible_locked(&t->wq, &w, t->deadline);
		if (r < 0)
			break;
	}
	ticks = t->ticks;
	t->ticks = 0;
	spin_unlock_irqrestore(&t->wq.lock, fl);
	if (r < 0)
		return r;
	if (!ticks)
		return -EAGAIN;
	memcpy(buf, &ticks, sizeof(ticks));
	return sizeof(ticks);
}

static unsigned tfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *t = f->priv;
	bool fl;
	unsigned m;

	poll_wait(f, &t->poll, pt);
	fl = spin_lock_irqsave(&t->wq.lock);
	tfd_update_locked(t, time_ns());
	m = t->ticks ? POLLIN | POLLRDNORM : 0;
	spin_unlock_irqrestore(&t->wq.lock, fl);
	return m;
}

static void tfd_release(struct file *f)
{
	struct timerfd *t = f->priv;
	bool fl = spin_lock_irqsave(&tfd_lock);

	list_remove(&t->node);
	spin_unlock_irqrestore(&tfd_lock, fl);
	kfree(t);
}

static const struct file_ops timerfd_fops = {
	.read = tfd_read,
	.poll = tfd_poll,
	.release = tfd_release,
	.stream = true,
};

/* ---- syscalls ---- */

/* The clock thread runs from the first timerfd on: 0 or -ENOMEM. */
static int tfd_start_thread(void)
{
	int r = 0;

	mutex_lock(&tfd_start_lock);
	if (!tfd_thread_started) {
		if (thread_create("timerfd", tfd_clock_thread, NULL))
			tfd_thread_started = true;
		else
			r = -ENOMEM;
	}
	mutex_unlock(&tfd_start_lock);
	return r;
}

SYSCALL2(timerfd_create, int, clock, int, flags)
{
	struct timerfd *t;
	struct file *f;
	bool fl;
	int r;

	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
		return -EINVAL;
	if (flags & ~(TFD_NONBLOCK | TFD_CLOEXEC))
		return -EINVAL;
	if ((r = tfd_start_thread()))
		return r;
	if (!(t = kzalloc(sizeof(*t))))
		return -ENOMEM;
	wq_init(&t->wq, "timerfd");
	poll_head_init(&t->poll, "timerfd poll");
	t->clock = clock;
	if (!(f = anon_file_new(&timerfd_fops, t, O_RDONLY | (flags & TFD_NONBLOCK)))) {
		kfree(t);
		return -ENOMEM;
	}
	fl = spin_lock_irqsave(&tfd_lock);
	list_append(&tfd_list, &t->node);
	spin_unlock_irqrestore(&tfd_lock, fl);
	return fd_install_current(f, flags & TFD_CLOEXEC);
}

/* The timerfd at fd, its file referenced in *fp: 0, -EBADF or -EINVAL (not a timerfd). */
static int tfd_get(int fd, struct file **fp)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	if (f->ops != &timerfd_fops) {
		file_put(f);
		return -EINVAL;
	}
	*fp = f;
	return 0;
}

static bool ts_valid(const struct ktimespec *ts)
{
	return ts->sec >= 0 && ts->nsec >= 0 && ts->nsec < (int64_t)NSEC;
}

static uint64_t ts_ns(const struct ktimespec *ts)
{
	return (uint64_t)ts->sec >= UINT64_MAX / NSEC / 2 ? UINT64_MAX / 2 :
	       (uint64_t)ts->sec * NSEC + (uint64_t)ts->nsec;
}

static struct ktimespec ns_ts(uint64_t ns)
{
	return (struct ktimespec){ (int64_t)(ns / NSEC), (int64_t)(ns % NSEC) };
}

/* The current setting (it_value: time left). t->wq.lock held. */
static struct itimerspec tfd_setting_locked(struct timerfd *t, uint64_t now)
{
	tfd_update_locked(t, now);
	return (struct itimerspec){
		.interval = ns_ts(t->interval),
		.value = ns_ts(t->deadline ? (t->deadline > now ? t->deadline - now : 1) : 0),
	};
}

/* new's value as an absolute time_ns() deadline (0: disarm). */
static uint64_t tfd_deadline(struct timerfd *t, const struct itimerspec *new, int flags,
			     uint64_t now)
{
	uint64_t v = ts_ns(&new->value);

	if (!v)
		return 0;
	if (!(flags & TFD_TIMER_ABSTIME))
		return now + v;
	if (t->clock == CLOCK_REALTIME) {
		uint64_t rt = rtc_realtime_ns();

		return v <= rt ? now : now + (v - rt);
	}
	return v ? v : 1;
}

SYSCALL4(timerfd_settime, int, fd, int, flags, const struct itimerspec __user *, unew,
	 struct itimerspec __user *, uold)
{
	struct itimerspec new, old;
	struct timerfd *t;
	struct file *f;
	uint64_t now;
	bool fl;
	int r;

	if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (copy_from_user(&new, unew, sizeof(new)))
		return -EFAULT;
	if (!ts_valid(&new.value) || !ts_valid(&new.interval))
		return -EINVAL;
	if ((r = tfd_get(fd, &f)))
		return r;
	t = f->priv;
	fl = spin_lock_irqsave(&tfd_lock);
	spin_lock(&t->wq.lock);
	now = time_ns();
	old = tfd_setting_locked(t, now);
	t->ticks = 0;
	t->deadline = tfd_deadline(t, &new, flags, now);
	t->interval = t->deadline ? ts_ns(&new.interval) : 0;
	spin_unlock(&t->wq.lock);
	spin_unlock_irqrestore(&tfd_lock, fl);
	tfd_kick();
	file_put(f);
	return uold && copy_to_user(uold, &old, sizeof(old)) ? -EFAULT : 0;
}

SYSCALL2(timerfd_gettime, int, fd, struct itimerspec __user *, ucur)
{
	struct itimerspec cur;
	struct timerfd *t;
	struct file *f;
	bool fl;
	int r = tfd_get(fd, &f);

	if (r)
		return r;
	t = f->priv;
	fl = spin_lock_irqsave(&t->wq.lock);
	cur = tfd_setting_locked(t, time_ns());
	spin_unlock_irqrestore(&t->wq.lock, fl);
	file_put(f);
	return copy_to_user(ucur, &cur, sizeof(cur)) ? -EFAULT : 0;
}
