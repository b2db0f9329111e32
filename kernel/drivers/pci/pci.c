/*
 * drivers/pci/pci.c — PCI configuration access, bus enumeration, the device list and drivers.
 *
 * Config space is reached through ECAM when the MCFG has a segment-0 region covering the bus
 * (mapped 1 MiB per bus on first use, uncached, through iomap), through the CF8/CFC ports
 * otherwise. Enumeration starts at bus 0 (and the extra root buses a multi-function host
 * bridge at 00:00 names), reads every device and function, and descends into each PCI-PCI
 * bridge's secondary bus; a bus already seen is not scanned again, so a bridge that names its
 * own bus or an earlier one cannot make the walk loop.
 *
 * Locking: pci_cf8_lock serializes the address/data port pair. The device list is built by
 * pci_init before any driver probes and only appended to; drivers lists take pci_mutex.
 */
#include <keel/acpi.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/iomap.h>
#include <keel/log.h>
#include <keel/pci.h>
#include <keel/procfs.h>
#include <keel/spinlock.h>
#include <keel/sync.h>
#include <arch/io.h>

#define CF8_ADDR	0xcf8
#define CF8_DATA	0xcfc
#define PCI_BUSES	256
#define ECAM_BUS_SIZE	(1u << 20)

static struct spinlock pci_cf8_lock = SPINLOCK_INIT("pci-cf8");
static struct mutex pci_mutex = MUTEX_INIT(pci_mutex, "pci");
static struct pci_dev *devices, **devices_tail = &devices;
static struct pci_driver *drivers;
static volatile uint8_t *ecam_bus[PCI_BUSES];	/* mapped lazily; one per bus number */
static bool pci_ready;

/* ---- configuration access ---- */

static uint32_t cf8_addr(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 |
	       (off & 0xfc);
}

static uint32_t cf8_read(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	bool f = spin_lock_irqsave(&pci_cf8_lock);
	uint32_t v;

	outl(CF8_ADDR, cf8_addr(bus, dev, fn, off));
	v = inl(CF8_DATA);
	spin_unlock_irqrestore(&pci_cf8_lock, f);
	return v;
}

static void cf8_write(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off, uint32_t v)
{
	bool f = spin_lock_irqsave(&pci_cf8_lock);

	outl(CF8_ADDR, cf8_addr(bus, dev, fn, off));
	outl(CF8_DATA, v);
	spin_unlock_irqrestore(&pci_cf8_lock, f);
}

/* The ECAM window of bus, mapped on first use; NULL when the MCFG does not cover it. */
static volatile uint8_t *ecam_for_bus(unsigned bus)
{
	const struct acpi_info *a = acpi();

	if (ecam_bus[bus])
		return ecam_bus[bus];
	for (unsigned i = 0; i < a->nmcfg; i++) {
		const struct acpi_mcfg *m = &a->mcfg[i];

		if (m->segment != 0 || bus < m->bus_start || bus > m->bus_end)
			continue;
		ecam_bus[bus] = iomap(m->base + ((phys_addr_t)(bus - m->bus_start) << 20),
				      ECAM_BUS_SIZE, 0);
		return ecam_bus[bus];
	}
	return NULL;
}

/* A function's address, packed into the cfg context for the CF8 accessors. */
#define BDF(b, d, f)	((void *)(uintptr_t)((b) << 8 | (d) << 3 | (f)))

static uint32_t cfg_cf8_read(void *ctx, unsigned off)
{
	uintptr_t bdf = (uintptr_t)ctx;

	return cf8_read(bdf >> 8, (bdf >> 3) & 31, bdf & 7, off);
}

static void cfg_cf8_write(void *ctx, unsigned off, uint32_t v)
{
	uintptr_t bdf = (uintptr_t)ctx;

	cf8_write(bdf >> 8, (bdf >> 3) & 31, bdf & 7, off, v);
}

static uint32_t cfg_ecam_read(void *ctx, unsigned off)
{
	return *(volatile uint32_t *)((volatile uint8_t *)ctx + (off & 0xffc));
}

static void cfg_ecam_write(void *ctx, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)((volatile uint8_t *)ctx + (off & 0xffc)) = v;
}

static struct pci_cfg cfg_for(uint8_t bus, uint8_t dev, uint8_t fn)
{
	volatile uint8_t *e = ecam_for_bus(bus);

	if (e)
		return (struct pci_cfg){ cfg_ecam_read, cfg_ecam_write,
					 (void *)(e + ((unsigned)dev << 15 | (unsigned)fn << 12)) };
	return (struct pci_cfg){ cfg_cf8_read, cfg_cf8_write, BDF(bus, dev, fn) };
}

