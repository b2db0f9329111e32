/*
 * keel/syscall.h — defining Linux x86-64 system calls (kernel/syscall/).
 *
 * A handler is defined where its subsystem lives, by its Linux name; the number is __NR_name
 * from the one list of Linux's calls (uapi/syscalls.h), so a name not there does not compile:
 *
 *	SYSCALL3(read, int, fd, void __user *, buf, size_t, count)
 *	{
 *		...
 *		return n;		// or -EBADF, -EFAULT, ...
 *	}
 *
 * The macro registers it in the .syscalls section; syscall_init() builds the dispatch table
 * from that section at boot (and panics on a number defined twice). The handler body receives
 * typed arguments and returns a long: a non-negative result, or a negated errno. Handlers run
 * in the calling thread with interrupts on and may sleep. Numbers without a handler return
 * -ENOSYS and log one rate-limited line naming the call (kernel/syscall/names.c).
 *
 * A blocking handler interrupted by a signal returns -ERESTARTSYS (keel/errno.h); the return
 * path turns that into -EINTR or a restart according to the handler's SA_RESTART.
 */
#ifndef KEEL_SYSCALL_H
#define KEEL_SYSCALL_H

#include <keel/types.h>
#include <keel/uaccess.h>
#include <uapi/syscalls.h>

#define SYSCALL_MAX	512	/* numbers above are -ENOSYS */
_Static_assert(LINUX_SYSCALL_LAST < SYSCALL_MAX, "SYSCALL_MAX below a Linux number");

typedef long (*syscall_entry_t)(const uint64_t *args);

struct syscall_desc {
	unsigned nr;
	const char *name;
	syscall_entry_t entry;
};

#define SYSCALL_REGISTER_(name_) \
	static long sys_##name_##_entry(const uint64_t *a); \
	static const struct syscall_desc sys_##name_##_desc \
		__attribute__((used, section(".syscalls"), aligned(8))) = \
		{ __NR_##name_, #name_, sys_##name_##_entry }

#define SYSCALL0(name) \
	SYSCALL_REGISTER_(name); static long sys_##name(void); \
	static long sys_##name##_entry(const uint64_t *a) { (void)a; return sys_##name(); } \
	static long sys_##name(void)
#define SYSCALL1(name, t1, a1) \
	SYSCALL_REGISTER_(name); static long sys_##name(t1 a1); \
	static long sys_##name##_entry(const uint64_t *a) { return sys_##name((t1)a[0]); } \
	static long sys_##name(t1 a1)
#define SYSCALL2(name, t1, a1, t2, a2) \
	SYSCALL_REGISTER_(name); static long sys_##name(t1 a1, t2 a2); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1]); } \
	static long sys_##name(t1 a1, t2 a2)
#define SYSCALL3(name, t1, a1, t2, a2, t3, a3) \
	SYSCALL_REGISTER_(name); static long sys_##name(t1 a1, t2 a2, t3 a3); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1], (t3)a[2]); } \
	static long sys_##name(t1 a1, t2 a2, t3 a3)
#define SYSCALL4(name, t1, a1, t2, a2, t3, a3, t4, a4) \
	SYSCALL_REGISTER_(name); static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3]); } \
	static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)
#define SYSCALL5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) \
	SYSCALL_REGISTER_(name); static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3], (t5)a[4]); } \
	static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)
#define SYSCALL6(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	SYSCALL_REGISTER_(name); \
	static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3], (t5)a[4], (t6)a[5]); } \
	static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)

struct trap_frame;
struct spinlock;
void syscall_init(void);
/* Runs syscall number nr with args; the arch entry calls it with interrupts on. */
long syscall_dispatch(unsigned long nr, const uint64_t *args);

/*
 * Helpers for handlers (kernel/syscall/sleep.c, time.c).
 *
 * Interruptible sleeping. A signal sender queues the signal with the target's sighand lock
 * held and then calls sched_wake (keel/proc.h). A sleeper that checks for pending signals
 * with that same lock held and hands it to sched_block therefore cannot miss the wakeup: the
 * sender either queued before the check (the sleeper sees it) or finds the sleeper BLOCKED.
 */
/* The calling thread's sighand lock (NULL in a kernel thread, which gets no signals). */
struct spinlock *sleep_signal_lock(void);
/* With sleep_signal_lock() held (any lock in a kernel thread): the sleep must end for the
 * signal code (an unblocked signal, SIGKILL, a group exit, a stop). */
bool sleep_signal_pending_locked(void);
/* Sleeps until time_ns() >= deadline (UINT64_MAX: forever). 0 when the deadline passed,
 * -EINTR when a signal became pending first. */
int sleep_until(uint64_t deadline);

/* Linux's struct timespec / struct timeval on x86-64. */
struct k_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};
struct k_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

/* Reads a user timespec as nanoseconds (saturating at UINT64_MAX). 0, -EFAULT, or -EINVAL for
 * a negative time or tv_nsec outside 0..999999999. */
int timespec_from_user(const struct k_timespec __user *u, uint64_t *ns);
/* Writes ns as a user timespec; 0 or -EFAULT. */
int timespec_to_user(struct k_timespec __user *u, uint64_t ns);
/* Clock ids (CLOCK_*) a sleep or timeout can use. */
#define CLOCK_REALTIME			0
#define CLOCK_MONOTONIC			1
#define CLOCK_PROCESS_CPUTIME_ID	2
#define CLOCK_THREAD_CPUTIME_ID		3
#define CLOCK_MONOTONIC_RAW		4
#define CLOCK_REALTIME_COARSE		5
#define CLOCK_MONOTONIC_COARSE		6
#define CLOCK_BOOTTIME			7
/* The time_ns() deadline for absolute time abs_ns on clock (REALTIME, MONOTONIC, BOOTTIME);
 * never 0 (a time already past gives 1). */
uint64_t clock_abs_to_deadline(int clock, uint64_t abs_ns);

/* Linux's name for x86-64 syscall nr ("openat"), or "?" for an unassigned number. */
const char *syscall_name(unsigned nr);

#endif
