/*
 * test/test_fs.c — the file layer from a kernel thread: ramfs files and directories, path
 * lookup and symlinks, fd tables, pipes between threads, devices, /proc, the initrd and the
 * tty line discipline. Every test works under /tmp/kt_* and removes what it made (the runner
 * counts leaked heap objects and frames).
 */
#include <keel/ktest.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netdev.h>
#include <keel/pci.h>
#include <keel/printf.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/vfs.h>

static int open_path(const char *path, unsigned flags, struct file **f)
{
	return vfs_open(NULL, path, flags, 0644, f);
}

KTEST(fs_file_create_write_seek_read_unlink)
{
	struct file *f;
	struct kstat st;
	char buf[32];

	KT_EQ(open_path("/tmp/kt_a", O_RDWR | O_CREAT | O_EXCL, &f), 0);
	KT_EQ(file_write(f, "hello world", 11), 11);
	KT_EQ(file_lseek(f, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof(buf));
	KT_EQ(file_read(f, buf, sizeof(buf)), 11);
	KT_STREQ(buf, "hello world");
	KT_EQ(file_read(f, buf, sizeof(buf)), 0);
	KT_EQ(file_kread(f, buf, 5, 6), 5);
	KT_ASSERT(memcmp(buf, "world", 5) == 0, "pread at 6 gave %.5s", buf);
	KT_EQ(file_lseek(f, 8192, SEEK_SET), 8192);	/* a hole, then data */
	KT_EQ(file_write(f, "x", 1), 1);
	KT_EQ(file_size(f), 8193);
	KT_EQ(file_kread(f, buf, 4, 4096), 4);
	KT_ASSERT(!buf[0] && !buf[3], "a hole must read as zeros");
	KT_EQ(file_truncate(f, 5), 0);
	KT_EQ(vfs_stat(NULL, "/tmp/kt_a", true, &st), 0);
	KT_EQ(st.st_size, 5);
	KT_EQ(st.st_mode, S_IFREG | 0644);
	KT_EQ(file_lseek(f, -1, SEEK_SET), -EINVAL);
	KT_EQ(file_lseek(f, 0, 7), -EINVAL);
	file_put(f);
	KT_EQ(open_path("/tmp/kt_a", O_RDWR | O_CREAT | O_EXCL, &f), -EEXIST);
	KT_EQ(open_path("/tmp/kt_a", O_WRONLY | O_APPEND, &f), 0);
	KT_EQ(file_write(f, "!", 1), 1);
	KT_EQ(file_size(f), 6);
	KT_EQ(file_read(f, buf, 1), -EBADF);		/* write-only */
	KT_EQ(vfs_unlink(NULL, "/tmp/kt_a"), 0);
	KT_EQ(file_write(f, "?", 1), 1);		/* an open file outlives its name */
	file_put(f);
	KT_EQ(open_path("/tmp/kt_a", O_RDONLY, &f), -ENOENT);
	KT_EQ(vfs_unlink(NULL, "/tmp/kt_a"), -ENOENT);
	KT_EQ(open_path("/tmp", O_WRONLY, &f), -EISDIR);
	KT_EQ(vfs_unlink(NULL, "/tmp"), -EISDIR);
}

KTEST(fs_dirs_rename_rmdir)
{
	struct file *f;
	struct inode *ino;
	char path[64];

	KT_EQ(vfs_mkdir(NULL, "/tmp/kt_d", 0755), 0);
	KT_EQ(vfs_mkdir(NULL, "/tmp/kt_d", 0755), -EEXIST);
	KT_EQ(vfs_mkdir(NULL, "/tmp/kt_d/sub/x", 0755), -ENOENT);
	KT_EQ(open_path("/tmp/kt_d/f", O_WRONLY | O_CREAT, &f), 0);
	KT_EQ(file_write(f, "data", 4), 4);
	file_put(f);
	KT_EQ(vfs_rmdir(NULL, "/tmp/kt_d"), -ENOTEMPTY);
	KT_EQ(vfs_rmdir(NULL, "/tmp/kt_d/f"), -ENOTDIR);
	KT_EQ(vfs_mkdir(NULL, "/tmp/kt_d/f/x", 0755), -ENOTDIR);
	KT_EQ(vfs_rename(NULL, "/tmp/kt_d/f", NULL, "/tmp/kt_f2"), 0);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_d/f", 0, &ino), -ENOENT);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_f2", 0, &ino), 0);
	KT_EQ(ino->size, 4);
	inode_put(ino);
	KT_EQ(vfs_mkdir(NULL, "/tmp/kt_d/sub", 0755), 0);
	KT_EQ(vfs_rename(NULL, "/tmp/kt_d", NULL, "/tmp/kt_d/sub/in"), -EINVAL);
	KT_EQ(vfs_rename(NULL, "/tmp/kt_f2", NULL, "/tmp/kt_d/sub"), -EISDIR);
	KT_EQ(vfs_rename(NULL, "/tmp/kt_d/sub", NULL, "/tmp/kt_d2"), 0);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_d2/../kt_d/./", LOOKUP_DIR, &ino), 0);
	KT_EQ(vfs_path_of(ino, path, sizeof(path)), 10);
	KT_STREQ(path, "/tmp/kt_d");
	KT_EQ(vfs_path_of(ino, path, 5), -ERANGE);
	KT_EQ(vfs_rmdir(NULL, "/tmp/kt_d"), 0);
	KT_EQ(vfs_path_of(ino, path, sizeof(path)), -ENOENT);	/* getcwd in a removed dir */
	KT_EQ(vfs_mkdir(ino, "new", 0755), -ENOENT);
	inode_put(ino);
	KT_EQ(vfs_rmdir(NULL, "/tmp/kt_d2"), 0);
	KT_EQ(vfs_unlink(NULL, "/tmp/kt_f2"), 0);
	KT_EQ(vfs_rmdir(NULL, "/"), -EBUSY);
	KT_EQ(vfs_rmdir(NULL, "/tmp/."), -EINVAL);
}

