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
/* Takes p, which never ran, out of the tree again (proc_tree_lock taken inside). */
void proc_unlink_unborn(struct proc *p);
/* Frees the IDs among pid, pgid and sid that no process in the tree names any more, after a
 * process left the tree or changed its group or session (proc_tree_lock held). */
void proc_release_ids_locked(int pid, int pgid, int sid);
/* Whether some process of session sid is in group pgid (proc_tree_lock held). */
bool proc_group_in_session_locked(int pgid, int sid);
struct uthread *uthread_alloc(struct proc *p);
/* Frees a uthread whose thread is gone or never started, and its process reference. */
void uthread_free(struct uthread *ut);
/* Starts ut's thread running fn(ut) (fn ends in arch_user_start). 0 or -ENOMEM (ut is then
 * off its process's thread list again, for the caller to free). */
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
