/*
 * user/usertests/t_mem.c — the address space: brk, mmap (anonymous private and shared, fixed,
 * MAP_FIXED_NOREPLACE; file mappings are t_mmap.c's), munmap, mprotect, madvise(DONTNEED), NX, copy-on-write after fork,
 * stack growth and overflow, user faults as signals, and memory reuse.
 */
#include "ut.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL

static void brk_grow_shrink(void)
{
	char *start = (char *)syscall(SYS_brk, 0);
	size_t len = 8 * 1024 * 1024 + 100;

	CHECK(start != NULL);
	char *end = (char *)syscall(SYS_brk, start + len);
	CHECK(end == start + len);
	for (size_t i = 0; i < len; i += PAGE)
		CHECK(start[i] == 0);			/* fresh pages are zero */
	memset(start, 0x5a, len);
	CHECK((char *)syscall(SYS_brk, start + PAGE) == start + PAGE);	/* shrink */
	CHECK(start[0] == 0x5a && start[PAGE - 1] == 0x5a);
	CHECK((char *)syscall(SYS_brk, 0) == start + PAGE);
	CHECK((char *)syscall(SYS_brk, start + 2 * PAGE) == start + 2 * PAGE);
	CHECK(start[PAGE] == 0);		/* memory given back and taken again is zero */
	CHECK((char *)syscall(SYS_brk, start - (64 << 20)) == start + 2 * PAGE);	/* refused */
	CHECK((char *)syscall(SYS_brk, start) == start);
}

static void mmap_private_fork(void)
{
	volatile int *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	CHECK(((uintptr_t)p & (PAGE - 1)) == 0);
	CHECK(p[0] == 0 && p[1024] == 0 && p[2047] == 0);
	p[0] = 1;
	pid_t pid = fork();
	if (pid == 0) {
		p[0] = 2;
		p[1024] = 2;
		_exit(p[0] == 2 ? 0 : 1);
	}
	CHECK_EQ(WEXITSTATUS(ut_wait(pid)), 0);
	CHECK(p[0] == 1 && p[1024] == 0);		/* the child's writes stay its own */
	CHECK(munmap((void *)p, 3 * PAGE) == 0);
}

static void mmap_shared_fork(void)
{
	volatile int *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	p[0] = 1;
	pid_t pid = fork();
	if (pid == 0) {
		p[0] = 2;
		p[1500] = 3;			/* a page the parent never touched */
		_exit(0);
	}
	ut_wait(pid);
	CHECK_EQ(p[0], 2);
	CHECK_EQ(p[1500], 3);
	pid = fork();
	if (pid == 0)
		_exit(p[0] == 2 && p[1500] == 3 ? 0 : 1);
	CHECK_EQ(WEXITSTATUS(ut_wait(pid)), 0);
}

static void mmap_fixed(void)
{
	char *base = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	CHECK(base != MAP_FAILED);
	memset(base, 7, 8 * PAGE);
	char *p = mmap(base + 2 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(p == base + 2 * PAGE);
	CHECK(p[0] == 0 && p[2 * PAGE - 1] == 0);		/* replaced: fresh zero pages */
	CHECK(base[2 * PAGE - 1] == 7 && base[4 * PAGE] == 7);	/* neighbours kept */
	CHECK_ERR(mmap(base + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
		  EINVAL);
	CHECK_ERR(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	CHECK_ERR(mmap((void *)0xffff800000000000UL, PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), ENOMEM);
	CHECK(munmap(base, 8 * PAGE) == 0);
	CHECK_ERR(munmap(base + 1, PAGE), EINVAL);
	CHECK(munmap(base, 8 * PAGE) == 0);			/* nothing there: still fine */
}

struct noreplace_race {
	pthread_barrier_t go;
	char *at;
	int won[2];
};

struct noreplace_racer {
	struct noreplace_race *r;
	int me;
};

static void *noreplace_racer(void *arg)
{
	struct noreplace_racer *who = arg;
	struct noreplace_race *r = who->r;

	for (int i = 0; i < 200; i++) {
		pthread_barrier_wait(&r->go);
		void *p = mmap(r->at, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == r->at)
			r->won[who->me]++;
		pthread_barrier_wait(&r->go);
		if (who->me == 0)
			munmap(r->at, PAGE);
	}
	return NULL;
}

/* MAP_FIXED_NOREPLACE: EEXIST over a mapping; two threads racing for one free page: exactly one
 * gets it each round (the check and the map are one step under the mm's lock). */
static void mmap_fixed_noreplace(void)
{
	struct noreplace_race r = { 0 };
	struct noreplace_racer a = { &r, 0 }, b = { &r, 1 };
	pthread_t t;
	char *base = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(base != MAP_FAILED);
	CHECK_ERR(mmap(base, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0), EEXIST);
	CHECK(munmap(base + PAGE, PAGE) == 0);
	CHECK(mmap(base + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		   -1, 0) == base + PAGE);
	CHECK(munmap(base, 2 * PAGE) == 0);
	r.at = (char *)0x100000000000UL;	/* far from where either kernel places mappings */
	CHECK(pthread_barrier_init(&r.go, NULL, 2) == 0);
	CHECK(pthread_create(&t, NULL, noreplace_racer, &b) == 0);
	noreplace_racer(&a);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(r.won[0] + r.won[1], 200);
}

static void touch_unmapped(void *arg)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	p[0] = 1;
	munmap(p, PAGE);
	*(volatile char *)p = 2;
}

static void munmap_segv(void)
{
	ut_expect_signal(touch_unmapped, NULL, SIGSEGV, "write after munmap");
}

static void write_readonly(void *arg)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	p[0] = 1;
	if (mprotect(p, PAGE, PROT_READ) < 0)
		_exit(3);
	if (*(volatile char *)p != 1)		/* still readable */
		_exit(4);
	*(volatile char *)p = 2;
}

static void mprotect_segv(void)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(mprotect(p + PAGE, PAGE, PROT_READ) == 0);	/* splits the mapping */
	p[0] = p[2 * PAGE] = 1;
	CHECK(mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE) == 0);
	p[PAGE] = 1;
	CHECK_ERR(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);	/* libc rounds */
	ut_expect_signal(write_readonly, NULL, SIGSEGV, "write after mprotect(PROT_READ)");
}

