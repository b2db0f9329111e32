/*
 * user/bench/rows_httpd.c — keel's HTTP server (user/httpd, docs/httpd.md) under load, over
 * loopback, on whichever system runs the suite: the same /bin/httpd binary and the same client
 * on keel and on Linux. Each repetition starts a fresh httpd (outside the timed part) and
 * times n keep-alive requests spread over C connections: a small static file, and
 * /api/v1/system signed with Digest SHA-256 (the client signs each request with a new nc, so
 * the row includes the server's verification and its /proc reads). ns per request; requests
 * per second are 1e9 over it. The _p50/_p99 rows run the same load and report the median and
 * 99th-percentile request latency (send to last byte of the answer) of one repetition as its
 * "operation". The client's own SHA-256 work is the same on both systems.
 */
#include "bench.h"
#include "../httpd/digest_hash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORT		18080
#define MAX_CONNS	64
#define RESP_MAX	8192		/* the answers here are small; larger is a failure */
#define UP_WAIT_MS	5000
#define USERS_FILE	"/bench-httpd.digest"
#define USER		"bench"
#define REALM		"keel"
#define PASSWORD	"bench-password"
#define API_URI		"/api/v1/system"

#define LAT_MAX		4096		/* latencies kept per repetition (more are not sampled) */

struct client {
	int fd;
	size_t have;
	uint64_t sent_at;		/* TSC when its request in flight was sent */
	char in[RESP_MAX];
};

static uint64_t lat[LAT_MAX];
static long nlat;

static pid_t server = -1;
static char nonce[80], opaque[80];
static unsigned long nc;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The users file with USER's hashes (www's, when that user exists: httpd drops root for
 * it), lo up, and /proc where the API reads (Linux's bench
 * initramfs has none mounted). */
