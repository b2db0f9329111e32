/*
 * tests/signal/sigtest.c — signals from user space, as a static musl program.
 *
 * Runs unchanged on Linux (the reference: every check must pass there) and on keel, as init
 * or from a shell: `musl-gcc -static -O2 -o sigtest sigtest.c`, then
 * `tools/keel-run --add build/sigtest:/sigtest --append init=/sigtest`. Prints one line per
 * test and `sigtest: N passed, N failed`; the exit status is the number failed.
 * Uses only syscalls keel has (no sleep, no pipe): delays are busy loops.
 */
#include "ulib.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_sig, misaligned;
static volatile siginfo_t last_info;
static volatile sigset_t mask_in_handler;
static volatile void *stack_in_handler;


/* Every test starts with no handler calls counted. */
static void run(const char *name, int (*fn)(void))
{
	hits = 0;
	t_run(name, fn);
}

static void spin(long n)
{
	for (volatile long i = 0; i < n; i++)
		;
}

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	_Alignas(16) volatile char probe[16];
	sigset_t cur;

	if ((uintptr_t)probe % 16)
		misaligned = 1;
	stack_in_handler = (void *)probe;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	mask_in_handler = cur;
	last_sig = sig;
	memcpy((void *)&last_info, si, sizeof(*si));
	(void)uc;
	hits++;
}

static int install(int sig, int flags, const sigset_t *mask)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | flags;
	if (mask)
		sa.sa_mask = *mask;
	return sigaction(sig, &sa, NULL);
}

static void reset(int sig)
{
	signal(sig, SIG_DFL);
}

/* --- tests --- */

static int handler_gets_siginfo_and_aligned_stack(void)
{
	T_CHECK(install(SIGUSR1, 0, NULL) == 0);
	misaligned = 0;
	T_CHECK(kill(getpid(), SIGUSR1) == 0);
	T_CHECK(hits == 1 && last_sig == SIGUSR1);
	T_CHECK(last_info.si_signo == SIGUSR1 && last_info.si_code == SI_USER);
	T_CHECK(last_info.si_pid == getpid());
	T_CHECK(!misaligned);
	reset(SIGUSR1);
	return 0;
}

static int mask_grows_in_handler_and_comes_back(void)
{
	sigset_t extra, now;

	sigemptyset(&extra);
	sigaddset(&extra, SIGUSR2);
	T_CHECK(install(SIGUSR1, 0, &extra) == 0);
	raise(SIGUSR1);
	T_CHECK(hits == 1);
	T_CHECK(sigismember((sigset_t *)&mask_in_handler, SIGUSR1));
	T_CHECK(sigismember((sigset_t *)&mask_in_handler, SIGUSR2));
	sigprocmask(SIG_BLOCK, NULL, &now);
	T_CHECK(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2));
	T_CHECK(install(SIGUSR1, SA_NODEFER, NULL) == 0);
	raise(SIGUSR1);
	T_CHECK(hits == 2 && !sigismember((sigset_t *)&mask_in_handler, SIGUSR1));
	reset(SIGUSR1);
	return 0;
}

static int resethand_restores_default(void)
{
	struct sigaction old;

	T_CHECK(install(SIGUSR2, SA_RESETHAND, NULL) == 0);
	raise(SIGUSR2);
	T_CHECK(hits == 1);
	T_CHECK(sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == SIG_DFL);
	return 0;
}

static int blocked_signal_waits_in_pending(void)
{
	sigset_t set, pend;

	T_CHECK(install(SIGUSR1, 0, NULL) == 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	raise(SIGUSR1);			/* merged */
	T_CHECK(hits == 0);
	T_CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	T_CHECK(hits == 1);		/* delivered on the way out of sigprocmask */
	T_CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1));
	reset(SIGUSR1);
	return 0;
}

static int ignored_signals_do_nothing(void)
{
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	raise(SIGCHLD);
	raise(SIGWINCH);
	raise(SIGURG);
	raise(SIGCONT);
	reset(SIGUSR2);
	return 0;
}

