/*
 * tests/tlbtest.c — TLB shootdown seen from user space (docs/tlb.md), a static musl program.
 *
 * Runs unchanged on Linux (the reference) and on keel: `tlbtest [-quick]` as init's child.
 * Each test pins threads to different CPUs (when there are several) and checks that once a
 * syscall that takes translations away returns, no CPU still uses them:
 *   munmap_reader_faults       a reader on CPU 1 faults at most one read after munmap returns
 *   mprotect_writer_faults     the same for a writer and mprotect(PROT_READ)
 *   cow_break_hides_old_frame  after fork, the parent breaks COW while its threads on other
 *                              CPUs read the page; the child then writes the old frame in
 *                              place: the parent's threads must never see the child's value
 *   pids_at_same_address       thousands of short-lived processes (more than 4096 by default:
 *                              any 12-bit tag space wraps) write their PID at one address,
 *                              yield, and must read back their own
 *   counters_move              /proc/keel/tlb (keel only) shows shootdown IPIs when CPUs > 1
 * Prints one line per test and `tlbtest: N passed, N failed`; exit status = failed.
 * Every wait is bounded by a count, never by time: Bochs runs slowly.
 */
#include "ulib.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SPIN_LIMIT	200000000L	/* bounds every wait (iterations) */
#define CHILD_MARK	0xc41dc41dUL

static int ncpu, rounds = 20, nprocs = 4200;


/* Pins the calling thread to cpu (mod the CPU count). */
static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu % ncpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* --- a thread that touches a page until it faults --- */

struct toucher {
	volatile uint64_t *page;
	bool write;
	int cpu;
	volatile long count;		/* accesses done */
	volatile long at_fault;		/* count when the fault came; -1 before */
	volatile int started;
	sigjmp_buf jb;
};

static __thread struct toucher *my_toucher;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	struct toucher *t = my_toucher;

	if (!t)
		_exit(99);		/* a fault nobody expected */
	t->at_fault = t->count;
	siglongjmp(t->jb, 1);
}

static void *touch_loop(void *arg)
{
	struct toucher *t = arg;

	pin(t->cpu);
	my_toucher = t;
	if (sigsetjmp(t->jb, 1) == 0) {
		t->started = 1;
		for (long i = 0; i < SPIN_LIMIT; i++) {
			if (t->write)
				*t->page = (uint64_t)i;
			else
				(void)*t->page;
			t->count++;
		}
	}
	my_toucher = NULL;
	return NULL;
}

static void catch_segv(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
}

/* One round: a toucher on CPU 1 runs, the main thread (CPU 0) takes the page away with fn;
 * after fn returns the toucher may finish at most the one access it had begun. */
static int race_round(bool write, int (*take)(void *page))
{
	struct toucher t = { .write = write, .cpu = 1, .at_fault = -1 };
	pthread_t th;
	long after;

	t.page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_CHECK(t.page != MAP_FAILED);
	*t.page = 1;
	T_CHECK(pthread_create(&th, NULL, touch_loop, &t) == 0);
	for (long i = 0; i < SPIN_LIMIT && (!t.started || t.count < 1000); i++)
		if (ncpu == 1)
			sched_yield();
	T_CHECK(take((void *)t.page) == 0);
	after = t.count;
	pthread_join(th, NULL);
	T_CHECK(t.at_fault >= 0);			/* it faulted at all */
	T_CHECK(t.at_fault - after <= 1);		/* and right away */
	munmap((void *)t.page, 4096);
	return 0;
}

static int take_unmap(void *page)
{
	return munmap(page, 4096);
}

static int take_write(void *page)
{
	return mprotect(page, 4096, PROT_READ);
}

static int munmap_reader_faults(void)
{
	pin(0);
	catch_segv();
	for (int r = 0; r < rounds; r++)
		if (race_round(false, take_unmap))
			return 1;
	return 0;
}

static int mprotect_writer_faults(void)
{
	pin(0);
	catch_segv();
	for (int r = 0; r < rounds; r++)
		if (race_round(true, take_write))
			return 1;
	return 0;
}

/* --- COW with the parent's threads on other CPUs --- */

