/*
 * keel/block.h — block devices, their request queues, partitions and the buffer cache
 * (kernel/block/).
 *
 * A disk driver registers a struct block_dev with a name prefix ("vd", "sd"); the registry
 * gives it Linux's name (vda, vdb, ... ; sda, ...), reads its partition table (MBR with
 * extended partitions, or GPT behind a protective MBR) and registers one child device per
 * partition (vda1, ...), which forwards to the disk with its start added. Devices live for
 * the rest of the boot (no hot-unplug).
 *
 * Requests: a struct block_req names a whole disk, an operation, a first sector (512 bytes)
 * and up to BLOCK_SEGS buffers of whole sectors, each physically contiguous (direct-mapped
 * kernel memory: kmalloc up to a page, or pages). block_submit queues it on the disk's
 * request queue, which keeps requests sorted by sector and feeds the driver as long as it
 * takes them (several in flight); the driver calls block_req_done from any context, which
 * runs req->done (or wakes block_io). Out-of-range requests fail with -EIO before reaching
 * the driver.
 *
 * The buffer cache (block/bcache.c) caches blocks of one size per device (the filesystem's
 * block size), writes dirty ones back from a kernel thread (after BCACHE_DIRTY_EXPIRE_NS, or
 * at once under memory pressure) in sorted, merged batches; docs/storage.md.
 *
 * Locking: the registry is append-only under block_lock; each queue has an irq-safe
 * spinlock; a struct buf's data belongs to whoever holds it locked (buf_lock).
 */
#ifndef KEEL_BLOCK_H
#define KEEL_BLOCK_H

#include <keel/types.h>
#include <keel/list.h>
#include <keel/spinlock.h>
#include <keel/sync.h>

#define SECTOR_SIZE	512
#define SECTOR_SHIFT	9
#define BLOCK_SEGS	32		/* buffers per request */
#define BLOCK_NAME_MAX	16

enum block_op { BLOCK_READ, BLOCK_WRITE, BLOCK_FLUSH };

struct block_seg {
	void *buf;			/* direct-mapped, physically contiguous */
	uint32_t len;			/* a multiple of SECTOR_SIZE */
};

struct block_req {
	struct block_dev *dev;		/* the whole disk (block_submit maps partitions) */
	enum block_op op;
	uint64_t sector;
	unsigned nseg;
	struct block_seg seg[BLOCK_SEGS];
	int status;			/* 0 or -EIO, set before done runs */
	void (*done)(struct block_req *req);	/* any context; NULL: complete(&req->wait) */
	void *priv;
	struct completion wait;
	struct list_node node;		/* the queue's pending list */
	void *drv;			/* the driver's per-request state while in flight */
};

struct block_dev;

struct block_ops {
	/* Starts req; 0 when the device took it, -EBUSY when it can take no more now (the
	 * queue retries after the next completion). Called with the queue lock held, irqs off. */
	int (*submit)(struct block_dev *d, struct block_req *req);
};

struct block_dev {
	char name[BLOCK_NAME_MAX];
	uint64_t nsectors;
	bool read_only, can_flush;
	struct block_dev *whole;	/* a partition's disk; the disk itself for disks */
	uint64_t start;			/* a partition's first sector on the disk */
	unsigned partno;		/* 0 for a disk */
	unsigned max_sectors;		/* per request, from the driver (0: no limit) */
	unsigned max_segs;		/* segments per request (0: BLOCK_SEGS) */
	const struct block_ops *ops;	/* disks only */
	void *priv;
	struct list_node node;		/* the registry */
	/* the request queue (disks only) */
	struct spinlock qlock;
	struct list_node pending;	/* by sector */
	unsigned inflight;
	uint64_t reads, writes, flushes, errors;	/* counters (qlock) */
};

/* ---- registry (block/blockdev.c) ---- */
/* Names d (prefix + letter), reads its partitions and registers them. Thread context. */
int block_register_disk(struct block_dev *d, const char *prefix);
/* The device called name ("vda", "/dev/vda1"), or NULL. */
struct block_dev *block_find(const char *name);
/* The device behind a /dev node (S_IFBLK made by the registry), or NULL. */
struct inode;
struct block_dev *block_from_inode(struct inode *ino);
/* Calls fn for every device in registration order. */
void block_for_each(void (*fn)(struct block_dev *d, void *arg), void *arg);

