/*
 * fs/procfs.c — /proc itself: the generated-file machinery every /proc file uses, and the top
 * directory (the system files of proc_sys.c, self, keel/, the registered entries of procreg.c,
 * and a directory per process, proc_pid.c).
 *
 * Every entry is made on lookup as a detached inode whose parent is the directory it was found
 * in (so getcwd works inside /proc) and freed with its last reference; inode numbers are
 * computed, so they are the same on every lookup. A file's text is generated when it is
 * opened, into a buffer the open file owns, so a reader sees one consistent snapshot.
 */
#include "proc_internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/proc.h>
#include <keel/string.h>

/* A growing text buffer; a failed allocation sets oom and drops the rest. */
struct proc_text {
	char *buf;
	size_t len, cap;
	bool oom;
};

/* Makes room for `more` bytes after len (plus a NUL); false (and oom) when out of memory. */
static bool text_room(struct proc_text *sb, size_t more)
{
	size_t cap = MAX(sb->cap * 2, sb->len + more + 256);
	char *nb;

	if (sb->oom)
		return false;
	if (sb->len + more < sb->cap)
		return true;
	if (!(nb = kmalloc(cap))) {
		sb->oom = true;
		return false;
	}
	if (sb->buf)
		memcpy(nb, sb->buf, sb->len);
	kfree(sb->buf);
	sb->buf = nb;
	sb->cap = cap;
	return true;
}

void proc_printf(struct proc_text *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !text_room(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void proc_write(struct proc_text *sb, const void *data, size_t n)
{
	if (!text_room(sb, n))
		return;
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
}

/* ---- generated files ---- */

static int gen_open(struct inode *ino, struct file *f)
{
	const struct proc_node *pn = ino->priv;
	struct proc_text *sb;
	int r;

	if (pn->inspect && (r = proc_pid_may_inspect(pn->pid)))
		return r;
	if (!(sb = kzalloc(sizeof(*sb))))
		return -ENOMEM;
	if (pn->text)
		pn->text(sb);
	else
		pn->gen(sb, pn->pid);
	if (sb->oom) {
		kfree(sb->buf);
		kfree(sb);
		return -ENOMEM;
	}
	f->priv = sb;
	return 0;
}

static void gen_release(struct file *f)
{
	struct proc_text *sb = f->priv;

	kfree(sb->buf);
	kfree(sb);
}

static ssize_t gen_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	struct proc_text *sb = f->priv;

	if (*pos >= sb->len)
		return 0;
	n = MIN(n, sb->len - *pos);
	memcpy(buf, sb->buf + *pos, n);
	*pos += n;
	return (ssize_t)n;
}

const struct file_ops proc_gen_fops = {
	.open = gen_open,
	.release = gen_release,
	.read = gen_read,
};


/* ---- /proc/self ---- */

static ssize_t self_readlink(struct inode *ino, char *buf, size_t n)
{
	struct proc *p = proc_current();
	char tmp[16];
	int len;

	if (!p)
		return -ENOENT;
	len = snprintf(tmp, sizeof(tmp), "%d", p->pid);
	memcpy(buf, tmp, MIN(n, (size_t)len));
	return (ssize_t)MIN(n, (size_t)len);
}

void proc_node_release(struct inode *ino)
{
	kfree(ino->priv);
}

static const struct inode_ops self_iops = { .readlink = self_readlink,
					    .release = proc_node_release };
const struct inode_ops proc_gen_iops = { .release = proc_node_release };

/* A /proc node belongs to root, or under /proc/<pid> to the process's effective ids, as on
 * Linux (so the fd directory's 0500 keeps other users out). */
static void proc_node_owner(struct inode *ino, int pid)
{
	struct proc *p = pid > 0 ? proc_get(pid) : NULL;
	struct cred c;

	cred_of(p, &c);
	ino->uid = p ? c.euid : 0;
	ino->gid = p ? c.egid : 0;
	if (p)
		proc_put(p);
}

struct inode *proc_node_new(struct inode *parent, const char *name, uint32_t mode,
			    const struct inode_ops *iops, const struct file_ops *fops,
			    proc_gen_fn gen, int pid)
{
	struct proc_node *pn = kzalloc(sizeof(*pn));
	struct inode *ino = pn ? inode_new(mode, iops, fops) : NULL;

	if (!ino) {
		kfree(pn);
		return NULL;
	}
	pn->gen = gen;
	pn->pid = pid;
	ino->priv = pn;
	proc_node_owner(ino, pid);
	strlcpy(ino->name, name, sizeof(ino->name));
	inode_get(parent);
	ino->parent = parent;
	return ino;
}

struct inode *procfs_text_file(struct inode *parent, const char *name, proc_text_fn text)
{
	struct inode *ino = proc_node_new(parent, name, S_IFREG | 0444, &proc_gen_iops,
					  &proc_gen_fops, NULL, 0);

	if (ino)
		((struct proc_node *)ino->priv)->text = text;
	return ino;
}

/* ---- /proc itself ---- */

/* Root positions: 0 ".", 1 "..", then ROOT_FIXED fixed entries (the system files, self,
 * keel), the registered ones (procfs_add), and pid + ROOT_PID_POS for each process. */
#define ROOT_FIXED	(proc_sys_nfiles + 2)
#define ROOT_PID_POS	64

static bool parse_pid(const char *s, int *pid)
{
	uint64_t v;

	if (s[0] < '1' || s[0] > '9' || !parse_u64(s, &v) || v > INT32_MAX)
		return false;
	*pid = (int)v;
	return true;
}

/* Fixed entry i of /proc (i < ROOT_FIXED), made fresh; NULL when out of memory. */
static struct inode *root_fixed(struct inode *dir, size_t i)
{
	struct inode *ino;

	if (i < proc_sys_nfiles)
		ino = proc_node_new(dir, proc_sys_files[i].name, S_IFREG | 0444, &proc_gen_iops,
				    &proc_gen_fops, proc_sys_files[i].gen, 0);
	else if (i == proc_sys_nfiles)
		ino = proc_node_new(dir, "self", S_IFLNK | 0777, &self_iops, NULL, NULL, 0);
	else
		ino = proc_node_new(dir, "keel", S_IFDIR | 0555, &proc_keel_iops, NULL, NULL, 0);
	if (ino)
		ino->ino = PROC_SYS_INO - i;
	return ino;
}

static const char *root_fixed_name(size_t i)
{
	return i < proc_sys_nfiles ? proc_sys_files[i].name : i == proc_sys_nfiles ? "self" :
									  "keel";
}

static int root_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct proc *p;
	int pid;

	for (size_t i = 0; i < ROOT_FIXED; i++) {
		if (strcmp(root_fixed_name(i), name) == 0) {
			*out = root_fixed(dir, i);
			return *out ? 0 : -ENOMEM;
		}
	}
	if (procreg_lookup(dir, NULL, name, out) == 0)
		return 0;
	if (!parse_pid(name, &pid) || !(p = proc_get(pid)))
		return -ENOENT;
	proc_put(p);
	*out = proc_node_new(dir, name, S_IFDIR | 0555, &proc_pid_iops, NULL, NULL, pid);
	if (!*out)
		return -ENOMEM;
	(*out)->ino = PROC_INO_BASE + (uint64_t)pid * 16;
	return 0;
}

