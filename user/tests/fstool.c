/*
 * fstool — the storage suite's guest program (tests/storage_test.py); runs on Linux too.
 *
 *   fstool walk DIR                 manifest of the tree under DIR (sorted lines, below)
 *   fstool work DIR SEED BIG_MIB    a deterministic workload in DIR with fs-semantics checks,
 *                                   then the manifest of DIR
 *   fstool crash DIR                fsync'd and sync'd writes, each reported, then writes on
 *                                   until killed (the harness kills the machine)
 *   fstool mount DEV DIR            mount(DEV, DIR, "ext2"), walk it (EIO tolerated), umount
 *
 * Manifest lines: "D path mode", "F path size fnv64 nlink", "L path target", sorted by
 * path; the harness compares them with what the host's debugfs sees and with the same
 * workload run on Linux. A failed check prints "FAIL: what" and the exit status is 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wformat-truncation"

static int failures;
static char **lines;
static size_t nlines, caplines;

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			printf("FAIL: " __VA_ARGS__); \
			printf(" (errno %d)\n", errno); \
			failures++; \
		} \
	} while (0)

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

#define FNV0	0xcbf29ce484222325ull

static void add_line(const char *s)
{
	if (nlines == caplines) {
		caplines = caplines ? 2 * caplines : 256;
		lines = realloc(lines, caplines * sizeof(*lines));
	}
	lines[nlines++] = strdup(s);
}

static int cmp_line(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	return strcmp(x + 2, y + 2);	/* by path */
}

#define HUGE_FILE	(1ull << 30)	/* above: only the first and last MiB are hashed */
#define HUGE_PART	(1ull << 20)

/* Hashes [off, off + len) of fd into *h, counting bytes in *size; -1 on a read error. */
static int hash_range(int fd, uint64_t off, uint64_t len, uint64_t *size, uint64_t *h)
{
	static char buf[65536];
	ssize_t n = 0;

	if (lseek(fd, (off_t)off, SEEK_SET) < 0)
		return -1;
	while (len && (n = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf))) > 0) {
		*h = fnv(*h, buf, (size_t)n);
		*size += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return n < 0 ? -1 : 0;
}

/* The file's size and hash (of all of it, or of its ends when huge); -1 on a read error. */
static int hash_file(const char *path, uint64_t st_size, uint64_t *size, uint64_t *h)
{
	int fd = open(path, O_RDONLY), r;

	*size = 0;
	*h = FNV0;
	if (fd < 0)
		return -1;
	if (st_size <= HUGE_FILE) {
		r = hash_range(fd, 0, UINT64_MAX, size, h);
	} else {
		r = hash_range(fd, 0, HUGE_PART, size, h);
		if (!r)
			r = hash_range(fd, st_size - HUGE_PART, HUGE_PART, size, h);
		*size = st_size;
	}
	close(fd);
	return r;
}

static void walk(const char *root, const char *rel, int tolerate)
{
	char path[4096], line[8192], sub[4096];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (!(d = opendir(path))) {
		printf("%s %s: opendir errno %d\n", tolerate ? "ERR" : "FAIL:", rel, errno);
		failures += !tolerate;
		return;
	}
	for (;;) {
		struct stat st;
		char full[8192];

		errno = 0;
		if (!(e = readdir(d))) {
			if (errno) {
				printf("%s %s: readdir errno %d\n", tolerate ? "ERR" : "FAIL:", rel,
				       errno);
				failures += !tolerate;
			}
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "lost+found"))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name);
		snprintf(full, sizeof(full), "%s%s", root, sub);
		if (lstat(full, &st)) {
			printf("%s %s: lstat errno %d\n", tolerate ? "ERR" : "FAIL:", sub, errno);
			failures += !tolerate;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(line, sizeof(line), "D %s %o", sub, st.st_mode & 07777);
			add_line(line);
			walk(root, sub, tolerate);
		} else if (S_ISLNK(st.st_mode)) {
			char t[2048];
			ssize_t n = readlink(full, t, sizeof(t) - 1);

			t[n > 0 ? n : 0] = '\0';
			snprintf(line, sizeof(line), "L %s %s", sub, t);
			add_line(line);
		} else if (S_ISREG(st.st_mode)) {
			uint64_t size, h;

			if (hash_file(full, (uint64_t)st.st_size, &size, &h)) {
				printf("%s %s: read errno %d\n", tolerate ? "ERR" : "FAIL:", sub, errno);
				failures += !tolerate;
				continue;
			}
			CHECK(size == (uint64_t)st.st_size, "%s: read %llu bytes, stat says %lld", sub,
			      (unsigned long long)size, (long long)st.st_size);
			snprintf(line, sizeof(line), "F %s %llu %016llx %lu", sub,
				 (unsigned long long)size, (unsigned long long)h,
				 (unsigned long)st.st_nlink);
			add_line(line);
		}
	}
	closedir(d);
}

static void print_manifest(const char *root, int tolerate)
{
	walk(root, "", tolerate);
	qsort(lines, nlines, sizeof(*lines), cmp_line);
	for (size_t i = 0; i < nlines; i++)
		printf("%s\n", lines[i]);
	printf("MANIFEST END %zu\n", nlines);
}

