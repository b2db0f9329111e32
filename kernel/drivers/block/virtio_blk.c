/*
 * drivers/block/virtio_blk.c — virtio-blk over the virtio 1.0 PCI transport (keel/virtio.h).
 *
 * Features taken when offered: FLUSH (the device has a write cache: block_flush sends
 * VIRTIO_BLK_T_FLUSH), RO, SEG_MAX. One request queue (queue 0); each block_req becomes one
 * descriptor chain: the 16-byte header (type, sector), the data segments, the status byte.
 * Every in-flight request owns one slot of a preallocated array (header + status in one
 * small object); the queue takes requests while it has descriptors and a slot, so as many
 * requests are in flight as the ring holds. Interrupts: MSI-X vector 0 for configuration
 * changes, 1 for the queue; without MSI-X the legacy line.
 *
 * Locking: the disk's queue lock (block.h) serializes submit (called under it) and the
 * interrupt handler's draining of the used ring; completions are reported after it is
 * dropped.
 */
#include <keel/block.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/pci.h>
#include <keel/string.h>
#include <keel/virtio.h>
#include <keel/vm.h>
#include "blkdrv.h"

#define VBLK_F_SEG_MAX		(1ull << 2)
#define VBLK_F_RO		(1ull << 5)
#define VBLK_F_FLUSH		(1ull << 9)
#define VBLK_CFG_CAPACITY	0
#define VBLK_CFG_SEG_MAX	12
#define VBLK_T_IN		0
#define VBLK_T_OUT		1
#define VBLK_T_FLUSH		4
#define VBLK_S_OK		0
#define VBLK_QUEUE_MAX		256
#define VEC_CONFIG		0
#define VEC_QUEUE		1

struct vblk_slot {
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr;
	uint8_t status;
	struct block_req *req;
	struct vblk_slot *next_free;
};

struct vblk {
	struct block_dev bd;
	struct virtio_pci v;
	struct virtq q;
	struct vblk_slot *slots, *free;
	bool msix;
};

static const struct pci_id vblk_ids[] = {
	{ VIRTIO_VENDOR, 0x1001 },	/* transitional */
	{ VIRTIO_VENDOR, 0x1040 + VIRTIO_ID_BLOCK },
	{ 0, 0 },
};

/* Queue lock held. */
static int vblk_submit(struct block_dev *d, struct block_req *req)
{
	struct vblk *vb = d->priv;
	struct virtq_seg segs[BLOCK_SEGS + 2];
	struct vblk_slot *s = vb->free;
	unsigned n = 0;

	if (!s || vb->q.num_free < req->nseg + 2)
		return -EBUSY;
	vb->free = s->next_free;
	s->req = req;
	s->hdr.type = req->op == BLOCK_READ ? VBLK_T_IN :
		      req->op == BLOCK_WRITE ? VBLK_T_OUT : VBLK_T_FLUSH;
	s->hdr.reserved = 0;
	s->hdr.sector = req->op == BLOCK_FLUSH ? 0 : req->sector;
	s->status = 0xff;
	segs[n++] = (struct virtq_seg){ virt_to_phys(&s->hdr), sizeof(s->hdr), false };
	for (unsigned i = 0; i < req->nseg; i++)
		segs[n++] = (struct virtq_seg){ virt_to_phys(req->seg[i].buf), req->seg[i].len,
						req->op == BLOCK_READ };
	segs[n++] = (struct virtq_seg){ virt_to_phys(&s->status), 1, true };
	virtq_add(&vb->q, segs, n, s);		/* checked: enough descriptors */
	virtq_kick(&vb->q);
	return 0;
}

static const struct block_ops vblk_ops = { .submit = vblk_submit };

/* Takes every finished request off the ring, then reports them without the lock. */
#define DRAIN_BATCH	32

