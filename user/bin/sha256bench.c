/*
 * user/bin/sha256bench.c — SHA-256 throughput per engine and message size.
 *
 *   sha256bench [-e ENGINE] [-t MS]
 *
 * For each engine the CPU has (or only -e's) and each message size of `openssl speed`
 * (16, 64, 256, 1024, 8192, 16384 bytes): one-shot digests of one buffer, back to back, for
 * about MS milliseconds (default 300) in three runs; the best run counts. One line per cell,
 * "sha256bench: ENGINE SIZE B: X MB/s" (MB = 10^6 bytes, as openssl's numbers), which
 * tools/bench reads; then a table. Runs on Linux and on keel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "crypto/sha256.h"

static const size_t sizes[] = { 16, 64, 256, 1024, 8192, 16384 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* MB/s of one-shot digests of size bytes on engine id, the best of three runs of ms/3 ms. */
static double measure(int id, const uint8_t *buf, size_t size, double ms)
{
	uint8_t d[SHA256_DIGEST];
	double best = 0;

	for (int run = 0; run < 3; run++) {
		double t0 = now_s(), t;
		long n = 0;

		do {
			for (int i = 0; i < 16; i++)
				sha256_with(id, buf, size, d);
			n += 16;
			t = now_s() - t0;
		} while (t < ms / 3e3);
		if ((double)n * size / t / 1e6 > best)
			best = (double)n * size / t / 1e6;
	}
	return best;
}

int main(int argc, char **argv)
{
	static uint8_t buf[16384];
	double mbs[SHA256_NENGINES][NSIZES] = { { 0 } }, ms = 300;
	const char *only = NULL;
	int c, ran[SHA256_NENGINES] = { 0 };

	while ((c = getopt(argc, argv, "e:t:")) != -1) {
		if (c == 'e')
			only = optarg;
		else if (c == 't')
			ms = atof(optarg);
		else {
			fprintf(stderr, "usage: sha256bench [-e ENGINE] [-t MS]\n");
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	for (int id = 0; id < SHA256_NENGINES; id++) {
		if (only && strcmp(only, sha256_engine_name(id)) != 0)
			continue;
		if (!sha256_engine_available(id)) {
			printf("sha256bench: %s not available on this CPU\n", sha256_engine_name(id));
			continue;
		}
		ran[id] = 1;
		for (size_t s = 0; s < NSIZES; s++) {
			mbs[id][s] = measure(id, buf, sizes[s], ms);
			printf("sha256bench: %s %zu B: %.1f MB/s\n", sha256_engine_name(id), sizes[s],
			       mbs[id][s]);
			fflush(stdout);
		}
	}
	printf("\n%-8s", "MB/s");
	for (size_t s = 0; s < NSIZES; s++)
		printf(" %9zu B", sizes[s]);
	printf("\n");
	for (int id = 0; id < SHA256_NENGINES; id++) {
		if (!ran[id])
			continue;
		printf("%-8s", sha256_engine_name(id));
		for (size_t s = 0; s < NSIZES; s++)
			printf(" %11.1f", mbs[id][s]);
		printf("\n");
	}
	return 0;
}
