/*
 * net/socket_sys.c — the socket syscalls that are not data transfer: socket, socketpair,
 * bind, connect, listen, accept/accept4, shutdown, getsockname/getpeername, set/getsockopt.
 *
 * Each checks its arguments in Linux's order (flag words first, then the fd: -EBADF, -ENOTSOCK,
 * then the user memory), copies addresses through a SOCKADDR_MAX kernel buffer and calls the
 * family's op. The SOL_SOCKET options every family shares are answered here; everything else
 * goes to the family with a kernel copy of the option.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/vfs.h>

#define AF_MAX		46		/* Linux: families at or above it are -EAFNOSUPPORT */
#define SOCKOPT_MAX	256		/* bytes of an option bounced to the family */

/* socket(2)'s type word: the type, and the flags it may carry. */
static int sock_split_type(int type, int *base, bool *nonblock, bool *cloexec)
{
	if (type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	*base = type & SOCK_TYPE_MASK;
	*nonblock = type & SOCK_NONBLOCK;
	*cloexec = type & SOCK_CLOEXEC;
	return 0;
}

static int sock_new(int family, int type, int protocol, bool nonblock, struct socket **out)
{
	const struct net_family *fam = family >= 0 && family < AF_MAX ? sock_family(family) : NULL;

	if (!fam)
		return -EAFNOSUPPORT;
	return sock_alloc(fam, family, type, protocol, nonblock, out);
}

SYSCALL3(socket, int, family, int, type, int, protocol)
{
	struct socket *s;
	bool nonblock, cloexec;
	int base, r;

	if ((r = sock_split_type(type, &base, &nonblock, &cloexec)) != 0)
		return r;
	if ((r = sock_new(family, base, protocol, nonblock, &s)) != 0)
		return r;
	return sock_install(s, cloexec);
}

/* Installs a connected pair as two fds and reports them in sv[]. */
static long sock_install_pair(struct socket *a, struct socket *b, bool cloexec,
			      int __user *sv)
{
	int fds[2];
	struct files *fs;

	fds[0] = sock_install(a, cloexec);	/* takes a's reference, installed or not */
	if (fds[0] < 0) {
		sock_release_kern(b);
		return fds[0];
	}
	fds[1] = sock_install(b, cloexec);
	fs = files_current();
	if (fds[1] < 0 || copy_to_user(sv, fds, sizeof(fds))) {
		fd_close(fs, fds[0]);
		if (fds[1] >= 0)
			fd_close(fs, fds[1]);
		files_put(fs);
		return fds[1] < 0 ? fds[1] : -EFAULT;
	}
	files_put(fs);
	return 0;
}

SYSCALL4(socketpair, int, family, int, type, int, protocol, int __user *, sv)
{
	struct socket *a, *b;
	bool nonblock, cloexec;
	int base, r;

	if ((r = sock_split_type(type, &base, &nonblock, &cloexec)) != 0)
		return r;
	if ((r = sock_new(family, base, protocol, nonblock, &a)) != 0)
		return r;
	if ((r = sock_new(family, base, protocol, nonblock, &b)) != 0) {
		sock_release_kern(a);
		return r;
	}
	r = sock_family(family)->pair ? sock_family(family)->pair(a, b) : -EOPNOTSUPP;
	if (r) {
		sock_release_kern(a);
		sock_release_kern(b);
		return r;
	}
	return sock_install_pair(a, b, cloexec, sv);
}

/* bind and connect: an address in, one op. */
static long sock_addr_call(int fd, const void __user *uaddr, int len, bool connect)
{
	char addr[SOCKADDR_MAX];
	struct socket *s;
	struct file *f;
	long r;

	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	if ((r = sock_addr_in(addr, uaddr, len)) == 0) {
		if (connect)
			r = s->ops->connect ? s->ops->connect(s, addr, (size_t)len,
							      f->flags & O_NONBLOCK) : -EOPNOTSUPP;
		else
			r = s->ops->bind ? s->ops->bind(s, addr, (size_t)len) : -EOPNOTSUPP;
	}
	file_put(f);
	return r;
}

SYSCALL3(bind, int, fd, const void __user *, addr, int, len)
{
	return sock_addr_call(fd, addr, len, false);
}

SYSCALL3(connect, int, fd, const void __user *, addr, int, len)
{
	return sock_addr_call(fd, addr, len, true);
}

SYSCALL2(listen, int, fd, int, backlog)
{
	struct socket *s;
	struct file *f;
	long r;

	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	if ((unsigned)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	r = s->ops->listen ? s->ops->listen(s, backlog) : -EOPNOTSUPP;
	if (!r)
		s->listening = true;
	file_put(f);
	return r;
}

/* The accepted socket's peer address to the user, when asked. */
static int sock_accept_name(struct socket *ns, void __user *uaddr, int __user *ulen)
{
	char addr[SOCKADDR_MAX];
	size_t len = 0;

	if (!uaddr)
		return 0;
	if (!ns->ops->getname || ns->ops->getname(ns, addr, &len, true))
		return -ECONNABORTED;
	return sock_addr_out(addr, len, uaddr, ulen);
}

static long sock_accept(int fd, void __user *uaddr, int __user *ulen, int flags)
{
	struct socket *s, *ns;
	struct file *f;
	long r;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	if (!s->ops->accept) {
		r = -EOPNOTSUPP;
		goto out;
	}
	if ((r = sock_alloc(NULL, s->family, s->type, s->protocol, flags & SOCK_NONBLOCK,
			    &ns)) != 0)
		goto out;
	ns->ops = s->ops;
	if ((r = s->ops->accept(s, ns, f->flags & O_NONBLOCK)) != 0) {
		sock_free_unowned(ns);
		goto out;
	}
	if ((r = sock_accept_name(ns, uaddr, ulen)) != 0) {
		sock_release_kern(ns);
		goto out;
	}
	r = sock_install(ns, flags & SOCK_CLOEXEC);
out:
	file_put(f);
	return r;
}

SYSCALL3(accept, int, fd, void __user *, addr, int __user *, len)
{
	return sock_accept(fd, addr, len, 0);
}

SYSCALL4(accept4, int, fd, void __user *, addr, int __user *, len, int, flags)
{
	return sock_accept(fd, addr, len, flags);
}

SYSCALL2(shutdown, int, fd, int, how)
{
	struct socket *s;
	struct file *f;
	long r;

	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	if (how < SHUT_RD || how > SHUT_RDWR)
		r = -EINVAL;
	else
		r = s->ops->shutdown ? s->ops->shutdown(s, how) : -EOPNOTSUPP;
	file_put(f);
	return r;
}

static long sock_getname(int fd, void __user *uaddr, int __user *ulen, bool peer)
{
	char addr[SOCKADDR_MAX];
	size_t len = 0;
	struct socket *s;
	struct file *f;
	long r;

	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	r = s->ops->getname ? s->ops->getname(s, addr, &len, peer) : -EOPNOTSUPP;
	if (!r)
		r = sock_addr_out(addr, MIN(len, (size_t)SOCKADDR_MAX), uaddr, ulen);
	file_put(f);
	return r;
}

SYSCALL3(getsockname, int, fd, void __user *, addr, int __user *, len)
{
	return sock_getname(fd, addr, len, false);
}

SYSCALL3(getpeername, int, fd, void __user *, addr, int __user *, len)
{
	return sock_getname(fd, addr, len, true);
}

/* ---- options ---- */

struct ktimeval {
	int64_t sec, usec;
};

static int sock_set_timeo(uint64_t *ns, const void *val, size_t len)
{
	struct ktimeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	if (tv.sec < 0)
		*ns = 1;		/* Linux: a negative time means "do not wait" */
	else
		*ns = (uint64_t)tv.sec * 1000000000ull + (uint64_t)tv.usec * 1000;
	return 0;
}

SYSCALL5(setsockopt, int, fd, int, level, int, name, const void __user *, uval, int, ulen)
{
	char val[SOCKOPT_MAX];
	size_t len = ulen < 0 ? 0 : MIN((size_t)ulen, sizeof(val));
	struct socket *s;
	struct file *f;
	long r;

	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	if (ulen < 0)
		r = -EINVAL;
	else if (copy_from_user(val, uval, len))
		r = -EFAULT;
	else if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO))
		r = sock_set_timeo(name == SO_RCVTIMEO ? &s->rcvtimeo_ns : &s->sndtimeo_ns, val,
				   len);
	else
		r = s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, len) :
					 -ENOPROTOOPT;
	file_put(f);
	return r;
}

