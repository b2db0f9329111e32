/*
 * user/lib/crypto/sumtool.c — sha256sum and md5sum, compatible with GNU coreutils 9:
 *   PROG [-b|-t] [FILE...]      "HASH  NAME" per file ("HASH *NAME" with -b); no FILE or "-"
 *                               is standard input; a NAME holding '\' or a newline is written
 *                               with those as "\\" and "\n" and the line starts with '\'
 *   PROG -c [--status|--quiet|-w|--strict] [FILE...]
 *                               reads such lines, prints "NAME: OK" / "NAME: FAILED" /
 *                               "NAME: FAILED open or read" (a name with a newline escaped as
 *                               above), then the WARNING counts on stderr
 * Exit status 0 when every file was read (and in -c mode every listed file matched), else 1.
 * Not supported: the BSD "--tag" format, --zero, --ignore-missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sumtool.h"

#define MAXDIGEST 64

struct opts {
	int check, status, quiet, warn, strict, binary;
};

/* Hashes the file name ("-" is stdin) into out; 0, or -1 with errno set. */
static int hash_file(const struct sum_algo *a, const char *name, uint8_t *out)
{
	static uint8_t buf[1 << 16];
	uint8_t ctx[512] __attribute__((aligned(16)));
	int fd = strcmp(name, "-") == 0 ? 0 : open(name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	a->init(ctx);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			if (fd)
				close(fd);
			errno = e;
			return -1;
		}
		a->update(ctx, buf, (size_t)n);
	}
	a->final(ctx, out);
	if (fd)
		close(fd);
	return 0;
}

/* Prints name with '\' and newline escaped (the caller wrote the leading '\'). */
static void put_name(const char *name, int escape)
{
	for (const char *p = name; *p; p++) {
		if (escape && *p == '\\')
			fputs("\\\\", stdout);
		else if (escape && *p == '\n')
			fputs("\\n", stdout);
		else
			putchar(*p);
	}
}

static int needs_escape(const char *name)
{
	return strchr(name, '\\') || strchr(name, '\n');
}

static int generate(const struct sum_algo *a, const struct opts *o, const char *name)
{
	uint8_t d[MAXDIGEST];
	int esc = needs_escape(name);

	if (hash_file(a, name, d) < 0) {
		fprintf(stderr, "%s: %s: %s\n", a->prog, name, strerror(errno));
		return 1;
	}
	if (esc)
		putchar('\\');
	for (size_t i = 0; i < a->digest_len; i++)
		printf("%02x", d[i]);
	printf(" %c", o->binary ? '*' : ' ');
	put_name(name, esc);
	putchar('\n');
	return 0;
}

struct tally {
	unsigned long lines_bad, read_fail, mismatch, ok;
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undoes put_name's escaping in place; 0, or -1 for a '\' not followed by '\' or 'n'. */
static int unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		r++;
		if (*r == '\\')
			*w++ = '\\';
		else if (*r == 'n')
			*w++ = '\n';
		else
			return -1;
	}
	*w = 0;
	return 0;
}

/*
 * Splits one checksum line ("[\]HEX  NAME" or "[\]HEX *NAME") into the digest and the name;
 * 0, or -1 when the line is not in that form.
 */
