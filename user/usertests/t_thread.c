/*
 * user/usertests/t_thread.c — threads through musl's pthreads (clone with CLONE_SETTLS and
 * CLONE_CHILD_CLEARTID, join by futex), TLS, many threads, mutex/condvar contention, raw
 * futex WAIT/WAKE semantics, tgkill to one thread.
 */
#include "ut.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)

static __thread int tls_var = 5;
static int shared_counter;

static void *thread_main(void *arg)
{
	long n = (long)arg;
	void *fs = NULL;

	if (tls_var != 5)
		return (void *)-1;
	tls_var = (int)n;
	if (syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs) != 0 || fs != (void *)pthread_self())
		return (void *)-2;
	if (syscall(SYS_gettid) == getpid())
		return (void *)-3;
	__atomic_fetch_add(&shared_counter, 1, __ATOMIC_SEQ_CST);
	return (void *)(n * 2);
}

static void threads_basic(void)
{
	pthread_t t[4];
	void *ret;

	tls_var = 99;
	for (long i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, thread_main, (void *)(i + 10)) == 0);
	for (long i = 0; i < 4; i++) {
		CHECK(pthread_join(t[i], &ret) == 0);
		if (ret != (void *)((i + 10) * 2))
			FAIL("thread %ld returned %ld", i, (long)ret);
	}
	CHECK_EQ(tls_var, 99);				/* each thread had its own copy */
	CHECK_EQ(shared_counter, 4);			/* and one address space */
}

static void threads_many(void)
{
	enum { N = 100 };
	pthread_t t[N];
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int round = 0; round < 3; round++) {
		for (long i = 0; i < N; i++)
			if (pthread_create(&t[i], &attr, thread_main, (void *)i) != 0)
				FAIL("round %d: pthread_create %ld failed", round, i);
		for (long i = 0; i < N; i++) {
			void *ret;
			CHECK(pthread_join(t[i], &ret) == 0);
			CHECK(ret == (void *)(i * 2));
		}
	}
	CHECK_EQ(shared_counter, 3 * N);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long plain_counter;

static void *mutex_worker(void *arg)
{
	for (int i = 0; i < 50000; i++) {
		pthread_mutex_lock(&mu);
		plain_counter++;
		if (i % 1000 == 0)
			sched_yield();		/* hold the lock across a switch now and then */
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void futex_mutex(void)
{
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, mutex_worker, NULL) == 0);
	for (int i = 0; i < 4; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	CHECK_EQ(plain_counter, 4 * 50000);
}

static int queue[16], q_head, q_tail, q_done;

static void *producer(void *arg)
{
	for (int i = 1; i <= 20000; i++) {
		pthread_mutex_lock(&mu);
		while (q_tail - q_head == 16)
			pthread_cond_wait(&cv, &mu);
		queue[q_tail++ % 16] = i;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void futex_cond(void)
{
	pthread_t t;
	long sum = 0;

	CHECK(pthread_create(&t, NULL, producer, NULL) == 0);
	while (q_done < 20000) {
		pthread_mutex_lock(&mu);
		while (q_tail == q_head)
			pthread_cond_wait(&cv, &mu);
		sum += queue[q_head++ % 16];
		q_done++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(sum, 20000L * 20001 / 2);
}

static int fword;

static long futex(int *uaddr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void *futex_waker(void *arg)
{
	ut_sleep_ms(50);
	__atomic_store_n(&fword, 1, __ATOMIC_SEQ_CST);
	futex(&fword, FUTEX_WAKE_PRIVATE, 1, NULL);
	return NULL;
}

static void futex_raw(void)
{
	struct timespec ts = { 0, 50 * 1000000 };

	int64_t t0 = ut_now_ns();
	CHECK_ERR(futex(&fword, FUTEX_WAIT, 0, &ts), ETIMEDOUT);
	CHECK(ut_now_ns() - t0 >= 50000000);
	CHECK_ERR(futex(&fword, FUTEX_WAIT_PRIVATE, 0, &ts), ETIMEDOUT);
	CHECK_ERR(futex(&fword, FUTEX_WAIT, 1, NULL), EAGAIN);		/* value changed */
	CHECK_EQ(futex(&fword, FUTEX_WAKE, 10, NULL), 0);		/* nobody waits */
	pthread_t t;
	CHECK(pthread_create(&t, NULL, futex_waker, NULL) == 0);
	struct timespec five = { 5, 0 };
	while (__atomic_load_n(&fword, __ATOMIC_SEQ_CST) == 0) {
		long r = futex(&fword, FUTEX_WAIT_PRIVATE, 0, &five);
		CHECK(r == 0 || errno == EAGAIN || errno == EINTR);
	}
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_ERR(futex((int *)8, FUTEX_WAIT, 0, &ts), EFAULT);
	CHECK_ERR(futex((int *)((char *)&fword + 1), FUTEX_WAIT, 0, &ts), EINVAL);
	struct timespec bad = { 0, 2000000000 };
	CHECK_ERR(futex(&fword, FUTEX_WAIT, 1, &bad), EINVAL);
	CHECK_ERR(futex(&fword, 99, 0, NULL), ENOSYS);
}

static volatile pid_t handled_tid;
static volatile pid_t target_tid;

static void on_usr1_tid(int sig)
{
	handled_tid = (pid_t)syscall(SYS_gettid);
}

static void *tgkill_target(void *arg)
{
	target_tid = (pid_t)syscall(SYS_gettid);
	int64_t t0 = ut_now_ns();
	while (!handled_tid && ut_now_ns() - t0 < 5000000000LL)
		ut_sleep_ms(1);
	return NULL;
}

static void tgkill_thread(void)
{
	pthread_t t;
	sigset_t s;

	signal(SIGUSR1, on_usr1_tid);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	CHECK(pthread_create(&t, NULL, tgkill_target, NULL) == 0);
	pthread_sigmask(SIG_BLOCK, &s, NULL);		/* the main thread cannot take it */
	while (!target_tid)
		sched_yield();
	CHECK(syscall(SYS_tgkill, getpid(), target_tid, SIGUSR1) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(handled_tid, target_tid);
}

static void set_tid_address_test(void)
{
	static int word;

	CHECK_EQ(syscall(SYS_set_tid_address, &word), syscall(SYS_gettid));
}

const struct ut_test ut_thread_tests[] = {
	{ "threads", threads_basic, 0 },
	{ "threads_many", threads_many, 0 },
	{ "futex_mutex", futex_mutex, 0 },
	{ "futex_cond", futex_cond, 0 },
	{ "futex_raw", futex_raw, 0 },
	{ "tgkill_thread", tgkill_thread, 0 },
	{ "set_tid_address", set_tid_address_test, 0 },
	{ NULL, NULL, 0 }
};
