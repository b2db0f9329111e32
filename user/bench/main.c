/*
 * user/bench/main.c — /bin/bench: runs the benchmark suite's rows, one child process per row,
 * and prints one line per row in the format tools/bench parses.
 *
 * Usage: bench [-q] [-r REPS] [-t SECONDS] [-l] [KEY...]     bench -x
 *   -q   quick: iterations / 200 (at least 2) and 3 repetitions; proves the suite runs
 *   -r   repetitions per row (default 9, at most 63)
 *   -t   per-row time limit in seconds (default 120): a row still running then is killed
 *   -l   list the rows (key and description) and exit
 *   KEY  run only the rows whose key starts with one of these (the selftest_* rows, which
 *        fail on purpose, run only when named)
 *   -x   exit 0 at once: what the fork_exec row executes
 *
 * Output, every line starting "bench: ":
 *   start tsc=T                      first line; T is the TSC read on entry to main
 *   system SYSNAME RELEASE cpus=N
 *   tsc_hz=H boot_ns=B               B = T in ns (the TSC counts from the machine's power-on)
 *   begin KEY | WHAT                 before each row
 *   row KEY median=M min=A max=B reps=R iters=I     ns per operation; I is the fewest
 *                                    operations a repetition did (each has a 2 s budget)
 *   row KEY failed: REASON           the row could not run, crashed or timed out; we go on
 *   done rows=N failed=F
 * As PID 1 it then powers the machine off with reboot(2) (keel has no reboot(2): it powers off
 * when init exits). The exit status is 1 when a row failed.
 */
#include "bench.h"
#include "ulib.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPS	63
#define QUICK_DIV	200

static const struct bench_row *const tables[] = {
	bench_rows_proc, bench_rows_sched, bench_rows_mm, bench_rows_fpu, bench_rows_poll,
	bench_rows_net, bench_rows_httpd, bench_rows_selftest,
};

int bench_ncpus = 1;
uint64_t bench_rep_deadline;
static double tsc_hz;
static int reps = 9, quick, row_timeout_s = 120;
static double rep_budget_s = 2.0;	/* -q: 0.25 */

const char *fail(const char *fmt, ...)
{
	static char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return why;
}

const char *fail_errno(const char *what)
{
	return fail("%s: %s", what, strerror(errno));
}

static int set_affinity(const cpu_set_t *set)
{
	return sched_setaffinity(0, sizeof(*set), set);
}

int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return set_affinity(&set);
}

int unpin_self(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int i = 0; i < bench_ncpus; i++)
		CPU_SET(i, &set);
	return set_affinity(&set);
}

