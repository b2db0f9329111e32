/*
 * fs/procfs.c — /proc: meminfo, cpuinfo, uptime, self, keel/ (kernel counters: keel/fpu),
 * and a directory per process.
 *
 * /proc is a directory whose lookup and readdir are generated: the fixed entries are inodes
 * made once at boot and kept; /proc/<pid>, its status and its exe are made on each lookup
 * (detached inodes whose parent is the directory they were found in, so getcwd works inside
 * them) and freed with their last reference. A file's text is generated when it is opened,
 * into a buffer the open file owns, so a reader sees one consistent snapshot.
 *
 * cpuinfo shows the boot CPU's identification (arch_cpu_ident): keel's CPUs are alike.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/proc.h>
#include <keel/procfs.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/tlb.h>
#include <keel/uvm.h>

#define PROC_INO_BASE	0x40000000ULL	/* /proc/<pid>/... inode numbers */

/* A growing text buffer; a failed allocation sets oom and drops the rest. */
struct proc_text {
	char *buf;
	size_t len, cap;
	bool oom;
};

void proc_printf(struct proc_text *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, sb->cap - sb->len, fmt, ap);
		va_end(ap);
		if (n < 0 || sb->oom)
			return;
		if (sb->len + (size_t)n < sb->cap) {
			sb->len += (size_t)n;
			return;
		}
		size_t cap = MAX(sb->cap * 2, sb->len + (size_t)n + 256);
		char *nb = kmalloc(cap);

		if (!nb) {
			sb->oom = true;
			return;
		}
		if (sb->buf)
			memcpy(nb, sb->buf, sb->len);
		kfree(sb->buf);
		sb->buf = nb;
		sb->cap = cap;
	}
}

typedef void (*proc_gen_fn)(struct proc_text *sb, int pid);

/* Generated files: priv is the generator; the pid comes from the parent directory. */
struct proc_node {
	proc_gen_fn gen;
	proc_text_fn text;		/* registered files (procfs_add): used instead of gen */
	int pid;
};

/* ---- generators ---- */

static void gen_meminfo(struct proc_text *sb, int pid)
{
	struct frame_stats st;

	frame_stats(&st);
	proc_printf(sb, "MemTotal:       %8zu kB\nMemFree:        %8zu kB\n"
		  "MemAvailable:   %8zu kB\n", st.total_pages * (PAGE_SIZE / 1024),
		  st.free_pages * (PAGE_SIZE / 1024), st.free_pages * (PAGE_SIZE / 1024));
}

static void gen_cpuinfo(struct proc_text *sb, int pid)
{
	struct arch_cpu_ident id;
	const char *feat;

	arch_cpu_ident(&id);
	for (unsigned c = cpumask_next(&cpu_online_mask, 0); c < CPU_MAX;
	     c = cpumask_next(&cpu_online_mask, c + 1)) {
		proc_printf(sb, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			  "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\nflags\t\t:",
			  c, id.vendor, id.family, id.model, id.brand, id.stepping,
			  arch_cycles_per_sec() / 1000000, arch_cycles_per_sec() / 1000 % 1000);
		for (unsigned i = 0; (feat = arch_cpu_feature(i)); i++)
			proc_printf(sb, " %s", feat);
		proc_printf(sb, "\n\n");
	}
}

static void gen_uptime(struct proc_text *sb, int pid)
{
	uint64_t ns = time_ns();

	proc_printf(sb, "%lu.%02lu 0.00\n", ns / NSEC_PER_SEC, ns / 10000000 % 100);
}

/* TLB shootdown counters since boot (keel/tlb.h), one "name value" pair a line. */
static void gen_tlb(struct proc_text *sb, int pid)
{
	struct tlb_stats st;

	tlb_stats_read(&st);
	proc_printf(sb, "mode %s\nshootdowns %lu\nipis %lu\npages_flushed %lu\n"
		  "full_flushes %lu\nlazy_skipped %lu\nswitches %lu\nswitch_flushes %lu\n",
		  tlb_mode(), st.shootdowns, st.ipis, st.pages, st.full, st.lazy_skipped,
		  st.switches, st.switch_flushes);
}

