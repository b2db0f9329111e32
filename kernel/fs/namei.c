/*
 * fs/namei.c — path lookup and the namespace operations built on it.
 *
 * A walk runs with vfs_ns_lock held from start to end, so the tree cannot change under it; it
 * holds one counted reference (the directory it is in) and hands the caller a counted result.
 * Symlinks are expanded by splicing the target in front of the unwalked rest of the path in a
 * PATH_MAX buffer; more than SYMLOOP_MAX expansions give -ELOOP. Relative paths start at base,
 * or the caller's cwd (the root in kernel threads). Every directory a walk passes through
 * must grant search (x) to the caller's ids, one snapshot of them per walk; open, exec,
 * create and access ask fs/perm.c too.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/cred.h>
#include <keel/heap.h>
#include <keel/proc.h>
#include <keel/string.h>

struct walk {
	char *buf, *tmp;		/* PATH_MAX each: the path being walked, scratch */
	struct inode *cur;		/* counted */
	unsigned links;
	const struct cred *cred;	/* whose search permission is checked */
};

static bool is_dot(const char *s)
{
	return s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2]));
}

struct inode *vfs_cwd(void)
{
	struct proc *p = proc_current();

	if (!p || !p->fs) {		/* a kernel thread, or a process's teardown */
		inode_get(vfs_root());
		return vfs_root();
	}
	return fs_cwd(p->fs);		/* p->fs is only cleared by p's last thread */
}

static void walk_set(struct walk *w, struct inode *next)
{
	struct inode *old = w->cur;

	w->cur = next;
	inode_put(old);
}

/* Replaces the walked prefix by link's target: buf becomes target + "/" + rest. */
static int walk_follow(struct walk *w, struct inode *link, const char *rest, bool slash,
		       char **p)
{
	size_t rlen = strlen(rest);
	ssize_t tlen;

	if (++w->links > SYMLOOP_MAX)
		return -ELOOP;
	if (link->iops && link->iops->follow) {
		struct inode *target;
		int r = link->iops->follow(link, &target);

		if (r)
			return r;
		walk_set(w, target);	/* the rest of the path goes on from the target */
		return 0;
	}
	if (!link->iops || !link->iops->readlink)
		return -EINVAL;
	tlen = link->iops->readlink(link, w->tmp, PATH_MAX);
	if (tlen < 0)
		return (int)tlen;
	if (tlen == 0)
		return -ENOENT;
	if ((size_t)tlen + 1 + rlen >= PATH_MAX)
		return -ENAMETOOLONG;
	if (slash || rlen)
		w->tmp[tlen++] = '/';
	memcpy(w->tmp + tlen, rest, rlen + 1);
	char *t = w->buf;
	w->buf = w->tmp;
	w->tmp = t;
	*p = w->buf;
	if (w->buf[0] == '/') {
		inode_get(vfs_root());
		walk_set(w, vfs_cross_mounts(vfs_root()));
	}
	return 0;
}

/* One component step from w->cur; *p is advanced past the component and its slashes. */
static int walk_step(struct walk *w, const char *comp, bool last, bool trailing, unsigned flags,
		     char **p)
{
	struct inode *next;
	int r;

	if (strcmp(comp, ".") == 0)
		return 0;
	if (strcmp(comp, "..") == 0) {
		next = w->cur->parent ? w->cur->parent : w->cur;
		inode_get(next);
		walk_set(w, vfs_cross_mounts(next));	/* up into a root=DEV disk's root */
		return 0;
	}
	if (!w->cur->iops || !w->cur->iops->lookup)
		return -ENOTDIR;
	r = w->cur->iops->lookup(w->cur, comp, &next);
	if (r)
		return r;
	next = vfs_cross_mounts(next);
	if (S_ISLNK(next->mode) && (!last || trailing || (flags & LOOKUP_FOLLOW))) {
		r = walk_follow(w, next, *p, trailing, p);
		inode_put(next);
		return r;
	}
	walk_set(w, next);
	return 0;
}