/* Collects getdents64 names into one "|"-separated string, reading with a small buffer. */
static int list_dir(const char *path, char *out, size_t outsz, size_t bufsz)
{
	struct file *f;
	char *buf = kmalloc(bufsz);
	ssize_t n;
	int r = open_path(path, O_RDONLY | O_DIRECTORY, &f);

	out[0] = '\0';
	if (r || !buf) {
		kfree(buf);
		return r ? r : -ENOMEM;
	}
	while ((n = file_getdents(f, buf, bufsz)) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);

			strlcpy(out + strlen(out), d->d_name, outsz - strlen(out));
			strlcpy(out + strlen(out), "|", outsz - strlen(out));
			off += d->d_reclen;
		}
	}
	file_put(f);
	kfree(buf);
	return (int)n;
}

KTEST(fs_getdents_lists_every_entry_once)
{
	struct file *f;
	char names[128];

	KT_EQ(vfs_mkdir(NULL, "/tmp/kt_ls", 0755), 0);
	KT_EQ(open_path("/tmp/kt_ls/a", O_CREAT | O_WRONLY, &f), 0);
	file_put(f);
	KT_EQ(vfs_mkdir(NULL, "/tmp/kt_ls/b", 0755), 0);
	KT_EQ(vfs_symlink(NULL, "a", "/tmp/kt_ls/c"), 0);
	KT_EQ(list_dir("/tmp/kt_ls", names, sizeof(names), 32), 0);	/* one entry per call */
	KT_STREQ(names, ".|..|a|b|c|");
	KT_EQ(list_dir("/tmp/kt_ls", names, sizeof(names), 4096), 0);
	KT_STREQ(names, ".|..|a|b|c|");
	KT_EQ(list_dir("/tmp/kt_ls", names, sizeof(names), 8), -EINVAL);
	KT_EQ(list_dir("/tmp/kt_ls/a", names, sizeof(names), 64), -ENOTDIR);
	KT_EQ(vfs_unlink(NULL, "/tmp/kt_ls/a"), 0);
	KT_EQ(vfs_unlink(NULL, "/tmp/kt_ls/c"), 0);
	KT_EQ(vfs_rmdir(NULL, "/tmp/kt_ls/b"), 0);
	KT_EQ(vfs_rmdir(NULL, "/tmp/kt_ls"), 0);
}

