/*
 * sync/semaphore.c — counting semaphores (keel/sync.h).
 *
 * count is guarded by s->wq.lock. sem_up gives its unit to the oldest waiter directly (the
 * waiter's `woken` says it got one) and only raises count when no one waits; so a timed-out
 * waiter either got its unit (woken) or left the count untouched, never both.
 */
#include <keel/sync.h>
#include <keel/sched.h>

void sem_init(struct semaphore *s, long count, const char *name)
{
	wq_init(&s->wq, name);
	s->count = count;
}

static bool down(struct semaphore *s, uint64_t deadline, const char *what)
{
	struct waiter w;
	bool f = wq_lock_to_wait(&s->wq, what), got = true;

	if (s->count > 0)
		s->count--;
	else
		got = wq_wait_locked(&s->wq, &w, deadline);
	spin_unlock_irqrestore(&s->wq.lock, f);
	return got;
}

void sem_down(struct semaphore *s)
{
	down(s, 0, "sem_down");
}

bool sem_down_timeout(struct semaphore *s, uint64_t ns)
{
	return down(s, sched_deadline(ns), "sem_down_timeout");
}

bool sem_trydown(struct semaphore *s)
{
	bool f = spin_lock_irqsave(&s->wq.lock), got = s->count > 0;

	if (got)
		s->count--;
	spin_unlock_irqrestore(&s->wq.lock, f);
	return got;
}

void sem_up(struct semaphore *s)
{
	bool f = spin_lock_irqsave(&s->wq.lock);

	if (!wq_wake_one_locked(&s->wq))
		s->count++;
	spin_unlock_irqrestore(&s->wq.lock, f);
}
