/*
 * user/fuzz/main.c — sysfuzz: the supervisor, workers, storms, replay and the minimizer.
 *
 *   sysfuzz [-s SEED] [-n CALLS] [-T SECONDS] [-p PROCS] [-t THREADS] [-c CALLS_PER_THREAD]
 *           [-S] [-q]                       fuzz; -S turns the storms off
 *   sysfuzz -s SEED -R S.G.T [-k LIST] [-v]  replay stream S.G.T (only the calls in LIST, e.g.
 *                                           0-99,120), one thread, each call printed with -v
 *   sysfuzz -s SEED -M S.G.T [-w SECS] [-O SIG] [-k LIST]
 *                                           shrink the stream to a minimal LIST that still
 *                                           hangs (no end within SECS) or dies of SIG
 *   sysfuzz --denylist                       what is never called, and why
 *
 * The supervisor forks PROCS workers (each its own process group, running THREADS threads of
 * CALLS_PER_THREAD calls, then exiting) and replaces each that ends, generation after
 * generation, until CALLS calls were made or SECONDS passed. Beside them: a fork/exec storm
 * process, the supervisor's signal storm (SIGUSR1, SIGCHLD, SIGWINCH, SIGSTOP then SIGCONT to
 * random workers), and in each worker a kicker thread that interrupts blocked calls with
 * SIGUSR2 and unmaps, remaps and re-protects arena pages under the fuzzing threads (TLB
 * shootdowns). A worker that makes no progress for STALL_MS is killed and counted.
 * Statistics (calls, successes, the errnos seen per syscall) live in one MAP_SHARED page set.
 * A progress line every 2 s is the host watchdog's heartbeat; the last line is
 * "sysfuzz: done, N calls, F failures" (failures: the system no longer works afterwards).
 */

#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXSLOTS	32
#define STALL_MS	1500

struct shared {
	uint64_t calls;
	uint64_t progress[MAXSLOTS][MAXTHREADS];
	pid_t victim[MAXSLOTS];
	uint64_t forks, execs, kicks, remaps, sigs;
	int stop;
	struct sysstat st[NSYS + 1];	/* [NSYS]: numbers past the table */
};

static struct shared *sh;
static struct {
	uint64_t seed, ncalls;
	int seconds, procs, threads, per_thread, storms, quiet, verbose, wait_s, oracle_sig;
	const char *replay, *minimize, *keep;
	char self_path[256];
	int on_keel;
} opt = { .ncalls = 100000, .threads = 4, .per_thread = 2000, .storms = 1, .wait_s = 5 };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The raw call: no libc wrapper between the arguments and the kernel. */
static long raw_syscall(const struct call *c)
{
	register long r10 __asm__("r10") = c->a[3];
	register long r8 __asm__("r8") = c->a[4];
	register long r9 __asm__("r9") = c->a[5];
	long ret;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "0"(c->nr), "D"(c->a[0]), "S"(c->a[1]), "d"(c->a[2]), "r"(r10),
			   "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Signal handlers the generated sigactions install (with our own restorer). */
void fuzz_handler(int sig)
{
	(void)sig;
}

__asm__(".text\n.globl fuzz_restorer\nfuzz_restorer:\n\tmov $15, %eax\n\tsyscall\n\thlt\n");

/* ---- call index lists: "0-99,120" ---- */

static int in_list(const char *list, long i)
{
	const char *p = list;

	if (!list)
		return 1;
	while (*p) {
		char *e;
		long a = strtol(p, &e, 10), b = a;

		if (*e == '-')
			b = strtol(e + 1, &e, 10);
		if (i >= a && i <= b)
			return 1;
		p = *e == ',' ? e + 1 : e;
		if (e == p && *p)
			break;
	}
	return 0;
}

/* ---- one fuzzing thread: the calls of one stream ---- */

struct stream {
	int slot, gen, t;
	struct tbuf tb;
	pthread_t th;
	volatile pid_t tid;
	volatile int done;
};

static uint64_t stream_id(const struct stream *s)
{
	return ((uint64_t)s->slot << 40) | ((uint64_t)s->gen << 8) | (uint64_t)s->t;
}

static void record(long nr, long ret)
{
	struct sysstat *st = &sh->st[nr >= 0 && nr < NSYS ? nr : NSYS];

	__atomic_fetch_add(&st->calls, 1, __ATOMIC_RELAXED);
	if (ret < 0 && ret > -NERR)
		__atomic_fetch_or(&st->errs[-ret / 64], 1ULL << (-ret % 64), __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&st->ok, 1, __ATOMIC_RELAXED);
}

static void print_call(long i, const struct call *c, long ret)
{
	printf("#%ld %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %ld\n", i, sys_name(c->nr),
	       c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5], ret);
	fflush(stdout);
}

