/*
 * user/usertests/t_users.c — users and permissions, Linux's rules: a child of the (root)
 * suite drops to nobody (65534) with setgroups/setgid/setuid and must be refused what root,
 * doing the same thing in the parent, is allowed. Each test fails if its rule is removed:
 * the refused call would succeed. They need root (on keel always; on Linux they skip when
 * the suite is not run as root).
 */
#include "ut.h"
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY	65534

static void need_root(void)
{
	if (geteuid() != 0)
		ut_skip("needs root");
}

/* A fresh 0755 directory owned by root, in the suite's temp dir; the test chdirs into it. */
static void fresh_dir(const char *name)
{
	need_root();
	CHECK(mkdir(name, 0755) == 0);
	CHECK(chmod(name, 0755) == 0);
	CHECK(chdir(name) == 0);
}

static void drop_to_nobody(void)
{
	CHECK(setgroups(0, NULL) == 0);
	CHECK(setgid(NOBODY) == 0);
	CHECK(setuid(NOBODY) == 0);
	CHECK_EQ(geteuid(), NOBODY);
}

/* Runs fn as nobody in a child; the child's checks must all pass. */
static void as_nobody(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	CHECK(pid >= 0);
	if (pid == 0) {
		drop_to_nobody();
		fn(arg);
		_exit(0);
	}
	st = ut_wait(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("the child running as nobody failed (status %#x)", st);
}

static void file_with(const char *name, int mode)
{
	ut_write_file(name, "secret\n", 7, mode);
	CHECK(chmod(name, mode) == 0);
}

/* ---- ids ---- */

static void nobody_cannot_go_back(void *arg)
{
	uid_t r, e, s;

	(void)arg;
	CHECK(getresuid(&r, &e, &s) == 0);
	CHECK(r == NOBODY && e == NOBODY && s == NOBODY);
	CHECK_EQ(getgid(), NOBODY);
	CHECK_ERR(setuid(0), EPERM);
	CHECK_ERR(seteuid(0), EPERM);
	CHECK_ERR(setresuid(-1, 0, -1), EPERM);
	CHECK_ERR(setreuid(0, -1), EPERM);
	CHECK_ERR(setgid(0), EPERM);
	CHECK_ERR(setgroups(0, NULL), EPERM);
	CHECK(setuid(NOBODY) == 0);		/* what it already is */
	CHECK(setresuid(-1, NOBODY, -1) == 0);
}

static void saved_uid_brings_root_back(void *arg)
{
	char buf[4096];
	int fd, n;

	(void)arg;
	CHECK(setresuid(NOBODY, NOBODY, 0) == 0);
	CHECK_EQ(geteuid(), NOBODY);
	CHECK_ERR(setgroups(0, NULL), EPERM);	/* not root now */
	CHECK(setuid(0) == 0);			/* the saved id: only euid changes */
	CHECK_EQ(getuid(), NOBODY);
	CHECK_EQ(geteuid(), 0);
	CHECK((fd = open("/proc/self/status", O_RDONLY)) >= 0);
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	CHECK(n > 0);
	buf[n] = 0;
	if (!strstr(buf, "\nUid:\t65534\t0\t0\t0\n"))
		FAIL("/proc/self/status has no \"Uid:\\t65534\\t0\\t0\\t0\": %s", buf);
}

static void t_users_setuid_rules(void)
{
	gid_t g[2] = { 5, 7 }, back[4];

	need_root();
	as_nobody(nobody_cannot_go_back, NULL);
	CHECK_EQ(ut_run_child(saved_uid_brings_root_back, NULL), 0);
	CHECK(setgroups(2, g) == 0);		/* root may; the suite's own groups are gone */
	CHECK_EQ(getgroups(4, back), 2);
	CHECK(back[0] == 5 && back[1] == 7);
	CHECK_ERR(getgroups(1, back), EINVAL);
	CHECK(setgroups(0, NULL) == 0);
}

/* ---- files ---- */

static void nobody_cannot_open_private(void *arg)
{
	(void)arg;
	CHECK_ERR(open("secret", O_RDONLY), EACCES);
	CHECK_ERR(open("secret", O_WRONLY), EACCES);
	CHECK_ERR(open("secret", O_RDWR | O_TRUNC), EACCES);
	CHECK_ERR(access("secret", R_OK), EACCES);
	CHECK(access("secret", F_OK) == 0);
	CHECK(close(open("public", O_RDONLY)) == 0);
	CHECK_ERR(open("public", O_WRONLY), EACCES);
	CHECK_ERR(open("closed/inside", O_RDONLY), EACCES);	/* no x on closed/ */
	CHECK_ERR(chdir("closed"), EACCES);
	CHECK_ERR(open("new", O_CREAT | O_WRONLY, 0644), EACCES);	/* no w on . */
	CHECK_ERR(mkdir("newdir", 0755), EACCES);
}

static void t_users_private_file_denied(void)
{
	struct stat st;

	fresh_dir("users_private");
	file_with("secret", 0600);
	file_with("public", 0644);
	CHECK(mkdir("closed", 0700) == 0);
	file_with("closed/inside", 0644);
	as_nobody(nobody_cannot_open_private, NULL);
	CHECK(close(open("secret", O_RDWR)) == 0);	/* root reads and writes anything */
	CHECK(close(open("closed/inside", O_RDWR)) == 0);
	CHECK(stat("secret", &st) == 0);
	CHECK(st.st_uid == 0 && st.st_gid == 0 && (st.st_mode & 07777) == 0600);
}

static void nobody_in_sticky_dir(void *arg)
{
	struct stat st;

	(void)arg;
	CHECK_ERR(unlink("tmp/rootfile"), EPERM);
	CHECK_ERR(rename("tmp/rootfile", "tmp/mine"), EPERM);
	CHECK_ERR(unlink("rootfile"), EACCES);		/* . is 0755 root's */
	umask(022);
	ut_write_file("tmp/own", "x", 1, 0666);
	CHECK(stat("tmp/own", &st) == 0);
	CHECK(st.st_uid == NOBODY && st.st_gid == NOBODY && (st.st_mode & 0777) == 0644);
	CHECK(rename("tmp/own", "tmp/own2") == 0);
	CHECK(unlink("tmp/own2") == 0);
}

static void t_users_sticky_dir_protects_others_files(void)
{
	fresh_dir("users_sticky");
	CHECK(mkdir("tmp", 0777) == 0);
	CHECK(chmod("tmp", 01777) == 0);
	file_with("tmp/rootfile", 0666);
	file_with("rootfile", 0666);
	as_nobody(nobody_in_sticky_dir, NULL);
	CHECK(rename("tmp/rootfile", "tmp/moved") == 0);
	CHECK(unlink("tmp/moved") == 0);
	CHECK(unlink("rootfile") == 0);
}

static void nobody_chmod_chown(void *arg)
{
	struct stat st;

	(void)arg;
	CHECK_ERR(chmod("rootfile", 0777), EPERM);
	CHECK_ERR(chown("rootfile", NOBODY, NOBODY), EPERM);
	CHECK_ERR(chown("given", 0, -1), EPERM);		/* only root gives files away */
	CHECK(chown("given", -1, NOBODY) == 0);		/* one of its groups */
	CHECK_ERR(chown("given", -1, 0), EPERM);		/* not one of its groups */
	CHECK(chmod("given", 02755) == 0);
	CHECK(stat("given", &st) == 0);
	CHECK_EQ(st.st_mode & 07777, 02755);
}

static void t_users_chmod_chown_need_owner(void)
{
	struct stat st;

	fresh_dir("users_chown");
	file_with("rootfile", 0644);
	file_with("given", 0600);
	CHECK(chown("given", NOBODY, 0) == 0);		/* root gives it away */
	CHECK(stat("given", &st) == 0);
	CHECK(st.st_uid == NOBODY && st.st_gid == 0);
	as_nobody(nobody_chmod_chown, NULL);
	CHECK(chmod("rootfile", 04755) == 0);
	CHECK(chown("rootfile", NOBODY, NOBODY) == 0);
	CHECK(stat("rootfile", &st) == 0);
	CHECK(st.st_uid == NOBODY && (st.st_mode & 07777) == 0755);	/* chown drops set-uid */
}

static void nobody_exec(void *arg)
{
	(void)arg;
	CHECK_ERR(execl("./prog", "prog", "exit", "7", (char *)NULL), EACCES);
}

static void root_exec(void *arg)
{
	execl((const char *)arg, "prog", "exit", "7", (char *)NULL);
	_exit(99);
}

/* ./prog: a copy of ut-helper (mode set by the caller). */
static void copy_helper(void)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	CHECK((in = open(ut_helper, O_RDONLY)) >= 0);
	CHECK((out = open("prog", O_WRONLY | O_CREAT, 0600)) >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CHECK(write(out, buf, (size_t)n) == n);
	close(in);
	close(out);
}

static void run_ids(void *arg)
{
	execl((const char *)arg, "prog", "ids", (char *)NULL);
	_exit(99);
}

static void t_users_exec_needs_x(void)
{

	fresh_dir("users_exec");
	copy_helper();
	CHECK(chmod("prog", 0644) == 0);
	CHECK_EQ(ut_run_child(root_exec, "./prog"), 99 << 8);	/* root too needs an x bit */
	CHECK(chmod("prog", 0744) == 0);
	as_nobody(nobody_exec, NULL);
	CHECK_EQ(ut_run_child(root_exec, "./prog"), 7 << 8);
}

/* A set-user-ID program runs with its owner as effective uid, the caller's as real, and
 * AT_SECURE set. */
static void t_users_setuid_program_runs_as_owner(void)
{
	struct statvfs vfs;

	fresh_dir("users_suid");
	if (statvfs(".", &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		ut_skip("the suite's directory is on a nosuid mount");
	copy_helper();
	CHECK(chown("prog", NOBODY, NOBODY) == 0);
	CHECK(chmod("prog", 04755) == 0);
	CHECK_EQ(ut_run_child(run_ids, "./prog"), 7 << 8);
	CHECK(chmod("prog", 0755) == 0);
	CHECK_EQ(ut_run_child(run_ids, "./prog"), 2 << 8);
}

/* ---- processes ---- */

static void nobody_kill(void *arg)
{
	pid_t victim = *(pid_t *)arg;

	CHECK_ERR(kill(victim, SIGTERM), EPERM);
	CHECK_ERR(kill(victim, 0), EPERM);
	CHECK_ERR(kill(getppid(), SIGKILL), EPERM);
	CHECK(kill(getpid(), 0) == 0);
}

static void t_users_kill_needs_same_user(void)
{
	pid_t victim;
	int st;

	need_root();
	victim = fork();
	CHECK(victim >= 0);
	if (victim == 0) {
		for (;;)
			pause();
	}
	as_nobody(nobody_kill, &victim);
	CHECK(kill(victim, SIGTERM) == 0);
	st = ut_wait(victim);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}

static void nobody_proc(void *arg)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/environ", *(int *)arg);
	CHECK_ERR(open(path, O_RDONLY), EACCES);
	snprintf(path, sizeof(path), "/proc/%d/maps", *(int *)arg);
	CHECK_ERR(open(path, O_RDONLY), EACCES);
	snprintf(path, sizeof(path), "/proc/%d/status", *(int *)arg);
	CHECK(close(open(path, O_RDONLY)) == 0);
	/* its own environ is not checked: Linux makes a process that changed ids undumpable,
	 * and its /proc files then belong to root (keel does not) */
	CHECK(close(open("/proc/self/maps", O_RDONLY)) == 0);
}

static void t_users_proc_memory_files_denied(void)
{
	int me = getpid();
	char path[64];

	need_root();
	as_nobody(nobody_proc, &me);
	snprintf(path, sizeof(path), "/proc/%d/environ", getppid());
	CHECK(close(open(path, O_RDONLY)) == 0);
}

static void nobody_shadow(void *arg)
{
	(void)arg;
	CHECK_ERR(open("/etc/shadow", O_RDONLY), EACCES);
	CHECK(close(open("/etc/passwd", O_RDONLY)) == 0);
}

static void t_users_shadow_is_private(void)
{
	struct stat st;

	need_root();
	if (!ut_on_keel())
		ut_skip("keel's initrd only");
	CHECK(stat("/etc/shadow", &st) == 0);
	CHECK(st.st_uid == 0 && (st.st_mode & 077) == 0);
	as_nobody(nobody_shadow, NULL);
	CHECK(close(open("/etc/shadow", O_RDONLY)) == 0);
}

const struct ut_test ut_users_tests[] = {
	{ "users_setuid_rules", t_users_setuid_rules, 0 },
	{ "users_private_file_denied", t_users_private_file_denied, 0 },
	{ "users_sticky_dir_protects_others_files", t_users_sticky_dir_protects_others_files, 0 },
	{ "users_chmod_chown_need_owner", t_users_chmod_chown_need_owner, 0 },
	{ "users_exec_needs_x", t_users_exec_needs_x, 0 },
	{ "users_setuid_program_runs_as_owner", t_users_setuid_program_runs_as_owner, 0 },
	{ "users_kill_needs_same_user", t_users_kill_needs_same_user, 0 },
	{ "users_proc_memory_files_denied", t_users_proc_memory_files_denied, 0 },
	{ "users_shadow_is_private", t_users_shadow_is_private, 0 },
	{ NULL, NULL, 0 },
};
