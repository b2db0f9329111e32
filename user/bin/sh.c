/*
 * user/bin/sh.c — keel's small shell.
 *
 *   sh                interactive: a prompt when fd 0 is a terminal, one line per command
 *   sh -c 'CMD'       runs CMD and exits with its status
 *   sh FILE [ARGS]    runs FILE line by line
 * A line is commands separated by ';'; a command is a pipeline of any length joined by '|',
 * each stage with words and the redirections `< F`, `> F`, `>> F`. Words may be quoted with
 * '...' (literal) or "..." ($? still expands); `$?` is the last status; `#` starts a comment.
 * Programs are found in /bin then /sbin (a name with '/' is used as is). Builtins: cd, exit,
 * pwd. A stage killed by a signal gives status 128 + signal.
 * SIGINT has a handler (not SIG_IGN, so exec gives children the default action and ^C kills
 * them): at the prompt it drops the line and prompts again; while waiting it just waits.
 */
#include "ulib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINE  4096
#define MAX_WORDS 128
#define MAX_STAGES 32

enum tok { T_WORD, T_PIPE, T_LT, T_GT, T_GTGT, T_SEMI, T_END };

struct stage {
	char *argv[MAX_WORDS + 1];
	int argc;
	char *in, *out;
	int append;
};

static int last_status;
static volatile sig_atomic_t got_sigint;
static const char *prog = "sh";

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

/* ------------------------------------------------------------------ lexer */

struct lexer {
	const char *p;
	char buf[MAX_LINE * 2];		/* word storage: each word NUL-terminated */
	size_t used;
};

/* Appends the decimal text of $? to the word being built. */
static int put_status(struct lexer *lx)
{
	int n = snprintf(lx->buf + lx->used, sizeof(lx->buf) - lx->used, "%d", last_status);

	if (n < 0 || (size_t)n >= sizeof(lx->buf) - lx->used)
		return -1;
	lx->used += (size_t)n;
	return 0;
}

static int put_char(struct lexer *lx, char c)
{
	if (lx->used + 1 >= sizeof(lx->buf))
		return -1;
	lx->buf[lx->used++] = c;
	return 0;
}

/* Reads one word at lx->p into lx->buf; returns its start, or NULL on an error (reported). */
static char *lex_word(struct lexer *lx)
{
	char *start = lx->buf + lx->used;
	const char *p = lx->p;

	while (*p && !strchr(" \t\n|<>;#", *p)) {
		char q = 0;
		if (*p == '\'' || *p == '"')
			q = *p++;
		for (; *p && (q ? *p != q : !strchr(" \t\n|<>;#'\"", *p)); p++) {
			int r = (q != '\'' && p[0] == '$' && p[1] == '?') ? (p++, put_status(lx))
									 : put_char(lx, *p);
			if (r < 0) {
				fdprintf(2, "%s: line too long\n", prog);
				return NULL;
			}
		}
		if (q) {
			if (*p != q) {
				fdprintf(2, "%s: unterminated %c\n", prog, q);
				return NULL;
			}
			p++;
		}
	}
	lx->p = p;
	if (put_char(lx, '\0') < 0)
		return NULL;
	return start;
}

/* Next token; a word's text goes to *word. T_END at end of line or at '#'. -1 on error. */
static int lex(struct lexer *lx, char **word)
{
	while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n')
		lx->p++;
	switch (*lx->p) {
	case '\0': case '#': return T_END;
	case '|': lx->p++; return T_PIPE;
	case ';': lx->p++; return T_SEMI;
	case '<': lx->p++; return T_LT;
	case '>':
		lx->p++;
		if (*lx->p == '>') {
			lx->p++;
			return T_GTGT;
		}
		return T_GT;
	}
	*word = lex_word(lx);
	return *word ? T_WORD : -1;
}

/* ------------------------------------------------------------------ parser */

/*
 * Parses one pipeline into st[]; returns the number of stages (0 for an empty command), or -1
 * on a syntax error. *sep is the token that ended it (T_SEMI or T_END).
 */
static int parse_pipeline(struct lexer *lx, struct stage *st, int *sep)
{
	int n = 0;
	char *w;

	memset(&st[0], 0, sizeof(st[0]));
	for (;;) {
		int t = lex(lx, &w);
		struct stage *s = &st[n];
		if (t < 0)
			return -1;
		if (t == T_WORD) {
			if (s->argc == MAX_WORDS) {
				fdprintf(2, "%s: too many words\n", prog);
				return -1;
			}
			s->argv[s->argc++] = w;
			continue;
		}
		if (t == T_LT || t == T_GT || t == T_GTGT) {
			if (lex(lx, &w) != T_WORD) {
				fdprintf(2, "%s: redirection without a file name\n", prog);
				return -1;
			}
			if (t == T_LT)
				s->in = w;
			else {
				s->out = w;
				s->append = t == T_GTGT;
			}
			continue;
		}
		if (s->argc == 0 && (t == T_PIPE || n > 0 || s->in || s->out)) {
			fdprintf(2, "%s: syntax error: empty command\n", prog);
			return -1;
		}
		if (s->argc > 0)
			n++;
		if (t != T_PIPE) {
			*sep = t;
			return n;
		}
		if (n == MAX_STAGES) {
			fdprintf(2, "%s: pipeline too long\n", prog);
			return -1;
		}
		memset(&st[n], 0, sizeof(st[n]));
	}
}

/* ------------------------------------------------------------------ execution */

