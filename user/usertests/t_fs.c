/*
 * user/usertests/t_fs.c — files and directories: read/write/readv/writev/pread64/lseek,
 * open/openat flags, the stat family, getdents64, cwd and namespace calls, and the
 * EFAULT/EBADF/ENOSYS error paths.
 */
#include "ut.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void rw_basic(void)
{
	char buf[64];
	int fd = open("rw.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "hello, keel", 11), 11);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 11);
	CHECK(memcmp(buf, "hello, keel", 11) == 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);		/* end of file */
	CHECK_EQ(lseek(fd, -4, SEEK_END), 7);
	CHECK_EQ(read(fd, buf, 4), 4);
	CHECK(memcmp(buf, "keel", 4) == 0);
	CHECK_ERR(lseek(fd, -100, SEEK_SET), EINVAL);
	CHECK_EQ(lseek(fd, 20, SEEK_SET), 20);		/* past the end: a hole reads as zeros */
	CHECK_EQ(write(fd, "!", 1), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 21);
	CHECK_EQ(pread(fd, buf, 10, 11), 10);
	for (int i = 0; i < 9; i++)
		CHECK_EQ(buf[i], 0);
	CHECK_EQ(buf[9], '!');
	CHECK_EQ(close(fd), 0);
}

static void rw_large(void)
{
	size_t len = 3 * 1024 * 1024 + 123;
	unsigned char *a = malloc(len), *b = malloc(len);
	CHECK(a && b);
	for (size_t i = 0; i < len; i++)
		a[i] = (unsigned char)(i * 7 + (i >> 12));
	int fd = open("large.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, a, len), (long long)len);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	CHECK_EQ(st.st_size, (long long)len);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, b + got, 65536 + 17);
		CHECK(n > 0);
		got += (size_t)n;
	}
	CHECK(memcmp(a, b, len) == 0);
	close(fd);
	unlink("large.bin");
}

static void readv_writev(void)
{
	char a[3] = "abc", b[5] = "defgh", x[4], y[4];
	struct iovec wv[3] = { { a, 3 }, { NULL, 0 }, { b, 5 } };
	struct iovec rv[2] = { { x, 4 }, { y, 4 } };
	int fd = open("iov.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(writev(fd, wv, 3), 8);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(readv(fd, rv, 2), 8);
	CHECK(memcmp(x, "abcd", 4) == 0 && memcmp(y, "efgh", 4) == 0);
	CHECK_ERR(readv(fd, rv, -1), EINVAL);
	struct iovec bad[1] = { { (void *)1, 4 } };
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_ERR(readv(fd, bad, 1), EFAULT);
	close(fd);
}

static void pread_offset(void)
{
	char buf[8];
	int fd = open("pread.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_EQ(syscall(SYS_pread64, fd, buf, 4, 3), 4);
	CHECK(memcmp(buf, "3456", 4) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);		/* pread leaves the offset alone */
	CHECK_EQ(pread(fd, buf, 8, 8), 2);
	CHECK_EQ(pread(fd, buf, 8, 100), 0);
	CHECK_ERR(pread(fd, buf, 8, -1), EINVAL);
	close(fd);
}

static void open_flags(void)
{
	char buf[16];
	int fd = open("of.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "12345", 5), 5);
	close(fd);
	CHECK_ERR(open("of.txt", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	CHECK_ERR(open("missing.txt", O_RDONLY), ENOENT);
	CHECK_ERR(open("nodir/x", O_RDONLY | O_CREAT, 0644), ENOENT);
	CHECK_ERR(open("of.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(open("of.txt/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open(".", O_WRONLY), EISDIR);
	fd = open("of.txt", O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "67", 2), 2);		/* O_APPEND: at the end regardless */
	close(fd);
	fd = open("of.txt", O_RDONLY);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 7);
	CHECK(memcmp(buf, "1234567", 7) == 0);
	CHECK_ERR(write(fd, "x", 1), EBADF);		/* read-only descriptor */
	close(fd);
	fd = open("of.txt", O_RDWR | O_TRUNC);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	close(fd);
}

static void open_cloexec(void)
{
	int keep = open("ce.txt", O_RDWR | O_CREAT, 0644);
	int ce = open("ce.txt", O_RDONLY | O_CLOEXEC);
	char fdnum[16];

	CHECK(keep >= 0 && ce >= 0);
	CHECK_EQ(fcntl(ce, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(keep, F_GETFD), 0);
	snprintf(fdnum, sizeof(fdnum), "%d", ce);
	pid_t pid = fork();
	if (pid == 0) {
		execl(ut_helper, "ut-helper", "closed", fdnum, (char *)NULL);
		_exit(99);
	}
	int st = ut_wait(pid);
	CHECK(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		FAIL("O_CLOEXEC fd %d survived execve (helper status %d)", ce, WEXITSTATUS(st));
	snprintf(fdnum, sizeof(fdnum), "%d", keep);
	pid = fork();
	if (pid == 0) {
		execl(ut_helper, "ut-helper", "closed", fdnum, (char *)NULL);
		_exit(99);
	}
	st = ut_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);	/* a plain fd stays open */
}

static void openat_dirfd(void)
{
	char buf[4];

	CHECK(mkdir("oa", 0755) == 0);
	int dfd = open("oa", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	int fd = openat(dfd, "f", O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "xyz", 3), 3);
	close(fd);
	fd = openat(AT_FDCWD, "oa/f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, buf, 4), 3);
	close(fd);
	fd = openat(dfd, "/tmp", O_RDONLY | O_DIRECTORY);	/* absolute: dirfd ignored */
	CHECK(fd >= 0);
	close(fd);
	int file = open("oa/f", O_RDONLY);
	CHECK_ERR(openat(file, "x", O_RDONLY), ENOTDIR);
	CHECK_ERR(openat(12345, "x", O_RDONLY), EBADF);
}

static void stat_family(void)
{
	struct stat a, b, c, d;

	ut_write_file("st.txt", "12345678", 8, 0644);
	CHECK(mkdir("st.dir", 0755) == 0);
	CHECK(stat("st.txt", &a) == 0);
	CHECK(S_ISREG(a.st_mode) && a.st_size == 8);
	int fd = open("st.txt", O_RDONLY);
	CHECK(fstat(fd, &b) == 0);
	CHECK(lstat("st.txt", &c) == 0);
	CHECK(fstatat(AT_FDCWD, "st.txt", &d, 0) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_ino == c.st_ino && a.st_ino == d.st_ino);
	CHECK(a.st_dev == b.st_dev && b.st_size == 8 && d.st_size == 8);
	CHECK(stat("st.dir", &a) == 0 && S_ISDIR(a.st_mode));
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fstatat(dfd, "st.dir", &b, 0) == 0 && b.st_ino == a.st_ino);
	CHECK(fstatat(fd, "", &c, AT_EMPTY_PATH) == 0 && c.st_size == 8);
	CHECK_ERR(stat("st.missing", &a), ENOENT);
	CHECK_ERR(stat("", &a), ENOENT);
	CHECK(fstat(1, &a) == 0);
	close(fd);
	close(dfd);
}

/* Finds name in a getdents64 listing of dir; returns its d_type, or -1. */
static int dirent_type(int dfd, const char *name)
{
	char buf[512];		/* small: several calls are needed */
	long n;
	int type = -1;

	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent *e = (struct dirent *)(buf + off);
			CHECK(e->d_reclen > 0 && off + e->d_reclen <= n);
			if (strcmp(e->d_name, name) == 0)
				type = e->d_type;
			off += e->d_reclen;
		}
	}
	CHECK(n == 0);
	return type;
}

static void getdents_test(void)
{
	char name[32];

	CHECK(mkdir("gd", 0755) == 0 && chdir("gd") == 0);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "file-with-a-long-name-%02d", i);
		ut_write_file(name, "x", 1, 0644);
	}
	CHECK(mkdir("sub", 0755) == 0);
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "file-with-a-long-name-%02d", i);
		if (dirent_type(dfd, name) != DT_REG)
			FAIL("%s: not listed as DT_REG", name);
	}
	CHECK_EQ(dirent_type(dfd, "sub"), DT_DIR);
	CHECK_EQ(dirent_type(dfd, "nothere"), -1);
	char tiny[8];
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	CHECK_ERR(syscall(SYS_getdents64, dfd, tiny, sizeof(tiny)), EINVAL);
	int fd = open("sub/../file-with-a-long-name-00", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERR(syscall(SYS_getdents64, fd, name, sizeof(name)), ENOTDIR);
}

static void cwd_dirs(void)
{
	char buf[256], want[256];

	CHECK(getcwd(buf, sizeof(buf)) == buf);
	CHECK(strcmp(buf, ut_tmp) == 0);
	CHECK(mkdir("cwd", 0755) == 0);
	CHECK_ERR(mkdir("cwd", 0755), EEXIST);
	CHECK(chdir("cwd") == 0);
	snprintf(want, sizeof(want), "%s/cwd", ut_tmp);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, want) == 0);
	CHECK_ERR(syscall(SYS_getcwd, buf, 3), ERANGE);
	ut_write_file("f", "1", 1, 0644);
	CHECK(chdir("..") == 0);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, ut_tmp) == 0);
	CHECK_ERR(rmdir("cwd"), ENOTEMPTY);
	CHECK_ERR(chdir("cwd/f"), ENOTDIR);
	CHECK_ERR(chdir("nowhere"), ENOENT);
	CHECK_ERR(unlink("cwd"), EISDIR);
	CHECK_ERR(rmdir("cwd/f"), ENOTDIR);
	CHECK(unlink("cwd/f") == 0);
	CHECK_ERR(unlink("cwd/f"), ENOENT);
	CHECK(rmdir("cwd") == 0);
	CHECK_ERR(rmdir("cwd"), ENOENT);
	CHECK(chdir("/") == 0 && getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0);
}

