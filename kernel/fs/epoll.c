/*
 * fs/epoll.c — epoll instances: registrations, the ready list, harvesting (fs/epoll.h).
 *
 * An item (struct epitem) is one (file, fd) registration. At ADD it puts an entry on every
 * poll head of the file (through the file's poll op); the entry's callback, run by the
 * object's poll_wake, links the item on the instance's ready list if the events concern it
 * and wakes one epoll_wait sleeper. Waking therefore costs O(ready): epoll_wait looks only
 * at the ready list. Harvesting takes each ready item off the list, asks the file for its
 * events (a level-triggered item that reports goes back on the list, an edge-triggered one
 * stays off until the next wakeup, a one-shot one is disarmed until EPOLL_CTL_MOD).
 *
 * Items do not hold their file: the file's last put (epoll_file_release) removes them, so a
 * closed fd leaves every epoll it was in while a dup'ed fd keeps the registration, as
 * Linux's open-file-description rule says. Epolls may watch epolls, without cycles and at
 * most EP_MAX_NESTS deep (ELOOP otherwise), so poll-head locks nest only along that DAG.
 */
#include "epoll.h"
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/sched.h>

struct mutex ep_mutex = MUTEX_INIT(ep_mutex, "epoll graph");

struct eventpoll *ep_alloc(void)
{
	struct eventpoll *ep = kzalloc(sizeof(*ep));

	if (!ep)
		return NULL;
	ep->nbuckets = 16;
	ep->buckets = kmalloc(ep->nbuckets * sizeof(*ep->buckets));
	if (!ep->buckets) {
		kfree(ep);
		return NULL;
	}
	for (unsigned i = 0; i < ep->nbuckets; i++)
		list_init(&ep->buckets[i]);
	mutex_init(&ep->mtx, "epoll");
	spin_init(&ep->lock, "epoll ready");
	list_init(&ep->rdllist);
	wq_init(&ep->wq, "epoll wait");
	poll_head_init(&ep->poll, "epoll poll");
	return ep;
}

/* ---- the (file, fd) table; ep->mtx ---- */

static unsigned ep_hash(const struct eventpoll *ep, const struct file *f, int fd)
{
	uint64_t h = ((uintptr_t)f >> 4) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(unsigned)fd;

	return (unsigned)(h ^ h >> 29) & (ep->nbuckets - 1);
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	list_for_each_entry(epi, &ep->buckets[ep_hash(ep, f, fd)], struct epitem, hnode)
		if (epi->file == f && epi->fd == fd)
			return epi;
	return NULL;
}

/* Doubles the table when it averages two items a bucket (keeps it when out of memory). */
static void ep_grow(struct eventpoll *ep)
{
	unsigned old_n = ep->nbuckets;
	struct list_node *old = ep->buckets, *nb;

	if (ep->nitems < 2 * old_n || !(nb = kmalloc(2 * old_n * sizeof(*nb))))
		return;
	ep->buckets = nb;
	ep->nbuckets = 2 * old_n;
	for (unsigned i = 0; i < ep->nbuckets; i++)
		list_init(&nb[i]);
	for (unsigned i = 0; i < old_n; i++)
		while (!list_empty(&old[i])) {
			struct epitem *epi = list_first(&old[i], struct epitem, hnode);

			list_remove(&epi->hnode);
			list_append(&nb[ep_hash(ep, epi->file, epi->fd)], &epi->hnode);
		}
	kfree(old);
}

/* ---- readiness ---- */

/* With ep->lock held: puts epi on the ready list unless it is there. */
static void ep_mark_ready_locked(struct eventpoll *ep, struct epitem *epi)
{
	if (!epi->ready) {
		epi->ready = true;
		list_append(&ep->rdllist, &epi->rdllink);
	}
}

/* The poll-head callback: the watched file may have become ready for events. For an
 * exclusive item, 1 means an epoll_wait sleeper was there for it (one woken is enough). */
