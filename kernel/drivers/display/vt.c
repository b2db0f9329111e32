/*
 * drivers/display/vt.c — the screen terminal's cell grid and escape parser (keel/vt.h).
 *
 * Invariants: row < rows and col <= cols (col == cols only as a pending wrap: the glyph that
 * follows goes to the next line, as on a VT100); every cell write widens [dirty_lo, dirty_hi).
 */
#include <keel/vt.h>
#include <keel/string.h>

enum { ST_GROUND, ST_ESC, ST_CSI };

/* ANSI colour number (0 black, 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan, 7 white)
 * to the VGA palette index of the same colour. */
static const uint8_t ansi_to_vga[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };

static void mark(struct vt *vt, unsigned lo, unsigned hi)
{
	if (lo >= hi)
		return;
	if (vt->dirty_lo >= vt->dirty_hi) {
		vt->dirty_lo = lo;
		vt->dirty_hi = hi;
		return;
	}
	vt->dirty_lo = MIN(vt->dirty_lo, lo);
	vt->dirty_hi = MAX(vt->dirty_hi, hi);
}

/* The pen as a cell attribute: bold brightens the foreground, reverse swaps the two. */
static uint8_t pen_attr(const struct vt *vt)
{
	uint8_t fg = vt->fg | (vt->bold ? 8 : 0), bg = vt->bg;

	return vt->reverse ? (uint8_t)((fg << 4) | bg) : (uint8_t)((bg << 4) | fg);
}

static uint16_t blank(const struct vt *vt)
{
	return (uint16_t)((pen_attr(vt) << 8) | ' ');
}

/* Cells [lo, hi) become blanks in the current background. */
static void erase(struct vt *vt, unsigned lo, unsigned hi)
{
	uint16_t b = blank(vt);

	for (unsigned i = lo; i < hi; i++)
		vt->cells[i] = b;
	mark(vt, lo, hi);
}

static void scroll_up(struct vt *vt)
{
	unsigned n = vt->cols * (vt->rows - 1);

	memmove(vt->cells, vt->cells + vt->cols, n * sizeof(vt->cells[0]));
	erase(vt, n, n + vt->cols);
	mark(vt, 0, n);
}

static void newline(struct vt *vt)
{
	vt->col = 0;
	if (vt->row + 1 < vt->rows)
		vt->row++;
	else
		scroll_up(vt);
}

static void reset_pen(struct vt *vt)
{
	vt->fg = VT_ATTR_DEFAULT & 0xf;
	vt->bg = VT_ATTR_DEFAULT >> 4;
	vt->bold = vt->reverse = false;
}

void vt_init(struct vt *vt, uint16_t *cells, unsigned cols, unsigned rows)
{
	memset(vt, 0, sizeof(*vt));
	vt->cells = cells;
	vt->cols = cols;
	vt->rows = rows;
	reset_pen(vt);
	erase(vt, 0, cols * rows);
}

unsigned vt_cursor(const struct vt *vt)
{
	return vt->row * vt->cols + MIN(vt->col, vt->cols - 1);
}

void vt_take_dirty(struct vt *vt, unsigned *lo, unsigned *hi)
{
	*lo = vt->dirty_lo;
	*hi = vt->dirty_hi;
	vt->dirty_lo = vt->dirty_hi = 0;
}

static void put_glyph(struct vt *vt, uint8_t g)
{
	unsigned i;

	if (vt->col >= vt->cols)
		newline(vt);
	i = vt->row * vt->cols + vt->col;
	vt->cells[i] = (uint16_t)((pen_attr(vt) << 8) | g);
	mark(vt, i, i + 1);
	vt->col++;
}

static void sgr(struct vt *vt)
{
	if (vt->npar == 0)
		vt->par[vt->npar++] = 0;	/* ESC[m is ESC[0m */
	for (unsigned i = 0; i < vt->npar; i++) {
		unsigned p = vt->par[i];

		if (p == 0)
			reset_pen(vt);
		else if (p == 1)
			vt->bold = true;
		else if (p == 22)
			vt->bold = false;
		else if (p == 7)
			vt->reverse = true;
		else if (p == 27)
			vt->reverse = false;
		else if (p >= 30 && p <= 37)
			vt->fg = ansi_to_vga[p - 30];
		else if (p == 39)
			vt->fg = VT_ATTR_DEFAULT & 0xf;
		else if (p >= 40 && p <= 47)
			vt->bg = ansi_to_vga[p - 40];
		else if (p == 49)
			vt->bg = VT_ATTR_DEFAULT >> 4;
		else if (p >= 90 && p <= 97)
			vt->fg = ansi_to_vga[p - 90] | 8;
		else if (p >= 100 && p <= 107)
			vt->bg = ansi_to_vga[p - 100] | 8;
	}
}

