/*
 * user/usertests/t_evfd.c — eventfd2 (counter, EFD_SEMAPHORE, EFD_NONBLOCK/CLOEXEC, the
 * overflow rule) and timerfd (one-shot, periodic with the expiry count, TFD_TIMER_ABSTIME on
 * both clocks, gettime, disarming), read directly and through epoll.
 */
#include "ut.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static uint64_t rd64(int fd)
{
	uint64_t v = 0;

	CHECK_EQ(read(fd, &v, 8), 8);
	return v;
}

static void wr64(int fd, uint64_t v)
{
	CHECK_EQ(write(fd, &v, 8), 8);
}

static void *late_writer(void *arg)
{
	ut_sleep_ms(50);
	wr64(*(int *)arg, 5);
	return NULL;
}

static void eventfd_rules(void)
{
	int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t v = 1;

	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_ERR(eventfd(0, 0x40), EINVAL);
	CHECK_ERR(read(fd, &v, 4), EINVAL);
	CHECK_ERR(write(fd, &v, 4), EINVAL);
	CHECK_EQ(rd64(fd), 3);
	CHECK_ERR(read(fd, &v, 8), EAGAIN);
	v = UINT64_MAX;
	CHECK_ERR(write(fd, &v, 8), EINVAL);
	wr64(fd, UINT64_MAX - 1);			/* the largest count */
	v = 1;
	CHECK_ERR(write(fd, &v, 8), EAGAIN);		/* would overflow */
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN);
	CHECK_EQ(rd64(fd), UINT64_MAX - 1);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT);
	close(fd);
	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK_EQ(rd64(fd), 1);
	CHECK_EQ(rd64(fd), 1);
	CHECK_ERR(read(fd, &v, 8), EAGAIN);
	close(fd);
	fd = eventfd(0, 0);				/* blocking read, woken by a write */
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = 9 };
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, late_writer, &fd) == 0);
	CHECK_EQ(rd64(fd), 5);
	pthread_join(t, NULL);
	CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);	/* read already: not ready */
	wr64(fd, 1);
	CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 1);	/* an edge */
	CHECK_EQ(ev.data.u64, 9);
	CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
	close(ep);
	close(fd);
}

static void set_timer(int fd, int flags, int64_t value_ns, int64_t interval_ns)
{
	struct itimerspec its = {
		.it_value = { value_ns / 1000000000, value_ns % 1000000000 },
		.it_interval = { interval_ns / 1000000000, interval_ns % 1000000000 },
	};

	CHECK_EQ(timerfd_settime(fd, flags, &its, NULL), 0);
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void timerfd_rules(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = { 0 };
	uint64_t v;

	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_ERR(timerfd_create(12345, 0), EINVAL);
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x40), EINVAL);
	CHECK_ERR(timerfd_settime(fd, 0x40, &its, NULL), EINVAL);
	its.it_value.tv_nsec = 1000000000;
	CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
	CHECK_ERR(timerfd_gettime(0, &its), EINVAL);
	CHECK_ERR(timerfd_gettime(999, &its), EBADF);
	CHECK_ERR(read(fd, &v, 4), EINVAL);
	int64_t t0 = ut_now_ns();
	set_timer(fd, 0, 50000000, 0);			/* one-shot, 50 ms */
	CHECK_EQ(rd64(fd), 1);
	CHECK(ut_now_ns() - t0 >= 50000000);
	CHECK_EQ(timerfd_gettime(fd, &its), 0);
	CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0);	/* spent */
	set_timer(fd, 0, 20000000, 20000000);		/* periodic, 20 ms */
	ut_sleep_ms(110);
	v = rd64(fd);
	if (v < 4 || v > 6)
		FAIL("a 20 ms timer read after 110 ms gave %llu expiries", (unsigned long long)v);
	CHECK_EQ(timerfd_gettime(fd, &its), 0);
	CHECK(its.it_interval.tv_nsec == 20000000 && its.it_value.tv_nsec <= 20000000);
	set_timer(fd, 0, 0, 0);				/* disarmed */
	CHECK_EQ(timerfd_gettime(fd, &its), 0);
	CHECK(its.it_value.tv_nsec == 0 && its.it_interval.tv_nsec == 0);
	close(fd);
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	CHECK_ERR(read(fd, &v, 8), EAGAIN);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 4 };
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	t0 = ut_now_ns();
	set_timer(fd, TFD_TIMER_ABSTIME, clock_ns(CLOCK_MONOTONIC) + 30000000, 0);
	CHECK_EQ(epoll_wait(ep, &ev, 1, 5000), 1);	/* the clock thread woke epoll */
	CHECK(ut_now_ns() - t0 >= 25000000);
	CHECK_EQ(rd64(fd), 1);
	close(fd);
	fd = timerfd_create(CLOCK_REALTIME, 0);
	t0 = ut_now_ns();
	set_timer(fd, TFD_TIMER_ABSTIME, clock_ns(CLOCK_REALTIME) + 30000000, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK(ut_now_ns() - t0 >= 20000000);
	set_timer(fd, TFD_TIMER_ABSTIME, 1, 0);		/* in the past: at once */
	CHECK_EQ(rd64(fd), 1);
	close(fd);
	close(ep);
}

const struct ut_test ut_evfd_tests[] = {
	{ "eventfd", eventfd_rules, 0 },
	{ "timerfd", timerfd_rules, 0 },
	{ NULL, NULL, 0 }
};
