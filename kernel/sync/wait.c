/*
 * sync/wait.c — wait queues: the one place threads sleep on a condition (keel/sync.h).
 *
 * A waiter lives on the sleeping thread's stack. The waker unlinks it and sets w->woken with
 * wq->lock held, then wakes the thread; the sleeper, back under the same lock, reads woken to
 * learn what happened. The waker never touches w after dropping the lock, and the sleeper
 * cannot return (and pop w off its stack) before taking the lock, so w outlives every use.
 */
#include <keel/sync.h>
#include <keel/sched.h>
#include <keel/panic.h>
#include <keel/time.h>
#include <keel/proc.h>
#include <keel/errno.h>

void wq_init(struct wait_queue *wq, const char *name)
{
	spin_init(&wq->lock, name);
	list_init(&wq->waiters);
}

bool wq_lock_to_wait(struct wait_queue *wq, const char *what)
{
	sched_might_sleep(what);
	return spin_lock_irqsave(&wq->lock);
}

void wq_enqueue_locked(struct wait_queue *wq, struct waiter *w)
{
	w->thread = thread_current();
	w->woken = false;
	list_append(&wq->waiters, &w->node);
}

bool wq_block_locked(struct wait_queue *wq, struct waiter *w, uint64_t deadline)
{
	for (;;) {
		sched_block(&wq->lock, deadline);
		spin_lock(&wq->lock);
		if (w->woken)
			return true;
		if (deadline && time_ns() >= deadline) {
			list_remove(&w->node);
			return false;
		}
		/* A spurious wakeup: still queued, sleep again. */
	}
}

bool wq_wait_locked(struct wait_queue *wq, struct waiter *w, uint64_t deadline)
{
	wq_enqueue_locked(wq, w);
	return wq_block_locked(wq, w, deadline);
}

/* signal_pending() reads the pending sets without locks, so calling it under wq->lock adds no
 * lock ordering. A signal sent after the check below reaches us through sched_interrupt(): the
 * sched_block that follows returns at once, and the check after it sees the signal. */
int wq_wait_interruptible_locked(struct wait_queue *wq, struct waiter *w, uint64_t deadline)
{
	bool user = uthread_current() != NULL;

	if (user && signal_pending())
		return -ERESTARTSYS;
	wq_enqueue_locked(wq, w);
	for (;;) {
		sched_block(&wq->lock, deadline);
		spin_lock(&wq->lock);
		if (w->woken)
			return 1;
		if (deadline && time_ns() >= deadline) {
			list_remove(&w->node);
			return 0;
		}
		if (user && signal_pending()) {
			list_remove(&w->node);
			return -ERESTARTSYS;
		}
		/* Spurious, or a slice ended: still queued, sleep again. */
	}
}

/* Unlinks and wakes the oldest waiter; sync: the caller is about to block (sched_wake_sync). */
static struct thread *wake_first(struct wait_queue *wq, bool sync)
{
	struct waiter *w;
	struct thread *t;

	if (list_empty(&wq->waiters))
		return NULL;
	w = list_first(&wq->waiters, struct waiter, node);
	list_remove(&w->node);
	w->woken = true;
	t = w->thread;
	if (sync)
		sched_wake_sync(t);
	else
		sched_wake(t);
	return t;
}

struct thread *wq_wake_one_locked(struct wait_queue *wq)
{
	return wake_first(wq, false);
}

static unsigned wake_all_locked(struct wait_queue *wq, bool sync)
{
	unsigned n = 0;

	while (wake_first(wq, sync))
		n++;
	return n;
}

static unsigned wake_all(struct wait_queue *wq, bool sync)
{
	bool f = spin_lock_irqsave(&wq->lock);
	unsigned n = wake_all_locked(wq, sync);

	spin_unlock_irqrestore(&wq->lock, f);
	return n;
}

unsigned wq_wake_all_locked(struct wait_queue *wq)
{
	return wake_all_locked(wq, false);
}

bool wq_wake_one(struct wait_queue *wq)
{
	bool f = spin_lock_irqsave(&wq->lock), woke = wq_wake_one_locked(wq) != NULL;

	spin_unlock_irqrestore(&wq->lock, f);
	return woke;
}

unsigned wq_wake_all(struct wait_queue *wq)
{
	return wake_all(wq, false);
}

unsigned wq_wake_all_sync(struct wait_queue *wq)
{
	return wake_all(wq, true);
}
