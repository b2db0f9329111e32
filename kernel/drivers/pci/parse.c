/*
 * drivers/pci/parse.c — the pure part of PCI: capability chains, BAR sizing, MSI-X location.
 *
 * Everything here reads and writes one function's configuration space through struct
 * pci_cfg and nothing else, so the host unit tests (tests/unit/test_pci.c) run it over fake
 * spaces. A device is not trusted: a capability chain is followed at most PCI_CAP_MAX steps,
 * each pointer must be dword-aligned after masking its reserved bits, inside the device part
 * (0x40..0xfc) and not seen before, or the whole chain is refused.
 */
#include <keel/errno.h>
#include <keel/pci.h>

uint8_t pci_cfg_read8(const struct pci_cfg *c, unsigned off)
{
	return (uint8_t)(c->read32(c->ctx, off & ~3u) >> (8 * (off & 3)));
}

uint16_t pci_cfg_read16(const struct pci_cfg *c, unsigned off)
{
	return (uint16_t)(c->read32(c->ctx, off & ~3u) >> (8 * (off & 2)));
}

/* Read-modify-write of the dword: the other half must be a register without write-1-to-clear
 * bits (true of the command/status pair only when status is written as 0: keel does so). */
void pci_cfg_write16(const struct pci_cfg *c, unsigned off, uint16_t v)
{
	unsigned shift = 8 * (off & 2);
	uint32_t d = c->read32(c->ctx, off & ~3u);

	if ((off & ~3u) == PCI_COMMAND)
		d &= 0xffff;		/* never write back status's RW1C bits */
	d = (d & ~(0xffffu << shift)) | (uint32_t)v << shift;
	c->write32(c->ctx, off & ~3u, d);
}

int pci_cap_list(const struct pci_cfg *c, uint8_t *out, unsigned max)
{
	uint8_t seen[PCI_CFG_SIZE / 4] = { 0 };
	unsigned n = 0, pos;

	if (!(pci_cfg_read16(c, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = pci_cfg_read8(c, PCI_CAP_PTR) & 0xfc;
	for (unsigned steps = 0; pos; steps++) {
		if (pos < 0x40 || pos > PCI_CFG_SIZE - 4)
			return -EINVAL;
		if (seen[pos / 4] || steps >= PCI_CAP_MAX)
			return -ELOOP;
		seen[pos / 4] = 1;
		if (n < max)
			out[n] = (uint8_t)pos;
		n++;
		pos = pci_cfg_read8(c, pos + 1) & 0xfc;
	}
	return (int)n;
}

int pci_cap_find(const struct pci_cfg *c, uint8_t id, unsigned n)
{
	uint8_t caps[PCI_CAP_MAX];
	int count = pci_cap_list(c, caps, PCI_CAP_MAX);

	for (int i = 0; i < count; i++)
		if (pci_cfg_read8(c, caps[i]) == id && n-- == 0)
			return caps[i];
	return count < 0 ? count : -ENOENT;
}

/* Writes ones to the BAR dword at off and returns what sticks; the caller restores it. */
static uint32_t bar_mask(const struct pci_cfg *c, unsigned off, uint32_t orig)
{
	uint32_t m;

	c->write32(c->ctx, off, 0xffffffffu);
	m = c->read32(c->ctx, off);
	c->write32(c->ctx, off, orig);
	return m;
}

int pci_bar_probe(const struct pci_cfg *c, unsigned i, struct pci_bar *out)
{
	unsigned off = PCI_BAR0 + 4 * i;
	uint16_t cmd = pci_cfg_read16(c, PCI_COMMAND);
	uint32_t lo = c->read32(c->ctx, off), hi = 0, mlo, mhi = 0xffffffffu;
	int used = 1;

	*out = (struct pci_bar){ PCI_BAR_NONE, false, 0, 0 };
	if (i >= PCI_NUM_BARS)
		return -EINVAL;
	if (!(lo & 1) && (lo & 6) == 4) {
		if (i + 1 >= PCI_NUM_BARS)
			return -EINVAL;
		used = 2;
	} else if (!(lo & 1) && (lo & 6) != 0) {
		return -EINVAL;		/* type 1 (below 1 MiB, obsolete) and 3 are reserved */
	}
	pci_cfg_write16(c, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	mlo = bar_mask(c, off, lo);
	if (used == 2) {
		hi = c->read32(c->ctx, off + 4);
		mhi = bar_mask(c, off + 4, hi);
	}
	pci_cfg_write16(c, PCI_COMMAND, cmd);
	if (lo & 1) {
		uint32_t m = mlo & 0xfffffffcu;

		m |= 0xffff0000u;		/* I/O BARs may implement only 16 bits */
		if (m == 0xffff0000u && !(mlo & 0xfffc))
			return used;		/* unimplemented */
		*out = (struct pci_bar){ PCI_BAR_IO, false, lo & 0xfffffffcu, (uint32_t)(~m + 1) };
		return used;
	}
	uint64_t mask = ((uint64_t)mhi << 32) | (mlo & 0xfffffff0u);

	if ((mlo & 0xfffffff0u) == 0 && (used == 1 || mhi == 0))
		return used;			/* unimplemented */
	*out = (struct pci_bar){ used == 2 ? PCI_BAR_MEM64 : PCI_BAR_MEM32, (lo & 8) != 0,
				 ((uint64_t)hi << 32) | (lo & 0xfffffff0u), ~mask + 1 };
	return used;
}

/* MSI-X capability: message control at +2 (table size - 1 in bits 10:0), table offset/BIR at
 * +4, PBA offset/BIR at +8. */
int pci_msix_locate(const struct pci_cfg *c, unsigned cap, const struct pci_bar *bars,
		    struct pci_msix_loc *out)
{
	uint32_t t = c->read32(c->ctx, cap + 4), p = c->read32(c->ctx, cap + 8);
	const struct pci_bar *tb, *pb;

	out->entries = (pci_cfg_read16(c, cap + 2) & 0x7ff) + 1;
	out->table_bar = t & 7;
	out->pba_bar = p & 7;
	out->table_off = t & ~7u;
	out->pba_off = p & ~7u;
	if (out->table_bar >= PCI_NUM_BARS || out->pba_bar >= PCI_NUM_BARS)
		return -EINVAL;
	tb = &bars[out->table_bar];
	pb = &bars[out->pba_bar];
	if ((tb->type != PCI_BAR_MEM32 && tb->type != PCI_BAR_MEM64) ||
	    (pb->type != PCI_BAR_MEM32 && pb->type != PCI_BAR_MEM64))
		return -EINVAL;
	if (out->table_off + 16ull * out->entries > tb->size ||
	    out->pba_off + 8ull * ((out->entries + 63) / 64) > pb->size)
		return -EINVAL;
	return 0;
}