static void vblk_drain(struct vblk *vb)
{
	struct block_req *done[DRAIN_BATCH];
	int status[DRAIN_BATCH];
	unsigned n;

	do {
		struct vblk_slot *s;
		uint32_t len;
		bool f = spin_lock_irqsave(&vb->bd.qlock);

		for (n = 0; n < DRAIN_BATCH && (s = virtq_get_used(&vb->q, &len)); n++) {
			done[n] = s->req;
			status[n] = s->status == VBLK_S_OK ? 0 : -EIO;
			s->req = NULL;
			s->next_free = vb->free;
			vb->free = s;
		}
		spin_unlock_irqrestore(&vb->bd.qlock, f);
		for (unsigned i = 0; i < n; i++)
			block_req_done(done[i], status[i]);
	} while (n == DRAIN_BATCH);
}

static bool vblk_irq(void *arg, unsigned index)
{
	struct vblk *vb = arg;
	uint8_t isr;

	if (vb->msix) {
		if (index == VEC_QUEUE)
			vblk_drain(vb);
		return true;
	}
	isr = virtio_isr(&vb->v);
	if (isr & VIRTIO_ISR_QUEUE)
		vblk_drain(vb);
	return isr != 0;
}

static int vblk_setup(struct vblk *vb)
{
	uint16_t vq = vb->msix ? VEC_QUEUE : VIRTIO_NO_VECTOR;
	uint32_t seg_max = 0;
	int err;

	if (vb->msix && !virtio_config_vector(&vb->v, VEC_CONFIG))
		return -EIO;
	if ((err = virtio_queue_setup(&vb->v, &vb->q, 0, VBLK_QUEUE_MAX, vq)))
		return err;
	if (vb->q.size < 4)
		return -ENODEV;
	if (virtio_config_read(&vb->v, VBLK_CFG_CAPACITY, &vb->bd.nsectors, 8))
		return -EIO;
	if ((vb->v.features & VBLK_F_SEG_MAX) &&
	    !virtio_config_read(&vb->v, VBLK_CFG_SEG_MAX, &seg_max, 4) && seg_max &&
	    seg_max < BLOCK_SEGS)
		vb->bd.max_segs = seg_max;
	vb->bd.read_only = vb->v.features & VBLK_F_RO;
	vb->bd.can_flush = vb->v.features & VBLK_F_FLUSH;
	vb->slots = kzalloc(vb->q.size * sizeof(*vb->slots));
	if (!vb->slots)
		return -ENOMEM;
	for (unsigned i = 0; i < vb->q.size; i++) {
		vb->slots[i].next_free = vb->free;
		vb->free = &vb->slots[i];
	}
	return 0;
}

static int vblk_probe(struct pci_dev *d, const struct pci_id *id)
{
	struct vblk *vb;
	int err;

	if (virtio_pci_type(d) != VIRTIO_ID_BLOCK)
		return -ENODEV;
	if (!(vb = kzalloc(sizeof(*vb))))
		return -ENOMEM;
	vb->bd.ops = &vblk_ops;
	vb->bd.priv = vb;
	pci_enable(d);
	if ((err = virtio_pci_probe(&vb->v, d)) || (err = virtio_reset(&vb->v))) {
		kfree(vb);
		return err;
	}
	virtio_set_status(&vb->v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	err = virtio_negotiate(&vb->v, VBLK_F_SEG_MAX | VBLK_F_RO | VBLK_F_FLUSH);
	if (!err) {
		err = pci_irq_setup(d, 2, 0, PCI_IRQ_ALLOW_MSIX | PCI_IRQ_ALLOW_INTX, vblk_irq, vb);
		vb->msix = d->irq_mode == PCI_IRQ_MSIX;
	}
	if (err >= 0)
		err = vblk_setup(vb);
	if (err) {
		virtio_set_status(&vb->v, VIRTIO_STATUS_FAILED);
		virtio_reset(&vb->v);
		pci_irq_release(d);
		virtq_free(&vb->q);
		kfree(vb->slots);
		kfree(vb);
		return err;
	}
	virtio_driver_ok(&vb->v);
	pr_info("virtio-blk: pci %02x:%02x.%u, queue of %u, interrupts by %s\n", d->bus, d->dev,
		d->fn, vb->q.size, pci_irq_mode_name(d->irq_mode));
	return block_register_disk(&vb->bd, "vd");
}

struct pci_driver virtio_blk_driver = { .name = "virtio-blk", .ids = vblk_ids,
					.probe = vblk_probe };
