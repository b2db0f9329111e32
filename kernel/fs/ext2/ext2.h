/*
 * fs/ext2/ext2.h — ext2's on-disk structures and what the files of fs/ext2/ share.
 *
 * On disk (all little-endian, which x86 is): the superblock at byte 1024, the group
 * descriptor table in the block after it, and per group a block bitmap, an inode bitmap and
 * an inode table. An inode maps file blocks through 12 direct pointers and single, double and
 * triple indirect blocks; a 0 pointer is a hole. Directories are linked lists of entries
 * inside each block, the last entry of a block stretching to its end.
 *
 * In memory: struct ext2_fs per mount (the held superblock and group descriptor buffers, the
 * live inode list), struct ext2_inode_info per live inode (ino->priv: the raw inode, copied
 * back into the inode table buffer at every change, so the buffer cache always has the truth).
 *
 * Locking: fs->lock (a mutex) serializes every operation of one mount: it is taken after
 * vfs_ns_lock, and nothing under it may drop the last reference of an ext2 inode (release
 * takes it too).
 */
#ifndef FS_EXT2_H
#define FS_EXT2_H

#include <keel/types.h>
#include <keel/block.h>
#include <keel/list.h>
#include <keel/memlayout.h>
#include <keel/sync.h>
#include <keel/vfs.h>

#define EXT2_MAGIC		0xef53
#define EXT2_SB_OFFSET		1024
#define EXT2_ROOT_INO		2
#define EXT2_NDIR		12
#define EXT2_IND		12
#define EXT2_DIND		13
#define EXT2_TIND		14
#define EXT2_NBLOCKS		15
#define EXT2_VALID_FS		1
#define EXT2_ERROR_FS		2
#define EXT2_GOOD_OLD_REV	0
#define EXT2_GOOD_OLD_INODE	128
#define EXT2_GOOD_OLD_FIRST_INO	11
#define EXT2_LINK_MAX		65000
#define EXT2_INDEX_FL		0x1000	/* htree directory: keel clears it when it changes one */

#define EXT2_FEATURE_COMPAT_DIR_INDEX	0x0020
#define EXT2_FEATURE_INCOMPAT_FILETYPE	0x0002
#define EXT2_FEATURE_RO_COMPAT_SPARSE	0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE	0x0002
#define EXT2_INCOMPAT_SUPP		EXT2_FEATURE_INCOMPAT_FILETYPE
#define EXT2_RO_COMPAT_SUPP		(EXT2_FEATURE_RO_COMPAT_SPARSE | \
					 EXT2_FEATURE_RO_COMPAT_LARGE | 0x0004 /* btree dir */)

/* Directory entry file types (the filetype feature). */
#define EXT2_FT_UNKNOWN		0
#define EXT2_FT_REG		1
#define EXT2_FT_DIR		2
#define EXT2_FT_CHR		3
#define EXT2_FT_BLK		4
#define EXT2_FT_FIFO		5
#define EXT2_FT_SOCK		6
#define EXT2_FT_SYMLINK		7

struct ext2_super {
	uint32_t s_inodes_count, s_blocks_count, s_r_blocks_count, s_free_blocks_count;
	uint32_t s_free_inodes_count, s_first_data_block, s_log_block_size, s_log_frag_size;
	uint32_t s_blocks_per_group, s_frags_per_group, s_inodes_per_group;
	uint32_t s_mtime, s_wtime;
	uint16_t s_mnt_count;
	int16_t s_max_mnt_count;
	uint16_t s_magic, s_state, s_errors, s_minor_rev_level;
	uint32_t s_lastcheck, s_checkinterval, s_creator_os, s_rev_level;
	uint16_t s_def_resuid, s_def_resgid;
	/* rev 1 */
	uint32_t s_first_ino;
	uint16_t s_inode_size, s_block_group_nr;
	uint32_t s_feature_compat, s_feature_incompat, s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	uint32_t s_algorithm_usage_bitmap;
	uint8_t s_prealloc_blocks, s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks;
	uint8_t rest[1024 - 208];
};

struct ext2_group_desc {
	uint32_t bg_block_bitmap, bg_inode_bitmap, bg_inode_table;
	uint16_t bg_free_blocks_count, bg_free_inodes_count, bg_used_dirs_count, bg_flags;
	uint8_t bg_reserved[12];
};

struct ext2_dinode {
	uint16_t i_mode, i_uid;
	uint32_t i_size, i_atime, i_ctime, i_mtime, i_dtime;
	uint16_t i_gid, i_links_count;
	uint32_t i_blocks;		/* 512-byte units, data and indirect blocks */
	uint32_t i_flags, i_osd1;
	uint32_t i_block[EXT2_NBLOCKS];
	uint32_t i_generation, i_file_acl, i_size_high, i_faddr;
	uint8_t i_osd2[12];
};

struct ext2_dirent {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len, file_type;
	char name[];
};

_Static_assert(sizeof(struct ext2_super) == 1024, "ext2 superblock layout");
_Static_assert(sizeof(struct ext2_group_desc) == 32, "ext2 group descriptor layout");
_Static_assert(sizeof(struct ext2_dinode) == 128, "ext2 inode layout");
_Static_assert(sizeof(struct ext2_dirent) == 8, "ext2 directory entry layout");

#define EXT2_DIRENT_LEN(namelen)	(((namelen) + 8 + 3) & ~3u)

/* ---- pure checks (check.c; host-tested by tests/unit/test_ext2.c) ---- */

/* Geometry derived from a checked superblock. */
struct ext2_geom {
	unsigned block_size, inode_size, groups, desc_blocks, itable_blocks;
	uint32_t first_ino;
};

/* NULL when the superblock describes a filesystem keel can mount on a device of dev_bytes
 * (read-only when *ro_only), else the reason. Fills g. */
