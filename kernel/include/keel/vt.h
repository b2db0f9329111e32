/*
 * keel/vt.h — the screen terminal: a grid of character cells driven by a VT100/xterm subset.
 *
 * A display (VGA text, a framebuffer) owns a struct vt and feeds it the console's bytes; the vt
 * keeps the cells, the cursor and the pen, and records which cells changed since the display
 * last drew (vt_take_dirty), so a display redraws only those. Pure code: no locks (the console
 * lock serializes every call), no allocation, host-tested (tests/unit/test_vt.c).
 *
 * A cell is (attr << 8) | glyph, the VGA text layout: glyph is a Latin-1 code point (UTF-8
 * input is decoded; code points past 0xff become '?'), attr's low nibble the foreground and
 * high nibble the background, each a VGA palette index (0 black, 1 blue, ... 7 light grey,
 * 8..15 the bright ones).
 *
 * Understood: printable bytes, \n (new line, column 0), \r, \b, \t (every 8 columns), and the
 * CSI sequences SGR (m: 0, 1, 22, 7, 27, 30-37, 39, 40-47, 49, 90-97, 100-107), CUU/CUD/CUF/
 * CUB (A-D), CUP (H, f), CHA (G), ED (J: 0, 1, 2, 3), EL (K: 0, 1, 2); ESC c resets. Anything
 * else is consumed and ignored, never drawn.
 */
#ifndef KEEL_VT_H
#define KEEL_VT_H

#include <keel/types.h>

#define VT_ATTR_DEFAULT	0x07		/* light grey on black */
#define VT_BLANK	((VT_ATTR_DEFAULT << 8) | ' ')
#define VT_MAX_PARAMS	8

struct vt {
	uint16_t *cells;		/* rows * cols, row-major */
	unsigned cols, rows;
	unsigned row, col;		/* cursor; col == cols means "wrap before the next glyph" */
	uint8_t fg, bg;			/* pen colours, VGA palette indices (bold ORs 8 into fg) */
	bool bold, reverse;
	uint8_t state;			/* escape parser state (vt.c) */
	unsigned par[VT_MAX_PARAMS], npar;
	uint32_t utf_cp;		/* UTF-8 code point being decoded */
	uint8_t utf_left;		/* continuation bytes still expected */
	unsigned dirty_lo, dirty_hi;	/* cells [lo, hi) changed since vt_take_dirty */
};

/* Takes cells (rows * cols of them), blanks them and homes the cursor. */
void vt_init(struct vt *vt, uint16_t *cells, unsigned cols, unsigned rows);
void vt_putc(struct vt *vt, char c);
/* The cell index the cursor is on (a pending wrap shows on the last column). */
unsigned vt_cursor(const struct vt *vt);
/* Hands out the changed range [*lo, *hi) (empty when lo == hi) and starts a new one. */
void vt_take_dirty(struct vt *vt, unsigned *lo, unsigned *hi);

#endif
