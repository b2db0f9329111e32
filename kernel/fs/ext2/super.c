/*
 * fs/ext2/super.c — mounting ext2: the superblock, the group descriptors, the clean flag,
 * sync, statfs and umount.
 *
 * Mount reads and checks the superblock and every group descriptor (a corrupt image is
 * refused with its reason in the log and -EINVAL), checks the root inode, then (read-write)
 * clears EXT2_VALID_FS on disk and flushes, so a crash leaves a filesystem e2fsck knows to
 * check. Umount writes everything back, sets EXT2_VALID_FS again (unless an error was found
 * while mounted: then EXT2_ERROR_FS stays set) and flushes. The superblock and descriptor
 * blocks stay held in the buffer cache for the mount's life; counters are changed in place
 * and the blocks marked dirty (metadata: every fsync writes them).
 */
#include "ext2.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/rtc.h>
#include <keel/string.h>
#include <keel/time.h>

uint32_t ext2_now(void)
{
	return (uint32_t)(rtc_realtime_ns() / NSEC_PER_SEC);
}

struct ext2_group_desc *ext2_group(struct ext2_fs *fs, unsigned g)
{
	unsigned per = fs->geo.block_size / sizeof(struct ext2_group_desc);

	return (struct ext2_group_desc *)fs->gbufs[g / per]->data + g % per;
}

void ext2_group_dirty(struct ext2_fs *fs, unsigned g)
{
	unsigned per = fs->geo.block_size / sizeof(struct ext2_group_desc);

	bdirty(fs->gbufs[g / per], 0);
}

void ext2_super_dirty(struct ext2_fs *fs)
{
	bdirty(fs->sbuf, 0);
}

int ext2_error(struct ext2_fs *fs, const char *what, uint64_t where)
{
	pr_err("ext2: %s: %s (at %lu); I/O error returned\n", fs->sb.source, what, where);
	if (!fs->errors && !fs->read_only) {
		fs->errors = true;
		fs->s->s_state |= EXT2_ERROR_FS;
		ext2_super_dirty(fs);
	}
	return -EIO;
}

static void release_bufs(struct ext2_fs *fs)
{
	if (fs->gbufs)
		for (unsigned i = 0; i < fs->geo.desc_blocks; i++)
			if (fs->gbufs[i])
				brelse(fs->gbufs[i]);
	kfree(fs->gbufs);
	if (fs->sbuf)
		brelse(fs->sbuf);
}

/* The superblock: block 1 of 1 KiB filesystems, bytes 1024.. of block 0 otherwise. */
static int read_super(struct ext2_fs *fs, const char **why)
{
	struct ext2_super *raw = kmalloc(sizeof(*raw));
	uint64_t bytes = fs->dev->nsectors * SECTOR_SIZE;
	bool ro_only;
	int r;

	if (!raw)
		return -ENOMEM;
	r = block_rw(fs->dev, BLOCK_READ, EXT2_SB_OFFSET / SECTOR_SIZE, raw, sizeof(*raw));
	if (r) {
		kfree(raw);
		*why = "cannot read the superblock";
		return -EIO;
	}
	*why = bytes < 2048 ? "device too small" : ext2_check_super(raw, bytes, &fs->geo, &ro_only);
	kfree(raw);
	if (*why)
		return -EINVAL;
	if (ro_only && !fs->read_only) {
		*why = "unsupported read-only-compatible features (mount it read-only)";
		return -EINVAL;
	}
	if (fs->geo.block_size > PAGE_SIZE) {
		*why = "block size above the page size";
		return -EINVAL;
	}
	fs->sbuf = bread(fs->dev, fs->geo.block_size == 1024 ? 1 : 0, fs->geo.block_size, 0, &r);
	if (!fs->sbuf) {
		*why = "cannot read the superblock";
		return r;
	}
	fs->s = (void *)((char *)fs->sbuf->data + (fs->geo.block_size == 1024 ? 0 : 1024));
	return 0;
}

static int read_groups(struct ext2_fs *fs, const char **why)
{
	uint32_t first = fs->s->s_first_data_block + 1;
	uint64_t free_blocks = 0, free_inodes = 0;
	int r;

	fs->gbufs = kzalloc(fs->geo.desc_blocks * sizeof(struct buf *));
	if (!fs->gbufs)
		return -ENOMEM;
	for (unsigned i = 0; i < fs->geo.desc_blocks; i++)
		if (!(fs->gbufs[i] = bread(fs->dev, first + i, fs->geo.block_size, 8, &r))) {
			*why = "cannot read the group descriptors";
			return r;
		}
	for (unsigned g = 0; g < fs->geo.groups; g++) {
		const struct ext2_group_desc *d = ext2_group(fs, g);

		if ((*why = ext2_check_group(fs->s, &fs->geo, g, d)))
			return -EINVAL;
		free_blocks += d->bg_free_blocks_count;
		free_inodes += d->bg_free_inodes_count;
	}
	/* The superblock's totals are only a hint on Linux too; keel keeps them exact. */
	fs->s->s_free_blocks_count = (uint32_t)free_blocks;
	fs->s->s_free_inodes_count = (uint32_t)free_inodes;
	return 0;
}

static int check_root(struct ext2_fs *fs, const char **why)
{
	struct inode *root;
	int r = ext2_iget(fs, EXT2_ROOT_INO, &root);

	if (r) {
		*why = "the root inode is unreadable or corrupt";
		return r == -ENOMEM ? r : -EINVAL;
	}
	fs->sb.root = root;		/* checked by ext2_mount once fs->lock is dropped */
	return 0;
}

