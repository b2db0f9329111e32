/*
 * user/httpd/main.c — httpd: flags, the listening socket, the epoll loop, connections.
 *
 *   httpd [-p PORT] [-r DOCROOT] [-a AUTHFILE] [-R REALM] [-A ALGS] [-t SECONDS]
 *         [-k SECONDS] [-n SECONDS] [-c MAXCONNS] [-q] [-u USER]
 *
 * Defaults: port 80, /www, /etc/httpd.digest, realm "keel", algorithms "SHA-256,MD5" (offered
 * in that order), 10 s to send a request's head and body (-t; then 408 and close: slowloris),
 * 15 s idle between keep-alive requests (-k), nonces live 300 s (-n), 256 connections (-c;
 * one more is answered 503 and closed). An access log line per request goes to stdout (-q:
 * none). The loop is level-triggered: a connection is watched for input while it may parse
 * more, and for output while it has bytes or a file to send.
 * Started as root, it binds its port and then becomes USER (-u; default "www" when
 * /etc/passwd has it; -u root keeps root): supplementary groups dropped, then its gid and
 * uid. It must still be able to read DOCROOT and AUTHFILE then. Not started as root (the
 * host's test run), there is nothing to drop.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

struct config cfg = {
	.port = 80, .docroot = "/www", .authfile = "/etc/httpd.digest", .realm = "keel",
	.header_timeout = 10, .idle_timeout = 15, .nonce_lifetime = 300, .max_conns = 256,
	.algorithms = "SHA-256,MD5",
};

struct conn {
	int fd;
	struct buf in, out;
	int file_fd;			/* >= 0: body bytes still to stream after out */
	off_t file_left;
	bool closing;			/* answered for the last time: send out, then close */
	bool lingering;			/* write side shut: drain input until EOF or deadline */
	bool eof;			/* the peer sent FIN: answer what came, then close */
	uint32_t events;		/* what epoll watches for */
	int64_t deadline;		/* ns: 408 (request started), close (idle), or linger end */
	bool started;			/* bytes of an unanswered request have arrived */
	char peer[INET_ADDRSTRLEN + 8];
	struct conn *next, *prev;	/* all connections, for the timeout sweep */
};

static int ep, nconns;
static struct conn *conns;
static struct request req;	/* one at a time: the loop is single-threaded */

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void conn_free(struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->file_fd >= 0)
		close(c->file_fd);
	buf_free(&c->in);
	buf_free(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	nconns--;
	free(c);
}

/* Common Log Format: peer - user [date] "request line" status bytes. */
static void access_log(const struct conn *c, const struct request *r, int status, long long n)
{
	char date[64];
	time_t t = time(NULL);
	struct tm tm;

	if (cfg.quiet)
		return;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	printf("%s - %s [%s] \"%s %.200s HTTP/1.%d\" %d %lld\n", c->peer,
	       r && r->user[0] ? r->user : "-", date, r && r->method ? r->method : "-",
	       r && r->target ? r->target : "-", r ? r->minor : 1, status, n);
	fflush(stdout);
}

/* Serializes rs onto c's output (with the framing headers) and takes its file. */
static void http_send(struct conn *c, struct response *rs, const struct request *r)
{
	char date[32];
	bool bodyless = rs->status == 304 || rs->status == 204 || rs->status < 200;
	long long len = rs->file_fd >= 0 ? (long long)rs->file_size : (long long)rs->body.len;

	if (rs->headers.err || rs->body.err) {
		resp_init(rs, 500);
		resp_error(rs, 500, "out of memory");
		rs->close = true;
		len = (long long)rs->body.len;
	}
	http_date(date, time(NULL));
	buf_printf(&c->out, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: keel-httpd\r\n", rs->status,
		   http_reason(rs->status), date);
	if (rs->type)
		buf_printf(&c->out, "Content-Type: %s\r\n", rs->type);
	if (!bodyless)
		buf_printf(&c->out, "Content-Length: %lld\r\n", len);
	if (rs->close)
		buf_puts(&c->out, "Connection: close\r\n");
	else if (r && r->minor == 0)
		buf_puts(&c->out, "Connection: keep-alive\r\n");
	buf_put(&c->out, rs->headers.p ? rs->headers.p : "", rs->headers.len);
	buf_puts(&c->out, "\r\n");
	if (!rs->head && !bodyless)
		buf_put(&c->out, rs->body.p ? rs->body.p : "", rs->body.len);
	if (rs->file_fd >= 0 && !rs->head && !bodyless) {
		c->file_fd = rs->file_fd;
		c->file_left = rs->file_size;
	} else if (rs->file_fd >= 0) {
		close(rs->file_fd);
	}
	rs->file_fd = -1;
	if (rs->close)
		c->closing = true;
	access_log(c, r, rs->status, bodyless || rs->head ? 0 : len);
}

