/*
 * fs/cpio.h — the cpio "newc" archive parser (fs/cpio.c), pure and host-tested.
 */
#ifndef FS_CPIO_H
#define FS_CPIO_H

#include <keel/types.h>

#define CPIO_HDR_SIZE	110
#define CPIO_NAME_MAX	4096		/* namesize limit, NUL included */

struct cpio_entry {
	const char *name;		/* NUL-terminated inside the archive */
	size_t name_len;		/* without the NUL */
	uint32_t mode;			/* type and permission bits (S_IF*) */
	uint32_t nlink;
	const void *data;
	size_t size;
};

/*
 * Parses the entry at *off of buf[0, len). Returns 1 with *e filled and *off moved past the
 * entry, 0 at the TRAILER!!! entry or when only zero padding is left, or -EINVAL for a
 * malformed entry (*why says what; *off is unchanged): a truncated header or body, a bad
 * magic, a non-hex field, a name that is empty, too long or not NUL-terminated exactly at its
 * end.
 */
int cpio_next(const void *buf, size_t len, size_t *off, struct cpio_entry *e, const char **why);

/*
 * Turns an archive name into a clean relative path in out (size outsz): leading "/" and "./",
 * empty and "." components dropped, so "./a//b/" becomes "a/b" and "." becomes "" (the root).
 * Returns the length, or -EINVAL when a component is ".." (it could escape the root),
 * -ENAMETOOLONG when it does not fit.
 */
int cpio_clean_name(const char *in, char *out, size_t outsz);

#endif
