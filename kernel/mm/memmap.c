/*
 * mm/memmap.c — sanitizing and querying the physical memory map (see keel/memmap.h).
 *
 * Sanitizing is a sweep over the sorted boundary points: each elementary interval between two
 * neighbouring points takes the highest-priority type of the entries covering it. With at most
 * MEMMAP_MAX entries the quadratic sweep is a few tens of thousands of steps, run a handful of
 * times at boot. Pure code: no allocation, no locking, no I/O.
 */
#include <keel/memmap.h>
#include <keel/errno.h>
#include <keel/memlayout.h>

static unsigned type_priority(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return 0;
	case MEM_KERNEL:
	case MEM_MODULE:
	case MEM_BOOTALLOC:
	case MEM_FIRMWARE_LOW: return 1;
	case MEM_ACPI_RECLAIM: return 2;
	case MEM_ACPI_NVS: return 3;
	case MEM_BAD: return 5;
	default: return 4;		/* MEM_RESERVED */
	}
}

static uint32_t normalize_type(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: case MEM_RESERVED: case MEM_ACPI_RECLAIM: case MEM_ACPI_NVS:
	case MEM_BAD: case MEM_KERNEL: case MEM_MODULE: case MEM_BOOTALLOC:
	case MEM_FIRMWARE_LOW:
		return type;
	default:
		return MEM_RESERVED;
	}
}

int memmap_add(struct memmap *m, phys_addr_t base, uint64_t len, uint32_t type)
{
	if (len == 0) {
		m->dropped++;
		return 0;
	}
	if (m->n == MEMMAP_MAX) {
		m->dropped++;
		return -ENOMEM;
	}
	if (base + len < base)
		len = UINT64_MAX - base;	/* clip a wrapping entry at the top */
	m->r[m->n++] = (struct mem_range){ base, base + len, normalize_type(type) };
	return 0;
}

static void sort_points(phys_addr_t *p, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {	/* insertion sort: n is small */
		phys_addr_t v = p[i];
		unsigned j = i;

		for (; j > 0 && p[j - 1] > v; j--)
			p[j] = p[j - 1];
		p[j] = v;
	}
}

/* Type of the highest-priority entry covering [a, b), or 0 if none does. */
static uint32_t covering_type(const struct memmap *m, phys_addr_t a, phys_addr_t b)
{
	uint32_t best = 0;

	for (unsigned i = 0; i < m->n; i++) {
		const struct mem_range *r = &m->r[i];

		if (r->base <= a && r->end >= b &&
		    (!best || type_priority(r->type) > type_priority(best) ||
		     (type_priority(r->type) == type_priority(best) && r->type > best)))
			best = r->type;
	}
	return best;
}

static void push_range(struct mem_range *out, unsigned *n, phys_addr_t a, phys_addr_t b,
		       uint32_t type)
{
	if (*n && out[*n - 1].type == type && out[*n - 1].end == a)
		out[*n - 1].end = b;		/* merge with the previous range */
	else
		out[(*n)++] = (struct mem_range){ a, b, type };
}

/* Scratch space for the sweep, too big for a kernel stack. Callers serialize: the map is
 * only edited by the boot CPU before other CPUs start, and by tests. */
static phys_addr_t pts[2 * MEMMAP_MAX];
static struct mem_range out[2 * MEMMAP_MAX];

void memmap_sanitize(struct memmap *m)
{
	unsigned np = 0, no = 0, kept = 0;

	for (unsigned i = 0; i < m->n; i++) {
		pts[np++] = m->r[i].base;
		pts[np++] = m->r[i].end;
	}
	sort_points(pts, np);
	for (unsigned i = 0; i + 1 < np; i++) {
		uint32_t t;

		if (pts[i] == pts[i + 1])
			continue;
		t = covering_type(m, pts[i], pts[i + 1]);
		if (t)
			push_range(out, &no, pts[i], pts[i + 1], t);
	}
	/* Usable memory is handed out in pages: keep only whole pages. */
	for (unsigned i = 0; i < no; i++) {
		struct mem_range r = out[i];

		if (r.type == MEM_USABLE) {
			if (r.base > ALIGN_DOWN(UINT64_MAX, PAGE_SIZE))
				continue;	/* no whole page; ALIGN_UP would wrap to 0 */
			r.base = ALIGN_UP(r.base, PAGE_SIZE);
			r.end = ALIGN_DOWN(r.end, PAGE_SIZE);
			if (r.end <= r.base)
				continue;
		}
		if (kept == MEMMAP_MAX) {
			m->dropped++;
			continue;
		}
		m->r[kept++] = r;
	}
	m->n = kept;
}

int memmap_reserve(struct memmap *m, phys_addr_t base, uint64_t len, uint32_t type)
{
	int err = memmap_add(m, base, len, type);

	memmap_sanitize(m);
	return err;
}

uint64_t memmap_total(const struct memmap *m, uint32_t type)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].type == type)
			sum += m->r[i].end - m->r[i].base;
	return sum;
}

phys_addr_t memmap_top(const struct memmap *m, uint32_t type)
{
	phys_addr_t top = 0;

	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].type == type && m->r[i].end > top)
			top = m->r[i].end;
	return top;
}

bool memmap_type_is_ram(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: case MEM_KERNEL: case MEM_MODULE: case MEM_BOOTALLOC:
	case MEM_ACPI_RECLAIM: case MEM_ACPI_NVS: case MEM_FIRMWARE_LOW:
		return true;
	default:
		return false;
	}
}

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_RESERVED: return "reserved";
	case MEM_ACPI_RECLAIM: return "ACPI data";
	case MEM_ACPI_NVS: return "ACPI NVS";
	case MEM_BAD: return "bad";
	case MEM_KERNEL: return "kernel";
	case MEM_MODULE: return "module";
	case MEM_BOOTALLOC: return "boot alloc";
	case MEM_FIRMWARE_LOW: return "low memory";
	default: return "unknown";
	}
}
