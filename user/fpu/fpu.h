/*
 * user/fpu/fpu.h — shared by fputest and fpubench: the vector-register routines of vecregs.S
 * and the reading of /proc/keel/fpu.
 */
#ifndef USER_FPU_H
#define USER_FPU_H

#include <stdint.h>

#define VIMAGE_BYTES	2304
#define VI_K		2048
#define VI_X87		2112
#define VI_MXCSR	2176

enum vkind { VK_SSE, VK_AVX, VK_AVX512 };

struct hold_args {
	const void *pat;
	void *out;
	long iters, spin;
	const uint64_t *masks;
	long mask_every;
};

void vec_hold_sse(struct hold_args *a);
void vec_hold_avx(struct hold_args *a);
void vec_hold_avx512(struct hold_args *a);
long vec_call_sse(struct hold_args *a, long nr, long a0, long a1, long a2);
long vec_call_avx(struct hold_args *a, long nr, long a0, long a1, long a2);
long vec_call_avx512(struct hold_args *a, long nr, long a0, long a1, long a2);
void vec_clobber_sse(const void *junk);
void vec_clobber_avx(const void *junk);
void vec_clobber_avx512(const void *junk);
void vec_yield_loop(int kind, long n);
extern unsigned char fresh_area[];
extern int fresh_kind;

/* The widest kind this CPU and kernel run (CPUID and XGETBV). */
enum vkind vkind_best(void);
const char *vkind_name(enum vkind k);
void vec_hold(enum vkind k, struct hold_args *a);
long vec_call(enum vkind k, struct hold_args *a, long nr, long a0, long a1, long a2);
void vec_clobber(enum vkind k, const void *junk);

/* /proc/keel/fpu, parsed: the policy line's first word, per-CPU sums, the reader's own. */
struct fpu_counters {
	char policy[16];
	unsigned long nm, saves, restores, skips, flushes;	/* all CPUs */
	unsigned long self_nm, self_saves, self_restores;
};
int fpu_counters_parse(const char *text, struct fpu_counters *c);
int fpu_counters_read(struct fpu_counters *c);

#endif
