/*
 * sync/mutex.c — sleeping mutexes with an owner (keel/sync.h).
 *
 * The owner field is guarded by m->wq.lock. mutex_unlock hands the mutex to the oldest waiter
 * by making it the owner before waking it, so a woken waiter never finds the mutex taken
 * again and a stream of newcomers cannot starve it. The cost is a convoy under heavy
 * contention (every hand-over waits for the waiter to be scheduled); keel prefers the
 * fairness, and critical sections under a mutex are short.
 *
 * The owner checks run before the lock is taken: a panic from them (which a test may catch)
 * leaves nothing locked.
 */
#include <keel/sync.h>
#include <keel/sched.h>
#include <keel/panic.h>

void mutex_init(struct mutex *m, const char *name)
{
	wq_init(&m->wq, name);
	m->owner = NULL;
	m->name = name;
}

static const char *owner_name(struct thread *t)
{
	return t ? t->name : "no thread";
}

void mutex_lock(struct mutex *m)
{
	struct thread *me = thread_current();
	struct waiter w;
	bool f;

	if (unlikely(READ_ONCE(m->owner) == me && me))
		panic("mutex_lock: thread %s locks mutex %s it already holds", me->name, m->name);
	f = wq_lock_to_wait(&m->wq, "mutex_lock");
	if (!m->owner)
		m->owner = me;
	while (m->owner != me)
		wq_wait_locked(&m->wq, &w, 0);
	spin_unlock_irqrestore(&m->wq.lock, f);
}

bool mutex_trylock(struct mutex *m)
{
	bool f = spin_lock_irqsave(&m->wq.lock), got = !m->owner;

	if (got)
		m->owner = thread_current();
	spin_unlock_irqrestore(&m->wq.lock, f);
	return got;
}

void mutex_unlock(struct mutex *m)
{
	struct thread *me = thread_current(), *owner = READ_ONCE(m->owner);
	bool f;

	/* Only the owner can make owner == me, so this unlocked read is exact for us. */
	if (unlikely(owner != me))
		panic("mutex_unlock: thread %s unlocks mutex %s held by %s", owner_name(me),
		      m->name, owner_name(owner));
	f = spin_lock_irqsave(&m->wq.lock);
	m->owner = NULL;
	if (!list_empty(&m->wq.waiters))
		m->owner = wq_wake_one_locked(&m->wq);
	spin_unlock_irqrestore(&m->wq.lock, f);
}

bool mutex_held(struct mutex *m)
{
	return READ_ONCE(m->owner) == thread_current();
}