/* ---- the workload ---- */

static uint64_t rng;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill(char *buf, size_t n, uint64_t salt)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((i * 131 + salt * 7 + (i >> 9)) & 0xff);
}

static void write_file(const char *path, size_t size, uint64_t salt, int flags)
{
	static char buf[65536];
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
	size_t done = 0;

	CHECK(fd >= 0, "create %s", path);
	if (fd < 0)
		return;
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		fill(buf, n, salt + done);
		CHECK(write(fd, buf, n) == (ssize_t)n, "write %s", path);
		done += n;
	}
	close(fd);
}

static void many_files(const char *dir, unsigned dirs, unsigned per)
{
	char p[512];

	for (unsigned d = 0; d < dirs; d++) {
		snprintf(p, sizeof(p), "%s/many/d%02u", dir, d);
		CHECK(mkdir(p, 0755) == 0, "mkdir %s", p);
		for (unsigned f = 0; f < per; f++) {
			snprintf(p, sizeof(p), "%s/many/d%02u/file-with-a-longish-name-%04u", dir, d, f);
			write_file(p, next_rand() % 3000, d * 1000 + f, O_EXCL);
		}
		/* remove every third, so directories have gaps to reuse */
		for (unsigned f = 0; f < per; f += 3) {
			snprintf(p, sizeof(p), "%s/many/d%02u/file-with-a-longish-name-%04u", dir, d, f);
			CHECK(unlink(p) == 0, "unlink %s", p);
		}
	}
}

static void semantics(const char *dir)
{
	char a[512], b[512], buf[4096];
	struct stat st;
	int fd;

	/* unlink of an open file: it stays readable and writable until closed */
	snprintf(a, sizeof(a), "%s/open-unlinked", dir);
	fd = open(a, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0, "create %s", a);
	CHECK(write(fd, "still here", 10) == 10, "write before unlink");
	CHECK(unlink(a) == 0, "unlink open file");
	CHECK(access(a, F_OK) != 0 && errno == ENOENT, "unlinked name still there");
	CHECK(write(fd, "!", 1) == 1, "write after unlink");
	CHECK(pread(fd, buf, 11, 0) == 11 && !memcmp(buf, "still here!", 11),
	      "read after unlink");
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0, "nlink of unlinked file");
	close(fd);

	/* errors Linux gives */
	snprintf(a, sizeof(a), "%s/sem", dir);
	CHECK(mkdir(a, 0755) == 0, "mkdir sem");
	CHECK(mkdir(a, 0755) != 0 && errno == EEXIST, "mkdir existing");
	snprintf(b, sizeof(b), "%s/sem/f", dir);
	write_file(b, 10, 1, 0);
	CHECK(open(b, O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 && errno == EEXIST, "O_EXCL");
	CHECK(rmdir(a) != 0 && errno == ENOTEMPTY, "rmdir non-empty");
	CHECK(link(a, b) != 0 && (errno == EPERM || errno == EEXIST), "link to a directory");
	snprintf(b, sizeof(b), "%s/sem/sub", dir);
	CHECK(mkdir(b, 0755) == 0, "mkdir sem/sub");
	CHECK(rename(a, b) != 0 && errno == EINVAL, "rename into own subdirectory");
	CHECK(rmdir(b) == 0, "rmdir empty");
	snprintf(b, sizeof(b), "%s/sem/f/x", dir);
	CHECK(open(b, O_CREAT | O_WRONLY, 0644) < 0 && errno == ENOTDIR, "create under a file");

	/* truncate up reads zeros; a hole has no blocks */
	snprintf(a, sizeof(a), "%s/sem/trunc", dir);
	write_file(a, 5000, 3, 0);
	CHECK(truncate(a, 100) == 0 && truncate(a, 9000) == 0, "truncate");
	fd = open(a, O_RDONLY);
	CHECK(pread(fd, buf, 4096, 100) == 4096, "read truncated");
	for (int i = 0; i < 4096; i++)
		if (buf[i]) {
			CHECK(0, "byte %d after truncate-extend is %d", 100 + i, buf[i]);
			break;
		}
	close(fd);
	snprintf(a, sizeof(a), "%s/sem/hole", dir);
	fd = open(a, O_WRONLY | O_CREAT, 0644);
	CHECK(pwrite(fd, "end", 3, 10 << 20) == 3, "write past a hole");
	CHECK(fstat(fd, &st) == 0 && st.st_size == (10 << 20) + 3 && st.st_blocks < 200,
	      "hole size %lld blocks %lld", (long long)st.st_size, (long long)st.st_blocks);
	close(fd);
}

