/*
 * drivers/block/ata.c — ATA disks on the legacy IDE channels, by PIO (Bochs, QEMU's PIIX IDE,
 * old PCs).
 *
 * Probing: each of the two legacy channels (0x1f0/0x3f6 and 0x170/0x376) and each drive on
 * it gets IDENTIFY DEVICE; a drive that answers with ATA's signature (ATAPI ones, like the
 * CD-ROM keel boots from on Bochs, are skipped) becomes sdX, with its LBA28 or LBA48 size.
 * Interrupts stay off (nIEN): each channel has a kernel thread that takes the queued
 * requests in order and moves every sector by PIO, polling the status register with a
 * deadline (a drive that stays busy fails the request with -EIO and a log line). WRITE is
 * followed by nothing; FLUSH sends CACHE FLUSH (EXT). Bus-master DMA is not done yet
 * (docs/storage.md).
 *
 * Locking: ch->lock (irq-safe) guards the channel's request list; the thread alone touches
 * the ports.
 */
#include <keel/block.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>
#include <arch/io.h>
#include "blkdrv.h"

#define ATA_DATA	0
#define ATA_ERROR	1
#define ATA_COUNT	2
#define ATA_LBA0	3
#define ATA_LBA1	4
#define ATA_LBA2	5
#define ATA_DRIVE	6
#define ATA_STATUS	7	/* read */
#define ATA_CMD		7	/* write */
#define ST_ERR		0x01
#define ST_DRQ		0x08
#define ST_DF		0x20
#define ST_BSY		0x80
#define CTL_NIEN	0x02
#define CMD_READ	0x20
#define CMD_READ_EXT	0x24
#define CMD_WRITE	0x30
#define CMD_WRITE_EXT	0x34
#define CMD_FLUSH	0xe7
#define CMD_FLUSH_EXT	0xea
#define CMD_IDENTIFY	0xec
#define ATA_TIMEOUT_NS	(5ull * NSEC_PER_SEC)
#define ATA_MAX_SECTORS	256	/* per command (a count of 0 means 256 in LBA28) */

struct ata_channel {
	uint16_t io, ctl;
	struct spinlock lock;
	struct list_node queue;		/* block_req.node */
	struct wait_queue wq;
	unsigned selected;		/* the drive last selected, or 2 */
};

struct ata_disk {
	struct block_dev bd;
	struct ata_channel *ch;
	unsigned drive;			/* 0 master, 1 slave */
	bool lba48;
};

/* Waits until BSY clears (and, with drq, DRQ is set): 0, or -EIO on ERR/DF or timeout. */
static int ata_wait(struct ata_channel *ch, bool drq)
{
	uint64_t end = time_ns() + ATA_TIMEOUT_NS;

	for (;;) {
		uint8_t st = inb(ch->io + ATA_STATUS);

		if (!(st & ST_BSY)) {
			if (st & (ST_ERR | ST_DF))
				return -EIO;
			if (!drq || (st & ST_DRQ))
				return 0;
		}
		if (time_ns() > end)
			return -EIO;
	}
}

static void ata_select(struct ata_channel *ch, unsigned drive, uint8_t high)
{
	outb(ch->io + ATA_DRIVE, (uint8_t)(0xe0 | drive << 4 | high));
	if (ch->selected != drive) {
		for (int i = 0; i < 4; i++)	/* 400 ns for the drive to answer */
			inb(ch->ctl);
		ch->selected = drive;
	}
}

static void ata_command(struct ata_disk *a, uint8_t cmd, uint64_t lba, unsigned count)
{
	struct ata_channel *ch = a->ch;

	if (a->lba48) {
		ata_select(ch, a->drive, 0);
		outb(ch->io + ATA_COUNT, (uint8_t)(count >> 8));
		outb(ch->io + ATA_LBA0, (uint8_t)(lba >> 24));
		outb(ch->io + ATA_LBA1, (uint8_t)(lba >> 32));
		outb(ch->io + ATA_LBA2, (uint8_t)(lba >> 40));
	} else {
		ata_select(ch, a->drive, (uint8_t)((lba >> 24) & 0xf));
	}
	outb(ch->io + ATA_COUNT, (uint8_t)count);
	outb(ch->io + ATA_LBA0, (uint8_t)lba);
	outb(ch->io + ATA_LBA1, (uint8_t)(lba >> 8));
	outb(ch->io + ATA_LBA2, (uint8_t)(lba >> 16));
	outb(ch->io + ATA_CMD, cmd);
}

/* count sectors between buf and the drive, one DRQ block each. */
static int ata_pio(struct ata_disk *a, bool write, uint64_t lba, uint16_t *buf, unsigned count)
{
	struct ata_channel *ch = a->ch;
	int r;

	ata_command(a, write ? (a->lba48 ? CMD_WRITE_EXT : CMD_WRITE) :
			       (a->lba48 ? CMD_READ_EXT : CMD_READ), lba, count % ATA_MAX_SECTORS);
	for (unsigned s = 0; s < count; s++, buf += SECTOR_SIZE / 2) {
		if ((r = ata_wait(ch, true)))
			return r;
		for (unsigned i = 0; i < SECTOR_SIZE / 2; i++) {
			if (write)
				outw(ch->io + ATA_DATA, buf[i]);
			else
				buf[i] = inw(ch->io + ATA_DATA);
		}
	}
	return ata_wait(ch, false);
}

