/*
 * user/fuzz/gen.c — what sysfuzz calls and with which arguments.
 *
 * The table lists every call with the type of each argument (an fd, a path the kernel may
 * only read, a path it may change, a buffer it reads, a buffer it writes, a size, flags of that
 * call, a signal, a pid, a socket address, an iovec array, ...). Each type has a generator that
 * mostly returns meaningful values (a live fd of some kind, a valid buffer) and sometimes the
 * edges (unmapped, read-only, kernel and non-canonical pointers; sizes at page and range
 * edges; closed fds; unknown flag bits; signal 0, 64, 65).
 *
 * Calls that would legitimately end the test are in the denylist below with the reason; where
 * only some arguments are harmful (kill(-1), munmap of the fuzzer's own text, chdir out of the
 * scratch dir, setpriority(PRIO_USER)) the generator never produces them instead.
 */

#include "fuzz.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <arpa/inet.h>

enum kind {
	K_0, K_ANY, K_INT, K_FD, K_DIRFD, K_WFD, K_NEWFD, K_PATH, K_WPATH, K_XPATH, K_CHDIR,
	K_IN, K_OUT, K_LEN, K_OFF, K_FL, K_SIG, K_PID, K_TID, K_MADDR, K_MLEN, K_PROT, K_MAPFL,
	K_CLOCK, K_TS, K_ITS, K_SA, K_SALEN, K_SALENP, K_IOV, K_IOVCNT, K_MSG, K_MMSG, K_EPEV,
	K_POLL, K_FDSET, K_SIGSET, K_SIGACT, K_ARGV, K_RLIM, K_IOCTL, K_FCNTL, K_LEVEL, K_OPT,
	K_FUTOP, K_PRCTL, K_ARCH, K_RES, K_DOM, K_STYPE, K_EPOP, K_MADV, K_WHICH, K_MODE, K_ID,
	K_UPTR,
};

struct sysdesc {
	long nr;
	const char *name;
	unsigned char k[6];
	unsigned weight;
	unsigned long fl;	/* the call's flag bits, for K_FL */
};

#define S(nr, w, fl, ...) { nr, #nr + 4, { __VA_ARGS__ }, w, fl }

