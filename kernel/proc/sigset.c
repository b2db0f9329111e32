/*
 * proc/sigset.c — the pure rules of signals: which pending signal goes first, what each
 * signal does by default, and the checks of sigaltstack(2).
 *
 * Nothing here touches a process or a lock, so tests/unit/test_signal.c links this file
 * alone. The rules are Linux's: synchronous (fault) signals before any other, then the lowest
 * number; default actions from signal(7); SIGKILL and SIGSTOP can be neither caught, blocked
 * nor ignored.
 */
#include <keel/signal.h>
#include <keel/errno.h>

int signal_next(sigset_t set)
{
	sigset_t sync = set & SIG_SYNCHRONOUS;

	if (sync)
		set = sync;
	return set ? __builtin_ctzll(set) + 1 : 0;
}

enum sig_default signal_default_action(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return SIGDFL_CORE;
	case SIGCHLD: case SIGURG: case SIGWINCH:
		return SIGDFL_IGNORE;
	case SIGCONT:
		return SIGDFL_CONT;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return SIGDFL_STOP;
	default:
		return SIGDFL_TERM;	/* the rest of 1..31 and every realtime signal */
	}
}

static const char *const sig_names[SIGRTMIN] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",
	[SIGUSR2] = "SIGUSR2", [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
	[SIGTERM] = "SIGTERM", [16] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
	[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
	[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR", [SIGSYS] = "SIGSYS",
};

const char *signal_name(int sig)
{
	if (sig >= 1 && sig < SIGRTMIN)
		return sig_names[sig];
	return signal_valid(sig) ? "SIGRT" : "SIG?";
}

int signal_kill_status(int sig)
{
	return W_EXITCODE(0, sig) | (signal_default_action(sig) == SIGDFL_CORE ? 0x80 : 0);
}

bool signal_action_ignores(const struct k_sigaction *ka, int sig)
{
	enum sig_default d;

	if (sig_bit(sig) & SIG_UNBLOCKABLE)
		return false;
	if (ka->handler == SIG_IGN)
		return true;
	if (ka->handler != SIG_DFL)
		return false;
	d = signal_default_action(sig);
	return d == SIGDFL_IGNORE || d == SIGDFL_CONT;
}

int signal_altstack_check(uint64_t sp, int flags, uint64_t size, struct k_sigaltstack *out)
{
	int mode = (int)((unsigned)flags & ~SS_AUTODISARM);

	if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		out->sp = 0;
		out->size = 0;
		out->flags = 0;
		return 0;
	}
	if (size < MINSIGSTKSZ)
		return -ENOMEM;
	if (sp + size < sp)
		return -EINVAL;		/* wraps: cannot be a user stack */
	out->sp = sp;
	out->size = size;
	out->flags = (int)((unsigned)flags & SS_AUTODISARM);
	return 0;
}

bool signal_on_altstack(const struct k_sigaltstack *ss, uint64_t sp)
{
	return ss->size && sp > ss->sp && sp - ss->sp <= ss->size;
}

int signal_altstack_flags(const struct k_sigaltstack *ss, uint64_t sp)
{
	if (!ss->size)
		return SS_DISABLE;
	return (signal_on_altstack(ss, sp) ? SS_ONSTACK : 0) | ss->flags;
}