static volatile uint64_t cow_page[512] __attribute__((aligned(4096)));	/* its own page */
#define cow_word cow_page[0]
static volatile int cow_stop, cow_seen_child;
static volatile long cow_reads;

static void *cow_reader(void *arg)
{
	pin((int)(intptr_t)arg);
	while (!cow_stop) {
		if (cow_word == CHILD_MARK)
			cow_seen_child = 1;
		cow_reads++;
	}
	return NULL;
}

/* The child writes the old frame in place (it holds the only other reference). */
static void cow_child(volatile int *go)
{
	for (long i = 0; i < SPIN_LIMIT && !*go; i++)
		;
	for (int i = 0; i < 20000; i++)
		cow_word = CHILD_MARK;
	_exit(0);
}

static int cow_break_hides_old_frame(void)
{
	int nthreads = ncpu > 1 ? ncpu - 1 : 1, status;
	pthread_t th[8];
	volatile int *go = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				-1, 0);

	T_CHECK(go != MAP_FAILED);
	pin(0);
	cow_word = 1;
	for (int i = 0; i < nthreads && i < 8; i++)
		T_CHECK(pthread_create(&th[i], NULL, cow_reader, (void *)(intptr_t)(i + 1)) == 0);
	for (int r = 0; r < rounds && !cow_seen_child; r++) {
		pid_t pid;
		long before = cow_reads;

		for (long i = 0; i < SPIN_LIMIT && cow_reads < before + 1000; i++)
			if (ncpu == 1)
				sched_yield();
		*go = 0;
		pid = fork();
		T_CHECK(pid >= 0);
		if (pid == 0)
			cow_child(go);
		cow_word = 2 + r;		/* the parent breaks COW: it gets the new frame */
		*go = 1;
		T_CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	}
	cow_stop = 1;
	for (int i = 0; i < nthreads && i < 8; i++)
		pthread_join(th[i], NULL);
	munmap((void *)go, 4096);
	T_CHECK(!cow_seen_child);
	return 0;
}

/* --- many processes, one address --- */

static volatile pid_t pid_word __attribute__((aligned(4096)));

static void pid_child(void)
{
	pid_t me = getpid();

	for (int i = 0; i < 3; i++) {
		pid_word = me;
		sched_yield();
		if (pid_word != me)
			_exit(1);
	}
	_exit(0);
}

static int pids_at_same_address(void)
{
	int batch = 2 * ncpu + 2, bad = 0, status;

	pid_word = getpid();
	for (int done = 0; done < nprocs; done += batch) {
		for (int i = 0; i < batch; i++) {
			pid_t pid = fork();

			T_CHECK(pid >= 0);
			if (pid == 0)
				pid_child();
		}
		for (int i = 0; i < batch; i++) {
			T_CHECK(wait(&status) > 0);
			bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
		}
	}
	T_CHECK(bad == 0);
	T_CHECK(pid_word == getpid());
	return 0;
}

/* --- the counters --- */

static long stat_value(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? atol(p + strlen(name) + 1) : -1;
}

static int counters_move(void)
{
	char buf[512];
	FILE *f;
	size_t n;

	if (!on_keel())
		T_SKIP("not keel: no /proc/keel/tlb");
	f = fopen("/proc/keel/tlb", "r");
	T_CHECK(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	fdprintf(1, "%s", buf);
	T_CHECK(stat_value(buf, "switches") > 0);
	if (ncpu > 1) {
		T_CHECK(stat_value(buf, "ipis") > 0);
		T_CHECK(stat_value(buf, "shootdowns") > 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-quick")) {
			rounds = 5;
			nprocs = 300;
		} else if (!strncmp(argv[i], "-procs=", 7)) {
			nprocs = atoi(argv[i] + 7);
		}
	}
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	fdprintf(1, "tlbtest: %d CPUs, %d rounds, %d processes\n", ncpu, rounds, nprocs);
	t_run("munmap_reader_faults", munmap_reader_faults);
	t_run("mprotect_writer_faults", mprotect_writer_faults);
	t_run("cow_break_hides_old_frame", cow_break_hides_old_frame);
	t_run("pids_at_same_address", pids_at_same_address);
	t_run("counters_move", counters_move);
	return t_summary("tlbtest");
}