static void *stream_run(void *arg)
{
	struct stream *s = arg;
	uint64_t id = mix64(stream_id(s) ^ mix64(opt.seed));
	struct call c;

	s->tid = (pid_t)syscall(SYS_gettid);
	for (long i = 0; i < opt.per_thread && !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
	     i++) {
		struct rng r = { mix64(id ^ mix64((uint64_t)i)) | 1 };
		long ret;

		if (!in_list(opt.keep, i))
			continue;
		gen_call(&r, &s->tb, &c);
		if (opt.verbose)
			print_call(i, &c, -1000);
		ret = raw_syscall(&c);
		if (opt.verbose)
			print_call(i, &c, ret);
		record(c.nr, ret);
		__atomic_fetch_add(&sh->progress[s->slot][s->t], 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&sh->calls, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---- a worker process ---- */

static void on_kick(int sig)
{
	(void)sig;
}

/* A fault signal sent by kill() is ignored; a real fault resets the default, so returning
 * re-runs the faulting instruction and the worker dies of it (and is counted). */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si->si_code > 0)
		signal(sig, SIG_DFL);
}

static void worker_signals(void)
{
	struct sigaction sa, fa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;	/* no SA_RESTART: a blocked call returns EINTR */
	memset(&fa, 0, sizeof(fa));
	fa.sa_sigaction = on_fault;
	fa.sa_flags = SA_SIGINFO;
	for (int sig = 1; sig < 65; sig++) {
		int fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
			    sig == SIGTRAP;

		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, fault ? &fa : &sa, NULL);	/* musl keeps 32..34 */
	}
}

static void victim_loop(pid_t parent)
{
	while (getppid() == parent)
		sleep_ms(20);
	_exit(0);
}

/* The kicker: unblocks the fuzzing threads and stirs the arena under them. */
static void kicker(struct stream *s, int n, struct rng *r, pid_t parent)
{
	for (int round = 0;; round++) {
		int live = 0;

		if (getppid() != parent)	/* the supervisor is gone: so are we */
			return;
		for (int i = 0; i < n; i++)
			if (!__atomic_load_n(&s[i].done, __ATOMIC_ACQUIRE)) {
				live++;
				if (s[i].tid)
					syscall(SYS_tgkill, pool.self, s[i].tid, SIGUSR2);
			}
		if (!live)
			return;
		__atomic_fetch_add(&sh->kicks, 1, __ATOMIC_RELAXED);
		if (opt.storms && !opt.replay) {
			unsigned long pg = rn(r, ARENA_PAGES), n = 1 + rn(r, 4);
			char *p = pool.arena + pg * PAGE;

			if (pg + n > ARENA_PAGES)	/* the slack pages stay */
				n = ARENA_PAGES - pg;
			switch (rn(r, 3)) {
			case 0: munmap(p, PAGE * n); break;
			case 1: mmap(p, PAGE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); break;
			default: mprotect(p, PAGE, (int)rn(r, 4)); break;
			}
			__atomic_fetch_add(&sh->remaps, 1, __ATOMIC_RELAXED);
		}
		if (round % 16 == 0)
			pool_refresh();
		sleep_ms(round < 4 ? 1 : 4);
	}
}

