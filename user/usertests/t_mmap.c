/*
 * user/usertests/t_mmap.c — file mappings: private (the file's pages until written, then
 * copies), shared read-only and read-write (stores are the file's data, seen by read(2),
 * other mappings and a forked child), holes filled through a mapping, SIGBUS past the end
 * of the file, msync's checks, and files that cannot be mapped shared.
 */
#include "ut.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL

static void mmap_file_ro(void)
{
	size_t len = 2 * PAGE + 100;
	char *data = malloc(len);

	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i % 251);
	ut_write_file("mm.bin", data, len, 0644);
	int fd = open("mm.bin", O_RDONLY);
	CHECK(fd >= 0);
	char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	close(fd);					/* the mapping keeps the file */
	CHECK(memcmp(p, data, len) == 0);
	for (size_t i = len; i < 3 * PAGE; i++)
		CHECK(p[i] == 0);			/* past EOF in the last page: zero */
	fd = open("mm.bin", O_RDONLY);
	char *q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);	/* at an offset */
	CHECK(q != MAP_FAILED && memcmp(q, data + PAGE, PAGE) == 0);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, 999, 0), EBADF);
	CHECK(munmap(p, len) == 0 && munmap(q, PAGE) == 0);
}

/* MAP_SHARED of a read-only fd: readable, sees the file's writes, and never becomes writable
 * (EACCES from mmap and from mprotect). */
static void mmap_file_shared_ro(void)
{
	char page[PAGE];

	memset(page, 's', PAGE);
	ut_write_file("shr.bin", page, PAGE, 0644);
	int fd = open("shr.bin", O_RDONLY), wfd = open("shr.bin", O_WRONLY);
	CHECK(fd >= 0 && wfd >= 0);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
	char *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && p[0] == 's');
	CHECK(pwrite(wfd, "t", 1, 0) == 1);
	CHECK(p[0] == 't');
	CHECK_ERR(mprotect(p, PAGE, PROT_READ | PROT_WRITE), EACCES);
	CHECK(mprotect(p, PAGE, PROT_READ) == 0);
	CHECK(munmap(p, PAGE) == 0);
	close(fd);
	close(wfd);
}

/* A private file mapping shares the file's pages until written (as Linux's page cache does):
 * write(2) to the file shows through pages the process has not written; its own writes stay
 * private, the file and other mappings never see them, and a child after fork sees its
 * parent's private copy. */
static void mmap_file_cow(void)
{
	char page[PAGE];

	memset(page, 'a', PAGE);
	ut_write_file("cow.bin", page, PAGE, 0644);
	int fd = open("cow.bin", O_RDWR);
	CHECK(fd >= 0);
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED && q != MAP_FAILED);
	CHECK(p[0] == 'a' && q[0] == 'a');
	CHECK(pwrite(fd, "b", 1, 0) == 1);		/* shows through unwritten pages */
	CHECK(p[0] == 'b' && q[0] == 'b');
	p[1] = 'P';					/* the private copy */
	CHECK(pwrite(fd, "c", 1, 0) == 1);
	CHECK(p[0] == 'b' && p[1] == 'P' && q[0] == 'c' && q[1] == 'a');
	char c;
	CHECK(pread(fd, &c, 1, 1) == 1 && c == 'a');	/* the file never saw 'P' */
	pid_t pid = fork();
	if (pid == 0)
		_exit(p[1] == 'P' && q[0] == 'c' ? 0 : 1);
	CHECK(ut_wait(pid) == 0);
	close(fd);
	CHECK(unlink("cow.bin") == 0);			/* the mappings keep the pages */
	CHECK(q[0] == 'c' && p[1] == 'P');
	CHECK(munmap(p, PAGE) == 0 && munmap(q, PAGE) == 0);
}

/* MAP_SHARED read-write: a store is the file's data at once (pread sees it, so does another
 * mapping and a forked child's store the parent), a hole inside the file becomes a page of
 * it, and the mapping outlives close and unlink. */