static const struct sysdesc table[] = {
	S(SYS_read, 8, 0, K_FD, K_OUT, K_LEN),
	S(SYS_write, 8, 0, K_FD, K_IN, K_LEN),
	S(SYS_open, 6, 0x3fffff, K_PATH, K_FL, K_MODE),
	S(SYS_close, 3, 0, K_FD),
	S(SYS_stat, 3, 0, K_PATH, K_OUT),
	S(SYS_fstat, 3, 0, K_FD, K_OUT),
	S(SYS_lstat, 2, 0, K_PATH, K_OUT),
	S(SYS_poll, 4, 0, K_POLL, K_INT, K_INT),
	S(SYS_lseek, 3, 0, K_FD, K_OFF, K_INT),
	S(SYS_mmap, 6, 0, K_MADDR, K_MLEN, K_PROT, K_MAPFL, K_FD, K_OFF),
	S(SYS_mprotect, 5, 0, K_MADDR, K_MLEN, K_PROT),
	S(SYS_munmap, 5, 0, K_MADDR, K_MLEN),
	S(SYS_brk, 2, 0, K_MADDR),
	S(SYS_rt_sigaction, 3, 0, K_SIG, K_SIGACT, K_OUT, K_LEN),
	S(SYS_rt_sigprocmask, 3, 0, K_INT, K_SIGSET, K_OUT, K_LEN),
	S(SYS_ioctl, 6, 0, K_FD, K_IOCTL, K_OUT),
	S(SYS_pread64, 4, 0, K_FD, K_OUT, K_LEN, K_OFF),
	S(SYS_pwrite64, 4, 0, K_FD, K_IN, K_LEN, K_OFF),
	S(SYS_readv, 4, 0, K_FD, K_IOV, K_IOVCNT),
	S(SYS_writev, 4, 0, K_FD, K_IOV, K_IOVCNT),
	S(SYS_access, 2, 0x7, K_PATH, K_FL),
	S(SYS_pipe, 2, 0, K_OUT),
	S(SYS_select, 3, 0, K_INT, K_FDSET, K_FDSET, K_FDSET, K_TS),
	S(SYS_sched_yield, 1, 0, K_0),
	S(SYS_mremap, 2, 0x7, K_MADDR, K_MLEN, K_MLEN, K_FL, K_MADDR),
	S(SYS_madvise, 3, 0, K_MADDR, K_MLEN, K_MADV),
	S(SYS_dup, 2, 0, K_FD),
	S(SYS_dup2, 2, 0, K_FD, K_NEWFD),
	S(SYS_pause, 1, 0, K_0),
	S(SYS_nanosleep, 1, 0, K_TS, K_OUT),
	S(SYS_getpid, 1, 0, K_0),
	S(SYS_socket, 4, 0x80800, K_DOM, K_STYPE, K_INT),
	S(SYS_connect, 4, 0, K_FD, K_SA, K_SALEN),
	S(SYS_accept, 3, 0, K_FD, K_OUT, K_SALENP),
	S(SYS_sendto, 5, 0x40c0, K_FD, K_IN, K_LEN, K_FL, K_SA, K_SALEN),
	S(SYS_recvfrom, 5, 0x40e2, K_FD, K_OUT, K_LEN, K_FL, K_OUT, K_SALENP),
	S(SYS_sendmsg, 5, 0x40c0, K_FD, K_MSG, K_FL),
	S(SYS_recvmsg, 5, 0x40e2, K_FD, K_MSG, K_FL),
	S(SYS_shutdown, 2, 0, K_FD, K_INT),
	S(SYS_bind, 4, 0, K_FD, K_SA, K_SALEN),
	S(SYS_listen, 3, 0, K_FD, K_INT),
	S(SYS_getsockname, 2, 0, K_FD, K_OUT, K_SALENP),
	S(SYS_getpeername, 2, 0, K_FD, K_OUT, K_SALENP),
	S(SYS_socketpair, 3, 0, K_DOM, K_STYPE, K_INT, K_OUT),
	S(SYS_setsockopt, 5, 0, K_FD, K_LEVEL, K_OPT, K_IN, K_LEN),
	S(SYS_getsockopt, 5, 0, K_FD, K_LEVEL, K_OPT, K_OUT, K_SALENP),
	S(SYS_execve, 1, 0, K_XPATH, K_ARGV, K_ARGV),
	S(SYS_wait4, 3, 0x8000000f, K_PID, K_OUT, K_FL, K_OUT),
	S(SYS_kill, 3, 0, K_PID, K_SIG),
	S(SYS_uname, 1, 0, K_OUT),
	S(SYS_fcntl, 5, 0, K_FD, K_FCNTL, K_ANY),
	S(SYS_truncate, 2, 0, K_WPATH, K_OFF),
	S(SYS_ftruncate, 2, 0, K_FD, K_OFF),
	S(SYS_getcwd, 2, 0, K_OUT, K_LEN),
	S(SYS_chdir, 2, 0, K_CHDIR),
	S(SYS_fchdir, 2, 0, K_DIRFD),
	S(SYS_rename, 2, 0, K_WPATH, K_WPATH),
	S(SYS_mkdir, 2, 0, K_WPATH, K_MODE),
	S(SYS_rmdir, 2, 0, K_WPATH),
	S(SYS_creat, 2, 0, K_WPATH, K_MODE),
	S(SYS_link, 2, 0, K_WPATH, K_WPATH),
	S(SYS_unlink, 2, 0, K_WPATH),
	S(SYS_symlink, 2, 0, K_WPATH, K_WPATH),
	S(SYS_readlink, 2, 0, K_PATH, K_OUT, K_LEN),
	S(SYS_chmod, 2, 0, K_WPATH, K_MODE),
	S(SYS_fchmod, 2, 0, K_WFD, K_MODE),
	S(SYS_chown, 1, 0, K_WPATH, K_ID, K_ID),
	S(SYS_fchown, 1, 0, K_WFD, K_ID, K_ID),
	S(SYS_umask, 1, 0, K_MODE),
	S(SYS_gettimeofday, 1, 0, K_OUT, K_OUT),
	S(SYS_getrlimit, 1, 0, K_RES, K_OUT),
	S(SYS_sysinfo, 1, 0, K_OUT),
	S(SYS_getuid, 1, 0, K_0),
	S(SYS_getgid, 1, 0, K_0),
	S(SYS_setuid, 1, 0, K_ID),
	S(SYS_setgid, 1, 0, K_ID),
	S(SYS_geteuid, 1, 0, K_0),
	S(SYS_getegid, 1, 0, K_0),
	S(SYS_setpgid, 2, 0, K_PID, K_PID),
	S(SYS_getppid, 1, 0, K_0),
	S(SYS_getpgrp, 1, 0, K_0),
	S(SYS_setsid, 1, 0, K_0),
	S(SYS_setreuid, 1, 0, K_ID, K_ID),
	S(SYS_setregid, 1, 0, K_ID, K_ID),
	S(SYS_getgroups, 1, 0, K_INT, K_OUT),
	S(SYS_setgroups, 1, 0, K_INT, K_IN),
	S(SYS_setresuid, 1, 0, K_ID, K_ID, K_ID),
	S(SYS_getresuid, 1, 0, K_OUT, K_OUT, K_OUT),
	S(SYS_setresgid, 1, 0, K_ID, K_ID, K_ID),
	S(SYS_getresgid, 1, 0, K_OUT, K_OUT, K_OUT),
	S(SYS_getpgid, 1, 0, K_PID),
	S(SYS_setfsuid, 1, 0, K_ID),
	S(SYS_setfsgid, 1, 0, K_ID),
	S(SYS_getsid, 1, 0, K_PID),
	S(SYS_rt_sigpending, 1, 0, K_OUT, K_LEN),
	S(SYS_rt_sigsuspend, 1, 0, K_SIGSET, K_LEN),
	S(SYS_sigaltstack, 2, 0, K_IN, K_OUT),
	S(SYS_getpriority, 1, 0, K_WHICH, K_PID),
	S(SYS_setpriority, 1, 0, K_WHICH, K_PID, K_INT),
	S(SYS_prctl, 3, 0, K_PRCTL, K_ANY, K_ANY, K_ANY, K_ANY),
	S(SYS_arch_prctl, 2, 0, K_ARCH, K_UPTR),
	S(SYS_setrlimit, 1, 0, K_RES, K_RLIM),
	S(SYS_gettid, 1, 0, K_0),
	S(SYS_tkill, 2, 0, K_TID, K_SIG),
	S(SYS_time, 1, 0, K_OUT),
	S(SYS_futex, 4, 0, K_OUT, K_FUTOP, K_INT, K_TS, K_OUT, K_INT),
	S(SYS_sched_setaffinity, 2, 0, K_PID, K_LEN, K_IN),
	S(SYS_sched_getaffinity, 2, 0, K_PID, K_LEN, K_OUT),
	S(SYS_epoll_create, 1, 0, K_INT),
	S(SYS_getdents64, 3, 0, K_FD, K_OUT, K_LEN),
	S(SYS_set_tid_address, 1, 0, K_OUT),
	S(SYS_clock_gettime, 2, 0, K_CLOCK, K_OUT),
	S(SYS_clock_getres, 1, 0, K_CLOCK, K_OUT),
	S(SYS_clock_nanosleep, 1, 0x1, K_CLOCK, K_FL, K_TS, K_OUT),
	S(SYS_epoll_wait, 3, 0, K_FD, K_OUT, K_INT, K_INT),
	S(SYS_epoll_ctl, 4, 0, K_FD, K_EPOP, K_FD, K_EPEV),
	S(SYS_tgkill, 2, 0, K_PID, K_TID, K_SIG),
	S(SYS_openat, 5, 0x3fffff, K_DIRFD, K_PATH, K_FL, K_MODE),
	S(SYS_mkdirat, 2, 0, K_DIRFD, K_WPATH, K_MODE),
	S(SYS_newfstatat, 3, 0x1d00, K_DIRFD, K_PATH, K_OUT, K_FL),
	S(SYS_unlinkat, 2, 0x200, K_DIRFD, K_WPATH, K_FL),
	S(SYS_renameat, 2, 0, K_DIRFD, K_WPATH, K_DIRFD, K_WPATH),
	S(SYS_symlinkat, 2, 0, K_WPATH, K_DIRFD, K_WPATH),
	S(SYS_readlinkat, 2, 0, K_DIRFD, K_PATH, K_OUT, K_LEN),
	S(SYS_faccessat, 2, 0x7, K_DIRFD, K_PATH, K_FL),
	S(SYS_pselect6, 2, 0, K_INT, K_FDSET, K_FDSET, K_FDSET, K_TS, K_IN),
	S(SYS_ppoll, 3, 0, K_POLL, K_INT, K_TS, K_SIGSET, K_LEN),
	S(SYS_epoll_pwait, 2, 0, K_FD, K_OUT, K_INT, K_INT, K_SIGSET, K_LEN),
	S(SYS_timerfd_create, 2, 0x80800, K_CLOCK, K_FL),
	S(SYS_eventfd, 2, 0, K_INT),
	S(SYS_timerfd_settime, 3, 0x3, K_FD, K_FL, K_ITS, K_OUT),
	S(SYS_timerfd_gettime, 2, 0, K_FD, K_OUT),
	S(SYS_accept4, 3, 0x80800, K_FD, K_OUT, K_SALENP, K_FL),
	S(SYS_eventfd2, 2, 0x80801, K_INT, K_FL),
	S(SYS_epoll_create1, 2, 0x80000, K_FL),
	S(SYS_dup3, 2, 0x80000, K_FD, K_NEWFD, K_FL),
	S(SYS_pipe2, 2, 0x84800, K_OUT, K_FL),
	S(SYS_recvmmsg, 2, 0x40e2, K_FD, K_MMSG, K_IOVCNT, K_FL, K_TS),
	S(SYS_prlimit64, 2, 0, K_PID, K_RES, K_RLIM, K_OUT),
	S(SYS_sendmmsg, 2, 0x40c0, K_FD, K_MMSG, K_IOVCNT, K_FL),
	S(SYS_getrandom, 2, 0x7, K_OUT, K_LEN, K_FL),
	S(SYS_epoll_pwait2, 2, 0, K_FD, K_OUT, K_INT, K_TS, K_SIGSET, K_LEN),
	S(SYS_clock_settime, 1, 0, K_CLOCK, K_TS),
};

