/*
 * user/usertests/t_rlimit.c — resource limits that are enforced: RLIMIT_NOFILE (fd numbers),
 * RLIMIT_FSIZE (regular-file writes and truncate, SIGXFSZ) and RLIMIT_AS (mmap, brk). Each
 * test runs in its own child, so the limits it sets end with it. Pass on Linux too.
 */
#include "ut.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void set_limit(int r, rlim_t cur, rlim_t max)
{
	struct rlimit l = { cur, max };

	CHECK(setrlimit(r, &l) == 0);
}

/* fds stay below the soft limit: open says EMFILE, dup2 EBADF, F_DUPFD EINVAL above it. */
static void t_rlimit_nofile_caps_fd_numbers(void)
{
	int fd, highest = -1;

	set_limit(RLIMIT_NOFILE, 16, 16);
	for (int i = 0; i < 64; i++) {
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			break;
		highest = fd;
	}
	CHECK_ERR(open("/dev/null", O_RDONLY), EMFILE);
	CHECK_EQ(highest, 15);
	CHECK_ERR(dup2(0, 16), EBADF);
	CHECK_ERR(fcntl(0, F_DUPFD, 16), EINVAL);
	CHECK(close(15) == 0);
	CHECK_EQ(dup2(0, 15), 15);
	CHECK_ERR(pipe((int[2]){ 0, 0 }), EMFILE);
}

/* A write crossing the limit is short; one starting at it fails EFBIG (SIGXFSZ ignored). */
static void t_rlimit_fsize_short_write_then_efbig(void)
{
	static char buf[8192];
	int fd = open("fsize_a", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	signal(SIGXFSZ, SIG_IGN);
	set_limit(RLIMIT_FSIZE, 5000, 5000);
	CHECK_EQ(write(fd, buf, sizeof(buf)), 5000);
	CHECK_ERR(write(fd, buf, 1), EFBIG);
	CHECK_EQ(pwrite(fd, buf, 10, 4995), 5);
	CHECK_ERR(ftruncate(fd, 5001), EFBIG);
	CHECK(ftruncate(fd, 100) == 0);
	CHECK(ftruncate(fd, 5000) == 0);
	int afd = open("fsize_a", O_WRONLY | O_APPEND);
	CHECK(afd >= 0);
	CHECK_ERR(write(afd, buf, 1), EFBIG);	/* appends at 5000 */
	close(afd);
	close(fd);
	unlink("fsize_a");
}

static void fsize_writer(void *unused)
{
	int fd = open("fsize_b", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	(void)unused;
	set_limit(RLIMIT_FSIZE, 100, 100);
	if (fd < 0 || write(fd, "0123456789", 10) != 10)
		_exit(3);
	lseek(fd, 100, SEEK_SET);
	write(fd, "x", 1);	/* SIGXFSZ's default action ends the process here */
	_exit(4);
}

static void t_rlimit_fsize_sends_sigxfsz(void)
{
	ut_expect_signal(fsize_writer, NULL, SIGXFSZ, "a write at RLIMIT_FSIZE");
	unlink("fsize_b");
}

/* The address space as a whole stays under RLIMIT_AS: mmap says ENOMEM, brk stays put. */
static void t_rlimit_as_caps_mmap_and_brk(void)
{
	const size_t mib = 1 << 20;
	void *small, *big;
	char *brk0;

	set_limit(RLIMIT_AS, 256 * mib, RLIM_INFINITY);
	CHECK_ERR((long)mmap(NULL, 512 * mib, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
	small = mmap(NULL, 16 * mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(small != MAP_FAILED);
	/* replacing a mapping in place (MAP_FIXED) needs no more room */
	big = mmap(small, 16 * mib, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(big == small);
	brk0 = (char *)syscall(SYS_brk, 0);	/* musl's sbrk only reads the break */
	CHECK_EQ(syscall(SYS_brk, brk0 + 300 * mib), (long)brk0);
	CHECK_EQ(syscall(SYS_brk, brk0 + mib), (long)(brk0 + mib));
	CHECK_EQ(syscall(SYS_brk, brk0), (long)brk0);
	CHECK(munmap(small, 16 * mib) == 0);
	set_limit(RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY);
	big = mmap(NULL, 512 * mib, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(big != MAP_FAILED);
	CHECK(munmap(big, 512 * mib) == 0);
}

const struct ut_test ut_rlimit_tests[] = {
	{ "rlimit_nofile_caps_fd_numbers", t_rlimit_nofile_caps_fd_numbers, 0 },
	{ "rlimit_fsize_short_write_then_efbig", t_rlimit_fsize_short_write_then_efbig, 0 },
	{ "rlimit_fsize_sends_sigxfsz", t_rlimit_fsize_sends_sigxfsz, 0 },
	{ "rlimit_as_caps_mmap_and_brk", t_rlimit_as_caps_mmap_and_brk, 0 },
	{ NULL, NULL, 0 },
};
