/*
 * fs/proc_pid.c — /proc/<pid>: stat, status, statm, cmdline, environ, comm, maps (Linux's
 * formats, the fields ps, top, pidof and free read), the links exe and cwd, and fd/ (a link
 * per open descriptor).
 *
 * A process may exit while its files are read: everything is taken with a reference under
 * the lock that guards it (proc_get; its mm with proc_mm_get; files and cwd under p->lock),
 * and what is gone reads as empty, as Linux's files of a zombie do.
 */
#include "proc_internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/proc.h>
#include <keel/string.h>
#include <keel/uvm.h>

#define ARGS_MAX	(64 * 1024)	/* cmdline/environ show at most this much */

static char proc_state(struct proc *p)
{
	bool run = false, any = false, f;

	if (READ_ONCE(p->state) == PROC_ZOMBIE)
		return 'Z';
	if (READ_ONCE(p->stopped))
		return 'T';
	f = spin_lock_irqsave(&p->lock);
	list_for_each_entry(ut, &p->threads, struct uthread, proc_node) {
		enum thread_state s = READ_ONCE(ut->thread->state);

		run |= s == THREAD_RUNNING || s == THREAD_RUNNABLE;
		any = true;
	}
	spin_unlock_irqrestore(&p->lock, f);
	/* Its last thread has gone and the exit is finishing: it is a zombie in all but name. */
	if (!any)
		return 'Z';
	return run ? 'R' : 'S';
}

static const char *state_name(char s)
{
	switch (s) {
	case 'Z': return "Z (zombie)";
	case 'T': return "T (stopped)";
	case 'R': return "R (running)";
	default: return "S (sleeping)";
	}
}

/* What /proc shows of a process's identity, read under the locks that guard it. */
struct proc_ident {
	char name[PROC_NAME_MAX];
	int ppid, pgid, sid;
	uint32_t umask;			/* 0 once the process has exited */
};

static void proc_ident(struct proc *p, struct proc_ident *id)
{
	bool f = spin_lock_irqsave(&p->lock);

	memcpy(id->name, p->name, sizeof(id->name));
	id->umask = p->fs ? READ_ONCE(p->fs->umask) : 0;	/* teardown clears p->fs under it */
	spin_unlock_irqrestore(&p->lock, f);
	id->name[PROC_NAME_MAX - 1] = '\0';
	f = spin_lock_irqsave(&proc_tree_lock);
	id->ppid = p->parent ? p->parent->pid : 0;
	id->pgid = p->pgid;
	id->sid = p->sid;
	spin_unlock_irqrestore(&proc_tree_lock, f);
}

/* Sizes in pages of p's address space (all 0 once it is gone), as statm counts them. */
struct proc_mem {
	size_t size, rss, shared, text, data;
	uintptr_t arg_start, arg_end, env_start, env_end, brk_start;
};

static void proc_mem(struct proc *p, struct proc_mem *m)
{
	struct mm *mm = proc_mm_get(p);
	struct vma_info *vi;
	size_t n;

	memset(m, 0, sizeof(*m));
	if (!mm)
		return;
	if (uvm_snapshot(mm, &vi, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			size_t pages = (vi[i].end - vi[i].start) / PAGE_SIZE;

			m->size += pages;
			m->rss += vi[i].resident;
			if (vi[i].ino)
				m->shared += vi[i].resident;
			if (vi[i].ino && (vi[i].flags & VMA_EXEC))
				m->text += pages;
			else if (!(vi[i].flags & VMA_SHARED) && (vi[i].flags & VMA_WRITE))
				m->data += pages;
		}
		uvm_snapshot_free(vi, n);
	}
	m->arg_start = mm->arg_start;
	m->arg_end = mm->arg_end;
	m->env_start = mm->env_start;
	m->env_end = mm->env_end;
	m->brk_start = mm->brk_start;
	mm_put(mm);
}

/* Uid:, Gid: (real, effective, saved, filesystem) and Groups: as Linux prints them, with
 * the trailing space Linux keeps after the groups. */
static void status_ids(struct proc_text *sb, struct proc *p)
{
	struct cred c;

	cred_of(p, &c);
	proc_printf(sb, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nGroups:\t", c.uid, c.euid,
		    c.suid, c.fsuid, c.gid, c.egid, c.sgid, c.fsgid);
	for (unsigned i = 0; i < c.ngroups; i++)
		proc_printf(sb, i ? " %u" : "%u", c.groups[i]);
	proc_printf(sb, " \n");
}