const char *ext2_check_super(const struct ext2_super *s, uint64_t dev_bytes,
			     struct ext2_geom *g, bool *ro_only);
/* NULL when group g's descriptor is sane for s, else the reason. */
const char *ext2_check_group(const struct ext2_super *s, const struct ext2_geom *geo,
			     unsigned g, const struct ext2_group_desc *d);
/* NULL when an inode read from disk is usable, else the reason. */
const char *ext2_check_inode(const struct ext2_super *s, const struct ext2_geom *geo,
			     const struct ext2_dinode *di);
/* NULL when the entry at off of a directory block of size bs is well-formed (it fits,
 * rec_len is aligned and holds the name, the inode number is in range), else the reason. */
const char *ext2_check_dirent(const void *block, unsigned bs, unsigned off,
			      uint32_t inodes_count);
/* True when group g holds a superblock backup (sparse_super: 0, 1, powers of 3, 5, 7). */
bool ext2_group_has_super(const struct ext2_super *s, unsigned g);

/* ---- in memory ---- */

struct ext2_fs {
	struct vfs_sb sb;
	struct block_dev *dev;
	struct mutex lock;
	struct ext2_geom geo;
	struct ext2_super *s;		/* inside sbuf */
	struct buf *sbuf;		/* the superblock's block, held */
	struct buf **gbufs;		/* the descriptor blocks, held */
	struct list_node inodes;	/* live ext2_inode_info */
	uint32_t last_group;		/* where the last inode went (spreading directories) */
	bool read_only, errors;
};

struct ext2_inode_info {
	struct ext2_fs *fs;
	struct inode *vfs;
	uint32_t ino;
	struct ext2_dinode d;		/* the truth; written back by ext2_inode_sync */
	struct list_node node;		/* fs->inodes */
};

static inline struct ext2_inode_info *EI(struct inode *ino)
{
	return ino->priv;
}

/* super.c */
struct ext2_group_desc *ext2_group(struct ext2_fs *fs, unsigned g);
void ext2_group_dirty(struct ext2_fs *fs, unsigned g);
void ext2_super_dirty(struct ext2_fs *fs);
/* Logs a corruption, marks the filesystem as having errors, returns -EIO. */
int ext2_error(struct ext2_fs *fs, const char *what, uint64_t where);
uint32_t ext2_now(void);

/* alloc.c (fs->lock held) */
/* A free block near goal, marked used and counted: 0 or -ENOSPC / -EIO. */
int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
void ext2_block_free(struct ext2_fs *fs, uint32_t blk);
int ext2_inode_alloc(struct ext2_fs *fs, uint32_t dir_ino, bool is_dir, uint32_t *out);
void ext2_inode_free(struct ext2_fs *fs, uint32_t ino, bool is_dir);
bool ext2_block_valid(struct ext2_fs *fs, uint32_t blk);

/* inode.c (fs->lock held unless said) */
/* The live inode for ino (counted), read from disk when not live. */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct inode **out);
/* Copies ei->d into its inode table block (dirty) and the VFS fields from it. */
int ext2_inode_sync(struct ext2_inode_info *ei);
/* The disk block holding file block lblk: 0 for a hole (when !alloc), or a new zeroed
 * block (alloc). */
int ext2_bmap(struct ext2_inode_info *ei, uint64_t lblk, bool alloc, uint32_t *out);
/* Frees every block from file block `from` on (and emptied indirect blocks). */
int ext2_free_from(struct ext2_inode_info *ei, uint64_t from);
uint64_t ext2_isize(const struct ext2_dinode *d);
void ext2_set_isize(struct ext2_inode_info *ei, uint64_t size);
/* Bytes of a file (regular, directory or slow symlink) through its blocks. */
ssize_t ext2_read_data(struct ext2_inode_info *ei, void *buf, size_t n, uint64_t off);
ssize_t ext2_write_data(struct ext2_inode_info *ei, const void *buf, size_t n, uint64_t off);
void ext2_init_vfs_inode(struct ext2_inode_info *ei, struct inode *ino);
/* A new in-use inode number ino like proto (mode, owner; counted), written to the table. */
int ext2_inode_new(struct ext2_fs *fs, uint32_t ino, const struct inode *proto,
		   struct inode **out);
/* The owner, with the high 16 bits Linux keeps in osd2 (l_i_uid_high, l_i_gid_high). */
uint32_t ext2_uid(const struct ext2_dinode *d);
uint32_t ext2_gid(const struct ext2_dinode *d);
void ext2_set_owner(struct ext2_dinode *d, uint32_t uid, uint32_t gid);
/* Whether i_block holds block pointers (not a fast symlink's text or a device number). */
bool ext2_has_blocks(const struct ext2_inode_info *ei);
/* The fsync cookie of ei's data and indirect blocks in the buffer cache. */
uint64_t ext2_owner(struct ext2_inode_info *ei);
/* inode_ops every ext2 inode shares (these take fs->lock themselves). */
void ext2_release(struct inode *ino);
void ext2_stat(struct inode *ino, struct kstat *st);
int ext2_fsync(struct inode *ino, bool datasync);
int ext2_setattr(struct inode *ino, const struct iattr *a);
/* Writes a new symlink's target (fast in i_block, or slow in a block). */
int ext2_symlink_fill(struct ext2_inode_info *ei, const char *target);
extern const struct inode_ops ext2_dir_iops, ext2_file_iops, ext2_symlink_iops;
extern const struct file_ops ext2_file_fops;

/* super.c */


/* dir.c (fs->lock held) */
int ext2_dir_add(struct ext2_inode_info *dir, const char *name, uint32_t ino, uint32_t mode);
int ext2_dir_init(struct ext2_inode_info *dir, uint32_t parent);

#endif
