/*
 * arch/x86_64/trampoline.S — the first instructions of an application processor.
 *
 * An AP wakes from INIT-SIPI-SIPI in real mode at TRAMPOLINE_PHYS. This blob is copied there
 * (it is data to the kernel, hence .rodata) and climbs to long mode: protected mode with a
 * small GDT of its own, PAE, the kernel's CR3 (below 4 GiB, from the boot allocator), EFER.LME
 * (+NXE when the BSP uses NX), paging, then a far jump into 64-bit code that loads the stack,
 * passes the per-CPU block and jumps to the kernel's ap_entry. The BSP fills the parameter
 * block at the end before each SIPI and starts one AP at a time. The kernel page tables map
 * the trampoline page at its physical address for the duration of AP bring-up.
 */
#include <keel/memlayout.h>

#define T(sym)	((sym) - trampoline_start + TRAMPOLINE_PHYS)

	.section .rodata
	.balign 16
	.global trampoline_start, trampoline_end, trampoline_params
	.code16
trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl T(tr_gdt_ptr)
	movl %cr0, %eax
	orl $1, %eax				/* PE */
	movl %eax, %cr0
	ljmpl $0x08, $T(tr_32)

	.code32
tr_32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax			/* PAE */
	movl %eax, %cr4
	movl T(tr_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx			/* EFER */
	rdmsr
	orl T(tr_efer), %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax			/* PG | WP | PE */
	movl %eax, %cr0
	ljmpl $0x18, $T(tr_64)

	.code64
tr_64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq T(tr_stack), %rsp
	movq T(tr_cpu), %rdi
	xorl %ebp, %ebp
	movq T(tr_entry), %rax
	jmpq *%rax

	.balign 8
	/* Accessed bits preset: the page is mapped read-only once paging is on, and a CPU that
	 * sets the bit on a segment load (Bochs does) would fault writing it. */
tr_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff			/* 0x08: 32-bit code */
	.quad 0x00cf93000000ffff			/* 0x10: data */
	.quad 0x00af9b000000ffff			/* 0x18: 64-bit code */
tr_gdt_ptr:
	.short tr_gdt_ptr - tr_gdt - 1
	.long T(tr_gdt)

	/* Parameter block, filled by the BSP (struct trampoline_params in smpboot.c). */
	.balign 8
trampoline_params:
tr_cr3:		.quad 0
tr_efer:	.quad 0
tr_stack:	.quad 0
tr_cpu:		.quad 0
tr_entry:	.quad 0
trampoline_end:
