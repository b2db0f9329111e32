/*
 * block/blockdev.c — the block device registry, partitions as devices, and /dev nodes.
 *
 * Disks are named as Linux names them: a prefix and a letter in registration order per
 * prefix (vda, vdb...; sda...), partitions by appending their number (vda1). Every device
 * gets /dev/NAME (S_IFBLK, Linux's numbers: 8 for sd, 254 for vd, minor 16 * disk + part),
 * whose read/write go straight to the device through a bounce page (no cache: the buffer
 * cache belongs to mounted filesystems; sub-sector writes read-modify-write).
 *
 * Locking: block_lock guards the list, which only grows.
 */
#include <keel/block.h>
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <keel/vfs.h>

static struct list_node devices = LIST_HEAD_INIT(devices);
static struct spinlock block_lock = SPINLOCK_INIT("block devices");

struct block_dev *block_find(const char *name)
{
	struct block_dev *found = NULL;
	bool f;

	if (strncmp(name, "/dev/", 5) == 0)
		name += 5;
	f = spin_lock_irqsave(&block_lock);
	list_for_each_entry(d, &devices, struct block_dev, node)
		if (strcmp(d->name, name) == 0) {
			found = d;
			break;
		}
	spin_unlock_irqrestore(&block_lock, f);
	return found;
}

void block_for_each(void (*fn)(struct block_dev *d, void *arg), void *arg)
{
	struct list_node *it = devices.next;

	/* the list only grows and entries never go: walking it unlocked is safe */
	while (it != &devices) {
		fn(list_entry(it, struct block_dev, node), arg);
		it = READ_ONCE(it->next);
	}
}

static void add_device(struct block_dev *d)
{
	bool f = spin_lock_irqsave(&block_lock);

	list_append(&devices, &d->node);
	spin_unlock_irqrestore(&block_lock, f);
}

/* ---- /dev nodes ---- */

/* Bytes [pos, pos + n) through one bounce page at a time; write does read-modify-write. */
static ssize_t blk_xfer(struct block_dev *d, void *buf, size_t n, uint64_t pos, bool write)
{
	uint64_t size = d->nsectors * SECTOR_SIZE;
	char *page;
	size_t done = 0;

	if (pos >= size)
		return write && n ? -ENOSPC : 0;
	n = (size_t)MIN((uint64_t)n, size - pos);
	if (!(page = page_alloc_zeroed(PAGE_KERNEL)))
		return -ENOMEM;
	while (done < n) {
		uint64_t at = pos + done, first = at / SECTOR_SIZE;
		size_t in = at % SECTOR_SIZE;
		size_t span = (size_t)MIN((uint64_t)PAGE_SIZE, (d->nsectors - first) * SECTOR_SIZE);
		size_t chunk = MIN(n - done, span - in);
		size_t len = ALIGN_UP(in + chunk, SECTOR_SIZE);
		bool whole = !in && chunk == len;

		if ((!write || !whole) && block_rw(d, BLOCK_READ, first, page, len))
			break;
		if (write) {
			memcpy(page + in, (char *)buf + done, chunk);
			if (block_rw(d, BLOCK_WRITE, first, page, len))
				break;
		} else {
			memcpy((char *)buf + done, page + in, chunk);
		}
		done += chunk;
	}
	page_free(page);
	return done ? (ssize_t)done : -EIO;
}

static ssize_t blkfile_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
	ssize_t r = blk_xfer(f->ino->priv, buf, n, *pos, false);

	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

static ssize_t blkfile_write(struct file *f, const void *buf, size_t n, uint64_t *pos,
			     unsigned io)
{
	ssize_t r = blk_xfer(f->ino->priv, (void *)buf, n, *pos, true);

	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

static const struct file_ops blkfile_fops = {
	.read = blkfile_read, .write = blkfile_write,
};

struct block_dev *block_from_inode(struct inode *ino)
{
	return S_ISBLK(ino->mode) && ino->fops == &blkfile_fops ? ino->priv : NULL;
}

static void make_node(struct block_dev *d, unsigned major, unsigned disk)
{
	char path[BLOCK_NAME_MAX + 8];
	uint64_t rdev = (uint64_t)major << 8 | (disk * 16 + d->partno);
	int r;

	snprintf(path, sizeof(path), "/dev/%s", d->name);
	r = vfs_mknod(NULL, path, S_IFBLK | 0660, rdev, &blkfile_fops, d);
	if (r)
		pr_err("block: cannot create %s (error %d)\n", path, r);
}

struct part_ctx {
	struct block_dev *d;
	void *bounce;			/* DMA-able: the parser's buffer may be on a stack */
};

/* Reads partition sectors through the disk itself. */
static int part_read(void *ctx, uint64_t lba, void *buf)
{
	struct part_ctx *c = ctx;
	int r = block_rw(c->d, BLOCK_READ, lba, c->bounce, SECTOR_SIZE);

	if (!r)
		memcpy(buf, c->bounce, SECTOR_SIZE);
	return r;
}

static void add_partitions(struct block_dev *d, unsigned major, unsigned disk)
{
	struct part_entry *parts = kmalloc(PART_MAX * sizeof(*parts));
	struct part_ctx ctx = { d, kmalloc(SECTOR_SIZE) };
	const char *why = NULL;
	int n;

	if (!parts || !ctx.bounce) {
		kfree(parts);
		kfree(ctx.bounce);
		return;
	}
	n = part_parse(part_read, &ctx, d->nsectors, parts, PART_MAX, &why);
	kfree(ctx.bounce);
	if (n < 0)
		pr_warn("block: %s: partition table refused: %s\n", d->name, why);
	for (int i = 0; i < n; i++) {
		struct block_dev *p = kzalloc(sizeof(*p));

		if (!p)
			break;
		snprintf(p->name, sizeof(p->name), "%s%u", d->name, parts[i].number);
		p->whole = d;
		p->start = parts[i].start;
		p->nsectors = parts[i].nsectors;
		p->partno = parts[i].number;
		p->read_only = d->read_only;
		p->can_flush = d->can_flush;
		p->max_sectors = d->max_sectors;
		p->max_segs = d->max_segs;
		add_device(p);
		if (p->partno < 16)
			make_node(p, major, disk);
		pr_info("block: %s: sectors %lu..%lu\n", p->name, p->start,
			p->start + p->nsectors - 1);
	}
	kfree(parts);
}

int block_register_disk(struct block_dev *d, const char *prefix)
{
	static unsigned nvd, nsd;
	unsigned *count = strcmp(prefix, "vd") == 0 ? &nvd : &nsd;
	unsigned major = strcmp(prefix, "vd") == 0 ? 254 : 8;
	unsigned disk = __atomic_fetch_add(count, 1, __ATOMIC_RELAXED);

	if (disk >= 26)
		return -ENOSPC;
	snprintf(d->name, sizeof(d->name), "%s%c", prefix, 'a' + disk);
	d->whole = d;
	d->start = 0;
	spin_init(&d->qlock, "block queue");
	list_init(&d->pending);
	add_device(d);
	make_node(d, major, disk);
	pr_info("block: %s: %lu sectors (%lu MiB)%s%s\n", d->name, d->nsectors,
		d->nsectors >> 11, d->read_only ? ", read-only" : "",
		d->can_flush ? ", write cache flushed on sync" : "");
	add_partitions(d, major, disk);
	return 0;
}
