/* user/bin/mv.c — renames SRC to DST (into DST/ when DST is a directory). */
#include "ulib.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	char dst[4096], tmp[4096];
	struct stat st;

	if (argc != 3) {
		fdprintf(2, "usage: mv SRC DST\n");
		return 2;
	}
	snprintf(dst, sizeof(dst), "%s", argv[2]);
	if (stat(argv[2], &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(tmp, sizeof(tmp), "%s", argv[1]);
		snprintf(dst, sizeof(dst), "%s/%s", argv[2], basename(tmp));
	}
	if (rename(argv[1], dst) < 0)
		die("mv", argv[1]);
	return 0;
}
