/*
 * keel/syscall.h — defining Linux x86-64 system calls (kernel/syscall/).
 *
 * A handler is defined where its subsystem lives, with its Linux number:
 *
 *	SYSCALL3(0, read, int, fd, void __user *, buf, size_t, count)
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

#define SYSCALL_MAX	512	/* numbers above are -ENOSYS */

typedef long (*syscall_entry_t)(const uint64_t *args);

struct syscall_desc {
	unsigned nr;
	const char *name;
	syscall_entry_t entry;
};

#define SYSCALL_REGISTER_(nr_, name_) \
	static long sys_##name_##_entry(const uint64_t *a); \
	static const struct syscall_desc sys_##name_##_desc \
		__attribute__((used, section(".syscalls"), aligned(8))) = \
		{ (nr_), #name_, sys_##name_##_entry }

#define SYSCALL0(nr, name) \
	SYSCALL_REGISTER_(nr, name); static long sys_##name(void); \
	static long sys_##name##_entry(const uint64_t *a) { (void)a; return sys_##name(); } \
	static long sys_##name(void)
#define SYSCALL1(nr, name, t1, a1) \
	SYSCALL_REGISTER_(nr, name); static long sys_##name(t1 a1); \
	static long sys_##name##_entry(const uint64_t *a) { return sys_##name((t1)a[0]); } \
	static long sys_##name(t1 a1)
#define SYSCALL2(nr, name, t1, a1, t2, a2) \
	SYSCALL_REGISTER_(nr, name); static long sys_##name(t1 a1, t2 a2); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1]); } \
	static long sys_##name(t1 a1, t2 a2)
#define SYSCALL3(nr, name, t1, a1, t2, a2, t3, a3) \
	SYSCALL_REGISTER_(nr, name); static long sys_##name(t1 a1, t2 a2, t3 a3); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1], (t3)a[2]); } \
	static long sys_##name(t1 a1, t2 a2, t3 a3)
#define SYSCALL4(nr, name, t1, a1, t2, a2, t3, a3, t4, a4) \
	SYSCALL_REGISTER_(nr, name); static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3]); } \
	static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)
#define SYSCALL5(nr, name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) \
	SYSCALL_REGISTER_(nr, name); static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3], (t5)a[4]); } \
	static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)
#define SYSCALL6(nr, name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	SYSCALL_REGISTER_(nr, name); \
	static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6); \
	static long sys_##name##_entry(const uint64_t *a) \
	{ return sys_##name((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3], (t5)a[4], (t6)a[5]); } \
	static long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)

struct trap_frame;
void syscall_init(void);
/* The Linux name of syscall nr ("openat"), or NULL (kernel/syscall/names.c). */
const char *syscall_name(unsigned nr);
/* Runs syscall number nr with args; the arch entry calls it with interrupts on. */
long syscall_dispatch(unsigned long nr, const uint64_t *args);

#endif
