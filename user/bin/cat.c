/* user/bin/cat.c — copies each file (or stdin, also for "-") to stdout. */
#include "ulib.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd, const char *name)
{
	static char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			warn_errno("cat", name);
			return 1;
		}
		if (n == 0)
			return 0;
		if (write_all(1, buf, (size_t)n) < 0) {
			warn_errno("cat", "write");
			return 1;
		}
	}
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2)
		return copy(0, "stdin");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			rc |= copy(0, "stdin");
			continue;
		}
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			warn_errno("cat", argv[i]);
			rc = 1;
			continue;
		}
		rc |= copy(fd, argv[i]);
		close(fd);
	}
	return rc;
}
