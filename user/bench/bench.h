/*
 * user/bench/bench.h — the benchmark suite's row interface and the helpers rows share.
 *
 * /bin/bench is one static program that runs unchanged on keel and on Linux (same syscall ABI),
 * so `make bench` (tools/bench) can boot both with it as init and put the numbers side by side.
 * A row is one microbenchmark: run(&iters, &ticks) does up to `iters` operations, stopping
 * early once time_up() (then it lowers iters to the count done), and returns in ticks the TSC
 * ticks they took (setup outside the timed part is allowed), or returns a reason it could not
 * run. The harness (main.c) runs each row in a child process of its own, repeated `reps`
 * times, each repetition with a time budget, and prints the median, min and max in
 * nanoseconds per operation. The budget keeps a slow system's run bounded (a row 100 times
 * slower than on Linux still finishes) without changing what one operation costs.
 *
 * Adding a row: write a run function in a rows_*.c file (or a new one: the Makefile takes every
 * .c file here), add an entry to that file's table, and list a new table in main.c. The key is
 * the row's name in the output and in bench/results; keep it stable so results stay comparable.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

struct bench_row {
	const char *key;	/* short, stable name: "getpid", "fork_exec", ... */
	const char *what;	/* one line for the results table */
	long iters;		/* operations per repetition in a full run */
	int min_cpus;		/* the row fails ("needs N CPUs") below this */
	/* Does up to *iters operations (fewer once time_up(): *iters = the count done);
	 * *ticks = TSC ticks they took. NULL, or why it failed. */
	const char *(*run)(long *iters, uint64_t *ticks);
};

/* The row tables, each ended by an entry with key NULL. */
extern const struct bench_row bench_rows_proc[];
extern const struct bench_row bench_rows_sched[];
extern const struct bench_row bench_rows_mm[];
extern const struct bench_row bench_rows_fpu[];
extern const struct bench_row bench_rows_poll[];
extern const struct bench_row bench_rows_net[];
extern const struct bench_row bench_rows_httpd[];	/* needs /bin/httpd and /www */
extern const struct bench_row bench_rows_selftest[];	/* run only when named */

/* Online CPUs when the suite started (the affinity mask of PID 1). */
extern int bench_ncpus;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The TSC value at which the current repetition's time budget runs out. */
extern uint64_t bench_rep_deadline;

static inline int time_up(void)
{
	return rdtsc() > bench_rep_deadline;
}

/* for (i = 0; i < n; i++), ending early when the budget runs out (looked at every 8th turn;
 * the first operation always runs, however long the row's setup took). */
#define BENCH_LOOP(i, n) \
	for ((i) = 0; (i) < (n) && ((i) == 0 || ((i) & 7) || !time_up()); (i)++)

/* Formats a failure reason into a static buffer (a row runs in its own process) and returns
 * it; "%m" style: use fail_errno to append strerror(errno). */
const char *fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *fail_errno(const char *what);

/* Brings the loopback interface up if it is down (Linux's is, with nothing configured; keel's
 * is up from boot); NULL or why not. rows_net.c. */
const char *bench_lo_up(void);
/* A socket of type connected to 127.0.0.1:port (TCP with TCP_NODELAY), or -1. rows_net.c. */
int bench_dial(int type, int port);

/* Pins the calling thread to one CPU, or lets it run on every online CPU. 0 or -1 (errno). */
int pin_self(int cpu);
int unpin_self(void);

/* Spins (sched_yield between looks) until *flag reaches want or goes negative (a failure). */
void wait_for(const volatile int *flag, int want);

/*
 * Two threads pinned to CPU 0 each call step(who, i) for i = 0..*n-1 (who is 0 or 1) or until
 * the budget runs out; step yields the CPU once, and returns nonzero if it found state it owns
 * corrupted. *ticks and *n: the time and count of the handoffs (2 yields, 2 handoffs).
 */
const char *yield_pair(long *n, uint64_t *ticks, int (*step)(int who, long i));

/* The pipe_pingpong row (rows_proc.c): 1 byte there and back between two processes; the
 * _roundtrips form reads each byte (both sides) with read1(fd, &c): 0 or -1. */
const char *bench_pipe_pingpong(long *n, uint64_t *ticks);
const char *bench_pipe_roundtrips(long *n, uint64_t *ticks, int (*read1)(int fd, char *c));

/* The path /bin/bench is exec'ed from by fork_exec (argv "-x": exit at once). */
#define BENCH_SELF "/bin/bench"

#endif
