/*
 * user/fuzz/pool.c — the live objects a sysfuzz worker owns.
 *
 * pool_init builds, in a fixed order (so fd numbers repeat for a seed), one or more fds of each
 * kind keel has: regular files, directories, pipes, AF_UNIX stream/dgram sockets (pairs, a
 * listener, an unbound one), AF_INET TCP (listener on 127.0.0.1, a connected pair) and UDP,
 * epoll (watching some of the others), eventfd, timerfd (armed), /dev and /proc files, and
 * numbers that are not open. The scratch directory fd is moved to PROT_FD, a number the
 * generators never close or overwrite, so mutating *at() calls always stay inside it.
 *
 * The arena is ARENA_PAGES pages with a slack page on each side inside one reservation: memory
 * calls are only given arena addresses (plus invalid ones), and their lengths are clipped to
 * end inside the slack, so nothing the fuzzer needs is ever unmapped.
 */

#include "fuzz.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

struct pool pool;

static void add(int fd, enum fdkind k)
{
	if (fd < 0 || pool.nfd >= MAXFDS)
		return;
	pool.fd[pool.nfd] = fd;
	pool.kind[pool.nfd++] = k;
}

static void add_files(void)
{
	static const char data[] = "sysfuzz scratch file\n";

	for (int i = 0; i < 4; i++) {
		char name[8];
		int fd;

		snprintf(name, sizeof(name), "f%d", i);
		fd = open(name, O_RDWR | O_CREAT | O_TRUNC | (i == 3 ? O_APPEND : 0), 0644);
		if (fd >= 0 && write(fd, data, sizeof(data) - 1) < 0)
			perror("sysfuzz: write");
		add(fd, FK_FILE);
	}
	mkdir("d0", 0755);
	mkdir("d1", 0755);
	if (symlink("f0", "ln0") < 0) {
		/* left from an earlier generation: fine */
	}
	add(open("f1", O_RDONLY), FK_FILE);
	add(open(".", O_RDONLY | O_DIRECTORY), FK_DIR);
	add(open("d0", O_RDONLY | O_DIRECTORY), FK_DIR);
	add(open("/", O_RDONLY | O_DIRECTORY), FK_DIR);
	add(open("/proc", O_RDONLY | O_DIRECTORY), FK_DIR);
}

static void add_pipes(void)
{
	int p[2];

	if (pipe2(p, O_NONBLOCK) == 0) {
		add(p[0], FK_PIPE);
		add(p[1], FK_PIPE);
	}
	if (pipe(p) == 0) {	/* blocking: reads park until the kicker's signal */
		add(p[0], FK_PIPE);
		add(p[1], FK_PIPE);
	}
}

static void add_unix(int slot)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sv[2], fd;

	for (int i = 0; i < 3; i++)
		if (socketpair(AF_UNIX, types[i] | SOCK_NONBLOCK, 0, sv) == 0) {
			add(sv[0], FK_UNIX);
			add(sv[1], FK_UNIX);
		}
	unlink("s0");
	strcpy(sa.sun_path, "s0");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd >= 0 && bind(fd, (void *)&sa, sizeof(sa)) == 0)
		listen(fd, 4);
	add(fd, FK_UNIX);
	/* an abstract name per worker (and per process on the host: no clash between runs) */
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "sysfuzz.%d.%d", (int)getpid(), slot);
	sa.sun_path[0] = 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd >= 0)
		bind(fd, (void *)&sa, sizeof(sa.sun_family) + 1 + strlen(sa.sun_path + 1));
	add(fd, FK_UNIX);
	add(socket(AF_UNIX, SOCK_STREAM, 0), FK_UNIX);
}

static void add_inet(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l, c, a;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (l >= 0 && bind(l, (void *)&sa, sizeof(sa)) == 0 && listen(l, 8) == 0 &&
	    getsockname(l, (void *)&sa, &len) == 0) {
		pool.port = ntohs(sa.sin_port);
		c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (c >= 0)
			connect(c, (void *)&sa, sizeof(sa));
		add(c, FK_INET);
		usleep(2000);
		a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
		add(a, FK_INET);
	}
	add(l, FK_INET);
	l = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	sa.sin_port = 0;
	if (l >= 0)
		bind(l, (void *)&sa, sizeof(sa));
	add(l, FK_INET);
	add(socket(AF_INET, SOCK_STREAM, 0), FK_INET);
}

