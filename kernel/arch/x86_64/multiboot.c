/*
 * arch/x86_64/multiboot.c — reading Multiboot1 and Multiboot2 boot information.
 *
 * Copies what keel needs (command line, memory map, modules, the ACPI RSDP, the framebuffer,
 * whether the firmware is UEFI) into boot_info
 * before the boot allocator can reuse loader memory. The loader's info block is reached
 * through the boot direct map, which covers BOOT_MAP_SIZE; anything beyond that, or a magic
 * value that is neither Multiboot, is refused with a clear message by the caller.
 */
#include <keel/arch.h>
#include <keel/boot.h>
#include <keel/log.h>
#include <keel/memlayout.h>
#include <keel/string.h>

#define MB1_BOOT_MAGIC	0x2badb002
#define MB2_BOOT_MAGIC	0x36d76289

#define MB1_INFO_MEM	(1 << 0)
#define MB1_INFO_CMDLINE (1 << 2)
#define MB1_INFO_MODS	(1 << 3)
#define MB1_INFO_MMAP	(1 << 6)
#define MB1_INFO_LOADER	(1 << 9)

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __packed;

struct mb1_mod {
	uint32_t start, end, string, reserved;
} __packed;

struct mb1_mmap {
	uint32_t size;
	uint64_t base, len;
	uint32_t type;
} __packed;

struct mb2_tag {
	uint32_t type, size;
} __packed;

#define MB2_TAG_END	0
#define MB2_TAG_CMDLINE	1
#define MB2_TAG_LOADER	2
#define MB2_TAG_MODULE	3
#define MB2_TAG_MMAP	6
#define MB2_TAG_FB	8
#define MB2_TAG_EFI32	11
#define MB2_TAG_EFI64	12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

struct boot_info boot_info;

static bool reachable(phys_addr_t p, uint64_t len)
{
	return p + len >= p && p + len <= BOOT_MAP_SIZE;
}

static const void *phys(phys_addr_t p)
{
	return (const void *)(DIRECT_MAP_BASE + p);
}

static void copy_string(char *dst, size_t size, phys_addr_t src)
{
	if (src && reachable(src, 1))
		strlcpy(dst, phys(src), size);	/* strings from the loader are short */
}

/* Records a module; its name comes from the physical string `name` when that is non-zero. */
static struct boot_module *add_module(struct boot_info *bi, phys_addr_t start, phys_addr_t end,
				      phys_addr_t name)
{
	struct boot_module *m;

	if (bi->nmodules == BOOT_MODULES_MAX || end < start) {
		pr_warn("boot: module at %#lx ignored (%s)\n", start,
			end < start ? "end before start" : "too many modules");
		return NULL;
	}
	m = &bi->modules[bi->nmodules++];
	m->start = start;
	m->end = end;
	copy_string(m->name, sizeof(m->name), name);
	return m;
}

static bool parse_mb1(phys_addr_t info, struct boot_info *bi)
{
	const struct mb1_info *mi = phys(info);

	bi->loader = "multiboot1";
	bi->info_start = info;
	bi->info_end = info + sizeof(*mi);
	if (mi->flags & MB1_INFO_CMDLINE)
		copy_string(bi->cmdline, sizeof(bi->cmdline), mi->cmdline);
	if (mi->flags & MB1_INFO_LOADER)
		copy_string(bi->loader_name, sizeof(bi->loader_name), mi->boot_loader_name);
	if ((mi->flags & MB1_INFO_MODS) && reachable(mi->mods_addr, mi->mods_count * 16ULL)) {
		const struct mb1_mod *mod = phys(mi->mods_addr);

		for (uint32_t i = 0; i < mi->mods_count; i++)
			add_module(bi, mod[i].start, mod[i].end, mod[i].string);
	}
	if ((mi->flags & MB1_INFO_MMAP) && reachable(mi->mmap_addr, mi->mmap_length)) {
		uintptr_t p = (uintptr_t)phys(mi->mmap_addr), end = p + mi->mmap_length;

		while (p + sizeof(struct mb1_mmap) <= end) {
			const struct mb1_mmap *e = (const void *)p;

			memmap_add(&bi->mem, e->base, e->len, e->type);
			p += e->size + sizeof(e->size);
		}
	} else if (mi->flags & MB1_INFO_MEM) {
		memmap_add(&bi->mem, 0, mi->mem_lower * 1024ULL, MEM_USABLE);
		memmap_add(&bi->mem, 0x100000, mi->mem_upper * 1024ULL, MEM_USABLE);
	}
	return true;
}

