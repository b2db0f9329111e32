/*
 * drivers/pci/edu.c — QEMU's "edu" teaching device (1234:11e8, `-device edu`), driven only so
 * the PCI tests can make a real device raise interrupts on demand.
 *
 * BAR0 holds 32-bit registers: identification at 0x00 (low byte 0xed), interrupt status at
 * 0x24, "raise" at 0x60 (ORs the value into the status and signals: an MSI when enabled, else
 * INTx) and "acknowledge" at 0x64 (clears those status bits). The driver only maps the BAR
 * at boot, so the tests that use it allocate nothing (keel/pci.h, pci_edu_regs).
 */
#include <keel/errno.h>
#include <keel/pci.h>

#define EDU_IDENT	0x00

static const struct pci_id edu_ids[] = {
	{ 0x1234, 0x11e8 },
	{ 0, 0 },
};

static int edu_probe(struct pci_dev *d, const struct pci_id *id)
{
	volatile uint32_t *regs = pci_map_bar(d, 0);

	if (!regs || d->bar[0].size < 0x100 || (regs[EDU_IDENT / 4] & 0xff) != 0xed)
		return -ENODEV;
	pci_enable(d);
	d->drvdata = (void *)regs;
	return 0;
}

struct pci_driver pci_edu_driver = { .name = "edu", .ids = edu_ids, .probe = edu_probe };
