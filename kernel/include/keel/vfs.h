/*
 * keel/vfs.h — files: inodes, the ramfs root, path lookup, open files and fd tables (kernel/fs/).
 *
 * One namespace, kept in memory: every directory, file and symlink is a struct inode linked
 * into its parent's child list (ramfs); /dev holds device inodes and /proc is generated on
 * lookup. An inode has exactly one name (no hard links), so parent + name rebuild any path
 * (getcwd). Inodes have owners and modes, checked by fs/perm.c against the caller's ids. Open files (struct file) hold an inode and an offset and dispatch through an ops
 * table that works on kernel buffers; the syscalls in kernel/fs/sys_*.c bounce user memory
 * through those. A process's fd table is a struct files, its cwd and umask a struct
 * fs_struct. Objects, locking and lifetimes: docs/vfs.md.
 *
 * Locking, in order: vfs_ns_lock (a mutex: the shape of the tree, every name and link) before
 * inode->lock (a mutex: a regular file's data and size) before spinlocks of fd tables, fs
 * contexts, pipes and the tty. Every function here may sleep unless it says otherwise.
 */
#ifndef KEEL_VFS_H
#define KEEL_VFS_H

#include <keel/types.h>
#include <keel/list.h>
#include <keel/spinlock.h>
#include <keel/sync.h>
#include <keel/poll.h>

struct boot_info;
struct proc;

#define PATH_MAX	4096
#define NAME_MAX	255
#define SYMLOOP_MAX	40		/* symlinks followed in one lookup before ELOOP */
#define PIPE_BUF	4096		/* writes up to this size to a pipe are atomic */
#define FILES_MAX	4096		/* fds per process: RLIMIT_NOFILE's highest hard limit */
#define UMASK_DEFAULT	022		/* init's umask, and the one kernel threads create with */

/* File types and permission bits (st_mode), Linux values. */
#define S_IFMT		0170000
#define S_IFSOCK	0140000
#define S_IFLNK		0120000
#define S_IFREG		0100000
#define S_IFBLK		0060000
#define S_IFDIR		0040000
#define S_IFCHR		0020000
#define S_IFIFO		0010000
#define S_ISREG(m)	(((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m)	(((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK(m)	(((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m)	(((m) & S_IFMT) == S_IFCHR)
#define S_ISFIFO(m)	(((m) & S_IFMT) == S_IFIFO)
#define S_ISBLK(m)	(((m) & S_IFMT) == S_IFBLK)
#define S_ISSOCK(m)	(((m) & S_IFMT) == S_IFSOCK)
#define S_IXUGO		0111
#define S_ISUID		04000
#define S_ISGID		02000
#define S_ISVTX		01000
/* Permission masks (fs/perm.c), Linux's MAY_* values. */
#define MAY_EXEC	1
#define MAY_WRITE	2
#define MAY_READ	4

/* open(2) flags, x86-64 values. */
#define O_ACCMODE	03
#define O_RDONLY	00
#define O_WRONLY	01
#define O_RDWR		02
#define O_CREAT		0100
#define O_EXCL		0200
#define O_NOCTTY	0400
#define O_TRUNC		01000
#define O_APPEND	02000
#define O_NONBLOCK	04000
#define O_LARGEFILE	0100000
#define O_DIRECTORY	0200000
#define O_NOFOLLOW	0400000
#define O_CLOEXEC	02000000
#define O_SETFL_MASK	(O_APPEND | O_NONBLOCK)	/* what F_SETFL may change */

#define AT_FDCWD		(-100)
#define AT_SYMLINK_NOFOLLOW	0x100
#define AT_REMOVEDIR		0x200
#define AT_EACCESS		0x200
#define AT_SYMLINK_FOLLOW	0x400
#define AT_EMPTY_PATH		0x1000

#define F_DUPFD		0
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define F_DUPFD_CLOEXEC	1030
#define FD_CLOEXEC	1

#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2

#define R_OK		4
#define W_OK		2
#define X_OK		1


/* getdents64 d_type values. */
#define DT_UNKNOWN	0
#define DT_FIFO		1
#define DT_CHR		2
#define DT_DIR		4
#define DT_BLK		6
#define DT_REG		8
#define DT_LNK		10

