/*
 * drivers/display/fbcon.c — the console on a linear framebuffer (UEFI GOP, a VBE mode).
 *
 * Text is drawn with the PSF2 font linked into the kernel (tools/mkfont: a Debian console
 * font, glyph i = Latin-1 code point i). The terminal (keel/vt.h) keeps the cells; fbcon keeps
 * what each cell on screen shows (shown[], with SHOWN_CURSOR for the cursor cell, drawn in
 * reverse video) and on a flush redraws only the cells whose wanted look differs, so a
 * scroll redraws the text that moved and nothing that stayed blank. The framebuffer is
 * mapped write-combining through iomap (uncached without PAT) and only ever written, with
 * integer stores of one pixel (no SSE in the kernel, no reads of device memory).
 *
 * The palette is the 16-colour VGA one; tests/uefi_test.py renders with the same numbers.
 */
#include <keel/boot.h>
#include <keel/console.h>
#include <keel/iomap.h>
#include <keel/log.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <keel/vt.h>

#define PSF2_MAGIC	0x864ab572u
#define FB_MAX_CELLS	(256 * 128)
#define SHOWN_CURSOR	(1u << 16)

extern const uint8_t _binary_font_psf_start[], _binary_font_psf_end[];

struct psf2_header {
	uint32_t magic, version, headersize, flags, length, charsize, height, width;
};

static const uint8_t palette[16][3] = {
	{ 0x00, 0x00, 0x00 }, { 0x00, 0x00, 0xaa }, { 0x00, 0xaa, 0x00 }, { 0x00, 0xaa, 0xaa },
	{ 0xaa, 0x00, 0x00 }, { 0xaa, 0x00, 0xaa }, { 0xaa, 0x55, 0x00 }, { 0xaa, 0xaa, 0xaa },
	{ 0x55, 0x55, 0x55 }, { 0x55, 0x55, 0xff }, { 0x55, 0xff, 0x55 }, { 0x55, 0xff, 0xff },
	{ 0xff, 0x55, 0x55 }, { 0xff, 0x55, 0xff }, { 0xff, 0xff, 0x55 }, { 0xff, 0xff, 0xff },
};

static struct {
	uint8_t *base;			/* the mapped framebuffer */
	struct boot_fb mode;
	unsigned bytespp;
	const uint8_t *glyphs;
	unsigned gw, gh, rowbytes, glyphbytes;
	uint32_t pixel[16];		/* palette in the framebuffer's pixel format */
} fb;

static uint16_t cells[FB_MAX_CELLS];
static uint32_t shown[FB_MAX_CELLS];
static struct vt vt;
static unsigned shown_cursor;

static uint32_t channel(uint8_t v, uint8_t pos, uint8_t size)
{
	return size ? (uint32_t)(v >> (8 - MIN(size, 8))) << pos : 0;
}

static void put_pixel(uint8_t *p, uint32_t v)
{
	switch (fb.bytespp) {
	case 4: *(volatile uint32_t *)p = v; break;
	case 3:
		((volatile uint8_t *)p)[0] = (uint8_t)v;
		((volatile uint8_t *)p)[1] = (uint8_t)(v >> 8);
		((volatile uint8_t *)p)[2] = (uint8_t)(v >> 16);
		break;
	default: *(volatile uint16_t *)p = (uint16_t)v; break;
	}
}

/* Draws cell i as `look` (a vt cell, plus SHOWN_CURSOR for reverse video). */
static void draw_cell(unsigned i, uint32_t look)
{
	unsigned cx = i % vt.cols, cy = i / vt.cols;
	uint8_t attr = (uint8_t)(look >> 8);
	uint32_t fg = fb.pixel[attr & 0xf], bg = fb.pixel[attr >> 4];
	const uint8_t *g = fb.glyphs + (look & 0xff) * fb.glyphbytes;
	uint8_t *row = fb.base + (size_t)cy * fb.gh * fb.mode.pitch + (size_t)cx * fb.gw * fb.bytespp;

	if (look & SHOWN_CURSOR) {
		uint32_t t = fg;

		fg = bg;
		bg = t;
	}
	for (unsigned y = 0; y < fb.gh; y++, row += fb.mode.pitch, g += fb.rowbytes) {
		uint8_t *p = row;

		for (unsigned x = 0; x < fb.gw; x++, p += fb.bytespp)
			put_pixel(p, (g[x / 8] & (0x80 >> (x % 8))) ? fg : bg);
	}
}

