/*
 * fs/fdtable.c — per-process file descriptor tables (struct files).
 *
 * fd[i] is a counted reference to an open file or NULL; cloexec holds one bit per fd. The
 * table grows by doubling up to FILES_MAX slots. files->lock (a spinlock; kmalloc never
 * sleeps) guards every slot; a file taken out of a slot is put only after the lock is dropped,
 * because its release may sleep (a pipe end waking the other side, a mutex).
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/string.h>

#define FILES_INITIAL	64

static int files_alloc_slots(struct files *fs, unsigned cap)
{
	struct file **fd = kzalloc(cap * sizeof(*fd));
	uint64_t *ce = kzalloc(cap / 64 * sizeof(*ce));

	if (!fd || !ce) {
		kfree(fd);
		kfree(ce);
		return -ENOMEM;
	}
	if (fs->fd) {
		memcpy(fd, fs->fd, fs->cap * sizeof(*fd));
		memcpy(ce, fs->cloexec, fs->cap / 64 * sizeof(*ce));
	}
	kfree(fs->fd);
	kfree(fs->cloexec);
	fs->fd = fd;
	fs->cloexec = ce;
	fs->cap = cap;
	return 0;
}

static struct files *files_alloc(unsigned cap)
{
	struct files *fs = kzalloc(sizeof(*fs));

	if (!fs)
		return NULL;
	fs->refs = 1;
	spin_init(&fs->lock, "files");
	if (files_alloc_slots(fs, cap)) {
		kfree(fs);
		return NULL;
	}
	return fs;
}

struct files *files_new(void)
{
	return files_alloc(FILES_INITIAL);
}

struct files *files_clone(struct files *src)
{
	struct files *fs;
	unsigned cap;
	bool f;

	for (;;) {
		cap = READ_ONCE(src->cap);
		fs = files_alloc(cap);
		if (!fs)
			return NULL;
		f = spin_lock_irqsave(&src->lock);
		if (src->cap == cap)
			break;
		spin_unlock_irqrestore(&src->lock, f);	/* it grew meanwhile */
		files_put(fs);
	}
	for (unsigned i = 0; i < cap; i++)
		if ((fs->fd[i] = src->fd[i]) != NULL)
			file_get(fs->fd[i]);
	memcpy(fs->cloexec, src->cloexec, cap / 64 * sizeof(uint64_t));
	spin_unlock_irqrestore(&src->lock, f);
	return fs;
}

void files_get(struct files *fs)
{
	__atomic_fetch_add(&fs->refs, 1, __ATOMIC_RELAXED);
}

void files_put(struct files *fs)
{
	int old = __atomic_fetch_sub(&fs->refs, 1, __ATOMIC_ACQ_REL);

	if (unlikely(old <= 0))
		panic("files_put: table %p put with %d references", (void *)fs, old);
	if (old != 1)
		return;
	for (unsigned i = 0; i < fs->cap; i++)
		if (fs->fd[i])
			file_put(fs->fd[i]);
	kfree(fs->fd);
	kfree(fs->cloexec);
	kfree(fs);
}

static void set_cloexec_locked(struct files *fs, int fd, bool on)
{
	if (on)
		fs->cloexec[fd / 64] |= 1ULL << (fd % 64);
	else
		fs->cloexec[fd / 64] &= ~(1ULL << (fd % 64));
}

/* Takes the file out of slot fd (locked); the caller puts it after unlocking. */
static struct file *take_locked(struct files *fs, int fd)
{
	struct file *old = fs->fd[fd];

	fs->fd[fd] = NULL;
	set_cloexec_locked(fs, fd, false);
	return old;
}

void files_close_on_exec(struct files *fs)
{
	for (unsigned i = 0; i < READ_ONCE(fs->cap); i++) {
		struct file *old = NULL;
		bool f = spin_lock_irqsave(&fs->lock);

		if (i < fs->cap && (fs->cloexec[i / 64] >> (i % 64) & 1))
			old = take_locked(fs, (int)i);
		spin_unlock_irqrestore(&fs->lock, f);
		if (old)
			file_put(old);
	}
}

/* Grows the table (lock held, may drop nothing: kmalloc does not sleep) to hold fd. */
static int grow_locked(struct files *fs, unsigned fd)
{
	unsigned cap = fs->cap;

	if (fd >= FILES_MAX)
		return -EMFILE;
	while (cap <= fd)
		cap *= 2;
	return cap == fs->cap ? 0 : files_alloc_slots(fs, MIN(cap, (unsigned)FILES_MAX));
}