#define NTABLE (int)(sizeof(table) / sizeof(table[0]))

/* Never called, whatever the arguments; printed by `sysfuzz --denylist`. */
static const struct { long nr; const char *why; } deny[] = {
	{ SYS_exit, "ends the fuzzing thread: its stream stops and the worker waits for it" },
	{ SYS_exit_group, "ends the worker before its calls are done" },
	{ SYS_fork, "process creation is the fork/exec storm's job (a fork per call is a fork bomb)" },
	{ SYS_vfork, "the child would run the fuzzer on the parent's stack and memory" },
	{ SYS_clone, "a child on a random stack runs the fuzzer's code on garbage" },
	{ 435, "clone3: as clone" },
	{ SYS_rt_sigreturn, "loads a garbage frame: the worker then runs random code with random "
			    "registers (on a host as root that could issue any call)" },
	{ SYS_reboot, "would end the test (and on a host, the host)" },
	{ SYS_kexec_load, "as reboot" },
	{ SYS_setitimer, "an interval timer's SIGALRM kills the worker by default" },
	{ SYS_alarm, "as setitimer" },
	{ SYS_ptrace, "attaching to the fuzzer's own processes stops them" },
	{ SYS_process_vm_writev, "writes another process's memory" },
	{ SYS_settimeofday, "changes the host's clock when run as root" },
	{ SYS_sethostname, "changes the host's name when run as root" },
	{ SYS_mount, "as root on a host: changes the host's mounts" },
	{ SYS_umount2, "as mount" },
	{ SYS_swapoff, "as mount" },
	{ SYS_init_module, "loads code into the host kernel" },
	{ SYS_iopl, "port I/O on the host" },
	{ SYS_ioperm, "as iopl" },
};

int gen_table_size(void)
{
	return NTABLE;
}

int gen_in_table(long nr)
{
	for (int i = 0; i < NTABLE; i++)
		if (table[i].nr == nr)
			return 1;
	return 0;
}

void gen_print_denylist(void)
{
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		printf("deny %-18s %s\n", sys_name(deny[i].nr), deny[i].why);
	printf("deny %-18s %s\n", "clock_settime", "on Linux only: changes the host's clock");
	printf("args kill/tkill/tgkill: pids and tids are the worker's own (never -1 or others)\n");
	printf("args mmap/munmap/mprotect/madvise/mremap/brk: the worker's arena, or invalid\n");
	printf("args mutating path calls: names in the scratch directory, never '..' or '/'\n");
	printf("args setpriority: PRIO_PROCESS/PRIO_PGRP of the worker only (not PRIO_USER)\n");
	printf("args arch_prctl SET_FS/SET_GS: invalid addresses only (the fuzzer's TLS)\n");
}

static int denied(long nr)
{
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (deny[i].nr == nr)
			return 1;
	return nr == SYS_clock_settime && !pool.on_keel;
}

