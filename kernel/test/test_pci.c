/*
 * test/test_pci.c — PCI enumeration on the machine keel runs on (QEMU pc or q35, Bochs).
 *
 * What must hold on any PC: the host bridge is function 00:00.0, every function is listed
 * once, implemented BARs are naturally aligned powers of two, every capability chain walks,
 * and a network controller has a driver that registered a netdev for it. With QEMU's edu
 * device present, MSI delivery to each CPU is checked too.
 */
#include <keel/arch.h>
#include <keel/ktest.h>
#include <keel/log.h>
#include <keel/netdev.h>
#include <keel/pci.h>
#include <keel/smp.h>
#include <keel/sync.h>

KTEST(pci_host_bridge_is_first_and_functions_are_unique)
{
	struct pci_dev *h = pci_first();

	KT_ASSERT(h, "no PCI functions found");
	KT_ASSERT(h->bus == 0 && h->dev == 0 && h->fn == 0, "first function is %02x:%02x.%u",
		  h->bus, h->dev, h->fn);
	KT_EQ(h->class >> 8, 0x0600);		/* bridge, host */
	KT_ASSERT(h->vendor != 0xffff && h->vendor != 0, "host bridge vendor %#x", h->vendor);
	for (struct pci_dev *a = h; a; a = a->next)
		for (struct pci_dev *b = a->next; b; b = b->next)
			KT_ASSERT(a->bus != b->bus || a->dev != b->dev || a->fn != b->fn,
				  "%02x:%02x.%u listed twice", a->bus, a->dev, a->fn);
}

KTEST(pci_bars_are_aligned_powers_of_two_and_caps_walk)
{
	uint8_t caps[PCI_CAP_MAX];

	for (struct pci_dev *d = pci_first(); d; d = d->next) {
		KT_ASSERT(pci_cap_list(&d->cfg, caps, PCI_CAP_MAX) >= 0,
			  "%02x:%02x.%u: capability chain refused", d->bus, d->dev, d->fn);
		for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
			const struct pci_bar *b = &d->bar[i];

			if (b->type == PCI_BAR_NONE)
				continue;
			KT_ASSERT(b->size && !(b->size & (b->size - 1)),
				  "%02x:%02x.%u BAR%u size %#lx", d->bus, d->dev, d->fn, i, b->size);
			KT_ASSERT(b->type == PCI_BAR_IO || b->addr % b->size == 0,
				  "%02x:%02x.%u BAR%u at %#lx, size %#lx", d->bus, d->dev, d->fn, i,
				  b->addr, b->size);
		}
	}
}

KTEST(pci_network_controllers_have_a_driver_and_a_netdev)
{
	unsigned nics = 0, netdevs = 0;

	for (struct pci_dev *d = pci_first(); d; d = d->next) {
		if (d->class >> 8 != 0x0200)
			continue;
		nics++;
		KT_ASSERT(d->driver, "%02x:%02x.%u (%04x:%04x): no driver", d->bus, d->dev, d->fn,
			  d->vendor, d->device);
		KT_ASSERT(d->irq_mode != PCI_IRQ_NONE, "%02x:%02x.%u: no interrupt", d->bus,
			  d->dev, d->fn);
	}
	for (struct netdev *nd = netdev_first(); nd; nd = nd->next)
		netdevs++;
	KT_EQ(netdevs, nics);
}

static struct {
	volatile uint32_t *regs;
	unsigned cpu;
	struct completion done;
} edu = { .done = COMPLETION_INIT(edu.done, "edu") };

static bool edu_irq(void *arg, unsigned index)
{
	uint32_t st = edu.regs[PCI_EDU_STATUS / 4];

	if (!st)
		return false;
	edu.regs[PCI_EDU_ACK / 4] = st;
	edu.cpu = arch_cpu_id();
	complete(&edu.done);
	return true;
}

/* QEMU's edu device (`tools/keel-run --device edu`) raises an MSI aimed at each online CPU in
 * turn: the message must arrive there, through the handler given to pci_irq_setup. */
KTEST(pci_msi_arrives_on_each_chosen_cpu)
{
	struct pci_dev *d = pci_find(0x1234, 0x11e8, NULL);

	if (!d || !d->drvdata) {
		pr_info("pci_msi_arrives_on_each_chosen_cpu: no edu device, nothing to test\n");
		return;
	}
	edu.regs = d->drvdata;
	for_each_cpu(c, &cpu_online_mask) {
		bool got;

		completion_reinit(&edu.done);
		edu.cpu = CPU_MAX;
		KT_EQ(pci_irq_setup(d, 1, c, PCI_IRQ_ALLOW_MSI, edu_irq, NULL), 1);
		KT_EQ(d->irq_mode, PCI_IRQ_MSI);
		edu.regs[PCI_EDU_RAISE / 4] = 1;
		got = completion_wait_timeout(&edu.done, 1000000000ull);
		pci_irq_release(d);
		KT_ASSERT(got, "no MSI for CPU %u within 1 s", c);
		KT_EQ(edu.cpu, c);
	}
	KT_EQ(d->irq_mode, PCI_IRQ_NONE);
}