static int walk_loop(struct walk *w, unsigned flags, char *last, bool *trailing_out)
{
	char comp[NAME_MAX + 1], *p = w->buf;
	bool trailing = false;
	int r;

	for (;;) {
		const char *name;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		name = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - name);
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, name, len);
		comp[len] = '\0';
		trailing = *p == '/';
		while (*p == '/')
			p++;
		if (!S_ISDIR(w->cur->mode))
			return -ENOTDIR;
		if ((r = perm_inode(w->cur, MAY_EXEC, w->cred)))
			return r;
		if (!*p && last) {
			strlcpy(last, comp, NAME_MAX + 1);
			*trailing_out = trailing;
			return 0;
		}
		r = walk_step(w, comp, !*p, trailing, flags, &p);
		if (r)
			return r;
	}
	if (last) {
		strlcpy(last, ".", NAME_MAX + 1);
		*trailing_out = true;
		return 0;
	}
	if ((trailing || (flags & LOOKUP_DIR)) && !S_ISDIR(w->cur->mode))
		return -ENOTDIR;
	return 0;
}

int vfs_walk_cred_locked(struct inode *base, const char *path, unsigned flags,
			 struct inode **out, char *last, bool *trailing, const struct cred *c)
{
	struct walk w = { .links = 0, .cred = c };
	size_t len = strnlen(path, PATH_MAX);
	int r;

	if (!len)
		return -ENOENT;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	w.buf = kmalloc(PATH_MAX);
	w.tmp = kmalloc(PATH_MAX);
	if (!w.buf || !w.tmp) {
		kfree(w.buf);
		kfree(w.tmp);
		return -ENOMEM;
	}
	memcpy(w.buf, path, len + 1);
	w.cur = path[0] == '/' ? vfs_root() : base ? base : NULL;
	if (w.cur)
		inode_get(w.cur);
	else
		w.cur = vfs_cwd();
	w.cur = vfs_cross_mounts(w.cur);	/* a filesystem mounted on / */
	r = walk_loop(&w, flags, last, trailing);
	if (r)
		inode_put(w.cur);
	else
		*out = w.cur;
	kfree(w.buf);
	kfree(w.tmp);
	return r;
}

int vfs_walk_locked(struct inode *base, const char *path, unsigned flags, struct inode **out,
		    char *last, bool *trailing)
{
	struct cred c;

	cred_current(&c);
	return vfs_walk_cred_locked(base, path, flags, out, last, trailing, &c);
}

int vfs_lookup(struct inode *base, const char *path, unsigned flags, struct inode **out)
{
	int r;

	mutex_lock(&vfs_ns_lock);
	r = vfs_walk_locked(base, path, flags, out, NULL, NULL);
	mutex_unlock(&vfs_ns_lock);
	return r;
}

/* Parent directory and last name of path, for the operations that create or remove. */
static int walk_parent(struct inode *base, const char *path, struct inode **dir, char *last,
		       bool *trailing)
{
	return vfs_walk_locked(base, path, 0, dir, last, trailing);
}

/* ---- creating ---- */

/* Links ino (made by the VFS, consumed) under dir; a disk filesystem's directory makes its
 * own inode of ino's type instead, returned in *made (counted) when made is not NULL. */
static int create_locked(struct inode *dir, const char *name, struct inode *ino,
			 struct inode **made)
{
	struct inode *n = NULL;
	struct cred c;
	int r;

	cred_current(&c);
	if (dir->iops && dir->iops->lookup && dir->iops->lookup(dir, name, &n) == 0)
		r = -EEXIST;		/* before EACCES, as Linux */
	else
		r = perm_create(dir, &c);
	if (r) {
		if (n)
			inode_put(n);
		inode_put(ino);
		return r;
	}
	n = NULL;
	perm_init_owner(dir, ino, &c);
	if (!dir->iops || !dir->iops->create) {
		r = ramfs_link_locked(dir, name, ino);
		if (r)
			inode_put(ino);
		else if (made)
			inode_get(*made = ino);
		return r;
	}
	if (!dir->nlink)
		r = -ENOENT;
	else if (!S_ISREG(ino->mode) && !S_ISDIR(ino->mode) && !S_ISLNK(ino->mode))
		r = -EPERM;		/* no device nodes or fifos on disk */
	else if (dir->sb && (dir->sb->flags & MS_RDONLY))
		r = -EROFS;
	else
		r = dir->iops->create(dir, name, ino, &n);
	inode_put(ino);
	if (!r && made)
		*made = n;
	else if (!r)
		inode_put(n);
	return r;
}

