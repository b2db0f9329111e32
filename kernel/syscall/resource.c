/*
 * syscall/resource.c — resource limits and priorities: prlimit64, getrlimit, setrlimit,
 * getpriority, setpriority.
 *
 * RLIMIT_STACK's soft limit is p->rlimit_stack (execve sizes the stack reservation from it).
 * Every other limit has a fixed default (rlimit_default) until the process sets it; what it
 * set is kept in p->rlimit[] and read through proc_rlimit_cur. Enforced (keel/proc.h marks
 * them): FSIZE (fs/file.c), NOFILE (fs/fdtable.c: its hard limit can be at most FILES_MAX,
 * keel's nr_open, EPERM above as Linux), AS (mm/mmap.c), STACK. NPROC is not: every process
 * is root, which Linux exempts from it. Raising a hard limit is allowed, as for root.
 * Nice values are stored and reported; the scheduler does not use them yet.
 */
#include <keel/syscall.h>
#include <keel/errno.h>
#include <keel/proc.h>
#include <keel/spinlock.h>
#include <keel/vfs.h>

#define PRIO_PROCESS		0
#define PRIO_PGRP		1
#define PRIO_USER		2
#define NICE_MIN		(-20)
#define NICE_MAX		19

struct k_rlimit {
	uint64_t cur, max;
};

/* Linux's defaults for init, where keel has no reason to differ. */
static struct k_rlimit rlimit_default(unsigned r)
{
	switch (r) {
	case RLIMIT_CORE:
	case RLIMIT_NICE:
	case RLIMIT_RTPRIO:
		return (struct k_rlimit){ 0, RLIM_INFINITY };
	case RLIMIT_NOFILE:
		return (struct k_rlimit){ 1024, FILES_MAX };
	case RLIMIT_MEMLOCK:
		return (struct k_rlimit){ 8 << 20, 8 << 20 };
	case RLIMIT_SIGPENDING:
		return (struct k_rlimit){ 4096, 4096 };
	case RLIMIT_MSGQUEUE:
		return (struct k_rlimit){ 819200, 819200 };
	default:
		return (struct k_rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	}
}

/* p's limit r (r < PROC_RLIMITS). p->lock held. */
static struct k_rlimit rlimit_locked(struct proc *p, unsigned r)
{
	struct k_rlimit l = rlimit_default(r);

	if (p->rlimit_set & (1u << r)) {
		l.cur = p->rlimit[r].cur;
		l.max = p->rlimit[r].max;
	}
	if (r == RLIMIT_STACK)
		l.cur = p->rlimit_stack;
	return l;
}

static struct k_rlimit proc_rlimit_get(struct proc *p, unsigned r)
{
	bool f = spin_lock_irqsave(&p->lock);
	struct k_rlimit l = rlimit_locked(p, r);

	spin_unlock_irqrestore(&p->lock, f);
	return l;
}

uint64_t proc_rlimit_cur(struct proc *p, unsigned r)
{
	bool f = spin_lock_irqsave(&p->lock);
	uint64_t cur = rlimit_locked(p, r).cur;

	spin_unlock_irqrestore(&p->lock, f);
	return cur;
}

static void rlimit_set_locked(struct proc *p, unsigned r, struct k_rlimit l)
{
	p->rlimit_set |= 1u << r;
	p->rlimit[r].cur = l.cur;
	p->rlimit[r].max = l.max;
	if (r == RLIMIT_STACK)
		p->rlimit_stack = l.cur;
}

/* Linux's rules for changing p's limits (prlimit64) or priority: another process needs root
 * or, for limits, all of its ids equal the caller's real ones (-EPERM); raising a hard limit
 * needs root. */
static int rlimit_may_set(struct proc *p, struct k_rlimit old, struct k_rlimit nl)
{
	struct proc *me = proc_current();
	struct cred c, t;

	cred_of(me, &c);
	if (c.euid == 0)
		return 0;
	if (p != me) {
		cred_of(p, &t);
		if (c.uid != t.uid || c.uid != t.euid || c.uid != t.suid || c.gid != t.gid ||
		    c.gid != t.egid || c.gid != t.sgid)
			return -EPERM;
	}
	return nl.max > old.max ? -EPERM : 0;
}

SYSCALL4(prlimit64, int, pid, unsigned, resource, const struct k_rlimit __user *, new_,
	 struct k_rlimit __user *, old)
{
	struct k_rlimit nl, ol;
	struct proc *p;
	int err;
	bool f;

