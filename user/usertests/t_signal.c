/*
 * user/usertests/t_signal.c — signals: SA_SIGINFO handlers (si_signo, si_code, si_addr),
 * SA_RESTART, sigprocmask, sigaltstack, SIGCHLD, SIGKILL, and the FPU/SSE state across a
 * handler that clobbers it.
 */
#include "ut.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_sig, last_code;
static volatile pid_t last_pid;
static void *volatile last_addr;
static void *volatile fault_addr;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	hits++;
	last_sig = si->si_signo;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_addr = si->si_addr;
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	if (sigaction(sig, &sa, NULL) < 0)
		FAIL("sigaction(%d): %s", sig, strerror(errno));
}

static void siginfo_user(void)
{
	struct sigaction old;

	set_handler(SIGUSR1, on_info, 0);
	CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
	CHECK(old.sa_sigaction == on_info && (old.sa_flags & SA_SIGINFO));
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK_EQ(hits, 1);				/* delivered before kill returns */
	CHECK_EQ(last_sig, SIGUSR1);
	CHECK_EQ(last_code, SI_USER);
	CHECK_EQ(last_pid, getpid());
	CHECK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1) == 0);
	CHECK_EQ(hits, 2);
	CHECK_EQ(last_code, SI_TKILL);
	/* raw rt_sigaction (kernel struct: handler, flags, restorer, mask): libc checks first */
	unsigned long ksa[4] = { (unsigned long)SIG_IGN, 0, 0, 0 };
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGKILL, ksa, NULL, 8), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGSTOP, ksa, NULL, 8), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigaction, 0, ksa, NULL, 8), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigaction, 65, ksa, NULL, 8), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8), EFAULT);
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	_exit(si->si_signo == SIGSEGV && si->si_addr == fault_addr &&
	      si->si_code == SEGV_MAPERR ? 0 : 1);
}

static void on_segv_acc(int sig, siginfo_t *si, void *uc)
{
	_exit(si->si_signo == SIGSEGV && si->si_addr == fault_addr &&
	      si->si_code == SEGV_ACCERR ? 0 : 1);
}

static void segv_child(void *arg)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (arg) {
		set_handler(SIGSEGV, on_segv_acc, 0);
		mprotect(p, 8192, PROT_READ);
	} else {
		set_handler(SIGSEGV, on_segv, 0);
		munmap(p, 8192);
	}
	fault_addr = p + 4100;
	*(volatile char *)fault_addr = 1;
	_exit(2);
}

static void siginfo_segv(void)
{
	int st = ut_run_child(segv_child, NULL);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("SEGV_MAPERR siginfo wrong (status %#x)", st);
	st = ut_run_child(segv_child, (void *)1);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("SEGV_ACCERR siginfo wrong (status %#x)", st);
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	hits++;
}

/* A child blocks in read on a pipe; SIGUSR1 arrives, then data. Returns what read gave. */
static void restart_case(int flags, long *ret, int *err)
{
	int p[2], r[2];

	CHECK(pipe(p) == 0 && pipe(r) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		long res[2];
		set_handler(SIGUSR1, on_usr1, flags);
		hits = 0;
		errno = 0;
		res[0] = read(p[0], &c, 1);
		res[1] = hits == 1 ? errno : -1;
		write(r[1], res, sizeof(res));
		_exit(0);
	}
	ut_sleep_ms(100);			/* let it block */
	CHECK(kill(pid, SIGUSR1) == 0);
	ut_sleep_ms(100);
	CHECK_EQ(write(p[1], "d", 1), 1);
	long res[2];
	CHECK_EQ(read(r[0], res, sizeof(res)), sizeof(res));
	ut_wait(pid);
	*ret = res[0];
	*err = (int)res[1];
}

static void sa_restart(void)
{
	long ret;
	int err;

	restart_case(SA_RESTART, &ret, &err);
	if (err < 0)
		FAIL("SA_RESTART: the handler did not run exactly once");
	if (ret != 1)
		FAIL("SA_RESTART: read returned %ld (errno %d), want 1", ret, err);
	restart_case(0, &ret, &err);
	if (ret != -1 || err != EINTR)
		FAIL("no SA_RESTART: read returned %ld (errno %d), want -1/EINTR", ret, err);
}

static void sigprocmask_defer(void)
{
	sigset_t block, old, cur;

	set_handler(SIGUSR1, on_usr1, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	CHECK(!sigismember(&old, SIGUSR1));
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);		/* standard signals do not queue */
	CHECK_EQ(hits, 0);
	CHECK(sigprocmask(SIG_SETMASK, NULL, &cur) == 0 && sigismember(&cur, SIGUSR1));
	CHECK(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0);
	CHECK_EQ(hits, 1);				/* delivered on unblock, once */
	sigaddset(&block, SIGKILL);
	CHECK(sigprocmask(SIG_SETMASK, &block, NULL) == 0);
	CHECK(sigprocmask(SIG_SETMASK, NULL, &cur) == 0 && !sigismember(&cur, SIGKILL));
	CHECK_ERR(syscall(SYS_rt_sigprocmask, 99, &block, NULL, 8), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)8, NULL, 8), EFAULT);
}

static char *alt_base;
static volatile int on_alt;

static void on_altstack(int sig, siginfo_t *si, void *uc)
{
	char local;
	stack_t ss;

	on_alt = &local > alt_base && &local < alt_base + 65536;
	if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_ONSTACK))
		on_alt = 0;
}

