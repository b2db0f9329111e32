/*
 * proc/zz_fs_tmp.c — TEMPORARY stand-ins for the file layer (kernel/fs/, being written in
 * parallel), so user mode can be tried before it lands: executables are looked up by name in
 * the initrd module, and write(1/2) goes to the console. Delete when kernel/fs lands.
 */
#include <keel/boot.h>
#include <keel/console.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/vm.h>
#include "internal.h"

#define WEAK __attribute__((weak))
struct file *fd_get_file(int fd);
bool file_readable(struct file *f);

struct file { const char *data; uint64_t size; };

static uint64_t hex(const char *s)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v * 16 + (uint64_t)(s[i] <= '9' ? s[i] - '0' : (s[i] | 32) - 'a' + 10);
	return v;
}

static struct file *cpio_find(const char *path)
{
	while (*path == '/')
		path++;
	for (unsigned m = 0; m < boot_info.nmodules; m++) {
		const char *p = phys_to_virt(boot_info.modules[m].start);
		const char *end = phys_to_virt(boot_info.modules[m].end);

		while (p + 110 <= end && !memcmp(p, "070701", 6)) {
			uint64_t fsz = hex(p + 54), nsz = hex(p + 94);
			const char *name = p + 110, *data = name + ALIGN_UP(110 + nsz, 4) - 110;

			if (!strcmp(name, "TRAILER!!!"))
				break;
			if (!strcmp(name, path)) {
				struct file *f = kmalloc(sizeof(*f));

				f->data = data;
				f->size = fsz;
				return f;
			}
			p = data + ALIGN_UP(fsz, 4);
		}
	}
	return NULL;
}

WEAK struct files *files_new(void) { return (struct files *)1; }
WEAK struct files *files_clone(struct files *f) { return f; }
WEAK void files_get(struct files *f) { }
WEAK void files_put(struct files *f) { }
WEAK void files_close_on_exec(struct files *f) { }
WEAK int files_open_console(struct files *f) { return 0; }
WEAK struct inode *vfs_root(void) { return NULL; }
WEAK void inode_get(struct inode *i) { }
WEAK void inode_put(struct inode *i) { }
WEAK struct file *fd_get_file(int fd) { return NULL; }
WEAK bool file_readable(struct file *f) { return true; }
WEAK void file_get(struct file *f) { }
WEAK void file_put(struct file *f) { }
WEAK uint64_t file_size(struct file *f) { return f->size; }

WEAK int vfs_open_exec(const char *path, struct file **out, char *abspath, size_t len)
{
	*out = cpio_find(path);
	strlcpy(abspath, path, len);
	return *out ? 0 : -ENOENT;
}

WEAK ssize_t file_kread(struct file *f, void *kbuf, size_t n, uint64_t off)
{
	if (off >= f->size)
		return 0;
	if (n > f->size - off)
		n = f->size - off;
	memcpy(kbuf, f->data + off, n);
	return (ssize_t)n;
}

SYSCALL3(1, write, int, fd, const char __user *, buf, size_t, n)
{
	char tmp[256];
	size_t done = 0;

	if (fd != 1 && fd != 2)
		return -EBADF;
	while (done < n) {
		size_t c = n - done < sizeof(tmp) ? n - done : sizeof(tmp);

		if (copy_from_user(tmp, buf + done, c))
			return done ? (long)done : -EFAULT;
		console_write(tmp, c);
		done += c;
	}
	return (long)done;
}