static void rename_files(void)
{
	char buf[8];
	struct stat st;

	ut_write_file("rn.a", "AAA", 3, 0644);
	ut_write_file("rn.b", "B", 1, 0644);
	CHECK(rename("rn.a", "rn.c") == 0);
	CHECK_ERR(stat("rn.a", &st), ENOENT);
	CHECK(rename("rn.c", "rn.b") == 0);		/* replaces the existing file */
	int fd = open("rn.b", O_RDONLY);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 3);
	close(fd);
	CHECK(mkdir("rn.d", 0755) == 0);
	CHECK(rename("rn.b", "rn.d/moved") == 0);
	CHECK(stat("rn.d/moved", &st) == 0 && st.st_size == 3);
	CHECK(rename("rn.d", "rn.e") == 0);
	CHECK(stat("rn.e/moved", &st) == 0);
	CHECK_ERR(rename("rn.missing", "rn.x"), ENOENT);
	CHECK_ERR(rename("rn.e", "rn.e/moved/x"), ENOTDIR);
	CHECK_ERR(rename("rn.e", "rn.e/sub"), EINVAL);		/* into itself */
}

static void efault_paths(void)
{
	void *kernel_half = (void *)0xffff800000000000UL;
	char buf[16];
	struct stat st;
	int p[2];

	CHECK_ERR(write(1, (void *)1, 10), EFAULT);
	CHECK(pipe(p) == 0);
	CHECK_EQ(write(p[1], "data", 4), 4);
	CHECK_ERR(read(p[0], (void *)8, 4), EFAULT);
	CHECK_ERR(read(p[0], kernel_half, 4), EFAULT);
	CHECK_ERR(syscall(SYS_stat, kernel_half, &st), EFAULT);
	CHECK_ERR(syscall(SYS_stat, "/", kernel_half), EFAULT);
	CHECK_ERR(syscall(SYS_fstat, 0, (void *)8), EFAULT);
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, "/", (void *)8, 0), EFAULT);
	CHECK_ERR(syscall(SYS_open, kernel_half, O_RDONLY), EFAULT);
	CHECK_ERR(syscall(SYS_getcwd, (void *)16, sizeof(buf)), EFAULT);
	CHECK_ERR(syscall(SYS_pipe, kernel_half), EFAULT);
	CHECK_ERR(syscall(SYS_pipe2, (void *)8, 0), EFAULT);
	CHECK_ERR(syscall(SYS_uname, (void *)24), EFAULT);
}