/* Terminal ioctls (asm-generic/ioctls.h) and the kernel's struct termios. */
#define TCGETS		0x5401
#define TCSETS		0x5402
#define TCSETSW		0x5403
#define TCSETSF		0x5404
#define TIOCSCTTY	0x540e
#define TIOCGPGRP	0x540f
#define TIOCSPGRP	0x5410
#define TIOCGWINSZ	0x5413
#define TIOCSWINSZ	0x5414
#define FIONREAD	0x541b
#define TIOCNOTTY	0x5422
#define FIONBIO		0x5421
#define FIONCLEX	0x5450
#define FIOCLEX		0x5451

#define NCCS		19
/* c_cc indices */
#define VINTR		0
#define VQUIT		1
#define VERASE		2
#define VKILL		3
#define VEOF		4
#define VTIME		5
#define VMIN		6
#define VSUSP		10
#define VWERASE		14
/* c_iflag */
#define ICRNL		0000400
/* c_oflag */
#define OPOST		0000001
#define ONLCR		0000004
/* c_lflag */
#define ISIG		0000001
#define ICANON		0000002
#define ECHO		0000010
#define ECHOE		0000020
#define ECHOK		0000040
#define ECHOCTL		0001000
#define ECHOKE		0004000
#define IEXTEN		0100000

struct termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[NCCS];
};

struct winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* Linux x86-64 struct stat, exactly (144 bytes). */
struct kstat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t __pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;		/* 512-byte units */
	uint64_t st_atime_sec, st_atime_nsec;
	uint64_t st_mtime_sec, st_mtime_nsec;
	uint64_t st_ctime_sec, st_ctime_nsec;
	int64_t __unused[3];
};

/* Linux struct linux_dirent64 (getdents64); d_name is NUL-terminated, records 8-aligned. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
} __packed;

struct inode;
struct file;
struct kiov;

/* Directory listing: readdir calls emit for each entry from ctx->pos on; emit returns false
 * when the caller's buffer is full (that entry is not consumed). ctx->pos is an opaque cookie
 * that only grows: the next call resumes after the last entry emitted. */
struct dir_ctx {
	uint64_t pos;
	bool (*emit)(struct dir_ctx *ctx, const char *name, size_t len, uint64_t ino,
		     unsigned type, uint64_t next_pos);
};

/* An attribute change (chmod, chown, utimensat): the fields valid names. */
#define ATTR_MODE	0x1		/* permission bits of mode (the type is kept) */
#define ATTR_UID	0x2		/* owner becomes uid */
#define ATTR_GID	0x10		/* group becomes gid */
#define ATTR_ATIME	0x4
#define ATTR_MTIME	0x8
struct iattr {
	unsigned valid;
	uint32_t mode;
	uint32_t uid, gid;
	uint64_t atime_ns, mtime_ns, ctime_ns;	/* ctime_ns is always set */
};

struct inode_ops {
	/* Directories: a counted reference to the child called name, or -ENOENT. */
	int (*lookup)(struct inode *dir, const char *name, struct inode **out);
	int (*readdir)(struct inode *dir, struct dir_ctx *ctx);
	/* Symlinks: writes the target (not NUL-terminated) into buf; its length or -errno.
	 * Called with vfs_ns_lock held (by walks and by vfs_readlink). */
	ssize_t (*readlink)(struct inode *ino, char *buf, size_t n);
	/* Magic links (procfs fd/N, cwd): a counted reference to the inode the link stands for,
	 * which a walk enters instead of walking readlink's text (that text may name nothing,
	 * like "pipe:[5]", or a file since renamed or removed). vfs_ns_lock held. */
	int (*follow)(struct inode *ino, struct inode **out);
	/* Last reference gone: free ino->priv. */
	void (*release)(struct inode *ino);
	/* Disk filesystems (fs/mount.c); NULL on ramfs, whose inodes the VFS makes and links
	 * itself. Namespace calls run with vfs_ns_lock held and the names checked (not "."
	 * or ".."); the filesystem checks existence, emptiness and its own limits. */
	/* A new node called name in dir like proto (a VFS-made inode: its mode, whose type is
	 * S_IFREG, S_IFDIR or S_IFLNK with the target in proto->link, and its uid and gid);
	 * *out counted. */
	int (*create)(struct inode *dir, const char *name, const struct inode *proto,
		      struct inode **out);
	int (*link)(struct inode *dir, const char *name, struct inode *target);
	/* Removes name (which is child) from dir; a directory must be empty (-ENOTEMPTY). */
	int (*unlink)(struct inode *dir, const char *name, struct inode *child);
	/* Moves src from odir/oname to ndir/nname, replacing dst (NULL: none; types already
	 * checked to match). */
	int (*rename)(struct inode *odir, const char *oname, struct inode *src,
		      struct inode *ndir, const char *nname, struct inode *dst);
	/* Regular files, without vfs_ns_lock. */
	int (*truncate)(struct inode *ino, uint64_t size);
	int (*fsync)(struct inode *ino, bool datasync);
	/* Fills what the generic inode_stat cannot know (blocks, times, owner). */
	void (*stat)(struct inode *ino, struct kstat *st);
	/* Stores an attribute change where the filesystem keeps it (the VFS checked a writable
	 * mount); NULL on ramfs, whose inode fields are the attributes. */
	int (*setattr)(struct inode *ino, const struct iattr *a);
};