static void worker(int slot, int gen, int nthreads, const char *dir, int only_t)
{
	static struct stream s[MAXTHREADS];
	char name[16];
	struct rng r = { mix64(opt.seed ^ ((uint64_t)slot << 32) ^ (uint64_t)gen) | 1 };
	pid_t me, parent = getppid();
	int null = open("/dev/null", O_RDWR);

	for (int fd = 0; fd < (opt.replay && opt.verbose ? 1 : 3); fd++)
		dup2(null, fd);
	if (null > 2)
		close(null);
	setpgid(0, 0);
	snprintf(name, sizeof(name), "fz%d.%d", slot, gen);
	prctl(PR_SET_NAME, name);
	if (chdir(dir) < 0)
		_exit(3);
	worker_signals();
	pool_init(slot, opt.on_keel);
	me = getpid();
	pool.victim = fork();
	if (pool.victim == 0)
		victim_loop(me);
	sh->victim[slot] = pool.victim;
	for (int i = 0; i < nthreads; i++) {
		s[i].slot = slot;
		s[i].gen = gen;
		s[i].t = only_t >= 0 ? only_t : i;
		tbuf_init(&s[i].tb);
	}
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&s[i].th, NULL, stream_run, &s[i]) != 0)
			s[i].done = 1;
	for (int i = 0, tries = 0; i < nthreads && tries < 1000; tries++)
		if (s[i].tid || s[i].done)
			i++;
		else
			sleep_ms(1);
	for (int i = 0; i < nthreads; i++) {	/* everyone's tids, for tkill/tgkill */
		for (int j = 0; j < nthreads; j++)
			s[i].tb.tids[j] = s[j].tid;
		s[i].tb.ntids = nthreads;
	}
	kicker(s, nthreads, &r, parent);
	kill(pool.victim, SIGKILL);
	_exit(0);
}

/* ---- the storms beside the fuzzing ---- */

/* Forks children that exit at once, sleep a moment, or exec sysfuzz --exec-child. */
static void fork_storm(void)
{
	char *argv[] = { opt.self_path, "--exec-child", NULL };
	char *envp[] = { NULL };
	struct rng r = { mix64(opt.seed ^ 0xf0f0) | 1 };

	pid_t parent = getppid();

	setpgid(0, 0);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED) && getppid() == parent) {
		pid_t pid = fork();
		int how = (int)rn(&r, 3);

		if (pid == 0) {
			if (how == 0)
				execve(opt.self_path, argv, envp);
			if (how == 1)
				sleep_ms(1);
			_exit(0);
		}
		if (pid > 0) {
			__atomic_fetch_add(&sh->forks, 1, __ATOMIC_RELAXED);
			if (how == 0)
				__atomic_fetch_add(&sh->execs, 1, __ATOMIC_RELAXED);
			waitpid(pid, NULL, 0);
		} else {
			sleep_ms(5);
		}
	}
	_exit(0);
}

static pid_t start_fork_storm(void)
{
	pid_t pid = fork();

	if (pid == 0)
		fork_storm();
	return pid;
}

/* ---- the supervisor ---- */

struct wslot {
	pid_t pid;
	int gen;
	uint64_t last;
	int64_t since;
	int stopped;		/* sent SIGSTOP by the storm: SIGCONT follows next tick */
	int killed;		/* SIGKILLs sent for stalls in this generation */
};

/* Where its threads sleep in the kernel (keel's /proc/PID/stack lists every thread; Linux's
 * needs root and shows one), each line prefixed so the harness shows it. */
static void show_kernel_stacks(pid_t pid)
{
	char path[64], buf[4096], *line, *save;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("sysfuzz: FAIL   %s\n", line);
}

/* A worker that outlives SIGKILL is a kernel bug: say what /proc knows of it. */
static void show_stuck(pid_t pid)
{
	char path[64], buf[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = 0;
	printf("sysfuzz: FAIL process %d survives SIGKILL: %s\n", (int)pid, buf);
	if (fd >= 0)
		close(fd);
	show_kernel_stacks(pid);
}

static struct {
	uint64_t spawned, stalls, deaths, sigdeaths[65], exits_bad;
} tally;

static char scratch[128];
static void rm_rf(const char *path, int depth);

static void spawn(struct wslot *w, int slot)
{
	char dir[160];
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/w%d", scratch, slot);
	rm_rf(dir, 0);			/* each generation starts from the same files */
	mkdir(dir, 0755);
	memset(sh->progress[slot], 0, sizeof(sh->progress[slot]));
	pid = fork();
	if (pid == 0)
		worker(slot, w->gen, opt.threads, dir, -1);
	w->pid = pid;
	w->last = 0;
	w->since = now_ms();
	w->stopped = 0;
	w->killed = 0;
	tally.spawned++;
}

static uint64_t progress_of(int slot)
{
	uint64_t n = 0;

	for (int t = 0; t < MAXTHREADS; t++)
		n += __atomic_load_n(&sh->progress[slot][t], __ATOMIC_RELAXED);
	return n;
}

static void reap(struct wslot *w, int n, int respawn)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (int i = 0; i < n; i++) {
			if (w[i].pid != pid)
				continue;
			if (WIFSIGNALED(status)) {
				tally.deaths++;
				tally.sigdeaths[WTERMSIG(status) & 63]++;
			} else if (WEXITSTATUS(status) != 0) {
				tally.exits_bad++;
			}
			kill(-pid, SIGKILL);	/* whatever it left in its group */
			if (sh->victim[i] > 0)
				kill(sh->victim[i], SIGKILL);
			w[i].pid = 0;
			w[i].gen++;
			if (respawn)
				spawn(&w[i], i);
		}
}

