/*
 * user/bench/rows_poll.c — readiness rows (docs/epoll.md): an epoll_wait round trip over a
 * pipe pair, poll() over 1000 idle fds with one ready, and the pipe ping-pong with 100 idle
 * pollers beside it (what a global poll queue makes slow: every write woke every poller).
 */
#include "bench.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

/* The epoll of this process's side of an epoll_pipe repetition (-1: not made yet). */
static int ep = -1;

/* Reads fd's byte after epoll_wait says it is there; each side makes its epoll (with fd its
 * only item) on its first call. */
static int epoll_read1(int fd, char *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (ep < 0 && ((ep = epoll_create1(0)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0))
		return -1;
	return epoll_wait(ep, &ev, 1, -1) == 1 && read(fd, c, 1) == 1 ? 0 : -1;
}

static const char *row_epoll_pipe(long *n, uint64_t *ticks)
{
	const char *why;

	ep = -1;				/* fresh pipes: fresh epolls, on both sides */
	why = bench_pipe_roundtrips(n, ticks, epoll_read1);
	if (ep >= 0)
		close(ep);
	return why;
}

#define IDLE_FDS	1000

/* 500 pipes, both ends polled for POLLIN: only the last read end has a byte. */
static const char *row_poll_1000(long *n, uint64_t *ticks)
{
	struct pollfd *fds = calloc(IDLE_FDS, sizeof(*fds));
	const char *why = NULL;

	if (!fds)
		return "out of memory";
	for (int i = 0; i < IDLE_FDS; i += 2) {
		int p[2];

		if (pipe(p) < 0) {
			why = fail_errno("pipe");
			*n = 0;
			break;
		}
		fds[i] = (struct pollfd){ .fd = p[1], .events = POLLIN };
		fds[i + 1] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	}
	if (!why && write(fds[IDLE_FDS - 2].fd, "x", 1) != 1)
		why = fail_errno("write");
	uint64_t t0 = rdtsc();
	long i;
	BENCH_LOOP(i, why ? 0 : *n) {
		if (poll(fds, IDLE_FDS, -1) != 1) {
			why = fail_errno("poll");
			break;
		}
	}
	*ticks = rdtsc() - t0;
	*n = i;
	for (int k = 0; k < IDLE_FDS; k++)
		if (fds[k].fd > 0)
			close(fds[k].fd);
	free(fds);
	return why;
}

#define IDLE_POLLERS	100

static void *idle_poller(void *arg)
{
	struct pollfd fd = { .fd = *(int *)arg, .events = POLLIN };

	poll(&fd, 1, -1);			/* until the pipe's writer closes */
	return NULL;
}

static const char *row_pingpong_pollers(long *n, uint64_t *ticks)
{
	pthread_t t[IDLE_POLLERS];
	int idle[2], started = 0;
	const char *why;

	if (pipe(idle) < 0)
		return fail_errno("pipe");
	for (; started < IDLE_POLLERS; started++)
		if (pthread_create(&t[started], NULL, idle_poller, &idle[0]) != 0)
			break;
	usleep(20000);				/* let them reach poll */
	why = started < IDLE_POLLERS ? "pthread_create failed" : bench_pipe_pingpong(n, ticks);
	close(idle[1]);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	close(idle[0]);
	return why;
}

const struct bench_row bench_rows_poll[] = {
	{ "epoll_pipe", "epoll_wait round trip over a pipe pair between two processes", 2000, 1,
	  row_epoll_pipe },
	{ "poll_1000", "poll() over 1000 fds, one ready (the last), 999 idle", 500, 1,
	  row_poll_1000 },
	{ "pingpong_pollers", "pipe_pingpong with 100 idle threads in poll() beside it", 2000, 1,
	  row_pingpong_pollers },
	{ 0 }
};