/* Creates a node at path; on success *out (if given) gets a counted reference. */
static int vfs_create(struct inode *base, const char *path, struct inode *ino,
		      struct inode **out)
{
	char last[NAME_MAX + 1];
	struct inode *dir;
	bool trailing;
	int r;

	mutex_lock(&vfs_ns_lock);
	r = walk_parent(base, path, &dir, last, &trailing);
	if (r) {
		mutex_unlock(&vfs_ns_lock);
		inode_put(ino);
		return r;
	}
	if (is_dot(last) || (trailing && !S_ISDIR(ino->mode))) {
		struct inode *e;

		r = is_dot(last) || dir->iops->lookup(dir, last, &e) == 0 ? -EEXIST : -ENOENT;
		if (r == -EEXIST && !is_dot(last))
			inode_put(e);
		inode_put(ino);
	} else {
		r = create_locked(dir, last, ino, out);
	}
	inode_put(dir);
	mutex_unlock(&vfs_ns_lock);
	return r;
}

int vfs_mkdir(struct inode *base, const char *path, uint32_t mode)
{
	struct inode *d = inode_new(S_IFDIR | (mode & 07777), &ramfs_dir_iops, NULL);

	return d ? vfs_create(base, path, d, NULL) : -ENOMEM;
}

int vfs_mknod(struct inode *base, const char *path, uint32_t mode, uint64_t rdev,
	      const struct file_ops *fops, void *priv)
{
	struct inode *n = inode_new(mode, NULL, fops);

	if (!n)
		return -ENOMEM;
	n->rdev = rdev;
	n->priv = priv;
	return vfs_create(base, path, n, NULL);
}

int vfs_symlink(struct inode *base, const char *target, const char *path)
{
	size_t len = strnlen(target, PATH_MAX);
	struct inode *l;

	if (!len)
		return -ENOENT;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	l = inode_new(S_IFLNK | 0777, &ramfs_symlink_iops, NULL);
	if (!l || !(l->link = kmalloc(len + 1))) {
		if (l)
			inode_put(l);
		return -ENOMEM;
	}
	memcpy(l->link, target, len + 1);
	l->size = len;
	return vfs_create(base, path, l, NULL);
}

/* ---- opening ---- */

int vfs_open_inode(struct inode *ino, unsigned flags, struct file **out)
{
	const struct file_ops *ops = S_ISDIR(ino->mode) ? &vfs_dir_fops : ino->fops;
	struct file *f;
	int r;

	if (!ops)
		return -ENXIO;
	f = file_alloc(ino, flags, ops);
	if (!f)
		return -ENOMEM;
	if (ops->open && (r = ops->open(ino, f)) != 0) {
		f->ops = NULL;		/* never opened: no release */
		file_put(f);
		return r;
	}
	*out = f;
	return 0;
}

/* O_CREAT: the existing node at path, or a new empty regular file. */
static int open_create(struct inode *base, const char *path, unsigned flags, uint32_t mode,
		       struct inode **out, bool *created)
{
	struct inode *ino;
	int r;

	if (!(flags & O_EXCL)) {
		r = vfs_lookup(base, path, (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, out);
		if (r != -ENOENT)
			return r;
	}
	ino = inode_new(S_IFREG | (mode & 07777), NULL, &ramfs_reg_fops);
	if (!ino)
		return -ENOMEM;
	r = vfs_create(base, path, ino, out);
	*created = r == 0;
	if (r == -EEXIST && !(flags & O_EXCL))	/* lost a race with another creator */
		return vfs_lookup(base, path, LOOKUP_FOLLOW, out);
	return r;
}

static int open_check(struct inode *ino, unsigned flags)
{
	unsigned acc = flags & O_ACCMODE;

	if (S_ISLNK(ino->mode))
		return -ELOOP;		/* O_NOFOLLOW on a symlink */
	if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
		return -ENOTDIR;
	if (S_ISDIR(ino->mode) && (acc != O_RDONLY || (flags & O_CREAT)))
		return -EISDIR;
	if (acc == O_ACCMODE)
		return -EINVAL;
	return 0;
}

int vfs_open(struct inode *base, const char *path, unsigned flags, uint32_t mode,
	     struct file **out)
{
	bool created = false;
	struct inode *ino;
	struct cred c;
	int r;

