/*
 * fs/sys_attr.c — syscalls on an inode's attributes: chmod family, chown family, utimensat,
 * statx (statfs/fstatfs are in sys_mount.c).
 *
 * Every *at() call here resolves its target once (sys_inode_at: dirfd + path, or the fd itself
 * for AT_EMPTY_PATH with "" and for a NULL path in utimensat) and then works on the inode.
 * Who may change what is fs/perm.c's decision (chmod: the owner or root; chown: root, or the
 * owner to one of his groups; explicit times: the owner or root). Changes are stored on the
 * inode (writes with WRITE_ONCE; readers take snapshots) or by the disk filesystem.
 * Access times are set by utimensat and at creation only: reads do not update them (as a
 * noatime mount).
 */
#include "internal.h"
#include <keel/syscall.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/proc.h>
#include <keel/string.h>
#include <keel/time.h>

#define AT_NO_AUTOMOUNT		0x800
#define AT_STATX_SYNC_TYPE	0x6000
#define UTIME_NOW		((1L << 30) - 1)
#define UTIME_OMIT		((1L << 30) - 2)

static int fd_inode(int fd, struct inode **out)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	inode_get(f->ino);
	*out = f->ino;
	file_put(f);
	return 0;
}

/* The inode dirfd/upath names (counted), following a final symlink when follow; with
 * empty_ok an empty path (or NULL upath) names dirfd itself (the cwd for AT_FDCWD). */
static int sys_inode_at(int dirfd, const char __user *upath, bool follow, bool empty_ok,
			struct inode **out)
{
	struct inode *base;
	char *path;
	char c = 0;
	int err;

	if (upath && copy_from_user(&c, upath, 1))
		return -EFAULT;
	if (!c && empty_ok) {
		if (dirfd != AT_FDCWD)
			return fd_inode(dirfd, out);
		*out = vfs_cwd();
		return 0;
	}
	if ((err = sys_get_path(upath, &path)))
		return err;
	if (!(err = sys_at_base(dirfd, &base))) {
		err = vfs_lookup(base, path, follow ? LOOKUP_FOLLOW : 0, out);
		sys_put_base(base);
	}
	kfree(path);
	return err;
}

/* The target of a *at() call taking AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH only. */
static int at_target(int dirfd, const char __user *path, int flags, struct inode **ino)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return sys_inode_at(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), flags & AT_EMPTY_PATH,
			    ino);
}

/* Stores a and drops the caller's reference: through the filesystem when it keeps the
 * attributes itself (a disk; -EROFS on a read-only mount), else on the inode (ramfs). */
static long set_attr(struct inode *ino, struct iattr *a)
{
	long r = 0;

	a->ctime_ns = vfs_now_ns();
	if (ino->iops && ino->iops->setattr) {
		r = ino->sb && (ino->sb->flags & MS_RDONLY) ? -EROFS : ino->iops->setattr(ino, a);
	} else {
		if (a->valid & ATTR_MODE)
			WRITE_ONCE(ino->mode, (ino->mode & S_IFMT) | (a->mode & 07777));
		if (a->valid & ATTR_UID)
			WRITE_ONCE(ino->uid, a->uid);
		if (a->valid & ATTR_GID)
			WRITE_ONCE(ino->gid, a->gid);
		if (a->valid & ATTR_ATIME)
			WRITE_ONCE(ino->atime_ns, a->atime_ns);
		if (a->valid & ATTR_MTIME)
			WRITE_ONCE(ino->mtime_ns, a->mtime_ns);
		WRITE_ONCE(ino->ctime_ns, a->ctime_ns);
	}
	inode_put(ino);
	return r;
}

/* ---- chmod ---- */

static long set_mode(struct inode *ino, uint32_t mode)
{
	struct iattr a = { .valid = ATTR_MODE, .mode = mode };
	struct cred c;
	int err;

	cred_current(&c);
	if ((err = perm_chmod(ino, &a.mode, &c))) {
		inode_put(ino);
		return err;
	}
	return set_attr(ino, &a);
}

static long do_fchmodat(int dirfd, const char __user *path, uint32_t mode, int flags)
{
	struct inode *ino;
	int err = at_target(dirfd, path, flags, &ino);

	if (err)
		return err;
	if (S_ISLNK(ino->mode)) {	/* Linux: a symlink's mode cannot be changed */
		inode_put(ino);
		return -EOPNOTSUPP;
	}
	return set_mode(ino, mode);
}

SYSCALL2(chmod, const char __user *, path, uint32_t, mode)
{
	return do_fchmodat(AT_FDCWD, path, mode, 0);
}

SYSCALL3(fchmodat, int, dirfd, const char __user *, path, uint32_t, mode)
{
	return do_fchmodat(dirfd, path, mode, 0);
}

SYSCALL4(fchmodat2, int, dirfd, const char __user *, path, uint32_t, mode, int, flags)
{
	return do_fchmodat(dirfd, path, mode, flags);
}

SYSCALL2(fchmod, int, fd, uint32_t, mode)
{
	struct inode *ino;
	int err = fd_inode(fd, &ino);

	return err ? err : set_mode(ino, mode);
}

/* ---- chown ---- */

static long chown_ids(struct inode *ino, uint32_t uid, uint32_t gid)
{
	struct iattr a = { .valid = 0 };
	struct cred c;
	int err;

	cred_current(&c);
	if ((err = perm_chown(ino, uid, gid, &c, &a))) {
		inode_put(ino);
		return err;
	}
	return set_attr(ino, &a);
}

static long do_fchownat(int dirfd, const char __user *path, uint32_t uid, uint32_t gid,
			int flags)
{
	struct inode *ino;
	int err = at_target(dirfd, path, flags, &ino);

	return err ? err : chown_ids(ino, uid, gid);
}