int proc_pid_may_inspect(int pid)
{
	struct proc *p = proc_get(pid);
	bool ok;

	if (!p)
		return 0;		/* gone: its files read empty */
	ok = cred_may_inspect(p);
	proc_put(p);
	return ok ? 0 : -EACCES;
}

static void gen_status(struct proc_text *sb, int pid)
{
	struct proc *p = proc_get(pid);
	struct proc_ident id;
	struct proc_mem m;

	if (!p)
		return;
	proc_ident(p, &id);
	proc_mem(p, &m);
	proc_printf(sb, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		    "PPid:\t%d\nTracerPid:\t0\n", id.name, id.umask,
		    state_name(proc_state(p)), p->pid, p->pid, id.ppid);
	status_ids(sb, p);
	if (m.size)
		proc_printf(sb, "VmSize:\t%8zu kB\nVmRSS:\t%8zu kB\nVmData:\t%8zu kB\n"
			    "VmExe:\t%8zu kB\n", m.size * 4, m.rss * 4, m.data * 4, m.text * 4);
	proc_printf(sb, "Threads:\t%u\n", READ_ONCE(p->nthreads));
	proc_put(p);
}

static void gen_statm(struct proc_text *sb, int pid)
{
	struct proc *p = proc_get(pid);
	struct proc_mem m;

	if (!p)
		return;
	proc_mem(p, &m);
	proc_printf(sb, "%zu %zu %zu %zu 0 %zu 0\n", m.size, m.rss, m.shared, m.text, m.data);
	proc_put(p);
}

/* Linux's /proc/PID/stat, all 52 fields; those keel does not keep (faults, signals as
 * masks, code addresses) are 0. Times are in USER_HZ ticks, vsize in bytes, rss in pages. */
static void gen_stat(struct proc_text *sb, int pid)
{
	struct proc *p = proc_get(pid);
	struct proc_cputime ct;
	struct proc_ident id;
	struct proc_mem m;

	if (!p)
		return;
	proc_ident(p, &id);
	proc_mem(p, &m);
	proc_cputime(p, &ct);
	/* pid comm state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt */
	proc_printf(sb, "%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 ", p->pid, id.name, proc_state(p),
		    id.ppid, id.pgid, id.sid);
	/* utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss rsslim */
	proc_printf(sb, "%lu %lu %lu %lu %d %d %u 0 %lu %zu %zu 18446744073709551615 ",
		    proc_ticks_to_hz(ct.user), proc_ticks_to_hz(ct.sys),
		    proc_ticks_to_hz(ct.child_user), proc_ticks_to_hz(ct.child_sys), 20 + p->nice,
		    p->nice, READ_ONCE(p->nthreads), p->start_ns / (NSEC_PER_SEC / USER_HZ),
		    m.size * PAGE_SIZE, m.rss);
	/* startcode endcode startstack kstkesp kstkeip signal blocked sigignore sigcatch wchan
	 * nswap cnswap exit_signal processor rt_priority policy delayacct guest cguest */
	proc_printf(sb, "0 0 0 0 0 0 0 0 0 0 0 0 %d 0 0 0 0 0 0 ", p->exit_signal);
	/* start_data end_data start_brk arg_start arg_end env_start env_end exit_code */
	proc_printf(sb, "0 0 %lu %lu %lu %lu %lu %d\n", m.brk_start, m.arg_start, m.arg_end,
		    m.env_start, m.env_end,
		    READ_ONCE(p->state) == PROC_ZOMBIE ? p->exit_status : 0);
	proc_put(p);
}

static void gen_comm(struct proc_text *sb, int pid)
{
	struct proc *p = proc_get(pid);
	struct proc_ident id;

	if (!p)
		return;
	proc_ident(p, &id);
	proc_printf(sb, "%s\n", id.name);
	proc_put(p);
}

/* The bytes [start, end) of p's memory, NULs included (cmdline, environ). */
static void gen_user_range(struct proc_text *sb, int pid, bool env)
{
	struct proc *p = proc_get(pid);
	struct mm *mm = p ? proc_mm_get(p) : NULL;
	uintptr_t a = mm ? (env ? mm->env_start : mm->arg_start) : 0;
	size_t n = mm ? MIN((env ? mm->env_end : mm->arg_end) - a, (size_t)ARGS_MAX) : 0;
	char *buf = n ? kmalloc(n) : NULL;

	if (buf) {
		n = uvm_read_remote(mm, a, buf, n);
		proc_write(sb, buf, n);
		kfree(buf);
	}
	if (mm)
		mm_put(mm);
	if (p)
		proc_put(p);
}