const char *sys_name(long nr)
{
	static char buf[16];

	for (int i = 0; i < NTABLE; i++)
		if (table[i].nr == nr)
			return table[i].name;
	switch (nr) {
	case SYS_exit: return "exit";
	case SYS_exit_group: return "exit_group";
	case SYS_fork: return "fork";
	case SYS_vfork: return "vfork";
	case SYS_clone: return "clone";
	case SYS_rt_sigreturn: return "rt_sigreturn";
	case SYS_reboot: return "reboot";
	}
	snprintf(buf, sizeof(buf), "sys%ld", nr);
	return buf;
}

/* ---- pointer values ---- */

static const uintptr_t bad_ptrs[] = {
	0, 1, 0x1000, 0x00007ffffffff000UL, 0x00007fffffffffffUL,	/* unmapped (the top page) */
	0x0000800000000000UL, 0x8000000000000000UL, 0xdead000000000000UL, /* non-canonical */
	0xffff800000000000UL, 0xffff888000001000UL, 0xffffffff80000000UL, /* kernel */
	0xffffffffffffffffUL, 0xfffffffffffff000UL,
};

static uintptr_t bad_ptr(struct rng *r)
{
	return bad_ptrs[rn(r, sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))];
}

static uintptr_t arena_ptr(struct rng *r)
{
	return (uintptr_t)pool.arena + rn(r, ARENA_PAGES) * PAGE +
	       (rn(r, 4) ? 0 : rn(r, PAGE));
}

/* A buffer the kernel writes: ours (ending anywhere before the guard), the arena (pages of it
 * may be unmapped or read-only right now), our text (read-only), or invalid. */
static uintptr_t out_ptr(struct rng *r, struct tbuf *t)
{
	switch (rn(r, 10)) {
	case 0: return bad_ptr(r);
	case 1: return arena_ptr(r);
	case 2: return (uintptr_t)&gen_call;	/* text: EFAULT on write */
	case 3: return (uintptr_t)t->buf + BUFSZ - rn(r, 64);	/* runs into the guard */
	default: return (uintptr_t)t->buf + (rn(r, 2) ? 0 : rn(r, BUFSZ));
	}
}

static uintptr_t in_ptr(struct rng *r, struct tbuf *t)
{
	uintptr_t p = out_ptr(r, t);

	if (p >= (uintptr_t)t->buf && p < (uintptr_t)t->buf + BUFSZ && rn(r, 2))
		for (int i = 0; i < 8; i++)
			t->buf[rn(r, BUFSZ)] = (char)rnd(r);
	return p;
}

static long len_edge(struct rng *r)
{
	static const long e[] = { 0, 1, 2, 7, 8, 15, 16, 63, 64, 127, 128, 255, 256, 4095, 4096,
				  4097, 8191, 8192, 65535, 65536, 65537, 1L << 20, 0x7fffffffL,
				  0x80000000L, 0xffffffffL, 1L << 32, -1L, 0x7fffffffffffffffL,
				  (long)0x8000000000000000UL };

	if (rn(r, 3))
		return (long)rn(r, rn(r, 2) ? 64 : 8192);
	return e[rn(r, sizeof(e) / sizeof(e[0]))];
}

/* ---- fds ---- */

static long fd_any(struct rng *r)
{
	int i = (int)rn(r, pool.nfd + 3);

	if (i < pool.nfd)
		return pool.fd[i];
	return (long)rn(r, 64);			/* whatever this number is now */
}

static long fd_dir(struct rng *r)
{
	static const long d[] = { AT_FDCWD, PROT_FD, PROT_FD + 1, -1, 950 };

	return d[rn(r, 5)];
}

/* ---- paths ---- */

static const char *const wpaths[] = {
	"f0", "f1", "f2", "f3", "f4", "d0", "d1", "d0/f0", "d0/d1", "d1/f2", "ln0", "ln1",
	"s0", "f0/x", "", ".", "d0/.", "/nonexistent/x", "nofile",
};
static const char *const rpaths[] = {
	"/proc/self/stat", "/proc/meminfo", "/proc/self/maps", "/proc/self", "/proc",
	"/dev/null", "/dev/zero", "/dev/urandom", "/", "/proc/self/fd/0", "/proc/net/dev",
	"/proc/self/exe",
};

static char longname[300], longpath[4200];

static void paths_init(void)
{
	if (longname[0])
		return;
	memset(longname, 'n', 256);	/* NAME_MAX + 1 */
	for (int i = 0; i + 2 < 4150; i += 2)
		memcpy(longpath + i, "a/", 2);	/* past PATH_MAX */
}

static long wpath(struct rng *r)
{
	paths_init();
	switch (rn(r, 16)) {
	case 0: return (long)bad_ptr(r);
	case 1: return (long)longname;
	case 2: return (long)longpath;
	default: return (long)wpaths[rn(r, sizeof(wpaths) / sizeof(wpaths[0]))];
	}
}

static int is_rpath(long p)
{
	for (size_t i = 0; i < sizeof(rpaths) / sizeof(rpaths[0]); i++)
		if (p == (long)rpaths[i])
			return 1;
	return 0;
}

static long rpath(struct rng *r)
{
	if (rn(r, 3))
		return wpath(r);
	return (long)rpaths[rn(r, sizeof(rpaths) / sizeof(rpaths[0]))];
}

/* ---- structures the kernel reads (built in the thread's struct area) ---- */

