/*
 * drivers/net/netdrv.h — what the NIC drivers share: DMA buffers, MAC fallback, the CPU an
 * interrupt goes to, registration with a log line, and the driver structs drivers.c registers.
 */
#ifndef DRIVERS_NET_NETDRV_H
#define DRIVERS_NET_NETDRV_H

#include <keel/types.h>

struct netdev;
struct pci_dev;

/* count equal buffers of size bytes (a power of two <= PAGE_SIZE), several to a zeroed page;
 * physically contiguous each, below 4 GiB (32-bit DMA engines). */
struct netdrv_bufs {
	void **pages;
	unsigned npages, per_page;
	size_t size;
};
int netdrv_bufs_alloc(struct netdrv_bufs *b, unsigned count, size_t size);
void *netdrv_buf(const struct netdrv_bufs *b, unsigned i);
void netdrv_bufs_free(struct netdrv_bufs *b);

/* One zeroed physically contiguous block of at least size bytes below 4 GiB, or NULL. */
void *netdrv_dma_alloc(size_t size);
void netdrv_dma_free(void *va, size_t size);

/* A random locally administered unicast MAC (for a device that has none). */
void netdrv_random_mac(uint8_t *mac);
/* The CPU the next NIC's interrupts go to: online CPUs in turn. */
unsigned netdrv_pick_cpu(void);
/* netdev_register plus a line naming the PCI function and the interrupt mode. */
int netdrv_register(struct netdev *nd, struct pci_dev *d);

/* Counters (struct netdev_stats), bumped by whoever sees the event. */
static inline void netdrv_count(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/* One frame of len bytes handed to the hardware. */
static inline void netdrv_count_tx(uint64_t *packets, uint64_t *bytes, size_t len)
{
	__atomic_fetch_add(packets, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(bytes, len, __ATOMIC_RELAXED);
}

extern struct pci_driver virtio_net_driver, e1000_driver, rtl8139_driver;

#endif
