/*
 * fs/proc_sys.c — the system-wide files of /proc, in Linux's formats: meminfo, cpuinfo,
 * stat, loadavg, uptime, version, filesystems, mounts; and keel/ (keel's own counters:
 * keel/fpu, keel/tlb).
 *
 * Every number is read from the subsystem that owns it when the file is opened: frames and
 * slabs (mm), file pages (ramfs), tick-sampled CPU time, context switches, interrupts and the
 * load average (sched), processes created (proc). Fields Linux has and keel has no such thing
 * for (swap, buffers, iowait, irq time) are 0, which is what they measure here.
 */
#include "proc_internal.h"
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/printf.h>
#include <keel/heap.h>
#include <keel/proc.h>
#include <keel/rtc.h>
#include <keel/smp.h>
#include <keel/string.h>
#include <keel/tlb.h>
#include <keel/version.h>

#define KB(pages)	((pages) * (PAGE_SIZE / 1024))

static void gen_meminfo(struct proc_text *sb, int pid)
{
	struct frame_stats st;
	struct heap_stats hs;
	size_t files = ramfs_file_pages(), user;

	frame_stats(&st);
	heap_stats(&hs);
	user = st.state_pages[PAGE_USER];
	proc_printf(sb, "MemTotal:       %8zu kB\nMemFree:        %8zu kB\n"
		    "MemAvailable:   %8zu kB\nBuffers:        %8zu kB\nCached:         %8zu kB\n"
		    "SwapCached:     %8zu kB\n", KB(st.total_pages), KB(st.free_pages),
		    KB(st.free_pages), (size_t)0, KB(files), (size_t)0);
	proc_printf(sb, "SwapTotal:      %8zu kB\nSwapFree:       %8zu kB\n"
		    "AnonPages:      %8zu kB\nShmem:          %8zu kB\nSlab:           %8zu kB\n"
		    "SReclaimable:   %8zu kB\nSUnreclaim:     %8zu kB\nPageTables:     %8zu kB\n",
		    (size_t)0, (size_t)0, KB(user > files ? user - files : 0), KB(files),
		    KB(hs.slab_pages), (size_t)0, KB(hs.slab_pages),
		    KB(st.state_pages[PAGE_PAGETABLE]));
}

static void gen_cpuinfo(struct proc_text *sb, int pid)
{
	struct arch_cpu_ident id;
	const char *feat;

	arch_cpu_ident(&id);
	for_each_cpu(c, &cpu_online_mask) {
		proc_printf(sb, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			    "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\nflags\t\t:",
			    c, id.vendor, id.family, id.model, id.brand, id.stepping,
			    arch_cycles_per_sec() / 1000000, arch_cycles_per_sec() / 1000 % 1000);
		for (unsigned i = 0; (feat = arch_cpu_feature(i)); i++)
			proc_printf(sb, " %s", feat);
		proc_printf(sb, "\n\n");
	}
}

/* Idle time of every CPU together, in scheduler ticks. */
static uint64_t idle_ticks(void)
{
	struct sched_stats st;
	uint64_t idle = 0;

	for_each_cpu(c, &cpu_online_mask)
		if (sched_stats(c, &st))
			idle += st.idle_ticks;
	return idle;
}

/* "seconds.hundredths": up time, then the CPUs' idle time added up (Linux's format). */
static void gen_uptime(struct proc_text *sb, int pid)
{
	uint64_t ns = time_ns(), idle = proc_ticks_to_hz(idle_ticks());

	proc_printf(sb, "%lu.%02lu %lu.%02lu\n", ns / NSEC_PER_SEC, ns / 10000000 % 100,
		    idle / USER_HZ, idle % USER_HZ);
}

/* One "cpuN user nice system idle iowait irq softirq steal guest guest_nice" line. */
static void cpu_line(struct proc_text *sb, const char *name, uint64_t user, uint64_t sys,
		     uint64_t idle)
{
	proc_printf(sb, "%s %lu 0 %lu %lu 0 0 0 0 0 0\n", name, proc_ticks_to_hz(user),
		    proc_ticks_to_hz(sys), proc_ticks_to_hz(idle));
}

static void gen_stat(struct proc_text *sb, int pid)
{
	uint64_t user = 0, sys = 0, idle = 0, ctxt = 0, intr = 0;
	struct sched_stats st;
	char name[16];

	for_each_cpu(c, &cpu_online_mask) {
		if (sched_stats(c, &st)) {
			user += st.user_ticks;
			sys += st.system_ticks;
			idle += st.idle_ticks;
		}
		ctxt += READ_ONCE(cpu_local_of(c)->ctx_switches);
		intr += READ_ONCE(cpu_local_of(c)->interrupts);
	}
	cpu_line(sb, "cpu ", user, sys, idle);
	for_each_cpu(c, &cpu_online_mask) {	/* per CPU: read again, a little later */
		if (!sched_stats(c, &st))
			memset(&st, 0, sizeof(st));
		snprintf(name, sizeof(name), "cpu%u", c);
		cpu_line(sb, name, st.user_ticks, st.system_ticks, st.idle_ticks);
	}
	proc_printf(sb, "intr %lu\nctxt %lu\nbtime %lu\nprocesses %lu\nprocs_running %u\n"
		    "procs_blocked 0\n", intr, ctxt,
		    (rtc_realtime_ns() - time_ns()) / NSEC_PER_SEC, proc_fork_count() + 1,
		    sched_nr_running());
}

static int count_proc(struct proc *p, void *arg)
{
	(*(unsigned *)arg) += READ_ONCE(p->nthreads);
	return 0;
}