/* The user vector-state switching: configuration, counters per CPU, the reader's own. */
static void gen_fpu(struct proc_text *sb, int pid)
{
	struct fpu_stats st;
	char desc[160];

	arch_fpu_describe(desc, sizeof(desc));
	proc_printf(sb, "policy %s\ncpu nm_traps saves restores clean_skips remote_flushes\n", desc);
	for_each_cpu(c, &cpu_online_mask)
		if (arch_fpu_cpu_stats(c, &st))
			proc_printf(sb, "%u %lu %lu %lu %lu %lu\n", c, st.nm_traps, st.saves,
				  st.restores, st.clean_skips, st.remote_flushes);
	arch_fpu_self_stats(&st);
	proc_printf(sb, "self %lu %lu %lu\n", st.nm_traps, st.saves, st.restores);
}

static const char *proc_state_name(struct proc *p)
{
	if (READ_ONCE(p->state) == PROC_ZOMBIE)
		return "Z (zombie)";
	if (READ_ONCE(p->stopped))
		return "T (stopped)";
	return p == proc_current() ? "R (running)" : "S (sleeping)";
}

/* What /proc shows of a process's identity, read under the locks that guard it. */
struct proc_ident {
	char name[PROC_NAME_MAX];
	int ppid, pgid, sid;
};

static void proc_ident(struct proc *p, struct proc_ident *id)
{
	bool f = spin_lock_irqsave(&p->lock);

	memcpy(id->name, p->name, sizeof(id->name));
	spin_unlock_irqrestore(&p->lock, f);
	id->name[PROC_NAME_MAX - 1] = '\0';
	f = spin_lock_irqsave(&proc_tree_lock);
	id->ppid = p->parent ? p->parent->pid : 0;
	id->pgid = p->pgid;
	id->sid = p->sid;
	spin_unlock_irqrestore(&proc_tree_lock, f);
}

static void gen_status(struct proc_text *sb, int pid)
{
	struct proc *p = proc_get(pid);
	struct proc_ident id;

	if (!p)
		return;
	proc_ident(p, &id);
	proc_printf(sb, "Name:\t%s\nState:\t%s\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"
		  "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t%u\n", id.name, proc_state_name(p),
		  p->pid, p->pid, id.ppid, READ_ONCE(p->nthreads));
	if (p == proc_current() && p->mm)	/* another process's mm may go at any time */
		proc_printf(sb, "VmRSS:\t%8zu kB\n", p->mm->rss_pages * (PAGE_SIZE / 1024));
	proc_put(p);
}

/* User and system time of p's live threads, in clock ticks (USER_HZ = 100). */
static uint64_t proc_ticks(struct proc *p)
{
	uint64_t ns = 0;
	bool f = spin_lock_irqsave(&p->lock);

	list_for_each_entry(ut, &p->threads, struct uthread, proc_node)
		ns += READ_ONCE(ut->thread->runtime_ns);
	spin_unlock_irqrestore(&p->lock, f);
	return ns / 10000000;
}

/* Linux's /proc/PID/stat: the fields tools such as ps read; the rest are 0. */
static void gen_stat(struct proc_text *sb, int pid)
{
	struct proc *p = proc_get(pid);
	struct proc_ident id;

	if (!p)
		return;
	proc_ident(p, &id);
	/* pid comm state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss */
	proc_printf(sb, "%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 %lu 0 0 0 20 %d %u 0 %lu 0 %zu",
		  p->pid, id.name, proc_state_name(p)[0], id.ppid, id.pgid, id.sid, proc_ticks(p),
		  p->nice, READ_ONCE(p->nthreads), p->start_ns / 10000000,
		  p == proc_current() && p->mm ? p->mm->rss_pages : 0);
	for (int i = 25; i <= 52; i++)
		proc_printf(sb, " 0");
	proc_printf(sb, "\n");
	proc_put(p);
}

/* ---- generated files ---- */

