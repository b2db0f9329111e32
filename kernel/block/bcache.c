/*
 * block/bcache.c — the buffer cache: cached disk blocks and their writeback.
 *
 * Each cached block is a struct buf, found by (device, block number) in a hash table, with
 * its data in a kmalloc'd block (physically contiguous: sizes are powers of two up to a
 * page). A buf with no references sits on the LRU list and may be evicted when clean. Dirty
 * bufs are also on the dirty list, oldest first.
 *
 * Reads: bread fills a missing block under the buf's mutex (a second reader waits on it and
 * finds it valid); up to `ahead` following blocks that are not cached join the same request,
 * one segment each, so a sequential reader costs one request per BLOCK_SEGS blocks.
 *
 * Writeback (docs/storage.md): a batch takes dirty bufs, clears their DIRTY bit (a change
 * during the write dirties them again), sorts them by (device, block), merges runs of
 * adjacent blocks into one request each, submits them all and waits. Batches run one at a
 * time under wb_mutex, so a sync that holds it knows no older write is still in flight. The
 * writeback thread runs a batch of the bufs dirty longer than BCACHE_DIRTY_EXPIRE_NS every
 * BCACHE_WB_PERIOD_NS, and at once of the oldest ones when dirty data passes half of the
 * dirty limit; an allocation over the cache limit that finds nothing clean to evict writes
 * a batch itself (memory pressure), as does a writer passing the dirty limit (throttling).
 * A failed write is logged by the block layer and remembered: the next sync of that device
 * returns -EIO.
 *
 * Locking: bcache_lock (irq-safe spinlock: write completions run in interrupt context)
 * guards the hash, the lists, refs, flags, writing and the counters. wb_mutex serializes
 * batches. A buf's data belongs to the holder of its mutex while it is being read; after
 * that, to its users (the filesystem serializes its own changes).
 */
#include <keel/block.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/panic.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>

#define HASH_BUCKETS		4096
#define BATCH_MAX		512	/* bufs per writeback batch */
#define BCACHE_DIRTY_EXPIRE_NS	(5ull * NSEC_PER_SEC)
#define BCACHE_WB_PERIOD_NS	(1ull * NSEC_PER_SEC)

static struct spinlock bcache_lock = SPINLOCK_INIT("bcache");
static struct mutex wb_mutex = MUTEX_INIT(wb_mutex, "bcache writeback");
static struct wait_queue wb_wq = WAIT_QUEUE_INIT(wb_wq, "bcache writeback thread");
static struct list_node *hash;
static struct list_node lru = LIST_HEAD_INIT(lru);
static struct list_node dirty = LIST_HEAD_INIT(dirty);
static uint64_t cached_bytes, dirty_bytes, cache_max, dirty_max;
static struct bcache_stats stats;
static bool wb_kicked;

struct wb_error {
	struct block_dev *dev;		/* the whole disk */
	struct wb_error *next;
};
static struct wb_error *wb_errors;	/* disks with a failed write not yet reported */

static unsigned hash_of(struct block_dev *d, uint64_t blkno)
{
	uint64_t h = ((uintptr_t)d >> 4) * 0x9e3779b97f4a7c15ull ^ blkno * 0xff51afd7ed558ccdull;

	return (unsigned)(h >> 40) % HASH_BUCKETS;
}

/* bcache_lock held. */
static struct buf *lookup_locked(struct block_dev *d, uint64_t blkno)
{
	list_for_each_entry(b, &hash[hash_of(d, blkno)], struct buf, hash)
		if (b->dev == d && b->blkno == blkno)
			return b;
	return NULL;
}

static void get_locked(struct buf *b)
{
	if (b->refs++ == 0)
		list_remove(&b->lru);
}

static void free_buf(struct buf *b)
{
	kfree(b->data);
	kfree(b);
}

/* Evicts one clean unused buf (bcache_lock held); false when there is none. */
static bool evict_one_locked(void)
{
	list_for_each_entry(b, &lru, struct buf, lru) {
		if ((b->flags & BUF_DIRTY) || b->writing)
			continue;
		list_remove(&b->lru);
		list_remove(&b->hash);
		cached_bytes -= b->size;
		free_buf(b);
		return true;
	}
	return false;
}

static void writeback_batch(struct block_dev *d, uint64_t owner, bool all, uint64_t before);
static void release(struct buf *b, bool may_balance);

