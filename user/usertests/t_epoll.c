/*
 * user/usertests/t_epoll.c — epoll as Linux defines it: the errnos of epoll_create1,
 * epoll_ctl and epoll_wait, level and edge triggering (with partial reads), one-shot items
 * and re-arming, the open-file-description rule on close, epolls in epolls (and ELOOP),
 * EPOLLEXCLUSIVE waking one of several waiters, epoll_pwait's mask, and a stress run of many
 * pipes under one epoll shared by four threads where every byte is seen exactly once.
 */
#include "ut.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/param.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* epoll_wait for at most one event: its data (events in *evs) or -1 when none came. */
static long ep_one(int ep, int timeout, uint32_t *evs)
{
	struct epoll_event ev;
	int n = epoll_wait(ep, &ev, 1, timeout);

	if (n < 0)
		FAIL("epoll_wait: errno %d", errno);
	if (n == 0)
		return -1;
	if (evs)
		*evs = ev.events;
	return (long)ev.data.u64;
}

static void epoll_errnos(void)
{
	int p[2], ep = epoll_create1(EPOLL_CLOEXEC), fd;
	struct epoll_event ev = { .events = EPOLLIN };

	CHECK(ep >= 0 && pipe(p) == 0);
	CHECK_EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);
	CHECK_ERR(epoll_create1(1), EINVAL);
	CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL);
	int old = (int)syscall(SYS_epoll_create, 1);
	CHECK(old >= 0 && fcntl(old, F_GETFD) == 0);
	close(old);
	fd = open("ep_reg", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), EPERM);	/* regular file */
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);	/* itself */
	CHECK_ERR(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL);	/* not an epoll */
	CHECK_ERR(epoll_ctl(ep, 99, p[0], &ev), EINVAL);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
	CHECK_ERR(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)8), EFAULT);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev), EINVAL);
	int ep2 = epoll_create1(0);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev), EINVAL);	/* exclusive epoll */
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev), 0);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), EINVAL);	/* was exclusive */
	ev.events = EPOLLOUT;
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), EINVAL);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], (void *)8), 0);	/* DEL reads no event */
	struct epoll_event out[4];
	CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL);
	CHECK_ERR(epoll_wait(ep, out, -1, 0), EINVAL);
	CHECK_ERR(epoll_wait(ep, out, INT_MAX, 0), EINVAL);
	CHECK_ERR(epoll_wait(p[0], out, 4, 0), EINVAL);
	CHECK_ERR(epoll_wait(999, out, 4, 0), EBADF);
	CHECK_ERR(epoll_wait(ep, (void *)0xffff800000000000ULL, 4, 0), EFAULT);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_ERR(epoll_wait(ep, (void *)8, 4, 0), EFAULT);		/* garbage buffer */
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);				/* the event survives */
	CHECK_EQ(out[0].events, EPOLLIN);
	sigset_t none;
	sigemptyset(&none);
	CHECK_ERR(syscall(SYS_epoll_pwait, ep, out, 4, 0, &none, 4), EINVAL);
	close(fd);
	close(ep);
	close(ep2);
	close(p[0]);
	close(p[1]);
}

static void epoll_level_edge(void)
{
	int p[2], q[2], ep = epoll_create1(0);
	uint32_t evs;
	char buf[8];

	CHECK(pipe(p) == 0 && pipe(q) == 0);
	CHECK_EQ(ep_add(ep, p[0], EPOLLIN, 1), 0);
	CHECK_EQ(ep_add(ep, q[0], EPOLLIN | EPOLLET, 2), 0);
	CHECK_EQ(ep_one(ep, 0, NULL), -1);
	CHECK_EQ(write(p[1], "ab", 2), 2);
	CHECK_EQ(write(q[1], "ab", 2), 2);
	struct epoll_event out[4];
	CHECK_EQ(epoll_wait(ep, out, 4, 1000), 2);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);		/* level: again; edge: not */
	CHECK_EQ(out[0].data.u64, 1);
	CHECK_EQ(read(p[0], buf, 1), 1);
	CHECK_EQ(read(q[0], buf, 1), 1);		/* partial read: no new edge */
	CHECK_EQ(ep_one(ep, 0, &evs), 1);
	CHECK_EQ(evs, EPOLLIN);
	CHECK_EQ(read(p[0], buf, 1), 1);
	CHECK_EQ(ep_one(ep, 0, NULL), -1);		/* both quiet now */
	CHECK_EQ(write(q[1], "c", 1), 1);		/* a new edge */
	CHECK_EQ(ep_one(ep, 1000, NULL), 2);
	CHECK_EQ(ep_one(ep, 0, NULL), -1);
	CHECK_EQ(read(q[0], buf, 8), 2);
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET, .data.u64 = 3 };
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev), 0);	/* writable at once */
	CHECK_EQ(ep_one(ep, 0, &evs), 3);
	CHECK_EQ(evs, EPOLLOUT);
	CHECK_EQ(ep_one(ep, 0, NULL), -1);
	close(p[0]);					/* reader gone: EPOLLERR unasked */
	CHECK_EQ(ep_one(ep, 1000, &evs), 3);
	CHECK(evs & EPOLLERR);
	close(q[1]);					/* writer gone: EPOLLHUP unasked */
	CHECK_EQ(ep_one(ep, 1000, &evs), 2);
	CHECK(evs & EPOLLHUP);
	close(ep);
}