uint32_t pci_read32(struct pci_dev *d, unsigned off)
{
	return d->cfg.read32(d->cfg.ctx, off & 0xfc);
}

uint16_t pci_read16(struct pci_dev *d, unsigned off)
{
	return pci_cfg_read16(&d->cfg, off);
}

uint8_t pci_read8(struct pci_dev *d, unsigned off)
{
	return pci_cfg_read8(&d->cfg, off);
}

void pci_write32(struct pci_dev *d, unsigned off, uint32_t v)
{
	d->cfg.write32(d->cfg.ctx, off & 0xfc, v);
}

void pci_write16(struct pci_dev *d, unsigned off, uint16_t v)
{
	pci_cfg_write16(&d->cfg, off, v);
}

void pci_write8(struct pci_dev *d, unsigned off, uint8_t v)
{
	unsigned shift = 8 * (off & 3);
	uint32_t w = pci_read32(d, off);

	if ((off & ~3u) == PCI_COMMAND)
		w &= 0xffff;
	pci_write32(d, off, (w & ~(0xffu << shift)) | (uint32_t)v << shift);
}

/* ---- enumeration ---- */

static void read_bars(struct pci_dev *d)
{
	unsigned nbars = (d->header_type & 0x7f) == 0 ? PCI_NUM_BARS :
			 (d->header_type & 0x7f) == 1 ? 2 : 0;

	for (unsigned i = 0; i < nbars;) {
		int used = pci_bar_probe(&d->cfg, i, &d->bar[i]);

		if (used < 0) {
			pr_warn("pci: %02x:%02x.%u BAR%u malformed; ignored\n", d->bus, d->dev,
				d->fn, i);
			d->bar[i].type = PCI_BAR_NONE;
			used = 1;
		}
		i += (unsigned)used;
	}
}

static struct pci_dev *add_function(uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct pci_dev *d = kzalloc(sizeof(*d));
	uint32_t cr;

	if (!d)
		return NULL;
	d->bus = bus, d->dev = dev, d->fn = fn;
	d->cfg = cfg_for(bus, dev, fn);
	d->ecam = d->cfg.read32 == cfg_ecam_read ? d->cfg.ctx : NULL;
	d->vendor = pci_read16(d, PCI_VENDOR_ID);
	d->device = pci_read16(d, PCI_DEVICE_ID);
	cr = pci_read32(d, PCI_CLASS_REVISION);
	d->class = cr >> 8;
	d->revision = cr & 0xff;
	d->header_type = pci_read8(d, PCI_HEADER_TYPE);
	if ((d->header_type & 0x7f) == 0) {
		d->subsys_vendor = pci_read16(d, PCI_SUBSYSTEM_VENDOR);
		d->subsys_device = pci_read16(d, PCI_SUBSYSTEM_VENDOR + 2);
	}
	d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	read_bars(d);
	*devices_tail = d;
	devices_tail = &d->next;
	pr_info("pci: %02x:%02x.%u %04x:%04x class %06x%s\n", bus, dev, fn, d->vendor, d->device,
		d->class, d->ecam ? "" : " (cf8)");
	return d;
}

struct bus_walk {
	uint64_t seen[PCI_BUSES / 64];
	uint8_t pending[PCI_BUSES];
	unsigned npending;
};

static void want_bus(struct bus_walk *w, unsigned bus)
{
	if (w->seen[bus / 64] & (1ull << (bus % 64)))
		return;
	w->seen[bus / 64] |= 1ull << (bus % 64);
	w->pending[w->npending++] = (uint8_t)bus;	/* at most 256: each bus once */
}

static void scan_bus(struct bus_walk *w, uint8_t bus)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			struct pci_cfg c = cfg_for(bus, (uint8_t)dev, (uint8_t)fn);
			struct pci_dev *d;

			if ((c.read32(c.ctx, 0) & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			d = add_function(bus, (uint8_t)dev, (uint8_t)fn);
			if (!d)
				return;
			if ((d->header_type & 0x7f) == 1)
				want_bus(w, pci_read8(d, PCI_SECONDARY_BUS));
			if (bus == 0 && dev == 0 && fn > 0 && d->class >> 8 == 0x0600)
				want_bus(w, fn);	/* another host bridge: root bus fn */
			if (fn == 0 && !(d->header_type & 0x80))
				break;
		}
	}
}

