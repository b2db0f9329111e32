/*
 * arch/x86_64/xstate.c — the user's x87/SSE/AVX/AVX-512 register file as the CPU saves it.
 *
 * Owns enabling (CR0.MP, CR4.OSFXSR/OSXMMEXCPT/OSXSAVE, XCR0), the choice of save instruction,
 * the two image forms and the init image. Every XSAVE-family instruction in the kernel is in a
 * function of this file named xstate_cpu_init or xstate_insn_* (the integration check
 * kernel_text_has_no_simd_instructions holds us to it); callers (fpu.c) make sure the registers
 * are usable (CR0.TS clear) and hold the state they mean, with interrupts off.
 *
 * Two forms:
 * - kernel form, for uthread save areas only: XSAVEOPT (standard form, init and modified
 *   optimizations) if the CPU has it, else XSAVES (compacted, both optimizations), else XSAVEC
 *   (compacted, init optimization), else XSAVE; FXSAVE's 512 bytes without XSAVE. XSAVEOPT
 *   comes first because Bochs 2.7's XSAVES left images its own XRSTORS refused (reserved
 *   header bytes set, docs/fpu.md), and keel saves no supervisor state XSAVES would add.
 * - standard form, for signal frames: what Linux puts in a frame's fpstate (XSAVE header at
 *   512, components at their CPUID.0xD offsets) — user space parses it, so never compacted.
 * The modified optimization (XSAVEOPT, XSAVES) skips components unchanged since the last
 * XRSTOR(S) *from the same address*, so xstate_insn_save_kernel only ever writes the owner's
 * own area (fork saves there and copies the bytes: a fresh area may be a freed buffer that an
 * XRSTOR last read, and the skipped components would be garbage).
 */
#include <arch/cpu.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/memlayout.h>
#include <keel/panic.h>
#include <keel/string.h>
#include "fpu.h"
#include "uaccess.h"

#define CR0_EM		(1UL << 2)
#define CR0_NE		(1UL << 5)	/* x87 errors as #MF, not the legacy FERR# IRQ 13 */
#define CR4_OSXMMEXCPT	(1UL << 10)
#define CR4_OSXSAVE	(1UL << 18)
#define MSR_XSS		0xda0
#define FX_FCW		0		/* offsets in the legacy area */
#define FX_MXCSR	24
#define FX_MXCSR_MASK	28
#define XSAVE_HDR	512		/* the XSAVE header: XSTATE_BV, XCOMP_BV, 48 reserved */
#define MXCSR_INIT	0x1f80
#define FCW_INIT	0x37f
#define XCOMP_COMPACT	(1ULL << 63)
#define D1_XSAVEOPT	(1u << 0)	/* CPUID.(0xd,1).EAX */
#define D1_XSAVEC	(1u << 1)
#define D1_XSAVES	(1u << 3)

struct xstate_config xstate = { .kind = XS_FXSAVE, .kernel_size = FXSAVE_BYTES,
				.std_size = FXSAVE_BYTES, .mxcsr_mask = 0xffbf };
static char init_std[XSTATE_MAX] __aligned(64);		/* the init state, standard form */
static char init_kernel[XSTATE_MAX] __aligned(64);	/* the same in kernel form */

static const char *const kind_names[] = {
	[XS_FXSAVE] = "fxsave", [XS_XSAVE] = "xsave", [XS_XSAVEOPT] = "xsaveopt",
	[XS_XSAVEC] = "xsavec", [XS_XSAVES] = "xsaves",
};

const char *xstate_kind_name(void)
{
	return kind_names[xstate.kind];
}

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ __volatile__("xsetbv" :: "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* The user components keel saves: x87 and SSE always; AVX; AVX-512's three (opmask,
 * ZMM_Hi256, Hi16_ZMM) only together and only with AVX. Not MPX, PKRU or AMX. */
static uint64_t wanted_xcr0(void)
{
	uint32_t r[4];
	uint64_t have, want = XFEAT_X87 | XFEAT_SSE;

	cpuid(0xd, 0, r);
	have = (uint64_t)r[3] << 32 | r[0];
	if ((have & XFEAT_AVX) && cpu_has(FEAT_AVX)) {
		want |= XFEAT_AVX;
		if ((have & XFEAT_AVX512) == XFEAT_AVX512 && cpu_has(FEAT_AVX512F))
			want |= XFEAT_AVX512;
	}
	return want;
}

