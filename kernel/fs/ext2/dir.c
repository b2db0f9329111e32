/*
 * fs/ext2/dir.c — ext2 directories: lookup, readdir, and the namespace operations.
 *
 * A directory is blocks of linked entries; every entry is checked (ext2_check_dirent) before
 * it is used, and a bad one is an I/O error with a log line. Adding an entry takes the first
 * gap big enough (an unused entry, or the slack after a live one, which is split) or appends
 * a block; removing one folds it into the previous entry of its block (or clears its inode
 * number when it is the first). A readdir position is the byte offset of the next entry.
 * A directory keel changes loses EXT2_INDEX_FL: its htree (if any) would be stale, and
 * without the flag the blocks are plain linked entries to every reader, as with Linux's ext2.
 *
 * The VFS holds vfs_ns_lock around every call here; each takes fs->lock. References to
 * inodes that may be the last are dropped only after fs->lock is released.
 */
#include "ext2.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>

struct dirpos {
	struct buf *b;			/* counted: the block holding the entry */
	unsigned off, prev;		/* the entry's offset; the previous entry's (or off) */
	uint64_t lblk;
};

static struct ext2_dirent *ent_at(struct dirpos *p)
{
	return (struct ext2_dirent *)((char *)p->b->data + p->off);
}

static bool has_filetype(struct ext2_fs *fs)
{
	return fs->s->s_rev_level > 0 &&
	       (fs->s->s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE);
}

static uint8_t ftype_of(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return EXT2_FT_REG;
	case S_IFDIR:	return EXT2_FT_DIR;
	case S_IFLNK:	return EXT2_FT_SYMLINK;
	case S_IFCHR:	return EXT2_FT_CHR;
	case S_IFBLK:	return EXT2_FT_BLK;
	case S_IFIFO:	return EXT2_FT_FIFO;
	case S_IFSOCK:	return EXT2_FT_SOCK;
	default:	return EXT2_FT_UNKNOWN;
	}
}

static unsigned dtype_of(uint8_t ft)
{
	static const uint8_t map[] = { DT_UNKNOWN, DT_REG, DT_DIR, DT_CHR, DT_BLK, DT_FIFO, 12,
				       DT_LNK };

	return ft < sizeof(map) ? map[ft] : DT_UNKNOWN;
}

/* Block lblk of directory dir (counted); a hole in a directory is corruption. */
static struct buf *dir_block(struct ext2_inode_info *dir, uint64_t lblk, int *err)
{
	uint32_t phys;

	if ((*err = ext2_bmap(dir, lblk, false, &phys)))
		return NULL;
	if (!phys) {
		*err = ext2_error(dir->fs, "hole in a directory", dir->ino);
		return NULL;
	}
	return bread(dir->fs->dev, phys, dir->fs->geo.block_size, 4, err);
}

/*
 * Calls fn on every entry (checked) until it returns nonzero; that value is returned with
 * p->b still held (the caller releases it), 0 at the end, or -EIO for a bad entry.
 */
typedef int (*dir_fn)(struct ext2_dirent *e, struct dirpos *p, void *arg);

static int dir_walk(struct ext2_inode_info *dir, uint64_t from, dir_fn fn, void *arg,
		    struct dirpos *p)
{
	struct ext2_fs *fs = dir->fs;
	unsigned bs = fs->geo.block_size;
	uint64_t nblocks = ext2_isize(&dir->d) / bs;
	int r = 0;

	for (p->lblk = from / bs; p->lblk < nblocks; p->lblk++) {
		const char *why;

		if (!(p->b = dir_block(dir, p->lblk, &r)))
			return r;
		p->prev = 0;
		for (p->off = 0; p->off < bs; p->prev = p->off, p->off += ent_at(p)->rec_len) {
			if ((why = ext2_check_dirent(p->b->data, bs, p->off, fs->s->s_inodes_count))) {
				brelse(p->b);
				return ext2_error(fs, why, dir->ino);
			}
			if (p->lblk * bs + p->off < from)
				continue;
			if ((r = fn(ent_at(p), p, arg)))
				return r;
		}
		brelse(p->b);
	}
	p->b = NULL;
	return 0;
}

