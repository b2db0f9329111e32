/*
 * test/test_poll.c — poll heads (keel/poll.h) from a kernel thread: poll_wake calls every
 * shared entry and exclusive ones only until one reports a wakeup; removed entries are not
 * called; a pipe registers through its poll op and wakes its head with the right events
 * (POLLIN on a write, POLLOUT on a read, POLLHUP when the writer closes).
 */
#include <keel/ktest.h>
#include <keel/vfs.h>

struct kt_entry {
	struct poll_entry e;
	int calls, ret;
	unsigned last;			/* events of the last call */
};

static int kt_wake(struct poll_entry *e, unsigned events)
{
	struct kt_entry *k = container_of(e, struct kt_entry, e);

	k->calls++;
	k->last = events;
	return k->ret;
}

static void kt_entry_init(struct kt_entry *k, bool exclusive, int ret)
{
	*k = (struct kt_entry){ .e = { .wake = kt_wake, .exclusive = exclusive }, .ret = ret };
}

KTEST(poll_wake_calls_shared_then_one_exclusive)
{
	struct poll_head h;
	struct kt_entry s1, s2, x1, x2, x3;

	poll_head_init(&h, "kt poll");
	kt_entry_init(&x1, true, 0);		/* "no sleeper": the next one is tried */
	kt_entry_init(&x2, true, 1);
	kt_entry_init(&x3, true, 1);
	kt_entry_init(&s1, false, 1);
	kt_entry_init(&s2, false, 0);
	poll_entry_add(&h, &x1.e);
	poll_entry_add(&h, &x2.e);
	poll_entry_add(&h, &x3.e);
	poll_entry_add(&h, &s1.e);		/* added last, called first */
	poll_entry_add(&h, &s2.e);
	poll_wake(&h, POLLIN);
	KT_EQ(s1.calls, 1);
	KT_EQ(s2.calls, 1);
	KT_EQ(x1.calls, 1);
	KT_EQ(x2.calls, 1);
	KT_EQ(x3.calls, 0);
	KT_EQ(s1.last, POLLIN);
	poll_entry_remove(&s1.e);
	poll_entry_remove(&x2.e);
	poll_wake(&h, 0);
	KT_EQ(s1.calls, 1);
	KT_EQ(x3.calls, 1);
	poll_entry_remove(&s2.e);
	poll_entry_remove(&x1.e);
	poll_entry_remove(&x3.e);
	poll_entry_remove(&x3.e);		/* twice is harmless */
	KT_ASSERT(!poll_head_busy(&h), "entries left on the head");
}

struct kt_table {
	struct poll_table pt;
	struct kt_entry k;
};

static void kt_queue(struct poll_table *pt, struct file *f, struct poll_head *head)
{
	struct kt_table *t = container_of(pt, struct kt_table, pt);

	kt_entry_init(&t->k, false, 1);
	poll_entry_add(head, &t->k.e);
}

KTEST(poll_pipe_wakes_its_head_with_events)
{
	struct kt_table tab = { .pt.queue = kt_queue };
	struct file *rd, *wr;
	char c = 'x';

	KT_EQ(pipe_create(&rd, &wr), 0);
	KT_EQ(file_poll(rd, &tab.pt), 0);
	KT_EQ(file_write(wr, &c, 1), 1);
	KT_EQ(tab.k.calls, 1);
	KT_EQ(tab.k.last, POLLIN | POLLRDNORM);
	KT_EQ(file_poll(rd, NULL), POLLIN | POLLRDNORM);
	KT_EQ(file_read(rd, &c, 1), 1);
	KT_EQ(tab.k.calls, 2);
	KT_EQ(tab.k.last, POLLOUT | POLLWRNORM);
	file_put(wr);				/* the writer goes: readers hear POLLHUP */
	KT_EQ(tab.k.calls, 3);
	KT_ASSERT(tab.k.last & POLLHUP, "close of the writer woke with %#x", tab.k.last);
	KT_EQ(file_poll(rd, NULL), POLLHUP);
	poll_entry_remove(&tab.k.e);
	file_put(rd);
}