/* A parameter, with 0 or absent meaning `dflt` (the VT100 rule for movement counts). */
static unsigned par_or(const struct vt *vt, unsigned i, unsigned dflt)
{
	return i < vt->npar && vt->par[i] ? vt->par[i] : dflt;
}

static void csi(struct vt *vt, char final)
{
	unsigned here = vt->row * vt->cols + MIN(vt->col, vt->cols - 1), all = vt->rows * vt->cols;
	unsigned n = par_or(vt, 0, 1), p0 = vt->npar ? vt->par[0] : 0;

	switch (final) {
	case 'm': sgr(vt); break;
	case 'A': vt->row = vt->row > n ? vt->row - n : 0; break;
	case 'B': vt->row = MIN(vt->row + n, vt->rows - 1); break;
	case 'C': vt->col = MIN(MIN(vt->col, vt->cols - 1) + n, vt->cols - 1); break;
	case 'D': vt->col = MIN(vt->col, vt->cols - 1) > n ? MIN(vt->col, vt->cols - 1) - n : 0;
		break;
	case 'G': vt->col = MIN(n, vt->cols) - 1; break;
	case 'H':
	case 'f':
		vt->row = MIN(n, vt->rows) - 1;
		vt->col = MIN(par_or(vt, 1, 1), vt->cols) - 1;
		break;
	case 'J':
		if (p0 == 0)
			erase(vt, here, all);
		else if (p0 == 1)
			erase(vt, 0, here + 1);
		else if (p0 == 2 || p0 == 3)
			erase(vt, 0, all);
		break;
	case 'K': {
		unsigned line = vt->row * vt->cols;

		if (p0 == 0)
			erase(vt, here, line + vt->cols);
		else if (p0 == 1)
			erase(vt, line, here + 1);
		else if (p0 == 2)
			erase(vt, line, line + vt->cols);
		break;
	}
	}
}

/* One byte inside an escape sequence. */
static void escape_byte(struct vt *vt, uint8_t b)
{
	if (vt->state == ST_ESC) {
		vt->state = ST_GROUND;
		if (b == '[') {
			vt->state = ST_CSI;
			vt->npar = 0;
			memset(vt->par, 0, sizeof(vt->par));
		} else if (b == 'c') {
			reset_pen(vt);
			erase(vt, 0, vt->rows * vt->cols);
			vt->row = vt->col = 0;
		}
		return;
	}
	if (b >= '0' && b <= '9') {
		if (vt->npar == 0)
			vt->npar = 1;
		if (vt->npar <= VT_MAX_PARAMS && vt->par[vt->npar - 1] < 10000)
			vt->par[vt->npar - 1] = vt->par[vt->npar - 1] * 10 + (b - '0');
	} else if (b == ';') {
		if (vt->npar == 0)
			vt->npar = 1;
		if (vt->npar < VT_MAX_PARAMS + 1)
			vt->npar++;
	} else if (b >= 0x40 && b <= 0x7e) {
		vt->npar = MIN(vt->npar, VT_MAX_PARAMS);
		vt->state = ST_GROUND;
		csi(vt, (char)b);
	} else if (b < 0x20 || b > 0x7e) {
		vt->state = ST_GROUND;		/* broken sequence: drop it */
	}					/* '?', '>', ' ' ...: private markers, ignored */
}

static void control(struct vt *vt, uint8_t b)
{
	switch (b) {
	case '\n': newline(vt); break;
	case '\r': vt->col = 0; break;
	case '\b': vt->col = MIN(vt->col, vt->cols - 1); if (vt->col) vt->col--; break;
	case '\t':
		if (vt->col >= vt->cols)
			newline(vt);
		vt->col = MIN((vt->col + 8) & ~7u, vt->cols - 1);
		break;
	case 0x1b: vt->state = ST_ESC; break;
	}
}

void vt_putc(struct vt *vt, char ch)
{
	uint8_t b = (uint8_t)ch;

	if (vt->state != ST_GROUND && b != 0x1b) {
		escape_byte(vt, b);
		return;
	}
	if (b >= 0x80 && b < 0xc0 && vt->utf_left) {	/* UTF-8 continuation */
		vt->utf_cp = (vt->utf_cp << 6) | (b & 0x3f);
		if (--vt->utf_left == 0)
			put_glyph(vt, vt->utf_cp <= 0xff ? (uint8_t)vt->utf_cp : '?');
		return;
	}
	vt->utf_left = 0;
	if (b >= 0xc0 && b < 0xf8) {			/* UTF-8 lead byte */
		vt->utf_left = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
		vt->utf_cp = b & (0x3f >> vt->utf_left);
	} else if (b >= 0x80) {
		put_glyph(vt, '?');			/* a stray continuation byte */
	} else if (b < 0x20 || b == 0x7f) {
		control(vt, b);
	} else {
		put_glyph(vt, b);
	}
}
