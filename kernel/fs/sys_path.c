/*
 * fs/sys_path.c — syscalls on names: stat family, getcwd/chdir, mkdir, unlink, rmdir,
 * rename, symlink, readlink, access, umask.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/proc.h>
#include <keel/syscall.h>

/* Runs op(base, path, arg) for a user path relative to dirfd. */
typedef long (*path_op)(struct inode *base, const char *path, void *arg);

static long with_path(int dirfd, const char __user *upath, path_op op, void *arg)
{
	struct inode *base;
	char *path;
	long r;

	if ((r = sys_get_path(upath, &path)) != 0)
		return r;
	if ((r = sys_at_base(dirfd, &base)) == 0) {
		r = op(base, path, arg);
		sys_put_base(base);
	}
	kfree(path);
	return r;
}

/* ---- stat ---- */

struct stat_arg {
	struct kstat __user *ubuf;
	bool follow;
};

static long put_stat(struct inode *ino, struct kstat __user *ubuf)
{
	struct kstat st;

	inode_stat(ino, &st);
	return copy_to_user(ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

static long stat_op(struct inode *base, const char *path, void *arg)
{
	struct stat_arg *a = arg;
	struct inode *ino;
	long r = vfs_lookup(base, path, a->follow ? LOOKUP_FOLLOW : 0, &ino);

	if (r)
		return r;
	r = put_stat(ino, a->ubuf);
	inode_put(ino);
	return r;
}

SYSCALL2(stat, const char __user *, path, struct kstat __user *, buf)
{
	struct stat_arg a = { buf, true };

	return with_path(AT_FDCWD, path, stat_op, &a);
}

SYSCALL2(lstat, const char __user *, path, struct kstat __user *, buf)
{
	struct stat_arg a = { buf, false };

	return with_path(AT_FDCWD, path, stat_op, &a);
}

SYSCALL2(fstat, int, fd, struct kstat __user *, buf)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = put_stat(f->ino, buf);
	file_put(f);
	return r;
}

/* AT_EMPTY_PATH with "": dirfd itself (the cwd for AT_FDCWD). */
static long fstatat_empty(int dirfd, const char __user *upath, struct kstat __user *buf)
{
	struct inode *ino;
	char c;
	long r;

	if (copy_from_user(&c, upath, 1))
		return -EFAULT;
	if (c)
		return 1;		/* not empty: the normal path */
	if (dirfd == AT_FDCWD) {
		ino = vfs_cwd();
	} else {
		struct file *f = fd_get_file(dirfd);

		if (!f)
			return -EBADF;
		ino = f->ino;
		inode_get(ino);
		file_put(f);
	}
	r = put_stat(ino, buf);
	inode_put(ino);
	return r;
}

SYSCALL4(newfstatat, int, dirfd, const char __user *, path, struct kstat __user *, buf,
	 int, flags)
{
	struct stat_arg a = { buf, !(flags & AT_SYMLINK_NOFOLLOW) };
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH) && (r = fstatat_empty(dirfd, path, buf)) != 1)
		return r;
	return with_path(dirfd, path, stat_op, &a);
}

/* ---- cwd ---- */

SYSCALL2(getcwd, char __user *, ubuf, size_t, size)
{
	struct inode *cwd = vfs_cwd();
	size_t n = MIN(size, (size_t)PATH_MAX);
	char *buf = kmalloc(PATH_MAX);
	long r;

	if (!buf)
		r = -ENOMEM;
	else if ((r = vfs_path_of(cwd, buf, n)) > 0 && copy_to_user(ubuf, buf, (size_t)r))
		r = -EFAULT;
	kfree(buf);
	inode_put(cwd);
	return r;
}

/* Makes dir (counted, given to the process) the cwd: it needs search permission. */
static long set_cwd(struct inode *dir)
{
	struct proc *p = proc_current();
	struct cred c;
	long r;

	if (!S_ISDIR(dir->mode)) {
		inode_put(dir);
		return -ENOTDIR;
	}
	cred_current(&c);
	if ((r = perm_inode(dir, MAY_EXEC, &c))) {
		inode_put(dir);
		return r;
	}
	if (!p) {
		inode_put(dir);
		return -EINVAL;
	}
	fs_set_cwd(p->fs, dir);
	return 0;
}

static long chdir_op(struct inode *base, const char *path, void *arg)
{
	struct inode *d;
	long r = vfs_lookup(base, path, LOOKUP_FOLLOW | LOOKUP_DIR, &d);

	return r ? r : set_cwd(d);
}

SYSCALL1(chdir, const char __user *, path)
{
	return with_path(AT_FDCWD, path, chdir_op, NULL);
}

SYSCALL1(fchdir, int, fd)
{
	struct file *f = fd_get_file(fd);
	struct inode *d;

	if (!f)
		return -EBADF;
	d = f->ino;
	inode_get(d);
	file_put(f);
	return set_cwd(d);
}

/* ---- creating and removing ---- */

static long mkdir_op(struct inode *base, const char *path, void *arg)
{
	uint32_t mode = *(uint32_t *)arg & ~vfs_umask();

	return vfs_mkdir(base, path, mode & 07777);
}

SYSCALL2(mkdir, const char __user *, path, uint32_t, mode)
{
	return with_path(AT_FDCWD, path, mkdir_op, &mode);
}