static int gen_open(struct inode *ino, struct file *f)
{
	const struct proc_node *pn = ino->priv;
	struct proc_text *sb = kzalloc(sizeof(*sb));

	if (!sb)
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

static const struct file_ops gen_fops = {
	.open = gen_open,
	.release = gen_release,
	.read = gen_read,
};

/* ---- symlinks ---- */

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

static ssize_t exe_readlink(struct inode *ino, char *buf, size_t n)
{
	const struct proc_node *pn = ino->priv;
	struct proc *p = proc_get(pn->pid);
	ssize_t len = -ENOENT;
	bool f;

	if (!p)
		return -ENOENT;
	f = spin_lock_irqsave(&p->lock);
	if (p->exe) {
		len = (ssize_t)MIN(n, strlen(p->exe));
		memcpy(buf, p->exe, (size_t)len);
	}
	spin_unlock_irqrestore(&p->lock, f);
	proc_put(p);
	return len;
}

static void node_release(struct inode *ino)
{
	kfree(ino->priv);
}

static const struct inode_ops self_iops = { .readlink = self_readlink };
static const struct inode_ops exe_iops = { .readlink = exe_readlink, .release = node_release };
static const struct inode_ops gen_iops = { .release = node_release };

/* A node with a proc_node; parent (counted) and name set so paths can be rebuilt. */
static struct inode *node_new(struct inode *parent, const char *name, uint32_t mode,
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
	strlcpy(ino->name, name, sizeof(ino->name));
	inode_get(parent);
	ino->parent = parent;
	return ino;
}

struct inode *procfs_text_file(struct inode *parent, const char *name, proc_text_fn text)
{
	struct inode *ino = node_new(parent, name, S_IFREG | 0444, &gen_iops, &gen_fops, NULL, 0);

	if (ino)
		((struct proc_node *)ino->priv)->text = text;
	return ino;
}

/* ---- /proc/<pid> ---- */

static const struct {
	const char *name;
	unsigned dtype;
} pid_entries[] = { { "status", DT_REG }, { "exe", DT_LNK }, { "stat", DT_REG } };

static int pid_lookup(struct inode *dir, const char *name, struct inode **out)
{
	int pid = ((struct proc_node *)dir->priv)->pid;
	struct inode *ino;

	unsigned idx;

	if (strcmp(name, "status") == 0)
		ino = node_new(dir, name, S_IFREG | 0444, &gen_iops, &gen_fops, gen_status, pid);
	else if (strcmp(name, "exe") == 0)
		ino = node_new(dir, name, S_IFLNK | 0777, &exe_iops, NULL, NULL, pid);
	else if (strcmp(name, "stat") == 0)
		ino = node_new(dir, name, S_IFREG | 0444, &gen_iops, &gen_fops, gen_stat, pid);
	else
		return -ENOENT;
	if (!ino)
		return -ENOMEM;
	for (idx = 0; strcmp(pid_entries[idx].name, name); idx++)
		;
	ino->ino = PROC_INO_BASE + (uint64_t)pid * 4 + idx + 1;	/* as pid_readdir numbers them */
	*out = ino;
	return 0;
}

static int pid_readdir(struct inode *dir, struct dir_ctx *ctx)
{
	int pid = ((struct proc_node *)dir->priv)->pid;

	if (ctx->pos == 0 && !ctx->emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
		return 0;
	if (ctx->pos <= 1 && !ctx->emit(ctx, "..", 2, dir->parent->ino, DT_DIR, 2))
		return 0;
	for (uint64_t i = ctx->pos - 2; i < ARRAY_SIZE(pid_entries); i++)
		if (!ctx->emit(ctx, pid_entries[i].name, strlen(pid_entries[i].name),
			       PROC_INO_BASE + (uint64_t)pid * 4 + i + 1, pid_entries[i].dtype,
			       i + 3))
			return 0;
	return 0;
}

static const struct inode_ops pid_iops = {
	.lookup = pid_lookup,
	.readdir = pid_readdir,
	.release = node_release,
};

/* ---- /proc/keel: keel's own counters ---- */

static int keel_lookup(struct inode *dir, const char *name, struct inode **out)
{
	proc_gen_fn gen = strcmp(name, "fpu") == 0 ? gen_fpu :
			  strcmp(name, "tlb") == 0 ? gen_tlb : NULL;

	if (!gen)
		return -ENOENT;
	*out = node_new(dir, name, S_IFREG | 0444, &gen_iops, &gen_fops, gen, 0);
	return *out ? 0 : -ENOMEM;
}

static int keel_readdir(struct inode *dir, struct dir_ctx *ctx)
{
	if (ctx->pos == 0 && !ctx->emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
		return 0;
	if (ctx->pos <= 1 && !ctx->emit(ctx, "..", 2, dir->parent->ino, DT_DIR, 2))
		return 0;
	if (ctx->pos <= 2 && !ctx->emit(ctx, "fpu", 3, PROC_INO_BASE - 1, DT_REG, 3))
		return 0;
	if (ctx->pos <= 3)
		ctx->emit(ctx, "tlb", 3, PROC_INO_BASE - 2, DT_REG, 4);
	return 0;
}

static const struct inode_ops keel_iops = {
	.lookup = keel_lookup,
	.readdir = keel_readdir,
};

/* ---- /proc itself ---- */

static struct inode *proc_fixed[5];	/* meminfo, cpuinfo, uptime, self, keel */

static bool parse_pid(const char *s, int *pid)
{
	uint64_t v;

	if (s[0] < '1' || s[0] > '9' || !parse_u64(s, &v) || v > INT32_MAX)
		return false;
	*pid = (int)v;
	return true;
}

static int root_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct proc *p;
	int pid;

	for (size_t i = 0; i < ARRAY_SIZE(proc_fixed); i++) {
		if (proc_fixed[i] && strcmp(proc_fixed[i]->name, name) == 0) {
			inode_get(proc_fixed[i]);
			*out = proc_fixed[i];
			return 0;
		}
	}
	if (procreg_lookup(dir, NULL, name, out) == 0)
		return 0;
	if (!parse_pid(name, &pid) || !(p = proc_get(pid)))
		return -ENOENT;
	proc_put(p);
	*out = node_new(dir, name, S_IFDIR | 0555, &pid_iops, NULL, NULL, pid);
	if (!*out)
		return -ENOMEM;
	(*out)->ino = PROC_INO_BASE + (uint64_t)pid * 4;
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

	if ((uint64_t)p->pid + 16 < w->ctx->pos)
		return 0;
	len = snprintf(name, sizeof(name), "%d", p->pid);
	return w->ctx->emit(w->ctx, name, (size_t)len, PROC_INO_BASE + (uint64_t)p->pid * 4,
			    DT_DIR, (uint64_t)p->pid + 17) ? 0 : 1;
}

/* Positions: 0 ".", 1 "..", 2.. the fixed entries, then the registered ones (procfs_add),
 * then pid + 16 for each process. */
static int root_readdir(struct inode *dir, struct dir_ctx *ctx)
{
	struct pid_walk w = { ctx, dir };

	if (ctx->pos == 0 && !ctx->emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
		return 0;
	if (ctx->pos <= 1 && !ctx->emit(ctx, "..", 2, dir->parent->ino, DT_DIR, 2))
		return 0;
	for (uint64_t i = MAX(ctx->pos, 2) - 2; i < ARRAY_SIZE(proc_fixed); i++)
		if (proc_fixed[i] && !ctx->emit(ctx, proc_fixed[i]->name,
						 strlen(proc_fixed[i]->name), proc_fixed[i]->ino,
						 inode_dtype(proc_fixed[i]), i + 3))
			return 0;
	if (!procreg_readdir(dir, NULL, ctx, ARRAY_SIZE(proc_fixed) + 2, PROCREG_MAX_TOP))
		return 0;
	proc_for_each(emit_pid, &w);
	return 0;
}

static const struct inode_ops proc_root_iops = {
	.lookup = root_lookup,
	.readdir = root_readdir,
};

void procfs_init(void)
{
	static const struct {
		const char *name;
		proc_gen_fn gen;
	} files[] = { { "meminfo", gen_meminfo }, { "cpuinfo", gen_cpuinfo },
		      { "uptime", gen_uptime } };
	struct inode *dir = inode_new(S_IFDIR | 0555, &proc_root_iops, NULL);

	if (!dir)
		return;
	mutex_lock(&vfs_ns_lock);
	if (ramfs_link_locked(vfs_root(), "proc", dir)) {
		mutex_unlock(&vfs_ns_lock);
		inode_put(dir);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		proc_fixed[i] = node_new(dir, files[i].name, S_IFREG | 0444, &gen_iops, &gen_fops,
					 files[i].gen, 0);
	proc_fixed[3] = inode_new(S_IFLNK | 0777, &self_iops, NULL);
	if (proc_fixed[3]) {
		strlcpy(proc_fixed[3]->name, "self", sizeof(proc_fixed[3]->name));
		inode_get(dir);
		proc_fixed[3]->parent = dir;
	}
	proc_fixed[4] = inode_new(S_IFDIR | 0555, &keel_iops, NULL);
	if (proc_fixed[4]) {
		strlcpy(proc_fixed[4]->name, "keel", sizeof(proc_fixed[4]->name));
		inode_get(dir);
		proc_fixed[4]->parent = dir;
	}
	mutex_unlock(&vfs_ns_lock);
}