static int builtin_cd(char **argv)
{
	const char *dir = argv[1] ? argv[1] : (getenv("HOME") ? getenv("HOME") : "/");

	if (chdir(dir) < 0) {
		fdprintf(2, "cd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	return 0;
}

static int builtin_pwd(void)
{
	char buf[4096];

	if (!getcwd(buf, sizeof(buf))) {
		warn_errno("pwd", "getcwd");
		return 1;
	}
	fdprintf(1, "%s\n", buf);
	return 0;
}

/* Runs a builtin and returns its status, or -1 if argv[0] is not one. */
static int run_builtin(char **argv)
{
	if (strcmp(argv[0], "cd") == 0)
		return builtin_cd(argv);
	if (strcmp(argv[0], "pwd") == 0)
		return builtin_pwd();
	if (strcmp(argv[0], "exit") == 0)
		exit(argv[1] ? atoi(argv[1]) : last_status);
	return -1;
}

/* Opens file onto fd; 0, or -1 after a message. */
static int redirect(const char *file, int flags, int fd)
{
	int f = open(file, flags | O_CLOEXEC, 0644);

	if (f < 0) {
		fdprintf(2, "%s: %s: %s\n", prog, file, strerror(errno));
		return -1;
	}
	if (dup2(f, fd) < 0) {
		warn_errno(prog, "dup2");
		return -1;
	}
	close(f);
	return 0;
}

/* In the child: redirections, then the builtin or the program. Never returns. */
static void child_exec(struct stage *s)
{
	char path[512];

	signal(SIGINT, SIG_DFL);
	if (s->in && redirect(s->in, O_RDONLY, 0) < 0)
		_exit(1);
	if (s->out && redirect(s->out, O_WRONLY | O_CREAT | (s->append ? O_APPEND : O_TRUNC), 1) < 0)
		_exit(1);
	int r = run_builtin(s->argv);
	if (r >= 0)
		_exit(r);
	if (find_command(s->argv[0], path, sizeof(path)) < 0) {
		fdprintf(2, "%s: %s: command not found\n", prog, s->argv[0]);
		_exit(127);
	}
	execv(path, s->argv);
	fdprintf(2, "%s: %s: %s\n", prog, path, strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Waits for every pid in pids[0..n); returns the status of the last stage. */
static int wait_all(pid_t *pids, int n)
{
	int status = 0, left = 0;

	for (int i = 0; i < n; i++)
		left += pids[i] > 0;
	while (left > 0) {
		int st;
		pid_t got = wait4(-1, &st, 0, NULL);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (pids[i] == got) {
				pids[i] = 0;
				left--;
				if (i == n - 1)
					status = status_code(st);
			}
		}
	}
	return status;
}

static int run_pipeline(struct stage *st, int n)
{
	pid_t pids[MAX_STAGES];
	int in = -1;

	if (n == 1 && !st[0].in && !st[0].out) {	/* cd and exit must run in the shell */
		int r = run_builtin(st[0].argv);
		if (r >= 0)
			return r;
	}
	for (int i = 0; i < n; i++) {
		int p[2] = { -1, -1 };
		if (i < n - 1 && pipe2(p, O_CLOEXEC) < 0) {
			warn_errno(prog, "pipe");
			pids[i] = -1;
			n = i;
			break;
		}
		pids[i] = fork();
		if (pids[i] == 0) {
			if (in >= 0)
				dup2(in, 0);
			if (p[1] >= 0)
				dup2(p[1], 1);
			child_exec(&st[i]);
		}
		if (pids[i] < 0)
			warn_errno(prog, "fork");
		if (in >= 0)
			close(in);
		if (p[1] >= 0)
			close(p[1]);
		in = p[0];
	}
	if (in >= 0)
		close(in);
	if (n == 0)
		return 1;
	int status = wait_all(pids, n);
	return pids[n - 1] < 0 ? 1 : status;
}

static void run_line(const char *line)
{
	static struct lexer lx;
	static struct stage st[MAX_STAGES];
	int sep = T_END;

	lx.p = line;
	lx.used = 0;
	do {
		int n = parse_pipeline(&lx, st, &sep);
		if (n < 0) {
			last_status = 2;
			return;
		}
		if (n > 0)
			last_status = run_pipeline(st, n);
	} while (sep == T_SEMI);
}

/* ------------------------------------------------------------------ input */

/*
 * Reads one line from fd into buf (without the newline). Returns 1 for a line, 0 at end of
 * input, -1 when SIGINT interrupted the read (the partial line is dropped).
 */
static int read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR) {
			if (got_sigint)
				return -1;
			continue;
		}
		if (r <= 0) {
			buf[n] = '\0';
			return n > 0;
		}
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return 1;
}

static int run_fd(int fd, int interactive)
{
	static char line[MAX_LINE];

	for (;;) {
		if (interactive)
			fdprintf(1, "$ ");
		got_sigint = 0;
		int r = read_line(fd, line, sizeof(line));
		if (r < 0) {
			fdprintf(1, "\n");
			last_status = 130;
			continue;
		}
		if (r == 0)
			break;
		run_line(line);
		if (interactive && got_sigint)	/* ^C killed the program: prompt on a new line */
			fdprintf(1, "\n");
	}
	if (interactive)
		fdprintf(1, "\n");
	return last_status;
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;	/* no SA_RESTART: ^C at the prompt interrupts read */
	sigaction(SIGINT, &sa, NULL);
	if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
		run_line(argv[2]);
		return last_status;
	}
	if (argc >= 2) {
		int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fdprintf(2, "%s: %s: %s\n", prog, argv[1], strerror(errno));
			return 127;
		}
		return run_fd(fd, 0);
	}
	return run_fd(0, isatty(0));
}
