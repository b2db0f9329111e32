/*
 * drivers/net/e1000.c — Intel 8254x gigabit Ethernet (82540EM as QEMU and Bochs have it, and
 * its close relatives), legacy descriptors.
 *
 * Registers are memory-mapped (BAR0). The MAC comes from the EEPROM (words 0-2 through EERD),
 * or from receive address 0 when the EEPROM does not answer. Receive: E1000_RING descriptors
 * with a 2 KiB buffer each; the hardware owns [RDH, RDT) and the driver gives a descriptor back
 * by moving RDT past it after copying its frame out, so the ring stays full. Transmit: the
 * driver fills descriptors at TDT, each pointing at its own 2 KiB buffer the frame is copied
 * into; a descriptor is reusable once the hardware set DD (reclaimed lazily in xmit and on
 * TXDW). One ring slot is always left empty so "full" and "empty" differ.
 *
 * Interrupts: MSI when the function offers it, else its INTx line (possibly shared: reading
 * ICR both acknowledges and tells whether the interrupt was ours). Link changes (LSC) are
 * read from STATUS.LU.
 *
 * Locking: rx state belongs to the interrupt handler (and probe, before interrupts are on);
 * tx_lock (irq-saving) guards the tx ring.
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
#include "netdrv.h"

#define REG_CTRL	0x0000
#define REG_STATUS	0x0008
#define REG_EERD	0x0014
#define REG_ICR		0x00c0
#define REG_IMS		0x00d0
#define REG_IMC		0x00d8
#define REG_RCTL	0x0100
#define REG_TCTL	0x0400
#define REG_TIPG	0x0410
#define REG_RDBAL	0x2800
#define REG_RDBAH	0x2804
#define REG_RDLEN	0x2808
#define REG_RDH		0x2810
#define REG_RDT		0x2818
#define REG_TDBAL	0x3800
#define REG_TDBAH	0x3804
#define REG_TDLEN	0x3808
#define REG_TDH		0x3810
#define REG_TDT		0x3818
#define REG_MTA		0x5200
#define REG_RAL0	0x5400
#define REG_RAH0	0x5404

#define CTRL_ASDE	(1u << 5)
#define CTRL_SLU	(1u << 6)
#define CTRL_RST	(1u << 26)
#define STATUS_LU	(1u << 1)
#define EERD_START	1u
#define EERD_DONE	(1u << 4)
#define RAH_AV		(1u << 31)
#define RCTL_EN		(1u << 1)
#define RCTL_BAM	(1u << 15)
#define RCTL_SECRC	(1u << 26)	/* strip the CRC; BSIZE 00 = 2048-byte buffers */
#define TCTL_EN		(1u << 1)
#define TCTL_PSP	(1u << 3)	/* pad short frames to 64 bytes */
#define TCTL_CT		(0x10u << 4)
#define TCTL_COLD	(0x40u << 12)
#define TIPG_DEFAULT	0x0060200au
#define ICR_TXDW	(1u << 0)
#define ICR_LSC		(1u << 2)
#define ICR_RXSEQ	(1u << 3)
#define ICR_RXDMT0	(1u << 4)
#define ICR_RXO		(1u << 6)
#define ICR_RXT0	(1u << 7)
#define ICR_RX		(ICR_RXDMT0 | ICR_RXO | ICR_RXT0)

#define RXD_DD		0x01
#define RXD_EOP		0x02
#define TXD_EOP		0x01
#define TXD_IFCS	0x02
#define TXD_RS		0x08
#define TXD_DD		0x01

#define E1000_RING	128		/* descriptors per ring: 2 KiB, a multiple of 128 bytes */
#define E1000_BUF	2048
#define RESET_WAIT_US	10000
#define EERD_WAIT	10000		/* polls */

struct rx_desc {
	uint64_t addr;
	uint16_t len, csum;
	uint8_t status, errors;
	uint16_t special;
};

struct tx_desc {
	uint64_t addr;
	uint16_t len;
	uint8_t cso, cmd, status, css;
	uint16_t special;
};

struct e1000 {
	struct netdev nd;
	struct pci_dev *pci;
	volatile uint8_t *regs;
	volatile struct rx_desc *rx;
	volatile struct tx_desc *tx;
	struct netdrv_bufs rxb, txb;
	unsigned rx_next;		/* next descriptor the hardware fills */
	unsigned tx_tail, tx_clean;	/* next to fill; oldest not yet reclaimed */
	struct spinlock tx_lock;
};

static const struct pci_id e1000_ids[] = {
	{ 0x8086, 0x100e },		/* 82540EM (QEMU, Bochs) */
	{ 0x8086, 0x100f },		/* 82545EM copper */
	{ 0x8086, 0x1004 },		/* 82543GC copper */
	{ 0, 0 },
};

