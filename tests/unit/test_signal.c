/*
 * tests/unit/test_signal.c — the pure rules of signals (kernel/proc/sigset.c) and the x86-64
 * signal frame's layout and placement (arch/signal.h).
 *
 * The layout tests hold keel's structures against what glibc's and musl's own headers say
 * (signal_abi.c compiled against each): if a field moved, a static program's handler would
 * read the wrong register or mask.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/signal.h>
#include <keel/errno.h>
#include <arch/signal.h>
#include "signal_abi.h"
#include "stubs.h"

static void next_takes_synchronous_signals_first(void **state __attribute__((unused)))
{
	assert_int_equal(signal_next(0), 0);
	assert_int_equal(signal_next(sig_bit(SIGTERM) | sig_bit(SIGINT)), SIGINT);
	assert_int_equal(signal_next(sig_bit(SIGHUP) | sig_bit(SIGSEGV)), SIGSEGV);
	assert_int_equal(signal_next(sig_bit(SIGSEGV) | sig_bit(SIGILL)), SIGILL);
	assert_int_equal(signal_next(sig_bit(SIGUSR1) | sig_bit(SIGSYS)), SIGSYS);
	assert_int_equal(signal_next(sig_bit(64)), 64);
	assert_int_equal(signal_next(sig_bit(64) | sig_bit(SIGRTMIN)), SIGRTMIN);
}

static void default_actions_follow_signal7(void **state __attribute__((unused)))
{
	static const int core[] = { SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV,
				    SIGXCPU, SIGXFSZ, SIGSYS };
	static const int term[] = { SIGHUP, SIGINT, SIGKILL, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,
				    SIGTERM, 16, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGRTMIN, 64 };
	static const int stop[] = { SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU };

	for (size_t i = 0; i < ARRAY_SIZE(core); i++)
		assert_int_equal(signal_default_action(core[i]), SIGDFL_CORE);
	for (size_t i = 0; i < ARRAY_SIZE(term); i++)
		assert_int_equal(signal_default_action(term[i]), SIGDFL_TERM);
	for (size_t i = 0; i < ARRAY_SIZE(stop); i++)
		assert_int_equal(signal_default_action(stop[i]), SIGDFL_STOP);
	assert_int_equal(signal_default_action(SIGCHLD), SIGDFL_IGNORE);
	assert_int_equal(signal_default_action(SIGURG), SIGDFL_IGNORE);
	assert_int_equal(signal_default_action(SIGWINCH), SIGDFL_IGNORE);
	assert_int_equal(signal_default_action(SIGCONT), SIGDFL_CONT);
}

static void kill_status_is_signal_plus_core_bit(void **state __attribute__((unused)))
{
	assert_int_equal(signal_kill_status(SIGKILL), 9);
	assert_int_equal(signal_kill_status(SIGTERM), 15);
	assert_int_equal(signal_kill_status(SIGSEGV), 0x80 | 11);
	assert_int_equal(signal_kill_status(SIGABRT), 0x80 | 6);
	assert_int_equal(signal_kill_status(SIGRTMIN), 32);
}

static void names_cover_every_signal(void **state __attribute__((unused)))
{
	assert_string_equal(signal_name(SIGSEGV), "SIGSEGV");
	assert_string_equal(signal_name(SIGBUS), "SIGBUS");
	assert_string_equal(signal_name(SIGSYS), "SIGSYS");
	assert_string_equal(signal_name(40), "SIGRT");
	assert_string_equal(signal_name(0), "SIG?");
	assert_string_equal(signal_name(65), "SIG?");
	for (int s = 1; s <= NSIG; s++)
		assert_non_null(signal_name(s));
}

static void ignored_means_sig_ign_or_ignoring_default(void **state __attribute__((unused)))
{
	struct k_sigaction dfl = { .handler = SIG_DFL }, ign = { .handler = SIG_IGN },
			   h = { .handler = 0x401000 };

	assert_true(signal_action_ignores(&dfl, SIGCHLD));
	assert_true(signal_action_ignores(&dfl, SIGCONT));
	assert_false(signal_action_ignores(&dfl, SIGTERM));
	assert_false(signal_action_ignores(&dfl, SIGTSTP));
	assert_true(signal_action_ignores(&ign, SIGTERM));
	assert_false(signal_action_ignores(&h, SIGCHLD));
	/* Never SIGKILL/SIGSTOP, whatever the table says. */
	assert_false(signal_action_ignores(&ign, SIGKILL));
	assert_false(signal_action_ignores(&ign, SIGSTOP));
}

