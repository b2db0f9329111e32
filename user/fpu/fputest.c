/*
 * user/fpu/fputest.c — the vector state keeps its values, whatever the kernel's fpu= policy.
 *
 * Run by `make test` on QEMU TCG (-cpu max: AVX2) at 2 and 4 CPUs with fpu=eager and fpu=lazy,
 * and on Bochs corei7_skylake_x (AVX-512) with fpu=lazy. Each test uses the widest registers
 * the CPU has (vecregs.S); `fputest [NAME...]` runs some, `--iters N` sets the rounds.
 * Two modes are entered before musl runs (vecregs.S: fresh_entry): `--fresh` checks the
 * register file exec left, `--nosse` is a thread that never touches a vector register.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cpuid.h>
#include <unistd.h>
#include "fpu.h"

#define CHECK(c) do { if (!(c)) { printf("FAIL %s (line %d): %s\n", __func__, __LINE__, #c); \
		      return 1; } } while (0)
/* The CPU or emulator lacks what the test needs: counted as skipped, never as passed. */
#define SKIPPED 2
#define SKIP(why) do { printf("skip %s: %s\n", __func__, why); return SKIPPED; } while (0)

static enum vkind kind;
static long iters = 2000;
static int ncpu;

/* --- patterns --- */

struct vimage {
	unsigned char b[VIMAGE_BYTES];
} __attribute__((aligned(64)));

static void pattern(struct vimage *v, unsigned seed)
{
	for (int i = 0; i < VI_X87; i++)
		v->b[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 6) * 29 + 1);
	for (int i = 0; i < 8; i++) {
		double d = seed * 1000.0 + i + 0.5;

		memcpy(v->b + VI_X87 + i * 8, &d, 8);
	}
	uint32_t mxcsr = 0x1f80 | (seed % 4) << 13;	/* a rounding mode per thread */
	memcpy(v->b + VI_MXCSR, &mxcsr, 4);
}

/* The bytes kind k covers; -1 when out equals pat there, else the first differing offset. */
static int compare(enum vkind k, const struct vimage *pat, const struct vimage *out)
{
	int width = k == VK_AVX512 ? 64 : k == VK_AVX ? 32 : 16, nregs = k == VK_AVX512 ? 32 : 16;

	for (int r = 0; r < nregs; r++)
		for (int i = 0; i < width; i++)
			if (pat->b[r * 64 + i] != out->b[r * 64 + i])
				return r * 64 + i;
	if (k == VK_AVX512 && memcmp(pat->b + VI_K, out->b + VI_K, 64))
		return VI_K;
	if (memcmp(pat->b + VI_X87, out->b + VI_X87, 64))
		return VI_X87;
	if (memcmp(pat->b + VI_MXCSR, out->b + VI_MXCSR, 4))
		return VI_MXCSR;
	return -1;
}

/* --- threads holding registers across yields, preemption and migration --- */

struct holder {
	pthread_t th;
	unsigned seed;
	enum vkind kind;
	long spin;
	uint64_t masks[2];
	struct vimage pat, out;
	int bad;
	volatile int done;
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	struct hold_args a = { &h->pat, &h->out, iters, h->spin, h->masks,
			       ncpu > 1 ? 8 : 0 };

	vec_hold(h->kind, &a);
	h->bad = compare(h->kind, &h->pat, &h->out);
	h->done = 1;
	return NULL;
}

static void holder_init(struct holder *h, unsigned seed, enum vkind k)
{
	memset(h, 0, sizeof(*h));
	h->seed = seed;
	h->kind = k;
	h->spin = 1000 + seed * 97 % 1000;
	h->masks[0] = 1ull << (seed % ncpu);
	h->masks[1] = 1ull << ((seed + 1) % ncpu);
	pattern(&h->pat, seed);
}

