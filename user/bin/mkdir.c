/* user/bin/mkdir.c — creates each directory (mode 0755); -p: parents too, no error if present. */
#include "ulib.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, 0755);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int main(int argc, char **argv)
{
	int rc = 0, parents = argc > 1 && strcmp(argv[1], "-p") == 0;

	for (int i = 1 + parents; i < argc; i++) {
		if ((parents ? mkdir_p(argv[i]) : mkdir(argv[i], 0755)) < 0) {
			warn_errno("mkdir", argv[i]);
			rc = 1;
		}
	}
	return rc;
}