static void altstack_check_enforces_flags_and_size(void **state __attribute__((unused)))
{
	struct k_sigaltstack ss = { 1, 1, 1 };

	assert_int_equal(signal_altstack_check(0x1000, SS_DISABLE, 0, &ss), 0);
	assert_int_equal(ss.sp, 0);
	assert_int_equal(ss.size, 0);
	assert_int_equal(signal_altstack_check(0x1000, 0, MINSIGSTKSZ - 1, &ss), -ENOMEM);
	assert_int_equal(signal_altstack_check(0x1000, 4, 8192, &ss), -EINVAL);
	assert_int_equal(signal_altstack_check(~0UL - 100, 0, 8192, &ss), -EINVAL);
	assert_int_equal(signal_altstack_check(0x1000, SS_ONSTACK, 8192, &ss), 0);
	assert_int_equal(ss.sp, 0x1000);
	assert_int_equal(ss.size, 8192);
	assert_int_equal(ss.flags, 0);
	assert_int_equal(signal_altstack_check(0x1000, (int)SS_AUTODISARM, 8192, &ss), 0);
	assert_int_equal((unsigned)ss.flags, SS_AUTODISARM);
}

static void altstack_flags_report_onstack_and_disable(void **state __attribute__((unused)))
{
	struct k_sigaltstack none = { 0 }, ss = { 0x10000, 0, 0x2000 };

	assert_int_equal(signal_altstack_flags(&none, 0x5000), SS_DISABLE);
	assert_int_equal(signal_altstack_flags(&ss, 0x10000), 0);	/* the bottom is outside */
	assert_int_equal(signal_altstack_flags(&ss, 0x10001), SS_ONSTACK);
	assert_int_equal(signal_altstack_flags(&ss, 0x12000), SS_ONSTACK);	/* the top */
	assert_int_equal(signal_altstack_flags(&ss, 0x12001), 0);
	assert_false(signal_on_altstack(&none, 0));
}

static void sigreturn_rflags_keeps_only_user_flags(void **state __attribute__((unused)))
{
	uint64_t all = ~0UL;
	uint64_t r = arch_sigreturn_rflags(all);

	assert_true(r & (1UL << 9));			/* IF always set */
	assert_true(r & 2);				/* reserved bit 1 */
	assert_int_equal(r & (3UL << 12), 0);		/* IOPL */
	assert_int_equal(r & (1UL << 14), 0);		/* NT */
	assert_int_equal(r & (1UL << 16), 0);		/* RF */
	assert_int_equal(r & (1UL << 17), 0);		/* VM */
	assert_int_equal(r & (3UL << 19), 0);		/* VIF, VIP */
	assert_int_equal(r & ~0x3fffffUL, 0);		/* reserved high bits */
	assert_int_equal(r, RFLAGS_USER_MASK | (1UL << 9) | 2);
	assert_int_equal(arch_sigreturn_rflags(0), (1UL << 9) | 2);
	assert_int_equal(arch_sigreturn_rflags(RFLAGS_CF | RFLAGS_ZF) & RFLAGS_USER_MASK,
			 RFLAGS_CF | RFLAGS_ZF);
}

/* For every alignment of the interrupted rsp and several FPU sizes: the handler sees
 * (rsp + 8) % 16 == 0, the FPU area is 64-aligned above the frame and below the top. */
static void frame_placement_aligns_and_fits(void **state __attribute__((unused)))
{
	static const uint64_t sizes[] = { 512, 516, 836, 2700, 2568 + 4 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (uint64_t top = 0x7fff0000; top < 0x7fff0000 + 160; top++) {
			uint64_t fpu, frame = arch_sigframe_place(top, sizes[s], &fpu);

			assert_int_equal((frame + 8) % 16, 0);
			assert_int_equal(fpu % 64, 0);
			assert_true(fpu + sizes[s] <= top);
			assert_true(frame + sizeof(struct linux_rt_sigframe) <= fpu);
			assert_true(top - frame < sizeof(struct linux_rt_sigframe) + sizes[s] + 64 + 16);
		}
	}
}

