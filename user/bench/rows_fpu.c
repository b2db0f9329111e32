/*
 * user/bench/rows_fpu.c — the FPU-switch rows: the yield handoff of rows_sched.c, but each step
 * loads all 16 vector registers (SSE: xmm0-15; AVX2: ymm0-15) with a pattern of its own thread,
 * yields to the other thread, and checks the registers still hold the pattern. So the kernel
 * must switch live vector state on every handoff, and a wrong switch shows up as a failure.
 * The plain `yield` row is the same handoff with no vector use.
 *
 * Each load/yield/store runs in one asm statement: nothing the compiler emits can touch the
 * registers between the load and the system call or between the call and the store.
 */
#include "bench.h"

#include <cpuid.h>
#include <string.h>
#include <sys/syscall.h>

#define VREGS	16

/* Per thread: the pattern loaded (in) and what came back (out); 32 bytes per register. */
static uint8_t pattern[2][VREGS * 32] __attribute__((aligned(32)));
static uint8_t seen[2][VREGS * 32] __attribute__((aligned(32)));

#define XMM_CLOBBERS	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
			"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

static long yield_sse(const uint8_t *in, uint8_t *out)
{
	long ret;

	__asm__ __volatile__(
		"movdqu 0(%[in]), %%xmm0\n\t"    "movdqu 16(%[in]), %%xmm1\n\t"
		"movdqu 32(%[in]), %%xmm2\n\t"   "movdqu 48(%[in]), %%xmm3\n\t"
		"movdqu 64(%[in]), %%xmm4\n\t"   "movdqu 80(%[in]), %%xmm5\n\t"
		"movdqu 96(%[in]), %%xmm6\n\t"   "movdqu 112(%[in]), %%xmm7\n\t"
		"movdqu 128(%[in]), %%xmm8\n\t"  "movdqu 144(%[in]), %%xmm9\n\t"
		"movdqu 160(%[in]), %%xmm10\n\t" "movdqu 176(%[in]), %%xmm11\n\t"
		"movdqu 192(%[in]), %%xmm12\n\t" "movdqu 208(%[in]), %%xmm13\n\t"
		"movdqu 224(%[in]), %%xmm14\n\t" "movdqu 240(%[in]), %%xmm15\n\t"
		"syscall\n\t"
		"movdqu %%xmm0, 0(%[out])\n\t"    "movdqu %%xmm1, 16(%[out])\n\t"
		"movdqu %%xmm2, 32(%[out])\n\t"   "movdqu %%xmm3, 48(%[out])\n\t"
		"movdqu %%xmm4, 64(%[out])\n\t"   "movdqu %%xmm5, 80(%[out])\n\t"
		"movdqu %%xmm6, 96(%[out])\n\t"   "movdqu %%xmm7, 112(%[out])\n\t"
		"movdqu %%xmm8, 128(%[out])\n\t"  "movdqu %%xmm9, 144(%[out])\n\t"
		"movdqu %%xmm10, 160(%[out])\n\t" "movdqu %%xmm11, 176(%[out])\n\t"
		"movdqu %%xmm12, 192(%[out])\n\t" "movdqu %%xmm13, 208(%[out])\n\t"
		"movdqu %%xmm14, 224(%[out])\n\t" "movdqu %%xmm15, 240(%[out])\n\t"
		: "=a"(ret)
		: "a"((long)SYS_sched_yield), [in] "r"(in), [out] "r"(out)
		: "rcx", "r11", "memory", XMM_CLOBBERS);
	return ret;
}