/* Writes the superblock state and flushes (fs->lock held). */
static int write_state(struct ext2_fs *fs, bool clean)
{
	fs->s->s_wtime = ext2_now();
	if (clean && !fs->errors)
		fs->s->s_state = (fs->s->s_state | EXT2_VALID_FS) & ~EXT2_ERROR_FS;
	else if (clean)
		fs->s->s_state |= EXT2_VALID_FS | EXT2_ERROR_FS;
	else
		fs->s->s_state &= ~EXT2_VALID_FS;
	ext2_super_dirty(fs);
	return bcache_sync(fs->dev, 0, true);
}

static void mark_mounted(struct ext2_fs *fs)
{
	if (!(fs->s->s_state & EXT2_VALID_FS))
		pr_warn("ext2: %s was not cleanly unmounted; running e2fsck is recommended\n",
			fs->sb.source);
	if (fs->s->s_state & EXT2_ERROR_FS) {
		pr_warn("ext2: %s has errors recorded; running e2fsck is recommended\n",
			fs->sb.source);
		fs->errors = true;
	}
	if (fs->read_only)
		return;
	fs->s->s_mnt_count++;
	fs->s->s_mtime = ext2_now();
	write_state(fs, false);
}

static int ext2_mount(const char *source, unsigned long flags, struct vfs_sb **out)
{
	struct ext2_fs *fs;
	struct inode *node;
	const char *why = NULL;
	int r = vfs_lookup(NULL, source, LOOKUP_FOLLOW, &node);

	if (r)
		return r;
	if (!(fs = kzalloc(sizeof(*fs)))) {
		inode_put(node);
		return -ENOMEM;
	}
	fs->dev = block_from_inode(node);
	fs->sb.dev = node->rdev;
	inode_put(node);
	if (!fs->dev) {
		kfree(fs);
		return -ENOTBLK;
	}
	mutex_init(&fs->lock, "ext2");
	list_init(&fs->inodes);
	fs->read_only = (flags & MS_RDONLY) || fs->dev->read_only;
	fs->sb.priv = fs;
	mutex_lock(&fs->lock);
	if (!(r = read_super(fs, &why)) && !(r = read_groups(fs, &why)))
		r = check_root(fs, &why);
	if (!r && !S_ISDIR(fs->sb.root->mode)) {
		why = "the root inode is not a directory";
		r = -EINVAL;
	}
	if (!r)
		mark_mounted(fs);
	mutex_unlock(&fs->lock);
	if (r && fs->sb.root)
		inode_put(fs->sb.root);		/* its release takes fs->lock */
	if (r) {
		if (why)
			pr_err("ext2: %s: refused: %s\n", source, why);
		release_bufs(fs);
		bcache_drop(fs->dev);
		kfree(fs);
		return r;
	}
	if (fs->dev->read_only)
		flags |= MS_RDONLY;
	fs->sb.flags = flags;
	*out = &fs->sb;
	return 0;
}

static int ext2_sync(struct vfs_sb *sb)
{
	struct ext2_fs *fs = sb->priv;

	return fs->read_only ? 0 : bcache_sync(fs->dev, 0, true);
}

static int ext2_umount(struct vfs_sb *sb)
{
	struct ext2_fs *fs = sb->priv;
	int r = 0;

	inode_put(sb->root);		/* the last live inode */
	mutex_lock(&fs->lock);
	if (!list_empty(&fs->inodes))
		pr_err("ext2: %s: inodes still live at umount\n", sb->source);
	if (!fs->read_only)
		r = write_state(fs, true);
	mutex_unlock(&fs->lock);
	release_bufs(fs);
	if (bcache_drop(fs->dev))
		r = -EIO;
	kfree(fs);
	return r;
}

static void ext2_statfs(struct vfs_sb *sb, struct kstatfs *st)
{
	struct ext2_fs *fs = sb->priv;
	uint64_t overhead;

	mutex_lock(&fs->lock);
	/* Linux's minixdf-less count: metadata (bitmaps, tables, descriptors) is overhead */
	overhead = fs->s->s_first_data_block + (uint64_t)fs->geo.groups *
		   (2 + fs->geo.itable_blocks);
	for (unsigned g = 0; g < fs->geo.groups; g++)
		if (ext2_group_has_super(fs->s, g))
			overhead += 1 + fs->geo.desc_blocks + fs->s->s_reserved_gdt_blocks;
	st->f_type = EXT2_MAGIC;
	st->f_bsize = st->f_frsize = fs->geo.block_size;
	st->f_blocks = fs->s->s_blocks_count - MIN(overhead, (uint64_t)fs->s->s_blocks_count);
	st->f_bfree = fs->s->s_free_blocks_count;
	st->f_bavail = st->f_bfree > fs->s->s_r_blocks_count ?
		       st->f_bfree - fs->s->s_r_blocks_count : 0;
	st->f_files = fs->s->s_inodes_count;
	st->f_ffree = fs->s->s_free_inodes_count;
	memcpy(st->f_fsid, fs->s->s_uuid, sizeof(st->f_fsid));
	st->f_namelen = NAME_MAX;
	mutex_unlock(&fs->lock);
}

static struct fs_type ext2_type = {
	.name = "ext2", .mount = ext2_mount, .umount = ext2_umount, .sync = ext2_sync,
	.statfs = ext2_statfs,
};

void ext2_init(void)
{
	vfs_register_fs(&ext2_type);
}
