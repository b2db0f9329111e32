/*
 * keel/elf.h — checking an ELF executable and planning its load (kernel/proc/elf.c).
 *
 * Pure: works on the file's header bytes and its size only, so the host tests can feed it any
 * garbage. Accepts static x86-64 ET_EXEC and ET_DYN (static-PIE, placed at USER_IMAGE_BASE);
 * refuses everything else with -ENOEXEC and a reason.
 */
#ifndef KEEL_ELF_H
#define KEEL_ELF_H

#include <keel/types.h>

#define ELF_MAX_PHNUM	64
#define ELF_MAX_SPAN	(1UL << 30)	/* all loadable segments lie within 1 GiB */
#define ELF_EHDR_SIZE	64
#define ELF_PHDR_SIZE	56

struct elf_segment {
	uintptr_t vaddr;		/* biased, page-aligned start of the mapping */
	size_t mem_len;			/* page-rounded length of the mapping */
	uint64_t file_off;		/* file offset of vaddr (page aligned) */
	uint64_t file_len;		/* bytes of file content from vaddr; the rest is zero */
	bool read, write, exec;
};

struct elf_image {
	bool dyn;			/* ET_DYN */
	uintptr_t bias;			/* added to every p_vaddr */
	uintptr_t entry;		/* biased */
	uintptr_t phdr_addr;		/* where the program headers are in memory (AT_PHDR), or 0 */
	unsigned phnum;
	uint64_t phoff;			/* file offset of the program headers */
	uintptr_t end;			/* end of the highest segment (brk starts at its page) */
	unsigned nsegs;
	struct elf_segment segs[ELF_MAX_PHNUM];
};

/* Checks the ELF header in ehdr[0..ELF_EHDR_SIZE); fills phoff/phnum. 0 or -ENOEXEC, with
 * *why set to a short reason. */
int elf_check_header(const void *ehdr, uint64_t file_size, struct elf_image *img,
		     const char **why);
/* Checks the program headers (phnum entries read from phoff) and plans the load. */
int elf_plan(const void *ehdr, const void *phdrs, uint64_t file_size, struct elf_image *img,
	     const char **why);

#endif
