/*
 * arch/x86_64/idt.c — the interrupt descriptor table: 256 gates, one stub each.
 *
 * All gates are interrupt gates (IF cleared on entry) at DPL 0, except #BP which ring 3 may
 * raise with int3. #DF, NMI and #MC run on their own IST stacks. One IDT serves every CPU.
 */
#include <arch/desc.h>
#include <arch/trap.h>

extern char isr_stubs_start[];

#define STUB_SIZE	16
#define GATE_INTR	0x8e	/* present, DPL0, 64-bit interrupt gate */
#define GATE_DPL3	0x60

static struct idt_gate idt[256] __aligned(16);

static void idt_set(unsigned vec, uintptr_t handler, uint8_t ist, uint8_t attr)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = handler & 0xffff,
		.selector = SEL_KCODE,
		.ist = ist,
		.type_attr = attr,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = handler >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set(v, (uintptr_t)isr_stubs_start + v * STUB_SIZE, 0, GATE_INTR);
	idt[VEC_DF].ist = IST_DF;
	idt[VEC_NMI].ist = IST_NMI;
	idt[VEC_MC].ist = IST_MC;
	idt[VEC_BP].type_attr |= GATE_DPL3;
	idt_load();
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ __volatile__("lidt %0" :: "m"(p));
}
