/*
 * fs/sys_mount.c — syscalls on whole filesystems: mount, umount2, sync, syncfs, fsync,
 * fdatasync, statfs, fstatfs; and link/linkat, which need the filesystem's help.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/syscall.h>

#define FSTYPE_MAX	32

SYSCALL5(mount, const char __user *, usource, const char __user *, utarget,
	 const char __user *, utype, unsigned long, flags, const void __user *, data)
{
	char type[FSTYPE_MAX], *source = NULL, *target = NULL;
	long r, n;

	if (flags & ~(unsigned long)(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
				     MS_SYNCHRONOUS | MS_SILENT | 0xc0ed0000ul))
		return -EINVAL;		/* remount, bind, move...: not supported */
	if (!utype)
		return -EFAULT;
	n = strncpy_from_user(type, utype, sizeof(type));
	if (n < 0)
		return n;
	if (n == 0 || n >= (long)sizeof(type))
		return -ENODEV;
	if ((r = sys_get_path(usource, &source)) || (r = sys_get_path(utarget, &target)))
		goto out;
	r = vfs_mount(source, target, type, flags & 0xffff);
out:
	kfree(source);
	kfree(target);
	return r;
}

SYSCALL2(umount2, const char __user *, utarget, int, flags)
{
	char *target;
	long r = sys_get_path(utarget, &target);

	if (r)
		return r;
	r = vfs_umount(target, flags);
	kfree(target);
	return r;
}

SYSCALL0(sync)
{
	vfs_sync_all();
	return 0;
}

static long on_fd(int fd, int (*op)(struct inode *ino, bool arg), bool arg)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = f->ino ? op(f->ino, arg) : -EINVAL;
	file_put(f);
	return r;
}

static int syncfs_op(struct inode *ino, bool unused)
{
	return vfs_syncfs(ino);
}

SYSCALL1(syncfs, int, fd)
{
	return on_fd(fd, syncfs_op, false);
}

SYSCALL1(fsync, int, fd)
{
	return on_fd(fd, vfs_fsync, false);
}

SYSCALL1(fdatasync, int, fd)
{
	return on_fd(fd, vfs_fsync, true);
}

static long put_statfs(struct inode *ino, struct kstatfs __user *ubuf)
{
	struct kstatfs st;

	vfs_statfs(ino, &st);
	return copy_to_user(ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

SYSCALL2(statfs, const char __user *, upath, struct kstatfs __user *, buf)
{
	struct inode *ino;
	char *path;
	long r = sys_get_path(upath, &path);

	if (r)
		return r;
	r = vfs_lookup(NULL, path, LOOKUP_FOLLOW, &ino);
	kfree(path);
	if (r)
		return r;
	r = put_statfs(ino, buf);
	inode_put(ino);
	return r;
}

SYSCALL2(fstatfs, int, fd, struct kstatfs __user *, buf)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = f->ino ? put_statfs(f->ino, buf) : -EINVAL;
	file_put(f);
	return r;
}

static long link_at(int olddirfd, const char __user *uold, int newdirfd,
		    const char __user *unew, int flags)
{
	struct inode *obase = NULL, *nbase = NULL;
	char *old = NULL, *new_ = NULL;
	long r;

	if (flags & ~AT_SYMLINK_FOLLOW)
		return -EINVAL;
	if ((r = sys_get_path(uold, &old)) || (r = sys_get_path(unew, &new_)))
		goto out;
	if ((r = sys_at_base(olddirfd, &obase)) || (r = sys_at_base(newdirfd, &nbase)))
		goto out;
	r = vfs_link(obase, old, nbase, new_, flags & AT_SYMLINK_FOLLOW);
out:
	sys_put_base(obase);
	sys_put_base(nbase);
	kfree(old);
	kfree(new_);
	return r;
}

SYSCALL2(link, const char __user *, old, const char __user *, new_)
{
	return link_at(AT_FDCWD, old, AT_FDCWD, new_, 0);
}

SYSCALL5(linkat, int, olddirfd, const char __user *, old, int, newdirfd,
	 const char __user *, new_, int, flags)
{
	return link_at(olddirfd, old, newdirfd, new_, flags);
}