static int match_name(struct ext2_dirent *e, struct dirpos *p, void *arg)
{
	const char *name = arg;
	size_t len = strlen(name);

	return e->inode && e->name_len == len && memcmp(e->name, name, len) == 0;
}

/* 1 with *p on the entry called name (p->b held), 0 when none, or -errno. */
static int dir_find(struct ext2_inode_info *dir, const char *name, struct dirpos *p)
{
	return dir_walk(dir, 0, match_name, (void *)name, p);
}

static void touch_dir(struct ext2_inode_info *dir)
{
	dir->d.i_mtime = dir->d.i_ctime = ext2_now();
	dir->d.i_flags &= ~EXT2_INDEX_FL;
}

/* ---- adding and removing entries ---- */

struct gap {
	unsigned need;
};

static int find_gap(struct ext2_dirent *e, struct dirpos *p, void *arg)
{
	struct gap *g = arg;
	unsigned used = e->inode ? EXT2_DIRENT_LEN(e->name_len) : 0;

	return e->rec_len - used >= g->need;
}

static void fill_entry(struct ext2_fs *fs, struct ext2_dirent *e, const char *name,
		       uint32_t ino, uint32_t mode, unsigned rec_len)
{
	size_t len = strlen(name);

	e->inode = ino;
	e->rec_len = (uint16_t)rec_len;
	e->name_len = (uint8_t)len;
	e->file_type = has_filetype(fs) ? ftype_of(mode) : 0;
	memcpy(e->name, name, len);
}

int ext2_dir_add(struct ext2_inode_info *dir, const char *name, uint32_t ino, uint32_t mode)
{
	struct ext2_fs *fs = dir->fs;
	unsigned bs = fs->geo.block_size;
	struct gap g = { EXT2_DIRENT_LEN(strlen(name)) };
	struct dirpos p;
	int r = dir_walk(dir, 0, find_gap, &g, &p);

	if (r < 0)
		return r;
	if (r) {
		struct ext2_dirent *e = ent_at(&p);

		if (e->inode) {		/* split: the new entry takes the slack */
			unsigned used = EXT2_DIRENT_LEN(e->name_len), rest = e->rec_len - used;

			e->rec_len = (uint16_t)used;
			e = (struct ext2_dirent *)((char *)e + used);
			fill_entry(fs, e, name, ino, mode, rest);
		} else {
			fill_entry(fs, e, name, ino, mode, e->rec_len);
		}
		bdirty(p.b, 0);
		brelse(p.b);
	} else {
		uint64_t lblk = ext2_isize(&dir->d) / bs;
		uint32_t phys;
		struct buf *b;

		if ((r = ext2_bmap(dir, lblk, true, &phys)))
			return r;
		if (!(b = bread(fs->dev, phys, bs, 0, &r)))
			return r;
		fill_entry(fs, b->data, name, ino, mode, bs);
		bdirty(b, 0);
		brelse(b);
		ext2_set_isize(dir, (lblk + 1) * bs);
	}
	touch_dir(dir);
	return ext2_inode_sync(dir);
}

/* Removes the entry at p (p->b held and released here). */
static int dir_remove_at(struct ext2_inode_info *dir, struct dirpos *p)
{
	struct ext2_dirent *e = ent_at(p);

	if (p->off == 0) {
		e->inode = 0;
	} else {
		struct ext2_dirent *prev = (void *)((char *)p->b->data + p->prev);

		prev->rec_len = (uint16_t)(prev->rec_len + e->rec_len);
	}
	bdirty(p->b, 0);
	brelse(p->b);
	touch_dir(dir);
	return ext2_inode_sync(dir);
}

