/*
 * user/lib/ulib.h — helpers shared by keel's user programs.
 *
 * Small on purpose: messages straight to a file descriptor (no stdio buffer to duplicate
 * across fork), whole writes, and the command lookup the shell and init share.
 */
#ifndef ULIB_H
#define ULIB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes all of buf (retrying short writes and EINTR); 0, or -1 with errno set. */
int write_all(int fd, const void *buf, size_t len);

/* printf to fd through a bounded buffer with one write; returns what write_all returns. */
int fdprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "prog: msg: strerror(errno)" on fd 2, then exit(1). */
void die(const char *prog, const char *msg) __attribute__((noreturn));

/* "prog: msg: strerror(errno)" on fd 2. */
void warn_errno(const char *prog, const char *msg);

/*
 * Resolves a command name: a name with '/' is used as is; otherwise /bin/NAME, then
 * /sbin/NAME. Writes the path into out (size n); 0, or -1 with errno ENOENT/ENAMETOOLONG.
 */
int find_command(const char *name, char *out, size_t n);

/* The exit status a shell shows for a wait status: the exit code, or 128 + signal. */
int status_code(int wstatus);

/*
 * A minimal runner for the one-file test programs (sigtest, tlbtest): a test returns 0, or 1
 * through T_CHECK, which records the failing line, or T_RESULT_SKIP through T_SKIP when the
 * system lacks what it needs. t_run prints "ok   NAME", "FAIL NAME (line N)" or
 * "skip NAME: why" on fd 1 and counts; t_summary prints "PROG: N passed, N failed" (with
 * ", N skipped" when any was) and returns the number failed (the program's exit status).
 */
extern int t_fail_line;
extern const char *t_skip_why;
#define T_RESULT_SKIP	2
#define T_CHECK(c) do { if (!(c)) { t_fail_line = __LINE__; return 1; } } while (0)
#define T_SKIP(why) do { t_skip_why = (why); return T_RESULT_SKIP; } while (0)
/* True when the running kernel is keel (uname's sysname), for tests of keel-only files. */
bool on_keel(void);
void t_run(const char *name, int (*fn)(void));
int t_summary(const char *prog);

#endif
