/*
 * user/bin/ls.c — lists directories (sorted by name) or names files.
 * -l: mode, links, size and name per line; -a: include names starting with '.'.
 */
#include "ulib.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int opt_long, opt_all;

static void mode_string(mode_t m, char *s)
{
	static const char rwx[] = "rwxrwxrwx";

	s[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISFIFO(m) ? 'p' : '-';
	for (int i = 0; i < 9; i++)
		s[i + 1] = (m & (0400 >> i)) ? rwx[i] : '-';
	s[10] = '\0';
}

static void show(const char *path, const char *name)
{
	struct stat st;
	char mode[11];

	if (!opt_long) {
		fdprintf(1, "%s\n", name);
		return;
	}
	if (lstat(path, &st) < 0) {
		warn_errno("ls", path);
		return;
	}
	mode_string(st.st_mode, mode);
	fdprintf(1, "%s %2lu %8lld %s\n", mode, (unsigned long)st.st_nlink,
		 (long long)st.st_size, name);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0;

	if (!d) {
		warn_errno("ls", dir);
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && !opt_all)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				die("ls", "realloc");
		}
		if (!(names[n++] = strdup(e->d_name)))
			die("ls", "strdup");
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		show(path, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, rc = 0;
	struct stat st;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'l')
				opt_long = 1;
			else if (*o == 'a')
				opt_all = 1;
			else {
				fdprintf(2, "usage: ls [-la] [path...]\n");
				return 2;
			}
		}
	}
	if (i == argc)
		return list_dir(".");
	for (int first = i; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			warn_errno("ls", argv[i]);
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (argc - first > 1)
				fdprintf(1, "%s:\n", argv[i]);
			rc |= list_dir(argv[i]);
		} else {
			show(argv[i], argv[i]);
		}
	}
	return rc;
}
