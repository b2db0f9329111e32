/*
 * fs/sys_util.c — what every file syscall needs: user paths, *at() base directories, and
 * anonymous files (epoll, eventfd, timerfd) installed at a new fd.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>

int sys_get_path(const char __user *upath, char **out)
{
	char *buf = kmalloc(PATH_MAX);
	long n;

	if (!buf)
		return -ENOMEM;
	n = strncpy_from_user(buf, upath, PATH_MAX);
	if (n <= 0) {
		kfree(buf);
		return n < 0 ? (int)n : -ENOENT;
	}
	*out = buf;
	return 0;
}

int sys_at_base(int dirfd, struct inode **base)
{
	struct file *f;

	*base = NULL;
	if (dirfd == AT_FDCWD)
		return 0;
	f = fd_get_file(dirfd);
	if (!f)
		return -EBADF;
	if (!f->ino || !S_ISDIR(f->ino->mode)) {
		file_put(f);
		return -ENOTDIR;
	}
	inode_get(f->ino);
	*base = f->ino;
	file_put(f);
	return 0;
}

void sys_put_base(struct inode *base)
{
	if (base)
		inode_put(base);
}

struct file *anon_file_new(const struct file_ops *ops, void *priv, unsigned flags)
{
	struct inode *ino = inode_new(0600, NULL, ops);
	struct file *f = ino ? file_alloc(ino, flags, ops) : NULL;

	if (ino)
		inode_put(ino);			/* the file holds it */
	if (f)
		f->priv = priv;
	return f;
}

int fd_install_current(struct file *f, bool cloexec)
{
	struct files *fs = files_current();
	int fd = fs ? fd_install(fs, f, 0, cloexec) : -EBADF;

	if (fd < 0)
		file_put(f);
	if (fs)
		files_put(fs);
	return fd;
}
