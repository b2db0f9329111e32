/*
 * syscall/itimer.c — the real-time interval timer: setitimer, getitimer and alarm
 * (ITIMER_REAL, Linux semantics), and keel/proc.h's itimer_proc_exit.
 *
 * Each process with an armed ITIMER_REAL has one entry on a list sorted by deadline; the
 * entry holds a reference to its process. One kernel thread ("itimer", started by the first
 * setitimer) sleeps until the earliest deadline, sends SIGALRM to that process (SI_KERNEL, as
 * Linux's it_real_fn), and re-arms an interval timer from its previous deadline (a timer that
 * fell behind by several intervals sends one signal and continues from now, as Linux counts
 * overruns instead of queuing signals). The timer belongs to the process: threads share it,
 * fork's child starts without one, execve keeps it (Linux), exit disarms it.
 *
 * ITIMER_VIRTUAL and ITIMER_PROF (process CPU time) are refused with EINVAL: keel keeps no
 * per-process user/system time split to count them against.
 *
 * Locking: itq.wq.lock (irq-saving) guards the list and every entry on it. A signal is sent
 * with no lock held, with an extra reference to the process.
 */
#include <keel/syscall.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/list.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/sync.h>
#include <keel/time.h>

#define ITIMER_REAL	0
#define NSEC_PER_USEC	1000ULL
#define USEC_PER_SEC	1000000

struct k_itimerval {
	struct k_timeval interval, value;
};

struct itimer {
	struct list_node node;		/* itq.timers, by deadline */
	struct proc *proc;		/* a counted reference */
	uint64_t deadline;		/* time_ns() */
	uint64_t interval;		/* ns; 0: one-shot */
};

static struct {
	struct wait_queue wq;		/* the thread sleeps here; wq.lock guards the list */
	struct list_node timers;
	bool started;
} itq = { .wq = WAIT_QUEUE_INIT(itq.wq, "itimer"), .timers = LIST_HEAD_INIT(itq.timers) };

static void proc_ref(struct proc *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}

/* p's entry, or NULL. wq.lock held. */
static struct itimer *find_locked(struct proc *p)
{
	list_for_each(n, &itq.timers) {
		struct itimer *t = list_entry(n, struct itimer, node);

		if (t->proc == p)
			return t;
	}
	return NULL;
}

/* Puts t (not on the list) in deadline order. wq.lock held. */
static void insert_locked(struct itimer *t)
{
	struct list_node *n;

	for (n = itq.timers.prev; n != &itq.timers; n = n->prev)
		if (list_entry(n, struct itimer, node)->deadline <= t->deadline)
			break;
	list_push(n, &t->node);
}

/* The due entry's next state: re-armed, or taken off the list (returned, to be freed). */
static struct itimer *expire_locked(struct itimer *t, uint64_t now)
{
	list_remove(&t->node);
	if (!t->interval)
		return t;
	t->deadline += t->interval;
	if (t->deadline <= now)
		t->deadline = sched_deadline(t->interval);
	insert_locked(t);
	return NULL;
}

static int itimer_thread(void *arg)
{
	struct waiter w;
	bool f = wq_lock_to_wait(&itq.wq, "itimer");

	for (;;) {
		struct itimer *t = list_empty(&itq.timers) ? NULL :
			list_first(&itq.timers, struct itimer, node);
		uint64_t now = time_ns();
		struct itimer *done;
		struct proc *p;

		if (!t || t->deadline > now) {
			wq_wait_locked(&itq.wq, &w, t ? t->deadline : 0);
			continue;
		}
		p = t->proc;
		proc_ref(p);
		done = expire_locked(t, now);
		spin_unlock_irqrestore(&itq.wq.lock, f);
		signal_send(p, SIGALRM);
		proc_put(p);
		if (done) {
			proc_put(done->proc);
			kfree(done);
		}
		f = wq_lock_to_wait(&itq.wq, "itimer");
	}
	return 0;
}

static int timeval_get(const struct k_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= USEC_PER_SEC)
		return -EINVAL;
	if ((uint64_t)tv->tv_sec > UINT64_MAX / NSEC_PER_SEC / 2)
		*ns = UINT64_MAX / 2;		/* "never" without overflowing a deadline sum */
	else
		*ns = (uint64_t)tv->tv_sec * NSEC_PER_SEC + (uint64_t)tv->tv_usec * NSEC_PER_USEC;
	return 0;
}

