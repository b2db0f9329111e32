/*
 * fs/epoll.h — what fs/epoll.c and fs/sys_epoll.c share: the instance, its items, the
 * Linux constants.
 *
 * Locking, outer to inner: ep_mutex (global: the graph of epolls watching epolls, every
 * file's ep_items list, the last close of a watched file) before ep->mtx (one instance: its
 * item table and harvesting) before poll-head locks before ep->lock (irq-saving: the ready
 * list and every item's `ready`). ep->mtx is held across copy_to_user: the page-fault path
 * takes no epoll lock, and no file that can be in an epoll (only files with a poll op) can be
 * mapped, so no munmap's last file_put needs ep_mutex while a harvest waits on a fault.
 */
#ifndef FS_EPOLL_H
#define FS_EPOLL_H

#include "internal.h"

#define EPOLLIN		0x001
#define EPOLLOUT	0x004
#define EPOLLERR	0x008
#define EPOLLHUP	0x010
#define EPOLLRDHUP	0x2000
#define EPOLLEXCLUSIVE	(1u << 28)
#define EPOLLWAKEUP	(1u << 29)
#define EPOLLONESHOT	(1u << 30)
#define EPOLLET		(1u << 31)
#define EP_PRIVATE_BITS	(EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_INOUT_BITS	(EPOLLIN | EPOLLOUT)
#define EP_EXCLUSIVE_OK	(EP_INOUT_BITS | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | \
			 EPOLLEXCLUSIVE)
#define EPOLL_CTL_ADD	1
#define EPOLL_CTL_DEL	2
#define EPOLL_CTL_MOD	3
#define EPOLL_CLOEXEC	O_CLOEXEC
#define EP_MAX_NESTS	4		/* epolls inside epolls, as Linux */
#define EP_MAX_HEADS	2		/* poll heads one watched file may register on */

struct epoll_event {
	uint32_t events;
	uint64_t data;
} __packed;

struct eventpoll;

struct ep_pwq {
	struct poll_entry e;
	struct epitem *epi;
};

struct epitem {
	struct list_node hnode;		/* ep->buckets[], ep->mtx */
	struct list_node fllink;	/* file->ep_items, ep_mutex */
	struct list_node rdllink;	/* ep->rdllist (or a harvest's list) while ready */
	bool ready;			/* ep->lock */
	struct eventpoll *ep;
	struct file *file;		/* not counted: the item dies in the file's last put */
	int fd;
	uint32_t events;		/* asked | EPOLLERR | EPOLLHUP; written under ep->lock */
	uint64_t data;
	unsigned npwq;
	struct ep_pwq pwq[EP_MAX_HEADS];
};

struct eventpoll {
	struct mutex mtx;
	struct spinlock lock;
	struct list_node rdllist;	/* struct epitem.rdllink, oldest first */
	struct wait_queue wq;		/* epoll_wait sleepers, woken one per event */
	struct poll_head poll;		/* poll/epoll watching this instance */
	struct list_node *buckets;	/* (file, fd) hash of every item */
	unsigned nbuckets, nitems;
	struct file *file;		/* the instance's own file (not counted) */
};

extern const struct file_ops epoll_fops;
extern struct mutex ep_mutex;

struct eventpoll *ep_alloc(void);
/* epoll_ctl's argument checks (0 or -errno), then the operation on an instance that passed
 * them; the caller holds references to both files. */
int ep_ctl_check(struct file *ef, int op, struct file *tf, const struct epoll_event *ev);
int ep_ctl(struct eventpoll *ep, int op, int fd, struct file *tf, const struct epoll_event *ev);
/* Harvests up to maxevents ready events into uev: their number, -EFAULT (none copied). */
int ep_send_events(struct eventpoll *ep, struct epoll_event __user *uev, int maxevents);
bool ep_events_available(struct eventpoll *ep);

#endif