/* I/O flags for read/write ops. */
#define IO_NONBLOCK	0x1		/* return -EAGAIN rather than sleep */

struct file_ops {
	/* Called by vfs_open on the new file; may set f->priv. */
	int (*open)(struct inode *ino, struct file *f);
	void (*release)(struct file *f);
	/* Read/write at *pos (advance it); a stream ignores pos. Returns bytes or -errno;
	 * -ERESTARTSYS when a signal interrupts a wait with nothing transferred. */
	ssize_t (*read)(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io);
	ssize_t (*write)(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io);
	/* arg is a kernel buffer of the size the command defines (sys_ioctl bounces it). */
	long (*ioctl)(struct file *f, unsigned cmd, void *arg);
	/* POLL* bits ready now, after poll_wait(f, head, pt) on every head whose wakeups signal
	 * a change (keel/poll.h); pt may be NULL. Never sleeps, except an epoll's (it takes its
	 * instance mutex); callers hold no spinlock. NULL: POLL_DEFAULT. */
	unsigned (*poll)(struct file *f, struct poll_table *pt);
	int (*readdir)(struct file *f, struct dir_ctx *ctx);
	/* The counted frame (keel/uvm.h) holding the page at off (page aligned), with a reference
	 * for the caller to map; -ENOENT when there is none (a hole). With fill (a shared
	 * mapping), a hole inside the file becomes a zeroed page of the file, so that stores
	 * through the mapping are the file's data; -ENXIO when off is at or past the end of the
	 * file. NULL: the file cannot be mapped shared (its pages are not its data). */
	int (*map_page)(struct file *f, uint64_t off, bool fill, phys_addr_t *pa);
	/* Sockets: read/write/readv/writev hand over the whole request at once (one datagram
	 * per call, not one per page). iov is a kernel copy of the user's iovecs (keel/socket.h);
	 * io as for read. NULL: the request is bounced through read/write a page at a time. */
	ssize_t (*rw_iov)(struct file *f, struct kiov *iov, unsigned n, bool write, unsigned io);
	bool stream;			/* no offset: lseek/pread give -ESPIPE */
};

struct inode {
	int refs;			/* atomic; the parent directory's link counts as one */
	uint32_t mode;
	uint32_t nlink;			/* 0 once unlinked */
	uint32_t uid, gid;		/* owner: the creator's fsuid/fsgid (fs/perm.c) */
	uint64_t ino;
	uint64_t rdev;
	uint64_t size;			/* regular: bytes; symlink: target length */
	uint64_t mtime_ns, ctime_ns, atime_ns;	/* wall-clock times (rtc_realtime_ns) */
	/* vfs_ns_lock: */
	struct inode *parent;		/* counted; NULL for the root and for detached inodes */
	struct inode *mounted;		/* the root of the filesystem mounted on it, or NULL */
	char name[NAME_MAX + 1];
	struct list_node children;	/* directories: struct inode.sibling, by dcookie */
	struct list_node sibling;
	uint64_t dcookie;		/* getdents position within the parent */
	uint64_t next_cookie;		/* directories: the next child's dcookie */
	/* Set at creation: */
	struct vfs_sb *sb;		/* its mounted filesystem; NULL for ramfs and generated */
	const struct inode_ops *iops;
	const struct file_ops *fops;
	void *priv;
	/* inode->lock: regular file data, in pages (NULL = a hole reading as zeros). */
	struct mutex lock;
	void **pages;
	size_t npages;			/* slots in pages[] */
	char *link;			/* symlink target (ramfs), kmalloc'd */
};

