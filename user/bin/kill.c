/* user/bin/kill.c — sends a signal (default SIGTERM; -N or -NAME) to each PID. */
#include "ulib.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { const char *name; int sig; } names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "SEGV", SIGSEGV }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP },
};

static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end)
		return n > 0 && n < 65 ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].sig;
	return -1;
}

int main(int argc, char **argv)
{
	int sig = SIGTERM, i = 1, rc = 0;

	if (argc > 1 && argv[1][0] == '-') {
		if ((sig = parse_signal(argv[1] + 1)) < 0) {
			fdprintf(2, "kill: %s: unknown signal\n", argv[1] + 1);
			return 2;
		}
		i++;
	}
	if (i == argc) {
		fdprintf(2, "usage: kill [-SIG] PID...\n");
		return 2;
	}
	for (; i < argc; i++) {
		char *end;
		long pid = strtol(argv[i], &end, 10);
		if (!*argv[i] || *end || kill((pid_t)pid, sig) < 0) {
			warn_errno("kill", argv[i]);
			rc = 1;
		}
	}
	return rc;
}
