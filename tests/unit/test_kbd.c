/*
 * tests/unit/test_kbd.c — drivers/input/keymap.c: scancode set 1 to the bytes a US-layout
 * terminal sends (shift, caps lock, ctrl, alt, cursor and function keys, releases, pause).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/kbd.h>
#include "stubs.h"

static struct kbd_state st;

/* Feeds the scancode bytes and returns everything they typed. */
static const char *type(const uint8_t *codes, size_t n)
{
	static char buf[128];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		char out[KBD_OUT_MAX];
		unsigned k = kbd_decode(&st, codes[i], out);

		assert_true(k <= KBD_OUT_MAX);
		memcpy(buf + len, out, k);
		len += k;
	}
	buf[len] = 0;
	return buf;
}

#define TYPE(...) type((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static int setup(void **state)
{
	(void)state;
	memset(&st, 0, sizeof(st));
	return 0;
}

static void letters_digits_and_releases(void **state)
{
	(void)state;
	/* h e l l o (make, break), space, 1, Enter */
	assert_string_equal(TYPE(0x23, 0xa3, 0x12, 0x92, 0x26, 0xa6, 0x26, 0xa6, 0x18, 0x98,
				 0x39, 0xb9, 0x02, 0x82, 0x1c, 0x9c), "hello 1\r");
}

static void shift_and_caps_lock(void **state)
{
	(void)state;
	assert_string_equal(TYPE(0x2a, 0x23, 0x02, 0xaa, 0x23), "H!h");
	assert_string_equal(TYPE(0x3a, 0xba, 0x23, 0x36, 0x23, 0xb6, 0x02), "Hh1");
	assert_string_equal(TYPE(0x3a, 0xba, 0x23), "h");	/* caps off again */
}

static void ctrl_and_alt(void **state)
{
	(void)state;
	assert_string_equal(TYPE(0x1d, 0x2e, 0x9d, 0x2e), "\x03" "c");	/* ctrl-C, c */
	assert_string_equal(TYPE(0xe0, 0x1d, 0x1a, 0xe0, 0x9d), "\x1b");	/* right ctrl-[ */
	assert_string_equal(TYPE(0x38, 0x1e, 0xb8, 0x1e), "\x1b" "aa");	/* alt-a is ESC a */
}

static void backspace_tab_escape(void **state)
{
	(void)state;
	assert_string_equal(TYPE(0x0e, 0x0f, 0x01), "\x7f\t\x1b");
	assert_string_equal(TYPE(0x2a, 0x0f, 0xaa), "\x1b[Z");		/* shift-Tab */
}

static void cursor_and_editing_keys(void **state)
{
	(void)state;
	assert_string_equal(TYPE(0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x50, 0xe0, 0x4d, 0xe0, 0x4b),
			    "\x1b[A\x1b[B\x1b[C\x1b[D");
	assert_string_equal(TYPE(0xe0, 0x47, 0xe0, 0x4f, 0xe0, 0x52, 0xe0, 0x53, 0xe0, 0x49,
				 0xe0, 0x51), "\x1b[H\x1b[F\x1b[2~\x1b[3~\x1b[5~\x1b[6~");
	/* E0 2A (the fake shift some keyboards send around arrows) does not shift */
	assert_string_equal(TYPE(0xe0, 0x2a, 0xe0, 0x48, 0x1e), "\x1b[Aa");
}

static void function_keys(void **state)
{
	(void)state;
	assert_string_equal(TYPE(0x3b, 0x3e, 0x3f, 0x44, 0x57, 0x58),
			    "\x1bOP\x1bOS\x1b[15~\x1b[21~\x1b[23~\x1b[24~");
}

static void keypad_and_pause(void **state)
{
	(void)state;
	assert_string_equal(TYPE(0x47, 0x52, 0x53, 0x37, 0xe0, 0x35, 0xe0, 0x1c), "70.*/\r");
	assert_string_equal(TYPE(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, 0x1e), "a");
}

static void breaks_never_type(void **state)
{
	(void)state;
	for (unsigned b = 0x80; b < 0x100; b++) {
		char out[KBD_OUT_MAX];

		if (b == 0xe0 || b == 0xe1)
			continue;
		memset(&st, 0, sizeof(st));
		assert_int_equal(kbd_decode(&st, (uint8_t)b, out), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(letters_digits_and_releases, setup),
		cmocka_unit_test_setup(shift_and_caps_lock, setup),
		cmocka_unit_test_setup(ctrl_and_alt, setup),
		cmocka_unit_test_setup(backspace_tab_escape, setup),
		cmocka_unit_test_setup(cursor_and_editing_keys, setup),
		cmocka_unit_test_setup(function_keys, setup),
		cmocka_unit_test_setup(keypad_and_pause, setup),
		cmocka_unit_test_setup(breaks_never_type, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
