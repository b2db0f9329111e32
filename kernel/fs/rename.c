/*
 * fs/rename.c — unlink, rmdir and rename on ramfs directories.
 *
 * All three run under vfs_ns_lock, after fs/perm.c allowed them (write and search on the
 * directories, the sticky bit). Removing a node unlinks it from its directory, sets its
 * nlink to 0 and drops the directory's reference; open files, cwds and lookups in flight keep
 * it alive (a removed directory then takes no new entries and getcwd in it gives -ENOENT).
 * An inode keeps its reference on its last parent until it is freed.
 */
#include "internal.h"
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/string.h>

static void detach_locked(struct inode *dir, struct inode *child)
{
	list_remove(&child->sibling);
	if (S_ISDIR(child->mode))
		dir->nlink--;
	dir->mtime_ns = child->ctime_ns = vfs_now_ns();
}

/* Removes child from dir for good: nobody can find it by name any more. */
static void remove_locked(struct inode *dir, struct inode *child)
{
	detach_locked(dir, child);
	child->nlink = 0;
	inode_put(child);		/* the directory's link */
}

/* The child called last in dir (counted) for a removal; errors for "." and "..". */
static int removal_target(struct inode *dir, const char *last, bool rmdir, struct inode **out)
{
	if (strcmp(last, ".") == 0)
		return rmdir ? -EINVAL : -EISDIR;
	if (strcmp(last, "..") == 0)
		return rmdir ? -ENOTEMPTY : -EISDIR;
	if (dir->iops != &ramfs_dir_iops && !(dir->iops && dir->iops->unlink))
		return dir->iops && dir->iops->lookup ? -EACCES : -ENOTDIR;
	return dir->iops->lookup(dir, last, out);
}

/* A mount point, or the root of a mounted filesystem, cannot be removed or moved. */
static bool is_mount_point(struct inode *ino)
{
	return ino->mounted || (ino->sb && ino->sb->root == ino);
}

/* Disk directories: the filesystem unlinks, the VFS drops the child's name. */
static int remove_disk_locked(struct inode *dir, const char *name, struct inode *c)
{
	int r;

	if (dir->sb && (dir->sb->flags & MS_RDONLY))
		return -EROFS;
	r = dir->iops->unlink(dir, name, c);
	if (!r)
		dir->mtime_ns = c->ctime_ns;
	return r;
}

static size_t strspn_slash(const char *s)
{
	size_t n = 0;

	while (s[n] == '/')
		n++;
	return n;
}

static int remove_path(struct inode *base, const char *path, bool rmdir)
{
	char last[NAME_MAX + 1];
	struct inode *dir, *c = NULL;
	struct cred cred;
	bool trailing;
	int r;

	if (path[0] == '/' && path[strspn_slash(path)] == '\0')
		return -EBUSY;		/* the root itself */
	mutex_lock(&vfs_ns_lock);
	r = vfs_walk_locked(base, path, 0, &dir, last, &trailing);
	if (r)
		goto out;
	r = removal_target(dir, last, rmdir, &c);
	if (r)
		goto out_dir;
	cred_current(&cred);
	if ((r = perm_delete(dir, c, &cred)))
		;
	else if (rmdir && !S_ISDIR(c->mode))
		r = -ENOTDIR;
	else if (!rmdir && S_ISDIR(c->mode))
		r = -EISDIR;
	else if (!rmdir && trailing)
		r = -ENOTDIR;
	else if (rmdir && !list_empty(&c->children))
		r = -ENOTEMPTY;
	else if (c == vfs_root() || is_mount_point(c))
		r = -EBUSY;
	if (!r && dir->iops->unlink)
		r = remove_disk_locked(dir, last, c);
	else if (!r)
		remove_locked(dir, c);
	inode_put(c);
out_dir:
	inode_put(dir);
out:
	mutex_unlock(&vfs_ns_lock);
	return r;
}

int vfs_unlink(struct inode *base, const char *path)
{
	return remove_path(base, path, false);
}

int vfs_rmdir(struct inode *base, const char *path)
{
	return remove_path(base, path, true);
}

