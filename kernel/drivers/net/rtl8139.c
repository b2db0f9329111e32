/*
 * drivers/net/rtl8139.c — Realtek RTL8139 Fast Ethernet (the seed's article card; QEMU has it).
 *
 * Registers through the I/O BAR. Receive: one physically contiguous ring of 8 KiB (+16 bytes
 * and a frame's worth of slack, since with WRAP the chip writes a frame past the end instead
 * of wrapping it); each frame sits behind a 4-byte header (status, length including the CRC)
 * at a 4-aligned offset. The driver reads from rx_off while the command register does not say
 * "buffer empty", copies each frame out and tells the chip how far it got through CAPR (which
 * lags by 16 bytes, the chip's convention). A header that makes no sense (bad status, a length
 * below 64 or above a frame) resets the receiver instead of being followed.
 *
 * Transmit: four fixed descriptors used round-robin, each with its own buffer below 4 GiB
 * (TSAD is 32 bits); frames are padded to 60 bytes (the chip does not pad). tx_cur is the
 * next to fill, tx_dirty the oldest not yet complete; a descriptor is done when its TSD shows
 * TOK, TUN or TABT.
 *
 * Locking: rx belongs to the interrupt handler; tx_lock (irq-saving) guards the tx state.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/netdev.h>
#include <keel/pci.h>
#include <keel/sched.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <keel/vm.h>
#include <arch/io.h>
#include "netdrv.h"

#define R_IDR0		0x00
#define R_MAR0		0x08
#define R_TSD0		0x10
#define R_TSAD0		0x20
#define R_RBSTART	0x30
#define R_CR		0x37
#define R_CAPR		0x38
#define R_IMR		0x3c
#define R_ISR		0x3e
#define R_TCR		0x40
#define R_RCR		0x44
#define R_CONFIG1	0x52
#define R_MSR		0x58

#define CR_BUFE		0x01
#define CR_TE		0x04
#define CR_RE		0x08
#define CR_RST		0x10
#define ISR_ROK		0x0001
#define ISR_RER		0x0002
#define ISR_TOK		0x0004
#define ISR_TER		0x0008
#define ISR_RXOVW	0x0010
#define ISR_LINKCHG	0x0020
#define ISR_FOVW	0x0040
#define ISR_ALL		(ISR_ROK | ISR_RER | ISR_TOK | ISR_TER | ISR_RXOVW | ISR_LINKCHG | ISR_FOVW)
#define RCR_APM		0x02
#define RCR_AM		0x04
#define RCR_AB		0x08
#define RCR_WRAP	0x80
#define RCR_MXDMA	(7u << 8)	/* unlimited burst; RBLEN 00 = 8 KiB + 16 */
#define TCR_MXDMA	(6u << 8)	/* 1024-byte bursts */
#define TSD_OWN		(1u << 13)
#define TSD_TUN		(1u << 14)
#define TSD_TOK		(1u << 15)
#define TSD_TABT	(1u << 30)
#define MSR_LINKB	0x04		/* set: link down */
#define RXS_ROK		0x0001

#define RX_RING		8192
#define RX_ALLOC	(RX_RING + 16 + 1536)
#define NTX		4
#define TX_BUF		2048
#define ETH_ZLEN	60
#define RESET_POLLS	1000

struct rtl {
	struct netdev nd;
	struct pci_dev *pci;
	uint16_t io;
	uint8_t *rx;
	unsigned rx_off;
	struct netdrv_bufs txb;
	unsigned tx_cur, tx_dirty;	/* free running; tx_cur - tx_dirty in flight */
	struct spinlock tx_lock;
};

static const struct pci_id rtl_ids[] = {
	{ 0x10ec, 0x8139 },
	{ 0, 0 },
};

/* Receiver (and transmitter) back on at the start of the ring, after reset or a bad header. */
static void rx_restart(struct rtl *r)
{
	outb(r->io + R_CR, CR_TE);
	r->rx_off = 0;
	outl(r->io + R_RBSTART, (uint32_t)virt_to_phys(r->rx));
	outb(r->io + R_CR, CR_RE | CR_TE);
	outl(r->io + R_RCR, RCR_APM | RCR_AM | RCR_AB | RCR_WRAP | RCR_MXDMA);
	outw(r->io + R_CAPR, (uint16_t)(RX_RING - 16));
}

static void rx_drain(struct rtl *r)
{
	for (unsigned n = 0; n < RX_RING / 16 && !(inb(r->io + R_CR) & CR_BUFE); n++) {
		uint8_t *h = r->rx + r->rx_off;
		uint16_t status = (uint16_t)(h[0] | h[1] << 8), len = (uint16_t)(h[2] | h[3] << 8);

		if (!(status & RXS_ROK) || len < 64 || len > 1522) {
			netdrv_count(&r->nd.stats.rx_errors);
			rx_restart(r);
			return;
		}
		netdev_rx(&r->nd, h + 4, len - 4u);	/* without the CRC */
		r->rx_off = (r->rx_off + len + 4 + 3) & ~3u;
		r->rx_off %= RX_RING;
		outw(r->io + R_CAPR, (uint16_t)(r->rx_off - 16));
	}
}

static void tx_reclaim(struct rtl *r)
{
	while (r->tx_dirty != r->tx_cur) {
		uint32_t tsd = inl(r->io + R_TSD0 + 4 * (r->tx_dirty % NTX));

		if (!(tsd & (TSD_TOK | TSD_TUN | TSD_TABT)))
			break;
		if (!(tsd & TSD_TOK))
			netdrv_count(&r->nd.stats.tx_errors);
		r->tx_dirty++;
	}
}

