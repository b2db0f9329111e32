/*
 * net/socket_msg.c — data transfer: sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg.
 *
 * Every call builds one struct kmsg: a kernel copy of the user's iovec array (checked by
 * kmsg_init), the address in a SOCKADDR_MAX kernel buffer, and on send the user's control
 * data copied in (at most CONTROL_MAX bytes, else -ENOBUFS as Linux's optmem limit gives). On
 * receive the family fills name and control; they go back with Linux's rules: the name cut
 * to the user's msg_namelen while msg_namelen reports the full length, msg_controllen the
 * control bytes written, msg_flags the family's MSG_TRUNC/MSG_CTRUNC/MSG_EOR.
 */
#include "internal.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/vfs.h>

#define CONTROL_MAX	20480		/* Linux's default net.core.optmem_max */
#define RECV_CONTROL_MAX 4096		/* kernel room for received cmsgs; far above SCM_MAX_FD */

/* Linux's struct user_msghdr and struct mmsghdr on x86-64. */
struct umsghdr {
	void __user *name;
	int namelen;
	struct kiov __user *iov;
	size_t iovlen;
	void __user *control;
	size_t controllen;
	unsigned flags;
};

struct ummsghdr {
	struct umsghdr hdr;
	unsigned len;
};

/* One message's kernel side: the kmsg and what it points at. */
struct msgbuf {
	struct kmsg m;
	struct kiov iov1;		/* send/recv/sendto/recvfrom */
	struct kiov *iov;		/* sendmsg/recvmsg: kmalloc'd */
	char name[SOCKADDR_MAX];
	void *control;			/* kmalloc'd */
};

static void msgbuf_free(struct msgbuf *b)
{
	kfree(b->iov);
	kfree(b->control);
}

