/*
 * tlbbench/tlbbench.c — TLB costs for `make bench` (docs/tlb.md), a static musl program that
 * runs on keel and on Linux.
 *
 *   munmap latency: the main thread (CPU 0) maps, touches and unmaps one page, timing munmap,
 *     while 0, 1 or 3 other threads of the same process spin on CPUs 1..3 touching their own
 *     page (so the mm is live there and every munmap must shoot down on them).
 *   switch: two processes pinned to one CPU bounce a byte through two pipes; the time per
 *     switch is half a round trip. Whether PCID helps shows only on a runner that times TLB
 *     misses (none here: QEMU TCG has no PCID, Bochs does not model TLB timing, this KVM hides
 *     PCID); /proc/keel/tlb's switch_flushes shows how many loads had to flush.
 * Output: one `tlbbench: ...` line per result.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int ncpu;
static volatile int stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu % ncpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static void *spinner(void *arg)
{
	volatile uint64_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	pin((int)(intptr_t)arg);
	while (!stop)
		(*p)++;
	return NULL;
}

static void munmap_latency(int sharing, int iters)
{
	pthread_t th[4];
	uint64_t total = 0;

	stop = 0;
	pin(0);
	for (int i = 1; i < sharing; i++)
		pthread_create(&th[i], NULL, spinner, (void *)(intptr_t)i);
	for (int i = 0; i < iters; i++) {
		volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t t0;

		p[0] = 1;
		t0 = now_ns();
		munmap((void *)p, 4096);
		total += now_ns() - t0;
	}
	stop = 1;
	for (int i = 1; i < sharing; i++)
		pthread_join(th[i], NULL);
	printf("tlbbench: munmap 1 page, %d CPU(s) sharing the mm: %llu ns\n", sharing,
	       (unsigned long long)(total / (uint64_t)iters));
}

static void switch_cost(int iters)
{
	int ab[2], ba[2];
	char c = 0;
	uint64_t t0;
	pid_t pid;

	pin(0);
	if (pipe(ab) || pipe(ba))
		return;
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < iters; i++) {
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	t0 = now_ns();
	for (int i = 0; i < iters; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			break;
	printf("tlbbench: process switch (pipe ping-pong, one CPU): %llu ns\n",
	       (unsigned long long)((now_ns() - t0) / (2ULL * (uint64_t)iters)));
	waitpid(pid, NULL, 0);
}

static void show_counters(void)
{
	char buf[512];
	FILE *f = fopen("/proc/keel/tlb", "r");
	size_t n;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		printf("tlbbench: /proc/keel/tlb %s\n", l);
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 2000;

	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	for (int s = 1; s <= 4; s *= 2)
		if (s <= ncpu)
			munmap_latency(s, iters);
	switch_cost(iters);
	show_counters();
	return 0;
}