struct file {
	int refs;			/* atomic */
	unsigned flags;			/* O_ACCMODE | O_APPEND | O_NONBLOCK (f_lock for changes) */
	struct inode *ino;		/* counted */
	const struct file_ops *ops;
	void *priv;
	struct mutex pos_lock;		/* serializes offset updates of read/write/lseek */
	uint64_t pos;
	struct list_node ep_items;	/* epoll items watching this file (fs/epoll.c) */
};

/* A process's fd table. */
struct files {
	int refs;			/* atomic: CLONE_FILES sharers */
	struct spinlock lock;		/* fd[], cloexec[], cap */
	unsigned cap;
	struct file **fd;
	uint64_t *cloexec;		/* bit per fd */
};

/* A process's filesystem context (Linux's fs_struct): shared by CLONE_FS, copied by fork. */
struct fs_struct {
	int refs;			/* atomic: processes sharing it */
	struct spinlock lock;		/* cwd */
	struct inode *cwd;		/* counted; never NULL */
	uint32_t umask;			/* atomic */
};

/* ---- mounts (fs/mount.c) ---- */
#define MS_RDONLY	1
#define MS_NOSUID	2
#define MS_NODEV	4
#define MS_NOEXEC	8
#define MS_SYNCHRONOUS	16
#define MS_SILENT	32768
#define MNT_FORCE	1
#define MNT_DETACH	2

/* Linux x86-64 struct statfs (120 bytes). */
struct kstatfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags;
	int64_t f_spare[4];
};
_Static_assert(sizeof(struct kstatfs) == 120, "Linux's struct statfs is 120 bytes");

struct vfs_sb;

/* A filesystem that lives on a block device. */
struct fs_type {
	const char *name;
	/* Reads the filesystem on source (a /dev path): a new sb with its root (counted), or
	 * -errno (-EINVAL with a log line naming the reason for a corrupt image). */
	int (*mount)(const char *source, unsigned long flags, struct vfs_sb **out);
	/* Writes everything back and frees sb; -EBUSY while any of its inodes is in use. */
	int (*umount)(struct vfs_sb *sb);
	int (*sync)(struct vfs_sb *sb);
	void (*statfs)(struct vfs_sb *sb, struct kstatfs *st);
	struct fs_type *next;
};

struct vfs_sb {
	const struct fs_type *type;
	char source[64];
	uint64_t dev;			/* st_dev of its inodes */
	unsigned long flags;		/* MS_* */
	struct inode *root;		/* counted */
	/* vfs_ns_lock: */
	struct inode *covered;		/* counted: the directory it is mounted on */
	struct list_node node;		/* the mount table, in mount order */
	void *priv;
};

void vfs_register_fs(struct fs_type *t);
/* mount(2) and umount2(2) on kernel strings: 0 or -errno as Linux gives them. */
int vfs_mount(const char *source, const char *target, const char *type, unsigned long flags);
int vfs_umount(const char *target, int flags);
/* Calls fn(source, mount point path, type, MS_* flags) for every mount (for /proc/mounts):
 * the root first (the initrd's ramfs, or root=DEV's disk), /proc (and /dev, under a disk
 * root), then the others in mount order. */
void vfs_for_each_mount(void (*fn)(const char *source, const char *target, const char *type,
				   unsigned long flags, void *arg), void *arg);
/* Calls fn(name) for every registered disk filesystem type (ext2...). */
void vfs_for_each_fs_type(void (*fn)(const char *name, void *arg), void *arg);
/* Power-off: unmounts every filesystem, last mounted first (those still in use are
 * synced instead). */
void vfs_shutdown(void);
/* Writes back every mounted filesystem (sync(2)); 0 or the first error. */
int vfs_sync_all(void);
/* fsync(2)/syncfs(2)/statfs(2) on an inode. */
int vfs_fsync(struct inode *ino, bool datasync);
int vfs_syncfs(struct inode *ino);
void vfs_statfs(struct inode *ino, struct kstatfs *st);
int vfs_link(struct inode *obase, const char *old, struct inode *nbase, const char *new_,
	     bool follow);
/* Registers ext2 (fs/ext2/super.c). */
void ext2_init(void);
/* The kernel word mount=DEV:DIR[,DEV:DIR] (after the disks are found). */
void vfs_mount_boot(void);

/* ---- boot ---- */
/* Builds the root ramfs, /dev, /proc, /tmp and unpacks every initrd module. Thread context. */
void fs_init(const struct boot_info *bi);