static void epoll_oneshot(void)
{
	int p[2], ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 7 };

	CHECK(pipe(p) == 0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(ep_one(ep, 1000, NULL), 7);
	CHECK_EQ(ep_one(ep, 0, NULL), -1);		/* disarmed, though readable */
	CHECK_EQ(write(p[1], "y", 1), 1);
	CHECK_EQ(ep_one(ep, 50, NULL), -1);		/* even on new data */
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);	/* still registered */
	ev.data.u64 = 8;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), 0);	/* re-armed */
	CHECK_EQ(ep_one(ep, 0, NULL), 8);
	CHECK_EQ(ep_one(ep, 0, NULL), -1);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void epoll_close_registered(void)
{
	int p[2], ep = epoll_create1(0);

	CHECK(pipe(p) == 0);
	CHECK_EQ(ep_add(ep, p[0], EPOLLIN, 5), 0);
	int d = dup(p[0]);
	CHECK(d >= 0);
	close(p[0]);				/* the description lives on in d */
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(ep_one(ep, 1000, NULL), 5);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), EBADF);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL), ENOENT);	/* keyed by (file, fd) */
	close(d);				/* last reference: the item goes */
	CHECK_EQ(ep_one(ep, 0, NULL), -1);
	int q[2];
	CHECK(pipe(q) == 0);			/* probably gets p[0]'s number back */
	CHECK_EQ(ep_add(ep, q[0], EPOLLIN, 6), 0);
	CHECK_EQ(write(q[1], "x", 1), 1);
	CHECK_EQ(ep_one(ep, 1000, NULL), 6);
	close(ep);				/* an epoll closed with items in it */
	CHECK_EQ(write(q[1], "x", 1), 1);	/* and its files live on */
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void epoll_nested(void)
{
	int p[2], e[6];

	CHECK(pipe(p) == 0);
	for (int i = 0; i < 6; i++)
		CHECK((e[i] = epoll_create1(0)) >= 0);
	CHECK_EQ(ep_add(e[0], p[0], EPOLLIN, 0), 0);
	CHECK_EQ(ep_add(e[1], e[0], EPOLLIN, 10), 0);	/* e1 watches e0 */
	CHECK_EQ(ep_one(e[1], 0, NULL), -1);
	CHECK_EQ(write(p[1], "x", 1), 1);
	uint32_t evs;
	CHECK_EQ(ep_one(e[1], 1000, &evs), 10);
	CHECK_EQ(evs, EPOLLIN);
	struct pollfd pf = { .fd = e[0], .events = POLLIN };
	CHECK_EQ(poll(&pf, 1, 0), 1);			/* poll on an epoll fd */
	CHECK_ERR(ep_add(e[0], e[1], EPOLLIN, 0), ELOOP);	/* a cycle */
	for (int i = 2; i < 5; i++)			/* e0 in e1 in ... in e4: depth 5 */
		CHECK_EQ(ep_add(e[i], e[i - 1], EPOLLIN, 0), 0);
	CHECK_ERR(ep_add(e[5], e[4], EPOLLIN, 0), ELOOP);	/* one too deep */
	CHECK_EQ(ep_one(e[4], 1000, NULL), 0);		/* the readiness climbs the chain */
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);			/* consumed behind epoll's back */
	CHECK_EQ(poll(&pf, 1, 0), 0);			/* so e0 is no longer readable */
	CHECK_EQ(ep_one(e[4], 0, NULL), -1);		/* nor anything above it */
	CHECK_EQ(ep_one(e[1], 0, NULL), -1);
	for (int i = 0; i < 6; i++)
		close(e[i]);
	close(p[0]);
	close(p[1]);
}

/* ---- EPOLLEXCLUSIVE: one pipe, four epolls, one wakeup ---- */

