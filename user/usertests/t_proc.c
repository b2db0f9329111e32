/*
 * user/usertests/t_proc.c — processes: fork/exit/wait4 status encoding, vfork, execve
 * (argv, envp, auxv, errors, static-PIE), exit_group, orphan reparenting, ids, kill and
 * tgkill, many processes, the cwd and umask shared by CLONE_FS and copied by fork.
 */
#include "ut.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void wait_status(void)
{
	for (int code = 0; code < 256; code += 37) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(code);
		int st = ut_wait(pid);
		CHECK(WIFEXITED(st) && !WIFSIGNALED(st));
		CHECK_EQ(WEXITSTATUS(st), code);
	}
	pid_t pid = fork();
	if (pid == 0)
		syscall(SYS_exit_group, 300);		/* only the low 8 bits count */
	CHECK_EQ(WEXITSTATUS(ut_wait(pid)), 300 & 0xff);
	pid = fork();
	if (pid == 0)
		for (;;)
			ut_sleep_ms(1000);
	CHECK(kill(pid, SIGTERM) == 0);
	int st = ut_wait(pid);
	CHECK(WIFSIGNALED(st) && !WIFEXITED(st));
	CHECK_EQ(WTERMSIG(st), SIGTERM);
	int dummy;
	CHECK_ERR(wait4(-1, &dummy, 0, NULL), ECHILD);
	CHECK_ERR(wait4(getpid(), &dummy, WNOHANG, NULL), ECHILD);
	pid = fork();
	if (pid == 0) {
		ut_sleep_ms(100);
		_exit(0);
	}
	CHECK_EQ(wait4(pid, &dummy, WNOHANG, NULL), 0);		/* still running */
	ut_wait(pid);
	pid = fork();
	if (pid == 0)
		_exit(1);
	CHECK_ERR(wait4(pid, (int *)8, 0, NULL), EFAULT);
	waitpid(pid, NULL, 0);
}

static void vfork_shares(void)
{
	volatile int flag = 0;
	pid_t pid = vfork();

	if (pid == 0) {
		flag = 1;		/* the parent's memory: vfork shares it until _exit */
		_exit(7);
	}
	CHECK(pid > 0);
	CHECK_EQ(flag, 1);
	CHECK_EQ(WEXITSTATUS(ut_wait(pid)), 7);
	char *argv[] = { "ut-helper", "exit", "9", NULL };
	pid = vfork();
	if (pid == 0) {
		execv(ut_helper, argv);
		_exit(127);
	}
	CHECK_EQ(WEXITSTATUS(ut_wait(pid)), 9);
}

static int exec_status(const char *path, char *const argv[], char *const envp[])
{
	pid_t pid = fork();

	if (pid == 0) {
		execve(path, argv, envp);
		_exit(200 + (errno & 31));
	}
	int st = ut_wait(pid);
	if (!WIFEXITED(st))
		FAIL("%s %s: killed by signal %d", path, argv[1], WTERMSIG(st));
	return WEXITSTATUS(st);
}

static void execve_args(void)
{
	char *argv[] = { "ut-helper", "args", "A", "B", "C", NULL };
	char *envp[] = { "UT_ENV=hello", NULL };
	char *auxv[] = { "ut-helper", "auxv", (char *)ut_helper, NULL };
	int r;

	if ((r = exec_status(ut_helper, argv, envp)) != 0)
		FAIL("argv/envp check in the new image failed with %d", r);
	if ((r = exec_status(ut_helper, auxv, envp)) != 0)
		FAIL("auxv check in the new image failed with %d (4 PAGESZ, 5 RANDOM, 6 EXECFN, "
		     "7 PHDR, 8 ENTRY)", r);
}

static void execve_errors(void)
{
	char *argv[] = { "x", NULL };
	static const char garbage[] = "this is not an ELF file\n\x01\x02\x03";
	char elf_junk[128] = "\177ELF";

	char *envp[] = { NULL };

	CHECK_ERR(execve("/no/such/program", argv, envp), ENOENT);
	ut_write_file("garbage", garbage, sizeof(garbage), 0755);
	CHECK_ERR(execve("garbage", argv, envp), ENOEXEC);
	ut_write_file("badelf", elf_junk, sizeof(elf_junk), 0755);	/* magic, no sane header */
	CHECK_ERR(execve("badelf", argv, envp), ENOEXEC);
	ut_write_file("empty", "", 0, 0755);
	CHECK_ERR(execve("empty", argv, envp), ENOEXEC);
	CHECK_ERR(execve(".", argv, envp), EACCES);
	CHECK_ERR(execve((char *)0xffff800000000000UL, argv, envp), EFAULT);
	CHECK_ERR(syscall(SYS_execve, ut_helper, (char **)8, envp), EFAULT);
	/* still here, still whole: a failed execve leaves the caller running */
	CHECK(getpid() > 0);
}