/* Decided once, on the boot CPU: the components, the instruction, the sizes. */
static void xstate_choose(void)
{
	uint32_t r[4];

	xstate.xcr0 = wanted_xcr0();
	xsetbv(0, xstate.xcr0);
	cpuid(0xd, 0, r);
	xstate.std_size = r[1];			/* EBX: standard size for the current XCR0 */
	cpuid(0xd, 1, r);
	if (r[0] & D1_XSAVEOPT)
		xstate.kind = XS_XSAVEOPT;
	else if (r[0] & D1_XSAVES)
		xstate.kind = XS_XSAVES;
	else if (r[0] & D1_XSAVEC)
		xstate.kind = XS_XSAVEC;
	else
		xstate.kind = XS_XSAVE;
	xstate.compact = xstate.kind == XS_XSAVES || xstate.kind == XS_XSAVEC;
	xstate.kernel_size = xstate.std_size;
	if (xstate.compact) {
		cpuid(0xd, 1, r);
		xstate.kernel_size = r[1];	/* EBX: compacted size for XCR0 | XSS */
	}
	if (xstate.std_size > XSTATE_MAX || xstate.kernel_size > XSTATE_MAX)
		panic("xstate: save area of %zu/%zu bytes exceeds XSTATE_MAX", xstate.std_size,
		      xstate.kernel_size);
}

/* The init images: FCW 0x37f, MXCSR 0x1f80, everything else zero; XSTATE_BV = 0 says every
 * component is in its init state, so XRSTOR zeroes the vector registers. */
static void build_init_images(void)
{
	memset(init_std, 0, sizeof(init_std));
	*(uint16_t *)(init_std + FX_FCW) = FCW_INIT;
	*(uint32_t *)(init_std + FX_MXCSR) = MXCSR_INIT;
	memcpy(init_kernel, init_std, sizeof(init_kernel));
	if (xstate.compact)
		*(uint64_t *)(init_kernel + XSAVE_HDR + 8) = XCOMP_COMPACT | xstate.xcr0;
}

/* Per CPU: CR0.MP=1, NE=1, EM=0, TS=0; OSFXSR, OSXMMEXCPT, OSXSAVE; XCR0 (and XSS = 0). */
void xstate_cpu_init(bool boot)
{
	static char probe[FXSAVE_BYTES] __aligned(64);
	uint32_t mask;

	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if (cpu_has(FEAT_XSAVE)) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		if (boot)
			xstate_choose();
		xsetbv(0, xstate.xcr0);
		if (xstate.kind == XS_XSAVES)
			wrmsr(MSR_XSS, 0);
	}
	if (!boot)
		return;
	__asm__ __volatile__("fninit");
	__asm__ __volatile__("fxsave64 (%0)" :: "r"(probe) : "memory");
	mask = *(uint32_t *)(probe + FX_MXCSR_MASK);
	if (mask)
		xstate.mxcsr_mask = mask;
	build_init_images();
}

void xstate_init_image(void *img)
{
	memcpy(img, init_kernel, xstate.kernel_size);
}

void xstate_init_std(void *img)
{
	memcpy(img, init_std, xstate.std_size);
}

#define RFBM_ARGS "a"((uint32_t)xstate.xcr0), "d"((uint32_t)(xstate.xcr0 >> 32))

/* Kernel form, with the modified optimization where the CPU has it (see the top). */
void xstate_insn_save_kernel(void *img)
{
	switch (xstate.kind) {
	case XS_XSAVES:
		__asm__ __volatile__("xsaves64 (%0)" :: "r"(img), RFBM_ARGS : "memory");
		break;
	case XS_XSAVEOPT:
		__asm__ __volatile__("xsaveopt64 (%0)" :: "r"(img), RFBM_ARGS : "memory");
		break;
	case XS_XSAVEC:
		__asm__ __volatile__("xsavec64 (%0)" :: "r"(img), RFBM_ARGS : "memory");
		break;
	case XS_XSAVE:
		__asm__ __volatile__("xsave64 (%0)" :: "r"(img), RFBM_ARGS : "memory");
		break;
	case XS_FXSAVE:
		__asm__ __volatile__("fxsave64 (%0)" :: "r"(img) : "memory");
		break;
	}
}

