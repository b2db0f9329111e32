/*
 * user/usertests/t_attr.c — file attributes and kernel-log syscalls busybox uses: chmod
 * family, chown to root, utimensat (exact times, UTIME_NOW/OMIT, bad nsec), statx against
 * fstat, statfs of a directory and of /proc, syslog (dmesg). Pass on Linux too.
 */
#include "ut.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/klog.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static unsigned mode_of(const char *path)
{
	struct stat st;

	CHECK(lstat(path, &st) == 0);
	return st.st_mode & 07777;
}

static void t_chmod_family(void)
{
	int fd;

	ut_write_file("attr_m", "x", 1, 0644);
	CHECK(chmod("attr_m", 0600) == 0);
	CHECK_EQ(mode_of("attr_m"), 0600);
	CHECK(fchmodat(AT_FDCWD, "attr_m", 04751, 0) == 0);
	CHECK_EQ(mode_of("attr_m"), 04751);
	CHECK((fd = open("attr_m", O_RDONLY)) >= 0);
	CHECK(fchmod(fd, 0444) == 0);
	CHECK_EQ(mode_of("attr_m"), 0444);
	close(fd);
	CHECK(S_ISREG(({ struct stat s; stat("attr_m", &s); s.st_mode; })));
	CHECK_ERR(chmod("attr_nowhere", 0600), ENOENT);
	CHECK_ERR(fchmod(-1, 0600), EBADF);
	CHECK(chown("attr_m", 0, 0) == 0 && lchown("attr_m", -1, -1) == 0);
}

static void t_utimensat_times(void)
{
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1500000000, 5 } };
	struct stat st;
	time_t now = time(NULL);

	ut_write_file("attr_t", "x", 1, 0644);
	CHECK(stat("attr_t", &st) == 0);
	CHECK(st.st_mtime >= now - 5 && st.st_mtime <= now + 5);	/* wall-clock times */
	CHECK(utimensat(AT_FDCWD, "attr_t", ts, 0) == 0);
	CHECK(stat("attr_t", &st) == 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_atim.tv_nsec, 123456789);
	CHECK_EQ(st.st_mtim.tv_sec, 1500000000);
	CHECK_EQ(st.st_mtim.tv_nsec, 5);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	CHECK(utimensat(AT_FDCWD, "attr_t", ts, 0) == 0);
	CHECK(stat("attr_t", &st) == 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK(st.st_mtime >= now - 5);
	ts[0].tv_nsec = 1000000000;
	CHECK_ERR(utimensat(AT_FDCWD, "attr_t", ts, 0), EINVAL);
	CHECK_ERR(utimensat(AT_FDCWD, "attr_t", NULL, 0x4), EINVAL);
	int fd = open("attr_t", O_RDONLY);
	CHECK(fd >= 0 && futimens(fd, NULL) == 0);
	close(fd);
}

/* Linux's struct statx (musl 1.2.3 has no wrapper): the fields the test reads. */
struct ut_statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};
struct ut_statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct ut_statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};
#define STATX_BASIC_STATS	0x7ffu

static int statx(int dirfd, const char *path, int flags, unsigned mask, struct ut_statx *sx)
{
	return (int)syscall(332, dirfd, path, flags, mask, sx);
}