static int not_dot(struct ext2_dirent *e, struct dirpos *p, void *arg)
{
	if (!e->inode)
		return 0;
	if ((e->name_len == 1 && e->name[0] == '.') ||
	    (e->name_len == 2 && e->name[0] == '.' && e->name[1] == '.'))
		return 0;
	return 1;
}

/* 1 when dir has only "." and "..", 0 when not, or -errno. */
static int dir_empty(struct ext2_inode_info *dir)
{
	struct dirpos p;
	int r = dir_walk(dir, 0, not_dot, NULL, &p);

	if (r > 0)
		brelse(p.b);
	return r < 0 ? r : !r;
}

int ext2_dir_init(struct ext2_inode_info *dir, uint32_t parent)
{
	struct ext2_fs *fs = dir->fs;
	unsigned bs = fs->geo.block_size;
	uint32_t phys;
	struct buf *b;
	int r;

	if ((r = ext2_bmap(dir, 0, true, &phys)))
		return r;
	if (!(b = bread(fs->dev, phys, bs, 0, &r)))
		return r;
	fill_entry(fs, b->data, ".", dir->ino, S_IFDIR, 12);
	fill_entry(fs, (void *)((char *)b->data + 12), "..", parent, S_IFDIR, bs - 12);
	bdirty(b, 0);
	brelse(b);
	ext2_set_isize(dir, bs);
	return ext2_inode_sync(dir);
}

/* Points dir's ".." at parent. */
static int set_dotdot(struct ext2_inode_info *dir, uint32_t parent)
{
	struct dirpos p;
	int r = dir_find(dir, "..", &p);

	if (r <= 0)
		return r ? r : ext2_error(dir->fs, "directory without \"..\"", dir->ino);
	ent_at(&p)->inode = parent;
	bdirty(p.b, 0);
	brelse(p.b);
	return 0;
}

/* ---- inode_ops ---- */

static bool is_ancestor_or_self(struct inode *a, struct inode *d)
{
	for (unsigned n = 0; d && n < 4096; d = d->parent, n++)
		if (d == a)
			return true;
	return false;
}

static int dir_lookup(struct inode *dino, const char *name, struct inode **out)
{
	struct ext2_inode_info *dir = EI(dino);
	struct ext2_fs *fs = dir->fs;
	struct inode *child = NULL, *old = NULL;
	struct dirpos p;
	int r;

	mutex_lock(&fs->lock);
	r = dir_find(dir, name, &p);
	if (r > 0) {
		uint32_t ino = ent_at(&p)->inode;

		brelse(p.b);
		r = ext2_iget(fs, ino, &child);
	} else if (r == 0) {
		r = -ENOENT;
	}
	mutex_unlock(&fs->lock);
	if (r)
		return r;
	/* a directory has one parent: an entry leading back up the tree is corruption */
	if (S_ISDIR(child->mode) && (is_ancestor_or_self(child, dino) ||
				     (child->parent && child->parent != dino))) {
		mutex_lock(&fs->lock);
		ext2_error(fs, "directory linked twice", EI(child)->ino);
		mutex_unlock(&fs->lock);
		inode_put(child);
		return -EIO;
	}
	if (child->parent != dino) {
		old = child->parent;
		inode_get(dino);
		child->parent = dino;
	}
	strlcpy(child->name, name, sizeof(child->name));
	if (old)
		inode_put(old);
	*out = child;
	return 0;
}

struct rd {
	struct dir_ctx *ctx;
	uint64_t bs;
};

static int emit_one(struct ext2_dirent *e, struct dirpos *p, void *arg)
{
	struct rd *rd = arg;
	uint64_t next = p->lblk * rd->bs + p->off + e->rec_len;

	if (!e->inode) {
		rd->ctx->pos = next;
		return 0;
	}
	if (!rd->ctx->emit(rd->ctx, e->name, e->name_len, e->inode, dtype_of(e->file_type), next))
		return 1;		/* the reader is full */
	return 0;
}

