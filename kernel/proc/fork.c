/*
 * proc/fork.c — clone(2) in its three shapes: fork (a new process with a copy-on-write copy of
 * the address space), vfork (a new process borrowing the parent's address space while the
 * parent sleeps until it execs or exits) and threads (CLONE_VM | CLONE_THREAD ..., as musl's
 * pthread_create asks).
 *
 * The child starts in user_thread_main(), which copies its first user frame (the parent's
 * syscall frame with rax = 0) to the top of its own kernel stack and leaves for ring 3.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uvm.h>
#include "internal.h"

#define CSIGNAL			0x000000ff
#define CLONE_VM		0x00000100
#define CLONE_FS		0x00000200
#define CLONE_FILES		0x00000400
#define CLONE_SIGHAND		0x00000800
#define CLONE_PIDFD		0x00001000
#define CLONE_PTRACE		0x00002000
#define CLONE_VFORK		0x00004000
#define CLONE_PARENT		0x00008000
#define CLONE_THREAD		0x00010000
#define CLONE_NEWNS		0x00020000
#define CLONE_SYSVSEM		0x00040000
#define CLONE_SETTLS		0x00080000
#define CLONE_PARENT_SETTID	0x00100000
#define CLONE_CHILD_CLEARTID	0x00200000
#define CLONE_DETACHED		0x00400000
#define CLONE_UNTRACED		0x00800000
#define CLONE_CHILD_SETTID	0x01000000
#define CLONE_SUPPORTED		(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
				 CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | \
				 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
				 CLONE_DETACHED | CLONE_UNTRACED | CLONE_CHILD_SETTID)

struct clone_args_k {
	unsigned long flags;
	uintptr_t stack, tls;
	int __user *parent_tid;
	int __user *child_tid;
};

static int user_thread_main(void *arg)
{
	struct uthread *ut = arg;
	memcpy(arch_user_frame(ut->thread), ut->start_frame, arch_user_frame_size());
	kfree(ut->start_frame);
	ut->start_frame = NULL;
	if (ut->set_child_tid)
		put_user_u32((uint32_t *)ut->set_child_tid, (uint32_t)ut->thread->tid);
	arch_user_start();
}

/* The resources of a new process: shared or copied according to flags. */
static int copy_resources(struct proc *c, struct proc *p, unsigned long flags)
{
	if (flags & CLONE_VM) {
		c->mm = p->mm;
		mm_get(c->mm);
	} else if (!(c->mm = mm_fork(p->mm))) {
		return -ENOMEM;
	}
	if (flags & CLONE_FILES) {
		c->files = p->files;
		files_get(c->files);
	} else if (!(c->files = files_clone(p->files))) {
		return -ENOMEM;
	}
	if (flags & CLONE_SIGHAND) {
		c->sighand = p->sighand;
		sighand_get(c->sighand);
	} else if (!(c->sighand = sighand_alloc(p->sighand))) {
		return -ENOMEM;
	}
	if (flags & CLONE_FS) {
		c->fs = p->fs;
		fs_struct_get(c->fs);
	} else if (!(c->fs = fs_struct_copy(p->fs))) {
		return -ENOMEM;
	}
	cred_of(p, &c->cred);
	c->rlimit_stack = p->rlimit_stack;
	c->rlimit_set = p->rlimit_set;
	memcpy(c->rlimit, p->rlimit, sizeof(c->rlimit));
	c->nice = p->nice;
	memcpy(c->name, p->name, sizeof(c->name));
	c->exe = p->exe ? kmalloc(strlen(p->exe) + 1) : NULL;
	if (c->exe)
		memcpy(c->exe, p->exe, strlen(p->exe) + 1);
	return 0;
}

/* Undoes copy_resources for a process that never ran. */
static void drop_resources(struct proc *c)
{
	if (c->mm)
		mm_put(c->mm);
	if (c->files)
		files_put(c->files);
	if (c->fs)
		fs_struct_put(c->fs);
	sighand_put(c->sighand);
	proc_put(c);
}

static struct uthread *new_thread(struct proc *p, const struct clone_args_k *a)
{
	struct uthread *self = uthread_current(), *ut = uthread_alloc(p);

