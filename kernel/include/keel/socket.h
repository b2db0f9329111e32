/*
 * keel/socket.h — sockets: the generic layer (kernel/net/socket*.c) and the address families
 * behind it (AF_UNIX in kernel/net/unix/, AF_INET over lwIP in kernel/net/inet/).
 *
 * The generic layer owns the Linux socket syscalls (socket, socketpair, bind, listen, accept,
 * accept4, connect, send*, recv*, shutdown, get/setsockopt, getsockname, getpeername), the
 * socket file (read/write/poll/ioctl/close on a socket fd), copying addresses, iovecs and control
 * data across the user boundary, O_NONBLOCK/SOCK_NONBLOCK/SOCK_CLOEXEC, SIGPIPE on EPIPE unless
 * MSG_NOSIGNAL, and the options every family shares (SO_TYPE, SO_DOMAIN, SO_PROTOCOL,
 * SO_RCVTIMEO, SO_SNDTIMEO, SO_ERROR via the family). A family supplies create() and a
 * proto_ops table; its functions see only kernel memory (struct kmsg hides the user iovecs).
 *
 * Lifetime: a socket belongs to exactly one open file description (file->priv); it is released
 * (ops->release) when that file's last reference goes. Blocking calls sleep interruptibly and
 * return -ERESTARTSYS (or -EINTR with a timeout set) on a signal, as Linux does.
 */
#ifndef KEEL_SOCKET_H
#define KEEL_SOCKET_H

#include <keel/types.h>
#include <keel/poll.h>
#include <keel/uaccess.h>

struct file;
struct socket;

/* Linux's numbers (the ABI). */
#define AF_UNSPEC	0
#define AF_UNIX		1
#define AF_INET		2
#define AF_INET6	10
#define AF_NETLINK	16
#define AF_PACKET	17
#define SOCK_STREAM	1
#define SOCK_DGRAM	2
#define SOCK_RAW	3
#define SOCK_SEQPACKET	5
#define SOCK_TYPE_MASK	0xf
#define SOCK_NONBLOCK	0x800
#define SOCK_CLOEXEC	0x80000
#define SOL_SOCKET	1
#define SHUT_RD		0
#define SHUT_WR		1
#define SHUT_RDWR	2
#define MSG_OOB		0x1
#define MSG_PEEK	0x2
#define MSG_DONTROUTE	0x4
#define MSG_CTRUNC	0x8
#define MSG_TRUNC	0x20
#define MSG_DONTWAIT	0x40
#define MSG_EOR		0x80
#define MSG_WAITALL	0x100
#define MSG_NOSIGNAL	0x4000
#define MSG_WAITFORONE	0x10000
#define MSG_CMSG_CLOEXEC 0x40000000
#define SOCKADDR_MAX	128		/* sizeof(struct sockaddr_storage) */
#define UIO_MAXIOV	1024		/* iovecs per message */
#define SOMAXCONN	4096		/* listen(2) backlogs are clamped to it */
#define POLLRDHUP	0x2000

/* SOL_SOCKET options (asm-generic/socket.h). */
#define SO_DEBUG	1
#define SO_REUSEADDR	2
#define SO_TYPE		3
#define SO_ERROR	4
#define SO_DONTROUTE	5
#define SO_BROADCAST	6
#define SO_SNDBUF	7
#define SO_RCVBUF	8
#define SO_KEEPALIVE	9
#define SO_OOBINLINE	10
#define SO_LINGER	13
#define SO_REUSEPORT	15
#define SO_PASSCRED	16
#define SO_PEERCRED	17
#define SO_RCVLOWAT	18
#define SO_SNDLOWAT	19
#define SO_RCVTIMEO	20		/* struct timeval (SO_RCVTIMEO_OLD) */
#define SO_SNDTIMEO	21
#define SO_ACCEPTCONN	30
#define SO_PROTOCOL	38
#define SO_DOMAIN	39

/* Control messages (SOL_SOCKET level). */
#define SCM_RIGHTS	1
#define SCM_CREDENTIALS	2
#define SCM_MAX_FD	253		/* fds in one SCM_RIGHTS message */

struct ucred {
	int32_t pid;
	uint32_t uid, gid;
};

/* Linux's struct cmsghdr on x86-64; data follows at KCMSG_DATA, headers are 8-aligned. */
struct kcmsghdr {
	size_t len;			/* header + data, unaligned */
	int level, type;
};
#define KCMSG_ALIGN(n)	(((n) + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1))
#define KCMSG_LEN(n)	(sizeof(struct kcmsghdr) + (n))
#define KCMSG_SPACE(n)	(sizeof(struct kcmsghdr) + KCMSG_ALIGN(n))
#define KCMSG_DATA(c)	((void *)((char *)(c) + sizeof(struct kcmsghdr)))

/* One user buffer of a message. */
struct kiov {
	void __user *base;
	size_t len;
};

/*
 * A message in flight through sendmsg/recvmsg (and send/recv/read/write, which build one).
 * iov points into user memory and is consumed by kmsg_copy_from/kmsg_copy_to, which advance
 * through it; every entry was checked to lie in the user half and the total is at most
 * MAX_RW_COUNT (kmsg_init). name and control are kernel buffers the generic layer copies in
 * (send) or out (receive). On receive the family appends control messages with
 * kmsg_put_cmsg, which keeps control_used; controllen stays the room.
 */
struct kmsg {
	struct kiov *iov;
	unsigned iovlen;
	unsigned iov_done;		/* entries fully consumed */
	size_t iov_off;			/* bytes consumed of iov[iov_done] */
	void *name;			/* SOCKADDR_MAX bytes */
	size_t namelen;			/* send: given; receive: set by the family (0: none) */
	void *control;			/* send: the user's cmsgs; receive: room for them */
	size_t controllen;		/* send: given; receive: room in, bytes written out */
	unsigned flags;			/* receive: MSG_TRUNC, MSG_CTRUNC, MSG_EOR set by the family */
	unsigned cmsg_flags;		/* receive: MSG_CMSG_CLOEXEC as asked */
	size_t control_used;		/* receive: bytes of control written (kmsg_put_cmsg) */
};