KTEST(fs_symlinks_follow_loop_and_limits)
{
	struct inode *ino;
	struct file *f;
	char buf[PATH_MAX / 8], *longname;

	KT_EQ(vfs_mkdir(NULL, "/tmp/kt_s", 0755), 0);
	KT_EQ(open_path("/tmp/kt_s/file", O_CREAT | O_WRONLY, &f), 0);
	file_put(f);
	KT_EQ(vfs_symlink(NULL, "file", "/tmp/kt_s/rel"), 0);
	KT_EQ(vfs_symlink(NULL, "/tmp/kt_s", "/tmp/kt_s/abs"), 0);
	KT_EQ(vfs_symlink(NULL, "loop2", "/tmp/kt_s/loop1"), 0);
	KT_EQ(vfs_symlink(NULL, "loop1", "/tmp/kt_s/loop2"), 0);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_s/abs/abs/abs/rel", LOOKUP_FOLLOW, &ino), 0);
	KT_ASSERT(S_ISREG(ino->mode), "abs/abs/abs/rel should reach the file");
	inode_put(ino);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_s/rel", 0, &ino), 0);
	KT_ASSERT(S_ISLNK(ino->mode), "lookup without FOLLOW should give the link");
	inode_put(ino);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_s/loop1", LOOKUP_FOLLOW, &ino), -ELOOP);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_s/loop1/x", 0, &ino), -ELOOP);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_s/rel/", 0, &ino), -ENOTDIR);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_s/file/x", 0, &ino), -ENOTDIR);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_s/none", 0, &ino), -ENOENT);
	KT_EQ(vfs_lookup(NULL, "", 0, &ino), -ENOENT);
	KT_EQ(vfs_readlink(NULL, "/tmp/kt_s/abs", buf, sizeof(buf)), 9);
	KT_ASSERT(memcmp(buf, "/tmp/kt_s", 9) == 0, "readlink gave %.9s", buf);
	KT_EQ(vfs_readlink(NULL, "/tmp/kt_s/file", buf, sizeof(buf)), -EINVAL);
	KT_EQ(open_path("/tmp/kt_s/rel", O_RDONLY | O_NOFOLLOW, &f), -ELOOP);
	longname = kmalloc(PATH_MAX + 1);
	KT_ASSERT(longname, "no memory");
	memset(longname, 'n', PATH_MAX);
	longname[0] = '/';
	longname[NAME_MAX + 2] = '\0';
	KT_EQ(vfs_lookup(NULL, longname, 0, &ino), -ENAMETOOLONG);	/* one 256-byte name */
	for (size_t i = 0; i < PATH_MAX; i += 2)
		memcpy(longname + i, "/.", 2);
	longname[PATH_MAX] = '\0';
	KT_EQ(vfs_lookup(NULL, longname, 0, &ino), -ENAMETOOLONG);	/* PATH_MAX long */
	kfree(longname);
	KT_EQ(vfs_lookup(NULL, "/../../tmp/..", LOOKUP_DIR, &ino), 0);
	KT_ASSERT(ino == vfs_root(), "/.. must stay at the root");
	inode_put(ino);
	for (const char *const *n = (const char *const[]){ "file", "rel", "abs", "loop1", "loop2",
							    NULL }; *n; n++) {
		snprintf(buf, sizeof(buf), "/tmp/kt_s/%s", *n);
		KT_EQ(vfs_unlink(NULL, buf), 0);
	}
	KT_EQ(vfs_rmdir(NULL, "/tmp/kt_s"), 0);
}

KTEST(fs_fd_table_dup_cloexec_clone)
{
	struct files *fs = files_new(), *copy;
	struct file *f, *g;

	KT_ASSERT(fs, "files_new failed");
	KT_EQ(open_path("/dev/null", O_RDWR, &f), 0);
	KT_EQ(fd_install(fs, f, 0, false), 0);
	file_get(f);
	KT_EQ(fd_install(fs, f, 0, true), 1);
	file_get(f);
	KT_EQ(fd_install_at(fs, 100, f, false), 100);	/* beyond the first 64: grows */
	KT_EQ(fd_get_cloexec(fs, 1), 1);
	KT_EQ(fd_get_cloexec(fs, 2), -EBADF);
	KT_EQ(f->refs, 3);
	copy = files_clone(fs);
	KT_ASSERT(copy, "files_clone failed");
	KT_EQ(f->refs, 6);
	files_close_on_exec(copy);
	KT_ASSERT(!files_get_file(copy, 1), "cloexec fd 1 survived exec");
	g = files_get_file(copy, 100);
	KT_ASSERT(g == f, "fd 100 lost in the clone");
	file_put(g);
	files_put(copy);
	KT_EQ(fd_close(fs, 0), 0);
	KT_EQ(fd_close(fs, 0), -EBADF);
	KT_EQ(fd_install_at(fs, FILES_MAX, f, false), -EBADF);
	KT_EQ(f->refs, 2);
	files_put(fs);
}

