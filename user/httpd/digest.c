/*
 * user/httpd/digest.c — HTTP Digest authentication (RFC 7616), SHA-256 and MD5, qop=auth.
 *
 * Nonces are stateless: hex(time || 8 random bytes || HMAC-SHA-256(secret, time || random)
 * cut to 16 bytes), the secret made at start. A nonce whose MAC fails is refused; one older
 * than the lifetime is answered 401 with stale=true, so the client retries with a fresh one
 * without asking the user again. Replay protection keeps, per nonce in use, the highest nc
 * seen and a 64-bit window below it: an nc seen before (or older than the window) is 401.
 * The table is small; when full the oldest nonce goes and every nonce not newer than it is
 * treated as stale from then on, so eviction can never make a replay succeed.
 * Responses are compared in constant time. Credentials: one line per user,
 * `user:realm:HA1-MD5[:HA1-SHA-256]` (htdigest's format plus a field), reread when it changes.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "crypto/hmac.h"
#include "crypto/md5.h"
#include "crypto/sha256.h"
#include "digest_hash.h"
#include "httpd.h"

#define USERS_MAX	64
#define WINDOW_MAX	512

struct user {
	char name[64], realm[64], ha1[2][65];	/* [ALG_MD5], [ALG_SHA256], lowercase hex */
};

struct seen {
	uint64_t ts, rnd, max_nc, bits;		/* bit i: max_nc - i was used */
	bool used;
};

static struct user users[USERS_MAX];
static int nusers;
static struct stat users_st;
static uint8_t secret[32];
static char opaque[33];
static struct seen window[WINDOW_MAX];
static uint64_t evicted_ts;

static void tohex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* Rereads the credentials file when its size or time changed; bad lines are skipped. */
static void users_load(void)
{
	struct stat st;
	char line[512];
	FILE *f;

	if (stat(cfg.authfile, &st)) {
		nusers = 0;
		return;
	}
	if (st.st_mtim.tv_sec == users_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == users_st.st_mtim.tv_nsec && st.st_size == users_st.st_size &&
	    st.st_ino == users_st.st_ino)
		return;
	users_st = st;
	nusers = 0;
	if (!(f = fopen(cfg.authfile, "re")))
		return;
	while (nusers < USERS_MAX && fgets(line, sizeof(line), f)) {
		struct user *u = &users[nusers];
		char *f1, *f2, *f3, *f4, *save;

		line[strcspn(line, "\r\n")] = 0;
		f1 = strtok_r(line, ":", &save);
		f2 = strtok_r(NULL, ":", &save);
		f3 = strtok_r(NULL, ":", &save);
		f4 = strtok_r(NULL, ":", &save);
		if (!f1 || !f2 || !f3 || strlen(f3) != 32 || (f4 && strlen(f4) != 64) ||
		    strlen(f1) >= sizeof(u->name) || strlen(f2) >= sizeof(u->realm))
			continue;
		strcpy(u->name, f1);
		strcpy(u->realm, f2);
		strcpy(u->ha1[ALG_MD5], f3);
		strcpy(u->ha1[ALG_SHA256], f4 ? f4 : "");
		for (char *p = u->ha1[0]; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (char *p = u->ha1[1]; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		nusers++;
	}
	fclose(f);
}

void digest_init(void)
{
	uint8_t o[SHA256_DIGEST];

	if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret)) {
		perror("httpd: getrandom");
		exit(1);
	}
	hmac_sha256(secret, sizeof(secret), "opaque", 6, o);
	tohex(o, 16, opaque);
	users_load();
	if (!nusers)
		fprintf(stderr, "httpd: no users in %s: /api answers 401 to everyone\n",
			cfg.authfile);
}

/* ---- nonces ---- */

static void nonce_mac(uint64_t ts, uint64_t rnd, uint8_t mac[16])
{
	uint8_t msg[16], full[SHA256_DIGEST];

	memcpy(msg, &ts, 8);
	memcpy(msg + 8, &rnd, 8);
	hmac_sha256(secret, sizeof(secret), msg, sizeof(msg), full);
	memcpy(mac, full, 16);
}

static void nonce_make(char out[65])
{
	uint64_t ts = (uint64_t)time(NULL), rnd;
	uint8_t raw[32];

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint64_t)now_ns();
	memcpy(raw, &ts, 8);
	memcpy(raw + 8, &rnd, 8);
	nonce_mac(ts, rnd, raw + 16);
	tohex(raw, sizeof(raw), out);
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return s[2 * n] ? -1 : 0;
}

enum nonce_state { NONCE_BAD, NONCE_STALE, NONCE_OK };

