/*
 * proc/cred.c — user and group ids: the snapshots the rest of the kernel checks against, and
 * the get*id/set*id/getgroups/setgroups syscalls with Linux's rules for who may change what.
 *
 * A process's ids live in p->cred under p->lock; each set*id call checks and changes them in
 * one critical section, so concurrent calls from two threads of a process never mix. The
 * rules (credentials(7), setresuid(2)): with effective uid 0 anything goes; otherwise every
 * new real, effective or saved id must be one of the current real, effective or saved ids
 * (setreuid: the real one only the real or effective id). The filesystem id follows the
 * effective one on every change. fork copies p->cred, execve keeps it (cred_exec).
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/proc.h>
#include <keel/string.h>
#include <keel/syscall.h>

#define NGROUPS_MAX	65536		/* Linux's: a larger setgroups is EINVAL, not EPERM */

/* The four ids of one kind, in cred order: real, effective, saved, filesystem. */
_Static_assert(offsetof(struct cred, fsuid) == offsetof(struct cred, uid) + 12 &&
	       offsetof(struct cred, fsgid) == offsetof(struct cred, gid) + 12,
	       "cred_ids relies on the id order");
enum { ID_REAL, ID_EFF, ID_SAVED, ID_FS };

static uint32_t *cred_ids(struct cred *c, bool user)
{
	return user ? &c->uid : &c->gid;
}

void cred_of(struct proc *p, struct cred *out)
{
	bool f;

	if (!p) {
		memset(out, 0, sizeof(*out));
		return;
	}
	f = spin_lock_irqsave(&p->lock);
	*out = p->cred;
	spin_unlock_irqrestore(&p->lock, f);
}

void cred_current(struct cred *out)
{
	cred_of(proc_current(), out);
}

void cred_current_fsids(uint32_t *uid, uint32_t *gid)
{
	struct proc *p = proc_current();

	*uid = p ? READ_ONCE(p->cred.fsuid) : 0;
	*gid = p ? READ_ONCE(p->cred.fsgid) : 0;
}

