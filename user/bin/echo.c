/* user/bin/echo.c — prints its arguments separated by spaces; -n: no newline at the end. */
#include "ulib.h"

#include <string.h>

int main(int argc, char **argv)
{
	char buf[8192];
	size_t n = 0;
	int i = 1, newline = 1;

	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		newline = 0;
		i++;
	}
	for (; i < argc; i++) {
		size_t len = strlen(argv[i]);
		if (n + len + 2 > sizeof(buf)) {	/* flush a long line in pieces */
			if (write_all(1, buf, n) < 0 || write_all(1, argv[i], len) < 0)
				return 1;
			n = 0;
		} else {
			memcpy(buf + n, argv[i], len);
			n += len;
		}
		if (i + 1 < argc)
			buf[n++] = ' ';
	}
	if (newline)
		buf[n++] = '\n';
	return write_all(1, buf, n) < 0;
}
