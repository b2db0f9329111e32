/*
 * keel/virtio.h — virtio 1.0 over PCI (the modern transport) and split virtqueues, for any
 * virtio device driver (virtio-net today, virtio-blk next).
 *
 * Transport (drivers/virtio/virtio_pci.c): virtio_pci_probe finds the vendor capabilities
 * (common, notify, ISR, device config) and maps them; a capability whose window does not fit
 * in its BAR is refused. Bring-up follows the spec's order: virtio_reset, ACKNOWLEDGE|DRIVER,
 * virtio_negotiate (VERSION_1 is required; FEATURES_OK is checked), virtio_queue_setup per
 * queue, virtio_driver_ok. Both the modern-only (0x1040 + type) and the transitional
 * (0x1000..0x103f) device ids are driven through the modern capabilities.
 *
 * Virtqueues (drivers/virtio/virtqueue.c): a descriptor table, the driver's (avail) ring and
 * the device's (used) ring in zeroed pages; free descriptors are chained through `next`. A
 * buffer is a chain of (phys, len, device-writable) segments plus a cookie the driver gets
 * back from virtq_get_used. Not locked: each queue's user serializes calls on it.
 */
#ifndef KEEL_VIRTIO_H
#define KEEL_VIRTIO_H

#include <keel/types.h>

struct pci_dev;

#define VIRTIO_VENDOR			0x1af4
#define VIRTIO_ID_NET			1
#define VIRTIO_ID_BLOCK			2

/* device_status */
#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

#define VIRTIO_F_VERSION_1		(1ull << 32)

#define VIRTIO_ISR_QUEUE		1
#define VIRTIO_ISR_CONFIG		2
#define VIRTIO_NO_VECTOR		0xffff

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VIRTQ_DESC_F_NEXT		1
#define VIRTQ_DESC_F_WRITE		2

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];		/* then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];	/* then avail_event */
};

struct virtq {
	unsigned index, size;		/* size: a power of two */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	volatile uint16_t *notify;	/* where a write of index tells the device */
	uint16_t free_head, num_free;
	uint16_t last_used;		/* next used entry to look at */
	uint16_t avail_idx;		/* our copy of avail->idx */
	void **cookie;			/* by head descriptor */
	void *pages[2];			/* what the rings live in */
};

struct virtq_seg {
	phys_addr_t addr;
	uint32_t len;
	bool device_writes;
};

struct virtio_pci {
	struct pci_dev *pci;
	volatile uint8_t *common, *isr, *device, *notify_base;
	uint32_t notify_mul, notify_len;
	uint32_t device_len;
	uint64_t features;		/* negotiated */
};

/* ---- transport ---- */

/* Maps the device's virtio capabilities; -ENODEV when it has no usable modern interface. */
int virtio_pci_probe(struct virtio_pci *v, struct pci_dev *pci);
/* The device type: pci device id 0x1040 + t, or a transitional id's subsystem device id. */
unsigned virtio_pci_type(const struct pci_dev *pci);
/* Writes 0 and waits (bounded) until the device reads back 0. */
int virtio_reset(struct virtio_pci *v);
void virtio_set_status(struct virtio_pci *v, uint8_t bits);
uint8_t virtio_status(struct virtio_pci *v);
/* Accepts (device's & wanted) | VERSION_1 and sets FEATURES_OK. Returns 0, -ENODEV without
 * VERSION_1 or when the device refuses FEATURES_OK. v->features holds the result. */
int virtio_negotiate(struct virtio_pci *v, uint64_t wanted);
/* Sets up queue index with at most max_size entries and MSI-X vector msix (VIRTIO_NO_VECTOR
 * for none); -ENOENT (no such queue), -EIO (the device refused the vector), -ENOMEM. */
int virtio_queue_setup(struct virtio_pci *v, struct virtq *q, unsigned index,
		       unsigned max_size, uint16_t msix);
/* The configuration-change MSI-X vector; false when the device refused it. */
bool virtio_config_vector(struct virtio_pci *v, uint16_t msix);
void virtio_driver_ok(struct virtio_pci *v);
/* Reads and acknowledges the ISR status (INTx mode). */
uint8_t virtio_isr(struct virtio_pci *v);
/* Device-specific configuration bytes [off, off+len) into buf, retried until the config
 * generation is stable; -EINVAL past the window. */
int virtio_config_read(struct virtio_pci *v, unsigned off, void *buf, unsigned len);

/* ---- virtqueues ---- */

/* Allocates the rings for a queue of size entries (power of two, <= 32768). */
int virtq_alloc(struct virtq *q, unsigned index, unsigned size);
void virtq_free(struct virtq *q);
/* Queues one buffer of n segments (readable ones first) with cookie; -ENOSPC when fewer than
 * n descriptors are free, -EINVAL for n == 0. The device sees it after virtq_kick. */
int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n, void *cookie);
void virtq_kick(struct virtq *q);
/* The cookie of the next buffer the device has finished (and *len, the bytes it wrote), its
 * descriptors freed; NULL when none. */
void *virtq_get_used(struct virtq *q, uint32_t *len);

#endif
