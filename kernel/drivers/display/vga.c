/*
 * drivers/display/vga.c — the console on a VGA text screen (what BIOS boots get by default).
 *
 * The terminal (keel/vt.h) keeps its cells in RAM; vga_flush copies the changed ones to the
 * text buffer (their layout is VGA's own: glyph | attribute << 8) and moves the hardware
 * cursor. Reached through the direct map (the boot map, then the final one; both cover low
 * memory). Never used under UEFI unless GRUB reported a text mode, since there may be no VGA.
 */
#include <keel/console.h>
#include <keel/memlayout.h>
#include <keel/vt.h>
#include <arch/io.h>

#define VGA_MAX_COLS	132
#define VGA_MAX_ROWS	60
#define CRTC_INDEX	0x3d4
#define CRTC_DATA	0x3d5
#define CRTC_CURSOR_HI	0x0e
#define CRTC_CURSOR_LO	0x0f

static volatile uint16_t *const vga = (volatile uint16_t *)(DIRECT_MAP_BASE + VGA_TEXT_PHYS);
static uint16_t cells[VGA_MAX_COLS * VGA_MAX_ROWS];
static struct vt vt;
static unsigned shown_cursor = ~0u;

static void vga_flush(void)
{
	unsigned lo, hi, cur = vt_cursor(&vt);

	vt_take_dirty(&vt, &lo, &hi);
	for (unsigned i = lo; i < hi; i++)
		vga[i] = cells[i];
	if (cur != shown_cursor) {
		outb(CRTC_INDEX, CRTC_CURSOR_HI);
		outb(CRTC_DATA, (uint8_t)(cur >> 8));
		outb(CRTC_INDEX, CRTC_CURSOR_LO);
		outb(CRTC_DATA, (uint8_t)cur);
		shown_cursor = cur;
	}
}

int vga_init(unsigned cols, unsigned rows)
{
	if (cols == 0 || rows == 0 || cols > VGA_MAX_COLS || rows > VGA_MAX_ROWS)
		return -1;
	vt_init(&vt, cells, cols, rows);
	console_attach(&vt, vga_flush, "VGA text");
	return 0;
}