/* The user's msghdr into b: -EFAULT, -EMSGSIZE (iovlen > UIO_MAXIOV), -EINVAL, -ENOBUFS. */
static int msg_import(struct msgbuf *b, const struct umsghdr *h, bool send)
{
	size_t bytes = h->iovlen * sizeof(struct kiov);
	int r;

	b->iov = NULL;
	b->control = NULL;
	if (h->name && h->namelen < 0)
		return -EINVAL;
	if (h->iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	if (!(b->iov = kmalloc(bytes ? bytes : 1)))
		return -ENOMEM;
	if (copy_from_user(b->iov, h->iov, bytes))
		return -EFAULT;
	if ((r = kmsg_init(&b->m, b->iov, (unsigned)h->iovlen)) != 0)
		return r;
	b->m.name = b->name;
	if (send && h->name) {
		b->m.namelen = MIN((size_t)h->namelen, (size_t)SOCKADDR_MAX);
		if (copy_from_user(b->name, h->name, b->m.namelen))
			return -EFAULT;
	}
	b->m.controllen = send ? h->controllen : MIN(h->controllen, (size_t)RECV_CONTROL_MAX);
	if (!h->control || !b->m.controllen) {
		b->m.controllen = 0;
		return 0;
	}
	if (send && h->controllen > CONTROL_MAX)
		return -ENOBUFS;
	if (!(b->control = kmalloc(b->m.controllen)))
		return -ENOMEM;
	b->m.control = b->control;
	if (send && copy_from_user(b->control, h->control, b->m.controllen))
		return -EFAULT;
	return 0;
}

/* After a receive: name, control length and flags back into the user's msghdr at uh. */
static int msg_export(struct msgbuf *b, const struct umsghdr *h, struct umsghdr __user *uh)
{
	size_t ctl = b->m.control_used;
	unsigned flags = b->m.flags;
	int r;

	if (h->name && (r = sock_addr_out(b->name, MIN(b->m.namelen, (size_t)SOCKADDR_MAX),
					  h->name, &uh->namelen)) != 0)
		return r;
	if (ctl && copy_to_user(h->control, b->control, ctl))
		return -EFAULT;
	if (copy_to_user(&uh->controllen, &ctl, sizeof(ctl)) ||
	    copy_to_user(&uh->flags, &flags, sizeof(flags)))
		return -EFAULT;
	return 0;
}

/* One sendmsg/recvmsg on s from the user's header at uh. */
static ssize_t sock_msg(struct socket *s, struct umsghdr __user *uh, unsigned flags, bool send)
{
	struct umsghdr h;
	struct msgbuf b;
	ssize_t r;

	if (copy_from_user(&h, uh, sizeof(h)))
		return -EFAULT;
	if ((r = msg_import(&b, &h, send)) != 0)
		goto out;
	if (send) {
		r = sock_sendmsg(s, &b.m, flags | (h.flags & MSG_EOR));
	} else {
		b.m.cmsg_flags = flags & MSG_CMSG_CLOEXEC;
		r = sock_recvmsg(s, &b.m, flags & ~MSG_CMSG_CLOEXEC);
		if (r >= 0) {
			int e = msg_export(&b, &h, uh);

			if (e)
				r = e;
		}
	}
out:
	msgbuf_free(&b);
	return r;
}

static long sock_msg_fd(int fd, struct umsghdr __user *uh, unsigned flags, bool send)
{
	struct socket *s;
	struct file *f;
	long r;

	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	r = sock_msg(s, uh, flags, send);
	file_put(f);
	return r;
}

SYSCALL3(sendmsg, int, fd, struct umsghdr __user *, msg, unsigned, flags)
{
	return sock_msg_fd(fd, msg, flags, true);
}

SYSCALL3(recvmsg, int, fd, struct umsghdr __user *, msg, unsigned, flags)
{
	return sock_msg_fd(fd, msg, flags, false);
}

/* sendto/recvfrom: one buffer and an optional address. */
static long sock_xfer(int fd, void __user *buf, size_t len, unsigned flags, void __user *addr,
		      int __user *alen, int slen, bool send)
{
	struct msgbuf b = { .iov1 = { buf, len } };
	struct socket *s;
	struct file *f;
	long r;

	if ((r = kmsg_init(&b.m, &b.iov1, 1)) != 0)
		return r;
	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	b.m.name = b.name;
	if (send) {
		if (addr && (r = sock_addr_in(b.name, addr, slen)) == 0)
			b.m.namelen = (size_t)slen;
		if (!r)
			r = sock_sendmsg(s, &b.m, flags);
	} else {
		r = sock_recvmsg(s, &b.m, flags & ~MSG_CMSG_CLOEXEC);
		if (r >= 0 && addr) {
			int e = sock_addr_out(b.name, MIN(b.m.namelen, (size_t)SOCKADDR_MAX),
					      addr, alen);

			if (e)
				r = e;
		}
	}
	file_put(f);
	return r;
}

SYSCALL6(sendto, int, fd, const void __user *, buf, size_t, len, unsigned, flags,
	 const void __user *, addr, int, alen)
{
	return sock_xfer(fd, (void __user *)buf, len, flags, (void __user *)addr, NULL, alen,
			 true);
}

SYSCALL6(recvfrom, int, fd, void __user *, buf, size_t, len, unsigned, flags,
	 void __user *, addr, int __user *, alen)
{
	return sock_xfer(fd, buf, len, flags, addr, alen, 0, false);
}

/* ---- sendmmsg/recvmmsg ---- */

struct ktimespec {
	int64_t sec, nsec;
};

/* Up to vlen messages; the count done, or the first error when none was. deadline_ns 0: no
 * timeout (checked after each message, as Linux does). */
static long sock_mmsg(int fd, struct ummsghdr __user *v, unsigned vlen, unsigned flags,
		      bool send, uint64_t deadline_ns)
{
	struct socket *s;
	struct file *f;
	long r = 0;
	unsigned i;

	if ((r = sock_fd(fd, &s, &f)) != 0)
		return r;
	vlen = MIN(vlen, (unsigned)UIO_MAXIOV);
	for (i = 0; i < vlen; i++) {
		unsigned got;

		r = sock_msg(s, &v[i].hdr, flags, send);
		if (r < 0)
			break;
		got = (unsigned)r;
		if (copy_to_user(&v[i].len, &got, sizeof(got))) {
			r = -EFAULT;
			break;
		}
		if (!send && (flags & MSG_WAITFORONE))
			flags |= MSG_DONTWAIT;
		if (deadline_ns && time_ns() >= deadline_ns) {
			i++;
			break;
		}
	}
	file_put(f);
	return i ? (long)i : r;
}

SYSCALL4(sendmmsg, int, fd, struct ummsghdr __user *, v, unsigned, vlen, unsigned, flags)
{
	return sock_mmsg(fd, v, vlen, flags, true, 0);
}

SYSCALL5(recvmmsg, int, fd, struct ummsghdr __user *, v, unsigned, vlen, unsigned, flags,
	 const struct ktimespec __user *, utimeout)
{
	struct ktimespec ts;
	uint64_t deadline = 0;

	if (utimeout) {
		if (copy_from_user(&ts, utimeout, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		deadline = time_ns() + (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec;
	}
	return sock_mmsg(fd, v, vlen, flags, false, deadline);
}
