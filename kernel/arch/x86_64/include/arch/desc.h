/*
 * arch/desc.h — descriptor tables: GDT, TSS and IDT layouts and selectors.
 *
 * Every CPU owns its GDT and TSS (a TSS descriptor is marked busy when loaded, and RSP0 differs
 * per CPU, so sharing one as the seed did cannot work on SMP). The segment order matches what
 * SYSCALL/SYSRET require: kernel code, kernel data, then user 32-bit code, user data, user code.
 */
#ifndef ARCH_DESC_H
#define ARCH_DESC_H

#include <keel/types.h>

#define GDT_KCODE	1
#define GDT_KDATA	2
#define GDT_UCODE32	3
#define GDT_UDATA	4
#define GDT_UCODE	5
#define GDT_TSS		6	/* takes two slots */
#define GDT_ENTRIES	8

#define SEL_KCODE	(GDT_KCODE << 3)
#define SEL_KDATA	(GDT_KDATA << 3)
#define SEL_UDATA	((GDT_UDATA << 3) | 3)
#define SEL_UCODE	((GDT_UCODE << 3) | 3)
#define SEL_TSS		(GDT_TSS << 3)

/* IST slots (1-based in the IDT gate, 0 = no stack switch). */
#define IST_DF		1
#define IST_NMI		2
#define IST_MC		3
#define IST_COUNT	3

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct gdt {
	uint64_t entry[GDT_ENTRIES];
} __aligned(16);

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

void gdt_init_cpu(struct gdt *gdt, struct tss *tss, void *ist_stacks[IST_COUNT]);
void idt_init(void);
void idt_load(void);

#endif
