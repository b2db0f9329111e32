/*
 * drivers/virtio/virtio_pci.c — the virtio 1.0 PCI transport (keel/virtio.h).
 *
 * The device describes its register blocks with vendor-specific capabilities: cfg_type 1
 * common configuration, 2 notifications (with a multiplier after the capability), 3 ISR
 * status, 4 device-specific configuration. Each names a BAR, an offset and a length; the
 * window must lie inside that memory BAR (I/O BARs are the legacy interface and not used).
 * The common configuration's fields (virtio 1.0, 4.1.4.3) are at the VCOMMON_* offsets.
 */
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/pci.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/virtio.h>
#include <keel/vm.h>

#define VCAP_COMMON		1
#define VCAP_NOTIFY		2
#define VCAP_ISR		3
#define VCAP_DEVICE		4

#define VCOMMON_DFSELECT	0x00
#define VCOMMON_DF		0x04
#define VCOMMON_GFSELECT	0x08
#define VCOMMON_GF		0x0c
#define VCOMMON_MSIX		0x10
#define VCOMMON_NUMQ		0x12
#define VCOMMON_STATUS		0x14
#define VCOMMON_CFGGEN		0x15
#define VCOMMON_Q_SELECT	0x16
#define VCOMMON_Q_SIZE		0x18
#define VCOMMON_Q_MSIX		0x1a
#define VCOMMON_Q_ENABLE	0x1c
#define VCOMMON_Q_NOFF		0x1e
#define VCOMMON_Q_DESC		0x20
#define VCOMMON_Q_AVAIL		0x28
#define VCOMMON_Q_USED		0x30
#define VCOMMON_LEN		0x38

#define RESET_WAIT_MS		100

static inline void w8(volatile uint8_t *b, unsigned off, uint8_t v) { b[off] = v; }
static inline void w16(volatile uint8_t *b, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(b + off) = v;
}
static inline void w32(volatile uint8_t *b, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(b + off) = v;
}
static inline uint16_t r16(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint16_t *)(b + off);
}
static inline uint32_t r32(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint32_t *)(b + off);
}
/* 64-bit fields are written as two halves, low first (the spec allows it). */
static inline void w64(volatile uint8_t *b, unsigned off, uint64_t v)
{
	w32(b, off, (uint32_t)v);
	w32(b, off + 4, (uint32_t)(v >> 32));
}

unsigned virtio_pci_type(const struct pci_dev *pci)
{
	if (pci->device >= 0x1040 && pci->device <= 0x107f)
		return pci->device - 0x1040u;
	if (pci->device >= 0x1000 && pci->device <= 0x103f)
		return pci->subsys_device;
	return 0;
}

/* Maps the window a virtio capability at cap describes, of at least min bytes. */
static volatile uint8_t *map_cap(struct pci_dev *pci, unsigned cap, uint32_t min,
				 uint32_t *len_out)
{
	unsigned bar = pci_read8(pci, cap + 4);
	uint32_t off = pci_read32(pci, cap + 8), len = pci_read32(pci, cap + 12);
	uint8_t *base;

	if (bar >= PCI_NUM_BARS || len < min || (uint64_t)off + len > pci->bar[bar].size)
		return NULL;
	base = pci_map_bar(pci, bar);
	if (len_out)
		*len_out = len;
	return base ? (volatile uint8_t *)base + off : NULL;
}

int virtio_pci_probe(struct virtio_pci *v, struct pci_dev *pci)
{
	*v = (struct virtio_pci){ .pci = pci };
	for (unsigned n = 0;; n++) {
		int cap = pci_cap_find(&pci->cfg, PCI_CAP_VENDOR, n);

		if (cap < 0)
			break;
		if (pci_read8(pci, (unsigned)cap + 2) < 16)
			continue;	/* too short for a virtio capability */
		switch (pci_read8(pci, (unsigned)cap + 3)) {
		case VCAP_COMMON:
			if (!v->common)
				v->common = map_cap(pci, (unsigned)cap, VCOMMON_LEN, NULL);
			break;
		case VCAP_NOTIFY:
			if (!v->notify_base && pci_read8(pci, (unsigned)cap + 2) >= 20) {
				v->notify_base = map_cap(pci, (unsigned)cap, 2, &v->notify_len);
				v->notify_mul = pci_read32(pci, (unsigned)cap + 16);
			}
			break;
		case VCAP_ISR:
			if (!v->isr)
				v->isr = map_cap(pci, (unsigned)cap, 1, NULL);
			break;
		case VCAP_DEVICE:
			if (!v->device)
				v->device = map_cap(pci, (unsigned)cap, 1, &v->device_len);
			break;
		}
	}
	if (!v->common || !v->notify_base || !v->isr)
		return -ENODEV;
	return 0;
}