/* Answers one parsed request. */
static void handle(struct conn *c, struct request *r, struct response *rs)
{
	bool head = !strcmp(r->method, "HEAD");

	rs->head = head;
	rs->close = !r->keep_alive;
	if (!strncmp(r->path, "/api/", 5) || !strcmp(r->path, "/api")) {
		if (digest_check(r, rs))
			rest_handle(r, rs);
	} else if (!strcmp(r->method, "GET") || head) {
		files_serve(r, rs);
	} else {
		resp_header(rs, "Allow: GET, HEAD");
		resp_error(rs, 405, "static files answer GET and HEAD");
	}
	if (rs->status == 400 || rs->status == 413)
		rs->close = true;
	http_send(c, rs, r);
}

/* An error answer that ends the connection (the request could not be framed). */
static void send_fatal(struct conn *c, int status, const char *why)
{
	static struct response rs;

	resp_init(&rs, status);
	resp_error(&rs, status, why);
	rs.close = true;
	http_send(c, &rs, NULL);
}

/* Parses and answers the requests waiting in c->in, in order, while output has room. */
static void conn_process(struct conn *c)
{
	static struct response rs;
	bool answered = false;

	while (!c->closing && c->file_fd < 0 && c->out.len < HTTP_OUT_HIGH && c->in.len) {
		size_t used = 0;
		int status = 400;
		enum parse_result pr = http_parse(c->in.p, c->in.len, &req, &used, &status);

		if (pr == PARSE_MORE) {
			buf_consume(&c->in, used);
			break;
		}
		if (pr == PARSE_ERROR) {
			send_fatal(c, status, NULL);
			break;
		}
		buf_consume(&c->in, used);
		resp_init(&rs, 200);
		handle(c, &req, &rs);
		answered = true;
	}
	/* A request's time runs from its first byte; the idle time from the last answer. */
	if (c->in.len == 0)
		c->started = false;
	if (c->in.len == 0 && (answered || !c->deadline))
		c->deadline = now_ns() + (int64_t)cfg.idle_timeout * 1000000000;
	else if (c->in.len && (answered || !c->started)) {
		c->started = true;
		c->deadline = now_ns() + (int64_t)cfg.header_timeout * 1000000000;
	}
}