static int ata_do(struct ata_disk *a, struct block_req *req)
{
	uint64_t lba = req->sector;

	if (req->op == BLOCK_FLUSH) {
		ata_command(a, a->lba48 ? CMD_FLUSH_EXT : CMD_FLUSH, 0, 0);
		return ata_wait(a->ch, false);
	}
	for (unsigned i = 0; i < req->nseg; i++) {
		char *p = req->seg[i].buf;
		unsigned left = req->seg[i].len / SECTOR_SIZE;

		while (left) {
			unsigned n = MIN(left, (unsigned)ATA_MAX_SECTORS);
			int r = ata_pio(a, req->op == BLOCK_WRITE, lba, (uint16_t *)p, n);

			if (r)
				return r;
			lba += n;
			p += n * SECTOR_SIZE;
			left -= n;
		}
	}
	return 0;
}

static int ata_thread(void *arg)
{
	struct ata_channel *ch = arg;

	for (;;) {
		struct block_req *req;
		bool f;

		wait_event(&ch->wq, !list_empty(&ch->queue));
		f = spin_lock_irqsave(&ch->lock);
		req = list_first(&ch->queue, struct block_req, node);
		list_remove(&req->node);
		spin_unlock_irqrestore(&ch->lock, f);
		block_req_done(req, ata_do(req->drv, req) ? -EIO : 0);
	}
	return 0;
}

/* Queue lock held: hands the request to the channel's thread. */
static int ata_submit(struct block_dev *d, struct block_req *req)
{
	struct ata_disk *a = d->priv;
	bool f;

	req->drv = a;
	f = spin_lock_irqsave(&a->ch->wq.lock);
	spin_lock(&a->ch->lock);
	list_append(&a->ch->queue, &req->node);
	spin_unlock(&a->ch->lock);
	wq_wake_all_locked(&a->ch->wq);
	spin_unlock_irqrestore(&a->ch->wq.lock, f);
	return 0;
}

static const struct block_ops ata_ops = { .submit = ata_submit };

/* IDENTIFY: the drive's sector count, or 0 when there is no ATA drive. */
static uint64_t ata_identify(struct ata_channel *ch, unsigned drive, bool *lba48)
{
	uint16_t *id = kmalloc(SECTOR_SIZE);
	uint64_t sectors = 0;
	uint8_t st;

	if (!id)
		return 0;
	ata_select(ch, drive, 0);
	outb(ch->io + ATA_COUNT, 0);
	outb(ch->io + ATA_LBA0, 0);
	outb(ch->io + ATA_LBA1, 0);
	outb(ch->io + ATA_LBA2, 0);
	outb(ch->io + ATA_CMD, CMD_IDENTIFY);
	st = inb(ch->io + ATA_STATUS);
	if (st == 0 || st == 0xff || ata_wait(ch, false) ||
	    inb(ch->io + ATA_LBA1) || inb(ch->io + ATA_LBA2) ||	/* ATAPI or SATA signature */
	    ata_wait(ch, true))
		goto out;
	for (unsigned i = 0; i < SECTOR_SIZE / 2; i++)
		id[i] = inw(ch->io + ATA_DATA);
	*lba48 = id[83] & (1u << 10);
	sectors = *lba48 ? (uint64_t)id[100] | (uint64_t)id[101] << 16 |
			   (uint64_t)id[102] << 32 | (uint64_t)id[103] << 48 :
			   (uint64_t)id[60] | (uint64_t)id[61] << 16;
out:
	kfree(id);
	return sectors;
}

static void ata_probe_channel(uint16_t io, uint16_t ctl)
{
	struct ata_channel *ch = kzalloc(sizeof(*ch));
	bool started = false;

	if (!ch)
		return;
	if (inb(io + ATA_STATUS) == 0xff) {	/* a floating bus: no controller */
		kfree(ch);
		return;
	}
	ch->io = io;
	ch->ctl = ctl;
	ch->selected = 2;
	spin_init(&ch->lock, "ata channel");
	list_init(&ch->queue);
	wq_init(&ch->wq, "ata channel");
	outb(ctl, CTL_NIEN);
	for (unsigned drive = 0; drive < 2; drive++) {
		bool lba48 = false;
		uint64_t n = ata_identify(ch, drive, &lba48);
		struct ata_disk *a;

		if (!n || !(a = kzalloc(sizeof(*a))))
			continue;
		a->ch = ch;
		a->drive = drive;
		a->lba48 = lba48;
		a->bd.nsectors = n;
		a->bd.can_flush = true;
		a->bd.ops = &ata_ops;
		a->bd.priv = a;
		if (!started && !thread_create("ata", ata_thread, ch)) {
			kfree(a);
			break;
		}
		started = true;
		pr_info("ata: %s drive on ports %#x, %s, PIO\n", drive ? "slave" : "master", io,
			lba48 ? "LBA48" : "LBA28");
		block_register_disk(&a->bd, "sd");
	}
	if (!started)
		kfree(ch);
}

void ata_probe_legacy(void)
{
	ata_probe_channel(0x1f0, 0x3f6);
	ata_probe_channel(0x170, 0x376);
}