static int sigaction_and_mask_refuse_kill_and_stop(void)
{
	struct sigaction sa = { 0 };
	sigset_t all, now;

	sa.sa_handler = SIG_IGN;
	T_CHECK(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL);
	T_CHECK(sigaction(SIGSTOP, &sa, NULL) == -1 && errno == EINVAL);
	T_CHECK(sigaction(SIGKILL, NULL, &sa) == 0);
	T_CHECK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4) == -1 && errno == EINVAL);
	T_CHECK(syscall(SYS_rt_sigaction, 65, NULL, NULL, 8) == -1 && errno == EINVAL);
	T_CHECK(syscall(SYS_rt_sigprocmask, 7, &all, NULL, 8) == -1 && errno == EINVAL);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &now);
	sigprocmask(SIG_SETMASK, &now, &all);
	T_CHECK(!sigismember(&all, SIGKILL) && !sigismember(&all, SIGSTOP));
	T_CHECK(syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8) == -1 && errno == EFAULT);
	return 0;
}

static int kill_errors(void)
{
	T_CHECK(kill(getpid(), 0) == 0);
	T_CHECK(kill(999999, 0) == -1 && errno == ESRCH);
	T_CHECK(kill(getpid(), 65) == -1 && errno == EINVAL);
	T_CHECK(syscall(SYS_tgkill, getpid(), 999999, 0) == -1 && errno == ESRCH);
	T_CHECK(syscall(SYS_tgkill, 0, getpid(), 0) == -1 && errno == EINVAL);
	return 0;
}

static int tgkill_and_tkill_reach_the_thread(void)
{
	T_CHECK(install(SIGUSR1, 0, NULL) == 0);
	T_CHECK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1) == 0);
	T_CHECK(hits == 1 && last_info.si_code == SI_TKILL);
	T_CHECK(syscall(SYS_tkill, gettid(), SIGUSR1) == 0);
	T_CHECK(hits == 2);
	reset(SIGUSR1);
	return 0;
}

/* The handler moves rip over the 2-byte ud2 and sets rbx: sigreturn must restore both. */
static void on_ill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	last_sig = sig;
	memcpy((void *)&last_info, si, sizeof(*si));
	uc->uc_mcontext.gregs[REG_RIP] += 2;
	uc->uc_mcontext.gregs[REG_RBX] = 42;
	hits++;
}

static int sigreturn_applies_edited_context(void)
{
	struct sigaction sa = { 0 };
	long rbx;

	sa.sa_sigaction = on_ill;
	sa.sa_flags = SA_SIGINFO;
	T_CHECK(sigaction(SIGILL, &sa, NULL) == 0);
	__asm__ __volatile__("xor %%ebx, %%ebx\n\tud2\n\tmov %%rbx, %0" : "=r"(rbx) :: "rbx");
	T_CHECK(hits == 1 && last_sig == SIGILL && rbx == 42);
	T_CHECK(last_info.si_code == ILL_ILLOPN);
	reset(SIGILL);
	return 0;
}

static int *volatile bad_ptr = (int *)8;
static sigjmp_buf segv_jmp;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	memcpy((void *)&last_info, si, sizeof(*si));
	(void)uc;
	hits++;
	siglongjmp(segv_jmp, 1);
}

static int segv_handler_gets_address(void)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	T_CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	if (!sigsetjmp(segv_jmp, 1))
		*(bad_ptr + 2) = 1;		/* address 0x10 */
	T_CHECK(hits == 1 && last_info.si_signo == SIGSEGV);
	T_CHECK(last_info.si_addr == (void *)0x10 && last_info.si_code == SEGV_MAPERR);
	reset(SIGSEGV);
	return 0;
}

/* Registers and SSE state survive a signal taken at an arbitrary instruction. */
static volatile int reg_flag;

static void on_alarm_like(int sig)
{
	volatile double d = 1.5;

	__asm__ __volatile__("pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1" ::: "xmm0", "xmm1");
	d = d * 3.0;
	(void)sig;
	reg_flag = 1;
}