static void sigaltstack_test(void)
{
	stack_t ss = { .ss_size = 65536, .ss_flags = 0 }, old;

	alt_base = malloc(65536);
	ss.ss_sp = alt_base;
	CHECK(sigaltstack(&ss, &old) == 0);
	CHECK(old.ss_flags & SS_DISABLE);
	set_handler(SIGUSR2, on_altstack, SA_ONSTACK);
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(on_alt == 1);
	stack_t small = { .ss_sp = alt_base, .ss_size = 512 };
	CHECK_ERR(syscall(SYS_sigaltstack, &small, NULL), ENOMEM);
	CHECK(sigaltstack(NULL, &old) == 0 && old.ss_sp == alt_base && !(old.ss_flags & SS_ONSTACK));
}

static void sigchld_test(void)
{
	set_handler(SIGCHLD, on_info, 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	int64_t t0 = ut_now_ns();
	while (!hits && ut_now_ns() - t0 < 5000000000LL)
		ut_sleep_ms(1);
	CHECK_EQ(hits, 1);
	CHECK_EQ(last_sig, SIGCHLD);
	CHECK_EQ(last_code, CLD_EXITED);
	CHECK_EQ(last_pid, pid);
	CHECK_EQ(WEXITSTATUS(ut_wait(pid)), 3);
}

static void ignore_all_then_hang(void *arg)
{
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_IGN);
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	write(*(int *)arg, "r", 1);
	for (;;)
		ut_sleep_ms(1000);
}

static void sigkill_uncatchable(void)
{
	int p[2];
	char c;

	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0)
		ignore_all_then_hang(&p[1]);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK(kill(pid, SIGTERM) == 0 && kill(pid, SIGINT) == 0);	/* ignored */
	ut_sleep_ms(20);
	CHECK_EQ(waitpid(pid, NULL, WNOHANG), 0);
	CHECK(kill(pid, SIGKILL) == 0);
	int st = ut_wait(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static volatile int fpu_ticks;

static void on_fpu_clobber(int sig, siginfo_t *si, void *uc)
{
	volatile double d = 1.5;

	for (int i = 0; i < 10; i++)
		d = d * 3.25 + 0.125;
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\tmovdqa %%xmm0, %%xmm1\n\t"
			 "movdqa %%xmm0, %%xmm7\n\tmovdqa %%xmm0, %%xmm8\n\tmovdqa %%xmm0, %%xmm15\n\t"
			 "fldpi\n\tfldpi\n\tfstp %%st(0)\n\tfstp %%st(0)"
			 ::: "xmm0", "xmm1", "xmm7", "xmm8", "xmm15");
	fpu_ticks++;
}

/*
 * Loads xmm0, xmm1, xmm7, xmm8, xmm15 with known values and spins (touching only general
 * registers) until `want` signals have arrived; then stores them. Returns 0 if unchanged.
 */
static int spin_with_xmm(int want, volatile int *done)
{
	static const uint64_t pat[10] __attribute__((aligned(16))) = {
		0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
		0x5555555555555555, 0x6666666666666666, 0x7777777777777777, 0x8888888888888888,
		0x9999999999999999, 0xaaaaaaaaaaaaaaaa };
	uint64_t out[10] __attribute__((aligned(16)));

	__asm__ volatile(
		"movdqa 0(%[p]), %%xmm0\n\tmovdqa 16(%[p]), %%xmm1\n\tmovdqa 32(%[p]), %%xmm7\n\t"
		"movdqa 48(%[p]), %%xmm8\n\tmovdqa 64(%[p]), %%xmm15\n"
		"1:\n\tpause\n\tcmpl $0, %[done]\n\tjne 2f\n\tcmpl %[want], %[ticks]\n\tjl 1b\n"
		"2:\n\t"
		"movdqa %%xmm0, 0(%[o])\n\tmovdqa %%xmm1, 16(%[o])\n\tmovdqa %%xmm7, 32(%[o])\n\t"
		"movdqa %%xmm8, 48(%[o])\n\tmovdqa %%xmm15, 64(%[o])"
		:: [p] "r"(pat), [o] "r"(out), [want] "r"(want), [ticks] "m"(fpu_ticks),
		   [done] "m"(*done)
		: "xmm0", "xmm1", "xmm7", "xmm8", "xmm15", "memory", "cc");
	return memcmp(pat, out, sizeof(out)) != 0;
}

static void signal_fpu(void)
{
	set_handler(SIGUSR1, on_fpu_clobber, 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK_EQ(fpu_ticks, 1);
	/* Signals sent close together merge, so the loop also ends when the sender is done. */
	volatile int *done = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	CHECK(done != MAP_FAILED);
	pid_t me = getpid(), pid = fork();
	if (pid == 0) {				/* asynchronous signals while the loop spins */
		for (int i = 0; i < 20; i++) {
			ut_sleep_ms(2);
			kill(me, SIGUSR1);
		}
		ut_sleep_ms(20);
		*done = 1;
		_exit(0);
	}
	int bad = spin_with_xmm(21, done);
	ut_wait(pid);
	munmap((void *)done, 4096);
	if (bad)
		FAIL("xmm registers changed across signal handlers");
	CHECK(fpu_ticks >= 2);			/* at least one arrived during the loop */
	volatile double x = 1.0 / 3.0;
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(x * 3.0 > 0.999 && x * 3.0 < 1.001);
}

const struct ut_test ut_signal_tests[] = {
	{ "siginfo_user", siginfo_user, 0 },
	{ "siginfo_segv", siginfo_segv, 0 },
	{ "sa_restart", sa_restart, 0 },
	{ "sigprocmask", sigprocmask_defer, 0 },
	{ "sigaltstack", sigaltstack_test, 0 },
	{ "sigchld", sigchld_test, 0 },
	{ "sigkill", sigkill_uncatchable, 0 },
	{ "signal_fpu", signal_fpu, 0 },
	{ NULL, NULL, 0 }
};