	if (!ut)
		return NULL;
	ut->start_frame = kmalloc(arch_user_frame_size());
	if (!ut->start_frame) {
		arch_fpu_free(ut->fpu);
		kfree(ut);
		proc_put(p);
		return NULL;
	}
	arch_user_frame_fork(ut->start_frame, arch_user_frame(self->thread), a->stack);
	arch_fpu_fork(ut->fpu);			/* the caller's current state */
	ut->blocked = self->blocked;
	ut->altstack = (a->flags & CLONE_VM) && !(a->flags & CLONE_VFORK) ?
		       (struct k_sigaltstack){ .flags = 2 } : self->altstack;	/* SS_DISABLE */
	ut->fs_base = a->flags & CLONE_SETTLS ? a->tls : self->fs_base;
	ut->gs_base = self->gs_base;
	if (a->flags & CLONE_CHILD_CLEARTID)
		ut->clear_child_tid = (uintptr_t)a->child_tid;
	if (a->flags & CLONE_CHILD_SETTID)
		ut->set_child_tid = (uintptr_t)a->child_tid;
	return ut;
}

static long clone_process(const struct clone_args_k *a, int tid, struct uthread **out)
{
	struct proc *self = proc_current(), *c = proc_alloc();
	int err;

	if (!c)
		return -ENOMEM;
	c->pid = tid;
	err = copy_resources(c, self, a->flags);
	if (err) {
		drop_resources(c);
		return err;
	}
	c->exit_signal = a->flags & CSIGNAL;
	*out = new_thread(c, a);
	if (!*out) {
		drop_resources(c);
		return -ENOMEM;
	}
	proc_link(c, (a->flags & CLONE_PARENT) && self->parent ? self->parent : self);
	proc_count_fork();
	return 0;
}

/* Undoes new_thread (and clone_process) when the thread could not be started. */
static void unclone(struct uthread *ut, bool process, int tid)
{
	struct proc *c = ut->proc;

	if (process)
		proc_unlink_unborn(c);
	uthread_free(ut);
	if (process)
		drop_resources(c);
	tid_free(tid);
}

static long do_clone(const struct clone_args_k *a)
{
	struct proc *self = proc_current();
	bool process = !(a->flags & CLONE_THREAD);
	struct uthread *ut;
	struct completion vfork_done;
	long err = 0;
	int tid;

	if (a->flags & ~CLONE_SUPPORTED)
		return -EINVAL;
	if (((a->flags & CLONE_THREAD) && !(a->flags & CLONE_SIGHAND)) ||
	    ((a->flags & CLONE_SIGHAND) && !(a->flags & CLONE_VM)))
		return -EINVAL;
	if ((tid = tid_alloc()) < 0)
		return tid;			/* -EAGAIN, as Linux when PIDs run out */
	if (!process && !(ut = new_thread(self, a)))
		err = -ENOMEM;
	else if (process)
		err = clone_process(a, tid, &ut);
	if (err) {
		tid_free(tid);
		return err;
	}
	if (a->flags & CLONE_PARENT_SETTID)	/* a bad pointer is ignored, as Linux does */
		put_user_u32((uint32_t *)a->parent_tid, (uint32_t)tid);
	if (a->flags & CLONE_VFORK) {
		completion_init(&vfork_done, "vfork");
		ut->proc->vfork_done = &vfork_done;
	}
	if (uthread_start(ut, tid, user_thread_main)) {
		unclone(ut, process, tid);
		return -ENOMEM;
	}
	if (a->flags & CLONE_VFORK)
		completion_wait(&vfork_done);
	return tid;
}

SYSCALL5(clone, unsigned long, flags, uintptr_t, stack, int __user *, parent_tid,
	 int __user *, child_tid, uintptr_t, tls)
{
	struct clone_args_k a = { flags, stack, tls, parent_tid, child_tid };

	return do_clone(&a);
}

SYSCALL0(fork)
{
	struct clone_args_k a = { SIGCHLD, 0, 0, NULL, NULL };

	return do_clone(&a);
}

SYSCALL0(vfork)
{
	struct clone_args_k a = { CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, NULL, NULL };

	return do_clone(&a);
}
