/*
 * keel/kbd.h — the PS/2 keyboard: the i8042 controller driver and the key decoder.
 *
 * The decoder (drivers/input/keymap.c, pure and host-tested) turns scancode set 1 bytes (what
 * the i8042 hands over with translation on, whatever set the keyboard speaks) into the bytes a
 * terminal would send for the US layout: printable characters with shift and caps lock,
 * control characters with ctrl, an ESC prefix with alt (xterm's meta), Enter as \r, Backspace
 * as DEL (0x7f), and the cursor, editing and function keys as VT100/xterm escape sequences
 * (ESC [ A..D, ESC [ H / F, ESC [ 2~ 3~ 5~ 6~, ESC O P..S for F1-F4, ESC [ 15~ .. 24~ for
 * F5-F12, ESC [ Z for shift-Tab). The keypad types digits and operators.
 */
#ifndef KEEL_KBD_H
#define KEEL_KBD_H

#include <keel/types.h>

#define KBD_OUT_MAX	8		/* most bytes one scancode byte can produce */

struct kbd_state {
	bool lshift, rshift, lctrl, rctrl, lalt, ralt, caps;
	uint8_t prefix;			/* 0, 0xe0 (extended key next) or 0xe1 (pause: skipping) */
	uint8_t skip;			/* bytes of a pause sequence still to drop */
};

/* Feeds one scancode byte; writes what it types to out (KBD_OUT_MAX bytes) and returns the
 * count (0 for modifiers, key releases, prefixes and keys that type nothing). */
unsigned kbd_decode(struct kbd_state *st, uint8_t code, char *out);

/* The i8042: 0 and the keyboard ready, or -ENODEV (no controller, or it failed self-test). */
int i8042_init(void);
/* IRQ 1 handler body: drains the controller into the input queue and wakes console readers. */
void i8042_interrupt(void);

#endif