/* Checks a nonce's MAC and age; its time and random part go to *ts, *rnd. */
static enum nonce_state nonce_check(const char *nonce, uint64_t *ts, uint64_t *rnd)
{
	uint8_t raw[32], mac[16];
	char hexmac[33], want[33];

	if (unhex(nonce, raw, sizeof(raw)))
		return NONCE_BAD;
	memcpy(ts, raw, 8);
	memcpy(rnd, raw + 8, 8);
	nonce_mac(*ts, *rnd, mac);
	tohex(mac, 16, want);
	tohex(raw + 16, 16, hexmac);
	if (!digest_equal(hexmac, want))
		return NONCE_BAD;
	uint64_t now = (uint64_t)time(NULL);
	if (*ts > now + 1 || now - *ts > (uint64_t)cfg.nonce_lifetime || *ts <= evicted_ts)
		return NONCE_STALE;
	return NONCE_OK;
}

/* Records nc for the nonce; false if it was used before (a replay). */
static bool window_take(uint64_t ts, uint64_t rnd, uint64_t nc)
{
	struct seen *e = NULL, *oldest = &window[0];

	for (int i = 0; i < WINDOW_MAX && !e; i++) {
		if (window[i].used && window[i].ts == ts && window[i].rnd == rnd)
			e = &window[i];
		else if (!window[i].used || (oldest->used && window[i].ts < oldest->ts))
			oldest = &window[i];
	}
	if (!e) {
		if (oldest->used && oldest->ts > evicted_ts)
			evicted_ts = oldest->ts;
		*oldest = (struct seen){ ts, rnd, nc, 1, true };
		return true;
	}
	if (nc > e->max_nc) {
		uint64_t shift = nc - e->max_nc;

		e->bits = shift >= 64 ? 0 : e->bits << shift;
		e->bits |= 1;
		e->max_nc = nc;
		return true;
	}
	uint64_t back = e->max_nc - nc;
	if (back >= 64 || (e->bits >> back & 1))
		return false;
	e->bits |= 1ull << back;
	return true;
}

/* ---- the Authorization header ---- */

struct credentials {
	char username[256], realm[128], nonce[80], uri[HTTP_URI_MAX + 1], response[80];
	char algorithm[16], cnonce[128], opaque[80], qop[16], nc[16], userhash[8];
};

/* The field for a parameter name, with its size; NULL for names Digest does not know. */
static char *cred_field(struct credentials *c, const char *name, size_t *n)
{
	static const struct { const char *name; size_t off, size; } fields[] = {
#define F(x) { #x, offsetof(struct credentials, x), sizeof(((struct credentials *)0)->x) }
		F(username), F(realm), F(nonce), F(uri), F(response), F(algorithm), F(cnonce),
		F(opaque), F(qop), F(nc), F(userhash),
#undef F
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcasecmp(name, fields[i].name)) {
			*n = fields[i].size;
			return (char *)c + fields[i].off;
		}
	return NULL;
}

/* Parses `Digest k=v, k="v"...`; 0, or -1 when malformed (a value too long is malformed). */
static int parse_credentials(const char *h, struct credentials *c)
{
	const char *p = h + 6;

	memset(c, 0, sizeof(*c));
	for (;;) {
		char name[32], *out;
		size_t n = 0, size;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			return 0;
		while (http_token_char((unsigned char)*p) && *p != '=' && n + 1 < sizeof(name))
			name[n++] = *p++;
		name[n] = 0;
		while (*p == ' ')
			p++;
		if (!n || *p++ != '=')
			return -1;
		while (*p == ' ')
			p++;
		char scratch[8];
		out = cred_field(c, name, &size);
		if (!out) {
			out = scratch;	/* unknown parameters are skipped (RFC 7616 §3.4) */
			size = sizeof(scratch);
		}
		n = 0;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				if (n + 1 >= size && out != scratch)
					return -1;
				if (n + 1 < size)
					out[n++] = *p;
			}
			if (*p++ != '"')
				return -1;
		} else {
			for (; http_token_char((unsigned char)*p); p++) {
				if (n + 1 >= size && out != scratch)
					return -1;
				if (n + 1 < size)
					out[n++] = *p;
			}
		}
		out[n] = 0;
		if (*p && *p != ',' && *p != ' ' && *p != '\t')
			return -1;
	}
}