static long sockaddr_gen(struct rng *r, struct tbuf *t)
{
	switch (rn(r, 8)) {
	case 0: return (long)bad_ptr(r);
	case 1: case 2: {
		struct sockaddr_un *u = st_alloc(t, sizeof(*u));

		u->sun_family = AF_UNIX;
		if (rn(r, 2))
			strcpy(u->sun_path, rn(r, 2) ? "s0" : "s1");
		else
			snprintf(u->sun_path + 1, sizeof(u->sun_path) - 1, "sysfuzz.%d.%d",
				 (int)pool.self, (int)rn(r, 4));
		return (long)u;
	}
	case 3: case 4: case 5: {
		struct sockaddr_in *in = st_alloc(t, sizeof(*in));

		in->sin_family = rn(r, 8) ? AF_INET : (sa_family_t)rn(r, 50);
		in->sin_addr.s_addr = htonl(rn(r, 4) ? INADDR_LOOPBACK : INADDR_ANY);
		in->sin_port = htons(rn(r, 2) ? pool.port : (uint16_t)(rn(r, 2) ? 0 : 1));
		return (long)in;
	}
	default: {
		char *p = st_alloc(t, 128);

		for (int i = 0; i < 128; i++)
			p[i] = (char)rnd(r);
		if (rn(r, 2))
			*(sa_family_t *)p = AF_UNIX;	/* unterminated path */
		return (long)p;
	}
	}
}

static long salen_gen(struct rng *r)
{
	static const long l[] = { 0, 1, 2, 3, 15, 16, 17, 109, 110, 111, 128, 4096, -1, 0x7fffffff };

	return rn(r, 2) ? 16 + 94 * (long)rn(r, 2) : l[rn(r, sizeof(l) / sizeof(l[0]))];
}

static long iov_gen(struct rng *r, struct tbuf *t, int n)
{
	struct iovec *v;

	if (!rn(r, 10))
		return (long)bad_ptr(r);
	v = st_alloc(t, sizeof(*v) * (size_t)n);
	for (int i = 0; i < n; i++) {
		v[i].iov_base = (void *)out_ptr(r, t);
		v[i].iov_len = (size_t)len_edge(r);
		if (rn(r, 2))
			v[i].iov_len &= 0xfff;
	}
	return (long)v;
}

static void cmsg_gen(struct rng *r, struct tbuf *t, struct msghdr *m)
{
	size_t n = CMSG_SPACE(4 * sizeof(int));
	struct cmsghdr *c = st_alloc(t, n);

	c->cmsg_level = rn(r, 4) ? SOL_SOCKET : (int)rn(r, 300);
	c->cmsg_type = rn(r, 2) ? SCM_RIGHTS : (int)rn(r, 4);
	c->cmsg_len = rn(r, 4) ? CMSG_LEN(sizeof(int) * (1 + rn(r, 4))) : (size_t)len_edge(r);
	for (int i = 0; i < 4; i++)
		((int *)CMSG_DATA(c))[i] = (int)fd_any(r);
	m->msg_control = c;
	m->msg_controllen = rn(r, 4) ? n : (size_t)len_edge(r);
}

static void msg_fill(struct rng *r, struct tbuf *t, struct msghdr *m)
{
	int n = (int)rn(r, 5);

	m->msg_name = rn(r, 2) ? NULL : (void *)sockaddr_gen(r, t);
	m->msg_namelen = (socklen_t)salen_gen(r);
	m->msg_iov = (void *)iov_gen(r, t, n ? n : 1);
	m->msg_iovlen = rn(r, 8) ? (size_t)n : (size_t)len_edge(r);
	if (!rn(r, 3))
		cmsg_gen(r, t, m);
	else if (!rn(r, 4)) {
		m->msg_control = (void *)out_ptr(r, t);
		m->msg_controllen = (size_t)len_edge(r);
	}
}

static long msg_gen(struct rng *r, struct tbuf *t)
{
	struct msghdr *m;

	if (!rn(r, 12))
		return (long)bad_ptr(r);
	m = st_alloc(t, sizeof(*m));
	msg_fill(r, t, m);
	return (long)m;
}

static long mmsg_gen(struct rng *r, struct tbuf *t)
{
	struct mmsghdr *m;

	if (!rn(r, 12))
		return (long)bad_ptr(r);
	m = st_alloc(t, sizeof(*m) * 4);
	for (int i = 0; i < 4; i++)
		msg_fill(r, t, &m[i].msg_hdr);
	return (long)m;
}

static long ts_gen(struct rng *r, struct tbuf *t, int n)
{
	struct timespec *ts;

	if (!rn(r, 6))
		return rn(r, 2) ? 0 : (long)bad_ptr(r);
	ts = st_alloc(t, sizeof(*ts) * (size_t)n);
	for (int i = 0; i < n; i++) {
		ts[i].tv_sec = rn(r, 16) ? 0 : (rn(r, 2) ? -1 : (long)rn(r, 3));
		ts[i].tv_nsec = rn(r, 8) ? (long)rn(r, 2000000) :
				(rn(r, 2) ? 1000000000L : -1L);
	}
	return (long)ts;
}

static long poll_gen(struct rng *r, struct tbuf *t)
{
	struct { int fd; short ev, rev; } *p;

	if (!rn(r, 10))
		return (long)bad_ptr(r);
	p = st_alloc(t, sizeof(*p) * 16);
	for (int i = 0; i < 16; i++) {
		p[i].fd = (int)fd_any(r);
		p[i].ev = (short)(rn(r, 4) ? (0x1 | 0x4) : rnd(r));
	}
	return (long)p;
}

static long fdset_gen(struct rng *r, struct tbuf *t)
{
	uint64_t *s;

	if (rn(r, 3) == 0)
		return rn(r, 2) ? 0 : (long)out_ptr(r, t);
	s = st_alloc(t, 128);
	for (int i = 0; i < 4; i++)
		s[i] = rn(r, 2) ? rnd(r) : (1ULL << (unsigned)fd_any(r) % 64);
	return (long)s;
}

/* struct k_sigaction: handler, flags, restorer, mask. */

