/* user/bin/rm.c — unlinks each file; -r: directories and their contents too; -f: no errors
 * for missing names. */
#include "ulib.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int opt_r, opt_f;

static int rm_path(const char *path);

static int rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char sub[4096];
	int rc = 0;

	if (!d) {
		warn_errno("rm", dir);
		return 1;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		rc |= rm_path(sub);
		rewinddir(d);		/* the directory changed under the stream */
	}
	closedir(d);
	if (rc == 0 && rmdir(dir) < 0) {
		warn_errno("rm", dir);
		return 1;
	}
	return rc;
}

static int rm_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (opt_f && errno == ENOENT)
			return 0;
		warn_errno("rm", path);
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (opt_r)
			return rm_tree(path);
		errno = EISDIR;
		warn_errno("rm", path);
		return 1;
	}
	if (unlink(path) < 0) {
		warn_errno("rm", path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, rc = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'r' || *o == 'R')
				opt_r = 1;
			else if (*o == 'f')
				opt_f = 1;
			else {
				fdprintf(2, "usage: rm [-rf] path...\n");
				return 2;
			}
		}
	}
	for (; i < argc; i++)
		rc |= rm_path(argv[i]);
	return rc;
}
