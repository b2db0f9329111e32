/*
 * fs/file.c — open file objects: reference counting and I/O on kernel buffers.
 *
 * A struct file is shared by every fd that dup() or fork() made from one open(); it holds its
 * inode and the offset. pos_lock serializes offset-carrying calls (read, write, lseek,
 * getdents) of one file, as POSIX requires; it is not held by stream files (pipes, the tty),
 * whose reads may sleep for a long time and which have no offset. Positional calls (pread,
 * file_kread) take no file lock at all.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/signal.h>
#include <keel/string.h>

struct file *file_alloc(struct inode *ino, unsigned flags, const struct file_ops *ops)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->flags = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW |
			    O_LARGEFILE);
	f->ops = ops;
	f->ino = ino;
	if (ino)
		inode_get(ino);
	mutex_init(&f->pos_lock, "file pos");
	list_init(&f->ep_items);
	return f;
}

void file_get(struct file *f)
{
	int old = __atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);

	if (unlikely(old <= 0))
		panic("file_get: file %p has %d references", (void *)f, old);
}

void file_put(struct file *f)
{
	int old = __atomic_fetch_sub(&f->refs, 1, __ATOMIC_ACQ_REL);

	if (unlikely(old <= 0))
		panic("file_put: file %p put with %d references", (void *)f, old);
	if (old != 1)
		return;
	if (!list_empty(&f->ep_items))	/* no ADD can race: it holds a reference */
		epoll_file_release(f);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	if (f->ino)
		inode_put(f->ino);
	kfree(f);
}