static void gen_cmdline(struct proc_text *sb, int pid)
{
	gen_user_range(sb, pid, false);
}

static void gen_environ(struct proc_text *sb, int pid)
{
	gen_user_range(sb, pid, true);
}

/* One maps line: "start-end perms offset dev inode", the name from column 73. */
static void maps_line(struct proc_text *sb, const struct vma_info *v, char *path, size_t plen)
{
	struct kstat st = { 0 };
	const char *name = NULL;
	int len;

	if (v->ino) {
		inode_stat(v->ino, &st);
		name = vfs_path_of(v->ino, path, plen) > 0 ? path : v->ino->name;
	} else if (v->flags & VMA_HEAP) {
		name = "[heap]";
	} else if (v->flags & VMA_STACK) {
		name = "[stack]";
	}
	len = snprintf(NULL, 0, "%08lx-%08lx rwxp %08lx %02lx:%02lx %lu ", v->start, v->end,
		       v->file_off, st.st_dev >> 8, st.st_dev & 0xff, st.st_ino);
	proc_printf(sb, "%08lx-%08lx %c%c%c%c %08lx %02lx:%02lx %lu ", v->start, v->end,
		    v->flags & VMA_READ ? 'r' : '-', v->flags & VMA_WRITE ? 'w' : '-',
		    v->flags & VMA_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
		    v->file_off, st.st_dev >> 8, st.st_dev & 0xff, st.st_ino);
	if (name)
		proc_printf(sb, "%*s%s", len < 73 ? 73 - len : 0, "", name);
	proc_printf(sb, "\n");
}