static long sigact_gen(struct rng *r, struct tbuf *t)
{
	struct { uintptr_t h; unsigned long fl; uintptr_t rest; uint64_t mask; } *a;

	if (!rn(r, 4))
		return rn(r, 2) ? 0 : (long)bad_ptr(r);
	a = st_alloc(t, sizeof(*a));
	switch (rn(r, 4)) {
	case 0: a->h = (uintptr_t)SIG_IGN; break;
	case 1: a->h = (uintptr_t)SIG_DFL; break;
	default: a->h = (uintptr_t)fuzz_handler;
	}
	a->fl = SA_RESTORER | (rnd(r) & (SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_SIGINFO |
					SA_ONSTACK | SA_NOCLDSTOP | SA_NOCLDWAIT));
	a->rest = (uintptr_t)fuzz_restorer;
	a->mask = rnd(r) & ~(1ULL << (SIGUSR2 - 1));	/* the kicker's signal stays open */
	return (long)a;
}

static long sigset_gen(struct rng *r, struct tbuf *t)
{
	uint64_t *m;

	if (!rn(r, 6))
		return rn(r, 2) ? 0 : (long)bad_ptr(r);
	m = st_alloc(t, 16);
	*m = rnd(r) & ~(1ULL << (SIGUSR2 - 1));
	return (long)m;
}

static long argv_gen(struct rng *r, struct tbuf *t)
{
	long *v;

	if (!rn(r, 4))
		return rn(r, 2) ? 0 : (long)bad_ptr(r);
	v = st_alloc(t, 8 * sizeof(long));
	for (int i = 0; i < 7; i++)
		v[i] = rn(r, 4) ? rpath(r) : (long)bad_ptr(r);
	v[rn(r, 8)] = 0;
	return (long)v;
}

static long rlim_gen(struct rng *r, struct tbuf *t)
{
	uint64_t *l;

	if (!rn(r, 5))
		return (long)out_ptr(r, t);
	l = st_alloc(t, 16);
	l[0] = rn(r, 2) ? ~0ULL : (uint64_t)len_edge(r);
	l[1] = rn(r, 2) ? ~0ULL : (uint64_t)len_edge(r);
	return (long)l;
}

static long epev_gen(struct rng *r, struct tbuf *t)
{
	struct epoll_event *e;

	if (!rn(r, 6))
		return (long)bad_ptr(r);
	e = st_alloc(t, sizeof(*e));
	e->events = (uint32_t)(rn(r, 2) ? (EPOLLIN | EPOLLOUT | (rn(r, 2) ? EPOLLET : 0) |
					  (rn(r, 4) ? 0 : EPOLLONESHOT)) : rnd(r));
	e->data.u64 = rnd(r);
	return (long)e;
}

/* ---- scalars ---- */

static long pick(struct rng *r, const long *v, size_t n)
{
	return v[rn(r, n)];
}
#define PICK(r, ...) ({ static const long v_[] = { __VA_ARGS__ }; \
			pick(r, v_, sizeof(v_) / sizeof(v_[0])); })

static long flags_gen(struct rng *r, unsigned long mask)
{
	unsigned long f = rnd(r) & rnd(r) & mask;

	if (!rn(r, 8))
		f |= 1UL << rn(r, 64);		/* an unknown bit */
	return (long)f;
}

static long pid_gen(struct rng *r)
{
	switch (rn(r, 8)) {
	case 0: return 0;
	case 1: return pool.victim;
	case 2: return -pool.pgrp;
	case 3: return rn(r, 2) ? 4194304 : 99999;	/* nobody */
	case 4: return (long)0x80000000L;		/* INT_MIN as int: not -1 */
	default: return pool.self;
	}
}

static long tid_gen(struct rng *r, struct tbuf *t)
{
	if (t->ntids && rn(r, 4))
		return t->tids[rn(r, t->ntids)];
	return rn(r, 2) ? pool.self : 99999;
}

static long sig_gen(struct rng *r)
{
	long s = rn(r, 8) ? (long)rn(r, 32) : PICK(r, 0, 32, 33, 34, 63, 64, 65, 128, -1);

	/* a stop would park the worker until the supervisor's storm continues it: rare */
	if ((s == SIGSTOP || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU) && rn(r, 8))
		s = SIGUSR1;
	if (s == SIGKILL && rn(r, 4))
		s = SIGCHLD;
	return s;
}

static long ioctl_gen(struct rng *r)
{
	long c = PICK(r, 0x541b /* FIONREAD */, 0x5421 /* FIONBIO */, 0x5451, 0x5450,
		      0x5401 /* TCGETS */, 0x5402 /* TCSETS */, 0x5413 /* TIOCGWINSZ */,
		      0x540f /* TIOCGPGRP */, 0x5410 /* TIOCSPGRP */, 0x5429 /* TIOCGSID */,
		      0x8912 /* SIOCGIFCONF */, 0x8913 /* SIOCGIFFLAGS */, 0x8915,
		      0x8933 /* SIOCGIFINDEX */, 0x8927 /* SIOCGIFHWADDR */, 0x80045432, 0);

	/* random numbers only on keel: on a host a random socket ioctl could be a SIOCS* */
	if (pool.on_keel && !rn(r, 4))
		c = rn(r, 2) ? (long)rnd(r) : (long)(0x8900 + rn(r, 0x100));
	return c;
}

static long mlen_gen(struct rng *r)
{
	switch (rn(r, 6)) {
	case 0: return (long)len_edge(r);
	case 1: return (long)(rn(r, 4096) + 1) * (long)PAGE;	/* up to 16 MiB */
	default: return (long)(rn(r, ARENA_PAGES) + 1) * (long)PAGE - (rn(r, 4) ? 0 : 1);
	}
}

static long maddr_gen(struct rng *r)
{
	return rn(r, 4) ? (long)arena_ptr(r) : (long)bad_ptr(r);
}