/* The SOL_SOCKET options answered here; -ENOPROTOOPT for the family's. */
static int sock_get_generic(struct socket *s, int name, void *val, size_t *len)
{
	struct ktimeval tv;
	int v;

	switch (name) {
	case SO_TYPE:		v = s->type; break;
	case SO_DOMAIN:		v = s->family; break;
	case SO_PROTOCOL:	v = s->protocol; break;
	case SO_ACCEPTCONN:	v = s->listening; break;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO: {
		uint64_t ns = name == SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns;

		tv.sec = (int64_t)(ns / 1000000000ull);
		tv.usec = (int64_t)(ns % 1000000000ull) / 1000;
		return sockopt_put(val, len, &tv, sizeof(tv));
	}
	default:
		return -ENOPROTOOPT;
	}
	return sockopt_put(val, len, &v, sizeof(v));
}

SYSCALL5(getsockopt, int, fd, int, level, int, name, void __user *, uval,
	 int __user *, ulen)
{
	char val[SOCKOPT_MAX];
	struct socket *s;
	struct file *f;
	size_t len;
	int l;
	long r;

	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	if (copy_from_user(&l, ulen, sizeof(l))) {
		r = -EFAULT;
		goto out;
	}
	if (l < 0) {
		r = -EINVAL;
		goto out;
	}
	len = MIN((size_t)l, sizeof(val));
	r = level == SOL_SOCKET ? sock_get_generic(s, name, val, &len) : -ENOPROTOOPT;
	if (r == -ENOPROTOOPT && s->ops->getsockopt)
		r = s->ops->getsockopt(s, level, name, val, &len);
	l = (int)len;
	if (!r && (copy_to_user(uval, val, len) || copy_to_user(ulen, &l, sizeof(l))))
		r = -EFAULT;
out:
	file_put(f);
	return r;
}