static uint32_t rd(struct e1000 *e, unsigned reg)
{
	return *(volatile uint32_t *)(e->regs + reg);
}

static void wr(struct e1000 *e, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(e->regs + reg) = v;
}

/* EEPROM word addr, or -ETIMEDOUT when the EEPROM never says done. */
static int eeprom_read(struct e1000 *e, unsigned addr)
{
	wr(e, REG_EERD, EERD_START | addr << 8);
	for (unsigned i = 0; i < EERD_WAIT; i++) {
		uint32_t v = rd(e, REG_EERD);

		if (v & EERD_DONE)
			return (int)(v >> 16);
	}
	return -ETIMEDOUT;
}

static void read_mac(struct e1000 *e)
{
	uint32_t lo = rd(e, REG_RAL0), hi = rd(e, REG_RAH0);

	for (unsigned i = 0; i < 3; i++) {
		int w = eeprom_read(e, i);

		if (w < 0)
			goto from_ral;
		e->nd.mac[2 * i] = (uint8_t)w;
		e->nd.mac[2 * i + 1] = (uint8_t)(w >> 8);
	}
	return;
from_ral:
	if (!(hi & RAH_AV)) {
		netdrv_random_mac(e->nd.mac);
		return;
	}
	for (unsigned i = 0; i < 4; i++)
		e->nd.mac[i] = (uint8_t)(lo >> (8 * i));
	e->nd.mac[4] = (uint8_t)hi;
	e->nd.mac[5] = (uint8_t)(hi >> 8);
}

/* The unicast filter: receive address 0 is the MAC, marked valid. Not every model loads it
 * from the EEPROM at reset (Bochs does not), and without it unicast frames are dropped. */
static void write_ral(struct e1000 *e)
{
	const uint8_t *m = e->nd.mac;

	wr(e, REG_RAL0, (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
			(uint32_t)m[3] << 24);
	wr(e, REG_RAH0, (uint32_t)m[4] | (uint32_t)m[5] << 8 | RAH_AV);
}

/* Copies every finished frame out and gives its descriptor back (interrupt handler). */
static void rx_drain(struct e1000 *e)
{
	for (unsigned n = 0; n < E1000_RING; n++) {
		volatile struct rx_desc *d = &e->rx[e->rx_next];

		if (!(d->status & RXD_DD))
			break;
		if ((d->status & RXD_EOP) && !d->errors)
			netdev_rx(&e->nd, netdrv_buf(&e->rxb, e->rx_next), d->len);
		else
			netdrv_count(&e->nd.stats.rx_errors);
		d->status = 0;
		wr(e, REG_RDT, e->rx_next);
		e->rx_next = (e->rx_next + 1) % E1000_RING;
	}
}

static void tx_reclaim(struct e1000 *e)
{
	while (e->tx_clean != e->tx_tail && (e->tx[e->tx_clean].status & TXD_DD))
		e->tx_clean = (e->tx_clean + 1) % E1000_RING;
}

static int e1000_xmit(struct netdev *nd, const void *frame, size_t len)
{
	struct e1000 *e = nd->priv;
	volatile struct tx_desc *d;
	bool f;

	if (len < ETH_HLEN || len > E1000_BUF) {
		netdrv_count(&nd->stats.tx_errors);
		return -EINVAL;
	}
	f = spin_lock_irqsave(&e->tx_lock);
	tx_reclaim(e);
	if ((e->tx_tail + 1) % E1000_RING == e->tx_clean) {
		spin_unlock_irqrestore(&e->tx_lock, f);
		netdrv_count(&nd->stats.tx_dropped);
		return -EAGAIN;
	}
	memcpy(netdrv_buf(&e->txb, e->tx_tail), frame, len);
	d = &e->tx[e->tx_tail];
	d->len = (uint16_t)len;
	d->cmd = TXD_EOP | TXD_IFCS | TXD_RS;
	d->status = 0;
	e->tx_tail = (e->tx_tail + 1) % E1000_RING;
	wr(e, REG_TDT, e->tx_tail);	/* UC write: ordered after the descriptor stores */
	spin_unlock_irqrestore(&e->tx_lock, f);
	netdrv_count_tx(&nd->stats.tx_packets, &nd->stats.tx_bytes, len);
	return 0;
}

static const struct netdev_ops e1000_ops = { .xmit = e1000_xmit };

static bool e1000_irq(void *arg, unsigned index)
{
	struct e1000 *e = arg;
	uint32_t icr = rd(e, REG_ICR);	/* reading acknowledges every cause */
	bool f;

	if (!icr)
		return false;
	if (icr & ICR_LSC)
		netdev_link_changed(&e->nd, rd(e, REG_STATUS) & STATUS_LU);
	if (icr & (ICR_RX | ICR_RXSEQ))
		rx_drain(e);
	if (icr & ICR_TXDW) {
		f = spin_lock_irqsave(&e->tx_lock);
		tx_reclaim(e);
		spin_unlock_irqrestore(&e->tx_lock, f);
	}
	return true;
}

static int rings_alloc(struct e1000 *e)
{
	int err;

	e->rx = netdrv_dma_alloc(E1000_RING * sizeof(struct rx_desc));
	e->tx = netdrv_dma_alloc(E1000_RING * sizeof(struct tx_desc));
	if (!e->rx || !e->tx)
		return -ENOMEM;
	if ((err = netdrv_bufs_alloc(&e->rxb, E1000_RING, E1000_BUF)) ||
	    (err = netdrv_bufs_alloc(&e->txb, E1000_RING, E1000_BUF)))
		return err;
	for (unsigned i = 0; i < E1000_RING; i++) {
		e->rx[i].addr = virt_to_phys(netdrv_buf(&e->rxb, i));
		e->tx[i].addr = virt_to_phys(netdrv_buf(&e->txb, i));
	}
	return 0;
}

/* Reset, link up, receive and transmit on with the rings in place; interrupts still off. */
static void hw_init(struct e1000 *e)
{
	uint64_t rx = virt_to_phys((void *)e->rx), tx = virt_to_phys((void *)e->tx);

	wr(e, REG_IMC, 0xffffffffu);
	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_RST);
	for (unsigned us = 0; us < RESET_WAIT_US && (rd(e, REG_CTRL) & CTRL_RST); us += 100)
		sched_sleep_ns(100000);
	wr(e, REG_IMC, 0xffffffffu);
	(void)rd(e, REG_ICR);
	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_SLU | CTRL_ASDE);
	for (unsigned i = 0; i < 128; i++)
		wr(e, REG_MTA + 4 * i, 0);
	wr(e, REG_RDBAL, (uint32_t)rx);
	wr(e, REG_RDBAH, (uint32_t)(rx >> 32));
	wr(e, REG_RDLEN, E1000_RING * sizeof(struct rx_desc));
	wr(e, REG_RDH, 0);
	wr(e, REG_RDT, E1000_RING - 1);
	wr(e, REG_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);
	wr(e, REG_TDBAL, (uint32_t)tx);
	wr(e, REG_TDBAH, (uint32_t)(tx >> 32));
	wr(e, REG_TDLEN, E1000_RING * sizeof(struct tx_desc));
	wr(e, REG_TDH, 0);
	wr(e, REG_TDT, 0);
	wr(e, REG_TIPG, TIPG_DEFAULT);
	wr(e, REG_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);
}

