/*
 * drivers/net/netdrv.c — helpers every NIC driver uses (netdrv.h), and net_drivers_init,
 * which registers the drivers with PCI so they claim their devices.
 */
#include <keel/errno.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/netdev.h>
#include <keel/pci.h>
#include <keel/random.h>
#include <keel/string.h>
#include <keel/smp.h>
#include <keel/vm.h>
#include "netdrv.h"

#define DMA_LIMIT	(_UL(1) << 32)

static unsigned order_for(size_t size)
{
	unsigned order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

void *netdrv_dma_alloc(size_t size)
{
	unsigned order = order_for(size);
	struct page *p = order <= MAX_ORDER ? frame_alloc(order, PAGE_KERNEL) : NULL;
	void *va;

	if (!p)
		return NULL;
	if (page_to_phys(p) + (PAGE_SIZE << order) > DMA_LIMIT) {
		frame_free(p, order);
		return NULL;
	}
	va = page_address(p);
	memset(va, 0, PAGE_SIZE << order);
	return va;
}

void netdrv_dma_free(void *va, size_t size)
{
	if (va)
		frame_free(virt_to_page(va), order_for(size));
}

int netdrv_bufs_alloc(struct netdrv_bufs *b, unsigned count, size_t size)
{
	*b = (struct netdrv_bufs){ .size = size, .per_page = (unsigned)(PAGE_SIZE / size) };
	if (size == 0 || size > PAGE_SIZE || (size & (size - 1)))
		return -EINVAL;
	b->npages = (count + b->per_page - 1) / b->per_page;
	b->pages = kzalloc(b->npages * sizeof(void *));
	if (!b->pages)
		return -ENOMEM;
	for (unsigned i = 0; i < b->npages; i++) {
		if (!(b->pages[i] = netdrv_dma_alloc(PAGE_SIZE))) {
			netdrv_bufs_free(b);
			return -ENOMEM;
		}
	}
	return 0;
}

void *netdrv_buf(const struct netdrv_bufs *b, unsigned i)
{
	return (uint8_t *)b->pages[i / b->per_page] + (i % b->per_page) * b->size;
}

void netdrv_bufs_free(struct netdrv_bufs *b)
{
	for (unsigned i = 0; b->pages && i < b->npages; i++)
		netdrv_dma_free(b->pages[i], PAGE_SIZE);
	kfree(b->pages);
	*b = (struct netdrv_bufs){ 0 };
}

void netdrv_random_mac(uint8_t *mac)
{
	random_bytes(mac, ETH_ALEN);
	mac[0] = (uint8_t)((mac[0] & ~1u) | 2u);	/* unicast, locally administered */
}

unsigned netdrv_pick_cpu(void)
{
	static unsigned next;
	unsigned n = cpumask_weight(&cpu_online_mask), k = n ? next++ % n : 0;
	unsigned c = cpumask_next(&cpu_online_mask, 0);

	while (k-- && c < CPU_MAX)
		c = cpumask_next(&cpu_online_mask, c + 1);
	return c < CPU_MAX ? c : 0;
}

int netdrv_register(struct netdev *nd, struct pci_dev *d)
{
	int err = netdev_register(nd);

	if (!err && d->irq_mode == PCI_IRQ_INTX)
		pr_info("net: %s is pci %02x:%02x.%u, interrupts by INTx (line %u) on CPU %u\n",
			nd->name, d->bus, d->dev, d->fn, d->irq_line, d->irq_cpu);
	else if (!err)
		pr_info("net: %s is pci %02x:%02x.%u, interrupts by %s on CPU %u\n", nd->name,
			d->bus, d->dev, d->fn, pci_irq_mode_name(d->irq_mode), d->irq_cpu);
	return err;
}

void net_drivers_init(void)
{
	pci_register_driver(&virtio_net_driver);
	pci_register_driver(&e1000_driver);
	pci_register_driver(&rtl8139_driver);
}
