/*
 * keel/signal.h — the details of signals behind the signals section of keel/proc.h.
 *
 * Linux's signal ABI constants (SA_*, SS_*, SIG_*, si_code values), the queued siginfo of a
 * pending signal, and the pure helpers of kernel/proc/sigset.c (which signal goes next, a
 * signal's default action, sigaltstack validation), which the host unit tests link alone.
 * The arch half (frame layout, building and reading back a frame) is in <arch/signal.h>.
 *
 * Pending signals are a bit set per thread (uthread->pending) and per process
 * (proc->shared_pending), each with one struct ksiginfo per signal: a second instance of a
 * signal that is already pending is merged into the first (realtime signals are not queued).
 */
#ifndef KEEL_SIGNAL_H
#define KEEL_SIGNAL_H

#include <keel/types.h>
#include <keel/proc.h>

#define SIGURG		23
#define SIGXCPU		24
#define SIGXFSZ		25
#define SIGVTALRM	26
#define SIGPROF		27
#define SIGIO		29
#define SIGPWR		30
#define SIGRTMIN	32

/* Signals that are never blocked, caught or ignored. */
#define SIG_UNBLOCKABLE		(sig_bit(SIGKILL) | sig_bit(SIGSTOP))
/* Signals raised by the faulting instruction itself: delivered before any other. */
#define SIG_SYNCHRONOUS		(sig_bit(SIGSEGV) | sig_bit(SIGBUS) | sig_bit(SIGILL) | \
				 sig_bit(SIGTRAP) | sig_bit(SIGFPE) | sig_bit(SIGSYS))
#define SIG_STOPS		(sig_bit(SIGSTOP) | sig_bit(SIGTSTP) | sig_bit(SIGTTIN) | \
				 sig_bit(SIGTTOU))

/* k_sigaction.handler */
#define SIG_DFL		0
#define SIG_IGN		1
/* k_sigaction.flags */
#define SA_NOCLDSTOP	0x00000001UL
#define SA_NOCLDWAIT	0x00000002UL
#define SA_SIGINFO	0x00000004UL
#define SA_RESTORER	0x04000000UL
#define SA_ONSTACK	0x08000000UL
#define SA_RESTART	0x10000000UL
#define SA_NODEFER	0x40000000UL
#define SA_RESETHAND	0x80000000UL
/* rt_sigprocmask how */
#define SIG_BLOCK	0
#define SIG_UNBLOCK	1
#define SIG_SETMASK	2
/* sigaltstack */
#define SS_ONSTACK	1
#define SS_DISABLE	2
#define SS_AUTODISARM	(1U << 31)
#define MINSIGSTKSZ	2048

/* si_code values. */
#define SI_USER		0		/* kill() */
#define SI_KERNEL	0x80
#define SI_TKILL	(-6)		/* tkill(), tgkill() */
#define CLD_EXITED	1
#define CLD_KILLED	2
#define CLD_DUMPED	3
#define CLD_STOPPED	5
#define CLD_CONTINUED	6
#define SEGV_MAPERR	1
#define SEGV_ACCERR	2
#define BUS_ADRALN	1
#define BUS_ADRERR	2
#define ILL_ILLOPC	1
#define ILL_ILLOPN	2
#define ILL_PRVOPC	5
#define FPE_INTDIV	1
#define FPE_INTOVF	2
#define FPE_FLTDIV	3
#define TRAP_BRKPT	1
#define TRAP_TRACE	2

/* stack_t, as sigaltstack(2) and uc_stack hold it. */
struct linux_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

enum sig_default {
	SIGDFL_TERM,		/* terminate, status = the signal */
	SIGDFL_CORE,		/* terminate, status = the signal | 0x80 (no core file is written) */
	SIGDFL_IGNORE,
	SIGDFL_STOP,
	SIGDFL_CONT,		/* continue if stopped, else ignore */
};

/* --- pure helpers, kernel/proc/sigset.c --- */

