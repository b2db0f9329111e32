/*
 * tests/unit/test_pci.c — drivers/pci/parse.c over fake configuration spaces: capability
 * chains (order, loops, pointers into the header or past the space, the longest legal chain),
 * BAR sizing of I/O, 32-bit and 64-bit memory BARs by the write-ones probe (with decode off
 * while it runs, and everything restored), and the MSI-X table/PBA location checks.
 *
 * The fake models what the probe relies on: a BAR written with all ones reads back the size
 * mask and its type bits, any other value is stored as written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/errno.h>
#include <keel/pci.h>
#include "stubs.h"

enum fbar { F_NONE, F_IO, F_MEM32, F_MEM64, F_MEM64_HI };

struct fake {
	uint32_t r[64];
	enum fbar kind[6];
	uint64_t size[6];		/* for F_MEM64: the whole BAR's size */
	unsigned probes_with_decode_on;
	uint32_t cmd_written;		/* the last dword written at PCI_COMMAND */
};

static uint32_t fake_read(void *ctx, unsigned off)
{
	return ((struct fake *)ctx)->r[off / 4];
}

static uint32_t bar_readback(struct fake *f, unsigned i)
{
	switch (f->kind[i]) {
	case F_IO:
		return ((uint32_t)~(f->size[i] - 1) & 0xfffc) | 1;	/* 16-bit decode */
	case F_MEM32:
		return ((uint32_t)~(f->size[i] - 1) & 0xfffffff0) | (f->r[4 + i] & 0xf);
	case F_MEM64:
		return ((uint32_t)~(f->size[i] - 1) & 0xfffffff0) | (f->r[4 + i] & 0xf);
	case F_MEM64_HI:
		return (uint32_t)(~(f->size[i - 1] - 1) >> 32);
	default:
		return 0;
	}
}

static void fake_write(void *ctx, unsigned off, uint32_t v)
{
	struct fake *f = ctx;

	if (off >= PCI_BAR0 && off < PCI_BAR0 + 24 && v == 0xffffffffu) {
		unsigned i = (off - PCI_BAR0) / 4;

		if (f->r[1] & (PCI_CMD_IO | PCI_CMD_MEMORY))
			f->probes_with_decode_on++;
		f->r[off / 4] = bar_readback(f, i);
		return;
	}
	if (off == PCI_COMMAND) {
		f->cmd_written = v;
		v = (v & 0xffff) | (f->r[1] & 0xffff0000u);	/* status: RW1C, kept here */
	}
	f->r[off / 4] = v;
}

static struct pci_cfg cfg_of(struct fake *f)
{
	return (struct pci_cfg){ fake_read, fake_write, f };
}

static void set8(struct fake *f, unsigned off, uint8_t v)
{
	f->r[off / 4] = (f->r[off / 4] & ~(0xffu << 8 * (off % 4))) | (uint32_t)v << 8 * (off % 4);
}

/* A capability at pos with id and next pointer; turns the list on, first at `first`. */
static void cap(struct fake *f, unsigned pos, uint8_t id, uint8_t next)
{
	set8(f, pos, id);
	set8(f, pos + 1, next);
}

static void caps_start(struct fake *f, uint8_t first)
{
	f->r[1] |= (uint32_t)PCI_STATUS_CAP_LIST << 16;
	set8(f, PCI_CAP_PTR, first);
}

static void a_chain_is_listed_in_order_and_found_by_id(void **state __attribute__((unused)))
{
	struct fake f = { 0 };
	struct pci_cfg c = cfg_of(&f);
	uint8_t out[8];

	caps_start(&f, 0x40);
	cap(&f, 0x40, PCI_CAP_MSI, 0x50);
	cap(&f, 0x50, PCI_CAP_VENDOR, 0x73);	/* reserved low bits are masked: 0x70 */
	cap(&f, 0x70, PCI_CAP_MSIX, 0x60);
	cap(&f, 0x60, PCI_CAP_VENDOR, 0);
	assert_int_equal(pci_cap_list(&c, out, 8), 4);
	assert_int_equal(out[0], 0x40);
	assert_int_equal(out[1], 0x50);
	assert_int_equal(out[2], 0x70);
	assert_int_equal(out[3], 0x60);
	assert_int_equal(pci_cap_find(&c, PCI_CAP_MSIX, 0), 0x70);
	assert_int_equal(pci_cap_find(&c, PCI_CAP_VENDOR, 1), 0x60);
	assert_int_equal(pci_cap_find(&c, PCI_CAP_VENDOR, 2), -ENOENT);
	assert_int_equal(pci_cap_find(&c, 0x10, 0), -ENOENT);
}

