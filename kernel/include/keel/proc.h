/*
 * keel/proc.h — processes and their threads (kernel/proc/).
 *
 * A process owns an address space (struct mm, keel/uvm.h), a file table and a filesystem
 * context, its cwd and umask (keel/vfs.h), signal handlers (shared by CLONE_SIGHAND threads) and its children. Each of
 * its threads is a kernel thread (keel/sched.h) with a struct uthread attached: the user-mode
 * state that is not in the trap frame. PID = the TID of the process's first thread; TIDs come
 * from the scheduler's counter, so no fixed table limits either.
 *
 * Locking: proc_tree_lock (a spinlock) guards every parent/children link, pgid, and the global
 * process list; p->lock guards p->threads, p->state and p->exit_status; p->sighand->lock guards
 * the actions and every pending/blocked set of the process and its threads.
 * Lifetime: a struct proc is freed when its parent reaps it (wait4) or, for init's orphans,
 * when init does. A struct proc pointer obtained from proc_get() stays valid until proc_put().
 */
#ifndef KEEL_PROC_H
#define KEEL_PROC_H

#include <keel/types.h>
#include <keel/list.h>
#include <keel/spinlock.h>
#include <keel/sync.h>
#include <keel/cred.h>

struct mm;
struct files;
struct fs_struct;
struct inode;
struct thread;
struct trap_frame;

#define INIT_PID	1	/* reserved: the scheduler hands out TIDs from 2 */
#define TID_MAX		32768	/* IDs are below this (Linux's default pid_max) */
#define TID_WRAP_MIN	300	/* where allocation resumes after TID_MAX (RESERVED_PIDS) */
#define PROC_RLIMITS	16	/* RLIMIT_CPU .. RLIMIT_RTTIME */
/* Linux's resource numbers (getrlimit(2)); the ones keel enforces are marked. */
#define RLIMIT_CPU		0
#define RLIMIT_FSIZE		1	/* enforced: regular-file writes and truncate */
#define RLIMIT_DATA		2
#define RLIMIT_STACK		3	/* enforced: the stack reservation at execve */
#define RLIMIT_CORE		4	/* keel writes no core files (0 is what it does) */
#define RLIMIT_RSS		5
#define RLIMIT_NPROC		6	/* not enforced */
#define RLIMIT_NOFILE		7	/* enforced: fd numbers; hard limit at most FILES_MAX */
#define RLIMIT_MEMLOCK		8
#define RLIMIT_AS		9	/* enforced: mmap and brk */
#define RLIMIT_LOCKS		10
#define RLIMIT_SIGPENDING	11
#define RLIMIT_MSGQUEUE		12
#define RLIMIT_NICE		13
#define RLIMIT_RTPRIO		14
#define RLIMIT_RTTIME		15
#define RLIM_INFINITY		(~0ULL)
#define PROC_NAME_MAX	16	/* comm, as Linux: the executable's basename, truncated */
#define NSIG		64	/* signals 1..64 */

typedef uint64_t sigset_t;	/* bit (sig - 1) */

static inline sigset_t sig_bit(int sig)
{
	return 1ULL << (sig - 1);
}

/* Linux's struct sigaction as rt_sigaction(2) passes it (kernel layout, 8-byte sigset). */
struct k_sigaction {
	uint64_t handler;	/* SIG_DFL 0, SIG_IGN 1, or a user address */
	uint64_t flags;		/* SA_* */
	uint64_t restorer;	/* SA_RESTORER: musl's __restore_rt */
	sigset_t mask;
};

struct sighand {
	struct spinlock lock;
	int refs;			/* processes/threads sharing it (CLONE_SIGHAND) */
	struct k_sigaction action[NSIG];
};

struct k_sigaltstack {
	uint64_t sp;
	int flags;
	uint64_t size;
};

/* What a pending signal carries into its handler's siginfo (keel/signal.h has the si_code
 * values). Added for kernel/proc/signal.c. */
struct ksiginfo {
	int code;		/* si_code */
	int pid, uid;		/* SI_USER/SI_TKILL: the sender; SIGCHLD: the child */
	int status;		/* SIGCHLD: exit code or signal */
	uint64_t addr;		/* fault signals: si_addr */
};

/* Job-control state of a process (kernel/proc/signal.c); sighand->lock. */
enum proc_stop_event { STOP_EVENT_NONE, STOP_EVENT_STOPPED, STOP_EVENT_CONTINUED };

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

