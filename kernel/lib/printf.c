/*
 * lib/printf.c — the formatter behind kprintf and snprintf.
 *
 * Pure and host-tested (tests/unit/test_printf.c). Output goes through a putc callback, so the
 * same code feeds the console, string buffers and the log. Supports the conversions listed in
 * keel/printf.h; an unknown conversion is printed literally, never skipped silently.
 */
#include <keel/printf.h>
#include <keel/string.h>

struct spec {
	bool left, zero, plus, space, alt;
	bool ptr;		/* %p: always 0x-prefixed, even for 0 */
	int width;
	int prec;		/* -1: none */
	int len;		/* 0 int, 1 long, 2 long long, -1 short, -2 char */
};

struct out {
	putc_fn fn;
	void *ctx;
	int count;
};

static void emit(struct out *o, char c)
{
	o->fn(o->ctx, c);
	o->count++;
}

static void emit_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		emit(o, c);
}

/* Digits of v in base, least significant first; returns how many. */
static int to_digits(char *buf, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		buf[n++] = digits[v % base];
		v /= base;
	} while (v);
	return n;
}

static void emit_number(struct out *o, const struct spec *s, uint64_t v, bool neg,
			unsigned base, bool upper)
{
	char digits[24];
	const char *prefix = "";
	int ndig, nzero, plen, total;

	ndig = (s->prec == 0 && v == 0) ? 0 : to_digits(digits, v, base, upper);
	nzero = s->prec > ndig ? s->prec - ndig : 0;
	if (neg)
		prefix = "-";
	else if (s->plus && base == 10)
		prefix = "+";
	else if (s->space && base == 10)
		prefix = " ";
	else if (s->alt && base == 16 && (v || s->ptr))
		prefix = upper ? "0X" : "0x";
	else if (s->alt && base == 8 && nzero == 0 && (v || ndig == 0))
		prefix = "0";
	plen = (int)strlen(prefix);
	total = plen + nzero + ndig;

	if (s->zero && !s->left && s->prec < 0 && s->width > total) {
		nzero += s->width - total;
		total = s->width;
	}
	if (!s->left)
		emit_pad(o, ' ', s->width - total);
	while (*prefix)
		emit(o, *prefix++);
	emit_pad(o, '0', nzero);
	while (ndig > 0)
		emit(o, digits[--ndig]);
	if (s->left)
		emit_pad(o, ' ', s->width - total);
}

static void emit_string(struct out *o, const struct spec *s, const char *str)
{
	int n;

	if (!str)
		str = "(null)";
	n = (int)strnlen(str, s->prec >= 0 ? (size_t)s->prec : SIZE_MAX);
	if (!s->left)
		emit_pad(o, ' ', s->width - n);
	for (int i = 0; i < n; i++)
		emit(o, str[i]);
	if (s->left)
		emit_pad(o, ' ', s->width - n);
}

/* Parses flags, width, precision and length at *fmt; advances it to the conversion char. */
static const char *parse_spec(const char *fmt, struct spec *s, va_list *ap)
{
	*s = (struct spec){ .prec = -1 };
	for (;; fmt++) {
		if (*fmt == '-') s->left = true;
		else if (*fmt == '0') s->zero = true;
		else if (*fmt == '+') s->plus = true;
		else if (*fmt == ' ') s->space = true;
		else if (*fmt == '#') s->alt = true;
		else break;
	}
	if (*fmt == '*') {
		s->width = va_arg(*ap, int);
		if (s->width < 0) {
			s->left = true;
			s->width = -s->width;
		}
		fmt++;
	}
	while (*fmt >= '0' && *fmt <= '9')
		s->width = s->width * 10 + (*fmt++ - '0');
	if (*fmt == '.') {
		fmt++;
		s->prec = 0;
		if (*fmt == '*') {
			s->prec = va_arg(*ap, int);
			if (s->prec < 0)
				s->prec = -1;
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			s->prec = s->prec * 10 + (*fmt++ - '0');
	}
	for (;; fmt++) {
		if (*fmt == 'l') s->len = s->len == 1 ? 2 : 1;
		else if (*fmt == 'h') s->len = s->len == -1 ? -2 : -1;
		else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') s->len = 1;
		else break;
	}
	return fmt;
}

static int64_t arg_signed(const struct spec *s, va_list *ap)
{
	switch (s->len) {
	case 2: return va_arg(*ap, long long);
	case 1: return va_arg(*ap, long);
	case -1: return (short)va_arg(*ap, int);
	case -2: return (signed char)va_arg(*ap, int);
	default: return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(const struct spec *s, va_list *ap)
{
	switch (s->len) {
	case 2: return va_arg(*ap, unsigned long long);
	case 1: return va_arg(*ap, unsigned long);
	case -1: return (unsigned short)va_arg(*ap, unsigned int);
	case -2: return (unsigned char)va_arg(*ap, unsigned int);
	default: return va_arg(*ap, unsigned int);
	}
}

static void convert(struct out *o, struct spec *s, char conv, va_list *ap)
{
	int64_t sv;

	switch (conv) {
	case 'd':
	case 'i':
		sv = arg_signed(s, ap);
		emit_number(o, s, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, sv < 0, 10, false);
		break;
	case 'u':
		s->plus = s->space = false;	/* signs are for signed conversions only */
		emit_number(o, s, arg_unsigned(s, ap), false, 10, false);
		break;
	case 'x': emit_number(o, s, arg_unsigned(s, ap), false, 16, false); break;
	case 'X': emit_number(o, s, arg_unsigned(s, ap), false, 16, true); break;
	case 'o': emit_number(o, s, arg_unsigned(s, ap), false, 8, false); break;
	case 'p':
		s->alt = s->ptr = true;
		s->len = 1;
		emit_number(o, s, (uintptr_t)va_arg(*ap, void *), false, 16, false);
		break;
	case 'c':			/* one byte, even NUL */
		if (!s->left)
			emit_pad(o, ' ', s->width - 1);
		emit(o, (char)va_arg(*ap, int));
		if (s->left)
			emit_pad(o, ' ', s->width - 1);
		break;
	case 's': emit_string(o, s, va_arg(*ap, const char *)); break;
	case '%': emit(o, '%'); break;
	default:
		emit(o, '%');
		if (conv)
			emit(o, conv);
		break;
	}
}

int kvformat(putc_fn fn, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { fn, ctx, 0 };
	struct spec s;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &s, &args);
		convert(&o, &s, *fmt, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	return o.count;
}

struct strbuf {
	char *buf;
	size_t size, pos;
};

static void strbuf_putc(void *ctx, char c)
{
	struct strbuf *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct strbuf b = { buf, size, 0 };
	int n = kvformat(strbuf_putc, &b, fmt, ap);

	if (size)
		buf[MIN(b.pos, size - 1)] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