uint8_t virtio_status(struct virtio_pci *v)
{
	return v->common[VCOMMON_STATUS];
}

void virtio_set_status(struct virtio_pci *v, uint8_t bits)
{
	w8(v->common, VCOMMON_STATUS, virtio_status(v) | bits);
}

int virtio_reset(struct virtio_pci *v)
{
	w8(v->common, VCOMMON_STATUS, 0);
	for (unsigned ms = 0; ms < RESET_WAIT_MS; ms++) {
		if (virtio_status(v) == 0)
			return 0;
		sched_sleep_ns(1000000);
	}
	return -ETIMEDOUT;
}

int virtio_negotiate(struct virtio_pci *v, uint64_t wanted)
{
	uint64_t dev;

	w32(v->common, VCOMMON_DFSELECT, 0);
	dev = r32(v->common, VCOMMON_DF);
	w32(v->common, VCOMMON_DFSELECT, 1);
	dev |= (uint64_t)r32(v->common, VCOMMON_DF) << 32;
	if (!(dev & VIRTIO_F_VERSION_1))
		return -ENODEV;
	v->features = (dev & wanted) | VIRTIO_F_VERSION_1;
	w32(v->common, VCOMMON_GFSELECT, 0);
	w32(v->common, VCOMMON_GF, (uint32_t)v->features);
	w32(v->common, VCOMMON_GFSELECT, 1);
	w32(v->common, VCOMMON_GF, (uint32_t)(v->features >> 32));
	virtio_set_status(v, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_status(v) & VIRTIO_STATUS_FEATURES_OK))
		return -ENODEV;
	return 0;
}

int virtio_queue_setup(struct virtio_pci *v, struct virtq *q, unsigned index,
		       unsigned max_size, uint16_t msix)
{
	unsigned size;
	uint64_t noff;
	int err;

	if (index >= r16(v->common, VCOMMON_NUMQ))
		return -ENOENT;
	w16(v->common, VCOMMON_Q_SELECT, (uint16_t)index);
	size = r16(v->common, VCOMMON_Q_SIZE);
	if (size == 0)
		return -ENOENT;
	size = 1u << (31 - __builtin_clz(size));	/* split rings: a power of two */
	while (size > max_size)
		size /= 2;
	err = virtq_alloc(q, index, size);
	if (err)
		return err;
	w16(v->common, VCOMMON_Q_SIZE, (uint16_t)size);
	w16(v->common, VCOMMON_Q_MSIX, msix);
	if (r16(v->common, VCOMMON_Q_MSIX) != msix) {
		virtq_free(q);
		return -EIO;
	}
	noff = (uint64_t)r16(v->common, VCOMMON_Q_NOFF) * v->notify_mul;
	if (noff + 2 > v->notify_len) {		/* a doorbell outside its window */
		virtq_free(q);
		return -EIO;
	}
	w64(v->common, VCOMMON_Q_DESC, virt_to_phys((void *)q->desc));
	w64(v->common, VCOMMON_Q_AVAIL, virt_to_phys((void *)q->avail));
	w64(v->common, VCOMMON_Q_USED, virt_to_phys((void *)q->used));
	q->notify = (volatile uint16_t *)(v->notify_base + noff);
	w16(v->common, VCOMMON_Q_ENABLE, 1);
	return 0;
}

bool virtio_config_vector(struct virtio_pci *v, uint16_t msix)
{
	w16(v->common, VCOMMON_MSIX, msix);
	return r16(v->common, VCOMMON_MSIX) == msix;
}

void virtio_driver_ok(struct virtio_pci *v)
{
	virtio_set_status(v, VIRTIO_STATUS_DRIVER_OK);
}

uint8_t virtio_isr(struct virtio_pci *v)
{
	return v->isr[0];
}

int virtio_config_read(struct virtio_pci *v, unsigned off, void *buf, unsigned len)
{
	uint8_t gen, *out = buf;

	if (!v->device || off + len > v->device_len)
		return -EINVAL;
	for (unsigned tries = 0; tries < 100; tries++) {
		gen = v->common[VCOMMON_CFGGEN];
		for (unsigned i = 0; i < len; i++)
			out[i] = v->device[off + i];
		if (v->common[VCOMMON_CFGGEN] == gen)
			return 0;
	}
	return -EIO;
}