/* Kills a worker that made no progress for STALL_MS (a call blocked past every kick). */
static void watch(struct wslot *w, int n)
{
	int64_t t = now_ms();

	for (int i = 0; i < n; i++) {
		uint64_t p = progress_of(i);

		if (!w[i].pid)
			continue;
		if (p != w[i].last) {
			w[i].last = p;
			w[i].since = t;
		} else if (t - w[i].since > STALL_MS + (p ? 0 : 3000)) {
			if (w[i].killed++ == 2)
				show_stuck(w[i].pid);
			kill(-w[i].pid, SIGKILL);
			kill(w[i].pid, SIGKILL);
			tally.stalls++;
			w[i].since = t;
		}
	}
}

static void signal_storm(struct wslot *w, int n, struct rng *r)
{
	static const int sigs[] = { SIGUSR1, SIGCHLD, SIGWINCH, SIGURG, SIGSTOP };

	for (int i = 0; i < n; i++)
		if (w[i].stopped && w[i].pid) {
			kill(-w[i].pid, SIGCONT);
			kill(w[i].pid, SIGCONT);
			w[i].stopped = 0;
		}
	int i = (int)rn(r, n), sig = sigs[rn(r, 5)];

	if (!w[i].pid)
		return;
	kill(w[i].pid, sig);
	w[i].stopped = sig == SIGSTOP;
	__atomic_fetch_add(&sh->sigs, 1, __ATOMIC_RELAXED);
}

/* Waits up to ms for pid to end; false when it did not (show_stuck says more). */
static int reap_within(pid_t pid, int ms)
{
	for (int64_t end = now_ms() + ms; now_ms() < end; sleep_ms(5))
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return 1;
	return 0;
}

