/*
 * block/queue.c — a disk's request queue: sorted pending requests fed to the driver.
 *
 * block_submit moves a partition's request onto its disk, refuses what lies outside the
 * device (-EIO, never reaching the driver), and inserts the request into the disk's pending
 * list in sector order (one elevator sweep: a FLUSH is a barrier and goes to the end, and
 * nothing queued after it passes it). block_dispatch hands pending requests to the driver
 * until it answers -EBUSY; every completion dispatches again, so a driver with a deep queue
 * always has work while there is some.
 *
 * Locking: d->qlock (irq-safe) guards pending, inflight and the counters. The driver's
 * submit runs under it; block_req_done takes it, so drivers call that without their own lock
 * held if their submit takes it.
 */
#include <keel/block.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/memlayout.h>
#include <keel/panic.h>
#include <keel/string.h>

void block_req_init(struct block_req *req, struct block_dev *d, enum block_op op,
		    uint64_t sector)
{
	req->dev = d;
	req->op = op;
	req->sector = sector;
	req->nseg = 0;
	req->status = 0;
	req->done = NULL;
	req->priv = NULL;
	req->drv = NULL;
	completion_init(&req->wait, "block req");
	list_init(&req->node);
}

bool block_req_add(struct block_req *req, void *buf, uint32_t len)
{
	if (req->nseg == BLOCK_SEGS || !len || len % SECTOR_SIZE)
		return false;
	req->seg[req->nseg++] = (struct block_seg){ buf, len };
	return true;
}

static uint64_t req_sectors(const struct block_req *req)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < req->nseg; i++)
		n += req->seg[i].len / SECTOR_SIZE;
	return n;
}

static void finish(struct block_req *req)
{
	if (req->done)
		req->done(req);
	else
		complete(&req->wait);
}

/* Feeds the driver (qlock held). */
static void dispatch_locked(struct block_dev *d)
{
	while (!list_empty(&d->pending)) {
		struct block_req *req = list_first(&d->pending, struct block_req, node);

		/* a flush waits until every write before it has finished */
		if (req->op == BLOCK_FLUSH && d->inflight)
			return;
		list_remove(&req->node);
		if (d->ops->submit(d, req) == -EBUSY) {
			list_push(&d->pending, &req->node);
			return;
		}
		d->inflight++;
		if (req->op == BLOCK_FLUSH)
			return;		/* nothing passes a flush in flight */
	}
}

/* Sorted insert behind the last flush. */
static void insert_locked(struct block_dev *d, struct block_req *req)
{
	struct list_node *at = &d->pending;

	if (req->op != BLOCK_FLUSH) {
		for (struct list_node *it = d->pending.prev; it != &d->pending; it = it->prev) {
			struct block_req *q = list_entry(it, struct block_req, node);

			if (q->op == BLOCK_FLUSH || q->sector <= req->sector)
				break;
			at = it;
		}
	}
	/* insert before `at` (the list head means: at the end) */
	req->node.next = at;
	req->node.prev = at->prev;
	at->prev->next = &req->node;
	at->prev = &req->node;
}

void block_submit(struct block_req *req)
{
	struct block_dev *d = req->dev;
	uint64_t n = req_sectors(req);
	bool f;

	if (req->op != BLOCK_FLUSH &&
	    (!n || req->sector >= d->nsectors || n > d->nsectors - req->sector)) {
		pr_warn("block: %s: request for sectors %lu+%lu outside the device (%lu)\n",
			d->name, req->sector, n, d->nsectors);
		req->status = -EIO;
		finish(req);
		return;
	}
	if (req->op == BLOCK_WRITE && d->read_only) {
		req->status = -EROFS;
		finish(req);
		return;
	}
	req->sector += d->start;
	req->dev = d = d->whole;
	if (req->op == BLOCK_FLUSH && !d->can_flush) {
		req->status = 0;
		finish(req);
		return;
	}
	f = spin_lock_irqsave(&d->qlock);
	insert_locked(d, req);
	dispatch_locked(d);
	spin_unlock_irqrestore(&d->qlock, f);
}

void block_req_done(struct block_req *req, int status)
{
	struct block_dev *d = req->dev;
	bool f;

	req->status = status;
	f = spin_lock_irqsave(&d->qlock);
	if (!d->inflight)
		panic("block_req_done: %s completed a request it was never given", d->name);
	d->inflight--;
	if (req->op == BLOCK_READ)
		d->reads++;
	else if (req->op == BLOCK_WRITE)
		d->writes++;
	else
		d->flushes++;
	if (status) {
		d->errors++;
		pr_err("block: %s: %s of sector %lu failed (%d)\n", d->name,
		       req->op == BLOCK_READ ? "read" : req->op == BLOCK_WRITE ? "write" : "flush",
		       req->sector, status);
	}
	dispatch_locked(d);
	spin_unlock_irqrestore(&d->qlock, f);
	finish(req);
}

int block_io(struct block_req *req)
{
	req->done = NULL;
	block_submit(req);
	completion_wait(&req->wait);
	return req->status;
}

/* One request per BLOCK_SEGS pages of buf (kernel memory, direct-mapped). */
int block_rw(struct block_dev *d, enum block_op op, uint64_t sector, void *buf, size_t len)
{
	struct block_req req;
	char *p = buf;

	if (len % SECTOR_SIZE)
		return -EINVAL;
	while (len) {
		block_req_init(&req, d, op, sector);
		while (len && req.nseg < BLOCK_SEGS) {
			size_t in = (uintptr_t)p % PAGE_SIZE;
			uint32_t chunk = (uint32_t)MIN(len, PAGE_SIZE - in);

			if (chunk % SECTOR_SIZE)
				return -EINVAL;	/* a sector split across pages */
			block_req_add(&req, p, chunk);
			p += chunk;
			len -= chunk;
			sector += chunk / SECTOR_SIZE;
		}
		if (block_io(&req))
			return -EIO;
	}
	return 0;
}

int block_flush(struct block_dev *d)
{
	struct block_req req;

	block_req_init(&req, d, BLOCK_FLUSH, 0);
	return block_io(&req) ? -EIO : 0;
}
