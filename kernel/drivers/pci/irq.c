/*
 * drivers/pci/irq.c — device interrupts: MSI-X, MSI and shared legacy INTx lines.
 *
 * pci_irq_setup tries the modes the driver allows in order MSI-X, MSI, INTx. MSI-X programs
 * table entries 0..nvec-1 (each its own vector, all aimed at one CPU) and enables the
 * capability with the function mask off; MSI programs one message. Both turn INTx off in the
 * command register. The address/data pair comes from the architecture (arch_irq_msi_msg).
 *
 * An INTx line is shared: one struct pci_intx_line per line number holds a vector and the
 * chain of devices on it; the vector's handler asks each device in turn (a level-triggered
 * line stays asserted until every device on it has been silenced, so each is asked every
 * time). line->lock guards the chain against setup and release on other CPUs; the handler
 * takes it too (it runs on the one CPU the line is routed to, so it rarely waits).
 *
 * Locking: pci_irq_mutex serializes setup and release (thread context).
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/pci.h>
#include <keel/spinlock.h>
#include <keel/sync.h>

#define MSIX_CTRL_ENABLE	(1u << 15)
#define MSIX_CTRL_MASKALL	(1u << 14)
#define MSIX_ENTRY_WORDS	4	/* addr lo, addr hi, data, vector control */
#define MSIX_VEC_MASKED		1u
#define MSI_CTRL_ENABLE		(1u << 0)
#define MSI_CTRL_MME_MASK	(7u << 4)
#define MSI_CTRL_64BIT		(1u << 7)

struct pci_intx_line {
	struct pci_intx_line *next;
	unsigned line;
	int vector;
	unsigned cpu;
	struct spinlock lock;
	struct pci_dev *devs;
};

static struct mutex pci_irq_mutex = MUTEX_INIT(pci_irq_mutex, "pci-irq");
static struct pci_intx_line *lines;

static void vec_entry(void *arg)
{
	struct pci_vec *v = arg;

	__atomic_fetch_add(&v->dev->irqs, 1, __ATOMIC_RELAXED);
	v->dev->irq_fn(v->dev->irq_arg, v->index);
}

static void free_vectors(struct pci_dev *d)
{
	for (unsigned i = 0; i < d->nvec; i++)
		if (d->vec[i].vector > 0)
			arch_irq_free((unsigned)d->vec[i].vector);
	d->nvec = 0;
}

/* Vectors for d->vec[0..n-1], each with the address/data pair aimed at cpu. */
static int alloc_vectors(struct pci_dev *d, unsigned n, unsigned cpu, uint64_t *addr,
			 uint32_t *data)
{
	for (unsigned i = 0; i < n; i++) {
		int v, err;

		d->vec[i] = (struct pci_vec){ d, i, 0 };
		v = arch_irq_alloc(vec_entry, &d->vec[i]);
		if (v < 0) {
			free_vectors(d);
			return v;
		}
		d->vec[i].vector = v;
		d->nvec = i + 1;
		err = arch_irq_msi_msg((unsigned)v, cpu, &addr[i], &data[i]);
		if (err) {
			free_vectors(d);
			return err;
		}
	}
	return 0;
}

static void intx_off(struct pci_dev *d, bool off)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, off ? cmd | PCI_CMD_INTX_DISABLE : cmd & ~PCI_CMD_INTX_DISABLE);
}

