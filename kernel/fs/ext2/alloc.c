/*
 * fs/ext2/alloc.c — block and inode allocation over the group bitmaps.
 *
 * A block goes near its goal (the file's previous block, or its inode's group): the goal's
 * group is searched from the goal on, then the following groups in turn. A new directory's
 * inode goes to the group with the most free inodes among those with at least average free
 * blocks (spreading the tree, as Orlov does in spirit); a file's inode to its directory's
 * group, else the next with room. Every change updates the bitmap, the group's counters and
 * the superblock's, all in held or cached buffers marked dirty. A bitmap that says a block
 * is free while the descriptor counts none, or frees a bit already clear, is corruption:
 * logged, the error flag set, -EIO.
 *
 * fs->lock is held by every caller.
 */
#include "ext2.h"
#include <keel/errno.h>
#include <keel/string.h>

static unsigned group_of_block(struct ext2_fs *fs, uint32_t blk)
{
	return (blk - fs->s->s_first_data_block) / fs->s->s_blocks_per_group;
}

bool ext2_block_valid(struct ext2_fs *fs, uint32_t blk)
{
	return blk >= fs->s->s_first_data_block && blk < fs->s->s_blocks_count;
}

static uint32_t blocks_in_group(struct ext2_fs *fs, unsigned g)
{
	uint32_t first = fs->s->s_first_data_block + g * fs->s->s_blocks_per_group;

	return MIN(fs->s->s_blocks_per_group, fs->s->s_blocks_count - first);
}

/* First clear bit in [from, n) of bitmap, or n. */
static uint32_t find_clear(const uint8_t *map, uint32_t from, uint32_t n)
{
	for (uint32_t i = from; i < n; i++) {
		if (!(i & 7) && map[i >> 3] == 0xff && i + 8 <= n) {
			i += 7;
			continue;
		}
		if (!(map[i >> 3] & (1u << (i & 7))))
			return i;
	}
	return n;
}

/* Takes one free bit of group g's block bitmap at or after `from`. */
static int alloc_in_group(struct ext2_fs *fs, unsigned g, uint32_t from, uint32_t *out)
{
	struct ext2_group_desc *d = ext2_group(fs, g);
	uint32_t n = blocks_in_group(fs, g), bit;
	struct buf *b;
	int r;

	if (!d->bg_free_blocks_count)
		return -ENOSPC;
	b = bread(fs->dev, d->bg_block_bitmap, fs->geo.block_size, 0, &r);
	if (!b)
		return r;
	bit = find_clear(b->data, from, n);
	if (bit == n && from)
		bit = find_clear(b->data, 0, from);
	if (bit >= n) {
		brelse(b);
		return ext2_error(fs, "block bitmap full but the group counts free blocks", g);
	}
	((uint8_t *)b->data)[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	bdirty(b, 0);
	brelse(b);
	d->bg_free_blocks_count--;
	ext2_group_dirty(fs, g);
	fs->s->s_free_blocks_count--;
	ext2_super_dirty(fs);
	*out = fs->s->s_first_data_block + g * fs->s->s_blocks_per_group + bit;
	return 0;
}

int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
	unsigned g0, groups = fs->geo.groups;

	if (fs->read_only)
		return -EROFS;
	if (!ext2_block_valid(fs, goal))
		goal = fs->s->s_first_data_block;
	g0 = group_of_block(fs, goal);
	for (unsigned i = 0; i < groups; i++) {
		unsigned g = (g0 + i) % groups;
		uint32_t from = i ? 0 : (goal - fs->s->s_first_data_block) %
					 fs->s->s_blocks_per_group;
		int r = alloc_in_group(fs, g, from, out);

		if (r != -ENOSPC)
			return r;
	}
	return -ENOSPC;
}

