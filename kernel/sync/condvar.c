/*
 * sync/condvar.c — condition variables over a mutex (keel/sync.h).
 *
 * cond_wait queues the caller on cv->wq *before* releasing the mutex, both under cv's queue
 * lock: a signaller (who changed the condition under the mutex, or after it) takes that lock
 * too, so it either sees the waiter queued or ran before the waiter tested the condition.
 * Lock order: cv->wq.lock, then the mutex's own queue lock (mutex_unlock inside).
 */
#include <keel/sync.h>
#include <keel/sched.h>
#include <keel/panic.h>

void cond_init(struct condvar *cv, const char *name)
{
	wq_init(&cv->wq, name);
}

static bool wait_on(struct condvar *cv, struct mutex *m, uint64_t deadline, const char *what)
{
	struct waiter w;
	bool f, woken;

	if (unlikely(!mutex_held(m)))
		panic("%s: mutex %s is not held by the caller", what, m->name);
	f = wq_lock_to_wait(&cv->wq, what);
	wq_enqueue_locked(&cv->wq, &w);
	mutex_unlock(m);
	woken = wq_block_locked(&cv->wq, &w, deadline);
	spin_unlock_irqrestore(&cv->wq.lock, f);
	mutex_lock(m);
	return woken;
}

void cond_wait(struct condvar *cv, struct mutex *m)
{
	wait_on(cv, m, 0, "cond_wait");
}

bool cond_wait_timeout(struct condvar *cv, struct mutex *m, uint64_t ns)
{
	return wait_on(cv, m, sched_deadline(ns), "cond_wait_timeout");
}

void cond_signal(struct condvar *cv)
{
	wq_wake_one(&cv->wq);
}

void cond_broadcast(struct condvar *cv)
{
	wq_wake_all(&cv->wq);
}
