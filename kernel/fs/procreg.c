/*
 * fs/procreg.c — /proc entries registered by other subsystems (keel/procfs.h).
 *
 * The registry is a small tree of struct proc_reg: directories (children, in registration
 * order) and files (a text generator). It is only appended to, so readers walk it without a
 * lock once they have seen a node (the append publishes with a release store); procreg_lock
 * orders registrations. A lookup makes a fresh inode each time, as /proc/<pid> does: a
 * directory inode's priv is its registry node (static, never freed), a file is an ordinary
 * generated file (procfs_text_file) with a stable inode number kept in the registry.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/procfs.h>
#include <keel/string.h>
#include <keel/sync.h>

#define PROCREG_INO_BASE	0x3f000000ULL	/* below /proc's own numbers */

struct proc_reg {
	char name[32];
	proc_text_fn gen;		/* NULL: a directory */
	uint64_t ino;
	struct proc_reg *children, *next;
};

static struct proc_reg top;		/* the registered part of /proc itself */
static struct mutex procreg_lock = MUTEX_INIT(procreg_lock, "procreg");
static uint64_t next_ino = PROCREG_INO_BASE;

static struct proc_reg *child(const struct proc_reg *dir, const char *name, size_t len)
{
	for (struct proc_reg *r = __atomic_load_n(&dir->children, __ATOMIC_ACQUIRE); r;
	     r = __atomic_load_n(&r->next, __ATOMIC_ACQUIRE))
		if (strlen(r->name) == len && memcmp(r->name, name, len) == 0)
			return r;
	return NULL;
}

/* Appends a new node to dir (procreg_lock held); counts the top level against its limit. */
static struct proc_reg *append(struct proc_reg *dir, const char *name, size_t len,
			       proc_text_fn gen)
{
	struct proc_reg **tail = &dir->children, *r;
	unsigned n = 0;

	for (; *tail; tail = &(*tail)->next)
		n++;
	if ((dir == &top && n >= PROCREG_MAX_TOP) || len >= sizeof(r->name))
		return NULL;
	r = kzalloc(sizeof(*r));
	if (!r)
		return NULL;
	memcpy(r->name, name, len);
	r->gen = gen;
	r->ino = next_ino++;
	__atomic_store_n(tail, r, __ATOMIC_RELEASE);
	return r;
}

int procfs_add(const char *path, proc_text_fn gen)
{
	struct proc_reg *dir = &top;
	int err = 0;

	if (!gen || !path || !*path || *path == '/')
		return -EINVAL;
	mutex_lock(&procreg_lock);
	while (!err) {
		const char *slash = strchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : strlen(path);
		struct proc_reg *r = child(dir, path, len);

		if (len == 0 || (r && (!slash || r->gen))) {
			err = len == 0 ? -EINVAL : -EEXIST;
			break;
		}
		if (!r && !(r = append(dir, path, len, slash ? NULL : gen)))
			err = -ENOMEM;
		if (!slash)
			break;
		dir = r;
		path = slash + 1;
	}
	mutex_unlock(&procreg_lock);
	return err;
}

static int dir_lookup(struct inode *dir, const char *name, struct inode **out)
{
	return procreg_lookup(dir, dir->priv, name, out);
}

static int dir_readdir(struct inode *dir, struct dir_ctx *ctx)
{
	if (ctx->pos == 0 && !ctx->emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
		return 0;
	if (ctx->pos <= 1 && !ctx->emit(ctx, "..", 2, dir->parent->ino, DT_DIR, 2))
		return 0;
	procreg_readdir(dir, dir->priv, ctx, 2, UINT32_MAX);
	return 0;
}

static const struct inode_ops dir_iops = { .lookup = dir_lookup, .readdir = dir_readdir };

int procreg_lookup(struct inode *dir, const struct proc_reg *reg, const char *name,
		   struct inode **out)
{
	struct proc_reg *r = child(reg ? reg : &top, name, strlen(name));
	struct inode *ino;

	if (!r)
		return -ENOENT;
	if (r->gen) {
		ino = procfs_text_file(dir, r->name, r->gen);
	} else if ((ino = inode_new(S_IFDIR | 0555, &dir_iops, NULL))) {
		ino->priv = r;
		ino->uid = ino->gid = 0;	/* root's, not the reader's */
		strlcpy(ino->name, r->name, sizeof(ino->name));
		inode_get(dir);
		ino->parent = dir;
	}
	if (!ino)
		return -ENOMEM;
	ino->ino = r->ino;
	*out = ino;
	return 0;
}

bool procreg_readdir(struct inode *dir, const struct proc_reg *reg, struct dir_ctx *ctx,
		     uint64_t first, unsigned max)
{
	unsigned k = 0;

	for (struct proc_reg *r = __atomic_load_n(&(reg ? reg : &top)->children,
						  __ATOMIC_ACQUIRE);
	     r && k < max; r = __atomic_load_n(&r->next, __ATOMIC_ACQUIRE), k++) {
		if (ctx->pos > first + k)
			continue;
		if (!ctx->emit(ctx, r->name, strlen(r->name), r->ino, r->gen ? DT_REG : DT_DIR,
			       first + k + 1))
			return false;
	}
	return true;
}