void ext2_block_free(struct ext2_fs *fs, uint32_t blk)
{
	unsigned g = group_of_block(fs, blk);
	uint32_t bit = (blk - fs->s->s_first_data_block) % fs->s->s_blocks_per_group;
	struct ext2_group_desc *d = ext2_group(fs, g);
	struct buf *b;
	int r;

	if (!ext2_block_valid(fs, blk)) {
		ext2_error(fs, "freeing a block outside the filesystem", blk);
		return;
	}
	bforget(fs->dev, blk);
	b = bread(fs->dev, d->bg_block_bitmap, fs->geo.block_size, 0, &r);
	if (!b)
		return;
	if (!(((uint8_t *)b->data)[bit >> 3] & (1u << (bit & 7)))) {
		brelse(b);
		ext2_error(fs, "freeing a block that is already free", blk);
		return;
	}
	((uint8_t *)b->data)[bit >> 3] &= (uint8_t)~(1u << (bit & 7));
	bdirty(b, 0);
	brelse(b);
	d->bg_free_blocks_count++;
	ext2_group_dirty(fs, g);
	fs->s->s_free_blocks_count++;
	ext2_super_dirty(fs);
}

static bool group_fits_inode(struct ext2_fs *fs, unsigned g)
{
	return ext2_group(fs, g)->bg_free_inodes_count > 0;
}

/* Directories: the group with the most free inodes among those with average free blocks. */
static unsigned pick_dir_group(struct ext2_fs *fs)
{
	uint64_t avg = fs->s->s_free_blocks_count / fs->geo.groups;
	unsigned best = fs->geo.groups;

	for (unsigned g = 0; g < fs->geo.groups; g++) {
		struct ext2_group_desc *d = ext2_group(fs, g);

		if (!d->bg_free_inodes_count || d->bg_free_blocks_count < avg)
			continue;
		if (best == fs->geo.groups ||
		    d->bg_free_inodes_count > ext2_group(fs, best)->bg_free_inodes_count)
			best = g;
	}
	return best;
}

int ext2_inode_alloc(struct ext2_fs *fs, uint32_t dir_ino, bool is_dir, uint32_t *out)
{
	unsigned ipg = fs->s->s_inodes_per_group, g0 = (dir_ino - 1) / ipg, g = fs->geo.groups;
	struct ext2_group_desc *d;
	struct buf *b;
	uint32_t bit, from;
	int r;

	if (fs->read_only)
		return -EROFS;
	if (is_dir)
		g = pick_dir_group(fs);
	for (unsigned i = 0; g == fs->geo.groups && i < fs->geo.groups; i++)
		if (group_fits_inode(fs, (g0 + i) % fs->geo.groups))
			g = (g0 + i) % fs->geo.groups;
	if (g == fs->geo.groups)
		return -ENOSPC;
	d = ext2_group(fs, g);
	b = bread(fs->dev, d->bg_inode_bitmap, fs->geo.block_size, 0, &r);
	if (!b)
		return r;
	from = g == 0 ? fs->geo.first_ino - 1 : 0;	/* the reserved inodes stay reserved */
	bit = find_clear(b->data, from, ipg);
	if (bit >= ipg) {
		brelse(b);
		return ext2_error(fs, "inode bitmap full but the group counts free inodes", g);
	}
	((uint8_t *)b->data)[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	bdirty(b, 0);
	brelse(b);
	d->bg_free_inodes_count--;
	if (is_dir)
		d->bg_used_dirs_count++;
	ext2_group_dirty(fs, g);
	fs->s->s_free_inodes_count--;
	ext2_super_dirty(fs);
	*out = g * ipg + bit + 1;
	return 0;
}

void ext2_inode_free(struct ext2_fs *fs, uint32_t ino, bool is_dir)
{
	unsigned ipg = fs->s->s_inodes_per_group, g = (ino - 1) / ipg;
	uint32_t bit = (ino - 1) % ipg;
	struct ext2_group_desc *d = ext2_group(fs, g);
	struct buf *b;
	int r;

	b = bread(fs->dev, d->bg_inode_bitmap, fs->geo.block_size, 0, &r);
	if (!b)
		return;
	if (!(((uint8_t *)b->data)[bit >> 3] & (1u << (bit & 7)))) {
		brelse(b);
		ext2_error(fs, "freeing an inode that is already free", ino);
		return;
	}
	((uint8_t *)b->data)[bit >> 3] &= (uint8_t)~(1u << (bit & 7));
	bdirty(b, 0);
	brelse(b);
	d->bg_free_inodes_count++;
	if (is_dir && d->bg_used_dirs_count)
		d->bg_used_dirs_count--;
	ext2_group_dirty(fs, g);
	fs->s->s_free_inodes_count++;
	ext2_super_dirty(fs);
}
