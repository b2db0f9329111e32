/*
 * arch/x86_64/setup.c — early x86 bring-up of the boot CPU, and the legacy PIC.
 *
 * arch_early_init() runs first in kmain: per-CPU block, GDT/TSS with IST stacks, IDT, CPU
 * features. The 8259 PICs are remapped above the exception vectors and masked except for the
 * COM1 line the monitor waits on; the APIC code (SMP) retires them for good.
 */
#include <keel/arch.h>
#include <keel/console.h>
#include <keel/log.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/io.h>
#include <arch/percpu.h>
#include <arch/trap.h>

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define PIC_EOI		0x20
#define IRQ_COM1	4

void arch_early_init(void)
{
	percpu_init_boot();
	idt_init();
	cpu_detect();
}

void arch_log_cpu(void)
{
	cpu_log_features();
}

static void pic_remap_and_mask(uint8_t keep_irq)
{
	outb(PIC1_CMD, 0x11);			/* ICW1: init, expect ICW4 */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VEC_LEGACY_BASE);	/* ICW2: vector offsets */
	outb(PIC2_DATA, VEC_LEGACY_BASE + 8);
	outb(PIC1_DATA, 0x04);			/* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);			/* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, (uint8_t)~(1u << keep_irq));
	outb(PIC2_DATA, 0xff);
}

static void com1_irq(struct trap_frame *tf)
{
	/* The monitor polls the UART after waking; acknowledging is all that is left. */
	outb(PIC1_CMD, PIC_EOI);
}

static void spurious_irq7(struct trap_frame *tf)
{
	/* A spurious IRQ 7 must not be acknowledged. */
}

void arch_console_irq_init(void)
{
	irq_register(VEC_LEGACY_BASE + IRQ_COM1, com1_irq);
	irq_register(VEC_LEGACY_BASE + 7, spurious_irq7);
	pic_remap_and_mask(IRQ_COM1);
	serial_enable_rx_irq();
}
