/*
 * fs/mount.c — the mount table, filesystem types, and the calls that act on whole
 * filesystems (sync, syncfs, fsync, statfs) or need two of their names (link).
 *
 * Mounting a filesystem on a directory sets covered->mounted to the filesystem's root; path
 * walks step through (vfs_cross_mounts) after every lookup, at their start and after a
 * symlink to an absolute path. The mounted root takes the covered directory's name and a
 * reference on its parent, so ".." from it and getcwd below it see the outer tree. A mount
 * holds a reference on its root and one on the covered directory; the filesystem's inodes
 * each hold one on their parent, so the root has exactly the mount's reference (and the
 * umount's own lookup) exactly when nothing of the filesystem is in use.
 *
 * Locking: mount_lock (a mutex) guards the table and is held across sync's writes, so a
 * filesystem cannot go while it is being synced; it is taken before vfs_ns_lock, which
 * guards the mounted/covered links.
 */
#include "internal.h"
#include <keel/cmdline.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/string.h>

#define RAMFS_MAGIC	0x858458f6

static struct mutex mount_lock = MUTEX_INIT(mount_lock, "mount table");
static struct list_node mounts = LIST_HEAD_INIT(mounts);
static struct fs_type *fs_types;

/* root=DEV's /dev and /proc (see below) */
static struct { struct inode *over, *tree; } binds[2];
static void root_unbind(void);

void vfs_register_fs(struct fs_type *t)
{
	mutex_lock(&mount_lock);
	t->next = fs_types;
	fs_types = t;
	mutex_unlock(&mount_lock);
}

static struct fs_type *find_type(const char *name)
{
	for (struct fs_type *t = fs_types; t; t = t->next)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

struct inode *vfs_cross_mounts(struct inode *next)
{
	for (unsigned depth = 0; next->mounted && depth < 16; depth++) {
		struct inode *root = next->mounted;

		inode_get(root);
		inode_put(next);
		next = root;
	}
	return next;
}

/* Links sb over target (vfs_ns_lock held; target counted, kept by the mount). */
static int attach_locked(struct vfs_sb *sb, struct inode *target)
{
	if (target->mounted)
		return -EBUSY;
	if (!target->nlink && target != vfs_root())
		return -ENOENT;
	sb->covered = target;
	if (target->parent) {
		inode_get(target->parent);
		sb->root->parent = target->parent;
	}
	strlcpy(sb->root->name, target->name, sizeof(sb->root->name));
	target->mounted = sb->root;
	list_append(&mounts, &sb->node);
	return 0;
}

static bool source_busy(const char *source)
{
	list_for_each_entry(m, &mounts, struct vfs_sb, node)
		if (strcmp(m->source, source) == 0)
			return true;
	return false;
}

int vfs_mount(const char *source, const char *target, const char *type, unsigned long flags)
{
	struct fs_type *t;
	struct inode *dir;
	struct vfs_sb *sb;
	int r;

	mutex_lock(&mount_lock);
	t = find_type(type);
	r = t ? vfs_lookup(NULL, target, LOOKUP_FOLLOW | LOOKUP_DIR, &dir) : -ENODEV;
	if (r)
		goto out;
	if (source_busy(source)) {
		inode_put(dir);
		r = -EBUSY;
		goto out;
	}
	r = t->mount(source, flags, &sb);
	if (r) {
		inode_put(dir);
		goto out;
	}
	strlcpy(sb->source, source, sizeof(sb->source));
	sb->type = t;
	sb->flags = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS);
	mutex_lock(&vfs_ns_lock);
	r = attach_locked(sb, dir);
	mutex_unlock(&vfs_ns_lock);
	if (r) {
		inode_put(dir);
		t->umount(sb);
	} else {
		pr_info("fs: %s (%s) mounted on %s%s\n", source, type, target,
			(flags & MS_RDONLY) ? " read-only" : "");
	}
out:
	mutex_unlock(&mount_lock);
	return r;
}

