/* user/bin/uname.c — prints the system name; -a: every field of uname(2). */
#include "ulib.h"

#include <string.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	struct utsname u;

	if (uname(&u) < 0)
		die("uname", "uname");
	if (argc > 1 && strcmp(argv[1], "-a") == 0)
		return fdprintf(1, "%s %s %s %s %s\n", u.sysname, u.nodename, u.release,
				u.version, u.machine) < 0;
	return fdprintf(1, "%s\n", u.sysname) < 0;
}
