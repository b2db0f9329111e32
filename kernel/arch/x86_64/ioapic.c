/*
 * arch/x86_64/ioapic.c — IOAPIC routing of legacy (ISA) interrupts.
 *
 * IOAPICs and interrupt source overrides are registered from the firmware tables; every
 * redirection entry starts masked. An ISA IRQ maps to GSI = IRQ, edge-triggered, active high,
 * unless an override says otherwise (QEMU and most PCs move the PIT's IRQ 0 to GSI 2).
 * Destinations are physical APIC ids below 256 (higher ids would need interrupt remapping).
 *
 * Locking: ioapic_lock serializes register-select/window pairs and the lists.
 */
#include <arch/apic.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/iomap.h>
#include <keel/log.h>
#include <keel/spinlock.h>

#define IOREGSEL	0
#define IOWIN		4		/* in 32-bit words */
#define REG_VER		1
#define REG_REDIR(n)	(0x10 + 2 * (n))
#define REDIR_MASKED	(1u << 16)
#define REDIR_LEVEL	(1u << 15)
#define REDIR_LOW	(1u << 13)
#define ISA_IRQS	16

/* MPS INTI flags (MADT overrides use the same encoding). */
#define POLARITY_MASK	0x3
#define POLARITY_LOW	0x3
#define TRIGGER_MASK	0xc
#define TRIGGER_LEVEL	0xc

struct ioapic {
	struct ioapic *next;
	volatile uint32_t *regs;
	uint32_t gsi_base;
	unsigned entries;
};

struct isa_route {
	uint32_t gsi;
	uint16_t flags;
};

static struct ioapic *ioapics;
static struct isa_route isa[ISA_IRQS];	/* ISA has exactly 16 lines */
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");

static uint32_t io_read(struct ioapic *io, unsigned reg)
{
	io->regs[IOREGSEL] = reg;
	return io->regs[IOWIN];
}

static void io_write(struct ioapic *io, unsigned reg, uint32_t v)
{
	io->regs[IOREGSEL] = reg;
	io->regs[IOWIN] = v;
}

void ioapic_init(void)
{
	for (unsigned i = 0; i < ISA_IRQS; i++)
		isa[i] = (struct isa_route){ i, 0 };
}

int ioapic_register(phys_addr_t phys, uint32_t gsi_base)
{
	struct ioapic *io = kzalloc(sizeof(*io));
	bool f;

	if (!io)
		return -ENOMEM;
	io->regs = iomap(phys, 0x20, 0);
	if (!io->regs) {
		kfree(io);
		return -ENOMEM;
	}
	io->gsi_base = gsi_base;
	f = spin_lock_irqsave(&ioapic_lock);
	io->entries = ((io_read(io, REG_VER) >> 16) & 0xff) + 1;
	for (unsigned n = 0; n < io->entries; n++) {
		io_write(io, REG_REDIR(n) + 1, 0);
		io_write(io, REG_REDIR(n), REDIR_MASKED);
	}
	io->next = ioapics;
	ioapics = io;
	spin_unlock_irqrestore(&ioapic_lock, f);
	pr_info("ioapic: at %#lx, GSIs %u-%u\n", phys, gsi_base, gsi_base + io->entries - 1);
	return 0;
}

void ioapic_isa_override(unsigned irq, uint32_t gsi, uint16_t flags)
{
	if (irq < ISA_IRQS)
		isa[irq] = (struct isa_route){ gsi, flags };
}

/* Writes the redirection entry of gsi; -ENOENT when no IOAPIC serves it. */
static int write_gsi_entry(uint32_t gsi, uint32_t low, uint32_t dest)
{
	int err = -ENOENT;
	bool f = spin_lock_irqsave(&ioapic_lock);

	for (struct ioapic *io = ioapics; io; io = io->next) {
		if (gsi < io->gsi_base || gsi >= io->gsi_base + io->entries)
			continue;
		io_write(io, REG_REDIR(gsi - io->gsi_base) + 1, dest << 24);
		io_write(io, REG_REDIR(gsi - io->gsi_base), low);
		err = 0;
		break;
	}
	spin_unlock_irqrestore(&ioapic_lock, f);
	return err;
}

static int write_isa_entry(unsigned irq, uint32_t low, uint32_t dest)
{
	return write_gsi_entry(isa[irq].gsi, low, dest);
}

int ioapic_mask_isa(unsigned irq)
{
	return irq < ISA_IRQS ? write_isa_entry(irq, REDIR_MASKED, 0) : -EINVAL;
}

int ioapic_route_isa(unsigned irq, unsigned vector, uint32_t dest)
{
	uint32_t low = vector;

	if (irq >= ISA_IRQS || dest > 0xff)
		return -EINVAL;
	if ((isa[irq].flags & POLARITY_MASK) == POLARITY_LOW)
		low |= REDIR_LOW;
	if ((isa[irq].flags & TRIGGER_MASK) == TRIGGER_LEVEL)
		low |= REDIR_LEVEL;
	return write_isa_entry(irq, low, dest);
}

uint32_t ioapic_isa_gsi(unsigned irq)
{
	return irq < ISA_IRQS ? isa[irq].gsi : 0;
}

/* A PCI interrupt line names an ISA IRQ the firmware routed the pin to; an override for it
 * gives the trigger and polarity, and where it says "bus default" PCI's is level, active low. */
uint32_t ioapic_pci_gsi(unsigned line, bool *level, bool *active_low)
{
	uint16_t fl = line < ISA_IRQS ? isa[line].flags : 0;

	*level = (fl & TRIGGER_MASK) == 0 || (fl & TRIGGER_MASK) == TRIGGER_LEVEL;
	*active_low = (fl & POLARITY_MASK) == 0 || (fl & POLARITY_MASK) == POLARITY_LOW;
	return line < ISA_IRQS ? isa[line].gsi : line;
}

int ioapic_route_gsi(uint32_t gsi, unsigned vector, uint32_t dest, bool level, bool active_low)
{
	uint32_t low = vector | (level ? REDIR_LEVEL : 0) | (active_low ? REDIR_LOW : 0);

	if (dest > 0xff || vector < 32 || vector > 0xff)
		return -EINVAL;
	return write_gsi_entry(gsi, low, dest);
}

int ioapic_mask_gsi(uint32_t gsi)
{
	return write_gsi_entry(gsi, REDIR_MASKED, 0);
}
