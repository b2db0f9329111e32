/*
 * keel/cmdline.h — the kernel command line.
 *
 * Words are separated by spaces; a word is `name` or `name=value` (a value may be double-quoted
 * to hold spaces). Each subsystem registers the words it understands with CMDLINE_PARAM next to
 * the code that uses them. An unknown word or a value its handler rejects gets one warning
 * line and changes nothing: the default stays.
 */
#ifndef KEEL_CMDLINE_H
#define KEEL_CMDLINE_H

#include <keel/types.h>

struct cmdline_param {
	const char *name;
	/* Applies value (NULL for a bare word); returns 0, or -EINVAL to reject it. */
	int (*set)(const char *value);
	const char *usage;		/* e.g. "loglevel=0..7" for the warning */
};

#define CMDLINE_PARAM(pname, fn, use) \
	static const struct cmdline_param __param_##fn __section(".params") __used \
		__aligned(8) = { (pname), (fn), (use) }

/* Parses line against the given parameters; returns how many words were rejected. */
int cmdline_parse_with(const char *line, const struct cmdline_param *params, size_t n);
/* The words after a bare `--`, which are init's arguments (as Linux passes them): copied into
 * buf, pointers in argv[0..n) and argv[n] = NULL. Returns n, or -1 when they do not fit. */
int cmdline_init_args(const char *line, char *buf, size_t size, char **argv, int max);
/* Parses line against every registered parameter, up to a bare `--`. */
int cmdline_parse(const char *line);

#endif