void wait_for(const volatile int *flag, int want)
{
	int v;

	while ((v = __atomic_load_n(flag, __ATOMIC_ACQUIRE)) != want && v >= 0)
		sched_yield();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* TSC ticks per second, against CLOCK_MONOTONIC over ms milliseconds. */
static double calibrate_tsc(int ms)
{
	struct timespec d = { 0, ms * 1000000L };
	uint64_t t0 = now_ns(), c0 = rdtsc();

	nanosleep(&d, NULL);
	uint64_t t1 = now_ns(), c1 = rdtsc();
	return t1 > t0 ? (double)(c1 - c0) * 1e9 / (double)(t1 - t0) : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static long row_iters(const struct bench_row *r)
{
	long n = quick ? r->iters / QUICK_DIV : r->iters;

	return n < 2 ? 2 : n;
}

/* In the row's child: all repetitions, then the result line on fd. Never returns. */
static void row_child(const struct bench_row *r, int fd)
{
	double ns[MAX_REPS];
	long fewest = row_iters(r);

	for (int i = 0; i < reps; i++) {
		uint64_t ticks = 0;
		long iters = row_iters(r);
		bench_rep_deadline = rdtsc() + (uint64_t)(rep_budget_s * tsc_hz);
		const char *why = r->run(&iters, &ticks);
		if (!why && iters < 1)
			why = "not one operation within the time budget";
		if (why) {
			fdprintf(fd, "bench: row %s failed: %s\n", r->key, why);
			_exit(0);
		}
		ns[i] = (double)ticks * 1e9 / tsc_hz / (double)iters;
		fewest = iters < fewest ? iters : fewest;
	}
	qsort(ns, (size_t)reps, sizeof(ns[0]), cmp_double);
	fdprintf(fd, "bench: row %s median=%.1f min=%.1f max=%.1f reps=%d iters=%ld\n", r->key,
		 ns[reps / 2], ns[0], ns[reps - 1], reps, fewest);
	_exit(0);
}

/* Reads the child's one line into buf (up to a newline or EOF). */
static void read_result(int fd, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	while (len + 1 < size && !strchr(buf, '\n')) {
		ssize_t got = read(fd, buf + len, size - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return;
		len += (size_t)got;
		buf[len] = 0;
	}
}

/* A process that kills the row's process group after row_timeout_s seconds. It sleeps in
 * nanosleep, so nothing but the row runs while the row runs (the parent blocks in read). */
static pid_t start_watchdog(pid_t row)
{
	pid_t dog = fork();

	if (dog == 0) {
		struct timespec ts = { row_timeout_s, 0 };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		kill(-row, SIGKILL);
		kill(row, SIGKILL);
		_exit(0);
	}
	return dog;
}

static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Runs one row in a child process of its own group; 0 if it gave numbers, 1 if it failed. */
static int bench_one(const struct bench_row *r)
{
	char line[512];
	int p[2], st = 0;

	fdprintf(1, "bench: begin %s | %s\n", r->key, r->what);
	if (bench_ncpus < r->min_cpus) {
		fdprintf(1, "bench: row %s failed: needs %d CPUs, this machine has %d\n", r->key,
			 r->min_cpus, bench_ncpus);
		return 1;
	}
	if (pipe2(p, O_CLOEXEC) < 0 || (st = fork()) < 0) {
		fdprintf(1, "bench: row %s failed: pipe/fork: %s\n", r->key, strerror(errno));
		return 1;
	}
	pid_t pid = st;
	if (pid == 0) {
		close(p[0]);
		setpgid(0, 0);
		row_child(r, p[1]);
	}
	close(p[1]);
	setpgid(pid, pid);
	pid_t dog = start_watchdog(pid);
	read_result(p[0], line, sizeof(line));
	close(p[0]);
	int dog_st = 0;
	if (dog > 0) {
		kill(dog, SIGKILL);
		waitpid(dog, &dog_st, 0);
	}
	int late = dog > 0 && WIFEXITED(dog_st) && !strchr(line, '\n');	/* the dog fired */
	waitpid(pid, &st, 0);
	reap_orphans();
	if (late)
		snprintf(line, sizeof(line), "bench: row %s failed: timed out after %d s\n", r->key,
			 row_timeout_s);
	else if (!strchr(line, '\n'))
		snprintf(line, sizeof(line), "bench: row %s failed: the row's process %s %d\n",
			 r->key, WIFSIGNALED(st) ? "was killed by signal" : "exited with status",
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	write_all(1, line, strlen(line));
	return strstr(line, " failed: ") != NULL;
}

static int selected(const char *key, char **want, int nwant)
{
	if (nwant == 0)
		return strncmp(key, "selftest", 8) != 0;
	for (int i = 0; i < nwant; i++)
		if (strncmp(key, want[i], strlen(want[i])) == 0)
			return 1;
	return 0;
}

static int count_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	return CPU_COUNT(&set) > 0 ? CPU_COUNT(&set) : 1;
}

static void usage(void)
{
	fdprintf(2, "usage: bench [-q] [-r REPS] [-t SECONDS] [-l] [KEY...] | bench -x\n");
	exit(2);
}

static void power_off_if_init(int status)
{
	if (getpid() != 1)
		return;
	tcdrain(1);		/* Linux: the console's queue reaches the UART before power-off */
	reboot(RB_POWER_OFF);	/* keel: ENOSYS, and init's exit powers off instead */
	exit(status);
}

static int parse_args(int argc, char **argv, int *list)
{
	int c;

	while ((c = getopt(argc, argv, "qr:t:l")) != -1) {
		switch (c) {
		case 'q': quick = 1; reps = 3; rep_budget_s = 0.25; break;
		case 'r': reps = atoi(optarg); break;
		case 't': row_timeout_s = atoi(optarg); break;
		case 'l': *list = 1; break;
		default: usage();
		}
	}
	if (reps < 1 || reps > MAX_REPS || row_timeout_s < 1)
		usage();
	return optind;
}

int main(int argc, char **argv)
{
	uint64_t tsc0 = rdtsc();
	int list = 0, nrows = 0, nfailed = 0;
	struct utsname u;

	if (argc > 1 && strcmp(argv[1], "-x") == 0)
		return 0;
	fdprintf(1, "bench: start tsc=%llu\n", (unsigned long long)tsc0);
	int first = parse_args(argc, argv, &list);
	bench_ncpus = count_cpus();
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	fdprintf(1, "bench: system %s %s cpus=%d\n", u.sysname, u.release, bench_ncpus);
	tsc_hz = calibrate_tsc(quick ? 20 : 200);
	if (tsc_hz <= 0) {
		fdprintf(1, "bench: TSC calibration failed\n");
		power_off_if_init(1);
		return 1;
	}
	fdprintf(1, "bench: tsc_hz=%.0f boot_ns=%.0f\n", tsc_hz, (double)tsc0 * 1e9 / tsc_hz);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct bench_row *r = tables[t]; r->key; r++) {
			if (list) {
				fdprintf(1, "%-16s %s\n", r->key, r->what);
			} else if (selected(r->key, argv + first, argc - first)) {
				nrows++;
				nfailed += bench_one(r);
			}
		}
	}
	if (!list)
		fdprintf(1, "bench: done rows=%d failed=%d\n", nrows, nfailed);
	power_off_if_init(nfailed ? 1 : 0);
	return nfailed ? 1 : 0;
}
