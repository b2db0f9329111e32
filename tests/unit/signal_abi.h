/*
 * tests/unit/signal_abi.h — the signal ABI as a C library's own headers describe it:
 * signal_abi.c is compiled once against glibc's headers (glibc_abi) and once against musl's
 * (musl_abi), and test_signal.c compares both with keel's layouts and constants. The
 * headers cannot meet keel's in one file (sigset_t, SA_* spellings), hence the table.
 */
#ifndef UNIT_SIGNAL_ABI_H
#define UNIT_SIGNAL_ABI_H

#include <stddef.h>

struct signal_abi {
	size_t uc_flags, uc_link, uc_stack, uc_mcontext, uc_sigmask;
	size_t mc_gregs, mc_fpregs, mc_size;
	int greg[23];			/* REG_R8..REG_CR2: each register's index in gregs */
	size_t siginfo_size, o_signo, o_errno, o_code, o_pid, o_uid, o_status, o_addr;
	size_t stack_size, o_ss_sp, o_ss_flags, o_ss_size;
	long sa_nocldstop, sa_nocldwait, sa_siginfo, sa_onstack, sa_restart, sa_nodefer,
	     sa_resethand, sa_restorer;
	int sig_block, sig_unblock, sig_setmask, ss_onstack, ss_disable;
	int sigs[32];			/* SIGHUP..SIGSYS by name, at their keel number */
};

extern const struct signal_abi glibc_abi, musl_abi;

/* The order of greg[]: Linux's struct sigcontext order. */
enum { G_R8, G_R9, G_R10, G_R11, G_R12, G_R13, G_R14, G_R15, G_RDI, G_RSI, G_RBP, G_RBX,
       G_RDX, G_RAX, G_RCX, G_RSP, G_RIP, G_EFL, G_CSGSFS, G_ERR, G_TRAPNO, G_OLDMASK, G_CR2 };

#endif