static void mmap_file_shared_rw(void)
{
	char page[PAGE], c;

	memset(page, 'a', PAGE);
	int fd = open("shrw.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, page, PAGE, 0) == (ssize_t)PAGE);
	CHECK(pwrite(fd, page, 100, 2 * PAGE) == 100);		/* page 1 is a hole */
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *q = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && q != MAP_FAILED);
	p[0] = 'X';
	CHECK(pread(fd, &c, 1, 0) == 1 && c == 'X' && q[0] == 'X');
	CHECK(p[PAGE + 5] == 0);
	p[PAGE + 5] = 'H';					/* into the hole */
	CHECK(pread(fd, &c, 1, PAGE + 5) == 1 && c == 'H' && q[PAGE + 5] == 'H');
	CHECK(pwrite(fd, "w", 1, 2 * PAGE + 1) == 1);		/* write(2) shows through */
	CHECK(p[2 * PAGE + 1] == 'w' && q[2 * PAGE + 1] == 'w');
	pid_t pid = fork();
	if (pid == 0) {
		p[10] = 'C';
		_exit(0);
	}
	CHECK(ut_wait(pid) == 0);
	CHECK(p[10] == 'C' && pread(fd, &c, 1, 10) == 1 && c == 'C');
	CHECK(msync(p, 3 * PAGE, MS_SYNC) == 0 && msync(p, PAGE, MS_ASYNC) == 0);
	close(fd);
	CHECK(unlink("shrw.bin") == 0);
	p[20] = 'U';						/* still one page in both */
	CHECK(q[20] == 'U');
	CHECK(munmap(p, 3 * PAGE) == 0 && munmap(q, 3 * PAGE) == 0);
}

/* A shared mapping made read-only through a writable fd may be made writable later. */
static void mmap_file_shared_mprotect(void)
{
	char page[PAGE], c;

	memset(page, 'm', PAGE);
	ut_write_file("shmp.bin", page, PAGE, 0644);
	int fd = open("shmp.bin", O_RDWR);
	CHECK(fd >= 0);
	char *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && p[0] == 'm');			/* mapped read-only first */
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == 0);
	p[1] = 'W';
	CHECK(pread(fd, &c, 1, 1) == 1 && c == 'W');
	CHECK(munmap(p, PAGE) == 0);
	close(fd);
	CHECK(unlink("shmp.bin") == 0);
}

static void touch_past_end(void *arg)
{
	volatile char *p = arg;

	p[PAGE] = 1;
}

/* Past the file's last page a shared mapping raises SIGBUS, also after the file shrank; the
 * file's growth is seen by a mapping made while it was short. */
static void mmap_file_shared_eof(void)
{
	int fd = open("sheof.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, "0123456789", 10, 0) == 10);
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && p[9] == '9' && p[10] == 0);
	ut_expect_signal(touch_past_end, p, SIGBUS, "store past the end of a shared file mapping");
	CHECK(ftruncate(fd, PAGE + 1) == 0);			/* the second page is the file's now */
	p[PAGE] = 'g';
	char c;
	CHECK(pread(fd, &c, 1, PAGE) == 1 && c == 'g');
	CHECK(munmap(p, 2 * PAGE) == 0);
	close(fd);
	CHECK(unlink("sheof.bin") == 0);
}

/* msync's arguments as Linux checks them; a writable shared mapping of a file whose pages are
 * not its data (/dev/null) is refused with ENODEV, never made a private copy. */
static void mmap_msync_and_refusals(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	CHECK(munmap(p + PAGE, PAGE) == 0);
	CHECK(msync(p, PAGE, MS_SYNC) == 0);
	CHECK_ERR(msync(p + 1, PAGE, MS_SYNC), EINVAL);
	CHECK_ERR(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_ERR(msync(p, PAGE, 0x100), EINVAL);
	CHECK_ERR(msync(p, 2 * PAGE, MS_SYNC), ENOMEM);		/* the second page is gone */
	CHECK(munmap(p, PAGE) == 0);
	int fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), ENODEV);
	close(fd);
}

const struct ut_test ut_mmap_tests[] = {
	{ "mmap_file", mmap_file_ro, 0 },
	{ "mmap_file_cow", mmap_file_cow, 0 },
	{ "mmap_file_shared_ro", mmap_file_shared_ro, 0 },
	{ "mmap_file_shared_rw", mmap_file_shared_rw, 0 },
	{ "mmap_file_shared_mprotect", mmap_file_shared_mprotect, 0 },
	{ "mmap_file_shared_eof", mmap_file_shared_eof, 0 },
	{ "mmap_msync", mmap_msync_and_refusals, 0 },
	{ NULL, NULL, 0 }
};
