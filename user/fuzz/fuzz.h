/*
 * user/fuzz/fuzz.h — sysfuzz, keel's seeded system-call fuzzer (docs/reliability.md).
 *
 * Three parts share this header:
 *   pool.c   the live objects a worker process owns (fds of every kind, an arena of pages, path
 *            names, socket addresses) and the per-thread buffers the kernel may write into;
 *   gen.c    the syscall table (argument types per call, the denylist with reasons) and the
 *            typed argument generators;
 *   main.c   options, the supervisor, worker processes and threads, the fork/exec, signal and
 *            munmap storms, statistics, replay and the minimizer.
 *
 * Reproducibility: call i of stream s is generated from rng_for(seed, s, i) alone, so the same
 * seed gives every stream the same calls, and dropping calls (the minimizer) leaves the other
 * calls' arguments unchanged. A stream is (worker slot, generation, thread), written s.g.t.
 *
 * Safety (sysfuzz also runs on Linux, possibly as root): arguments that name things outside
 * the fuzzer are drawn from fixed sets — mutating path calls only see names in the worker's
 * scratch directory, signals only reach the worker's own processes, memory calls only touch
 * the worker's arena (or kernel / non-canonical / unmapped addresses), and buffers the kernel
 * writes are the worker's own, each followed by a guard page.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PAGE		4096UL
#define NSYS		512		/* syscall numbers tracked */
#define NERR		134		/* errno values tracked (Linux's are 1..133) */
#define MAXFDS		48		/* pool fds per worker */
#define MAXTHREADS	16
#define ARENA_PAGES	64		/* the worker's fuzzable pages */
#define BUFSZ		(64 * 1024)	/* a thread's kernel-writable buffer (guard page after) */
#define PROT_FD		900		/* first protected fd: scratch dir fds live at 900.. */

/* ---- random numbers: splitmix64 per call, xorshift within a call ---- */
static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct rng { uint64_t s; };

static inline uint64_t rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static inline uint64_t rn(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

/* ---- the worker's objects (pool.c) ---- */
enum fdkind { FK_FILE, FK_DIR, FK_PIPE, FK_UNIX, FK_INET, FK_EPOLL, FK_EVENTFD, FK_TIMERFD,
	      FK_DEV, FK_PROC, FK_BAD, FK_NKINDS };

struct pool {
	int fd[MAXFDS];
	enum fdkind kind[MAXFDS];
	int nfd;
	int scratch_fd;			/* the worker's scratch dir (protected fd) */
	char *arena;			/* ARENA_PAGES pages with one slack page each side */
	char *brk0;			/* the program break at start */
	pid_t self, victim, pgrp;	/* the worker, its sleeping child, its group */
	int port;			/* this worker's TCP/UDP listening port on 127.0.0.1 */
	int on_keel;
};

/* Per-thread memory the kernel may write: a BUFSZ buffer and a struct area, each with a
 * PROT_NONE page after it. */
struct tbuf {
	char *buf;
	char *st;			/* structures built for a call (iovecs, msghdrs, sockaddrs) */
	size_t st_used;
	pid_t tids[MAXTHREADS];		/* the worker's thread ids, for tkill/tgkill */
	int ntids;
};

extern struct pool pool;
void pool_init(int slot, int on_keel);
void pool_refresh(void);		/* keep files small, re-arm the timer */
void tbuf_init(struct tbuf *t);
void *st_alloc(struct tbuf *t, size_t n);	/* from the struct area, zeroed */

/* ---- calls (gen.c) ---- */
struct call {
	long nr;
	long a[6];
};

struct sysdesc;
/* Fills c with call index i of the stream whose rng seed is r; returns the table entry. */
const struct sysdesc *gen_call(struct rng *r, struct tbuf *t, struct call *c);
const char *sys_name(long nr);
int gen_table_size(void);
int gen_in_table(long nr);
void gen_print_denylist(void);

/* Handlers and restorer the generated sigactions install (main.c). */
void fuzz_handler(int sig);
void fuzz_restorer(void);

/* ---- the run's shared statistics (main.c) ---- */
struct sysstat {
	uint64_t calls, ok;
	uint64_t errs[(NERR + 63) / 64];	/* bit e: errno e was returned */
};

#endif
