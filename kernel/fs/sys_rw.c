/*
 * fs/sys_rw.c — read, write and friends: user buffers bounced through a kernel page.
 *
 * Data moves in PAGE_SIZE chunks between the user buffer and a kmalloc'd bounce page, so no
 * file lock is ever held across a user access (which may fault and sleep). A stream (pipe,
 * tty) is read with one chunk per call, so a read never sleeps again once it has data; writes
 * go on until everything is written or a chunk comes up short. A fault after some progress
 * returns the bytes moved so far, as Linux does.
 */
#include "internal.h"
#include <keel/net.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/proc.h>
#include <keel/socket.h>
#include <keel/syscall.h>

#define IOV_MAX		1024

struct iovec {
	void __user *base;
	size_t len;
};
_Static_assert(sizeof(struct iovec) == sizeof(struct kiov), "rw_iov takes the user's iovecs");

/* off < 0: at (and moving) the file offset; else positional. */
static ssize_t do_rw(struct file *f, void __user *ubuf, size_t n, bool write, int64_t off)
{
	char *buf;
	size_t done = 0;
	ssize_t r = 0;

	if (!user_range_ok(ubuf, n))
		return -EFAULT;
	if (!n)
		return write ? (file_writable(f) ? 0 : -EBADF) : (file_readable(f) ? 0 : -EBADF);
	buf = kmalloc(PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	while (done < n) {
		size_t chunk = MIN(n - done, (size_t)PAGE_SIZE);
		char __user *u = (char __user *)ubuf + done;

		if (write) {
			if (copy_from_user(buf, u, chunk)) {
				r = -EFAULT;
				break;
			}
			r = off < 0 ? file_write(f, buf, chunk) :
				      file_kwrite(f, buf, chunk, (uint64_t)off + done);
		} else {
			r = off < 0 ? file_read(f, buf, chunk) :
				      file_kread(f, buf, chunk, (uint64_t)off + done);
			if (r > 0 && copy_to_user(u, buf, (size_t)r))
				r = -EFAULT;
		}
		if (r <= 0)
			break;
		done += (size_t)r;
		if ((size_t)r < chunk || (!write && f->ops->stream))
			break;
	}
	kfree(buf);
	return done ? (ssize_t)done : r;
}

static long rw_fd(int fd, void __user *ubuf, size_t n, bool write, int64_t off)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	if ((int64_t)n < 0) {
		r = -EINVAL;
	} else if (f->ops->rw_iov && off < 0) {
		struct kiov v = { ubuf, n };

		r = f->ops->rw_iov(f, &v, 1, write, (f->flags & O_NONBLOCK) ? IO_NONBLOCK : 0);
	} else {
		r = do_rw(f, ubuf, n, write, off);
	}
	file_put(f);
	return r;
}

SYSCALL3(read, int, fd, void __user *, buf, size_t, count)
{
	return rw_fd(fd, buf, count, false, -1);
}

SYSCALL3(write, int, fd, const void __user *, buf, size_t, count)
{
	return rw_fd(fd, (void __user *)buf, count, true, -1);
}

SYSCALL4(pread64, int, fd, void __user *, buf, size_t, count, int64_t, off)
{
	return off < 0 ? -EINVAL : rw_fd(fd, buf, count, false, off);
}

SYSCALL4(pwrite64, int, fd, const void __user *, buf, size_t, count, int64_t, off)
{
	return off < 0 ? -EINVAL : rw_fd(fd, (void __user *)buf, count, true, off);
}

static long rw_vec(int fd, const struct iovec __user *uiov, int cnt, bool write)
{
	struct file *f;
	struct iovec *iov;
	size_t total = 0, bytes = sizeof(*iov) * (size_t)cnt;
	long r = 0, done = 0;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	if (!(f = fd_get_file(fd)))
		return -EBADF;
	iov = kmalloc(bytes ? bytes : 1);
	if (!iov || copy_from_user(iov, uiov, bytes)) {
		r = iov ? -EFAULT : -ENOMEM;
		goto out;
	}
	if (f->ops->rw_iov) {
		r = f->ops->rw_iov(f, (struct kiov *)iov, (unsigned)cnt, write,
				   (f->flags & O_NONBLOCK) ? IO_NONBLOCK : 0);
		goto out;
	}
	for (int i = 0; i < cnt; i++) {
		if (iov[i].len > (size_t)INT64_MAX - total) {
			r = -EINVAL;
			goto out;
		}
		total += iov[i].len;
	}
	for (int i = 0; i < cnt; i++) {
		if (!iov[i].len)
			continue;
		r = do_rw(f, iov[i].base, iov[i].len, write, -1);
		if (r > 0)
			done += r;
		if (r < (long)iov[i].len)
			break;
	}
out:
	kfree(iov);
	file_put(f);
	return done ? done : r;
}

SYSCALL3(readv, int, fd, const struct iovec __user *, iov, int, cnt)
{
	return rw_vec(fd, iov, cnt, false);
}

SYSCALL3(writev, int, fd, const struct iovec __user *, iov, int, cnt)
{
	return rw_vec(fd, iov, cnt, true);
}

/* sendfile(2): count bytes from in (at *uoff, which advances, or at in's offset) to out,
 * through a kernel page. Returns what was written; a short write ends the call (the bytes
 * read past it are given back: *uoff or in's offset moves only over what was written). */
