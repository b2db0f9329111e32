/*
 * user/bench/rows_mm.c — rows for memory: anonymous first-touch page faults, mmap+touch+munmap
 * of 1 MiB, munmap of a touched page while 0, 1 or 3 other threads of the process spin on other
 * CPUs (the TLB shootdown's cost), munmap of 16 MiB with 3 (how many shootdowns a large unmap
 * waits for), and memcpy bandwidth.
 *
 * Linux (Debian's kernels) backs 2 MiB-aligned anonymous memory with huge pages by default
 * (THP "always"); the page-fault row asks for 4 KiB pages with MADV_NOHUGEPAGE so both systems
 * take one fault per page (keel ignores the advice it does not know); the memcpy buffers ask
 * the same, so both systems copy between 4 KiB pages.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE	4096
#define MIB	(1024 * 1024)

#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* One write to each of n fresh pages: n first-touch faults. */
static const char *row_fault(long *n, uint64_t *ticks)
{
	size_t len = (size_t)*n * PAGE;
	volatile char *p = map_anon(len);
	long i;

	if (!p)
		return fail_errno("mmap");
	madvise((void *)p, len, MADV_NOHUGEPAGE);
	uint64_t t0 = rdtsc();
	BENCH_LOOP(i, *n)
		p[i * PAGE] = 1;
	*ticks = rdtsc() - t0;
	*n = i;
	munmap((void *)p, len);
	return NULL;
}

static const char *row_mmap_1m(long *n, uint64_t *ticks)
{
	uint64_t t0 = rdtsc();
	long i;

	BENCH_LOOP(i, *n) {
		volatile char *p = map_anon(MIB);
		if (!p)
			return fail_errno("mmap");
		for (long off = 0; off < MIB; off += PAGE)
			p[off] = 1;
		if (munmap((void *)p, MIB) < 0)
			return fail_errno("munmap");
	}
	*ticks = rdtsc() - t0;
	*n = i;
	return NULL;
}

/* ---- munmap with threads of the same process running on other CPUs */

struct spin {
	int stop;
	int started;		/* spinners running on their CPU; -1 if one could not pin */
	int pin_errno;
	volatile char *page;	/* what the spinners keep reading: the mm stays live there */
};

struct spinner {
	struct spin *s;
	int cpu;
	pthread_t t;
};

static void *spinner_main(void *arg)
{
	struct spinner *me = arg;
	struct spin *s = me->s;

	if (pin_self(me->cpu) < 0) {
		s->pin_errno = errno;
		__atomic_store_n(&s->started, -1, __ATOMIC_RELEASE);
		return NULL;
	}
	__atomic_add_fetch(&s->started, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
		(void)s->page[0];
	return NULL;
}

/* Times only the munmap of `pages` freshly touched 4 KiB pages. */
static const char *unmap_loop(long *n, uint64_t *ticks, long pages)
{
	size_t len = (size_t)pages * PAGE;
	uint64_t sum = 0;
	long i;

	BENCH_LOOP(i, *n) {
		volatile char *p = map_anon(len);
		if (!p)
			return fail_errno("mmap");
		madvise((void *)p, len, MADV_NOHUGEPAGE);
		for (long k = 0; k < pages; k++)
			p[k * PAGE] = 1;
		uint64_t t0 = rdtsc();
		if (munmap((void *)p, len) < 0)
			return fail_errno("munmap");
		sum += rdtsc() - t0;
	}
	*ticks = sum;
	*n = i;
	return NULL;
}

/* Times munmap of `pages` touched pages on CPU 0 while cpus-1 threads spin on CPUs 1..cpus-1. */
static const char *shootdown(long *n, uint64_t *ticks, int cpus, long pages)
{
	static char spin_page[PAGE];
	struct spin s = { 0, 0, 0, spin_page };
	struct spinner sp[8];
	int started = 0;
	const char *why = NULL;

	if (pin_self(0) < 0)
		return fail_errno("sched_setaffinity(CPU 0)");
	for (; started < cpus - 1; started++) {
		sp[started] = (struct spinner){ &s, started + 1, 0 };
		if ((errno = pthread_create(&sp[started].t, NULL, spinner_main, &sp[started]))) {
			why = fail_errno("pthread_create");
			break;
		}
	}
	if (!why) {
		wait_for(&s.started, cpus - 1);
		if (s.started < 0) {
			errno = s.pin_errno;
			why = fail_errno("spinner: sched_setaffinity");
		}
	}
	if (!why)
		why = unmap_loop(n, ticks, pages);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < started; i++)
		pthread_join(sp[i].t, NULL);
	unpin_self();
	return why;
}

static const char *row_unmap_1(long *n, uint64_t *ticks)
{
	return shootdown(n, ticks, 1, 1);
}

static const char *row_unmap_2(long *n, uint64_t *ticks)
{
	return shootdown(n, ticks, 2, 1);
}

static const char *row_unmap_4(long *n, uint64_t *ticks)
{
	return shootdown(n, ticks, 4, 1);
}

static const char *row_unmap_16m_4(long *n, uint64_t *ticks)
{
	return shootdown(n, ticks, 4, 16 * MIB / PAGE);
}

/* ---- memcpy bandwidth: ns per MiB copied, between two touched 1 MiB buffers */

static const char *row_memcpy(long *n, uint64_t *ticks)
{
	char *src = map_anon(MIB), *dst = map_anon(MIB);
	long i;

	if (!src || !dst)
		return fail_errno("mmap");
	madvise(src, MIB, MADV_NOHUGEPAGE);
	madvise(dst, MIB, MADV_NOHUGEPAGE);
	memset(src, 0x5a, MIB);
	memset(dst, 0, MIB);
	uint64_t t0 = rdtsc();
	BENCH_LOOP(i, *n) {
		memcpy(dst, src, MIB);
		__asm__ __volatile__("" ::: "memory");
	}
	*ticks = rdtsc() - t0;
	*n = i;
	const char *why = memcmp(dst, src, MIB) ? fail("the copy differs from its source") : NULL;
	munmap(src, MIB);
	munmap(dst, MIB);
	return why;
}

const struct bench_row bench_rows_mm[] = {
	{ "page_fault", "anonymous first-touch page fault, 4 KiB pages (write)", 2048, 1,
	  row_fault },
	{ "mmap_1m", "mmap + touch every page + munmap, 1 MiB anonymous", 100, 1, row_mmap_1m },
	{ "munmap_1cpu", "munmap of 1 touched page, no other thread running", 500, 1,
	  row_unmap_1 },
	{ "munmap_2cpu", "munmap of 1 touched page, 1 thread spinning on another CPU (shootdown)",
	  500, 2, row_unmap_2 },
	{ "munmap_4cpu", "munmap of 1 touched page, 3 threads spinning on 3 other CPUs", 500, 4,
	  row_unmap_4 },
	{ "munmap_16m_4cpu", "munmap of 16 MiB of touched 4 KiB pages, 3 threads spinning on 3 "
	  "other CPUs", 20, 4, row_unmap_16m_4 },
	{ "memcpy_1m", "memcpy of 1 MiB between touched buffers (ns per MiB)", 50, 1,
	  row_memcpy },
	{ 0 }
};
