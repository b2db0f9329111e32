/*
 * user/usertests/t_procfs.c — /proc in Linux's formats: what ps, top, free, uptime, pidof and
 * mount parse. Each test reads the file the way those programs do and checks both the shape
 * and that the numbers follow what the test itself did (CPU burnt, memory touched, threads
 * made, files opened). They pass on Linux too.
 */
#include "ut.h"
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The whole of a /proc file into buf (NUL-terminated); its length. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		FAIL("open %s: %s", path, strerror(errno));
	while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return n;
}

/* The value after "key" at the start of a line of text, or -1. */
static long long field(const char *text, const char *key)
{
	size_t k = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, k) == 0)
			return strtoll(l + k, NULL, 10);
	return -1;
}

/* Field i (1-based, as proc(5) numbers them) of /proc/<pid>/stat; comm may hold spaces. */
static long long stat_field(const char *stat, int i)
{
	const char *p = strrchr(stat, ')');
	char *end;
	long long v = 0;

	if (!p)
		FAIL("no ')' in stat line: %s", stat);
	p += 2;				/* field 3 starts here */
	for (int f = 3; f <= i; f++) {
		if (f == 3) {
			v = *p;
			p += 1;
		} else {
			v = strtoll(p, &end, 10);
			if (end == p)
				FAIL("stat field %d missing: %s", f, stat);
			p = end;
		}
	}
	return v;
}

static void t_proc_stat_lines(void)
{
	static char buf[16384];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), lines = 0;
	unsigned long long u0, s0, i0, u1, s1, i1;

	slurp("/proc/stat", buf, sizeof(buf));
	CHECK(sscanf(buf, "cpu  %llu %*u %llu %llu", &u0, &s0, &i0) == 3);
	for (char *l = buf; (l = strstr(l, "\ncpu")); l++)
		if (isdigit((unsigned char)l[4]))
			lines++;
	CHECK_EQ(lines, ncpu);
	for (const char *k = "intr \0ctxt \0btime \0processes \0procs_running \0procs_blocked ";
	     *k; k += strlen(k) + 1)
		if (field(buf, k) < 0)
			FAIL("/proc/stat has no '%s' line", k);
	CHECK(field(buf, "btime ") > 1500000000 && field(buf, "btime ") <= time(NULL));
	CHECK(field(buf, "procs_running ") >= 1);
	CHECK(field(buf, "ctxt ") > 0 && field(buf, "processes ") > 0);
	ut_burn_ticks(30);
	usleep(200 * 1000);
	slurp("/proc/stat", buf, sizeof(buf));
	CHECK(sscanf(buf, "cpu  %llu %*u %llu %llu", &u1, &s1, &i1) == 3);
	if (u1 <= u0 || i1 < i0 || s1 < s0)
		FAIL("cpu times did not follow 300 ms of user work: user %llu->%llu sys %llu->%llu "
		     "idle %llu->%llu", u0, u1, s0, s1, i0, i1);
}

static void t_proc_uptime_follows_clock(void)
{
	char buf[128];
	double up, idle;
	struct timespec ts;

	slurp("/proc/uptime", buf, sizeof(buf));
	clock_gettime(CLOCK_BOOTTIME, &ts);
	CHECK(sscanf(buf, "%lf %lf", &up, &idle) == 2);
	if (up < ts.tv_sec - 1 || up > ts.tv_sec + 1.5)
		FAIL("uptime %f, CLOCK_BOOTTIME %ld", up, (long)ts.tv_sec);
	CHECK(idle >= 0);
}

static volatile int spin_stop;

static void *spin_thread(void *arg)
{
	int64_t end = ut_now_ns() + *(long *)arg * 1000000;
	volatile unsigned long x = 0;

	while (!spin_stop && ut_now_ns() < end)
		x++;
	return NULL;
}

/*
 * The 1-minute average rises while threads keep CPUs busy (Linux samples every 5 s).
 * The average moves toward the number runnable, so the test runs more spinners than
 * the load it starts from: earlier tests may have left it above 2.
 */
static void t_proc_loadavg_rises(void)
{
	char buf[128];
	double l1, l5, l15, start;
	int run, total, last, n;
	long ms = 14000;
	pthread_t t[8];
	int64_t end = ut_now_ns() + 13000000000LL;

	slurp("/proc/loadavg", buf, sizeof(buf));
	CHECK(sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &total, &last) == 6);
	CHECK(run >= 1 && total >= run && last > 0);
	start = l1;
	n = start + 2 < 8 ? (int)start + 2 : 8;
	spin_stop = 0;
	for (int i = 0; i < n; i++)
		CHECK(pthread_create(&t[i], NULL, spin_thread, &ms) == 0);
	while (ut_now_ns() < end) {
		slurp("/proc/loadavg", buf, sizeof(buf));
		CHECK(sscanf(buf, "%lf", &l1) == 1);
		if (l1 >= start + 0.1)
			break;
		usleep(500 * 1000);
	}
	spin_stop = 1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (l1 < start + 0.1)
		FAIL("1-minute load stayed at %.2f (from %.2f) with %d spinning threads", l1, start, n);
}