/* Room for size more bytes: evicts, or writes back when only dirty bufs could go. */
static void make_room(unsigned size)
{
	for (int tries = 0; tries < 4; tries++) {
		bool f = spin_lock_irqsave(&bcache_lock);
		bool ok = cached_bytes + size <= cache_max;

		while (!ok && evict_one_locked())
			ok = cached_bytes + size <= cache_max;
		spin_unlock_irqrestore(&bcache_lock, f);
		if (ok)
			return;
		writeback_batch(NULL, 0, true, UINT64_MAX);	/* memory pressure */
	}
	/* everything is referenced: go over the limit rather than fail */
}

static struct buf *new_buf(struct block_dev *d, uint64_t blkno, unsigned size)
{
	struct buf *b = kzalloc(sizeof(*b));

	if (b && !(b->data = kmalloc(size))) {
		kfree(b);
		b = NULL;
	}
	if (!b)
		return NULL;
	b->dev = d;
	b->blkno = blkno;
	b->size = size;
	b->refs = 1;
	mutex_init(&b->lock, "buf");
	list_init(&b->lru);
	list_init(&b->dirty);
	return b;
}

/* The buf for (d, blkno), counted, created empty when missing. *created says which. */
static struct buf *getblk(struct block_dev *d, uint64_t blkno, unsigned size, bool *created)
{
	struct buf *b, *fresh = NULL;
	bool f;

	for (;;) {
		f = spin_lock_irqsave(&bcache_lock);
		b = lookup_locked(d, blkno);
		if (b) {
			get_locked(b);
			stats.hits++;
		} else if (fresh) {
			b = fresh;
			fresh = NULL;
			list_append(&hash[hash_of(d, blkno)], &b->hash);
			cached_bytes += size;
			stats.misses++;
			*created = true;
		}
		spin_unlock_irqrestore(&bcache_lock, f);
		if (fresh)
			free_buf(fresh);	/* someone else added it meanwhile */
		if (b)
			break;
		make_room(size);
		if (!(fresh = new_buf(d, blkno, size)))
			return NULL;
	}
	if (b->size != size)
		panic("bcache: %s block %lu cached with size %u, asked for %u", d->name, blkno,
		      b->size, size);
	return b;
}

static bool balance_needed(void)
{
	return READ_ONCE(dirty_bytes) > dirty_max;
}

/* A writer over the dirty limit writes a batch itself. */
static void balance_dirty(void)
{
	if (balance_needed())
		writeback_batch(NULL, 0, true, UINT64_MAX);
	else if (READ_ONCE(dirty_bytes) > dirty_max / 2 && !READ_ONCE(wb_kicked)) {
		WRITE_ONCE(wb_kicked, true);
		wq_wake_all(&wb_wq);
	}
}

/* Readahead: adds the uncached blocks after b to req, mutexes held; how many. */
static unsigned gather_ahead(struct buf *b, unsigned ahead, struct block_req *req,
			     struct buf **extra)
{
	struct block_dev *d = b->dev;
	uint64_t total = d->nsectors / (b->size / SECTOR_SIZE);
	unsigned max = d->max_segs ? d->max_segs : BLOCK_SEGS, n = 0;

	while (n < ahead && n + 1 < max && b->blkno + n + 1 < total) {
		uint64_t next = b->blkno + n + 1;
		struct buf *x;
		bool f = spin_lock_irqsave(&bcache_lock);

		x = lookup_locked(d, next);
		spin_unlock_irqrestore(&bcache_lock, f);
		if (x || cached_bytes + b->size > cache_max)
			break;
		bool created = false;
		x = getblk(d, next, b->size, &created);
		if (!x)
			break;
		if (!created || !mutex_trylock(&x->lock)) {
			brelse(x);
			break;
		}
		if (x->flags & BUF_VALID) {	/* another reader filled it meanwhile */
			mutex_unlock(&x->lock);
			brelse(x);
			break;
		}
		block_req_add(req, x->data, x->size);
		extra[n++] = x;
	}
	return n;
}