static void execve_pie(void)
{
	char *argv[] = { "ut-pie", NULL };
	char *envp[] = { NULL };
	int r = exec_status(ut_pie, argv, envp);

	if (r != 0)
		FAIL("ut-pie (static-PIE) exited with %d", r);
}

static void *exit_group_thread(void *arg)
{
	syscall(SYS_exit_group, 42);
	return NULL;
}

static void exit_group_child(void *arg)
{
	pthread_t t;

	pthread_create(&t, NULL, exit_group_thread, NULL);
	for (;;)
		ut_sleep_ms(1000);
}

static void exit_group_thread_test(void)
{
	int st = ut_run_child(exit_group_child, NULL);

	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 42);
}

static void orphan_reparent(void)
{
	if (!ut_init_reaps)
		ut_skip("orphans go to the host's init or a subreaper, not to us");
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			int64_t t0 = ut_now_ns();	/* the grandchild waits to be orphaned */
			while (getppid() != 1 && ut_now_ns() - t0 < 5000000000LL)
				ut_sleep_ms(5);
			char r = getppid() == 1 ? 'y' : 'n';
			write(p[1], &r, 1);
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	ut_wait(pid);
	char r = 0;
	CHECK_EQ(read(p[0], &r, 1), 1);
	if (r != 'y')
		FAIL("the orphan's getppid() never became 1");
}

static void ids(void)
{
	pid_t me = getpid();

	CHECK(me > 0);
	CHECK_EQ(syscall(SYS_gettid), me);		/* the main thread's tid is the pid */
	CHECK(getppid() > 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(getppid() == me && getpid() != me ? 0 : 1);
	CHECK(pid != me);
	CHECK_EQ(WEXITSTATUS(ut_wait(pid)), 0);
	CHECK(getuid() == geteuid() && getgid() == getegid());	/* nothing here is setuid */
	if (ut_on_keel())
		CHECK(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0);
}

static void kill_signals(void)
{
	CHECK(kill(getpid(), 0) == 0);			/* signal 0: existence check */
	CHECK_ERR(kill(getpid(), 1000), EINVAL);
	pid_t pid = fork();
	if (pid == 0)
		for (;;)
			ut_sleep_ms(1000);
	CHECK(kill(pid, SIGKILL) == 0);
	int st = ut_wait(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK_ERR(kill(pid, 0), ESRCH);			/* reaped: gone */
	pid = fork();
	if (pid == 0)
		for (;;)
			ut_sleep_ms(1000);
	CHECK(syscall(SYS_tgkill, pid, pid, SIGUSR2) == 0);
	st = ut_wait(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2);
	CHECK_ERR(syscall(SYS_tgkill, getpid(), getpid() + 100000, SIGUSR1), ESRCH);
	CHECK_ERR(syscall(SYS_tgkill, getpid(), getpid(), -1), EINVAL);
}

static void many_processes(void)
{
	enum { TOTAL = 200, WAVE = 40 };

	for (int base = 0; base < TOTAL; base += WAVE) {
		pid_t pids[WAVE];
		for (int i = 0; i < WAVE; i++) {
			pids[i] = fork();
			if (pids[i] < 0)
				FAIL("fork %d: %s", base + i, strerror(errno));
			if (pids[i] == 0)
				_exit((base + i) & 0x7f);
		}
		for (int i = 0; i < WAVE; i++) {
			int st = ut_wait(pids[i]);
			CHECK(WIFEXITED(st));
			CHECK_EQ(WEXITSTATUS(st), (base + i) & 0x7f);
		}
	}
	CHECK_ERR(wait4(-1, NULL, WNOHANG, NULL), ECHILD);
}

/* prctl(PR_SET_NAME/PR_GET_NAME): the name /proc shows, truncated to 15 characters. */
static void prctl_name(void)
{
	char name[16] = "", status[512] = "";

	CHECK(prctl(PR_SET_NAME, "ut-renamed-process-long", 0, 0, 0) == 0);
	CHECK(prctl(PR_GET_NAME, name, 0, 0, 0) == 0);
	CHECK(strcmp(name, "ut-renamed-proc") == 0);
	int fd = open("/proc/self/status", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, status, sizeof(status) - 1) > 0);
	close(fd);
	CHECK(strstr(status, "Name:\tut-renamed-proc\n") != NULL);
	char stat[512] = "", want[64];
	fd = open("/proc/self/stat", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, stat, sizeof(stat) - 1) > 0);
	close(fd);
	snprintf(want, sizeof(want), "%d (ut-renamed-proc) R %d ", getpid(), getppid());
	CHECK(strncmp(stat, want, strlen(want)) == 0);
	CHECK_ERR(prctl(PR_SET_NAME, (void *)8, 0, 0, 0), EFAULT);
}