/* Unlinks sb from the tree if nothing of it is in use (vfs_ns_lock held); root is the
 * caller's counted lookup of it. */
static int detach_locked(struct vfs_sb *sb, struct inode *root)
{
	if (root->mounted || __atomic_load_n(&root->refs, __ATOMIC_ACQUIRE) != 2)
		return -EBUSY;
	sb->covered->mounted = NULL;
	list_remove(&sb->node);
	return 0;
}

/* Unmounts sb given a counted reference to its root (consumed); mount_lock held. */
static int umount_locked(struct vfs_sb *sb, struct inode *root)
{
	struct inode *covered, *parent;
	int r;

	mutex_lock(&vfs_ns_lock);
	r = detach_locked(sb, root);
	parent = r ? NULL : root->parent;
	if (!r)
		root->parent = NULL;
	mutex_unlock(&vfs_ns_lock);
	inode_put(root);
	if (r)
		return r;
	covered = sb->covered;
	r = sb->type->umount(sb);	/* writes back and frees sb; errors are logged */
	if (parent)
		inode_put(parent);
	inode_put(covered);
	if (r)
		pr_err("fs: write-back at umount failed (error %d)\n", r);
	return 0;
}

int vfs_umount(const char *target, int flags)
{
	struct vfs_sb *sb = NULL;
	struct inode *root;
	int r;

	if (flags & ~(MNT_FORCE | MNT_DETACH | 8 /* UMOUNT_NOFOLLOW */))
		return -EINVAL;
	mutex_lock(&mount_lock);
	r = vfs_lookup(NULL, target, (flags & 8) ? 0 : LOOKUP_FOLLOW, &root);
	if (r)
		goto out;
	list_for_each_entry(m, &mounts, struct vfs_sb, node)
		if (m->root == root)
			sb = m;
	if (!sb) {
		inode_put(root);
		r = -EINVAL;		/* not a mount point */
		goto out;
	}
	r = umount_locked(sb, root);
	if (!r)
		pr_info("fs: %s unmounted\n", target);
out:
	mutex_unlock(&mount_lock);
	return r;
}

void vfs_shutdown(void)
{
	root_unbind();
	mutex_lock(&mount_lock);
	while (!list_empty(&mounts)) {
		struct vfs_sb *sb = list_entry(mounts.prev, struct vfs_sb, node);

		inode_get(sb->root);
		if (umount_locked(sb, sb->root) == 0)
			continue;
		/* still in use by a process that outlived init: write it back, leave it marked
		 * not clean, and stop (the ones under it are busy too) */
		pr_warn("fs: %s still in use at power-off: synced, not unmounted\n", sb->source);
		list_for_each_entry(m, &mounts, struct vfs_sb, node)
			m->type->sync(m);
		break;
	}
	mutex_unlock(&mount_lock);
}

void vfs_for_each_mount(void (*fn)(const char *source, const char *target, const char *type,
				   unsigned long flags, void *arg), void *arg)
{
	const unsigned long procfl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	char *path = kmalloc(PATH_MAX);
	struct vfs_sb *root = NULL;

	if (!path)
		return;
	mutex_lock(&mount_lock);
	list_for_each_entry(m, &mounts, struct vfs_sb, node)
		if (m->covered == vfs_root())
			root = m;
	if (root)
		fn(root->source, "/", root->type->name, root->flags, arg);
	else
		fn("rootfs", "/", "ramfs", 0, arg);
	fn("proc", "/proc", "proc", procfl, arg);
	if (binds[0].over)
		fn("ramfs", "/dev", "ramfs", MS_NOSUID, arg);
	list_for_each_entry(m, &mounts, struct vfs_sb, node) {
		if (m == root)
			continue;
		if (vfs_path_of(m->covered, path, PATH_MAX) < 0)
			strlcpy(path, "?", PATH_MAX);
		fn(m->source, path, m->type->name, m->flags, arg);
	}
	mutex_unlock(&mount_lock);
	kfree(path);
}

