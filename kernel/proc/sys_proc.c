/*
 * proc/sys_proc.c — process identity syscalls (getpid and friends, process groups and
 * sessions, set_tid_address) and the start of init.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/printf.h>
#include <keel/arch.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uvm.h>
#include "internal.h"

SYSCALL0(getpid)
{
	return proc_current()->pid;
}

SYSCALL0(getppid)
{
	struct proc *p = proc_current();
	bool f = spin_lock_irqsave(&proc_tree_lock);
	int ppid = p->parent ? p->parent->pid : 0;

	spin_unlock_irqrestore(&proc_tree_lock, f);
	return ppid;
}

SYSCALL0(gettid)
{
	return thread_current()->tid;
}

SYSCALL1(set_tid_address, int __user *, tidptr)
{
	uthread_current()->clear_child_tid = (uintptr_t)tidptr;
	return thread_current()->tid;
}

/* setpgid: a process may move itself or a child into a new group named by its PID, or into a
 * group that exists in its session (EPERM otherwise, as Linux). */
SYSCALL2(setpgid, int, pid, int, pgid)
{
	struct proc *self = proc_current(), *p;
	long err = 0;
	bool f;

	if (pgid < 0)
		return -EINVAL;
	p = proc_get_or_self(pid);
	if (!p)
		return -ESRCH;
	f = spin_lock_irqsave(&proc_tree_lock);
	if (p != self && p->parent != self)
		err = -ESRCH;
	else if (p->sid != self->sid || p->pid == p->sid)
		err = -EPERM;
	else if (pgid && pgid != p->pid && !proc_group_in_session_locked(pgid, p->sid))
		err = -EPERM;
	else {
		int old = p->pgid;

		p->pgid = pgid ? pgid : p->pid;
		proc_release_ids_locked(0, old, 0);
	}
	spin_unlock_irqrestore(&proc_tree_lock, f);
	proc_put(p);
	return err;
}

/* getpgid and getsid: a field of process pid (0: the caller), or -ESRCH. */
static long id_of(int pid, bool session)
{
	struct proc *p = proc_get_or_self(pid);
	long r;

	if (!p)
		return -ESRCH;
	r = session ? p->sid : p->pgid;
	proc_put(p);
	return r;
}

SYSCALL1(getpgid, int, pid)
{
	return id_of(pid, false);
}

SYSCALL0(getpgrp)
{
	return proc_current()->pgid;
}

SYSCALL0(setsid)
{
	struct proc *p = proc_current();
	long r;
	bool f = spin_lock_irqsave(&proc_tree_lock);

	if (p->pgid == p->pid) {
		r = -EPERM;
	} else {
		int old_pgid = p->pgid, old_sid = p->sid;

		p->pgid = p->sid = p->pid;
		proc_release_ids_locked(0, old_pgid, old_sid);
		r = p->pid;
	}
	spin_unlock_irqrestore(&proc_tree_lock, f);
	return r;
}

SYSCALL1(getsid, int, pid)
{
	return id_of(pid, true);
}

/* --- init --- */

#define INIT_ARGS_MAX	32

static char init_path[256];
static char *init_argv[INIT_ARGS_MAX + 2];

/* PID 1's first thread: exec init= in kernel mode, then leave for ring 3. */
static int init_main(void *arg)
{
	char *envp[] = { "HOME=/", "PATH=/bin:/sbin", "TERM=vt100", NULL };
	int err = do_execve(init_path, init_argv, envp);

	if (err) {
		pr_err("init: cannot run %s (error %d)\n", init_path, err);
		kprintf("init exited with status 127\n");
		arch_poweroff(1);
	}
	arch_user_start();
}

int proc_start_init(const char *path, char *const args[])
{
	struct proc *p = proc_alloc();
	struct uthread *ut;
	int tid = INIT_PID, n = 0;

	strlcpy(init_path, path, sizeof(init_path));
	init_argv[n++] = init_path;
	while (args && args[n - 1] && n <= INIT_ARGS_MAX) {
		init_argv[n] = args[n - 1];
		n++;
	}
	init_argv[n] = NULL;
	if (!p)
		return -ENOMEM;
	p->pid = p->pgid = p->sid = tid;
	strlcpy(p->name, "init", sizeof(p->name));
	p->mm = mm_create();
	p->files = files_new();
	p->fs = fs_struct_new(vfs_root(), UMASK_DEFAULT);
	p->sighand = sighand_alloc(NULL);
	ut = p->mm && p->files && p->fs && p->sighand ? uthread_alloc(p) : NULL;
	if (!ut || files_open_console(p->files))
		return -ENOMEM;
	init_proc = p;
	proc_link(p, NULL);
	return uthread_start(ut, tid, init_main);
}

#define PR_SET_NAME	15
#define PR_GET_NAME	16

/* prctl: the process name (comm) only; other options are -EINVAL, as for an unknown one. */
SYSCALL5(prctl, int, option, uint64_t, arg2, uint64_t, arg3, uint64_t, arg4,
	 uint64_t, arg5)
{
	struct proc *p = proc_current();
	char name[PROC_NAME_MAX];
	bool f;

	switch (option) {
	case PR_SET_NAME:
		if (strncpy_from_user(name, (const char *)arg2, sizeof(name)) == -EFAULT)
			return -EFAULT;
		name[sizeof(name) - 1] = 0;	/* longer names are truncated, as Linux does */
		f = spin_lock_irqsave(&p->lock);
		memcpy(p->name, name, sizeof(name));
		spin_unlock_irqrestore(&p->lock, f);
		return 0;
	case PR_GET_NAME:
		f = spin_lock_irqsave(&p->lock);
		memcpy(name, p->name, sizeof(name));
		spin_unlock_irqrestore(&p->lock, f);
		return copy_to_user((char *)arg2, name, sizeof(name));
	default:
		return -EINVAL;
	}
}
