/*
 * arch/string.h — block fill and copy for lib/string.c.
 *
 * REP STOSB / REP MOVSB: the CPU (and QEMU's TCG, which runs them as one helper loop instead
 * of thousands of translated byte moves) does them far faster than a C byte loop. Direction
 * flag: clear on every kernel entry, as the ABI requires.
 */
#ifndef ARCH_STRING_H
#define ARCH_STRING_H

#include <keel/types.h>

static inline void arch_fill(void *d, int c, size_t n)
{
	__asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
}

static inline void arch_copy(void *d, const void *s, size_t n)
{
	__asm__ __volatile__("rep movsb" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
}

#endif
