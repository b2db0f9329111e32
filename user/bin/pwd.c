/* user/bin/pwd.c — prints the working directory. */
#include "ulib.h"

#include <unistd.h>

int main(void)
{
	char buf[4096];

	if (!getcwd(buf, sizeof(buf)))
		die("pwd", "getcwd");
	return fdprintf(1, "%s\n", buf) < 0;
}