/* Kernel form images are the kernel's own, always well formed. */
void xstate_insn_restore_kernel(const void *img)
{
	if (xstate.kind == XS_XSAVES)
		__asm__ __volatile__("xrstors64 (%0)" :: "r"(img), RFBM_ARGS : "memory");
	else if (xstate.kind != XS_FXSAVE)
		__asm__ __volatile__("xrstor64 (%0)" :: "r"(img), RFBM_ARGS : "memory");
	else
		__asm__ __volatile__("fxrstor64 (%0)" :: "r"(img) : "memory");
}

/* Standard form (a signal frame's fpstate); img's header must be zeroed beforehand. */
void xstate_insn_save_std(void *img)
{
	if (xstate.kind != XS_FXSAVE)
		__asm__ __volatile__("xsave64 (%0)" :: "r"(img), RFBM_ARGS : "memory");
	else
		__asm__ __volatile__("fxsave64 (%0)" :: "r"(img) : "memory");
}

/*
 * Loads a standard-form image that came from user space. A #GP from the instruction (a bad
 * header, reserved MXCSR bits: whatever the checks before it missed) is caught through the
 * exception table and gives -EFAULT with the registers in an undefined state, which the
 * caller replaces.
 */
int xstate_insn_restore_std(const void *img)
{
	int err = 0;

	if (xstate.kind != XS_FXSAVE)
		__asm__ __volatile__("1: xrstor64 (%1)\n\tjmp 3f\n"
				     "2: movl $-1, %0\n3:\n\t" EXTABLE(1b, 2b)
				     : "+r"(err) : "r"(img), RFBM_ARGS : "memory");
	else
		__asm__ __volatile__("1: fxrstor64 (%1)\n\tjmp 3f\n"
				     "2: movl $-1, %0\n3:\n\t" EXTABLE(1b, 2b)
				     : "+r"(err) : "r"(img) : "memory");
	return err ? -EFAULT : 0;
}

void xstate_insn_restore_init(void)
{
	xstate_insn_restore_kernel(init_kernel);
}

/* An image the SDM says XRSTOR/FXRSTOR refuse with #GP: reserved MXCSR bits, or in the XSAVE
 * header bits outside XCR0, a compacted XCOMP_BV, reserved bytes set. Checked here because
 * emulators do not all fault (QEMU TCG loads any MXCSR); the #GP is caught all the same. */
bool xstate_std_image_ok(const void *img)
{
	const uint64_t *hdr = (const uint64_t *)((const char *)img + XSAVE_HDR);

	if (*(const uint32_t *)((const char *)img + FX_MXCSR) & ~xstate.mxcsr_mask)
		return false;
	if (xstate.kind == XS_FXSAVE)
		return true;
	if (hdr[0] & ~xstate.xcr0 || hdr[1])
		return false;
	for (int i = 2; i < 8; i++)
		if (hdr[i])
			return false;
	return true;
}

/* Linux's si_code for the unmasked exception that raised #XM (simd) or #MF, from MXCSR or the
 * x87 status and control words; 0 when none is pending (a spurious trap). */
int xstate_insn_fault_code(bool simd)
{
	uint32_t mxcsr;
	uint16_t sw, cw;
	unsigned pending;

	if (simd) {
		__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
		pending = (mxcsr & 0x3f) & ~((mxcsr >> 7) & 0x3f);
	} else {
		__asm__ __volatile__("fnstsw %0; fnstcw %1" : "=m"(sw), "=m"(cw));
		pending = (sw & 0x3f) & ~(cw & 0x3f);
	}
	if (pending & 0x01)
		return 7;		/* FPE_FLTINV (and x87 stack faults) */
	if (pending & 0x04)
		return 3;		/* FPE_FLTDIV */
	if (pending & 0x08)
		return 4;		/* FPE_FLTOVF */
	if (pending & 0x12)
		return 5;		/* FPE_FLTUND (underflow, denormal operand) */
	if (pending & 0x20)
		return 6;		/* FPE_FLTRES */
	return 0;
}