/* Process groups name PIDs: setpgid into a group that does not exist in the session is EPERM
 * (also when the PID that named it is gone); a group outlives its leader while it has members
 * (its number stays taken: getpgid and kill(-pgid) still find it). */
static void pgrp_ids(void)
{
	int ready[2], done[2];
	char c;

	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	CHECK(ut_wait(gone) == 0);
	CHECK_ERR(setpgid(0, gone), EPERM);
	CHECK(pipe(ready) == 0 && pipe(done) == 0);
	pid_t leader = fork();
	if (leader == 0) {
		if (setpgid(0, 0) != 0)
			_exit(1);
		pid_t member = fork();
		if (member == 0) {		/* stays in the leader's group after it exits */
			close(ready[0]);
			close(done[1]);
			CHECK(write(ready[1], "m", 1) == 1);
			CHECK(read(done[0], &c, 1) == 0);
			_exit(0);
		}
		_exit(member > 0 ? 0 : 1);
	}
	close(ready[1]);
	close(done[0]);
	CHECK(read(ready[0], &c, 1) == 1);
	CHECK(ut_wait(leader) == 0);
	CHECK(kill(-leader, 0) == 0);			/* the group is still there */
	for (int i = 0; i < 50; i++) {			/* and its number is not handed out */
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		CHECK(p > 0 && p != leader);
		CHECK(ut_wait(p) == 0);
	}
	close(done[1]);					/* the member (init's now) exits */
	close(ready[0]);
}

/* Whether the cwd's last component is name. */
static int cwd_is(const char *name)
{
	char buf[512];
	const char *slash = getcwd(buf, sizeof(buf)) ? strrchr(buf, '/') : NULL;

	return slash && strcmp(slash + 1, name) == 0;
}

static void *chdir_thread(void *dir)
{
	return (void *)(long)chdir(dir);
}

/* The child of clone(flags) sets umask 077 and enters dir; returns its wait status. */
static int clone_chdir(unsigned long flags, const char *dir)
{
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);

	if (pid == 0) {
		umask(077);
		_exit(chdir(dir) ? 1 : 0);
	}
	CHECK(pid > 0);
	return ut_wait(pid);
}

/* A thread's chdir moves its whole process; a CLONE_FS process's chdir and umask are its
 * parent's too; a fork child's are its own. */
static void clone_fs_shares(void)
{
	mode_t saved = umask(022);
	pthread_t t;
	void *r;

	CHECK(mkdir("cfs_thread", 0755) == 0 && mkdir("cfs_clone", 0755) == 0 &&
	      mkdir("cfs_fork", 0755) == 0);
	CHECK(pthread_create(&t, NULL, chdir_thread, "cfs_thread") == 0);
	CHECK(pthread_join(t, &r) == 0 && r == NULL);
	if (!cwd_is("cfs_thread"))
		FAIL("a thread's chdir did not change the process's cwd");
	CHECK(chdir("..") == 0);
	CHECK_EQ(clone_chdir(CLONE_FS, "cfs_clone"), 0);
	if (!cwd_is("cfs_clone"))
		FAIL("chdir in a CLONE_FS child did not change the parent's cwd");
	CHECK_EQ(umask(022), 077);
	CHECK(chdir("..") == 0);
	CHECK_EQ(clone_chdir(0, "cfs_fork"), 0);
	if (cwd_is("cfs_fork"))
		FAIL("a fork child's chdir changed the parent's cwd");
	CHECK_EQ(umask(saved), 022);
}

const struct ut_test ut_proc_tests[] = {
	{ "wait_status", wait_status, 0 },
	{ "vfork", vfork_shares, 0 },
	{ "execve_args", execve_args, 0 },
	{ "execve_errors", execve_errors, 0 },
	{ "execve_pie", execve_pie, 0 },
	{ "exit_group", exit_group_thread_test, 0 },
	{ "orphan", orphan_reparent, 0 },
	{ "ids", ids, 0 },
	{ "kill", kill_signals, 0 },
	{ "many_procs", many_processes, 120 },
	{ "prctl_name", prctl_name, 0 },
	{ "pgrp_ids", pgrp_ids, 0 },
	{ "clone_fs", clone_fs_shares, 0 },
	{ NULL, NULL, 0 }
};