static void gen_maps(struct proc_text *sb, int pid)
{
	struct proc *p = proc_get(pid);
	struct mm *mm = p ? proc_mm_get(p) : NULL;
	char *path = kmalloc(PATH_MAX);
	struct vma_info *vi;
	size_t n;

	if (mm && path && uvm_snapshot(mm, &vi, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			maps_line(sb, &vi[i], path, PATH_MAX);
		uvm_snapshot_free(vi, n);
	}
	kfree(path);
	if (mm)
		mm_put(mm);
	if (p)
		proc_put(p);
}

/* ---- links: exe, cwd, fd/N ---- */

static ssize_t copy_link(char *buf, size_t n, const char *s)
{
	size_t len = MIN(n, strlen(s));

	memcpy(buf, s, len);
	return (ssize_t)len;
}

static ssize_t exe_readlink(struct inode *ino, char *buf, size_t n)
{
	const struct proc_node *pn = ino->priv;
	struct proc *p = proc_get(pn->pid);
	ssize_t len = -ENOENT;
	bool f;

	if (!p)
		return -ENOENT;
	if (!cred_may_inspect(p)) {
		proc_put(p);
		return -EACCES;
	}
	f = spin_lock_irqsave(&p->lock);
	if (p->exe)
		len = copy_link(buf, n, p->exe);
	spin_unlock_irqrestore(&p->lock, f);
	proc_put(p);
	return len;
}

/* The link text of an inode: its path, or "pipe:[N]" / "socket:[N]" / "anon_inode:[N]".
 * Readlink ops run with vfs_ns_lock held. */
static ssize_t inode_link(struct inode *ino, char *buf, size_t n)
{
	char *path = kmalloc(PATH_MAX);
	ssize_t r;

	if (!path)
		return -ENOMEM;
	if (S_ISFIFO(ino->mode) && !ino->parent)
		snprintf(path, PATH_MAX, "pipe:[%lu]", ino->ino);
	else if (S_ISSOCK(ino->mode) && !ino->parent)
		snprintf(path, PATH_MAX, "socket:[%lu]", ino->ino);
	else if (vfs_path_of_locked(ino, path, PATH_MAX) >= 0)
		;				/* in the tree (the root has no parent) */
	else if (!ino->parent)
		snprintf(path, PATH_MAX, "anon_inode:[%lu]", ino->ino);
	else
		snprintf(path, PATH_MAX, "/%s (deleted)", ino->name);
	r = copy_link(buf, n, path);
	kfree(path);
	return r;
}

/* p's cwd into *cwd, counted: -ENOENT once it has exited, -EACCES when the caller may not
 * look (cred_may_inspect). */
static int proc_cwd(int pid, struct inode **cwd)
{
	struct proc *p = proc_get(pid);
	bool f;

	*cwd = NULL;
	if (!p)
		return -ENOENT;
	if (!cred_may_inspect(p)) {
		proc_put(p);
		return -EACCES;
	}
	f = spin_lock_irqsave(&p->lock);
	if (p->fs)
		*cwd = fs_cwd(p->fs);
	spin_unlock_irqrestore(&p->lock, f);
	proc_put(p);
	return *cwd ? 0 : -ENOENT;
}

static ssize_t cwd_readlink(struct inode *ino, char *buf, size_t n)
{
	struct inode *cwd;
	ssize_t r = proc_cwd(((struct proc_node *)ino->priv)->pid, &cwd);

	if (r)
		return r;
	r = inode_link(cwd, buf, n);
	inode_put(cwd);
	return r;
}

static int cwd_follow(struct inode *ino, struct inode **out)
{
	return proc_cwd(((struct proc_node *)ino->priv)->pid, out);
}

/* p's fd table, counted; NULL once it has exited. */
static struct files *proc_files(int pid)
{
	struct proc *p = proc_get(pid);
	struct files *fs = NULL;
	bool f;

	if (!p)
		return NULL;
	f = spin_lock_irqsave(&p->lock);
	if ((fs = p->files))
		files_get(fs);
	spin_unlock_irqrestore(&p->lock, f);
	proc_put(p);
	return fs;
}

/* The file behind a proc_node's fd, counted; NULL when the fd is closed. */
static struct file *proc_node_file(const struct proc_node *pn)
{
	struct files *fs = proc_files(pn->pid);
	struct file *file = fs ? files_get_file(fs, pn->fd) : NULL;

	if (fs)
		files_put(fs);
	return file;
}

static ssize_t fd_readlink(struct inode *ino, char *buf, size_t n)
{
	struct file *file = proc_node_file(ino->priv);
	ssize_t r;

	if (!file)
		return -ENOENT;
	r = inode_link(file->ino, buf, n);
	file_put(file);
	return r;
}

/*
 * Opening fd/N opens the file's inode afresh, as on Linux. Only inodes that open by
 * themselves qualify: an anonymous pipe, socket or anon inode lives in its open file's
 * private data, which a new open would not have (Linux reopens pipes; keel says ENXIO).
 */
static int fd_follow(struct inode *ino, struct inode **out)
{
	struct file *file = proc_node_file(ino->priv);
	uint32_t m;

	if (!file)
		return -ENOENT;
	m = file->ino->mode;
	if (S_ISREG(m) || S_ISDIR(m) || S_ISCHR(m) || S_ISBLK(m) ||
	    (S_ISFIFO(m) && file->ino->parent)) {
		inode_get(*out = file->ino);
		file_put(file);
		return 0;
	}
	file_put(file);
	return -ENXIO;
}

static const struct inode_ops exe_iops = { .readlink = exe_readlink,
					   .release = proc_node_release };
static const struct inode_ops cwd_iops = { .readlink = cwd_readlink, .follow = cwd_follow,
					   .release = proc_node_release };
static const struct inode_ops fd_link_iops = { .readlink = fd_readlink, .follow = fd_follow,
					       .release = proc_node_release };

/* ---- fd/ ---- */

static int fd_lookup(struct inode *dir, const char *name, struct inode **out)
{
	int pid = ((struct proc_node *)dir->priv)->pid;
	struct files *fs;
	struct file *file = NULL;
	uint64_t fd;

	if (!parse_u64(name, &fd) || fd >= INT32_MAX || (name[0] == '0' && name[1]))
		return -ENOENT;
	if ((fs = proc_files(pid))) {
		file = files_get_file(fs, (int)fd);
		files_put(fs);
	}
	if (!file)
		return -ENOENT;
	file_put(file);
	*out = proc_node_new(dir, name, S_IFLNK | 0700, &fd_link_iops, NULL, NULL, pid);
	if (!*out)
		return -ENOMEM;
	((struct proc_node *)(*out)->priv)->fd = (int)fd;
	(*out)->ino = PROC_FD_INO_BASE + ((uint64_t)pid << 20) + fd;
	return 0;
}

static int fd_readdir(struct inode *dir, struct dir_ctx *ctx)
{
	int pid = ((struct proc_node *)dir->priv)->pid;
	struct files *fs;
	char name[16];

	if (ctx->pos == 0 && !ctx->emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
		return 0;
	if (ctx->pos <= 1 && !ctx->emit(ctx, "..", 2, dir->parent->ino, DT_DIR, 2))
		return 0;
	if (!(fs = proc_files(pid)))
		return 0;
	for (uint64_t fd = MAX(ctx->pos, 2) - 2; fd < READ_ONCE(fs->cap); fd++) {
		struct file *file = files_get_file(fs, (int)fd);
		int len;

		if (!file)
			continue;
		file_put(file);
		len = snprintf(name, sizeof(name), "%lu", fd);
		if (!ctx->emit(ctx, name, (size_t)len, PROC_FD_INO_BASE + ((uint64_t)pid << 20) + fd,
			       DT_LNK, fd + 3))
			break;
	}
	files_put(fs);
	return 0;
}

static const struct inode_ops fd_dir_iops = {
	.lookup = fd_lookup,
	.readdir = fd_readdir,
	.release = proc_node_release,
};

/* ---- /proc/<pid> ---- */

/* Modes and the open-time checks are Linux's: environ, maps and stack show the process's
 * memory, so opening them needs cred_may_inspect (environ and stack are also 0400 for their
 * owner); exe and cwd check it when read or followed. */
static const struct {
	const char *name;
	unsigned dtype;
	proc_gen_fn gen;		/* regular files */
	const struct inode_ops *iops;	/* links and fd/ */
	uint32_t mode;			/* regular files */
	bool inspect;
} pid_entries[] = {
	{ "status", DT_REG, gen_status, NULL, 0444, false },
	{ "exe", DT_LNK, NULL, &exe_iops, 0, false },
	{ "stat", DT_REG, gen_stat, NULL, 0444, false },
	{ "statm", DT_REG, gen_statm, NULL, 0444, false },
	{ "cmdline", DT_REG, gen_cmdline, NULL, 0444, false },
	{ "environ", DT_REG, gen_environ, NULL, 0400, true },
	{ "comm", DT_REG, gen_comm, NULL, 0444, false },
	{ "maps", DT_REG, gen_maps, NULL, 0444, true },
	{ "cwd", DT_LNK, NULL, &cwd_iops, 0, false },
	{ "fd", DT_DIR, NULL, &fd_dir_iops, 0, false },
	{ "stack", DT_REG, proc_gen_stack, NULL, 0400, true },
};
_Static_assert(ARRAY_SIZE(pid_entries) < 16, "inode numbers leave 16 per process");

static int pid_lookup(struct inode *dir, const char *name, struct inode **out)
{
	int pid = ((struct proc_node *)dir->priv)->pid;
	struct inode *ino = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pid_entries) && strcmp(pid_entries[i].name, name); i++)
		;
	if (i == ARRAY_SIZE(pid_entries))
		return -ENOENT;
	if (pid_entries[i].gen) {
		ino = proc_node_new(dir, name, S_IFREG | pid_entries[i].mode, &proc_gen_iops,
				    &proc_gen_fops, pid_entries[i].gen, pid);
		if (ino)
			((struct proc_node *)ino->priv)->inspect = pid_entries[i].inspect;
	} else
		ino = proc_node_new(dir, name, pid_entries[i].dtype == DT_DIR ? S_IFDIR | 0500 :
				    S_IFLNK | 0777, pid_entries[i].iops, NULL, NULL, pid);
	if (!ino)
		return -ENOMEM;
	ino->ino = PROC_INO_BASE + (uint64_t)pid * 16 + i + 1;	/* as pid_readdir numbers them */
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
	for (uint64_t i = MAX(ctx->pos, 2) - 2; i < ARRAY_SIZE(pid_entries); i++)
		if (!ctx->emit(ctx, pid_entries[i].name, strlen(pid_entries[i].name),
			       PROC_INO_BASE + (uint64_t)pid * 16 + i + 1, pid_entries[i].dtype,
			       i + 3))
			return 0;
	return 0;
}

const struct inode_ops proc_pid_iops = {
	.lookup = pid_lookup,
	.readdir = pid_readdir,
	.release = proc_node_release,
};
