/*
 * user/lib/ulib.c — helpers shared by keel's user programs (see ulib.h).
 */
#include "ulib.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fdprintf(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	return write_all(fd, buf, (size_t)n);
}

void warn_errno(const char *prog, const char *msg)
{
	fdprintf(2, "%s: %s: %s\n", prog, msg, strerror(errno));
}

void die(const char *prog, const char *msg)
{
	warn_errno(prog, msg);
	exit(1);
}

int find_command(const char *name, char *out, size_t n)
{
	static const char *const dirs[] = { "/bin", "/sbin" };
	struct stat st;

	if (strchr(name, '/')) {
		if (strlen(name) >= n) {
			errno = ENAMETOOLONG;
			return -1;
		}
		strcpy(out, name);
		return 0;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if ((size_t)snprintf(out, n, "%s/%s", dirs[i], name) >= n)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
	}
	errno = ENOENT;
	return -1;
}

int status_code(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

int t_fail_line;
const char *t_skip_why;
static int t_passed, t_failed, t_skipped;

void t_run(const char *name, int (*fn)(void))
{
	int r;

	t_fail_line = 0;
	t_skip_why = "";
	r = fn();
	if (r == 0) {
		t_passed++;
		fdprintf(1, "ok   %s\n", name);
	} else if (r == T_RESULT_SKIP) {
		t_skipped++;
		fdprintf(1, "skip %s: %s\n", name, t_skip_why);
	} else {
		t_failed++;
		fdprintf(1, "FAIL %s (line %d)\n", name, t_fail_line);
	}
}

int t_summary(const char *prog)
{
	if (t_skipped)
		fdprintf(1, "%s: %d passed, %d failed, %d skipped\n", prog, t_passed, t_failed,
			 t_skipped);
	else
		fdprintf(1, "%s: %d passed, %d failed\n", prog, t_passed, t_failed);
	return t_failed;
}

bool on_keel(void)
{
	struct utsname u;

	return uname(&u) == 0 && strcmp(u.sysname, "keel") == 0;
}