static void add_events(void)
{
	struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	add(eventfd(3, EFD_NONBLOCK), FK_EVENTFD);
	add(eventfd(0, EFD_SEMAPHORE), FK_EVENTFD);
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (t >= 0)
		timerfd_settime(t, 0, &its, NULL);
	add(t, FK_TIMERFD);
	for (int i = 0; ep >= 0 && i < pool.nfd; i += 3) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u64 = (uint64_t)i };

		epoll_ctl(ep, EPOLL_CTL_ADD, pool.fd[i], &ev);
	}
	add(ep, FK_EPOLL);
}

static void add_dev_proc(void)
{
	add(open("/dev/null", O_RDWR), FK_DEV);
	add(open("/dev/zero", O_RDWR), FK_DEV);
	add(open("/dev/urandom", O_RDONLY), FK_DEV);
	if (pool.on_keel)	/* on the host this would be the user's terminal */
		add(open("/dev/console", O_RDONLY | O_NONBLOCK), FK_DEV);
	add(open("/proc/self/stat", O_RDONLY), FK_PROC);
	add(open("/proc/meminfo", O_RDONLY), FK_PROC);
	add(open("/proc/self/maps", O_RDONLY), FK_PROC);
	add(open("/proc/net/dev", O_RDONLY), FK_PROC);
}

static void add_bad(void)
{
	static const int bad[] = { -1, 777, 1023, 1024, 0x7fffffff };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) && pool.nfd < MAXFDS; i++) {
		pool.fd[pool.nfd] = bad[i];
		pool.kind[pool.nfd++] = FK_BAD;
	}
}

static void arena_init(void)
{
	char *r = mmap(NULL, (ARENA_PAGES + 2) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (r == MAP_FAILED) {
		perror("sysfuzz: arena");
		_exit(3);
	}
	pool.arena = r + PAGE;
	mprotect(pool.arena, ARENA_PAGES * PAGE, PROT_READ | PROT_WRITE);
}

/* Builds the worker's objects in its scratch directory (the current directory). */
void pool_init(int slot, int on_keel)
{
	int d;

	memset(&pool, 0, sizeof(pool));
	pool.on_keel = on_keel;
	pool.self = getpid();
	pool.pgrp = getpgrp();
	d = open(".", O_RDONLY | O_DIRECTORY);
	pool.scratch_fd = dup2(d, PROT_FD) == PROT_FD ? PROT_FD : d;
	if (pool.scratch_fd != d)
		close(d);
	add_files();
	add_pipes();
	add_unix(slot);
	add_inet();
	add_events();
	add_dev_proc();
	add_bad();
	arena_init();
	pool.brk0 = sbrk(0);
}

/* Called by the kicker: files stay small (a fuzzer must not fill the ramfs), the timer runs. */
void pool_refresh(void)
{
	for (int i = 0; i < pool.nfd; i++)
		if (pool.kind[i] == FK_FILE)
			ftruncate(pool.fd[i], 4096);
}

static char *guarded(size_t n)
{
	char *p = mmap(NULL, n + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("sysfuzz: buffer");
		_exit(3);
	}
	mprotect(p + n, PAGE, PROT_NONE);
	return p;
}

void tbuf_init(struct tbuf *t)
{
	t->buf = guarded(BUFSZ);
	t->st = guarded(16 * PAGE);
	t->st_used = 0;
}

void *st_alloc(struct tbuf *t, size_t n)
{
	void *p;

	n = (n + 15) & ~15UL;
	if (t->st_used + n > 16 * PAGE)
		t->st_used = 0;
	p = t->st + t->st_used;
	t->st_used += n;
	memset(p, 0, n);
	return p;
}