static void run_supervisor(void)
{
	struct wslot w[MAXSLOTS];
	struct rng r = { mix64(opt.seed ^ 0x5151) | 1 };
	int64_t t0 = now_ms(), last_print = t0;
	pid_t storm = opt.storms ? start_fork_storm() : -1;
	uint64_t last_calls = 0;

	memset(w, 0, sizeof(w));
	for (int i = 0; i < opt.procs; i++)
		spawn(&w[i], i);
	for (;;) {
		int64_t t = now_ms();
		uint64_t calls = __atomic_load_n(&sh->calls, __ATOMIC_RELAXED);

		if (calls >= opt.ncalls || (opt.seconds && t - t0 >= opt.seconds * 1000L))
			break;
		reap(w, opt.procs, 1);
		watch(w, opt.procs);
		if (opt.storms)
			signal_storm(w, opt.procs, &r);
		if (t - last_print >= 2000) {
			printf("sysfuzz: progress calls=%llu rate=%llu/s workers=%llu stalls=%llu\n",
			       (unsigned long long)calls,
			       (unsigned long long)((calls - last_calls) * 1000 / (uint64_t)(t - last_print)),
			       (unsigned long long)tally.spawned, (unsigned long long)tally.stalls);
			fflush(stdout);
			last_calls = calls;
			last_print = t;
		}
		sleep_ms(10);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	printf("sysfuzz: stopping the workers\n");
	for (int i = 0; i < opt.procs; i++)
		if (w[i].pid) {
			kill(-w[i].pid, SIGCONT);
			kill(w[i].pid, SIGCONT);
		}
	for (int64_t end = now_ms() + 3000; now_ms() < end;) {
		int live = 0;

		reap(w, opt.procs, 0);
		for (int i = 0; i < opt.procs; i++)
			live += w[i].pid != 0;
		if (!live)
			break;
		sleep_ms(10);
	}
	for (int i = 0; i < opt.procs; i++)
		if (w[i].pid) {
			kill(-w[i].pid, SIGKILL);
			kill(w[i].pid, SIGKILL);
			if (!reap_within(w[i].pid, 5000))
				show_stuck(w[i].pid);
			tally.stalls++;
		}
	if (storm > 0) {
		kill(-storm, SIGKILL);
		kill(storm, SIGKILL);
		if (!reap_within(storm, 5000))
			show_stuck(storm);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* ---- the report ---- */

static int popcount_errs(const struct sysstat *st)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(st->errs) / sizeof(st->errs[0]); i++)
		n += __builtin_popcountll(st->errs[i]);
	return n;
}

static void report(double secs)
{
	uint64_t calls = sh->calls;
	int reached = 0, others = 0, pairs = 0;

	for (int nr = 0; nr <= NSYS; nr++) {
		const struct sysstat *st = &sh->st[nr];
		char errs[400];
		size_t off = 0;

		if (!st->calls)
			continue;
		reached += gen_in_table(nr);
		others += !gen_in_table(nr);
		pairs += popcount_errs(st);
		errs[0] = 0;
		for (int e = 1; e < NERR && off < sizeof(errs) - 8; e++)
			if (st->errs[e / 64] & (1ULL << (e % 64)))
				off += (size_t)snprintf(errs + off, sizeof(errs) - off, "%s%d",
							off ? "," : "", e);
		if (!opt.quiet)
			printf("sysfuzz: sys %3d %-18s calls=%-8llu ok=%-8llu errno=%s\n", nr,
			       nr < NSYS ? sys_name(nr) : "(past table)", (unsigned long long)st->calls,
			       (unsigned long long)st->ok, errs[0] ? errs : "-");
	}
	printf("sysfuzz: seed=%llu calls=%llu seconds=%.1f rate=%.0f calls/s\n",
	       (unsigned long long)opt.seed, (unsigned long long)calls, secs,
	       secs > 0 ? (double)calls / secs : 0.0);
	printf("sysfuzz: syscalls reached=%d of the table's %d (+%d other numbers), "
	       "error paths (syscall, errno)=%d\n", reached, gen_table_size(), others, pairs);
	printf("sysfuzz: workers=%llu killed-by-signal=%llu", (unsigned long long)tally.spawned,
	       (unsigned long long)tally.deaths);
	for (int sig = 1; sig < 65; sig++)
		if (tally.sigdeaths[sig])
			printf(" sig%d:%llu", sig, (unsigned long long)tally.sigdeaths[sig]);
	printf(" stalled=%llu bad-exit=%llu\n", (unsigned long long)tally.stalls,
	       (unsigned long long)tally.exits_bad);
	printf("sysfuzz: storms forks=%llu execs=%llu signals=%llu kicks=%llu remaps=%llu\n",
	       (unsigned long long)sh->forks, (unsigned long long)sh->execs,
	       (unsigned long long)sh->sigs, (unsigned long long)sh->kicks,
	       (unsigned long long)sh->remaps);
}

/* After the storm the system must still do the basics; returns the number that fail. */
static int sanity(void)
{
	int bad = 0, fd, p[2];
	char b[64];
	pid_t pid;

	fd = open("/proc/meminfo", O_RDONLY);
	if (fd < 0 || read(fd, b, sizeof(b)) <= 0) {
		printf("sysfuzz: FAIL /proc/meminfo unreadable after the run\n");
		bad++;
	}
	close(fd);
	if (pipe(p) < 0 || write(p[1], "x", 1) != 1 || read(p[0], b, 1) != 1) {
		printf("sysfuzz: FAIL a pipe does not work after the run\n");
		bad++;
	}
	pid = fork();
	if (pid == 0)
		_exit(42);
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 42) {
		printf("sysfuzz: FAIL fork/wait does not work after the run\n");
		bad++;
	}
	return bad;
}