static int dir_readdir(struct inode *dino, struct dir_ctx *ctx)
{
	struct ext2_inode_info *dir = EI(dino);
	struct rd rd = { ctx, dir->fs->geo.block_size };
	struct dirpos p;
	int r;

	mutex_lock(&dir->fs->lock);
	r = dir_walk(dir, ctx->pos, emit_one, &rd, &p);
	if (r > 0)
		brelse(p.b);
	else if (r == 0)
		ctx->pos = ext2_isize(&dir->d);
	mutex_unlock(&dir->fs->lock);
	return r < 0 ? r : 0;
}

/* The new inode's content by type (fs->lock held). */
static int init_new(struct ext2_inode_info *dir, struct ext2_inode_info *c, const char *target)
{
	if (S_ISDIR(c->d.i_mode))
		return ext2_dir_init(c, dir->ino);
	if (S_ISLNK(c->d.i_mode))
		return ext2_symlink_fill(c, target);
	return 0;
}

static int dir_create(struct inode *dino, const char *name, const struct inode *proto,
		      struct inode **out)
{
	uint32_t mode = proto->mode;
	const char *target = proto->link;
	struct ext2_inode_info *dir = EI(dino), *c;
	struct ext2_fs *fs = dir->fs;
	struct inode *child = NULL;
	bool is_dir = S_ISDIR(mode);
	struct dirpos p;
	uint32_t ino;
	int r;

	mutex_lock(&fs->lock);
	if ((r = dir_find(dir, name, &p)) != 0) {
		if (r > 0)
			brelse(p.b);
		r = r > 0 ? -EEXIST : r;
		goto out;
	}
	if (is_dir && dir->d.i_links_count >= EXT2_LINK_MAX) {
		r = -EMLINK;
		goto out;
	}
	if ((r = ext2_inode_alloc(fs, dir->ino, is_dir, &ino)))
		goto out;
	if ((r = ext2_inode_new(fs, ino, proto, &child))) {
		ext2_inode_free(fs, ino, is_dir);
		goto out;
	}
	c = EI(child);
	if (!(r = init_new(dir, c, target)))
		r = ext2_dir_add(dir, name, ino, mode);
	if (r) {
		c->d.i_links_count = 0;		/* freed by the put below */
		ext2_inode_sync(c);
	} else if (is_dir) {
		dir->d.i_links_count++;
		ext2_inode_sync(dir);
	}
out:
	mutex_unlock(&fs->lock);
	if (r && child) {
		inode_put(child);
		return r;
	}
	if (!r) {
		inode_get(dino);
		child->parent = dino;
		strlcpy(child->name, name, sizeof(child->name));
		*out = child;
	}
	return r;
}

static int dir_link(struct inode *dino, const char *name, struct inode *target)
{
	struct ext2_inode_info *dir = EI(dino), *t = EI(target);
	struct ext2_fs *fs = dir->fs;
	struct dirpos p;
	int r;

	mutex_lock(&fs->lock);
	if ((r = dir_find(dir, name, &p)) != 0) {
		if (r > 0)
			brelse(p.b);
		r = r > 0 ? -EEXIST : r;
	} else if (t->d.i_links_count >= EXT2_LINK_MAX) {
		r = -EMLINK;
	} else if (!t->d.i_links_count) {
		r = -ENOENT;			/* linking an unlinked open file */
	} else if (!(r = ext2_dir_add(dir, name, t->ino, t->d.i_mode))) {
		t->d.i_links_count++;
		t->d.i_ctime = ext2_now();
		r = ext2_inode_sync(t);
	}
	mutex_unlock(&fs->lock);
	return r;
}

/* Drops one name of c (a directory loses both its links); fs->lock held. */
static void drop_link(struct ext2_inode_info *dir, struct ext2_inode_info *c)
{
	if (S_ISDIR(c->d.i_mode)) {
		c->d.i_links_count = 0;
		if (dir->d.i_links_count > 2)
			dir->d.i_links_count--;
	} else if (c->d.i_links_count) {
		c->d.i_links_count--;
	}
	c->d.i_ctime = ext2_now();
	ext2_inode_sync(c);
	ext2_inode_sync(dir);
}