SYSCALL3(mkdirat, int, dirfd, const char __user *, path, uint32_t, mode)
{
	return with_path(dirfd, path, mkdir_op, &mode);
}

static long unlink_op(struct inode *base, const char *path, void *arg)
{
	return *(int *)arg & AT_REMOVEDIR ? vfs_rmdir(base, path) : vfs_unlink(base, path);
}

SYSCALL1(unlink, const char __user *, path)
{
	int flags = 0;

	return with_path(AT_FDCWD, path, unlink_op, &flags);
}

SYSCALL1(rmdir, const char __user *, path)
{
	int flags = AT_REMOVEDIR;

	return with_path(AT_FDCWD, path, unlink_op, &flags);
}

SYSCALL3(unlinkat, int, dirfd, const char __user *, path, int, flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return with_path(dirfd, path, unlink_op, &flags);
}

struct two_paths {
	int newdirfd;
	const char __user *unew;
	char *target;
};

static long rename_op(struct inode *obase, const char *old, void *arg)
{
	struct two_paths *t = arg;
	struct inode *nbase;
	char *new_;
	long r;

	if ((r = sys_get_path(t->unew, &new_)) != 0)
		return r;
	if ((r = sys_at_base(t->newdirfd, &nbase)) == 0) {
		r = vfs_rename(obase, old, nbase, new_);
		sys_put_base(nbase);
	}
	kfree(new_);
	return r;
}

SYSCALL2(rename, const char __user *, old, const char __user *, new_)
{
	struct two_paths t = { AT_FDCWD, new_, NULL };

	return with_path(AT_FDCWD, old, rename_op, &t);
}

SYSCALL4(renameat, int, olddirfd, const char __user *, old, int, newdirfd,
	 const char __user *, new_)
{
	struct two_paths t = { newdirfd, new_, NULL };

	return with_path(olddirfd, old, rename_op, &t);
}

static long symlink_op(struct inode *base, const char *path, void *arg)
{
	return vfs_symlink(base, arg, path);
}

static long do_symlinkat(const char __user *utarget, int dirfd, const char __user *path)
{
	char *target;
	long r;

	if ((r = sys_get_path(utarget, &target)) != 0)
		return r;
	r = with_path(dirfd, path, symlink_op, target);
	kfree(target);
	return r;
}

SYSCALL2(symlink, const char __user *, target, const char __user *, path)
{
	return do_symlinkat(target, AT_FDCWD, path);
}

SYSCALL3(symlinkat, const char __user *, target, int, dirfd, const char __user *, path)
{
	return do_symlinkat(target, dirfd, path);
}

/* ---- readlink, access, umask ---- */

struct readlink_arg {
	char __user *ubuf;
	size_t size;
};

static long readlink_op(struct inode *base, const char *path, void *arg)
{
	struct readlink_arg *a = arg;
	size_t n = MIN(a->size, (size_t)PATH_MAX);
	char *buf = kmalloc(n);
	long r;

	if (!buf)
		return -ENOMEM;
	r = vfs_readlink(base, path, buf, n);
	if (r > 0 && copy_to_user(a->ubuf, buf, (size_t)r))
		r = -EFAULT;
	kfree(buf);
	return r;
}

static long do_readlinkat(int dirfd, const char __user *path, char __user *buf, int size)
{
	struct readlink_arg a = { buf, (size_t)size };

	if (size <= 0)
		return -EINVAL;
	return with_path(dirfd, path, readlink_op, &a);
}

SYSCALL3(readlink, const char __user *, path, char __user *, buf, int, size)
{
	return do_readlinkat(AT_FDCWD, path, buf, size);
}

SYSCALL4(readlinkat, int, dirfd, const char __user *, path, char __user *, buf,
	 int, size)
{
	return do_readlinkat(dirfd, path, buf, size);
}

struct access_arg {
	int mode;
	bool follow;
	struct cred cred;
};

static long access_op(struct inode *base, const char *path, void *arg)
{
	const struct access_arg *a = arg;

	return vfs_access(base, path, a->mode, a->follow, &a->cred);
}

#define ACCESS_MODES	7	/* R_OK | W_OK | X_OK (F_OK is 0) */

static long do_faccessat(int dirfd, const char __user *path, int mode, int flags)
{
	struct access_arg a = { .mode = mode, .follow = !(flags & AT_SYMLINK_NOFOLLOW) };

	if (mode & ~ACCESS_MODES || flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	cred_current(&a.cred);
	if (!(flags & AT_EACCESS)) {	/* access(2) asks for the real ids */
		a.cred.fsuid = a.cred.uid;
		a.cred.fsgid = a.cred.gid;
	}
	return with_path(dirfd, path, access_op, &a);
}

SYSCALL2(access, const char __user *, path, int, mode)
{
	return do_faccessat(AT_FDCWD, path, mode, 0);
}

SYSCALL3(faccessat, int, dirfd, const char __user *, path, int, mode)
{
	return do_faccessat(dirfd, path, mode, 0);
}

SYSCALL4(faccessat2, int, dirfd, const char __user *, path, int, mode, int, flags)
{
	return do_faccessat(dirfd, path, mode, flags);
}

SYSCALL1(umask, uint32_t, mask)
{
	return vfs_umask_swap(mask);
}
