/*
 * user/httpd/json.c — JSON strings out, one strict recursive-descent validator in.
 *
 * The validator accepts exactly RFC 8259 (no trailing commas, no comments, no leading zeros,
 * no raw control characters in strings, valid UTF-8, \u escapes with paired surrogates) with
 * nesting at most JSON_DEPTH deep, so a body can never make it recurse without bound.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"

#define JSON_DEPTH 32

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
		: s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;

	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;	/* overlong, surrogate, or past U+10FFFF */
	return n;
}

void json_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_put(b, "\"", 1);
	while (*p) {
		int n = utf8_len(p);

		if (!n) {
			buf_puts(b, "\\ufffd");
			p++;
		} else if (*p == '"' || *p == '\\') {
			buf_printf(b, "\\%c", *p++);
		} else if (*p < 0x20) {
			buf_printf(b, "\\u%04x", *p++);
		} else {
			buf_put(b, p, n);
			p += n;
		}
	}
	buf_put(b, "\"", 1);
}

struct parser {
	const char *p, *end;
	int depth;
};

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && strchr(" \t\r\n", *ps->p) && *ps->p)
		ps->p++;
}

static int hex4(const char *p, const char *end, unsigned *v)
{
	*v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

/* Appends code point cp as UTF-8 to out (bounded by outn; overflow truncates). */
static void put_utf8(char *out, size_t outn, size_t *o, unsigned cp)
{
	unsigned char u[4];
	int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

	if (n == 1)
		u[0] = (unsigned char)cp;
	else {
		for (int i = n - 1; i > 0; i--, cp >>= 6)
			u[i] = 0x80 | (cp & 0x3f);
		u[0] = (unsigned char)((0xf00 >> n) | cp);
	}
	for (int i = 0; i < n && out && *o + 1 < outn; i++)
		out[(*o)++] = (char)u[i];
}

/* A string at ps->p ('"'); unescaped into out when out is not NULL. */
static int parse_string(struct parser *ps, char *out, size_t outn)
{
	size_t o = 0;

	ps->p++;
	while (ps->p < ps->end && *ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;

		if (c < 0x20)
			return -1;
		if (c == '\\') {
			const char *e = ps->p + 1;
			unsigned cp, lo;

			if (e >= ps->end)
				return -1;
			if (*e == 'u') {
				if (hex4(e + 1, ps->end, &cp))
					return -1;
				ps->p = e + 5;
				if (cp >= 0xdc00 && cp < 0xe000)
					return -1;
				if (cp >= 0xd800 && cp < 0xdc00) {
					if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
					    hex4(ps->p + 2, ps->end, &lo) || lo < 0xdc00 || lo >= 0xe000)
						return -1;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					ps->p += 6;
				}
				put_utf8(out, outn, &o, cp);
				continue;
			}
			const char *esc = strchr("\"\\/bfnrt", *e), *to = "\"\\/\b\f\n\r\t";
			if (!esc || !*e)
				return -1;
			put_utf8(out, outn, &o, (unsigned char)to[esc - "\"\\/bfnrt"]);
			ps->p = e + 1;
			continue;
		}
		int n = utf8_len((const unsigned char *)ps->p);
		if (!n || ps->end - ps->p < n)
			return -1;
		for (int i = 0; i < n && out && o + 1 < outn; i++)
			out[o++] = ps->p[i];
		ps->p += n;
	}
	if (ps->p >= ps->end)
		return -1;
	ps->p++;
	if (out && outn)
		out[o < outn ? o : outn - 1] = 0;
	return 0;
}

static int parse_number(struct parser *ps)
{
	const char *p = ps->p;

	if (p < ps->end && *p == '-')
		p++;
	if (p >= ps->end)
		return -1;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	else
		return -1;
	if (p < ps->end && *p == '.') {
		if (++p >= ps->end || *p < '0' || *p > '9')
			return -1;
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		if (++p < ps->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= ps->end || *p < '0' || *p > '9')
			return -1;
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	}
	ps->p = p;
	return 0;
}

static int parse_value(struct parser *ps);

/* An object or array at ps->p; members named `name` at depth 1 are reported through want. */
struct want {
	const char *name;
	char *out;
	size_t outn;
	int kind;
};

static int parse_container(struct parser *ps, struct want *w)
{
	char close = *ps->p == '{' ? '}' : ']';
	bool first = true;

	if (++ps->depth > JSON_DEPTH)
		return -1;
	ps->p++;
	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end)
			return -1;
		if (*ps->p == close && first)
			break;
		if (!first) {
			if (*ps->p == close)
				break;
			if (*ps->p++ != ',')
				return -1;
			skip_ws(ps);
		}
		first = false;
		char key[64] = "";
		if (close == '}') {
			if (ps->p >= ps->end || *ps->p != '"' || parse_string(ps, key, sizeof(key)))
				return -1;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p++ != ':')
				return -1;
			skip_ws(ps);
		}
		const char *v = ps->p;
		if (ps->p >= ps->end || parse_value(ps))
			return -1;
		if (w && close == '}' && ps->depth == 1 && !strcmp(key, w->name)) {
			struct parser again = { v, ps->end, 0 };

			w->kind = *v == '"' ? JSON_STRING : (*v == '-' || (*v >= '0' && *v <= '9'))
				? JSON_NUMBER : JSON_OTHER;
			if (w->kind == JSON_STRING)
				parse_string(&again, w->out, w->outn);
			else if (w->kind == JSON_NUMBER)
				snprintf(w->out, w->outn, "%.*s", (int)(ps->p - v), v);
		}
	}
	ps->p++;
	ps->depth--;
	return 0;
}

static int parse_value(struct parser *ps)
{
	static const char *const words[] = { "true", "false", "null" };

	switch (*ps->p) {
	case '{': case '[':
		return parse_container(ps, NULL);
	case '"':
		return parse_string(ps, NULL, 0);
	}
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);

		if ((size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, words[i], n)) {
			ps->p += n;
			return 0;
		}
	}
	return parse_number(ps);
}

int json_member(const char *text, size_t n, const char *name, char *out, size_t outn)
{
	struct parser ps = { text, text + n, 0 };
	struct want w = { name, out, outn, JSON_NONE };

	skip_ws(&ps);
	if (ps.p >= ps.end || *ps.p != '{' || parse_container(&ps, &w))
		return -1;
	skip_ws(&ps);
	return ps.p == ps.end ? w.kind : -1;
}