struct pid_walk {
	struct dir_ctx *ctx;
	struct inode *dir;
};

static int emit_pid(struct proc *p, void *arg)
{
	struct pid_walk *w = arg;
	char name[16];
	int len;

	if ((uint64_t)p->pid + ROOT_PID_POS < w->ctx->pos)
		return 0;
	len = snprintf(name, sizeof(name), "%d", p->pid);
	return w->ctx->emit(w->ctx, name, (size_t)len, PROC_INO_BASE + (uint64_t)p->pid * 16,
			    DT_DIR, (uint64_t)p->pid + ROOT_PID_POS + 1) ? 0 : 1;
}

static int root_readdir(struct inode *dir, struct dir_ctx *ctx)
{
	static const unsigned char fixed_type[] = { DT_LNK, DT_DIR };	/* self, keel */
	struct pid_walk w = { ctx, dir };

	if (ctx->pos == 0 && !ctx->emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
		return 0;
	if (ctx->pos <= 1 && !ctx->emit(ctx, "..", 2, dir->parent->ino, DT_DIR, 2))
		return 0;
	for (uint64_t i = MAX(ctx->pos, 2) - 2; i < ROOT_FIXED; i++) {
		const char *name = root_fixed_name(i);
		unsigned type = i < proc_sys_nfiles ? DT_REG : fixed_type[i - proc_sys_nfiles];

		if (!ctx->emit(ctx, name, strlen(name), PROC_SYS_INO - i, type, i + 3))
			return 0;
	}
	if (!procreg_readdir(dir, NULL, ctx, ROOT_FIXED + 2, PROCREG_MAX_TOP))
		return 0;
	proc_for_each(emit_pid, &w);
	return 0;
}

static const struct inode_ops proc_root_iops = {
	.lookup = root_lookup,
	.readdir = root_readdir,
};

/* Every /proc node has /proc's root among its parents (they are counted, never re-linked). */
bool procfs_contains(struct inode *ino)
{
	bool in = false;

	mutex_lock(&vfs_ns_lock);
	for (; ino && !in; ino = ino->parent)
		in = ino->iops == &proc_root_iops;
	mutex_unlock(&vfs_ns_lock);
	return in;
}

void procfs_init(void)
{
	struct inode *dir = inode_new(S_IFDIR | 0555, &proc_root_iops, NULL);
	int err;

	if (!dir)
		return;
	mutex_lock(&vfs_ns_lock);
	err = ramfs_link_locked(vfs_root(), "proc", dir);
	mutex_unlock(&vfs_ns_lock);
	if (err)
		inode_put(dir);
}