static long yield_avx2(const uint8_t *in, uint8_t *out)
{
	long ret;

	__asm__ __volatile__(
		"vmovdqu 0(%[in]), %%ymm0\n\t"    "vmovdqu 32(%[in]), %%ymm1\n\t"
		"vmovdqu 64(%[in]), %%ymm2\n\t"   "vmovdqu 96(%[in]), %%ymm3\n\t"
		"vmovdqu 128(%[in]), %%ymm4\n\t"  "vmovdqu 160(%[in]), %%ymm5\n\t"
		"vmovdqu 192(%[in]), %%ymm6\n\t"  "vmovdqu 224(%[in]), %%ymm7\n\t"
		"vmovdqu 256(%[in]), %%ymm8\n\t"  "vmovdqu 288(%[in]), %%ymm9\n\t"
		"vmovdqu 320(%[in]), %%ymm10\n\t" "vmovdqu 352(%[in]), %%ymm11\n\t"
		"vmovdqu 384(%[in]), %%ymm12\n\t" "vmovdqu 416(%[in]), %%ymm13\n\t"
		"vmovdqu 448(%[in]), %%ymm14\n\t" "vmovdqu 480(%[in]), %%ymm15\n\t"
		"syscall\n\t"
		"vmovdqu %%ymm0, 0(%[out])\n\t"    "vmovdqu %%ymm1, 32(%[out])\n\t"
		"vmovdqu %%ymm2, 64(%[out])\n\t"   "vmovdqu %%ymm3, 96(%[out])\n\t"
		"vmovdqu %%ymm4, 128(%[out])\n\t"  "vmovdqu %%ymm5, 160(%[out])\n\t"
		"vmovdqu %%ymm6, 192(%[out])\n\t"  "vmovdqu %%ymm7, 224(%[out])\n\t"
		"vmovdqu %%ymm8, 256(%[out])\n\t"  "vmovdqu %%ymm9, 288(%[out])\n\t"
		"vmovdqu %%ymm10, 320(%[out])\n\t" "vmovdqu %%ymm11, 352(%[out])\n\t"
		"vmovdqu %%ymm12, 384(%[out])\n\t" "vmovdqu %%ymm13, 416(%[out])\n\t"
		"vmovdqu %%ymm14, 448(%[out])\n\t" "vmovdqu %%ymm15, 480(%[out])\n\t"
		"vzeroupper\n\t"
		: "=a"(ret)
		: "a"((long)SYS_sched_yield), [in] "r"(in), [out] "r"(out)
		: "rcx", "r11", "memory", XMM_CLOBBERS);
	return ret;
}

/* Fills thread who's pattern: different in every byte, register and thread. */
static void make_pattern(int who)
{
	for (size_t i = 0; i < sizeof(pattern[who]); i++)
		pattern[who][i] = (uint8_t)(i * 7 + who * 101 + 1);
}

static int step_sse(int who, long i)
{
	yield_sse(pattern[who], seen[who]);
	return memcmp(pattern[who], seen[who], VREGS * 16) != 0;
}

static int step_avx2(int who, long i)
{
	yield_avx2(pattern[who], seen[who]);
	return memcmp(pattern[who], seen[who], VREGS * 32) != 0;
}

/* AVX2 usable: the CPU has it and the kernel enabled the AVX state in XCR0. */
static const char *avx2_missing(void)
{
	unsigned a, b, c, d;
	uint32_t lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
		return "no AVX, or the kernel did not set CR4.OSXSAVE";
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & 6) != 6)
		return "the kernel did not enable the AVX state in XCR0";
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_AVX2))
		return "no AVX2 on this CPU";
	return NULL;
}

static const char *row_yield_sse(long *n, uint64_t *ticks)
{
	make_pattern(0);
	make_pattern(1);
	return yield_pair(n, ticks, step_sse);
}

static const char *row_yield_avx2(long *n, uint64_t *ticks)
{
	const char *missing = avx2_missing();

	if (missing)
		return fail("%s", missing);
	make_pattern(0);
	make_pattern(1);
	return yield_pair(n, ticks, step_avx2);
}

const struct bench_row bench_rows_fpu[] = {
	{ "yield_sse", "yield handoff, 2 threads on 1 CPU, xmm0-15 live in both", 4000, 1,
	  row_yield_sse },
	{ "yield_avx2", "yield handoff, 2 threads on 1 CPU, ymm0-15 live in both (AVX2)", 4000, 1,
	  row_yield_avx2 },
	{ 0 }
};
