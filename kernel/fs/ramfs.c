/*
 * fs/ramfs.c — the in-memory filesystem behind / : directories, regular files, symlinks.
 *
 * A directory's children are its inodes themselves, linked on dir->children in the order they
 * were added; each carries a dcookie (its getdents position) that only grows, so a listing
 * resumes correctly across removals. A regular file's data is an array of page pointers grown
 * by doubling; a NULL slot is a hole that reads as zeros. Symlink targets are kmalloc'd.
 *
 * Locking: vfs_ns_lock for children lists and names; inode->lock for a file's pages and size.
 */
#include <keel/assert.h>
#include <keel/vfs.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/uvm.h>

#define RAMFS_MAX_SIZE	(1ULL << 30)		/* -EFBIG beyond */

static int ramfs_lookup(struct inode *dir, const char *name, struct inode **out)
{
	list_for_each(it, &dir->children) {
		struct inode *c = list_entry(it, struct inode, sibling);

		if (strcmp(c->name, name) == 0) {
			inode_get(c);
			*out = c;
			return 0;
		}
	}
	return -ENOENT;
}

/* "." and ".." at positions 0 and 1, then children by dcookie. */
static int ramfs_readdir(struct inode *dir, struct dir_ctx *ctx)
{
	struct inode *up = dir->parent ? dir->parent : dir;

	if (ctx->pos == 0 && !ctx->emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
		return 0;
	if (ctx->pos <= 1 && !ctx->emit(ctx, "..", 2, up->ino, DT_DIR, 2))
		return 0;
	list_for_each(it, &dir->children) {
		struct inode *c = list_entry(it, struct inode, sibling);

		if (c->dcookie < ctx->pos)
			continue;
		if (!ctx->emit(ctx, c->name, strlen(c->name), c->ino, inode_dtype(c),
			       c->dcookie + 1))
			return 0;
	}
	return 0;
}

static ssize_t ramfs_readlink(struct inode *ino, char *buf, size_t n)
{
	size_t len = MIN(n, (size_t)ino->size);

	memcpy(buf, ino->link, len);
	return (ssize_t)len;
}

const struct inode_ops ramfs_dir_iops = {
	.lookup = ramfs_lookup,
	.readdir = ramfs_readdir,
};

const struct inode_ops ramfs_symlink_iops = {
	.readlink = ramfs_readlink,
};

int ramfs_link_locked(struct inode *dir, const char *name, struct inode *child)
{
	struct inode *old;

	assert_mutex_held(&vfs_ns_lock);
	if (dir->iops != &ramfs_dir_iops)
		return -EACCES;
	if (!dir->nlink)
		return -ENOENT;		/* a removed directory takes no new entries */
	if (ramfs_lookup(dir, name, &old) == 0) {
		inode_put(old);
		return -EEXIST;
	}
	strlcpy(child->name, name, sizeof(child->name));
	inode_get(dir);
	child->parent = dir;
	child->dcookie = dir->next_cookie++;
	list_append(&dir->children, &child->sibling);
	if (S_ISDIR(child->mode))
		dir->nlink++;
	dir->mtime_ns = vfs_now_ns();
	return 0;
}

/* ---- regular file data (inode->lock held) ---- */

/* File data lives in counted frames (keel/uvm.h), so mappings can share them. ramfs_pages
 * counts the frames files hold (/proc/meminfo's Cached and Shmem). */
static size_t ramfs_pages;

static void *ramfs_page_alloc(void)
{
	phys_addr_t pa = user_page_alloc();

	if (pa)
		__atomic_add_fetch(&ramfs_pages, 1, __ATOMIC_RELAXED);
	return pa ? phys_to_virt(pa) : NULL;
}

void ramfs_page_put(void *page)
{
	__atomic_sub_fetch(&ramfs_pages, 1, __ATOMIC_RELAXED);
	user_page_put(virt_to_phys(page));
}

size_t ramfs_file_pages(void)
{
	return __atomic_load_n(&ramfs_pages, __ATOMIC_RELAXED);
}

static int ramfs_reserve(struct inode *ino, size_t npages)
{
	size_t cap = ino->npages ? ino->npages : 4;
	void **p;

	if (npages <= ino->npages)
		return 0;
	while (cap < npages)
		cap *= 2;
	p = kzalloc(cap * sizeof(void *));
	if (!p)
		return -ENOSPC;
	if (ino->pages)
		memcpy(p, ino->pages, ino->npages * sizeof(void *));
	kfree(ino->pages);
	ino->pages = p;
	ino->npages = cap;
	return 0;
}

ssize_t ramfs_read_locked(struct inode *ino, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	assert_mutex_held(&ino->lock);
	if (off >= ino->size)
		return 0;
	n = MIN(n, ino->size - off);
	while (done < n) {
		uint64_t pos = off + done;
		size_t pg = pos / PAGE_SIZE, in = pos % PAGE_SIZE;
		size_t chunk = MIN(n - done, PAGE_SIZE - in);

		if (pg < ino->npages && ino->pages[pg])
			memcpy((char *)buf + done, (char *)ino->pages[pg] + in, chunk);
		else
			memset((char *)buf + done, 0, chunk);
		done += chunk;
	}
	return (ssize_t)n;
}

/* Zeroes [from, to) within the page that holds from, if it exists: bytes a shared mapping
 * stored past the end of the file must not reappear when the file grows over them. */
static void zero_past_end(struct inode *ino, uint64_t from, uint64_t to)
{
	size_t pg = from / PAGE_SIZE, in = from % PAGE_SIZE;

	if (!in || pg >= ino->npages || !ino->pages[pg])
		return;
	to = MIN(to, (uint64_t)(pg + 1) * PAGE_SIZE);
	if (to > from)
		memset((char *)ino->pages[pg] + in, 0, to - from);
}

ssize_t ramfs_write_locked(struct inode *ino, const void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	assert_mutex_held(&ino->lock);
	if (off >= RAMFS_MAX_SIZE || n > RAMFS_MAX_SIZE - off)
		return -EFBIG;
	if (n && ramfs_reserve(ino, ALIGN_UP(off + n, PAGE_SIZE) / PAGE_SIZE))
		return -ENOSPC;
	if (n && off > ino->size)
		zero_past_end(ino, ino->size, off);
	while (done < n) {
		uint64_t pos = off + done;
		size_t pg = pos / PAGE_SIZE, in = pos % PAGE_SIZE;
		size_t chunk = MIN(n - done, PAGE_SIZE - in);

		if (!ino->pages[pg] && !(ino->pages[pg] = ramfs_page_alloc()))
			break;
		memcpy((char *)ino->pages[pg] + in, (const char *)buf + done, chunk);
		done += chunk;
	}
	if (done && off + done > ino->size)
		ino->size = off + done;
	if (done)
		ino->mtime_ns = vfs_now_ns();
	return done ? (ssize_t)done : -ENOSPC;
}

/* Frees whole pages past the new end and zeroes the tail of the last one. */
int ramfs_truncate_locked(struct inode *ino, uint64_t size)
{
	size_t keep = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;

	assert_mutex_held(&ino->lock);
	if (size > RAMFS_MAX_SIZE)
		return -EFBIG;
	if (size > ino->size)
		zero_past_end(ino, ino->size, size);
	for (size_t i = keep; i < ino->npages; i++) {
		if (ino->pages[i]) {
			ramfs_page_put(ino->pages[i]);
			ino->pages[i] = NULL;
		}
	}
	if (size % PAGE_SIZE && keep - 1 < ino->npages && ino->pages[keep - 1])
		memset((char *)ino->pages[keep - 1] + size % PAGE_SIZE, 0,
		       PAGE_SIZE - size % PAGE_SIZE);
	ino->size = size;
	ino->mtime_ns = vfs_now_ns();
	return 0;
}

/* ---- file ops ---- */

static ssize_t reg_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	ssize_t r;

	mutex_lock(&f->ino->lock);
	r = ramfs_read_locked(f->ino, buf, n, *pos);
	mutex_unlock(&f->ino->lock);
	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

static ssize_t reg_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
	ssize_t r;

	mutex_lock(&f->ino->lock);
	if (f->flags & O_APPEND)
		*pos = f->ino->size;
	r = vfs_fsize_allow(*pos, n);
	if (r > 0)
		r = ramfs_write_locked(f->ino, buf, (size_t)r, *pos);
	mutex_unlock(&f->ino->lock);
	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

static int dir_readdir(struct file *f, struct dir_ctx *ctx)
{
	int r;

	if (!f->ino->iops || !f->ino->iops->readdir)
		return -ENOTDIR;
	mutex_lock(&vfs_ns_lock);
	r = f->ino->iops->readdir(f->ino, ctx);
	mutex_unlock(&vfs_ns_lock);
	return r;
}

static ssize_t dir_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	return -EISDIR;
}

