/*
 * tests/unit/signal_abi.c — fills a struct signal_abi from the C library headers it is
 * compiled against (see signal_abi.h). -DABI_NAME names the table.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <sys/ucontext.h>
#include "signal_abi.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000		/* glibc hides it; musl has it */
#endif

const struct signal_abi ABI_NAME = {
	.uc_flags = offsetof(ucontext_t, uc_flags),
	.uc_link = offsetof(ucontext_t, uc_link),
	.uc_stack = offsetof(ucontext_t, uc_stack),
	.uc_mcontext = offsetof(ucontext_t, uc_mcontext),
	.uc_sigmask = offsetof(ucontext_t, uc_sigmask),
	.mc_gregs = offsetof(mcontext_t, gregs),
	.mc_fpregs = offsetof(mcontext_t, fpregs),
	.mc_size = sizeof(mcontext_t),
	.greg = {
		[G_R8] = REG_R8, [G_R9] = REG_R9, [G_R10] = REG_R10, [G_R11] = REG_R11,
		[G_R12] = REG_R12, [G_R13] = REG_R13, [G_R14] = REG_R14, [G_R15] = REG_R15,
		[G_RDI] = REG_RDI, [G_RSI] = REG_RSI, [G_RBP] = REG_RBP, [G_RBX] = REG_RBX,
		[G_RDX] = REG_RDX, [G_RAX] = REG_RAX, [G_RCX] = REG_RCX, [G_RSP] = REG_RSP,
		[G_RIP] = REG_RIP, [G_EFL] = REG_EFL, [G_CSGSFS] = REG_CSGSFS,
		[G_ERR] = REG_ERR, [G_TRAPNO] = REG_TRAPNO, [G_OLDMASK] = REG_OLDMASK,
		[G_CR2] = REG_CR2,
	},
	.siginfo_size = sizeof(siginfo_t),
	.o_signo = offsetof(siginfo_t, si_signo),
	.o_errno = offsetof(siginfo_t, si_errno),
	.o_code = offsetof(siginfo_t, si_code),
	.o_pid = offsetof(siginfo_t, si_pid),
	.o_uid = offsetof(siginfo_t, si_uid),
	.o_status = offsetof(siginfo_t, si_status),
	.o_addr = offsetof(siginfo_t, si_addr),
	.stack_size = sizeof(stack_t),
	.o_ss_sp = offsetof(stack_t, ss_sp),
	.o_ss_flags = offsetof(stack_t, ss_flags),
	.o_ss_size = offsetof(stack_t, ss_size),
	.sa_nocldstop = SA_NOCLDSTOP, .sa_nocldwait = SA_NOCLDWAIT, .sa_siginfo = SA_SIGINFO,
	.sa_onstack = SA_ONSTACK, .sa_restart = SA_RESTART, .sa_nodefer = SA_NODEFER,
	.sa_resethand = (long)(unsigned)SA_RESETHAND, .sa_restorer = SA_RESTORER,
	.sig_block = SIG_BLOCK, .sig_unblock = SIG_UNBLOCK, .sig_setmask = SIG_SETMASK,
	.ss_onstack = SS_ONSTACK, .ss_disable = SS_DISABLE,
	.sigs = {
		[1] = SIGHUP, [2] = SIGINT, [3] = SIGQUIT, [4] = SIGILL, [5] = SIGTRAP,
		[6] = SIGABRT, [7] = SIGBUS, [8] = SIGFPE, [9] = SIGKILL, [10] = SIGUSR1,
		[11] = SIGSEGV, [12] = SIGUSR2, [13] = SIGPIPE, [14] = SIGALRM, [15] = SIGTERM,
		[17] = SIGCHLD, [18] = SIGCONT, [19] = SIGSTOP, [20] = SIGTSTP, [21] = SIGTTIN,
		[22] = SIGTTOU, [23] = SIGURG, [24] = SIGXCPU, [25] = SIGXFSZ, [26] = SIGVTALRM,
		[27] = SIGPROF, [28] = SIGWINCH, [29] = SIGIO, [30] = SIGPWR, [31] = SIGSYS,
	},
};