static const char *prepare(void)
{
	char a1[128], md5[65], sha[65], line[300];
	const char *why = bench_lo_up();
	struct passwd *pw;
	int fd;

	if (why)
		return why;
	if (access("/proc/uptime", R_OK) != 0 &&
	    ((mkdir("/proc", 0555) && errno != EEXIST) || mount("proc", "/proc", "proc", 0, NULL)))
		return fail_errno("mount /proc");
	snprintf(a1, sizeof(a1), "%s:%s:%s", USER, REALM, PASSWORD);
	digest_hash_hex(ALG_MD5, a1, md5);
	digest_hash_hex(ALG_SHA256, a1, sha);
	int len = snprintf(line, sizeof(line), "%s:%s:%s:%s\n", USER, REALM, md5, sha);
	if ((fd = open(USERS_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, line, len) != len || close(fd))
		return fail_errno(USERS_FILE);
	if ((pw = getpwnam("www")) && chown(USERS_FILE, pw->pw_uid, pw->pw_gid))
		return fail_errno("chown " USERS_FILE);	/* httpd reads it as www */
	return NULL;
}

static void stop_server(void)
{
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	server = -1;
}

/* A fresh /bin/httpd on PORT, answering; NULL or why not. */
static const char *start_server(void)
{
	const char *why = prepare();

	if (why)
		return why;
	if ((server = fork()) < 0)
		return fail_errno("fork");
	if (server == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {		/* its "listening" line would interleave the rows' */
			dup2(null, 1);
			dup2(null, 2);
		}
		execl("/bin/httpd", "httpd", "-p", "18080", "-r", "/www", "-a", USERS_FILE, "-q",
		      "-c", "256", "-k", "120", (char *)NULL);
		_exit(127);
	}
	for (int waited = 0; waited < UP_WAIT_MS; waited += 10) {
		int fd = bench_dial(SOCK_STREAM, PORT);

		if (fd >= 0) {
			close(fd);
			return NULL;
		}
		if (waitpid(server, NULL, WNOHANG) == server) {
			server = -1;
			return "httpd exited at start (is /bin/httpd and /www in the image?)";
		}
		sleep_ms(10);
	}
	stop_server();
	return "httpd did not answer within 5 s";
}

/* Length of the whole response at the front of in, 0 if incomplete, -1 if malformed. */
static long response_length(const char *in, size_t have)
{
	const char *end = memmem(in, have, "\r\n\r\n", 4), *cl;

	if (!end)
		return have >= RESP_MAX - 1 ? -1 : 0;
	cl = memmem(in, end - in, "\r\nContent-Length: ", 18);
	if (!cl)
		return -1;
	long total = (end + 4 - in) + atol(cl + 18);
	return total > RESP_MAX - 1 ? -1 : (long)have >= total ? total : 0;
}

/* The request to send next: the static file, or the API signed with the next nc. */
static int request(char *out, size_t size, bool api)
{
	char ha1[65], ha2[65], resp[65], s[512], ncs[9], cnonce[17];

	if (!api)
		return snprintf(out, size, "GET /style.css HTTP/1.1\r\nHost: bench\r\n\r\n");
	snprintf(ncs, sizeof(ncs), "%08lx", ++nc);
	snprintf(cnonce, sizeof(cnonce), "%016lx", nc * 2654435761UL);
	snprintf(s, sizeof(s), "%s:%s:%s", USER, REALM, PASSWORD);
	digest_hash_hex(ALG_SHA256, s, ha1);
	digest_hash_hex(ALG_SHA256, "GET:" API_URI, ha2);
	snprintf(s, sizeof(s), "%s:%s:%s:%s:auth:%s", ha1, nonce, ncs, cnonce, ha2);
	digest_hash_hex(ALG_SHA256, s, resp);
	return snprintf(out, size, "GET " API_URI " HTTP/1.1\r\nHost: bench\r\nAuthorization: "
			"Digest username=\"" USER "\", realm=\"" REALM "\", nonce=\"%s\", uri=\""
			API_URI "\", algorithm=SHA-256, qop=auth, nc=%s, cnonce=\"%s\", "
			"response=\"%s\", opaque=\"%s\"\r\n\r\n", nonce, ncs, cnonce, resp,
			opaque);
}

/* The quoted value of name="..." in s into out (size 80); false if absent or too long. */
static bool param(const char *s, const char *name, char out[80])
{
	char key[32];
	const char *p, *q;

	snprintf(key, sizeof(key), "%s=\"", name);
	if (!(p = strstr(s, key)) || !(q = strchr(p += strlen(key), '"')) || q - p >= 80)
		return false;
	memcpy(out, p, q - p);
	out[q - p] = 0;
	return true;
}

/* One unsigned API request: its 401's nonce and opaque. */
static const char *fetch_nonce(void)
{
	static const char ask[] = "GET " API_URI " HTTP/1.1\r\nHost: bench\r\n\r\n";
	char in[RESP_MAX] = "";
	size_t have = 0;
	ssize_t r;
	int fd = bench_dial(SOCK_STREAM, PORT);

	if (fd < 0 || send(fd, ask, sizeof(ask) - 1, MSG_NOSIGNAL) < 0)
		return fd < 0 ? fail_errno("connect") : fail_errno("send");
	while (response_length(in, have) == 0 &&
	       (r = recv(fd, in + have, sizeof(in) - 1 - have, 0)) > 0)
		in[have += r] = 0;
	close(fd);
	if (!param(in, "nonce", nonce) || !param(in, "opaque", opaque))
		return "no nonce or opaque in httpd's 401";
	nc = 0;
	return NULL;
}

static const char *send_next(struct client *c, bool api)
{
	char req[1024];
	int len = request(req, sizeof(req), api);

	c->sent_at = rdtsc();
	return send(c->fd, req, len, MSG_NOSIGNAL) == len ? NULL : fail_errno("send");
}

/* One readable connection: reads, and counts (and restarts) a finished response. */
static const char *on_readable(struct client *c, bool api, long *done, long *sent, long n)
{
	ssize_t r = recv(c->fd, c->in + c->have, sizeof(c->in) - 1 - c->have, 0);
	long len;

	if (r <= 0)
		return r == 0 ? "httpd closed a keep-alive connection" : fail_errno("recv");
	c->in[c->have += r] = 0;
	if ((len = response_length(c->in, c->have)) < 0)
		return fail("a malformed or oversized response: %.60s", c->in);
	if (len == 0)
		return NULL;
	if (strncmp(c->in, "HTTP/1.1 200", 12))
		return fail("httpd answered: %.40s", c->in);
	memmove(c->in, c->in + len, c->have - len);
	c->have -= len;
	if (nlat < LAT_MAX)
		lat[nlat++] = rdtsc() - c->sent_at;
	++*done;
	if (*sent < n && !time_up()) {
		++*sent;
		return send_next(c, api);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* n requests over nconn connections, each with one request in flight at a time. pct 0: the
 * time of them all; else one "operation" lasting the pct-th percentile latency. */
static const char *load(long *n, uint64_t *ticks, int nconn, bool api, int pct)
{
	static struct client cl[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS];
	const char *why = start_server();
	long sent = 0, done = 0;
	uint64_t t0;

	nlat = 0;
	if (!why && api)
		why = fetch_nonce();
	for (int i = 0; i < nconn && !why; i++) {
		cl[i] = (struct client){ .fd = bench_dial(SOCK_STREAM, PORT) };
		pfd[i] = (struct pollfd){ .fd = cl[i].fd, .events = POLLIN };
		if (cl[i].fd < 0)
			why = fail_errno("connect");
	}
	t0 = rdtsc();
	for (int i = 0; i < nconn && !why && sent < *n; i++, sent++)
		why = send_next(&cl[i], api);
	while (!why && done < sent) {
		if (poll(pfd, nconn, 10000) <= 0) {
			why = "no answer from httpd for 10 s";
			break;
		}
		for (int i = 0; i < nconn && !why; i++)
			if (pfd[i].revents)
				why = on_readable(&cl[i], api, &done, &sent, *n);
	}
	*ticks = rdtsc() - t0;
	*n = done;
	if (pct && !why && nlat > 0) {
		qsort(lat, nlat, sizeof(lat[0]), cmp_u64);
		*ticks = lat[(nlat - 1) * pct / 100];
		*n = 1;
	}
	for (int i = 0; i < nconn; i++)
		if (cl[i].fd >= 0)
			close(cl[i].fd);
	stop_server();
	return why;
}

#define ROW(name, conns, api, pct) \
	static const char *name(long *n, uint64_t *t) { return load(n, t, conns, api, pct); }
ROW(row_static_c1, 1, false, 0)
ROW(row_static_c16, 16, false, 0)
ROW(row_static_c64, 64, false, 0)
ROW(row_api_c1, 1, true, 0)
ROW(row_api_c16, 16, true, 0)
ROW(row_api_c64, 64, true, 0)
ROW(row_static_c16_p50, 16, false, 50)
ROW(row_static_c16_p99, 16, false, 99)
ROW(row_api_c16_p50, 16, true, 50)
ROW(row_api_c16_p99, 16, true, 99)

const struct bench_row bench_rows_httpd[] = {
	{ "httpd_static_c1", "httpd: GET a small file, 1 keep-alive connection", 1000, 1,
	  row_static_c1 },
	{ "httpd_static_c16", "httpd: GET a small file, 16 keep-alive connections", 2000, 1,
	  row_static_c16 },
	{ "httpd_static_c64", "httpd: GET a small file, 64 keep-alive connections", 2000, 1,
	  row_static_c64 },
	{ "httpd_api_c1", "httpd: GET /api/v1/system with Digest SHA-256, 1 connection", 500, 1,
	  row_api_c1 },
	{ "httpd_api_c16", "httpd: GET /api/v1/system with Digest SHA-256, 16 connections", 1000,
	  1, row_api_c16 },
	{ "httpd_api_c64", "httpd: GET /api/v1/system with Digest SHA-256, 64 connections", 1000,
	  1, row_api_c64 },
	{ "httpd_static_c16_p50", "httpd: median latency of the 16-connection small-file load",
	  2000, 1, row_static_c16_p50 },
	{ "httpd_static_c16_p99", "httpd: 99th-percentile latency, same load", 2000, 1,
	  row_static_c16_p99 },
	{ "httpd_api_c16_p50", "httpd: median latency of the 16-connection API + Digest load",
	  1000, 1, row_api_c16_p50 },
	{ "httpd_api_c16_p99", "httpd: 99th-percentile latency, same load", 1000, 1,
	  row_api_c16_p99 },
	{ 0 }
};
