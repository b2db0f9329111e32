/*
 * arch/x86_64/backtrace.c — symbolized stack traces by frame-pointer walk.
 *
 * The kernel is built with -fno-omit-frame-pointer, so each frame starts with the caller's
 * %rbp followed by the return address. The walk trusts nothing: every frame pointer must be
 * 8-aligned, in the kernel half, mapped, and above the previous one, and the depth is bounded,
 * so a corrupt stack ends the trace instead of faulting inside the panic path.
 *
 * GCC builds small leaf functions without a frame even with -fno-omit-frame-pointer; when a
 * trap lands in one (its symbol does not start with push %rbp; mov %rsp,%rbp), the caller's
 * return address is still the word at %rsp, and it is printed from there if it follows a call.
 */
#include <keel/arch.h>
#include <keel/ksyms.h>
#include <keel/memlayout.h>
#include <keel/printf.h>
#include <keel/string.h>
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

static bool has_frame_prologue(uintptr_t rip)
{
	static const uint8_t prologue[4] = { 0x55, 0x48, 0x89, 0xe5 };
	uintptr_t off;

	if (!ksyms_lookup(rip, &off))
		return true;		/* unknown code: trust the frame chain */
	if (off < sizeof(prologue))
		return false;		/* the frame is not set up yet */
	return memcmp((const void *)(rip - off), prologue, sizeof(prologue)) == 0;
}

/* A plausible return address: in kernel text, right after a call rel32. */
static bool after_call(uintptr_t ret)
{
	uintptr_t off;

	return ksyms_lookup(ret - 1, &off) && off >= 4 && *(const uint8_t *)(ret - 5) == 0xe8;
}

void arch_backtrace(uintptr_t rip, uintptr_t rbp, uintptr_t rsp)
{
	char sym[96];
	uintptr_t prev = 0;
	int depth = 1;

	kprintf("backtrace:\n");
	ksyms_format(sym, sizeof(sym), rip);
	kprintf("  [ 0] %016lx %s\n", rip, sym);
	if (rsp && !has_frame_prologue(rip) && IS_ALIGNED(rsp, 8) && vm_kernel_mapped(rsp) &&
	    after_call(*(uintptr_t *)rsp))
		print_return(depth++, *(uintptr_t *)rsp);
	for (; depth < BACKTRACE_MAX && frame_ok(rbp, prev); depth++) {
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

	arch_backtrace(fp[1], fp[0], 0);
}

/* arch_context_switch left r15 r14 r13 r12 rbx rbp and its return address at sp. */
void arch_switched_backtrace(void *sp, void (*fn)(void *arg, uintptr_t ret), void *arg)
{
	uintptr_t *frame = sp, prev = 0, rbp;

	if (!frame_ok((uintptr_t)frame, 0) || !vm_kernel_mapped((uintptr_t)(frame + 6)))
		return;
	fn(arg, frame[6]);
	rbp = frame[5];
	for (int depth = 1; depth < BACKTRACE_MAX && frame_ok(rbp, prev); depth++) {
		uintptr_t ret = ((uintptr_t *)rbp)[1];

		if (!ret)
			break;
		fn(arg, ret);
		prev = rbp;
		rbp = ((uintptr_t *)rbp)[0];
	}
}
