/*
 * tests/unit/test_vt.c — drivers/display/vt.c: the screen terminal's cells, cursor, scrolling,
 * SGR colours, erase and cursor sequences, and UTF-8 decoding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vt.h>
#include "stubs.h"

#define COLS 10
#define ROWS 4

static uint16_t cells[COLS * ROWS];
static struct vt vt;

static void feed(const char *s)
{
	while (*s)
		vt_putc(&vt, *s++);
}

static char glyph(unsigned row, unsigned col)
{
	return (char)(cells[row * COLS + col] & 0xff);
}

static uint8_t attr(unsigned row, unsigned col)
{
	return (uint8_t)(cells[row * COLS + col] >> 8);
}

static void row_is(unsigned row, const char *want)
{
	char got[COLS + 1];

	for (unsigned c = 0; c < COLS; c++)
		got[c] = glyph(row, c);
	got[COLS] = 0;
	assert_string_equal(got, want);
}

static int setup(void **state)
{
	(void)state;
	vt_init(&vt, cells, COLS, ROWS);
	return 0;
}

static void text_newline_and_cursor(void **state)
{
	(void)state;
	unsigned lo, hi;

	feed("ab\ncd\rX");
	row_is(0, "ab        ");
	row_is(1, "Xd        ");
	assert_int_equal(vt_cursor(&vt), 1 * COLS + 1);
	assert_int_equal(attr(0, 0), VT_ATTR_DEFAULT);
	vt_take_dirty(&vt, &lo, &hi);
	assert_true(lo <= 0 && hi >= COLS + 2);
	vt_take_dirty(&vt, &lo, &hi);
	assert_int_equal(lo, hi);		/* taken: nothing new */
}

static void wraps_at_the_last_column_and_scrolls(void **state)
{
	(void)state;
	feed("0123456789");			/* fills row 0: the wrap is pending */
	assert_int_equal(vt.row, 0);
	assert_int_equal(vt_cursor(&vt), COLS - 1);
	feed("A\nB\nC\nD");			/* A on row 1 ... D on row 4: one scroll */
	row_is(0, "A         ");
	row_is(3, "D         ");
	assert_int_equal(vt.row, ROWS - 1);
}

static void backspace_and_tab(void **state)
{
	(void)state;
	feed("abc\b\bX\tY");
	row_is(0, "aXc     Y ");
	feed("\b\b\b\b\b\b\b\b\b\b\b\b");
	assert_int_equal(vt.col, 0);		/* never left of column 0 */
}

static void sgr_colours_bold_reverse_reset(void **state)
{
	(void)state;
	feed("\x1b[31ma\x1b[1mb\x1b[0;44mc\x1b[7md\x1b[m e\x1b[92;101mf");
	assert_int_equal(attr(0, 0), 0x04);	/* red on black (VGA red is 4) */
	assert_int_equal(attr(0, 1), 0x0c);	/* bold: bright red */
	assert_int_equal(attr(0, 2), 0x17);	/* grey on blue */
	assert_int_equal(attr(0, 3), 0x71);	/* reverse */
	assert_int_equal(attr(0, 4), VT_ATTR_DEFAULT);	/* ESC[m resets */
	assert_int_equal(attr(0, 6), 0xca);	/* bright green on bright red */
	row_is(0, "abcd ef   ");		/* no escape byte was drawn */
}

static void cursor_position_and_erase(void **state)
{
	(void)state;
	feed("xxxxxxxxxx" "yyyyyyyyyy" "zzzz");
	feed("\x1b[2;3H");
	assert_int_equal(vt_cursor(&vt), 1 * COLS + 2);
	feed("\x1b[K");
	row_is(1, "yy        ");
	feed("\x1b[1K");
	row_is(1, "          ");
	feed("\x1b[A\x1b[2C\x1b[1D");
	assert_int_equal(vt_cursor(&vt), 0 * COLS + 3);
	feed("\x1b[99;99H");			/* clamped to the screen */
	assert_int_equal(vt_cursor(&vt), ROWS * COLS - 1);
	feed("\x1b[2J\x1b[H");
	for (unsigned r = 0; r < ROWS; r++)
		row_is(r, "          ");
	assert_int_equal(vt_cursor(&vt), 0);
}

static void erase_uses_the_background(void **state)
{
	(void)state;
	feed("\x1b[44m\x1b[2J");
	assert_int_equal(cells[0], (0x17 << 8) | ' ');
	assert_int_equal(cells[ROWS * COLS - 1], (0x17 << 8) | ' ');
}

static void unknown_and_private_sequences_are_swallowed(void **state)
{
	(void)state;
	feed("\x1b[?25la\x1b[5nb\x1b(Bc\x1b[1;2;3;4;5;6;7;8;9;10md");
	row_is(0, "abBcd     ");		/* ESC ( is dropped, its B is text */
}

static void utf8_to_latin1(void **state)
{
	(void)state;
	feed("\xc3\xa9\xe2\x82\xac\x80z");	/* e-acute, euro sign, stray continuation */
	assert_int_equal((uint8_t)glyph(0, 0), 0xe9);
	assert_int_equal(glyph(0, 1), '?');
	assert_int_equal(glyph(0, 2), '?');
	assert_int_equal(glyph(0, 3), 'z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(text_newline_and_cursor, setup),
		cmocka_unit_test_setup(wraps_at_the_last_column_and_scrolls, setup),
		cmocka_unit_test_setup(backspace_and_tab, setup),
		cmocka_unit_test_setup(sgr_colours_bold_reverse_reset, setup),
		cmocka_unit_test_setup(cursor_position_and_erase, setup),
		cmocka_unit_test_setup(erase_uses_the_background, setup),
		cmocka_unit_test_setup(unknown_and_private_sequences_are_swallowed, setup),
		cmocka_unit_test_setup(utf8_to_latin1, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
