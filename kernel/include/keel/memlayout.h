/*
 * keel/memlayout.h — the memory map: every fixed address keel uses, and nothing else.
 *
 * This header is the only place in the kernel allowed to hold a magic address; docs/memory-map.md
 * draws the same picture. It is included from C, assembly and the linker script, so it holds only
 * preprocessor constants.
 *
 * Virtual layout (4-level paging, 48-bit addresses):
 *   0x0000000000000000 .. 0x00007fffffffffff   user half (per address space; empty until user mode)
 *   0xffff800000000000 .. +64 TiB               direct map of RAM (supervisor, NX, global)
 *   0xffffc00000000000 .. +1 TiB                MMIO window (uncached device mappings)
 *   0xffffd00000000000 .. +1 TiB                scratch window (in-kernel tests' own mappings)
 *   0xffffe00000000000 .. +1 TiB                kernel stacks, each below an unmapped guard page
 *   0xffffffff80000000 .. +2 GiB                kernel image (-mcmodel=kernel), phys 0 at the base
 */
#ifndef KEEL_MEMLAYOUT_H
#define KEEL_MEMLAYOUT_H

#ifdef __ASSEMBLER__
#define _UL(x) x
#else
#define _UL(x) x##UL
#endif

#define PAGE_SHIFT		12
#define PAGE_SIZE		(_UL(1) << PAGE_SHIFT)
#define HUGE_2M_SHIFT		21
#define HUGE_2M_SIZE		(_UL(1) << HUGE_2M_SHIFT)
#define HUGE_1G_SHIFT		30
#define HUGE_1G_SIZE		(_UL(1) << HUGE_1G_SHIFT)

/* Kernel image: linked at KERNEL_VMA_BASE + physical address, loaded at KERNEL_PHYS_BASE. */
#define KERNEL_VMA_BASE		_UL(0xffffffff80000000)
#define KERNEL_PHYS_BASE	_UL(0x100000)

/* Direct map: physical address p is visible at DIRECT_MAP_BASE + p. PML4 slot 256. */
#define DIRECT_MAP_BASE		_UL(0xffff800000000000)
#define DIRECT_MAP_SIZE		(_UL(64) << 40)

/* Device memory window, mapped uncached on demand (APIC, HPET, PCI BARs). */
#define MMIO_BASE		_UL(0xffffc00000000000)
#define MMIO_SIZE		(_UL(1) << 40)

/* Nothing but tests map here, so a test can own any address in it. */
#define SCRATCH_BASE		_UL(0xffffd00000000000)
#define SCRATCH_SIZE		(_UL(1) << 40)

/* Kernel stacks (threads, APs): slot i spans KSTACK_SLOT bytes at KSTACK_BASE + i * KSTACK_SLOT;
 * its lowest page is a guard that is never mapped, the stack is the rest. */
#define KSTACK_BASE		_UL(0xffffe00000000000)
#define KSTACK_WINDOW		(_UL(1) << 40)
#define KSTACK_SLOT		(KSTACK_SIZE + PAGE_SIZE)

/* Low page the AP trampoline is copied to (must be below 1 MiB, 4 KiB aligned: SIPI vector). */
#define TRAMPOLINE_PHYS		_UL(0x8000)

/* Legacy BIOS areas searched for the ACPI RSDP and the MP floating pointer: the EBDA (its
 * segment is a 16-bit word in the BIOS data area), the last KiB of base memory (its size in KiB
 * is the BDA word at BIOS_BASEMEM_KB_PHYS; base memory ends by BIOS_BASEMEM_TOP at the latest)
 * and the BIOS ROM. */
#define BIOS_EBDA_PTR_PHYS	_UL(0x40e)
#define BIOS_BASEMEM_KB_PHYS	_UL(0x413)
#define BIOS_BASEMEM_TOP	_UL(0xa0000)
#define BIOS_ROM_PHYS		_UL(0xe0000)
#define BIOS_ROM_END		_UL(0x100000)

/*
 * User address space (per process):
 *   USER_MMAP_MIN .. USER_IMAGE_BASE          free for mmap(MAP_FIXED) and hints
 *   USER_IMAGE_BASE                           program image (keel's ET_EXEC, every ET_DYN), then brk
 *   ... USER_MMAP_TOP                          mmap(NULL) areas, allocated top-down
 *   USER_STACK_TOP - USER_STACK_RESERVE - USER_STACK_GUARD .. + GUARD   never mapped
 *   USER_STACK_TOP - USER_STACK_RESERVE .. USER_STACK_TOP   main stack reservation
 */
#define USER_MMAP_MIN		_UL(0x10000)
#define USER_IMAGE_BASE		_UL(0x08000000)
#define USER_STACK_TOP		_UL(0x00007ffffffff000)
#define USER_STACK_RESERVE	(_UL(20) << 20)
#define USER_STACK_COMMIT	(_UL(4) * PAGE_SIZE)
#define USER_STACK_GUARD	(_UL(1) << 20)
#define USER_MMAP_TOP		(USER_STACK_TOP - USER_STACK_RESERVE - USER_STACK_GUARD)

/* User half ends here (exclusive); the kernel half starts at KERNEL_SPACE_BASE. */
#define USER_TOP		_UL(0x0000800000000000)
#define KERNEL_SPACE_BASE	_UL(0xffff800000000000)

/*
 * The boot page tables map this much physical memory at 0 (identity), at DIRECT_MAP_BASE and
 * (first 1 GiB only) at KERNEL_VMA_BASE, with 2 MiB pages. Enough to reach everything a
 * bootloader hands over; replaced by the final tables during vm_init().
 */
#define BOOT_MAP_SIZE		(_UL(4) << 30)

/* Physical memory below this is never handed to the frame allocator (BIOS data, EBDA, VGA). */
#define LOW_MEM_END		_UL(0x100000)

/* Legacy VGA text buffer (physical). */
#define VGA_TEXT_PHYS		_UL(0xb8000)

/* MSI/MSI-X writes to this window land in the local APIC whose id is in bits 19:12. */
#define MSI_ADDR_BASE		_UL(0xfee00000)

/* Least usable RAM keel agrees to boot with. */
#define MIN_USABLE_RAM		(_UL(32) << 20)

/* Kernel stacks: size of each, and of the IST stacks for #DF, NMI and #MC. */
#define KSTACK_SIZE		(_UL(16) << 10)
#define IST_STACK_SIZE		(_UL(8) << 10)

#endif