static int registers_survive_an_async_signal(void)
{
	pid_t child, parent = getpid();
	long r12 = 0, r15 = 0;
	uint64_t x0 = 0;

	signal(SIGUSR1, on_alarm_like);
	reg_flag = 0;
	child = fork();
	if (child == 0) {
		spin(20000000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	T_CHECK(child > 0);
	__asm__ __volatile__(
		"mov $0x1234567812345678, %%r12\n\t"
		"mov $0x0badcafe0badcafe, %%r15\n\t"
		"mov $0x1122334455667788, %%rax\n\t"
		"movq %%rax, %%xmm0\n\t"
		"1: cmpl $0, %[flag]\n\t"
		"je 1b\n\t"
		"mov %%r12, %[a]\n\t"
		"mov %%r15, %[b]\n\t"
		"movq %%xmm0, %[x]\n\t"
		: [a] "=m"(r12), [b] "=m"(r15), [x] "=m"(x0)
		: [flag] "m"(reg_flag)
		: "rax", "r12", "r15", "xmm0", "cc", "memory");
	T_CHECK(r12 == 0x1234567812345678 && r15 == 0x0badcafe0badcafe);
	T_CHECK(x0 == 0x1122334455667788);
	waitpid(child, NULL, 0);
	reset(SIGUSR1);
	return 0;
}

/* A child sending sig to the parent after a delay. */
static pid_t kill_later(int sig, long delay)
{
	pid_t parent = getpid(), c = fork();

	if (c == 0) {
		spin(delay);
		kill(parent, sig);
		spin(delay);
		_exit(5);
	}
	return c;
}

static int wait4_restarts_under_sa_restart(void)
{
	int st = 0;
	pid_t c;

	T_CHECK(install(SIGUSR1, SA_RESTART, NULL) == 0);
	c = kill_later(SIGUSR1, 30000000);
	T_CHECK(waitpid(c, &st, 0) == c);		/* interrupted, handled, restarted */
	T_CHECK(hits == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 5);
	reset(SIGUSR1);
	return 0;
}

static int wait4_fails_with_eintr_without_sa_restart(void)
{
	int st = 0;
	pid_t c;

	T_CHECK(install(SIGUSR1, 0, NULL) == 0);
	c = kill_later(SIGUSR1, 30000000);
	T_CHECK(waitpid(c, &st, 0) == -1 && errno == EINTR && hits == 1);
	T_CHECK(waitpid(c, &st, 0) == c);
	reset(SIGUSR1);
	return 0;
}

static int sigsuspend_returns_eintr_with_old_mask(void)
{
	sigset_t block, none, now;
	pid_t c;

	T_CHECK(install(SIGUSR1, SA_RESTART, NULL) == 0);	/* SA_RESTART: still EINTR */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	c = kill_later(SIGUSR1, 5000000);
	sigemptyset(&none);
	T_CHECK(sigsuspend(&none) == -1 && errno == EINTR && hits == 1);
	sigprocmask(SIG_BLOCK, NULL, &now);
	T_CHECK(sigismember(&now, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	waitpid(c, NULL, 0);
	reset(SIGUSR1);
	return 0;
}

static int sigchld_carries_exit_status(void)
{
	pid_t c;

	T_CHECK(install(SIGCHLD, 0, NULL) == 0);
	c = fork();
	if (c == 0)
		_exit(7);
	while (!hits)
		;
	T_CHECK(last_info.si_signo == SIGCHLD && last_info.si_code == CLD_EXITED);
	T_CHECK(last_info.si_pid == c && last_info.si_status == 7);
	waitpid(c, NULL, 0);
	reset(SIGCHLD);
	return 0;
}

static char altstack[65536];

static int altstack_is_used_and_reported(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) }, old;

	T_CHECK(sigaltstack(&ss, NULL) == 0);
	T_CHECK(install(SIGUSR1, SA_ONSTACK, NULL) == 0);
	raise(SIGUSR1);
	T_CHECK(hits == 1);
	T_CHECK((char *)stack_in_handler > altstack &&
	      (char *)stack_in_handler < altstack + sizeof(altstack));
	T_CHECK(sigaltstack(NULL, &old) == 0 && old.ss_flags == 0 && old.ss_sp == altstack);
	ss.ss_size = 100;
	T_CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM);
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0x1234;
	T_CHECK(sigaltstack(&ss, NULL) == -1 && errno == EINVAL);
	ss.ss_flags = SS_DISABLE;
	T_CHECK(sigaltstack(&ss, NULL) == 0);
	T_CHECK(sigaltstack(NULL, &old) == 0 && old.ss_flags == SS_DISABLE);
	reset(SIGUSR1);
	return 0;
}

/* Runs fn in a child and returns its wait status. */
static int child_status(void (*fn)(void))
{
	int st = -1;
	pid_t c = fork();

	if (c == 0) {
		fn();
		_exit(0);
	}
	waitpid(c, &st, 0);
	return st;
}

static void do_raise_term(void) { raise(SIGTERM); }
static void do_null_write(void) { *bad_ptr = 0; }
static void do_abort(void) { abort(); }
static void do_block_all_and_die(void)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	raise(SIGKILL);
	spin(100000000);
}
static void do_bad_sigreturn(void)
{
	__asm__ __volatile__("mov $0x10, %%rsp\n\tmov $15, %%eax\n\tsyscall" ::: "memory");
}
static void do_no_restorer(void)
{
	struct { void *h; unsigned long flags; void *restorer; uint64_t mask; } ka =
		{ (void *)on_alarm_like, 0, NULL, 0 };

	syscall(SYS_rt_sigaction, SIGUSR1, &ka, NULL, 8);
	raise(SIGUSR1);
}

