/*
 * fs/ext2/check.c — what keel demands of ext2 structures read from a disk, before it uses
 * them.
 *
 * Pure functions over on-disk structs, host-tested over fuzzed superblocks, descriptors,
 * inodes and directory blocks (tests/unit/test_ext2.c). Each returns NULL or a reason that
 * the mount log line or the EIO log line quotes. A superblock passes when its geometry is
 * self-consistent, fits the device and uses only features keel implements (unknown
 * read-only-compatible features allow a read-only mount); a group descriptor when its
 * bitmaps and inode table lie inside the filesystem; an inode when its type is one keel
 * knows and its size fits what its blocks can map.
 */
#include "ext2.h"
#include <keel/string.h>

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

const char *ext2_check_super(const struct ext2_super *s, uint64_t dev_bytes,
			     struct ext2_geom *g, bool *ro_only)
{
	uint64_t groups, bs;

	*ro_only = false;
	if (s->s_magic != EXT2_MAGIC)
		return "no ext2 magic number";
	if (s->s_log_block_size > 2)
		return "block size above 4096";
	bs = 1024u << s->s_log_block_size;
	if (s->s_rev_level > 1)
		return "unknown revision level";
	if (s->s_rev_level == EXT2_GOOD_OLD_REV) {
		g->inode_size = EXT2_GOOD_OLD_INODE;
		g->first_ino = EXT2_GOOD_OLD_FIRST_INO;
	} else {
		g->inode_size = s->s_inode_size;
		g->first_ino = s->s_first_ino;
		if (s->s_feature_incompat & ~EXT2_INCOMPAT_SUPP)
			return "unsupported incompatible features";
		if (s->s_feature_ro_compat & ~EXT2_RO_COMPAT_SUPP)
			*ro_only = true;
	}
	if (g->inode_size < EXT2_GOOD_OLD_INODE || g->inode_size > bs || !pow2(g->inode_size))
		return "bad inode size";
	if (g->first_ino < EXT2_GOOD_OLD_FIRST_INO)
		return "first usable inode below 11";
	if (s->s_first_data_block != (bs == 1024 ? 1u : 0u))
		return "first data block does not match the block size";
	if (!s->s_blocks_per_group || s->s_blocks_per_group > 8 * bs)
		return "bad blocks per group";
	if (!s->s_inodes_per_group || s->s_inodes_per_group > 8 * bs ||
	    s->s_inodes_per_group % (bs / g->inode_size))
		return "bad inodes per group";
	if (s->s_blocks_count <= s->s_first_data_block + 1)
		return "too few blocks";
	if ((uint64_t)s->s_blocks_count * bs > dev_bytes)
		return "filesystem larger than its device";
	groups = (s->s_blocks_count - s->s_first_data_block + s->s_blocks_per_group - 1) /
		 s->s_blocks_per_group;
	if ((uint64_t)s->s_inodes_per_group * groups != s->s_inodes_count)
		return "inode count does not match the groups";
	if (s->s_inodes_count < g->first_ino)
		return "fewer inodes than the reserved ones";
	if (s->s_free_blocks_count > s->s_blocks_count ||
	    s->s_free_inodes_count > s->s_inodes_count)
		return "free counts above the totals";
	g->block_size = (unsigned)bs;
	g->groups = (unsigned)groups;
	g->desc_blocks = (unsigned)((groups * sizeof(struct ext2_group_desc) + bs - 1) / bs);
	g->itable_blocks = (unsigned)(((uint64_t)s->s_inodes_per_group * g->inode_size) / bs);
	if (1 + s->s_first_data_block + g->desc_blocks >= s->s_blocks_count)
		return "group descriptors do not fit";
	return NULL;
}

static uint32_t group_first(const struct ext2_super *s, unsigned g)
{
	return s->s_first_data_block + g * s->s_blocks_per_group;
}

const char *ext2_check_group(const struct ext2_super *s, const struct ext2_geom *geo,
			     unsigned g, const struct ext2_group_desc *d)
{
	uint32_t lo = s->s_first_data_block, hi = s->s_blocks_count;
	uint32_t first = group_first(s, g);
	uint32_t n = MIN(s->s_blocks_per_group, hi - first);

	if (d->bg_block_bitmap < lo || d->bg_block_bitmap >= hi)
		return "block bitmap outside the filesystem";
	if (d->bg_inode_bitmap < lo || d->bg_inode_bitmap >= hi)
		return "inode bitmap outside the filesystem";
	if (d->bg_inode_table < lo || d->bg_inode_table >= hi ||
	    geo->itable_blocks > hi - d->bg_inode_table)
		return "inode table outside the filesystem";
	if (d->bg_block_bitmap == d->bg_inode_bitmap ||
	    (d->bg_block_bitmap >= d->bg_inode_table &&
	     d->bg_block_bitmap < d->bg_inode_table + geo->itable_blocks) ||
	    (d->bg_inode_bitmap >= d->bg_inode_table &&
	     d->bg_inode_bitmap < d->bg_inode_table + geo->itable_blocks))
		return "bitmaps overlap the inode table";
	if (d->bg_free_blocks_count > n)
		return "more free blocks than the group has";
	if (d->bg_free_inodes_count > s->s_inodes_per_group)
		return "more free inodes than the group has";
	if (d->bg_used_dirs_count > s->s_inodes_per_group)
		return "more directories than the group has inodes";
	return NULL;
}

const char *ext2_check_inode(const struct ext2_super *s, const struct ext2_geom *geo,
			     const struct ext2_dinode *di)
{
	uint64_t per = geo->block_size / 4;
	uint64_t max_blocks = EXT2_NDIR + per + per * per + per * per * per;
	uint64_t size = di->i_size;

	switch (di->i_mode & S_IFMT) {
	case S_IFREG:
		size |= (uint64_t)di->i_size_high << 32;
		break;
	case S_IFDIR:
		if (size % geo->block_size)
			return "directory size is not a multiple of the block size";
		break;
	case S_IFLNK:
		if (size == 0 || size >= geo->block_size)
			return "symlink length out of range";
		break;
	case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	default:
		return "unknown inode type";
	}
	if (!di->i_links_count)
		return "inode in use with no links";
	if (size / geo->block_size >= max_blocks)
		return "size beyond what the block map holds";
	if (di->i_file_acl && (di->i_file_acl < s->s_first_data_block ||
			       di->i_file_acl >= s->s_blocks_count))
		return "extended attribute block outside the filesystem";
	return NULL;
}

const char *ext2_check_dirent(const void *block, unsigned bs, unsigned off,
			      uint32_t inodes_count)
{
	const struct ext2_dirent *e = (const void *)((const uint8_t *)block + off);

	if (off + 8 > bs)
		return "directory entry header crosses the block end";
	if (e->rec_len < 8 || e->rec_len % 4 || e->rec_len > bs - off)
		return "bad directory entry length";
	if (e->inode && EXT2_DIRENT_LEN(e->name_len) > e->rec_len)
		return "directory entry name longer than the entry";
	if (e->inode && !e->name_len)
		return "directory entry with an empty name";
	if (e->inode > inodes_count)
		return "directory entry names an inode past the last";
	return NULL;
}

static bool power_of(unsigned g, unsigned base)
{
	while (g > 1 && g % base == 0)
		g /= base;
	return g == 1;
}

bool ext2_group_has_super(const struct ext2_super *s, unsigned g)
{
	if (!(s->s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE) || g <= 1)
		return true;
	return power_of(g, 3) || power_of(g, 5) || power_of(g, 7);
}
