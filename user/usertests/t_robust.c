/*
 * user/usertests/t_robust.c — robust futexes and rseq, as glibc and musl use them: a process
 * that dies holding a process-shared robust mutex hands it on with EOWNERDEAD (the kernel
 * walks its robust list at exit); set/get_robust_list round-trip, for any thread's TID;
 * rseq answers as a kernel without it or with it (ENOSYS, or EINVAL for a bad length), never
 * silently "works".
 * They pass on Linux too.
 */
#include "ut.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A process-shared robust mutex in fresh shared memory, and a pipe in p. */
static pthread_mutex_t *robust_mutex(int p[2])
{
	pthread_mutexattr_t a;
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);

	CHECK(m != MAP_FAILED && pipe(p) == 0);
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	CHECK(pthread_mutex_init(m, &a) == 0);
	return m;
}

static void t_robust_mutex_owner_died(void)
{
	int p[2], st;
	pthread_mutex_t *m = robust_mutex(p);
	pid_t pid;
	char c;

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (pthread_mutex_lock(m))
			_exit(2);
		write(p[1], "l", 1);
		pause();		/* killed holding the lock */
		_exit(3);
	}
	CHECK(read(p[0], &c, 1) == 1);
	CHECK_EQ(pthread_mutex_trylock(m), EBUSY);
	kill(pid, SIGKILL);
	st = ut_wait(pid);
	CHECK(WIFSIGNALED(st));
	CHECK_EQ(pthread_mutex_lock(m), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(m), 0);
	CHECK_EQ(pthread_mutex_unlock(m), 0);
	CHECK_EQ(pthread_mutex_lock(m), 0);
	pthread_mutex_unlock(m);
	munmap(m, 4096);
}

/* A waiter blocked in the kernel on the dead owner's word is woken (FUTEX_WAITERS set). */
static void t_robust_waiter_woken(void)
{
	int p[2], st;
	pthread_mutex_t *m = robust_mutex(p);
	pid_t owner, waiter;
	char c;

	if ((owner = fork()) == 0) {
		pthread_mutex_lock(m);
		write(p[1], "l", 1);
		usleep(300 * 1000);	/* the waiter is asleep by then */
		_exit(0);		/* dies holding it */
	}
	CHECK(read(p[0], &c, 1) == 1);
	if ((waiter = fork()) == 0)
		_exit(pthread_mutex_lock(m) == EOWNERDEAD ? 0 : 1);
	ut_wait(owner);
	st = ut_wait(waiter);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	munmap(m, 4096);
}

static void t_robust_list_syscalls(void)
{
	long head[3] = { 0, 0, 0 };
	long got = 0;
	size_t len = 0;

	head[0] = (long)head;		/* an empty list points at itself */
	CHECK_ERR(syscall(SYS_set_robust_list, head, 23), EINVAL);
	CHECK(syscall(SYS_set_robust_list, head, sizeof(head)) == 0);
	CHECK(syscall(SYS_get_robust_list, 0, &got, &len) == 0);
	CHECK_EQ(got, (long)head);
	CHECK_EQ(len, sizeof(head));
	CHECK_ERR(syscall(SYS_get_robust_list, 0x7ffffff0, &got, &len), ESRCH);
}

static long thread_head[3];
static volatile int thread_tid, thread_release;

static void *robust_thread(void *arg)
{
	thread_head[0] = (long)thread_head;
	if (syscall(SYS_set_robust_list, thread_head, sizeof(thread_head)) != 0)
		return (void *)1L;
	__atomic_store_n(&thread_tid, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&thread_release, __ATOMIC_ACQUIRE))
		ut_sleep_ms(1);
	return NULL;
}

/* get_robust_list finds any thread by its TID, not only a process's first. */
static void t_robust_list_of_thread(void)
{
	pthread_t t;
	long got = 0;
	size_t len = 0;
	void *r;

	CHECK(pthread_create(&t, NULL, robust_thread, NULL) == 0);
	while (!__atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE))
		ut_sleep_ms(1);
	long rc = syscall(SYS_get_robust_list, thread_tid, &got, &len);
	__atomic_store_n(&thread_release, 1, __ATOMIC_RELEASE);
	CHECK(pthread_join(t, &r) == 0 && r == NULL);
	if (rc != 0)
		FAIL("get_robust_list(thread %d): %ld (errno %d)", thread_tid, rc, errno);
	CHECK_EQ(got, (long)thread_head);
	CHECK_EQ(len, sizeof(thread_head));
}

static void t_rseq_refused_cleanly(void)
{
	static char area[64] __attribute__((aligned(32)));
	long r;

	errno = 0;
	r = syscall(334, area, 7, 0, 0x53053053);	/* a bad length */
	CHECK(r == -1 && (errno == ENOSYS || errno == EINVAL || errno == EBUSY));
}

const struct ut_test ut_robust_tests[] = {
	{ "robust_mutex_owner_died", t_robust_mutex_owner_died, 0 },
	{ "robust_waiter_woken", t_robust_waiter_woken, 0 },
	{ "robust_list_syscalls", t_robust_list_syscalls, 0 },
	{ "robust_list_of_thread", t_robust_list_of_thread, 0 },
	{ "rseq_refused_cleanly", t_rseq_refused_cleanly, 0 },
	{ NULL, NULL, 0 },
};
