/* user/bin/sleep.c — sleeps for N seconds (a decimal fraction is allowed: sleep 0.5). */
#include "ulib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	char *end;
	double s = argc == 2 ? strtod(argv[1], &end) : -1;

	if (argc != 2 || *end || s < 0 || s > 1e9) {
		fdprintf(2, "usage: sleep SECONDS\n");
		return 2;
	}
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			die("sleep", "nanosleep");
	return 0;
}
