/*
 * keel/boot.h — what the bootloader handed over, in a loader-neutral form.
 *
 * Filled by arch_boot_info() from Multiboot1 or Multiboot2 data before anything can overwrite
 * it (copies, not pointers into loader memory, except module contents, which stay in place and
 * are reserved from the frame allocator).
 */
#ifndef KEEL_BOOT_H
#define KEEL_BOOT_H

#include <keel/types.h>
#include <keel/memmap.h>

#define BOOT_CMDLINE_MAX	512
#define BOOT_MODULES_MAX	16
#define BOOT_MODULE_NAME_MAX	64

struct boot_module {
	phys_addr_t start, end;		/* [start, end) */
	char name[BOOT_MODULE_NAME_MAX];
};

enum boot_fb_kind { BOOT_FB_NONE, BOOT_FB_TEXT, BOOT_FB_RGB };

/* The loader's display: BOOT_FB_TEXT is a VGA text buffer of width x height cells, BOOT_FB_RGB
 * a linear framebuffer of direct-colour pixels (bpp bits each, pitch bytes per row; a colour
 * channel c sits at bit c_pos and is c_size bits wide). */
struct boot_fb {
	enum boot_fb_kind kind;
	phys_addr_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct boot_info {
	const char *loader;		/* "multiboot1", "multiboot2" */
	char loader_name[64];		/* what the loader calls itself, if it says */
	char cmdline[BOOT_CMDLINE_MAX];
	struct memmap mem;		/* as reported, before sanitizing */
	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned nmodules;
	phys_addr_t info_start, info_end;	/* the loader's info block */
	phys_addr_t rsdp;		/* ACPI RSDP copy location, 0 if not given */
	uint8_t rsdp_copy[36];		/* Multiboot2 hands the RSDP itself; kept for ACPI */
	bool has_rsdp_copy;
	bool efi;			/* started from UEFI (an EFI system table tag): no BIOS */
	struct boot_fb fb;		/* the framebuffer the loader set up (fb.kind) */
};

extern struct boot_info boot_info;

#endif
