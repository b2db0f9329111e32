/*
 * fs/ext2/inode.c — ext2 inodes: the live-inode list, reading and writing them in the inode
 * table, the block map (direct, single, double and triple indirect) and freeing blocks.
 *
 * One struct inode per disk inode while it is in use (hard links and open-but-unlinked files
 * need exactly one): ext2_iget finds it on fs->inodes or reads it. Its last reference runs
 * ext2_release, which frees the inode's blocks and the inode itself when no name is left
 * (an unlinked file is freed at its last close, as POSIX wants). The raw inode is copied back
 * into its inode table block on every change (ext2_inode_sync), so writeback and fsync see it.
 *
 * fs->lock is held by every function here except ext2_release, which takes it.
 */
#include "ext2.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>

#define XATTR_MAGIC	0xea020000u

uint64_t ext2_isize(const struct ext2_dinode *d)
{
	uint64_t s = d->i_size;

	if (S_ISREG(d->i_mode))
		s |= (uint64_t)d->i_size_high << 32;
	return s;
}

void ext2_set_isize(struct ext2_inode_info *ei, uint64_t size)
{
	struct ext2_fs *fs = ei->fs;

	ei->d.i_size = (uint32_t)size;
	if (S_ISREG(ei->d.i_mode))
		ei->d.i_size_high = (uint32_t)(size >> 32);
	if (size > 0x7fffffffu && !(fs->s->s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE)) {
		fs->s->s_feature_ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE;
		if (fs->s->s_rev_level == EXT2_GOOD_OLD_REV)
			pr_warn("ext2: %s: a file above 2 GiB on a revision 0 filesystem\n",
				fs->sb.source);
		ext2_super_dirty(fs);
	}
}

/* Where inode ino lives: its table block and the byte offset in it. */
static void locate(struct ext2_fs *fs, uint32_t ino, uint32_t *blk, unsigned *off)
{
	uint32_t ipg = fs->s->s_inodes_per_group, idx = (ino - 1) % ipg;
	uint64_t byte = (uint64_t)idx * fs->geo.inode_size;

	*blk = ext2_group(fs, (ino - 1) / ipg)->bg_inode_table + (uint32_t)(byte / fs->geo.block_size);
	*off = (unsigned)(byte % fs->geo.block_size);
}

void ext2_init_vfs_inode(struct ext2_inode_info *ei, struct inode *ino)
{
	ino->ino = ei->ino;
	ino->mode = ei->d.i_mode;
	ino->nlink = ei->d.i_links_count;
	ino->uid = ext2_uid(&ei->d);
	ino->gid = ext2_gid(&ei->d);
	ino->size = ext2_isize(&ei->d);
	ino->mtime_ns = (uint64_t)ei->d.i_mtime * NSEC_PER_SEC;
	ino->ctime_ns = (uint64_t)ei->d.i_ctime * NSEC_PER_SEC;
	ino->atime_ns = (uint64_t)ei->d.i_atime * NSEC_PER_SEC;
}

int ext2_inode_sync(struct ext2_inode_info *ei)
{
	struct ext2_fs *fs = ei->fs;
	uint32_t blk;
	unsigned off;
	struct buf *b;
	int r;

	ext2_init_vfs_inode(ei, ei->vfs);
	if (fs->read_only)
		return 0;
	locate(fs, ei->ino, &blk, &off);
	b = bread(fs->dev, blk, fs->geo.block_size, 0, &r);
	if (!b)
		return r;
	memcpy((char *)b->data + off, &ei->d, sizeof(ei->d));
	bdirty(b, 0);
	brelse(b);
	return 0;
}

static const struct inode_ops *iops_for(uint32_t mode)
{
	return S_ISDIR(mode) ? &ext2_dir_iops : S_ISLNK(mode) ? &ext2_symlink_iops :
	       &ext2_file_iops;
}