	if (flags & O_CREAT)
		r = open_create(base, path, flags, mode, &ino, &created);
	else
		r = vfs_lookup(base, path, (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &ino);
	if (r)
		return r;
	r = open_check(ino, flags);
	cred_current(&c);
	if (!r && !created)		/* a file this open made is opened as asked */
		r = perm_open(ino, flags, &c);
	if (!r && (flags & O_ACCMODE) != O_RDONLY && ino->sb && (ino->sb->flags & MS_RDONLY))
		r = -EROFS;
	if (!r && (flags & O_TRUNC) && S_ISREG(ino->mode) && (flags & O_ACCMODE) != O_RDONLY)
		r = inode_truncate(ino, 0);
	if (!r)
		r = vfs_open_inode(ino, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC), out);
	inode_put(ino);
	return r;
}

int vfs_open_exec(const char *path, struct file **out, char *abspath, size_t abspath_len)
{
	struct inode *ino;
	struct cred c;
	ssize_t n;
	int r = vfs_lookup(NULL, path, LOOKUP_FOLLOW, &ino);

	if (r)
		return r;
	cred_current(&c);
	r = S_ISREG(ino->mode) ? perm_inode(ino, MAY_EXEC, &c) : -EACCES;
	if (!r && abspath && (n = vfs_path_of(ino, abspath, abspath_len)) < 0)
		r = (int)n;
	if (!r)
		r = vfs_open_inode(ino, O_RDONLY, out);
	inode_put(ino);
	return r;
}

/* ---- queries ---- */

ssize_t vfs_readlink(struct inode *base, const char *path, char *buf, size_t n)
{
	struct inode *ino;
	ssize_t r;

	mutex_lock(&vfs_ns_lock);
	r = vfs_walk_locked(base, path, 0, &ino, NULL, NULL);
	if (!r) {
		if (!S_ISLNK(ino->mode) || !ino->iops || !ino->iops->readlink)
			r = -EINVAL;
		else
			r = ino->iops->readlink(ino, buf, n);
		inode_put(ino);
	}
	mutex_unlock(&vfs_ns_lock);
	return r;
}

int vfs_stat(struct inode *base, const char *path, bool follow, struct kstat *st)
{
	struct inode *ino;
	int r = vfs_lookup(base, path, follow ? LOOKUP_FOLLOW : 0, &ino);

	if (r)
		return r;
	inode_stat(ino, st);
	inode_put(ino);
	return 0;
}

int vfs_access(struct inode *base, const char *path, int amode, bool follow,
	       const struct cred *c)
{
	struct inode *ino;
	int r;

	if (amode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	mutex_lock(&vfs_ns_lock);
	r = vfs_walk_cred_locked(base, path, follow ? LOOKUP_FOLLOW : 0, &ino, NULL, NULL, c);
	mutex_unlock(&vfs_ns_lock);
	if (r)
		return r;
	r = perm_inode(ino, amode, c);	/* R_OK, W_OK, X_OK are MAY_READ, MAY_WRITE, MAY_EXEC */
	if (!r && (amode & W_OK) && ino->sb && (ino->sb->flags & MS_RDONLY))
		r = -EROFS;
	inode_put(ino);
	return r;
}

/* Builds the path backwards from the end of buf. */
ssize_t vfs_path_of_locked(struct inode *ino, char *buf, size_t n)
{
	size_t at = n;
	ssize_t r = 0;

	if (n < 2)
		return -ERANGE;
	buf[--at] = '\0';
	for (struct inode *i = ino; i != vfs_root() && i != vfs_root()->mounted; i = i->parent) {
		size_t len = strlen(i->name);

		if (!i->nlink || !i->parent) {
			r = -ENOENT;
			break;
		}
		if (len + 1 > at) {
			r = -ERANGE;
			break;
		}
		at -= len;
		memcpy(buf + at, i->name, len);
		buf[--at] = '/';
	}
	if (r)
		return r;
	if (at == n - 1)
		buf[--at] = '/';
	memmove(buf, buf + at, n - at);
	return (ssize_t)(n - at);
}

ssize_t vfs_path_of(struct inode *ino, char *buf, size_t n)
{
	ssize_t r;

	mutex_lock(&vfs_ns_lock);
	r = vfs_path_of_locked(ino, buf, n);
	mutex_unlock(&vfs_ns_lock);
	return r;
}
