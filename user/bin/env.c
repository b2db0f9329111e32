/* user/bin/env.c — prints the environment; `env NAME=VALUE... [CMD ARGS]` runs CMD with
 * those variables added. */
#include "ulib.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[512];
	int i = 1;

	for (; i < argc && strchr(argv[i], '='); i++)
		putenv(argv[i]);
	if (i == argc) {
		for (char **e = environ; e && *e; e++)
			fdprintf(1, "%s\n", *e);
		return 0;
	}
	if (find_command(argv[i], path, sizeof(path)) < 0)
		die("env", argv[i]);
	execv(path, argv + i);
	die("env", path);
}