bool cred_in_group(const struct cred *c, uint32_t gid)
{
	if (gid == c->fsgid)
		return true;
	for (unsigned i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

bool cred_may_signal(const struct cred *s, struct proc *target)
{
	struct cred t;

	if (s->euid == 0)
		return true;
	cred_of(target, &t);
	return s->euid == t.uid || s->euid == t.suid || s->uid == t.uid || s->uid == t.suid;
}

bool cred_may_inspect(struct proc *target)
{
	struct proc *me = proc_current();
	struct cred c, t;

	if (!me || me == target)
		return true;
	cred_of(me, &c);
	if (c.euid == 0)
		return true;		/* CAP_SYS_PTRACE */
	cred_of(target, &t);
	return c.fsuid == t.uid && c.fsuid == t.euid && c.fsuid == t.suid &&
	       c.fsgid == t.gid && c.fsgid == t.egid && c.fsgid == t.sgid;
}

bool cred_exec(struct proc *p, uint32_t mode, uint32_t uid, uint32_t gid, bool nosuid)
{
	bool f = spin_lock_irqsave(&p->lock), changed;
	struct cred *c = &p->cred;

	if (!nosuid && (mode & 04000))
		c->euid = uid;
	if (!nosuid && (mode & 02010) == 02010)	/* setgid without group x is mandatory locking */
		c->egid = gid;
	changed = c->euid != c->uid || c->egid != c->gid;
	c->suid = c->fsuid = c->euid;
	c->sgid = c->fsgid = c->egid;
	spin_unlock_irqrestore(&p->lock, f);
	return changed;
}

/* ---- set*id ---- */

/* True when id (not ID_KEEP) is one of the real, effective and saved ids in cur. */
static bool id_held(const uint32_t *cur, uint32_t id)
{
	return id == cur[ID_REAL] || id == cur[ID_EFF] || id == cur[ID_SAVED];
}

/* setresuid/setresgid: each id that is not ID_KEEP must be held, unless privileged. */
static long set_res(bool user, uint32_t r, uint32_t e, uint32_t s)
{
	struct proc *p = proc_current();
	bool f = spin_lock_irqsave(&p->lock);
	uint32_t *ids = cred_ids(&p->cred, user), want[3] = { r, e, s };
	bool priv = p->cred.euid == 0;
	long err = 0;

	for (int i = 0; i < 3 && !priv; i++)
		if (want[i] != ID_KEEP && !id_held(ids, want[i]))
			err = -EPERM;
	for (int i = 0; i < 3 && !err; i++)
		if (want[i] != ID_KEEP)
			ids[i] = want[i];
	if (!err)
		ids[ID_FS] = ids[ID_EFF];
	spin_unlock_irqrestore(&p->lock, f);
	return err;
}

/* setreuid/setregid: the saved id becomes the new effective one when the real id is set or
 * the effective one is set to something other than the old real id. */
static long set_re(bool user, uint32_t r, uint32_t e)
{
	struct proc *p = proc_current();
	bool f = spin_lock_irqsave(&p->lock);
	uint32_t *ids = cred_ids(&p->cred, user);
	bool priv = p->cred.euid == 0;
	long err = 0;

	if (!priv && r != ID_KEEP && r != ids[ID_REAL] && r != ids[ID_EFF])
		err = -EPERM;
	if (!priv && e != ID_KEEP && !id_held(ids, e))
		err = -EPERM;
	if (!err) {
		uint32_t old_real = ids[ID_REAL];

		if (r != ID_KEEP)
			ids[ID_REAL] = r;
		if (e != ID_KEEP)
			ids[ID_EFF] = e;
		if (r != ID_KEEP || (e != ID_KEEP && e != old_real))
			ids[ID_SAVED] = ids[ID_EFF];
		ids[ID_FS] = ids[ID_EFF];
	}
	spin_unlock_irqrestore(&p->lock, f);
	return err;
}

/* setuid/setgid: privileged, all four ids; otherwise only the effective one, to the real or
 * saved id. */
static long set_one(bool user, uint32_t id)
{
	struct proc *p = proc_current();
	bool f = spin_lock_irqsave(&p->lock);
	uint32_t *ids = cred_ids(&p->cred, user);
	long err = 0;

	if (id == ID_KEEP)
		err = -EINVAL;
	else if (p->cred.euid == 0)
		ids[ID_REAL] = ids[ID_EFF] = ids[ID_SAVED] = ids[ID_FS] = id;
	else if (id == ids[ID_REAL] || id == ids[ID_SAVED])
		ids[ID_EFF] = ids[ID_FS] = id;
	else
		err = -EPERM;
	spin_unlock_irqrestore(&p->lock, f);
	return err;
}

/* setfsuid/setfsgid: the old filesystem id, always; the change only when allowed. */
static long set_fs(bool user, uint32_t id)
{
	struct proc *p = proc_current();
	bool f = spin_lock_irqsave(&p->lock);
	uint32_t *ids = cred_ids(&p->cred, user), old = ids[ID_FS];

	if (id != ID_KEEP && (p->cred.euid == 0 || id_held(ids, id) || id == old))
		ids[ID_FS] = id;
	spin_unlock_irqrestore(&p->lock, f);
	return old;
}

static long get_res(bool user, uint32_t __user *r, uint32_t __user *e, uint32_t __user *s)
{
	struct cred c;
	uint32_t *ids;

	cred_current(&c);
	ids = cred_ids(&c, user);
	if (copy_to_user(r, &ids[ID_REAL], 4) || copy_to_user(e, &ids[ID_EFF], 4) ||
	    copy_to_user(s, &ids[ID_SAVED], 4))
		return -EFAULT;
	return 0;
}

static uint32_t cur_id(bool user, int which)
{
	struct cred c;

	cred_current(&c);
	return cred_ids(&c, user)[which];
}

SYSCALL0(getuid) { return cur_id(true, ID_REAL); }
SYSCALL0(getgid) { return cur_id(false, ID_REAL); }
SYSCALL0(geteuid) { return cur_id(true, ID_EFF); }
SYSCALL0(getegid) { return cur_id(false, ID_EFF); }
SYSCALL1(setuid, uint32_t, uid) { return set_one(true, uid); }
SYSCALL1(setgid, uint32_t, gid) { return set_one(false, gid); }
SYSCALL2(setreuid, uint32_t, r, uint32_t, e) { return set_re(true, r, e); }
SYSCALL2(setregid, uint32_t, r, uint32_t, e) { return set_re(false, r, e); }
SYSCALL3(setresuid, uint32_t, r, uint32_t, e, uint32_t, s) { return set_res(true, r, e, s); }
SYSCALL3(setresgid, uint32_t, r, uint32_t, e, uint32_t, s) { return set_res(false, r, e, s); }
SYSCALL1(setfsuid, uint32_t, uid) { return set_fs(true, uid); }
SYSCALL1(setfsgid, uint32_t, gid) { return set_fs(false, gid); }

SYSCALL3(getresuid, uint32_t __user *, r, uint32_t __user *, e, uint32_t __user *, s)
{
	return get_res(true, r, e, s);
}

SYSCALL3(getresgid, uint32_t __user *, r, uint32_t __user *, e, uint32_t __user *, s)
{
	return get_res(false, r, e, s);
}

/* ---- supplementary groups ---- */

SYSCALL2(getgroups, int, size, uint32_t __user *, list)
{
	struct cred c;

	cred_current(&c);
	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c.ngroups;
	if ((unsigned)size < c.ngroups)
		return -EINVAL;
	return copy_to_user(list, c.groups, c.ngroups * 4) ? -EFAULT : (long)c.ngroups;
}

/* Linux keeps the list sorted (getgroups returns it so). */
static void groups_sort(uint32_t *g, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && g[j - 1] > g[j]; j--) {
			uint32_t t = g[j];

			g[j] = g[j - 1];
			g[j - 1] = t;
		}
}

SYSCALL2(setgroups, int, size, const uint32_t __user *, list)
{
	struct proc *p = proc_current();
	uint32_t g[CRED_NGROUPS];
	bool f;

	if (READ_ONCE(p->cred.euid) != 0)
		return -EPERM;
	if (size < 0 || size > NGROUPS_MAX || size > CRED_NGROUPS)
		return -EINVAL;
	if (size && copy_from_user(g, list, (size_t)size * 4))
		return -EFAULT;
	groups_sort(g, (unsigned)size);
	f = spin_lock_irqsave(&p->lock);
	if (p->cred.euid != 0) {	/* another thread dropped root meanwhile */
		spin_unlock_irqrestore(&p->lock, f);
		return -EPERM;
	}
	memcpy(p->cred.groups, g, (size_t)size * 4);
	p->cred.ngroups = (unsigned)size;
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}