static int registers_survive_yields_preemption_and_migration(void)
{
	int n = 2 * ncpu + 1;
	struct holder *h = calloc(n, sizeof(*h));
	struct fpu_counters b, a;

	CHECK(h && fpu_counters_read(&b) == 0);
	for (int i = 0; i < n; i++) {
		holder_init(&h[i], i + 1, i % 3 == 2 ? VK_SSE : kind);	/* mix widths */
		CHECK(pthread_create(&h[i].th, NULL, holder_main, &h[i]) == 0);
	}
	for (int i = 0; i < n; i++)
		pthread_join(h[i].th, NULL);
	for (int i = 0; i < n; i++) {
		if (h[i].bad >= 0)
			printf("  thread %d (%s): byte %d differs\n", i, vkind_name(h[i].kind),
			       h[i].bad);
		CHECK(h[i].bad < 0);
	}
	free(h);
	CHECK(fpu_counters_read(&a) == 0);
	printf("  policy %s: nm %lu saves %lu restores %lu clean skips %lu remote flushes %lu\n",
	       a.policy, a.nm - b.nm, a.saves - b.saves, a.restores - b.restores, a.skips - b.skips,
	       a.flushes - b.flushes);
	if (strcmp(a.policy, "lazy") == 0 && ncpu > 1)
		CHECK(a.flushes > b.flushes);	/* migrations did find state on the old CPU */
	return 0;
}

/* --- exec and fork --- */

static int fresh_check(void);

