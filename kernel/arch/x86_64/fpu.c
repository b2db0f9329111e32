/*
 * arch/x86_64/fpu.c — user x87/SSE/AVX state, switched eagerly between user threads.
 *
 * The kernel is built with -mgeneral-regs-only, so these registers always hold user state:
 * cpu->fpu_owner's. On a switch to any other thread the owner's registers are saved to its
 * uthread->fpu, and the next user thread's image is loaded; so a thread's state is in at most
 * one place that is live — the registers of the CPU it runs on, or its save area while it does
 * not run — and migration needs no further care. (Issue 5 refines this: lazy #NM switching,
 * XSAVEOPT/XSAVEC and counters.)
 *
 * Images are XSAVE standard form (or FXSAVE's 512 bytes without XSAVE), size rounded up to a
 * power of two so kmalloc aligns it to 64.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/memlayout.h>
#include <keel/panic.h>
#include <keel/proc.h>
#include <keel/string.h>
#include "uaccess.h"

#define CR0_EM		(1UL << 2)
#define CR4_OSXMMEXCPT	(1UL << 10)
#define CR4_OSXSAVE	(1UL << 18)
#define XCR0_X87	(1ULL << 0)
#define XCR0_SSE	(1ULL << 1)
#define XCR0_AVX	(1ULL << 2)
#define FXSAVE_SIZE	512
#define XSAVE_HDR	512		/* offset of the XSAVE header */
#define FX_FCW		0		/* offsets in the legacy area */
#define FX_MXCSR	24
#define FX_MXCSR_MASK	28
#define MXCSR_INIT	0x1f80
#define FCW_INIT	0x37f

static bool use_xsave;
static uint64_t xcr0;
static size_t state_size = FXSAVE_SIZE;
static uint32_t mxcsr_mask = 0xffbf;
static char init_image[PAGE_SIZE] __aligned(64);	/* the init state, built at boot */

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ __volatile__("xsetbv" :: "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_cpu_init(void)
{
	uint32_t r[4];

	write_cr0((read_cr0() | CR0_MP) & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if (cpu_has(FEAT_XSAVE)) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xcr0 = XCR0_X87 | XCR0_SSE | (cpu_has(FEAT_AVX) ? XCR0_AVX : 0);
		xsetbv(0, xcr0);
		cpuid(0xd, 0, r);
		use_xsave = true;
		state_size = r[1];
		assert(state_size <= sizeof(init_image));
	}
	__asm__ __volatile__("fninit");
	__asm__ __volatile__("fxsave64 (%0)" :: "r"(init_image) : "memory");
	if (*(uint32_t *)(init_image + FX_MXCSR_MASK))
		mxcsr_mask = *(uint32_t *)(init_image + FX_MXCSR_MASK);
	arch_fpu_init_state(init_image);
}

size_t arch_fpu_state_size(void)
{
	size_t n = 512;

	while (n < state_size)
		n <<= 1;
	return n;
}

void arch_fpu_save(void *buf)
{
	if (use_xsave)
		__asm__ __volatile__("xsave64 (%0)" :: "r"(buf), "a"((uint32_t)xcr0),
				     "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ __volatile__("fxsave64 (%0)" :: "r"(buf) : "memory");
}

static void load_raw(const void *buf)
{
	if (use_xsave)
		__asm__ __volatile__("xrstor64 (%0)" :: "r"(buf), "a"((uint32_t)xcr0),
				     "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ __volatile__("fxrstor64 (%0)" :: "r"(buf) : "memory");
}

void arch_fpu_init_state(void *buf)
{
	memset(buf, 0, state_size);
	*(uint16_t *)((char *)buf + FX_FCW) = FCW_INIT;
	*(uint32_t *)((char *)buf + FX_MXCSR) = MXCSR_INIT;
}

/* An image XRSTOR/FXRSTOR would #GP on: reserved MXCSR bits, or a bad XSAVE header. */
static bool image_valid(const void *buf)
{
	const uint64_t *hdr = (const uint64_t *)((const char *)buf + XSAVE_HDR);

	if (*(const uint32_t *)((const char *)buf + FX_MXCSR) & ~mxcsr_mask)
		return false;
	if (!use_xsave)
		return true;
	if (hdr[0] & ~xcr0 || hdr[1])		/* XSTATE_BV within XCR0; XCOMP_BV: standard */
		return false;
	for (int i = 2; i < 8; i++)
		if (hdr[i])
			return false;
	return true;
}

int arch_fpu_load(const void *buf)
{
	if (!image_valid(buf)) {
		load_raw(init_image);
		return -EINVAL;
	}
	load_raw(buf);
	return 0;
}

void fpu_switch(struct cpu *c, struct uthread *ut)
{
	if (c->fpu_owner == ut)
		return;
	if (c->fpu_owner)
		arch_fpu_save(c->fpu_owner->fpu);
	if (ut)
		load_raw(ut->fpu);
	c->fpu_owner = ut;
}
