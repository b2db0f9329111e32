/*
 * keel/poll.h — readiness: the wait heads pollable objects own, and the poll table through
 * which poll, select and epoll register on them (kernel/fs/poll.c).
 *
 * Every pollable object (a pipe, the tty, an eventfd, a timerfd, an epoll instance, a socket)
 * owns a struct poll_head. Its file_ops.poll(f, pt) calls poll_wait(f, head, pt) for each head
 * whose changes can change f's readiness, then returns the POLL* bits ready now; with
 * pt == NULL it only reports. Whoever changes the object's state calls poll_wake(head,
 * events) afterwards, events naming what may have become ready (POLLIN, POLLOUT, POLLHUP...,
 * or 0 for "anything"). poll_wake runs each entry's callback: a sleeping poll() is woken, an
 * epoll item is put on its instance's ready list. Entries whose interest does not meet events
 * are skipped by their callbacks, so a read that frees room does not wake readers' pollers.
 *
 * Exclusive entries (EPOLLEXCLUSIVE) sit after all others; poll_wake stops after the first
 * exclusive callback that reports it woke someone.
 *
 * Lifetime: a head lives at least as long as every file that polls it (pipe: both ends;
 * socket: its file). poll() holds a file reference while it is queued; epoll items are
 * removed in the file's last file_put, before ops->release (epoll_file_release).
 *
 * The socket layer (keel/socket.h, kernel/net/socket.c) needs exactly three changes:
 *   - struct socket gains `struct poll_head poll;`, and sock_alloc calls
 *     poll_head_init(&s->poll, "socket") after kzalloc;
 *   - sock_file_poll becomes (struct file *f, struct poll_table *pt) and starts with
 *     poll_wait(f, &s->poll, pt) before asking s->ops->poll(s);
 *   - sock_wake(s) is poll_wake(&s->poll, 0) instead of vfs_poll_notify() (gone).
 * That is all sockets need for poll, select and epoll (EPOLLRDHUP is what ops->poll reports).
 *
 * Locking: head->lock is irq-saving; callbacks run with it held and interrupts off and never
 * call a poll op or take an object's lock (they take only their waiter's or epoll's locks),
 * so poll_wake may be called from any context, with or without the object's own lock held.
 */
#ifndef KEEL_POLL_H
#define KEEL_POLL_H

#include <keel/types.h>
#include <keel/list.h>
#include <keel/spinlock.h>

struct file;

#define POLLIN		0x001
#define POLLPRI		0x002
#define POLLOUT		0x004
#define POLLERR		0x008
#define POLLHUP		0x010
#define POLLNVAL	0x020
#define POLLRDNORM	0x040
#define POLLRDBAND	0x080
#define POLLWRNORM	0x100
#define POLLWRBAND	0x200
#define POLLMSG		0x400
#define POLLRDHUP	0x2000
/* What a file with no poll op reports (regular files, directories, /dev/null...). */
#define POLL_DEFAULT	(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct poll_head {
	struct spinlock lock;
	struct list_node entries;	/* struct poll_entry: shared ones, then exclusive ones */
};

struct poll_entry;
/* Called under head->lock, interrupts off: returns 1 when it woke a waiter (what counts for
 * exclusive wakeups), 0 when events did not concern it. */
typedef int (*poll_wake_fn)(struct poll_entry *e, unsigned events);

struct poll_entry {
	struct list_node node;
	struct poll_head *head;		/* NULL when not queued */
	poll_wake_fn wake;
	bool exclusive;
};

/* What poll ops register through: queue() puts an entry of the caller's on head. */
struct poll_table {
	void (*queue)(struct poll_table *pt, struct file *f, struct poll_head *head);
};

void poll_head_init(struct poll_head *h, const char *name);
/* Registers the caller of f's poll op on head (no-op for pt == NULL: report only). */
static inline void poll_wait(struct file *f, struct poll_head *head, struct poll_table *pt)
{
	if (pt && pt->queue)
		pt->queue(pt, f, head);
}
/* Queues e (its wake and exclusive already set) on h. Any context. */
void poll_entry_add(struct poll_head *h, struct poll_entry *e);
/* Takes e off its head if it is on one. Any context; e->wake is not running afterwards. */
void poll_entry_remove(struct poll_entry *e);
/* h's object may have become ready for events (0: for anything). Any context. */
void poll_wake(struct poll_head *h, unsigned events);
/* True when someone is registered on h (a hint: racy by nature). */
bool poll_head_busy(struct poll_head *h);

#endif