struct proc {
	int pid;
	int pgid;			/* process group; proc_tree_lock */
	int sid;
	char name[PROC_NAME_MAX];	/* p->lock for writes (exec) */
	char *exe;			/* absolute path of the executable (kmalloc'd), or NULL */
	int refs;			/* proc_get/proc_put; atomic */
	struct spinlock lock;
	enum proc_state state;
	int exit_status;		/* wait4 encoding, valid once ZOMBIE */
	bool group_exit;		/* exit_group or a fatal signal is taking every thread down */
	struct list_node threads;	/* struct uthread.proc_node */
	unsigned nthreads;
	/* proc_tree_lock */
	struct proc *parent;
	struct list_node children;	/* struct proc.sibling */
	struct list_node sibling;
	struct list_node all_node;	/* every process */
	struct wait_queue child_wait;	/* wait4 sleeps here; woken when a child changes state */
	/* Resources. */
	struct mm *mm;
	struct files *files;		/* fd table (keel/vfs.h) */
	struct fs_struct *fs;		/* cwd and umask (keel/vfs.h); CLONE_FS shares it */
	struct cred cred;		/* p->lock; zero (root) for init; fork copies it */
	struct sighand *sighand;
	sigset_t shared_pending;	/* process-directed signals; sighand->lock */
	/* Added by kernel/proc/signal.c, all under sighand->lock: */
	struct ksiginfo shared_info[NSIG];	/* siginfo of each shared_pending signal */
	bool stopped;			/* group stop (SIGSTOP...) in effect until SIGCONT/SIGKILL */
	int stop_sig;			/* the signal that stopped it */
	enum proc_stop_event stop_event;	/* not yet reported to wait4 (WUNTRACED/WCONTINUED) */
	bool cont_notify;		/* continued: SIGCHLD CLD_CONTINUED not yet sent */
	int exit_signal;		/* sent to the parent on exit: SIGCHLD, or 0 */
	uint64_t start_ns;		/* time_ns() at creation */
	uint64_t rlimit_stack;		/* RLIMIT_STACK soft limit, bytes */
	struct completion *vfork_done;	/* a vfork parent waits on it until exec or exit */
	/* Added by syscall/resource.c (branch misc). p->lock. All zero means "defaults", so a
	 * zeroed struct proc is right; fork copies them to the child, execve keeps them. */
	uint32_t rlimit_set;		/* bit r: rlimit[r] was set by setrlimit/prlimit64 */
	struct { uint64_t cur, max; } rlimit[PROC_RLIMITS];	/* [RLIMIT_STACK].cur unused */
	int nice;			/* setpriority: -20..19 (the scheduler ignores it) */
	/* CPU time in scheduler ticks (proc/acct.c), p->lock: exited threads', reaped children's */
	uint64_t dead_uticks, dead_sticks;
	uint64_t child_uticks, child_sticks;
};

/* What restart_syscall runs after -ERESTART_RESTARTBLOCK (set by the interrupted call). */
struct restart_block {
	long (*fn)(struct restart_block *rb);
	uint64_t arg[4];
};

/* The user side of a thread; thread->uthread, NULL for kernel threads. */
struct uthread {
	struct thread *thread;
	struct proc *proc;
	struct list_node proc_node;
	uint64_t fs_base, gs_base;	/* arch_prctl; loaded when the thread is switched in */
	uint64_t clear_child_tid;	/* set_tid_address / CLONE_CHILD_CLEARTID (user address) */
	sigset_t blocked;		/* signal mask */
	sigset_t pending;		/* thread-directed signals; sighand->lock */
	sigset_t saved_mask;		/* restored after a sigsuspend-like wait; valid if has_saved */
	bool has_saved_mask;
	struct restart_block restart;	/* only the thread itself touches it */
	struct k_sigaltstack altstack;	/* only the thread itself touches it */
	struct ksiginfo pending_info[NSIG];	/* siginfo of each pending signal (added) */
	void *fpu;			/* saved user FPU/SSE/AVX state (arch, see keel/arch.h) */
	struct trap_frame *start_frame;	/* a new thread's first user frame, until it runs */
	uint64_t set_child_tid;		/* CLONE_CHILD_SETTID: the child writes its TID there */
	uint64_t robust_list;		/* set_robust_list head (user address), or 0 */
	bool mm_left;			/* set by the thread itself before it stops counting in
					 * p->nthreads: its process's mm is no longer its to load */
};

extern struct spinlock proc_tree_lock;

/* The calling thread's process / user thread; NULL in a kernel thread. */
struct proc *proc_current(void);
/* p's soft limit for resource r (RLIM_INFINITY when unlimited); takes p->lock. */
uint64_t proc_rlimit_cur(struct proc *p, unsigned r);
struct uthread *uthread_current(void);