/* The user the credentials name (userhash: H(user:realm) in place of the name), or NULL. */
static const struct user *find_user(const struct credentials *c, int alg)
{
	bool hashed = !strcasecmp(c->userhash, "true");
	const struct user *found = NULL;

	users_load();
	for (int i = 0; i < nusers; i++) {
		const struct user *u = &users[i];
		char h[65], both[200];

		if (strcmp(u->realm, cfg.realm))
			continue;
		if (hashed) {
			snprintf(both, sizeof(both), "%s:%s", u->name, u->realm);
			digest_hash_hex(alg, both, h);
		}
		if (digest_equal(hashed ? h : u->name, c->username))
			found = u;
	}
	return found && found->ha1[alg][0] ? found : NULL;
}

/* response = H(HA1:nonce:nc:cnonce:qop:H(method:uri)); rspauth has an empty method. */
static void expected(int alg, const char *ha1, const struct credentials *c,
		     const char *method, char out[65])
{
	char a2[HTTP_URI_MAX + 64], ha2[65], all[512];

	snprintf(a2, sizeof(a2), "%s:%s", method, c->uri);
	digest_hash_hex(alg, a2, ha2);
	snprintf(all, sizeof(all), "%s:%s:%s:%s:%s:%s", ha1, c->nonce, c->nc, c->cnonce, c->qop,
		 ha2);
	digest_hash_hex(alg, all, out);
}

/* A 401 with one challenge per offered algorithm, all with the same nonce. */
static void challenge(struct request *r, struct response *rs, bool stale, const char *why)
{
	const char *hname = http_header(r, "X-NeedAuthenticationHack") ? "X-WWW-Authenticate"
								      : "WWW-Authenticate";
	char nonce[65], algs[64], *save;

	nonce_make(nonce);
	snprintf(algs, sizeof(algs), "%s", cfg.algorithms);
	for (char *a = strtok_r(algs, ",", &save); a; a = strtok_r(NULL, ",", &save))
		resp_header(rs, "%s: Digest realm=\"%s\", qop=\"auth\", algorithm=%s, "
			    "nonce=\"%s\", opaque=\"%s\", charset=UTF-8, userhash=true%s", hname,
			    cfg.realm, a, nonce, opaque, stale ? ", stale=true" : "");
	resp_error(rs, 401, why);
}

/* Whether alg is among the offered algorithms. */
static bool offered(int alg)
{
	char algs[64], *save;

	snprintf(algs, sizeof(algs), "%s", cfg.algorithms);
	for (char *a = strtok_r(algs, ",", &save); a; a = strtok_r(NULL, ",", &save))
		if (digest_alg(a) == alg)
			return true;
	return false;
}

bool digest_check(struct request *r, struct response *rs)
{
	const char *h = http_header(r, "Authorization");
	static struct credentials c;
	uint64_t ts = 0, rnd = 0;
	char want[65], *end;
	int alg;

	if (!h || strncasecmp(h, "Digest ", 7)) {
		challenge(r, rs, false, "authentication required");
		return false;
	}
	if (parse_credentials(h, &c) || !c.username[0] || !c.nonce[0] || !c.response[0] ||
	    strcmp(c.qop, "auth") || strlen(c.nc) != 8 || !c.cnonce[0]) {
		resp_error(rs, 400, "malformed Digest credentials");
		return false;
	}
	uint64_t nc = strtoull(c.nc, &end, 16);
	alg = digest_alg(c.algorithm[0] ? c.algorithm : "MD5");
	if (*end || nc == 0 || strcmp(c.uri, r->target)) {
		resp_error(rs, 400, "Digest uri or nc does not match the request");
		return false;
	}
	if (alg < 0 || !offered(alg) || strcmp(c.realm, cfg.realm) || strcmp(c.opaque, opaque)) {
		challenge(r, rs, false, "unsupported algorithm, realm or opaque");
		return false;
	}
	enum nonce_state ns = nonce_check(c.nonce, &ts, &rnd);
	const struct user *u = find_user(&c, alg);
	if (ns == NONCE_BAD || !u) {
		challenge(r, rs, false, "wrong user name or password");
		return false;
	}
	expected(alg, u->ha1[alg], &c, r->method, want);
	if (!digest_equal(want, c.response)) {
		challenge(r, rs, false, "wrong user name or password");
		return false;
	}
	if (ns == NONCE_STALE) {
		challenge(r, rs, true, "nonce expired");
		return false;
	}
	if (!window_take(ts, rnd, nc)) {
		challenge(r, rs, false, "nonce count used before (replay)");
		return false;
	}
	expected(alg, u->ha1[alg], &c, "", want);
	resp_header(rs, "Authentication-Info: qop=auth, rspauth=\"%s\", cnonce=\"%s\", nc=%s",
		    want, c.cnonce, c.nc);
	snprintf(r->user, sizeof(r->user), "%s", u->name);
	return true;
}