/* Input is watched until EOF and while it is under the cap; output while there is some. */
static void conn_watch(struct conn *c)
{
	bool out = c->out.len || c->file_fd >= 0;
	uint32_t want = (!c->eof && c->in.len <= HTTP_IN_MAX ? EPOLLIN | EPOLLRDHUP : 0) |
			(out ? EPOLLOUT : 0);
	struct epoll_event ev = { .events = want, .data.ptr = c };

	if (want != c->events && epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

/* Sends what is queued, refilling from the file; -1 when the connection is gone. */
static int conn_flush(struct conn *c)
{
	for (;;) {
		if (!c->out.len && c->file_fd >= 0) {
			char chunk[65536];
			ssize_t n = read(c->file_fd, chunk,
					 c->file_left < (off_t)sizeof(chunk) ? (size_t)c->file_left
									     : sizeof(chunk));

			if (n <= 0)
				return -1;	/* the file shrank: the length we sent is a lie */
			buf_put(&c->out, chunk, (size_t)n);
			if ((c->file_left -= n) == 0) {
				close(c->file_fd);
				c->file_fd = -1;
			}
		}
		if (!c->out.len)
			return 0;
		ssize_t n = send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		buf_consume(&c->out, (size_t)n);
		c->deadline = now_ns() + (int64_t)cfg.idle_timeout * 1000000000;
	}
}

/* After the last answer: shut our side, then read until the peer closes (or the deadline),
 * so unread input does not turn our close into a reset that destroys the answer. */
static void conn_linger(struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	c->lingering = true;
	c->deadline = now_ns() + 2000000000LL;
}

/* Reads what has arrived; -1 on a connection error. EOF sets c->eof. */
static int conn_read(struct conn *c)
{
	char chunk[16384];
	ssize_t n;

	while (c->in.len <= HTTP_IN_MAX && (n = recv(c->fd, chunk, sizeof(chunk), 0)) > 0)
		if (!c->lingering)
			buf_put(&c->in, chunk, (size_t)n);
	if (c->in.len > HTTP_IN_MAX)
		return 0;
	if (n == 0)
		c->eof = true;
	return n < 0 && errno != EAGAIN && errno != EINTR ? -1 : 0;
}

static void conn_event(struct conn *c, uint32_t events)
{
	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && conn_read(c))
		goto gone;
	if (c->lingering) {
		if (c->eof)
			goto gone;
		conn_watch(c);
		return;
	}
	/* Answer, send, and go on with pipelined requests while the output drains at once. */
	while (!c->closing && !c->out.len && c->file_fd < 0) {
		size_t before = c->in.len;

		conn_process(c);
		if (conn_flush(c))
			goto gone;
		if (c->in.len == before)
			break;		/* nothing complete was waiting */
	}
	if (conn_flush(c))
		goto gone;
	if (!c->out.len && c->file_fd < 0) {
		if (c->eof)
			goto gone;		/* what is left is a request that will not end */
		if (c->closing)
			conn_linger(c);
	}
	conn_watch(c);
	return;
gone:
	conn_free(c);
}

/* Refuses one connection over the cap with a 503 it may or may not read. */
static void refuse(int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
				   "Content-Type: application/json\r\nContent-Length: 33\r\n"
				   "Connection: close\r\n\r\n{\"error\": \"too many connections\"}";

	send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void accept_all(int lfd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, one = 1;

	while ((fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct conn *c;

		if (nconns >= cfg.max_conns || !(c = calloc(1, sizeof(*c)))) {
			refuse(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->file_fd = -1;
		inet_ntop(AF_INET, &sa.sin_addr, c->peer, sizeof(c->peer));
		c->deadline = now_ns() + (int64_t)cfg.idle_timeout * 1000000000;
		c->events = EPOLLIN | EPOLLRDHUP;
		struct epoll_event ev = { .events = c->events, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = conns;
		if (conns)
			conns->prev = c;
		conns = c;
		nconns++;
		len = sizeof(sa);
	}
}

/* Ends connections past their deadline: a started request gets its 408. */
static void sweep(void)
{
	int64_t now = now_ns();

	for (struct conn *c = conns, *next; c; c = next) {
		next = c->next;
		if (now < c->deadline)
			continue;
		if (c->started && !c->closing && !c->lingering) {
			send_fatal(c, 408, "the request took too long");
			c->started = false;
			if (conn_flush(c) == 0 && !c->out.len) {
				conn_linger(c);
				conn_watch(c);
				continue;
			}
		}
		conn_free(c);
	}
}

static int listen_on(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: httpd [-p PORT] [-r DOCROOT] [-a AUTHFILE] [-R REALM] "
		"[-A SHA-256,MD5] [-t SECONDS] [-k SECONDS] [-n SECONDS] [-c MAXCONNS] [-q] "
		"[-u USER]\n");
	exit(2);
}

/* A positive number for flag f, or usage. */
static int number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v <= 0 || v > 1000000)
		usage();
	return (int)v;
}

static void parse_flags(int argc, char **argv)
{
	int o;

	while ((o = getopt(argc, argv, "p:r:a:R:A:t:k:n:c:qu:")) != -1)
		switch (o) {
		case 'p': cfg.port = number(optarg); break;
		case 'r': cfg.docroot = optarg; break;
		case 'a': cfg.authfile = optarg; break;
		case 'R': cfg.realm = optarg; break;
		case 'A': cfg.algorithms = optarg; break;
		case 't': cfg.header_timeout = number(optarg); break;
		case 'k': cfg.idle_timeout = number(optarg); break;
		case 'n': cfg.nonce_lifetime = number(optarg); break;
		case 'c': cfg.max_conns = number(optarg); break;
		case 'q': cfg.quiet = true; break;
		case 'u': cfg.user = optarg; break;
		default: usage();
		}
	if (optind != argc || cfg.port > 65535 || strlen(cfg.realm) > 60 ||
	    strpbrk(cfg.realm, "\"\\:"))
		usage();
}

/* After bind: root becomes cfg.user (or "www" if it exists); false when that fails. */
static bool drop_root(void)
{
	const char *name = cfg.user ? cfg.user : "www";
	struct passwd *pw;

	if (geteuid() != 0 || strcmp(name, "root") == 0)
		return true;
	if (!(pw = getpwnam(name))) {
		if (cfg.user)
			fprintf(stderr, "httpd: no user %s\n", name);
		return !cfg.user;
	}
	if (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		fprintf(stderr, "httpd: becoming %s: %s\n", name, strerror(errno));
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct epoll_event evs[64];
	int lfd;

	parse_flags(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = listen_on(cfg.port)) < 0 || (ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		fprintf(stderr, "httpd: port %d: %s\n", cfg.port, strerror(errno));
		return 1;
	}
	if (!drop_root())
		return 1;
	files_open_root();
	digest_init();
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
	printf("httpd: listening on port %d, serving %s, users from %s (realm %s)\n", cfg.port,
	       cfg.docroot, cfg.authfile, cfg.realm);
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, 500);

		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				accept_all(lfd);
			else
				conn_event(evs[i].data.ptr, evs[i].events);
		}
		sweep();
	}
}