struct excl_ctx {
	int data_fd, stop_fd;
	atomic_int woken, waiting;
};

static void *excl_waiter(void *arg)
{
	struct excl_ctx *c = arg;
	int ep = epoll_create1(0);

	ep_add(ep, c->data_fd, EPOLLIN | EPOLLET | EPOLLEXCLUSIVE, 1);
	ep_add(ep, c->stop_fd, EPOLLIN, 2);
	atomic_fetch_add(&c->waiting, 1);
	for (;;) {
		struct epoll_event ev;
		int n = epoll_wait(ep, &ev, 1, 10000);

		if (n <= 0 || ev.data.u64 == 2)
			break;
		atomic_fetch_add(&c->woken, 1);
	}
	close(ep);
	return NULL;
}

static void epoll_exclusive(void)
{
	struct excl_ctx c = { 0 };
	pthread_t t[4];
	int p[2], s[2];

	CHECK(pipe(p) == 0 && pipe(s) == 0);
	c.data_fd = p[0];
	c.stop_fd = s[0];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, excl_waiter, &c) == 0);
	while (atomic_load(&c.waiting) < 4)
		ut_sleep_ms(5);
	ut_sleep_ms(100);				/* all asleep in epoll_wait */
	CHECK_EQ(write(p[1], "x", 1), 1);
	ut_sleep_ms(300);
	int woken = atomic_load(&c.woken);
	CHECK_EQ(write(s[1], "s", 1), 1);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	if (woken != 1)
		FAIL("one write woke %d of 4 exclusive waiters, want 1", woken);
	close(p[0]);
	close(p[1]);
	close(s[0]);
	close(s[1]);
}

static volatile sig_atomic_t got_sig;
static void on_sig(int sig)
{
	got_sig = sig;
}

static void epoll_pwait_mask(void)
{
	int ep = epoll_create1(0), p[2];
	sigset_t block, open;
	struct epoll_event ev;

	CHECK(pipe(p) == 0);
	CHECK_EQ(ep_add(ep, p[0], EPOLLIN, 1), 0);
	signal(SIGUSR2, on_sig);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	kill(getpid(), SIGUSR2);
	CHECK_EQ(epoll_wait(ep, &ev, 1, 20), 0);		/* blocked: stays pending */
	CHECK(!got_sig);
	sigemptyset(&open);
	CHECK_ERR(epoll_pwait(ep, &ev, 1, 5000, &open), EINTR);
	CHECK_EQ(got_sig, SIGUSR2);
	sigset_t now;
	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0);
	CHECK(sigismember(&now, SIGUSR2));			/* the mask is back */
	struct timespec ts = { 0, 20000000 };
	int64_t t0 = ut_now_ns();
	CHECK_EQ(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8), 0);
	CHECK(ut_now_ns() - t0 >= 20000000);
	ts.tv_nsec = 1000000000;
	CHECK_ERR(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8), EINVAL);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(syscall(SYS_epoll_pwait2, ep, &ev, 1, NULL, NULL, 8), 1);
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* ---- stress: many pipes, one epoll, four threads, every byte once ---- */

#define ST_PIPES	1000
#define ST_THREADS	4

struct stress {
	int ep, rd[ST_PIPES], wr[ST_PIPES];
	atomic_int busy[ST_PIPES];		/* a thread is handling the pipe now */
	atomic_long got[ST_PIPES], total, dup_reports, spurious;
	long want, sent;
	atomic_int stop;
};

static void *stress_consumer(void *arg)
{
	struct stress *s = arg;
	struct epoll_event evs[16];

	while (!atomic_load(&s->stop)) {
		int n = epoll_wait(s->ep, evs, 16, 100);

		for (int i = 0; i < n; i++) {
			int k = (int)evs[i].data.u64;
			char buf[256];
			ssize_t r;
			long got = 0;

			if (atomic_exchange(&s->busy[k], 1))
				atomic_fetch_add(&s->dup_reports, 1);	/* ONESHOT broken */
			while ((r = read(s->rd[k], buf, sizeof(buf))) > 0)
				got += r;
			if (!got && r < 0)
				atomic_fetch_add(&s->spurious, 1);
			atomic_fetch_add(&s->got[k], got);
			atomic_store(&s->busy[k], 0);
			struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = (uint64_t)k };
			if (r < 0)			/* EAGAIN: re-arm; EOF: the writer is done */
				epoll_ctl(s->ep, EPOLL_CTL_MOD, s->rd[k], &ev);
			atomic_fetch_add(&s->total, got);
		}
	}
	return NULL;
}