unsigned fd_limit(void)
{
	struct proc *p = proc_current();
	uint64_t lim = p ? proc_rlimit_cur(p, RLIMIT_NOFILE) : FILES_MAX;

	return lim < FILES_MAX ? (unsigned)lim : FILES_MAX;
}

int fd_install(struct files *fs, struct file *file, int min, bool cloexec)
{
	int lim = (int)fd_limit();
	bool f;
	int fd, r = -EMFILE;

	if (min < 0 || min >= FILES_MAX)
		return -EINVAL;
	f = spin_lock_irqsave(&fs->lock);
	for (fd = min; fd < lim; fd++) {
		if ((unsigned)fd >= fs->cap && (r = grow_locked(fs, (unsigned)fd)) != 0)
			break;
		if (!fs->fd[fd]) {
			fs->fd[fd] = file;
			set_cloexec_locked(fs, fd, cloexec);
			r = fd;
			break;
		}
	}
	spin_unlock_irqrestore(&fs->lock, f);
	return r;
}

int fd_install_at(struct files *fs, int fd, struct file *file, bool cloexec)
{
	struct file *old = NULL;
	bool f;
	int r;

	if (fd < 0 || (unsigned)fd >= fd_limit())
		return -EBADF;
	f = spin_lock_irqsave(&fs->lock);
	r = grow_locked(fs, (unsigned)fd);
	if (!r) {
		old = take_locked(fs, fd);
		fs->fd[fd] = file;
		set_cloexec_locked(fs, fd, cloexec);
	}
	spin_unlock_irqrestore(&fs->lock, f);
	if (old)
		file_put(old);
	return r ? r : fd;
}

int fd_close(struct files *fs, int fd)
{
	struct file *old = NULL;
	bool f;

	if (fd < 0)
		return -EBADF;
	f = spin_lock_irqsave(&fs->lock);
	if ((unsigned)fd < fs->cap)
		old = take_locked(fs, fd);
	spin_unlock_irqrestore(&fs->lock, f);
	if (!old)
		return -EBADF;
	file_put(old);
	return 0;
}

struct file *files_get_file(struct files *fs, int fd)
{
	struct file *file = NULL;
	bool f;

	if (fd < 0)
		return NULL;
	f = spin_lock_irqsave(&fs->lock);
	if ((unsigned)fd < fs->cap && (file = fs->fd[fd]) != NULL)
		file_get(file);
	spin_unlock_irqrestore(&fs->lock, f);
	return file;
}

int fd_get_cloexec(struct files *fs, int fd)
{
	bool f;
	int r = -EBADF;

	if (fd < 0)
		return -EBADF;
	f = spin_lock_irqsave(&fs->lock);
	if ((unsigned)fd < fs->cap && fs->fd[fd])
		r = (fs->cloexec[fd / 64] >> (fd % 64)) & 1;
	spin_unlock_irqrestore(&fs->lock, f);
	return r;
}

int fd_set_cloexec(struct files *fs, int fd, bool on)
{
	bool f;
	int r = -EBADF;

	if (fd < 0)
		return -EBADF;
	f = spin_lock_irqsave(&fs->lock);
	if ((unsigned)fd < fs->cap && fs->fd[fd]) {
		set_cloexec_locked(fs, fd, on);
		r = 0;
	}
	spin_unlock_irqrestore(&fs->lock, f);
	return r;
}

struct files *files_current(void)
{
	struct proc *p = proc_current();
	struct files *fs;
	bool f;

	if (!p)
		return NULL;
	f = spin_lock_irqsave(&p->lock);
	fs = p->files;
	if (fs)
		files_get(fs);
	spin_unlock_irqrestore(&p->lock, f);
	return fs;
}

struct file *fd_get_file(int fd)
{
	struct files *fs = files_current();
	struct file *file;

	if (!fs)
		return NULL;
	file = files_get_file(fs, fd);
	files_put(fs);
	return file;
}

int files_open_console(struct files *fs)
{
	struct file *f;
	int r = vfs_open(NULL, "/dev/console", O_RDWR, 0, &f);

	if (r)
		return r;
	tty_start();
	for (int fd = 0; fd < 3 && !r; fd++) {
		file_get(f);
		r = fd_install_at(fs, fd, f, false);
		if (r < 0)
			file_put(f);
		else
			r = 0;
	}
	file_put(f);
	return r;
}