static ssize_t dir_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
	return -EISDIR;
}

/* Lends the page to a mapping. A private mapping keeps seeing writes to the file until it
 * writes itself (copy-on-write); a shared one (fill) maps the file's page writable, so its
 * stores are the file's data. A truncation that drops a page leaves it in the mappings that
 * hold it, detached from the file (Linux would unmap it and raise SIGBUS there). */
static int reg_map_page(struct file *f, uint64_t off, bool fill, phys_addr_t *pa)
{
	struct inode *ino = f->ino;
	size_t pg = off / PAGE_SIZE;
	int err = 0;

	mutex_lock(&ino->lock);
	if (off >= ino->size)
		err = fill ? -ENXIO : -ENOENT;
	else if (pg >= ino->npages || !ino->pages[pg]) {
		if (!fill)
			err = -ENOENT;
		else if (ramfs_reserve(ino, pg + 1) || !(ino->pages[pg] = ramfs_page_alloc()))
			err = -ENOMEM;
	}
	if (!err) {
		*pa = virt_to_phys(ino->pages[pg]);
		user_page_get(*pa);
	}
	mutex_unlock(&ino->lock);
	return err;
}

const struct file_ops ramfs_reg_fops = {
	.read = reg_read,
	.write = reg_write,
	.map_page = reg_map_page,
};

/* Every directory (ramfs or generated) opens with these. */
const struct file_ops vfs_dir_fops = {
	.read = dir_read,
	.write = dir_write,
	.readdir = dir_readdir,
};
