/*
 * test/test_sync.c — mutexes, semaphores, completions, condition variables and wait queues:
 * exact counts under contention, nothing lost between producers and consumers, owners
 * enforced, timeouts never early.
 *
 * On one CPU contention comes from threads yielding inside critical sections; with more CPUs
 * the same tests also run truly in parallel.
 */
#include <keel/ktest.h>
#include <keel/assert.h>
#include <keel/arch.h>
#include <keel/fault.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/time.h>

#define MS	(1000 * 1000ULL)

/* Starts n threads of fn(arg) and joins them; returns the sum of their statuses. */
static int run_threads(unsigned n, thread_fn fn, void *arg, const char *name)
{
	struct thread **th = kzalloc(n * sizeof(*th));
	int sum = 0;

	if (!th)
		return -1000000;
	for (unsigned i = 0; i < n; i++)
		th[i] = thread_create(name, fn, arg);
	for (unsigned i = 0; i < n; i++)
		sum += th[i] ? thread_join(th[i]) : -1000000;
	kfree(th);
	return sum;
}

/* ---- mutex ---- */

struct shared_count {
	struct mutex m;
	long value;
	int per_thread;
	int not_held;
};

static int increment_under_mutex(void *arg)
{
	struct shared_count *s = arg;

	for (int i = 0; i < s->per_thread; i++) {
		long v;

		mutex_lock(&s->m);
		if (!mutex_held(&s->m))
			s->not_held++;
		v = s->value;
		if (i % 64 == 0)
			sched_yield();		/* let the others pile up on the mutex */
		s->value = v + 1;
		mutex_unlock(&s->m);
	}
	return 0;
}

KTEST(mutex_increments_are_exact)
{
	struct shared_count s = { .per_thread = 2000 };
	unsigned n = 4 + 2 * smp_cpu_count();

	mutex_init(&s.m, "counter");
	KT_EQ(run_threads(n, increment_under_mutex, &s, "inc"), 0);
	KT_EQ(s.value, (long)n * s.per_thread);
	KT_EQ(s.not_held, 0);
	KT_ASSERT(s.m.owner == NULL, "the mutex is still owned");
	KT_ASSERT(mutex_trylock(&s.m), "trylock of a free mutex failed");
	KT_ASSERT(mutex_held(&s.m), "trylock did not make us the owner");
	mutex_unlock(&s.m);
}

struct held_elsewhere {
	struct mutex m;
	struct completion locked, release;
};


static int lock_and_hold(void *arg)
{
	struct held_elsewhere *h = arg;

	mutex_lock(&h->m);
	complete(&h->locked);
	completion_wait(&h->release);
	mutex_unlock(&h->m);
	return 0;
}

#ifdef KEEL_DEBUG
static int release_later(void *arg)
{
	sched_sleep_ns(100 * 1000 * 1000);
	complete(arg);
	return 0;
}

/* A waiter stuck behind a holder (100 ms here) is reported once the threshold (20 ms here)
 * passes, and still gets the mutex when the holder lets go. */
KTEST(mutex_hung_waiter_is_reported)
{
	struct held_elsewhere h;
	struct thread *kid;
	uint64_t old = mutex_hung_ns;
	unsigned long before = mutex_hung_reports;

	mutex_init(&h.m, "hung test");
	completion_init(&h.locked, "locked");
	completion_init(&h.release, "release");
	kid = thread_create("holder", lock_and_hold, &h);
	KT_ASSERT(kid, "thread_create failed");
	completion_wait(&h.locked);
	mutex_hung_ns = 20 * 1000 * 1000;
	struct thread *rel = thread_create("releaser", release_later, &h.release);
	KT_ASSERT(rel, "thread_create failed");
	mutex_lock(&h.m);	/* held 100 ms: reported after 20 */
	mutex_hung_ns = old;
	KT_ASSERT(mutex_held(&h.m), "the waiter did not get the mutex after the report");
	mutex_unlock(&h.m);
	thread_join(kid);
	thread_join(rel);
	KT_EQ(mutex_hung_reports, before + 1);
}
#endif