static void work(const char *dir, unsigned seed, unsigned big_mib)
{
	char a[512], b[512];
	struct stat st;
	int fd;

	rng = seed * 2654435761u + 1;
	snprintf(a, sizeof(a), "%s/w", dir);
	CHECK(mkdir(a, 0755) == 0, "mkdir w");
	snprintf(a, sizeof(a), "%s/many", dir);
	CHECK(mkdir(a, 0755) == 0, "mkdir many");
	many_files(dir, 10, 150);
	/* sizes from bytes to big_mib */
	for (unsigned i = 0; i < 12; i++) {
		snprintf(a, sizeof(a), "%s/w/size%02u", dir, i);
		write_file(a, (size_t)1 << (i * 2), i, 0);
	}
	snprintf(a, sizeof(a), "%s/w/big", dir);
	write_file(a, (size_t)big_mib << 20, 99, 0);
	/* append, truncate, rename over, hard links, symlinks */
	snprintf(a, sizeof(a), "%s/w/size05", dir);
	write_file(a, 777, 5, O_APPEND);
	snprintf(a, sizeof(a), "%s/w/size08", dir);
	CHECK(truncate(a, 12345) == 0, "truncate size08");
	snprintf(a, sizeof(a), "%s/w/size03", dir);
	snprintf(b, sizeof(b), "%s/w/size04", dir);
	CHECK(rename(a, b) == 0, "rename over");
	snprintf(b, sizeof(b), "%s/w/hardlink", dir);
	snprintf(a, sizeof(a), "%s/w/size06", dir);
	CHECK(link(a, b) == 0, "link");
	snprintf(b, sizeof(b), "%s/many/d03/hardlink2", dir);
	CHECK(link(a, b) == 0, "link across directories");
	snprintf(a, sizeof(a), "%s/w/fast-symlink", dir);
	CHECK(symlink("size06", a) == 0, "fast symlink");
	snprintf(a, sizeof(a), "%s/w/slow-symlink", dir);
	memset(b, 'y', 200);
	b[200] = '\0';
	CHECK(symlink(b, a) == 0, "slow symlink");
	snprintf(a, sizeof(a), "%s/many/d01", dir);
	snprintf(b, sizeof(b), "%s/w/moved-dir", dir);
	CHECK(rename(a, b) == 0, "rename a directory");
	/* a sparse file above 4 GiB */
	snprintf(a, sizeof(a), "%s/w/sparse", dir);
	fd = open(a, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && pwrite(fd, "start", 5, 0) == 5, "sparse start");
	CHECK(pwrite(fd, "past four gibibytes", 19, 5ll << 30) == 19, "write at 5 GiB");
	close(fd);
	/* attributes are kept on disk (the storage suite reads them back with debugfs) */
	snprintf(a, sizeof(a), "%s/w/size07", dir);
	CHECK(chmod(a, 0640) == 0, "chmod size07");
	struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 0 } };
	CHECK(utimensat(AT_FDCWD, a, ts, 0) == 0, "utimensat size07");
	CHECK(chown(a, 0, 0) == 0, "chown size07 to root");
	CHECK(stat(a, &st) == 0 && (st.st_mode & 07777) == 0640 &&
	      st.st_mtime == 1234567890 && st.st_atime == 1000000000, "stat after chmod/utimensat");
	semantics(dir);
	sync();
	print_manifest(dir, 0);
}

/* ---- crash ---- */

static void crash(const char *dir)
{
	static char buf[1 << 20];
	char a[512];
	uint64_t h;
	int fd, fd2;

	snprintf(a, sizeof(a), "%s/fsynced", dir);
	fill(buf, sizeof(buf), 11);
	fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write fsynced");
	CHECK(fsync(fd) == 0, "fsync");
	h = fnv(FNV0, buf, sizeof(buf));
	printf("DURABLE fsynced %zu %016llx\n", sizeof(buf), (unsigned long long)h);
	fflush(stdout);
	snprintf(a, sizeof(a), "%s/synced", dir);
	fill(buf, sizeof(buf), 22);
	fd2 = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd2 >= 0 && write(fd2, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write synced");
	close(fd2);
	sync();
	h = fnv(FNV0, buf, sizeof(buf));
	printf("DURABLE synced %zu %016llx\n", sizeof(buf), (unsigned long long)h);
	printf("CRASH NOW\n");
	fflush(stdout);
	close(fd);
	snprintf(a, sizeof(a), "%s/unsynced", dir);
	fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (time_t end = time(NULL) + 60; time(NULL) < end;)
		if (write(fd, buf, 4096) != 4096)
			break;
}

static int do_mount(const char *dev, const char *dir)
{
	mkdir(dir, 0755);
	if (mount(dev, dir, "ext2", 0, NULL)) {
		printf("MOUNT %s refused errno %d\n", dev, errno);
		return 0;
	}
	printf("MOUNT %s ok\n", dev);
	print_manifest(dir, 1);
	nlines = 0;
	CHECK(umount2(dir, 0) == 0, "umount %s", dir);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "walk"))
		print_manifest(argv[2], 0);
	else if (argc == 5 && !strcmp(argv[1], "work"))
		work(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]));
	else if (argc == 3 && !strcmp(argv[1], "crash"))
		crash(argv[2]);
	else if (argc >= 4 && !strcmp(argv[1], "mount"))
		for (int i = 2; i + 1 < argc; i += 2)
			do_mount(argv[i], argv[i + 1]);
	else {
		fprintf(stderr, "usage: fstool walk|work|crash|mount ...\n");
		return 2;
	}
	printf("fstool: %d failures\n", failures);
	return failures != 0;
}
