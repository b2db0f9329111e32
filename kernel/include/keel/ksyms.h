/*
 * keel/ksyms.h — kernel symbol table, generated at link time (tools/gen-ksyms).
 *
 * Holds every text symbol, sorted by address, so a return address can be printed as
 * function+offset. The table lives in .ksyms, placed after all code so that filling it in
 * cannot move any address it describes.
 */
#ifndef KEEL_KSYMS_H
#define KEEL_KSYMS_H

#include <keel/types.h>

/* Name of the function containing addr and the offset into it; NULL if none. */
const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset);
/* Address of the named function, or 0. */
uintptr_t ksyms_find(const char *name);
/* Number of symbols in the table. */
size_t ksyms_count(void);
/* Prints addr as "name+0xoff" (or the bare address) into buf. */
void ksyms_format(char *buf, size_t size, uintptr_t addr);

#endif
