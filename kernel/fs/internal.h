/*
 * fs/internal.h — what the files of kernel/fs/ share and nobody else needs.
 */
#ifndef FS_INTERNAL_H
#define FS_INTERNAL_H

#include <keel/vfs.h>
#include <keel/uaccess.h>

struct boot_module;

extern const struct file_ops ramfs_reg_fops;
extern const struct file_ops vfs_dir_fops;
extern const struct inode_ops ramfs_symlink_iops;

struct inode *vfs_make_root(void);
/* Path walk with vfs_ns_lock held. With last != NULL, stops at the final component: *out is
 * its directory and last (NAME_MAX + 1 bytes) its name ("." when the path has none), *trailing
 * whether a slash followed it. */
/* vfs_path_of with vfs_ns_lock already held (inode ops that run under it). */
ssize_t vfs_path_of_locked(struct inode *ino, char *buf, size_t n);
int vfs_walk_locked(struct inode *base, const char *path, unsigned flags, struct inode **out,
		    char *last, bool *trailing);
/* The same, searching directories with the ids in c (access(2)) instead of the caller's. */
int vfs_walk_cred_locked(struct inode *base, const char *path, unsigned flags,
			 struct inode **out, char *last, bool *trailing, const struct cred *c);

/* Permission decisions (fs/perm.c): 0 or -EACCES / -EPERM, as Linux. */
struct cred;
/* mask: MAY_READ | MAY_WRITE | MAY_EXEC on ino. */
int perm_inode(struct inode *ino, int mask, const struct cred *c);
/* True when c owns ino or is root (CAP_FOWNER). */
bool perm_owner(struct inode *ino, const struct cred *c);
/* open(2) of an existing ino with flags (O_ACCMODE, O_TRUNC). */
int perm_open(struct inode *ino, unsigned flags, const struct cred *c);
/* A new entry in dir / removing victim from dir (the sticky bit) / a rename. */
int perm_create(struct inode *dir, const struct cred *c);
int perm_delete(struct inode *dir, struct inode *victim, const struct cred *c);
int perm_rename(struct inode *sdir, struct inode *src, struct inode *ndir, struct inode *dst,
		const struct cred *c);
/* Sets a new inode's owner: c's fsuid, and fsgid or a set-group-ID dir's group. */
void perm_init_owner(struct inode *dir, struct inode *ino, const struct cred *c);
/* chmod: may c change ino's mode? *mode loses S_ISGID when Linux would drop it. */
int perm_chmod(struct inode *ino, uint32_t *mode, const struct cred *c);
/* chown to uid/gid (ID_KEEP: unchanged): fills a with ATTR_UID/GID and the mode bits lost. */
struct iattr;
int perm_chown(struct inode *ino, uint32_t uid, uint32_t gid, const struct cred *c,
	       struct iattr *a);
int perm_utimes(struct inode *ino, bool explicit_times, const struct cred *c);

/* Follows mounts on next (a lookup result, consumed): the root mounted there, counted. */
struct inode *vfs_cross_mounts(struct inode *next);
/* O_TRUNC and truncate(2): -EPERM when the inode has no data to cut. */
int inode_truncate(struct inode *ino, uint64_t size);
void dev_init(void);
void procfs_init(void);
/* True when ino is /proc or below it (statfs). */
bool procfs_contains(struct inode *ino);
/* /proc internals shared by procfs.c and procreg.c. */
struct proc_reg;
struct proc_text;
#define PROCREG_MAX_TOP	10	/* top-level registered names: positions between fixed and pids */
struct inode *procfs_text_file(struct inode *parent, const char *name,
			       void (*text)(struct proc_text *t));
/* Lookup / readdir of the registered entries under reg (NULL: the top level) in dir. Readdir
 * emits entry k at position first + k (k < max) and returns false when the reader is full. */
int procreg_lookup(struct inode *dir, const struct proc_reg *reg, const char *name,
		   struct inode **out);
bool procreg_readdir(struct inode *dir, const struct proc_reg *reg, struct dir_ctx *ctx,
		     uint64_t first, unsigned max);
void tty_init(void);
void initrd_unpack_modules(const struct boot_info *bi);

/* Syscall helpers (fs/sys_util.c). */
/* Copies a user path into a new PATH_MAX buffer (kfree it): 0, -EFAULT, -ENAMETOOLONG, or
 * -ENOENT for an empty path. */
int sys_get_path(const char __user *upath, char **out);
/* The directory a *at() call starts from: NULL for AT_FDCWD, else dirfd's inode (counted;
 * sys_put_base). -EBADF, -ENOTDIR. */
int sys_at_base(int dirfd, struct inode **base);
void sys_put_base(struct inode *base);
/* A file on a new anonymous inode (mode 0600, no type: epoll, eventfd, timerfd) with priv;
 * NULL when out of memory. ops->release must tolerate priv == NULL only if the caller
 * passes NULL. */
struct file *anon_file_new(const struct file_ops *ops, void *priv, unsigned flags);
/* Installs f at the caller's lowest free fd: the fd, or -EMFILE/-EBADF (f is put then). */
int fd_install_current(struct file *f, bool cloexec);

#endif