void vfs_for_each_fs_type(void (*fn)(const char *name, void *arg), void *arg)
{
	mutex_lock(&mount_lock);
	for (struct fs_type *t = fs_types; t; t = t->next)
		fn(t->name, arg);
	mutex_unlock(&mount_lock);
}

int vfs_sync_all(void)
{
	int r = 0;

	mutex_lock(&mount_lock);
	list_for_each_entry(m, &mounts, struct vfs_sb, node) {
		int e = m->type->sync(m);

		if (!r)
			r = e;
	}
	mutex_unlock(&mount_lock);
	return r;
}

int vfs_fsync(struct inode *ino, bool datasync)
{
	return ino->iops && ino->iops->fsync ? ino->iops->fsync(ino, datasync) : 0;
}

int vfs_syncfs(struct inode *ino)
{
	return ino->sb ? ino->sb->type->sync(ino->sb) : 0;
}

#define PROC_SUPER_MAGIC	0x9fa0
#define ST_VALID		0x20
#define ST_NOSUID		0x2
#define ST_NODEV		0x4
#define ST_NOEXEC		0x8

/* A disk filesystem answers for itself. The ramfs tree holds file data in RAM: its size is
 * RAM, its free space the free frames. /proc holds none. */
void vfs_statfs(struct inode *ino, struct kstatfs *st)
{
	struct frame_stats fs;

	memset(st, 0, sizeof(*st));
	st->f_namelen = NAME_MAX;
	if (ino->sb) {
		ino->sb->type->statfs(ino->sb, st);
		st->f_flags = (int64_t)ino->sb->flags | ST_VALID;
		return;
	}
	st->f_bsize = st->f_frsize = PAGE_SIZE;
	if (procfs_contains(ino)) {
		st->f_type = PROC_SUPER_MAGIC;
		st->f_fsid[0] = 2;
		st->f_flags = ST_VALID | ST_NOSUID | ST_NODEV | ST_NOEXEC;
		return;
	}
	frame_stats(&fs);
	st->f_type = RAMFS_MAGIC;
	st->f_fsid[0] = 1;
	st->f_blocks = fs.total_pages;
	st->f_bfree = st->f_bavail = fs.free_pages;
	st->f_flags = ST_VALID;
}

/* A new name needs write and search on its directory (hard links of others' files are
 * not further restricted: keel has no protected_hardlinks). */
static int link_perm(struct inode *dir)
{
	struct cred c;

	cred_current(&c);
	return perm_create(dir, &c);
}

int vfs_link(struct inode *obase, const char *old, struct inode *nbase, const char *new_,
	     bool follow)
{
	char last[NAME_MAX + 1];
	struct inode *src, *dir;
	bool trailing;
	int r;

	mutex_lock(&vfs_ns_lock);
	r = vfs_walk_locked(obase, old, follow ? LOOKUP_FOLLOW : 0, &src, NULL, NULL);
	if (r)
		goto out;
	r = vfs_walk_locked(nbase, new_, 0, &dir, last, &trailing);
	if (r)
		goto out_src;
	if (S_ISDIR(src->mode))
		r = -EPERM;
	else if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0 || trailing)
		r = -EEXIST;
	else if (dir->sb != src->sb)
		r = -EXDEV;
	else if (!dir->iops || !dir->iops->link)
		r = -EPERM;		/* ramfs: one name per inode */
	else if (dir->sb->flags & MS_RDONLY)
		r = -EROFS;
	else if (!dir->nlink)
		r = -ENOENT;
	else if (!(r = link_perm(dir)))
		r = dir->iops->link(dir, last, src);
	inode_put(dir);
out_src:
	inode_put(src);
out:
	mutex_unlock(&vfs_ns_lock);
	return r;
}