static int dir_unlink(struct inode *dino, const char *name, struct inode *child)
{
	struct ext2_inode_info *dir = EI(dino), *c = EI(child);
	struct ext2_fs *fs = dir->fs;
	struct dirpos p;
	int r;

	mutex_lock(&fs->lock);
	if (S_ISDIR(c->d.i_mode) && (r = dir_empty(c)) <= 0) {
		r = r ? r : -ENOTEMPTY;
		goto out;
	}
	r = dir_find(dir, name, &p);
	if (r <= 0 || ent_at(&p)->inode != c->ino) {
		if (r > 0)
			brelse(p.b);
		r = r < 0 ? r : -ENOENT;
		goto out;
	}
	if (!(r = dir_remove_at(dir, &p)))
		drop_link(dir, c);
out:
	mutex_unlock(&fs->lock);
	return r;
}

/* Replaces the target entry's inode by src's (nname exists as dst). */
static int retarget(struct ext2_inode_info *ndir, const char *nname, struct ext2_inode_info *s,
		    struct ext2_inode_info *d)
{
	struct dirpos p;
	int r = dir_find(ndir, nname, &p);

	if (r <= 0 || ent_at(&p)->inode != d->ino) {
		if (r > 0)
			brelse(p.b);
		return r < 0 ? r : -ENOENT;
	}
	ent_at(&p)->inode = s->ino;
	if (has_filetype(s->fs))
		ent_at(&p)->file_type = ftype_of(s->d.i_mode);
	bdirty(p.b, 0);
	brelse(p.b);
	touch_dir(ndir);
	return ext2_inode_sync(ndir);
}

static int rename_locked(struct ext2_inode_info *odir, const char *oname,
			 struct ext2_inode_info *s, struct ext2_inode_info *ndir,
			 const char *nname, struct ext2_inode_info *d)
{
	bool is_dir = S_ISDIR(s->d.i_mode);
	struct dirpos p;
	int r;

	if (d && S_ISDIR(d->d.i_mode) && (r = dir_empty(d)) <= 0)
		return r ? r : -ENOTEMPTY;
	if (is_dir && !d && odir != ndir && ndir->d.i_links_count >= EXT2_LINK_MAX)
		return -EMLINK;
	r = d ? retarget(ndir, nname, s, d) : ext2_dir_add(ndir, nname, s->ino, s->d.i_mode);
	if (r)
		return r;
	if (d)
		drop_link(ndir, d);
	r = dir_find(odir, oname, &p);
	if (r <= 0 || ent_at(&p)->inode != s->ino) {
		if (r > 0)
			brelse(p.b);
		return ext2_error(s->fs, "renamed entry vanished", odir->ino);
	}
	if ((r = dir_remove_at(odir, &p)))
		return r;
	if (is_dir && odir != ndir) {
		if ((r = set_dotdot(s, ndir->ino)))
			return r;
		odir->d.i_links_count--;
		ndir->d.i_links_count++;
		ext2_inode_sync(odir);
		ext2_inode_sync(ndir);
	}
	s->d.i_ctime = ext2_now();
	return ext2_inode_sync(s);
}

static int dir_rename(struct inode *odir, const char *oname, struct inode *src,
		      struct inode *ndir, const char *nname, struct inode *dst)
{
	struct ext2_fs *fs = EI(odir)->fs;
	int r;

	mutex_lock(&fs->lock);
	r = rename_locked(EI(odir), oname, EI(src), EI(ndir), nname, dst ? EI(dst) : NULL);
	mutex_unlock(&fs->lock);
	return r;
}

const struct inode_ops ext2_dir_iops = {
	.lookup = dir_lookup,
	.readdir = dir_readdir,
	.create = dir_create,
	.link = dir_link,
	.unlink = dir_unlink,
	.rename = dir_rename,
	.release = ext2_release,
	.stat = ext2_stat,
	.fsync = ext2_fsync,
	.setattr = ext2_setattr,
};