static void madvise_zero(void)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 0xab, 4 * PAGE);
	CHECK(madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED) == 0);
	CHECK((unsigned char)p[0] == 0xab && (unsigned char)p[3 * PAGE] == 0xab);
	for (size_t i = PAGE; i < 3 * PAGE; i++)
		if (p[i] != 0)
			FAIL("byte %zu not zero after MADV_DONTNEED", i);
	p[PAGE] = 1;
	CHECK(p[PAGE] == 1);
}

static void jump_to_data(void *arg)
{
	unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	static unsigned char on_data[16] = { 0xc3 };

	p[0] = 0xc3;					/* ret */
	((void (*)(void))p)();
	((void (*)(void))on_data)();
	_exit(5);
}

static void nx_segv(void)
{
	ut_expect_signal(jump_to_data, NULL, SIGSEGV, "call into a non-executable mapping");
}

static void cow_fork(void)
{
	size_t len = 16 * 1024 * 1024;
	unsigned *buf = malloc(len);

	CHECK(buf);
	for (size_t i = 0; i < len / 4; i++)
		buf[i] = (unsigned)i;
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		for (size_t i = 0; i < len / 4; i += 1024)
			buf[i] = ~(unsigned)i;			/* child's writes */
		if (read(p[0], &c, 1) != 1)		/* wait for the parent's writes */
			_exit(2);
		for (size_t i = 0; i < len / 4; i++)
			if (buf[i] != (i % 1024 == 0 ? ~(unsigned)i : (unsigned)i))
				_exit(1);
		_exit(0);
	}
	for (size_t i = 512; i < len / 4; i += 1024)
		buf[i] = 0xdead;				/* parent's writes */
	CHECK_EQ(write(p[1], "g", 1), 1);
	int st = ut_wait(pid);
	CHECK(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		FAIL("child saw a wrong value (status %d)", WEXITSTATUS(st));
	for (size_t i = 0; i < len / 4; i++)
		if (buf[i] != (i % 1024 == 512 ? 0xdead : (unsigned)i))
			FAIL("parent buf[%zu] = %#x", i, buf[i]);
}

static int __attribute__((noinline)) recurse(int depth, volatile char *prev)
{
	volatile char frame[4000];

	frame[0] = 1;
	frame[3999] = prev ? prev[0] : 1;
	if (depth == 0)
		return frame[0];
	return recurse(depth - 1, frame) + frame[3999];
}