static long gen_arg(struct rng *r, struct tbuf *t, const struct sysdesc *d, int k)
{
	switch (d->k[k]) {
	case K_0: return 0;
	case K_ANY: return rn(r, 2) ? (long)rnd(r) : len_edge(r);
	case K_INT: return rn(r, 4) ? (long)rn(r, 8) : PICK(r, -1, 16, 64, 1024, 4096, 0x7fffffff,
							      (long)0x80000000L, 1L << 32);
	case K_FD: return fd_any(r);
	case K_DIRFD: return fd_dir(r);
	case K_WFD: return PICK(r, PROT_FD + 1, PROT_FD + 1, -1, 950);
	case K_NEWFD: return rn(r, 4) ? 200 + (long)rn(r, 10) : PICK(r, -1, 1024, 4096, 0x7fffffff);
	case K_PATH: return rpath(r);
	case K_WPATH: return wpath(r);
	case K_XPATH: return PICK(r, (long)"f0", (long)"d0", (long)"/dev/null", (long)"",
				  (long)"/proc/self/stat", (long)"/nonexistent", 0, 1,
				  (long)0xffffffff80000000UL);
	case K_CHDIR: return PICK(r, (long)"d0", (long)"d1", (long)".", (long)"ln0", (long)"f0",
				  (long)"/nonexistent/x", (long)"", 0, (long)0xffff800000000000UL);
	case K_IN: return (long)in_ptr(r, t);
	case K_OUT: return (long)out_ptr(r, t);
	case K_LEN: return len_edge(r);
	case K_OFF: return rn(r, 2) ? (long)rn(r, 8192) : len_edge(r);
	case K_FL: return flags_gen(r, d->fl);
	case K_MODE: return rn(r, 4) ? 0644 : (long)rnd(r);
	case K_ID: return PICK(r, 0, 0, 1, 1000, 65534, -1, 0x7fffffff, (long)0x100000000L);
	case K_SIG: return sig_gen(r);
	case K_PID: return pid_gen(r);
	case K_TID: return tid_gen(r, t);
	case K_MADDR: return maddr_gen(r);
	case K_MLEN: return mlen_gen(r);
	case K_PROT: return rn(r, 8) ? (long)rn(r, 8) : (long)rnd(r);
	case K_MAPFL: return (long)((rn(r, 2) ? MAP_PRIVATE : MAP_SHARED) |
			(rn(r, 2) ? MAP_ANONYMOUS : 0) | (rn(r, 3) ? 0 : MAP_FIXED) |
			(rn(r, 8) ? 0 : MAP_FIXED_NOREPLACE) | (rn(r, 8) ? 0 : MAP_GROWSDOWN) |
			(rn(r, 8) ? 0 : MAP_NORESERVE) | (rn(r, 16) ? 0 : (rnd(r) & 0xff00000)));
	case K_CLOCK: return rn(r, 8) ? (long)rn(r, 8) : PICK(r, -1, 12, 1000, -6);
	case K_TS: return ts_gen(r, t, 1);
	case K_ITS: return ts_gen(r, t, 2);
	case K_SA: return sockaddr_gen(r, t);
	case K_SALEN: return salen_gen(r);
	case K_SALENP: {
		int *p = st_alloc(t, sizeof(int));

		*p = (int)salen_gen(r);
		return rn(r, 6) ? (long)p : (long)out_ptr(r, t);
	}
	case K_IOV: return iov_gen(r, t, 8);
	case K_IOVCNT: return rn(r, 6) ? (long)rn(r, 9) : PICK(r, 1024, 1025, -1, 0x7fffffff);
	case K_MSG: return msg_gen(r, t);
	case K_MMSG: return mmsg_gen(r, t);
	case K_EPEV: return epev_gen(r, t);
	case K_POLL: return poll_gen(r, t);
	case K_FDSET: return fdset_gen(r, t);
	case K_SIGSET: return sigset_gen(r, t);
	case K_SIGACT: return sigact_gen(r, t);
	case K_ARGV: return argv_gen(r, t);
	case K_RLIM: return rlim_gen(r, t);
	case K_IOCTL: return ioctl_gen(r);
	case K_FCNTL: return rn(r, 8) ? (long)rn(r, 17) : PICK(r, 1024, 1025, 1026, 1030, 1031,
								   1033, 1034, -1);
	case K_LEVEL: return PICK(r, SOL_SOCKET, SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, IPPROTO_UDP,
				  0, -1, 1000);
	case K_OPT: return rn(r, 8) ? (long)rn(r, 64) : (long)rnd(r);
	case K_FUTOP: return (long)(rn(r, 14) | (rn(r, 2) ? 128 : 0) | (rn(r, 8) ? 0 : 256));
	case K_PRCTL: return rn(r, 8) ? PICK(r, 15, 16, 1, 2, 3, 4, 36, 37, 38, 39, 23, 24)
				      : (long)rn(r, 80);
	case K_ARCH: return PICK(r, 0x1001, 0x1002, 0x1003, 0x1004, 0x1011, 0x1012, 0, -1);
	case K_UPTR: return (long)out_ptr(r, t);
	case K_RES: return rn(r, 8) ? (long)rn(r, 16) : PICK(r, -1, 16, 1000);
	case K_DOM: return PICK(r, AF_UNIX, AF_UNIX, AF_INET, AF_INET, AF_INET6, AF_NETLINK,
				AF_PACKET, 0, -1, 46);
	case K_STYPE: return (long)((rn(r, 8) ? 1 + rn(r, 5) : rn(r, 16)) |
			(rn(r, 2) ? SOCK_NONBLOCK : 0) | (rn(r, 4) ? 0 : SOCK_CLOEXEC));
	case K_EPOP: return rn(r, 8) ? 1 + (long)rn(r, 3) : PICK(r, 0, 4, -1);
	case K_MADV: return PICK(r, 0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 100, -1);
	case K_WHICH: return PICK(r, 0, 1, 3, -1);
	}
	return 0;
}

