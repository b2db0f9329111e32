/*
 * drivers/vga.c — VGA text-mode mirror of the console (80x25), for real hardware.
 *
 * Reached through the direct map (the boot map, then the final one; both cover low memory).
 * Scrolls by one line when the cursor passes the bottom. Output only.
 */
#include <keel/console.h>
#include <keel/memlayout.h>
#include <keel/string.h>

#define VGA_COLS	80
#define VGA_ROWS	25
#define VGA_ATTR	0x07

static volatile uint16_t *vga = (volatile uint16_t *)(DIRECT_MAP_BASE + VGA_TEXT_PHYS);
static unsigned row, col;

static void vga_scroll(void)
{
	for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		vga[i] = vga[i + VGA_COLS];
	for (unsigned i = 0; i < VGA_COLS; i++)
		vga[(VGA_ROWS - 1) * VGA_COLS + i] = (VGA_ATTR << 8) | ' ';
	row = VGA_ROWS - 1;
}

void vga_init(void)
{
	for (unsigned i = 0; i < VGA_ROWS * VGA_COLS; i++)
		vga[i] = (VGA_ATTR << 8) | ' ';
	row = col = 0;
}

void vga_putc(char c)
{
	if (c == '\n') {
		col = 0;
		row++;
	} else if (c == '\r') {
		col = 0;
	} else if (c == '\b') {
		if (col)
			col--;
	} else {
		vga[row * VGA_COLS + col] = (VGA_ATTR << 8) | (uint8_t)c;
		if (++col == VGA_COLS) {
			col = 0;
			row++;
		}
	}
	if (row == VGA_ROWS)
		vga_scroll();
}
