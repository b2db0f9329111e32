/*
 * fs/poll.c — poll heads: the lists of entries that poll(), select() and epoll put on the
 * objects they watch (keel/poll.h).
 *
 * A head is a spinlock and a list. Shared entries are added at the front, exclusive ones at
 * the back, so one pass of poll_wake calls every shared entry and then exclusive ones until
 * one of them reports a wakeup (Linux's __wake_up_common with nr_exclusive = 1). Entries are
 * never unlinked by a wakeup: they stay until their owner removes them, which is what lets
 * epoll watch a file for its whole registration and poll() sleep several times on one scan.
 */
#include <keel/poll.h>

void poll_head_init(struct poll_head *h, const char *name)
{
	spin_init(&h->lock, name);
	list_init(&h->entries);
}

void poll_entry_add(struct poll_head *h, struct poll_entry *e)
{
	bool f = spin_lock_irqsave(&h->lock);

	e->head = h;
	if (e->exclusive)
		list_append(&h->entries, &e->node);
	else
		list_push(&h->entries, &e->node);
	spin_unlock_irqrestore(&h->lock, f);
	/* Pairs with the fence in poll_wake: the caller's next look at the object's state
	 * comes after its entry is visible to wakers. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void poll_entry_remove(struct poll_entry *e)
{
	struct poll_head *h = e->head;
	bool f;

	if (!h)
		return;
	f = spin_lock_irqsave(&h->lock);
	list_remove(&e->node);
	e->head = NULL;
	spin_unlock_irqrestore(&h->lock, f);
}

void poll_wake(struct poll_head *h, unsigned events)
{
	struct list_node *it, *next;
	bool f;

	/* The waker changed the state before this; a poller that queues after the check
	 * below reads the new state (see poll_entry_add), so skipping an empty head loses
	 * nothing. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!poll_head_busy(h))
		return;
	f = spin_lock_irqsave(&h->lock);
	for (it = h->entries.next; it != &h->entries; it = next) {
		struct poll_entry *e = list_entry(it, struct poll_entry, node);

		next = it->next;	/* a callback never unlinks entries of this head */
		if (e->wake(e, events) && e->exclusive)
			break;
	}
	spin_unlock_irqrestore(&h->lock, f);
}

bool poll_head_busy(struct poll_head *h)
{
	return READ_ONCE(h->entries.next) != &h->entries;
}
