/*
 * proc/signal_internal.h — what the files of kernel/proc/signal*.c share and nobody else
 * needs. Locking rules are in signal.c.
 */
#ifndef PROC_SIGNAL_INTERNAL_H
#define PROC_SIGNAL_INTERNAL_H

#include <keel/signal.h>

/* Whether ut has something for signal_deliver: an unblocked pending signal, SIGKILL, a
 * group exit or a stop. sighand held. */
bool sig_pending_locked(const struct uthread *ut);
/* ut just blocked newly_blocked: hands shared signals it may not take to other threads. */
void sig_retarget(struct uthread *ut, sigset_t newly_blocked);
/* Sleeps until sig_pending_locked(ut) (pause, sigsuspend). ut is the caller. */
void sig_wait(struct uthread *ut);
/* Queues sig (0: only looks) for thread tid of p; -ESRCH if p has none. p->lock held. */
int sig_send_tid_locked(struct proc *p, int tid, int sig, const struct ksiginfo *info);
/* Sends sig to group pgid. With info (a user's kill) only to the members the caller may
 * signal (sig_may_send): -EPERM when there were members but none was allowed. */
int sig_send_pgrp_info(int pgid, int sig, const struct ksiginfo *info);
/* Linux's check_kill_permission for the calling process sending sig to t (sig 0 too):
 * root, a matching uid (cred_may_signal), or SIGCONT within the caller's session. */
bool sig_may_send(struct proc *t, int sig);
/* Kicks every thread of p (stop, SIGKILL, group exit). p->lock and sighand held. */
void sig_kick_all_locked(struct proc *p);
/* Sends the parent SIGCHLD for a stop/continue (code CLD_STOPPED/CLD_CONTINUED) and wakes
 * its wait4. No lock held. */
void sig_notify_parent_stop(struct proc *child, int code, int sig);

#endif
