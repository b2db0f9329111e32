/* user/bin/ps.c — one line per process from /proc/<pid>/status: PID, PPID, state, name. */
#include "ulib.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Copies the value of "Key:\tvalue" from status text into out (trimmed); "?" if absent. */
static void field(const char *text, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);

	snprintf(out, n, "?");
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen) != 0 || p[klen] != ':')
			continue;
		p += klen + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, "\n");
		snprintf(out, n, "%.*s", (int)len, p);
		return;
	}
}

static int cmp_pids(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int main(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int pids[4096], n = 0;

	if (!d)
		die("ps", "/proc");
	while ((e = readdir(d)) && n < 4096)
		if (isdigit((unsigned char)e->d_name[0]))
			pids[n++] = atoi(e->d_name);
	closedir(d);
	qsort(pids, (size_t)n, sizeof(int), cmp_pids);
	fdprintf(1, "%5s %5s %-12s %s\n", "PID", "PPID", "STATE", "NAME");
	for (int i = 0; i < n; i++) {
		char path[64], text[4096], name[64], ppid[16], state[32];
		snprintf(path, sizeof(path), "/proc/%d/status", pids[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;		/* it ended since the listing */
		ssize_t len = read(fd, text, sizeof(text) - 1);
		close(fd);
		text[len > 0 ? len : 0] = '\0';
		field(text, "Name", name, sizeof(name));
		field(text, "PPid", ppid, sizeof(ppid));
		field(text, "State", state, sizeof(state));
		fdprintf(1, "%5d %5s %-12s %s\n", pids[i], ppid, state, name);
	}
	return 0;
}
