/*
 * proc/internal.h — shared by the files of kernel/proc/; not an interface.
 */
#ifndef PROC_INTERNAL_H
#define PROC_INTERNAL_H

#include <keel/proc.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/futex.h>
#include <keel/vfs.h>


/* proc.c */
struct proc *proc_alloc(void);
/* Links p into the tree under parent (proc_tree_lock taken inside). */
void proc_link(struct proc *p, struct proc *parent);
struct uthread *uthread_alloc(struct proc *p);
/* Starts ut's thread running fn(ut) (fn ends in arch_user_start). 0 or -ENOMEM. */
int uthread_start(struct uthread *ut, int tid, thread_fn fn);
/* Hands a dead thread's uthread to the reaper, which joins and frees it. */
void uthread_reap(struct uthread *ut);
extern struct proc *init_proc;

/* exec.c: replaces the current process's image. Kernel buffers: argv/envp NULL-terminated. */
int do_execve(const char *path, char *const argv[], char *const envp[]);

/* acct.c */
void proc_count_fork(void);
/* The exiting thread ut hands its CPU ticks to p. */
void proc_acct_thread_exit(struct proc *p, struct uthread *ut);

/* robust.c: walks ut's robust futex list (thread exit, exec) and forgets it. */
void robust_list_exit(struct uthread *ut);

/* exit.c */
/* The last thread of p is leaving: release its resources, become a zombie, tell the parent. */
void proc_teardown(struct proc *p);

#endif