static int parse_line(const struct sum_algo *a, char *line, uint8_t *want, char **name,
		      int *escaped)
{
	char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	*escaped = *p == '\\';
	p += *escaped;
	for (size_t i = 0; i < a->digest_len; i++) {
		int hi = hexval(p[2 * i]), lo = hi < 0 ? -1 : hexval(p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		want[i] = (uint8_t)(hi << 4 | lo);
	}
	p += 2 * a->digest_len;
	if ((*p != ' ' && *p != '\t') || (p[1] != ' ' && p[1] != '*') || !p[2])
		return -1;
	*name = p + 2;
	return *escaped ? unescape(*name) : 0;
}

/* Checks one line; updates the tally. */
static void check_line(const struct sum_algo *a, const struct opts *o, const char *list,
		       unsigned long lineno, char *line, struct tally *t)
{
	uint8_t want[MAXDIGEST], got[MAXDIGEST];
	char *name;
	int escaped;

	if (parse_line(a, line, want, &name, &escaped) < 0) {
		t->lines_bad++;
		if (o->warn)
			fprintf(stderr, "%s: %s: %lu: improperly formatted %s checksum line\n",
				a->prog, strcmp(list, "-") ? list : "'standard input'", lineno,
				a->digest_len == 32 ? "SHA256" : "MD5");
		return;
	}
	int esc = strchr(name, '\n') != NULL;  /* coreutils -c escapes only for a newline */

	if (hash_file(a, name, got) < 0) {
		fprintf(stderr, "%s: %s: %s\n", a->prog, name, strerror(errno));
		t->read_fail++;
		if (!o->status) {
			if (esc)
				putchar('\\');
			put_name(name, esc);
			printf(": FAILED open or read\n");
		}
		return;
	}
	int match = memcmp(want, got, a->digest_len) == 0;

	if (match)
		t->ok++;
	else
		t->mismatch++;
	if (o->status || (match && o->quiet))
		return;
	if (esc)
		putchar('\\');
	put_name(name, esc);
	printf(": %s\n", match ? "OK" : "FAILED");
}

/* Reads the checksum list (a file or "-") line by line; returns the file's exit status. */
static int check_list(const struct sum_algo *a, const struct opts *o, const char *list)
{
	FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
	struct tally t = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", a->prog, list, strerror(errno));
		return 1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (line[0] == '#')
			continue;
		check_line(a, o, list, lineno, line, &t);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	fflush(stdout);
	if (t.ok + t.mismatch + t.read_fail == 0) {
		fprintf(stderr, "%s: %s: no properly formatted checksum lines found\n", a->prog,
			f == stdin ? "'standard input'" : list);
		return 1;
	}
	if (!o->status) {
		if (t.lines_bad)
			fprintf(stderr, "%s: WARNING: %lu line%s improperly formatted\n", a->prog,
				t.lines_bad, t.lines_bad == 1 ? " is" : "s are");
		if (t.read_fail)
			fprintf(stderr, "%s: WARNING: %lu listed file%s could not be read\n",
				a->prog, t.read_fail, t.read_fail == 1 ? "" : "s");
		if (t.mismatch)
			fprintf(stderr, "%s: WARNING: %lu computed checksum%s did NOT match\n",
				a->prog, t.mismatch, t.mismatch == 1 ? "" : "s");
	}
	return t.mismatch || t.read_fail || (o->strict && t.lines_bad);
}

int sum_main(const struct sum_algo *a, int argc, char **argv)
{
	enum { O_STATUS = 256, O_QUIET, O_STRICT };
	static const struct option longopts[] = {
		{ "binary", no_argument, NULL, 'b' }, { "text", no_argument, NULL, 't' },
		{ "check", no_argument, NULL, 'c' }, { "warn", no_argument, NULL, 'w' },
		{ "status", no_argument, NULL, O_STATUS }, { "quiet", no_argument, NULL, O_QUIET },
		{ "strict", no_argument, NULL, O_STRICT }, { NULL, 0, NULL, 0 } };
	struct opts o = { 0 };
	int c, rc = 0;

	if (a->ctx_size > 512 || a->digest_len > MAXDIGEST)
		return 1;
	while ((c = getopt_long(argc, argv, "bctw", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o.binary = 1; break;
		case 't': o.binary = 0; break;
		case 'c': o.check = 1; break;
		case 'w': o.warn = 1; break;
		case O_STATUS: o.status = 1; break;
		case O_QUIET: o.quiet = 1; break;
		case O_STRICT: o.strict = 1; break;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", a->prog);
			return 1;
		}
	}
	if (!o.check && (o.status || o.quiet || o.warn || o.strict)) {
		fprintf(stderr, "%s: the --status, --quiet, --warn and --strict options are "
			"meaningful only when verifying checksums\n", a->prog);
		return 1;
	}
	char *dash[] = { "-", NULL };
	char **files = optind < argc ? argv + optind : dash;

	for (; *files; files++)
		rc |= o.check ? check_list(a, &o, *files) : generate(a, &o, *files);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
