/*
 * user/bench/rows_proc.c — rows for system calls and processes: the null system call, a pipe
 * round trip between two processes, fork+exit+wait and fork+execve+wait.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* getpid through the raw system call (no library caching on either system). */
static const char *row_getpid(long *n, uint64_t *ticks)
{
	uint64_t t0 = rdtsc();
	long i;

	BENCH_LOOP(i, *n)
		syscall(SYS_getpid);
	*ticks = rdtsc() - t0;
	*n = i;
	return NULL;
}

static int plain_read1(int fd, char *c)
{
	return read(fd, c, 1) == 1 ? 0 : -1;
}

/* Child of the pipe rows: echoes each byte from in to out until EOF. */
static void __attribute__((noreturn)) pipe_echo(int in, int out, int (*read1)(int, char *))
{
	char c;

	while (read1(in, &c) == 0)
		if (write(out, &c, 1) != 1)
			_exit(1);
	_exit(0);
}

const char *bench_pipe_pingpong(long *n, uint64_t *ticks)
{
	return bench_pipe_roundtrips(n, ticks, plain_read1);
}

const char *bench_pipe_roundtrips(long *n, uint64_t *ticks, int (*read1)(int fd, char *c))
{
	int there[2], back[2];
	char c = 'x';

	if (pipe(there) < 0 || pipe(back) < 0)
		return fail_errno("pipe");
	pid_t pid = fork();
	if (pid < 0)
		return fail_errno("fork");
	if (pid == 0) {
		close(there[1]);
		close(back[0]);
		pipe_echo(there[0], back[1], read1);
	}
	close(there[0]);
	close(back[1]);
	const char *why = NULL;
	uint64_t t0 = rdtsc();
	long i;
	BENCH_LOOP(i, *n) {
		if (write(there[1], &c, 1) != 1 || read1(back[0], &c) < 0) {
			why = fail_errno("round trip");
			break;
		}
	}
	*ticks = rdtsc() - t0;
	*n = i;
	close(there[1]);
	close(back[0]);
	waitpid(pid, NULL, 0);
	return why;
}

/* fork, the child _exits at once, the parent waits; argv: NULL for fork+exit. */
static const char *fork_loop(long *n, uint64_t *ticks, char *const argv[])
{
	static char *const envp[] = { NULL };
	uint64_t t0 = rdtsc();
	long i;

	BENCH_LOOP(i, *n) {
		int st;
		pid_t pid = fork();
		if (pid < 0)
			return fail_errno("fork");
		if (pid == 0) {
			if (argv)
				execve(argv[0], argv, envp);
			_exit(argv ? 127 : 0);
		}
		if (waitpid(pid, &st, 0) != pid)
			return fail_errno("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return argv ? fail("execve %s failed in the child (status %#x)", argv[0], st)
				    : fail("the child ended with status %#x", st);
	}
	*ticks = rdtsc() - t0;
	*n = i;
	return NULL;
}

static const char *row_fork_exit(long *n, uint64_t *ticks)
{
	return fork_loop(n, ticks, NULL);
}

static const char *row_fork_exec(long *n, uint64_t *ticks)
{
	static char *const argv[] = { BENCH_SELF, "-x", NULL };

	return fork_loop(n, ticks, argv);
}

const struct bench_row bench_rows_proc[] = {
	{ "getpid", "null system call (getpid)", 20000, 1, row_getpid },
	{ "pipe_pingpong", "pipe round trip between two processes, 1 byte each way", 2000, 1,
	  bench_pipe_pingpong },
	{ "fork_exit", "fork + child _exit + waitpid", 200, 1, row_fork_exit },
	{ "fork_exec", "fork + execve(" BENCH_SELF " -x, a static binary) + waitpid", 100, 1,
	  row_fork_exec },
	{ 0 }
};