static int rtl_xmit(struct netdev *nd, const void *frame, size_t len)
{
	struct rtl *r = nd->priv;
	unsigned slot;
	uint8_t *buf;
	bool f;

	if (len < ETH_HLEN || len > 1514) {
		netdrv_count(&nd->stats.tx_errors);
		return -EINVAL;
	}
	f = spin_lock_irqsave(&r->tx_lock);
	tx_reclaim(r);
	if (r->tx_cur - r->tx_dirty >= NTX) {
		spin_unlock_irqrestore(&r->tx_lock, f);
		netdrv_count(&nd->stats.tx_dropped);
		return -EAGAIN;
	}
	slot = r->tx_cur++ % NTX;
	buf = netdrv_buf(&r->txb, slot);
	memcpy(buf, frame, len);
	if (len < ETH_ZLEN) {
		memset(buf + len, 0, ETH_ZLEN - len);
		len = ETH_ZLEN;
	}
	outl(r->io + R_TSD0 + 4 * slot, (uint32_t)len);	/* clears OWN: the chip sends */
	spin_unlock_irqrestore(&r->tx_lock, f);
	netdrv_count_tx(&nd->stats.tx_packets, &nd->stats.tx_bytes, len);
	return 0;
}

static const struct netdev_ops rtl_ops = { .xmit = rtl_xmit };

static bool link_up(struct rtl *r)
{
	return !(inb(r->io + R_MSR) & MSR_LINKB);
}

static bool rtl_irq(void *arg, unsigned index)
{
	struct rtl *r = arg;
	uint16_t isr = inw(r->io + R_ISR);
	bool f;

	if (!(isr & ISR_ALL))
		return false;
	outw(r->io + R_ISR, isr);	/* write-one-to-clear, before the work: none is lost */
	if (isr & ISR_LINKCHG)
		netdev_link_changed(&r->nd, link_up(r));
	if (isr & (ISR_ROK | ISR_RER | ISR_RXOVW | ISR_FOVW))
		rx_drain(r);
	if (isr & (ISR_TOK | ISR_TER)) {
		f = spin_lock_irqsave(&r->tx_lock);
		tx_reclaim(r);
		spin_unlock_irqrestore(&r->tx_lock, f);
	}
	return true;
}

/* Power on, reset, MAC, rings; interrupts still masked. */
static int hw_init(struct rtl *r)
{
	unsigned i;

	outb(r->io + R_CONFIG1, 0);
	outb(r->io + R_CR, CR_RST);
	for (i = 0; i < RESET_POLLS && (inb(r->io + R_CR) & CR_RST); i++)
		sched_sleep_ns(10000);
	if (i == RESET_POLLS)
		return -ETIMEDOUT;
	outw(r->io + R_IMR, 0);
	for (i = 0; i < ETH_ALEN; i++)
		r->nd.mac[i] = inb(r->io + R_IDR0 + i);
	for (i = 0; i < 8; i++)
		outb(r->io + R_MAR0 + i, 0xff);	/* accept all multicast: the stack filters */
	for (i = 0; i < NTX; i++)
		outl(r->io + R_TSAD0 + 4 * i, (uint32_t)virt_to_phys(netdrv_buf(&r->txb, i)));
	rx_restart(r);
	outl(r->io + R_TCR, TCR_MXDMA);
	outw(r->io + R_ISR, 0xffff);
	return 0;
}

static void rtl_free(struct rtl *r)
{
	if (r->io) {
		outw(r->io + R_IMR, 0);
		outb(r->io + R_CR, 0);
	}
	pci_irq_release(r->pci);
	netdrv_dma_free(r->rx, RX_ALLOC);
	netdrv_bufs_free(&r->txb);
	kfree(r);
}

static int rtl_probe(struct pci_dev *d, const struct pci_id *id)
{
	struct rtl *r = kzalloc(sizeof(*r));
	int err = -ENODEV;

	if (!r)
		return -ENOMEM;
	r->nd = (struct netdev){ .driver = "rtl8139", .mtu = 1500, .ops = &rtl_ops, .priv = r };
	r->pci = d;
	spin_init(&r->tx_lock, "rtl8139-tx");
	if (d->bar[0].type == PCI_BAR_IO && d->bar[0].size >= 0x100)
		r->io = (uint16_t)d->bar[0].addr;
	pci_enable(d);
	r->rx = netdrv_dma_alloc(RX_ALLOC);
	if (r->io)
		err = r->rx ? netdrv_bufs_alloc(&r->txb, NTX, TX_BUF) : -ENOMEM;
	if (!err)
		err = hw_init(r);
	if (!err)
		err = pci_irq_setup(d, 1, netdrv_pick_cpu(), PCI_IRQ_ALLOW_MSI | PCI_IRQ_ALLOW_INTX,
				    rtl_irq, r);
	if (err >= 0) {
		r->nd.link_up = link_up(r);
		outw(r->io + R_IMR, ISR_ALL);
		err = netdrv_register(&r->nd, d);
	}
	if (err)
		rtl_free(r);
	return err;
}

struct pci_driver rtl8139_driver = { .name = "rtl8139", .ids = rtl_ids, .probe = rtl_probe };