/* ---- replay and minimize ---- */

static int parse_stream(const char *s, int *slot, int *gen, int *t)
{
	return sscanf(s, "%d.%d.%d", slot, gen, t) == 3 && *slot >= 0 && *slot < MAXSLOTS &&
	       *t >= 0 && *t < MAXTHREADS ? 0 : -1;
}

/* Runs stream (the calls in keep) in a fresh worker; returns its wait status, or -1 when it
 * did not end within wait_s seconds (then it is killed). */
static int replay_once(const char *stream, const char *keep)
{
	int slot, gen, t, status;
	int64_t end = now_ms() + opt.wait_s * 1000L;
	char dir[160];
	pid_t pid;

	if (parse_stream(stream, &slot, &gen, &t) < 0) {
		fprintf(stderr, "sysfuzz: stream must be SLOT.GEN.THREAD\n");
		exit(2);
	}
	snprintf(dir, sizeof(dir), "%s/w%d", scratch, slot);
	rm_rf(dir, 0);
	mkdir(dir, 0755);
	opt.keep = keep;
	pid = fork();
	if (pid == 0)
		worker(slot, gen, 1, dir, t);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(5);
	}
	kill(-pid, SIGKILL);
	return status;
}

static int fails(const char *stream, const char *keep)
{
	int st = replay_once(stream, keep);

	return st == -1 || (opt.oracle_sig && WIFSIGNALED(st) && WTERMSIG(st) == opt.oracle_sig);
}

/* ddmin over the call indices: drop chunks while the failure stays. */
static void minimize(const char *stream)
{
	static long idx[100000];
	static char list[1 << 20];
	long n = 0;

	for (long i = 0; i < opt.per_thread && n < 100000; i++)
		if (in_list(opt.keep, i))
			idx[n++] = i;
	const char *orig = opt.keep;
#define BUILD_LIST(skip_lo, skip_hi) do { size_t o_ = 0; list[0] = 0; \
	for (long j = 0; j < n; j++) if (j < (skip_lo) || j >= (skip_hi)) \
		o_ += (size_t)snprintf(list + o_, sizeof(list) - o_, "%s%ld", o_ ? "," : "", idx[j]); \
	} while (0)
	BUILD_LIST(0, 0);
	if (!fails(stream, n ? list : orig)) {
		printf("sysfuzz: minimize: stream %s does not fail as given\n", stream);
		return;
	}
	for (long chunk = n / 2; chunk >= 1;) {
		int dropped = 0;

		for (long lo = 0; lo < n; lo += chunk) {
			BUILD_LIST(lo, lo + chunk);
			if (n - chunk > 0 && fails(stream, list)) {
				memmove(&idx[lo], &idx[lo + chunk < n ? lo + chunk : n],
					sizeof(long) * (size_t)(n - (lo + chunk < n ? lo + chunk : n)));
				n -= lo + chunk < n ? chunk : n - lo;
				dropped = 1;
				lo -= chunk;
			}
		}
		if (!dropped)
			chunk /= 2;
		printf("sysfuzz: minimize: %ld calls left\n", n);
		fflush(stdout);
	}
	BUILD_LIST(0, 0);
	printf("sysfuzz: minimized: sysfuzz -s %llu -c %d -R %s -k %s -v\n",
	       (unsigned long long)opt.seed, opt.per_thread, stream, list);
}

/* ---- main ---- */

#include <dirent.h>