static void check_abi(const struct signal_abi *abi)
{
	static const size_t greg_off[] = {
		[G_R8] = offsetof(struct linux_sigcontext, r8),
		[G_R9] = offsetof(struct linux_sigcontext, r9),
		[G_R10] = offsetof(struct linux_sigcontext, r10),
		[G_R11] = offsetof(struct linux_sigcontext, r11),
		[G_R12] = offsetof(struct linux_sigcontext, r12),
		[G_R13] = offsetof(struct linux_sigcontext, r13),
		[G_R14] = offsetof(struct linux_sigcontext, r14),
		[G_R15] = offsetof(struct linux_sigcontext, r15),
		[G_RDI] = offsetof(struct linux_sigcontext, rdi),
		[G_RSI] = offsetof(struct linux_sigcontext, rsi),
		[G_RBP] = offsetof(struct linux_sigcontext, rbp),
		[G_RBX] = offsetof(struct linux_sigcontext, rbx),
		[G_RDX] = offsetof(struct linux_sigcontext, rdx),
		[G_RAX] = offsetof(struct linux_sigcontext, rax),
		[G_RCX] = offsetof(struct linux_sigcontext, rcx),
		[G_RSP] = offsetof(struct linux_sigcontext, rsp),
		[G_RIP] = offsetof(struct linux_sigcontext, rip),
		[G_EFL] = offsetof(struct linux_sigcontext, eflags),
		[G_CSGSFS] = offsetof(struct linux_sigcontext, cs),
		[G_ERR] = offsetof(struct linux_sigcontext, err),
		[G_TRAPNO] = offsetof(struct linux_sigcontext, trapno),
		[G_OLDMASK] = offsetof(struct linux_sigcontext, oldmask),
		[G_CR2] = offsetof(struct linux_sigcontext, cr2),
	};

	assert_int_equal(abi->uc_flags, offsetof(struct linux_ucontext, uc_flags));
	assert_int_equal(abi->uc_link, offsetof(struct linux_ucontext, uc_link));
	assert_int_equal(abi->uc_stack, offsetof(struct linux_ucontext, uc_stack));
	assert_int_equal(abi->uc_mcontext, offsetof(struct linux_ucontext, uc_mcontext));
	assert_int_equal(abi->uc_sigmask, offsetof(struct linux_ucontext, uc_sigmask));
	assert_int_equal(abi->mc_gregs, 0);
	assert_int_equal(abi->mc_fpregs, offsetof(struct linux_sigcontext, fpstate));
	assert_int_equal(abi->mc_size, sizeof(struct linux_sigcontext));
	for (int g = 0; g <= G_CR2; g++)
		assert_int_equal(abi->greg[g] * 8, greg_off[g]);
	assert_int_equal(abi->siginfo_size, sizeof(struct linux_siginfo));
	assert_int_equal(abi->o_signo, offsetof(struct linux_siginfo, si_signo));
	assert_int_equal(abi->o_errno, offsetof(struct linux_siginfo, si_errno));
	assert_int_equal(abi->o_code, offsetof(struct linux_siginfo, si_code));
	assert_int_equal(abi->o_pid, offsetof(struct linux_siginfo, kill.pid));
	assert_int_equal(abi->o_pid, offsetof(struct linux_siginfo, chld.pid));
	assert_int_equal(abi->o_uid, offsetof(struct linux_siginfo, kill.uid));
	assert_int_equal(abi->o_status, offsetof(struct linux_siginfo, chld.status));
	assert_int_equal(abi->o_addr, offsetof(struct linux_siginfo, fault.addr));
	assert_int_equal(abi->stack_size, sizeof(struct linux_stack));
	assert_int_equal(abi->o_ss_sp, offsetof(struct linux_stack, ss_sp));
	assert_int_equal(abi->o_ss_flags, offsetof(struct linux_stack, ss_flags));
	assert_int_equal(abi->o_ss_size, offsetof(struct linux_stack, ss_size));
	assert_int_equal(abi->sa_nocldstop, SA_NOCLDSTOP);
	assert_int_equal(abi->sa_nocldwait, SA_NOCLDWAIT);
	assert_int_equal(abi->sa_siginfo, SA_SIGINFO);
	assert_int_equal(abi->sa_onstack, SA_ONSTACK);
	assert_int_equal(abi->sa_restart, SA_RESTART);
	assert_int_equal(abi->sa_nodefer, SA_NODEFER);
	assert_int_equal(abi->sa_resethand, SA_RESETHAND);
	assert_int_equal(abi->sa_restorer, SA_RESTORER);
	assert_int_equal(abi->sig_block, SIG_BLOCK);
	assert_int_equal(abi->sig_unblock, SIG_UNBLOCK);
	assert_int_equal(abi->sig_setmask, SIG_SETMASK);
	assert_int_equal(abi->ss_onstack, SS_ONSTACK);
	assert_int_equal(abi->ss_disable, SS_DISABLE);
	for (int s = 1; s < 32; s++)
		if (s != 16)
			assert_int_equal(abi->sigs[s], s);	/* keel's number = the libc's */
}

static void layout_matches_glibc(void **state __attribute__((unused)))
{
	check_abi(&glibc_abi);
}

static void layout_matches_musl(void **state __attribute__((unused)))
{
	check_abi(&musl_abi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(next_takes_synchronous_signals_first),
		cmocka_unit_test(default_actions_follow_signal7),
		cmocka_unit_test(kill_status_is_signal_plus_core_bit),
		cmocka_unit_test(names_cover_every_signal),
		cmocka_unit_test(ignored_means_sig_ign_or_ignoring_default),
		cmocka_unit_test(altstack_check_enforces_flags_and_size),
		cmocka_unit_test(altstack_flags_report_onstack_and_disable),
		cmocka_unit_test(sigreturn_rflags_keeps_only_user_flags),
		cmocka_unit_test(frame_placement_aligns_and_fits),
		cmocka_unit_test(layout_matches_glibc),
		cmocka_unit_test(layout_matches_musl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