static const struct pci_id *match(const struct pci_driver *drv, const struct pci_dev *d)
{
	for (const struct pci_id *id = drv->ids; id->vendor || id->device; id++)
		if ((id->vendor == PCI_ANY_ID || id->vendor == d->vendor) &&
		    (id->device == PCI_ANY_ID || id->device == d->device))
			return id;
	return NULL;
}

/* Offers d to drv if it matches and is unclaimed. Caller holds pci_mutex. */
static void probe_one(struct pci_driver *drv, struct pci_dev *d)
{
	const struct pci_id *id = d->driver ? NULL : match(drv, d);
	int err;

	if (!id)
		return;
	d->driver = drv;
	err = drv->probe(d, id);
	if (err) {
		d->driver = NULL;
		pr_warn("pci: %02x:%02x.%u: %s declined it (error %d)\n", d->bus, d->dev, d->fn,
			drv->name, err);
	}
}

/* /proc/bus/pci/devices as Linux writes it: bus+devfn, vendor+device, irq, then the start
 * (with the BAR's low flag bits) and size of the six BARs and the ROM, and the driver. */
static void gen_devices(struct proc_text *t)
{
	for (struct pci_dev *d = devices; d; d = d->next) {
		proc_printf(t, "%02x%02x\t%04x%04x\t%x", d->bus, d->dev << 3 | d->fn, d->vendor,
			    d->device, d->irq_pin ? d->irq_line : 0);
		for (unsigned i = 0; i < PCI_NUM_BARS + 1; i++) {
			const struct pci_bar *b = i < PCI_NUM_BARS ? &d->bar[i] : NULL;
			uint64_t flags = !b ? 0 : b->type == PCI_BAR_IO ? 1 :
					 (b->type == PCI_BAR_MEM64 ? 4 : 0) | (b->prefetchable ? 8 : 0);

			proc_printf(t, "\t%16lx", b && b->type != PCI_BAR_NONE ? b->addr | flags : 0);
		}
		for (unsigned i = 0; i < PCI_NUM_BARS + 1; i++)
			proc_printf(t, "\t%16lx", i < PCI_NUM_BARS ? d->bar[i].size : 0);
		proc_printf(t, "\t%s\n", d->driver ? d->driver->name : "");
	}
}

void pci_init(void)
{
	struct bus_walk *w = kzalloc(sizeof(*w));
	unsigned n = 0;

	if (!w) {
		pr_err("pci: no memory to enumerate\n");
		return;
	}
	pci_register_driver(&pci_edu_driver);	/* the tests' interrupt source, when present */
	want_bus(w, 0);
	for (unsigned i = 0; i < w->npending; i++)
		scan_bus(w, w->pending[i]);
	kfree(w);
	if (procfs_add("bus/pci/devices", gen_devices))
		pr_warn("pci: cannot make /proc/bus/pci/devices\n");
	for (struct pci_dev *d = devices; d; d = d->next)
		n++;
	pr_info("pci: %u functions, config access by %s\n", n,
		ecam_for_bus(0) ? "ECAM (MCFG)" : "CF8/CFC");
	mutex_lock(&pci_mutex);
	pci_ready = true;
	for (struct pci_dev *d = devices; d; d = d->next)	/* in bus order: eth0 is the first */
		for (struct pci_driver *drv = drivers; drv; drv = drv->next)
			probe_one(drv, d);
	mutex_unlock(&pci_mutex);
}

void pci_register_driver(struct pci_driver *drv)
{
	struct pci_driver **pp = &drivers;

	mutex_lock(&pci_mutex);
	while (*pp)
		pp = &(*pp)->next;
	drv->next = NULL;
	*pp = drv;
	for (struct pci_dev *d = devices; pci_ready && d; d = d->next)
		probe_one(drv, d);
	mutex_unlock(&pci_mutex);
}

struct pci_dev *pci_first(void)
{
	return devices;
}

struct pci_dev *pci_find(uint16_t vendor, uint16_t device, struct pci_dev *from)
{
	for (struct pci_dev *d = from ? from->next : devices; d; d = d->next)
		if (d->vendor == vendor && d->device == device)
			return d;
	return NULL;
}

void pci_enable(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND) | PCI_CMD_MASTER;

	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		if (d->bar[i].type == PCI_BAR_IO)
			cmd |= PCI_CMD_IO;
		else if (d->bar[i].type != PCI_BAR_NONE)
			cmd |= PCI_CMD_MEMORY;
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

void *pci_map_bar(struct pci_dev *d, unsigned i)
{
	struct pci_bar *b = i < PCI_NUM_BARS ? &d->bar[i] : NULL;

	if (!b || (b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64) || !b->size)
		return NULL;
	return iomap(b->addr, b->size, 0);
}
