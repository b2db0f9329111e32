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
#include <keel/log.h>
#include <keel/arch.h>
#include <keel/ksyms.h>
#include <keel/string.h>

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

/* t now owns m (t is NULL before the scheduler runs: nothing is counted then). */
static void count_taken(struct thread *t, struct mutex *m)
{
	if (t) {
		t->mutexes_held++;
		t->mutex_last = m;
	}
}

/*
 * Sleeps (m->wq.lock held) until me owns m. A mutex sleep cannot be interrupted, not even by
 * SIGKILL, so a deadlock makes processes unkillable: debug builds say so after mutex_hung_ns
 * ("mutex: ... hung"), with the waiter's backtrace, and go on waiting.
 */
uint64_t mutex_hung_ns = 5ULL * 1000 * 1000 * 1000;
unsigned long mutex_hung_reports;

#ifdef KEEL_DEBUG
/* The owner's stack from its context-switch frame (r15 r14 r13 r12 rbx rbp, return address)
 * when it is switched out, asleep (what it waits for while holding the mutex) or preempted
 * (what it is busy with); a running owner's CPU prints its own (an NMI). */
static void hung_owner_backtrace(struct thread *t)
{
	enum thread_state s;
	uintptr_t *sp;

	if (!t)
		return;
	s = READ_ONCE(t->state);
	if (s == THREAD_RUNNING) {
		pr_err("mutex: the owner %s (tid %d) is running on CPU %u\n", t->name, t->tid,
		       thread_cpu(t));
		arch_backtrace_cpu(thread_cpu(t));
		return;
	}
	if ((s != THREAD_BLOCKED && s != THREAD_RUNNABLE) || !(sp = READ_ONCE(t->sp)))
		return;
	pr_err("mutex: the owner %s (tid %d) %s in:\n", t->name, t->tid,
	       s == THREAD_BLOCKED ? "sleeps" : "was preempted");
	arch_backtrace(sp[6], sp[5], (uintptr_t)(sp + 7));
}
#endif

static void hung_wait(struct mutex *m, struct thread *me, struct waiter *w)
{
#ifdef KEEL_DEBUG
	uint64_t warn_at = sched_deadline(READ_ONCE(mutex_hung_ns));

	while (m->owner != me)
		if (!wq_wait_locked(&m->wq, w, warn_at) && warn_at) {
			char at[64];

			if (m->owner_ip)
				ksyms_format(at, sizeof(at), m->owner_ip);
			else
				strlcpy(at, "handed over, not run since", sizeof(at));
			pr_err("mutex: %s hung: thread %s (tid %d) waited %llu ms, held by %s "
			       "(tid %d, taken in %s)\n", m->name, owner_name(me), me->tid,
			       READ_ONCE(mutex_hung_ns) / 1000000ULL, owner_name(m->owner),
			       m->owner ? m->owner->tid : -1, at);
			__atomic_add_fetch(&mutex_hung_reports, 1, __ATOMIC_RELAXED);
			arch_backtrace_here();
			hung_owner_backtrace(READ_ONCE(m->owner));
			warn_at = 0;
		}
#else
	while (m->owner != me)
		wq_wait_locked(&m->wq, w, 0);
#endif
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
	hung_wait(m, me, &w);
	m->owner_ip = (uintptr_t)__builtin_return_address(0);
	spin_unlock_irqrestore(&m->wq.lock, f);
	count_taken(me, m);
}

bool mutex_trylock(struct mutex *m)
{
	bool f = spin_lock_irqsave(&m->wq.lock), got = !m->owner;

	if (got) {
		m->owner = thread_current();
		m->owner_ip = (uintptr_t)__builtin_return_address(0);
	}
	spin_unlock_irqrestore(&m->wq.lock, f);
	if (got)
		count_taken(thread_current(), m);
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
	if (me)
		me->mutexes_held--;
	f = spin_lock_irqsave(&m->wq.lock);
	m->owner = NULL;
	m->owner_ip = 0;	/* a handed-over owner writes its own once it runs */
	if (!list_empty(&m->wq.waiters))
		m->owner = wq_wake_one_locked(&m->wq);
	spin_unlock_irqrestore(&m->wq.lock, f);
}

bool mutex_held(struct mutex *m)
{
	return READ_ONCE(m->owner) == thread_current();
}

/* Debug builds: the first few threads that leave the kernel (where: "return to user",
 * "exit") holding a mutex are reported as a BUG, with the last mutex they took. */
void mutex_check_none_held(const char *where)
{
#ifdef KEEL_DEBUG
	static unsigned reports;
	struct thread *t = thread_current();
	struct mutex *m;
	char at[64];

	if (likely(!t || !t->mutexes_held) ||
	    __atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED) >= 4)
		return;
	m = t->mutex_last;
	ksyms_format(at, sizeof(at), m->owner_ip);
	pr_err("BUG: %s: thread %s (tid %d) holds %u mutexes; the last taken: %s (%s)\n", where,
	       t->name, t->tid, t->mutexes_held, m->name, at);
	arch_backtrace_here();
#else
	(void)where;
#endif
}
