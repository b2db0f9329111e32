/*
 * fs/dev.c — /dev's memory devices and fs_init, which builds the tree at boot.
 *
 * /dev/null reads end-of-file and swallows writes; /dev/zero reads zeros; /dev/urandom and
 * /dev/random read the kernel generator (keel/random.h; both never block) and accept writes
 * without using them. Device numbers are Linux's (1,3 null; 1,5 zero; 1,8 random; 1,9
 * urandom; 5,1 console).
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/random.h>
#include <keel/string.h>

#define MKDEV(ma, mi)	((uint64_t)(ma) << 8 | (mi))

static ssize_t null_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	return 0;
}

static ssize_t sink_write(struct file *f, const void *buf, size_t n, uint64_t *pos,
			  unsigned io)
{
	return (ssize_t)n;
}

static ssize_t zero_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	memset(buf, 0, n);
	return (ssize_t)n;
}

static ssize_t random_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	random_bytes(buf, n);
	return (ssize_t)n;
}

static const struct file_ops null_fops = { .read = null_read, .write = sink_write };
static const struct file_ops zero_fops = { .read = zero_read, .write = sink_write };
static const struct file_ops random_fops = { .read = random_read, .write = sink_write };

void dev_init(void)
{
	static const struct {
		const char *path;
		const struct file_ops *fops;
		uint64_t rdev;
	} devs[] = {
		{ "/dev/null", &null_fops, MKDEV(1, 3) },
		{ "/dev/zero", &zero_fops, MKDEV(1, 5) },
		{ "/dev/random", &random_fops, MKDEV(1, 8) },
		{ "/dev/urandom", &random_fops, MKDEV(1, 9) },
		{ "/dev/console", &tty_fops, MKDEV(5, 1) },
		{ "/dev/tty", &tty_fops, MKDEV(5, 0) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		int r = vfs_mknod(NULL, devs[i].path, S_IFCHR | 0666, devs[i].rdev, devs[i].fops,
				  NULL);

		if (r)
			pr_err("fs: cannot create %s (error %d)\n", devs[i].path, -r);
	}
}

void fs_init(const struct boot_info *bi)
{
	static const char *const dirs[] = { "/dev", "/tmp", "/sbin", "/bin" };
	static bool done;

	if (done)
		return;
	done = true;
	vfs_make_root();
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		vfs_mkdir(NULL, dirs[i], strcmp(dirs[i], "/tmp") == 0 ? 01777 : 0755);
	tty_init();
	dev_init();
	procfs_init();
	ext2_init();
	initrd_unpack_modules(bi);
}
