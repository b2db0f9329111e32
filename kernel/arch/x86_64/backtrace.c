/*
 * arch/x86_64/backtrace.c — symbolized stack traces by frame-pointer walk.
 *
 * The kernel is built with -fno-omit-frame-pointer, so each frame starts with the caller's
 * %rbp followed by the return address. The walk trusts nothing: every frame pointer must be
 * 8-aligned, in the kernel half, mapped, and above the previous one, and the depth is bounded,
 * so a corrupt stack ends the trace instead of faulting inside the panic path.
 */
#include <keel/arch.h>
#include <keel/ksyms.h>
#include <keel/memlayout.h>
#include <keel/printf.h>
#include <keel/vm.h>

#define BACKTRACE_MAX	32

static bool frame_ok(uintptr_t fp, uintptr_t prev)
{
	return fp && IS_ALIGNED(fp, 8) && fp >= KERNEL_SPACE_BASE &&
	       fp > prev && vm_kernel_mapped(fp) && vm_kernel_mapped(fp + 15);
}

/* A return address points after the call; name the caller by ret-1, print ret's offset. */
static void print_return(int depth, uintptr_t ret)
{
	uintptr_t off;
	const char *name = ksyms_lookup(ret - 1, &off);

	if (name)
		kprintf("  [%2d] %016lx %s+0x%lx\n", depth, ret, name, off + 1);
	else
		kprintf("  [%2d] %016lx ?\n", depth, ret);
}

void arch_backtrace(uintptr_t rip, uintptr_t rbp)
{
	char sym[96];
	uintptr_t prev = 0;

	kprintf("backtrace:\n");
	ksyms_format(sym, sizeof(sym), rip);
	kprintf("  [ 0] %016lx %s\n", rip, sym);
	for (int depth = 1; depth < BACKTRACE_MAX && frame_ok(rbp, prev); depth++) {
		uintptr_t ret = ((uintptr_t *)rbp)[1];

		if (!ret)
			break;
		print_return(depth, ret);
		prev = rbp;
		rbp = ((uintptr_t *)rbp)[0];
	}
}

/* Starts at our caller: its return address is our frame's, its frame is ours' parent. */
void arch_backtrace_here(void)
{
	uintptr_t *fp = __builtin_frame_address(0);

	arch_backtrace(fp[1], fp[0]);
}
