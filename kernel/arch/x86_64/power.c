/*
 * arch/x86_64/power.c — power off, reboot and halt on the machines keel runs on.
 *
 * Power-off tries, in order: QEMU's isa-debug-exit (port 0xf4; QEMU then exits with status
 * 2*value+1, which the harness decodes), the ACPI PM1a control ports QEMU and Bochs firmware
 * use, and Bochs' 0x8900 "Shutdown" port. Writes to absent ports are harmless. Until the ACPI
 * code reads the FADT, those ports are the emulators' fixed ones. The serial line is drained
 * first so no output is lost.
 */
#include <keel/arch.h>
#include <keel/console.h>
#include <arch/io.h>
#include <arch/desc.h>

#define DEBUG_EXIT_PORT		0xf4
#define QEMU_PIIX_PM1A_CNT	0x604
#define BOCHS_PM1A_CNT		0xb004
#define PM1_SLP_EN_S5		0x2000
#define BOCHS_SHUTDOWN_PORT	0x8900
#define KBC_CMD			0x64
#define KBC_RESET		0xfe

__noreturn void arch_halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

__noreturn void arch_poweroff(int status)
{
	console_drain();
	irq_disable();
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	outw(QEMU_PIIX_PM1A_CNT, PM1_SLP_EN_S5);
	outw(BOCHS_PM1A_CNT, PM1_SLP_EN_S5);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	arch_halt_forever();
}

__noreturn void arch_reboot(void)
{
	struct desc_ptr none = { 0, 0 };

	console_drain();
	irq_disable();
	for (int i = 0; i < 100000 && (inb(KBC_CMD) & 0x02); i++)
		;				/* input buffer must be empty */
	outb(KBC_CMD, KBC_RESET);
	/* Still here: triple fault through an empty IDT. */
	__asm__ __volatile__("lidt %0; int3" :: "m"(none));
	arch_halt_forever();
}
