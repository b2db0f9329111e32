/*
 * fs/inode.c — inode lifetime, the root, and stat.
 *
 * An inode lives while it has references: each open file, cwd, lookup result and the parent
 * directory's link (while it is linked) holds one; an inode holds one on its parent. The last
 * inode_put frees its data (ops->release for generated inodes) and drops the parent.
 * Inode numbers come from one counter; st_dev is 1 for every inode. A new inode belongs to
 * its creator's fsuid and fsgid (generated /proc nodes set their own).
 */
#include <keel/vfs.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/string.h>
#include <keel/rtc.h>
#include <keel/time.h>

struct mutex vfs_ns_lock = MUTEX_INIT(vfs_ns_lock, "vfs namespace");
static struct inode *root;
static uint64_t next_ino = 1;

/* File times are wall-clock, as on Linux. */
uint64_t vfs_now_ns(void)
{
	return rtc_realtime_ns();
}

struct inode *inode_new(uint32_t mode, const struct inode_ops *iops,
			const struct file_ops *fops)
{
	struct inode *ino = kzalloc(sizeof(*ino));

	if (!ino)
		return NULL;
	ino->refs = 1;
	ino->mode = mode;
	ino->nlink = S_ISDIR(mode) ? 2 : 1;
	ino->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	ino->mtime_ns = ino->ctime_ns = ino->atime_ns = vfs_now_ns();
	cred_current_fsids(&ino->uid, &ino->gid);
	ino->iops = iops;
	ino->fops = fops;
	ino->next_cookie = 2;		/* 0 and 1 are "." and ".." */
	list_init(&ino->children);
	list_init(&ino->sibling);
	mutex_init(&ino->lock, "inode");
	return ino;
}

void inode_get(struct inode *ino)
{
	int old = __atomic_fetch_add(&ino->refs, 1, __ATOMIC_RELAXED);

	if (unlikely(old <= 0))
		panic("inode_get: inode %lu \"%s\" has %d references", ino->ino, ino->name, old);
}

static void inode_free(struct inode *ino)
{
	if (ino->iops && ino->iops->release)
		ino->iops->release(ino);
	for (size_t i = 0; i < ino->npages; i++)
		if (ino->pages[i])
			ramfs_page_put(ino->pages[i]);
	kfree(ino->pages);
	kfree(ino->link);
	kfree(ino);
}

/* Frees up the parent chain iteratively: a removed subtree's last put can cascade. */
void inode_put(struct inode *ino)
{
	while (ino) {
		int old = __atomic_fetch_sub(&ino->refs, 1, __ATOMIC_ACQ_REL);
		struct inode *parent;

		if (unlikely(old <= 0))
			panic("inode_put: inode %lu \"%s\" put with %d references", ino->ino,
			      ino->name, old);
		if (old != 1)
			return;
		if (unlikely(!list_empty(&ino->children)))
			panic("inode_put: directory %lu \"%s\" freed with children", ino->ino,
			      ino->name);
		parent = ino->parent;
		inode_free(ino);
		ino = parent;
	}
}

struct inode *vfs_root(void)
{
	return root;
}

/* Builds the root directory once; fs_init's first step. */
struct inode *vfs_make_root(void);
struct inode *vfs_make_root(void)
{
	if (!root) {
		root = inode_new(S_IFDIR | 0755, &ramfs_dir_iops, NULL);
		if (!root)
			panic("fs_init: no memory for the root directory");
		root->nlink = 2;
	}
	return root;
}

unsigned inode_dtype(const struct inode *ino)
{
	switch (ino->mode & S_IFMT) {
	case S_IFDIR:	return DT_DIR;
	case S_IFREG:	return DT_REG;
	case S_IFLNK:	return DT_LNK;
	case S_IFCHR:	return DT_CHR;
	case S_IFIFO:	return DT_FIFO;
	case S_IFBLK:	return DT_BLK;
	default:	return DT_UNKNOWN;
	}
}

void inode_stat(struct inode *ino, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = ino->ino;
	st->st_nlink = READ_ONCE(ino->nlink);
	st->st_mode = READ_ONCE(ino->mode);
	st->st_uid = READ_ONCE(ino->uid);
	st->st_gid = READ_ONCE(ino->gid);
	st->st_rdev = ino->rdev;
	st->st_size = (int64_t)READ_ONCE(ino->size);
	st->st_blksize = PAGE_SIZE;
	st->st_blocks = (int64_t)(ALIGN_UP(READ_ONCE(ino->size), PAGE_SIZE) / 512);
	st->st_mtime_sec = READ_ONCE(ino->mtime_ns) / NSEC_PER_SEC;
	st->st_mtime_nsec = READ_ONCE(ino->mtime_ns) % NSEC_PER_SEC;
	st->st_atime_sec = READ_ONCE(ino->atime_ns) / NSEC_PER_SEC;
	st->st_atime_nsec = READ_ONCE(ino->atime_ns) % NSEC_PER_SEC;
	st->st_ctime_sec = ino->ctime_ns / NSEC_PER_SEC;
	st->st_ctime_nsec = ino->ctime_ns % NSEC_PER_SEC;
	if (ino->sb)
		st->st_dev = ino->sb->dev;
	if (ino->iops && ino->iops->stat)
		ino->iops->stat(ino, st);
}
