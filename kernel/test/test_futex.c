/*
 * test/test_futex.c — the futex core (proc/futex.c) driven by kernel threads on kernel words
 * (FUTEX_SPACE_KERNEL keys): the value check, timeouts, wakeups by count and bitset, requeue,
 * and a futex-based mutex under contention that hangs if a wakeup is ever lost. The syscall
 * layer on top (user keys, timespecs) is covered by usertests.
 */
#include <keel/ktest.h>
#include <keel/errno.h>
#include <keel/futex.h>
#include <keel/heap.h>
#include <keel/sched.h>
#include <keel/time.h>

#define MS	(1000 * 1000ULL)

static struct futex_key kkey(uint32_t *word)
{
	return (struct futex_key){ FUTEX_SPACE_KERNEL, (uintptr_t)word };
}

KTEST(futex_wait_returns_eagain_when_the_value_differs)
{
	uint32_t word = 5;
	struct futex_key k = kkey(&word);

	KT_EQ(futex_wait_key(&k, &word, 4, FUTEX_BITSET_MATCH_ANY, 0), -EAGAIN);
	KT_EQ(futex_wait_key(&k, &word, 5, 0, 0), -EINVAL);	/* empty bitset */
	KT_EQ(futex_wake_key(&k, 1, FUTEX_BITSET_MATCH_ANY), 0);	/* nothing left queued */
}

KTEST(futex_wait_times_out_never_early)
{
	uint32_t word = 0;
	struct futex_key k = kkey(&word);
	uint64_t t0 = time_ns();

	KT_EQ(futex_wait_key(&k, &word, 0, FUTEX_BITSET_MATCH_ANY, sched_deadline(20 * MS)),
	      -ETIMEDOUT);
	KT_ASSERT(time_ns() - t0 >= 20 * MS, "timed out after %lu ns, before 20 ms",
		  time_ns() - t0);
	KT_EQ(futex_wake_key(&k, 1, FUTEX_BITSET_MATCH_ANY), 0);	/* it unqueued itself */
}

struct waitarg {
	uint32_t *word;
	uint32_t bitset;
	struct futex_key key;
};

static int waiter(void *arg)
{
	struct waitarg *a = arg;

	return (int)futex_wait_key(&a->key, a->word, 0, a->bitset, sched_deadline(5000 * MS));
}

/* Wakes (bitset) until n waiters have been woken; gives up after about a second. */
static int wake_until(struct futex_key *k, int n, uint32_t bitset)
{
	int woken = 0;

	for (int i = 0; i < 1000 && woken < n; i++) {
		woken += (int)futex_wake_key(k, n - woken, bitset);
		if (woken < n)
			sched_sleep_ns(MS);
	}
	return woken;
}

KTEST(futex_wake_wakes_a_sleeper_and_reports_it)
{
	uint32_t word = 0;
	struct waitarg a = { &word, FUTEX_BITSET_MATCH_ANY, kkey(&word) };
	struct thread *th = thread_create("futex-waiter", waiter, &a);

	KT_ASSERT(th, "thread_create failed");
	KT_EQ(wake_until(&a.key, 1, FUTEX_BITSET_MATCH_ANY), 1);
	KT_EQ(thread_join(th), 0);
}

KTEST(futex_wake_bitset_only_wakes_matching_waiters)
{
	uint32_t word = 0;
	struct waitarg a = { &word, 0x1, kkey(&word) }, b = { &word, 0x2, kkey(&word) };
	struct thread *ta = thread_create("futex-a", waiter, &a);
	struct thread *tb = thread_create("futex-b", waiter, &b);

	KT_ASSERT(ta && tb, "thread_create failed");
	KT_EQ(wake_until(&a.key, 1, 0x2), 1);		/* only b matches */
	KT_EQ(thread_join(tb), 0);
	KT_EQ(futex_wake_key(&a.key, 10, 0x4), 0);	/* a does not match 0x4 */
	KT_EQ(wake_until(&a.key, 1, 0x1), 1);
	KT_EQ(thread_join(ta), 0);
}