struct pipe_job {
	struct file *f;
	size_t bytes;
	ssize_t result;
};

static int pipe_writer(void *arg)
{
	struct pipe_job *j = arg;
	char *buf = kmalloc(1000);
	size_t done = 0;

	if (!buf)
		return -1;
	sched_sleep_ns(5 * 1000 * 1000);	/* the reader blocks first */
	while (done < j->bytes) {
		size_t n = MIN(j->bytes - done, (size_t)1000);

		for (size_t i = 0; i < n; i++)
			buf[i] = (char)((done + i) % 251);
		j->result = file_write(j->f, buf, n);
		if (j->result != (ssize_t)n)
			break;
		done += n;
	}
	kfree(buf);
	file_put(j->f);			/* the last writer: the reader sees end-of-file */
	return 0;
}

KTEST(fs_pipe_blocks_and_ends_across_threads)
{
	struct pipe_job job = { .bytes = 200000 };
	struct file *rd, *wr;
	struct thread *th;
	char *buf = kmalloc(3000);
	size_t total = 0;
	ssize_t n;
	bool ok = true;

	KT_ASSERT(buf, "no memory");
	KT_EQ(pipe_create(&rd, &wr), 0);
	KT_EQ(file_lseek(rd, 0, SEEK_SET), -ESPIPE);
	KT_EQ(file_kread(rd, buf, 1, 0), -ESPIPE);
	rd->flags |= O_NONBLOCK;
	KT_EQ(file_read(rd, buf, 10), -EAGAIN);
	rd->flags &= ~(unsigned)O_NONBLOCK;
	KT_EQ(file_poll(wr, NULL), POLLOUT | POLLWRNORM);
	job.f = wr;
	th = thread_create("kt pipe writer", pipe_writer, &job);
	KT_ASSERT(th, "thread_create failed");
	while ((n = file_read(rd, buf, 3000)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			ok = ok && buf[i] == (char)((total + (size_t)i) % 251);
		total += (size_t)n;
	}
	thread_join(th);
	kfree(buf);
	KT_EQ(n, 0);
	KT_EQ(job.result, 1000);
	KT_EQ(total, job.bytes);
	KT_ASSERT(ok, "the bytes came out of the pipe changed or out of order");
	KT_EQ(file_poll(rd, NULL), POLLHUP);
	KT_EQ(pipe_create(&job.f, &wr), 0);
	file_put(job.f);				/* no reader left */
	KT_EQ(file_write(wr, "x", 1), -EPIPE);
	KT_EQ(file_poll(wr, NULL), POLLERR);
	file_put(wr);
	file_put(rd);
}

static int wq_sleeper(void *arg)
{
	return wait_event_interruptible_timeout((struct wait_queue *)arg, false,
						2 * 1000 * 1000);
}

KTEST(fs_interruptible_wait_times_out_in_kernel_threads)
{
	struct wait_queue wq;
	struct thread *th;

	wq_init(&wq, "kt wq");
	th = thread_create("kt wq", wq_sleeper, &wq);
	KT_ASSERT(th, "thread_create failed");
	KT_EQ(thread_join(th), 0);
	KT_EQ(wait_event_interruptible(&wq, true), 0);
}

static ssize_t read_all(const char *path, char *buf, size_t n)
{
	struct file *f;
	ssize_t got = 0, r;
	int e = open_path(path, O_RDONLY, &f);

	if (e)
		return e;
	while ((size_t)got < n - 1 && (r = file_read(f, buf + got, n - 1 - (size_t)got)) > 0)
		got += r;
	buf[got] = '\0';
	file_put(f);
	return got;
}

KTEST(fs_devices_null_zero_urandom)
{
	struct file *f;
	char buf[64];
	struct kstat st;

	KT_EQ(open_path("/dev/zero", O_RDWR, &f), 0);
	memset(buf, 0xff, sizeof(buf));
	KT_EQ(file_read(f, buf, sizeof(buf)), sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		KT_EQ(buf[i], 0);
	KT_EQ(file_write(f, buf, 10), 10);
	file_put(f);
	KT_EQ(open_path("/dev/null", O_RDWR, &f), 0);
	KT_EQ(file_read(f, buf, sizeof(buf)), 0);
	KT_EQ(file_write(f, buf, 33), 33);
	KT_EQ(file_ioctl(f, TCGETS, buf), -ENOTTY);
	file_put(f);
	KT_EQ(open_path("/dev/urandom", O_RDONLY, &f), 0);
	KT_EQ(file_read(f, buf, sizeof(buf)), sizeof(buf));
	file_put(f);
	KT_EQ(vfs_stat(NULL, "/dev/null", true, &st), 0);
	KT_EQ(st.st_mode, S_IFCHR | 0666);
	KT_EQ(st.st_rdev, 0x103);
	KT_EQ(sizeof(struct kstat), 144);
	KT_EQ(sizeof(struct termios), 36);
}

/* Lines of text, up to the terminating NUL. */
static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

KTEST(fs_proc_bus_pci_devices_and_net_dev)
{
	char *buf = kmalloc(8192);
	unsigned nfn = 0, nnet = 0;
	char first[16];

	KT_ASSERT(buf, "no memory");
	for (struct pci_dev *d = pci_first(); d; d = d->next)
		nfn++;
	for (struct netdev *nd = netdev_first(); nd; nd = nd->next)
		nnet++;
	if (read_all("/proc/bus/pci/devices", buf, 8192) <= 0) {
		kfree(buf);
		KT_ASSERT(false, "cannot read /proc/bus/pci/devices");
	}
	snprintf(first, sizeof(first), "0000\t%04x%04x\t", pci_first()->vendor,
		 pci_first()->device);
	bool ok = count_lines(buf) == nfn && strncmp(buf, first, strlen(first)) == 0;
	unsigned lines = count_lines(buf);

	if (ok && read_all("/proc/net/dev", buf, 8192) > 0)
		ok = count_lines(buf) == 3 + nnet && strncmp(buf, "Inter-|", 7) == 0 &&
		     strstr(buf, "    lo:") && (!nnet || strstr(buf, "  eth0:"));	/* lo first */
	else
		ok = false;
	kfree(buf);
	KT_ASSERT(ok, "pci devices: %u lines for %u functions; net/dev: %u devices", lines, nfn,
		  nnet);
}

KTEST(fs_proc_meminfo_cpuinfo_uptime)
{
	char *buf = kmalloc(4096);
	struct inode *ino;
	char link[16];

	KT_ASSERT(buf, "no memory");
	KT_ASSERT(read_all("/proc/meminfo", buf, 4096) > 0, "cannot read /proc/meminfo");
	KT_ASSERT(strstr(buf, "MemTotal:") && strstr(buf, "MemFree:") &&
		  !strstr(buf, "MemTotal:               0 kB"), "bad meminfo: %.80s", buf);
	KT_ASSERT(read_all("/proc/cpuinfo", buf, 4096) > 0, "cannot read /proc/cpuinfo");
	KT_ASSERT(strstr(buf, "processor\t: 0\n") && strstr(buf, "model name\t:"),
		  "bad cpuinfo: %.80s", buf);
	KT_ASSERT(read_all("/proc/uptime", buf, 4096) > 0 && strchr(buf, '.'),
		  "bad uptime: %.40s", buf);
	kfree(buf);
	KT_EQ(vfs_readlink(NULL, "/proc/self", link, sizeof(link)), -ENOENT);
	KT_EQ(vfs_lookup(NULL, "/proc/0", 0, &ino), -ENOENT);
	KT_EQ(vfs_lookup(NULL, "/proc/nope", 0, &ino), -ENOENT);
	KT_EQ(vfs_mkdir(NULL, "/proc/x", 0755), -EACCES);
}

/* Appends one newc entry to buf at *off. */
static void cpio_add(char *buf, size_t *off, const char *name, uint32_t mode, const char *data)
{
	size_t nlen = strlen(name) + 1, dlen = strlen(data);

	*off += (size_t)snprintf(buf + *off, 111, "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x"
				 "%08x%08x%08zx%08x", 1, mode, 0, 0, 1, 0, dlen, 0, 0, 0, 0, nlen, 0);
	memcpy(buf + *off, name, nlen);
	*off = ALIGN_UP(*off + nlen, 4);
	memcpy(buf + *off, data, dlen);
	*off = ALIGN_UP(*off + dlen, 4);
}

KTEST(fs_initrd_unpacks_and_stops_at_garbage)
{
	char *img = kzalloc(2048), buf[16];
	struct inode *ino;
	size_t off = 0;

	KT_ASSERT(img, "no memory");
	cpio_add(img, &off, ".", S_IFDIR | 0755, "");
	cpio_add(img, &off, "tmp/kt_ird", S_IFDIR | 0700, "");
	cpio_add(img, &off, "./tmp/kt_ird/deep/f", S_IFREG | 0755, "abc");	/* parent made */
	cpio_add(img, &off, "tmp/kt_ird/l", S_IFLNK | 0777, "deep/f");
	cpio_add(img, &off, "../kt_escape", S_IFREG | 0644, "x");		/* skipped */
	memcpy(img + off, "070707", 6);					/* garbage */
	off += 200;
	cpio_add(img, &off, "tmp/kt_ird/after", S_IFREG | 0644, "late");
	KT_EQ(initrd_unpack(img, off, "ktest image"), 4);
	kfree(img);
	KT_EQ(read_all("/tmp/kt_ird/l", buf, sizeof(buf)), 3);
	KT_STREQ(buf, "abc");
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_ird", 0, &ino), 0);
	KT_EQ(ino->mode, S_IFDIR | 0700);
	inode_put(ino);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_ird/deep/f", 0, &ino), 0);
	KT_EQ(ino->mode, S_IFREG | 0755);
	inode_put(ino);
	KT_EQ(vfs_lookup(NULL, "/tmp/kt_ird/after", 0, &ino), -ENOENT);
	KT_EQ(vfs_lookup(NULL, "/kt_escape", 0, &ino), -ENOENT);
	KT_EQ(vfs_unlink(NULL, "/tmp/kt_ird/deep/f"), 0);
	KT_EQ(vfs_unlink(NULL, "/tmp/kt_ird/l"), 0);
	KT_EQ(vfs_rmdir(NULL, "/tmp/kt_ird/deep"), 0);
	KT_EQ(vfs_rmdir(NULL, "/tmp/kt_ird"), 0);
}

static void tty_feed(const char *s)
{
	while (*s)
		tty_input(*s++);
}

KTEST(fs_tty_canonical_raw_and_ioctls)
{
	struct termios tio;
	struct winsize ws;
	struct file *f;
	char buf[16];
	int pg;

	tty_reset();
	KT_EQ(open_path("/dev/console", O_RDWR, &f), 0);
	f->flags |= O_NONBLOCK;
	tty_feed("ab\x7f");
	KT_EQ(file_read(f, buf, sizeof(buf)), -EAGAIN);	/* no complete line yet */
	tty_feed("c\r");
	KT_EQ(file_read(f, buf, sizeof(buf)), 3);
	KT_ASSERT(memcmp(buf, "ac\n", 3) == 0, "canonical read gave %.3s", buf);
	tty_feed("xy\x04");					/* ^D after text: pushes it */
	KT_EQ(file_read(f, buf, sizeof(buf)), 2);
	tty_feed("\x04");					/* ^D at line start: EOF */
	KT_EQ(file_read(f, buf, sizeof(buf)), 0);
	tty_feed("dropped\x03");				/* ^C flushes the line */
	KT_EQ(file_read(f, buf, sizeof(buf)), -EAGAIN);
	KT_EQ(file_ioctl(f, TCGETS, &tio), 0);
	KT_ASSERT((tio.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG),
		  "default lflag %#x", tio.c_lflag);
	KT_EQ(tio.c_cc[VINTR], 3);
	tio.c_lflag &= ~(unsigned)(ICANON | ECHO);
	KT_EQ(file_ioctl(f, TCSETS, &tio), 0);
	tty_feed("q");
	KT_EQ(file_poll(f, NULL), POLL_DEFAULT);
	KT_EQ(file_read(f, buf, sizeof(buf)), 1);			/* raw: no line needed */
	KT_EQ(buf[0], 'q');
	KT_EQ(file_ioctl(f, TIOCGWINSZ, &ws), 0);
	KT_EQ(ws.ws_col, 80);
	KT_EQ(file_ioctl(f, TIOCGPGRP, &pg), 0);
	KT_EQ(pg, 1);
	pg = 7;
	KT_EQ(file_ioctl(f, TIOCSPGRP, &pg), 0);
	KT_EQ(console_fg_pgid(), 7);
	KT_EQ(file_ioctl(f, 0x1234, &pg), -ENOTTY);
	KT_EQ(file_write(f, "", 0), 0);
	file_put(f);
	tty_reset();
}