static struct k_timeval timeval_of(uint64_t ns)
{
	return (struct k_timeval){ (int64_t)(ns / NSEC_PER_SEC),
				   (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC) };
}

/* What getitimer reports for t (NULL: disarmed). wq.lock held. An armed timer whose deadline
 * has just passed reports 1 us left, as Linux, so "armed" never reads as zero. */
static struct k_itimerval report_locked(const struct itimer *t, uint64_t now)
{
	struct k_itimerval v = { { 0, 0 }, { 0, 0 } };

	if (!t)
		return v;
	v.interval = timeval_of(t->interval);
	v.value = timeval_of(t->deadline > now ? t->deadline - now : 0);
	if (!v.value.tv_sec && !v.value.tv_usec)
		v.value.tv_usec = 1;
	return v;
}

static void start_thread(void)
{
	if (__atomic_exchange_n(&itq.started, true, __ATOMIC_ACQ_REL))
		return;
	if (!thread_create("itimer", itimer_thread, NULL))
		panic("itimer: cannot start its thread");
}

/* Sets the calling process's ITIMER_REAL to value/interval ns (value 0: disarm); *old gets
 * what it was. 0 or -ENOMEM. */
static int itimer_set(uint64_t value, uint64_t interval, struct k_itimerval *old)
{
	struct proc *p = uthread_current()->proc;
	struct itimer *fresh = value ? kmalloc(sizeof(*fresh)) : NULL, *t, *gone = NULL;
	uint64_t now = time_ns();
	bool f;

	if (value && !fresh)
		return -ENOMEM;
	if (value)
		start_thread();
	f = spin_lock_irqsave(&itq.wq.lock);
	t = find_locked(p);
	*old = report_locked(t, now);
	if (t)
		list_remove(&t->node);
	if (!value) {
		gone = t;
	} else {
		if (!t) {
			t = fresh;
			fresh = NULL;
			t->proc = p;
			proc_ref(p);
		}
		t->deadline = sched_deadline(value);
		t->interval = interval;
		insert_locked(t);
		wq_wake_one_locked(&itq.wq);	/* it may sleep for a later deadline */
	}
	spin_unlock_irqrestore(&itq.wq.lock, f);
	kfree(fresh);
	if (gone) {
		proc_put(gone->proc);
		kfree(gone);
	}
	return 0;
}

void itimer_proc_exit(struct proc *p)
{
	bool f = spin_lock_irqsave(&itq.wq.lock);
	struct itimer *t = find_locked(p);

	if (t)
		list_remove(&t->node);
	spin_unlock_irqrestore(&itq.wq.lock, f);
	if (t) {
		proc_put(t->proc);
		kfree(t);
	}
}

SYSCALL2(getitimer, int, which, struct k_itimerval __user *, uv)
{
	struct k_itimerval v;
	bool f;

	if (which != ITIMER_REAL)
		return -EINVAL;	/* VIRTUAL and PROF too: see the top of the file */
	f = spin_lock_irqsave(&itq.wq.lock);
	v = report_locked(find_locked(uthread_current()->proc), time_ns());
	spin_unlock_irqrestore(&itq.wq.lock, f);
	return copy_to_user(uv, &v, sizeof(v)) ? -EFAULT : 0;
}

/* A NULL new value disarms, as Linux does for old callers. */
SYSCALL3(setitimer, int, which, const struct k_itimerval __user *, unew,
	 struct k_itimerval __user *, uold)
{
	struct k_itimerval v = { { 0, 0 }, { 0, 0 } }, old;
	uint64_t value, interval;
	int err;

	if (which != ITIMER_REAL)
		return -EINVAL;
	if (unew && copy_from_user(&v, unew, sizeof(v)))
		return -EFAULT;
	if ((err = timeval_get(&v.value, &value)) || (err = timeval_get(&v.interval, &interval)))
		return err;
	if ((err = itimer_set(value, interval, &old)))
		return err;
	return uold && copy_to_user(uold, &old, sizeof(old)) ? -EFAULT : 0;
}

/* Linux's alarm: the old value in whole seconds, rounded to nearest, and never 0 for a timer
 * that was armed. */
SYSCALL1(alarm, unsigned, seconds)
{
	struct k_itimerval old;
	int err = itimer_set((uint64_t)seconds * NSEC_PER_SEC, 0, &old);

	if (err)
		return err;
	if ((!old.value.tv_sec && old.value.tv_usec) || old.value.tv_usec >= USEC_PER_SEC / 2)
		old.value.tv_sec++;
	return old.value.tv_sec;
}
