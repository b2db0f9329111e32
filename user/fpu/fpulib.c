/*
 * user/fpu/fpulib.c — choosing the register routine for this CPU, and /proc/keel/fpu.
 */
#include <cpuid.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fpu.h"

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

enum vkind vkind_best(void)
{
	unsigned a, b, c, d;

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 27)) || !(c & (1u << 28)))	/* OSXSAVE, AVX */
		return VK_SSE;
	if ((xgetbv0() & 6) != 6)
		return VK_SSE;
	__cpuid_count(7, 0, a, b, c, d);
	if ((b & (1u << 16)) && (xgetbv0() & 0xe6) == 0xe6)
		return VK_AVX512;
	return VK_AVX;
}

const char *vkind_name(enum vkind k)
{
	return k == VK_AVX512 ? "avx512" : k == VK_AVX ? "avx2" : "sse";
}

void vec_hold(enum vkind k, struct hold_args *a)
{
	if (k == VK_AVX512)
		vec_hold_avx512(a);
	else if (k == VK_AVX)
		vec_hold_avx(a);
	else
		vec_hold_sse(a);
}

long vec_call(enum vkind k, struct hold_args *a, long nr, long a0, long a1, long a2)
{
	if (k == VK_AVX512)
		return vec_call_avx512(a, nr, a0, a1, a2);
	if (k == VK_AVX)
		return vec_call_avx(a, nr, a0, a1, a2);
	return vec_call_sse(a, nr, a0, a1, a2);
}

void vec_clobber(enum vkind k, const void *junk)
{
	if (k == VK_AVX512)
		vec_clobber_avx512(junk);
	else if (k == VK_AVX)
		vec_clobber_avx(junk);
	else
		vec_clobber_sse(junk);
}

int fpu_counters_parse(const char *text, struct fpu_counters *c)
{
	const char *line = text;

	memset(c, 0, sizeof(*c));
	if (sscanf(text, "policy %15[a-z]", c->policy) != 1)
		return -1;
	while ((line = strchr(line, '\n')) && *++line) {
		unsigned cpu;
		unsigned long v[5];

		if (sscanf(line, "%u %lu %lu %lu %lu %lu", &cpu, &v[0], &v[1], &v[2], &v[3],
			   &v[4]) == 6) {
			c->nm += v[0];
			c->saves += v[1];
			c->restores += v[2];
			c->skips += v[3];
			c->flushes += v[4];
		} else if (sscanf(line, "self %lu %lu %lu", &c->self_nm, &c->self_saves,
				  &c->self_restores) == 3) {
			return 0;
		}
	}
	return -1;
}

int fpu_counters_read(struct fpu_counters *c)
{
	char buf[4096];
	int fd = open("/proc/keel/fpu", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return fpu_counters_parse(buf, c);
}
