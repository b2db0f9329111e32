/*
 * fs/ext2/file.c — ext2 file data: read, write, truncate, and symlink targets.
 *
 * Data goes through the buffer cache a block at a time: a hole reads as zeros, a write into
 * a hole allocates the block (and any indirect block on its path) zeroed, a whole-block
 * overwrite does not read the old block. Reads ask the cache to read ahead the blocks that
 * follow on disk. Invariant: the bytes of the last block past the file's size are zero (new
 * blocks are zeroed, truncate zeroes the tail), so growing a file never shows old data.
 *
 * Symlinks: a target shorter than 60 bytes lives in i_block itself (fast), a longer one in
 * one data block (slow), as Linux writes them.
 */
#include "ext2.h"
#include <keel/errno.h>
#include <keel/string.h>

#define READ_AHEAD	16		/* blocks beyond a read's own */

ssize_t ext2_read_data(struct ext2_inode_info *ei, void *buf, size_t n, uint64_t off)
{
	struct ext2_fs *fs = ei->fs;
	unsigned bs = fs->geo.block_size;
	uint64_t size = ext2_isize(&ei->d);
	size_t done = 0;
	int r = 0;

	if (off >= size)
		return 0;
	n = (size_t)MIN((uint64_t)n, size - off);
	while (done < n) {
		uint64_t pos = off + done, lblk = pos / bs;
		size_t in = pos % bs, chunk = MIN(n - done, bs - in);
		unsigned ahead = (unsigned)MIN((n - done) / bs + READ_AHEAD, BLOCK_SEGS - 1);
		uint32_t phys;
		struct buf *b;

		if ((r = ext2_bmap(ei, lblk, false, &phys)))
			break;
		if (!phys) {
			memset((char *)buf + done, 0, chunk);
		} else {
			if (!(b = bread(fs->dev, phys, bs, ahead, &r)))
				break;
			memcpy((char *)buf + done, (char *)b->data + in, chunk);
			brelse(b);
		}
		done += chunk;
	}
	return done ? (ssize_t)done : r;
}

ssize_t ext2_write_data(struct ext2_inode_info *ei, const void *buf, size_t n, uint64_t off)
{
	struct ext2_fs *fs = ei->fs;
	unsigned bs = fs->geo.block_size;
	size_t done = 0;
	int r = 0;

	while (done < n) {
		uint64_t pos = off + done, lblk = pos / bs;
		size_t in = pos % bs, chunk = MIN(n - done, bs - in);
		uint32_t phys;
		struct buf *b;

		if ((r = ext2_bmap(ei, lblk, true, &phys)))
			break;
		/* a new block is zeroed and cached by bmap; an old one is read unless overwritten */
		b = chunk == bs ? bget(fs->dev, phys, bs, &r) : bread(fs->dev, phys, bs, 0, &r);
		if (!b)
			break;
		memcpy((char *)b->data + in, (const char *)buf + done, chunk);
		bdirty(b, ext2_owner(ei));
		brelse(b);
		done += chunk;
	}
	if (done) {
		uint32_t now = ext2_now();

		if (off + done > ext2_isize(&ei->d))
			ext2_set_isize(ei, off + done);
		ei->d.i_mtime = ei->d.i_ctime = now;
		ext2_inode_sync(ei);
	}
	return done ? (ssize_t)done : r;
}

static ssize_t e2_file_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	struct ext2_inode_info *ei = EI(f->ino);
	ssize_t r;

	mutex_lock(&ei->fs->lock);
	r = ext2_read_data(ei, buf, n, *pos);
	mutex_unlock(&ei->fs->lock);
	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

static ssize_t e2_file_write(struct file *f, const void *buf, size_t n, uint64_t *pos,
			  unsigned io)
{
	struct ext2_inode_info *ei = EI(f->ino);
	ssize_t r;

	if (ei->fs->read_only)
		return -EROFS;
	mutex_lock(&ei->fs->lock);
	if (f->flags & O_APPEND)
		*pos = ext2_isize(&ei->d);
	r = vfs_fsize_allow(*pos, n);
	if (r > 0)
		r = ext2_write_data(ei, buf, (size_t)r, *pos);
	mutex_unlock(&ei->fs->lock);
	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

/* Zeroes the bytes of the block holding `size` past it (keeps the tail invariant). */
static int zero_tail(struct ext2_inode_info *ei, uint64_t size)
{
	unsigned bs = ei->fs->geo.block_size, in = size % bs;
	uint32_t phys;
	struct buf *b;
	int r;

	if (!in)
		return 0;
	if ((r = ext2_bmap(ei, size / bs, false, &phys)) || !phys)
		return r;
	if (!(b = bread(ei->fs->dev, phys, bs, 0, &r)))
		return r;
	memset((char *)b->data + in, 0, bs - in);
	bdirty(b, ext2_owner(ei));
	brelse(b);
	return 0;
}

static int e2_file_truncate(struct inode *ino, uint64_t size)
{
	struct ext2_inode_info *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;
	unsigned bs = fs->geo.block_size;
	uint64_t per = bs / 4;
	int r = 0;

	if (size / bs >= EXT2_NDIR + per + per * per + per * per * per)
		return -EFBIG;
	mutex_lock(&fs->lock);
	if (size < ext2_isize(&ei->d)) {
		r = ext2_free_from(ei, (size + bs - 1) / bs);
		if (!r)
			r = zero_tail(ei, size);
	}
	if (!r) {
		ext2_set_isize(ei, size);
		ei->d.i_mtime = ei->d.i_ctime = ext2_now();
		r = ext2_inode_sync(ei);
	}
	mutex_unlock(&fs->lock);
	return r;
}

static ssize_t symlink_readlink(struct inode *ino, char *buf, size_t n)
{
	struct ext2_inode_info *ei = EI(ino);
	size_t len = (size_t)MIN((uint64_t)n, ext2_isize(&ei->d));
	ssize_t r = (ssize_t)len;

	mutex_lock(&ei->fs->lock);
	if (!ext2_has_blocks(ei)) {
		if (len > sizeof(ei->d.i_block))
			r = ext2_error(ei->fs, "fast symlink longer than its inode", ei->ino);
		else
			memcpy(buf, ei->d.i_block, len);
	} else {
		r = ext2_read_data(ei, buf, len, 0);
	}
	mutex_unlock(&ei->fs->lock);
	return r;
}

/* Writes target into a new symlink inode (fs->lock held). */
int ext2_symlink_fill(struct ext2_inode_info *ei, const char *target)
{
	size_t len = strlen(target);
	ssize_t r;

	if (len >= ei->fs->geo.block_size)
		return -ENAMETOOLONG;
	if (len < sizeof(ei->d.i_block)) {
		memcpy(ei->d.i_block, target, len);
		ext2_set_isize(ei, len);
		return ext2_inode_sync(ei);
	}
	r = ext2_write_data(ei, target, len, 0);
	return r < 0 ? (int)r : 0;
}

const struct file_ops ext2_file_fops = {
	.read = e2_file_read,
	.write = e2_file_write,
};

const struct inode_ops ext2_file_iops = {
	.truncate = e2_file_truncate,
	.release = ext2_release,
	.stat = ext2_stat,
	.fsync = ext2_fsync,
	.setattr = ext2_setattr,
};

const struct inode_ops ext2_symlink_iops = {
	.readlink = symlink_readlink,
	.release = ext2_release,
	.stat = ext2_stat,
	.fsync = ext2_fsync,
	.setattr = ext2_setattr,
};