struct buf *bread(struct block_dev *d, uint64_t blkno, unsigned size, unsigned ahead,
		  int *err)
{
	struct buf *extra[BLOCK_SEGS];
	struct block_req *req;
	bool created = false;
	unsigned n;
	struct buf *b = getblk(d, blkno, size, &created);
	int r;

	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	if (READ_ONCE(b->flags) & BUF_VALID)
		return b;
	mutex_lock(&b->lock);
	if (b->flags & BUF_VALID) {
		mutex_unlock(&b->lock);
		return b;
	}
	req = kmalloc(sizeof(*req));
	if (!req) {
		mutex_unlock(&b->lock);
		brelse(b);
		*err = -ENOMEM;
		return NULL;
	}
	block_req_init(req, d, BLOCK_READ, blkno * (size / SECTOR_SIZE));
	block_req_add(req, b->data, size);
	n = gather_ahead(b, MIN(ahead, (unsigned)BLOCK_SEGS - 1), req, extra);
	r = block_io(req);
	kfree(req);
	for (unsigned i = 0; i <= n; i++) {
		struct buf *x = i ? extra[i - 1] : b;
		bool f = spin_lock_irqsave(&bcache_lock);

		x->flags = (x->flags & ~BUF_ERROR) | (r ? BUF_ERROR : BUF_VALID);
		if (i)
			stats.merged_reads++;
		spin_unlock_irqrestore(&bcache_lock, f);
		mutex_unlock(&x->lock);
		if (i)
			brelse(x);
	}
	if (r) {
		brelse(b);
		*err = -EIO;
		return NULL;
	}
	return b;
}

struct buf *bget(struct block_dev *d, uint64_t blkno, unsigned size, int *err)
{
	bool created = false;
	struct buf *b = getblk(d, blkno, size, &created);
	bool f;

	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	mutex_lock(&b->lock);		/* a read in flight finishes first */
	f = spin_lock_irqsave(&bcache_lock);
	if (!(b->flags & BUF_VALID)) {
		memset(b->data, 0, size);
		b->flags = (b->flags & ~BUF_ERROR) | BUF_VALID;
	}
	spin_unlock_irqrestore(&bcache_lock, f);
	mutex_unlock(&b->lock);
	return b;
}

void bdirty(struct buf *b, uint64_t owner)
{
	bool f = spin_lock_irqsave(&bcache_lock);

	if (!(b->flags & BUF_DIRTY)) {
		b->flags |= BUF_DIRTY;
		b->dirty_ns = time_ns();
		list_append(&dirty, &b->dirty);
		dirty_bytes += b->size;
	}
	b->owner = owner;
	spin_unlock_irqrestore(&bcache_lock, f);
}

/* Drops a reference; a dirty buf's last one may throttle the caller (balance). */
static void release(struct buf *b, bool may_balance)
{
	bool f = spin_lock_irqsave(&bcache_lock), balance;

	if (b->refs <= 0)
		panic("brelse: %s block %lu released with %d references", b->dev->name, b->blkno,
		      b->refs);
	if (--b->refs == 0)
		list_append(&lru, &b->lru);
	balance = may_balance && b->refs == 0 && (b->flags & BUF_DIRTY);
	spin_unlock_irqrestore(&bcache_lock, f);
	if (balance)
		balance_dirty();
}

void brelse(struct buf *b)
{
	release(b, true);
}

void bforget(struct block_dev *d, uint64_t blkno)
{
	bool f = spin_lock_irqsave(&bcache_lock);
	struct buf *b = lookup_locked(d, blkno);

	if (b && (b->flags & BUF_DIRTY)) {
		b->flags &= ~BUF_DIRTY;
		list_remove(&b->dirty);
		list_init(&b->dirty);
		dirty_bytes -= b->size;
	}
	if (b && !b->refs && !b->writing) {
		list_remove(&b->lru);
		list_remove(&b->hash);
		cached_bytes -= b->size;
		free_buf(b);
	}
	spin_unlock_irqrestore(&bcache_lock, f);
}

/* ---- writeback ---- */

struct batch {
	struct buf **bufs;
	unsigned n;
	int pending;			/* requests not yet finished (atomic) */
	bool failed;
	struct completion done;
};

static bool takes(struct buf *b, struct block_dev *d, uint64_t owner, bool all,
		  uint64_t before)
{
	if (d && b->dev != d)
		return false;
	if (!all && b->owner && b->owner != owner)
		return false;
	return b->dirty_ns <= before;
}