static int fresh_process_starts_from_the_init_state(void)
{
	struct vimage pat, out;
	struct hold_args a = { &pat, &out, 0, 0, NULL, 0 };
	char *argv[] = { "fputest", "--fresh", NULL };
	int st;
	pid_t pid;

	pattern(&pat, 77);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {		/* the registers hold the pattern right up to the exec */
		vec_call(kind, &a, SYS_execve, (long)"/bin/fputest", (long)argv, (long)environ);
		_exit(99);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		printf("  child status %#x\n", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

static int fork_child_inherits_the_registers(void)
{
	struct vimage pat, out;
	struct hold_args a = { &pat, &out, 0, 0, NULL, 0 };
	long pid;
	int st;

	pattern(&pat, 91);
	pid = vec_call(kind, &a, SYS_fork, 0, 0, 0);
	if (pid == 0)
		_exit(compare(kind, &pat, &out) < 0 ? 0 : 1);
	CHECK(pid > 0);
	CHECK(compare(kind, &pat, &out) < 0);
	CHECK(waitpid((pid_t)pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

/* --- signal handlers --- */

static struct vimage junk;
static volatile int handled;

static void on_usr1_clobber(int sig)
{
	vec_clobber(kind, &junk);
	handled++;
}

static int signal_handlers_that_clobber_registers_leave_them_intact(void)
{
	struct holder *h = calloc(1, sizeof(*h));
	struct sigaction sa = { .sa_handler = on_usr1_clobber };
	int sent = 0;

	CHECK(h);
	pattern(&junk, 200);
	sigaction(SIGUSR1, &sa, NULL);
	handled = 0;
	holder_init(h, 5, kind);
	CHECK(pthread_create(&h->th, NULL, holder_main, h) == 0);
	while (!h->done) {
		pthread_kill(h->th, SIGUSR1);
		sent++;
		for (volatile int i = 0; i < 20000; i++)
			;
		sched_yield();
	}
	pthread_join(h->th, NULL);
	signal(SIGUSR1, SIG_DFL);
	printf("  %d signals sent, %d handled\n", sent, handled);
	CHECK(handled > 0);
	if (h->bad >= 0)
		printf("  byte %d differs\n", h->bad);
	CHECK(h->bad < 0);
	free(h);
	return 0;
}

/* A handler that writes a reserved XSTATE_BV bit into the frame sigreturn will load. */
static void on_usr1_break_header(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	((uint64_t *)((char *)uc->uc_mcontext.fpregs + 512))[0] |= 1ull << 62;
}

static int bad_xsave_header_in_a_frame_kills_only_that_process(void)
{
	int st;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		struct sigaction sa = { .sa_sigaction = on_usr1_break_header,
					.sa_flags = SA_SIGINFO };

		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	return 0;
}

/* --- #XM and #MF --- */

static sigjmp_buf fpe_jb;
static volatile int fpe_code;

static void on_fpe(int sig, siginfo_t *si, void *uc)
{
	fpe_code = si->si_code;
	siglongjmp(fpe_jb, 1);
}

static int arm_fpe(void)
{
	struct sigaction sa = { .sa_sigaction = on_fpe, .sa_flags = SA_SIGINFO };

	fpe_code = -1;
	return sigaction(SIGFPE, &sa, NULL);
}

static int simd_divide_by_zero_is_sigfpe_fltdiv(void)
{
	uint32_t mxcsr = 0x1f80 & ~(1u << 9);		/* ZM unmasked */
	float one = 1.0f, zero = 0.0f;

	CHECK(arm_fpe() == 0);
	if (!sigsetjmp(fpe_jb, 1)) {
		__asm__ __volatile__("ldmxcsr %0; movss %1, %%xmm0; divss %2, %%xmm0"
				     :: "m"(mxcsr), "m"(one), "m"(zero) : "xmm0");
		fpe_code = -2;		/* the divide finished: no #XM was raised */
	}
	mxcsr = 0x1f80;
	__asm__ __volatile__("ldmxcsr %0" :: "m"(mxcsr));
	signal(SIGFPE, SIG_DFL);
	if (fpe_code == -2)
		SKIP("no #XM raised (QEMU TCG does not raise SIMD exceptions)");
	CHECK(fpe_code == FPE_FLTDIV);
	return 0;
}

static int x87_divide_by_zero_is_sigfpe_fltdiv(void)
{
	uint16_t cw = 0x37f & ~(1u << 2);		/* ZM unmasked */

	CHECK(arm_fpe() == 0);
	if (!sigsetjmp(fpe_jb, 1)) {
		__asm__ __volatile__("fninit; fldcw %0; fld1; fldz; fdivrp; fwait; fstp %%st(0)"
				     :: "m"(cw));
		printf("  no #MF\n");
	}
	__asm__ __volatile__("fninit");
	signal(SIGFPE, SIG_DFL);
	CHECK(fpe_code == FPE_FLTDIV);
	return 0;
}

/* --- lazy switching's premise --- */

static volatile int hogs_stop;

/* Hogs come in pairs pinned to one CPU, so they must take the registers from each other
 * (lazy: an #NM per switch) whatever the balancer does. */
static void *hog_main(void *arg)
{
	struct holder *h = arg;
	uint64_t pin = 1ull << ((h->seed - 40) / 2 % ncpu);
	uint64_t masks[2] = { pin, pin };
	struct hold_args a = { &h->pat, &h->out, 50, 2000, masks, ncpu > 1 ? 8 : 0 };

	while (!hogs_stop)
		vec_hold(h->kind, &a);
	return NULL;
}

/* Runs `fputest --nosse` beside two vector hogs per CPU; *before and *after are its own
 * snapshots of /proc/keel/fpu around 2000 yields. */
static int run_nosse(struct fpu_counters *before, struct fpu_counters *after)
{
	static char text[16384];
	int fd[2], st, n = 2 * ncpu;
	size_t len = 0;
	ssize_t r;
	struct holder *h = calloc(n, sizeof(*h));
	char *sep;
	pid_t pid;

	CHECK(h && pipe(fd) == 0);
	hogs_stop = 0;
	for (int i = 0; i < n; i++) {
		holder_init(&h[i], 40 + i, kind);
		CHECK(pthread_create(&h[i].th, NULL, hog_main, &h[i]) == 0);
	}
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(fd[1], 1);
		execl("/bin/fputest", "fputest", "--nosse", (char *)NULL);
		_exit(99);
	}
	close(fd[1]);
	while ((r = read(fd[0], text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)r;
	text[len] = '\0';
	close(fd[0]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	hogs_stop = 1;
	for (int i = 0; i < n; i++)
		pthread_join(h[i].th, NULL);
	free(h);
	sep = strstr(text, "---\n");
	CHECK(sep);
	*sep = '\0';
	CHECK(fpu_counters_parse(text, before) == 0);
	CHECK(fpu_counters_parse(sep + 4, after) == 0);
	return 0;
}

static int thread_without_vector_use_takes_no_nm_and_no_saves(void)
{
	struct fpu_counters b, a;

	CHECK(run_nosse(&b, &a) == 0);
	printf("  policy %s: that thread nm %lu saves %lu restores %lu; all CPUs nm %lu saves %lu "
	       "restores %lu clean skips %lu remote flushes %lu\n", b.policy,
	       a.self_nm - b.self_nm, a.self_saves - b.self_saves,
	       a.self_restores - b.self_restores, a.nm - b.nm, a.saves - b.saves,
	       a.restores - b.restores, a.skips - b.skips, a.flushes - b.flushes);
	CHECK(a.self_nm == b.self_nm);
	if (strcmp(b.policy, "lazy") == 0) {
		CHECK(a.self_saves == b.self_saves && a.self_restores == b.self_restores);
		CHECK(a.nm > b.nm);		/* the hogs did take the registers from each other */
	} else {
		CHECK(a.nm == b.nm);		/* eager never sets CR0.TS */
	}
	return 0;
}

/* --- the modes entered before musl --- */

/* `fputest --fresh`: fresh_area is the register file as exec left it. */
static int fresh_check(void)
{
	const unsigned char *x = fresh_area;
	uint64_t bv = fresh_kind == 1 ? *(const uint64_t *)(x + 512) : 3;
	uint16_t fcw;
	uint32_t mxcsr;

	memcpy(&fcw, x, 2);
	memcpy(&mxcsr, x + 24, 4);
	CHECK(fresh_kind == 1 || fresh_kind == 2);
	CHECK(mxcsr == 0x1f80);
	if (bv & 1) {
		CHECK(fcw == 0x37f);
		CHECK(x[4] == 0);			/* abridged tag word: all empty */
		for (int i = 32; i < 160; i++)
			CHECK(x[i] == 0);		/* st0-st7 */
	}
	if (bv & 2)
		for (int i = 160; i < 416; i++)
			CHECK(x[i] == 0);		/* xmm0-xmm15 */
	for (unsigned c = 2; c < 8; c++) {
		unsigned sz, off, ecx, edx;

		if (!(bv & (1ull << c)))
			continue;
		__cpuid_count(0xd, c, sz, off, ecx, edx);
		for (unsigned i = 0; i < sz; i++)
			CHECK(x[off + i] == 0);
	}
	return 0;
}

static const struct test {
	const char *name;
	int (*fn)(void);
} tests[] = {
#define T(f) { #f, f }
	T(registers_survive_yields_preemption_and_migration),
	T(fresh_process_starts_from_the_init_state),
	T(fork_child_inherits_the_registers),
	T(signal_handlers_that_clobber_registers_leave_them_intact),
	T(bad_xsave_header_in_a_frame_kills_only_that_process),
	T(simd_divide_by_zero_is_sigfpe_fltdiv),
	T(x87_divide_by_zero_is_sigfpe_fltdiv),
	T(thread_without_vector_use_takes_no_nm_and_no_saves),
#undef T
};

static bool selected(int argc, char **argv, const char *name)
{
	bool any = false;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || strcmp(argv[i - 1], "--iters") == 0)
			continue;
		any = true;
		if (strstr(name, argv[i]))
			return true;
	}
	return !any;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	cpu_set_t set;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "--fresh") == 0)
		return fresh_check();
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--iters") == 0)
			iters = atol(argv[++i]);
	kind = vkind_best();
	CPU_ZERO(&set);
	ncpu = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
	if (ncpu > 64)
		ncpu = 64;
	printf("fputest: %s registers, %d CPUs, %ld rounds\n", vkind_name(kind), ncpu, iters);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!selected(argc, argv, tests[i].name))
			continue;
		int r = tests[i].fn();

		if (r == 0) {
			printf("ok   %s\n", tests[i].name);
			passed++;
		} else if (r == SKIPPED) {
			skipped++;
		} else {
			failed++;
		}
	}
	if (skipped)
		printf("fputest: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("fputest: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
