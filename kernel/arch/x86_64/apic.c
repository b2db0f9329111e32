/*
 * arch/x86_64/apic.c — the local APIC: mode, registers, EOI, IPIs and the one-shot timer.
 *
 * x2APIC (registers as MSRs 0x800 + offset/16, 32-bit ids, ICR one 64-bit write) when CPUID
 * has it, xAPIC (MMIO page, 8-bit ids, ICR high then low) otherwise; the boot log says which.
 * Every CPU uses the same mode. The timer runs in TSC-deadline mode when the CPU has it, else
 * one-shot with a count calibrated against the TSC at boot.
 *
 * The 8259 PICs are remapped to vectors 0x20-0x2f and fully masked here: their spurious
 * interrupts are the only thing they may still deliver, and those are ignored. A MADT without
 * PCAT_COMPAT says there are none (UEFI-only machines): their ports are then left alone.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/trap.h>
#include <keel/acpi.h>
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/iomap.h>
#include <keel/log.h>
#include <keel/memlayout.h>
#include <keel/panic.h>
#include <keel/printf.h>
#include <keel/time.h>

#define APIC_BASE_ENABLE	(1UL << 11)
#define APIC_BASE_X2APIC	(1UL << 10)
#define MSR_X2APIC_FIRST	0x800
#define MSR_TSC_DEADLINE	0x6e0

#define REG_ID		0x020
#define REG_TPR		0x080
#define REG_EOI		0x0b0
#define REG_SVR		0x0f0
#define REG_ESR		0x280
#define REG_ICR_LO	0x300
#define REG_ICR_HI	0x310
#define REG_LVT_TIMER	0x320
#define REG_LVT_LINT0	0x350
#define REG_LVT_LINT1	0x360
#define REG_LVT_ERROR	0x370
#define REG_TIMER_INIT	0x380
#define REG_TIMER_CUR	0x390
#define REG_TIMER_DIV	0x3e0

#define SVR_ENABLE	(1u << 8)
#define LVT_MASKED	(1u << 16)
#define LVT_NMI		(4u << 8)
#define LVT_TSC_DEADLINE (2u << 17)
#define ICR_PENDING	(1u << 12)
#define ICR_ASSERT	(1u << 14)
#define ICR_ALL_BUT_SELF (3u << 18)
#define TIMER_DIV_16	0x3

static bool x2apic;
static volatile uint32_t *xapic_regs;
static bool tsc_deadline;
static uint64_t timer_hz;		/* one-shot mode: APIC timer counts per second */

static uint32_t apic_read(unsigned reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + (reg >> 4));
	return xapic_regs[reg / 4];
}

static void apic_write(unsigned reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_FIRST + (reg >> 4), v);
	else
		xapic_regs[reg / 4] = v;
}

bool apic_x2apic_mode(void)
{
	return x2apic;
}