static long do_sendfile(struct file *out, struct file *in, int64_t __user *uoff, size_t count)
{
	char *buf = kmalloc(PAGE_SIZE);
	int64_t off = -1;
	size_t done = 0;
	ssize_t r = 0, w = 0;

	if (!buf)
		return -ENOMEM;
	if (uoff && (copy_from_user(&off, uoff, sizeof(off)) || off < 0)) {
		kfree(buf);
		return off < 0 && off != -1 ? -EINVAL : -EFAULT;
	}
	while (done < count) {
		size_t chunk = MIN(count - done, (size_t)PAGE_SIZE);

		r = uoff ? file_kread(in, buf, chunk, (uint64_t)off + done) :
			   file_read(in, buf, chunk);
		if (r <= 0)
			break;
		w = file_write(out, buf, (size_t)r);
		if (w > 0)
			done += (size_t)w;
		if (w != r) {
			if (!uoff)
				file_lseek(in, -(int64_t)(r - MAX(w, (ssize_t)0)), SEEK_CUR);
			break;
		}
		if (signal_pending())
			break;
	}
	kfree(buf);
	if (uoff && put_user_u64((uint64_t *)uoff, (uint64_t)off + done))
		return -EFAULT;
	return done ? (long)done : (w < 0 ? w : r);
}

SYSCALL4(sendfile, int, out_fd, int, in_fd, int64_t __user *, offset, size_t, count)
{
	struct file *in = fd_get_file(in_fd), *out = fd_get_file(out_fd);
	long r = -EBADF;

	if (in && out && file_readable(in) && file_writable(out))
		r = in->ops->stream && offset ? -ESPIPE : do_sendfile(out, in, offset, count);
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return r;
}

SYSCALL3(lseek, int, fd, int64_t, off, int, whence)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = file_lseek(f, off, whence);
	file_put(f);
	return r;
}

SYSCALL2(ftruncate, int, fd, int64_t, len)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = len < 0 ? -EINVAL : file_truncate(f, (uint64_t)len);
	file_put(f);
	return r;
}

SYSCALL2(truncate, const char __user *, upath, int64_t, len)
{
	struct file *f;
	char *path;
	long r;

	if (len < 0)
		return -EINVAL;
	if ((r = sys_get_path(upath, &path)) != 0)
		return r;
	r = vfs_open(NULL, path, O_WRONLY, 0, &f);
	kfree(path);
	if (r)
		return r;
	r = file_truncate(f, (uint64_t)len);
	file_put(f);
	return r;
}

/* ---- ioctl: the argument size and direction of each command keel knows ---- */

struct ioctl_arg {
	unsigned cmd;
	uint8_t size;
	bool in, out;
};

static const struct ioctl_arg ioctl_args[] = {
	{ TCGETS, sizeof(struct termios), false, true },
	{ TCSETS, sizeof(struct termios), true, false },
	{ TCSETSW, sizeof(struct termios), true, false },
	{ TCSETSF, sizeof(struct termios), true, false },
	{ TIOCGWINSZ, sizeof(struct winsize), false, true },
	{ TIOCSWINSZ, sizeof(struct winsize), true, false },
	{ TIOCGPGRP, sizeof(int), false, true },
	{ TIOCSPGRP, sizeof(int), true, false },
	{ FIONREAD, sizeof(int), false, true },
	{ SIOCGIFCONF, 16, true, true },	/* struct ifconf; keel/net.h for these */
	{ SIOCGIFFLAGS, sizeof(struct ifreq), true, true },
	{ SIOCGIFADDR, sizeof(struct ifreq), true, true },
	{ SIOCGIFBRDADDR, sizeof(struct ifreq), true, true },
	{ SIOCGIFNETMASK, sizeof(struct ifreq), true, true },
	{ SIOCGIFMTU, sizeof(struct ifreq), true, true },
	{ SIOCGIFHWADDR, sizeof(struct ifreq), true, true },
	{ SIOCGIFINDEX, sizeof(struct ifreq), true, true },
	{ TIOCSCTTY, 0, false, false },
	{ TIOCNOTTY, 0, false, false },
};

/* Commands on the fd itself, whatever the file is. */
static long ioctl_generic(int fd, struct file *f, unsigned cmd, void __user *arg)
{
	struct files *fs;
	uint32_t on;
	long r;

	if (cmd == FIONBIO) {
		if (get_user_u32(&on, arg))
			return -EFAULT;
		if (on)
			__atomic_fetch_or(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&f->flags, ~(unsigned)O_NONBLOCK, __ATOMIC_RELAXED);
		return 0;
	}
	fs = files_current();
	r = fs ? fd_set_cloexec(fs, fd, cmd == FIOCLEX) : -EBADF;
	if (fs)
		files_put(fs);
	return r;
}

SYSCALL3(ioctl, int, fd, unsigned, cmd, void __user *, arg)
{
	struct file *f = fd_get_file(fd);
	const struct ioctl_arg *a = NULL;
	uint8_t kbuf[64];
	long r;

	if (!f)
		return -EBADF;
	for (size_t i = 0; i < ARRAY_SIZE(ioctl_args); i++)
		if (ioctl_args[i].cmd == cmd)
			a = &ioctl_args[i];
	if (cmd == FIONBIO || cmd == FIOCLEX || cmd == FIONCLEX)
		r = ioctl_generic(fd, f, cmd, arg);
	else if (!a || !f->ops->ioctl)
		r = -ENOTTY;
	else if (a->in && copy_from_user(kbuf, arg, a->size))
		r = -EFAULT;
	else if ((r = file_ioctl(f, cmd, kbuf)) == 0 && a->out && copy_to_user(arg, kbuf, a->size))
		r = -EFAULT;
	file_put(f);
	return r;
}
