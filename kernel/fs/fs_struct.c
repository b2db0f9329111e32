/*
 * fs/fs_struct.c — a process's filesystem context (struct fs_struct): its cwd and umask.
 *
 * Linux's fs_struct: clone with CLONE_FS shares one between processes, so a chdir or umask in
 * one is seen by the other; fork copies it. The threads of a process always share their
 * process's. execve keeps it (shared or not), as Linux does. fs->lock (a spinlock) guards
 * the cwd pointer; the umask is one word swapped atomically. The cwd is never NULL: every
 * fs_struct holds a counted reference to a directory from creation until its last put.
 */
#include "internal.h"
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/proc.h>

struct fs_struct *fs_struct_new(struct inode *cwd, uint32_t umask)
{
	struct fs_struct *fs = kzalloc(sizeof(*fs));

	if (!fs)
		return NULL;
	fs->refs = 1;
	spin_init(&fs->lock, "fs_struct");
	inode_get(cwd);
	fs->cwd = cwd;
	fs->umask = umask;
	return fs;
}

struct fs_struct *fs_struct_copy(struct fs_struct *src)
{
	struct inode *cwd = fs_cwd(src);
	struct fs_struct *fs = fs_struct_new(cwd, READ_ONCE(src->umask));

	inode_put(cwd);
	return fs;
}

void fs_struct_get(struct fs_struct *fs)
{
	__atomic_fetch_add(&fs->refs, 1, __ATOMIC_RELAXED);
}

void fs_struct_put(struct fs_struct *fs)
{
	int old = __atomic_fetch_sub(&fs->refs, 1, __ATOMIC_ACQ_REL);

	if (unlikely(old <= 0))
		panic("fs_struct_put: %p put with %d references", (void *)fs, old);
	if (old != 1)
		return;
	inode_put(fs->cwd);
	kfree(fs);
}

struct inode *fs_cwd(struct fs_struct *fs)
{
	bool f = spin_lock_irqsave(&fs->lock);
	struct inode *c = fs->cwd;

	inode_get(c);
	spin_unlock_irqrestore(&fs->lock, f);
	return c;
}

void fs_set_cwd(struct fs_struct *fs, struct inode *dir)
{
	bool f = spin_lock_irqsave(&fs->lock);
	struct inode *old = fs->cwd;

	fs->cwd = dir;
	spin_unlock_irqrestore(&fs->lock, f);
	inode_put(old);			/* may sleep: outside the spinlock */
}

uint32_t vfs_umask(void)
{
	struct proc *p = proc_current();

	return p && p->fs ? READ_ONCE(p->fs->umask) : UMASK_DEFAULT;
}

uint32_t vfs_umask_swap(uint32_t mask)
{
	struct proc *p = proc_current();

	if (!p || !p->fs)
		return UMASK_DEFAULT;
	return __atomic_exchange_n(&p->fs->umask, mask & 0777, __ATOMIC_RELAXED);
}
