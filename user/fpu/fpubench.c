/*
 * user/fpu/fpubench.c — what switching vector state costs, under the kernel's fpu= policy.
 *
 * Two threads pinned to one CPU hand it back and forth with sched_yield, touching the
 * registers of one kind between yields: none, SSE, AVX2, AVX-512 (where the CPU has them).
 * Then the seed's question: hashing small messages with SHA-256 in a thread that is switched
 * every 8 messages, when does the AVX2 (8-lane) path beat the scalar one? `make bench` boots
 * keel with fpu=eager and fpu=lazy and tabulates the lines this prints (tools/bench).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fpu.h"
#include "sha256.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin_cpu0(void)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(0, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* --- yield handoff --- */

struct pp {
	int kind;
	long n;
};

static void *pp_main(void *arg)
{
	struct pp *p = arg;

	pin_cpu0();
	vec_yield_loop(p->kind, p->n);
	return NULL;
}

/* Runs fn(arg) on two threads at once; returns the wall time in ns. */
static uint64_t pair(void *(*fn)(void *), void *a0, void *a1)
{
	pthread_t t[2];
	uint64_t t0 = now_ns();

	pthread_create(&t[0], NULL, fn, a0);
	pthread_create(&t[1], NULL, fn, a1);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	return now_ns() - t0;
}

#define REPS 5		/* every figure is the best of REPS runs: the host is shared */

static double handoff(int kind, long n, double *nm_per)
{
	struct pp p = { kind, n };
	struct fpu_counters b, a;
	uint64_t ns, best = UINT64_MAX;

	fpu_counters_read(&b);
	for (int r = 0; r < REPS; r++)
		if ((ns = pair(pp_main, &p, &p)) < best)
			best = ns;
	fpu_counters_read(&a);
	*nm_per = (double)(a.nm - b.nm) / (2.0 * n * REPS);
	return (double)best / (2.0 * n);
}

/* --- SHA-256 --- */

struct sh {
	int avx2;
	size_t len;
	long units;
	int yield;
	const uint8_t *msgs[8];
	uint8_t out[8][32];
};

static void *sh_main(void *arg)
{
	struct sh *s = arg;

	pin_cpu0();
	for (long u = 0; u < s->units; u++) {
		if (s->avx2)
			sha256_x8_avx2(s->msgs, s->len, s->out);
		else
			for (int j = 0; j < 8; j++)
				sha256_with(SHA256_C, s->msgs[j], s->len, s->out[j]);
		if (s->yield)
			sched_yield();
	}
	return NULL;
}

/* ns per message: two threads, each hashing units x 8 messages, yielding after each 8. */
static double sha_cost(int avx2, size_t len, long units, int yield, uint8_t *buf)
{
	struct sh s[2];

	for (int i = 0; i < 2; i++) {
		s[i] = (struct sh){ avx2, len, units, yield, { 0 }, { { 0 } } };
		for (int j = 0; j < 8; j++)
			s[i].msgs[j] = buf + (size_t)j * 4096;
	}
	uint64_t ns, best = UINT64_MAX;

	for (int r = 0; r < REPS; r++)
		if ((ns = pair(sh_main, &s[0], &s[1])) < best)
			best = ns;
	return (double)best / (2.0 * units * 8);
}

static int sha_selftest(uint8_t *buf)
{
	static const uint8_t abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
		0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
		0xf2, 0x00, 0x15, 0xad };
	uint8_t d[32], x8[8][32];
	const uint8_t *m[8];

	sha256_with(SHA256_C, "abc", 3, d);
	if (memcmp(d, abc, 32))
		return -1;
	for (size_t len = 0; len < 300; len += 23) {
		for (int j = 0; j < 8; j++)
			m[j] = buf + (size_t)j * 4096;
		sha256_x8_avx2(m, len, x8);
		for (int j = 0; j < 8; j++) {
			sha256_with(SHA256_C, m[j], len, d);
			if (memcmp(d, x8[j], 32))
				return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *names[] = { "none", "sse", "avx2", "avx512" };
	static const size_t sizes[] = { 16, 55, 64, 128, 256, 512, 1024, 2048 };
	enum vkind best = vkind_best();
	int kinds = best == VK_AVX512 ? 4 : best == VK_AVX ? 3 : 2;
	long n = argc > 1 ? atol(argv[1]) : 3000;
	struct fpu_counters c;
	double t[4], nm[4];
	uint8_t *buf = malloc(8 * 4096);
	size_t crossover = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!buf || fpu_counters_read(&c))
		return 1;
	for (int i = 0; i < 8 * 4096; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	printf("fpubench: policy %s, %ld handoffs per kind, best of %d\n", c.policy, n, REPS);
	for (int k = 0; k < kinds; k++) {
		t[k] = handoff(k, n, &nm[k]);
		printf("fpubench: yield handoff %s: %.0f ns/switch, %.2f #NM/switch\n", names[k],
		       t[k], nm[k]);
	}
	printf("fpubench: vector switch cost (sse - none): %.0f ns\n", t[1] - t[0]);
	if (best < VK_AVX)
		return 0;
	if (sha_selftest(buf)) {
		printf("fpubench: sha256 self-test FAILED\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		long units = (long)(100000 / (sizes[i] + 64)) + 10;
		double s = sha_cost(0, sizes[i], units, 1, buf), v = sha_cost(1, sizes[i], units, 1, buf);
		double s0 = sha_cost(0, sizes[i], units, 0, buf), v0 = sha_cost(1, sizes[i], units, 0, buf);

		printf("fpubench: sha256 %zu B: switched scalar %.0f avx2 %.0f ns/msg; "
		       "unswitched scalar %.0f avx2 %.0f ns/msg\n", sizes[i], s, v, s0, v0);
		if (!crossover && v < s)
			crossover = sizes[i];
	}
	if (crossover)
		printf("fpubench: sha256 avx2 beats scalar from %zu B (switched every 8 messages)\n",
		       crossover);
	else
		printf("fpubench: sha256 avx2 never beats scalar up to %zu B\n",
		       sizes[sizeof(sizes) / sizeof(sizes[0]) - 1]);
	return 0;
}