/* "1min 5min 15min running/threads last-pid" as Linux (the last TID handed out). */
static void gen_loadavg(struct proc_text *sb, int pid)
{
	unsigned long l[3];
	unsigned threads = 0;

	sched_loadavg(l);
	proc_for_each(count_proc, &threads);
	for (int i = 0; i < 3; i++) {
		unsigned long v = l[i] + LOADAVG_FIXED_1 / 200;	/* round to hundredths */

		proc_printf(sb, "%lu.%02lu ", v >> LOADAVG_FSHIFT,
			    ((v & (LOADAVG_FIXED_1 - 1)) * 100) >> LOADAVG_FSHIFT);
	}
	proc_printf(sb, "%u/%u %d\n", sched_nr_running(), threads, tid_last());
}

static void gen_version(struct proc_text *sb, int pid)
{
	proc_printf(sb, "keel version " KEEL_RELEASE " (keel@keel) (gcc) " KEEL_VERSION "\n");
}

static void put_fs_type(const char *name, void *arg)
{
	proc_printf(arg, "\t%s\n", name);
}

/* keel's filesystems: the ramfs tree (/, /dev, /tmp...), /proc, and the disk types. */
static void gen_filesystems(struct proc_text *sb, int pid)
{
	proc_printf(sb, "nodev\tramfs\nnodev\tproc\n");
	vfs_for_each_fs_type(put_fs_type, sb);
}

/* One /proc/mounts line, Linux's format: source target type options 0 0. */
static void put_mount(const char *source, const char *target, const char *type,
		      unsigned long flags, void *arg)
{
	proc_printf(arg, "%s %s %s %s%s%s%s%s 0 0\n", source, target, type,
		    (flags & MS_RDONLY) ? "ro" : "rw", (flags & MS_NOSUID) ? ",nosuid" : "",
		    (flags & MS_NODEV) ? ",nodev" : "", (flags & MS_NOEXEC) ? ",noexec" : "",
		    (flags & MS_SYNCHRONOUS) ? ",sync" : "");
}

static void gen_mounts(struct proc_text *sb, int pid)
{
	vfs_for_each_mount(put_mount, sb);
}

const struct proc_sys_file proc_sys_files[] = {
	{ "meminfo", gen_meminfo }, { "cpuinfo", gen_cpuinfo }, { "uptime", gen_uptime },
	{ "stat", gen_stat }, { "loadavg", gen_loadavg }, { "version", gen_version },
	{ "filesystems", gen_filesystems }, { "mounts", gen_mounts },
};
const size_t proc_sys_nfiles = ARRAY_SIZE(proc_sys_files);

/* ---- /proc/keel: keel's own counters ---- */

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
	proc_printf(sb, "policy %s\ncpu nm_traps saves restores clean_skips remote_flushes\n",
		    desc);
	for_each_cpu(c, &cpu_online_mask)
		if (arch_fpu_cpu_stats(c, &st))
			proc_printf(sb, "%u %lu %lu %lu %lu %lu\n", c, st.nm_traps, st.saves,
				    st.restores, st.clean_skips, st.remote_flushes);
	arch_fpu_self_stats(&st);
	proc_printf(sb, "self %lu %lu %lu\n", st.nm_traps, st.saves, st.restores);
}

/*
 * Per-CPU scheduler, interrupt and TLB counters since boot: a header naming the columns,
 * then one line per online CPU.
 */
static void gen_cpus(struct proc_text *sb, int pid)
{
	struct tlb_stats st;

	proc_printf(sb, "cpu ctx_switches interrupts tlb_shootdowns tlb_ipis tlb_pages "
		    "tlb_full_flushes\n");
	for_each_cpu(c, &cpu_online_mask) {
		const struct cpu_local *cl = cpu_local_of(c);

		if (!tlb_stats_read_cpu(c, &st))
			continue;
		proc_printf(sb, "%u %lu %lu %lu %lu %lu %lu\n", c, READ_ONCE(cl->ctx_switches),
			    READ_ONCE(cl->interrupts), st.shootdowns, st.ipis, st.pages, st.full);
	}
}

static const struct proc_sys_file keel_files[] = {
	{ "cpus", gen_cpus }, { "fpu", gen_fpu }, { "tlb", gen_tlb },
};

static int keel_lookup(struct inode *dir, const char *name, struct inode **out)
{
	for (size_t i = 0; i < ARRAY_SIZE(keel_files); i++) {
		if (strcmp(name, keel_files[i].name) == 0) {
			*out = proc_node_new(dir, name, S_IFREG | 0444, &proc_gen_iops,
					     &proc_gen_fops, keel_files[i].gen, 0);
			if (*out)
				(*out)->ino = PROC_SYS_INO - 32 - i;
			return *out ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

static int keel_readdir(struct inode *dir, struct dir_ctx *ctx)
{
	if (ctx->pos == 0 && !ctx->emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
		return 0;
	if (ctx->pos <= 1 && !ctx->emit(ctx, "..", 2, dir->parent->ino, DT_DIR, 2))
		return 0;
	for (uint64_t i = MAX(ctx->pos, 2) - 2; i < ARRAY_SIZE(keel_files); i++)
		if (!ctx->emit(ctx, keel_files[i].name, strlen(keel_files[i].name),
			       PROC_SYS_INO - 32 - i, DT_REG, i + 3))
			return 0;
	return 0;
}

const struct inode_ops proc_keel_iops = {
	.lookup = keel_lookup,
	.readdir = keel_readdir,
	.release = proc_node_release,
};