static int setup_msix(struct pci_dev *d, unsigned nvec, unsigned cpu)
{
	int cap = pci_cap_find(&d->cfg, PCI_CAP_MSIX, 0);
	struct pci_msix_loc loc;
	uint64_t addr[PCI_MAX_VECTORS];
	uint32_t data[PCI_MAX_VECTORS];
	uint8_t *bar;
	int err;

	if (cap < 0)
		return cap;
	if (pci_msix_locate(&d->cfg, (unsigned)cap, d->bar, &loc) || loc.entries < nvec)
		return -EINVAL;
	bar = pci_map_bar(d, loc.table_bar);
	if (!bar)
		return -ENOMEM;
	err = alloc_vectors(d, nvec, cpu, addr, data);
	if (err)
		return err;
	d->msix_table = (volatile uint32_t *)(bar + loc.table_off);
	pci_write16(d, (unsigned)cap + 2, MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	for (unsigned i = 0; i < loc.entries; i++) {
		volatile uint32_t *e = d->msix_table + i * MSIX_ENTRY_WORDS;

		if (i < nvec) {
			e[0] = (uint32_t)addr[i];
			e[1] = (uint32_t)(addr[i] >> 32);
			e[2] = data[i];
			e[3] = 0;
		} else {
			e[3] = MSIX_VEC_MASKED;
		}
	}
	intx_off(d, true);
	pci_write16(d, (unsigned)cap + 2, MSIX_CTRL_ENABLE);
	d->irq_mode = PCI_IRQ_MSIX;
	return (int)nvec;
}

static int setup_msi(struct pci_dev *d, unsigned cpu)
{
	int cap = pci_cap_find(&d->cfg, PCI_CAP_MSI, 0);
	uint64_t addr;
	uint32_t data;
	uint16_t ctrl;
	int err;

	if (cap < 0)
		return cap;
	err = alloc_vectors(d, 1, cpu, &addr, &data);
	if (err)
		return err;
	ctrl = pci_read16(d, (unsigned)cap + 2) & ~(MSI_CTRL_MME_MASK | MSI_CTRL_ENABLE);
	pci_write32(d, (unsigned)cap + 4, (uint32_t)addr);
	if (ctrl & MSI_CTRL_64BIT) {
		pci_write32(d, (unsigned)cap + 8, (uint32_t)(addr >> 32));
		pci_write16(d, (unsigned)cap + 12, (uint16_t)data);
	} else {
		pci_write16(d, (unsigned)cap + 8, (uint16_t)data);
	}
	intx_off(d, true);
	pci_write16(d, (unsigned)cap + 2, ctrl | MSI_CTRL_ENABLE);
	d->irq_mode = PCI_IRQ_MSI;
	return 1;
}

/* The shared line's handler: every device on it is asked. */
static void intx_entry(void *arg)
{
	struct pci_intx_line *l = arg;

	spin_lock(&l->lock);
	for (struct pci_dev *d = l->devs; d; d = d->intx_next)
		if (d->irq_fn(d->irq_arg, 0))
			__atomic_fetch_add(&d->irqs, 1, __ATOMIC_RELAXED);
	spin_unlock(&l->lock);
}

/* The line record for number n, made and routed on first use (pci_irq_mutex held). */
static struct pci_intx_line *intx_line(unsigned n, unsigned cpu, int *err)
{
	struct pci_intx_line *l;

	for (l = lines; l; l = l->next)
		if (l->line == n)
			return l;
	l = kzalloc(sizeof(*l));
	if (!l) {
		*err = -ENOMEM;
		return NULL;
	}
	l->line = n;
	l->cpu = cpu;
	spin_init(&l->lock, "pci-intx");
	l->vector = arch_irq_alloc(intx_entry, l);
	*err = l->vector < 0 ? l->vector : arch_irq_route_line(n, (unsigned)l->vector, cpu);
	if (*err) {
		if (l->vector >= 0)
			arch_irq_free((unsigned)l->vector);
		kfree(l);
		return NULL;
	}
	l->next = lines;
	lines = l;
	return l;
}

static int setup_intx(struct pci_dev *d, unsigned cpu)
{
	struct pci_intx_line *l;
	int err = -ENODEV;
	bool f;

	if (d->irq_pin == 0 || d->irq_pin > 4 || d->irq_line == 0 || d->irq_line == 0xff)
		return err;
	l = intx_line(d->irq_line, cpu, &err);
	if (!l)
		return err;
	d->intx = l;
	d->irq_cpu = l->cpu;		/* a shared line goes where it was first routed */
	f = spin_lock_irqsave(&l->lock);
	d->intx_next = l->devs;
	l->devs = d;
	spin_unlock_irqrestore(&l->lock, f);
	intx_off(d, false);
	d->irq_mode = PCI_IRQ_INTX;
	return 1;
}

int pci_irq_setup(struct pci_dev *d, unsigned nvec, unsigned cpu, unsigned allow,
		  pci_irq_fn fn, void *arg)
{
	int r = -ENODEV;

	if (nvec == 0 || nvec > PCI_MAX_VECTORS || !fn || d->irq_mode != PCI_IRQ_NONE)
		return -EINVAL;
	d->irq_fn = fn;
	d->irq_arg = arg;
	d->irq_cpu = cpu;
	mutex_lock(&pci_irq_mutex);
	if (allow & PCI_IRQ_ALLOW_MSIX)
		r = setup_msix(d, nvec, cpu);
	if (r < 0 && (allow & PCI_IRQ_ALLOW_MSI))
		r = setup_msi(d, cpu);
	if (r < 0 && (allow & PCI_IRQ_ALLOW_INTX))
		r = setup_intx(d, cpu);
	mutex_unlock(&pci_irq_mutex);
	return r;
}

void pci_irq_release(struct pci_dev *d)
{
	int cap;
	bool f;

	mutex_lock(&pci_irq_mutex);
	if (d->irq_mode == PCI_IRQ_MSIX && (cap = pci_cap_find(&d->cfg, PCI_CAP_MSIX, 0)) >= 0)
		pci_write16(d, (unsigned)cap + 2, 0);
	if (d->irq_mode == PCI_IRQ_MSI && (cap = pci_cap_find(&d->cfg, PCI_CAP_MSI, 0)) >= 0)
		pci_write16(d, (unsigned)cap + 2, pci_read16(d, (unsigned)cap + 2) & ~1u);
	if (d->irq_mode == PCI_IRQ_INTX) {
		intx_off(d, true);
		f = spin_lock_irqsave(&d->intx->lock);
		for (struct pci_dev **pp = &d->intx->devs; *pp; pp = &(*pp)->intx_next)
			if (*pp == d) {
				*pp = d->intx_next;
				break;
			}
		spin_unlock_irqrestore(&d->intx->lock, f);
		d->intx = NULL;		/* the line stays routed for the next device on it */
	}
	free_vectors(d);
	d->irq_mode = PCI_IRQ_NONE;
	mutex_unlock(&pci_irq_mutex);
}

const char *pci_irq_mode_name(enum pci_irq_mode m)
{
	static const char *const names[] = { "none", "INTx", "MSI", "MSI-X" };

	return (unsigned)m < ARRAY_SIZE(names) ? names[m] : "?";
}

uint64_t pci_irq_count(struct pci_dev *d)
{
	return __atomic_load_n(&d->irqs, __ATOMIC_RELAXED);
}