/* ---- root=DEV ----
 * The disk's ext2 is mounted over the initrd's ramfs root, hiding it; the kernel-made trees
 * /dev and /proc stay in the ramfs and are attached over the disk's directories of those
 * names (made if missing), like mounts without a superblock: over->mounted = tree, a
 * reference on each kept until power-off. A root that cannot be mounted leaves the initrd
 * as root, said in the log. */

static char boot_root[64];

static int set_root(const char *v)
{
	if (!v || v[0] != '/' || strlen(v) >= sizeof(boot_root))
		return -EINVAL;
	strlcpy(boot_root, v, sizeof(boot_root));
	return 0;
}
CMDLINE_PARAM("root", set_root, "root=/dev/vda: an ext2 disk as the root filesystem");

/* Attaches the ramfs root's directory name over the disk's /name. */
static int root_bind(unsigned slot, const char *name)
{
	struct inode *ramfs = vfs_root(), *tree, *over;
	char path[16] = "/";
	int r;

	mutex_lock(&vfs_ns_lock);
	r = ramfs->iops->lookup(ramfs, name, &tree);
	mutex_unlock(&vfs_ns_lock);
	if (r)
		return r;
	strlcpy(path + 1, name, sizeof(path) - 1);
	vfs_mkdir(NULL, path, 0755);		/* -EEXIST is fine */
	r = vfs_lookup(NULL, path, LOOKUP_DIR, &over);
	if (r) {
		inode_put(tree);
		return r;
	}
	mutex_lock(&vfs_ns_lock);
	r = over->mounted || !over->sb ? -EBUSY : 0;	/* the disk's own directory, free */
	if (r == 0)
		over->mounted = tree;
	mutex_unlock(&vfs_ns_lock);
	if (r) {
		inode_put(over);
		inode_put(tree);
		return r;
	}
	binds[slot].over = over;
	binds[slot].tree = tree;
	return 0;
}

static void root_unbind(void)
{
	for (unsigned i = 0; i < 2; i++) {
		if (!binds[i].over)
			continue;
		mutex_lock(&vfs_ns_lock);
		binds[i].over->mounted = NULL;
		mutex_unlock(&vfs_ns_lock);
		inode_put(binds[i].over);
		inode_put(binds[i].tree);
		binds[i].over = binds[i].tree = NULL;
	}
}

static void mount_root(void)
{
	static const char *const trees[2] = { "dev", "proc" };
	int r = vfs_mount(boot_root, "/", "ext2", 0);

	if (r) {
		pr_err("fs: root=%s failed (error %d): the initrd stays the root\n", boot_root, r);
		return;
	}
	for (unsigned i = 0; i < 2; i++)
		if ((r = root_bind(i, trees[i])))
			pr_err("fs: root=%s: /%s not attached (error %d)\n", boot_root, trees[i], r);
}

/* ---- mount=DEV:DIR[,DEV:DIR...] ---- */

static char boot_mounts[256];

static int set_mounts(const char *v)
{
	if (!v || !strchr(v, ':') || strlen(v) >= sizeof(boot_mounts))
		return -EINVAL;
	strlcpy(boot_mounts, v, sizeof(boot_mounts));
	return 0;
}
CMDLINE_PARAM("mount", set_mounts, "mount=/dev/vda:/home[,DEV:DIR...] (ext2)");

void vfs_mount_boot(void)
{
	char *p = boot_mounts;

	if (boot_root[0])
		mount_root();
	while (*p) {
		char *end = strchr(p, ','), *colon;
		int r;

		if (end)
			*end = '\0';
		colon = strchr(p, ':');
		if (colon) {
			*colon = '\0';
			vfs_mkdir(NULL, colon + 1, 0755);	/* -EEXIST is fine */
			r = vfs_mount(p, colon + 1, "ext2", 0);
			if (r)
				pr_err("fs: mount=%s:%s failed (error %d)\n", p, colon + 1, r);
		}
		if (!end)
			break;
		p = end + 1;
	}
}