KTEST(futex_requeue_wakes_some_and_moves_the_rest)
{
	uint32_t w1 = 0, w2 = 0;
	struct waitarg a = { &w1, FUTEX_BITSET_MATCH_ANY, kkey(&w1) };
	struct futex_key k2 = kkey(&w2);
	struct thread *th[3];
	int moved = 0;

	for (int i = 0; i < 3; i++) {
		th[i] = thread_create("futex-rq", waiter, &a);
		KT_ASSERT(th[i], "thread_create failed");
	}
	KT_EQ(futex_requeue_key(&a.key, &k2, 0, 0, &w1, 1), -EAGAIN);	/* *w1 is 0, not 1 */
	KT_EQ(futex_requeue_key(&a.key, &k2, -1, 0, NULL, 0), -EINVAL);
	/* Until all three are queued: wake one, move the others to w2. */
	KT_EQ(wake_until(&a.key, 1, FUTEX_BITSET_MATCH_ANY), 1);
	for (int i = 0; i < 1000 && moved < 2; i++) {
		moved += (int)futex_requeue_key(&a.key, &k2, 0, 2 - moved, &w1, 0);
		if (moved < 2)
			sched_sleep_ns(MS);
	}
	KT_EQ(moved, 2);
	KT_EQ(futex_wake_key(&a.key, 10, FUTEX_BITSET_MATCH_ANY), 0);	/* none left on w1 */
	KT_EQ(futex_wake_key(&k2, 10, FUTEX_BITSET_MATCH_ANY), 2);
	for (int i = 0; i < 3; i++)
		KT_EQ(thread_join(th[i]), 0);
}

/* ---- a futex mutex (Drepper, "Futexes Are Tricky", mutex 2): 0 free, 1 locked, 2 locked
 * with waiters. A lost wakeup leaves a thread asleep for its 5 s timeout and fails. */

struct fmutex_test {
	uint32_t lock;
	long counter;
	int per_thread;
	int timeouts;
};

static void fmutex_lock(struct fmutex_test *s)
{
	struct futex_key k = kkey(&s->lock);
	uint32_t c = 0;

	if (__atomic_compare_exchange_n(&s->lock, &c, 1, false, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&s->lock, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		if (futex_wait_key(&k, &s->lock, 2, FUTEX_BITSET_MATCH_ANY,
				   sched_deadline(5000 * MS)) == -ETIMEDOUT)
			__atomic_fetch_add(&s->timeouts, 1, __ATOMIC_RELAXED);
		c = __atomic_exchange_n(&s->lock, 2, __ATOMIC_ACQUIRE);
	}
}

static void fmutex_unlock(struct fmutex_test *s)
{
	struct futex_key k = kkey(&s->lock);

	if (__atomic_fetch_sub(&s->lock, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
		futex_wake_key(&k, 1, FUTEX_BITSET_MATCH_ANY);
	}
}

static int fmutex_worker(void *arg)
{
	struct fmutex_test *s = arg;

	for (int i = 0; i < s->per_thread; i++) {
		fmutex_lock(s);
		long v = s->counter;

		if (i % 32 == 0)
			sched_yield();		/* hold it while others pile up */
		s->counter = v + 1;
		fmutex_unlock(s);
	}
	return 0;
}

KTEST(futex_mutex_counts_exactly_and_loses_no_wakeup)
{
	struct fmutex_test s = { .per_thread = 2000 };
	struct thread *th[4];

	for (int i = 0; i < 4; i++) {
		th[i] = thread_create("futex-mutex", fmutex_worker, &s);
		KT_ASSERT(th[i], "thread_create failed");
	}
	for (int i = 0; i < 4; i++)
		thread_join(th[i]);
	KT_EQ(s.counter, 4 * 2000);
	KT_EQ(s.timeouts, 0);
	KT_EQ(s.lock, 0);
}