/* A live inode for ei (counted), linked on fs->inodes. */
static struct inode *make_live(struct ext2_fs *fs, struct ext2_inode_info *ei)
{
	uint32_t mode = ei->d.i_mode;
	struct inode *ino = inode_new(mode, iops_for(mode), S_ISREG(mode) ? &ext2_file_fops : NULL);

	if (!ino)
		return NULL;
	ei->fs = fs;
	ei->vfs = ino;
	ino->sb = &fs->sb;
	ino->priv = ei;
	ext2_init_vfs_inode(ei, ino);
	list_append(&fs->inodes, &ei->node);
	return ino;
}

/* Takes a reference unless the count already reached zero (the inode is being released). */
static bool get_unless_zero(struct inode *ino)
{
	int old = __atomic_load_n(&ino->refs, __ATOMIC_RELAXED);

	while (old > 0)
		if (__atomic_compare_exchange_n(&ino->refs, &old, old + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

/* 1: found (counted in *out), 0: not live, -EAGAIN: being released. */
static int find_live(struct ext2_fs *fs, uint32_t ino, struct inode **out)
{
	list_for_each_entry(ei, &fs->inodes, struct ext2_inode_info, node)
		if (ei->ino == ino) {
			if (!get_unless_zero(ei->vfs))
				return -EAGAIN;
			*out = ei->vfs;
			return 1;
		}
	return 0;
}

static int read_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode_info *ei)
{
	const char *why;
	uint32_t blk;
	unsigned off;
	struct buf *b;
	int r;

	locate(fs, ino, &blk, &off);
	b = bread(fs->dev, blk, fs->geo.block_size, 4, &r);
	if (!b)
		return r;
	memcpy(&ei->d, (char *)b->data + off, sizeof(ei->d));
	brelse(b);
	if ((why = ext2_check_inode(fs->s, &fs->geo, &ei->d)))
		return ext2_error(fs, why, ino);
	ei->ino = ino;
	return 0;
}

int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct inode **out)
{
	struct ext2_inode_info *ei;
	int r;

	if (ino != EXT2_ROOT_INO && (ino < fs->geo.first_ino || ino > fs->s->s_inodes_count))
		return ext2_error(fs, "reference to a reserved or out-of-range inode", ino);
	while ((r = find_live(fs, ino, out)) == -EAGAIN) {
		mutex_unlock(&fs->lock);	/* let its release finish */
		sched_yield();
		mutex_lock(&fs->lock);
	}
	if (r == 1)
		return 0;
	if (!(ei = kzalloc(sizeof(*ei))))
		return -ENOMEM;
	if ((r = read_inode(fs, ino, ei))) {
		kfree(ei);
		return r;
	}
	if (!(*out = make_live(fs, ei))) {
		kfree(ei);
		return -ENOMEM;
	}
	return 0;
}

/* A new in-use inode number ino of mode (counted), written to the table. */
uint32_t ext2_uid(const struct ext2_dinode *d)
{
	return d->i_uid | (uint32_t)((const uint16_t *)d->i_osd2)[2] << 16;
}

uint32_t ext2_gid(const struct ext2_dinode *d)
{
	return d->i_gid | (uint32_t)((const uint16_t *)d->i_osd2)[3] << 16;
}

void ext2_set_owner(struct ext2_dinode *d, uint32_t uid, uint32_t gid)
{
	d->i_uid = (uint16_t)uid;
	((uint16_t *)d->i_osd2)[2] = (uint16_t)(uid >> 16);
	d->i_gid = (uint16_t)gid;
	((uint16_t *)d->i_osd2)[3] = (uint16_t)(gid >> 16);
}

int ext2_inode_new(struct ext2_fs *fs, uint32_t ino, const struct inode *proto,
		   struct inode **out)
{
	uint32_t mode = proto->mode;
	struct ext2_inode_info *ei = kzalloc(sizeof(*ei));
	uint32_t now = ext2_now(), blk;
	unsigned off;
	struct buf *b;
	int r;

	if (!ei)
		return -ENOMEM;
	ei->ino = ino;
	ei->d.i_mode = (uint16_t)mode;
	ei->d.i_links_count = S_ISDIR(mode) ? 2 : 1;
	ext2_set_owner(&ei->d, proto->uid, proto->gid);
	ei->d.i_atime = ei->d.i_ctime = ei->d.i_mtime = now;
	/* clear the whole on-disk slot, then give a large inode the extra size mke2fs gives */
	locate(fs, ino, &blk, &off);
	b = bread(fs->dev, blk, fs->geo.block_size, 0, &r);
	if (!b) {
		kfree(ei);
		return r;
	}
	memset((char *)b->data + off, 0, fs->geo.inode_size);
	if (fs->geo.inode_size >= EXT2_GOOD_OLD_INODE + 32)
		*(uint16_t *)((char *)b->data + off + EXT2_GOOD_OLD_INODE) = 32;
	bdirty(b, 0);
	brelse(b);
	if (!(*out = make_live(fs, ei))) {
		kfree(ei);
		return -ENOMEM;
	}
	return ext2_inode_sync(ei);
}

/* ---- the block map ---- */

/* The path to file block lblk: depth slots, idx[0] in i_block. */
static int map_path(struct ext2_fs *fs, uint64_t lblk, unsigned idx[4], unsigned *depth)
{
	uint64_t per = fs->geo.block_size / 4;

	if (lblk < EXT2_NDIR) {
		idx[0] = (unsigned)lblk;
		*depth = 1;
	} else if ((lblk -= EXT2_NDIR) < per) {
		idx[0] = EXT2_IND;
		idx[1] = (unsigned)lblk;
		*depth = 2;
	} else if ((lblk -= per) < per * per) {
		idx[0] = EXT2_DIND;
		idx[1] = (unsigned)(lblk / per);
		idx[2] = (unsigned)(lblk % per);
		*depth = 3;
	} else if ((lblk -= per * per) < per * per * per) {
		idx[0] = EXT2_TIND;
		idx[1] = (unsigned)(lblk / (per * per));
		idx[2] = (unsigned)(lblk / per % per);
		idx[3] = (unsigned)(lblk % per);
		*depth = 4;
	} else {
		return -EFBIG;
	}
	return 0;
}

uint64_t ext2_owner(struct ext2_inode_info *ei)
{
	return (uint64_t)(uintptr_t)ei;
}

/* A new zeroed block for ei (counted in i_blocks). */
static int new_block(struct ext2_inode_info *ei, uint32_t goal, uint32_t *out)
{
	struct ext2_fs *fs = ei->fs;
	struct buf *b;
	int r;

	if ((uint64_t)ei->d.i_blocks + fs->geo.block_size / 512 > UINT32_MAX)
		return -EFBIG;
	if ((r = ext2_block_alloc(fs, goal, out)))
		return r;
	b = bget(fs->dev, *out, fs->geo.block_size, &r);
	if (!b) {
		ext2_block_free(fs, *out);
		return r;
	}
	memset(b->data, 0, fs->geo.block_size);
	bdirty(b, ext2_owner(ei));
	brelse(b);
	ei->d.i_blocks += fs->geo.block_size / 512;
	return 0;
}

static uint32_t goal_for(struct ext2_inode_info *ei, uint32_t near)
{
	struct ext2_fs *fs = ei->fs;

	if (near)
		return near + 1;
	return fs->s->s_first_data_block +
	       ((ei->ino - 1) / fs->s->s_inodes_per_group) * fs->s->s_blocks_per_group;
}

int ext2_bmap(struct ext2_inode_info *ei, uint64_t lblk, bool alloc, uint32_t *out)
{
	struct ext2_fs *fs = ei->fs;
	unsigned idx[4], depth;
	uint32_t *slot, last = 0;
	struct buf *b = NULL;
	bool inode_changed = false;
	int r = map_path(fs, lblk, idx, &depth);

	if (r)
		return r;
	slot = &ei->d.i_block[idx[0]];
	for (unsigned l = 0;; l++) {
		uint32_t v = *slot;

		if (!v && !alloc) {
			*out = 0;
			break;
		}
		if (!v) {
			if ((r = new_block(ei, goal_for(ei, last), &v)))
				break;
			*slot = v;
			inode_changed = true;
			if (b)
				bdirty(b, ext2_owner(ei));
		} else if (!ext2_block_valid(fs, v)) {
			r = ext2_error(fs, "block pointer outside the filesystem", ei->ino);
			break;
		}
		last = v;
		if (l + 1 == depth) {
			*out = v;
			break;
		}
		struct buf *next = bread(fs->dev, v, fs->geo.block_size, 0, &r);

		if (!next)
			break;
		if (b)
			brelse(b);
		b = next;
		slot = (uint32_t *)b->data + idx[l + 1];
	}
	if (b)
		brelse(b);
	if (inode_changed) {
		int e = ext2_inode_sync(ei);

		r = r ? r : e;
	}
	return r;
}

/* ---- freeing ---- */

static uint64_t span_of(struct ext2_fs *fs, unsigned level)
{
	uint64_t per = fs->geo.block_size / 4, s = 1;

	while (level--)
		s *= per;
	return s;
}

/* Frees the blocks of the subtree at *slot (covering file blocks from `first`) that map
 * blocks >= from, and the subtree's own block when all of it goes. holder: the buffer *slot
 * lives in (NULL: the inode). */
static void free_tree(struct ext2_inode_info *ei, uint32_t *slot, struct buf *holder,
		      unsigned level, uint64_t first, uint64_t from)
{
	struct ext2_fs *fs = ei->fs;
	uint64_t span = span_of(fs, level);
	int r;

	if (!*slot || first + span <= from)
		return;
	if (!ext2_block_valid(fs, *slot)) {
		ext2_error(fs, "block pointer outside the filesystem", ei->ino);
		return;
	}
	if (level) {
		uint64_t child = span / (fs->geo.block_size / 4);
		struct buf *b = bread(fs->dev, *slot, fs->geo.block_size, 0, &r);

		if (!b)
			return;
		for (unsigned i = 0; i < fs->geo.block_size / 4; i++) {
			uint64_t cf = first + i * child;

			if (cf + child > from)
				free_tree(ei, (uint32_t *)b->data + i, b, level - 1, cf, from);
		}
		brelse(b);
	}
	if (first >= from) {
		ext2_block_free(fs, *slot);
		ei->d.i_blocks -= MIN(ei->d.i_blocks, fs->geo.block_size / 512);
		*slot = 0;
		if (holder)
			bdirty(holder, ext2_owner(ei));
	}
}

int ext2_free_from(struct ext2_inode_info *ei, uint64_t from)
{
	struct ext2_fs *fs = ei->fs;
	uint64_t per = fs->geo.block_size / 4;

	for (unsigned i = 0; i < EXT2_NDIR; i++)
		free_tree(ei, &ei->d.i_block[i], NULL, 0, i, from);
	free_tree(ei, &ei->d.i_block[EXT2_IND], NULL, 1, EXT2_NDIR, from);
	free_tree(ei, &ei->d.i_block[EXT2_DIND], NULL, 2, EXT2_NDIR + per, from);
	free_tree(ei, &ei->d.i_block[EXT2_TIND], NULL, 3, EXT2_NDIR + per + per * per, from);
	return ext2_inode_sync(ei);
}

/* Drops the inode's extended attribute block reference. */
static void free_xattr(struct ext2_inode_info *ei)
{
	struct ext2_fs *fs = ei->fs;
	struct buf *b;
	int r;

	if (!ei->d.i_file_acl)
		return;
	b = bread(fs->dev, ei->d.i_file_acl, fs->geo.block_size, 0, &r);
	if (!b)
		return;
	if (((uint32_t *)b->data)[0] != XATTR_MAGIC) {
		brelse(b);
		ext2_error(fs, "extended attribute block without its magic", ei->ino);
		return;
	}
	if (((uint32_t *)b->data)[1] > 1) {
		((uint32_t *)b->data)[1]--;
		bdirty(b, 0);
		brelse(b);
	} else {
		brelse(b);
		ext2_block_free(fs, ei->d.i_file_acl);
	}
	ei->d.i_blocks -= MIN(ei->d.i_blocks, fs->geo.block_size / 512);
	ei->d.i_file_acl = 0;
}

/* Whether the inode's i_block holds block pointers (not a fast symlink or a device). */
bool ext2_has_blocks(const struct ext2_inode_info *ei)
{
	uint32_t acl = ei->d.i_file_acl ? ei->fs->geo.block_size / 512 : 0;

	if (S_ISLNK(ei->d.i_mode))
		return ei->d.i_blocks > acl;
	return S_ISREG(ei->d.i_mode) || S_ISDIR(ei->d.i_mode);
}

/* The last reference: free what has no name left. */
void ext2_release(struct inode *ino)
{
	struct ext2_inode_info *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;

	mutex_lock(&fs->lock);
	list_remove(&ei->node);
	if (!ei->d.i_links_count && !fs->read_only) {
		if (ext2_has_blocks(ei))
			ext2_free_from(ei, 0);
		free_xattr(ei);
		ei->d.i_dtime = ext2_now();
		ei->d.i_size = ei->d.i_size_high = 0;
		ext2_inode_sync(ei);
		ext2_inode_free(fs, ei->ino, S_ISDIR(ei->d.i_mode));
	}
	mutex_unlock(&fs->lock);
	ino->priv = NULL;
	kfree(ei);
}

void ext2_stat(struct inode *ino, struct kstat *st)
{
	struct ext2_inode_info *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;

	mutex_lock(&fs->lock);
	st->st_blocks = ei->d.i_blocks;
	st->st_blksize = fs->geo.block_size;
	st->st_atime_sec = ei->d.i_atime;
	st->st_mtime_sec = ei->d.i_mtime;
	st->st_ctime_sec = ei->d.i_ctime;
	st->st_atime_nsec = st->st_mtime_nsec = st->st_ctime_nsec = 0;
	if (S_ISCHR(ei->d.i_mode) || S_ISBLK(ei->d.i_mode))
		st->st_rdev = ei->d.i_block[0] ? ei->d.i_block[0] : ei->d.i_block[1];
	mutex_unlock(&fs->lock);
}

int ext2_fsync(struct inode *ino, bool datasync)
{
	struct ext2_fs *fs = EI(ino)->fs;

	return fs->read_only ? 0 : bcache_sync(fs->dev, ext2_owner(EI(ino)), false);
}

/* The on-disk inode is the truth (ext2_inode_sync copies it to the VFS inode): changes go
 * there first. ext2 keeps seconds; the high 16 bits of the ids live in osd2 (Linux's
 * l_i_uid_high, l_i_gid_high). */
int ext2_setattr(struct inode *ino, const struct iattr *a)
{
	struct ext2_inode_info *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;
	int r;

	mutex_lock(&fs->lock);
	if (a->valid & ATTR_MODE)
		ei->d.i_mode = (uint16_t)((ei->d.i_mode & S_IFMT) | (a->mode & 07777));
	if (a->valid & ATTR_UID)
		ext2_set_owner(&ei->d, a->uid, ext2_gid(&ei->d));
	if (a->valid & ATTR_GID)
		ext2_set_owner(&ei->d, ext2_uid(&ei->d), a->gid);
	if (a->valid & ATTR_ATIME)
		ei->d.i_atime = (uint32_t)(a->atime_ns / NSEC_PER_SEC);
	if (a->valid & ATTR_MTIME)
		ei->d.i_mtime = (uint32_t)(a->mtime_ns / NSEC_PER_SEC);
	ei->d.i_ctime = (uint32_t)(a->ctime_ns / NSEC_PER_SEC);
	r = ext2_inode_sync(ei);
	mutex_unlock(&fs->lock);
	return r;
}
