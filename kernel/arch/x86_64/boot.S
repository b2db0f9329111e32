/*
 * arch/x86_64/boot.S — multiboot headers and the 32-bit entry into 64-bit long mode.
 *
 * Owns the first instructions keel runs. Both a Multiboot1 header (with the address fields, so
 * `qemu -kernel` can load this ELF64 file as a flat image) and a Multiboot2 header (for GRUB and
 * the ISO) sit at the start of the .boot section, which is linked and loaded at its physical
 * address. _start32 checks that the CPU can run 64-bit code at all, builds the boot page tables
 * (2 MiB pages, which every long-mode CPU has; never 1 GiB pages, which many lack), enters long
 * mode and jumps to the higher half with the bootloader's magic in %edi and info pointer in %esi.
 *
 * Invariant: nothing here touches memory above BOOT_MAP_SIZE or relies on a CPUID feature that
 * was not tested first.
 */
#include <keel/memlayout.h>

#define PHYS(sym)	((sym) - KERNEL_VMA_BASE)

#define MB1_MAGIC	0x1badb002
#define MB1_FLAGS	((1 << 0) | (1 << 1) | (1 << 16))	/* align mods, mem info, addresses */
#define MB2_MAGIC	0xe85250d6

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080

#define COM1		0x3f8

	.section .boot, "ax"
	.code32

	.align 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long mb1_header			/* header_addr */
	.long KERNEL_PHYS_BASE			/* load_addr */
	.long PHYS(__data_end)			/* load_end_addr */
	.long PHYS(__bss_end)			/* bss_end_addr */
	.long _start32				/* entry_addr */

	.align 8
mb2_header:
	.long MB2_MAGIC
	.long 0					/* i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	.align 8
	.short 6, 0				/* module alignment: page-align modules */
	.long 8
	.align 8
	.short 5, 1				/* framebuffer, optional: any size, 32 bpp */
	.long 20
	.long 0, 0, 32				/* GRUB: gfxpayload decides (text on BIOS) */
	.align 8
	.short 0, 0				/* end tag */
	.long 8
mb2_header_end:

	.global _start32
_start32:
	cli
	cld
	movl %eax, %edi				/* bootloader magic */
	movl %ebx, %esi				/* multiboot info (physical) */
	movl $PHYS(boot_stack_top), %esp

	call check_long_mode
	rdtsc
	movl %eax, PHYS(boot_tsc)
	movl %edx, PHYS(boot_tsc) + 4

	call build_boot_tables

	movl %cr4, %eax
	orl $(1 << 5), %eax			/* PAE */
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3

	movl $0x80000001, %eax			/* EFER.LME, and NXE when the CPU has NX */
	cpuid
	movl %edx, %ebx
	movl $0xc0000080, %ecx
	rdmsr
	orl $(1 << 8), %eax
	testl $(1 << 20), %ebx
	jz 1f
	orl $(1 << 11), %eax
1:	wrmsr

	movl %cr0, %eax
	orl $0x80010001, %eax			/* PG | WP | PE */
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $start64_low

/* Halts with a message unless CPUID reports long mode. Clobbers eax-edx. */
check_long_mode:
	pushfl					/* CPUID exists iff EFLAGS.ID can be toggled */
	popl %eax
	movl %eax, %ecx
	xorl $(1 << 21), %eax
	pushl %eax
	popfl
	pushfl
	popl %eax
	xorl %ecx, %eax
	jz no_long_mode
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode
	ret

no_long_mode:
	/* COM1: 115200 8N1, FIFO on; then the message to serial and to the VGA text screen. */
	movw $COM1 + 1, %dx;  movb $0x00, %al; outb %al, %dx
	movw $COM1 + 3, %dx;  movb $0x80, %al; outb %al, %dx
	movw $COM1 + 0, %dx;  movb $0x01, %al; outb %al, %dx
	movw $COM1 + 1, %dx;  movb $0x00, %al; outb %al, %dx
	movw $COM1 + 3, %dx;  movb $0x03, %al; outb %al, %dx
	movw $COM1 + 2, %dx;  movb $0xc7, %al; outb %al, %dx
	movw $COM1 + 4, %dx;  movb $0x03, %al; outb %al, %dx
	movl $no_lm_msg, %esi
	movl $VGA_TEXT_PHYS, %edi
1:	movb (%esi), %cl
	testb %cl, %cl
	jz 3f
	movw $COM1 + 5, %dx
2:	inb %dx, %al				/* wait for THR empty before every byte */
	testb $0x20, %al
	jz 2b
	movw $COM1, %dx
	movb %cl, %al
	outb %al, %dx
	cmpb $'\n', %cl
	je 4f
	movb %cl, (%edi)
	movb $0x4f, 1(%edi)
	addl $2, %edi
4:	incl %esi
	jmp 1b
3:	movw $COM1 + 5, %dx			/* drain before halting */
5:	inb %dx, %al
	testb $0x40, %al
	jz 5b
6:	cli
	hlt
	jmp 6b

/*
 * Boot page tables: identity and direct map of [0, BOOT_MAP_SIZE), kernel window of the first
 * GiB at KERNEL_VMA_BASE. The tables live in .bss, which the loader has zeroed.
 */
build_boot_tables:
	movl $PHYS(boot_pdpt_low), %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, PHYS(boot_pml4)			/* slot 0: identity */
	movl %eax, PHYS(boot_pml4) + 256 * 8		/* slot 256: direct map */
	movl $PHYS(boot_pdpt_high), %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, PHYS(boot_pml4) + 511 * 8		/* slot 511: kernel window */

	movl $PHYS(boot_pd), %eax			/* 4 page directories, 4 GiB */
	orl $(PTE_P | PTE_W), %eax
	xorl %ecx, %ecx
1:	movl %eax, PHYS(boot_pdpt_low)(, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $(BOOT_MAP_SIZE >> 30), %ecx
	jb 1b
	movl $PHYS(boot_pd), %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, PHYS(boot_pdpt_high) + 510 * 8

	xorl %ecx, %ecx					/* 2048 PD entries of 2 MiB */
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, PHYS(boot_pd)(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax					/* high dword: bits 32+ of 2 MiB * ecx */
	movl %eax, PHYS(boot_pd) + 4(, %ecx, 8)
	incl %ecx
	cmpl $(BOOT_MAP_SIZE >> 21), %ecx
	jb 2b
	ret

	.code64
start64_low:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $start64_high, %rax
	jmpq *%rax

	.align 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff			/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff			/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

no_lm_msg:
	.ascii "keel: this CPU does not support 64-bit long mode (CPUID 0x80000001 EDX.LM=0).\n"
	.asciz "keel needs an x86-64 processor; halting.\n"

	.text
	.code64
start64_high:
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl %edi, %edi				/* upper halves are undefined after the mode switch */
	movl %esi, %esi
	call kmain
1:	cli
	hlt
	jmp 1b

	.bss
	.align 4096
	.global boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4096 * (BOOT_MAP_SIZE >> 30)

	/* The BSP's boot stack, with a guard page below it that vm_init leaves unmapped. */
	.align 4096
	.global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:	.skip 4096
boot_stack_bottom:	.skip KSTACK_SIZE
boot_stack_top:

	.align 8
	.global boot_tsc
boot_tsc:	.quad 0
