/*
 * drivers/net/virtio_net.c — virtio-net over the virtio 1.0 PCI transport (keel/virtio.h).
 *
 * Features: VERSION_1 (required), MAC and STATUS when offered; no offloads, no merged rx
 * buffers, so every frame arrives whole in one 2 KiB buffer behind the 12-byte virtio_net_hdr.
 * Queue 0 receives, queue 1 transmits. Interrupts: MSI-X with vector 0 for configuration
 * changes (link), 1 for rx, 2 for tx; without MSI-X the legacy line, whose ISR byte says which.
 *
 * Receive: every rx buffer is always either with the device or being copied out by the
 * interrupt handler, which hands the frame to netdev_rx (a copy) and gives the buffer straight
 * back, so the ring never runs dry. Transmit: xmit copies the frame behind a zeroed header
 * into a free tx buffer (one descriptor); finished buffers are reclaimed by the tx interrupt
 * and by xmit itself.
 *
 * Locking: rx_lock guards the rx queue (the rx vector, or the shared line's handler, and
 * probe); tx_lock (irq-saving) the tx queue and its free-buffer stack.
 */
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/netdev.h>
#include <keel/pci.h>
#include <keel/random.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <keel/virtio.h>
#include <keel/vm.h>
#include "netdrv.h"

#define VNET_F_MAC		(1ull << 5)
#define VNET_F_STATUS		(1ull << 16)
#define VNET_S_LINK_UP		1
#define VNET_CFG_MAC		0
#define VNET_CFG_STATUS		6
#define VNET_HDR_LEN		12
#define VNET_QUEUE_MAX		256
#define VNET_BUF		2048
#define VEC_CONFIG		0
#define VEC_RX			1
#define VEC_TX			2

struct vnet {
	struct netdev nd;
	struct virtio_pci v;
	struct virtq rx, tx;
	struct spinlock rx_lock, tx_lock;
	struct netdrv_bufs rxb, txb;
	uint8_t **tx_free;		/* stack of idle tx buffers */
	unsigned ntx_free;
	bool msix;
};

static const struct pci_id vnet_ids[] = {
	{ VIRTIO_VENDOR, 0x1000 },	/* transitional */
	{ VIRTIO_VENDOR, 0x1040 + VIRTIO_ID_NET },
	{ 0, 0 },
};

/* Gives one rx buffer to the device (rx_lock held or probe). */
static int rx_post(struct vnet *vn, uint8_t *buf)
{
	struct virtq_seg seg = { virt_to_phys(buf), VNET_BUF, true };

	return virtq_add(&vn->rx, &seg, 1, buf);
}

static void rx_drain(struct vnet *vn)
{
	uint8_t *buf;
	uint32_t len;
	unsigned n = 0;

	spin_lock(&vn->rx_lock);
	while ((buf = virtq_get_used(&vn->rx, &len))) {
		if (len > VNET_HDR_LEN && len <= VNET_BUF)
			netdev_rx(&vn->nd, buf + VNET_HDR_LEN, len - VNET_HDR_LEN);
		else
			netdrv_count(&vn->nd.stats.rx_errors);
		rx_post(vn, buf);	/* the slot it came from is free: cannot fail */
		n++;
	}
	if (n)
		virtq_kick(&vn->rx);
	spin_unlock(&vn->rx_lock);
}

/* Reclaims finished tx buffers (tx_lock held). */
static void tx_reclaim(struct vnet *vn)
{
	uint8_t *buf;
	uint32_t len;

	while ((buf = virtq_get_used(&vn->tx, &len)))
		vn->tx_free[vn->ntx_free++] = buf;
}

static int vnet_xmit(struct netdev *nd, const void *frame, size_t len)
{
	struct vnet *vn = nd->priv;
	struct virtq_seg seg;
	uint8_t *buf;
	bool f;

	if (len < ETH_HLEN || len > nd->mtu + ETH_HLEN + 4 || len > VNET_BUF - VNET_HDR_LEN) {
		netdrv_count(&nd->stats.tx_errors);
		return -EINVAL;
	}
	f = spin_lock_irqsave(&vn->tx_lock);
	tx_reclaim(vn);
	if (!vn->ntx_free) {
		spin_unlock_irqrestore(&vn->tx_lock, f);
		netdrv_count(&nd->stats.tx_dropped);
		return -EAGAIN;
	}
	buf = vn->tx_free[--vn->ntx_free];
	memset(buf, 0, VNET_HDR_LEN);
	memcpy(buf + VNET_HDR_LEN, frame, len);
	seg = (struct virtq_seg){ virt_to_phys(buf), (uint32_t)(VNET_HDR_LEN + len), false };
	virtq_add(&vn->tx, &seg, 1, buf);	/* a free buffer means a free descriptor */
	virtq_kick(&vn->tx);
	spin_unlock_irqrestore(&vn->tx_lock, f);
	netdrv_count_tx(&nd->stats.tx_packets, &nd->stats.tx_bytes, len);
	return 0;
}

static const struct netdev_ops vnet_ops = { .xmit = vnet_xmit };

