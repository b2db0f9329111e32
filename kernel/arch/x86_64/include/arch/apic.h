/*
 * arch/apic.h — local APIC (x2APIC or xAPIC), IOAPIC routing, interrupt vectors.
 *
 * Fixed vectors sit at the top of the range, above every dynamically allocated one, so the
 * scheduler and cross-CPU IPIs outrank device interrupts.
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <keel/types.h>

#define VEC_DYNAMIC_FIRST	0x30
#define VEC_DYNAMIC_LAST	0xdf
#define VEC_TIMER		0xf0
#define VEC_RESCHED		0xf1
#define VEC_CALL		0xf2
#define VEC_APIC_ERROR		0xfe
/* VEC_SPURIOUS (0xff) is in arch/trap.h */

#define APIC_ID_NONE		0xffffffffu

/* Takes the local APIC of the boot CPU into use (x2APIC when CPUID has it); masks the 8259s. */
void apic_init_bsp(phys_addr_t lapic_phys);
/* Same on an AP, after it has its per-CPU block. */
void apic_init_ap(void);
bool apic_x2apic_mode(void);
uint32_t apic_id(void);
void apic_eoi(void);

#define IPI_FIXED	0x000
#define IPI_NMI		0x400
#define IPI_INIT	0x500
#define IPI_STARTUP	0x600
/* Sends an IPI (mode | vector) to the CPU with APIC id dest; waits until the APIC accepted it. */
void apic_send_ipi(uint32_t dest, uint32_t mode_vector);
/* The same to every CPU but this one. */
void apic_send_ipi_others(uint32_t mode_vector);

/* One-shot timer interrupt on VEC_TIMER after ns (TSC-deadline mode when present). */
void apic_timer_oneshot(uint64_t ns);
const char *apic_timer_mode(void);

/* A free vector in the dynamic range, or -ENOSPC; vector_free gives it back. */
int vector_alloc(void);
void vector_free(unsigned vector);
void ioapic_init(void);
/* An IOAPIC at phys serving GSIs from gsi_base; all its entries start masked. */
int ioapic_register(phys_addr_t phys, uint32_t gsi_base);
/* Firmware says ISA IRQ irq arrives on gsi with these MPS INTI flags. */
void ioapic_isa_override(unsigned irq, uint32_t gsi, uint16_t flags);
/* Routes legacy ISA IRQ irq (honouring overrides) to vector on the CPU with APIC id dest. */
int ioapic_route_isa(unsigned irq, unsigned vector, uint32_t dest);
int ioapic_mask_isa(unsigned irq);
/* Where ISA IRQ irq arrives (after overrides). */
uint32_t ioapic_isa_gsi(unsigned irq);
/* Where a PCI device's interrupt line (an ISA IRQ number from the firmware, or a GSI past 15)
 * arrives, and how (MADT override flags; PCI's default is level, active low). */
uint32_t ioapic_pci_gsi(unsigned line, bool *level, bool *active_low);
/* Routes gsi to vector on the CPU with APIC id dest / masks it; -ENOENT if no IOAPIC has it. */
int ioapic_route_gsi(uint32_t gsi, unsigned vector, uint32_t dest, bool level, bool active_low);
int ioapic_mask_gsi(uint32_t gsi);

#endif