/* Arguments that depend on each other, and the limits that keep the fuzzer (and a host) alive. */
static void fixup(struct rng *r, struct tbuf *t, struct call *c)
{
	uintptr_t lo = (uintptr_t)pool.arena, hi = lo + ARENA_PAGES * PAGE;
	long *a = c->a;

	switch (c->nr) {
	case SYS_mmap:
		if ((a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (uintptr_t)a[0] >= lo &&
		    (uintptr_t)a[0] < hi && (uintptr_t)a[1] > hi - (uintptr_t)a[0])
			a[1] = (long)(hi - ((uintptr_t)a[0] & ~(PAGE - 1)));
		if ((a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (uintptr_t)a[0] < (1UL << 47) &&
		    ((uintptr_t)a[0] < lo || (uintptr_t)a[0] >= hi))
			a[0] = (long)0xffff800000000000UL;	/* never over our own memory */
		a[3] &= ~(long)MAP_POPULATE;
		if (rn(r, 2))
			a[4] = -1;
		break;
	case SYS_mprotect: case SYS_munmap: case SYS_madvise: case SYS_mremap:
		if ((uintptr_t)a[0] < (1UL << 47) && ((uintptr_t)a[0] < lo || (uintptr_t)a[0] >= hi))
			a[0] = (long)bad_ptr(r) | 0x800000000000L;
		if ((uintptr_t)a[0] >= lo && (uintptr_t)a[0] < hi &&
		    (uintptr_t)a[1] > hi - (uintptr_t)a[0])	/* the slack pages stay */
			a[1] = (long)(hi - ((uintptr_t)a[0] & ~(PAGE - 1)));
		if (c->nr == SYS_mremap) {
			if ((uintptr_t)a[2] > hi - lo)
				a[2] = (long)PAGE;
			a[4] = (long)arena_ptr(r) & ~(long)(PAGE - 1);
			if ((uintptr_t)a[4] + (uintptr_t)a[2] > hi)
				a[3] &= ~2L;			/* MREMAP_FIXED only inside */
		}
		break;
	case SYS_brk:
		if ((uintptr_t)a[0] < (1UL << 47))
			a[0] = rn(r, 2) ? 0 : (long)pool.brk0 + (long)rn(r, 1 << 20);
		break;
	case SYS_open: case SYS_openat:
		if (is_rpath(a[c->nr == SYS_open ? 0 : 1])) {
			long *f = &a[c->nr == SYS_open ? 1 : 2];
			long p = a[c->nr == SYS_open ? 0 : 1];

			if (strcmp((char *)p, "/dev/null") && strcmp((char *)p, "/dev/zero"))
				*f &= ~(long)(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND);
		}
		break;
	case SYS_arch_prctl:
		if (a[0] == 0x1001 || a[0] == 0x1002)	/* SET_GS/SET_FS: only invalid bases */
			a[1] = (long)PICK(r, (long)0x0000800000000000UL, (long)0xffffffff80000000UL,
					  (long)0x8000000000000000UL);
		break;
	case SYS_setpriority: case SYS_getpriority:
		if (a[0] == 2 || a[0] == 1)	/* PRIO_USER is every process of the uid */
			a[0] = rn(r, 2) ? 0 : 1;
		if (a[0] == 1 && a[1] != 0 && a[1] != pool.pgrp)
			a[1] = 0;
		break;
	case SYS_rt_sigaction:
		if (a[0] == SIGUSR2)		/* the kicker's signal keeps its handler */
			a[0] = SIGUSR1;
		break;
	case SYS_prctl:
		if (a[0] == 22)			/* PR_SET_SECCOMP */
			a[0] = 21;
		break;
	case SYS_fcntl:
		if (a[1] == 0 || a[1] == 1030)	/* F_DUPFD: stay below the protected fds */
			a[2] = (long)rn(r, 300);
		else if (a[1] >= 5 && a[1] <= 7)	/* locks: a struct flock or not */
			a[2] = (long)(rn(r, 4) ? (uintptr_t)st_alloc(t, 32) : out_ptr(r, t));
		break;
	case SYS_kill: case SYS_tgkill: case SYS_tkill: case SYS_setpgid:
	case SYS_prlimit64: case SYS_sched_setaffinity:
		if (a[0] == -1)
			a[0] = 0;
		break;
	}
}

/* Weighted choice of a table entry (cumulative weights computed once). */
static const struct sysdesc *pick_sys(struct rng *r)
{
	static unsigned cum[NTABLE], total;

	if (!total)
		for (int i = 0; i < NTABLE; i++)
			cum[i] = (total += table[i].weight);
	unsigned x = (unsigned)rn(r, total);
	int lo = 0, hi = NTABLE - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return &table[lo];
}

const struct sysdesc *gen_call(struct rng *r, struct tbuf *t, struct call *c)
{
	const struct sysdesc *d;

	/* On keel, 1 call in 64 is a number outside the table (ENOSYS paths, unknown ABI). */
	if (pool.on_keel && !rn(r, 64)) {
		c->nr = (long)rn(r, NSYS + 16);
		if (denied(c->nr) || c->nr == SYS_kill || c->nr == SYS_tkill ||
		    c->nr == SYS_tgkill || c->nr == SYS_execve)
			c->nr = SYS_getpid;
		for (int k = 0; k < 6; k++)
			c->a[k] = rn(r, 2) ? (long)out_ptr(r, t) : len_edge(r);
		d = NULL;
		for (int i = 0; i < NTABLE; i++)
			if (table[i].nr == c->nr)	/* in the table: its own types keep it safe */
				d = &table[i];
		if (!d)
			return NULL;
	} else {
		d = pick_sys(r);
	}
	if (denied(d->nr))
		d = &table[0];
	c->nr = d->nr;
	for (int k = 0; k < 6; k++)
		c->a[k] = gen_arg(r, t, d, k);
	fixup(r, t, c);
	return d;
}