SYSCALL3(chown, const char __user *, path, uint32_t, uid, uint32_t, gid)
{
	return do_fchownat(AT_FDCWD, path, uid, gid, 0);
}

SYSCALL3(lchown, const char __user *, path, uint32_t, uid, uint32_t, gid)
{
	return do_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

SYSCALL5(fchownat, int, dirfd, const char __user *, path, uint32_t, uid, uint32_t, gid,
	 int, flags)
{
	return do_fchownat(dirfd, path, uid, gid, flags);
}

SYSCALL3(fchown, int, fd, uint32_t, uid, uint32_t, gid)
{
	struct inode *ino;
	int err = fd_inode(fd, &ino);

	return err ? err : chown_ids(ino, uid, gid);
}

/* ---- utimensat ---- */

struct k_timespec64 {
	int64_t sec;
	int64_t nsec;
};

/* The new time for one slot: *set false for UTIME_OMIT. -EINVAL for a bad nsec. */
static int utime_value(const struct k_timespec64 *ts, uint64_t now, uint64_t *out, bool *set)
{
	*set = true;
	if (!ts || ts->nsec == UTIME_NOW) {
		*out = now;
		return 0;
	}
	if (ts->nsec == UTIME_OMIT) {
		*set = false;
		return 0;
	}
	if (ts->nsec < 0 || ts->nsec >= (int64_t)NSEC_PER_SEC || ts->sec < 0)
		return -EINVAL;
	*out = (uint64_t)ts->sec * NSEC_PER_SEC + (uint64_t)ts->nsec;
	return 0;
}

/* Both times "now" (NULL, or UTIME_NOW twice) needs write permission; other values need
 * ownership (UTIME_OMIT twice changes nothing and needs neither). */
static int utimes_perm(struct inode *ino, const struct k_timespec64 *ts)
{
	struct cred c;

	if (ts && ts[0].nsec == UTIME_OMIT && ts[1].nsec == UTIME_OMIT)
		return 0;
	cred_current(&c);
	return perm_utimes(ino, ts && (ts[0].nsec != UTIME_NOW || ts[1].nsec != UTIME_NOW), &c);
}

SYSCALL4(utimensat, int, dirfd, const char __user *, path,
	 const struct k_timespec64 __user *, utimes, int, flags)
{
	struct k_timespec64 ts[2];
	uint64_t now = vfs_now_ns(), at = 0, mt = 0;
	bool set_a, set_m;
	struct inode *ino;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (utimes && copy_from_user(ts, utimes, sizeof(ts)))
		return -EFAULT;
	if ((err = utime_value(utimes ? &ts[0] : NULL, now, &at, &set_a)) ||
	    (err = utime_value(utimes ? &ts[1] : NULL, now, &mt, &set_m)))
		return err;
	if (!path && dirfd == AT_FDCWD)
		return -EFAULT;		/* futimens needs a real fd */
	err = sys_inode_at(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW),
			   !path || (flags & AT_EMPTY_PATH), &ino);
	if (err)
		return err;
	if ((err = utimes_perm(ino, utimes ? ts : NULL))) {
		inode_put(ino);
		return err;
	}
	struct iattr a = { .valid = (set_a ? ATTR_ATIME : 0) | (set_m ? ATTR_MTIME : 0),
			   .atime_ns = at, .mtime_ns = mt };

	return set_attr(ino, &a);
}

/* ---- statx ---- */

struct k_statx_ts {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};

struct k_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct k_statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint32_t dio_mem_align, dio_offset_align;
	uint64_t spare[12];
};
_Static_assert(sizeof(struct k_statx) == 256, "struct statx is 256 bytes");

#define STATX_BASIC_STATS	0x7ffu
#define STATX__RESERVED		0x80000000u

static void statx_ts(struct k_statx_ts *t, uint64_t sec, uint64_t nsec)
{
	t->sec = (int64_t)sec;
	t->nsec = (uint32_t)nsec;
}

SYSCALL5(statx, int, dirfd, const char __user *, path, int, flags, uint32_t, mask,
	 struct k_statx __user *, buf)
{
	struct k_statx sx;
	struct kstat st;
	struct inode *ino;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
		return -EINVAL;
	err = sys_inode_at(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), flags & AT_EMPTY_PATH,
			   &ino);
	if (err)
		return err;
	inode_stat(ino, &st);
	inode_put(ino);
	memset(&sx, 0, sizeof(sx));
	sx.mask = STATX_BASIC_STATS;	/* no birth time */
	sx.blksize = (uint32_t)st.st_blksize;
	sx.nlink = (uint32_t)st.st_nlink;
	sx.uid = st.st_uid;
	sx.gid = st.st_gid;
	sx.mode = (uint16_t)st.st_mode;
	sx.ino = st.st_ino;
	sx.size = (uint64_t)st.st_size;
	sx.blocks = (uint64_t)st.st_blocks;
	statx_ts(&sx.atime, st.st_atime_sec, st.st_atime_nsec);
	statx_ts(&sx.mtime, st.st_mtime_sec, st.st_mtime_nsec);
	statx_ts(&sx.ctime, st.st_ctime_sec, st.st_ctime_nsec);
	sx.rdev_major = (uint32_t)(st.st_rdev >> 8) & 0xfff;
	sx.rdev_minor = (uint32_t)(st.st_rdev & 0xff);
	sx.dev_major = (uint32_t)(st.st_dev >> 8) & 0xfff;
	sx.dev_minor = (uint32_t)(st.st_dev & 0xff);
	return copy_to_user(buf, &sx, sizeof(sx)) ? -EFAULT : 0;
}