/* A handler that breaks the FPU image sigreturn will load: reserved MXCSR bits. */
static void on_usr1_break_fpu(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig; (void)si;
	uc->uc_mcontext.fpregs->mxcsr = 0xffffffff;
}
static void do_bad_fpstate(void)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = on_usr1_break_fpu;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

static int default_actions_set_the_wait_status(void)
{
	int st;

	st = child_status(do_raise_term);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM && !WCOREDUMP(st));
	st = child_status(do_null_write);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);	/* core bit: Linux sets it only
								 * when a core file was written */
	st = child_status(do_abort);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	st = child_status(do_block_all_and_die);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	st = child_status(do_bad_sigreturn);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = child_status(do_no_restorer);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = child_status(do_bad_fpstate);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	return 0;
}

static int kill_from_another_process(void)
{
	int st;
	pid_t c = fork();

	if (c == 0) {
		for (;;)
			;
	}
	spin(1000000);
	T_CHECK(kill(c, SIGKILL) == 0);
	T_CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	return 0;
}

static int stop_and_continue(void)
{
	int st;
	pid_t c = fork();

	if (c == 0) {
		for (;;)
			;
	}
	T_CHECK(kill(c, SIGSTOP) == 0);
	T_CHECK(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	T_CHECK(kill(c, SIGCONT) == 0);
	T_CHECK(waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st));
	T_CHECK(kill(c, SIGKILL) == 0);
	T_CHECK(waitpid(c, &st, 0) == c && WTERMSIG(st) == SIGKILL);
	return 0;
}

int main(int argc, char **argv)
{
	run("handler_gets_siginfo_and_aligned_stack", handler_gets_siginfo_and_aligned_stack);
	run("mask_grows_in_handler_and_comes_back", mask_grows_in_handler_and_comes_back);
	run("resethand_restores_default", resethand_restores_default);
	run("blocked_signal_waits_in_pending", blocked_signal_waits_in_pending);
	run("ignored_signals_do_nothing", ignored_signals_do_nothing);
	run("sigaction_and_mask_refuse_kill_and_stop", sigaction_and_mask_refuse_kill_and_stop);
	run("kill_errors", kill_errors);
	run("tgkill_and_tkill_reach_the_thread", tgkill_and_tkill_reach_the_thread);
	run("sigreturn_applies_edited_context", sigreturn_applies_edited_context);
	run("segv_handler_gets_address", segv_handler_gets_address);
	run("registers_survive_an_async_signal", registers_survive_an_async_signal);
	run("wait4_restarts_under_sa_restart", wait4_restarts_under_sa_restart);
	run("wait4_fails_with_eintr_without_sa_restart", wait4_fails_with_eintr_without_sa_restart);
	run("sigsuspend_returns_eintr_with_old_mask", sigsuspend_returns_eintr_with_old_mask);
	run("sigchld_carries_exit_status", sigchld_carries_exit_status);
	run("altstack_is_used_and_reported", altstack_is_used_and_reported);
	run("default_actions_set_the_wait_status", default_actions_set_the_wait_status);
	run("kill_from_another_process", kill_from_another_process);
	if (argc < 2 || strcmp(argv[1], "-nostop"))
		run("stop_and_continue", stop_and_continue);
	return t_summary("sigtest");
}