static void t_proc_pid_stat_fields(void)
{
	static char buf[2048];
	char path[64], want[64];
	long long utime, rss, vsize;

	snprintf(path, sizeof(path), "/proc/%d/stat", getpid());
	slurp(path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%d (", getpid());
	CHECK(strncmp(buf, want, strlen(want)) == 0);
	CHECK(strchr("RSD", (int)stat_field(buf, 3)));
	CHECK_EQ(stat_field(buf, 4), getppid());
	CHECK_EQ(stat_field(buf, 5), getpgrp());
	CHECK_EQ(stat_field(buf, 20), 1);			/* threads */
	stat_field(buf, 52);					/* all 52 are there */
	vsize = stat_field(buf, 23);
	rss = stat_field(buf, 24);
	CHECK(vsize > 0 && rss > 0 && rss * 4096 <= vsize);
	utime = stat_field(buf, 14) + stat_field(buf, 15);
	ut_burn_ticks(30);
	slurp("/proc/self/stat", buf, sizeof(buf));
	if (stat_field(buf, 14) + stat_field(buf, 15) < utime + 25)
		FAIL("utime+stime %lld -> %lld after 300 ms of CPU time", utime,
		     stat_field(buf, 14) + stat_field(buf, 15));
}

static void t_proc_statm_follows_memory(void)
{
	char buf[256];
	long size0, res0, size1, res1;
	size_t len = 8 << 20;
	char *m;

	slurp("/proc/self/statm", buf, sizeof(buf));
	CHECK(sscanf(buf, "%ld %ld", &size0, &res0) == 2);
	CHECK(size0 >= res0 && res0 > 0);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	memset(m, 1, len);
	slurp("/proc/self/statm", buf, sizeof(buf));
	CHECK(sscanf(buf, "%ld %ld", &size1, &res1) == 2);
	if (size1 < size0 + 2048 || res1 < res0 + 2000)
		FAIL("statm %ld %ld -> %ld %ld after touching 8 MiB", size0, res0, size1, res1);
	munmap(m, len);
}

static void *park(void *arg)
{
	int *go = arg;

	while (!__atomic_load_n(go, __ATOMIC_ACQUIRE))
		usleep(1000);
	return NULL;
}

static void t_proc_status_threads_vm(void)
{
	static char buf[4096];
	pthread_t t;
	int go = 0;

	slurp("/proc/self/status", buf, sizeof(buf));
	CHECK_EQ(field(buf, "Threads:"), 1);
	CHECK_EQ(field(buf, "Pid:"), getpid());
	CHECK_EQ(field(buf, "PPid:"), getppid());
	CHECK(field(buf, "VmRSS:") > 0 && field(buf, "VmSize:") >= field(buf, "VmRSS:"));
	CHECK(strstr(buf, "Name:\tusertests\n"));
	CHECK(pthread_create(&t, NULL, park, &go) == 0);
	slurp("/proc/self/status", buf, sizeof(buf));
	CHECK_EQ(field(buf, "Threads:"), 2);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
}

/* Another process's cmdline, environ, comm and exe, as ps and pidof read them. */
static void t_proc_cmdline_environ_other(void)
{
	char path[64], buf[512], *argv[] = { "ut-helper", "hang", NULL };
	char *envp[] = { "UT_A=1", "UT_B=two", NULL };
	static const char want_cmd[] = "ut-helper\0hang", want_env[] = "UT_A=1\0UT_B=two";
	pid_t pid = fork();
	size_t n = 0;

	CHECK(pid >= 0);
	if (pid == 0) {
		execve(ut_helper, argv, envp);
		_exit(127);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	for (int i = 0; i < 200; i++) {		/* until the exec has happened */
		n = slurp(path, buf, sizeof(buf));
		if (n == sizeof(want_cmd) && memcmp(buf, want_cmd, n) == 0)
			break;
		usleep(10000);
	}
	if (n != sizeof(want_cmd) || memcmp(buf, want_cmd, n))
		FAIL("cmdline of the exec'd child is %zu bytes, '%s'", n, buf);
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	n = slurp(path, buf, sizeof(buf));
	CHECK(n == sizeof(want_env) && memcmp(buf, want_env, n) == 0);
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	slurp(path, buf, sizeof(buf));
	CHECK(strcmp(buf, "ut-helper\n") == 0);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = (size_t)readlink(path, buf, sizeof(buf) - 1);
	CHECK(n > 0 && n < sizeof(buf));
	buf[n] = '\0';
	CHECK(buf[0] == '/' && strstr(buf, "ut-helper"));
	kill(pid, SIGKILL);
	ut_wait(pid);
}

static void t_proc_self_environ_matches(void)
{
	static char buf[65536], want[65536];
	size_t n = slurp("/proc/self/environ", buf, sizeof(buf)), w = 0;

	for (char **e = environ; *e; e++) {
		size_t k = strlen(*e) + 1;

		memcpy(want + w, *e, k);
		w += k;
	}
	CHECK_EQ(n, w);
	CHECK(memcmp(buf, want, n) == 0);
}

static int maps_has(const char *maps, unsigned long addr, const char *perms, const char *name)
{
	for (const char *l = maps; *l; l = strchr(l, '\n') + 1) {
		unsigned long s, e;
		char pr[8], nm[256] = "";

		if (sscanf(l, "%lx-%lx %4s %*x %*x:%*x %*u %255s", &s, &e, pr, nm) >= 3 &&
		    addr >= s && addr < e && strncmp(pr, perms, strlen(perms)) == 0 &&
		    (!name || strcmp(nm, name) == 0))
			return 1;
		if (!strchr(l, '\n'))
			break;
	}
	return 0;
}

static void t_proc_maps_lists_vmas(void)
{
	static char buf[65536];
	int local;
	char *m = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(m != MAP_FAILED);
	slurp("/proc/self/maps", buf, sizeof(buf));
	if (!maps_has(buf, (unsigned long)&local, "rw-p", "[stack]"))
		FAIL("no rw-p [stack] line around %p:\n%s", (void *)&local, buf);
	if (!maps_has(buf, (unsigned long)t_proc_maps_lists_vmas, "r-xp", NULL))
		FAIL("no r-xp line around the test's code %p:\n%s", (void *)t_proc_maps_lists_vmas,
		     buf);
	if (!maps_has(buf, (unsigned long)m + 2 * 4096, "r--p", NULL))
		FAIL("no r--p line for the fresh mapping at %p:\n%s", (void *)m, buf);
	munmap(m, 3 * 4096);
}

static void t_proc_fd_and_cwd_links(void)
{
	char path[600], link[512], cwd[512];
	int fd, p[2];
	ssize_t n;
	DIR *d;
	struct dirent *e;
	int seen = 0;

	CHECK(getcwd(cwd, sizeof(cwd)));
	n = readlink("/proc/self/cwd", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = '\0';
	CHECK(strcmp(link, cwd) == 0);
	ut_write_file("procfs_fd", "x", 1, 0644);
	fd = open("procfs_fd", O_RDONLY);
	CHECK(fd >= 0 && pipe(p) == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = '\0';
	snprintf(path, sizeof(path), "%s/procfs_fd", cwd);
	CHECK(strcmp(link, path) == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 6 && strncmp(link, "pipe:[", 6) == 0);
	CHECK((d = opendir("/proc/self/fd")));
	while ((e = readdir(d)))
		if (atoi(e->d_name) == fd || atoi(e->d_name) == p[1])
			seen++;
	closedir(d);
	CHECK_EQ(seen, 2);
	close(fd);
	close(p[0]);
	close(p[1]);
	CHECK_ERR(readlink(path, link, sizeof(link)), ENOENT);
}

static void t_proc_system_files(void)
{
	static char buf[8192];
	char self[32];
	struct utsname u;
	ssize_t n;

	slurp("/proc/meminfo", buf, sizeof(buf));
	for (const char *k = "MemTotal:\0MemFree:\0MemAvailable:\0Buffers:\0Cached:\0SwapTotal:\0"
	     "SwapFree:\0Shmem:\0"; *k; k += strlen(k) + 1)
		if (field(buf, k) < 0)
			FAIL("/proc/meminfo has no %s", k);
	CHECK(field(buf, "MemFree:") <= field(buf, "MemTotal:"));
	slurp("/proc/mounts", buf, sizeof(buf));
	CHECK(strstr(buf, " / ") && strstr(buf, "proc /proc proc "));
	slurp("/proc/filesystems", buf, sizeof(buf));
	CHECK(strstr(buf, "\tproc\n"));
	uname(&u);
	slurp("/proc/version", buf, sizeof(buf));
	CHECK(strncmp(buf, u.sysname, strlen(u.sysname)) == 0 &&
	      strncmp(buf + strlen(u.sysname), " version ", 9) == 0);
	n = readlink("/proc/self", self, sizeof(self) - 1);
	CHECK(n > 0);
	self[n] = '\0';
	CHECK_EQ(atoi(self), getpid());
}

const struct ut_test ut_procfs_tests[] = {
	{ "proc_stat_lines", t_proc_stat_lines, 0 },
	{ "proc_uptime_follows_clock", t_proc_uptime_follows_clock, 0 },
	{ "proc_loadavg_rises", t_proc_loadavg_rises, 30 },
	{ "proc_pid_stat_fields", t_proc_pid_stat_fields, 0 },
	{ "proc_statm_follows_memory", t_proc_statm_follows_memory, 0 },
	{ "proc_status_threads_vm", t_proc_status_threads_vm, 0 },
	{ "proc_cmdline_environ_other", t_proc_cmdline_environ_other, 0 },
	{ "proc_self_environ_matches", t_proc_self_environ_matches, 0 },
	{ "proc_maps_lists_vmas", t_proc_maps_lists_vmas, 0 },
	{ "proc_fd_and_cwd_links", t_proc_fd_and_cwd_links, 0 },
	{ "proc_system_files", t_proc_system_files, 0 },
	{ NULL, NULL, 0 },
};
