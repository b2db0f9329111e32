/*
 * lib/cmdline.c — splitting the kernel command line and dispatching its words.
 *
 * cmdline_parse_with() is pure (host-tested); cmdline_parse() feeds it the parameters that
 * CMDLINE_PARAM placed in the .params section. Words are copied into a bounded buffer: a word
 * longer than CMDLINE_WORD_MAX is rejected as a whole rather than cut.
 */
#include <keel/cmdline.h>
#include <keel/log.h>
#include <keel/string.h>

#define CMDLINE_WORD_MAX	256

extern const struct cmdline_param __params_start[], __params_end[];

/* Copies the next word of *line into buf, handling quotes; false at the end. */
static bool next_word(const char **line, char *buf, size_t size, bool *too_long)
{
	const char *p = *line;
	size_t n = 0;
	bool quoted = false;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return false;
	*too_long = false;
	for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 < size)
			buf[n++] = *p;
		else
			*too_long = true;
	}
	buf[n] = '\0';
	*line = p;
	return true;
}

static int apply_word(char *word, const struct cmdline_param *params, size_t n)
{
	char *eq = strchr(word, '=');
	const char *value = NULL;

	if (eq) {
		*eq = '\0';
		value = eq + 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(params[i].name, word) != 0)
			continue;
		if (params[i].set(value) == 0)
			return 0;
		pr_warn("cmdline: bad value \"%s\" for %s (expected %s); keeping the default\n",
			value ? value : "", word, params[i].usage);
		return 1;
	}
	pr_warn("cmdline: unknown word \"%s\" ignored\n", word);
	return 1;
}

int cmdline_parse_with(const char *line, const struct cmdline_param *params, size_t n)
{
	char word[CMDLINE_WORD_MAX];
	bool too_long;
	int rejected = 0;

	for (bool first = true; next_word(&line, word, sizeof(word), &too_long); first = false) {
		/* Multiboot1 loaders (GRUB, QEMU) put the kernel's path first: not a parameter. */
		if (first && !strchr(word, '=') && strchr(word, '/'))
			continue;
		if (!strcmp(word, "--"))
			break;			/* the rest belongs to init (cmdline_init_args) */
		if (too_long) {
			pr_warn("cmdline: word starting \"%.16s\" is too long; ignored\n", word);
			rejected++;
			continue;
		}
		rejected += apply_word(word, params, n);
	}
	return rejected;
}

/* Words go straight into buf, so one of init's may be as long as the whole line. */
int cmdline_init_args(const char *line, char *buf, size_t size, char **argv, int max)
{
	bool too_long, after = false;
	size_t used = 0;
	int argc = 0;

	for (;;) {
		size_t len;

		if (used == size) {		/* full: fine only if nothing follows */
			while (*line == ' ' || *line == '\t' || *line == '\n')
				line++;
			if (*line)
				return -1;
			break;
		}
		if (!next_word(&line, buf + used, size - used, &too_long))
			break;
		len = strlen(buf + used) + 1;

		if (!after) {
			after = !strcmp(buf + used, "--");
			continue;
		}
		if (too_long || argc == max - 1)
			return -1;
		argv[argc++] = buf + used;
		used += len;
	}
	argv[argc] = NULL;
	return argc;
}

int cmdline_parse(const char *line)
{
	return cmdline_parse_with(line, __params_start, (size_t)(__params_end - __params_start));
}

static int set_loglevel(const char *v)
{
	uint64_t n;

	if (!v || !parse_u64(v, &n) || n > LOG_DEBUG)
		return -1;
	log_level = (int)n;
	return 0;
}
CMDLINE_PARAM("loglevel", set_loglevel, "loglevel=0..7");