static void stack_growth(void)
{
	/* ~1000 frames of ~4 KiB: 4 MiB below the initial stack */
	CHECK_EQ(recurse(1000, NULL), 1001);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int __attribute__((noinline)) overflow(volatile char *prev)
{
	volatile char frame[65536];

	frame[0] = prev ? prev[0] + 1 : 0;
	return overflow(frame) + frame[100];
}

#pragma GCC diagnostic pop

static void overflow_child(void *arg)
{
	overflow(NULL);
}

static void stack_overflow(void)
{
	ut_expect_signal(overflow_child, NULL, SIGSEGV, "unbounded recursion");
}

static void fault_null(void *arg)
{
	*(volatile int *)arg = 1;
}

static void fault_ud2(void *arg)
{
	__asm__ volatile("ud2");
}

static void fault_div0(void *arg)
{
	volatile int zero = 0, x = 1;

	x = x / zero;
}

static void fault_hlt(void *arg)
{
	__asm__ volatile("hlt");
}

static void fault_cli(void *arg)
{
	__asm__ volatile("cli");
}

/* EFLAGS.AC set in ring 3 turns a misaligned access into #AC (the kernel sets CR0.AM). */
static void fault_alignment(void *arg)
{
	static char buf[16] __attribute__((aligned(16)));

	__asm__ volatile("pushfq; orq $0x40000, (%%rsp); popfq\n\t"
			 "movl 1(%0), %%eax" :: "r"(buf) : "rax", "memory", "cc");
}

static void user_faults(void)
{
	ut_expect_signal(fault_null, NULL, SIGSEGV, "null pointer write");
	ut_expect_signal(fault_ud2, NULL, SIGILL, "ud2");
	ut_expect_signal(fault_div0, NULL, SIGFPE, "divide by zero");
	ut_expect_signal(fault_hlt, NULL, SIGSEGV, "hlt in ring 3");
	ut_expect_signal(fault_cli, NULL, SIGSEGV, "cli in ring 3");
}

/* True on QEMU's TCG, which does not emulate alignment-check exceptions. */
static int on_qemu_tcg(void)
{
	char buf[1024] = "";
	int fd = open("/proc/cpuinfo", O_RDONLY);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = 0;
		close(fd);
	}
	return strstr(buf, "QEMU TCG") != NULL;
}

static void alignment_check(void)
{
	if (on_qemu_tcg())
		ut_skip("QEMU TCG raises no #AC (checked on Bochs and Linux)");
	ut_expect_signal(fault_alignment, NULL, SIGBUS, "misaligned load with EFLAGS.AC");
}

/* MemFree from /proc/meminfo in KiB, or -1. */
static long mem_free_kib(void)
{
	char buf[2048];
	int fd = open("/proc/meminfo", O_RDONLY);
	long kib = -1;

	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	char *p = strstr(buf, "MemFree:");
	if (p)
		sscanf(p + 8, "%ld", &kib);
	return kib;
}

static void memory_reuse(void)
{
	size_t len = 32 * 1024 * 1024;
	long before = mem_free_kib();

	for (int round = 0; round < 6; round++) {
		char *p = malloc(len);
		CHECK(p);
		for (size_t i = 0; i < len; i += PAGE)
			p[i] = (char)round;
		free(p);
	}
	for (int round = 0; round < 4; round++) {		/* and through fork/exit */
		pid_t pid = fork();
		if (pid == 0) {
			char *p = malloc(len);
			for (size_t i = 0; p && i < len; i += PAGE)
				p[i] = 1;
			_exit(p ? 0 : 1);
		}
		CHECK_EQ(WEXITSTATUS(ut_wait(pid)), 0);
	}
	if (!ut_on_keel()) {
		ut_note("memory: MemFree is compared only on keel (the host's moves by itself)");
		return;
	}
	long after = mem_free_kib();
	CHECK(before > 0 && after > 0);
	if (after < before - 1024)
		FAIL("MemFree went from %ld KiB to %ld KiB: memory leaked", before, after);
}

const struct ut_test ut_mem_tests[] = {
	{ "brk", brk_grow_shrink, 0 },
	{ "mmap_private", mmap_private_fork, 0 },
	{ "mmap_shared", mmap_shared_fork, 0 },
	{ "mmap_fixed", mmap_fixed, 0 },
	{ "mmap_fixed_noreplace", mmap_fixed_noreplace, 0 },
	{ "munmap_segv", munmap_segv, 0 },
	{ "mprotect_segv", mprotect_segv, 0 },
	{ "madvise_dontneed", madvise_zero, 0 },
	{ "nx", nx_segv, 0 },
	{ "fork_cow", cow_fork, 0 },
	{ "stack_growth", stack_growth, 0 },
	{ "stack_overflow", stack_overflow, 0 },
	{ "user_faults", user_faults, 0 },
	{ "alignment_check", alignment_check, 0 },
	{ "memory", memory_reuse, 120 },
	{ NULL, NULL, 0 }
};