/* Finds a live or zombie process by PID and takes a reference; NULL if none. */
struct proc *proc_get(int pid);
/* proc_get where pid 0 names the caller (NULL in a kernel thread); NULL for pid < 0. */
struct proc *proc_get_or_self(int pid);
/* The process that has a thread tid (or had, when tid is a PID), referenced; NULL if none. */
struct proc *proc_get_by_tid(int tid);
/* p's thread tid, or NULL; p->lock held (the result is valid while it is). */
struct uthread *proc_thread_locked(struct proc *p, int tid);
/* fn(ut, arg) for user thread tid (0: the caller, and then fn runs unlocked and may sleep;
 * any other thread under its process's p->lock); -ESRCH when there is none. */
int uthread_call(int tid, int (*fn)(struct uthread *ut, void *arg), void *arg);
void proc_put(struct proc *p);
/* Calls fn(p, arg) for every process, in PID order, under no lock but with a reference held;
 * stops when fn returns non-zero and returns that value. */
int proc_for_each(int (*fn)(struct proc *p, void *arg), void *arg);

/* --- accounting (kernel/proc/acct.c) --- */
/* CPU time in scheduler ticks (SCHED_TICK_NS each): p's threads, living and exited, and its
 * reaped children (with their own reaped children). */
struct proc_cputime {
	uint64_t user, sys, child_user, child_sys;
};
void proc_cputime(struct proc *p, struct proc_cputime *ct);
/* wait4 reaps c: *ct gets c's times, which are added to parent's child times. */
void proc_acct_reap(struct proc *parent, struct proc *c, struct proc_cputime *ct);
/* Processes created since boot (fork, vfork, clone without CLONE_THREAD). */
uint64_t proc_fork_count(void);
/* p's address space with a reference taken (mm_put it), or NULL (exited, or a kernel one). */
struct mm *proc_mm_get(struct proc *p);

/* Frees dead user threads, forever: the thread that called proc_start_init runs it next. */
__noreturn void proc_reaper(void);
/* Starts init= as PID 1 with /dev/console on fds 0-2: argv = path, then args (NULL-terminated,
 * kept by the caller for good; at most 32). */
int proc_start_init(const char *path, char *const args[]);

/* Ends the calling thread / every thread of its process with the wait4 status `status`. */
__noreturn void proc_exit_thread(int status);
__noreturn void proc_exit_group(int status);
/* wait4 status words. */
#define W_EXITCODE(code, sig)	(((code) & 0xff) << 8 | ((sig) & 0x7f))

/* --- signals (kernel/proc/signal.c) --- */
#define SIGHUP		1
#define SIGINT		2
#define SIGQUIT		3
#define SIGILL		4
#define SIGTRAP		5
#define SIGABRT		6
#define SIGBUS		7
#define SIGFPE		8
#define SIGKILL		9
#define SIGUSR1		10
#define SIGSEGV		11
#define SIGUSR2		12
#define SIGPIPE		13
#define SIGALRM		14
#define SIGTERM		15
#define SIGCHLD		17
#define SIGCONT		18
#define SIGSTOP		19
#define SIGTSTP		20
#define SIGTTIN		21
#define SIGTTOU		22
#define SIGWINCH	28
#define SIGSYS		31

/* Why a fault signal was raised, for the kill line and siginfo. */
struct fault_info {
	int sig;		/* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
	int code;		/* si_code: SEGV_MAPERR, SEGV_ACCERR, ILL_ILLOPN, FPE_INTDIV... */
	uint64_t addr;		/* si_addr */
	const char *why;	/* NULL, or a reason for the log ("stack overflow") */
};

/* Queues sig for process p (any thread that does not block it takes it) / for one thread.
 * 0, or -EINVAL for a bad signal number. Wakes a thread that can take it. */
int signal_send(struct proc *p, int sig);
/* Disarms p's ITIMER_REAL (syscall/itimer.c); proc_teardown calls it. */
void itimer_proc_exit(struct proc *p);
int signal_send_thread(struct uthread *ut, int sig);
/* Sends sig to every process in group pgid; -ESRCH if there is none. */
int signal_send_pgrp(int pgid, int sig);
/* A synchronous fault of the current thread: delivered at once (unblocked and not ignored, as
 * Linux's force_sig), or kills the process with the one-line report when not handled. */
void signal_fault(struct trap_frame *tf, const struct fault_info *fi);
/* True when the calling user thread has an unblocked signal pending (blocking calls check it
 * and return -ERESTARTSYS); false in kernel threads. */
bool signal_pending(void);
/* On every return to user mode (interrupts on): delivers pending signals by building a signal
 * frame on the user stack, or runs their default action. tf is the thread's user frame. When
 * tf->vector == VEC_SYSCALL (arch/trap.h), tf->rax holds the syscall's result and tf->error its
 * number: -ERESTARTSYS becomes -EINTR, or a restart (rip -= 2, rax = number) under SA_RESTART
 * or when no handler runs. */
void signal_deliver(struct trap_frame *tf);

#endif
