/* user/bin/rmdir.c — removes each (empty) directory. */
#include "ulib.h"

#include <unistd.h>

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (rmdir(argv[i]) < 0) {
			warn_errno("rmdir", argv[i]);
			rc = 1;
		}
	}
	return rc;
}
