/*
 * user/usertests/main.c — the runner: usertests [GLOB...]
 *
 * Runs every test (or those whose name matches one of the globs) in a forked child with a
 * time limit, printing one line per test:
 *     test NAME: ok | test NAME: FAILED: reason | test NAME: skipped: reason
 * and at the end exactly `usertests: N passed, M failed` (plus `, K skipped` when K > 0).
 * Exit status 0 only if M == 0. The time limit is polled (wait4 WNOHANG + nanosleep; alarm is
 * not in keel's syscall set); a test over its limit is killed with SIGKILL and fails.
 * Files go to /tmp/ut.<pid>/, created at the start and removed at the end.
 */
#include "ut.h"
#include "ulib.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_S 60

const char *ut_helper, *ut_pie;
char ut_tmp[64];
int ut_init_reaps;
static int msg_fd = -1;
static int n_pass, n_fail, n_skip;

static void send_msg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s", prefix);

	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (msg_fd >= 0)
		write_all(msg_fd, buf, strlen(buf));
}

void ut_fail(const char *file, int line, const char *fmt, ...)
{
	char where[96];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%d: ", file, line);
	va_start(ap, fmt);
	send_msg(where, fmt, ap);
	va_end(ap);
	_exit(1);
}

void ut_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_msg("", fmt, ap);
	va_end(ap);
	_exit(UT_SKIP_STATUS);
}

void ut_note(const char *fmt, ...)
{
	char buf[512] = "  note: ";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + 8, sizeof(buf) - 9, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	write_all(1, buf, strlen(buf));
}

/* Removes a directory tree (best effort). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];
	struct stat st;

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(sub);
		else
			unlink(sub);
		rewinddir(d);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/* Runs one test in a child; returns 0 pass, 1 fail, 2 skip, with the reason in why. */
static int run_one(const struct ut_test *t, char *why, size_t n)
{
	int p[2], st = 0;
	int64_t limit = (int64_t)(t->timeout_s ? t->timeout_s : DEFAULT_TIMEOUT_S) * 1000000000;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(why, n, "runner: pipe: %s", strerror(errno));
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, n, "runner: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return 1;
	}
	if (pid == 0) {
		close(p[0]);
		msg_fd = p[1];
		if (chdir(ut_tmp) < 0)
			FAIL("chdir %s", ut_tmp);
		t->fn();
		_exit(0);
	}
	close(p[1]);
	int64_t start = ut_now_ns(), killed = 0;
	pid_t got;
	while ((got = wait4(pid, &st, WNOHANG, NULL)) == 0 || (got < 0 && errno == EINTR)) {
		if (!killed && ut_now_ns() - start > limit) {
			kill(pid, SIGKILL);
			killed = 1;
		}
		ut_sleep_ms(ut_now_ns() - start < 100000000 ? 1 : 10);
	}
	ssize_t len = read(p[0], why, n - 1);
	why[len > 0 ? len : 0] = '\0';
	close(p[0]);
	if (got < 0) {
		snprintf(why, n, "runner: wait4: %s", strerror(errno));
		return 1;
	}
	if (killed) {
		snprintf(why, n, "timeout after %d s", (int)(limit / 1000000000));
		return 1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == UT_SKIP_STATUS)
		return 2;
	if (!why[0] && WIFSIGNALED(st))
		snprintf(why, n, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (!why[0])
		snprintf(why, n, "exit status %d", WEXITSTATUS(st));
	return 1;
}

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (fnmatch(argv[i], name, 0) == 0)
			return 1;
	return 0;
}

/* Helpers sit next to usertests (build/user/bin on the host), else in /bin. */
static void find_helpers(const char *argv0)
{
	static char helper[512], pie[512];
	char dir[400];

	snprintf(dir, sizeof(dir), "%s", argv0);
	const char *d = strchr(argv0, '/') ? dirname(dir) : "/bin";
	snprintf(helper, sizeof(helper), "%s/ut-helper", d);
	snprintf(pie, sizeof(pie), "%s/ut-pie", d);
	if (helper[0] != '/' && getcwd(dir, sizeof(dir))) {	/* tests chdir: make it absolute */
		char rel[100];
		snprintf(rel, sizeof(rel), "%s", d);
		snprintf(helper, sizeof(helper), "%s/%s/ut-helper", dir, rel);
		snprintf(pie, sizeof(pie), "%s/%s/ut-pie", dir, rel);
	}
	ut_helper = helper;
	ut_pie = pie;
}

int main(int argc, char **argv)
{
	static const struct ut_test *const tables[] = { ut_fs_tests, ut_fd_tests, ut_mem_tests, ut_mmap_tests,
		ut_proc_tests, ut_signal_tests, ut_thread_tests, ut_misc_tests, ut_poll_tests,
		ut_epoll_tests, ut_evfd_tests, ut_net_tests,
		ut_unix_tests, ut_unix_msg_tests, ut_sock_tests, ut_procfs_tests, ut_robust_tests,
		ut_usage_tests, ut_attr_tests, ut_fuzzfound_tests,
		ut_itimer_tests, ut_rlimit_tests, ut_users_tests };
	struct rlimit no_core = { 0, 0 };
	char why[512];

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {	/* the harness's expected set */
		for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			for (const struct ut_test *t = tables[i]; t->name; t++)
				fdprintf(1, "%s\n", t->name);
		return 0;
	}
	setrlimit(RLIMIT_CORE, &no_core);	/* expected crashes leave no core files */
	signal(SIGPIPE, SIG_DFL);
	find_helpers(argv[0]);
	ut_init_reaps = getpid() == 1 || getppid() == 1 || ut_on_keel();
	snprintf(ut_tmp, sizeof(ut_tmp), "/tmp/ut.%d", (int)getpid());
	if (mkdir(ut_tmp, 0755) < 0) {
		fdprintf(1, "usertests: mkdir %s: %s\n", ut_tmp, strerror(errno));
		fdprintf(1, "usertests: 0 passed, 1 failed\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		for (const struct ut_test *t = tables[i]; t->name; t++) {
			if (!selected(t->name, argc, argv))
				continue;
			int r = run_one(t, why, sizeof(why));
			if (r == 0)
				fdprintf(1, "test %s: ok\n", t->name);
			else if (r == 2)
				fdprintf(1, "test %s: skipped: %s\n", t->name, why);
			else
				fdprintf(1, "test %s: FAILED: %s\n", t->name, why);
			n_pass += r == 0;
			n_fail += r == 1;
			n_skip += r == 2;
		}
	}
	remove_tree(ut_tmp);
	if (n_skip)
		fdprintf(1, "usertests: %d passed, %d failed, %d skipped\n", n_pass, n_fail, n_skip);
	else
		fdprintf(1, "usertests: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail != 0;
}
