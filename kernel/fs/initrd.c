/*
 * fs/initrd.c — unpacks cpio initrd images into the root filesystem at boot.
 *
 * Every entry becomes a node under / with the archive's permission bits: directories (missing
 * parents are made too), regular files (their data copied into ramfs pages), symlinks. Other
 * types, hard-link duplicates and names with ".." are skipped with a log line. A malformed
 * archive stops the unpack with a log line; everything before the error stays.
 */
#include "internal.h"
#include "cpio.h"
#include <keel/boot.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/string.h>
#include <keel/vm.h>

/* mkdir -p of path's parent directories. */
static void make_parents(char *path)
{
	for (char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		vfs_mkdir(vfs_root(), path, 0755);
		*s = '/';
	}
}

static int unpack_file(const char *path, const struct cpio_entry *e)
{
	struct file *f;
	ssize_t n;
	int r = vfs_open(vfs_root(), path, O_WRONLY | O_CREAT | O_TRUNC, e->mode & 07777, &f);

	if (r)
		return r;
	n = e->size ? file_kwrite(f, e->data, e->size, 0) : 0;
	file_put(f);
	return n < 0 ? (int)n : (size_t)n != e->size ? -ENOSPC : 0;
}

static int unpack_dir(const char *path, const struct cpio_entry *e)
{
	struct inode *d;
	int r = vfs_mkdir(vfs_root(), path, e->mode & 07777);

	if (r != -EEXIST)
		return r;
	if (vfs_lookup(vfs_root(), path, 0, &d))
		return r;
	if (S_ISDIR(d->mode)) {
		d->mode = S_IFDIR | (e->mode & 07777);
		r = 0;
	}
	inode_put(d);
	return r;
}

static int unpack_symlink(const char *path, const struct cpio_entry *e)
{
	char *target;
	int r;

	if (e->size == 0 || e->size >= PATH_MAX || strnlen(e->data, e->size) != e->size)
		return -EINVAL;
	target = kmalloc(e->size + 1);
	if (!target)
		return -ENOMEM;
	memcpy(target, e->data, e->size);
	target[e->size] = '\0';
	r = vfs_symlink(vfs_root(), target, path);
	kfree(target);
	return r;
}

static int unpack_entry(const struct cpio_entry *e, char *path)
{
	int len = cpio_clean_name(e->name, path, PATH_MAX);

	if (len < 0)
		return len;
	if (len == 0)
		return 0;		/* "." : the root itself */
	make_parents(path);
	switch (e->mode & S_IFMT) {
	case S_IFDIR:	return unpack_dir(path, e);
	case S_IFREG:	return unpack_file(path, e);
	case S_IFLNK:	return unpack_symlink(path, e);
	default:	return -ENOTSUP;
	}
}

int initrd_unpack(const void *data, size_t len, const char *what)
{
	struct cpio_entry e;
	const char *why;
	size_t off = 0;
	int n = 0, r;
	char *path = kmalloc(PATH_MAX);

	if (!path)
		return -ENOMEM;
	while ((r = cpio_next(data, len, &off, &e, &why)) > 0) {
		int u = unpack_entry(&e, path);

		if (u)
			pr_warn("initrd: %s: skipped \"%.64s\" (error %d)\n", what, e.name, -u);
		else
			n++;
	}
	if (r < 0)
		pr_err("initrd: %s: malformed archive at offset %zu: %s; kept the %d entries "
		       "before it\n", what, off, why, n);
	kfree(path);
	return n;
}

static bool is_initrd(const struct boot_module *m)
{
	size_t len = strlen(m->name), want = strlen("initrd.cpio");

	return len >= want && strcmp(m->name + len - want, "initrd.cpio") == 0;
}

void initrd_unpack_modules(const struct boot_info *bi)
{
	for (unsigned i = 0; bi && i < bi->nmodules; i++) {
		const struct boot_module *m = &bi->modules[i];
		int n;

		if (!is_initrd(m) || m->end <= m->start)
			continue;
		n = initrd_unpack(phys_to_virt(m->start), m->end - m->start, m->name);
		pr_info("initrd: unpacked %d entries from module %u \"%s\" (%lu KiB)\n", n, i,
			m->name, (m->end - m->start) / 1024);
	}
}
