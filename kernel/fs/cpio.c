/*
 * fs/cpio.c — parses cpio "newc" archives (the initrd format) without trusting them.
 *
 * An entry is a 110-byte ASCII header ("070701" or "070702" and thirteen 8-digit hex fields),
 * the name (namesize bytes, NUL included) padded so header + name is a multiple of 4, then
 * filesize bytes of data padded to 4. Every length is checked against what is left of the
 * buffer before it is used, in 64-bit arithmetic, so no field value can make the parser read
 * outside the buffer. Pure: no allocation, no kernel services (tests/unit/test_cpio.c).
 */
#include "cpio.h"
#include <keel/errno.h>
#include <keel/string.h>

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJ, F_DEVMIN,
       F_RDEVMAJ, F_RDEVMIN, F_NAMESIZE, F_CHECK, F_COUNT };

static bool parse_hex8(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EINVAL;
}

static int parse_header(const uint8_t *h, uint32_t f[F_COUNT], const char **why)
{
	if (memcmp(h, "070701", 6) != 0 && memcmp(h, "070702", 6) != 0)
		return bad(why, "bad magic (not a newc cpio archive)");
	for (int i = 0; i < F_COUNT; i++)
		if (!parse_hex8((const char *)h + 6 + 8 * i, &f[i]))
			return bad(why, "header field is not hexadecimal");
	return 0;
}

int cpio_next(const void *buf, size_t len, size_t *off, struct cpio_entry *e, const char **why)
{
	const uint8_t *b = buf;
	uint32_t f[F_COUNT];
	uint64_t pos = *off, name_end, data_start, data_end;
	int r;

	if (pos >= len || all_zero(b + pos, len - pos))
		return 0;
	if (len - pos < CPIO_HDR_SIZE)
		return bad(why, "truncated header");
	if ((r = parse_header(b + pos, f, why)) != 0)
		return r;
	if (f[F_NAMESIZE] == 0 || f[F_NAMESIZE] > CPIO_NAME_MAX)
		return bad(why, "name size is zero or too large");
	name_end = pos + CPIO_HDR_SIZE + f[F_NAMESIZE];
	if (name_end > len)
		return bad(why, "truncated name");
	if (b[name_end - 1] != '\0' ||
	    strnlen((const char *)b + pos + CPIO_HDR_SIZE, f[F_NAMESIZE]) != f[F_NAMESIZE] - 1)
		return bad(why, "name is not NUL-terminated at its end");
	data_start = ALIGN_UP(name_end, 4);
	data_end = data_start + f[F_FILESIZE];
	if (data_start > len || data_end > len)
		return bad(why, "truncated file data (size larger than the archive)");
	e->name = (const char *)b + pos + CPIO_HDR_SIZE;
	e->name_len = f[F_NAMESIZE] - 1;
	e->mode = f[F_MODE];
	e->nlink = f[F_NLINK];
	e->data = b + data_start;
	e->size = f[F_FILESIZE];
	*off = (size_t)MIN(ALIGN_UP(data_end, 4), (uint64_t)len);
	if (strcmp(e->name, "TRAILER!!!") == 0)
		return 0;
	return 1;
}

int cpio_clean_name(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	if (!outsz)
		return -ENAMETOOLONG;
	while (*in) {
		const char *c = in;
		size_t n;

		while (*in && *in != '/')
			in++;
		n = (size_t)(in - c);
		while (*in == '/')
			in++;
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return -EINVAL;
		if (o + (o ? 1 : 0) + n + 1 > outsz)
			return -ENAMETOOLONG;
		if (o)
			out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	out[o] = '\0';
	return (int)o;
}