KTEST(mutex_unlock_by_non_owner_panics)
{
	struct held_elsewhere h;
	struct fault_catch fc;
	struct thread *kid;
	char want[96];
	int lost = -1;

	mutex_init(&h.m, "held");
	completion_init(&h.locked, "locked");
	completion_init(&h.release, "release");
	kid = thread_create("holder", lock_and_hold, &h);
	KT_ASSERT(kid, "thread_create failed");
	completion_wait(&h.locked);
	if (fault_catch_begin(&fc)) {
		mutex_unlock(&h.m);
		fault_catch_end();
	}
	KT_ASSERT(!mutex_trylock(&h.m), "a held mutex was taken by trylock");
	complete(&h.release);
	thread_join(kid);
	KT_EQ(fc.vector, FAULT_PANIC);
	snprintf(want, sizeof(want), "mutex_unlock: thread %s unlocks mutex held held by holder",
		 thread_current()->name);
	KT_ASSERT(strstr(fc.msg, want), "message: %s", fc.msg);
	/* Unlocking a free mutex and locking one twice are caught as well. */
	if (fault_catch_begin(&fc)) {
		mutex_unlock(&h.m);
		fault_catch_end();
	}
	KT_ASSERT(fc.vector == FAULT_PANIC && strstr(fc.msg, "held by no thread"), "free: %s",
		  fc.msg);
	mutex_lock(&h.m);
	if (fault_catch_begin(&fc)) {
		mutex_lock(&h.m);
		fault_catch_end();
	} else {
		lost = 0;
	}
	mutex_unlock(&h.m);
	KT_EQ(lost, 0);
	KT_ASSERT(strstr(fc.msg, "already holds"), "relock: %s", fc.msg);
}

struct fifo {
	struct mutex m;
	int order[8];
	int pos;
};

struct fifo_arg {
	struct fifo *f;
	int id;
};

static int lock_and_record(void *arg)
{
	struct fifo_arg *a = arg;

	mutex_lock(&a->f->m);
	a->f->order[a->f->pos++] = a->id;
	mutex_unlock(&a->f->m);
	return 0;
}

static unsigned waiters_of(struct mutex *m)
{
	bool f = spin_lock_irqsave(&m->wq.lock);
	unsigned n = 0;

	list_for_each(it, &m->wq.waiters)
		n++;
	spin_unlock_irqrestore(&m->wq.lock, f);
	return n;
}

KTEST(mutex_hands_over_in_arrival_order)
{
	struct fifo f = { .pos = 0 };
	struct fifo_arg args[6];
	struct thread *th[6];

	mutex_init(&f.m, "fifo");
	mutex_lock(&f.m);
	for (int i = 0; i < 6; i++) {
		args[i] = (struct fifo_arg){ &f, i };
		th[i] = thread_create("fifo", lock_and_record, &args[i]);
		KT_ASSERT(th[i], "thread_create failed");
		for (int w = 0; waiters_of(&f.m) < (unsigned)i + 1 && w < 2000; w++)
			sched_sleep_ns(100 * 1000);
	}
	KT_EQ(waiters_of(&f.m), 6);
	mutex_unlock(&f.m);
	for (int i = 0; i < 6; i++)
		thread_join(th[i]);
	for (int i = 0; i < 6; i++)
		KT_EQ(f.order[i], i);
}

/* ---- producer / consumer ---- */

#define RING	16
#define ITEMS	1500

struct buffer {
	struct mutex m;
	struct condvar not_empty, not_full;
	uint32_t ring[RING];
	unsigned head, count;
	unsigned producers_left;
	uint8_t *seen;			/* producers x ITEMS */
	int duplicates;
	uint64_t sum;
	unsigned next_producer;
};