/* Takes up to BATCH_MAX matching dirty bufs (bcache_lock held): counted, DIRTY cleared. */
static void collect_locked(struct batch *bt, struct block_dev *d, uint64_t owner, bool all,
			   uint64_t before)
{
	struct list_node *it = dirty.next;

	while (it != &dirty && bt->n < BATCH_MAX) {
		struct buf *b = list_entry(it, struct buf, dirty);

		it = it->next;
		if (!takes(b, d, owner, all, before))
			continue;
		list_remove(&b->dirty);
		list_init(&b->dirty);
		b->flags &= ~BUF_DIRTY;
		dirty_bytes -= b->size;
		b->writing++;
		get_locked(b);
		bt->bufs[bt->n++] = b;
	}
}

static bool buf_before(const struct buf *a, const struct buf *b)
{
	if (a->dev != b->dev)
		return (uintptr_t)a->dev < (uintptr_t)b->dev;
	return a->blkno < b->blkno;
}

/* Insertion sort: batches are at most BATCH_MAX and mostly in order already (the dirty
 * list follows the writer). */
static void sort_bufs(struct buf **v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct buf *x = v[i];
		unsigned j = i;

		while (j && buf_before(x, v[j - 1])) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void batch_write_done(struct block_req *req)
{
	struct batch *bt = req->priv;

	if (req->status)
		bt->failed = true;
	if (__atomic_sub_fetch(&bt->pending, 1, __ATOMIC_ACQ_REL) == 0)
		complete(&bt->done);
}

static void record_error(struct block_dev *disk)
{
	struct wb_error *e = kmalloc(sizeof(*e));
	bool f;

	if (!e)
		return;
	e->dev = disk;
	f = spin_lock_irqsave(&bcache_lock);
	e->next = wb_errors;
	wb_errors = e;
	spin_unlock_irqrestore(&bcache_lock, f);
}

/* True (and forgotten) when a write to d's disk failed since the last ask. */
static bool take_error(struct block_dev *d)
{
	bool f = spin_lock_irqsave(&bcache_lock), found = false;

	for (struct wb_error **pp = &wb_errors; *pp;) {
		struct wb_error *e = *pp;

		if (e->dev == d->whole) {
			*pp = e->next;
			kfree(e);
			found = true;
		} else {
			pp = &e->next;
		}
	}
	spin_unlock_irqrestore(&bcache_lock, f);
	return found;
}

/* Submits runs of adjacent blocks as one request each. */
static unsigned submit_runs(struct batch *bt, struct block_req **reqs)
{
	unsigned nreq = 0;

	bt->pending = 1;		/* held until every request is out */
	for (unsigned i = 0; i < bt->n;) {
		struct buf *b = bt->bufs[i];
		unsigned max = b->dev->max_segs ? b->dev->max_segs : BLOCK_SEGS;
		struct block_req *req = reqs[nreq++];
		unsigned j = i;

		block_req_init(req, b->dev, BLOCK_WRITE, b->blkno * (b->size / SECTOR_SIZE));
		req->done = batch_write_done;
		req->priv = bt;
		while (j < bt->n && req->nseg < max && bt->bufs[j]->dev == b->dev &&
		       bt->bufs[j]->blkno == b->blkno + (j - i)) {
			block_req_add(req, bt->bufs[j]->data, bt->bufs[j]->size);
			j++;
		}
		stats.merged_writes += j - i - 1;
		__atomic_add_fetch(&bt->pending, 1, __ATOMIC_ACQ_REL);
		block_submit(req);
		i = j;
	}
	if (__atomic_sub_fetch(&bt->pending, 1, __ATOMIC_ACQ_REL) == 0)
		complete(&bt->done);
	return nreq;
}

/* One batch: returns how many bufs it wrote (0: nothing matched). */
static unsigned write_one_batch(struct block_dev *d, uint64_t owner, bool all, uint64_t before)
{
	struct batch bt = { .n = 0 };
	struct block_req **reqs;
	unsigned nreq;
	bool f;

	bt.bufs = kmalloc(BATCH_MAX * sizeof(struct buf *));
	reqs = kzalloc(BATCH_MAX * sizeof(*reqs));
	if (!bt.bufs || !reqs) {
		kfree(bt.bufs);
		kfree(reqs);
		return 0;
	}
	completion_init(&bt.done, "bcache batch");
	f = spin_lock_irqsave(&bcache_lock);
	collect_locked(&bt, d, owner, all, before);
	spin_unlock_irqrestore(&bcache_lock, f);
	sort_bufs(bt.bufs, bt.n);
	for (nreq = 0; nreq < bt.n; nreq++)
		if (!(reqs[nreq] = kmalloc(sizeof(struct block_req))))
			break;
	if (nreq < bt.n)
		bt.n = nreq;		/* out of memory: write what has a request, redirty rest */
	nreq = submit_runs(&bt, reqs);
	completion_wait(&bt.done);
	f = spin_lock_irqsave(&bcache_lock);
	stats.writes += bt.n;
	for (unsigned i = 0; i < bt.n; i++)
		bt.bufs[i]->writing--;
	spin_unlock_irqrestore(&bcache_lock, f);
	if (bt.failed)
		record_error(bt.bufs[0]->dev->whole);
	for (unsigned i = 0; i < bt.n; i++)
		release(bt.bufs[i], false);	/* wb_mutex held: no nested batch */
	for (unsigned i = 0; i < BATCH_MAX && reqs[i]; i++)
		kfree(reqs[i]);
	kfree(reqs);
	kfree(bt.bufs);
	return bt.n;
}

static void writeback_batch(struct block_dev *d, uint64_t owner, bool all, uint64_t before)
{
	mutex_lock(&wb_mutex);
	write_one_batch(d, owner, all, before);
	mutex_unlock(&wb_mutex);
}

int bcache_sync(struct block_dev *d, uint64_t owner, bool all)
{
	uint64_t now = time_ns();
	int r = 0;

	mutex_lock(&wb_mutex);
	while (write_one_batch(d, owner, all, now))
		;
	mutex_unlock(&wb_mutex);
	if (take_error(d))
		r = -EIO;
	if (block_flush(d))
		r = -EIO;
	return r;
}

int bcache_drop(struct block_dev *d)
{
	int r = bcache_sync(d, 0, true);
	bool f = spin_lock_irqsave(&bcache_lock);

	for (unsigned i = 0; i < HASH_BUCKETS; i++)
		list_for_each_entry_safe(b, &hash[i], struct buf, hash) {
			if (b->dev != d)
				continue;
			if (b->refs || b->writing || (b->flags & BUF_DIRTY)) {
				r = r ? r : -EBUSY;
				continue;
			}
			list_remove(&b->lru);
			list_remove(&b->hash);
			cached_bytes -= b->size;
			free_buf(b);
		}
	spin_unlock_irqrestore(&bcache_lock, f);
	return r;
}

static int writeback_thread(void *arg)
{
	for (;;) {
		uint64_t now;
		bool over;

		wait_event_timeout(&wb_wq, READ_ONCE(wb_kicked), BCACHE_WB_PERIOD_NS);
		WRITE_ONCE(wb_kicked, false);
		now = time_ns();
		over = READ_ONCE(dirty_bytes) > dirty_max / 2;
		mutex_lock(&wb_mutex);
		while (write_one_batch(NULL, 0, true,
				       over ? UINT64_MAX : now - BCACHE_DIRTY_EXPIRE_NS) &&
		       (!over || READ_ONCE(dirty_bytes) > dirty_max / 4))
			;
		mutex_unlock(&wb_mutex);
	}
	return 0;
}

void bcache_get_stats(struct bcache_stats *s)
{
	bool f = spin_lock_irqsave(&bcache_lock);

	*s = stats;
	s->cached = cached_bytes;
	s->dirty = dirty_bytes;
	spin_unlock_irqrestore(&bcache_lock, f);
}

void bcache_init(void)
{
	struct frame_stats fs;

	hash = kmalloc(HASH_BUCKETS * sizeof(*hash));
	if (!hash)
		panic("bcache_init: no memory for the hash table");
	for (unsigned i = 0; i < HASH_BUCKETS; i++)
		list_init(&hash[i]);
	frame_stats(&fs);
	cache_max = (uint64_t)fs.total_pages * PAGE_SIZE / 4;	/* a quarter of RAM */
	dirty_max = cache_max / 2;
	if (!thread_create("bcache-writeback", writeback_thread, NULL))
		panic("bcache_init: cannot start the writeback thread");
}