static bool link_status(struct vnet *vn)
{
	uint16_t st;

	if (!(vn->v.features & VNET_F_STATUS))
		return true;
	return virtio_config_read(&vn->v, VNET_CFG_STATUS, &st, 2) == 0 && (st & VNET_S_LINK_UP);
}

static void config_changed(struct vnet *vn)
{
	bool up = link_status(vn);

	if (up != vn->nd.link_up)
		netdev_link_changed(&vn->nd, up);
}

static bool vnet_irq(void *arg, unsigned index)
{
	struct vnet *vn = arg;
	uint8_t isr;
	bool f;

	if (vn->msix) {
		if (index == VEC_CONFIG)
			config_changed(vn);
		else if (index == VEC_RX)
			rx_drain(vn);
		else {
			f = spin_lock_irqsave(&vn->tx_lock);
			tx_reclaim(vn);
			spin_unlock_irqrestore(&vn->tx_lock, f);
		}
		return true;
	}
	isr = virtio_isr(&vn->v);	/* reading it lowers the line */
	if (isr & VIRTIO_ISR_CONFIG)
		config_changed(vn);
	if (isr & VIRTIO_ISR_QUEUE) {
		rx_drain(vn);
		f = spin_lock_irqsave(&vn->tx_lock);
		tx_reclaim(vn);
		spin_unlock_irqrestore(&vn->tx_lock, f);
	}
	return isr != 0;
}

/* Queues, buffers and the MAC, between FEATURES_OK and DRIVER_OK. */
static int vnet_setup(struct vnet *vn)
{
	uint16_t vrx = vn->msix ? VEC_RX : VIRTIO_NO_VECTOR;
	uint16_t vtx = vn->msix ? VEC_TX : VIRTIO_NO_VECTOR;
	int err;

	if (vn->msix && !virtio_config_vector(&vn->v, VEC_CONFIG))
		return -EIO;
	if ((err = virtio_queue_setup(&vn->v, &vn->rx, 0, VNET_QUEUE_MAX, vrx)) ||
	    (err = virtio_queue_setup(&vn->v, &vn->tx, 1, VNET_QUEUE_MAX, vtx)))
		return err;
	if ((err = netdrv_bufs_alloc(&vn->rxb, vn->rx.size, VNET_BUF)) ||
	    (err = netdrv_bufs_alloc(&vn->txb, vn->tx.size, VNET_BUF)))
		return err;
	vn->tx_free = kmalloc(vn->tx.size * sizeof(uint8_t *));
	if (!vn->tx_free)
		return -ENOMEM;
	for (unsigned i = 0; i < vn->tx.size; i++)
		vn->tx_free[vn->ntx_free++] = netdrv_buf(&vn->txb, i);
	for (unsigned i = 0; i < vn->rx.size; i++)
		rx_post(vn, netdrv_buf(&vn->rxb, i));
	if (!(vn->v.features & VNET_F_MAC) ||
	    virtio_config_read(&vn->v, VNET_CFG_MAC, vn->nd.mac, ETH_ALEN))
		netdrv_random_mac(vn->nd.mac);
	return 0;
}

static void vnet_free(struct vnet *vn)
{
	virtio_reset(&vn->v);
	pci_irq_release(vn->v.pci);
	virtq_free(&vn->rx);
	virtq_free(&vn->tx);
	netdrv_bufs_free(&vn->rxb);
	netdrv_bufs_free(&vn->txb);
	kfree(vn->tx_free);
	kfree(vn);
}

static int vnet_probe(struct pci_dev *d, const struct pci_id *id)
{
	struct vnet *vn;
	int err;

	if (virtio_pci_type(d) != VIRTIO_ID_NET)
		return -ENODEV;
	if (!(vn = kzalloc(sizeof(*vn))))
		return -ENOMEM;
	vn->nd = (struct netdev){ .driver = "virtio-net", .mtu = 1500, .ops = &vnet_ops,
				  .priv = vn };
	spin_init(&vn->rx_lock, "vnet-rx");
	spin_init(&vn->tx_lock, "vnet-tx");
	pci_enable(d);
	if ((err = virtio_pci_probe(&vn->v, d)) || (err = virtio_reset(&vn->v))) {
		kfree(vn);
		return err;
	}
	virtio_set_status(&vn->v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	err = virtio_negotiate(&vn->v, VNET_F_MAC | VNET_F_STATUS);
	if (!err) {
		err = pci_irq_setup(d, 3, netdrv_pick_cpu(), PCI_IRQ_ALLOW_MSIX | PCI_IRQ_ALLOW_INTX,
				    vnet_irq, vn);
		vn->msix = d->irq_mode == PCI_IRQ_MSIX;
	}
	if (err >= 0)
		err = vnet_setup(vn);
	if (err) {
		virtio_set_status(&vn->v, VIRTIO_STATUS_FAILED);
		vnet_free(vn);
		return err;
	}
	virtio_driver_ok(&vn->v);
	virtq_kick(&vn->rx);
	vn->nd.link_up = link_status(vn);
	err = netdrv_register(&vn->nd, d);
	if (err)
		vnet_free(vn);
	return err;
}

struct pci_driver virtio_net_driver = { .name = "virtio-net", .ids = vnet_ids,
					.probe = vnet_probe };