static int ep_poll_callback(struct poll_entry *e, unsigned events)
{
	struct epitem *epi = container_of(e, struct ep_pwq, e)->epi;
	struct eventpoll *ep = epi->ep;
	uint32_t want = READ_ONCE(epi->events);
	int woke = 0;

	if (!(want & ~EP_PRIVATE_BITS))
		return 0;			/* a fired one-shot item */
	if (events && !(events & want))
		return 0;
	spin_lock(&ep->lock);
	ep_mark_ready_locked(ep, epi);
	spin_unlock(&ep->lock);
	if (wq_wake_one(&ep->wq))
		woke = !(want & EPOLLEXCLUSIVE) || !events || (events & want & EP_INOUT_BITS);
	poll_wake(&ep->poll, POLLIN | POLLRDNORM);
	return woke || !(want & EPOLLEXCLUSIVE);
}

struct ep_queue {
	struct poll_table pt;
	struct epitem *epi;
	int error;
};

static void ep_queue_proc(struct poll_table *pt, struct file *f, struct poll_head *head)
{
	struct ep_queue *q = container_of(pt, struct ep_queue, pt);
	struct epitem *epi = q->epi;
	struct ep_pwq *pwq;

	if (epi->npwq == EP_MAX_HEADS) {
		q->error = -ENOMEM;
		return;
	}
	pwq = &epi->pwq[epi->npwq++];
	pwq->epi = epi;
	pwq->e.wake = ep_poll_callback;
	pwq->e.exclusive = (epi->events & EPOLLEXCLUSIVE) != 0;
	poll_entry_add(head, &pwq->e);
}

static unsigned ep_item_poll(struct epitem *epi, struct poll_table *pt)
{
	return file_poll(epi->file, pt) & READ_ONCE(epi->events);
}

bool ep_events_available(struct eventpoll *ep)
{
	bool f = spin_lock_irqsave(&ep->lock), any = !list_empty(&ep->rdllist);

	spin_unlock_irqrestore(&ep->lock, f);
	return any;
}

/* ---- items ---- */

/* Unhooks and frees epi: ep_mutex and ep->mtx held. After the entries are off their heads
 * no callback runs for epi. */
static void ep_remove(struct eventpoll *ep, struct epitem *epi)
{
	bool f;

	for (unsigned i = 0; i < epi->npwq; i++)
		poll_entry_remove(&epi->pwq[i].e);
	f = spin_lock_irqsave(&ep->lock);
	if (epi->ready)
		list_remove(&epi->rdllink);
	spin_unlock_irqrestore(&ep->lock, f);
	list_remove(&epi->fllink);
	list_remove(&epi->hnode);
	ep->nitems--;
	kfree(epi);
}

/* Levels of epolls under f (0: f is not an epoll), or -1 when ep is among them or they are
 * deeper than EP_MAX_NESTS. ep_mutex held. */
static int ep_depth_below(struct eventpoll *ep, struct file *f, int level)
{
	struct eventpoll *sub;
	int max = 0;

	if (f->ops != &epoll_fops)
		return 0;
	sub = f->priv;
	if (sub == ep || level > EP_MAX_NESTS)
		return -1;
	for (unsigned b = 0; b < sub->nbuckets; b++)
		list_for_each_entry(epi, &sub->buckets[b], struct epitem, hnode) {
			int d = ep_depth_below(ep, epi->file, level + 1);

			if (d < 0)
				return -1;
			max = MAX(max, d);
		}
	return max + 1;
}

/* Levels of epolls above ep's file (0: none watches it). ep_mutex held. */
static int ep_depth_above(struct file *f, int level)
{
	int max = 0;

	if (level > EP_MAX_NESTS)
		return level;
	list_for_each_entry(epi, &f->ep_items, struct epitem, fllink)
		max = MAX(max, 1 + ep_depth_above(epi->ep->file, level + 1));
	return max;
}