static void t_statx_matches_fstat(void)
{
	struct ut_statx sx;
	struct stat st;

	ut_write_file("attr_x", "hello", 5, 0640);
	CHECK(stat("attr_x", &st) == 0);
	CHECK(statx(AT_FDCWD, "attr_x", 0, STATX_BASIC_STATS, &sx) == 0);
	CHECK((sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
	CHECK_EQ(sx.stx_size, 5);
	CHECK_EQ(sx.stx_ino, st.st_ino);
	CHECK_EQ(sx.stx_mode, st.st_mode);
	CHECK_EQ(sx.stx_nlink, st.st_nlink);
	CHECK_EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
	CHECK_EQ(sx.stx_mtime.tv_nsec, st.st_mtim.tv_nsec);
	CHECK_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
	CHECK_ERR(statx(AT_FDCWD, "attr_x", 0, 0x80000000u, &sx), EINVAL);
	CHECK_ERR(statx(AT_FDCWD, "attr_nowhere", 0, STATX_BASIC_STATS, &sx), ENOENT);
	CHECK(symlink("attr_x", "attr_xl") == 0);
	CHECK(statx(AT_FDCWD, "attr_xl", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) == 0);
	CHECK(S_ISLNK(sx.stx_mode));
	int fd = open("attr_x", O_RDONLY);
	CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 && sx.stx_size == 5);
	close(fd);
}

static void t_statfs_dirs(void)
{
	struct statfs s, p;
	int fd;

	CHECK(statfs(".", &s) == 0);
	CHECK(s.f_bsize > 0 && s.f_namelen == 255 && s.f_bfree <= s.f_blocks);
	CHECK(statfs("/proc", &p) == 0);
	CHECK_EQ(p.f_type, 0x9fa0);		/* PROC_SUPER_MAGIC */
	CHECK((fd = open("/proc/self/stat", O_RDONLY)) >= 0);
	CHECK(fstatfs(fd, &p) == 0);
	CHECK_EQ(p.f_type, 0x9fa0);
	close(fd);
	CHECK_ERR(statfs("attr_nowhere", &s), ENOENT);
}

static void segv(void *arg)
{
	*(volatile int *)arg = 1;
}

static void t_syslog_reads_kernel_log(void)
{
	static char buf[1 << 16];
	int size = klogctl(10, NULL, 0), n;

	if (size < 0 && errno == EPERM && !ut_on_keel())
		ut_skip("dmesg is restricted on this host");
	CHECK(size > 0);
	/* another test may have cleared the log (CLEAR empties READ_ALL, as on Linux): a child
	 * killed by SIGSEGV makes both kernels log a line */
	ut_expect_signal(segv, NULL, SIGSEGV, "a null write");
	n = klogctl(3, buf, sizeof(buf) < (size_t)size ? (int)sizeof(buf) : size);
	CHECK(n > 0);
	CHECK(buf[0] == '<' && buf[2] == '>');		/* "<level>" records */
	CHECK(buf[n - 1] == '\n');
	CHECK_ERR(klogctl(3, NULL, 10), EINVAL);
	CHECK_ERR(klogctl(99, buf, 10), EINVAL);
}

/* sendfile at an explicit offset (the file offset stays) and at the file offset (it moves). */
static void t_sendfile_copies(void)
{
	static char data[10000], got[10000];
	int in, out, p[2];
	off_t off = 100;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	ut_write_file("attr_sf", data, sizeof(data), 0644);
	CHECK((in = open("attr_sf", O_RDONLY)) >= 0);
	CHECK((out = open("attr_sf2", O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0);
	CHECK_EQ(sendfile(out, in, &off, 5000), 5000);
	CHECK_EQ(off, 5100);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 0);
	CHECK_EQ(pread(out, got, 5000, 0), 5000);
	CHECK(memcmp(got, data + 100, 5000) == 0);
	CHECK(pipe(p) == 0);
	CHECK_EQ(sendfile(p[1], in, NULL, 3000), 3000);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 3000);
	CHECK_EQ(read(p[0], got, sizeof(got)), 3000);
	CHECK(memcmp(got, data, 3000) == 0);
	CHECK_ERR(sendfile(out, p[0], &off, 10), ESPIPE);
	CHECK_ERR(sendfile(-1, in, NULL, 10), EBADF);
	close(in);
	close(out);
	close(p[0]);
	close(p[1]);
}

const struct ut_test ut_attr_tests[] = {
	{ "sendfile_copies", t_sendfile_copies, 0 },
	{ "chmod_family", t_chmod_family, 0 },
	{ "utimensat_times", t_utimensat_times, 0 },
	{ "statx_matches_fstat", t_statx_matches_fstat, 0 },
	{ "statfs_dirs", t_statfs_dirs, 0 },
	{ "syslog_reads_kernel_log", t_syslog_reads_kernel_log, 0 },
	{ NULL, NULL, 0 },
};
