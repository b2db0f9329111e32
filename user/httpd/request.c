/*
 * user/httpd/request.c — the HTTP/1.1 request parser (RFC 9112).
 *
 * Strict where leniency lets requests be smuggled or misread: one SP between the three parts
 * of the request line, tokens for methods and header names, no blank before a header's colon,
 * no obsolete line folding, one Content-Length (repeated only with the same value), never both
 * Content-Length and Transfer-Encoding, and only "chunked" as a transfer coding. Bare LF ends
 * lines as well as CRLF (RFC 9112 §2.2 allows it). The parser keeps no state between calls: it
 * is given the connection's whole unparsed input each time and either takes one request from
 * its front or asks for more, so a request split across any number of reads parses the same.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"

bool http_token_char(int c)
{
	return c > 32 && c < 127 && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

const char *http_header(const struct request *r, const char *name)
{
	for (int i = 0; i < r->nhdr; i++)
		if (!strcasecmp(r->hdr[i].name, name))
			return r->hdr[i].value;
	return NULL;
}

/* The end of the head (just past its empty line) within in[0, len), or 0 if not there yet. */
static size_t head_end(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (in[i] != '\n')
			continue;
		if (i + 1 < len && in[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && in[i + 1] == '\r' && in[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes the path part of target into out; -1 on bad escapes, NUL or overflow. */
static int decode_path(const char *target, char *out, size_t n)
{
	size_t o = 0;

	for (const char *p = target; *p && *p != '?' && *p != '#'; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);

			if (lo < 0)
				return -1;
			c = hi << 4 | lo;
			p += 2;
		}
		if (c == 0 || o + 1 >= n)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

/* Splits "METHOD SP TARGET SP HTTP/1.x" in place; 0 or the status to answer. */
static int parse_request_line(char *line, struct request *r)
{
	char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

	if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1 || strchr(sp2 + 1, ' '))
		return 400;
	*sp1 = *sp2 = 0;
	for (char *p = line; *p; p++)
		if (!http_token_char((unsigned char)*p))
			return 400;
	r->method = line;
	r->target = sp1 + 1;
	for (const char *p = r->target; *p; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127)
			return 400;
	if (strncmp(sp2 + 1, "HTTP/", 5) || !isdigit((unsigned char)sp2[6]) || sp2[7] != '.' ||
	    !isdigit((unsigned char)sp2[8]) || sp2[9])
		return 400;
	if (sp2[6] != '1')
		return 505;
	r->minor = sp2[8] - '0';
	if (r->target[0] != '/')
		return 400;		/* absolute-form and authority-form are for proxies */
	if (decode_path(r->target, r->path, sizeof(r->path)))
		return 400;
	const char *q = strchr(r->target, '?');
	r->query = q ? q + 1 : "";
	return 0;
}

/* Parses one "Name: value" line in place into r->hdr; 0 or the status to answer. */
static int parse_header_line(char *line, struct request *r)
{
	char *colon = strchr(line, ':'), *v, *e;

	if (line[0] == ' ' || line[0] == '\t')
		return 400;		/* obsolete line folding */
	if (!colon || colon == line)
		return 400;
	*colon = 0;
	for (char *p = line; *p; p++)
		if (!http_token_char((unsigned char)*p))
			return 400;	/* includes a blank before the colon */
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = 0;
	for (char *p = v; *p; p++)
		if ((unsigned char)*p < 32 && *p != '\t')
			return 400;
	if (r->nhdr == HTTP_HEADERS_MAX)
		return 431;
	r->hdr[r->nhdr].name = line;
	r->hdr[r->nhdr++].value = v;
	return 0;
}

/* Reads the framing headers: Content-Length, Transfer-Encoding, Host, Connection. */
static int parse_framing(struct request *r)
{
	r->content_length = -1;
	for (int i = 0; i < r->nhdr; i++) {
		const char *n = r->hdr[i].name, *v = r->hdr[i].value;

		if (!strcasecmp(n, "Content-Length")) {
			char *end;
			long long cl;

			if (!isdigit((unsigned char)v[0]))
				return 400;
			cl = strtoll(v, &end, 10);
			if (*end || (r->content_length >= 0 && r->content_length != cl))
				return 400;
			r->content_length = cl;
		} else if (!strcasecmp(n, "Transfer-Encoding")) {
			if (strcasecmp(v, "chunked") || r->chunked)
				return 501;
			r->chunked = true;
		}
	}
	if (r->chunked && r->content_length >= 0)
		return 400;
	if (r->content_length > HTTP_BODY_MAX)
		return 413;
	if (r->minor >= 1 && !http_header(r, "Host"))
		return 400;
	const char *conn = http_header(r, "Connection");
	r->keep_alive = r->minor >= 1 ? !(conn && strcasestr(conn, "close"))
				      : (conn && strcasestr(conn, "keep-alive"));
	return 0;
}

/*
 * Decodes a chunked body starting at in[0, len) into body. Returns the bytes taken (through
 * the trailer's empty line), 0 for more, or -status.
 */
static long long dechunk(const char *in, size_t len, struct buf *body)
{
	size_t pos = 0;

	body->len = 0;
	for (;;) {
		const char *nl = memchr(in + pos, '\n', len - pos);
		unsigned long long size = 0;
		size_t i = pos;
		int digits = 0;

		if (!nl)
			return len - pos > 1024 ? -400 : 0;
		for (; hexval(in[i]) >= 0; i++, digits++) {
			size = size * 16 + hexval(in[i]);
			if (size > HTTP_BODY_MAX)
				return -413;
		}
		if (!digits || (in[i] != ';' && in[i] != '\r' && in[i] != '\n'))
			return -400;
		pos = nl - in + 1;
		if (size == 0)
			break;
		if (body->len + size > HTTP_BODY_MAX)
			return -413;
		if (len - pos < size + 1)
			return 0;
		buf_put(body, in + pos, size);
		pos += size;
		if (in[pos] == '\r')
			pos++;
		if (pos >= len)
			return 0;
		if (in[pos++] != '\n')
			return -400;
	}
	for (;;) {		/* trailer fields, ignored, up to the empty line */
		const char *nl = memchr(in + pos, '\n', len - pos);

		if (!nl)
			return len - pos > 4096 ? -431 : 0;
		size_t n = nl - (in + pos);
		pos = nl - in + 1;
		if (n == 0 || (n == 1 && in[pos - 2] == '\r'))
			return pos;
	}
}

/* Splits the head into lines and parses each; 0 or the status to answer. */
static int parse_head(struct request *r)
{
	char *line = r->head, *nl;
	int st;

	nl = strchr(line, '\n');
	*nl = 0;
	if (nl > line && nl[-1] == '\r')
		nl[-1] = 0;
	if (strlen(line) > HTTP_URI_MAX)
		return 414;
	if ((st = parse_request_line(line, r)))
		return st;
	for (line = nl + 1; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = 0;
		if (nl > line && nl[-1] == '\r')
			nl[-1] = 0;
		if (!*line)
			break;
		if ((st = parse_header_line(line, r)))
			return st;
	}
	return parse_framing(r);
}

/* Blank lines before a request line are ignored (RFC 9112 §2.2); how many bytes they are. */
static size_t leading_blank(const char *in, size_t len)
{
	size_t i = 0;

	while (i < len && (in[i] == '\r' || in[i] == '\n'))
		i++;
	return i;
}

enum parse_result http_parse(const char *in, size_t len, struct request *r, size_t *used,
			     int *status)
{
	size_t skip = leading_blank(in, len), end, hlen;
	int st;

	*used = skip;		/* blank lines may go even when the request is not complete */
	in += skip;
	len -= skip;
	const char *nl = memchr(in, '\n', len);
	size_t line = nl ? (size_t)(nl - in) : len;

	if (line > HTTP_URI_MAX + 1) {
		*status = 414;
		return PARSE_ERROR;
	}
	end = head_end(in, len);
	if (!end || end > HTTP_HEAD_MAX) {
		*status = 431;
		return len > HTTP_HEAD_MAX ? PARSE_ERROR : PARSE_MORE;
	}
	hlen = end;
	memcpy(r->head, in, hlen);
	r->head[hlen] = 0;
	r->nhdr = 0;
	r->chunked = false;
	r->user[0] = 0;
	r->body.len = 0;
	if (memchr(in, 0, hlen)) {
		*status = 400;
		return PARSE_ERROR;
	}
	if ((st = parse_head(r))) {
		*status = st;
		return PARSE_ERROR;
	}
	if (r->chunked) {
		long long n = dechunk(in + hlen, len - hlen, &r->body);

		if (n < 0) {
			*status = (int)-n;
			return PARSE_ERROR;
		}
		if (n == 0)
			return PARSE_MORE;
		*used = skip + hlen + n;
		return PARSE_DONE;
	}
	long long cl = r->content_length > 0 ? r->content_length : 0;
	if (len - hlen < (size_t)cl)
		return PARSE_MORE;
	buf_put(&r->body, in + hlen, cl);
	*used = skip + hlen + cl;
	return PARSE_DONE;
}
