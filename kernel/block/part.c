/*
 * block/part.c — MBR and GPT partition tables, parsed without trusting the disk.
 *
 * Pure code over a sector-read callback, so tests/unit/test_part.c runs it on the host over
 * good and broken tables. MBR: the four primary entries of sector 0 (signature 55 AA, boot
 * flag 0 or 0x80), and for an extended entry (types 05, 0f, 85) the chain of EBRs, whose
 * logical partitions Linux numbers from 5. A protective entry (type ee) means GPT: the header
 * at LBA 1 (or its backup in the last sector when the primary fails its checks), the CRC32 of
 * the header and of the entry array, every used entry inside the usable range.
 * Anything outside the disk, overlapping, or a chain that loops makes the table broken:
 * -EINVAL with a reason, and the disk gets no partitions.
 */
#include <keel/block.h>
#include <keel/errno.h>
#include <keel/string.h>

#define MBR_SIG_OFF	510
#define MBR_TABLE_OFF	446
#define MBR_EXT_LINKS	128		/* EBRs followed before calling the chain a loop */
#define GPT_ENTRIES_MAX	(128u * 1024)	/* bytes of entry array read at most */

struct parse {
	part_read_fn read;
	void *ctx;
	uint64_t nsectors;
	struct part_entry *out;
	unsigned max, n;
	const char *why;
	uint8_t sec[SECTOR_SIZE];
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

uint32_t part_crc32(const void *data, size_t len)
{
	return crc32_update(0, data, len);
}

static int fail(struct parse *p, const char *why)
{
	p->why = why;
	return -EINVAL;
}

/* Adds one partition after checking it lies on the disk. */
static int add(struct parse *p, uint64_t start, uint64_t n, unsigned number)
{
	if (!n)
		return 0;
	if (start == 0 || start >= p->nsectors || n > p->nsectors - start)
		return fail(p, "a partition lies outside the disk");
	if (p->n == p->max)
		return 0;		/* more than keel names: the rest stay unnamed */
	p->out[p->n++] = (struct part_entry){ start, n, number };
	return 0;
}

static int check_overlaps(struct parse *p)
{
	for (unsigned i = 0; i < p->n; i++)
		for (unsigned j = i + 1; j < p->n; j++) {
			const struct part_entry *a = &p->out[i], *b = &p->out[j];

			if (a->start < b->start + b->nsectors && b->start < a->start + a->nsectors)
				return fail(p, "partitions overlap");
		}
	return 0;
}

static bool is_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

/* Follows the EBR chain of the extended partition [ext, ext + len). */
static int parse_extended(struct parse *p, uint64_t ext, uint64_t len)
{
	uint64_t ebr = ext;
	unsigned number = 5;

	for (unsigned links = 0; links < MBR_EXT_LINKS; links++) {
		const uint8_t *e;
		int r;

		if (p->read(p->ctx, ebr, p->sec))
			return fail(p, "cannot read an extended boot record");
		if (p->sec[MBR_SIG_OFF] != 0x55 || p->sec[MBR_SIG_OFF + 1] != 0xaa)
			return fail(p, "an extended boot record has no signature");
		e = p->sec + MBR_TABLE_OFF;
		if (e[4] && get32(e + 12)) {
			uint64_t s = ebr + get32(e + 8), n = get32(e + 12);

			if (s < ext || s + n > ext + len)
				return fail(p, "a logical partition lies outside its extended one");
			if ((r = add(p, s, n, number++)))
				return r;
		}
		e += 16;
		if (!e[4] || !get32(e + 12))
			return 0;
		if (get32(e + 8) == 0 || get32(e + 8) >= len)
			return fail(p, "an extended link points outside the extended partition");
		ebr = ext + get32(e + 8);
	}
	return fail(p, "the extended partition chain loops");
}

/* A GPT header at lba: checked and its fields copied; false with p->why when unusable. */
struct gpt_hdr {
	uint64_t first, last, entries_lba;
	uint32_t nentries, entry_size, entries_crc;
};

static bool gpt_header(struct parse *p, uint64_t lba, struct gpt_hdr *h)
{
	uint32_t size, crc;

	if (p->read(p->ctx, lba, p->sec))
		return fail(p, "cannot read the GPT header"), false;
	if (memcmp(p->sec, "EFI PART", 8) != 0)
		return fail(p, "no GPT header signature"), false;
	size = get32(p->sec + 12);
	if (size < 92 || size > SECTOR_SIZE)
		return fail(p, "bad GPT header size"), false;
	crc = get32(p->sec + 16);
	memset(p->sec + 16, 0, 4);
	if (crc32_update(0, p->sec, size) != crc)
		return fail(p, "GPT header CRC mismatch"), false;
	if (get64(p->sec + 24) != lba)
		return fail(p, "GPT header names another LBA as its own"), false;
	h->first = get64(p->sec + 40);
	h->last = get64(p->sec + 48);
	h->entries_lba = get64(p->sec + 72);
	h->nentries = get32(p->sec + 80);
	h->entry_size = get32(p->sec + 84);
	h->entries_crc = get32(p->sec + 88);
	if (h->first > h->last || h->last >= p->nsectors)
		return fail(p, "GPT usable range outside the disk"), false;
	if (h->entry_size < 128 || h->entry_size > SECTOR_SIZE ||
	    (h->entry_size & (h->entry_size - 1)))
		return fail(p, "bad GPT entry size"), false;
	if ((uint64_t)h->nentries * h->entry_size > GPT_ENTRIES_MAX)
		return fail(p, "GPT entry array too large"), false;
	if (h->entries_lba < 2 || h->entries_lba >= p->nsectors ||
	    (uint64_t)h->nentries * h->entry_size / SECTOR_SIZE > p->nsectors - h->entries_lba)
		return fail(p, "GPT entry array outside the disk"), false;
	return true;
}

static bool guid_zero(const uint8_t *g)
{
	for (int i = 0; i < 16; i++)
		if (g[i])
			return false;
	return true;
}

/* Two passes over the entry array: the CRC first, then the entries, so a broken array adds
 * nothing. */
static int gpt_entries(struct parse *p, const struct gpt_hdr *h, bool add_them)
{
	uint32_t crc = 0, per = SECTOR_SIZE / h->entry_size;
	uint64_t bytes = (uint64_t)h->nentries * h->entry_size;
	int r;

	for (uint64_t s = 0; s * SECTOR_SIZE < bytes; s++) {
		size_t chunk = (size_t)MIN((uint64_t)SECTOR_SIZE, bytes - s * SECTOR_SIZE);

		if (p->read(p->ctx, h->entries_lba + s, p->sec))
			return fail(p, "cannot read the GPT entries");
		if (!add_them) {
			crc = crc32_update(crc, p->sec, chunk);
			continue;
		}
		for (uint32_t i = 0; i < per && s * per + i < h->nentries; i++) {
			const uint8_t *e = p->sec + i * h->entry_size;
			uint64_t first = get64(e + 32), last = get64(e + 40);

			if (guid_zero(e))
				continue;
			if (first > last || first < h->first || last > h->last)
				return fail(p, "a GPT entry lies outside the usable range");
			if ((r = add(p, first, last - first + 1, (unsigned)(s * per + i + 1))))
				return r;
		}
	}
	if (!add_them && crc != h->entries_crc)
		return fail(p, "GPT entry array CRC mismatch");
	return 0;
}

static int parse_gpt(struct parse *p)
{
	struct gpt_hdr h;
	int r;

	if (!gpt_header(p, 1, &h) || gpt_entries(p, &h, false)) {
		const char *primary = p->why;

		if (!gpt_header(p, p->nsectors - 1, &h) || gpt_entries(p, &h, false)) {
			p->why = primary;
			return -EINVAL;
		}
	}
	if ((r = gpt_entries(p, &h, true)))
		return r;
	return 0;
}

static int parse_mbr(struct parse *p)
{
	uint8_t table[64];
	int r;

	if (p->read(p->ctx, 0, p->sec))
		return fail(p, "cannot read sector 0");
	if (p->sec[MBR_SIG_OFF] != 0x55 || p->sec[MBR_SIG_OFF + 1] != 0xaa)
		return 0;		/* no table: the whole disk is one filesystem */
	memcpy(table, p->sec + MBR_TABLE_OFF, sizeof(table));
	for (int i = 0; i < 4; i++)
		if (table[i * 16] != 0 && table[i * 16] != 0x80)
			return 0;	/* a boot sector, not a partition table */
	for (int i = 0; i < 4; i++)
		if (table[i * 16 + 4] == 0xee)
			return parse_gpt(p);
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = table + i * 16;
		uint64_t s = get32(e + 8), n = get32(e + 12);

		if (!e[4] || !n)
			continue;
		if (is_extended(e[4])) {
			if (s == 0 || s >= p->nsectors || n > p->nsectors - s)
				return fail(p, "the extended partition lies outside the disk");
			if ((r = parse_extended(p, s, n)))
				return r;
			continue;
		}
		if ((r = add(p, s, n, (unsigned)i + 1)))
			return r;
	}
	return 0;
}

int part_parse(part_read_fn read, void *ctx, uint64_t nsectors, struct part_entry *out,
	       unsigned max, const char **why)
{
	struct parse p = { .read = read };
	int r;

	p.read = read;
	p.ctx = ctx;
	p.nsectors = nsectors;
	p.out = out;
	p.max = max;
	r = nsectors < 2 ? 0 : parse_mbr(&p);
	if (!r)
		r = check_overlaps(&p);
	if (why)
		*why = p.why;
	return r ? r : (int)p.n;
}