#define MAX_RW_COUNT	0x7ffff000UL	/* Linux's cap on one transfer (INT_MAX & PAGE_MASK) */

/* Sets m up over iov[0..n) (a kernel copy of the user's iovec array) with no name or
 * control: -EINVAL for a length above SSIZE_MAX, -EFAULT for a range outside the user half;
 * the total is clamped to MAX_RW_COUNT by shortening the entries, as Linux does. */
int kmsg_init(struct kmsg *m, struct kiov *iov, unsigned n);

/* Copies n bytes from the message's user buffers into dst (send side); bytes or -EFAULT. */
ssize_t kmsg_copy_from(struct kmsg *m, void *dst, size_t n);
/* Copies n bytes from src into the message's user buffers (receive side); bytes or -EFAULT. */
ssize_t kmsg_copy_to(struct kmsg *m, const void *src, size_t n);
/* Bytes not yet consumed. */
size_t kmsg_left(const struct kmsg *m);

/* Send side: the control message after prev (NULL: the first) in m->control, or NULL at the
 * end; *err becomes -EINVAL (and NULL is returned) when a header's length is malformed. */
struct kcmsghdr *kmsg_cmsg_next(struct kmsg *m, struct kcmsghdr *prev, int *err);
/* Receive side: bytes of data a control message appended now could carry whole (0: not even a
 * header fits). */
size_t kmsg_cmsg_room(const struct kmsg *m);
/* Receive side: appends a control message as Linux's put_cmsg does: what does not fit is cut
 * and MSG_CTRUNC set in m->flags. */
void kmsg_put_cmsg(struct kmsg *m, int level, int type, const void *data, size_t len);

/* getsockopt helper: copies min(*len, n) bytes of src to val and sets *len to that (Linux
 * truncates a short option buffer rather than failing). Returns 0. */
int sockopt_put(void *val, size_t *len, const void *src, size_t n);

/* A family's socket operations. NULL means -EOPNOTSUPP (-ENOPROTOOPT for the sockopts).
 * flags carry MSG_DONTWAIT when the file is O_NONBLOCK; nonblock likewise for connect/accept.
 * Every function may sleep. */
struct proto_ops {
	void (*release)(struct socket *s);
	int (*bind)(struct socket *s, const void *addr, size_t len);
	int (*connect)(struct socket *s, const void *addr, size_t len, bool nonblock);
	int (*listen)(struct socket *s, int backlog);
	/* Fills newsock (allocated by the generic layer with this family, type and ops). On an
	 * error newsock is freed without its release being called. */
	int (*accept)(struct socket *s, struct socket *newsock, bool nonblock);
	/* Bytes sent (from kmsg_copy_from), or -errno; -EPIPE makes the generic layer raise
	 * SIGPIPE unless MSG_NOSIGNAL. */
	ssize_t (*sendmsg)(struct socket *s, struct kmsg *m, unsigned flags);
	ssize_t (*recvmsg)(struct socket *s, struct kmsg *m, unsigned flags);
	int (*shutdown)(struct socket *s, int how);
	/* The local (peer == false) or remote address into addr (SOCKADDR_MAX bytes); *len set. */
	int (*getname)(struct socket *s, void *addr, size_t *len, bool peer);
	/* val is a kernel copy of the user's option (len bytes); getsockopt writes at most *len
	 * and sets *len. Options the generic layer handles never reach these. */
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, size_t len);
	int (*getsockopt)(struct socket *s, int level, int name, void *val, size_t *len);
	/* POLL* bits ready now; never sleeps. */
	unsigned (*poll)(struct socket *s);
	/* arg is a kernel buffer of the command's size (the generic layer bounces it). */
	long (*ioctl)(struct socket *s, unsigned cmd, void *arg);
};

struct socket {
	int family, type, protocol;	/* type without SOCK_NONBLOCK/SOCK_CLOEXEC */
	const struct proto_ops *ops;
	void *priv;			/* the family's */
	struct file *file;		/* the open file owning this socket (not counted) */
	uint64_t rcvtimeo_ns;		/* 0: wait forever (SO_RCVTIMEO) */
	uint64_t sndtimeo_ns;		/* SO_SNDTIMEO */
	bool listening;			/* a listen() succeeded (SO_ACCEPTCONN) */
	struct poll_head poll;		/* poll, select and epoll wait here (sock_wake) */
};

struct net_family {
	int family;
	/* Sets s->ops and s->priv for type/protocol; -EPROTONOSUPPORT, -ESOCKTNOSUPPORT... */
	int (*create)(struct socket *s, int type, int protocol);
	/* socketpair(2); NULL: -EOPNOTSUPP. */
	int (*pair)(struct socket *a, struct socket *b);
};

/* Registers a family at boot (thread context); families not registered give -EAFNOSUPPORT. */
void sock_register_family(const struct net_family *fam);

/* keel's own families, registered from kmain: AF_UNIX (kernel/net/unix/). */
void unix_init(void);

/* Readiness of s may have changed: wakes its pollers (poll, select, epoll). Any context. */
void sock_wake(struct socket *s);

/* In-kernel sockets (tests, services): a socket with its file, and its release. */
int sock_create_kern(int family, int type, int protocol, struct socket **out);
void sock_release_kern(struct socket *s);
/* The socket behind an open file, or NULL when it is not a socket. */
struct socket *sock_of_file(struct file *f);

#endif
