/*
 * keel/pci.h — PCI: configuration space, enumeration, BARs, capabilities, interrupts, drivers.
 *
 * pci_init() finds every function on every bus reachable from bus 0 (through PCI-PCI bridges'
 * secondary bus numbers, with a visited set so a bad bridge cannot loop), through ECAM when
 * ACPI's MCFG names a segment-0 region and the legacy CF8/CFC ports otherwise. Each function
 * becomes a struct pci_dev on one append-only list with its ids, class, BARs (sized by the
 * write-ones probe with decode disabled) and interrupt pin/line. Then every driver registered
 * with pci_register_driver() is offered the devices its id table matches, and probe() takes
 * or declines each.
 *
 * Interrupts: pci_irq_setup() gives a driver vectors on a chosen CPU, trying MSI-X, then MSI,
 * then the legacy INTx line through the IOAPIC (where a line may be shared: handlers chain and
 * each says whether its device raised the interrupt).
 *
 * Nothing a device says is trusted: a capability chain that loops, points into the header or
 * past the space, or is longer than the space can hold is refused as a whole; a 64-bit BAR in
 * the last slot, or an MSI-X table outside its BAR, is refused. The parsers (pci_cap_*,
 * pci_bar_decode, pci_msix_locate) are pure over struct pci_cfg and host-tested
 * (tests/unit/test_pci.c).
 *
 * Locking: the device list is built before any driver runs and is then read-only (append-only
 * if hot-plug ever comes). Config cycles through CF8/CFC take pci_cf8_lock; ECAM needs none.
 * A device's interrupt state belongs to its driver.
 */
#ifndef KEEL_PCI_H
#define KEEL_PCI_H

#include <keel/types.h>

/* Configuration header offsets. */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_CLASS_REVISION	0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_PRIMARY_BUS		0x18	/* type 1 */
#define PCI_SECONDARY_BUS	0x19
#define PCI_SUBSYSTEM_VENDOR	0x2c
#define PCI_CAP_PTR		0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_CMD_IO		(1u << 0)
#define PCI_CMD_MEMORY		(1u << 1)
#define PCI_CMD_MASTER		(1u << 2)
#define PCI_CMD_INTX_DISABLE	(1u << 10)
#define PCI_STATUS_CAP_LIST	(1u << 4)

#define PCI_CAP_MSI		0x05
#define PCI_CAP_VENDOR		0x09
#define PCI_CAP_MSIX		0x11

#define PCI_CFG_SIZE		256	/* what keel uses (extended space is not walked) */
#define PCI_CAP_MAX		((PCI_CFG_SIZE - 0x40) / 4)	/* most caps 256 bytes can hold */
#define PCI_NUM_BARS		6
#define PCI_MAX_VECTORS		8	/* per device, what keel's drivers need */

/* Access to one function's configuration space: real hardware or a test's fake. Offsets are
 * naturally aligned and below PCI_CFG_SIZE. */
struct pci_cfg {
	uint32_t (*read32)(void *ctx, unsigned off);
	void (*write32)(void *ctx, unsigned off, uint32_t v);
	void *ctx;
};

uint8_t pci_cfg_read8(const struct pci_cfg *c, unsigned off);
uint16_t pci_cfg_read16(const struct pci_cfg *c, unsigned off);
void pci_cfg_write16(const struct pci_cfg *c, unsigned off, uint16_t v);

/* ---- pure parsers (host-tested) ---- */

/* Offsets of the capabilities in chain order into out (at most max). Returns how many, 0 when
 * the status register says there is no list, -ELOOP when the chain revisits a capability,
 * -EINVAL when a pointer is inside the header (< 0x40) or runs past the space. */
int pci_cap_list(const struct pci_cfg *c, uint8_t *out, unsigned max);
/* Offset of the n-th (from 0) capability with this id, -ENOENT, or an error of pci_cap_list. */
int pci_cap_find(const struct pci_cfg *c, uint8_t id, unsigned n);

enum pci_bar_type { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	enum pci_bar_type type;
	bool prefetchable;
	uint64_t addr;			/* bus address (= physical on a PC) or I/O port */
	uint64_t size;
};
/* Sizes BAR i: decode off in the command register, write ones, read the mask back, restore
 * the BAR and the command. Fills *out (PCI_BAR_NONE for an unimplemented BAR). Returns the
 * slots used (1, or 2 for a 64-bit BAR; the next slot is its high half) or -EINVAL for a
 * 64-bit BAR in the last slot or a reserved type. */
int pci_bar_probe(const struct pci_cfg *c, unsigned i, struct pci_bar *out);

struct pci_msix_loc {
	unsigned entries;		/* table size */
	unsigned table_bar, pba_bar;
	uint64_t table_off, pba_off;	/* within those BARs */
};
/* Where the MSI-X table and PBA of the capability at cap live; -EINVAL when a BIR names no
 * memory BAR or the table or PBA does not fit in its BAR. */