/* True for 1..NSIG. */
static inline bool signal_valid(int sig)
{
	return sig >= 1 && sig <= NSIG;
}

/* The signal of `set` to deliver first: a synchronous one (lowest first), else the lowest;
 * 0 when set is empty. */
int signal_next(sigset_t set);
enum sig_default signal_default_action(int sig);
/* "SIGSEGV"; "SIGRT" for every realtime signal; "SIG?" when invalid. */
const char *signal_name(int sig);
/* The wait4 status of a process killed by sig's default action. */
int signal_kill_status(int sig);
/* Whether a signal with this action is discarded at once (SIG_IGN, or SIG_DFL whose default
 * is to ignore). SIGKILL/SIGSTOP never are. */
bool signal_action_ignores(const struct k_sigaction *ka, int sig);
/* sigaltstack(2)'s checks of a new stack (ss_sp, ss_flags, ss_size as user space gave
 * them): the stored state in *out, or -EINVAL (unknown flags) / -ENOMEM (smaller than
 * MINSIGSTKSZ). SS_DISABLE stores an empty stack. */
int signal_altstack_check(uint64_t sp, int flags, uint64_t size, struct k_sigaltstack *out);
/* True when sp lies on the alternate stack ss (in (sp, sp + size]). */
bool signal_on_altstack(const struct k_sigaltstack *ss, uint64_t sp);
/* ss_flags as sigaltstack reports them for a thread whose user sp is sp. */
int signal_altstack_flags(const struct k_sigaltstack *ss, uint64_t sp);

/* --- kernel/proc/signal.c, beyond keel/proc.h --- */

/* signal_send with a siginfo (info->code etc.; NULL: SI_KERNEL). */
int signal_send_info(struct proc *p, int sig, const struct ksiginfo *info);
int signal_send_thread_info(struct uthread *ut, int sig, const struct ksiginfo *info);
/* For the exit path, once child is a zombie with its exit_status (the caller keeps
 * child->parent alive): sends child->exit_signal to the parent with CLD_EXITED/KILLED/
 * DUMPED and the child's pid. Returns true when the parent ignores SIGCHLD
 * (SIG_IGN or SA_NOCLDWAIT): the child is then to be reaped at once, not kept as a zombie. */
bool signal_notify_parent(struct proc *child);
/* A new sighand (refs 1) with the actions of parent_sh (fork), or all SIG_DFL (NULL);
 * NULL when out of memory. sighand_get takes a reference (CLONE_SIGHAND); the last
 * sighand_put frees it. execve calls signal_exec: handled signals go back to SIG_DFL
 * (ignored ones stay ignored), the altstack is dropped, a shared sighand is made private
 * (-ENOMEM). */
struct sighand *sighand_alloc(struct sighand *parent_sh);
void sighand_get(struct sighand *sh);
void sighand_put(struct sighand *sh);
int signal_exec(struct proc *p, struct uthread *ut);
/* For exit_group: makes every thread of p notice p->group_exit (set it first) soon: sleeping
 * ones wake (their interruptible waits return -ERESTARTSYS), running ones are interrupted;
 * each then ends itself in signal_deliver with proc_exit_thread(0). */
void signal_kick_threads(struct proc *p);
/* A wait under a temporary signal mask (sigsuspend, ppoll, pselect6, epoll_pwait): the
 * caller's mask becomes set (SIGKILL/SIGSTOP stay open) and the old one is saved. The wait's
 * syscall then ends with signal_end_temp_mask(interrupted): when it was not interrupted by
 * a signal the old mask is back at once; otherwise signal delivery restores it (a handler's
 * frame saves the old mask, so it returns to it). Calling thread only. */
void signal_begin_temp_mask(sigset_t set);
void signal_end_temp_mask(bool interrupted);
/* For wait4 on a live child: the status of a stop (WUNTRACED: (sig << 8) | 0x7f) or a
 * continue (WCONTINUED: 0xffff) not yet reported, consumed by this call; 0 when none. */
int signal_wait_report(struct proc *child, bool stopped, bool continued);

#endif
