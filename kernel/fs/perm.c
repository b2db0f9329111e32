/*
 * fs/perm.c — who may do what to a file: the VFS's one place for permission decisions.
 *
 * Linux's rules (path_resolution(7), generic_permission, may_create, may_delete,
 * chown_ok, inode_change_ok) on an inode's owner, group and mode bits against a credential
 * snapshot (keel/cred.h). The class is chosen once: owner when the filesystem uid is the
 * inode's uid, else group when the inode's gid is the filesystem gid or a supplementary group,
 * else other; only that class's bits count. A filesystem uid of 0 stands for
 * CAP_DAC_OVERRIDE (read and write anything, search any directory; execute a file only when
 * some x bit is set), CAP_FOWNER (act as the owner), CAP_CHOWN and CAP_FSETID. Read-only
 * mounts (EROFS) and file types (EISDIR...) are the callers' checks, not these.
 *
 * Every function here reads inode fields without locks: mode, uid and gid are single words
 * written with WRITE_ONCE (fs/sys_attr.c), and a check racing a chmod sees either side.
 */
#include "internal.h"
#include <keel/cred.h>
#include <keel/errno.h>

static bool fs_root(const struct cred *c)
{
	return c->fsuid == 0;
}

int perm_inode(struct inode *ino, int mask, const struct cred *c)
{
	uint32_t mode = READ_ONCE(ino->mode), bits;

	if (c->fsuid == READ_ONCE(ino->uid))
		bits = (mode >> 6) & 7;
	else if (cred_in_group(c, READ_ONCE(ino->gid)))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	if (!(mask & ~bits))
		return 0;
	if (fs_root(c) && (!(mask & MAY_EXEC) || S_ISDIR(mode) || (mode & S_IXUGO)))
		return 0;
	return -EACCES;
}

bool perm_owner(struct inode *ino, const struct cred *c)
{
	return fs_root(c) || c->fsuid == READ_ONCE(ino->uid);
}

int perm_open(struct inode *ino, unsigned flags, const struct cred *c)
{
	unsigned acc = flags & O_ACCMODE;
	int mask = 0;

	if (acc == O_RDONLY || acc == O_RDWR)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	return perm_inode(ino, mask, c);
}

int perm_create(struct inode *dir, const struct cred *c)
{
	return perm_inode(dir, MAY_WRITE | MAY_EXEC, c);
}

/* A sticky directory (/tmp, 1777) lets only the file's owner, the directory's owner or root
 * remove or rename an entry. */
int perm_delete(struct inode *dir, struct inode *victim, const struct cred *c)
{
	int r = perm_inode(dir, MAY_WRITE | MAY_EXEC, c);

	if (r)
		return r;
	if ((READ_ONCE(dir->mode) & S_ISVTX) && !fs_root(c) &&
	    c->fsuid != READ_ONCE(victim->uid) && c->fsuid != READ_ONCE(dir->uid))
		return -EPERM;
	return 0;
}

int perm_rename(struct inode *sdir, struct inode *src, struct inode *ndir, struct inode *dst,
		const struct cred *c)
{
	int r = perm_delete(sdir, src, c);

	if (!r)
		r = dst ? perm_delete(ndir, dst, c) : perm_create(ndir, c);
	if (!r && S_ISDIR(src->mode) && sdir != ndir)
		r = perm_inode(src, MAY_WRITE, c);	/* its ".." changes */
	return r;
}

void perm_init_owner(struct inode *dir, struct inode *ino, const struct cred *c)
{
	ino->uid = c->fsuid;
	ino->gid = c->fsgid;
	if (READ_ONCE(dir->mode) & S_ISGID) {	/* BSD group semantics, as Linux */
		ino->gid = READ_ONCE(dir->gid);
		if (S_ISDIR(ino->mode))
			ino->mode |= S_ISGID;
	}
}

int perm_chmod(struct inode *ino, uint32_t *mode, const struct cred *c)
{
	if (!perm_owner(ino, c))
		return -EPERM;
	if (!fs_root(c) && !cred_in_group(c, READ_ONCE(ino->gid)))
		*mode &= ~(uint32_t)S_ISGID;
	return 0;
}

/* The owner may give a file to one of his groups; only root may give it to another user. A
 * change of owner or group clears set-user-ID, and set-group-ID when group x is on. */
int perm_chown(struct inode *ino, uint32_t uid, uint32_t gid, const struct cred *c,
	       struct iattr *a)
{
	uint32_t cur_uid = READ_ONCE(ino->uid), cur_gid = READ_ONCE(ino->gid);
	uint32_t mode = READ_ONCE(ino->mode);

	if (uid != ID_KEEP && !fs_root(c) && (uid != cur_uid || c->fsuid != cur_uid))
		return -EPERM;
	if (gid != ID_KEEP && !fs_root(c) && (c->fsuid != cur_uid ||
	    (gid != cur_gid && !cred_in_group(c, gid))))
		return -EPERM;
	if (uid != ID_KEEP) {
		a->valid |= ATTR_UID;
		a->uid = uid;
	}
	if (gid != ID_KEEP) {
		a->valid |= ATTR_GID;
		a->gid = gid;
	}
	if (a->valid && !S_ISDIR(mode) && (mode & (S_ISUID | S_ISGID))) {
		a->valid |= ATTR_MODE;
		a->mode = mode & ~(uint32_t)S_ISUID;
		if ((mode & (S_ISGID | 0010)) == (S_ISGID | 0010))
			a->mode &= ~(uint32_t)S_ISGID;
	}
	return 0;
}

/* utimensat: setting both times to now needs ownership or write permission; any explicit
 * time needs ownership. */
int perm_utimes(struct inode *ino, bool explicit_times, const struct cred *c)
{
	if (perm_owner(ino, c))
		return 0;
	if (explicit_times)
		return -EPERM;
	return perm_inode(ino, MAY_WRITE, c);
}