int pci_msix_locate(const struct pci_cfg *c, unsigned cap, const struct pci_bar *bars,
		    struct pci_msix_loc *out);

/* ---- devices ---- */

/* An interrupt handler: true when its device raised the interrupt (it has been acknowledged
 * there). Interrupt context, never sleeps. For MSI/MSI-X the return value is ignored. */
typedef bool (*pci_irq_fn)(void *arg, unsigned index);

enum pci_irq_mode { PCI_IRQ_NONE, PCI_IRQ_INTX, PCI_IRQ_MSI, PCI_IRQ_MSIX };

struct pci_driver;
struct pci_intx_line;

struct pci_dev {
	struct pci_dev *next;		/* the global list, in enumeration order */
	uint16_t segment;
	uint8_t bus, dev, fn;
	uint16_t vendor, device, subsys_vendor, subsys_device;
	uint32_t class;			/* class << 16 | subclass << 8 | prog-if */
	uint8_t revision, header_type, irq_line, irq_pin;
	struct pci_bar bar[PCI_NUM_BARS];
	struct pci_cfg cfg;		/* this function's config space */
	volatile uint8_t *ecam;		/* its 4 KiB of ECAM, or NULL (CF8/CFC) */
	const struct pci_driver *driver;
	void *drvdata;
	/* interrupts (pci_irq_setup) */
	enum pci_irq_mode irq_mode;
	unsigned nvec;
	struct pci_vec {
		struct pci_dev *dev;
		unsigned index;
		int vector;
	} vec[PCI_MAX_VECTORS];
	volatile uint32_t *msix_table;
	unsigned irq_cpu;
	struct pci_intx_line *intx;	/* the shared line it is on (INTx) */
	struct pci_dev *intx_next;	/* the next device on that line */
	pci_irq_fn irq_fn;
	void *irq_arg;
	uint64_t irqs;			/* interrupts handled (atomic) */
};

struct pci_id {
	uint16_t vendor, device;	/* PCI_ANY_ID matches any */
};
#define PCI_ANY_ID	0xffff

struct pci_driver {
	const char *name;
	const struct pci_id *ids;	/* ends with { 0, 0 } */
	/* 0: the driver owns the device; -errno: it does not (another driver may try). Thread
	 * context, may sleep. */
	int (*probe)(struct pci_dev *d, const struct pci_id *id);
	struct pci_driver *next;
};

/* Enumerates the buses (once, thread context), then offers each device, in bus order, to the
 * drivers registered so far. */
void pci_init(void);
/* Registers a driver and offers it every unclaimed matching device found so far. */
void pci_register_driver(struct pci_driver *drv);
struct pci_dev *pci_first(void);
/* The first device with these ids after `from` (NULL: from the start), or NULL. */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, struct pci_dev *from);

uint32_t pci_read32(struct pci_dev *d, unsigned off);
uint16_t pci_read16(struct pci_dev *d, unsigned off);
uint8_t pci_read8(struct pci_dev *d, unsigned off);
void pci_write32(struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(struct pci_dev *d, unsigned off, uint16_t v);
void pci_write8(struct pci_dev *d, unsigned off, uint8_t v);

/* Turns on memory and I/O decode for the BARs the device has, and bus mastering (DMA). */
void pci_enable(struct pci_dev *d);
/* Maps a memory BAR (uncached) and returns it, NULL if the BAR is no memory BAR. */
void *pci_map_bar(struct pci_dev *d, unsigned i);

/* QEMU's edu test device (drivers/pci/edu.c): bound by pci_init, d->drvdata is its mapped
 * BAR0 (32-bit registers; PCI_EDU_* offsets). */
extern struct pci_driver pci_edu_driver;
#define PCI_EDU_STATUS		0x24
#define PCI_EDU_RAISE		0x60
#define PCI_EDU_ACK		0x64

/* ---- interrupts (drivers/pci/irq.c) ---- */


#define PCI_IRQ_ALLOW_MSIX	(1u << 0)
#define PCI_IRQ_ALLOW_MSI	(1u << 1)
#define PCI_IRQ_ALLOW_INTX	(1u << 2)
#define PCI_IRQ_ALLOW_ALL	7u

/* Gives the device nvec (1..PCI_MAX_VECTORS) interrupts on CPU cpu, calling fn(arg, index): MSI-X with nvec
 * vectors (table entries 0..nvec-1) if allowed and offered, else MSI with one, else the shared
 * INTx line (one). Returns the mode's vector count (nvec for MSI-X, 1 otherwise) or -errno;
 * d->irq_mode says which. */
int pci_irq_setup(struct pci_dev *d, unsigned nvec, unsigned cpu, unsigned allow,
		  pci_irq_fn fn, void *arg);
/* Undoes pci_irq_setup (masks the source, frees the vectors). */
void pci_irq_release(struct pci_dev *d);
const char *pci_irq_mode_name(enum pci_irq_mode m);
/* Interrupts counted per device since setup (all vectors). */
uint64_t pci_irq_count(struct pci_dev *d);

#endif