/* True when a is d or one of d's ancestors. */
static bool is_ancestor(struct inode *a, struct inode *d)
{
	for (; d; d = d->parent)
		if (d == a)
			return true;
	return false;
}

/* May src replace dst (both exist, different)? */
static int replace_check(struct inode *src, struct inode *dst)
{
	if (S_ISDIR(src->mode) && !S_ISDIR(dst->mode))
		return -ENOTDIR;
	if (!S_ISDIR(src->mode) && S_ISDIR(dst->mode))
		return -EISDIR;
	if (S_ISDIR(dst->mode) && !list_empty(&dst->children))
		return -ENOTEMPTY;
	if (is_mount_point(dst))
		return -EBUSY;
	return 0;
}

/* The filesystem moves the entry; the VFS moves src's name and parent reference. */
static int move_disk_locked(struct inode *sdir, const char *oname, struct inode *src,
			    struct inode *ndir, const char *name, struct inode *dst)
{
	struct inode *old;
	int r;

	if (ndir->sb->flags & MS_RDONLY)
		return -EROFS;
	r = sdir->iops->rename(sdir, oname, src, ndir, name, dst);
	if (r)
		return r;
	old = src->parent;
	inode_get(ndir);
	src->parent = ndir;
	strlcpy(src->name, name, sizeof(src->name));
	if (old)
		inode_put(old);		/* sdir, or the dir of another hard link */
	return 0;
}

/* Moves src (a child of sdir) to ndir under name, replacing dst if there is one. */
static int move_locked(struct inode *sdir, const char *oname, struct inode *src,
		       struct inode *ndir, const char *name, struct inode *dst)
{
	int r;

	if (dst == src)
		return 0;
	if (dst && (r = replace_check(src, dst)) != 0)
		return r;
	if (S_ISDIR(src->mode) && is_ancestor(src, ndir))
		return -EINVAL;
	if (sdir->iops->rename)
		return move_disk_locked(sdir, oname, src, ndir, name, dst);
	if (dst)
		remove_locked(ndir, dst);
	detach_locked(sdir, src);
	src->parent = NULL;
	r = ramfs_link_locked(ndir, name, src);	/* cannot fail: checked above */
	inode_put(sdir);			/* src's old parent reference */
	return r;
}

static int rename_locked(struct inode *obase, const char *old, struct inode *nbase,
			 const char *new_, char *olast, char *nlast)
{
	struct inode *sdir, *ndir = NULL, *src = NULL, *dst = NULL;
	bool otrail, ntrail;
	int r;

	r = vfs_walk_locked(obase, old, 0, &sdir, olast, &otrail);
	if (r)
		return r;
	r = vfs_walk_locked(nbase, new_, 0, &ndir, nlast, &ntrail);
	if (r)
		goto out;
	r = removal_target(sdir, olast, true, &src);
	if (r)
		goto out;
	if (strcmp(nlast, ".") == 0 || strcmp(nlast, "..") == 0)
		r = -EBUSY;
	else if (ndir->sb != sdir->sb || (ndir->iops != &ramfs_dir_iops && !ndir->iops->rename))
		r = -EXDEV;
	else if (is_mount_point(src))
		r = -EBUSY;
	else if (!ndir->nlink)
		r = -ENOENT;
	else if ((otrail || ntrail) && !S_ISDIR(src->mode))
		r = -ENOTDIR;
	else if (ndir->iops->lookup(ndir, nlast, &dst) != 0)
		dst = NULL;
	if (!r && dst != src) {
		struct cred c;

		cred_current(&c);
		r = perm_rename(sdir, src, ndir, dst, &c);
	}
	if (!r)
		r = move_locked(sdir, olast, src, ndir, nlast, dst);
out:
	if (dst)
		inode_put(dst);
	if (src)
		inode_put(src);
	if (ndir)
		inode_put(ndir);
	inode_put(sdir);
	return r;
}

int vfs_rename(struct inode *obase, const char *old, struct inode *nbase, const char *new_)
{
	char olast[NAME_MAX + 1], nlast[NAME_MAX + 1];
	int r;

	mutex_lock(&vfs_ns_lock);
	r = rename_locked(obase, old, nbase, new_, olast, nlast);
	mutex_unlock(&vfs_ns_lock);
	return r;
}
