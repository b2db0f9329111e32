/*
 * net/unix/internal.h — AF_UNIX's objects, shared by af_unix.c (names, connections, state)
 * and unix_msg.c (queues, data, SCM_RIGHTS/SCM_CREDENTIALS).
 *
 * Locking: one mutex, unix_mtx, guards every unix_sock field below, the name table and every
 * queue; it is never held across a user copy or a file_put (a file in flight may be a unix
 * socket whose release takes unix_mtx). Waiters sleep on their own or their peer's wq until
 * seq moves: whoever changes a socket's state bumps its seq under unix_mtx and wakes it
 * (unix_touch), so a change between the check and the sleep is never missed.
 *
 * Lifetime: refs counts the socket layer's hold (until release) plus every pointer from
 * another unix_sock (peer, dgram destination, an embryo on a listener's queue); the last
 * unix_put frees it. A released socket is dead: its queue is purged and it refuses data.
 */
#ifndef NET_UNIX_INTERNAL_H
#define NET_UNIX_INTERNAL_H

#include <keel/list.h>
#include <keel/vfs.h>
#include <keel/socket.h>
#include <keel/sync.h>

#define UNIX_PATH_MAX	108
#define UNIX_ADDR_MAX	(2 + UNIX_PATH_MAX)	/* sizeof(struct sockaddr_un) */
#define UNIX_RCVBUF	212992			/* bytes queued to one socket before senders wait */
#define UNIX_DGRAM_QLEN	512			/* datagrams queued to one socket */
#define UNIX_SKB_MAX	(64 * 1024)		/* stream data per queued chunk */
#define UNIX_STREAM_QLEN 4096			/* stream chunks queued: bounds tiny writes' skbs */

#define RCV_SHUTDOWN	1
#define SEND_SHUTDOWN	2
#define SHUTDOWN_MASK	3

enum unix_state { UNIX_UNCONNECTED, UNIX_LISTENING, UNIX_CONNECTED };

/* A bound name: the sockaddr_un bytes (len of them) and, for a path, its socket inode. */
struct unix_addr {
	size_t len;
	char name[UNIX_ADDR_MAX + 1];
	struct inode *ino;		/* counted; NULL in the abstract namespace */
};

/* One queued message (dgram, seqpacket) or one stream write chunk. */
struct unix_skb {
	struct list_node node;
	size_t len, off;		/* off: bytes a stream reader already took */
	struct file **fds;		/* SCM_RIGHTS in flight, each counted */
	unsigned nfds;
	struct ucred cred;		/* the sender's (SCM_CREDENTIALS) */
	struct unix_addr from;		/* dgram: the sender's name (from.len 0: unbound) */
	char data[];
};

struct unix_sock {
	int refs;
	int type;
	struct socket *sock;		/* NULL for an embryo (not yet accepted) and once released */
	enum unix_state state;
	bool dead;			/* released */
	unsigned shutdown;		/* RCV_SHUTDOWN | SEND_SHUTDOWN */
	int err;			/* pending error (ECONNRESET), reported once */
	bool passcred;			/* SO_PASSCRED */
	struct unix_sock *peer;		/* counted */
	struct ucred peercred;		/* SO_PEERCRED */
	struct unix_addr *addr;		/* bound name, or NULL */
	struct list_node bound_node;	/* unix_bound, while addr */
	struct list_node queue;		/* struct unix_skb: received data */
	size_t queued;			/* bytes in queue */
	unsigned nqueued;		/* skbs in queue */
	struct list_node accept_q;	/* listener: embryos (unix_sock.accept_node) */
	struct list_node accept_node;
	unsigned backlog, nbacklog;
	struct list_node all_node;	/* unix_all: every unix_sock */
	struct wait_queue wq;
	uint64_t seq;
	unsigned pollmask;		/* POLL* bits at the last unix_touch (atomic reads) */
	bool was_full;			/* queue full at the last unix_touch */
	struct mutex iolock;		/* one reader at a time: a reader's skb stays put */
};

extern struct mutex unix_mtx;

/* af_unix.c */
void unix_get(struct unix_sock *u);
void unix_put(struct unix_sock *u);		/* unix_mtx held */
void unix_touch(struct unix_sock *u);		/* unix_mtx held */
/* u's queue takes no more now (bytes or skbs at their limit). unix_mtx held. */
bool unix_full(const struct unix_sock *u);
/* Sleeps until u->seq leaves seen, the absolute deadline (0: none) passes (-EAGAIN) or a
 * signal comes (-ERESTARTSYS, or -EINTR with a deadline). unix_mtx not held. */
int unix_wait(struct unix_sock *u, uint64_t seen, uint64_t deadline);
uint64_t unix_deadline(uint64_t timeo_ns);
/* The socket bound to the sockaddr_un at addr (counted), of type; -ECONNREFUSED, -ENOENT,
 * -EPROTOTYPE, -EINVAL. unix_mtx not held (it walks the VFS). */
int unix_find(const void *addr, size_t len, int type, struct unix_sock **out);	/* unix_name.c */
void unix_current_cred(struct ucred *c);
struct unix_sock *unix_alloc(int type);

/* unix_name.c */
int unix_bind(struct socket *s, const void *addr, size_t len);
int unix_getname(struct socket *s, void *addr, size_t *len, bool peer);

/* unix_msg.c */
ssize_t unix_sendmsg(struct socket *s, struct kmsg *m, unsigned flags);
ssize_t unix_recvmsg(struct socket *s, struct kmsg *m, unsigned flags);
/* Takes every skb off u's queue (unix_mtx held) onto out, for unix_skb_free_list. */
void unix_queue_take(struct unix_sock *u, struct list_node *out);
/* Frees skbs and puts their files; unix_mtx not held. */
void unix_skb_free_list(struct list_node *list);

#endif
