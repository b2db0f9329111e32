/*
 * proc/elf.c — validating an ELF executable and planning its segments (keel/elf.h).
 *
 * Every field that decides an address or a size is checked for overflow and range before it
 * is used: file ranges must lie in the file, segments in [USER_MMAP_MIN, USER_MMAP_TOP) after
 * the bias, their pages must not overlap, and the entry point must be in an executable one.
 */
#include <keel/elf.h>
#include <keel/errno.h>
#include <keel/memlayout.h>
#include <keel/string.h>

#define ET_EXEC		2
#define ET_DYN		3
#define EM_X86_64	62
#define PT_LOAD		1
#define PT_DYNAMIC	2
#define PT_INTERP	3
#define PT_PHDR		6
#define PF_X		1
#define PF_W		2
#define PF_R		4

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct ehdr) == ELF_EHDR_SIZE, "Elf64_Ehdr");
_Static_assert(sizeof(struct phdr) == ELF_PHDR_SIZE, "Elf64_Phdr");

#define REFUSE(msg)	do { *why = (msg); return -ENOEXEC; } while (0)

int elf_check_header(const void *buf, uint64_t file_size, struct elf_image *img,
		     const char **why)
{
	struct ehdr h;

	if (file_size < sizeof(h))
		REFUSE("shorter than an ELF header");
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.ident, "\177ELF", 4))
		REFUSE("bad magic");
	if (h.ident[4] != 2 || h.ident[5] != 1 || h.ident[6] != 1 || h.version != 1)
		REFUSE("not a 64-bit little-endian ELF version 1");
	if (h.machine != EM_X86_64)
		REFUSE("not for x86-64");
	if (h.type != ET_EXEC && h.type != ET_DYN)
		REFUSE("not an executable");
	if (h.phentsize != sizeof(struct phdr) || h.phnum == 0 || h.phnum > ELF_MAX_PHNUM)
		REFUSE("bad program header table");
	if (h.phoff > file_size || (uint64_t)h.phnum * sizeof(struct phdr) > file_size - h.phoff)
		REFUSE("program headers outside the file");
	memset(img, 0, sizeof(*img));
	img->dyn = h.type == ET_DYN;
	img->phoff = h.phoff;
	img->phnum = h.phnum;
	return 0;
}

/* Checks one PT_LOAD and appends its mapping (unbiased) to img. */
static int add_segment(const struct phdr *p, uint64_t file_size, struct elf_image *img,
		       const char **why)
{
	struct elf_segment *s = &img->segs[img->nsegs];
	uint64_t start, end, skip;

	if (p->filesz > p->memsz || p->memsz > ELF_MAX_SPAN || p->memsz == 0)
		REFUSE("absurd segment size");
	if (p->offset > file_size || p->filesz > file_size - p->offset)
		REFUSE("segment outside the file");
	if ((p->vaddr & (PAGE_SIZE - 1)) != (p->offset & (PAGE_SIZE - 1)))
		REFUSE("segment misaligned against its file offset");
	if (p->vaddr > USER_TOP || p->memsz > USER_TOP - p->vaddr)
		REFUSE("segment outside the user half");
	start = ALIGN_DOWN(p->vaddr, PAGE_SIZE);
	end = ALIGN_UP(p->vaddr + p->memsz, PAGE_SIZE);
	if (img->nsegs && start < img->segs[img->nsegs - 1].vaddr + img->segs[img->nsegs - 1].mem_len)
		REFUSE("overlapping or unsorted segments");
	skip = p->vaddr - start;
	*s = (struct elf_segment){ .vaddr = start, .mem_len = end - start,
				   .file_off = p->offset - skip, .file_len = p->filesz + skip,
				   .read = p->flags & PF_R, .write = p->flags & PF_W,
				   .exec = p->flags & PF_X };
	img->nsegs++;
	return 0;
}

/* Applies the bias and checks the whole image's placement and entry point. */
static int place(const struct ehdr *h, struct elf_image *img, uintptr_t phdr_vaddr,
		 const char **why)
{
	uintptr_t lo = img->segs[0].vaddr;
	uintptr_t hi = img->segs[img->nsegs - 1].vaddr + img->segs[img->nsegs - 1].mem_len;
	bool entry_ok = false;

	if (hi - lo > ELF_MAX_SPAN)
		REFUSE("segments span more than 1 GiB");
	img->bias = img->dyn ? USER_IMAGE_BASE - lo : 0;
	if (lo + img->bias < USER_MMAP_MIN || hi + img->bias > USER_MMAP_TOP)
		REFUSE("segments outside the user image area");
	for (unsigned i = 0; i < img->nsegs; i++) {
		struct elf_segment *s = &img->segs[i];

		s->vaddr += img->bias;
		if (s->exec && h->entry + img->bias >= s->vaddr &&
		    h->entry + img->bias < s->vaddr + s->mem_len)
			entry_ok = true;
	}
	if (!entry_ok)
		REFUSE("entry point outside every executable segment");
	img->entry = h->entry + img->bias;
	img->end = hi + img->bias;
	img->phdr_addr = phdr_vaddr ? phdr_vaddr + img->bias : 0;
	return 0;
}

int elf_plan(const void *ehdr, const void *phdrs, uint64_t file_size, struct elf_image *img,
	     const char **why)
{
	struct ehdr h;
	uintptr_t phdr_vaddr = 0;
	int err;

	memcpy(&h, ehdr, sizeof(h));
	for (unsigned i = 0; i < img->phnum; i++) {
		struct phdr p;

		memcpy(&p, (const char *)phdrs + i * sizeof(p), sizeof(p));
		if (p.type == PT_INTERP)
			REFUSE("dynamically linked (needs an interpreter)");
		if (p.type == PT_PHDR)
			phdr_vaddr = p.vaddr;
		if (p.type != PT_LOAD)
			continue;
		if (!phdr_vaddr && h.phoff >= p.offset && h.phoff - p.offset < p.filesz)
			phdr_vaddr = p.vaddr + (h.phoff - p.offset);
		err = add_segment(&p, file_size, img, why);
		if (err)
			return err;
	}
	if (!img->nsegs)
		REFUSE("no loadable segment");
	return place(&h, img, phdr_vaddr, why);
}
