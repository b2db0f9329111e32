/*
 * kernel.ld.S — link map of the kernel image (preprocessed with keel/memlayout.h).
 *
 * .boot runs at its physical address; everything else is linked at KERNEL_VMA_BASE + physical.
 * Order matters: text, then rodata with the ktest table and the symbol table (.ksyms), then
 * data and bss. .ksyms is filled in by a second link; since only text addresses go in it and
 * text comes first, the second link cannot move any symbol it lists (tools/check-image checks).
 * Each group is page-aligned so it can get its own permissions (W^X). The file must hold .boot
 * through .data contiguously, as the Multiboot1 address fields promise (tools/check-image).
 */
#include <keel/memlayout.h>

OUTPUT_FORMAT(elf64-x86-64)
ENTRY(_start32)

PHDRS {
	boot PT_LOAD FLAGS(5);
	text PT_LOAD FLAGS(5);
	rodata PT_LOAD FLAGS(4);
	data PT_LOAD FLAGS(6);
}

SECTIONS {
	. = KERNEL_PHYS_BASE;
	__kernel_phys_start = .;
	.boot : { KEEP(*(.boot)) } :boot

	. = ALIGN(4096) + KERNEL_VMA_BASE;
	__text_start = .;
	.text : AT(ADDR(.text) - KERNEL_VMA_BASE) {
		*(.text.hot .text.hot.*)
		*(.text .text.*)
	} :text
	. = ALIGN(4096);
	__text_end = .;

	__rodata_start = .;
	.rodata : AT(ADDR(.rodata) - KERNEL_VMA_BASE) {
		*(.rodata .rodata.*)
		. = ALIGN(8);
		__ktests_start = .;
		KEEP(*(.ktests))
		__ktests_end = .;
		__params_start = .;
		KEEP(*(.params))
		__params_end = .;
		__extable_start = .;
		KEEP(*(.extable))
		__extable_end = .;
		__syscalls_start = .;
		KEEP(*(.syscalls))
		__syscalls_end = .;
	} :rodata
	.ksyms : AT(ADDR(.ksyms) - KERNEL_VMA_BASE) { KEEP(*(.ksyms)) } :rodata
	. = ALIGN(4096);
	__rodata_end = .;

	__data_start = .;
	.data : AT(ADDR(.data) - KERNEL_VMA_BASE) { *(.data .data.*) } :data
	__data_end = .;
	.bss : AT(ADDR(.bss) - KERNEL_VMA_BASE) {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
	} :data
	. = ALIGN(4096);
	__bss_end = .;
	__kernel_phys_end = . - KERNEL_VMA_BASE;

	/DISCARD/ : { *(.comment) *(.note .note.*) *(.eh_frame .eh_frame_hdr) }
}
