/*
 * fs/sys_open.c — opening, closing and duplicating fds: open, openat, creat, close, dup*,
 * pipe, pipe2, fcntl, getdents64.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/proc.h>
#include <keel/syscall.h>

#define OPEN_FLAGS_KNOWN	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
				 O_NONBLOCK | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | \
				 O_CLOEXEC | 010000 /* O_DSYNC */ | 04000000 /* O_SYNC */ | \
				 01000000 /* O_NOATIME */)

static long do_openat(int dirfd, const char __user *upath, unsigned flags, uint32_t mode)
{
	struct inode *base;
	struct files *fs;
	struct file *f;
	char *path;
	long r;

	if ((r = sys_get_path(upath, &path)) != 0)
		return r;
	if ((r = sys_at_base(dirfd, &base)) != 0) {
		kfree(path);
		return r;
	}
	flags &= OPEN_FLAGS_KNOWN;
	r = vfs_open(base, path, flags, mode & ~vfs_umask() & 07777, &f);
	sys_put_base(base);
	kfree(path);
	if (r)
		return r;
	fs = files_current();
	r = fs ? fd_install(fs, f, 0, flags & O_CLOEXEC) : -EBADF;
	if (fs)
		files_put(fs);
	if (r < 0)
		file_put(f);
	return r;
}

SYSCALL3(open, const char __user *, path, int, flags, uint32_t, mode)
{
	return do_openat(AT_FDCWD, path, (unsigned)flags, mode);
}

SYSCALL4(openat, int, dirfd, const char __user *, path, int, flags, uint32_t, mode)
{
	return do_openat(dirfd, path, (unsigned)flags, mode);
}

SYSCALL2(creat, const char __user *, path, uint32_t, mode)
{
	return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

SYSCALL1(close, int, fd)
{
	struct files *fs = files_current();
	long r = fs ? fd_close(fs, fd) : -EBADF;

	if (fs)
		files_put(fs);
	return r;
}

/* newfd < 0: the lowest free fd >= min; else exactly newfd. */
static long do_dup(int oldfd, int newfd, int min, bool cloexec)
{
	struct files *fs = files_current();
	struct file *f = fs ? files_get_file(fs, oldfd) : NULL;
	long r;

	if (!f) {
		r = -EBADF;
	} else {
		r = newfd < 0 ? fd_install(fs, f, min, cloexec) :
				fd_install_at(fs, newfd, f, cloexec);
		if (r < 0)
			file_put(f);
	}
	if (fs)
		files_put(fs);
	return r;
}

SYSCALL1(dup, int, fd)
{
	return do_dup(fd, -1, 0, false);
}

SYSCALL2(dup2, int, oldfd, int, newfd)
{
	if (oldfd == newfd) {
		struct file *f = fd_get_file(oldfd);

		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return newfd < 0 ? -EBADF : do_dup(oldfd, newfd, 0, false);
}

SYSCALL3(dup3, int, oldfd, int, newfd, int, flags)
{
	if ((flags & ~O_CLOEXEC) || oldfd == newfd)
		return -EINVAL;
	return newfd < 0 ? -EBADF : do_dup(oldfd, newfd, 0, flags & O_CLOEXEC);
}

static long fcntl_setfl(struct file *f, unsigned long arg)
{
	unsigned old, nw;

	do {
		old = READ_ONCE(f->flags);
		nw = (old & ~(unsigned)O_SETFL_MASK) | ((unsigned)arg & O_SETFL_MASK);
	} while (!__atomic_compare_exchange_n(&f->flags, &old, nw, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return 0;
}

SYSCALL3(fcntl, int, fd, int, cmd, unsigned long, arg)
{
	struct files *fs = files_current();
	struct file *f = fs ? files_get_file(fs, fd) : NULL;
	long r;

	if (!f) {
		r = -EBADF;
		goto out;
	}
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		r = arg >= fd_limit() ? -EINVAL : do_dup(fd, -1, (int)arg, cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		r = fd_get_cloexec(fs, fd);
		break;
	case F_SETFD:
		r = fd_set_cloexec(fs, fd, arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		r = READ_ONCE(f->flags);
		break;
	case F_SETFL:
		r = fcntl_setfl(f, arg);
		break;
	default:
		r = -EINVAL;
	}
	file_put(f);
out:
	if (fs)
		files_put(fs);
	return r;
}

static long do_pipe(int __user *ufds, int flags)
{
	struct files *fs;
	struct file *rd, *wr;
	int fds[2];
	long r;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!(fs = files_current()))
		return -EBADF;
	if ((r = pipe_create(&rd, &wr)) != 0)
		goto out;
	rd->flags |= flags & O_NONBLOCK;
	wr->flags |= flags & O_NONBLOCK;
	fds[0] = fd_install(fs, rd, 0, flags & O_CLOEXEC);
	fds[1] = fds[0] < 0 ? -EMFILE : fd_install(fs, wr, 0, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(fs, fds[0]);
		else
			file_put(rd);
		file_put(wr);
		r = -EMFILE;
	} else if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(fs, fds[0]);
		fd_close(fs, fds[1]);
		r = -EFAULT;
	}
out:
	files_put(fs);
	return r;
}

SYSCALL1(pipe, int __user *, fds)
{
	return do_pipe(fds, 0);
}

SYSCALL2(pipe2, int __user *, fds, int, flags)
{
	return do_pipe(fds, flags);
}

SYSCALL3(getdents64, int, fd, void __user *, dirp, unsigned, count)
{
	struct file *f = fd_get_file(fd);
	size_t n = MIN((size_t)count, (size_t)32768);
	void *buf;
	long r;

	if (!f)
		return -EBADF;
	buf = kmalloc(n ? n : 1);
	if (!buf)
		r = -ENOMEM;
	else if (!user_range_ok(dirp, count))
		r = -EFAULT;
	else if ((r = file_getdents(f, buf, n)) > 0 && copy_to_user(dirp, buf, (size_t)r))
		r = -EFAULT;
	kfree(buf);
	file_put(f);
	return r;
}