	if (resource >= PROC_RLIMITS)
		return -EINVAL;
	if (new_) {
		if (copy_from_user(&nl, new_, sizeof(nl)))
			return -EFAULT;
		if (nl.cur > nl.max)
			return -EINVAL;
		if (resource == RLIMIT_NOFILE && nl.max > FILES_MAX)
			return -EPERM;		/* above nr_open */
	}
	p = proc_get_or_self(pid);
	if (!p)
		return -ESRCH;
	if (new_ && (err = rlimit_may_set(p, proc_rlimit_get(p, resource), nl))) {
		proc_put(p);
		return err;
	}
	f = spin_lock_irqsave(&p->lock);
	ol = rlimit_locked(p, resource);
	if (new_)
		rlimit_set_locked(p, resource, nl);
	spin_unlock_irqrestore(&p->lock, f);
	proc_put(p);
	if (old && copy_to_user(old, &ol, sizeof(ol)))
		return -EFAULT;
	return 0;
}

SYSCALL2(getrlimit, unsigned, resource, struct k_rlimit __user *, rlim)
{
	return sys_prlimit64(0, resource, NULL, rlim);
}

SYSCALL2(setrlimit, unsigned, resource, const struct k_rlimit __user *, rlim)
{
	return sys_prlimit64(0, resource, rlim, NULL);
}

/* The process a PRIO_* request names. PRIO_USER 0 (or the caller's uid) and a PRIO_PGRP of
 * the caller's group mean the caller, which is what programs ask for; other users and groups
 * as a whole are not searched. */
static struct proc *prio_target(int which, int who)
{
	struct proc *me = proc_current();

	switch (which) {
	case PRIO_PROCESS:
		return proc_get_or_self(who);
	case PRIO_PGRP:
		return me && (who == 0 || who == me->pgid) ? proc_get_or_self(0) : NULL;
	case PRIO_USER:
		return who == 0 || (me && (uint32_t)who == READ_ONCE(me->cred.uid)) ?
		       proc_get_or_self(0) : NULL;
	default:
		return NULL;
	}
}

/* Returns 20 - nice (1..40), as the Linux syscall does; the C library turns it back. */
SYSCALL2(getpriority, int, which, int, who)
{
	struct proc *p;
	int nice;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	p = prio_target(which, who);
	if (!p)
		return -ESRCH;
	nice = READ_ONCE(p->nice);
	proc_put(p);
	return 20 - nice;
}

/* Linux's set_one_prio: another user's process needs root (EPERM); a lower nice than now
 * needs root (EACCES: RLIMIT_NICE is not looked at). */
static int prio_may_set(struct proc *p, int nice)
{
	struct cred c, t;

	cred_current(&c);
	if (c.euid == 0)
		return 0;
	cred_of(p, &t);
	if (c.euid != t.uid && c.euid != t.euid)
		return -EPERM;
	return nice < READ_ONCE(p->nice) ? -EACCES : 0;
}

SYSCALL3(setpriority, int, which, int, who, int, nice)
{
	struct proc *p;
	int err;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	p = prio_target(which, who);
	if (!p)
		return -ESRCH;
	nice = MIN(MAX(nice, NICE_MIN), NICE_MAX);	/* Linux clamps too */
	if ((err = prio_may_set(p, nice))) {
		proc_put(p);
		return err;
	}
	WRITE_ONCE(p->nice, nice);
	proc_put(p);
	return 0;
}
