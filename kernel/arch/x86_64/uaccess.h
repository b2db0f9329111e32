/*
 * arch/x86_64/uaccess.h — the exception table (private to arch code).
 *
 * Each entry pairs an instruction that may fault on a user address with where to continue when
 * the fault cannot be resolved; EXTABLE() emits one from inline assembly.
 */
#ifndef ARCH_UACCESS_PRIV_H
#define ARCH_UACCESS_PRIV_H

#include <keel/types.h>

struct extable_entry {
	uintptr_t insn, fixup;
};

#define EXTABLE(insn, fixup) \
	".pushsection .extable, \"a\"\n\t.balign 8\n\t.quad " #insn ", " #fixup "\n\t.popsection\n\t"

/* The fixup address for a faulting rip, or 0 when rip is not in the table. */
uintptr_t extable_fixup(uintptr_t rip);

extern bool smap_enabled;

struct trap_frame;
/* user.c */
void user_exception(struct trap_frame *tf);
void user_return_work(struct trap_frame *tf);
bool kernel_user_fault(struct trap_frame *tf);

#endif
