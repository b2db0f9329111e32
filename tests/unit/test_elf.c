/*
 * tests/unit/test_elf.c — proc/elf.c: which executables keel accepts and where it puts them.
 *
 * Each test builds an ELF header and program headers in memory, changes one thing, and checks
 * the verdict; the last one feeds random bytes (under ASan) to prove no input makes the checker
 * read out of bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <keel/elf.h>
#include <keel/errno.h>
#include <keel/memlayout.h>
#include "stubs.h"

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

#define FILE_SIZE	0x9000
#define PT_LOAD		1
#define PT_INTERP	3

static struct ehdr eh;
static struct phdr ph[4];
static struct elf_image img;
static const char *why;

/* A static ET_EXEC like musl-gcc -static -Ttext-segment=0x08000000 makes: headers+rodata, text,
 * data+bss. */
static int setup(void **state __attribute__((unused)))
{
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.ident, "\177ELF\2\1\1", 7);
	eh.type = 2;
	eh.machine = 62;
	eh.version = 1;
	eh.entry = 0x8001100;
	eh.phoff = 64;
	eh.phentsize = 56;
	eh.phnum = 3;
	ph[0] = (struct phdr){ PT_LOAD, 4, 0, 0x8000000, 0, 0x190, 0x190, 0x1000 };
	ph[1] = (struct phdr){ PT_LOAD, 5, 0x1000, 0x8001000, 0, 0x5601, 0x5601, 0x1000 };
	ph[2] = (struct phdr){ PT_LOAD, 6, 0x7f30, 0x8008f30, 0, 0x1e8, 0x900, 0x1000 };
	return 0;
}

static int check(uint64_t file_size)
{
	int err = elf_check_header(&eh, file_size, &img, &why);

	return err ? err : elf_plan(&eh, ph, file_size, &img, &why);
}

static void accepts_static_exec(void **state __attribute__((unused)))
{
	assert_int_equal(check(FILE_SIZE), 0);
	assert_int_equal(img.nsegs, 3);
	assert_false(img.dyn);
	assert_int_equal(img.entry, 0x8001100);
	assert_int_equal(img.phdr_addr, 0x8000040);
	/* data: page-aligned start, file bytes from the page start, bss as the zero tail */
	assert_int_equal(img.segs[2].vaddr, 0x8008000);
	assert_int_equal(img.segs[2].file_off, 0x7000);
	assert_int_equal(img.segs[2].file_len, 0xf30 + 0x1e8);
	assert_int_equal(img.segs[2].mem_len, 0x2000);
	assert_true(img.segs[2].write && !img.segs[2].exec);
	assert_int_equal(img.end, 0x800a000);
}

static void places_static_pie_at_user_base(void **state __attribute__((unused)))
{
	eh.type = 3;
	for (int i = 0; i < 3; i++)
		ph[i].vaddr -= 0x8000000;
	eh.entry -= 0x8000000;
	assert_int_equal(check(FILE_SIZE), 0);
	assert_true(img.dyn);
	assert_int_equal(img.bias, USER_IMAGE_BASE);
	assert_int_equal(img.entry, USER_IMAGE_BASE + 0x1100);
	assert_int_equal(img.segs[0].vaddr, USER_IMAGE_BASE);
}

static void expect_refused(uint64_t size)
{
	why = NULL;
	assert_int_equal(check(size), -ENOEXEC);
	assert_non_null(why);
}

static void refuses_bad_headers(void **state __attribute__((unused)))
{
	expect_refused(32);				/* shorter than a header */
	eh.ident[1] = 'X';
	expect_refused(FILE_SIZE);
	setup(NULL);
	eh.ident[4] = 1;				/* 32-bit */
	expect_refused(FILE_SIZE);
	setup(NULL);
	eh.machine = 3;					/* i386 */
	expect_refused(FILE_SIZE);
	setup(NULL);
	eh.type = 1;					/* relocatable */
	expect_refused(FILE_SIZE);
	setup(NULL);
	eh.phnum = 0;
	expect_refused(FILE_SIZE);
	setup(NULL);
	eh.phnum = ELF_MAX_PHNUM + 1;
	expect_refused(1 << 20);
	setup(NULL);
	eh.phoff = FILE_SIZE - 100;			/* table runs past the end */
	expect_refused(FILE_SIZE);
	setup(NULL);
	eh.phoff = UINT64_MAX - 10;			/* overflow */
	expect_refused(FILE_SIZE);
}

static void refuses_bad_segments(void **state __attribute__((unused)))
{
	ph[1].filesz = ph[1].memsz + 1;			/* file bigger than memory */
	expect_refused(FILE_SIZE);
	setup(NULL);
	ph[1].offset = FILE_SIZE;			/* outside the file */
	ph[1].vaddr = 0x8001000 + (FILE_SIZE & 0xfff);
	expect_refused(FILE_SIZE);
	setup(NULL);
	ph[1].vaddr += 8;				/* vaddr and offset disagree mod page */
	expect_refused(FILE_SIZE);
	setup(NULL);
	ph[2].vaddr = 0x8001f30;			/* overlaps the text pages */
	expect_refused(FILE_SIZE);
	setup(NULL);
	ph[2].vaddr = 0xffff800000000f30;		/* kernel half */
	expect_refused(FILE_SIZE);
	setup(NULL);
	ph[2].memsz = 1ULL << 40;			/* absurd */
	expect_refused(FILE_SIZE);
	setup(NULL);
	ph[2].vaddr = 0x48008f30;			/* spans more than 1 GiB */
	expect_refused(FILE_SIZE);
	setup(NULL);
	ph[0].vaddr = ph[0].offset = 0;			/* below USER_MMAP_MIN */
	expect_refused(FILE_SIZE);
	setup(NULL);
	eh.entry = 0x8008f40;				/* entry in a data segment */
	expect_refused(FILE_SIZE);
	setup(NULL);
	ph[1].type = PT_INTERP;				/* dynamically linked */
	expect_refused(FILE_SIZE);
	setup(NULL);
	for (int i = 0; i < 3; i++)
		ph[i].type = 4;				/* nothing loadable */
	expect_refused(FILE_SIZE);
}

static void random_input_never_breaks_the_checker(void **state __attribute__((unused)))
{
	srand(4);
	for (int round = 0; round < 20000; round++) {
		uint8_t *e = (uint8_t *)&eh, *p = (uint8_t *)ph;

		setup(NULL);
		for (int k = 0; k < 1 + round % 6; k++) {
			if (rand() & 1)
				e[rand() % sizeof(eh)] = (uint8_t)rand();
			else
				p[rand() % sizeof(ph)] = (uint8_t)rand();
		}
		if (eh.phnum > 4)
			eh.phnum = 4;			/* ph[] holds 4 */
		if (check(FILE_SIZE) == 0) {
			assert_true(img.entry >= USER_MMAP_MIN && img.end <= USER_MMAP_TOP);
			for (unsigned i = 0; i < img.nsegs; i++)
				assert_true(img.segs[i].file_off + img.segs[i].file_len <= FILE_SIZE);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(accepts_static_exec, setup),
		cmocka_unit_test_setup(places_static_pie_at_user_base, setup),
		cmocka_unit_test_setup(refuses_bad_headers, setup),
		cmocka_unit_test_setup(refuses_bad_segments, setup),
		cmocka_unit_test(random_input_never_breaks_the_checker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
