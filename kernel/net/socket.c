/*
 * net/socket.c — the generic socket object: the family table, struct socket and its file.
 *
 * A socket is one open file description: an anonymous S_IFSOCK inode, a struct file whose priv
 * is the struct socket, and the family's state behind s->priv. The file's read/write/readv/
 * writev arrive whole through file_ops.rw_iov and become recvmsg/sendmsg with flags 0 (so a
 * datagram is one read); poll and ioctl go to the family; the file's last reference releases
 * the family's side and then the socket. dup and fork share the file, so they share the socket.
 *
 * Families register once at boot into a small list under fam_lock; they are never removed, so
 * a pointer taken from the table stays valid. sock_wake is the one place a socket's readiness
 * change reaches pollers.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/spinlock.h>
#include <keel/vfs.h>

#define FAMILIES_MAX	8		/* AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET... */

static struct spinlock fam_lock = SPINLOCK_INIT("socket families");
static const struct net_family *families[FAMILIES_MAX];

void sock_register_family(const struct net_family *fam)
{
	bool flags = spin_lock_irqsave(&fam_lock);
	size_t i;

	for (i = 0; i < FAMILIES_MAX && families[i]; i++)
		if (families[i]->family == fam->family)
			panic("sock_register_family: family %d registered twice", fam->family);
	if (i == FAMILIES_MAX)
		panic("sock_register_family: more than %d families", FAMILIES_MAX);
	__atomic_store_n(&families[i], fam, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&fam_lock, flags);
}

const struct net_family *sock_family(int family)
{
	for (size_t i = 0; i < FAMILIES_MAX; i++) {
		const struct net_family *f = __atomic_load_n(&families[i], __ATOMIC_ACQUIRE);

		if (f && f->family == family)
			return f;
	}
	return NULL;
}

void sock_wake(struct socket *s)
{
	poll_wake(&s->poll, 0);
}

/* ---- the socket file ---- */

static ssize_t sock_file_rw(struct file *f, struct kiov *iov, unsigned n, bool write,
			    unsigned io)
{
	struct socket *s = f->priv;
	unsigned flags = (io & IO_NONBLOCK) ? MSG_DONTWAIT : 0;
	struct kmsg m;
	int r;

	if ((r = kmsg_init(&m, iov, n)) != 0)
		return r;
	return write ? sock_sendmsg(s, &m, flags) : sock_recvmsg(s, &m, flags);
}

static unsigned sock_file_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->priv;

	poll_wait(f, &s->poll, pt);
	return s->ops && s->ops->poll ? s->ops->poll(s) : 0;
}

static long sock_file_ioctl(struct file *f, unsigned cmd, void *arg)
{
	struct socket *s = f->priv;

	return s->ops && s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
}

static void sock_file_release(struct file *f)
{
	struct socket *s = f->priv;

	if (s->ops && s->ops->release)
		s->ops->release(s);
	kfree(s);
}

static const struct file_ops sock_fops = {
	.rw_iov = sock_file_rw,
	.poll = sock_file_poll,
	.ioctl = sock_file_ioctl,
	.release = sock_file_release,
	.stream = true,
};

struct socket *sock_of_file(struct file *f)
{
	return f && f->ops == &sock_fops ? f->priv : NULL;
}

/* ---- allocation ---- */

int sock_alloc(const struct net_family *fam, int family, int type, int protocol, bool nonblock,
	       struct socket **out)
{
	struct socket *s = kzalloc(sizeof(*s));
	struct inode *ino = s ? inode_new(S_IFSOCK | 0777, NULL, &sock_fops) : NULL;
	struct file *f = ino ? file_alloc(ino, O_RDWR | (nonblock ? O_NONBLOCK : 0), &sock_fops)
			     : NULL;
	int r;

	if (s)
		poll_head_init(&s->poll, "socket");
	if (ino)
		inode_put(ino);		/* the file holds it */
	if (!f) {
		kfree(s);
		return -ENOMEM;
	}
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->file = f;
	f->priv = s;
	if (fam && (r = fam->create(s, type, protocol)) != 0) {
		sock_free_unowned(s);
		return r;
	}
	*out = s;
	return 0;
}

void sock_free_unowned(struct socket *s)
{
	s->ops = NULL;
	file_put(s->file);
}

int sock_create_kern(int family, int type, int protocol, struct socket **out)
{
	const struct net_family *fam = sock_family(family);

	if (!fam)
		return -EAFNOSUPPORT;
	return sock_alloc(fam, family, type & SOCK_TYPE_MASK, protocol, type & SOCK_NONBLOCK,
			  out);
}

void sock_release_kern(struct socket *s)
{
	file_put(s->file);
}

/* ---- helpers of the syscalls ---- */

int sock_fd(int fd, struct socket **out, struct file **fp)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	if (!(*out = sock_of_file(f))) {
		file_put(f);
		return -ENOTSOCK;
	}
	*fp = f;
	return 0;
}

int sock_install(struct socket *s, bool cloexec)
{
	struct files *fs = files_current();
	int fd;

	if (!fs) {
		file_put(s->file);
		return -EBADF;
	}
	fd = fd_install(fs, s->file, 0, cloexec);
	if (fd < 0)
		file_put(s->file);
	files_put(fs);
	return fd;
}

void sock_sigpipe(ssize_t r, unsigned flags)
{
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL) && uthread_current())
		signal_send_thread(uthread_current(), SIGPIPE);
}

static unsigned sock_io_flags(struct socket *s, unsigned flags)
{
	if (__atomic_load_n(&s->file->flags, __ATOMIC_RELAXED) & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	return flags;
}

ssize_t sock_sendmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	ssize_t r;

	if (!s->ops->sendmsg)
		return -EOPNOTSUPP;
	r = s->ops->sendmsg(s, m, sock_io_flags(s, flags));
	sock_sigpipe(r, flags);
	return r;
}

ssize_t sock_recvmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	if (!s->ops->recvmsg)
		return -EOPNOTSUPP;
	return s->ops->recvmsg(s, m, sock_io_flags(s, flags));
}

int sock_addr_in(void *kaddr, const void __user *uaddr, int len)
{
	if (len < 0 || len > SOCKADDR_MAX)
		return -EINVAL;
	if (len && copy_from_user(kaddr, uaddr, (size_t)len))
		return -EFAULT;
	return 0;
}

int sock_addr_out(const void *kaddr, size_t klen, void __user *uaddr, int __user *ulen)
{
	int len, full = (int)klen;

	if (copy_from_user(&len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if ((size_t)len > klen)
		len = full;
	if (len && copy_to_user(uaddr, kaddr, (size_t)len))
		return -EFAULT;
	return copy_to_user(ulen, &full, sizeof(full)) ? -EFAULT : 0;
}