static void no_capability_bit_means_no_list(void **state __attribute__((unused)))
{
	struct fake f = { 0 };
	struct pci_cfg c = cfg_of(&f);
	uint8_t out[4];

	set8(&f, PCI_CAP_PTR, 0x40);		/* a pointer, but the status bit is clear */
	cap(&f, 0x40, PCI_CAP_MSIX, 0);
	assert_int_equal(pci_cap_list(&c, out, 4), 0);
	assert_int_equal(pci_cap_find(&c, PCI_CAP_MSIX, 0), -ENOENT);
}

static void a_loop_is_refused(void **state __attribute__((unused)))
{
	struct fake f = { 0 };
	struct pci_cfg c = cfg_of(&f);
	uint8_t out[8];

	caps_start(&f, 0x40);
	cap(&f, 0x40, PCI_CAP_MSI, 0x50);
	cap(&f, 0x50, PCI_CAP_VENDOR, 0x40);
	assert_int_equal(pci_cap_list(&c, out, 8), -ELOOP);
	assert_int_equal(pci_cap_find(&c, PCI_CAP_MSIX, 0), -ELOOP);
	cap(&f, 0x40, PCI_CAP_MSI, 0x40);	/* a capability pointing at itself */
	assert_int_equal(pci_cap_list(&c, out, 8), -ELOOP);
}

static void pointers_into_the_header_are_refused(void **state __attribute__((unused)))
{
	struct fake f = { 0 };
	struct pci_cfg c = cfg_of(&f);
	uint8_t out[8];

	caps_start(&f, 0x20);
	assert_int_equal(pci_cap_list(&c, out, 8), -EINVAL);
	caps_start(&f, 0x40);
	cap(&f, 0x40, PCI_CAP_MSI, 0x3c);
	assert_int_equal(pci_cap_list(&c, out, 8), -EINVAL);
	assert_int_equal(pci_cap_find(&c, PCI_CAP_MSI, 0), -EINVAL);
}

static void the_longest_legal_chain_is_accepted(void **state __attribute__((unused)))
{
	struct fake f = { 0 };
	struct pci_cfg c = cfg_of(&f);
	uint8_t out[PCI_CAP_MAX];

	caps_start(&f, 0x40);
	for (unsigned pos = 0x40; pos <= 0xfc; pos += 4)
		cap(&f, pos, PCI_CAP_VENDOR, pos == 0xfc ? 0 : (uint8_t)(pos + 4));
	assert_int_equal(pci_cap_list(&c, out, PCI_CAP_MAX), PCI_CAP_MAX);
	assert_int_equal(out[PCI_CAP_MAX - 1], 0xfc);
	/* a short output array still gets the count, and only max entries are written */
	assert_int_equal(pci_cap_list(&c, out, 2), PCI_CAP_MAX);
}

static void bars_of_every_kind_are_sized_with_decode_off(void **state __attribute__((unused)))
{
	struct fake f = { 0 };
	struct pci_cfg c = cfg_of(&f);
	struct pci_bar b;

	f.r[1] = PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_MASTER;
	f.kind[0] = F_MEM32, f.size[0] = 0x1000, f.r[4] = 0xfebf0000;
	f.kind[1] = F_IO, f.size[1] = 0x20, f.r[5] = 0xc041;
	f.kind[2] = F_MEM64, f.size[2] = 0x4000, f.r[6] = 0x0000000c;	/* 64-bit, prefetchable */
	f.kind[3] = F_MEM64_HI, f.r[7] = 0x8;
	f.kind[4] = F_MEM64, f.size[4] = 0x200000000ull, f.r[8] = 0x4;	/* 8 GiB */
	f.kind[5] = F_MEM64_HI, f.r[9] = 0x10;

	assert_int_equal(pci_bar_probe(&c, 0, &b), 1);
	assert_int_equal(b.type, PCI_BAR_MEM32);
	assert_int_equal(b.addr, 0xfebf0000);
	assert_int_equal(b.size, 0x1000);
	assert_false(b.prefetchable);
	assert_int_equal(pci_bar_probe(&c, 1, &b), 1);
	assert_int_equal(b.type, PCI_BAR_IO);
	assert_int_equal(b.addr, 0xc040);
	assert_int_equal(b.size, 0x20);
	assert_int_equal(pci_bar_probe(&c, 2, &b), 2);
	assert_int_equal(b.type, PCI_BAR_MEM64);
	assert_int_equal(b.addr, 0x800000000ull);
	assert_int_equal(b.size, 0x4000);
	assert_true(b.prefetchable);
	assert_int_equal(pci_bar_probe(&c, 4, &b), 2);
	assert_int_equal(b.size, 0x200000000ull);
	assert_int_equal(b.addr, 0x1000000000ull);

	assert_int_equal(f.probes_with_decode_on, 0);
	assert_int_equal(f.r[1] & 0xffff, PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_MASTER);
	assert_int_equal(f.r[4], 0xfebf0000);		/* every BAR restored */
	assert_int_equal(f.r[5], 0xc041);
	assert_int_equal(f.r[6], 0xc);
	assert_int_equal(f.r[7], 0x8);
}