static int produce(void *arg)
{
	struct buffer *b = arg;
	unsigned me = __atomic_fetch_add(&b->next_producer, 1, __ATOMIC_RELAXED);

	for (unsigned i = 0; i < ITEMS; i++) {
		mutex_lock(&b->m);
		while (b->count == RING)
			cond_wait(&b->not_full, &b->m);
		b->ring[(b->head + b->count++) % RING] = me * ITEMS + i;
		cond_signal(&b->not_empty);
		mutex_unlock(&b->m);
	}
	mutex_lock(&b->m);
	if (--b->producers_left == 0)
		cond_broadcast(&b->not_empty);
	mutex_unlock(&b->m);
	return 0;
}

static int consume(void *arg)
{
	struct buffer *b = arg;

	for (;;) {
		uint32_t item;

		mutex_lock(&b->m);
		while (b->count == 0 && b->producers_left)
			cond_wait(&b->not_empty, &b->m);
		if (b->count == 0) {
			mutex_unlock(&b->m);
			return 0;
		}
		item = b->ring[b->head];
		b->head = (b->head + 1) % RING;
		b->count--;
		if (b->seen[item]++)
			b->duplicates++;
		b->sum += item;
		cond_signal(&b->not_full);
		mutex_unlock(&b->m);
		if (item % 97 == 0)
			sched_yield();
	}
}

KTEST(producer_consumer_loses_nothing)
{
	enum { P = 3, C = 3 };
	struct buffer b = { .producers_left = P };
	struct thread *th[P + C];
	uint64_t total = (uint64_t)P * ITEMS;
	unsigned missing = 0;

	mutex_init(&b.m, "ring");
	cond_init(&b.not_empty, "not empty");
	cond_init(&b.not_full, "not full");
	b.seen = kzalloc(total);
	KT_ASSERT(b.seen, "no memory");
	for (int i = 0; i < C; i++)
		th[i] = thread_create("consumer", consume, &b);
	for (int i = 0; i < P; i++)
		th[C + i] = thread_create("producer", produce, &b);
	for (int i = 0; i < P + C; i++)
		KT_ASSERT(th[i], "thread_create failed");
	for (int i = 0; i < P + C; i++)
		thread_join(th[i]);
	for (uint64_t i = 0; i < total; i++)
		missing += !b.seen[i];
	kfree(b.seen);
	KT_EQ(b.duplicates, 0);
	KT_EQ(missing, 0);
	KT_EQ(b.sum, total * (total - 1) / 2);
	KT_EQ(b.count, 0);
}

/* The same over two counting semaphores and a wait-queue-free ring (a spinlock guards it). */
struct sem_ring {
	struct semaphore slots, items;
	struct spinlock lock;
	uint32_t ring[RING];
	unsigned head, tail;
	uint64_t sum;
	unsigned taken;
};

static int sem_produce(void *arg)
{
	struct sem_ring *r = arg;

	for (uint32_t i = 1; i <= ITEMS; i++) {
		bool f;

		sem_down(&r->slots);
		f = spin_lock_irqsave(&r->lock);
		r->ring[r->tail++ % RING] = i;
		spin_unlock_irqrestore(&r->lock, f);
		sem_up(&r->items);
	}
	return 0;
}

static int sem_consume(void *arg)
{
	struct sem_ring *r = arg;

	for (unsigned i = 0; i < ITEMS; i++) {
		bool f;

		sem_down(&r->items);
		f = spin_lock_irqsave(&r->lock);
		r->sum += r->ring[r->head++ % RING];
		r->taken++;
		spin_unlock_irqrestore(&r->lock, f);
		sem_up(&r->slots);
	}
	return 0;
}

KTEST(semaphore_producer_consumer_loses_nothing)
{
	struct sem_ring r = { .head = 0 };
	struct thread *p[2], *c[2];

	sem_init(&r.slots, RING, "slots");
	sem_init(&r.items, 0, "items");
	spin_init(&r.lock, "ring");
	for (int i = 0; i < 2; i++) {
		c[i] = thread_create("sem consumer", sem_consume, &r);
		p[i] = thread_create("sem producer", sem_produce, &r);
		KT_ASSERT(c[i] && p[i], "thread_create failed");
	}
	for (int i = 0; i < 2; i++) {
		thread_join(p[i]);
		thread_join(c[i]);
	}
	KT_EQ(r.taken, 2 * ITEMS);
	KT_EQ(r.sum, 2ULL * ITEMS * (ITEMS + 1) / 2);
	KT_EQ(r.slots.count, RING);
	KT_EQ(r.items.count, 0);
}