static int ep_insert(struct eventpoll *ep, int fd, struct file *tf, const struct epoll_event *ev)
{
	struct epitem *epi;
	struct ep_queue q = { .pt.queue = ep_queue_proc };
	unsigned revents;
	bool f;

	if (tf->ops == &epoll_fops) {
		int below = ep_depth_below(ep, tf, 1);

		if (below < 0 || ep_depth_above(ep->file, 0) + below > EP_MAX_NESTS)
			return -ELOOP;
	}
	epi = kzalloc(sizeof(*epi));
	if (!epi)
		return -ENOMEM;
	epi->ep = ep;
	epi->file = tf;
	epi->fd = fd;
	epi->events = ev->events | EPOLLERR | EPOLLHUP;
	epi->data = ev->data;
	q.epi = epi;
	list_append(&tf->ep_items, &epi->fllink);
	list_append(&ep->buckets[ep_hash(ep, tf, fd)], &epi->hnode);
	ep->nitems++;
	revents = ep_item_poll(epi, &q.pt);
	if (q.error) {
		ep_remove(ep, epi);
		return q.error;
	}
	if (revents) {
		f = spin_lock_irqsave(&ep->lock);
		ep_mark_ready_locked(ep, epi);
		spin_unlock_irqrestore(&ep->lock, f);
		wq_wake_one(&ep->wq);
		poll_wake(&ep->poll, POLLIN | POLLRDNORM);
	}
	ep_grow(ep);
	return 0;
}

static int ep_modify(struct eventpoll *ep, struct epitem *epi, const struct epoll_event *ev)
{
	bool f = spin_lock_irqsave(&ep->lock);

	WRITE_ONCE(epi->events, ev->events | EPOLLERR | EPOLLHUP);
	epi->data = ev->data;
	spin_unlock_irqrestore(&ep->lock, f);
	if (ep_item_poll(epi, NULL)) {
		f = spin_lock_irqsave(&ep->lock);
		ep_mark_ready_locked(ep, epi);
		spin_unlock_irqrestore(&ep->lock, f);
		wq_wake_one(&ep->wq);
		poll_wake(&ep->poll, POLLIN | POLLRDNORM);
	}
	return 0;
}

/* Linux's checks before any lock, in its order: EPERM for files that cannot be polled, then
 * EINVAL (EPOLLEXCLUSIVE misuse, not an epoll, the epoll itself, an unknown op). */
int ep_ctl_check(struct file *ef, int op, struct file *tf, const struct epoll_event *ev)
{
	if (!tf->ops->poll)
		return -EPERM;			/* regular files, /dev/null...: always ready */
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD || tf->ops == &epoll_fops ||
		    (ev->events & ~EP_EXCLUSIVE_OK))
			return -EINVAL;
	}
	if (ef == tf || ef->ops != &epoll_fops)
		return -EINVAL;
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
		return -EINVAL;
	return 0;
}

int ep_ctl(struct eventpoll *ep, int op, int fd, struct file *tf, const struct epoll_event *ev)
{
	struct epitem *epi;
	int r = 0;

	mutex_lock(&ep_mutex);
	mutex_lock(&ep->mtx);
	epi = ep_find(ep, tf, fd);
	if (op == EPOLL_CTL_ADD)
		r = epi ? -EEXIST : ep_insert(ep, fd, tf, ev);
	else if (!epi)
		r = -ENOENT;
	else if (op == EPOLL_CTL_DEL)
		ep_remove(ep, epi);
	else if (epi->events & EPOLLEXCLUSIVE)
		r = -EINVAL;
	else
		r = ep_modify(ep, epi, ev);
	mutex_unlock(&ep->mtx);
	mutex_unlock(&ep_mutex);
	return r;
}

/* ---- harvesting ---- */

/* Puts what a harvest did not get to back at the front of the ready list. */
static void ep_requeue(struct eventpoll *ep, struct list_node *tx)
{
	bool f = spin_lock_irqsave(&ep->lock);

	while (!list_empty(tx)) {
		struct epitem *epi = list_entry(tx->prev, struct epitem, rdllink);

		list_remove(&epi->rdllink);
		list_push(&ep->rdllist, &epi->rdllink);
	}
	spin_unlock_irqrestore(&ep->lock, f);
}

/* Takes epi off the harvest list tx; a callback from now on queues it again. */
static void ep_take(struct eventpoll *ep, struct epitem *epi)
{
	bool f = spin_lock_irqsave(&ep->lock);

	list_remove(&epi->rdllink);
	epi->ready = false;
	spin_unlock_irqrestore(&ep->lock, f);
}

static void ep_requeue_one(struct eventpoll *ep, struct epitem *epi, bool front)
{
	bool f = spin_lock_irqsave(&ep->lock);

	if (!epi->ready) {
		epi->ready = true;
		if (front)
			list_push(&ep->rdllist, &epi->rdllink);
		else
			list_append(&ep->rdllist, &epi->rdllink);
	}
	spin_unlock_irqrestore(&ep->lock, f);
}

