/*
 * user/bench/rows_sched.c — rows for threads and the scheduler: yield handoff between two
 * threads on one CPU (yield_pair, which the FPU rows reuse with vector work in each step), futex
 * ping-pong between two threads on two CPUs, and thread create+join.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_PRIVATE_FLAG	128

/* How a partner thread tells the main thread it is pinned to its CPU. */
struct partner {
	int cpu;
	int ready;		/* pinned (1) or could not pin (-1) */
	int pin_errno;
};

/* In the partner: pins it to its CPU and says so; 0, or -1 if it must return at once. */
static int partner_pin(struct partner *pt)
{
	if (pin_self(pt->cpu) < 0) {
		pt->pin_errno = errno;
		__atomic_store_n(&pt->ready, -1, __ATOMIC_RELEASE);
		return -1;
	}
	__atomic_store_n(&pt->ready, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Pins the caller to CPU 0, starts fn(arg) and waits until it is pinned. NULL or why not. */
static const char *partner_start(pthread_t *t, void *(*fn)(void *), void *arg,
				 struct partner *pt)
{
	if (pin_self(0) < 0)
		return fail_errno("sched_setaffinity(CPU 0)");
	if ((errno = pthread_create(t, NULL, fn, arg)) != 0)
		return fail_errno("pthread_create");
	wait_for(&pt->ready, 1);
	if (pt->ready < 0) {
		pthread_join(*t, NULL);
		errno = pt->pin_errno;
		return fail("partner: sched_setaffinity(CPU %d): %s", pt->cpu, strerror(errno));
	}
	return NULL;
}

struct pair {
	struct partner pt;	/* first: the partner's pinning */
	int (*step)(int who, long i);
	long n;
	int stop;		/* main ran out of time: the partner stops too */
	long partner_steps;
	long bad;		/* steps that found their state corrupted, both threads */
};

static void *yield_partner(void *arg)
{
	struct pair *p = arg;
	long bad = 0, i;

	if (partner_pin(&p->pt) < 0)
		return NULL;
	for (i = 0; i < p->n && !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE); i++)
		bad += p->step(1, i) != 0;
	p->partner_steps = i;
	p->bad += bad;
	return NULL;
}

const char *yield_pair(long *n, uint64_t *ticks, int (*step)(int who, long i))
{
	struct pair p = { { 0, 0, 0 }, step, *n, 0, 0, 0 };
	pthread_t t;
	long bad = 0, i;
	const char *why = partner_start(&t, yield_partner, &p, &p.pt);

	if (why)
		return why;
	uint64_t t0 = rdtsc();
	BENCH_LOOP(i, *n)
		bad += step(0, i) != 0;
	__atomic_store_n(&p.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	*ticks = (rdtsc() - t0) / 2;
	*n = (i + p.partner_steps) / 2;
	unpin_self();
	bad += p.bad;
	return bad ? fail("%ld of %ld steps found their registers changed across a yield", bad,
			  i + p.partner_steps) : NULL;
}

static int step_plain(int who, long i)
{
	syscall(SYS_sched_yield);
	return 0;
}

static const char *row_yield(long *n, uint64_t *ticks)
{
	return yield_pair(n, ticks, step_plain);
}

/* ---- futex ping-pong: word goes SERVE (main to partner), RETURN (back), STOP (the end) */

enum { RETURN, SERVE, STOP };

struct pingpong {
	struct partner pt;
	int word;
};

static long futex(int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void *futex_partner(void *arg)
{
	struct pingpong *pp = arg;
	int w;

	if (partner_pin(&pp->pt) < 0)
		return NULL;
	for (;;) {
		while ((w = __atomic_load_n(&pp->word, __ATOMIC_ACQUIRE)) == RETURN)
			futex(&pp->word, FUTEX_WAIT, RETURN);
		if (w == STOP)
			return NULL;
		__atomic_store_n(&pp->word, RETURN, __ATOMIC_RELEASE);
		futex(&pp->word, FUTEX_WAKE, 1);
	}
}

static const char *row_futex(long *n, uint64_t *ticks)
{
	struct pingpong pp = { { 1, 0, 0 }, RETURN };
	pthread_t t;
	long i;
	const char *why = partner_start(&t, futex_partner, &pp, &pp.pt);

	if (why)
		return why;
	uint64_t t0 = rdtsc();
	BENCH_LOOP(i, *n) {
		__atomic_store_n(&pp.word, SERVE, __ATOMIC_RELEASE);
		futex(&pp.word, FUTEX_WAKE, 1);
		while (__atomic_load_n(&pp.word, __ATOMIC_ACQUIRE) == SERVE)
			futex(&pp.word, FUTEX_WAIT, SERVE);
	}
	*ticks = rdtsc() - t0;
	*n = i;
	__atomic_store_n(&pp.word, STOP, __ATOMIC_RELEASE);
	futex(&pp.word, FUTEX_WAKE, 1);
	pthread_join(t, NULL);
	unpin_self();
	return NULL;
}

/* ---- thread create + join */

static void *nothing(void *arg)
{
	return arg;
}

static const char *row_thread(long *n, uint64_t *ticks)
{
	uint64_t t0 = rdtsc();
	long i;

	BENCH_LOOP(i, *n) {
		pthread_t t;
		if ((errno = pthread_create(&t, NULL, nothing, NULL)) != 0)
			return fail_errno("pthread_create");
		pthread_join(t, NULL);
	}
	*ticks = rdtsc() - t0;
	*n = i;
	return NULL;
}

const struct bench_row bench_rows_sched[] = {
	{ "yield", "yield handoff, 2 threads on 1 CPU, no vector use", 4000, 1, row_yield },
	{ "futex_pingpong", "futex ping-pong round trip, 2 threads on 2 CPUs", 2000, 2,
	  row_futex },
	{ "thread_create", "pthread_create + pthread_join (clone, stack mmap, exit)", 200, 1,
	  row_thread },
	{ 0 }
};