static void ebadf_paths(void)
{
	char buf[4];
	struct stat st;

	CHECK_ERR(read(-1, buf, 1), EBADF);
	CHECK_ERR(write(999, buf, 1), EBADF);
	CHECK_ERR(close(999), EBADF);
	CHECK_ERR(fstat(777, &st), EBADF);
	CHECK_ERR(lseek(500, 0, SEEK_SET), EBADF);
	CHECK_ERR(dup(600), EBADF);
	CHECK_ERR(dup2(600, 601), EBADF);
	CHECK_ERR(fcntl(600, F_GETFL), EBADF);
	CHECK_ERR(syscall(SYS_getdents64, 600, buf, sizeof(buf)), EBADF);
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	close(fd);
	CHECK_ERR(read(fd, buf, 1), EBADF);		/* closed */
}

static void enosys(void)
{
	CHECK_ERR(syscall(1000), ENOSYS);
	CHECK_ERR(syscall(-1L), ENOSYS);
}

const struct ut_test ut_fs_tests[] = {
	{ "rw_basic", rw_basic, 0 },
	{ "rw_large", rw_large, 0 },
	{ "readv_writev", readv_writev, 0 },
	{ "pread64", pread_offset, 0 },
	{ "open_flags", open_flags, 0 },
	{ "open_cloexec", open_cloexec, 0 },
	{ "openat", openat_dirfd, 0 },
	{ "stat_family", stat_family, 0 },
	{ "getdents64", getdents_test, 0 },
	{ "cwd_dirs", cwd_dirs, 0 },
	{ "rename", rename_files, 0 },
	{ "efault", efault_paths, 0 },
	{ "ebadf", ebadf_paths, 0 },
	{ "enosys", enosys, 0 },
	{ NULL, NULL, 0 }
};