static void parse_mb2_mmap(const struct mb2_tag *t, struct boot_info *bi)
{
	const uint32_t *hdr = (const uint32_t *)(t + 1);	/* entry_size, entry_version */
	uint32_t esize = hdr[0];
	uintptr_t p = (uintptr_t)(hdr + 2), end = (uintptr_t)t + t->size;

	if (esize < 24)
		return;
	for (; p + 24 <= end; p += esize) {
		const uint64_t *e = (const uint64_t *)p;

		memmap_add(&bi->mem, e[0], e[1], *(const uint32_t *)(e + 2));
	}
}

/* Multiboot2 framebuffer tag: type 0 indexed, 1 direct RGB, 2 EGA text. keel draws on RGB
 * framebuffers of 15..32 bits per pixel and on text buffers; an indexed one is ignored. */
static void parse_mb2_fb(const struct mb2_tag *t, struct boot_info *bi)
{
	const uint8_t *b = (const uint8_t *)t;
	struct boot_fb *fb = &bi->fb;

	if (t->size < 32)
		return;
	memcpy(&fb->addr, b + 8, 8);
	memcpy(&fb->pitch, b + 16, 4);
	memcpy(&fb->width, b + 20, 4);
	memcpy(&fb->height, b + 24, 4);
	fb->bpp = b[28];
	if (b[29] == 2) {
		fb->kind = BOOT_FB_TEXT;
	} else if (b[29] == 1 && t->size >= 38 && fb->bpp >= 15 && fb->bpp <= 32) {
		fb->kind = BOOT_FB_RGB;
		fb->red_pos = b[32], fb->red_size = b[33];
		fb->green_pos = b[34], fb->green_size = b[35];
		fb->blue_pos = b[36], fb->blue_size = b[37];
	}
}

static bool parse_mb2(phys_addr_t info, struct boot_info *bi)
{
	uint32_t total = *(const uint32_t *)phys(info);
	uintptr_t p = (uintptr_t)phys(info) + 8, end = (uintptr_t)phys(info) + total;

	if (total < 16 || !reachable(info, total))
		return false;
	bi->loader = "multiboot2";
	bi->info_start = info;
	bi->info_end = info + total;
	while (p + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *t = (const void *)p;
		const char *body = (const char *)(t + 1);

		if (t->type == MB2_TAG_END || t->size < 8 || p + t->size > end)
			break;
		switch (t->type) {
		case MB2_TAG_CMDLINE:
			strlcpy(bi->cmdline, body, sizeof(bi->cmdline));
			break;
		case MB2_TAG_LOADER:
			strlcpy(bi->loader_name, body, sizeof(bi->loader_name));
			break;
		case MB2_TAG_MODULE: {
			const uint32_t *mod = (const uint32_t *)body;
			struct boot_module *m = add_module(bi, mod[0], mod[1], 0);

			if (m)
				strlcpy(m->name, (const char *)(mod + 2), sizeof(m->name));
			break;
		}
		case MB2_TAG_MMAP:
			parse_mb2_mmap(t, bi);
			break;
		case MB2_TAG_FB:
			parse_mb2_fb(t, bi);
			break;
		case MB2_TAG_EFI32:
		case MB2_TAG_EFI64:
			bi->efi = true;
			break;
		case MB2_TAG_ACPI_OLD:		/* an ACPI 1.0 copy never replaces a 2.0 one */
			if (bi->has_rsdp_copy)
				break;
			/* fall through */
		case MB2_TAG_ACPI_NEW:
			memset(bi->rsdp_copy, 0, sizeof(bi->rsdp_copy));
			memcpy(bi->rsdp_copy, body, MIN(sizeof(bi->rsdp_copy), t->size - 8));
			bi->has_rsdp_copy = true;
			break;
		}
		p += ALIGN_UP(t->size, 8);
	}
	return true;
}

bool arch_boot_info(uint32_t magic, phys_addr_t info, struct boot_info *bi)
{
	if (magic == MB1_BOOT_MAGIC && info && reachable(info, sizeof(struct mb1_info)))
		return parse_mb1(info, bi);
	if (magic == MB2_BOOT_MAGIC && info && reachable(info, 16))
		return parse_mb2(info, bi);
	return false;
}