/* Unpacks one cpio (newc) image into / (fs/initrd.c): the number of entries created. A
 * malformed archive stops with a log line; what came before stays. */
int initrd_unpack(const void *data, size_t len, const char *what);

/* ---- inodes (fs/inode.c, fs/ramfs.c) ---- */
struct inode *vfs_root(void);
void inode_get(struct inode *ino);
void inode_put(struct inode *ino);
/* A new detached inode with one reference (NULL when out of memory). */
struct inode *inode_new(uint32_t mode, const struct inode_ops *iops,
			const struct file_ops *fops);
/* Links child under dir as name (vfs_ns_lock held): the directory takes child's reference. */
int ramfs_link_locked(struct inode *dir, const char *name, struct inode *child);
/* Regular file data; inode->lock held. */
ssize_t ramfs_read_locked(struct inode *ino, void *buf, size_t n, uint64_t off);
ssize_t ramfs_write_locked(struct inode *ino, const void *buf, size_t n, uint64_t off);
int ramfs_truncate_locked(struct inode *ino, uint64_t size);
/* Drops ramfs's reference to a data page (mappings may keep it alive). */
void ramfs_page_put(void *page);
/* Frames that regular files hold now (their data pages). */
size_t ramfs_file_pages(void);
/* A type's DT_ value for getdents. */
unsigned inode_dtype(const struct inode *ino);
void inode_stat(struct inode *ino, struct kstat *st);
uint64_t vfs_now_ns(void);
extern struct mutex vfs_ns_lock;
extern const struct inode_ops ramfs_dir_iops;

/* ---- paths (fs/namei.c); base = NULL means the caller's cwd (root in kernel threads) ---- */
#define LOOKUP_FOLLOW	0x1		/* follow a final symlink */
#define LOOKUP_DIR	0x2		/* the result must be a directory */
/* The inode at path (counted). -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG... */
int vfs_lookup(struct inode *base, const char *path, unsigned flags, struct inode **out);
/* The current process's cwd, counted (the root in kernel threads). */
struct inode *vfs_cwd(void);
/* Opens path (O_* flags; mode for O_CREAT, umask already applied) into *out. */
int vfs_open(struct inode *base, const char *path, unsigned flags, uint32_t mode,
	     struct file **out);
/* A new file on ino (takes its own reference to ino) with ino's fops. */
int vfs_open_inode(struct inode *ino, unsigned flags, struct file **out);
int vfs_mkdir(struct inode *base, const char *path, uint32_t mode);
int vfs_mknod(struct inode *base, const char *path, uint32_t mode, uint64_t rdev,
	      const struct file_ops *fops, void *priv);
int vfs_symlink(struct inode *base, const char *target, const char *path);
int vfs_unlink(struct inode *base, const char *path);
int vfs_rmdir(struct inode *base, const char *path);
int vfs_rename(struct inode *obase, const char *old, struct inode *nbase, const char *new_);
/* The target of the symlink at path into buf (no NUL); its length or -errno. */
ssize_t vfs_readlink(struct inode *base, const char *path, char *buf, size_t n);
int vfs_stat(struct inode *base, const char *path, bool follow, struct kstat *st);
/* The absolute path of directory ino into buf (NUL-terminated); its length+1 or -ERANGE,
 * -ENOENT when ino has been removed. */
ssize_t vfs_path_of(struct inode *ino, char *buf, size_t n);
/* Regular file with any x bit, relative to cwd; abspath gets its absolute path. */
int vfs_open_exec(const char *path, struct file **out, char *abspath, size_t abspath_len);
/* R_OK/W_OK/X_OK for the ids in c (access(2): the real ids; AT_EACCESS: the effective). */
struct cred;
int vfs_access(struct inode *base, const char *path, int amode, bool follow,
	       const struct cred *c);

/* ---- open files (fs/file.c) ---- */
struct file *file_alloc(struct inode *ino, unsigned flags, const struct file_ops *ops);
void file_get(struct file *f);
void file_put(struct file *f);
/* Offset-carrying I/O as read(2)/write(2) on kernel buffers (O_APPEND, O_NONBLOCK honoured). */
ssize_t file_read(struct file *f, void *buf, size_t n);
ssize_t file_write(struct file *f, const void *buf, size_t n);
/* The file's own frame for the page at off, referenced (see file_ops.map_page); -EINVAL when
 * the file cannot lend its pages, -ENOENT for a hole (filled when fill), -ENXIO past its end. */
