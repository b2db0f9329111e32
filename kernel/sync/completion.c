/*
 * sync/completion.c — completions: "this happened", counted (keel/sync.h).
 *
 * done is guarded by c->wq.lock. complete() adds one and wakes one waiter; complete_all()
 * sets done to COMPLETE_ALL, which waits never consume, and wakes everyone. A woken waiter
 * re-checks done (a newcomer may have taken the completion first) and waits again if it is 0.
 * complete() may be called from interrupt handlers; after it returns, the completion's memory
 * is no longer touched (thread exit relies on this: the joiner frees it at once).
 */
#include <keel/sync.h>
#include <keel/sched.h>

#define COMPLETE_ALL	(~0u)

void completion_init(struct completion *c, const char *name)
{
	wq_init(&c->wq, name);
	c->done = 0;
}

void completion_reinit(struct completion *c)
{
	bool f = spin_lock_irqsave(&c->wq.lock);

	c->done = 0;
	spin_unlock_irqrestore(&c->wq.lock, f);
}

void complete(struct completion *c)
{
	bool f = spin_lock_irqsave(&c->wq.lock);

	if (c->done != COMPLETE_ALL && c->done != COMPLETE_ALL - 1)
		c->done++;
	wq_wake_one_locked(&c->wq);
	spin_unlock_irqrestore(&c->wq.lock, f);
}

void complete_all(struct completion *c)
{
	bool f = spin_lock_irqsave(&c->wq.lock);

	c->done = COMPLETE_ALL;
	wq_wake_all_locked(&c->wq);
	spin_unlock_irqrestore(&c->wq.lock, f);
}

static bool wait_for(struct completion *c, uint64_t deadline, const char *what)
{
	struct waiter w;
	bool f = wq_lock_to_wait(&c->wq, what), got;

	while (!c->done && wq_wait_locked(&c->wq, &w, deadline))
		;
	got = c->done != 0;
	if (got && c->done != COMPLETE_ALL)
		c->done--;
	spin_unlock_irqrestore(&c->wq.lock, f);
	return got;
}

void completion_wait(struct completion *c)
{
	wait_for(c, 0, "completion_wait");
}

bool completion_wait_timeout(struct completion *c, uint64_t ns)
{
	return wait_for(c, sched_deadline(ns), "completion_wait_timeout");
}

bool completion_try_wait(struct completion *c)
{
	bool f = spin_lock_irqsave(&c->wq.lock), got = c->done != 0;

	if (got && c->done != COMPLETE_ALL)
		c->done--;
	spin_unlock_irqrestore(&c->wq.lock, f);
	return got;
}

bool completion_done(struct completion *c)
{
	return READ_ONCE(c->done) != 0;
}
