/*
 * user/httpd/httpd.h — keel's HTTP/1.1 server: the types its parts share.
 *
 * One process, one epoll loop (main.c) over non-blocking sockets. A connection owns an input
 * buffer that request.c parses one request at a time and an output buffer that responses are
 * appended to in request order (pipelining needs nothing more: a request is answered before
 * the next one is parsed). A static file larger than a buffer streams from its fd, and parsing
 * waits until it is sent. /api/ goes through Digest authentication (digest.c) to the REST
 * routes (rest.c), which read /proc (sysinfo.c) and answer JSON (json.c). docs/httpd.md.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Limits, with the status each one answers. */
#define HTTP_URI_MAX	4096		/* request line longer: 414 */
#define HTTP_HEAD_MAX	16384		/* request line + headers longer: 431 */
#define HTTP_HEADERS_MAX 64		/* more header lines: 431 */
#define HTTP_BODY_MAX	65536		/* a longer body: 413 */
#define HTTP_OUT_HIGH	(256 * 1024)	/* stop parsing pipelined requests above this */
#define HTTP_IN_MAX	(HTTP_HEAD_MAX + HTTP_BODY_MAX + 65536)	/* stop reading above this */

/* A growable byte buffer; a failed allocation sets err and drops what it could not keep. */
struct buf {
	char *p;
	size_t len, cap;
	bool err;
};

void buf_put(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_consume(struct buf *b, size_t n);	/* drops the first n bytes */
void buf_free(struct buf *b);

struct header {
	const char *name, *value;	/* NUL-terminated, value without surrounding blanks */
};

/* A parsed request; every string points into the request's own copy of its head. */
struct request {
	char head[HTTP_HEAD_MAX + 1];
	const char *method, *target, *query;	/* query: after '?', or "" */
	char path[HTTP_URI_MAX + 1];		/* the target's path, percent-decoded */
	int minor;				/* HTTP/1.minor */
	struct header hdr[HTTP_HEADERS_MAX];
	int nhdr;
	bool keep_alive, chunked;
	long long content_length;		/* -1: none */
	struct buf body;
	char user[128];				/* the authenticated user, for the log */
};

/* What parsing the front of a connection's input gave. */
enum parse_result { PARSE_MORE, PARSE_DONE, PARSE_ERROR };

/*
 * Parses one request from the front of in (bytes [0, len)). PARSE_DONE fills r and sets
 * *used to the bytes it took (head and body); PARSE_ERROR sets *status to the answer (400,
 * 413, 414, 431, 501, 505); PARSE_MORE wants more bytes.
 */
enum parse_result http_parse(const char *in, size_t len, struct request *r, size_t *used,
			     int *status);
const char *http_header(const struct request *r, const char *name);
bool http_token_char(int c);

/* A response under construction; http_send appends it to the connection's output. */
struct response {
	int status;
	struct buf headers;		/* extra "Name: value\r\n" lines */
	struct buf body;
	const char *type;		/* Content-Type, or NULL */
	int file_fd;			/* >= 0: the body streams from here, file_size bytes */
	off_t file_size;
	bool close;			/* Connection: close after this response */
	bool head;			/* HEAD: the headers of the answer, no body */
};

struct conn;

void resp_init(struct response *rs, int status);
void resp_header(struct response *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void resp_error(struct response *rs, int status, const char *why);	/* a JSON or text body */
void resp_json(struct response *rs, int status);			/* body is already JSON */
const char *http_reason(int status);
void http_date(char out[32], time_t t);
int http_parse_date(const char *s, time_t *t);

/* Server configuration (main.c's flags). */
struct config {
	int port;
	const char *docroot, *authfile, *realm;
	int header_timeout, idle_timeout;	/* seconds */
	int nonce_lifetime;			/* seconds */
	int max_conns;
	const char *algorithms;			/* "SHA-256,MD5": offered, in order */
	bool quiet;				/* no access log */
	const char *user;			/* -u: who to run as after bind, or NULL */
};
extern struct config cfg;

/* Monotonic nanoseconds. */
int64_t now_ns(void);

/* Files (files.c): answers a GET (or HEAD) for a path under the document root. */
void files_open_root(void);
void files_serve(const struct request *r, struct response *rs);

/* Digest authentication (digest.c). True when the request is authenticated (r->user set);
 * otherwise rs holds the 401 (or 400) to send. */
void digest_init(void);
bool digest_check(struct request *r, struct response *rs);

/* REST (rest.c): the /api/ routes. */
void rest_handle(struct request *r, struct response *rs);

#endif
