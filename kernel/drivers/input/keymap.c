/*
 * drivers/input/keymap.c — scancode set 1 to terminal bytes, US layout (keel/kbd.h).
 *
 * Invariant: the modifier state follows make and break codes exactly (a break is the make
 * code | 0x80), so a key released while another is held never leaves a modifier stuck.
 */
#include <keel/kbd.h>
#include <keel/string.h>

#define ESC	"\x1b"

/* Set 1 make codes 0x00..0x39 without and with shift; 0 means "types nothing". */
static const char plain[0x3a] = {
	0, 0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7f, '\t',
	'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r', 0, 'a', 's',
	'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
	'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[0x3a] = {
	0, 0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7f, '\t',
	'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0, 'A', 'S',
	'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
	'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};
/* Keypad 0x47..0x53 (num lock on: digits). */
static const char keypad[13] = { '7', '8', '9', '-', '4', '5', '6', '+', '1', '2', '3', '0', '.' };

enum {
	SC_LCTRL = 0x1d, SC_LSHIFT = 0x2a, SC_RSHIFT = 0x36, SC_LALT = 0x38, SC_CAPS = 0x3a,
	SC_F1 = 0x3b, SC_F10 = 0x44, SC_KP7 = 0x47, SC_KPDOT = 0x53, SC_F11 = 0x57, SC_F12 = 0x58,
};

/* Escape sequences of the function keys F1..F12. */
static const char *const fkeys[12] = {
	ESC "OP", ESC "OQ", ESC "OR", ESC "OS", ESC "[15~", ESC "[17~", ESC "[18~", ESC "[19~",
	ESC "[20~", ESC "[21~", ESC "[23~", ESC "[24~",
};

/* Extended (0xe0-prefixed) keys that type an escape sequence or a character. */
static const char *extended(uint8_t code)
{
	switch (code) {
	case 0x48: return ESC "[A";
	case 0x50: return ESC "[B";
	case 0x4d: return ESC "[C";
	case 0x4b: return ESC "[D";
	case 0x47: return ESC "[H";
	case 0x4f: return ESC "[F";
	case 0x52: return ESC "[2~";
	case 0x53: return ESC "[3~";
	case 0x49: return ESC "[5~";
	case 0x51: return ESC "[6~";
	case 0x1c: return "\r";		/* keypad Enter */
	case 0x35: return "/";		/* keypad / */
	}
	return NULL;
}

static unsigned put_str(char *out, const char *s)
{
	size_t n = strlen(s);

	memcpy(out, s, n);
	return (unsigned)n;
}

/* Tracks a modifier key; true when code was one. */
static bool modifier(struct kbd_state *st, uint8_t code, bool ext, bool down)
{
	switch (code) {
	case SC_LSHIFT: if (!ext) st->lshift = down; return true;	/* E0 2A: fake shift */
	case SC_RSHIFT: if (!ext) st->rshift = down; return true;
	case SC_LCTRL: *(ext ? &st->rctrl : &st->lctrl) = down; return true;
	case SC_LALT: *(ext ? &st->ralt : &st->lalt) = down; return true;
	case SC_CAPS: if (down && !ext) st->caps = !st->caps; return true;
	}
	return false;
}

/* The character a plain key types with the current modifiers, or 0. */
static char character(const struct kbd_state *st, uint8_t code)
{
	bool shift = st->lshift || st->rshift;
	char c;

	if (code >= SC_KP7 && code <= SC_KPDOT)
		return keypad[code - SC_KP7];
	if (code >= sizeof(plain))
		return 0;
	c = shift ? shifted[code] : plain[code];
	if (st->caps && c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	else if (st->caps && c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	if ((st->lctrl || st->rctrl) && c) {
		char u = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;

		if (u >= '@' && u <= '_')
			return (char)(u & 0x1f);	/* ctrl-A = 1 ... ctrl-_ = 0x1f */
		if (c == ' ' || c == '2')
			return 0;			/* ctrl-space: NUL is dropped */
		if (c == '/')
			return 0x1f;
	}
	return c;
}

unsigned kbd_decode(struct kbd_state *st, uint8_t b, char *out)
{
	bool ext = st->prefix == 0xe0, down = !(b & 0x80), alt;
	uint8_t code = b & 0x7f;
	unsigned n = 0;
	char c;

	if (st->skip) {
		st->skip--;
		return 0;
	}
	if (b == 0xe0 || b == 0xe1) {
		st->prefix = b;
		if (b == 0xe1)
			st->skip = 5;		/* Pause: E1 1D 45 E1 9D C5, types nothing */
		return 0;
	}
	st->prefix = 0;
	if (modifier(st, code, ext, down) || !down)
		return 0;
	alt = st->lalt || st->ralt;
	if (ext) {
		const char *s = extended(code);

		return s ? put_str(out, s) : 0;
	}
	if (code >= SC_F1 && code <= SC_F10)
		return put_str(out, fkeys[code - SC_F1]);
	if (code == SC_F11 || code == SC_F12)
		return put_str(out, fkeys[10 + (code - SC_F11)]);
	if (code == 0x0f && (st->lshift || st->rshift))
		return put_str(out, ESC "[Z");
	c = character(st, code);
	if (!c)
		return 0;
	if (alt)
		out[n++] = 0x1b;		/* meta: ESC before the character */
	out[n++] = c;
	return n;
}
