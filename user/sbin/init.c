/*
 * user/sbin/init.c — PID 1.
 *
 * The kernel starts init with /dev/console on fds 0, 1, 2; init opens nothing itself.
 *   init                      shows /etc/motd, runs busybox ash as a login shell (keel's
 *                             /bin/sh when there is no /bin/ash), and runs it again whenever it
 *                             exits (one line says so); every other child that ends is reaped,
 *                             including orphans the kernel reparents to init.
 *   init --rc FILE            the same, but first runs the shell script FILE (with busybox
 *                             ash; keel's /bin/sh without it) and waits for it: the boot's
 *                             services (make run boots `-- --rc /etc/rc.httpd`).
 *   init [--] PROG [ARGS...]  runs PROG once (a name without '/' is looked up in /bin, /sbin),
 *                             reaps everything until PROG ends, then exits with PROG's status
 *                             (128 + signal if it was killed): keel prints "init exited with
 *                             status N" and powers off. `init -- /bin/usertests` is how tests run.
 * Invariants: init never exits because of EINTR or a failed fork; signals that would kill it
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT) get an empty handler, which exec resets to the default,
 * so its children start with default dispositions.
 */
#include "ulib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *const default_env[] = { "PATH=/bin:/sbin", "HOME=/", "TERM=vt100", NULL };

static void on_signal(int sig)
{
	(void)sig;
}

static void setup_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Starts prog (looked up as a command) with argv in a child; returns its pid, or -1 (already
 * reported) if fork failed. */
static pid_t spawn(const char *prog, char *const argv[])
{
	char path[256];
	pid_t pid = fork();

	if (pid < 0) {
		warn_errno("init", "fork");
		return -1;
	}
	if (pid == 0) {
		if (find_command(prog, path, sizeof(path)) < 0)
			die("init", prog);
		execve(path, argv, environ && environ[0] ? environ : default_env);
		die("init", path);
	}
	return pid;
}

/* Reaps children until `pid` ends; returns its wait status. */
static int reap_until(pid_t pid)
{
	for (;;) {
		int st;
		pid_t got = wait4(-1, &st, 0, NULL);

		if (got == pid)
			return st;
		if (got < 0 && errno != EINTR) {	/* ECHILD: pid is gone already */
			warn_errno("init", "wait4");
			sleep_ms(100);
		}
	}
}

static void show_motd(void)
{
	char buf[512];
	int fd = open("/etc/motd", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		write_all(1, buf, (size_t)n);
	close(fd);
}

/* The interactive shell: busybox ash as a login shell ("-ash" reads /etc/profile) when the
 * initrd has it, else keel's own /bin/sh. */
static void run_shell_forever(const char *rc)
{
	char *const ash[] = { "-ash", NULL }, *const ksh[] = { "/bin/sh", NULL };
	bool have_ash = access("/bin/ash", X_OK) == 0;
	const char *prog = have_ash ? "/bin/ash" : "/bin/sh";
	char *const *argv = have_ash ? ash : ksh;

	if (rc) {
		char *const rc_argv[] = { (char *)prog, (char *)rc, NULL };
		pid_t pid = spawn(prog, rc_argv);
		int st = pid > 0 ? reap_until(pid) : 0;

		if (pid > 0 && status_code(st))
			fdprintf(1, "init: %s exited with status %d\n", rc, status_code(st));
	}
	show_motd();
	for (;;) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid_t pid = spawn(prog, argv);
		if (pid < 0) {
			sleep_ms(1000);
			continue;
		}
		int st = reap_until(pid);
		fdprintf(1, "init: %s exited with status %d; starting a new one\n", prog,
			 status_code(st));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec < 1)		/* a shell that dies at once: no busy loop */
			sleep_ms(1000);
	}
}

int main(int argc, char **argv)
{
	setup_signals();
	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argv++;
		argc--;
	}
	if (argc <= 1)
		run_shell_forever(NULL);
	if (argc == 3 && strcmp(argv[1], "--rc") == 0)
		run_shell_forever(argv[2]);

	pid_t pid;
	while ((pid = spawn(argv[1], argv + 1)) < 0)
		sleep_ms(100);
	return status_code(reap_until(pid));
}
