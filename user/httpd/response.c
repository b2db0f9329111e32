/*
 * user/httpd/response.c — byte buffers, responses under construction, HTTP dates.
 *
 * A response is built (status, extra headers, a body or a file) and only then serialized by
 * main.c's http_send, which adds the framing headers every answer carries (Date, Server,
 * Content-Length, Connection), so no handler can forget them or get them wrong.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "json.h"

static bool buf_reserve(struct buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->err)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (!(p = realloc(b->p, cap))) {
		b->err = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void buf_free(struct buf *b)
{
	free(b->p);
	*b = (struct buf){ 0 };
}

void resp_init(struct response *rs, int status)
{
	buf_free(&rs->headers);
	buf_free(&rs->body);
	*rs = (struct response){ .status = status, .file_fd = -1 };
}

void resp_header(struct response *rs, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	buf_printf(&rs->headers, "%s\r\n", line);
}

void resp_json(struct response *rs, int status)
{
	rs->status = status;
	rs->type = "application/json";
}

/* {"error": why} with the status; the body is JSON everywhere, browsers show it fine. */
void resp_error(struct response *rs, int status, const char *why)
{
	rs->status = status;
	rs->body.len = 0;
	buf_puts(&rs->body, "{\"error\": ");
	json_string(&rs->body, why ? why : http_reason(status));
	buf_puts(&rs->body, "}\n");
	rs->type = "application/json";
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT". */
void http_date(char out[32], time_t t)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;

	char full[96];

	gmtime_r(&t, &tm);
	snprintf(full, sizeof(full), "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
		 days + 3 * tm.tm_wday, tm.tm_mday, months + 3 * tm.tm_mon, tm.tm_year + 1900,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
	snprintf(out, 32, "%.31s", full);
}

/* Parses an IMF-fixdate; 0, or -1 for anything else (the obsolete forms are not used). */
int http_parse_date(const char *s, time_t *t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char wd[4], mon[4], gmt[4];
	struct tm tm = { 0 };
	const char *m;

	if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d %3s", wd, &tm.tm_mday, mon, &tm.tm_year,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, gmt) != 8 || strcmp(gmt, "GMT"))
		return -1;
	if (strlen(mon) != 3 || !(m = strstr(months, mon)) || (m - months) % 3)
		return -1;
	tm.tm_mon = (int)(m - months) / 3;
	tm.tm_year -= 1900;
	*t = timegm(&tm);
	return *t == (time_t)-1 ? -1 : 0;
}