static void pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	pthread_setaffinity_np(t, sizeof(set), &set);
}

/* A writer process: after the go pipe closes, n bytes, each to a random pipe of [lo, hi). */
static void stress_writer(struct stress *s, int go, int lo, int hi, long n)
{
	unsigned x = 12345u + (unsigned)lo;
	char c;

	if (read(go, &c, 1) != 0)
		_exit(2);
	for (long sent = 0; sent < n;) {
		x = x * 1103515245 + 12345;
		int k = lo + (int)((x >> 8) % (unsigned)(hi - lo));
		if (write(s->wr[k], "e", 1) == 1)
			sent++;
		else if (errno != EAGAIN)
			_exit(3);
	}
	_exit(0);
}

/*
 * The pipes are made in shrinking batches, each batch's write ends going to a writer process
 * of its own, so the epoll's process holds at most 1000 read ends and 2 batches' worth of
 * fds at once (1024 fds per process on keel). A writer's exit ends its pipes with EOF.
 */
static void epoll_stress(void)
{
	struct stress *s = calloc(1, sizeof(*s));
	pthread_t t[ST_THREADS];
	pid_t writers[16];
	int go[2], nw = 0, made = 0;

	CHECK(s && pipe(go) == 0);
	/* Linux: 10^6. keel under TCG: 60000 at 4+ CPUs (the make test run at -smp 4, ~12 s),
	 * 10000 in the full suite's smaller runs (1 and 2 CPUs, Bochs). */
	s->want = !ut_on_keel() ? 1000000 : sysconf(_SC_NPROCESSORS_ONLN) >= 4 ? 60000 : 10000;
	CHECK((s->ep = epoll_create1(0)) >= 0);
	while (made < ST_PIPES) {
		int batch = MIN(ST_PIPES - made, (1012 - made) / 2);
		long share = s->want * batch / ST_PIPES;

		for (int k = made; k < made + batch; k++) {
			int p[2];

			CHECK(pipe2(p, O_NONBLOCK) == 0);
			s->rd[k] = p[0];
			s->wr[k] = p[1];
			CHECK_EQ(ep_add(s->ep, p[0], EPOLLIN | EPOLLONESHOT, (uint64_t)k), 0);
		}
		if (made + batch == ST_PIPES)
			share = s->want - s->sent;
		CHECK(nw < 16 && (writers[nw] = fork()) >= 0);
		if (writers[nw] == 0) {
			close(go[1]);
			stress_writer(s, go[0], made, made + batch, share);
		}
		for (int k = made; k < made + batch; k++)
			close(s->wr[k]);
		s->sent += share;
		made += batch;
		nw++;
	}
	for (int i = 0; i < ST_THREADS; i++) {
		CHECK(pthread_create(&t[i], NULL, stress_consumer, s) == 0);
		pin(t[i], i);
	}
	close(go[1]);				/* the writers start */
	int64_t deadline = ut_now_ns() + 60000000000LL;
	while (atomic_load(&s->total) < s->sent && ut_now_ns() < deadline)
		ut_sleep_ms(10);
	atomic_store(&s->stop, 1);
	for (int i = 0; i < ST_THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < nw; i++)
		CHECK_EQ(ut_wait(writers[i]), 0);
	long total = atomic_load(&s->total);
	ut_note("%ld events over %d pipes from %d writer processes, %d threads; %ld spurious",
		s->sent, ST_PIPES, nw, ST_THREADS, atomic_load(&s->spurious));
	if (total != s->sent)
		FAIL("%ld bytes written, %ld read through epoll (lost wakeups)", s->sent, total);
	CHECK_EQ(atomic_load(&s->dup_reports), 0);
	long sum = 0;
	for (int k = 0; k < ST_PIPES; k++) {
		char c;
		CHECK(read(s->rd[k], &c, 1) <= 0);	/* nothing left behind */
		sum += atomic_load(&s->got[k]);
	}
	CHECK_EQ(sum, s->sent);
}

const struct ut_test ut_epoll_tests[] = {
	{ "epoll_errnos", epoll_errnos, 0 },
	{ "epoll_level_edge", epoll_level_edge, 0 },
	{ "epoll_oneshot", epoll_oneshot, 0 },
	{ "epoll_close", epoll_close_registered, 0 },
	{ "epoll_nested", epoll_nested, 0 },
	{ "epoll_exclusive", epoll_exclusive, 0 },
	{ "epoll_pwait", epoll_pwait_mask, 0 },
	{ "epoll_stress", epoll_stress, 120 },
	{ NULL, NULL, 0 }
};