int file_map_page(struct file *f, uint64_t off, bool fill, phys_addr_t *pa);
/* True when the file's pages are its data, so a MAP_SHARED mapping can map them. */
bool file_mappable(const struct file *f);
/* Positional read into a kernel buffer; -ESPIPE on streams. */
ssize_t file_kread(struct file *f, void *kbuf, size_t n, uint64_t off);
ssize_t file_kwrite(struct file *f, const void *kbuf, size_t n, uint64_t off);
int64_t file_lseek(struct file *f, int64_t off, int whence);
uint64_t file_size(struct file *f);
bool file_readable(struct file *f);
bool file_writable(struct file *f);
/* f's readiness through its poll op (registering through pt when not NULL). */
unsigned file_poll(struct file *f, struct poll_table *pt);
int file_truncate(struct file *f, uint64_t size);
long file_ioctl(struct file *f, unsigned cmd, void *arg);
/* getdents64 into a kernel buffer: bytes written, 0 at the end, -EINVAL if too small. */
ssize_t file_getdents(struct file *f, void *buf, size_t n);

/* ---- fd tables (fs/fdtable.c) ---- */
struct files *files_new(void);
struct files *files_clone(struct files *f);
void files_get(struct files *f);
void files_put(struct files *f);
void files_close_on_exec(struct files *f);
/* Opens /dev/console as fds 0, 1, 2 of f (and starts the line discipline). */
int files_open_console(struct files *f);
/* Installs file at the lowest free fd >= min (taking the caller's reference). -EMFILE. */
/* How many fds the calling process may have: RLIMIT_NOFILE, at most FILES_MAX. */
unsigned fd_limit(void);
/* RLIMIT_FSIZE for a regular file's write of n > 0 bytes at pos (or a truncate to pos + n):
 * how many of them may be written, or -EFBIG with SIGXFSZ sent to the caller when none may.
 * Filesystems call it once the position is known (after O_APPEND's seek). */
ssize_t vfs_fsize_allow(uint64_t pos, size_t n);
int fd_install(struct files *fs, struct file *file, int min, bool cloexec);
/* Puts file at fd, closing what was there. */
int fd_install_at(struct files *fs, int fd, struct file *file, bool cloexec);
int fd_close(struct files *fs, int fd);
struct file *files_get_file(struct files *fs, int fd);
int fd_get_cloexec(struct files *fs, int fd);
int fd_set_cloexec(struct files *fs, int fd, bool on);
/* The current process's table, counted; NULL in kernel threads. */
struct files *files_current(void);
/* A counted reference to fd of the current process; NULL if bad. */
struct file *fd_get_file(int fd);

/* ---- filesystem contexts (fs/fs_struct.c) ---- */
/* A new context in cwd (takes its own reference) with umask; NULL when out of memory. */
struct fs_struct *fs_struct_new(struct inode *cwd, uint32_t umask);
/* A private copy of src (fork without CLONE_FS). */
struct fs_struct *fs_struct_copy(struct fs_struct *src);
void fs_struct_get(struct fs_struct *fs);
void fs_struct_put(struct fs_struct *fs);
/* fs's cwd, counted. Never sleeps. */
struct inode *fs_cwd(struct fs_struct *fs);
/* Makes dir (the caller's reference, given) fs's cwd; puts the old one. */
void fs_set_cwd(struct fs_struct *fs, struct inode *dir);
/* The calling process's umask (UMASK_DEFAULT in kernel threads). Never sleeps. */
uint32_t vfs_umask(void);
/* umask(2): sets the caller's umask to mask & 0777 and returns the old one. */
uint32_t vfs_umask_swap(uint32_t mask);

/* ---- pipes (fs/pipe.c) ---- */
int pipe_create(struct file **rd, struct file **wr);

/* ---- epoll (fs/epoll.c) ---- */
/* f's last reference is going: every epoll registration of f is removed (file_put). */
void epoll_file_release(struct file *f);

/* ---- the console tty (fs/tty.c) ---- */
int console_fg_pgid(void);
/* Feeds one input byte through the line discipline (the input thread, and tests). */
void tty_input(char c);
/* Starts the thread that moves console input into the line discipline (idempotent). */
void tty_start(void);
/* Restores the default termios and empties the buffers (tests). */
void tty_reset(void);
extern const struct file_ops tty_fops;

#endif