static void unimplemented_and_malformed_bars(void **state __attribute__((unused)))
{
	struct fake f = { 0 };
	struct pci_cfg c = cfg_of(&f);
	struct pci_bar b;

	assert_int_equal(pci_bar_probe(&c, 0, &b), 1);	/* reads 0 whatever is written */
	assert_int_equal(b.type, PCI_BAR_NONE);
	f.kind[5] = F_MEM64, f.size[5] = 0x1000, f.r[9] = 0x4;	/* 64-bit in the last slot */
	assert_int_equal(pci_bar_probe(&c, 5, &b), -EINVAL);
	f.r[8] = 0x2;					/* reserved type 1 (below 1 MiB) */
	assert_int_equal(pci_bar_probe(&c, 4, &b), -EINVAL);
	assert_int_equal(pci_bar_probe(&c, 6, &b), -EINVAL);
}

static void msix_cap(struct fake *f, unsigned pos, unsigned entries, uint32_t table,
		     uint32_t pba)
{
	caps_start(f, (uint8_t)pos);
	cap(f, pos, PCI_CAP_MSIX, 0);
	f->r[pos / 4] |= (uint32_t)(entries - 1) << 16;
	f->r[pos / 4 + 1] = table;
	f->r[pos / 4 + 2] = pba;
}

static void the_msix_table_must_lie_in_a_memory_bar(void **state __attribute__((unused)))
{
	struct fake f = { 0 };
	struct pci_cfg c = cfg_of(&f);
	struct pci_bar bars[PCI_NUM_BARS] = {
		[0] = { PCI_BAR_IO, false, 0xc000, 0x40 },
		[1] = { PCI_BAR_MEM32, false, 0xfeb00000, 0x1000 },
	};
	struct pci_msix_loc loc;

	msix_cap(&f, 0x40, 3, 0x000 | 1, 0x800 | 1);
	assert_int_equal(pci_cap_find(&c, PCI_CAP_MSIX, 0), 0x40);
	assert_int_equal(pci_msix_locate(&c, 0x40, bars, &loc), 0);
	assert_int_equal(loc.entries, 3);
	assert_int_equal(loc.table_bar, 1);
	assert_int_equal(loc.table_off, 0);
	assert_int_equal(loc.pba_bar, 1);
	assert_int_equal(loc.pba_off, 0x800);

	msix_cap(&f, 0x40, 2048, 1, 0x800 | 1);		/* 32 KiB of table in a 4 KiB BAR */
	assert_int_equal(pci_msix_locate(&c, 0x40, bars, &loc), -EINVAL);
	msix_cap(&f, 0x40, 3, 0xff8 | 1, 0x800 | 1);	/* starts inside, runs past the end */
	assert_int_equal(pci_msix_locate(&c, 0x40, bars, &loc), -EINVAL);
	msix_cap(&f, 0x40, 3, 0 | 0, 0x800 | 1);		/* BIR names the I/O BAR */
	assert_int_equal(pci_msix_locate(&c, 0x40, bars, &loc), -EINVAL);
	msix_cap(&f, 0x40, 3, 0 | 7, 0x800 | 1);		/* BIR 7 does not exist */
	assert_int_equal(pci_msix_locate(&c, 0x40, bars, &loc), -EINVAL);
	msix_cap(&f, 0x40, 3, 0 | 2, 0x800 | 1);		/* BAR 2 is unimplemented */
	assert_int_equal(pci_msix_locate(&c, 0x40, bars, &loc), -EINVAL);
	msix_cap(&f, 0x40, 3, 1, 0xffc | 1);		/* PBA past the BAR */
	assert_int_equal(pci_msix_locate(&c, 0x40, bars, &loc), -EINVAL);
}

static void writing_the_command_never_writes_status_back(void **state __attribute__((unused)))
{
	struct fake f = { 0 };
	struct pci_cfg c = cfg_of(&f);

	f.r[1] = 0xf9100000u | PCI_CMD_MEMORY;	/* error bits set in status (RW1C) */
	pci_cfg_write16(&c, PCI_COMMAND, PCI_CMD_MEMORY | PCI_CMD_MASTER);
	assert_int_equal(f.cmd_written, PCI_CMD_MEMORY | PCI_CMD_MASTER);	/* status: 0s */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_chain_is_listed_in_order_and_found_by_id),
		cmocka_unit_test(no_capability_bit_means_no_list),
		cmocka_unit_test(a_loop_is_refused),
		cmocka_unit_test(pointers_into_the_header_are_refused),
		cmocka_unit_test(the_longest_legal_chain_is_accepted),
		cmocka_unit_test(bars_of_every_kind_are_sized_with_decode_off),
		cmocka_unit_test(unimplemented_and_malformed_bars),
		cmocka_unit_test(the_msix_table_must_lie_in_a_memory_bar),
		cmocka_unit_test(writing_the_command_never_writes_status_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
