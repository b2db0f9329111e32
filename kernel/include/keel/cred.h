/*
 * keel/cred.h — who a process is: its user and group ids (kernel/proc/cred.c).
 *
 * Linux's model without capability sets: a process has real, effective, saved and filesystem
 * user and group ids and up to CRED_NGROUPS supplementary groups. Privilege is an id of 0:
 * effective uid 0 stands for CAP_SETUID, CAP_SETGID and CAP_KILL, filesystem uid 0 for the
 * file capabilities (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_CHOWN, CAP_FSETID),
 * which is how Linux raises and drops those with the ids (capabilities(7), "Effect of user ID
 * changes on capabilities"). Kernel threads are root.
 *
 * Credentials belong to the process (struct proc.cred, under p->lock), not to each thread:
 * musl applies set*id to every thread of the process, and each thread's call after the first
 * asks for what is already true, which Linux's rules allow. Readers take a snapshot.
 */
#ifndef KEEL_CRED_H
#define KEEL_CRED_H

#include <keel/types.h>

struct proc;
struct inode;

#define CRED_NGROUPS	32		/* supplementary groups; setgroups with more: EINVAL */
#define ID_KEEP		((uint32_t)-1)	/* "leave this id unchanged" in set*id and chown */

struct cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	unsigned ngroups;
	uint32_t groups[CRED_NGROUPS];
};

/* A snapshot of p's credentials (takes p->lock); root for p == NULL. */
void cred_of(struct proc *p, struct cred *out);
/* The calling process's credentials (root in kernel threads). */
void cred_current(struct cred *out);
/* The calling process's fsuid and fsgid: the owner of what it creates. */
void cred_current_fsids(uint32_t *uid, uint32_t *gid);
/* True when gid is c's filesystem gid or one of its supplementary groups. */
bool cred_in_group(const struct cred *c, uint32_t gid);
/* Linux's kill_ok_by_cred: sender may signal target when root, or when sender's real or
 * effective uid is target's real or saved uid. */
bool cred_may_signal(const struct cred *sender, struct proc *target);
/* Linux's ptrace-mode check for /proc/PID files that expose memory: the caller is root, or
 * its fsuid and fsgid equal every one of target's user and group ids. */
bool cred_may_inspect(struct proc *target);
/* execve past the point of no return: the set-user-ID and set-group-ID bits of the program
 * (mode, owner uid/gid; nosuid when its mount says so) take effect, and the saved ids become
 * the effective ones. True when the ids changed (AT_SECURE). */
bool cred_exec(struct proc *p, uint32_t mode, uint32_t uid, uint32_t gid, bool nosuid);

#endif