/* ---- semaphores, completions, wait queues ---- */

struct limited {
	struct semaphore s;
	int inside, most;
};

static int enter_limited(void *arg)
{
	struct limited *l = arg;

	for (int i = 0; i < 30; i++) {
		int now;

		sem_down(&l->s);
		now = __atomic_add_fetch(&l->inside, 1, __ATOMIC_RELAXED);
		for (int seen = l->most; now > seen;)
			if (__atomic_compare_exchange_n(&l->most, &seen, now, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		sched_yield();
		__atomic_sub_fetch(&l->inside, 1, __ATOMIC_RELAXED);
		sem_up(&l->s);
	}
	return 0;
}

KTEST(semaphore_limits_concurrency_to_its_count)
{
	struct limited l = { .inside = 0 };

	sem_init(&l.s, 3, "three");
	KT_EQ(run_threads(8, enter_limited, &l, "limited"), 0);
	KT_ASSERT(l.most <= 3 && l.most > 0, "%d threads were inside at once (limit 3)", l.most);
	KT_EQ(l.s.count, 3);
	KT_EQ(l.inside, 0);
}

struct delayed {
	uint64_t delay;
	struct semaphore *s;
	struct completion *c;
};

static int post_later(void *arg)
{
	struct delayed *d = arg;

	sched_sleep_ns(d->delay);
	if (d->s)
		sem_up(d->s);
	if (d->c)
		complete(d->c);
	return 0;
}

KTEST(timed_waits_never_time_out_early_and_take_what_comes)
{
	struct semaphore s;
	struct completion c;
	struct delayed d;
	struct thread *kid;
	uint64_t t0, took;
	bool got;

	sem_init(&s, 0, "timed");
	completion_init(&c, "timed");
	t0 = time_ns();
	got = sem_down_timeout(&s, 4 * MS);
	took = time_ns() - t0;
	KT_ASSERT(!got && took >= 4 * MS, "sem_down_timeout: got %d after %lu ns", got, took);
	t0 = time_ns();
	got = completion_wait_timeout(&c, 3 * MS);
	took = time_ns() - t0;
	KT_ASSERT(!got && took >= 3 * MS, "completion_wait_timeout: got %d after %lu ns", got,
		  took);

	d = (struct delayed){ 1 * MS, &s, &c };
	kid = thread_create("poster", post_later, &d);
	KT_ASSERT(kid, "thread_create failed");
	KT_ASSERT(sem_down_timeout(&s, 2000 * MS), "the posted unit did not arrive");
	KT_ASSERT(completion_wait_timeout(&c, 2000 * MS), "the completion did not arrive");
	thread_join(kid);
	KT_EQ(s.count, 0);
	KT_ASSERT(!sem_trydown(&s) && !completion_try_wait(&c), "a unit was counted twice");
}

struct many_waiters {
	struct completion c;
	int woke;
};

static int wait_for_completion(void *arg)
{
	struct many_waiters *w = arg;

	completion_wait(&w->c);
	__atomic_fetch_add(&w->woke, 1, __ATOMIC_RELAXED);
	return 0;
}

KTEST(completion_wakes_waiter)
{
	struct many_waiters w = { .woke = 0 };
	cpumask_t here = cpumask_of(arch_cpu_id());
	struct thread *th[5];

	completion_init(&w.c, "done");
	/* One waiter, woken by one complete(). */
	th[0] = thread_create("waiter", wait_for_completion, &w);
	KT_ASSERT(th[0], "thread_create failed");
	sched_sleep_ns(1 * MS);
	KT_EQ(w.woke, 0);
	complete(&w.c);
	thread_join(th[0]);
	KT_EQ(w.woke, 1);
	KT_ASSERT(!completion_done(&w.c), "the completion was not consumed");
	/* complete() before the wait: the wait does not block. */
	complete(&w.c);
	completion_wait(&w.c);
	/* complete_all() releases every waiter, present and future. */
	for (int i = 0; i < 5; i++) {
		th[i] = thread_create_on("waiter", wait_for_completion, &w, &here);
		KT_ASSERT(th[i], "thread_create failed");
	}
	sched_sleep_ns(1 * MS);
	complete_all(&w.c);
	for (int i = 0; i < 5; i++)
		thread_join(th[i]);
	KT_EQ(w.woke, 6);
	completion_wait(&w.c);
	KT_ASSERT(completion_done(&w.c), "complete_all was consumed");
	completion_reinit(&w.c);
	KT_ASSERT(!completion_try_wait(&w.c), "reinit left the completion done");
}

struct flag_wq {
	struct wait_queue wq;
	volatile int flag;
};

static int set_flag_later(void *arg)
{
	struct flag_wq *f = arg;

	sched_sleep_ns(1 * MS);
	f->flag = 1;
	wq_wake_all(&f->wq);
	return 0;
}

KTEST(wait_event_sleeps_until_the_condition_holds)
{
	struct flag_wq f = { .flag = 0 };
	struct thread *kid;
	uint64_t t0 = time_ns();

	wq_init(&f.wq, "flag");
	KT_ASSERT(!wait_event_timeout(&f.wq, f.flag, 2 * MS), "no one set the flag");
	KT_ASSERT(time_ns() - t0 >= 2 * MS, "wait_event_timeout returned early");
	kid = thread_create("flagger", set_flag_later, &f);
	KT_ASSERT(kid, "thread_create failed");
	wait_event(&f.wq, f.flag);
	thread_join(kid);
	KT_EQ(f.flag, 1);
	KT_ASSERT(list_empty(&f.wq.waiters), "a waiter was left queued");
}

KTEST(cond_wait_needs_the_mutex_and_returns_holding_it)
{
	struct mutex m;
	struct condvar cv;
	struct fault_catch fc;
	uint64_t t0;

	mutex_init(&m, "cv mutex");
	cond_init(&cv, "cv");
	if (fault_catch_begin(&fc)) {
		cond_wait(&cv, &m);
		fault_catch_end();
	}
	KT_ASSERT(fc.vector == FAULT_PANIC && strstr(fc.msg, "is not held"), "message: %s",
		  fc.msg);
	mutex_lock(&m);
	t0 = time_ns();
	KT_ASSERT(!cond_wait_timeout(&cv, &m, 2 * MS), "a signal came from nowhere");
	KT_ASSERT(time_ns() - t0 >= 2 * MS, "cond_wait_timeout returned early");
	KT_ASSERT(mutex_held(&m), "cond_wait_timeout returned without the mutex");
	mutex_unlock(&m);
}

static struct spinlock assert_test_lock = SPINLOCK_INIT("assert test");

static void needs_assert_test_lock(void)
{
	assert_spin_held(&assert_test_lock);
}

/* keel/assert.h: a function that says it needs a lock panics, naming both, when called
 * without it (debug build); with the lock held it runs. */
KTEST(lock_assert_catches_a_caller_without_the_lock)
{
	struct fault_catch fc;
	bool f;

#ifndef KEEL_DEBUG
	KT_SKIP("lock assertions are compiled only into the debug build");
#endif
	f = spin_lock_irqsave(&assert_test_lock);
	needs_assert_test_lock();
	spin_unlock_irqrestore(&assert_test_lock, f);
	if (fault_catch_begin(&fc)) {
		needs_assert_test_lock();
		fault_catch_end();
		KT_ASSERT(false, "a call without the lock went unnoticed");
	}
	KT_EQ(fc.vector, FAULT_PANIC);
	KT_ASSERT(strstr(fc.msg, "needs_assert_test_lock") && strstr(fc.msg, "assert test"),
		  "panic said: %s", fc.msg);
}
