/*
 * keel/iomap.h — mapping physical ranges that are not in the direct map (device registers,
 * firmware tables in reserved memory) into the MMIO window.
 */
#ifndef KEEL_IOMAP_H
#define KEEL_IOMAP_H

#include <keel/types.h>

#define IOMAP_CACHED	(1u << 0)	/* normal memory (firmware tables); default is uncached */
#define IOMAP_WC	(1u << 1)	/* write-combining (framebuffers); uncached without PAT */

/* Maps [phys, phys+len) and returns the virtual address of phys; NULL on failure. Mappings are
 * permanent (devices and tables live as long as the kernel). Safe before the heap exists. */
void *iomap(phys_addr_t phys, size_t len, unsigned flags);

#endif