uint32_t apic_id(void)
{
	return x2apic ? apic_read(REG_ID) : apic_read(REG_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(REG_EOI, 0);
}

static void pic_disable(void)
{
	static const uint8_t init[][2] = {
		{ 0x20, 0x11 }, { 0xa0, 0x11 }, { 0x21, VEC_LEGACY_BASE }, { 0xa1, VEC_LEGACY_BASE + 8 },
		{ 0x21, 0x04 }, { 0xa1, 0x02 }, { 0x21, 0x01 }, { 0xa1, 0x01 }, { 0x21, 0xff },
		{ 0xa1, 0xff },
	};

	for (size_t i = 0; i < ARRAY_SIZE(init); i++)
		outb(init[i][0], init[i][1]);
}

static void legacy_spurious(struct trap_frame *tf) { (void)tf; }
static void apic_spurious(struct trap_frame *tf) { (void)tf; }	/* never EOI'd */

static void apic_error(struct trap_frame *tf)
{
	uint32_t esr;

	apic_write(REG_ESR, 0);
	esr = apic_read(REG_ESR);
	pr_warn_ratelimited("apic: error interrupt, ESR %#x\n", esr);
	apic_eoi();
}

/* Enables this CPU's APIC in the chosen mode with LVTs in a known state. */
static void apic_enable_local(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	if (x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	apic_write(REG_TPR, 0);
	apic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(REG_LVT_LINT0, LVT_MASKED);
	apic_write(REG_LVT_LINT1, LVT_NMI);		/* LINT1 is NMI on PC platforms */
	apic_write(REG_LVT_ERROR, VEC_APIC_ERROR);
	apic_write(REG_ESR, 0);
	apic_write(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
	apic_eoi();
}

/* Counts of the APIC timer (divide by 16) per second, measured over 10 ms of TSC time. */
static uint64_t calibrate_timer(void)
{
	uint64_t t0, wait = arch_cycles_per_sec() / 100;
	uint32_t left;

	apic_write(REG_TIMER_DIV, TIMER_DIV_16);
	apic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(REG_TIMER_INIT, 0xffffffff);
	t0 = rdtsc();
	while (rdtsc() - t0 < wait)
		cpu_relax();
	left = apic_read(REG_TIMER_CUR);
	apic_write(REG_TIMER_INIT, 0);
	return (0xffffffffULL - left) * 100;
}

void apic_init_bsp(phys_addr_t lapic_phys)
{
	x2apic = cpu_has(FEAT_X2APIC);
	if (!x2apic) {
		xapic_regs = iomap(lapic_phys, PAGE_SIZE, 0);
		if (!xapic_regs)
			panic("apic: cannot map the local APIC at %#lx", lapic_phys);
	}
	if (acpi()->source != ACPI_SRC_ACPI || acpi()->pic_present)
		pic_disable();
	for (unsigned v = VEC_LEGACY_BASE; v < VEC_LEGACY_BASE + 16; v++)
		irq_register(v, legacy_spurious);
	irq_register(VEC_SPURIOUS, apic_spurious);
	irq_register(VEC_APIC_ERROR, apic_error);
	apic_enable_local();
	tsc_deadline = cpu_has(FEAT_TSC_DEADLINE) && cpu_has(FEAT_INVARIANT_TSC);
	if (!tsc_deadline)
		timer_hz = calibrate_timer();
	char rate[32] = "";

	if (!tsc_deadline)
		snprintf(rate, sizeof(rate), " at %lu kHz", timer_hz / 1000);
	pr_info("apic: %s mode, boot CPU APIC id %u, timer %s%s\n", x2apic ? "x2APIC" : "xAPIC",
		apic_id(), apic_timer_mode(), rate);
}

void apic_init_ap(void)
{
	apic_enable_local();
}

const char *apic_timer_mode(void)
{
	return tsc_deadline ? "TSC-deadline" : "one-shot";
}

void apic_timer_oneshot(uint64_t ns)
{
	if (tsc_deadline) {
		apic_write(REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + ns * arch_cycles_per_sec() / NSEC_PER_SEC + 1);
		return;
	}
	uint64_t count = ns * timer_hz / NSEC_PER_SEC;

	apic_write(REG_LVT_TIMER, VEC_TIMER);		/* one-shot, unmasked */
	apic_write(REG_TIMER_DIV, TIMER_DIV_16);
	apic_write(REG_TIMER_INIT, (uint32_t)MIN(MAX(count, 1), 0xffffffffULL));
}

static void wait_icr_idle(void)
{
	if (x2apic)
		return;			/* x2APIC ICR writes are accepted at once */
	for (int i = 0; i < 1000000 && (apic_read(REG_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

void apic_send_ipi(uint32_t dest, uint32_t mode_vector)
{
	uint32_t lo = mode_vector | ICR_ASSERT;

	if (x2apic) {
		wrmsr(MSR_X2APIC_FIRST + (REG_ICR_LO >> 4), ((uint64_t)dest << 32) | lo);
		return;
	}
	wait_icr_idle();
	apic_write(REG_ICR_HI, dest << 24);
	apic_write(REG_ICR_LO, lo);
	wait_icr_idle();
}

void apic_send_ipi_others(uint32_t mode_vector)
{
	uint32_t lo = mode_vector | ICR_ASSERT | ICR_ALL_BUT_SELF;

	if (x2apic) {
		wrmsr(MSR_X2APIC_FIRST + (REG_ICR_LO >> 4), lo);
		return;
	}
	wait_icr_idle();
	apic_write(REG_ICR_HI, 0);
	apic_write(REG_ICR_LO, lo);
	wait_icr_idle();
}

/* Dynamic vectors: a bitmap, handed out once (devices are never unplugged yet). */
static uint64_t vectors_used[4];

int vector_alloc(void)
{
	for (unsigned v = VEC_DYNAMIC_FIRST; v <= VEC_DYNAMIC_LAST; v++) {
		uint64_t bit = 1ULL << (v % 64);

		if (!(__atomic_fetch_or(&vectors_used[v / 64], bit, __ATOMIC_RELAXED) & bit))
			return (int)v;
	}
	return -ENOSPC;
}

void vector_free(unsigned vector)
{
	if (vector >= VEC_DYNAMIC_FIRST && vector <= VEC_DYNAMIC_LAST)
		__atomic_fetch_and(&vectors_used[vector / 64], ~(1ULL << (vector % 64)),
				   __ATOMIC_RELAXED);
}