static void e1000_free(struct e1000 *e)
{
	if (e->regs) {
		wr(e, REG_IMC, 0xffffffffu);
		wr(e, REG_RCTL, 0);
		wr(e, REG_TCTL, 0);
	}
	pci_irq_release(e->pci);
	netdrv_dma_free((void *)e->rx, E1000_RING * sizeof(struct rx_desc));
	netdrv_dma_free((void *)e->tx, E1000_RING * sizeof(struct tx_desc));
	netdrv_bufs_free(&e->rxb);
	netdrv_bufs_free(&e->txb);
	kfree(e);
}

static int e1000_probe(struct pci_dev *d, const struct pci_id *id)
{
	struct e1000 *e = kzalloc(sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	e->nd = (struct netdev){ .driver = "e1000", .mtu = 1500, .ops = &e1000_ops, .priv = e };
	e->pci = d;
	spin_init(&e->tx_lock, "e1000-tx");
	pci_enable(d);
	e->regs = pci_map_bar(d, 0);
	err = e->regs ? rings_alloc(e) : -ENODEV;
	if (!err) {
		hw_init(e);
		read_mac(e);
		write_ral(e);
		err = pci_irq_setup(d, 1, netdrv_pick_cpu(), PCI_IRQ_ALLOW_MSI | PCI_IRQ_ALLOW_INTX,
				    e1000_irq, e);
	}
	if (err >= 0) {
		e->nd.link_up = rd(e, REG_STATUS) & STATUS_LU;
		wr(e, REG_IMS, ICR_LSC | ICR_RX | ICR_RXSEQ | ICR_TXDW);
		err = netdrv_register(&e->nd, d);
	}
	if (err)
		e1000_free(e);
	return err;
}

struct pci_driver e1000_driver = { .name = "e1000", .ids = e1000_ids, .probe = e1000_probe };