/* ---- requests (block/queue.c) ---- */
void block_req_init(struct block_req *req, struct block_dev *d, enum block_op op,
		    uint64_t sector);
/* Adds a segment; false when full or len is no sector multiple. */
bool block_req_add(struct block_req *req, void *buf, uint32_t len);
/* Queues req (d may be a partition: the sector is moved onto the disk). */
void block_submit(struct block_req *req);
/* Submits and waits: 0 or -EIO. */
int block_io(struct block_req *req);
/* Synchronous helpers over one buffer. */
int block_rw(struct block_dev *d, enum block_op op, uint64_t sector, void *buf, size_t len);
int block_flush(struct block_dev *d);
/* The driver finished req with status (0 or -EIO). Any context. */
void block_req_done(struct block_req *req, int status);

/* ---- partitions (block/part.c: pure, host-tested) ---- */
#define PART_MAX	32

struct part_entry {
	uint64_t start, nsectors;
	unsigned number;		/* Linux's: 1-4 primary, 5+ logical; GPT: its slot + 1 */
};

/* Reads sector lba (512 bytes) of the disk into buf: 0 or -errno. */
typedef int (*part_read_fn)(void *ctx, uint64_t lba, void *buf);

/* Parses the disk's partition table into out[max]: the number found (0: none, or a disk
 * without a table), or -EINVAL for a table that is there but broken (entries outside the
 * disk, overlapping, a GPT whose header or entry CRC does not match in both copies, an
 * extended chain that loops). Entries are checked against nsectors. */
int part_parse(part_read_fn read, void *ctx, uint64_t nsectors, struct part_entry *out,
	       unsigned max, const char **why);
uint32_t part_crc32(const void *data, size_t len);

/* ---- buffer cache (block/bcache.c) ---- */
#define BUF_VALID	0x1		/* data matches the disk or newer */
#define BUF_DIRTY	0x2		/* data newer than the disk */
#define BUF_ERROR	0x4		/* the last read failed */

struct buf {
	struct block_dev *dev;
	uint64_t blkno;			/* in units of size */
	unsigned size;
	void *data;
	/* bcache_lock: */
	int refs;
	unsigned flags;
	unsigned writing;		/* writes in flight */
	uint64_t dirty_ns;		/* when it first became dirty */
	uint64_t owner;			/* an inode cookie for fsync, 0 for metadata */
	struct list_node hash, lru, dirty;
	struct mutex lock;		/* holds the data while someone changes it */
};

/* The block (counted, its data valid), or NULL with *err (-EIO, -ENOMEM). Reads ahead up to
 * `ahead` following blocks in the same request when they are not cached. */
struct buf *bread(struct block_dev *d, uint64_t blkno, unsigned size, unsigned ahead,
		  int *err);
/* The block without reading it (the caller overwrites it whole): counted, zeroed if new. */
struct buf *bget(struct block_dev *d, uint64_t blkno, unsigned size, int *err);
/* Marks it dirty (the caller changed data), for fsync under owner (0: metadata). */
void bdirty(struct buf *b, uint64_t owner);
void brelse(struct buf *b);
/* Writes every dirty block of d (owner: only those and metadata; 0: all), waits for them
 * and every write in flight, then flushes the device. 0 or -EIO. */
int bcache_sync(struct block_dev *d, uint64_t owner, bool all);
/* Writes back and drops every cached block of d (umount). 0 or -EIO. */
int bcache_drop(struct block_dev *d);
/* Drops a cached block that is no longer in use (a freed block: no writeback). */
void bforget(struct block_dev *d, uint64_t blkno);
/* Starts the writeback thread. */
void bcache_init(void);
struct bcache_stats {
	uint64_t cached, dirty, hits, misses, writes, merged_reads, merged_writes;
};
void bcache_get_stats(struct bcache_stats *s);

/* Boot: registers the disk drivers with PCI and the ISA probes (drivers/block). */
void block_drivers_init(void);

#endif