bool file_readable(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

bool file_writable(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

uint64_t file_size(struct file *f)
{
	return f->ino ? READ_ONCE(f->ino->size) : 0;
}

static unsigned io_flags(struct file *f)
{
	return (READ_ONCE(f->flags) & O_NONBLOCK) ? IO_NONBLOCK : 0;
}

ssize_t file_read(struct file *f, void *buf, size_t n)
{
	ssize_t r;

	if (!file_readable(f) || !f->ops->read)
		return -EBADF;
	if (f->ops->stream) {
		uint64_t pos = 0;

		return f->ops->read(f, buf, n, &pos, io_flags(f));
	}
	mutex_lock(&f->pos_lock);
	r = f->ops->read(f, buf, n, &f->pos, io_flags(f));
	mutex_unlock(&f->pos_lock);
	return r;
}

ssize_t file_write(struct file *f, const void *buf, size_t n)
{
	ssize_t r;

	if (!file_writable(f) || !f->ops->write)
		return -EBADF;
	if (f->ops->stream) {
		uint64_t pos = 0;

		return f->ops->write(f, buf, n, &pos, io_flags(f));
	}
	mutex_lock(&f->pos_lock);
	r = f->ops->write(f, buf, n, &f->pos, io_flags(f));
	mutex_unlock(&f->pos_lock);
	return r;
}

int file_map_page(struct file *f, uint64_t off, bool fill, phys_addr_t *pa)
{
	if (!file_readable(f) || !f->ops->map_page || !IS_ALIGNED(off, PAGE_SIZE))
		return -EINVAL;
	return f->ops->map_page(f, off, fill, pa);
}

bool file_mappable(const struct file *f)
{
	return f->ops->map_page != NULL;
}

ssize_t file_kread(struct file *f, void *kbuf, size_t n, uint64_t off)
{
	if (!file_readable(f) || !f->ops->read)
		return -EBADF;
	if (f->ops->stream)
		return -ESPIPE;
	if ((int64_t)off < 0)
		return -EINVAL;
	return f->ops->read(f, kbuf, n, &off, io_flags(f));
}

/* pwrite ignores O_APPEND's seek on Linux only for the offset it reports; keel appends as
 * Linux does (the data goes to the end when O_APPEND is set). */
ssize_t file_kwrite(struct file *f, const void *kbuf, size_t n, uint64_t off)
{
	if (!file_writable(f) || !f->ops->write)
		return -EBADF;
	if (f->ops->stream)
		return -ESPIPE;
	if ((int64_t)off < 0)
		return -EINVAL;
	return f->ops->write(f, kbuf, n, &off, io_flags(f));
}

int64_t file_lseek(struct file *f, int64_t off, int whence)
{
	int64_t base, r;

	if (f->ops->stream)
		return -ESPIPE;
	mutex_lock(&f->pos_lock);
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	case SEEK_END: base = (int64_t)file_size(f); break;
	default: base = -1; break;
	}
	if (base < 0 || (off > 0 && base > INT64_MAX - off) || base + off < 0) {
		r = -EINVAL;
	} else {
		f->pos = (uint64_t)(base + off);
		r = base + off;
	}
	mutex_unlock(&f->pos_lock);
	return r;
}

/* As Linux: a file without a poll op is always ready both ways, whatever its open mode. */
unsigned file_poll(struct file *f, struct poll_table *pt)
{
	return f->ops->poll ? f->ops->poll(f, pt) : POLL_DEFAULT;
}

ssize_t vfs_fsize_allow(uint64_t pos, size_t n)
{
	struct proc *p = proc_current();
	uint64_t lim = p ? proc_rlimit_cur(p, RLIMIT_FSIZE) : RLIM_INFINITY;

	if (lim == RLIM_INFINITY || (pos <= lim && n <= lim - pos))
		return (ssize_t)n;
	if (pos >= lim) {
		struct uthread *ut = uthread_current();

		if (ut)
			signal_send_thread_info(ut, SIGXFSZ, NULL);
		return -EFBIG;
	}
	return (ssize_t)(lim - pos);
}

int file_truncate(struct file *f, uint64_t size)
{
	int r;

	if (!f->ino || S_ISDIR(f->ino->mode))
		return -EISDIR;
	if (!S_ISREG(f->ino->mode) || !file_writable(f))
		return -EINVAL;
	if (size > READ_ONCE(f->ino->size) && vfs_fsize_allow(size - 1, 1) < 0)
		return -EFBIG;
	r = inode_truncate(f->ino, size);
	return r == -EPERM ? -EINVAL : r;
}

/* A regular file's new size: ramfs's pages or the disk filesystem's truncate. */
int inode_truncate(struct inode *ino, uint64_t size)
{
	int r;

	if (ino->iops && ino->iops->truncate)
		return ino->sb && (ino->sb->flags & MS_RDONLY) ? -EROFS :
		       ino->iops->truncate(ino, size);
	if (ino->fops != &ramfs_reg_fops)
		return -EPERM;
	mutex_lock(&ino->lock);
	r = ramfs_truncate_locked(ino, size);
	mutex_unlock(&ino->lock);
	return r;
}

long file_ioctl(struct file *f, unsigned cmd, void *arg)
{
	return f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
}

/* ---- getdents64 ---- */

struct getdents_ctx {
	struct dir_ctx ctx;
	char *buf;
	size_t size, used;
	bool full;			/* an entry did not fit */
};

static bool getdents_emit(struct dir_ctx *ctx, const char *name, size_t len, uint64_t ino,
			  unsigned type, uint64_t next_pos)
{
	struct getdents_ctx *g = container_of(ctx, struct getdents_ctx, ctx);
	size_t reclen = ALIGN_UP(offsetof(struct linux_dirent64, d_name) + len + 1, 8);
	struct linux_dirent64 *d;

	if (g->size - g->used < reclen) {
		g->full = true;
		return false;
	}
	d = (struct linux_dirent64 *)(g->buf + g->used);
	memset(d, 0, reclen);
	d->d_ino = ino;
	d->d_off = (int64_t)next_pos;
	d->d_reclen = (uint16_t)reclen;
	d->d_type = (uint8_t)type;
	memcpy(d->d_name, name, len);
	g->used += reclen;
	ctx->pos = next_pos;
	return true;
}

ssize_t file_getdents(struct file *f, void *buf, size_t n)
{
	struct getdents_ctx g = { .ctx.emit = getdents_emit, .buf = buf, .size = n };
	int r;

	if (!f->ops->readdir)
		return -ENOTDIR;
	mutex_lock(&f->pos_lock);
	g.ctx.pos = f->pos;
	r = f->ops->readdir(f, &g.ctx);
	f->pos = g.ctx.pos;
	mutex_unlock(&f->pos_lock);
	if (r < 0)
		return r;
	if (!g.used && g.full)
		return -EINVAL;
	return (ssize_t)g.used;
}
