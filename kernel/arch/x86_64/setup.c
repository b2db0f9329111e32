/*
 * arch/x86_64/setup.c — early x86 bring-up of the boot CPU, and the console's interrupt.
 *
 * arch_early_init() runs first in kmain: per-CPU block, GDT/TSS with IST stacks, IDT, CPU
 * features. The console's input interrupts (COM1's receive interrupt, the PS/2 keyboard's IRQ 1)
 * are routed through the IOAPIC, with the MADT's overrides, once the interrupt controllers
 * are up (smp_init).
 */
#include <keel/arch.h>
#include <keel/console.h>
#include <keel/kbd.h>
#include <keel/log.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/percpu.h>
#include <arch/trap.h>

#define IRQ_KBD		1
#define IRQ_COM1	4

void arch_early_init(void)
{
	percpu_init_boot();
	idt_init();
	cpu_detect();
	cpu_pat_init();
	user_cpu_init();
}

void arch_cpu_ident(struct arch_cpu_ident *id)
{
	*id = (struct arch_cpu_ident){ boot_cpu.vendor, boot_cpu.brand, boot_cpu.family,
				       boot_cpu.model, boot_cpu.stepping };
}

const char *arch_cpu_feature(unsigned i)
{
	for (unsigned f = 0; f < FEAT_COUNT; f++)
		if (cpu_has((enum cpu_feature)f) && i-- == 0)
			return cpu_feature_name((enum cpu_feature)f);
	return NULL;
}

void arch_log_cpu(void)
{
	cpu_log_features();
	user_log_features();
}

static void com1_irq(struct trap_frame *tf)
{
	apic_eoi();
	console_rx_interrupt();		/* the reader takes the bytes from the UART itself */
}

static void kbd_irq(struct trap_frame *tf)
{
	apic_eoi();
	i8042_interrupt();
}

/* The keyboard's IRQ 1 (GSI per the MADT override) to this CPU, once the i8042 is ready. */
static void kbd_irq_init(void)
{
	int vec;

	if (i8042_init())
		return;
	vec = vector_alloc();
	if (vec < 0 || irq_register((unsigned)vec, kbd_irq) ||
	    ioapic_route_isa(IRQ_KBD, (unsigned)vec, this_cpu()->apic_id))
		pr_warn("console: no interrupt for the PS/2 keyboard; typing on it does nothing\n");
}

/* COM1's receive interrupt and the keyboard's, through the IOAPIC to this CPU (after
 * smp_init). */
void arch_console_irq_init(void)
{
	kbd_irq_init();
	int vec = vector_alloc();

	if (vec < 0 || irq_register((unsigned)vec, com1_irq) ||
	    ioapic_route_isa(IRQ_COM1, (unsigned)vec, this_cpu()->apic_id)) {
		pr_warn("console: no interrupt for COM1 input; typing will not wake the CPU\n");
		return;
	}
	serial_enable_rx_irq();
}