static void update(unsigned i, unsigned cursor)
{
	uint32_t look = cells[i] | (i == cursor ? SHOWN_CURSOR : 0);

	if (shown[i] != look) {
		draw_cell(i, look);
		shown[i] = look;
	}
}

static void fbcon_flush(void)
{
	unsigned lo, hi, cur = vt_cursor(&vt);

	vt_take_dirty(&vt, &lo, &hi);
	for (unsigned i = lo; i < hi; i++)
		update(i, cur);
	update(shown_cursor, cur);	/* the old cursor cell loses its reverse video */
	update(cur, cur);
	shown_cursor = cur;
}

/* Checks the linked font; 0 and fb.glyphs set, or -1. */
static int font_init(void)
{
	const struct psf2_header *h = (const void *)_binary_font_psf_start;
	size_t size = (size_t)(_binary_font_psf_end - _binary_font_psf_start);

	if (size < sizeof(*h) || h->magic != PSF2_MAGIC || h->width == 0 || h->width > 32 ||
	    h->height == 0 || h->height > 32 || h->length < 256 ||
	    h->charsize != h->height * ((h->width + 7) / 8) ||
	    h->headersize + 256ULL * h->charsize > size)
		return -1;
	fb.glyphs = _binary_font_psf_start + h->headersize;
	fb.gw = h->width;
	fb.gh = h->height;
	fb.rowbytes = (h->width + 7) / 8;
	fb.glyphbytes = h->charsize;
	return 0;
}

int fbcon_init(const struct boot_fb *mode)
{
	unsigned cols, rows;

	if (mode->kind != BOOT_FB_RGB || font_init())
		return -1;
	fb.mode = *mode;
	fb.bytespp = (mode->bpp + 7) / 8;
	if (fb.bytespp < 2 || mode->pitch < mode->width * fb.bytespp)
		return -1;
	cols = mode->width / fb.gw;
	rows = mode->height / fb.gh;
	if (cols == 0 || rows == 0)
		return -1;
	rows = MIN(rows, FB_MAX_CELLS / cols);
	fb.base = iomap(mode->addr, (size_t)mode->pitch * mode->height, IOMAP_WC);
	if (!fb.base)
		return -1;
	for (unsigned c = 0; c < 16; c++)
		fb.pixel[c] = channel(palette[c][0], mode->red_pos, mode->red_size) |
			      channel(palette[c][1], mode->green_pos, mode->green_size) |
			      channel(palette[c][2], mode->blue_pos, mode->blue_size);
	for (uint32_t y = 0; y < mode->height; y++)
		for (uint32_t x = 0; x < mode->width; x++)
			put_pixel(fb.base + (size_t)y * mode->pitch + x * fb.bytespp, fb.pixel[0]);
	vt_init(&vt, cells, cols, rows);
	for (unsigned i = 0; i < cols * rows; i++)
		shown[i] = VT_BLANK;		/* what an all-black screen shows */
	vt_take_dirty(&vt, &cols, &rows);	/* nothing to draw yet */
	shown_cursor = 0;
	console_attach(&vt, fbcon_flush, "framebuffer");
	return 0;
}

void fbcon_describe(char *buf, size_t size)
{
	snprintf(buf, size, "%ux%u %u bpp at %#lx, %ux%u cells of %ux%u", fb.mode.width,
		 fb.mode.height, fb.mode.bpp, fb.mode.addr, vt.cols, vt.rows, fb.gw, fb.gh);
}