static void rm_rf(const char *path, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode) || depth > 16) {
		unlink(path);
		return;
	}
	chmod(path, 0755);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char sub[4096];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_rf(sub, depth + 1);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static void usage(void)
{
	fprintf(stderr, "usage: sysfuzz [-s SEED] [-n CALLS] [-T SECONDS] [-p PROCS] [-t THREADS] "
			"[-c CALLS_PER_THREAD] [-S] [-q]\n"
			"       sysfuzz -s SEED -R SLOT.GEN.THREAD [-k LIST] [-v]\n"
			"       sysfuzz -s SEED -M SLOT.GEN.THREAD [-w SECS] [-O SIG] [-k LIST]\n"
			"       sysfuzz --denylist\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--exec-child"))
			_exit(0);
		if (!strcmp(a, "--denylist")) {
			gen_print_denylist();
			exit(0);
		}
		if (a[0] != '-' || !a[1] || a[2])
			usage();
		switch (a[1]) {
		case 'S': opt.storms = 0; continue;
		case 'q': opt.quiet = 1; continue;
		case 'v': opt.verbose = 1; continue;
		}
		if (!v)
			usage();
		i++;
		switch (a[1]) {
		case 's': opt.seed = strtoull(v, NULL, 0); break;
		case 'n': opt.ncalls = strtoull(v, NULL, 0); break;
		case 'T': opt.seconds = atoi(v); break;
		case 'p': opt.procs = atoi(v); break;
		case 't': opt.threads = atoi(v); break;
		case 'c': opt.per_thread = atoi(v); break;
		case 'R': opt.replay = v; break;
		case 'M': opt.minimize = v; break;
		case 'k': opt.keep = v; break;
		case 'w': opt.wait_s = atoi(v); break;
		case 'O': opt.oracle_sig = atoi(v); break;
		default: usage();
		}
	}
	if (opt.threads < 1 || opt.threads > MAXTHREADS || opt.procs < 0 ||
	    opt.procs > MAXSLOTS || opt.per_thread < 1)
		usage();
}

static void setup(char **argv)
{
	struct utsname u;
	cpu_set_t cpus;
	ssize_t n;

	if (!opt.seed) {
		if (getrandom(&opt.seed, sizeof(opt.seed), 0) != sizeof(opt.seed))
			opt.seed = (uint64_t)now_ms();
		opt.seed &= 0xffffffffffffULL;
	}
	opt.on_keel = (uname(&u) == 0 && !strcmp(u.sysname, "keel")) || getenv("SYSFUZZ_GEN_KEEL");
	if (!opt.procs)
		opt.procs = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : 2;
	if (opt.procs > MAXSLOTS)
		opt.procs = MAXSLOTS;
	n = readlink("/proc/self/exe", opt.self_path, sizeof(opt.self_path) - 1);
	if (n <= 0)
		snprintf(opt.self_path, sizeof(opt.self_path), "%s",
			 strchr(argv[0], '/') ? argv[0] : "/bin/sysfuzz");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("sysfuzz: shared stats");
		exit(2);
	}
	snprintf(scratch, sizeof(scratch), "/tmp/sysfuzz.%d", (int)getpid());
	if (mkdir(scratch, 0755) < 0) {
		perror("sysfuzz: scratch dir");
		exit(2);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
}

int main(int argc, char **argv)
{
	int64_t t0;
	int bad;

	parse(argc, argv);
	setup(argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (opt.replay || opt.minimize) {
		printf("sysfuzz: seed=%llu stream=%s calls=%s\n", (unsigned long long)opt.seed,
		       opt.replay ? opt.replay : opt.minimize, opt.keep ? opt.keep : "all");
		if (opt.replay) {
			int st = replay_once(opt.replay, opt.keep);

			printf("sysfuzz: replay ended: %s %d\n", st == -1 ? "hang" :
			       WIFSIGNALED(st) ? "signal" : "exit",
			       st == -1 ? opt.wait_s : WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			report(0);
		} else {
			opt.verbose = 0;
			minimize(opt.minimize);
		}
		rm_rf(scratch, 0);
		return 0;
	}
	printf("sysfuzz: seed=%llu procs=%d threads=%d calls=%llu seconds=%d per-thread=%d "
	       "storms=%s on=%s (replay a stream: sysfuzz -s %llu -c %d -R SLOT.GEN.THREAD -v)\n",
	       (unsigned long long)opt.seed, opt.procs, opt.threads,
	       (unsigned long long)opt.ncalls, opt.seconds, opt.per_thread,
	       opt.storms ? "on" : "off", opt.on_keel ? "keel" : "linux",
	       (unsigned long long)opt.seed, opt.per_thread);
	t0 = now_ms();
	run_supervisor();
	report((double)(now_ms() - t0) / 1000.0);
	bad = sanity();
	rm_rf(scratch, 0);
	printf("sysfuzz: done, %llu calls, %d failures\n", (unsigned long long)sh->calls, bad);
	return bad ? 1 : 0;
}