/* Moves the ready list onto tx (empty before). ep->mtx held. */
static void ep_splice(struct eventpoll *ep, struct list_node *tx)
{
	bool f = spin_lock_irqsave(&ep->lock);

	list_init(tx);
	if (!list_empty(&ep->rdllist)) {
		tx->next = ep->rdllist.next;
		tx->prev = ep->rdllist.prev;
		tx->next->prev = tx->prev->next = tx;
		list_init(&ep->rdllist);
	}
	spin_unlock_irqrestore(&ep->lock, f);
}

int ep_send_events(struct eventpoll *ep, struct epoll_event __user *uev, int maxevents)
{
	struct list_node tx;
	int n = 0;

	mutex_lock(&ep->mtx);
	ep_splice(ep, &tx);
	while (n < maxevents && !list_empty(&tx)) {
		struct epitem *epi = list_first(&tx, struct epitem, rdllink);
		struct epoll_event ev;

		ep_take(ep, epi);
		ev.events = ep_item_poll(epi, NULL);
		if (!ev.events)
			continue;		/* no longer ready: off the list until woken */
		ev.data = epi->data;
		if (copy_to_user(&uev[n], &ev, sizeof(ev))) {
			ep_requeue_one(ep, epi, true);
			if (!n)
				n = -EFAULT;
			break;
		}
		n++;
		if (epi->events & EPOLLONESHOT)
			WRITE_ONCE(epi->events, epi->events & EP_PRIVATE_BITS);
		else if (!(epi->events & EPOLLET))
			ep_requeue_one(ep, epi, false);	/* level: still ready, report again */
	}
	ep_requeue(ep, &tx);
	mutex_unlock(&ep->mtx);
	/* Another sleeper may take what is left (more than maxevents, level items). */
	if (ep_events_available(ep))
		wq_wake_one(&ep->wq);
	return n;
}

/* ---- the files ---- */

void epoll_file_release(struct file *f)
{
	mutex_lock(&ep_mutex);
	while (!list_empty(&f->ep_items)) {
		struct epitem *epi = list_first(&f->ep_items, struct epitem, fllink);
		struct eventpoll *ep = epi->ep;

		mutex_lock(&ep->mtx);
		ep_remove(ep, epi);
		mutex_unlock(&ep->mtx);
	}
	mutex_unlock(&ep_mutex);
}

static void epoll_release(struct file *f)
{
	struct eventpoll *ep = f->priv;

	mutex_lock(&ep_mutex);
	mutex_lock(&ep->mtx);
	for (unsigned b = 0; b < ep->nbuckets; b++)
		while (!list_empty(&ep->buckets[b]))
			ep_remove(ep, list_first(&ep->buckets[b], struct epitem, hnode));
	mutex_unlock(&ep->mtx);
	mutex_unlock(&ep_mutex);
	kfree(ep->buckets);
	kfree(ep);
}

/* Whether epoll_wait would report something now: queued items are asked (as a harvest would,
 * dropping those with nothing) until one has events. Takes ep->mtx: an epoll's poll may
 * sleep, and its callers (poll/select scans, an outer epoll's ctl and harvest) allow it;
 * the epoll graph is acyclic, so outer-before-inner is the only order of instance mutexes. */
static bool ep_has_events(struct eventpoll *ep)
{
	struct list_node tx;
	bool found = false;

	mutex_lock(&ep->mtx);
	ep_splice(ep, &tx);
	while (!found && !list_empty(&tx)) {
		struct epitem *epi = list_first(&tx, struct epitem, rdllink);

		ep_take(ep, epi);
		if (ep_item_poll(epi, NULL)) {
			ep_requeue_one(ep, epi, true);
			found = true;
		}
	}
	ep_requeue(ep, &tx);
	mutex_unlock(&ep->mtx);
	return found;
}

static unsigned epoll_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->priv;

	poll_wait(f, &ep->poll, pt);
	return ep_events_available(ep) && ep_has_events(ep) ? POLLIN | POLLRDNORM : 0;
}

const struct file_ops epoll_fops = {
	.release = epoll_release,
	.poll = epoll_poll,
	.stream = true,
};
