/*
 * arch/x86_64/devirq.c — device interrupts for generic drivers (keel/arch.h, arch_irq_*).
 *
 * A device vector carries one (fn, arg) handler; the entry calls it and then sends the EOI,
 * so for a level-triggered line the handler must have silenced its device first. MSI and
 * MSI-X messages are composed here (the only place that knows the x86 format): a write of the
 * vector to MSI_ADDR_BASE | apic_id << 12, fixed delivery, edge, physical destination. Legacy
 * PCI lines go through the IOAPIC with the firmware's routing (ioapic_pci_gsi).
 *
 * APIC ids above 255 would need interrupt remapping: such a CPU is refused (-ERANGE).
 * The table is indexed by vector (the hardware's 256); a slot is written before its vector is
 * registered and cleared after it is unregistered, so the entry never sees a stale handler.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/memlayout.h>
#include <keel/smp.h>
#include <arch/apic.h>
#include <arch/percpu.h>
#include <arch/trap.h>

struct devirq {
	void (*fn)(void *arg);
	void *arg;
};

static struct devirq devirqs[256];

static void devirq_entry(struct trap_frame *tf)
{
	struct devirq *d = &devirqs[tf->vector];

	if (d->fn)
		d->fn(d->arg);
	apic_eoi();
}

int arch_irq_alloc(void (*fn)(void *arg), void *arg)
{
	int v = vector_alloc();

	if (v < 0)
		return v;
	devirqs[v] = (struct devirq){ fn, arg };
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (irq_register((unsigned)v, devirq_entry)) {
		devirqs[v] = (struct devirq){ NULL, NULL };
		vector_free((unsigned)v);
		return -EBUSY;
	}
	return v;
}

void arch_irq_free(unsigned vector)
{
	if (vector >= 256)
		return;
	irq_unregister(vector);
	devirqs[vector] = (struct devirq){ NULL, NULL };
	vector_free(vector);
}

/* The APIC id of a CPU an interrupt may be sent to, or -errno. */
static int cpu_dest(unsigned cpu, uint32_t *dest)
{
	if (cpu >= CPU_MAX || !cpus[cpu] || !cpumask_test(&cpu_online_mask, cpu))
		return -EINVAL;
	if (cpus[cpu]->apic_id > 0xff)
		return -ERANGE;
	*dest = cpus[cpu]->apic_id;
	return 0;
}

int arch_irq_msi_msg(unsigned vector, unsigned cpu, uint64_t *addr, uint32_t *data)
{
	uint32_t dest;
	int err = cpu_dest(cpu, &dest);

	if (err)
		return err;
	if (vector < VEC_DYNAMIC_FIRST || vector > VEC_DYNAMIC_LAST)
		return -EINVAL;
	*addr = MSI_ADDR_BASE | (uint64_t)dest << 12;
	*data = vector;		/* fixed delivery, edge */
	return 0;
}

int arch_irq_route_line(unsigned line, unsigned vector, unsigned cpu)
{
	uint32_t dest, gsi;
	bool level, low;
	int err = cpu_dest(cpu, &dest);

	if (err)
		return err;
	gsi = ioapic_pci_gsi(line, &level, &low);
	return ioapic_route_gsi(gsi, vector, dest, level, low);
}

int arch_irq_mask_line(unsigned line)
{
	bool level, low;

	return ioapic_mask_gsi(ioapic_pci_gsi(line, &level, &low));
}
